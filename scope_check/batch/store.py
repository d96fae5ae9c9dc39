"""The batch's results database: SQLite (stdlib), WAL journal, one transaction per result.

`results` holds one check per key: the file's sha256, the rule set's content hash (its resolved
data), the tool version and `options`, the digest of everything else the findings depend on (the
--select/--ignore selection and the supplement checked with the paper: `result_options`). A rerun
finds what is already done under the same key and checks only the rest; another selection, a
changed rules file, a new version or a new or changed supplement is a new key. A result that a
--time-limit or --memory-limit shaped (FILE006, FILE007) records those limits in `limits` and serves
only a run with the same limits (any other result is the same whatever the limits); `signed` says
whether the worker was asked for the duplicate signature (a run with --near-duplicate on does not
reuse a result made with it off).
`entries` holds one row per input entry (its path, submission id, track, which result it shows, or
its own error when it was never checked). Every list a chair reads is generated from these two.
A result's `timings` holds the worker's own times (`check_s`: the check, the freeing of its parsed
model included; `signature_s`: the duplicate signature), which benchmarks/batch.py reads.

A database of an earlier build (schema 1: no `options`) is migrated when it is opened: its results
get the key of the selection its runs recorded, when every run recorded the same one and the result
has no supplement; otherwise the empty key, which no run asks for (those files are checked again).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

#: the tables besides `results` (RESULTS_TABLE)
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    path TEXT PRIMARY KEY, raw BLOB NOT NULL, rel TEXT NOT NULL, source TEXT NOT NULL,
    sid TEXT NOT NULL, track TEXT NOT NULL, rules_name TEXT NOT NULL, rules_hash TEXT NOT NULL,
    version TEXT NOT NULL, sha256 TEXT, stat TEXT, odd TEXT, supplement_path TEXT, run INTEGER, updated REAL,
    options TEXT NOT NULL DEFAULT '', title TEXT);
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started REAL, finished REAL, settings TEXT);
"""

#: the `results` table (also the target of a migration from schema 1)
RESULTS_TABLE = """
CREATE TABLE IF NOT EXISTS {name} (
    sha256 TEXT NOT NULL, rules_hash TEXT NOT NULL, version TEXT NOT NULL, options TEXT NOT NULL,
    rules_name TEXT NOT NULL, verdict TEXT NOT NULL, report TEXT NOT NULL,
    signature BLOB, supplement TEXT, limits TEXT, elapsed_s REAL, peak_rss_mb REAL, checked_at REAL,
    timings TEXT, signed INTEGER,
    PRIMARY KEY (sha256, rules_hash, version, options));
"""

#: 1: results keyed by (sha256, rules_hash, version); 2: `options` in the key, `signed`
SCHEMA_VERSION = "2"

DB_NAME = "results.sqlite"

RESULT_COLUMNS = ("sha256", "rules_hash", "version", "options", "rules_name", "verdict", "report", "signature",
                  "supplement", "limits", "elapsed_s", "peak_rss_mb", "checked_at", "timings", "signed")
#: a result's key
KEY_COLUMNS = ("sha256", "rules_hash", "version", "options")
#: the key `options` of a result whose options are not known (a result of an earlier build made under
#: a selection its database did not record): no run asks for it, so it is never reused
UNKNOWN_OPTIONS = ""

#: nullable columns added to `results` after a schema was released, with their type: a database
#: without one gets it when it is opened (its rows hold NULL there)
ADDED_RESULT_COLUMNS = {"timings": "TEXT", "signed": "INTEGER"}

ENTRY_COLUMNS = ("path", "raw", "rel", "source", "sid", "track", "rules_name", "rules_hash", "version", "sha256",
                 "stat", "odd", "supplement_path", "run", "updated", "options", "title")
#: nullable columns added to `entries` since, as ADDED_RESULT_COLUMNS (`title`: the tracks file's)
ADDED_ENTRY_COLUMNS = {"title": "TEXT"}


def _codes(words: Sequence[str]) -> List[str]:
    """A --select or --ignore list as it acts: upper-cased, sorted, once each, a code dropped when a
    prefix of it is listed too (`PAGE,PAGE001` acts as `PAGE`)."""
    unique = sorted({str(w).strip().upper() for w in words if str(w).strip()})
    return [w for w in unique if not any(p != w and w.startswith(p) for p in unique)]


