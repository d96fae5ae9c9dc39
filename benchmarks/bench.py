#!/usr/bin/env python3
"""How fast scope-check is, against a bare PyMuPDF text extraction of the same pages.

    python benchmarks/bench.py                      # fixtures and ../shared/corpus, best of 3
    python benchmarks/bench.py --runs 5 --corpus DIR
    python benchmarks/bench.py --json               # the same figures as JSON
    python benchmarks/bench.py --strict             # exit 1 when a target is missed
    python benchmarks/bench.py --overhead TEXT      # also: what the TEXT checks cost, in the same run

Run it with the Python of the environment scope-check is installed in (it imports the package and
runs its `scope-check` command). For every PDF under fixtures/ (bad inputs PyMuPDF cannot open,
that need a password or have no page are skipped) and every PDF in the corpus folder (default
`../shared/corpus` from the repository root; skipped if absent) it measures, best of N runs:

  raw    `pymupdf.open(path)` and `page.get_text("rawdict")` (images not kept) on every page:
         the least any checker reading every glyph's box has to pay
  check  `scope_check.engine.runner.check_file(path, rules)`, the rule set loaded once beforehand:
         one parse into the document model and every check
  parse  `scope_check.model.loader.load(path)` alone: the parse the checks start from (each set's
         line tells the check's ratio apart: the parse's share, and the measurements' and checks')

and prints per file the pages, the milliseconds per page of each and their ratio; per set the
aggregate ratio (sum of check times / sum of raw times); the check time of the 10-page corpus
papers (or of a synthetic 10-page paper, made from the fixture pages, when the corpus has none),
judged on `check_file` and shown also as the whole command's wall time in a fresh process;
the wall time of `scope-check --version` in a fresh process (best of 5); and the peak resident
memory of the command line checking the largest corpus file.

With `--overhead TEXT` every file is also checked without the TEXT family (the checks ignored as by
`--ignore TEXT`, and the loader's integrity facts, `scope_check/visibility.py`, not gathered), the two
timings taken alternately, and the set's overhead is reported against OVERHEAD_TARGET.

"2-page paper, fresh process" times the whole command on a 2-page fixture (`scope-check PDF`,
default rules, text output, exit status aside) against the bare pass in a fresh process of the same
Python (`python -c "import pymupdf; d = pymupdf.open(P); [p.get_text('rawdict') for p in d]"`),
the two run alternately N times each (`--fresh-runs`, default 11) after one unmeasured run of each
(the file cache warm, bytecode caches written), medians compared; `--fresh-only` measures only that.

It also generates (benchmarks/generate.py, into a temporary folder) papers of 200, 2,000 and 10,000
pages (`--long`) and measures the whole command on each, worker included (the peak RSS of the
process tree from a fresh parent, RUSAGE_CHILDREN, and the wall time, with the per-file time limit
raised so the time is measured, not cut), beside a bare `rawdict` pass over the same file in a
fresh process; and one page of 100,000 tiny spans, the command against the bare pass.

It also checks a generated page of 100,000 small squares in a margin (benchmarks/generate.py dots,
made into a temporary folder): the ink pass and MARG001's clustering at scale.

Targets (PASS/FAIL): ratio <= 2 over the fixtures, <= 1.3 over the corpus, <= 2 for the worst
single corpus paper; a 10-page paper in <= 0.2 s; `--version` in < 0.3 s; the 2-page paper's fresh
process <= 1.3 x the bare pass's; the 10,000-page paper in <= 150 MiB peak RSS with time per page
within 1.5x of the 200-page paper's; the page of tiny spans and the 100,000-dot page in < 5 s.
This is a report: it exits 0 whatever the figures, unless --strict. Speed is measured here, never
in timed unit tests.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
DEFAULT_RULES = "scope2025-main"

RATIO_TARGET = 2.0
CORPUS_RATIO_TARGET = 1.3
WORST_PAPER_TARGET = 2.0
MARGIN_DOTS_TARGET_S = 5.0
TEN_PAGE_TARGET_S = 0.2
VERSION_TARGET_S = 0.3
#: what the TEXT family may add to the check time of a set (--overhead TEXT)
OVERHEAD_TARGET = 0.10
#: the 2-page paper checked in a fresh process, against the bare pass in a fresh process
TWO_PAGE = FIXTURES / "pages" / "tiny_compliant.pdf"
FRESH_RUNS = 11
FRESH_TARGET = 1.3


def best_of(runs: int, fn) -> float:
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def raw_pass(pymupdf, path: Path) -> int:
    flags = pymupdf.TEXTFLAGS_RAWDICT & ~pymupdf.TEXT_PRESERVE_IMAGES
    doc = pymupdf.open(path)
    try:
        for page in doc:
            page.get_text("rawdict", flags=flags)
        return doc.page_count
    finally:
        doc.close()


def readable(pymupdf, path: Path) -> str:
    """'' if PyMuPDF can read the pages of `path`, else why the file is skipped."""
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:  # the bad inputs: empty, not a PDF, damaged beyond repair
        return f"cannot be opened ({type(exc).__name__})"
    try:
        if doc.needs_pass:
            return "needs a password"
        if doc.page_count == 0:
            return "has no page"
        return ""
    finally:
        doc.close()


class without_family:
    """Check without a family: its checks ignored and, for TEXT, the loader's facts not gathered
    (the plain ink device of `document`, no visibility facts)."""

    def __init__(self, family: str):
        self.family = family
        self.saved = None

    def __enter__(self):
        from scope_check.model import ink
        from scope_check.model import visibility

        if self.family == "TEXT":
            self.saved = (visibility.text_ink_device, visibility.facts)
            visibility.text_ink_device = lambda target=None: ink.ink_device_class()()  # the ink alone: the text read on its own
            visibility.facts = lambda *args: ((), (), ())
        return self

    def __exit__(self, *exc):
        from scope_check.model import visibility

        if self.saved:
            visibility.text_ink_device, visibility.facts = self.saved
        return False


def measure(pymupdf, path: Path, rules, runs: int, label: str, overhead: str = "") -> dict:
    from scope_check.model.loader import load
    from scope_check.engine.runner import Selection, check_file

    pages = raw_pass(pymupdf, path)  # also warms the file cache
    raw = best_of(runs, lambda: raw_pass(pymupdf, path))
    check = best_of(runs, lambda: check_file(str(path), rules))
    parse = best_of(runs, lambda: load(str(path)))  # the parse into the model alone: what the checks start from
    extra = {}
    if overhead:
        without = Selection(ignore=(overhead,))

        def bare():
            with without_family(overhead):
                check_file(str(path), rules, without)

        # alternate the two timings so that a busy machine slows both alike
        alone = float("inf")
        for _ in range(runs):
            alone = min(alone, best_of(1, bare))
            check = min(check, best_of(1, lambda: check_file(str(path), rules)))
        extra = {"check_without_s": alone}
    return {
        "file": label,
        "pages": pages,
        "bytes": path.stat().st_size,
        "check_s": check,
        "parse_s": parse,
        "raw_s": raw,
        "check_ms_per_page": 1000 * check / pages,
        "raw_ms_per_page": 1000 * raw / pages,
        "ratio": check / raw if raw else None,
        **extra,
    }


def bench_set(pymupdf, name: str, paths, base: Path, rules, runs: int, out, overhead: str = "") -> dict:
    files, skipped = [], []
    for path in paths:
        label = str(path.relative_to(base))
        why = readable(pymupdf, path)
        if why:
            skipped.append({"file": label, "why": why})
            continue
        files.append(measure(pymupdf, path, rules, runs, label, overhead))
        if out:
            _row(out, name, files[-1])
    pages = sum(f["pages"] for f in files)
    check = sum(f["check_s"] for f in files)
    parse = sum(f["parse_s"] for f in files)
    raw = sum(f["raw_s"] for f in files)
    extra = {}
    if overhead:
        alone = sum(f["check_without_s"] for f in files)
        extra = {"overhead_family": overhead, "check_without_s": alone,
                 "overhead": (check - alone) / alone if alone else None}
    return {
        **extra,
        "set": name,
        "folder": str(base),
        "files": files,
        "skipped": skipped,
        "pages": pages,
        "check_s": check,
        "parse_s": parse,
        "parse_ratio": parse / raw if raw else None,
        "raw_s": raw,
        "check_ms_per_page": 1000 * check / pages if pages else None,
        "raw_ms_per_page": 1000 * raw / pages if pages else None,
        "ratio": check / raw if raw else None,
    }


def synthetic_ten_pages(pymupdf, folder: Path) -> Path:
    """A 10-page paper made by repeating the compliant fixture's pages."""
    src = pymupdf.open(FIXTURES / "pages" / "main_refs_top_p6.pdf")
    doc = pymupdf.open()
    while doc.page_count < 10:
        doc.insert_pdf(src, to_page=min(src.page_count, 10 - doc.page_count) - 1)
    path = folder / "synthetic_10_pages.pdf"
    doc.save(path, garbage=3, deflate=True)
    return path


