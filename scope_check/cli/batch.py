"""`scope-check batch`, `scope-check report` and `scope-check merge`: a whole venue in one resumable
run, its reports regenerated, shards joined. The options they share with `check` come from
`cli.options`; the two only the three of them take (--near-duplicate, --no-first-pages) are
declared here, their defaults read from `scope_check.batch`."""

from __future__ import annotations

import os
import re
import signal
import sys
import time
from collections import Counter
from typing import Callable, Dict, Optional, Tuple

import click

from scope_check.batch import engine, exports
from scope_check.batch.dedup import DEFAULT_THRESHOLD
from scope_check.batch.inputs import TracksError, read_tracks
from scope_check.batch.store import DB_NAME, Store, open_store, shards_of
from scope_check.cli import process
from scope_check.cli.options import (ToolError, exit_zero_option, limit_options, rule_set, rules_option, selection,
                                     selection_options)
from scope_check.engine.isolation import usable_cores
from scope_check.output.base import plural


def report_writing_options(f: Callable) -> Callable:
    """--near-duplicate and --no-first-pages: how `batch`, `report` and `merge` write the reports."""
    f = click.option("--no-first-pages", "no_first_pages", is_flag=True, help="Do not write first_pages.pdf.")(f)
    return click.option("--near-duplicate", "near_duplicate", type=click.FloatRange(min=0, max=1),
                        default=DEFAULT_THRESHOLD, show_default=True, metavar="SIMILARITY",
                        help="Body-text similarity that flags two submissions as near-identical; 0 turns it off.")(f)


def _shard(ctx, param, value: Optional[str]) -> Optional[Tuple[int, int]]:
    """--shard I/N: (I, N) with 1 <= I <= N."""
    if not value:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", value)
    if not m or not (1 <= int(m.group(1)) <= int(m.group(2))):
        raise click.BadParameter("expected I/N with 1 <= I <= N (for example 3/8)", ctx, param)
    return int(m.group(1)), int(m.group(2))


def _track_map(ctx, param, values) -> Dict[str, str]:
    """--track VALUE=RULES, repeated: track value (lower case) -> rule set."""
    out = {}
    for v in values:
        if "=" not in v:
            raise click.BadParameter(f"{v!r}: expected TRACK=RULES (\"Tiny Papers=scope2025-tiny\")", ctx, param)
        k, _, r = v.rpartition("=")
        out[k.strip().lower()] = r.strip()
    return out


def _missing_inputs(inputs) -> None:
    """A folder, archive or list of paths that does not exist is a usage error (exit 2): a typo must
    not be screened as a submission. A missing file named .pdf is that submission's own row (FILE002),
    as a vanished file in a list of paths is."""
    for value in inputs:
        if value == "-" or os.path.lexists(value):
            continue
        if not value.lower().endswith(".pdf"):
            raise ToolError(f"no such file or folder: {value} (INPUT is a folder, a .zip or .tar(.gz) archive, "
                            "a file listing paths, a PDF, or - for paths on standard input)")


def _print_summary(rows, result, out: str, elapsed: float, extra: str = "") -> None:
    reports = [exports.with_supplement(r) for r in rows]  # a leaking supplement fails its paper's row
    verdicts = Counter(rep["verdict"] for rep in reports)
    codes: Counter = Counter()
    for rep in reports:
        for c in {f["code"] for f in rep.get("findings", []) if f.get("severity") == "error"}:
            codes[c] += 1
    # most files first, ties by code: the same line on every run (a set's order changes per process)
    top = ", ".join(f"{c} {n}" for c, n in sorted(codes.items(), key=lambda cn: (-cn[1], cn[0]))[:8]) or "none"
    lines = [f"scope-check batch: {plural(len(rows), 'file')}: {verdicts.get('pass', 0)} pass, "
             f"{verdicts.get('fail', 0)} fail, {verdicts.get('error', 0)} error"]
    if result is not None:
        lines.append(f"  checked {result.checked}, reused {result.reused} from the database, "
                     f"{plural(result.odd, 'odd entry', 'odd entries')}, "
                     f"{plural(result.hidden, 'hidden entry', 'hidden entries')} and "
                     f"{plural(result.other, 'file')} not named .pdf skipped"
                     + (f", {result.skipped_other_shards} in other shards" if result.skipped_other_shards else "")
                     + (f", {plural(result.workers_replaced, 'worker')} replaced" if result.workers_replaced else ""))
    lines.append(f"  top error codes: {top}")
    lines.append(f"  time {elapsed:.1f} s; reports in {out}/ (results.csv, desk_reject.csv, results.jsonl, report.html, "
                 f"first_pages.pdf){extra}")
    click.echo("\n".join(lines), err=True)