def result_options(select: Sequence[str] = (), ignore: Sequence[str] = (),
                   supplement: Optional[Sequence] = None) -> str:
    """The `options` of a result's key: a digest of what its findings depend on besides the file,
    the rule set and the version: the selection (--select, --ignore, as they act) and the
    supplement checked with the paper (its path, size and modification time; None: none)."""
    what = {"select": _codes(select), "ignore": _codes(ignore),
            "supplement": list(supplement) if supplement is not None else None}
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:32]


class Store:
    def __init__(self, path: str):
        self.path = path
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # WAL with synchronous=NORMAL: a committed result survives a crash or kill -9 of the process; a
        # power cut may lose the last few commits, never the database's consistency: those files are
        # simply missing and the rerun checks them
        self.db.execute("PRAGMA synchronous=NORMAL")
        if not self._current():
            self.db.execute("BEGIN IMMEDIATE")  # a second process opening the same database waits here
            try:
                self._upgrade()
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    def _current(self) -> bool:
        """Whether the database has every table and column of this build (nothing to write)."""
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"meta", "results", "entries", "runs"} <= tables:
            return False
        return (set(RESULT_COLUMNS) <= _columns(self.db, "results") and set(ENTRY_COLUMNS) <= _columns(self.db, "entries")
                and self.meta("schema") == SCHEMA_VERSION)

    def _upgrade(self) -> None:
        """Create what is missing (a new database), migrate a database of schema 1, add the columns
        added since (inside the caller's transaction)."""
        for statement in _statements(SCHEMA) + _statements(RESULTS_TABLE.format(name="results")):
            self.db.execute(statement)
        if "options" not in _columns(self.db, "results"):
            _migrate_schema_1(self.db)
        for table, added in (("results", ADDED_RESULT_COLUMNS), ("entries", ADDED_ENTRY_COLUMNS)):
            have = _columns(self.db, table)
            for name, kind in added.items():
                if name not in have:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
        self.set_meta("schema", SCHEMA_VERSION)

    def close(self) -> None:
        self.db.close()

    # --- meta and runs
    def meta(self, key: str) -> Optional[str]:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def start_run(self, settings: dict) -> int:
        cur = self.db.execute("INSERT INTO runs(started, settings) VALUES (?, ?)", (time.time(), json.dumps(settings)))
        return int(cur.lastrowid)

    def finish_run(self, run: int, recorded: Optional[dict] = None) -> None:
        """The run is over; `recorded` is added to its settings (what a merge reads of it: how many
        entries a shard left to the other shards)."""
        self.db.execute("UPDATE runs SET finished=? WHERE id=?", (time.time(), run))
        if recorded:
            row = self.db.execute("SELECT settings FROM runs WHERE id=?", (run,)).fetchone()
            try:
                settings = json.loads(row[0]) if row and row[0] else {}
            except ValueError:
                settings = {}
            settings.update(recorded)
            self.db.execute("UPDATE runs SET settings=? WHERE id=?", (json.dumps(settings), run))

    def last_settings(self) -> dict:
        row = self.db.execute("SELECT settings FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return json.loads(row[0]) if row else {}

    # --- results
    def known(self) -> Dict[Tuple[str, str, str, str], Tuple[Optional[str], bool]]:
        """Every stored key (KEY_COLUMNS) -> (its limits: set when FILE006/FILE007 shaped it, whether it
        was made with the duplicate signature asked for)."""
        return {(r[0], r[1], r[2], r[3]): (r[4], bool(r[5])) for r in self.db.execute(
            "SELECT sha256, rules_hash, version, options, limits, signed FROM results")}

    def unknown_options(self) -> Dict[Tuple[str, str, str], int]:
        """(sha256, rules_hash, version) -> how many results of an earlier build are stored for it under
        options nobody recorded (UNKNOWN_OPTIONS: never reused)."""
        return {(r[0], r[1], r[2]): r[3] for r in self.db.execute(
            "SELECT sha256, rules_hash, version, count(*) FROM results WHERE options = ? GROUP BY 1, 2, 3",
            (UNKNOWN_OPTIONS,))}

    def entries(self) -> Dict[str, dict]:
        cur = self.db.execute(f"SELECT {', '.join(ENTRY_COLUMNS)} FROM entries")
        return {r[0]: dict(zip(ENTRY_COLUMNS, r)) for r in cur}

    def save(self, result: Optional[dict], entries: Iterable[dict]) -> None:
        """One transaction: a result and the entries that show it (or entries alone)."""
        with_tx = self.db
        with_tx.execute("BEGIN IMMEDIATE")
        try:
            if result is not None:
                row = {**result, "checked_at": time.time()}
                with_tx.execute(
                    f"INSERT OR REPLACE INTO results({', '.join(RESULT_COLUMNS)}) "
                    f"VALUES ({','.join('?' * len(RESULT_COLUMNS))})", tuple(row.get(c) for c in RESULT_COLUMNS))
            for e in entries:
                with_tx.execute(
                    f"INSERT OR REPLACE INTO entries({', '.join(ENTRY_COLUMNS)}) VALUES ({','.join('?' * len(ENTRY_COLUMNS))})",
                    tuple(e.get(c) for c in ENTRY_COLUMNS))
            with_tx.execute("COMMIT")
        except BaseException:
            with_tx.execute("ROLLBACK")
            raise

    def touch(self, paths: List[str], run: int) -> None:
        """Mark entries as seen by this run (one transaction)."""
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany("UPDATE entries SET run=? WHERE path=?", [(run, p) for p in paths])
        self.db.execute("COMMIT")

    def forget_unseen(self, run: int) -> int:
        cur = self.db.execute("DELETE FROM entries WHERE run IS NOT ? ", (run,))
        return cur.rowcount

    # --- reading for the reports
    def rows(self) -> Iterator[dict]:
        """Every entry with its result joined (result None: not checked yet)."""
        cur = self.db.execute(
            "SELECT e.path, e.raw, e.rel, e.source, e.sid, e.track, e.rules_name, e.sha256, e.odd, e.supplement_path, "
            "r.report, r.verdict, r.signature, r.supplement, r.peak_rss_mb, r.elapsed_s, e.rules_hash, e.version, "
            "e.title FROM entries e LEFT JOIN results r ON r.sha256 = e.sha256 AND r.rules_hash = e.rules_hash "
            "AND r.version = e.version AND r.options = e.options ORDER BY e.path")
        names = ("path", "raw", "rel", "source", "sid", "track", "rules_name", "sha256", "odd", "supplement_path",
                 "report", "verdict", "signature", "supplement", "peak_rss_mb", "elapsed_s", "rules_hash", "version",
                 "title")
        for r in cur:
            yield dict(zip(names, r))

    def state(self) -> str:
        """A fingerprint of what the reports are made of (unchanged: the reports need not be rewritten)."""
        row = self.db.execute(
            "SELECT count(*), coalesce(max(updated), 0), coalesce(sum(length(path)), 0) FROM entries").fetchone()
        res = self.db.execute("SELECT count(*), coalesce(max(checked_at), 0) FROM results").fetchone()
        return json.dumps([list(row), list(res)])

    def merge_from(self, other_path: str) -> Tuple[int, int]:
        """Copy every result and entry of another database into this one (one of an earlier build is
        read through a migrated copy in memory: the file itself is only read)."""
        src = sqlite3.connect(f"file:{other_path}?mode=ro", uri=True)
        try:
            if "options" not in _columns(src, "results"):
                copy = sqlite3.connect(":memory:", isolation_level=None)
                src.backup(copy)
                src.close()
                src = copy
                src.execute("BEGIN")
                _migrate_schema_1(src)
                src.execute("COMMIT")
            have = _columns(src, "results")
            results = src.execute(
                f"SELECT {', '.join(c if c in have else 'NULL' for c in RESULT_COLUMNS)} FROM results").fetchall()
            have = _columns(src, "entries")
            entries = src.execute(
                f"SELECT {', '.join(c if c in have else 'NULL' for c in ENTRY_COLUMNS)} FROM entries").fetchall()
            settings = src.execute("SELECT started, finished, settings FROM runs").fetchall()
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"{other_path}: not a scope-check batch database: {exc}") from None
        finally:
            src.close()
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany(f"INSERT OR REPLACE INTO results({', '.join(RESULT_COLUMNS)}) "
                            f"VALUES ({','.join('?' * len(RESULT_COLUMNS))})", results)
        self.db.executemany(
            f"INSERT OR REPLACE INTO entries({', '.join(ENTRY_COLUMNS)}) VALUES ({','.join('?' * len(ENTRY_COLUMNS))})",
            entries)
        self.db.executemany("INSERT INTO runs(started, finished, settings) VALUES (?,?,?)", settings)
        self.db.execute("COMMIT")
        return len(results), len(entries)


