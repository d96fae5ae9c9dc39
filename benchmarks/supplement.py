#!/usr/bin/env python3
"""Time and peak memory of `scope-check supplement` on a large generated archive (a report, not a test).

    python benchmarks/supplement.py                      # 50,000 files, about 500 MB on disk, zip and tar.gz
    python benchmarks/supplement.py --files 5000 --mb 50 --keep /tmp/big

The archive is written to a temporary folder (seeded random data, so the numbers repeat): small
Python files, ten notebooks with a home path in an output, and ten large incompressible members
(model weights skipped by name; logs and CSVs read up to the text bound, then sniffed as binary).
Each archive is checked in a fresh process; its peak resident memory (VmHWM, Linux) is reported
next to the same process's peak once the modules are imported and the rules loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path


def members(files: int, total_mb: int, seed: int = 7):
    rng = random.Random(seed)
    big = [("weights/model-%02d.safetensors" % i, "bin") for i in range(4)] + \
          [("logs/train-%02d.log" % i, "text") for i in range(3)] + [("data/table-%02d.csv" % i, "text") for i in range(3)]
    small = files - len(big)
    small_bytes = 3000
    big_each = max(1, (total_mb * 1_000_000 - small * small_bytes) // len(big))
    for i in range(small):
        if i % 5000 == 17:
            yield f"src/notebooks/n{i:05d}.ipynb", json.dumps({"cells": [{"outputs": [{"text": ["/home/jdoe/x\n"]}]}]}).encode()
        else:
            line = b"def f%d(x):\n    return x * %d  # %s\n" % (i, i, rng.randbytes(30).hex().encode())
            yield f"src/pkg{i // 1000:02d}/m{i:05d}.py", (line * (small_bytes // len(line) + 1))[:small_bytes]
    for name, _kind in big:
        yield name, rng.randbytes(big_each)


def write(folder: Path, files: int, total_mb: int):
    z = folder / "big.zip"
    t = folder / "big.tar.gz"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in members(files, total_mb):
            zf.writestr(name, data)
    with tarfile.open(t, "w:gz", compresslevel=1) as tf:
        for name, data in members(files, total_mb):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            import io
            tf.addfile(info, io.BytesIO(data))
    return z, t


_CHILD = """
import json, sys, time


def hwm():  # peak resident set of this process since exec (ru_maxrss would include the parent's at fork)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

from scope_check.checks import load_rules
from scope_check.supplement import check_supplement
import pymupdf  # imported by a PDF member anyway: counted in the base
rules = load_rules("scope2025-main")
base = hwm()
start = time.perf_counter()
report = check_supplement(sys.argv[1], rules)
elapsed = time.perf_counter() - start
print(json.dumps({"elapsed": elapsed, "base_kb": base, "peak_kb": hwm(),
                  "report": report.to_json()}))
"""


def measure(path: Path):
    p = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True)
    out = json.loads(p.stdout)
    return out["elapsed"], out["base_kb"], out["peak_kb"], out["report"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=50_000)
    ap.add_argument("--mb", type=int, default=560, help="decompressed size of all members, MB")
    ap.add_argument("--keep", default=None, help="write the archives here and keep them")
    args = ap.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="scope-supp-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for path in write(folder, args.files, args.mb):
            elapsed, base_kb, peak_kb, report = measure(path)
            m = report["measurements"]
            print(f"{path.name}: {os.path.getsize(path) / 1e6:,.0f} MB on disk ({args.mb:,} MB of members), "
                  f"{m['members']:,} members, {m['files_read']:,} read ({m['bytes_read'] / 1e6:,.0f} MB), "
                  f"{elapsed:.1f} s, peak RSS {peak_kb / 1024:,.0f} MB ({base_kb / 1024:,.0f} MB after imports), "
                  f"{len(report['findings'])} findings: {sorted({f['code'] for f in report['findings']})}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
