"""Run the checks of a rule set over one PDF: parse once, run every selected check on the model,
turn a check's exception into the internal-error finding, and decide the verdict. No printing, no
exit codes. The runner names no check: what it must know of one (it gates the rest, its findings
mean "could not be checked", it cannot be ignored, it judges the file's size alone, it is the
internal error) is an attribute of the check's spec."""

from __future__ import annotations

import os
import sys
import time
import traceback
from dataclasses import replace, dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from scope_check import checks as registry
from scope_check.analysis.measurements import measure
from scope_check.checks import files
from scope_check.config.rules import RuleSet
from scope_check.config.spec import Params
from scope_check.engine.fitting import first_codes, fit
from scope_check.engine.grouping import group
from scope_check.engine.venues import AutoRules
from scope_check.model.document import ResourceLimit, TooLarge, UnreadablePdf, file_sha256
from scope_check.model.findings import Finding
from scope_check.model import loader
from scope_check.safety.collector import paused_collector
from scope_check.safety import limits
from scope_check.safety.limits import InputError, clean_text, display_path, is_archive

#: codes meaning "this file could not be checked": the verdict is `error` (the annotator shares it)
UNCHECKABLE = registry.codes_with("uncheckable")
#: codes meaning "the file could not be opened at all": --select/--ignore never hide them, and
#: there is nothing to annotate (the annotator shares it)
UNOPENABLE = registry.codes_with("cannot_be_ignored")
#: severities from worst to mildest: a check's own severity on a finding can only lower the rule file's
_RANK = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Selection:
    """--select / --ignore by code prefix (`PAGE`, `ANON00`, `FONT003`)."""

    select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()

    def wants(self, code: str) -> bool:
        if code in UNOPENABLE:
            return True  # "could not read the file" is never hidden
        if self.select and not code.startswith(self.select):
            return False
        return not (self.ignore and code.startswith(self.ignore))


def skipped(rules: RuleSet, selection: Selection) -> Tuple[str, ...]:
    """The codes that will not run: left out by --select/--ignore, or `severity: off` in the rules
    (internal and runner-reported codes are never "run", so never skipped)."""
    return tuple(
        code for code, c in registry.checks().items()
        if not (c.internal or c.runner_reported or c.supplement)
        and (not selection.wants(code) or rules.severity(code, c.severity) == "off")
    )


class _Unopened:
    """What a file-level check reads of a file that could not be opened: its size."""

    def __init__(self, path: str, size: Optional[int]):
        self.path = path
        self.file_size = size


@dataclass(frozen=True)
class Report:
    path: str
    rules: str
    sha256: Optional[str]
    verdict: str  # pass | fail | error
    findings: Tuple[Finding, ...]
    measurements: Dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0
    skipped: Tuple[str, ...] = ()  # codes not run: --select/--ignore, or off in the rules
    #: with --rules auto: how this file's rule set (`rules`) was chosen (engine/venues.py); else None
    auto: Optional[Mapping[str, Any]] = None

    def with_skipped(self, codes: Sequence[str]) -> "Report":
            return replace(self, skipped=tuple(codes))

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)

    @property
    def internal_error(self) -> bool:
        return any(registry.checks()[f.code].internal for f in self.findings if f.code in registry.checks())

    @property
    def display_path(self) -> str:
        """The path as the report prints it: valid UTF-8, bytes that are not shown as `\\xHH`."""
        return display_path(self.path)

    def to_json(self) -> dict:
        out = {"path": self.display_path}
        if self.auto is not None:  # --rules auto: each file's own rule set, and how it was chosen
            out["rules"] = self.rules
            out["rules_auto"] = dict(self.auto)
        out.update({key: getattr(self, key) for key in ("sha256", "verdict", "measurements")})
        out["findings"] = [f.to_json() for f in self.findings]
        out["skipped"] = list(self.skipped)  # codes not run: --select/--ignore, or off in the rules
        out["elapsed_s"] = round(self.elapsed_s, 4)
        return out


