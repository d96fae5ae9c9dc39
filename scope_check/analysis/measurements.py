"""What a report measures about a paper (`measurements` in the JSON contract): the numbers the
checks judge, taken from the shared analyses, so a report never states one body size and judges
another."""

from __future__ import annotations

from typing import Dict

from scope_check.model.document import Document
from scope_check.model.findings import rounded_bbox
from scope_check.analysis.layout import text_block, topskip, typography
from scope_check.config.rules import RuleSet
from scope_check.analysis.structure import Statement, analyse


def measure(doc: Document, rules: RuleSet) -> Dict[str, object]:
    s = analyse(doc, rules)
    t = typography(doc, rules)
    block = text_block(doc, rules).bbox(topskip(rules))
    out: Dict[str, object] = {
        "pages": doc.page_count,
        "body_pages": s.body_pages,
        "references_page": s.references.page if s.references else None,
        "file_size_bytes": doc.file_size,
        "body_font_size": t.size,
        "body_leading": t.leading,
        "text_block": list(rounded_bbox(block)) if block else None,
    }
    excluded = ([] if s.appendix_counted else [s.appendix_before_references]) + list(s.excluded)
    if excluded:
        out["body_excluded"] = [f"{h.title} (page {h.page})" for h in excluded if h is not None]
    if s.appendix_before_references:
        h = s.appendix_before_references
        out["appendix_before_references"] = f"{h.title} (page {h.page})"
    if rules.structure["statements"]:  # the rule set lists statements: every one found, with its pages
        out["statements"] = [statement_facts(st) for st in s.statements]
    return out


def statement_facts(st: Statement) -> Dict[str, object]:
    """One statement as the report gives it: its kind, heading, pages, length and whether it counted."""
    return {"kind": st.kind, "heading": st.heading.title, "page": st.heading.page, "last_page": st.last_page,
            "length_pages": round(st.length, 2), "place": st.place, "counted": st.counted}
