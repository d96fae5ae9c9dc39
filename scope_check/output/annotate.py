"""An annotated copy of a checked PDF that a person can read at normal zoom, on screen, in a
screenshot and on paper.

On every page with findings:
- the template's text block is outlined (a thin dashed blue frame), so a margin finding shows
  where the block ends;
- each offending object is framed (red for errors, orange for warnings) where it is, once per
  occurrence (a grouped finding marks every page it lists; a font finding frames the text set in
  that font, on a figure when the font is the figure's);
- beside each frame a printed label says the code and a short message (a FreeText annotation
  with the Print flag and its own appearance, so it survives printing and screenshots), placed
  where it covers none of the paper's text nor another mark: above or below the frame, else beside
  it (wrapped into the margin when it must), else, on a page with no free place, where it covers
  the least text;
- the frame's pop-up note keeps the full message and the fix.

Findings without a place (metadata, file size) and a list of every finding go on a summary page
appended at the end. The copy is written compressed and garbage-collected, to a temporary file
in the target folder moved into place whole; the input PDF is never modified, and nothing the PDF
points to is opened or run.
"""

from __future__ import annotations

import os
import re
import textwrap
from typing import Dict, List, Optional, Sequence, Tuple
from scope_check.safety import limits
from scope_check import checks as registry
from scope_check.engine.runner import UNOPENABLE
from scope_check.output.base import occurrences, plural
from scope_check.output.base import where
from scope_check.safety.atomic import discard, publish, temporary

COLOURS = {"error": (0.80, 0.05, 0.05), "warning": (0.85, 0.45, 0.0), "info": (0.1, 0.4, 0.85)}
BLOCK_COLOUR = (0.15, 0.35, 0.85)
#: annotations carry this author, so they are easy to tell from the paper's own
AUTHOR = "scope-check"
#: label font size (points) and the longest label text (characters)
LABEL_SIZE = 8.0
LABEL_CHARS = 90


class AnnotateError(Exception):
    """The annotated copy could not be written (the message says why, for the user)."""


def annotate(report, out_path: str, text_block: Optional[Sequence[float]] = None) -> Optional[int]:
    """Write an annotated copy of `report.path` to `out_path`; returns the number of marks (one
    per occurrence), or None when the file could not be opened (FILE001 to FILE003).
    `text_block` is the template's block to outline (default: the measured one)."""
    import pymupdf


    if report.verdict == "error" and any(f.code in UNOPENABLE for f in report.findings):
        return None
    stopped = set(registry.codes_with("runner_reported")) & set(registry.codes_with("uncheckable"))
    if any(f.code in stopped or (f.data or {}).get("read") is False for f in report.findings):
        return None  # not read, or too costly to read: not opened again
    if os.path.abspath(out_path) == os.path.abspath(report.path):
        raise ValueError(f"{limits.display_path(out_path)}: the annotated copy must not overwrite the checked PDF")
    block = text_block or (report.measurements or {}).get("text_block")
    try:
        with limits.opened(report.path) as fh:  # any file name, valid UTF-8 or not
            pdf = pymupdf.open(fh.mupdf_path(), filetype="pdf")
    except Exception:
        return None
    try:
        marks = 0
        unplaced: List = []
        by_page: Dict[int, List[Tuple[object, Optional[Sequence[float]], str]]] = {}
        for f in report.findings:
            placed = False
            for number, bbox, message in places(pdf, f):
                if number and 1 <= number <= pdf.page_count:
                    by_page.setdefault(number, []).append((f, bbox, message))
                    placed = True
            if not placed:
                unplaced.append(f)
        for number in sorted(by_page):
            page = pdf[number - 1]
            # what a label must not cover: the page's text, and every frame of the page
            taken = Obstacles(text_lines(page), [frame_rect(page, bbox) for _, bbox, _ in by_page[number]],
                              page.rect.get_area())
            if block:
                _outline_block(page, block, taken)
            for f, bbox, message in by_page[number]:
                _mark(page, f, bbox, message, taken)
                marks += 1
        _summary_pages(pdf, report, unplaced)
        _save_atomically(pdf, out_path)
        return marks
    finally:
        pdf.close()


