"""The lists chairs act on, all generated from the results database and written atomically:
results.csv, desk_reject.csv, results.jsonl, report.html and first_pages.pdf."""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections import Counter
from typing import Dict, List, Optional, Sequence

from scope_check.batch import canary, dedup
from scope_check.batch.store import Store
from scope_check.safety.atomic import write_bytes
from scope_check import checks as registry
from scope_check.batch.firstpages import start_first_pages
from scope_check.batch.html import render

EXPORTS = ("results.csv", "desk_reject.csv", "results.jsonl", "report.html", "first_pages.pdf")


def atomic_write(path: str, data: bytes) -> None:
    """Write `data` to `path` atomically, with the user's umask (scope_check/atomic.py)."""

    write_bytes(path, data)


def _sort_key(row: dict):
    sid = row["sid"]
    return (0, int(sid), row["path"]) if sid.isdigit() else (1, sid, row["path"])


def load_rows(store: Store, near_threshold: float = dedup.DEFAULT_THRESHOLD, duplicates: bool = True) -> List[dict]:
    """Every entry with its file report (the JSON contract), sorted by submission id; not-yet-checked
    entries are left out (see `pending`)."""
    rows = []
    for r in store.rows():
        if r["odd"]:
            report = json.loads(r["odd"])
        elif r["report"]:
            report = json.loads(r["report"])
        else:
            continue
        report["path"] = r["path"]
        report = {"path": r["path"], **{k: v for k, v in report.items() if k != "path"}}
        r["file"] = report
        r["verdict"] = report["verdict"]
        r["supplement"] = json.loads(r["supplement"]) if r["supplement"] else None
        rows.append(r)
    rows.sort(key=_sort_key)
    canary.apply(rows)  # the venue's canaries: one notice for the batch, out of the papers' reports
    attach_duplicates(rows, near_threshold if duplicates else None)
    return rows


def attach_duplicates(rows: List[dict], near_threshold: Optional[float] = dedup.DEFAULT_THRESHOLD) -> None:
    """Give every row its "duplicates": [(submission id, path, kind, similarity)] (none at all when
    `near_threshold` is None)."""
    dups = dedup.find(rows, near_threshold) if near_threshold is not None else {}
    by_path = {r["path"]: r for r in rows}
    for r in rows:
        r["duplicates"] = [(by_path[p]["sid"], p, kind, sim) for p, kind, sim in dups.get(r["path"], [])]


def pending(store: Store) -> int:
    return sum(1 for r in store.rows() if not r["odd"] and not r["report"])


def _codes(report: dict, severity: str) -> List[str]:
    out = []
    for f in report.get("findings", []):
        if f.get("severity") == severity and f["code"] not in out:
            out.append(f["code"])
    return out


def _dup_text(row: dict) -> str:
    return "; ".join(f"{sid} ({'identical' if kind == 'identical' else f'{sim:.2f}'})"
                     for sid, _, kind, sim in row["duplicates"])


def all_codes() -> List[str]:

    return sorted(registry.checks())


def with_supplement(row: dict) -> dict:
    """The row's paper report with its supplementary material's findings added (each message says
    so), and the verdict `fail` when the supplement has an error: a chair desk-rejects a leaking
    supplement like a leaking paper. results.jsonl keeps the paper's report as the contract gives it,
    with the supplement beside it."""
    rep = row["file"]
    supp = row.get("supplement") or {}
    extra = [dict(f, message=f"supplementary material {supp.get('path', '')}: {f.get('message', '')}")
             for f in supp.get("findings") or () if isinstance(f, dict)]
    if not extra:
        return rep
    verdict = rep["verdict"]
    if verdict == "pass" and any(f.get("severity") == "error" for f in extra):
        verdict = "fail"
    return {**rep, "verdict": verdict, "findings": list(rep.get("findings", [])) + extra}


def results_csv(rows: Sequence[dict]) -> bytes:
    codes = all_codes()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["submission_id", "title", "path", "track", "rules", "verdict", "pages", "body_pages", "error_codes",
                "warning_codes", "first_error", "duplicate_of", "supplement", *codes])
    for r in rows:
        rep = with_supplement(r)
        m = rep.get("measurements", {})
        errors = _codes(rep, "error")
        first = next((f["message"] for f in rep.get("findings", []) if f.get("severity") == "error"), "")
        severity: Dict[str, str] = {}
        for f in rep.get("findings", []):
            cur = severity.get(f["code"])
            if cur is None or (cur != "error" and f["severity"] == "error"):
                severity[f["code"]] = f["severity"]
        supp = r.get("supplement") or {}
        w.writerow([r["sid"], r.get("title") or "", r["path"], r["track"], rep.get("rules") or r["rules_name"], rep["verdict"],
                    m.get("pages", ""),
                    m.get("body_pages", "") if m.get("body_pages") is not None else "", " ".join(errors),
                    " ".join(_codes(rep, "warning")), first, _dup_text(r), supp.get("path", ""),
                    *[severity.get(c, "") for c in codes]])
    return buf.getvalue().encode("utf-8")


