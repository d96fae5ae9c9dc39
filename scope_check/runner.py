"""Run the checks of a rule set over one PDF: parse once, run every selected check on the model,
turn a check's exception into SCOPE001, and decide the verdict. No printing, no exit codes."""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from scope_check.findings import Finding
from scope_check.rules import RuleSet

#: codes meaning "this file could not be checked": the verdict is `error`
UNCHECKABLE = ("FILE001", "FILE002", "FILE003", "FILE005", "FILE006", "FILE007")
#: severities from worst to mildest: a check's own severity on a finding can only lower the rule file's
_RANK = {"error": 0, "warning": 1, "info": 2}
#: checks that run before the others and stop them when they fire
GATES = ("FILE004", "FILE005")


@dataclass(frozen=True)
class Selection:
    """--select / --ignore by code prefix (`PAGE`, `ANON00`, `FONT003`)."""

    select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()

    def wants(self, code: str) -> bool:
        if code in UNCHECKABLE[:3]:
            return True  # "could not read the file" is never hidden
        if self.select and not code.startswith(self.select):
            return False
        return not (self.ignore and code.startswith(self.ignore))


@dataclass(frozen=True)
class Report:
    path: str
    rules: str
    sha256: Optional[str]
    verdict: str  # pass | fail | error
    findings: Tuple[Finding, ...]
    measurements: Dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    @property
    def internal_error(self) -> bool:
        return any(f.code == "SCOPE001" for f in self.findings)

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "verdict": self.verdict,
            "measurements": self.measurements,
            "findings": [f.to_json() for f in self.findings],
            "elapsed_s": round(self.elapsed_s, 4),
        }


def check_file(path: str, rules: RuleSet, selection: Selection = Selection()) -> Report:
    from scope_check import registry
    from scope_check.document import UnreadablePdf, file_sha256, load
    from scope_check.measurements import measure

    start = time.perf_counter()
    catalogue = registry.checks()
    enabled = [
        c for c in catalogue.values()
        if selection.wants(c.code) and rules.severity(c.code, c.severity) != "off"
    ]
    found: List[Finding] = []
    measurements: Dict[str, Any] = {}
    sha = None
    try:
        doc = load(path)
    except UnreadablePdf as exc:
        found.append(Finding(exc.code, exc.message, hint=_unreadable_hint(path, exc.code, catalogue[exc.code].fix)))
        size = _size(path)
        measurements["file_size_bytes"] = size
        if exc.code != "FILE001":
            sha = _try(file_sha256, path)
            limit = rules.options("FILE004").get("max_bytes")
            if size is not None and limit and size > limit and selection.wants("FILE004"):
                found.append(Finding("FILE004", f"the file is {size:,} bytes; {rules.name} allows {limit:,}",
                                     data={"bytes": size, "limit": limit}))
        return _report(path, rules, sha, found, measurements, start)
    sha = doc.sha256
    measurements.update({"pages": doc.page_count, "file_size_bytes": doc.file_size})
    gates = [c for c in enabled if c.code in GATES and c.run]
    others = [c for c in enabled if c.code not in GATES and c.run]
    for check in gates:
        found.extend(_run(check, doc, rules))
    if not any(f.code in UNCHECKABLE for f in found):
        try:
            measurements.update(measure(doc, rules))
        except Exception as exc:  # the structure is shared; a bug there is reported like a check's
            found.append(_internal("structure analysis", exc))
        for check in others:
            found.extend(_run(check, doc, rules))
    return _report(path, rules, sha, found, measurements, start)


def _unreadable_hint(path: str, code: str, fix: str) -> str:
    """An archive given as a paper: point at the command that checks supplementary material."""
    from scope_check.archive import is_archive

    if code == "FILE001" and is_archive(path):
        return (f"{fix} If this is the supplementary material (code, data), check it with "
                f"`scope-check supplement {os.path.basename(path)}`.")
    return fix


def _run(check, doc, rules: RuleSet) -> Iterable[Finding]:
    from scope_check.registry import Params

    params = Params(rules=rules, options=rules.options(check.code))
    try:
        return list(check.run(doc, params))
    except Exception as exc:
        return [_internal(f"check {check.code} ({check.name})", exc)]


def _internal(what: str, exc: Exception) -> Finding:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {os.path.basename(frame.filename)}:{frame.lineno}" if frame else ""
    return Finding(
        "SCOPE001",
        f"{what} failed: {type(exc).__name__}: {exc}{where}; the other checks still ran",
        hint="A bug in scope-check, not in the paper: please report it with `scope-check --version`.",
        data={"exception": type(exc).__name__},
    )


def _report(path, rules: RuleSet, sha, found: Sequence[Finding], measurements, start) -> Report:
    from scope_check import registry

    catalogue = registry.checks()
    resolved = []
    for f in found:
        check = catalogue[f.code]
        severity = rules.severity(f.code, check.severity)
        if severity == "off" and f.code not in UNCHECKABLE:
            continue
        severity = "error" if severity == "off" else severity
        if _RANK.get(f.severity, 0) > _RANK[severity]:
            severity = f.severity  # a check may downgrade one finding (a squeeze is only a warning)
        resolved.append(f.resolved(check.name, severity))
    resolved.sort(key=Finding.sort_key)
    if any(f.code in UNCHECKABLE and f.severity == "error" for f in resolved):
        verdict = "error"  # could not be checked (a rebuilt but readable file is only warned about)
    elif any(f.severity == "error" for f in resolved):
        verdict = "fail"
    else:
        verdict = "pass"
    return Report(
        path=path,
        rules=rules.name,
        sha256=sha,
        verdict=verdict,
        findings=tuple(resolved),
        measurements=measurements,
        elapsed_s=time.perf_counter() - start,
    )


def _size(path: str) -> Optional[int]:
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def _try(fn, *args):
    try:
        return fn(*args)
    except OSError:
        return None


def exit_code(reports: Iterable[Report], exit_zero: bool = False) -> int:
    """0 nothing wrong; 1 an error-level finding or an unreadable file; 2 the tool failed (SCOPE001)."""
    reports = list(reports)
    if any(r.internal_error for r in reports):
        return 2
    if not exit_zero and any(r.verdict != "pass" for r in reports):
        return 1
    return 0
