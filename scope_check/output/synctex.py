"""A small reader of SyncTeX files: from a place on a PDF page back to the `.tex` file and line.

No maintained Python parser of SyncTeX exists (the reference is Jérôme Laurens' C library in TeX
Live, used by editors through `synctex edit`); this module reads the documented text format
(`man 5 synctex`, SyncTeX version 1) that `pdflatex -synctex=1` writes beside the PDF as
`NAME.synctex.gz` (gzip) or `NAME.synctex` (plain), and answers one question: which source line
typeset the material inside a box on a page.

The format, as far as it is used here:

    SyncTeX Version:1
    Input:1:/path/to/main.tex            an input file and its tag (also inside the content)
    Magnification:1000  Unit:1  X Offset:0  Y Offset:0
    Content:
    {1                                   page 1 begins ... }1 ends it
    [tag,line:x,y:W,H,D  ( ... )  ]      vbox / hbox begin (x, y: the box's reference point)
    h tag,line:x,y:W,H,D   v ...         void hbox / vbox
    r tag,line:x,y:W,H,D                 a rule
    x tag,line:x,y   g ...   $ ...       a character run, glue, math node (a point)
    k tag,line:x,y:W                     a kern
    !1234                                byte offsets for fast navigation (ignored here)
    Postamble: ...

A record may carry a column after the line (`tag,line,column:`). Coordinates are TeX scaled
points times `Unit`, measured from the page's top-left corner (y grows downwards, at the
baseline); one PostScript point (PDF unit) is 65781.76 sp. A box spans y - H to y + D.

Characters record the line they were read from; a paragraph's line boxes record where the
paragraph ended. So text is mapped by the character records inside the finding's box, and
objects without characters (a figure) by the box record that matches them best.

The file is read as untrusted input: decompression is capped (`MAX_BYTES`), malformed records
are skipped, and nothing it names is opened.
"""

from __future__ import annotations

import gzip
import os
import re
from collections import Counter
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from scope_check.safety.safe_patterns import lazy

#: scaled points per PostScript point (PDF unit)
SP_PER_BP = 65781.76
#: decompressed bytes read at most (a SyncTeX file of a 50-page paper is a few MB)
MAX_BYTES = 256 * 1024 * 1024
#: points within this distance (PDF points) of a finding's box still count as inside it
SLACK = 1.5
#: file names that are TeX's or a package's, never the author's source
_NOT_SOURCE = lazy(r"(^|[/\\])(texmf[^/\\]*|texlive|miktex|tex-live)([/\\]|$)", re.I)
_SOURCE_EXT = (".tex", ".ltx")

_RECORD = lazy(
    r"^([\[\(hvrxkg$])(\d+),(\d+)(?:,-?\d+)?:(-?\d+),(-?\d+)(?::(-?\d+)(?:,(-?\d+),(-?\d+))?)?"
)


@dataclass(frozen=True)
class Record:
    """One box or point, in PDF points from the page's top-left corner."""

    kind: str  # one of [ ( h v r x k g $
    tag: int
    line: int
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def is_point(self) -> bool:
        return self.kind in "xkg$"

    @property
    def area(self) -> float:
        return max(0.0, self.x1 - self.x0) * max(0.0, self.y1 - self.y0)


@dataclass(frozen=True)
class Source:
    file: str
    line: int

    def to_json(self) -> dict:
        return {"file": self.file, "line": self.line}


class SyncTeX:
    """The records of some pages of one SyncTeX file."""

    def __init__(self, inputs: Dict[int, str], pages: Dict[int, List[Record]]):
        self.inputs = inputs
        self.pages = pages

    def is_source(self, tag: int) -> bool:
        name = self.inputs.get(tag, "")
        return name.lower().endswith(_SOURCE_EXT) and not _NOT_SOURCE.search(name)

    def lookup(self, page: int, bbox: Sequence[float]) -> Optional[Tuple[str, int]]:
        """(input file as written in the SyncTeX file, line) of the material in `bbox` on `page`
        (1-based); None when nothing of the author's sources is there. (A page alone names no
        line: its header and ruler record wherever TeX happened to ship the page out.)"""
        records = [r for r in self.pages.get(page, ()) if self.is_source(r.tag) and r.line > 0]
        if not records:
            return None
        x0, y0, x1, y1 = (float(v) for v in bbox)
        inside = [
            r for r in records
            if r.kind == "x" and x0 - SLACK <= r.x0 <= x1 + SLACK and y0 - SLACK <= r.y0 <= y1 + SLACK
        ]
        if not inside:
            inside = [
                r for r in records
                if r.is_point and x0 - SLACK <= r.x0 <= x1 + SLACK and y0 - SLACK <= r.y0 <= y1 + SLACK
            ]
        best_box = _best_box(records, (x0, y0, x1, y1))
        if best_box is not None and (not inside or best_box[0] >= 0.9):
            r = best_box[1]
            return self.inputs[r.tag], r.line
        if inside:
            votes = Counter((r.tag, r.line) for r in inside)
            (tag, line), _ = min(votes.items(), key=lambda kv: (-kv[1], kv[0][1]))
            return self.inputs[tag], line
        return None


