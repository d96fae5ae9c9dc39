"""A bounded run of the kept fuzzer (fuzz/fuzz.py) over parse, every check and every formatter:
a fixed seed and a fixed number of inputs, so CI replays exactly the same inputs every time
(about a minute). Longer runs: `python fuzz/fuzz.py --inputs 100000 --seed N`."""

from __future__ import annotations

import importlib.util
import os

import pytest

from conftest import ROOT

INPUTS = int(os.environ.get("SCOPE_CHECK_FUZZ_INPUTS", "1500"))


def _fuzz():
    spec = importlib.util.spec_from_file_location("scope_check_fuzz", ROOT / "fuzz" / "fuzz.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.fuzz
def test_a_bounded_fuzz_run_breaks_nothing(tmp_path, capsys):
    fuzz = _fuzz()
    out = tmp_path / "broken"
    status = fuzz.main(["--inputs", str(INPUTS), "--seed", "2025", "--jobs-per-child", str(INPUTS), "--out", str(out)])
    broken = sorted(p.read_text(encoding="utf-8") for p in out.glob("*.txt")) if out.exists() else []
    assert status == 0 and broken == [], broken


def test_the_mutations_are_deterministic():
    import random

    fuzz = _fuzz()
    data = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n" * 3
    a = fuzz.mutate(data, random.Random("1:5"))
    b = fuzz.mutate(data, random.Random("1:5"))
    assert a == b and a != data