def check_file(path: str, rules: RuleSet, selection: Selection = Selection(), on_document=None) -> Report:
    """Check one PDF. `on_document(doc)`, when given, also receives the parsed document model (batch
    mode reads its text for duplicate detection instead of parsing the file again). `rules` may be
    `--rules auto`'s AutoRules: the file is checked against the rule set it chooses for the parsed
    paper (against its fallback when the file cannot be read), and the report says so (`auto`)."""
    with paused_collector() as pause:  # a paper's model and its checks make no reference cycle
        if isinstance(rules, AutoRules):
            choice: Dict[str, Any] = {}

            def choose(doc):
                chosen, said = rules.choose(doc)
                choice.update(said)
                return chosen

            report = _check_file(path, rules.fallback, selection, on_document, choose, pause)
            return replace(report, auto=choice or rules.unread())
        return _check_file(path, rules, selection, on_document, None, pause)


def _plan(rules: RuleSet, selection: Selection) -> Tuple[list, list, list, Tuple[str, ...]]:
    """(file-level checks, gates, the other checks, the codes skipped) of a rule set and selection."""
    catalogue = registry.checks()
    enabled = [
        c for c in catalogue.values()
        if selection.wants(c.code) and rules.severity(c.code, c.severity) != "off"
    ]
    file_level = [c for c in enabled if c.file_level and c.run]
    # a gate decides whether the file can be checked at all, so it runs whatever the selection
    # (only `severity: off` in the rules turns it off); its finding is shown when selected, or
    # when it stops the file (it is the reason for the verdict)
    gates = [c for c in catalogue.values()
             if c.gate and c.run and not c.file_level and rules.severity(c.code, c.severity) != "off"]
    others = [c for c in enabled if not (c.gate or c.file_level) and c.run]
    return file_level, gates, others, skipped(rules, selection)


def analyses(selection: Selection) -> Tuple[str, ...]:
    """The analyses of config.spec.ANALYSES the checks that may run read (`Check.needs`): the gates
    (they run whatever the selection) and every check the selection wants. The rule set's `off` is
    not consulted: with `--rules auto` the rule set is chosen once the paper is read."""
    wanted = [c for c in registry.checks().values() if c.run and (c.gate or selection.wants(c.code))]
    return tuple(sorted({name for c in wanted for name in c.analyses}))


def _check_file(path: str, rules: RuleSet, selection: Selection, on_document, choose,
                pause: Optional[paused_collector] = None) -> Report:
    """check_file's work; `choose(doc)`, when given, picks the rule set once the paper is parsed;
    `pause`, the collector paused for the check, is resumed once the paper is known to be long (its
    checks make cycles: `safety.collector`)."""
    start = time.perf_counter()
    catalogue = registry.checks()
    file_level, gates, others, skipped_codes = _plan(rules, selection)
    found: List[Finding] = []
    measurements: Dict[str, Any] = {}
    sha = None
    try:
        wanted = analyses(selection)
        doc = loader.load(path, visibility_facts="visibility" in wanted, ink="ink" in wanted,
                          integrity="integrity" in wanted)
    except TooLarge as exc:  # decided from stat: the file is not read, not hashed (sha256 null)
        unopened = _Unopened(path, exc.size)
        found = [replace(f, data={**f.data, "read": False}) for check in file_level
                 for f in _run(check, unopened, rules)] or [files.not_read(exc.size)]
        return build_report(path, rules, None, found, {"file_size_bytes": exc.size}, start).with_skipped(skipped_codes)
    except (ResourceLimit, MemoryError) as exc:
        found.append(files.out_of_memory("reading the PDF", exc))
        return build_report(path, rules, None, found, {"file_size_bytes": _size(path)}, start).with_skipped(skipped_codes)
    except UnreadablePdf as exc:
        finding = files.unreadable(exc)
        found.append(replace(finding, hint=_unreadable_hint(path, catalogue[finding.code])))
        size = _size(path)
        measurements["file_size_bytes"] = size
        if not catalogue[finding.code].final:
            sha = _try(file_sha256, path)
            unopened = _Unopened(path, size)
            for check in file_level:
                found.extend(_run(check, unopened, rules))
        return build_report(path, rules, sha, found, measurements, start).with_skipped(skipped_codes)
    if pause is not None and doc.page_count > limits.PACK_PAGES_OVER:
        pause.resume()
    try:  # what the document holds open to read a page's ink when asked for is closed when the checks end
        sha = doc.sha256
        if choose is not None:
            rules = choose(doc)
            file_level, gates, others, skipped_codes = _plan(rules, selection)
        if on_document is not None:
            on_document(doc)
        measurements.update({"pages": doc.page_count, "file_size_bytes": doc.file_size})
        for check in file_level:
            found.extend(_run(check, doc, rules))
        for check in gates:
            found.extend(f for f in _run(check, doc, rules)
                         if selection.wants(f.code) or _stops(f) or f.partial and f.severity == "error")
        if not any(_stops(f) for f in found):
            try:
                measurements.update(measure(doc, rules))
            except MemoryError as exc:
                found.append(files.out_of_memory("the structure analysis", exc))
                return build_report(path, rules, sha, found, measurements, start).with_skipped(skipped_codes)
            except Exception as exc:  # the structure is shared; a bug there is reported like a check's
                found.append(_internal("structure analysis", exc))
            stopped = any(_stops(f) for f in found)
            for check in others:
                new = _run(check, doc, rules)
                found.extend(new)
                stopped = stopped or any(_stops(f) for f in new)
                if stopped:
                    break  # memory ran out: the other checks would only run out again
            found = _fitted(found, doc, rules)
        return build_report(path, rules, sha, found, measurements, start).with_skipped(skipped_codes)
    finally:
        loader.release(doc)


