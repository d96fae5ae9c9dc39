#!/usr/bin/env python3
"""Time and peak memory of `scope-check supplement` on a large generated archive (a report, not a test).

    python benchmarks/supplement.py                      # 50,000 files, about 500 MB, zip and tar.gz
    python benchmarks/supplement.py --files 5000 --mb 50 --keep /tmp/big

The archive is written to a temporary folder (seeded random data, so the numbers repeat): small
Python and JSON files, a few notebooks with a home path in an output, and a handful of large
members (model weights skipped by name, logs and CSVs read only up to the text bound). Each
archive is checked by the installed command in a fresh process; the peak resident memory is the
child's ru_maxrss.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
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
    for name, kind in big:
        if kind == "bin":
            yield name, rng.randbytes(big_each)
        else:
            row = b"step,loss,lr,%s\n" % rng.randbytes(20).hex().encode()
            yield name, (row * (big_each // len(row) + 1))[:big_each]


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


def measure(path: Path):
    exe = shutil.which("scope-check") or str(Path(sys.executable).with_name("scope-check"))
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    p = subprocess.run([exe, "supplement", str(path), "--format", "json", "--exit-zero"], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report = json.loads(p.stdout)["files"][0]
    return elapsed, max(peak, before), report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=50_000)
    ap.add_argument("--mb", type=int, default=500)
    ap.add_argument("--keep", default=None, help="write the archives here and keep them")
    args = ap.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="scope-supp-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for path in write(folder, args.files, args.mb):
            elapsed, peak_kb, report = measure(path)
            m = report["measurements"]
            print(f"{path.name}: {os.path.getsize(path) / 1e6:,.0f} MB on disk, {m['members']:,} members, "
                  f"{m['files_read']:,} read ({m['bytes_read'] / 1e6:,.0f} MB), {elapsed:.1f} s, peak RSS "
                  f"{peak_kb / 1024:,.0f} MB, findings {[f['code'] + ' ' + f['data']['member'] for f in report['findings']]}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
