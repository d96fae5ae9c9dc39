"""Run a batch: enumerate the inputs, skip what the database already holds, check the rest in the
isolated worker pool, store each result in its own transaction, then write the reports.

A stored result serves a file when its whole key matches (batch.store): the file's bytes, the rule
set's resolved data (`rules_hash`), the version, and `options`: the --select/--ignore selection and
the supplement checked with the paper. A result that hit --time-limit or --memory-limit (FILE006,
FILE007) serves only under the same limits; one made with --near-duplicate 0 (no signature) does
not serve a run that looks for near-duplicates. Anything else is checked again."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from scope_check import __version__
from scope_check.safety import archive
from scope_check.safety.limits import InputError
from scope_check.batch import inputs as inp
from scope_check.batch.store import open_store, result_options
from scope_check import checks as registry
from scope_check.engine.isolation import CLOSE_IN_WORKER
from scope_check.model.document import file_sha256
from scope_check.engine.isolation import Pool, prepare
from scope_check.engine import runner
from scope_check.supplement import check_supplement
from scope_check.engine.isolation import DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIME_LIMIT, memory_failure
from scope_check.batch.dedup import DEFAULT_THRESHOLD, signature

#: how large an archive member may be written to the work folder
MEMBER_LIMIT = archive.Limits().max_member_bytes
#: the codes of a check stopped by a resource limit: such a result depends on the limits it ran under
LIMIT_CODES = ("FILE006", "FILE007")


def rules_hash(rules) -> str:
    """The content hash of a resolved rule set: its merged data, not its file names."""
    own = getattr(rules, "content_hash", None)
    if isinstance(own, str) and own:
        return own
    import dataclasses

    if dataclasses.is_dataclass(rules):
        data = {f.name: getattr(rules, f.name) for f in dataclasses.fields(rules)}
    else:
        data = {k: v for k, v in vars(rules).items() if not k.startswith("_")}
    data.pop("sources", None)  # where the files lie does not change what they say

    def other(value):
        if isinstance(value, (set, frozenset)):
            return sorted(map(str, value))
        if isinstance(value, (list, tuple)):
            return list(value)
        return getattr(value, "pattern", None) or str(value)

    return hashlib.sha256(json.dumps(data, sort_keys=True, default=other).encode()).hexdigest()[:32]


def supplement_checker() -> Optional[Callable]:
    """`scope_check.supplement.check_supplement(path, rules, selection) -> Report`: the worker passes
    the paper's rule set and the batch's selection (a function, so that a test can stand in for it)."""
    return check_supplement


def _jsonable_findings(value) -> Any:
    if hasattr(value, "to_json"):
        return value.to_json()
    if isinstance(value, (list, tuple)):
        return [_jsonable_findings(v) for v in value]
    return value


@dataclass
class Settings:
    inputs: List[str]
    out: str
    default_rules: str
    tracks_file: Optional[str] = None
    track_map: Dict[str, str] = field(default_factory=dict)
    jobs: int = 0
    time_limit: float = DEFAULT_TIME_LIMIT
    memory_limit_mb: float = DEFAULT_MEMORY_LIMIT_MB
    shard: Optional[Tuple[int, int]] = None  # (index 1-based, count)
    select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    near_threshold: float = DEFAULT_THRESHOLD
    first_pages: bool = True

    def to_json(self) -> dict:
        return {"inputs": [inp.escaped(i) for i in self.inputs], "rules": self.default_rules,
                "tracks": self.tracks_file, "track_map": self.track_map, "jobs": self.jobs,
                "time_limit_s": self.time_limit, "memory_limit_mb": self.memory_limit_mb,
                "shard": f"{self.shard[0]}/{self.shard[1]}" if self.shard else None,
                "select": list(self.select), "ignore": list(self.ignore), "near_duplicate": self.near_threshold,
                "version": __version__}


class BatchWorker:
    """Runs in a forked worker: check one file, sign its text, check its supplement."""

    def __init__(self, rulesets: Dict[str, Any], selection, want_signature: bool, supplement: Optional[Callable]):
        self.rulesets = rulesets
        self.selection = selection
        self.want_signature = want_signature
        self.supplement = supplement

    def __call__(self, task):

        path, rhash, supp_path = task
        docs = []
        start = time.perf_counter()
        report = runner.check_file(path, self.rulesets[rhash], self.selection,
                                   on_document=docs.append if self.want_signature else None)
        if memory_failure(report):
            raise MemoryError
        data = report.to_json()
        sig = None
        signed = time.perf_counter()
        if docs and report.verdict != "error":
            try:

                sig = signature(docs[0], report.measurements.get("body_pages"))
            except MemoryError:
                raise
            except Exception:
                sig = None
        signing = time.perf_counter() - signed
        docs.clear()  # the parsed model is freed here (a 28-page paper: about 20 ms)
        # the check's own time, the freeing of its model included, and the signature's: what the
        # benchmark tells apart from what batch mode adds
        timings = {"check_s": round(time.perf_counter() - start - signing, 6), "signature_s": round(signing, 6)}
        supp = None
        if supp_path and self.supplement is not None:
            try:
                result = self.supplement(supp_path, self.rulesets[rhash], self.selection)
                supp = {"path": inp.escaped(supp_path)}
                if hasattr(result, "findings") and hasattr(result, "verdict"):  # a runner.Report
                    supp.update(verdict=result.verdict, findings=_jsonable_findings(list(result.findings)))
                else:
                    supp["findings"] = _jsonable_findings(result)
            except MemoryError:
                raise
            except Exception as exc:
                supp = {"path": inp.escaped(supp_path), "error": f"{type(exc).__name__}: {exc}"}
        elif supp_path:
            supp = {"path": inp.escaped(supp_path), "checked": False}
        return {"report": data, "signature": sig, "supplement": supp, "timings": timings}


def odd_report(path: str, code: str, message: str, size: Optional[int] = None) -> dict:
    """The JSON file entry of an input that was never checked (the contract's shape)."""

    check = registry.checks()[code]
    return {"path": path, "sha256": None, "verdict": "error",
            "measurements": {"file_size_bytes": size} if size is not None else {},
            "findings": [{"code": code, "name": check.name, "severity": "error", "page": None, "bbox": None,
                          "message": message, "hint": check.fix_text(), "data": {}}],
            "elapsed_s": 0.0}


def limit_json(path: str, code: str, message: str, elapsed: float) -> dict:
    return {**odd_report(path, code, message), "elapsed_s": round(elapsed, 4)}


_LOCKS: List[Any] = []


def _lock(folder: str):
    """One batch at a time per --out folder: a second one would share its work folder."""
    import fcntl

    os.makedirs(folder, exist_ok=True)
    fh = open(os.path.join(folder, ".lock"), "a")
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise ValueError(f"another scope-check batch is writing to {folder}: wait for it, or stop it first") from None
    _LOCKS.append(fh)

    CLOSE_IN_WORKER.append(fh.fileno())
    return fh


def _unlock(fh) -> None:

    if fh in _LOCKS:
        _LOCKS.remove(fh)
        if fh.fileno() in CLOSE_IN_WORKER:
            CLOSE_IN_WORKER.remove(fh.fileno())
        fh.close()


def _utf8(path: Optional[str]) -> bool:
    try:
        (path or "").encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _sha(path: str) -> str:

    return file_sha256(path)


def _supplement_identity(path: Optional[str]) -> Optional[list]:
    """What a result's key holds of the supplement checked with its paper: its path as the row shows
    it, its size and its modification time (a new or changed supplement is checked again)."""
    if not path:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return [inp.escaped(path), None, None]
    return [inp.escaped(path), st.st_size, st.st_mtime_ns]


class Progress:
    """A tqdm bar on a terminal; otherwise a plain line every `every` seconds (cluster logs)."""

    def __init__(self, total: int, mode: str, every: float, stream=None):
        self.total = total
        self.stream = stream or sys.stderr
        self.every = every
        self.count = 0
        self.verdicts: Counter = Counter()
        self.start = time.monotonic()
        self.last = self.start
        tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.mode = "bar" if mode == "bar" or (mode == "auto" and tty) else ("none" if mode == "none" else "plain")
        self.bar = None
        if self.mode == "bar":
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="file", file=self.stream, dynamic_ncols=True, smoothing=0.1)

    def add(self, verdict: str, n: int = 1) -> None:
        self.count += n
        self.verdicts[verdict] += n
        if self.bar is not None:
            self.bar.update(n)
            self.bar.set_postfix({k: v for k, v in sorted(self.verdicts.items())}, refresh=False)
        elif self.mode == "plain":
            now = time.monotonic()
            if now - self.last >= self.every:
                self.last = now
                self.stream.write(self.line(now) + "\n")
                self.stream.flush()

    def line(self, now: float) -> str:
        elapsed = now - self.start
        rate = self.count / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.count) / rate if rate > 0 else 0.0
        pct = 100.0 * self.count / self.total if self.total else 100.0
        counts = ", ".join(f"{v} {k}" for k, v in sorted(self.verdicts.items()))
        return (f"scope-check batch: {self.count}/{self.total} files ({pct:.0f} %), {rate:.2f} files/s, "
                f"ETA {_duration(left)}; {counts}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


@dataclass
class RunResult:
    entries: int = 0
    checked: int = 0
    reused: int = 0
    odd: int = 0
    hidden: int = 0
    other: int = 0
    skipped_other_shards: int = 0
    verdicts: Counter = field(default_factory=Counter)
    internal_errors: int = 0
    elapsed_s: float = 0.0
    interrupted: bool = False
    workers_replaced: int = 0
    #: files checked again although a result of an earlier build was stored for them: its selection
    #: (or supplement) was not recorded, so it could not be told to match this run's
    unknown_options: int = 0


def run(settings: Settings, rulesets: Dict[str, Any], resolve_track: Callable[[str], Tuple[str, str]],
        tracks: Optional[inp.Tracks], selection, progress_mode: str = "auto", progress_every: float = 30.0,
        stdin=None, stream=None) -> RunResult:
    """Check everything missing from the database in `settings.out`. `rulesets`: content hash -> RuleSet;
    `resolve_track(track value)` -> (track label, content hash)."""

    started = time.monotonic()
    result = RunResult()
    lock = _lock(settings.out)  # held until this process exits
    store = open_store(settings.out)
    run_id = store.start_run(settings.to_json())
    workdir = os.path.join(settings.out, ".work")
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir, exist_ok=True)
    listing = inp.enumerate_inputs(settings.inputs, stdin=stdin, skip=settings.out)
    result.hidden = listing.hidden
    result.other = listing.other
    entries = listing.entries
    if settings.shard:
        index, count = settings.shard
        mine = [e for e in entries if inp.shard_of(e.rel, count) == index - 1]
        result.skipped_other_shards = len(entries) - len(mine)
        entries = mine
    # a path listed twice (two INPUTs naming the same file) is one row
    unique: Dict[str, inp.Entry] = {}
    for e in entries:
        unique.setdefault(e.path, e)
    entries = list(unique.values())
    result.entries = len(entries)

    known = store.known()
    unknown = store.unknown_options()
    existing = store.entries()
    plain_options = result_options(settings.select, settings.ignore)  # a file without a supplement
    limits_now = json.dumps([settings.time_limit, settings.memory_limit_mb])
    want_sig = settings.near_threshold > 0
    supp_fn = supplement_checker()
    progress = Progress(len(entries), progress_mode, progress_every, stream)

    rows_seen: List[str] = []

    def entry_row(e: inp.Entry, track: str, rhash: str, sha: Optional[str], odd: Optional[dict],
                  options: str = plain_options) -> dict:
        return {"path": e.path, "raw": e.raw, "rel": inp.escaped(e.rel), "source": json.dumps(e.source()),
                "sid": e.sid, "track": track, "rules_name": rulesets[rhash].name, "rules_hash": rhash,
                "version": __version__, "sha256": sha, "stat": json.dumps(e.stat) if e.stat else None,
                "odd": json.dumps(odd) if odd else None,
                "supplement_path": inp.escaped(_supp_path(e) or "") or None, "run": run_id, "updated": time.time(),
                "options": options, "title": (tracks.title_of(e) if tracks else None) or None}

    def unchanged(row: dict) -> bool:
        old = existing.get(row["path"])
        if old is None:
            return False
        return all(old.get(k) == row.get(k) for k in ("sid", "track", "rules_hash", "version", "sha256", "odd", "stat",
                                                      "supplement_path", "options", "title"))

    def _supp_path(e: inp.Entry) -> Optional[str]:
        if e.supplement is not None:
            return e.supplement.fs_path or (e.supplement.path if e.supplement.archive else None)
        if tracks is not None:
            return tracks.supplement_of(e)
        return None

    def reusable(key) -> bool:
        if key not in known:
            return False
        limits, signed = known[key]
        if limits is not None and limits != limits_now:
            return False  # a limit hit under other limits is tried again
        return signed or not want_sig  # made without the signature: no use to a run comparing them

    waiting: Dict[Tuple[str, str, str, str], List[Tuple[dict, Optional[str]]]] = {}

    def prepared() -> Iterator[Tuple[str, str, Optional[str]]]:
        """Tasks for the pool, lazily: archive members are extracted one at a time, just before their check."""
        plain_files = []
        by_archive: Dict[str, List[inp.Entry]] = {}
        for e in entries:
            if e.sid == "":
                e.sid = (tracks.id_of(e) if tracks else None) or inp.submission_id(e.name)
            if e.problem is not None:
                track, rhash = resolve_track(tracks.track_of(e) if tracks else None)
                odd = odd_report(e.path, *e.problem)
                row = entry_row(e, track, rhash, None, odd)
                if not unchanged(row):
                    store.save(None, [row])
                rows_seen.append(e.path)
                result.odd += 1
                _count("error")
                continue
            if e.archive is not None:
                by_archive.setdefault(e.archive, []).append(e)
            else:
                plain_files.append(e)
        for n, e in enumerate(plain_files):
            if not _utf8(e.fs_path):
                # the PDF library takes UTF-8 paths only: a name with other bytes is read through a
                # link of our own naming (the row keeps the real name)
                link = os.path.join(workdir, f"name-{n:06d}.pdf")
                os.symlink(os.path.abspath(e.fs_path), link)
                yield from _task(e, link, link, hash_path=e.fs_path)
            else:
                yield from _task(e, e.fs_path, None)
        for path, members in by_archive.items():
            by_member = {m.member.index: m for m in members}
            for member, got in archive.extract_each(path, [m.member for m in members], workdir, MEMBER_LIMIT):
                e = by_member[member.index]
                if isinstance(got, str):
                    track, rhash = resolve_track(tracks.track_of(e) if tracks else None)
                    row = entry_row(e, track, rhash, None, odd_report(e.path, "FILE002", got))
                    store.save(None, [row])
                    rows_seen.append(e.path)
                    _count("error")
                    continue
                yield from _task(e, str(got), str(got))

    def _task(e: inp.Entry, fs_path: str, temp: Optional[str], hash_path: Optional[str] = None):
        track, rhash = resolve_track(tracks.track_of(e) if tracks else None)
        old = existing.get(e.path)
        sha = None
        if e.stat and old and old.get("stat") == json.dumps(list(e.stat)) and old.get("sha256"):
            sha = old["sha256"]  # same size, mtime and inode: the known hash holds
        if sha is None:
            try:
                sha = _sha(hash_path or fs_path)
            except (OSError, InputError) as exc:  # no read permission: InputError from safety.limits.opened
                if isinstance(exc, InputError):
                    code, message = ("FILE001" if exc.kind == "not-a-pdf" else "FILE002"), exc.message
                else:
                    code, message = "FILE002", f"cannot read the file: {exc.strerror or exc}"
                row = entry_row(e, track, rhash, None, odd_report(e.path, code, message))
                store.save(None, [row])
                rows_seen.append(e.path)
                _count("error")
                if temp:
                    os.unlink(temp)
                return
        supp = _supp_path(e)
        if e.supplement is not None and e.supplement.archive is not None:
            supp = None  # a supplement inside an archive is listed in the row, not extracted
        options = result_options(settings.select, settings.ignore, _supplement_identity(supp)) if supp else plain_options
        key = (sha, rhash, __version__, options)
        row = entry_row(e, track, rhash, sha, None, options)
        rows_seen.append(e.path)
        if not reusable(key) and key[:3] in unknown:
            result.unknown_options += 1
        if reusable(key):
            if not unchanged(row):
                store.save(None, [row])
            result.reused += 1
            _count(_verdict_of(key))
            if temp:
                os.unlink(temp)
            return
        if key in waiting:  # the same bytes under the same rules are being checked: one check serves both
            waiting[key].append((row, temp))
            return
        waiting[key] = [(row, temp)]
        yield (fs_path, rhash, supp), key

    verdict_cache: Dict[Tuple[str, str, str, str], str] = {}

    def _verdict_of(key) -> str:
        if key not in verdict_cache:
            r = store.db.execute("SELECT verdict FROM results WHERE sha256=? AND rules_hash=? AND version=? AND options=?",
                                 key).fetchone()
            verdict_cache[key] = r[0] if r else "error"
        return verdict_cache[key]

    def _count(verdict: str, n: int = 1) -> None:
        result.verdicts[verdict] += n
        progress.add(verdict, n)

    pool = Pool(BatchWorker(rulesets, selection, want_sig, supp_fn), jobs=settings.jobs,
                time_limit=settings.time_limit, memory_limit_mb=settings.memory_limit_mb)
    problem = pool.check_limits()
    if problem:
        store.close()
        _unlock(lock)
        raise ValueError(problem)
    keyed = {}

    def tasks():
        ready = False
        for task, key in prepared():
            if not ready:  # the first file to check: import what the workers will inherit
                prepare()
                ready = True
            keyed[id(task)] = key
            yield task

    try:
        for task, outcome in pool.run(tasks()):
            key = keyed.pop(id(task))
            fs_path, rhash, _ = task
            group = waiting.pop(key)
            first_path = group[0][0]["path"]
            limits = None
            if outcome.ok:
                value = outcome.value
                report = dict(value["report"])
                signature = value.get("signature")
                supplement = value.get("supplement")
                timings = value.get("timings")
                if any(f.get("code") in LIMIT_CODES for f in report.get("findings", [])):
                    limits = limits_now  # memory ran out inside the check: another ceiling may let it finish
            elif outcome.code == "SCOPE001":
                report = odd_report(first_path, "SCOPE001", outcome.message)
                signature = supplement = timings = None
            else:
                report = limit_json(first_path, outcome.code, outcome.message, outcome.elapsed_s)
                report["sha256"] = key[0]
                signature = supplement = timings = None
                limits = limits_now
            report.pop("path", None)
            verdict = report["verdict"]
            record = {"sha256": key[0], "rules_hash": rhash, "version": __version__, "options": key[3],
                      "signed": int(want_sig), "rules_name": rulesets[rhash].name, "verdict": verdict,
                      "report": json.dumps(report, ensure_ascii=False, sort_keys=True), "signature": signature,
                      "supplement": json.dumps(supplement) if supplement else None, "limits": limits,
                      "elapsed_s": outcome.elapsed_s, "peak_rss_mb": outcome.peak_rss_mb,
                      "timings": json.dumps(timings) if timings else None}
            store.save(record, [row for row, _ in group])
            known[key] = (limits, want_sig)
            verdict_cache[key] = verdict
            result.checked += 1
            if any(f.get("code") == "SCOPE001" for f in report.get("findings", [])):
                result.internal_errors += 1
            _count(verdict, len(group))
            for _, temp in group:
                if temp:
                    try:
                        os.unlink(temp)
                    except OSError:
                        pass
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        result.workers_replaced = pool.replaced
        progress.close()
        shutil.rmtree(workdir, ignore_errors=True)
    if result.unknown_options:
        progress.stream.write(f"scope-check batch: {result.unknown_options} files checked again: their stored results "
                              "come from an earlier build whose database did not record the selection (or the "
                              "supplement) they were made under\n")
    if not result.interrupted:
        store.touch(rows_seen, run_id)
        store.forget_unseen(run_id)  # files no longer in the inputs leave the reports
        # what a merge checks: a shard that left entries to the others is incomplete without them
        store.finish_run(run_id, {"in_other_shards": result.skipped_other_shards} if settings.shard else None)
    store.close()
    _unlock(lock)
    result.elapsed_s = time.monotonic() - started
    return result