def _stops(f: Finding) -> bool:
    """A gate's finding stops the content checks, unless the gate itself lowered it to a warning
    (a rebuilt cross-reference table: the file was read and is checked) or it concerns part of a file
    that was read (`partial`: a damaged page is reported, the rest is checked)."""
    return f.code in UNCHECKABLE and f.severity not in ("warning", "info") and not f.partial


def _unreadable_hint(path: str, check) -> str:
    """An archive given as a paper (no PDF at all: the `final` code): point at the command that
    checks supplementary material."""
    if check.final and is_archive(path):
        return (f"{check.fix_text()} If this is the supplementary material (code, data), check it with "
                f"`scope-check supplement {os.path.basename(path)}`.")
    return check.fix_text()


def _run(check, doc, rules: RuleSet) -> Iterable[Finding]:
    """The check's findings, each with its hint written from the spec (before the hints are fitted
    to the paper, which reads them)."""
    params = Params(rules=rules, options=rules.options(check.code))
    try:
        return [_hinted(f) for f in check.run(doc, params)]
    except MemoryError as exc:
        return [_hinted(files.out_of_memory(f"check {check.code} ({check.name})", exc))]
    except Exception as exc:
        return [_hinted(_internal(f"check {check.code} ({check.name})", exc))]


def _internal(what: str, exc: Exception) -> Finding:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {os.path.basename(frame.filename)}:{frame.lineno}" if frame else ""
    return Finding(
        registry.internal_code(),
        f"{what} failed: {type(exc).__name__}: {exc}{where}; the other checks still ran",
        data={"exception": type(exc).__name__},
    )


def _hinted(f: Finding) -> Finding:
    """The finding with its hint: its own, or the fix text of its check's spec that it names."""
    if f.hint:
        return f
    hint = registry.checks()[f.code].hint(f)
    # equal hints are one string (a finding repeated on 10,000 pages holds one copy, not 10,000)
    return _changed(f, hint=sys.intern(hint) if type(hint) is str else hint) if hint else f


def _changed(f: Finding, **changes) -> Finding:
    """`dataclasses.replace(f, **changes)` without going through `__init__` (a Finding has no
    `__post_init__`, so the result is the same): the runner changes each finding twice or three
    times, and a page of 100,000 findings spent a second in `replace`."""
    new = object.__new__(type(f))
    # filled in place, not given a dict of its own: the instance keeps the class's shared keys
    # (about 250 bytes less a finding, and faster)
    fields = new.__dict__
    fields.update(f.__dict__)
    fields.update(changes)
    return new


