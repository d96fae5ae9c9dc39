#!/usr/bin/env python3
"""A kept mutation fuzzer over the whole path: parse, every check, every formatter.

    python fuzz/fuzz.py --inputs 100000 --seed 1 [--out fuzz/crashes] [--jobs-per-child 500]

Seeds are the small hostile inputs of fixtures/hostile/generate.py and the small fixture PDFs;
each input is a seed mutated a few times (bytes flipped, a run cut, a chunk repeated, PDF tokens
inserted: "/Count -1", "9999999999 0 R", "<FEFFD800>", "stream", "BI ... ID"). Each input runs
through `runner.check_file` with every check, then the text and JSON formatters; it *breaks*
something when anything raises out of that path, a check reports SCOPE001, the JSON is not valid
or not UTF-8, or the child process dies (a crash in MuPDF). Children run `--jobs-per-child`
inputs each, so a crash loses one batch, which is then replayed one input per child to find the
culprit. Broken inputs are written to --out with the reason, to become regression tests.
Deterministic: input i of seed s is always the same bytes.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKENS = [b"/Count -1", b"/Count 2147483647", b"9999999 0 R", b"<FEFFD800>", b"stream\n", b"endstream", b"obj",
          b"BI /W 99999 /H 99999 /BPC 8 /CS /RGB ID", b"/MediaBox [0 0 0 0]", b"/Filter /FlateDecode", b"<<", b">>",
          b"[", b"]", b"(", b")", b"\\", b"/Type /Pages", b"/Kids [1 0 R]", b"q", b"Q", b"0 0 m 1 1 l S", b"Tj",
          b"/Author <EFBBBFC3FF>", b"%%EOF", b"xref", b"trailer", b"1e308", b"-0", b"/Length 999999999"]
SMALL = 15_000


def seeds(tmp: Path):
    sys.path.insert(0, str(ROOT / "fixtures" / "hostile"))
    import generate

    out = []
    for name in ("good_paper", "count_negative", "count_huge", "author_lone_surrogate", "author_bom_invalid",
                 "author_utf8_bom_invalid", "email_token", "selfcite_token", "tiny_font", "zlib_damaged",
                 "missing_objects", "broken_content", "invalid_boxes", "inline_image_huge"):
        out.append(generate.GENERATORS[name](tmp / f"{name}.pdf").read_bytes())
    for pdf in sorted((ROOT / "fixtures").rglob("*.pdf")):
        if pdf.stat().st_size <= SMALL:
            out.append(pdf.read_bytes())
    return out


def mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(6)
        if not b:
            b += rng.choice(TOKENS)
            continue
        i = rng.randrange(len(b))
        if op == 0:
            for _ in range(rng.randint(1, 8)):
                b[rng.randrange(len(b))] = rng.randrange(256)
        elif op == 1:
            del b[i:i + rng.randint(1, 200)]
        elif op == 2:
            j = min(len(b), i + rng.randint(1, 400))
            b[i:i] = b[i:j] * rng.randint(1, 4)
        elif op == 3:
            b[i:i] = b" " + rng.choice(TOKENS) + b" "
        elif op == 4:
            b = b[: rng.randrange(len(b) + 1)]
        else:
            num = bytes(str(rng.choice([0, -1, 1, 2**31, 2**63, 10**9])), "ascii")
            b[i:i] = num
    return bytes(b)


def run_one(data: bytes, path: Path, rules) -> str:
    """'' when the whole path held, else what broke."""
    from scope_check.output import Summary, formatters
    from scope_check.engine.runner import Selection, check_file

    path.write_bytes(data)
    try:
        report = check_file(str(path), rules, Selection())
    except Exception as exc:  # anything escaping the per-file guard loses a run
        return f"check_file raised {type(exc).__name__}: {exc}"
    if report.internal_error:
        return "SCOPE001: " + "; ".join(f.message for f in report.findings if f.code == "SCOPE001")
    for name, cls in formatters().items():
        stream = io.StringIO()
        try:
            fmt = cls(stream, rules=rules.name)
            summary = Summary()
            fmt.start()
            summary.add(report.verdict)
            fmt.handle(report)
            fmt.finish(summary)
            text = stream.getvalue()
            text.encode("utf-8")
            if name == "json":
                json.loads(text)
        except Exception as exc:
            return f"formatter {name} raised {type(exc).__name__}: {exc}"
    return ""


def child(seed: int, start: int, count: int, out: Path) -> int:
    from scope_check.checks import load_rules

    rules = load_rules("scope2025-main")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pool = seeds(tmp)
        for i in range(start, start + count):
            rng = random.Random(f"{seed}:{i}")
            data = mutate(rng.choice(pool), rng)
            t = time.process_time()  # CPU time: the machine may be shared
            broke = run_one(data, tmp / "input.pdf", rules)
            elapsed = time.process_time() - t
            if elapsed > 20:
                broke = broke or f"slow: {elapsed:.1f} s of CPU"
            if broke:
                out.mkdir(parents=True, exist_ok=True)
                (out / f"s{seed}-i{i}.pdf").write_bytes(data)
                (out / f"s{seed}-i{i}.txt").write_text(broke + "\n", encoding="utf-8")
                print(f"BROKE {i}: {broke[:200]}", flush=True)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--inputs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--out", type=Path, default=ROOT / "fuzz" / "crashes")
    ap.add_argument("--jobs-per-child", type=int, default=500)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child(args.seed, args.start, args.inputs, args.out)
    began = time.time()
    done = broken = crashed = 0
    for start in range(args.start, args.start + args.inputs, args.jobs_per_child):
        n = min(args.jobs_per_child, args.start + args.inputs - start)
        cmd = [sys.executable, __file__, "--child", "--seed", str(args.seed), "--start", str(start),
               "--inputs", str(n), "--out", str(args.out)]
        p = subprocess.run(cmd, capture_output=True, text=True)
        broken += p.stdout.count("BROKE")
        sys.stdout.write(p.stdout)
        if p.returncode != 0:
            crashed += 1
            print(f"child for inputs {start}..{start + n - 1} died (exit {p.returncode}); replaying one by one", flush=True)
            for i in range(start, start + n):
                one = [sys.executable, __file__, "--child", "--seed", str(args.seed), "--start", str(i),
                       "--inputs", "1", "--out", str(args.out)]
                q = subprocess.run(one, capture_output=True, text=True)
                if q.returncode != 0:
                    print(f"BROKE {i}: child died (exit {q.returncode})", flush=True)
                    broken += 1
        done += n
        print(f"{done:,} inputs, {broken} broke, {time.time() - began:.0f} s", flush=True)
    print(f"done: {done:,} inputs in {time.time() - began:.0f} s; {broken} broke; {crashed} child crashes")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