def places(pdf, finding, only=None) -> List[Tuple[Optional[int], Optional[Sequence[float]], str]]:
    """(page, box, message) of every occurrence of `finding` in the open PDF: a grouped finding's
    occurrences, the pages a font finding lists (its box: the text set in that font there).
    `only`: a set of page numbers to look at (the others are left out)."""

    found = occurrences(finding)
    data = finding.data or {}
    if data.get("font") and data.get("pages"):  # a font finding: mark the text set in the font
        pages = data.get("pages") or [p for p, _, _ in found if p]
        if only is not None:
            pages = [p for p in pages if p in only]
        out = []
        for number in pages:
            box = font_box(pdf, number, data["font"]) if 1 <= number <= pdf.page_count else None
            out.append((number, box, finding.message))
        return out
    return found


def font_box(pdf, number: int, font: str) -> Optional[Tuple[float, float, float, float]]:
    """The union of the text spans set in `font` on page `number` (inside figures too: MuPDF's
    text extraction enters Form XObjects), or None when MuPDF shows none."""
    page = pdf[number - 1]
    want = _font_key(font)
    box = None
    for block in page.get_text("dict", flags=0)["blocks"]:
        for line in block.get("lines", ()):
            for span in line.get("spans", ()):
                if _font_key(span.get("font", "")) == want and span.get("text", "").strip():
                    x0, y0, x1, y1 = span["bbox"]
                    box = (x0, y0, x1, y1) if box is None else (
                        min(box[0], x0), min(box[1], y0), max(box[2], x1), max(box[3], y1))
    return box


def _font_key(name: str) -> str:
    return re.sub(r"^[A-Z]{6}\+", "", name or "").lower()


def short(message: str, limit: int = LABEL_CHARS) -> str:
    """The label text: the message up to its first clause break, at most `limit` characters."""
    head = re.split(r";\s|:\s(?=[a-z])", message, maxsplit=1)[0].strip()
    if len(head) > limit:
        head = head[: limit - 3].rstrip() + "..."
    return head


def _printable(text: str) -> str:
    """The label font (Helvetica, WinAnsi) has Latin-1 glyphs only."""
    table = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
             "\u2026": "...", "\u00a0": " ", "\u2212": "-", "\u2265": ">=", "\u2264": "<=", "\u00d7": "x"}
    return "".join(table.get(c, c if ord(c) < 256 else "?") for c in text)


#: a frame larger than this share of the page marks a region (the pages past the limit), not an
#: object: labels may lie on it
REGION_SHARE = 0.25


class Obstacles:
    """What a label on a page must not cover: the paper's text lines, the frames of the findings
    (not a region's), and the labels already placed (`append`)."""

    def __init__(self, text, frames, page_area: float = 0.0):
        self.text = list(text)
        self.frames = [f for f in frames if not (page_area and f.get_area() > REGION_SHARE * page_area)]
        self.labels: List = []

    def append(self, label) -> None:
        self.labels.append(label)

    def blocked(self, box) -> bool:
        inner = _shrunk(box)
        return any(inner.intersects(r) for r in (*self.labels, *self.frames, *self.text))

    def covered_text(self, box) -> float:
        """The area of text under `box` (infinite where it would cover a label or a frame)."""
        inner = _shrunk(box)
        if any(inner.intersects(r) for r in (*self.labels, *self.frames)):
            return float("inf")
        return sum((inner & r).get_area() for r in self.text if inner.intersects(r))


def _shrunk(box):
    import pymupdf

    return pymupdf.Rect(box.x0 + 0.5, box.y0 + 0.5, box.x1 - 0.5, box.y1 - 0.5)