def build_report(path, rules: RuleSet, sha, found: Sequence[Finding], measurements, start) -> Report:
    """The Report of `found` on one file: each finding named, given the rule file's severity (a
    check may only lower it) and its hint (the fix text of its spec, when it has none), repeated
    findings grouped, and the verdict decided.

    The severity of a check with `regions` is the rule file's for the region the finding says it
    lies in (`data["region"]`: the body, or after the References). The check says it, not this
    runner: only the check knows where its finding lies on the References page (above or below
    the heading, in which column) and, for a finding about the whole paper such as an enlarged
    text block, whether everything it found lies after the References; the JSON shows it too. A
    finding that says no region gets the check's most severe."""
    catalogue = registry.checks()
    resolved = []
    severities: Dict[Tuple[str, Any], str] = {}  # the rule file's, by code and region (asked once each)
    for f in found:
        check = catalogue[f.code]
        region = (f.data or {}).get("region") if check.regions else None
        try:
            severity = severities[f.code, region]
        except KeyError:
            severity = severities[f.code, region] = rules.severity(f.code, check.severity, region)
        except TypeError:  # a region that is no key: asked each time
            severity = rules.severity(f.code, check.severity, region)
        if severity == "off" and f.code not in UNCHECKABLE:
            continue
        severity = "error" if severity == "off" else severity
        if _RANK.get(f.severity, 0) > _RANK[severity]:
            severity = f.severity  # a check may downgrade one finding (a squeeze is only a warning)
        f = _hinted(f)
        f = f if f.name == check.name and f.severity == severity else _changed(f, name=check.name, severity=severity)
        resolved.append(_encodable(f))
    resolved = _grouped(resolved)
    if any(_stops(f) for f in resolved):
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


def _fitted(found: List[Finding], doc, rules: RuleSet) -> List[Finding]:
    """Messages and hints fitted to the paper (its producer, its template): scope_check/fitting.py."""
    try:
        return fit(found, doc, rules)
    except Exception as exc:  # fitting only rewords: on a bug keep the findings as the checks made them
        return list(found) + [_internal("fitting messages to the paper", exc)]


def _grouped(resolved: List[Finding]) -> List[Finding]:
    """Repeated findings of one cause merged (scope_check/grouping.py), in page order; a finding
    saying the paper is not the venue's template comes first, as it explains the others."""
    out = group(resolved)
    out.sort(key=lambda f: (f.code not in first_codes(), f.sort_key()))
    return out


def _encodable(f: Finding) -> Finding:
    """The last guard of the output contract: a finding's text encodes as UTF-8 whatever string
    of the PDF it quotes (a byte that is not UTF-8 is shown as `\\xHH`, limits.clean_text)."""
    def fine(text) -> bool:
        try:
            text.encode("utf-8")
            return "\x00" not in text
        except UnicodeEncodeError:
            return False

    def clean(value):
        if isinstance(value, str):
            return value if fine(value) else clean_text(value)
        if isinstance(value, dict):
            return {clean(k): clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(clean(v) for v in value)
        return value

    if fine(f.message) and fine(f.hint or "") and fine(repr(f.data)):
        return f
    return replace(f, message=clean(f.message), hint=clean(f.hint or ""), data=clean(dict(f.data or {})))


def _size(path: str) -> Optional[int]:
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def _try(fn, *args):
    try:
        return fn(*args)
    except (OSError, InputError):
        return None


def exit_code(reports: Iterable[Report], exit_zero: bool = False) -> int:
    """0 nothing wrong; 1 an error-level finding or an unreadable file; 2 the tool failed (an internal error)."""
    reports = list(reports)
    if any(r.internal_error for r in reports):
        return 2
    if not exit_zero and any(r.verdict != "pass" for r in reports):
        return 1
    return 0
