"""Where the template's text block belongs on the paper actually used.

On the template's paper size the block is where the template puts it (ICLR: 5.5 x 9 in, 1.5 in
from the left edge). On another size (A4, the classic mistake) the template's position means
nothing: `geometry` or the class centres the block on the page, so it sits elsewhere although
its margins were not shrunk. There the block is judged by its size: a rectangle of the template's
size anchored where the measured body block starts (its left edge and its first baseline less
\\topskip). Content is then measured against the block where it actually sits, MARG002 reports
only a block larger than the template's, and the paper size is PAGE002's finding alone.
"""

from __future__ import annotations

from collections import Counter

from scope_check.document import Document
from scope_check.findings import BBox
from scope_check.body_layout import text_block, topskip
from scope_check.rules import RuleSet

#: a page is the template's size within this many points (PAGE002's default tolerance)
PAGE_SIZE_TOLERANCE = 1.0


def template_paper(doc: Document, rules: RuleSet) -> bool:
    """The most common page size of the document is the template's (portrait or landscape)."""
    return doc.derived(("template-paper", rules.template), lambda: _template_paper(doc, rules))


def _template_paper(doc: Document, rules: RuleSet) -> bool:
    size = rules.template["page_size"]
    if not doc.pages:
        return True
    (w, h), _ = Counter((round(p.width, 1), round(p.height, 1)) for p in doc.pages).most_common(1)[0]
    want_w, want_h = float(size[0]), float(size[1])
    tol = PAGE_SIZE_TOLERANCE
    return (abs(w - want_w) <= tol and abs(h - want_h) <= tol) or (abs(w - want_h) <= tol and abs(h - want_w) <= tol)


def reference_block(doc: Document, rules: RuleSet) -> BBox:
    """The block the content is judged against: the template's, or on paper of another size a
    block of the template's size where the body block sits."""
    x0, y0, x1, y1 = (float(v) for v in rules.template["text_block"])
    if template_paper(doc, rules):
        return (x0, y0, x1, y1)
    block = text_block(doc, rules)
    left = block.x0 if block.columns else x0
    top = block.first_baseline - topskip(rules) if block.first_baseline is not None else y0
    return (left, top, left + (x1 - x0), top + (y1 - y0))