def scope_check_command():
    """The installed `scope-check` next to this Python, else `python -m scope_check`."""
    script = Path(sys.executable).with_name("scope-check")
    if script.is_file():
        return [str(script)]
    found = shutil.which("scope-check")
    return [found] if found else [sys.executable, "-m", "scope_check"]


def version_time(runs: int = 5) -> dict:
    cmd = scope_check_command() + ["--version"]
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        best = min(best, time.perf_counter() - start)
    return {"command": " ".join([Path(cmd[0]).name, *cmd[1:]]), "seconds": best}


def cli_time(path: Path, runs: int) -> float:
    """Wall time of the command line checking `path` in a fresh process (imports included)."""
    cmd = scope_check_command() + [str(path), "--format", "json"]
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def fresh_process(path: Path = TWO_PAGE, runs: int = FRESH_RUNS) -> dict:
    """The whole command checking `path` (default rules, text output) against the bare pass, each in a
    fresh process: interleaved, `runs` each after one unmeasured run of each, medians and their ratio."""
    import statistics

    bare = [sys.executable, "-c", "import pymupdf; d = pymupdf.open(%r); [p.get_text('rawdict') for p in d]" % str(path)]
    command = scope_check_command() + [str(path)]
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: the bytecode caches exist
    times = {"command": [], "bare": []}

    def timed(cmd) -> float:
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=env)
        return time.perf_counter() - start

    timed(bare), timed(command)  # warm: the file cache, the bytecode caches
    load_before = os.getloadavg()
    for i in range(runs):
        for name in (("bare", "command") if i % 2 == 0 else ("command", "bare")):  # neither always first
            times[name].append(timed(bare if name == "bare" else command))
    command_s, bare_s = statistics.median(times["command"]), statistics.median(times["bare"])
    return {"file": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path),
            "pages": _page_count(path), "runs": runs,
            "command": " ".join([Path(command[0]).name, *command[1:]]),
            "command_s": command_s, "bare_s": bare_s, "ratio": command_s / bare_s,
            "command_runs_s": times["command"], "bare_runs_s": times["bare"],
            "load_average": [round(x, 2) for x in (*load_before, *os.getloadavg())]}