def shards_of(path: str) -> List[Tuple[int, int, Optional[int]]]:
    """(index, count, entries left to the other shards, or None when the run did not record it) of
    every run of the database at `path` made with --shard (read only)."""
    try:
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = src.execute("SELECT settings FROM runs").fetchall()
        finally:
            src.close()
    except sqlite3.DatabaseError as exc:
        raise ValueError(f"{path}: not a scope-check batch database: {exc}") from None
    out = []
    for (text,) in rows:
        try:
            settings = json.loads(text or "")
        except ValueError:
            continue
        shard = settings.get("shard") if isinstance(settings, dict) else None
        if not isinstance(shard, str) or "/" not in shard:
            continue
        index, _, count = shard.partition("/")
        if index.isdigit() and count.isdigit():
            elsewhere = settings.get("in_other_shards")
            out.append((int(index), int(count), elsewhere if isinstance(elsewhere, int) else None))
    return out


def _statements(script: str) -> List[str]:
    return [part.strip() for part in script.split(";") if part.strip()]


def _schema_1_options(db: sqlite3.Connection) -> Tuple[str, int]:
    """What the runs of a database of an earlier build recorded, as (the key `options` of its results
    that have no supplement, `signed` of those without a signature). The options are known only when
    every run recorded its selection and all recorded the same one (else UNKNOWN_OPTIONS: those files
    are checked again); the signature was asked for when every run recorded --near-duplicate above 0."""
    runs = []
    for (text,) in db.execute("SELECT settings FROM runs"):
        try:
            settings = json.loads(text or "")
        except ValueError:
            settings = None
        runs.append(settings if isinstance(settings, dict) else {})
    selections = {json.dumps([_codes(r["select"]), _codes(r["ignore"])])
                  for r in runs if isinstance(r.get("select"), list) and isinstance(r.get("ignore"), list)}
    recorded = bool(runs) and len(selections) == 1 and all("select" in r and "ignore" in r for r in runs)
    options = result_options(*json.loads(selections.pop())) if recorded else UNKNOWN_OPTIONS
    signed = int(bool(runs) and all(isinstance(r.get("near_duplicate"), (int, float)) and r["near_duplicate"] > 0
                                    for r in runs))
    return options, signed


