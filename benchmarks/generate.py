#!/usr/bin/env python3
"""Large generated PDFs for the memory and text-side benchmarks (made at benchmark time, never
committed; reproducible byte for byte: no dates, no random state but a fixed seed).

    python benchmarks/generate.py paper OUT.pdf --pages 10000   # pages like a paper's
    python benchmarks/generate.py spans OUT.pdf --spans 100000  # one page of tiny spans
    python benchmarks/generate.py dots OUT.pdf --dots 100000    # one page of margin dots

`paper`: US Letter pages inside the ICLR text block, each with 45 lines of body text (10 pt Times,
12 pt leading, about 90 characters a line, one line in four with an italic phrase, so three spans),
a numbered bold section heading every third page and a centred page number; a References heading
and a few entries on the last page. The words vary from page to page (a fixed-seed generator), so
no two pages share their text.

`spans`: one page holding SPANS separate text-showing operators of two letters each, set at
1.5 pt in 400 rows of 250 across the text block, roman and italic in turn: the worst text-side
page, every span an object of its own.

`dots`: one page with a paragraph of body text and DOTS small filled squares in its left margin,
0.5 pt wide on a grid 2.4 pt across and 2.6 pt down (40 columns, 300 rows, then over again), so all
of them form one cluster of content in the margin: the ink pass and MARG001's clustering at scale
(the page is under scope_check.safety.limits.MAX_OPERATIONS_PER_PAGE and fails MARG001).

    python benchmarks/generate.py long OUT.pdf --shape copies --pages 10000
    python benchmarks/generate.py page OUT.pdf --objects squares --count 100000 --side 14400

`page`: one square page (`--side` pt) of COUNT objects of one kind on a grid over the page: squares,
spans, links, images or paths (see `page()`).

`long SHAPE`: PAGES pages (default 10,000) of one of these shapes:
  copies    one page of a paper's text, every page the same page object's copy: one content
            stream and one resource dictionary shared by all (what `insert_pdf` of one page
            gives once the file is saved with duplicates merged)
  distinct  pages like `paper`'s, each with its own text (the fonts shared)
  fonts     pages like `paper`'s, each with three font objects of its own (30,000 fonts)
  images    pages like `paper`'s, each drawing a 64 x 64 image of its own
  links     pages like `paper`'s, each with 20 links to web addresses of its own, the link
            annotations written inside the page's own dictionary (the hard case: MuPDF parses
            every page's dictionary, annotations and all, when it maps the page tree)
  links-indirect  the same links, each annotation an object of its own and the page's /Annots
            an array of references (what pdfTeX's hyperref writes)
  figures   pages of a short paragraph and a vector plot of 600 stroked segments and 200 marks
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parent.parent


def _writer():
    spec = importlib.util.spec_from_file_location("hostile_generator", ROOT / "fixtures" / "hostile" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Writer


WORDS = ("the of and to in a is that for we on with as are this by be our model method data results from an "
         "which can at it not learning training performance each two show using these set task tasks network "
         "approach over than more its also all both between first propose study work when where while such "
         "under only given into however results baseline accuracy loss function small large number time "
         "layer layers input output features representation evaluation experiments table figure section "
         "proposed existing previous recent methods models across several benchmarks simple robust").split()

FONTS = (b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman /Encoding /WinAnsiEncoding >>",
         b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Bold /Encoding /WinAnsiEncoding >>",
         b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Italic /Encoding /WinAnsiEncoding >>")


class _Lcg:
    """A fixed-seed linear congruential generator (reproducible on every Python)."""

    def __init__(self, seed: int = 12345):
        self.state = seed

    def next(self, n: int) -> int:
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return (self.state >> 33) % n


def _line(rng: _Lcg, chars: int = 90) -> str:
    words: List[str] = []
    length = 0
    while length < chars:
        w = WORDS[rng.next(len(WORDS))]
        words.append(w)
        length += len(w) + 1
    return " ".join(words)


def _esc(text: str) -> bytes:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")


def paper_page(rng: _Lcg, number: int, pages: int, lines: int = 45) -> bytes:
    ops = []
    y = 792 - 100.0
    if number % 3 == 1:  # a section heading with space above and below
        ops.append(b"BT /F2 12 Tf 108 %.2f Td (%d %s) Tj ET" % (y, number // 3 + 1, _esc(_line(rng, 20).title())))
        y -= 24
    for i in range(lines):
        text = _line(rng)
        if i % 4 == 2:  # an italic phrase inside the line: three spans
            cut = text.index(" ", 30)
            stop = text.index(" ", cut + 12)
            ops.append(b"BT /F1 10 Tf 108 %.2f Td (%s ) Tj /F3 10 Tf (%s) Tj /F1 10 Tf ( %s) Tj ET"
                       % (y, _esc(text[:cut]), _esc(text[cut + 1:stop]), _esc(text[stop + 1:])))
        else:
            ops.append(b"BT /F1 10 Tf 108 %.2f Td (%s) Tj ET" % (y, _esc(text)))
        y -= 12
    if number == pages:
        y -= 12
        ops.append(b"BT /F2 12 Tf 108 %.2f Td (References) Tj ET" % y)
        for _k in range(3):
            y -= 14
            ops.append(b"BT /F1 9 Tf 108 %.2f Td (A. Author and B. Author. %s. 2020.) Tj ET" % (y, _esc(_line(rng, 50))))
    ops.append(b"BT /F1 10 Tf 303 60 Td (%d) Tj ET" % number)
    return b"\n".join(ops)


def _write(path: Path, contents: List[bytes]) -> Path:
    w = _writer()()
    fonts = [w.add(f) for f in FONTS]
    pages_num = w.add(b"")
    res = b"<< /Font << /F1 %d 0 R /F2 %d 0 R /F3 %d 0 R >> >>" % tuple(fonts)
    kids = []
    for content in contents:
        c = w.stream(content)
        kids.append(w.add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources %s /Contents %d 0 R >>"
                          % (pages_num, res, c)))
    w.objects[pages_num] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids),
                                                                       len(kids))
    return w.write(path, w.add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_num))


def paper(path: Path, pages: int = 10_000) -> Path:
    rng = _Lcg()
    return _write(Path(path), [paper_page(rng, n, pages) for n in range(1, pages + 1)])


def spans(path: Path, count: int = 100_000, per_row: int = 250, size: float = 1.5) -> Path:
    """One page of `count` separate text operators of two letters each, in rows of `per_row`
    across the text block, the font alternating between roman and italic (so that MuPDF keeps every
    one a span of its own)."""
    rng = _Lcg()
    rows = (count + per_row - 1) // per_row
    pitch = (729.87 - 81.87) / max(rows, 1)
    step = (504.0 - 108.0) / per_row
    ops = [b"BT"]
    n = 0
    for r in range(rows):
        y = 792 - 82.0 - size - r * pitch
        for c in range(per_row):
            if n == count:
                break
            word = WORDS[rng.next(len(WORDS))][:2]
            ops.append(b"/F%d %g Tf 1 0 0 1 %.2f %.3f Tm (%s) Tj" % (1 + 2 * (n % 2), size, 108.0 + c * step, y,
                                                                   _esc(word)))
            n += 1
    ops.append(b"ET")
    return _write(Path(path), [b"\n".join(ops)])


DOT_TEXT = (b"We study a simple method for training small models on limited data and report its accuracy "
            b"across several benchmarks.")


def dots(path: Path, count: int = 100_000) -> Path:
    """One page: 20 lines of body text and `count` small squares in the left margin (see above)."""
    ops = [b"BT /F1 10 Tf 108 700 Td"]
    for i in range(20):
        ops.append((b"0 -12 Td " if i else b"") + b"(" + DOT_TEXT + b") Tj")
    ops.append(b"ET")
    for i in range(count):
        ops.append(b"%.1f %.1f 0.5 0.5 re f" % (5 + (i % 40) * 2.4, 5 + (i // 40) % 300 * 2.6))
    return _write(Path(path), [b"\n".join(ops)])


#: the long shapes of `long(path, shape, pages)` (see the module's docstring)
LONG_SHAPES = ("copies", "distinct", "fonts", "images", "links", "links-indirect", "figures")

_IMAGE = bytes(((x * 7 + y * 13) & 0xFF for y in range(64) for x in range(64)))


def _figure(rng: _Lcg, number: int) -> bytes:
    ops = [b"BT /F1 10 Tf 108 690 Td (Figure %d: %s) Tj ET" % (number, _esc(_line(rng, 60)))]
    ops.append(b"0.5 w 0 0 1 RG 120 300 m")
    for i in range(600):
        ops.append(b"%.2f %.2f l" % (120 + i * 0.6, 300 + rng.next(300)))
    ops.append(b"S 1 0 0 rg")
    for i in range(200):
        ops.append(b"%.2f %.2f 2 2 re f" % (120 + i * 1.8, 300 + rng.next(300)))
    ops.append(b"BT /F1 10 Tf 303 60 Td (%d) Tj ET" % number)
    return b"\n".join(ops)


def long(path: Path, shape: str, pages: int = 10_000) -> Path:
    """A long document of `pages` pages of one of LONG_SHAPES (see the module's docstring)."""
    if shape not in LONG_SHAPES:
        raise ValueError(f"unknown shape {shape!r}: one of {', '.join(LONG_SHAPES)}")
    if shape == "distinct":
        return paper(path, pages)
    rng = _Lcg()
    w = _writer()()
    fonts = [w.add(f) for f in FONTS]
    pages_num = w.add(b"")
    shared_res = b"<< /Font << /F1 %d 0 R /F2 %d 0 R /F3 %d 0 R >> >>" % tuple(fonts)
    shared = w.stream(paper_page(rng, 1, 1)) if shape == "copies" else None
    kids = []
    for n in range(1, pages + 1):
        res, extra = shared_res, b""
        if shape == "copies":
            content = shared
        elif shape == "figures":
            content = w.stream(_figure(rng, n))
        else:
            body = paper_page(rng, n, pages)
            if shape == "fonts":
                own = [w.add(f) for f in FONTS]
                res = b"<< /Font << /F1 %d 0 R /F2 %d 0 R /F3 %d 0 R >> >>" % tuple(own)
            elif shape == "images":
                img = w.stream(_IMAGE, b"/Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray "
                                       b"/BitsPerComponent 8 ")
                res = shared_res[:-2] + b" /XObject << /Im1 %d 0 R >> >>" % img
                body += b"\nq 72 0 0 72 430 60 cm /Im1 Do Q"
            elif shape in ("links", "links-indirect"):
                annots = [b"<< /Type /Annot /Subtype /Link /Border [0 0 0] /Rect [108 %d 300 %d] "
                          b"/A << /S /URI /URI (https://example.org/p%d/l%d) >> >>" % (100 + 12 * k, 110 + 12 * k, n, k)
                          for k in range(20)]
                if shape == "links-indirect":
                    annots = [b"%d 0 R" % w.add(a) for a in annots]
                extra = b" /Annots [%s]" % b" ".join(annots)
            content = w.stream(body)
        kids.append(w.add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources %s /Contents %d 0 R%s >>"
                          % (pages_num, res, content, extra)))
    w.objects[pages_num] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids),
                                                                       len(kids))
    return w.write(Path(path), w.add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_num))


