"""TMPL: is this the venue's template at all?

A template's identity is its geometry, its columns and its body font: the paper size, the
measured text block (its size and, on the template's paper, where it stands) and its columns, the
body font's family. The running header (the rule file's patterns, so a workshop's edited header
is no evidence against it) and the review line-number ruler are the template's marks: they
decide whether the block's place counts too, never alone whether the paper is another template.
The check fires (an error) on another body font family, another column count, another paper size
together with another text block, or neither header nor ruler with a text block of another size
or in another place (NeurIPS sets ICLR's 5.5 x 9 in block 9.9 pt higher and prints no header).
The template's own geometry, columns and font with neither its header nor its ruler (a preprint
or a course report in the template's style) is one warning: the marks are missing, the template
is not. That nothing marks review mode in a submission is ANON001's error. Shrunk margins alone
are MARG002's business and a wrong paper size alone PAGE002's.
"""

from __future__ import annotations

from typing import Iterator, List, Optional

from scope_check.model.document import Document
from scope_check.model.findings import Finding, rounded_bbox
from scope_check.analysis.layout import family_of, plain_name, text_block, topskip, typography
from scope_check.checks.helpers import clipped, inches, paper_name, the_template, template_name
from scope_check.config.spec import Check, Param, Params
from scope_check.analysis.structure import HEADER, analyse, first_header

CHECKS = (
    Check(
        code="TMPL001",
        name="wrong-template",
        severity="error",
        summary="The PDF is set in another template. A template is identified by its geometry, columns and body "
        "font: the paper size, the measured text block (its size, and on the template's paper where it stands) and "
        "its number of columns, the body font's family (Times under any of its names). The running header (the rule "
        "file's patterns: a workshop's own header passes) and the review line-number ruler are the template's marks, "
        "not its identity. It fires on another body font family, another column count, another paper size together "
        "with another text block, or neither header nor ruler with a text block of another size or more than "
        "`place_tolerance` away from the template's place (NeurIPS: the same block, higher, no header); the message "
        "lists every difference found. The template's geometry, columns and font with neither its header nor its "
        "ruler (a preprint or course report in the template's style) is a warning; that nothing marks review mode "
        "in a submission is ANON001's error.",
        why="The venue requires its LaTeX template.",
        fix="Start from the official {template}{style} in an `article` document, without `geometry`, `twocolumn` or "
        "another venue's class; keep its header and line numbers (review mode).",
        fixes={
            "marks": "Keep what the {template} prints in review mode: its running header (remove the `\\lhead` or "
            "`\\fancyhead` that replaces it) and its line-number ruler (leave {switch} out until the camera-ready "
            "version and do not clear the ruler).",
        },
        params=(Param("block_tolerance", "number", 18.0, "a text block differing from the template's by more than "
                      "this (width or height) counts as evidence of another template (18 = 0.25 in; smaller "
                      "changes are MARG002's)", unit="points", minimum=0),
                Param("place_tolerance", "number", 6.0, "without the template's running header and review ruler, a "
                      "text block whose left edge, top or width differs from the template's by more than this, or "
                      "that reaches further down, is another template's (NeurIPS sets ICLR's 5.5 x 9 in block 9.9 pt "
                      "higher; faithful re-implementations land within 4 pt, and the smallest `geometry` change is "
                      "7.2 pt)", unit="points", minimum=0)),
        example="not the ICLR 2025 template: A4 paper, text block 6.3 x 9.6 in in two columns, no ICLR 2025 "
        "running header, no review line-number ruler; ICLR 2025 is 5.5 x 9 in, one column, US Letter paper, "
        "Times, its running header, line numbers in review mode",
        run="wrong_template",
    ),
)


#: a page this close (points) to the template's size, either way round, is the template's size
PAGE_TOLERANCE = 1.0

_COLUMNS = {1: "one column", 2: "two columns", 3: "three columns"}


def wrong_template(doc: Document, params: Params) -> Iterator[Finding]:
    judged = _judge(doc, params)
    tpl = params.template
    fix_values = {"template": the_template(tpl)[4:], "style": _style(tpl), "switch": _switch(tpl)}
    if judged["reasons"]:
        yield Finding(
            "TMPL001",
            f"not {the_template(tpl)}: {', '.join(judged['evidence'])}; {_name(params)} is {_expected(params)}",
            page=1,
            bbox=judged["block_bbox"],
            fix_values=fix_values,
            data=judged["data"],
        )
    elif judged["marks_missing"]:
        shown = judged["data"]["header_text"]
        header = f' (it reads "{shown}")' if shown else ""
        yield Finding(
            "TMPL001",
            f"{the_template(tpl)}'s geometry, columns and body font, but neither its running header{header} nor "
            f"its review line-number ruler",
            page=judged["header_page"] or 1,
            bbox=judged["header_bbox"],
            severity="warning",
            fix="marks",
            fix_values=fix_values,
            data=judged["data"],
        )


