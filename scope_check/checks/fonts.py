"""FONT: the body's size and baseline pitch against the template's, and fonts not embedded.

The body is the text of the counted pages (before the References), furniture removed; its size
is the dominant size cluster of its characters (captions, footnotes, tables and math are smaller
but fewer), its leading the most common baseline pitch between consecutive body-size lines of a
column (paragraph breaks, headings and floats add space and fall outside the range).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Dict, Iterator, List, Optional, Tuple

from scope_check.model.document import Document, Line
from scope_check.model.findings import Finding, rounded_bbox
from scope_check.analysis.layout import body_region, plain_name, typography
from scope_check.checks.helpers import clipped, page_list, template_name, tex_points, tex_size
from scope_check.config.spec import Check, Param, Params
from scope_check.analysis.structure import analyse
from scope_check.safety.safe_patterns import lazy

CHECKS = (
    Check(
        code="FONT001",
        name="body-font-too-small",
        severity="error",
        summary="The body text size (the size of most characters of the pages before the References, "
        "expansion variants grouped) is below the template's. Captions, footnotes, tables, math and the "
        "References may be smaller: they are not the body.",
        why="The venue's style fixes the body text size; a smaller size breaks the style.",
        fix="Remove `\\small`, `\\footnotesize` or `\\fontsize{{..}}{{..}}\\selectfont` around the body, and any "
        "redefinition of `\\normalsize`; keep the template's {body_size} and shorten the text instead.",
        params=(Param("tolerance", "number", 0.25, "allowed shortfall of the body size (microtype's font expansion "
                      "scales glyphs by up to 2 %; `\\small` is 1 pt short)", unit="points", minimum=0),),
        example="the body text is set in 8.97 pt (the size of most body characters, NimbusRomNo9L); ICLR 2025 "
        "requires 9.96 pt (10 TeX pt), allowed 0.25 pt less",
        run="body_font_too_small",
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
    ),
    Check(
        code="FONT002",
        name="line-spacing-reduced",
        severity="error",
        summary="The body's baseline pitch (the most common distance between consecutive body lines of a "
        "paragraph) is below the template's: an error beyond `error_beyond` points short, a warning up to it. When the body's leading is intact but numbered or "
        "small-caps section headings sit closer to the text than the template ever sets them (`\\vspace` "
        "squeezing), one warning lists them.",
        why="The venue's style fixes the baseline skip; tighter lines break the style.",
        fix="Remove `\\linespread`, `\\renewcommand{{\\baselinestretch}}{{..}}`, `setspace` commands and "
        "`\\fontsize{{..}}{{..}}` with a smaller second argument; shorten the text instead.",
        fixes={"headings": "Remove negative `\\vspace` before and after `\\section`/`\\subsection` and redefinitions "
               "of the sectioning skips (`titlesec` `\\titlespacing`); the body's own leading is intact."},
        params=(
            Param("tolerance", "number", 0.25, "allowed shortfall of the in-paragraph baseline pitch (MuPDF's "
                  "baselines are exact to 0.01 pt; `\\linespread{0.95}` takes 0.55 pt away)", unit="points", minimum=0),
            Param("error_beyond", "number", 0.5, "a shortfall of the pitch up to this is a warning, beyond it an "
                  "error (`\\linespread{0.97}` is 0.31 pt short, `\\linespread{0.95}` 0.56 pt, `\\linespread{0.9}` 1.1 pt)",
                  unit="points", minimum=0),
            Param("heading_below_min", "number", 1.5, "a sectioning heading closer than this to the body line below "
                  "it is squeezed (ICLR leaves 19.2 pt, 18.3 pt fully shrunk: 1.5 leadings is 16.4 pt)",
                  unit="template leadings", minimum=0),
            Param("heading_above_min", "number", 1.9, "a sectioning heading closer than this to the body line above "
                  "it is squeezed (ICLR leaves 23.6 pt, 22.7 pt fully shrunk: 1.9 leadings is 20.8 pt)",
                  unit="template leadings", minimum=0),
            Param("title_size_ratio", "number", 1.5, "a heading on page 1 at least this many body sizes tall is "
                  "the title, not a section", unit="body sizes", minimum=1),
        ),
        example="body lines are 9.90 pt apart (the typical baseline pitch inside paragraphs, 186 measured); "
        "ICLR 2025 sets 10.96 pt (11 TeX pt), allowed 0.25 pt less",
        run="line_spacing_reduced",
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
    ),
    Check(
        code="FONT003",
        name="font-not-embedded",
        severity="warning",
        summary="A font a page uses is not embedded (the base-14 fonts included), with its pages; the message "
        "says whether it is the body font, a font of the page's text or one inside an embedded figure. Type 3 "
        "fonts are drawn by the PDF itself and always count as embedded.",
        why="A font that is not embedded is replaced on the reader's machine: reviewers may see other glyphs "
        "and other line breaks than the authors (IEEE-style venues make this an error).",
        fix="Embed every font: with pdfLaTeX run `updmap -sys --setoption pdftexDownloadBase14 true` (or remove a "
        "`\\pdfmapline` that unembeds it); for a figure, export it with fonts embedded (matplotlib "
        "`pdf.fonttype: 42`) or run the PDF through `ps2pdf -dEmbedAllFonts=true`.",
        example="font TimesNewRomanPS-BoldMT (TrueType), used inside an embedded figure, is not embedded, on "
        "page 8: readers without it see a substitute",
        run="font_not_embedded",
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
    ),
)


_NUMBERED = lazy(r"^(?:\d+(?:\.\d+)*|[A-Z](?:\.\d+)*)\.?\s+\S")


# --- FONT001 ---------------------------------------------------------------------------------


def body_font_too_small(doc: Document, params: Params) -> Iterator[Finding]:
    t = typography(doc, params.rules)
    yield from _below_template(
        doc, params, "FONT001", t.size, "body_font_size", "requires",
        f"the body text is set in {t.size or 0:.2f} pt (the size of most body characters, {plain_name(t.font or '?')})",
        data={"size_pt": t.size, "font": t.font},
        fix_values={"body_size": tex_size(params.template["body_font_size"])},
    )


def _below_template(doc: Document, params: Params, code: str, measured: Optional[float], key: str, verb: str,
                    what: str, data: Dict, fix_values: Optional[Dict] = None) -> Iterator[Finding]:
    """One finding when a body measurement is below the template's `key` by more than the check's
    tolerance, placed on the first body line of the body size."""
    want = params.template[key]
    tol = params.options["tolerance"]
    if measured is None or measured >= want - tol:
        return
    page, box = _first_line_in(doc, params, typography(doc, params.rules).size_range)
    yield Finding(
        code,
        f"{what}; {_name(params)} {verb} {want:g} pt{tex_points(want)}, allowed {tol:g} pt less",
        page=page,
        bbox=box,
        data={**data, "required_pt": want, "tolerance_pt": tol},
        fix_values=fix_values or {},
    )


def _first_line_in(doc: Document, params: Params, size_range: Tuple[float, float]):
    lo, hi = size_range
    for number, lines in body_region(analyse(doc, params.rules)):
        for ln in lines:
            if lo <= ln.size <= hi:
                return number, rounded_bbox(ln.bbox)
    return None, None


def _name(params: Params) -> str:
    return template_name(params.template)


# --- FONT002 ---------------------------------------------------------------------------------


def line_spacing_reduced(doc: Document, params: Params) -> Iterator[Finding]:
    t = typography(doc, params.rules)
    reduced = list(_below_template(
        doc, params, "FONT002", t.leading, "body_leading", "sets",
        f"body lines are {t.leading or 0:.2f} pt apart (the typical baseline pitch inside paragraphs, "
        f"{t.pitches} measured)",
        data={"leading_pt": t.leading, "pitches": t.pitches},
    ))
    if reduced:
        short = params.template["body_leading"] - t.leading
        error_beyond = params.options["error_beyond"]
        mild = short <= error_beyond
        for f in reduced:
            yield replace(
                f,
                message=f.message + (f" (a warning up to {error_beyond:g} pt less)" if mild else ""),
                data={**f.data, "shortfall_pt": round(short, 2), "error_beyond_pt": error_beyond},
                severity="warning" if mild else "",
            )
        return
    want = params.template["body_leading"]
    squeezed = _squeezed_headings(doc, params, want)
    if squeezed:
        first = squeezed[0]
        listed = "; ".join(
            f"\"{q['heading']}\" on page {q['page']}: {q['pitch']:.1f} pt to the line {q['where']} (at least {q['minimum']:.1f})"
            for q in squeezed[:3]
        )
        more = f" and {len(squeezed) - 3} more" if len(squeezed) > 3 else ""
        yield Finding(
            "FONT002",
            f"the space around {len(squeezed)} heading{'s' if len(squeezed) > 1 else ''} is reduced below "
            f"{_name(params)}'s: {listed}{more}",
            page=first["page"],
            bbox=first["bbox"],
            fix="headings",
            data={"headings": [{k: v for k, v in q.items() if k != "bbox"} for q in squeezed], "leading_pt": t.leading},
            severity="warning",
        )


def _squeezed_headings(doc: Document, params: Params, leading: float) -> List[Dict]:
    """Numbered or small-caps section headings of the counted body whose baseline sits closer to
    the body line below or above it than the template ever puts it (`\\vspace` squeezing)."""
    s = analyse(doc, params.rules)
    t = typography(doc, params.rules)
    if t.size is None:
        return []
    lo, hi = t.size_range
    options = params.options
    below_min, above_min = options["heading_below_min"] * leading, options["heading_above_min"] * leading
    region = body_region(s)  # looked up by page
    heading_boxes = {(h.page, h.bbox) for h in s.headings}
    out = []
    for h in s.headings:
        lines = region.get(h.page)
        if not lines or (h.page == 1 and h.size >= options["title_size_ratio"] * t.size):
            continue
        if not _sectioning(h.text, lines, h.bbox):
            continue
        index = next((i for i, ln in enumerate(lines) if ln.bbox == h.bbox), None)
        if index is None:
            continue
        line = lines[index]
        below = _neighbour(lines[index + 1:], line, lo, hi)
        above = _neighbour(reversed(lines[:index]), line, lo, hi)
        if below is not None and below.baseline - line.baseline < below_min:
            out.append(_squeeze(h, "below", below.baseline - line.baseline, below_min))
        elif (above is not None and line.baseline - above.baseline < above_min
              and (h.page, above.bbox) not in heading_boxes):  # after a heading, its after-skip rules
            out.append(_squeeze(h, "above", line.baseline - above.baseline, above_min))
    return out


def _squeeze(h, where: str, pitch: float, minimum: float) -> Dict:
    return {"page": h.page, "heading": clipped(h.text, 40), "where": where,
            "pitch": round(pitch, 2), "minimum": round(minimum, 2), "bbox": rounded_bbox(h.bbox)}


def _sectioning(text: str, lines, box) -> bool:
    """A numbered heading ("3.1 METHOD", "A PROOFS") or one set in small caps (all capitals)."""
    if _NUMBERED.match(text):
        return True
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and text.upper() == text


def _neighbour(candidates, line: Line, lo: float, hi: float) -> Optional[Line]:
    """The nearest body-size line in the same column, going through `candidates` in order."""
    for ln in candidates:
        if ln.bbox[2] <= line.bbox[0] or ln.bbox[0] >= line.bbox[2]:
            continue
        return ln if lo <= ln.size <= hi else None
    return None


# --- FONT003 ---------------------------------------------------------------------------------


def font_not_embedded(doc: Document, params: Params) -> Iterator[Finding]:
    body = typography(doc, params.rules).font
    seen: Dict[str, Dict] = {}
    for page in doc.pages:
        for f in page.fonts:
            if f.embedded or f.type == "Type3":
                continue  # a Type 3 font's glyphs are content streams inside the PDF: always embedded
            entry = seen.setdefault(f.name, {"type": f.type, "pages": [], "figure": True})
            if page.number not in entry["pages"]:
                entry["pages"].append(page.number)
            entry["figure"] = entry["figure"] and f.in_figure
    for name, e in seen.items():
        pages = e["pages"]
        where = page_list(pages)
        if body and name == body:
            what, role = f"the body font {name} ({e['type']})", "body"
        elif e["figure"]:
            what, role = f"font {name} ({e['type']}), used inside an embedded figure,", "figure"
        else:
            what, role = f"font {name} ({e['type']}), used in the page's text,", "page"
        yield Finding(
            "FONT003",
            f"{what} is not embedded, on {where}: readers without it see a substitute",
            page=pages[0],
            data={"font": name, "type": e["type"], "pages": pages, "role": role},
            pages=tuple(pages),
        )