def _page_count(path: Path) -> int:
    import pymupdf

    with pymupdf.open(path) as doc:
        return doc.page_count


def _fresh_line(f: dict) -> str:
    return (f"2-page paper, fresh process ({f['file']}, {f['pages']} pages): the command {f['command_s']:.3f} s, "
            f"the bare pass {f['bare_s']:.3f} s (medians of {f['runs']}, interleaved): {f['ratio']:.2f} x "
            f"(load average {' '.join(map(str, f['load_average'][:3]))} before, "
            f"{' '.join(map(str, f['load_average'][3:]))} after)")


def peak_rss(path: Path) -> dict:
    """Peak RSS of the command line checking `path`, its worker included (see measured_run)."""
    cmd = scope_check_command() + [str(path), "--format", "json"]
    return {"file": path.name, "file_bytes": path.stat().st_size, "peak_rss_bytes": measured_run(cmd)["peak_rss_bytes"]}


#: page counts of the generated papers whose peak memory and time are measured (--long)
LONG_PAGES = (200, 2000, 10_000)
#: the generated page of tiny spans (benchmarks/generate.py spans) and its time target
TINY_SPANS = 100_000
TINY_SPANS_TARGET_S = 5.0
#: the peak RSS the whole command may reach on the 10,000-page paper
LONG_RSS_TARGET_MIB = 150.0

_BARE_PASS = (
    "import sys, pymupdf\n"
    "flags = pymupdf.TEXTFLAGS_RAWDICT & ~pymupdf.TEXT_PRESERVE_IMAGES\n"
    "doc = pymupdf.open(sys.argv[1])\n"
    "for page in doc:\n"
    "    page.get_text('rawdict', flags=flags)\n"
)


def _generator():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: the start of a measuring parent: it becomes the subreaper of what it starts (Linux), so the worker
#: that `check` leaves to end on its own is reparented to it, waited for by `reap()` and counted in
#: RUSAGE_CHILDREN (without this the worker, reaped by init, would be missing from the figure)
REAPER = (
    "import ctypes, os, resource, subprocess, sys, time\n"
    "try:\n"
    "    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER\n"
    "except (OSError, AttributeError):\n"
    "    pass\n"
    "def reap():\n"
    "    while True:\n"
    "        try:\n"
    "            os.wait()\n"
    "        except ChildProcessError:\n"
    "            return\n"
)