#: the one-page shapes of `page(path, kind, count, side)`
PAGE_KINDS = ("squares", "spans", "links", "images", "paths")


def page(path: Path, kind: str, count: int = 100_000, side: float = 612.0) -> Path:
    """One square page `side` pt across holding `count` objects of one kind spread over a grid
    covering the page (a 1-inch border left): `squares` (0.5 pt filled squares), `spans` (separate
    two-letter text operators at 1.5 pt, roman and italic in turn), `links` (link annotations to web
    addresses, 2 pt boxes), `images` (one 2 x 2 image drawn `count` times at 0.5 pt), `paths` (stroked
    paths of a move, two lines and a curve), with a paragraph of body text at the top."""
    if kind not in PAGE_KINDS:
        raise ValueError(f"unknown kind {kind!r}: one of {', '.join(PAGE_KINDS)}")
    rng = _Lcg()
    across = max(1, int(count ** 0.5))
    pitch = (side - 144.0) / across
    ops = [b"BT /F1 10 Tf 72 %.2f Td" % (side - 60)]
    for i in range(5):
        ops.append((b"0 -12 Td " if i else b"") + b"(" + DOT_TEXT + b") Tj")
    ops.append(b"ET")
    annots = []
    if kind == "spans":
        ops.append(b"BT")
    for i in range(count):
        x, y = 72.0 + (i % across) * pitch, 72.0 + (i // across % across) * pitch
        if kind == "squares":
            ops.append(b"%.2f %.2f 0.5 0.5 re f" % (x, y))
        elif kind == "spans":
            ops.append(b"/F%d 1.5 Tf 1 0 0 1 %.2f %.2f Tm (%s) Tj" % (1 + 2 * (i % 2), x, y,
                                                                   _esc(WORDS[rng.next(len(WORDS))][:2])))
        elif kind == "images":
            ops.append(b"q 0.5 0 0 0.5 %.2f %.2f cm /Im1 Do Q" % (x, y))
        elif kind == "paths":
            ops.append(b"%.2f %.2f m %.2f %.2f l %.2f %.2f l %.2f %.2f %.2f %.2f %.2f %.2f c S"
                       % (x, y, x + 1, y, x + 1, y + 1, x + 0.5, y + 1.5, x, y + 1.5, x, y + 1))
        else:
            annots.append(b"<< /Type /Annot /Subtype /Link /Border [0 0 0] /Rect [%.2f %.2f %.2f %.2f] "
                          b"/A << /S /URI /URI (https://example.org/%d) >> >>" % (x, y, x + 2, y + 2, i))
    if kind == "spans":
        ops.append(b"ET")
    w = _writer()()
    fonts = [w.add(f) for f in FONTS]
    xobjects = b""
    if kind == "images":
        img = w.stream(bytes((0, 255, 255, 0)), b"/Type /XObject /Subtype /Image /Width 2 /Height 2 "
                                                b"/ColorSpace /DeviceGray /BitsPerComponent 8 ")
        xobjects = b" /XObject << /Im1 %d 0 R >>" % img
    pages_num = w.add(b"")
    res = b"<< /Font << /F1 %d 0 R /F2 %d 0 R /F3 %d 0 R >>%s >>" % (*fonts, xobjects)
    extra = b" /Annots [%s]" % b" ".join(annots) if annots else b""
    c = w.stream(b"\n".join(ops))
    kid = w.add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %g %g] /Resources %s /Contents %d 0 R%s >>"
                % (pages_num, side, side, res, c, extra))
    w.objects[pages_num] = b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % kid
    return w.write(Path(path), w.add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_num))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=["paper", "spans", "dots", "long", "page"])
    ap.add_argument("output", type=Path)
    ap.add_argument("--pages", type=int, default=10_000)
    ap.add_argument("--spans", type=int, default=100_000)
    ap.add_argument("--dots", type=int, default=100_000)
    ap.add_argument("--shape", choices=LONG_SHAPES, default="copies", help="the shape of `long`")
    ap.add_argument("--objects", choices=PAGE_KINDS, default="squares", help="what `page` holds")
    ap.add_argument("--count", type=int, default=100_000, help="how many objects `page` holds")
    ap.add_argument("--side", type=float, default=612.0, help="the width and height of `page`, in pt")
    args = ap.parse_args(argv)
    if args.kind == "long":
        long(args.output, args.shape, args.pages)
    elif args.kind == "page":
        page(args.output, args.objects, args.count, args.side)
    elif args.kind == "paper":
        paper(args.output, args.pages)
    elif args.kind == "spans":
        spans(args.output, args.spans)
    else:
        dots(args.output, args.dots)
    print(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
