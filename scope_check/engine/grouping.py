"""Repeated findings as one: findings of one code, one severity and one cause become a single
finding that lists its pages.

A margin note left on twenty pages is one problem with one fix, not twenty. Each check declares
what its finding's cause is (`Finding.cause`: a tuple of what identifies the problem); findings
whose causes match are grouped, whatever check produced them. Strings and other values must be
equal; floats are extents and match when close (EXTENT_ABS points or EXTENT_REL of the larger). A
finding without a cause, or without a page, is never grouped.

The cause names what stays the same from one occurrence to the next, not what happens to differ:
a figure or a frame sticking out is known by its extent (("drawing", "right", 6.9)), but a margin
note by the margin it reaches into and what it says (("margin note", "right", "r 0")): the same note
beside another line, or with another number in it (R2.1 ... R2.18, a line-number ruler), reaches
a little further or less far, and grouping it by extent split one note into several findings.
Findings of one cause with different severities stay apart (a rule file may give the body and
what follows the References different ones).

The grouped finding is the first occurrence (page order) with:
  - `pages`: every page it occurs on, in order (`page` stays the first);
  - `data["occurrences"]`: one entry per occurrence, `{"page", "bbox", "message", "data"}`, so an
    annotator can still mark every one of them and a report can list them;
  - `data["count"]`: how many occurrences.
An ungrouped finding is left exactly as the check made it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, List, Optional, Sequence, Tuple

from scope_check.checks.helpers import page_ranges
from scope_check.model.findings import Finding

#: two extents (points) match when they differ by at most this ...
EXTENT_ABS = 1.0
#: ... or by this share of the larger one
EXTENT_REL = 0.1


def group(findings: Sequence[Finding]) -> List[Finding]:
    """The findings with repeated ones merged, in their original order (a group stands where its
    first occurrence stood). Findings are expected with their severity resolved."""
    groups: List[List[Finding]] = []
    index: Dict[Tuple[str, str, int], List[int]] = {}
    order: List[Tuple[str, Any]] = []  # ("single", finding) or ("group", group number)
    for f in sorted(findings, key=Finding.sort_key):
        if f.cause is None or not f.page:
            order.append(("single", f))
            continue
        key = (f.code, f.severity, len(f.cause))
        for g in index.get(key, ()):
            if same_cause(groups[g][0].cause, f.cause):
                groups[g].append(f)
                break
        else:
            index.setdefault(key, []).append(len(groups))
            order.append(("group", len(groups)))
            groups.append([f])
    out = []
    for kind, item in order:
        out.append(item if kind == "single" else merged(groups[item]))
    return out


def same_cause(a: Optional[Tuple[Any, ...]], b: Optional[Tuple[Any, ...]]) -> bool:
    if a is None or b is None or len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if isinstance(x, float) and isinstance(y, float):
            if abs(x - y) > max(EXTENT_ABS, EXTENT_REL * max(abs(x), abs(y))):
                return False
        elif x != y:
            return False
    return True


def merged(members: Sequence[Finding]) -> Finding:
    """One finding standing for `members` (already in page order)."""
    first = members[0]
    if len(members) == 1:
        return first
    pages: List[int] = []
    for m in members:
        if m.page not in pages:
            pages.append(m.page)  # type: ignore[arg-type]
    occurrences = [
        {"page": m.page, "bbox": list(m.bbox) if m.bbox else None, "message": m.message, "data": dict(m.data)}
        for m in members
    ]
    data = dict(first.data)
    data["count"] = len(members)
    data["occurrences"] = occurrences
    return replace(first, pages=tuple(pages), data=data)



def where(finding: Finding) -> str:
    """How a report names a finding's place: "p.3", "pages 1-9, 11", or "file"."""
    pages = finding.all_pages
    if not pages:
        return "file"
    if len(pages) == 1:
        return f"p.{pages[0]}"
    return f"pages {page_ranges(pages)}"
