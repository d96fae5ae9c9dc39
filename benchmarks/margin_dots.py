#!/usr/bin/env python3
"""A one-page paper with 100,000 small filled squares in its left margin (and a paragraph of body
text), written byte by byte: the page benchmarks/bench.py times for MARG001's clustering and the
ink pass at scale. Made at benchmark time into a temporary folder, never committed; reproducible
byte for byte.

    python benchmarks/margin_dots.py OUT.pdf [COUNT]

The squares are 0.5 pt wide on a grid 2.4 pt across and 2.6 pt down (40 columns, 300 rows, then
over again), so all of them form one cluster of content in the margin: the page is analysed (it
is under scope_check.limits.MAX_OPERATIONS_PER_PAGE) and fails MARG001.
"""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

DOTS = 100_000
TEXT = (b"We study a simple method for training small models on limited data and report its accuracy "
        b"across several benchmarks.")


def margin_dots(path: Path, count: int = DOTS) -> Path:
    ops = [b"BT /F1 10 Tf 108 700 Td"]
    for i in range(20):
        ops.append((b"0 -12 Td " if i else b"") + b"(" + TEXT + b") Tj")
    ops.append(b"ET")
    for i in range(count):
        x = 5 + (i % 40) * 2.4
        y = 5 + (i // 40) % 300 * 2.6
        ops.append(b"%.1f %.1f 0.5 0.5 re f" % (x, y))
    content = zlib.compress(b"\n".join(ops), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path = Path(path)
    path.write_bytes(bytes(out))
    return path


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    margin_dots(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) == 3 else DOTS)
