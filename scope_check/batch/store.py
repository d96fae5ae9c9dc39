"""The batch's results database: SQLite (stdlib), WAL journal, one transaction per result.

`results` holds one check per (file sha256, rule set content hash, tool version): a rerun finds
what is already done and checks only the rest; a changed rules file or a new version is a new key.
`entries` holds one row per input entry (its path, submission id, track, which result it shows, or
its own error when it was never checked). Every list a chair reads is generated from these two.
A result's `timings` holds the worker's own times (`check_s`: the check, the freeing of its parsed
model included; `signature_s`: the duplicate signature), which benchmarks/batch.py reads.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from typing import Dict, Iterable, Iterator, List, Optional, Tuple

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    sha256 TEXT NOT NULL, rules_hash TEXT NOT NULL, version TEXT NOT NULL,
    rules_name TEXT NOT NULL, verdict TEXT NOT NULL, report TEXT NOT NULL,
    signature BLOB, supplement TEXT, limits TEXT, elapsed_s REAL, peak_rss_mb REAL, checked_at REAL,
    timings TEXT,
    PRIMARY KEY (sha256, rules_hash, version));
CREATE TABLE IF NOT EXISTS entries (
    path TEXT PRIMARY KEY, raw BLOB NOT NULL, rel TEXT NOT NULL, source TEXT NOT NULL,
    sid TEXT NOT NULL, track TEXT NOT NULL, rules_name TEXT NOT NULL, rules_hash TEXT NOT NULL,
    version TEXT NOT NULL, sha256 TEXT, stat TEXT, odd TEXT, supplement_path TEXT, run INTEGER, updated REAL);
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY AUTOINCREMENT, started REAL, finished REAL, settings TEXT);
"""

DB_NAME = "results.sqlite"

RESULT_COLUMNS = ("sha256", "rules_hash", "version", "rules_name", "verdict", "report", "signature", "supplement",
                  "limits", "elapsed_s", "peak_rss_mb", "checked_at", "timings")
#: columns added after the first release of the database, with their type: an older database gets
#: them when it is opened (its rows hold NULL there)
ADDED_RESULT_COLUMNS = {"timings": "TEXT"}

ENTRY_COLUMNS = ("path", "raw", "rel", "source", "sid", "track", "rules_name", "rules_hash", "version", "sha256",
                 "stat", "odd", "supplement_path", "run", "updated")


class Store:
    def __init__(self, path: str):
        self.path = path
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # WAL with synchronous=NORMAL: a committed result survives a crash or kill -9 of the process; a
        # power cut may lose the last few commits, never the database's consistency: those files are
        # simply missing and the rerun checks them
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        have = _columns(self.db, "results")
        for name, kind in ADDED_RESULT_COLUMNS.items():
            if name not in have:
                self.db.execute(f"ALTER TABLE results ADD COLUMN {name} {kind}")

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

    def finish_run(self, run: int) -> None:
        self.db.execute("UPDATE runs SET finished=? WHERE id=?", (time.time(), run))

    def last_settings(self) -> dict:
        row = self.db.execute("SELECT settings FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        return json.loads(row[0]) if row else {}

    # --- results
    def known(self) -> Dict[Tuple[str, str, str], Optional[str]]:
        """Every stored key -> its limits (set for FILE006/FILE007 results)."""
        return {(r[0], r[1], r[2]): r[3] for r in self.db.execute("SELECT sha256, rules_hash, version, limits FROM results")}

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
            "r.report, r.verdict, r.signature, r.supplement, r.peak_rss_mb, r.elapsed_s, e.rules_hash, e.version "
            "FROM entries e LEFT JOIN results r ON r.sha256 = e.sha256 AND r.rules_hash = e.rules_hash "
            "AND r.version = e.version ORDER BY e.path")
        names = ("path", "raw", "rel", "source", "sid", "track", "rules_name", "sha256", "odd", "supplement_path",
                 "report", "verdict", "signature", "supplement", "peak_rss_mb", "elapsed_s", "rules_hash", "version")
        for r in cur:
            yield dict(zip(names, r))

    def state(self) -> str:
        """A fingerprint of what the reports are made of (unchanged: the reports need not be rewritten)."""
        row = self.db.execute(
            "SELECT count(*), coalesce(max(updated), 0), coalesce(sum(length(path)), 0) FROM entries").fetchone()
        res = self.db.execute("SELECT count(*), coalesce(max(checked_at), 0) FROM results").fetchone()
        return json.dumps([list(row), list(res)])

    def merge_from(self, other_path: str) -> Tuple[int, int]:
        """Copy every result and entry of another database into this one."""
        src = sqlite3.connect(f"file:{other_path}?mode=ro", uri=True)
        try:
            have = _columns(src, "results")
            results = src.execute(
                f"SELECT {', '.join(c if c in have else 'NULL' for c in RESULT_COLUMNS)} FROM results").fetchall()
            entries = src.execute(f"SELECT {', '.join(ENTRY_COLUMNS)} FROM entries").fetchall()
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


def _columns(db: sqlite3.Connection, table: str) -> set:
    return {r[1] for r in db.execute(f"PRAGMA table_info({table})")}


def open_store(folder: str) -> Store:
    os.makedirs(folder, exist_ok=True)
    return Store(os.path.join(folder, DB_NAME))