def _migrate_schema_1(db: sqlite3.Connection) -> None:
    """A database of schema 1 (results keyed by sha256, rules hash and version) to schema 2, inside
    the caller's transaction: each result gets `options` (_schema_1_options; a result with a
    supplement: UNKNOWN_OPTIONS, since its supplement's size and time were not kept) and `signed`,
    each entry the options of the result it showed."""
    options, signed = _schema_1_options(db)
    have = _columns(db, "results")
    db.execute(RESULTS_TABLE.format(name="results_schema_2"))
    copied = [c for c in RESULT_COLUMNS if c not in ("options", "signed")]
    db.execute(
        f"INSERT INTO results_schema_2({', '.join(copied)}, options, signed) "
        f"SELECT {', '.join(c if c in have else 'NULL' for c in copied)}, "
        "CASE WHEN supplement IS NULL THEN ? ELSE ? END, CASE WHEN signature IS NOT NULL THEN 1 ELSE ? END "
        "FROM results", (options, UNKNOWN_OPTIONS, signed))
    db.execute("DROP TABLE results")
    db.execute("ALTER TABLE results_schema_2 RENAME TO results")
    if "options" not in _columns(db, "entries"):
        db.execute("ALTER TABLE entries ADD COLUMN options TEXT NOT NULL DEFAULT ''")
    db.execute("UPDATE entries SET options = coalesce((SELECT r.options FROM results r WHERE r.sha256 = entries.sha256 "
               "AND r.rules_hash = entries.rules_hash AND r.version = entries.version), ?)", (options,))


def _columns(db: sqlite3.Connection, table: str) -> set:
    return {r[1] for r in db.execute(f"PRAGMA table_info({table})")}


def open_store(folder: str) -> Store:
    os.makedirs(folder, exist_ok=True)
    return Store(os.path.join(folder, DB_NAME))
