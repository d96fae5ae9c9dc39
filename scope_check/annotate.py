"""An annotated copy of a checked PDF: each finding becomes a rectangle around the offending object
(red for errors, orange for warnings) whose note holds the code, the message and the fix; findings
without a place (metadata, file size) go into a summary note on page 1. The input PDF is never
modified: the copy is written to a temporary file and moved into place whole. Nothing the PDF
points to is opened or run.
"""

from __future__ import annotations

import os
import tempfile
from typing import Optional

COLOURS = {"error": (0.85, 0.1, 0.1), "warning": (0.95, 0.55, 0.0), "info": (0.1, 0.4, 0.85)}
#: annotations carry this author, so they are easy to tell from the paper's own
AUTHOR = "scope-check"
#: a finding with a page but no box is marked by a note icon in the left margin at this height
NOTE_Y = 40.0


def annotate(report, out_path: str) -> Optional[int]:
    """Write an annotated copy of `report.path` to `out_path`; returns the number of annotations,
    or None when the file could not be opened (FILE001 to FILE003: nothing to annotate)."""
    import pymupdf

    from scope_check import limits

    if report.verdict == "error" and any(f.code in ("FILE001", "FILE002", "FILE003") for f in report.findings):
        return None
    if any(f.code in ("FILE006", "FILE007") or (f.data or {}).get("read") is False for f in report.findings):
        return None  # not read, or too costly to read: not opened again
    if os.path.abspath(out_path) == os.path.abspath(report.path):
        raise ValueError(f"{limits.display_path(out_path)}: the annotated copy must not overwrite the checked PDF")
    with limits.opened(report.path) as fh:
        pdf = pymupdf.open(fh.mupdf_path(), filetype="pdf")
    try:
        count = 0
        unplaced = []
        for f in report.findings:
            if not f.page or f.page > pdf.page_count:
                unplaced.append(f)
                continue
            page = pdf[f.page - 1]
            text = f"{f.code} {f.name} ({f.severity}): {f.message}" + (f"\nFix: {f.hint}" if f.hint else "")
            colour = COLOURS.get(f.severity, COLOURS["info"])
            if f.bbox:
                rect = pymupdf.Rect(f.bbox) & page.rect
                if rect.is_empty:
                    rect = pymupdf.Rect(f.bbox).normalize()
                rect = pymupdf.Rect(rect.x0 - 2, rect.y0 - 2, rect.x1 + 2, rect.y1 + 2)
                annot = page.add_rect_annot(rect)
                annot.set_border(width=1.2)
            else:
                annot = page.add_text_annot(pymupdf.Point(20, NOTE_Y), text, icon="Note")
            annot.set_colors(stroke=colour)
            annot.set_info(title=f"{AUTHOR}: {f.code}", content=text, subject=f.name)
            annot.update()
            count += 1
        summary = (
            f"{AUTHOR}: {report.verdict.upper()} against {report.rules}: "
            f"{report.errors} errors, {report.warnings} warnings."
        )
        if unplaced:
            summary += "\n" + "\n".join(f"{f.code} ({f.severity}): {f.message}" for f in unplaced)
        note = pdf[0].add_text_annot(pymupdf.Point(20, 20), summary, icon="Comment")
        note.set_colors(stroke=COLOURS["error"] if report.verdict != "pass" else (0.1, 0.6, 0.2))
        note.set_info(title=f"{AUTHOR}: summary", content=summary)
        note.update()
        _save_atomically(pdf, out_path)
        return count + 1
    finally:
        pdf.close()


def _save_atomically(pdf, out_path: str) -> None:
    folder = os.path.dirname(os.path.abspath(out_path))
    fd, tmp = tempfile.mkstemp(prefix=".scope-check-", suffix=".pdf", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:  # written by Python: any file name, valid UTF-8 or not
            fh.write(pdf.tobytes(garbage=1, deflate=True))
        os.replace(tmp, out_path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def output_path(pdf_path: str, target: str, several: bool) -> str:
    """Where the annotated copy of `pdf_path` goes: `target` itself for one PDF (unless it is a
    folder), else `target/<name>.annotated.pdf`."""
    if several or os.path.isdir(target):
        stem = os.path.splitext(os.path.basename(pdf_path))[0]
        return os.path.join(target, f"{stem}.annotated.pdf")
    return target
