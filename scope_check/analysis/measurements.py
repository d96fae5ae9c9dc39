"""What a report measures about a paper (`measurements` in the JSON contract): the numbers the
checks judge, taken from the shared analyses, so a report never states one body size and judges
another."""

from __future__ import annotations

from typing import Dict

from scope_check.model.document import Document
from scope_check.model.findings import rounded_bbox
from scope_check.analysis.layout import text_block, topskip, typography
from scope_check.config.rules import RuleSet
from scope_check.analysis.structure import analyse


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
    if s.excluded:
        out["body_excluded"] = [f"{h.title} (page {h.page})" for h in s.excluded]
    if s.appendix_before_references:
        h = s.appendix_before_references
        out["appendix_before_references"] = f"{h.title} (page {h.page})"
    return out
