"""TMPL: is this the venue's template at all?

One finding combining the evidence: the paper size, the measured text block and its columns, the
body font's family, the running header (the rule file's patterns, so a workshop's edited header
is no evidence against it) and the review line-number ruler. Shrunk margins alone are MARG002's
business and a wrong paper size alone PAGE002's; this check fires when the paper is set in
another template: another body font family, another number of columns, neither the template's
header nor its ruler, or both another paper size and another text block.
"""

from __future__ import annotations

from typing import Iterator, List, Optional

from scope_check.model.document import Document
from scope_check.model.findings import Finding, rounded_bbox
from scope_check.analysis.layout import family_of, plain_name, text_block, topskip, typography
from scope_check.checks.helpers import clipped, inches, paper_name, the_template, template_name
from scope_check.config.spec import Check, Param, Params
from scope_check.analysis.structure import analyse, first_header

CHECKS = (
    Check(
        code="TMPL001",
        name="wrong-template",
        severity="error",
        summary="The PDF is set in another template. Evidence: the paper size, the measured text block and "
        "its number of columns, the body font's family (Times under any of its names), the running header "
        "(the rule file's patterns: a workshop's own header passes) and the review line-number ruler. It "
        "fires on another body font family, another column count, neither header nor ruler, or another "
        "paper size together with another text block; the message lists every difference found.",
        why="The venue requires its LaTeX template.",
        fix="Start from the official {template}{style} in an `article` document, without `geometry`, `twocolumn` or "
        "another venue's class; keep its header and line numbers (review mode).",
        params=(Param("block_tolerance", "number", 18.0, "a text block differing from the template's by more than "
                      "this (width or height) counts as evidence of another template (18 = 0.25 in; smaller "
                      "changes are MARG002's)", unit="points", minimum=0),),
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
    rules = params.rules
    tpl = params.template
    s = analyse(doc, rules)
    t = typography(doc, rules)
    block = text_block(doc, rules)
    tol = params.options["block_tolerance"]
    evidence: List[str] = []  # what differs, for the message
    identity = []  # reasons that alone say "another template"

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

    # the running header and the review ruler
    header = tpl["header"]
    patterns = list(header["review"]) + list(header["camera_ready"])
    has_header = first_header(s, patterns) is not None if patterns else True
    has_ruler = bool(s.review_ruler_pages) or not tpl["ruler"]
    if not has_header and not has_ruler:
        identity.append("header and ruler")
        shown = _shown_header(s.header_texts)
        evidence.append(f"no {_name(params)} running header" + (f" (\"{shown}\")" if shown else ""))
        evidence.append("no review line-number ruler")

    if not identity:
        return
    expected = _expected(params)
    yield Finding(
        "TMPL001",
        f"not {the_template(tpl)}: {', '.join(evidence)}; {_name(params)} is {expected}",
        page=1,
        bbox=rounded_bbox(block.bbox(skip)) if block.bbox(skip) else None,
        fix_values={"template": the_template(tpl)[4:], "style": _style(tpl)},
        data={
            "reasons": identity,
            "evidence": evidence,
            "page_size": [pw, ph],
            "text_block_in": [round(width / 72, 2), round(height / 72, 2)] if width and height else None,
            "columns": len(block.columns),
            "body_font": t.font,
            "header": has_header,
            "ruler": bool(s.review_ruler_pages),
        },
    )


def other_template(doc: Document, rules) -> bool:
    """Is the paper set in another template than the rule set's? The same judgement as TMPL001,
    made whether or not TMPL001 is selected, so that what depends on it (the hints fitted to a
    paper of another template) never changes with the selection."""
    return doc.derived(("other-template", rules.template, rules.structure, id(rules)),
                       lambda: any(True for _ in wrong_template(doc, Params(rules=rules, options=rules.options("TMPL001")))))


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
