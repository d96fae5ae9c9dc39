"""What a check reports: one immutable `Finding` per violation."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Optional, Tuple

SEVERITIES = ("error", "warning", "info")

BBox = Tuple[float, float, float, float]


@dataclass(frozen=True)
class Finding:
    """One violation. Checks leave `name` and `severity` empty; the runner fills them from the
    registry and the rule file (the severity is the rule file's choice, not the check's). A check
    leaves `hint` empty too: the runner writes it from the check's spec, the fix text `fix` names
    formatted with `data` and `fix_values` (`scope_check.config.spec.Check`)."""

    code: str
    message: str
    page: Optional[int] = None  # 1-based
    bbox: Optional[BBox] = None  # PDF points, origin top-left
    hint: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    name: str = ""
    severity: str = ""
    #: every page of a grouped finding, in order (`page` is the first); empty: just `page`
    pages: Tuple[int, ...] = ()
    #: what makes two findings of one code the same problem, for grouping (scope_check/grouping.py):
    #: a tuple of hashables, floats compared as extents (close enough is the same); None: never grouped
    cause: Optional[Tuple[Any, ...]] = field(default=None, compare=False)
    # {"file": "main.tex", "line": 120}: where SyncTeX maps the finding (scope_check.output.synctex)
    source: Optional[Mapping[str, Any]] = None
    #: which of its check's fix texts is the hint: "" the spec's `fix`, else a name in its `fixes`;
    #: None: no hint at all. Not output (the hint is)
    fix: Optional[str] = ""
    #: values the fix text is formatted with besides `data`'s: wording computed from the rule set
    #: (the template's name, its paper size in inches) that is not data. Not output
    fix_values: Mapping[str, Any] = field(default_factory=dict)
    #: the file was read and is checked; this finding is about part of it (a page damaged or left
    #: unanalysed), so even as an error of an "uncheckable" code it neither stops the other checks
    #: nor makes the verdict `error` (the verdict is `fail`). Not output
    partial: bool = False

    def sort_key(self) -> tuple:
        return (self.page or 0, self.code, self.bbox[1] if self.bbox else 0.0, self.message)

    @property
    def all_pages(self) -> list:
        """Every page the finding is on: `pages`, or `[page]`, or `[]` for a file-level finding."""
        if self.pages:
            return list(self.pages)
        return [self.page] if self.page else []

    def resolved(self, name: str, severity: str) -> "Finding":
        return replace(self, name=name, severity=severity)

    def to_json(self) -> dict:
        out = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "page": self.page,
            "pages": self.all_pages,
            "bbox": [round(v, 2) for v in self.bbox] if self.bbox else None,
            "message": self.message,
            "hint": self.hint,
            "data": dict(self.data),
        }
        if self.source:
            out["source"] = dict(self.source)
        return out


def rounded_bbox(bbox) -> BBox:
    return tuple(round(float(v), 2) for v in bbox)  # type: ignore[return-value]