def text_lines(page) -> List:
    """The boxes of the page's text lines (every line MuPDF extracts that holds a visible character)."""
    import pymupdf

    out = []
    for block in page.get_text("dict", flags=0)["blocks"]:
        for line in block.get("lines", ()):
            if any(span.get("text", "").strip() for span in line.get("spans", ())):
                box = pymupdf.Rect(line["bbox"])
                if not box.is_empty:
                    out.append(box)
    return out


def frame_rect(page, bbox):
    """The frame drawn around a finding's box (2 pt around it, cut to the page), or the small square
    in the top margin of a finding on the page without a box."""
    import pymupdf

    if bbox:
        rect = pymupdf.Rect(bbox).normalize() & page.rect
        if rect.is_empty:
            rect = pymupdf.Rect(bbox).normalize()
        return pymupdf.Rect(rect.x0 - 2, rect.y0 - 2, rect.x1 + 2, rect.y1 + 2)
    return pymupdf.Rect(page.rect.x0 + 20, page.rect.y0 + 8, page.rect.x0 + 34, page.rect.y0 + 22)


def _outline_block(page, block, taken) -> None:
    import pymupdf

    rect = pymupdf.Rect(block)
    annot = page.add_rect_annot(rect)
    annot.set_border(width=0.6, dashes=[3, 2])
    annot.set_colors(stroke=BLOCK_COLOUR)
    annot.set_info(title=f"{AUTHOR}: text block", content=f"the template's text block, x {rect.x0:.1f}-{rect.x1:.1f}, "
                                                           f"y {rect.y0:.1f}-{rect.y1:.1f} pt", subject="text block")
    annot.set_flags(pymupdf.PDF_ANNOT_IS_PRINT)
    annot.update()
    text = "text block (template)"
    width = _label_width(text)
    height = LABEL_SIZE + 3
    # under the block's right end, else its left end, else above it: where no text is (the page
    # number sits under the block's middle)
    for x0, y0 in ((rect.x1 - width, rect.y1 + 1), (rect.x0, rect.y1 + 1), (rect.x1 - width, rect.y0 - height - 1)):
        label = pymupdf.Rect(x0, y0, x0 + width, y0 + height)
        if page.rect.contains(label) and not taken.blocked(label):
            _label(page, label, text, BLOCK_COLOUR, "text block")
            taken.append(label)
            return


def _mark(page, f, bbox, message, taken) -> None:
    import pymupdf

    colour = COLOURS.get(f.severity, COLOURS["info"])
    full = f"{f.code} {f.name} ({f.severity}): {message}" + (f"\nFix: {f.hint}" if f.hint else "")
    if f.source:
        full += f"\nSource: {f.source.get('file')}:{f.source.get('line')}"
    rect = frame_rect(page, bbox)  # a page without a box: the frame is a square in the page's top margin
    annot = page.add_rect_annot(rect)
    annot.set_border(width=1.5)
    annot.set_colors(stroke=colour)
    annot.set_info(title=f"{AUTHOR}: {f.code}", content=full, subject=f.name)
    annot.set_flags(pymupdf.PDF_ANNOT_IS_PRINT)
    annot.update()
    text = _printable(f"{f.code} {short(message)}")
    label, shown = _place_label(page, rect, text, taken)
    _label(page, label, shown, colour, f.code, content=text)
    taken.append(label)


def _label_width(text: str) -> float:
    import pymupdf

    return pymupdf.get_text_length(text, fontname="helv", fontsize=LABEL_SIZE) + 6


#: the height of a label's line, and the narrowest column a label is wrapped into
LINE_HEIGHT = LABEL_SIZE * 1.25
MIN_COLUMN = 48.0