def measured_run(cmd, output: str = "") -> dict:
    """Wall time and peak RSS of `cmd` and everything it starts (a forked worker included), from a
    fresh parent: RUSAGE_CHILDREN's maxrss is the largest resident set of any process it waited for
    (the worker too: REAPER).
    The command's standard output goes to the file `output` (discarded when "")."""
    probe = (
        REAPER +
        "sink = open(sys.argv[1], 'wb') if sys.argv[1] else subprocess.DEVNULL\n"
        "start = time.perf_counter()\n"
        "p = subprocess.Popen(sys.argv[2:], stdout=sink, stderr=subprocess.DEVNULL)\n"
        "peak = 0\n"
        "def tree(pid):\n"
        "    out = [pid]\n"
        "    try:\n"
        "        for t in os.listdir(f'/proc/{pid}/task'):\n"
        "            with open(f'/proc/{pid}/task/{t}/children') as fh:\n"
        "                for c in fh.read().split():\n"
        "                    out += tree(int(c))\n"
        "    except OSError:\n"
        "        pass\n"
        "    return out\n"
        "def hwm(pid):\n"
        "    try:\n"
        "        with open(f'/proc/{pid}/status') as fh:\n"
        "            return max([int(l.split()[1]) for l in fh if l.startswith('VmHWM:')] or [0])\n"
        "    except OSError:\n"
        "        return 0\n"
        "while p.poll() is None:\n"
        "    peak = max([peak] + [hwm(k) for k in tree(p.pid)])\n"
        "    time.sleep(0.05)\n"
        "elapsed = time.perf_counter() - start\n"
        "reap()\n"
        "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(elapsed, u.ru_maxrss, p.returncode, u.ru_utime + u.ru_stime, peak)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, output, *cmd], capture_output=True, text=True, check=True)
    seconds, kib, code, cpu, sampled = out.stdout.split()[-5:]
    scale = 1 if sys.platform == "darwin" else 1024  # macOS reports bytes, Linux kilobytes
    return {"seconds": float(seconds), "peak_rss_bytes": int(kib) * scale, "exit": int(code), "cpu_s": float(cpu),
            "sampled_peak_rss_bytes": int(sampled) * 1024}


def whole_command(files, runs: int, extra=(), time_limit: float = 600.0) -> dict:
    """What a user waits for: `scope-check FILES --format json` (one command, its worker included)
    against the bare `rawdict` pass over the same files in one fresh process, run alternately
    `runs` times each (which goes first alternates), medians of the wall time and of the CPU time
    (user + system, every process of the tree, RUSAGE_CHILDREN of a reaping parent), the worst peak
    RSS (RUSAGE_CHILDREN's maxrss, and VmHWM sampled from /proc every 50 ms), the load average
    before and after. `extra`: more options for the command (`--select PAGE`)."""
    import statistics

    files = [str(f) for f in files]
    check_cmd = scope_check_command() + [*files, "--format", "json", "--time-limit", f"{time_limit:g}", *extra]
    bare_cmd = [sys.executable, "-c", _BARE_PASS_MANY, *files]
    measured_run(check_cmd), measured_run(bare_cmd)  # warm: the file cache, the bytecode caches
    runs_of = {"check": [], "bare": []}
    load_before = os.getloadavg()
    for i in range(runs):
        for side in (("bare", "check") if i % 2 == 0 else ("check", "bare")):
            runs_of[side].append(measured_run(check_cmd if side == "check" else bare_cmd))
    out = {"files": len(files), "options": list(extra), "runs": runs,
           "load_average": [round(x, 2) for x in (*load_before, *os.getloadavg())]}
    for side, ms in runs_of.items():
        out[side] = {"wall_s": statistics.median(m["seconds"] for m in ms),
                     "cpu_s": statistics.median(m["cpu_s"] for m in ms),
                     "wall_runs_s": [round(m["seconds"], 3) for m in ms],
                     "peak_rss_bytes": max(m["peak_rss_bytes"] for m in ms),
                     "sampled_peak_rss_bytes": max(m["sampled_peak_rss_bytes"] for m in ms)}
    out["wall_ratio"] = out["check"]["wall_s"] / out["bare"]["wall_s"]
    out["cpu_ratio"] = out["check"]["cpu_s"] / out["bare"]["cpu_s"]
    return out


_BARE_PASS_MANY = (
    "import sys, pymupdf\n"
    "flags = pymupdf.TEXTFLAGS_RAWDICT & ~pymupdf.TEXT_PRESERVE_IMAGES\n"
    "for path in sys.argv[1:]:\n"
    "    doc = pymupdf.open(path)\n"
    "    for page in doc:\n"
    "        page.get_text('rawdict', flags=flags)\n"
)

#: the sides of the one-page shapes (generate.py page: each of its PAGE_KINDS on a small and a very
#: large MediaBox) and their time target; the long shapes are generate.py's LONG_SHAPES
PAGE_SIDES = (612.0, 14400.0)
PAGE_SHAPE_TARGET_S = 5.0


def long_shapes(pages: int, shapes=None, runs: int = 1, time_limit: float = 1800.0) -> list:
    """Each long shape of `pages` pages (default: every one of generate.py's LONG_SHAPES): the whole
    command's wall and CPU time and its worker's peak RSS (both measures), beside the bare pass in a
    fresh process."""
    gen = _generator()
    shapes = gen.LONG_SHAPES if shapes is None else shapes
    out = []
    with tempfile.TemporaryDirectory(prefix="scope-bench-shapes-") as tmp:
        for shape in shapes:
            path = gen.long(Path(tmp) / f"{shape}_{pages}.pdf", shape, pages)
            report = str(Path(tmp) / "report.json")
            check_cmd = scope_check_command() + [str(path), "--format", "json", "--time-limit", f"{time_limit:g}"]
            bare_cmd = [sys.executable, "-c", _BARE_PASS, str(path)]
            best = {"check": None, "bare": None}
            for _ in range(runs):
                for side, cmd in (("check", check_cmd), ("bare", bare_cmd)):
                    m = measured_run(cmd, report if side == "check" else "")
                    if best[side] is None or m["seconds"] < best[side]["seconds"]:
                        best[side] = m
            out.append({"shape": shape, "pages": pages, "file_bytes": path.stat().st_size,
                        "check_s": best["check"]["seconds"], "check_cpu_s": best["check"]["cpu_s"],
                        "peak_rss_bytes": best["check"]["peak_rss_bytes"],
                        "sampled_peak_rss_bytes": best["check"]["sampled_peak_rss_bytes"],
                        "raw_s": best["bare"]["seconds"], "analysed": _verdict_of(report)})
    return out


def page_shapes(runs: int = 1, shapes=None, count: int = 100_000, time_limit: float = 600.0) -> list:
    """One page of `count` objects of each kind, on a 612 pt and a 14,400 pt square page (`shapes`:
    (kind, side) pairs; default: each of generate.py's PAGE_KINDS on each of PAGE_SIDES): the whole
    command's CPU time (every process of the tree, the worker included) and wall time (the run of
    least CPU of `runs`) and peak RSS, beside the bare pass. The target is judged on CPU time, which
    another load on the computer disturbs less than wall time."""
    gen = _generator()
    if shapes is None:
        shapes = tuple((kind, side) for kind in gen.PAGE_KINDS for side in PAGE_SIDES)
    out = []
    with tempfile.TemporaryDirectory(prefix="scope-bench-page-") as tmp:
        for kind, side in shapes:
            path = gen.page(Path(tmp) / f"{kind}_{side:g}.pdf", kind, count, side)
            report = str(Path(tmp) / "report.json")
            check_cmd = scope_check_command() + [str(path), "--format", "json", "--time-limit", f"{time_limit:g}"]
            bare_cmd = [sys.executable, "-c", _BARE_PASS, str(path)]
            check = bare = None
            for _ in range(runs):
                m = measured_run(check_cmd, report)
                check = m if check is None or m["cpu_s"] < check["cpu_s"] else check
                b = measured_run(bare_cmd)
                bare = b if bare is None or b["cpu_s"] < bare["cpu_s"] else bare
            out.append({"objects": kind, "side_pt": side, "count": count, "check_s": check["seconds"],
                        "check_cpu_s": check["cpu_s"],
                        "peak_rss_bytes": max(check["peak_rss_bytes"], check["sampled_peak_rss_bytes"]),
                        "raw_s": bare["seconds"], "raw_cpu_s": bare["cpu_s"], "report_bytes": Path(report).stat().st_size,
                        "analysed": _verdict_of(report)})
    return out


def long_papers(runs: int, pages=LONG_PAGES, time_limit: float = 600.0) -> list:
    """Peak RSS and wall time of the whole `scope-check` command (its worker included) on generated
    papers of 200, 2,000 and 10,000 pages, beside a bare `rawdict` pass over the same file in a fresh
    process; the two interleaved, best of `runs` (the time limit raised so that the time is measured,
    not cut)."""
    gen = _generator()
    out = []
    with tempfile.TemporaryDirectory(prefix="scope-bench-long-") as tmp:
        for n in pages:
            path = gen.paper(Path(tmp) / f"paper_{n}.pdf", n)
            check_cmd = scope_check_command() + [str(path), "--format", "json", "--time-limit", f"{time_limit:g}"]
            bare_cmd = [sys.executable, "-c", _BARE_PASS, str(path)]
            seconds = {"check": float("inf"), "bare": float("inf")}
            rss = {"check": 0, "bare": 0}
            report = str(Path(tmp) / "report.json")
            for _ in range(runs):
                for side, cmd in (("check", check_cmd), ("bare", bare_cmd)):
                    m = measured_run(cmd, report if side == "check" else "")
                    seconds[side] = min(seconds[side], m["seconds"])
                    rss[side] = max(rss[side], m["peak_rss_bytes"])  # the worst run: a bound, not a best case
            out.append({
                "pages": n, "file_bytes": path.stat().st_size,
                "check_s": seconds["check"], "check_peak_rss_bytes": rss["check"],
                "raw_s": seconds["bare"], "raw_peak_rss_bytes": rss["bare"],
                "ratio": seconds["check"] / seconds["bare"], "rss_ratio": rss["check"] / rss["bare"],
                "check_ms_per_page": 1000 * seconds["check"] / n, "analysed": _verdict_of(report),
            })
    return out


def _verdict_of(report: str) -> dict:
    """The verdict of a JSON report and whether every page was analysed (no FILE002 limit finding)."""
    try:
        (entry,) = json.loads(Path(report).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError):
        return {"verdict": "?", "all_pages": False}
    limited = [f for f in entry["findings"] if f["code"] in ("FILE002", "FILE007")]
    return {"verdict": entry["verdict"], "all_pages": not limited,
            "limits": [f["message"][:120] for f in limited]}


def tiny_spans_page(runs: int, count: int = TINY_SPANS) -> dict:
    """The whole command on one generated page of `count` tiny spans, beside the bare pass."""
    gen = _generator()
    with tempfile.TemporaryDirectory(prefix="scope-bench-spans-") as tmp:
        path = gen.spans(Path(tmp) / "tiny_spans.pdf", count)
        check_cmd = scope_check_command() + [str(path), "--format", "json"]
        bare_cmd = [sys.executable, "-c", _BARE_PASS, str(path)]
        check = bare = float("inf")
        report = str(Path(tmp) / "report.json")
        for _ in range(runs):
            check = min(check, measured_run(check_cmd, report)["seconds"])
            bare = min(bare, measured_run(bare_cmd)["seconds"])
        verdict = _verdict_of(report)
    return {"spans": count, "check_s": check, "raw_s": bare, "ratio": check / bare, "analysed": verdict}


def worst_paper(corpus: dict) -> dict:
    """The corpus paper with the highest check/raw ratio."""
    f = max((f for f in corpus["files"] if f["ratio"] is not None), key=lambda f: f["ratio"])
    return {"file": f["file"], "pages": f["pages"], "ratio": f["ratio"], "check_s": f["check_s"], "raw_s": f["raw_s"]}


def margin_dots(pymupdf, rules, runs: int, dots: int = 100_000) -> dict:
    """check_file on a generated page with `dots` small squares in its left margin (best of `runs`),
    and the bare pass over the same file."""
    with tempfile.TemporaryDirectory(prefix="scope-bench-") as tmp:
        path = _generator().dots(Path(tmp) / "margin_dots.pdf", dots)
        m = measure(pymupdf, path, rules, runs, f"{dots:,} margin dots (generated)")
    return {"file": m["file"], "dots": dots, "check_s": m["check_s"], "raw_s": m["raw_s"], "ratio": m["ratio"]}


def _row(out, name: str, f: dict) -> None:
    ratio = f"{f['ratio']:.2f}" if f["ratio"] else "-"
    print(f"{name:<9} {f['file']:<52.52} {f['pages']:>5} {f['check_ms_per_page']:>10.2f} "
          f"{f['raw_ms_per_page']:>9.2f} {ratio:>6}", file=out, flush=True)


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="best of this many runs per file (default 3)")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                    help="folder of real papers (default ../shared/corpus from the repository root)")
    ap.add_argument("--rules", default=DEFAULT_RULES, help=f"rule set to check against (default {DEFAULT_RULES})")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--overhead", metavar="FAMILY", default="", choices=["", "TEXT"],
                    help="also time every file without this check family (TEXT: its checks and the loader's facts)")
    ap.add_argument("--fresh-runs", type=int, default=FRESH_RUNS,
                    help=f"runs of each side for the 2-page paper in a fresh process (default {FRESH_RUNS})")
    ap.add_argument("--fresh-only", action="store_true", help="measure only the 2-page paper in a fresh process")
    ap.add_argument("--long", metavar="PAGES", default=",".join(str(n) for n in LONG_PAGES),
                    help="page counts of the generated papers measured for peak RSS and time, comma-separated "
                         "(default %(default)s; 'none' to skip)")
    ap.add_argument("--command", action="store_true",
                    help="measure only what a user waits for: the whole command over the corpus (and with "
                         "--select PAGE) against the bare pass, fresh processes, interleaved, wall and CPU time")
    ap.add_argument("--page-shapes", action="store_true",
                    help="measure only the pages of 100,000 objects (squares, spans, links, images, paths; "
                         "612 and 14,400 pt)")
    ap.add_argument("--long-shapes", metavar="PAGES", type=int, default=0,
                    help="measure only the long shapes (copies, distinct, fonts, images, links, links-indirect, figures) "
                         "of this many pages: time and the worker's peak RSS")
    args = ap.parse_args(argv)
    if args.runs < 1 or args.fresh_runs < 1:
        ap.error("--runs and --fresh-runs must be at least 1")
    if args.command or args.page_shapes or args.long_shapes:
        return _only(args)
    if args.fresh_only:
        fresh = fresh_process(TWO_PAGE, args.fresh_runs)
        target = {"target": f"2-page paper, fresh process: <= {FRESH_TARGET:g} x the bare pass", "value": fresh["ratio"],
                  "pass": fresh["ratio"] <= FRESH_TARGET}
        if args.json:
            json.dump({"fresh_process": fresh, "targets": [target]}, sys.stdout, indent=1)
            print()
        else:
            print(_fresh_line(fresh))
            print(f"{_verdict(target['pass'])}  {target['target']}: {target['value']:.3f}")
        return 1 if args.strict and not target["pass"] else 0

    import pymupdf

    from scope_check import __version__
    from scope_check.checks import checks
    from scope_check.checks import load_rules

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    rules = load_rules(args.rules)
    checks()  # import every check module before timing
    out = None if args.json else sys.stdout
    env = {
        "scope_check": __version__,
        "pymupdf": pymupdf.VersionBind,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "rules": rules.name,
        "runs": args.runs,
    }
    if out:
        print(f"scope-check {env['scope_check']}, PyMuPDF {env['pymupdf']}, Python {env['python']}, "
              f"{env['cpus']} CPUs; rules {env['rules']}; best of {args.runs}", file=out)
        print(f"{'set':<9} {'file':<52} {'pages':>5} {'check ms/p':>10} {'raw ms/p':>9} {'ratio':>6}", file=out)

    sets = [bench_set(pymupdf, "fixtures", sorted(FIXTURES.glob("**/*.pdf")), FIXTURES, rules, args.runs, out,
                      args.overhead)]
    corpus_dir = args.corpus.resolve()
    corpus_files = sorted(corpus_dir.glob("*.pdf")) if corpus_dir.is_dir() else []
    if corpus_files:
        sets.append(bench_set(pymupdf, "corpus", corpus_files, corpus_dir, rules, args.runs, out, args.overhead))

    corpus = next((s for s in sets if s["set"] == "corpus"), None)
    ten = [{"file": f["file"], "pages": 10, "seconds": f["check_s"],
            "command_s": cli_time(corpus_dir / f["file"], args.runs)}
           for f in (corpus["files"] if corpus else []) if f["pages"] == 10]
    if not ten:
        with tempfile.TemporaryDirectory(prefix="scope-bench-") as tmp:
            path = synthetic_ten_pages(pymupdf, Path(tmp))
            m = measure(pymupdf, path, rules, args.runs, "synthetic 10-page paper (fixture pages)")
            ten = [{"file": m["file"], "pages": 10, "seconds": m["check_s"], "command_s": cli_time(path, args.runs)}]
    version = version_time()
    fresh = fresh_process(TWO_PAGE, args.fresh_runs)
    worst = worst_paper(corpus) if corpus and corpus["files"] else None
    dots = margin_dots(pymupdf, rules, min(args.runs, 3))
    largest = max(corpus["files"], key=lambda f: f["bytes"]) if corpus and corpus["files"] else None
    memory = peak_rss(corpus_dir / largest["file"]) if largest else None
    long_pages = [] if args.long == "none" else [int(n) for n in args.long.split(",") if n.strip()]
    long = long_papers(min(args.runs, 2), long_pages) if long_pages else []
    spans = tiny_spans_page(args.runs)

    targets = []
    for s in sets:
        if s["ratio"] is not None:
            limit = CORPUS_RATIO_TARGET if s["set"] == "corpus" else RATIO_TARGET
            targets.append({"target": f"{s['set']}: check/raw ratio <= {limit:g}", "value": s["ratio"],
                            "pass": s["ratio"] <= limit})
    if worst:
        targets.append({"target": f"worst corpus paper ({worst['file']}): check/raw ratio <= {WORST_PAPER_TARGET:g}",
                        "value": worst["ratio"], "pass": worst["ratio"] <= WORST_PAPER_TARGET})
    targets.append({"target": f"a page of {dots['dots']:,} margin dots checked in < {MARGIN_DOTS_TARGET_S:g} s",
                    "value": dots["check_s"], "pass": dots["check_s"] < MARGIN_DOTS_TARGET_S})
    for t in ten:
        targets.append({"target": f"10-page paper {t['file']} in <= {TEN_PAGE_TARGET_S:g} s", "value": t["seconds"],
                        "pass": t["seconds"] <= TEN_PAGE_TARGET_S})
    targets.append({"target": f"scope-check --version in < {VERSION_TARGET_S:g} s", "value": version["seconds"],
                    "pass": version["seconds"] < VERSION_TARGET_S})
    targets.append({"target": f"2-page paper, fresh process: <= {FRESH_TARGET:g} x the bare pass", "value": fresh["ratio"],
                    "pass": fresh["ratio"] <= FRESH_TARGET})
    for m in long:
        if m["pages"] == max(long_pages):
            targets.append({"target": f"{m['pages']:,}-page paper: the command's peak RSS <= {LONG_RSS_TARGET_MIB:g} MiB",
                            "value": m["check_peak_rss_bytes"] / 2**20,
                            "pass": m["check_peak_rss_bytes"] / 2**20 <= LONG_RSS_TARGET_MIB and m["analysed"]["all_pages"]})
    if len(long) >= 2:
        per_page = [m["check_s"] / m["pages"] for m in long]
        growth = per_page[-1] / per_page[0]  # time per page, longest over shortest: 1.0 is linear
        targets.append({"target": f"time linear in pages: s/page at {long[-1]['pages']:,} over {long[0]['pages']:,} "
                                  f"pages <= 1.5", "value": growth, "pass": growth <= 1.5})
    targets.append({"target": f"page of {spans['spans']:,} tiny spans in < {TINY_SPANS_TARGET_S:g} s",
                    "value": spans["check_s"], "pass": spans["check_s"] < TINY_SPANS_TARGET_S
                    and spans["analysed"]["all_pages"]})
    for s in sets:
        if s.get("overhead") is not None:
            targets.append({"target": f"{s['set']}: the {args.overhead} checks add < {OVERHEAD_TARGET:.0%} to the "
                                      f"check time", "value": s["overhead"], "pass": s["overhead"] < OVERHEAD_TARGET})

    if args.json:
        json.dump({"environment": env, "sets": sets, "ten_page": ten, "version": version, "fresh_process": fresh,
                   "peak_rss": memory, "worst_paper": worst, "margin_dots": dots, "long_papers": long,
                   "tiny_spans": spans, "targets": targets},
                  sys.stdout, indent=1)
        print()
    else:
        print(file=out)
        for s in sets:
            for skip in s["skipped"]:
                print(f"skipped {s['set']}/{skip['file']}: {skip['why']}", file=out)
        for s in sets:
            if not s["files"]:
                continue
            print(f"{s['set']}: {len(s['files'])} files, {s['pages']} pages; check {s['check_ms_per_page']:.2f} ms/page, "
                  f"raw {s['raw_ms_per_page']:.2f} ms/page; aggregate ratio {s['ratio']:.2f}", file=out)
            print(f"{s['set']}: of which the parse into the model alone {s['parse_ratio']:.2f} x the bare pass, the "
                  f"measurements and the checks {s['ratio'] - s['parse_ratio']:.2f} x", file=out)
            if s.get("overhead") is not None:
                print(f"{s['set']}: check {s['check_s']:.3f} s with {s['overhead_family']}, {s['check_without_s']:.3f} s "
                      f"without: {s['overhead_family']} adds {s['overhead']:.1%}", file=out)
        if worst:
            print(f"worst corpus paper: {worst['file']}: ratio {worst['ratio']:.2f} ({worst['pages']} pages, "
                  f"check {worst['check_s']:.3f} s, raw {worst['raw_s']:.3f} s)", file=out)
        print(f"{dots['file']}: check_file {dots['check_s']:.3f} s, raw {dots['raw_s']:.3f} s, "
              f"ratio {dots['ratio']:.1f}", file=out)
        for t in ten:
            print(f"10-page paper: {t['file']}: check_file {t['seconds']:.3f} s; the whole command, "
                  f"start-up and imports included, {t['command_s']:.3f} s", file=out)
        print(f"{version['command']}: {version['seconds']:.3f} s (best of 5, a fresh process each)", file=out)
        print(_fresh_line(fresh), file=out)
        if memory:
            print(f"peak RSS checking the largest corpus file ({memory['file']}, "
                  f"{memory['file_bytes'] / 1e6:.1f} MB): {memory['peak_rss_bytes'] / 1e6:.0f} MB", file=out)
        for m in long:
            note = "" if m["analysed"]["all_pages"] else f" (NOT analysed whole: {'; '.join(m['analysed']['limits'])})"
            print(f"generated {m['pages']:,}-page paper: the command {m['check_s']:.1f} s ({m['check_ms_per_page']:.1f} "
                  f"ms/page), peak RSS {m['check_peak_rss_bytes'] / 2**20:.0f} MiB (worker included); bare pass "
                  f"{m['raw_s']:.1f} s, {m['raw_peak_rss_bytes'] / 2**20:.0f} MiB; time ratio {m['ratio']:.2f}, "
                  f"RSS ratio {m['rss_ratio']:.2f}{note}", file=out)
        print(f"page of {spans['spans']:,} tiny spans: the command {spans['check_s']:.2f} s, bare pass "
              f"{spans['raw_s']:.2f} s (ratio {spans['ratio']:.2f})"
              + ("" if spans["analysed"]["all_pages"] else " (NOT analysed whole)"), file=out)
        print(file=out)
        for t in targets:
            print(f"{_verdict(t['pass'])}  {t['target']}: {t['value']:.3f}", file=out)
    missed = [t for t in targets if not t["pass"]]
    return 1 if args.strict and missed else 0


