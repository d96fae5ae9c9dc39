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

import bisect
import math
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
    first occurrence stood). Findings are expected with their severity resolved.

    A finding joins the first group (in the order the groups were started) whose first occurrence's
    cause matches its own (`same_cause`). The groups are indexed, not scanned: by the cause's exact
    part (the code, the severity and every value that is not a float, the floats' places marked),
    then by the cause's first float in a sorted list, so a finding is compared only with the groups
    whose first float lies within reach of its own (`_Floats`). A page of 100,000 objects each in
    the margin gives 100,000 findings: comparing each with every group before it took most of a
    minute. Causes holding other values than strings, None and floats (an int may equal a float,
    7 == 7.0) are compared with every group of their code, severity and length, as `same_cause` asks."""
    ordered = sorted(findings, key=Finding.sort_key)
    scanned = {_family(f) for f in ordered if f.cause is not None and f.page and not _indexable(f.cause)}
    groups: List[List[Finding]] = []
    index: Dict[Tuple[Any, ...], Any] = {}  # exact part -> a group number, or _Floats
    families: Dict[Tuple[Any, ...], List[int]] = {}  # the groups of a family scanned in full
    order: List[Tuple[str, Any]] = []  # ("single", finding) or ("group", group number)
    for f in ordered:
        if f.cause is None or not f.page:
            order.append(("single", f))
            continue
        family = _family(f)
        if family in scanned:
            found = _scan(families.setdefault(family, []), f.cause, groups)
            if found is None:
                families[family].append(len(groups))
        else:
            key = family + tuple(_FLOAT if type(x) is float else x for x in f.cause)
            first = next((x for x in f.cause if type(x) is float), None)
            if first is None:  # no float: the cause matches only an equal cause
                found = index.get(key)
                if found is None:
                    index[key] = len(groups)
            else:
                floats = index.get(key)
                if floats is None:
                    floats = index[key] = _Floats()
                found = floats.match(first, f.cause, groups)
                if found is None:
                    floats.add(first, len(groups))
        if found is not None:
            groups[found].append(f)
        else:
            order.append(("group", len(groups)))
            groups.append([f])
    out = []
    for kind, item in order:
        out.append(item if kind == "single" else merged(groups[item]))
    return out


def _family(f: Finding) -> Tuple[Any, ...]:
    return (f.code, f.severity, len(f.cause))  # type: ignore[arg-type]


def _indexable(cause: Tuple[Any, ...]) -> bool:
    """Strings, None and floats only (exactly those types): values whose equality the index keys
    give (a float subclass, an int or a bool may equal a float of another group's cause)."""
    return all(type(x) is str or type(x) is float or x is None for x in cause)


def _scan(numbers: List[int], cause: Tuple[Any, ...], groups: List[List[Finding]]) -> Optional[int]:
    for g in numbers:
        if same_cause(groups[g][0].cause, cause):
            return g
    return None


class _Marker:
    def __repr__(self) -> str:
        return "<float>"


#: where a float stands in a cause's exact part
_FLOAT = _Marker()


class _Floats:
    """The groups of one exact part by the first float of their first occurrence's cause: finite
    values in a sorted list, the others (NaN and the infinities, which `same_cause` finds close to
    any value) in a list of their own. `match` gives the first group (by number) whose cause
    matches, as a scan of every group in order would."""

    def __init__(self):
        self.values: List[float] = []  # sorted
        self.numbers: List[int] = []  # the group of each value
        self.others: List[int] = []

    def add(self, value: float, number: int) -> None:
        if math.isfinite(value):
            at = bisect.bisect_right(self.values, value)
            self.values.insert(at, value)
            self.numbers.insert(at, number)
        else:
            self.others.append(number)

    def match(self, value: float, cause: Tuple[Any, ...], groups: List[List[Finding]]) -> Optional[int]:
        if math.isfinite(value):
            # same_cause asks |a - b| <= max(EXTENT_ABS, EXTENT_REL * max(|a|, |b|)), which implies
            # |a - b| <= max(EXTENT_ABS, EXTENT_REL / (1 - EXTENT_REL) * |b|): looked up a little wider
            reach = max(EXTENT_ABS, EXTENT_REL / (1.0 - EXTENT_REL) * abs(value)) * 1.01 + 1e-9
            lo = bisect.bisect_left(self.values, value - reach)
            hi = bisect.bisect_right(self.values, value + reach)
            candidates = sorted(self.numbers[lo:hi] + self.others)
        else:
            candidates = sorted(self.numbers + self.others)
        return _scan(candidates, cause, groups)


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
    pages = tuple(dict.fromkeys(m.page for m in members))  # in order, each once
    # a member's data is shared, not copied, when it is a plain dict: nothing changes it after the
    # checks, and the members themselves are let go (20,000 copies held at once at 10,000 pages)
    occurrences = [
        {"page": m.page, "bbox": list(m.bbox) if m.bbox else None, "message": m.message,
         "data": m.data if type(m.data) is dict else dict(m.data)}
        for m in members
    ]
    data = dict(first.data)
    data["count"] = len(members)
    data["occurrences"] = occurrences
    return replace(first, pages=pages, data=data)  # type: ignore[arg-type]



def where(finding: Finding) -> str:
    """How a report names a finding's place: "p.3", "pages 1-9, 11", or "file"."""
    pages = finding.all_pages
    if not pages:
        return "file"
    if len(pages) == 1:
        return f"p.{pages[0]}"
    return f"pages {page_ranges(pages)}"