def _place_label(page, rect, text: str, taken):
    """(box, text as shown) of the label of the frame `rect`: the first place on the page that covers
    no text, frame or label, tried in this order: on one line just above the frame, just below it,
    right- instead of left-aligned; beside it, on one line or wrapped into the space to its right or
    left (a margin); then further above and below. Where every place covers something, the one
    covering the least text."""
    import pymupdf

    page_box = pymupdf.Rect(page.rect.x0 + 2, page.rect.y0 + 1, page.rect.x1 - 2, page.rect.y1 - 1)
    width = min(_label_width(text), page_box.width - 4)
    height = LABEL_SIZE + 4
    candidates = []  # (box, text)

    def add(x0, y0, w=width, shown=text, h=height):
        x0 = max(page_box.x0, min(x0, page_box.x1 - w))
        candidates.append((pymupdf.Rect(x0, y0, x0 + w, y0 + h), shown))

    for y0 in (rect.y0 - height - 1, rect.y1 + 1):
        add(rect.x0, y0)
        add(rect.x1 - width, y0)
    for y0 in (rect.y0, rect.y1 - height):
        add(rect.x1 + 1, y0)
        add(rect.x0 - 1 - width, y0)
    for x0, space in ((rect.x1 + 1, page_box.x1 - rect.x1 - 1), (page_box.x0, rect.x0 - 1 - page_box.x0)):
        if space >= MIN_COLUMN and space < width:
            lines = _wrap(text, space - 6)
            w = min(space, max(_label_width(line) for line in lines))
            h = len(lines) * LINE_HEIGHT + 4
            for y0 in (rect.y0, rect.y1 - h, rect.y0 - h - 1, rect.y1 + 1):
                add(x0 if x0 > rect.x1 else rect.x0 - 1 - w, y0, w, "\n".join(lines), h)
    for shift in range(1, 12):
        add(rect.x0, rect.y0 - height - 1 - shift * (height + 1))
        add(rect.x0, rect.y1 + 1 + shift * (height + 1))
    inside = [(box, shown) for box, shown in candidates if page_box.contains(box)]
    for box, shown in inside:
        if not taken.blocked(box):
            return box, shown
    if inside:
        return min(inside, key=lambda c: taken.covered_text(c[0]))
    y = max(page_box.y0, min(rect.y0 - height - 1, page_box.y1 - height))
    x0 = max(page_box.x0, min(rect.x0, page_box.x1 - width))
    return pymupdf.Rect(x0, y, x0 + width, y + height), text


def _wrap(text: str, width: float) -> List[str]:
    """`text` in lines no wider than `width` points in the label's font (a word wider than that is
    cut where it must be)."""
    lines: List[str] = []
    line = ""
    for word in text.split():
        while _label_width(word) - 6 > width and len(word) > 1:  # a long word (a URL): cut it
            cut = len(word) - 1
            while cut > 1 and _label_width(word[:cut]) - 6 > width:
                cut -= 1
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{line} {word}" if line else word
        if line and _label_width(candidate) - 6 > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines or [text]


def _label(page, rect, text: str, colour, code: str, content: Optional[str] = None) -> None:
    """The printed label: `text` (lines apart with newlines) in `rect`; its note holds `content`
    (the text on one line)."""
    import pymupdf

    kwargs = dict(fontsize=LABEL_SIZE, fontname="helv", text_color=colour, fill_color=(1, 1, 1))
    annot = page.add_freetext_annot(rect, text, **kwargs)
    annot.set_info(title=f"{AUTHOR}: label {code}", content=content or text)
    annot.set_flags(pymupdf.PDF_ANNOT_IS_PRINT)
    annot.update()


