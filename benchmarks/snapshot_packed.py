"""benchmarks/snapshot.py with every document packed as a long one is (scope_check/packed_pages.py):
the proof that flat memory changes no finding or measurement.

    .venv/bin/python benchmarks/snapshot.py -o /tmp/plain.json
    .venv/bin/python benchmarks/snapshot_packed.py -o /tmp/packed.json --compare /tmp/plain.json
    .venv/bin/python benchmarks/snapshot_packed.py --small-windows -o /tmp/small.json --compare /tmp/plain.json

`--small-windows` also reads the running text (ANON002, ANON004, TEXT002) in windows of a few
thousand characters, so that the papers' text crosses many window edges. The other options are
snapshot.py's.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    from scope_check.safety import limits
    from scope_check.checks import text as integrity
    from scope_check.analysis import addresses

    limits.PACK_PAGES_OVER = limits.PACK_SPANS_OVER = 0
    if "--small-windows" in sys.argv:
        sys.argv.remove("--small-windows")
        addresses.FLOW_WINDOW_CHARS = addresses.FLOW_CONTEXT_CHARS = 2000
        integrity.TEXT_WINDOW_CHARS = integrity.TEXT_CONTEXT_CHARS = 1000
    sys.argv[0] = str(HERE / "snapshot.py")
    runpy.run_path(sys.argv[0], run_name="__main__")


if __name__ == "__main__":
    main()