def reason_sentences(report: dict) -> str:
    """One sentence per error code, for the authors: what is wrong, where."""
    out = []
    seen = set()
    for f in report.get("findings", []):
        if f.get("severity") != "error" or f["code"] in seen:
            continue
        seen.add(f["code"])
        where = f" (page {f['page']})" if f.get("page") else ""
        message = f["message"].rstrip(". ")
        name = f.get("name") or f["code"]
        out.append(f"{f['code']} {name}{where}: {message}.")
    return " ".join(out)


def desk_reject_csv(rows: Sequence[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["submission_id", "title", "path", "track", "verdict", "error_codes", "reason", "duplicate_of"])
    for r in rows:
        rep = with_supplement(r)
        errors = _codes(rep, "error")
        if not errors:
            continue
        w.writerow([r["sid"], r.get("title") or "", r["path"], r["track"], rep["verdict"], " ".join(errors),
                    reason_sentences(rep),
                    _dup_text(r)])
    return buf.getvalue().encode("utf-8")


def results_jsonl(rows: Sequence[dict]) -> bytes:
    lines = []
    for r in rows:
        entry = dict(r["file"])
        # the file's own rule set (--rules auto chooses one per file, its report says which), else the run's
        entry.update({"submission_id": r["sid"], "track": r["track"], "rules": entry.get("rules") or r["rules_name"],
                      "duplicate_of": [{"submission_id": sid, "path": p, "kind": kind, "similarity": sim}
                                       for sid, p, kind, sim in r["duplicates"]]})
        if r.get("title"):  # the tracks file's
            entry["title"] = r["title"]
        if r.get("supplement"):
            entry["supplement"] = r["supplement"]
        if r.get("canary"):  # what the batch took out of the report as the venue's canary
            entry["venue_canary"] = r["canary"]
        lines.append(json.dumps(entry, ensure_ascii=False, sort_keys=False))
    return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")


def summary(rows: Sequence[dict]) -> dict:
    verdicts = Counter(r["verdict"] for r in rows)
    codes: Counter = Counter()
    for r in rows:
        for c in set(f["code"] for f in r["file"].get("findings", [])):
            codes[c] += 1
    return {"files": len(rows), "verdicts": dict(verdicts), "codes": dict(codes), "canaries": canary.notices(rows)}


def write_all(store: Store, out: str, settings: dict, near_threshold: float = dedup.DEFAULT_THRESHOLD,
              first_pages: bool = True, force: bool = False) -> dict:
    """Write every export into `out`; skipped when the database has not changed since the last time
    (and every export is there), unless `force`."""
    state = store.state() + json.dumps([near_threshold, first_pages])
    wanted = [e for e in EXPORTS if first_pages or e != "first_pages.pdf"]
    if not force and store.meta("exports_state") == state and all(os.path.exists(os.path.join(out, e)) for e in wanted):
        rows = load_rows(store, near_threshold, duplicates=False)  # the summary needs no duplicates
        return {"rows": rows, "written": False, "first_pages": None}
    rows = load_rows(store, near_threshold, duplicates=False)
    pages = None
    if first_pages:  # copied by its own worker while the other lists are made (it needs no duplicates)

        pages = start_first_pages(rows, os.path.join(out, "first_pages.pdf"))
    try:
        attach_duplicates(rows, near_threshold)
        atomic_write(os.path.join(out, "results.csv"), results_csv(rows))
        atomic_write(os.path.join(out, "desk_reject.csv"), desk_reject_csv(rows))
        atomic_write(os.path.join(out, "results.jsonl"), results_jsonl(rows))

        atomic_write(os.path.join(out, "report.html"), render(rows, settings, summary(rows), all_codes()).encode("utf-8"))
    finally:
        fp_problem = pages.result() if pages is not None else None
    store.set_meta("exports_state", state)
    store.set_meta("exports_written", str(time.time()))
    return {"rows": rows, "written": True, "first_pages": fp_problem}