def _summary_pages(pdf, report, unplaced) -> None:
    """Appended pages: the verdict, the findings without a place in full, and every finding."""
    width, height = (pdf[-1].rect.width, pdf[-1].rect.height) if pdf.page_count else (612, 792)
    lines: List[Tuple[str, str]] = [  # (style, text)
        ("title", f"scope-check: {report.verdict.upper()} against {report.rules}"),
        ("plain", f"{os.path.basename(report.path)}: {plural(report.errors, 'error')}, {plural(report.warnings, 'warning')}; "
                  f"marks on the pages above, their notes hold each message and fix."),
        ("plain", ""),
    ]
    if unplaced:
        lines.append(("head", "Findings about the whole file"))
        for f in unplaced:
            lines.append(("item", f"{f.code} {f.name} ({f.severity}): {f.message}"))
            if f.hint:
                lines.append(("fix", f"Fix: {f.hint}"))
        lines.append(("plain", ""))
    lines.append(("head", "Every finding"))

    for f in report.findings:
        at = f" [{f.source.get('file')}:{f.source.get('line')}]" if f.source else ""
        lines.append(("item", f"{where(f)}  {f.code} ({f.severity}): {f.message}{at}"))
    if not report.findings:
        lines.append(("plain", "none"))
    styles = {"title": (14, (0, 0, 0)), "head": (11, (0, 0, 0)), "plain": (9, (0, 0, 0)),
              "item": (9, (0, 0, 0)), "fix": (8, (0.3, 0.3, 0.3))}
    margin, page, y = 54.0, None, 0.0
    for style, text in lines:
        size, colour = styles[style]
        if style == "item":
            colour = next((COLOURS[k] for k in ("error", "warning") if f"({k})" in text), colour)
        chars = int((width - 2 * margin) / (size * 0.5))
        wrapped = textwrap.wrap(_printable(text), chars, subsequent_indent="    ") or [""]
        for piece in wrapped:
            if page is None or y + size * 1.3 > height - margin:
                page = pdf.new_page(width=width, height=height)
                y = margin
            page.insert_text((margin, y + size), piece, fontsize=size, fontname="helv", color=colour)
            y += size * 1.35


def _save_atomically(pdf, out_path: str) -> None:

    folder = os.path.dirname(os.path.abspath(out_path))
    if not os.path.isdir(folder):
        raise AnnotateError(f"the folder {folder} does not exist")
    try:
        fd, tmp = temporary(out_path, suffix=".pdf")
    except OSError as exc:
        raise AnnotateError(f"cannot write into {folder}: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        _save(pdf, tmp)
        publish(tmp, out_path)
    except OSError as exc:
        discard(tmp)
        raise AnnotateError(f"cannot write {out_path}: {exc.strerror or exc}") from None
    except BaseException:
        discard(tmp)
        raise


def _save(pdf, path: str) -> None:
    """Compressed, garbage-collected, object streams where the PyMuPDF release has them: the copy
    stays close to the input's size."""
    options = dict(garbage=3, deflate=True, deflate_images=True, deflate_fonts=True)
    try:
        pdf.save(path, use_objstms=1, **options)
    except TypeError:
        pdf.save(path, **options)


def output_path(pdf_path: str, target: str, several: bool) -> str:
    """Where the annotated copy of `pdf_path` goes for one PDF: `target` itself, unless it is a
    folder (then `target/<name>.annotated.pdf`). For several PDFs see `output_paths`."""
    if several or os.path.isdir(target) or target.endswith(("/", os.sep)):
        stem = os.path.splitext(os.path.basename(pdf_path))[0]
        return os.path.join(target, f"{stem}.annotated.pdf")
    return target


def output_paths(pdf_paths: Sequence[str], target: str) -> List[str]:
    """The annotated copies of several PDFs in the folder `target`, never two at one path: the
    inputs' folders are mirrored below `target` relative to the folder they share (three
    `paper.pdf` in a/, b/ and c/ go to target/a/, target/b/, target/c/); the same input named twice
    gets `-2`, `-3`."""
    if len(pdf_paths) == 1:
        return [output_path(pdf_paths[0], target, False)]
    folders = [os.path.dirname(os.path.abspath(p)) for p in pdf_paths]
    try:
        common = os.path.commonpath(folders)
    except ValueError:  # different drives
        common = ""
    out, used = [], set()
    for path, folder in zip(pdf_paths, folders):
        rel = os.path.relpath(folder, common) if common else folder.replace(":", "").lstrip("\\/")
        stem = os.path.splitext(os.path.basename(path))[0]
        base = os.path.normpath(os.path.join(target, rel, f"{stem}.annotated"))
        candidate, n = base + ".pdf", 1
        while os.path.normcase(candidate) in used:
            n += 1
            candidate = f"{base}-{n}.pdf"
        used.add(os.path.normcase(candidate))
        out.append(candidate)
    return out
