"""An annotated copy of a checked PDF that a person can read at normal zoom, on screen, in a
screenshot and on paper.

On every page with findings:
- the template's text block is outlined (a thin dashed blue frame), so a margin finding shows
  where the block ends;
- each offending object is framed (red for errors, orange for warnings) where it is, once per
  occurrence (a grouped finding marks every page it lists; a font finding frames the text set in
  that font, on a figure when the font is the figure's);
- beside each frame a printed label says the code and a short message (a FreeText annotation
  with the Print flag and its own appearance, so it survives printing and screenshots);
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
from scope_check.output.base import occurrences
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
            taken: List = []
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
    label = pymupdf.Rect(rect.x1 - 70, rect.y1 + 1, rect.x1, rect.y1 + 1 + LABEL_SIZE + 3)
    if label.y1 <= page.rect.y1:
        _label(page, label, "text block (template)", BLOCK_COLOUR, "text block")
        taken.append(label)


def _mark(page, f, bbox, message, taken) -> None:
    import pymupdf

    colour = COLOURS.get(f.severity, COLOURS["info"])
    full = f"{f.code} {f.name} ({f.severity}): {message}" + (f"\nFix: {f.hint}" if f.hint else "")
    if f.source:
        full += f"\nSource: {f.source.get('file')}:{f.source.get('line')}"
    if bbox:
        rect = pymupdf.Rect(bbox).normalize() & page.rect
        if rect.is_empty:
            rect = pymupdf.Rect(bbox).normalize()
        rect = pymupdf.Rect(rect.x0 - 2, rect.y0 - 2, rect.x1 + 2, rect.y1 + 2)
        annot = page.add_rect_annot(rect)
        annot.set_border(width=1.5)
    else:  # a page without a box: the frame is the page's top margin
        rect = pymupdf.Rect(page.rect.x0 + 20, page.rect.y0 + 8, page.rect.x0 + 34, page.rect.y0 + 22)
        annot = page.add_rect_annot(rect)
        annot.set_border(width=1.5)
    annot.set_colors(stroke=colour)
    annot.set_info(title=f"{AUTHOR}: {f.code}", content=full, subject=f.name)
    annot.set_flags(pymupdf.PDF_ANNOT_IS_PRINT)
    annot.update()
    text = _printable(f"{f.code} {short(message)}")
    label = _place_label(page, rect, text, taken)
    _label(page, label, text, colour, f.code)
    taken.append(label)


def _label_width(text: str) -> float:
    import pymupdf

    return pymupdf.get_text_length(text, fontname="helv", fontsize=LABEL_SIZE) + 6


def _place_label(page, rect, text: str, taken):
    """A box for the label beside `rect`: above it, else below, else inside its top; shifted off
    labels already on the page, kept on the page."""
    import pymupdf

    width = min(_label_width(text), page.rect.width - 8)
    height = LABEL_SIZE + 4
    x0 = max(page.rect.x0 + 4, min(rect.x0, page.rect.x1 - 4 - width))
    candidates = [rect.y0 - height - 1, rect.y1 + 1, rect.y0 + 1]
    for y0 in candidates:
        for shift in range(0, 12):
            for sign in (1, -1) if shift else (1,):
                y = y0 + sign * shift * (height + 1)
                box = pymupdf.Rect(x0, y, x0 + width, y + height)
                if box.y0 < page.rect.y0 + 1 or box.y1 > page.rect.y1 - 1:
                    continue
                if not any(box.intersects(t) for t in taken):
                    return box
    y = max(page.rect.y0 + 1, min(rect.y0 - height - 1, page.rect.y1 - height - 1))
    return pymupdf.Rect(x0, y, x0 + width, y + height)


def _label(page, rect, text: str, colour, code: str) -> None:
    import pymupdf

    kwargs = dict(fontsize=LABEL_SIZE, fontname="helv", text_color=colour, fill_color=(1, 1, 1))
    annot = page.add_freetext_annot(rect, text, **kwargs)
    annot.set_info(title=f"{AUTHOR}: label {code}", content=text)
    annot.set_flags(pymupdf.PDF_ANNOT_IS_PRINT)
    annot.update()


def _summary_pages(pdf, report, unplaced) -> None:
    """Appended pages: the verdict, the findings without a place in full, and every finding."""
    width, height = (pdf[-1].rect.width, pdf[-1].rect.height) if pdf.page_count else (612, 792)
    lines: List[Tuple[str, str]] = [  # (style, text)
        ("title", f"scope-check: {report.verdict.upper()} against {report.rules}"),
        ("plain", f"{os.path.basename(report.path)}: {report.errors} errors, {report.warnings} warnings; "
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