def other_template(doc: Document, rules) -> bool:
    """Is the paper set in another template than the rule set's? The same judgement as TMPL001's
    error (its warning, the template without its marks, is the template), made whether or not
    TMPL001 is selected, so that what depends on it (the hints fitted to a paper of another
    template) never changes with the selection."""
    return doc.derived(("other-template", rules.template, rules.structure, id(rules)),
                       lambda: bool(_judge(doc, Params(rules=rules, options=rules.options("TMPL001")))["reasons"]))


def _judge(doc: Document, params: Params) -> dict:
    """Every piece of evidence: `reasons` (those that alone say "another template"), `evidence`
    (what differs, for the message), `marks_missing` (neither the template's header nor its
    ruler), the finding's data and where to point."""
    rules = params.rules
    tpl = params.template
    s = analyse(doc, rules)
    t = typography(doc, rules)
    block = text_block(doc, rules)
    tol = params.options["block_tolerance"]
    evidence: List[str] = []  # what differs, for the message
    identity: List[str] = []  # reasons that alone say "another template"

    # the template's marks: its running header, its review ruler
    header = tpl["header"]
    patterns = list(header["review"]) + list(header["camera_ready"])
    has_header = first_header(s, patterns) is not None if patterns else True
    has_ruler = bool(s.review_ruler_pages) or not tpl["ruler"]
    marks_missing = not has_header and not has_ruler

    # paper size: the size most pages have
    want_w, want_h = tpl["page_size"]
    sizes = {}
    for p in doc.pages:
        sizes[(round(p.width, 1), round(p.height, 1))] = sizes.get((round(p.width, 1), round(p.height, 1)), 0) + 1
    (pw, ph), _ = max(sizes.items(), key=lambda kv: kv[1])
    page_wrong = not (
        (abs(pw - want_w) <= PAGE_TOLERANCE and abs(ph - want_h) <= PAGE_TOLERANCE)
        or (abs(pw - want_h) <= PAGE_TOLERANCE and abs(ph - want_w) <= PAGE_TOLERANCE)
    )
    if page_wrong:
        evidence.append(f"{_size_name(pw, ph)} paper")

    # the text block and its columns
    x0, y0, x1, y1 = tpl["text_block"]
    skip = topskip(rules)
    block_wrong = False
    width = height = None
    moved = _moved(block, tpl, skip, page_wrong, params.options["place_tolerance"])
    if block.columns:
        width = block.x1 - block.x0
        if block.first_baseline is not None and block.last_baseline is not None:
            height = block.last_baseline - block.first_baseline + skip
        block_wrong = abs(width - (x1 - x0)) > tol or (height is not None and abs(height - (y1 - y0)) > tol)
        columns = len(block.columns)
        want_columns = int(tpl["columns"])
        shape = f"text block {width / 72:.1f} x {height / 72:.1f} in" if height is not None else f"text block {width / 72:.1f} in wide"
        if columns != want_columns:
            identity.append("columns")
            evidence.append(f"{shape} in {_COLUMNS.get(columns, f'{columns} columns')}")
        elif block_wrong:
            evidence.append(shape)
        elif marks_missing and moved:
            # without the template's marks, the block's place is evidence too (NeurIPS: same size, higher)
            where = _where(moved)
            evidence.append(f"{shape}, {where} than {_name(params)}'s" if where else shape)
    if page_wrong and block_wrong:
        identity.append("page and block")

    # the body font's family
    families = tpl["font_families"]
    wanted = list(tpl["body_font_families"])
    if t.font and wanted:
        family = family_of(t.font, families)
        if family not in wanted:
            identity.append("font")
            evidence.append(f"body font {plain_name(t.font)}" + (f" ({family})" if family else ""))

    # neither header nor ruler: another template when the block is not the template's either
    shown = _shown_header(s.header_texts)
    if marks_missing:
        evidence.append(f"no {_name(params)} running header" + (f" (\"{shown}\")" if shown else ""))
        evidence.append("no review line-number ruler")
        if moved or block_wrong:
            identity.append("header and ruler")

    header_page, header_bbox = _header_line(s) if marks_missing and not identity else (None, None)
    box = block.bbox(skip)
    return {
        "reasons": identity,
        "evidence": evidence,
        "marks_missing": marks_missing,
        "block_bbox": rounded_bbox(box) if box else None,
        "header_page": header_page,
        "header_bbox": header_bbox,
        "data": {
            "reasons": identity,
            "evidence": evidence,
            "page_size": [pw, ph],
            "text_block_in": [round(width / 72, 2), round(height / 72, 2)] if width and height else None,
            "columns": len(block.columns),
            "body_font": t.font,
            "header": has_header,
            "ruler": bool(s.review_ruler_pages),
            "header_text": shown if marks_missing else None,
            "block_offset_pt": {side: round(v, 1) for side, v in moved.items()},
        },
    }


