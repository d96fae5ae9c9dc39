#!/usr/bin/env python3
"""How fast `scope-check batch` screens a venue, and what batch mode adds to the checks themselves.

    nice -n 10 python benchmarks/batch.py                # 1,000 PDFs
    python benchmarks/batch.py --count 200 --json        # a quicker look, figures as JSON

Run it with the Python of the environment scope-check is installed in. It builds COUNT PDFs in a
temporary folder: copies of the fixture PDFs (bad inputs that cannot be opened are left out) and
of the corpus papers (default `../shared/corpus`), cycled, each copy made distinct by a comment
appended after its end-of-file marker (so every copy is a file of its own to check, and a
duplicate of its original for the duplicate detection). Then, in the same run:

  raw        a bare single-process PyMuPDF pass over the same files: `pymupdf.open` and
             `page.get_text("rawdict")` on every page
  jobs 1     `scope-check batch DIR --out OUT --jobs 1` in a fresh process, wall time
  jobs 2     the same with `--jobs 2` into a fresh folder: the speed-up over jobs 1
  resume     the jobs-2 command again over the finished batch (nothing to check)

and reports papers/s and pages/s, the peak RSS of the workers (from the database), the time the
checks themselves took (each worker's `timings.check_s`, summed: the parse, the checks, the
report's JSON and the freeing of the parsed model, which a single `scope-check FILE` leaves to the
process's exit), what batch adds on top (process start, enumeration, hashing, queueing, the
database, every report; the jobs-1 wall time less the checks and the signatures), the cost of
duplicate detection (the MinHash signatures, timed by themselves in the workers, plus the LSH pass
when the reports are written), and the projected wall time for 25,000 submissions on 2 and 64
cores.

Targets (PASS/FAIL): speed-up >= 1.8; batch overhead <= 5 % of the checks; peak RSS per worker
<= 300 MB; resume < 5 s; duplicate detection < 5 % of the batch. A report: exit 0 whatever the
figures. Other processes on the machine make the speed-up look worse: say so with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
SCOPE_CHECK = str(Path(sys.executable).with_name("scope-check"))


def sources(corpus: Path) -> list:
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    found = []
    for p in sorted(FIXTURES.rglob("*.pdf")) + (sorted(corpus.glob("*.pdf")) if corpus.is_dir() else []):
        if p.parent == FIXTURES / "files":  # the bad inputs
            continue
        try:
            with pymupdf.open(p) as d:
                if d.needs_pass or d.page_count == 0 or d.page_count > 100:
                    continue
        except Exception:
            continue
        found.append(p)
    return found


def build(folder: Path, count: int, corpus: Path) -> list:
    srcs = sources(corpus)
    out = []
    for i in range(count):
        src = srcs[i % len(srcs)]
        target = folder / f"{i + 1:05d}.pdf"
        shutil.copyfile(src, target)
        with open(target, "ab") as fh:
            fh.write(f"\n% copy {i + 1}\n".encode())
        out.append(target)
    return out


def raw_pass(files) -> tuple:
    import pymupdf

    pages = 0
    start = time.perf_counter()
    for f in files:
        with pymupdf.open(f) as d:
            for page in d:
                page.get_text("rawdict", flags=0)
                pages += 1
    return time.perf_counter() - start, pages


def run_batch(folder: Path, out: Path, jobs: int) -> float:
    start = time.perf_counter()
    subprocess.run([SCOPE_CHECK, "batch", str(folder), "--out", str(out), "--jobs", str(jobs), "--progress", "none",
                    "--exit-zero"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def db_figures(out: Path) -> dict:
    """The workers' own timings from the database: each result's `timings` holds the check's time
    (the parse, the checks, the report's JSON and the freeing of the parsed model) and the
    signature's; `elapsed_s` is the whole task in the worker."""
    with sqlite3.connect(out / "results.sqlite") as con:
        rows = con.execute("SELECT report, elapsed_s, peak_rss_mb, signature IS NOT NULL, timings FROM results").fetchall()
    check = signature = 0.0
    for report, _elapsed, _, _, timings in rows:
        t = json.loads(timings) if timings else {}
        check += t.get("check_s", json.loads(report).get("elapsed_s", 0.0))
        signature += t.get("signature_s", 0.0)
    task = sum(r[1] or 0.0 for r in rows)
    pages = sum(json.loads(r[0]).get("measurements", {}).get("pages", 0) or 0 for r in rows)
    return {"results": len(rows), "check_s": check, "task_s": task, "signature_s": signature,
            "rest_of_task_s": max(0.0, task - check - signature),
            "peak_rss_mb": max((r[2] or 0.0) for r in rows), "signed": sum(r[3] for r in rows), "pages": pages}


def lsh_time(out: Path) -> float:
    sys.path.insert(0, str(ROOT))
    from scope_check.batch import dedup
    from scope_check.batch.store import Store

    store = Store(str(out / "results.sqlite"))
    rows = [r for r in store.rows()]
    store.close()
    start = time.perf_counter()
    dedup.find(rows)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = ap.parse_args()
    load_start = os.getloadavg()  # what else ran before (the one at the end is mostly this run's own)
    tmp = Path(tempfile.mkdtemp(prefix="scope-check-batch-bench-"))
    try:
        folder = tmp / "in"
        folder.mkdir()
        files = build(folder, args.count, args.corpus)
        raw_s, pages = raw_pass(files)
        wall1 = run_batch(folder, tmp / "j1", 1)
        fig1 = db_figures(tmp / "j1")
        wall2 = run_batch(folder, tmp / "j2", 2)
        fig2 = db_figures(tmp / "j2")
        resume = run_batch(folder, tmp / "j2", 2)
        lsh = lsh_time(tmp / "j1")
        (tmp / "empty").mkdir()
        startup = run_batch(tmp / "empty", tmp / "j0", 1)
        start = time.perf_counter()
        subprocess.run([SCOPE_CHECK, "report", str(tmp / "j1"), "--out", str(tmp / "r1"), "--exit-zero"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        reports = time.perf_counter() - start
        overhead = wall1 - fig1["check_s"] - fig1["signature_s"]
        speedup = wall1 / wall2
        per_core_rate = args.count / wall1
        fig = {
            "files": args.count, "pages": pages,
            "raw": {"s": raw_s, "papers_per_s": args.count / raw_s, "pages_per_s": pages / raw_s},
            "jobs1": {"s": wall1, "papers_per_s": args.count / wall1, "pages_per_s": pages / wall1},
            "jobs2": {"s": wall2, "papers_per_s": args.count / wall2, "pages_per_s": pages / wall2},
            "speedup": speedup,
            "checks_s": fig1["check_s"], "overhead_s": overhead, "overhead_pct": 100 * overhead / fig1["check_s"],
            "signature_s": fig1["signature_s"], "lsh_s": lsh, "dedup_s": fig1["signature_s"] + lsh, "dedup_pct": 100 * (fig1["signature_s"] + lsh) / wall1,
            "peak_rss_mb": max(fig1["peak_rss_mb"], fig2["peak_rss_mb"]), "resume_s": resume,
            "project_25000_2cores_h": 25000 / (args.count / wall2) / 3600,
            "project_25000_64cores_min": 25000 / (per_core_rate * 64 * min(1.0, speedup / 2)) / 60,
            "startup_s": startup, "reports_s": reports,
            "load_start": load_start, "load": os.getloadavg(),
        }
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(fig, indent=2))
        return 0

    def mark(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    print(f"{fig['files']} PDFs, {fig['pages']:,} pages (fixtures and corpus copies); load average "
          f"{fig['load_start'][0]:.2f} at the start, {fig['load'][0]:.2f} at the end")
    for key, label in (("raw", "bare PyMuPDF rawdict, 1 process"), ("jobs1", "scope-check batch --jobs 1"),
                       ("jobs2", "scope-check batch --jobs 2")):
        f = fig[key]
        print(f"  {label:<34} {f['s']:8.1f} s  {f['papers_per_s']:7.2f} papers/s  {f['pages_per_s']:8.1f} pages/s")
    print(f"  speed-up --jobs 2 over --jobs 1     {fig['speedup']:.2f}   {mark(fig['speedup'] >= 1.8)} (>= 1.8)")
    print(f"  checks themselves (jobs 1)          {fig['checks_s']:.1f} s; batch adds {fig['overhead_s']:.1f} s = "
          f"{fig['overhead_pct']:.1f} %   {mark(fig['overhead_pct'] <= 5)} (<= 5 %)")
    print(f"    of which: start-up and an empty run {fig['startup_s']:.1f} s, writing every report {fig['reports_s']:.1f} s, "
          f"the rest (hashing, queueing, database) {fig['overhead_s'] - fig['startup_s'] - fig['reports_s']:.1f} s")
    print(f"  duplicate detection                 {fig['dedup_s']:.1f} s = {fig['dedup_pct']:.1f} % of the batch   "
          f"{mark(fig['dedup_pct'] < 5)} (< 5 %)")
    print(f"    of which: signatures in the workers {fig['signature_s']:.1f} s, the LSH pass {fig['lsh_s']:.2f} s")
    print(f"  peak RSS per worker                 {fig['peak_rss_mb']:.0f} MB   {mark(fig['peak_rss_mb'] <= 300)} (<= 300 MB)")
    print(f"  resume of the finished batch        {fig['resume_s']:.2f} s   {mark(fig['resume_s'] < 5)} (< 5 s)")
    print(f"  25,000 submissions: {fig['project_25000_2cores_h']:.2f} h on 2 cores, "
          f"{fig['project_25000_64cores_min']:.1f} min on 64 cores (jobs-1 rate x 64 x the measured 2-core efficiency)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