def _exit(rows, exit_zero: bool) -> int:
    if any(f.get("code") == "SCOPE001" for r in rows for f in r["file"].get("findings", [])):
        return 2
    if not exit_zero and any(exports.with_supplement(r)["verdict"] != "pass" for r in rows):
        return 1
    return 0


@click.command("batch")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Folder for the database and the reports.")
@rules_option(help="The rule set of papers the tracks file does not map.")
@click.option("--tracks", "tracks_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="CSV mapping a submission id or file name to its track (columns: number/id/paper id, or file; "
                   "track/venue/rules; optional supplementary material).")
@click.option("--track", "mapping", multiple=True, metavar="VALUE=RULES", callback=_track_map,
              help="Which rule set a track value of the tracks file means (repeatable).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, help="Worker processes (default 0: the usable cores).")
@limit_options
@click.option("--shard", "shard", default=None, metavar="I/N", callback=_shard, help="Check only share I of N (stable across machines); merge later.")
@selection_options()
@report_writing_options
@click.option("--progress", type=click.Choice(["auto", "bar", "plain", "none"]), default="auto", show_default=True,
              help="auto: a bar on a terminal, a plain line every --progress-every seconds otherwise.")
@click.option("--progress-every", type=click.FloatRange(min=0), default=30.0, show_default=True,
              metavar="SECONDS")
@exit_zero_option(help="Exit 0 even when papers fail; internal errors still exit 2.")
@click.pass_context
def batch_command(ctx, inputs, out, rules_spec, tracks_file, mapping, jobs, time_limit, memory_limit, shard, select,
                  ignore, near_duplicate, no_first_pages, progress, progress_every, exit_zero) -> None:
    """Check every submission of a venue: INPUT is a folder (recursive), a .zip or .tar(.gz) of PDFs, a
    file listing paths, or - (paths on standard input). Results go to a database in --out; a rerun
    checks only what is missing. Writes results.csv, desk_reject.csv, results.jsonl, report.html and
    first_pages.pdf into --out."""
    started = time.monotonic()
    _missing_inputs(inputs)
    cache: Dict[str, object] = {}
    rulesets: Dict[str, object] = {}

    def load(spec: str):
        if spec not in cache:
            cache[spec] = rule_set(spec, ctx)
            rulesets[engine.rules_hash(cache[spec])] = cache[spec]
        return cache[spec]

    default = load(rules_spec)
    tracks = None
    if tracks_file:
        try:
            tracks = read_tracks(tracks_file)
        except TracksError as exc:
            raise ToolError(str(exc)) from None
        unknown = []
        for value in sorted(set(tracks.by_id.values()) | set(tracks.by_file.values())):
            spec = mapping.get(value.lower(), value)
            try:
                load(spec)
            except ToolError:
                unknown.append(value)
        if unknown:
            raise ToolError(f"{tracks_file}: track values that name no rule set: {', '.join(map(repr, unknown))}; "
                            f"map each with --track 'VALUE=RULES' (bundled rule sets or a rules file)")

    def resolve(value: Optional[str]):
        if not value:  # a paper the tracks file does not map: no track, the --rules set
            return "", engine.rules_hash(default)
        rules = load(mapping.get(value.lower(), value))
        return value, engine.rules_hash(rules)

    settings = engine.Settings(inputs=list(inputs), out=out, default_rules=rules_spec, tracks_file=tracks_file,
                               track_map=mapping, jobs=jobs or usable_cores(), time_limit=time_limit, memory_limit_mb=memory_limit,
                               shard=shard, select=select, ignore=ignore,
                               near_threshold=near_duplicate, first_pages=not no_first_pages)
    # SIGTERM (a scheduler's stop) ends the run as Ctrl-C does: what is finished is kept (exit 143)
    previous = signal.signal(signal.SIGTERM, process.on_sigterm)
    try:
        result = engine.run(settings, rulesets, resolve, tracks, selection(select, ignore), progress_mode=progress,
                            progress_every=progress_every, stdin=sys.stdin.buffer if "-" in inputs else None)
    except ValueError as exc:
        raise ToolError(str(exc)) from None
    except KeyboardInterrupt as exc:  # stopped before any file was checked: nothing to report
        click.echo("scope-check batch: interrupted before any file was checked", err=True)
        sys.exit(process.interrupted_status(exc))
    finally:
        signal.signal(signal.SIGTERM, previous)
    store = open_store(out)
    try:
        written = exports.write_all(store, out, settings.to_json(), near_duplicate, not no_first_pages)
    finally:
        store.close()
    rows = written["rows"]
    extra = "" if written["written"] else " (unchanged)"
    if written.get("first_pages"):
        extra += f"; first_pages.pdf not written: {written['first_pages']}"
    if result.interrupted:
        left = result.entries - sum(result.verdicts.values())
        extra += f"; interrupted with {left} files not checked: rerun the same command to resume"
    _print_summary(rows, result, out, time.monotonic() - started, extra)
    if result.interrupted:
        sys.exit(process.interrupted_status())
    sys.exit(_exit(rows, exit_zero))


@click.command("report")
@click.argument("db", type=click.Path(exists=True, dir_okay=True))
@click.option("--out", "out", type=click.Path(file_okay=False), default=None, help="Where to write (default: the database's folder).")
@report_writing_options
@exit_zero_option(help="Exit 0 even when papers fail; internal errors still exit 2.")
def report_command(db, out, near_duplicate, no_first_pages, exit_zero) -> None:
    """Regenerate every report of a batch from its database (a folder or its results.sqlite)."""
    started = time.monotonic()
    path = os.path.join(db, DB_NAME) if os.path.isdir(db) else db
    if not os.path.isfile(path):
        raise ToolError(f"{db}: no {DB_NAME} there")
    out = out or os.path.dirname(os.path.abspath(path))
    os.makedirs(out, exist_ok=True)
    store = Store(path)
    try:
        written = exports.write_all(store, out, store.last_settings(), near_duplicate, not no_first_pages, force=True)
    finally:
        store.close()
    extra = f"; first_pages.pdf not written: {written['first_pages']}" if written.get("first_pages") else ""
    _print_summary(written["rows"], None, out, time.monotonic() - started, extra)
    sys.exit(_exit(written["rows"], exit_zero))


def _missing_shards(paths) -> str:
    """What the databases at `paths` lack of a sharded batch: "shard 2/3 is missing" (the shards
    whose runs put entries in other shards, and no run of those), or ""."""
    have: Dict[int, set] = {}
    wanting = set()
    for path in paths:
        if not os.path.isfile(path):
            continue
        try:
            shards = shards_of(path)
        except ValueError as exc:
            raise ToolError(str(exc)) from None
        for index, count, elsewhere in shards:
            have.setdefault(count, set()).add(index)
            if elsewhere is None or elsewhere > 0:
                wanting.add(count)
    missing = [f"{i}/{n}" for n in sorted(wanting) for i in range(1, n + 1) if i not in have[n]]
    if not missing:
        return ""
    return f"shard{'s' if len(missing) > 1 else ''} {', '.join(missing)} {'are' if len(missing) > 1 else 'is'} missing"


@click.command("merge")
@click.argument("dbs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="Folder for the joined database and the reports.")
@click.option("--partial", is_flag=True,
              help="Write the reports even when a shard of the batch is missing (its papers are not in them).")
@report_writing_options
@exit_zero_option(help="Exit 0 even when papers fail; internal errors still exit 2.")
def merge_command(dbs, out, partial, near_duplicate, no_first_pages, exit_zero) -> None:
    """Join the databases of several shards (`batch --shard I/N`) into --out and write the reports.
    Every shard of the batch must be there (the shards record what they left to the others), unless
    --partial."""
    started = time.monotonic()
    paths = [os.path.join(db, DB_NAME) if os.path.isdir(db) else db for db in dbs]
    missing = _missing_shards([*paths, os.path.join(out, DB_NAME)])
    if missing and not partial:
        raise ToolError(f"{missing}: the reports would leave out its papers; merge every shard's database "
                        "(or add --partial to write the reports of these alone)")
    store = open_store(out)
    target = os.path.realpath(store.path)
    try:
        for path in paths:
            if os.path.realpath(path) == target:
                continue
            try:
                store.merge_from(path)
            except ValueError as exc:
                raise ToolError(str(exc)) from None
        settings = store.last_settings()
        settings["shard"] = None
        settings["merged_from"] = list(dbs)
        written = exports.write_all(store, out, settings, near_duplicate, not no_first_pages, force=True)
    finally:
        store.close()
    extra = f"; first_pages.pdf not written: {written['first_pages']}" if written.get("first_pages") else ""
    if missing:
        extra += f"; {missing}: its papers are not in the reports (--partial)"
    _print_summary(written["rows"], None, out, time.monotonic() - started, extra)
    sys.exit(_exit(written["rows"], exit_zero))
