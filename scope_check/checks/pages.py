"""PAGE: how many pages come before the References, and the paper size of every page."""

from __future__ import annotations

from typing import Iterator, List, Optional

from scope_check.model.document import Document
from scope_check.model.findings import BBox, Finding
from scope_check.checks.helpers import PAPER_OPTIONS, inches, page_list, paper_name, union
from scope_check.config.spec import Check, Param, Params
from scope_check.analysis.structure import analyse

CHECKS = (
    Check(
        code="PAGE001",
        name="page-limit",
        severity="error",
        summary="Pages before the References heading exceed the track's limit. The page holding the heading "
        "counts unless the heading is its first body element. An appendix placed before the References counts. "
        "Sections the venue exempts (ICLR: reproducibility and ethics statements) standing right before the "
        "References are not counted.",
        why="The venue limits the pages before the References; references and appendix do not count.",
        fix="Cut the body to {limit} pages. References and appendix may follow on any number of pages: put "
        "`\\appendix` and its sections after `\\bibliography{{...}}`.",
        fixes={"appendix": "Move the appendix after the References: place `\\appendix` and the appendix sections "
               "after `\\bibliography{{...}}`; only pages before the References count."},
        params=(Param("max_pages", "integer", None, "pages allowed before the References (null: no limit)",
                      unit="pages", minimum=1, nullable=True),),
        example="6 pages before REFERENCES; scope2025-main allows 5",
        run="page_limit",
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
    ),
    Check(
        code="PAGE002",
        name="page-size",
        severity="error",
        summary="A page is not the template's paper size (the rule set's `template.page_size`; a landscape page of "
        "that size passes).",
        why="The template fixes the paper size; another size moves every margin.",
        fix="Use {paper}{paper_option}: do not pass `{other_option}` to \\documentclass or geometry; with pdfLaTeX "
        "set `\\pdfpagewidth={width_in}in \\pdfpageheight={height_in}in`; check included PDF pages are {short_paper} "
        "too.",
        params=(Param("tolerance", "number", 1.0, "allowed difference from the template page size", unit="points",
                      minimum=0),),
        example="every page is 595 x 842 pt (A4); scope2025-main requires 612 x 792 pt (US Letter)",
        run="page_size",
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
    ),
    Check(
        code="PAGE003",
        name="no-references-heading",
        severity="warning",
        summary="No References/Bibliography heading was found, so every page was counted toward the limit, or, "
        "when an appendix is found (an Appendix heading, or lettered sections after numbered ones), the pages "
        "before it.",
        why="The page limit excludes references; without the heading the checker cannot tell where they start.",
        fix="Start the bibliography with a References heading (`\\bibliography{{...}}` does this); a custom title "
        "must be listed in the rule file's structure.references_headings.",
        example="no References heading found (References, Bibliography, Literature, ...): all 7 pages were counted as body",
        run="no_references_heading",
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
    ),
)


def page_limit(doc: Document, params: Params) -> Iterator[Finding]:
    limit: Optional[int] = params.options["max_pages"]
    if limit is None:
        return
    s = analyse(doc, params.rules)
    if s.body_pages <= limit:
        return
    end = s.body_end
    if end is None:
        counted = f"no References heading was found, so all {s.body_pages} pages count"
    elif s.references is None:
        counted = (f"no References heading was found; the {s.body_pages} pages before {_what(s, end)} "
                   f"\"{end.title}\" (page {end.page}) count")
    else:
        counted = f"{s.body_pages} pages before {end.title}"
    notes: List[str] = []
    if s.excluded:
        notes.append("not counting " + ", ".join(f"{h.title} (page {h.page})" for h in s.excluded))
    if s.appendix_before_references and s.appendix_counted:
        a = s.appendix_before_references
        notes.append(f'the appendix "{a.title}" starts on page {a.page}, before the References, so it counts')
    elif s.appendix_before_references:
        a = s.appendix_before_references
        notes.append(f'the appendix "{a.title}" from page {a.page} on, before the References, is not counted')
    note = f" ({'; '.join(notes)})" if notes else ""
    first_over = limit + 1
    yield Finding(
        "PAGE001",
        f"{counted}; {params.rules.name} allows {limit}{note}",
        page=first_over,
        bbox=_overflow_box(s.body_lines[first_over - 1], end if end and end.page == first_over else None),
        fix="appendix" if s.appendix_before_references and s.appendix_counted else "",
        data={
            "pages": s.body_pages,
            "limit": limit,
            "references_page": s.references.page if s.references else None,
            "appendix_before_references": s.appendix_before_references.page if s.appendix_before_references else None,
        },
    )


def _what(s, end) -> str:
    """What the counted body ends at when no References heading was found: the appendix, or a
    statement standing after the References (the NeurIPS checklist)."""
    return "the statement" if any(st.heading == end for st in s.statements) else "the appendix"


def _overflow_box(lines, end) -> Optional[BBox]:
    """The body content on the first page over the limit (above the References if they start there)."""
    stop = end.bbox[1] if end is not None else float("inf")
    return union(ln.bbox for ln in lines if ln.bbox[3] <= stop + 1)


def page_size(doc: Document, params: Params) -> Iterator[Finding]:
    want_w, want_h = params.template["page_size"]
    tol = params.options["tolerance"]
    wrong = {}
    for p in doc.pages:
        fits = abs(p.width - want_w) <= tol and abs(p.height - want_h) <= tol
        turned = abs(p.width - want_h) <= tol and abs(p.height - want_w) <= tol  # a landscape page
        if not (fits or turned):
            wrong.setdefault((round(p.width), round(p.height)), []).append(p.number)
    for (w, h), pages in sorted(wrong.items(), key=lambda kv: kv[1][0]):
        which = "every page is" if len(pages) == doc.page_count else f"{page_list(pages)} {'is' if len(pages) == 1 else 'are'}"
        yield Finding(
            "PAGE002",
            f"{which} {w} x {h} pt{_named(w, h)}; {params.rules.name} requires "
            f"{want_w:g} x {want_h:g} pt{_named(want_w, want_h)}",
            page=pages[0],
            fix_values=_paper_wording(want_w, want_h),
            data={"pages": pages, "width": w, "height": h, "expected": [want_w, want_h]},
            pages=tuple(pages),
        )


def _named(w: float, h: float) -> str:
    name = paper_name(w, h)
    return f" ({name})" if name else ""


def _paper_wording(w: float, h: float) -> dict:
    """The template's paper size in its own terms (US Letter, A4, ...), for PAGE002's fix text."""
    name = paper_name(w, h)
    return {
        "paper": name or f"{w:g} x {h:g} pt pages",
        "paper_option": f" (`{PAPER_OPTIONS[name]}`)" if name and name != "US Letter" else "",
        "other_option": "a4paper" if name != "A4" else "letterpaper",
        "width_in": inches(w),
        "height_in": inches(h),
        "short_paper": (name or f"{w:g} x {h:g} pt").replace("US ", ""),
    }


def no_references_heading(doc: Document, params: Params) -> Iterator[Finding]:
    s = analyse(doc, params.rules)
    if s.references is None:
        names = ", ".join(params.rules.structure["references_headings"][:3])
        end = s.body_end
        if end is not None:
            counted = (f"the {s.body_pages} pages before {_what(s, end)} \"{end.title}\" (page {end.page}) were "
                       f"counted as body")
        else:
            counted = f"all {doc.page_count} pages were counted as body"
        yield Finding(
            "PAGE003",
            f"no References heading found ({names}, ...): {counted}",
            data={"pages": doc.page_count, "body_pages": s.body_pages,
                  "appendix_page": end.page if end is not None else None},
        )