def _moved(block, tpl, skip: float, page_wrong: bool, tol: float) -> dict:
    """{side: signed points} where the measured block is not the template's by more than `tol`:
    its width, and on the template's paper its left edge, its top (the first baseline less
    \\topskip) and a bottom further down (a short last page only ends higher); on other paper
    (where `geometry` centres the block) a taller block. Empty when no block was measured."""
    if not block.columns:
        return {}
    x0, y0, x1, y1 = (float(v) for v in tpl["text_block"])
    moved = {}
    width = block.x1 - block.x0
    if abs(width - (x1 - x0)) > tol:
        moved["width"] = width - (x1 - x0)
    top = block.first_baseline - skip if block.first_baseline is not None else None
    bottom = block.last_baseline
    if not page_wrong:
        if abs(block.x0 - x0) > tol:
            moved["left"] = block.x0 - x0
        if top is not None and abs(top - y0) > tol:
            moved["top"] = top - y0
        if bottom is not None and bottom - y1 > tol:
            moved["bottom"] = bottom - y1
    elif top is not None and bottom is not None and (bottom - top) - (y1 - y0) > tol:
        moved["height"] = (bottom - top) - (y1 - y0)
    return moved


def _where(moved: dict) -> str:
    """'9.9 pt higher', '12.0 pt further left, 9.9 pt higher': the block's shift ('' for a size change)."""
    parts = []
    if "left" in moved:
        parts.append(f"{abs(moved['left']):.1f} pt further {'left' if moved['left'] < 0 else 'right'}")
    if "top" in moved:
        parts.append(f"{abs(moved['top']):.1f} pt {'higher' if moved['top'] < 0 else 'lower'}")
    return ", ".join(parts)


def _header_line(s) -> tuple:
    """(page, rounded bbox) of the first running-header line, or (None, None). Only that page's
    furniture is read (a packed document decodes a page to read it)."""
    if not s.header_texts:
        return None, None
    number = s.header_texts[0][0]
    for role, line in s.furniture[number - 1]:
        if role == HEADER:
            return number, rounded_bbox(line.bbox)
    return number, None


def _switch(tpl) -> str:
    final_copy = tpl["latex_final_copy"]
    return f"`{final_copy}`" if final_copy else "the camera-ready switch"


def _name(params: Params) -> str:
    return template_name(params.template)


def _style(tpl) -> str:
    """': `\\usepackage{iclr2025_conference,times}`', the template's style as its rule set gives it."""
    return f": `{tpl['latex_style']}`" if tpl["latex_style"] else ""


def _size_name(w: float, h: float) -> str:
    return paper_name(w, h) or f"{w:g} x {h:g} pt"


def _shown_header(texts) -> Optional[str]:
    for _, text in texts:
        if not text.strip().isdigit():
            return clipped(text, 50)
    return None


def _expected(params: Params) -> str:
    tpl = params.template
    x0, y0, x1, y1 = tpl["text_block"]
    w, h = tpl["page_size"]
    columns = _COLUMNS.get(int(tpl["columns"]), f"{tpl['columns']} columns")
    fonts = "/".join(tpl["body_font_families"]) or "its font"
    parts = [f"{inches(x1 - x0)} x {inches(y1 - y0)} in", columns, f"{_size_name(w, h)} paper", fonts]
    if tpl["header"]["review"] or tpl["header"]["camera_ready"]:
        parts.append("its running header")
    if tpl["ruler"]:
        parts.append("line numbers in review mode")
    return ", ".join(parts)