def _best_box(records: Iterable[Record], bbox: Tuple[float, float, float, float]):
    """(overlap, record) of the box record overlapping `bbox` most (intersection over union)."""
    bx0, by0, bx1, by1 = bbox
    area_b = max(0.0, bx1 - bx0) * max(0.0, by1 - by0)
    best = None
    for r in records:
        if r.is_point or r.area <= 0:
            continue
        ix = min(r.x1, bx1) - max(r.x0, bx0)
        iy = min(r.y1, by1) - max(r.y0, by0)
        if ix <= 0 or iy <= 0:
            continue
        inter = ix * iy
        iou = inter / (r.area + area_b - inter)
        if best is None or iou > best[0] + 1e-9 or (abs(iou - best[0]) <= 1e-9 and r.area < best[1].area):
            best = (iou, r)
    if best is None or best[0] < 0.5:
        return None
    return best


def synctex_path(pdf_path: str) -> Optional[str]:
    """The SyncTeX file beside `pdf_path` (`NAME.synctex.gz`, else `NAME.synctex`), if any."""
    stem = os.path.splitext(pdf_path)[0]
    for candidate in (stem + ".synctex.gz", stem + ".synctex"):
        if os.path.isfile(candidate):
            return candidate
    return None


class SyncTeXError(ValueError):
    pass


def read(path: str, pages: Optional[Set[int]] = None) -> SyncTeX:
    """Parse a SyncTeX file, keeping the records of `pages` only (all when None)."""
    opener = gzip.open if path.endswith(".gz") else open
    inputs: Dict[int, str] = {}
    kept: Dict[int, List[Record]] = {}
    unit, mag, x_off, y_off = 1.0, 1000.0, 0.0, 0.0
    current: Optional[List[Record]] = None
    read_bytes = 0
    in_content = False
    try:
        with opener(path, "rb") as fh:
            for raw in fh:
                read_bytes += len(raw)
                if read_bytes > MAX_BYTES:
                    raise SyncTeXError(f"{path}: more than {MAX_BYTES} bytes once decompressed")
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if line.startswith("Input:"):
                    parts = line.split(":", 2)
                    if len(parts) == 3 and parts[1].isdigit():
                        inputs[int(parts[1])] = parts[2]
                    continue
                if not in_content:
                    key, _, value = line.partition(":")
                    try:
                        if key == "Unit":
                            unit = float(value)
                        elif key == "Magnification":
                            mag = float(value) or 1000.0
                        elif key == "X Offset":
                            x_off = float(value)
                        elif key == "Y Offset":
                            y_off = float(value)
                    except ValueError:
                        pass
                    if key == "Content":
                        in_content = True
                    continue
                if not line:
                    continue
                head = line[0]
                if head == "{":
                    number = _int(line[1:])
                    current = kept.setdefault(number, []) if number and (pages is None or number in pages) else None
                    continue
                if head == "}":
                    current = None
                    continue
                if line.startswith("Postamble:"):
                    break
                if current is None:
                    continue
                m = _RECORD.match(line)
                if not m:
                    continue
                kind = m.group(1)
                scale = unit * (mag / 1000.0) / SP_PER_BP
                x = (int(m.group(4)) + x_off) * scale
                y = (int(m.group(5)) + y_off) * scale
                w = int(m.group(6) or 0) * scale
                h = int(m.group(7) or 0) * scale
                d = int(m.group(8) or 0) * scale
                if kind in "xg$":
                    rec = Record(kind, int(m.group(2)), int(m.group(3)), x, y, x, y)
                elif kind == "k":
                    rec = Record(kind, int(m.group(2)), int(m.group(3)), x, y, x + max(w, 0), y)
                else:
                    rec = Record(kind, int(m.group(2)), int(m.group(3)), min(x, x + w), y - h, max(x, x + w), y + d)
                current.append(rec)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise SyncTeXError(f"{path}: {exc}") from None
    return SyncTeX(inputs, kept)


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


def source_name(recorded: str, synctex_file: str, base: Optional[str] = None) -> str:
    """The input file as a path a user (and GitHub) recognises: relative to `base` (the current
    folder) when it lies inside it; a relative name is taken from the SyncTeX file's folder."""
    base = os.path.abspath(base or os.getcwd())
    path = recorded.replace("\\", "/") if os.sep == "/" else recorded
    if not os.path.isabs(path):
        path = os.path.join(os.path.dirname(os.path.abspath(synctex_file)), path)
    path = os.path.normpath(path)
    try:
        rel = os.path.relpath(path, base)
    except ValueError:  # another drive
        return path.replace(os.sep, "/")
    if rel.startswith(".."):
        return path.replace(os.sep, "/")
    return rel.replace(os.sep, "/")


def attach_sources(report, base: Optional[str] = None):
    """`report` with each finding that has a page and a box given its `source` (file and line),
    when a SyncTeX file sits beside the PDF; the report unchanged otherwise (also when the
    SyncTeX file is unreadable: the mapping is a convenience, never a reason to fail)."""
    from dataclasses import replace

    sync = synctex_path(report.path)
    wanted = {f.page for f in report.findings if f.page and f.bbox}
    if sync is None or not wanted:
        return report
    try:
        table = read(sync, wanted)
    except SyncTeXError:
        return report
    findings = []
    for f in report.findings:
        hit = table.lookup(f.page, f.bbox) if f.page and f.bbox else None
        if hit:
            f = replace(f, source=Source(source_name(hit[0], sync, base), hit[1]).to_json())
        findings.append(f)
    return replace(report, findings=tuple(findings))