#: what a user waits for (issue targets): the whole command over the corpus, with --select PAGE, the worst paper
COMMAND_TARGET = 1.6
SELECT_TARGET = 1.25
WORST_COMMAND_TARGET = 2.5


def _only(args) -> int:
    """--command / --page-shapes / --long-shapes: those measures alone, printed (or as JSON)."""
    out, targets = {}, []
    mib = 2 ** 20
    if args.command:
        corpus = sorted(args.corpus.resolve().glob("*.pdf"))
        out["command"] = whole_command(corpus, args.runs)
        out["select_page"] = whole_command(corpus, args.runs, ("--select", "PAGE"))
        worst = []
        for pdf in corpus:
            w = whole_command([pdf], max(1, args.runs // 2))
            worst.append({"file": pdf.name, "wall_ratio": w["wall_ratio"], "cpu_ratio": w["cpu_ratio"]})
        out["per_paper"] = worst
        for name, limit in (("command", COMMAND_TARGET), ("select_page", SELECT_TARGET)):
            for kind in ("wall", "cpu"):
                targets.append({"target": f"{name} over the corpus: {kind} <= {limit:g} x the bare pass",
                                "value": out[name][f"{kind}_ratio"], "pass": out[name][f"{kind}_ratio"] <= limit})
        top = max(worst, key=lambda w: w["wall_ratio"])
        targets.append({"target": f"worst single paper ({top['file']}): wall <= {WORST_COMMAND_TARGET:g} x",
                        "value": top["wall_ratio"], "pass": top["wall_ratio"] <= WORST_COMMAND_TARGET})
    if args.page_shapes:
        out["page_shapes"] = page_shapes(min(args.runs, 2))
        for m in out["page_shapes"]:
            targets.append({"target": f"page of {m['count']:,} {m['objects']} ({m['side_pt']:g} pt) < "
                                      f"{PAGE_SHAPE_TARGET_S:g} s CPU", "value": m["check_cpu_s"],
                            "pass": m["check_cpu_s"] < PAGE_SHAPE_TARGET_S})
    if args.long_shapes:
        out["long_shapes"] = long_shapes(args.long_shapes)
        for m in out["long_shapes"]:
            peak = max(m["peak_rss_bytes"], m["sampled_peak_rss_bytes"]) / mib
            targets.append({"target": f"{m['pages']:,} pages, {m['shape']}: worker peak <= {LONG_RSS_TARGET_MIB:g} MiB",
                            "value": peak, "pass": peak <= LONG_RSS_TARGET_MIB})
    out["targets"] = targets
    if args.json:
        json.dump(out, sys.stdout, indent=1)
        print()
    else:
        for name in ("command", "select_page"):
            if name in out:
                c = out[name]
                print(f"{name}: {c['files']} files {' '.join(c['options'])}: the command {c['check']['wall_s']:.2f} s wall, "
                      f"{c['check']['cpu_s']:.2f} s CPU; the bare pass {c['bare']['wall_s']:.2f} s wall, "
                      f"{c['bare']['cpu_s']:.2f} s CPU (medians of {c['runs']}, interleaved): {c['wall_ratio']:.2f} x wall, "
                      f"{c['cpu_ratio']:.2f} x CPU; peak RSS {c['check']['peak_rss_bytes'] / mib:.0f} MiB "
                      f"(sampled {c['check']['sampled_peak_rss_bytes'] / mib:.0f}); load average "
                      f"{' '.join(map(str, c['load_average'][:3]))} before, {' '.join(map(str, c['load_average'][3:]))} after")
        for w in out.get("per_paper", ()):
            print(f"  {w['file']}: {w['wall_ratio']:.2f} x wall, {w['cpu_ratio']:.2f} x CPU")
        for m in out.get("page_shapes", ()):
            print(f"page of {m['count']:,} {m['objects']}, {m['side_pt']:g} pt: the command {m['check_cpu_s']:.2f} s CPU "
                  f"({m['check_s']:.2f} s wall), peak {m['peak_rss_bytes'] / mib:.0f} MiB, report "
                  f"{m['report_bytes'] / 1e6:.1f} MB; bare pass {m['raw_cpu_s']:.2f} s CPU ({m['raw_s']:.2f} s wall); "
                  f"verdict {m['analysed']['verdict']}")
        for m in out.get("long_shapes", ()):
            print(f"{m['pages']:,} pages, {m['shape']}: the command {m['check_s']:.1f} s ({m['check_cpu_s']:.1f} s CPU), "
                  f"worker peak {m['peak_rss_bytes'] / mib:.0f} MiB (RUSAGE_CHILDREN), "
                  f"{m['sampled_peak_rss_bytes'] / mib:.0f} MiB (sampled); bare pass {m['raw_s']:.1f} s; "
                  f"verdict {m['analysed']['verdict']}")
        print(f"load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for t in targets:
            print(f"{_verdict(t['pass'])}  {t['target']}: {t['value']:.3f}")
    missed = [t for t in targets if not t["pass"]]
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
