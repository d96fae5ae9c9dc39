"""first_pages.pdf: the first page of every submission in one PDF, each stamped with its submission
id, verdict and error codes, for the anonymity glance chairs do by hand.

The pages are copied in a forked worker under the same kind of limits as the checks (the PDFs are
untrusted); a submission that could not be checked, or whose page cannot be copied, gets a
placeholder page saying so, so the PDF has exactly one page per row."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from typing import List, Optional, Sequence



def _publish(tmp: str, path: str) -> None:
    """The worker's finished file: fsynced, given the user's umask, renamed over `path`."""
    from scope_check.atomic import publish

    publish(tmp, path)


_COLOURS = {"pass": (0.1, 0.55, 0.2), "fail": (0.8, 0.1, 0.1), "error": (0.55, 0.1, 0.55)}


def _stamp_text(item: dict) -> str:
    codes = " ".join(item["errors"][:8])
    return f"Submission {item['sid']}  |  {item['verdict'].upper()}" + (f"  |  {codes}" if codes else "")


def _pdf_string(text: str) -> bytes:
    """`text` as a PDF literal string in WinAnsi (what the stamp's Helvetica can show)."""
    raw = text.encode("cp1252", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _stamp(out, page, font: int, item: dict, lines) -> None:
    """The stamp (a framed band at the top: submission id, verdict, error codes, the path) as one
    small content stream drawn over the page, with the shared font; `lines` (x, y from the top,
    size, colour, text) are extra text for a placeholder page."""
    r = page.rect
    h = r.height
    colour = _COLOURS.get(item["verdict"], (0, 0, 0))
    rgb = b"%.3f %.3f %.3f" % colour
    ops = [b"q 1 1 1 rg " + rgb + b" RG 1.5 w %.2f %.2f %.2f %.2f re B" % (8, h - 34, r.width - 16, 28)]
    texts = [(14, 22, 12, colour, _stamp_text(item)), (14, 31, 6, (0.3, 0.3, 0.3), item["path"][-150:])] + list(lines)
    for x, y, size, col, text in texts:
        ops.append(b"BT /SCStamp %g Tf %.3f %.3f %.3f rg %.2f %.2f Td " % ((size,) + tuple(col) + (x, h - y))
                   + _pdf_string(text) + b" Tj ET")
    ops.append(b"Q")
    stream = out.get_new_xref()
    out.update_object(stream, "<< >>")
    out.update_stream(stream, b"\n".join(ops), compress=False)
    _add_font(out, page.xref, font)
    contents = page.get_contents()
    out.xref_set_key(page.xref, "Contents", "[" + " ".join(f"{x} 0 R" for x in contents + [stream]) + "]")


def _add_font(out, page_xref: int, font: int) -> None:
    """/SCStamp in the page's font resources, following /Resources and /Font where they are
    indirect objects (MuPDF's xref_set_key does not walk through those)."""
    holder, prefix = page_xref, "Resources/"
    kind, value = out.xref_get_key(holder, "Resources")
    if kind == "xref":
        holder, prefix = int(value.split()[0]), ""
    kind, value = out.xref_get_key(holder, prefix + "Font")
    if kind == "xref":
        holder, prefix = int(value.split()[0]), ""
    else:
        prefix += "Font/"
    out.xref_set_key(holder, prefix + "SCStamp", f"{font} 0 R")


def _build(task) -> str:
    import pymupdf

    from scope_check import archive

    items, out_path = task
    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    out = pymupdf.open()
    work = tempfile.mkdtemp(prefix="first-pages-", dir=os.path.dirname(out_path))
    try:
        # archive members, extracted once per archive into the work folder
        member_files = {}
        by_archive = {}
        for i, it in enumerate(items):
            if it["kind"] == "member":
                by_archive.setdefault(it["archive"], []).append((i, it["index"]))
        for arch, wanted in by_archive.items():
            try:
                members = {m.index: m for m in archive.members(arch)}
                chosen = [members[idx] for _, idx in wanted if idx in members and not members[idx].problem]
                for m, got in archive.extract_each(arch, chosen, work, 512 * 1000 * 1000):
                    if not isinstance(got, str):
                        member_files[(arch, m.index)] = str(got)
            except Exception:
                pass
        font = out.get_new_xref()  # one Helvetica for every stamp (PyMuPDF's insert_text adds one per call)
        out.update_object(font, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
        for it in items:
            src_path = it.get("fs") if it["kind"] == "file" else member_files.get((it["archive"], it["index"]))
            copied = False
            if it["verdict"] != "error" and src_path:
                try:
                    try:
                        src_path.encode("utf-8")
                        opened = pymupdf.open(src_path, filetype="pdf")
                    except UnicodeEncodeError:  # a name that is not UTF-8: MuPDF reads the bytes instead
                        with open(src_path, "rb") as fh:
                            opened = pymupdf.open(stream=fh.read(), filetype="pdf")
                    with opened as src:
                        if src.page_count:
                            r = src[0].rect
                            page = out.new_page(width=r.width, height=r.height)
                            page.show_pdf_page(page.rect, src, 0)  # the page as a form: our stamp stays on top
                            copied = True
                except Exception:
                    if copied:
                        out.delete_page(-1)
                    copied = False
            lines = []
            if not copied:
                page = out.new_page(width=612, height=792)
                why = ("the file could not be checked" if it["verdict"] == "error"
                       else "the first page could not be read again (moved or changed since the check?)")
                lines = [(72, 200, 9, (0, 0, 0), it["path"][-90:]), (72, 220, 11, (0, 0, 0), f"No first page: {why}.")]
            _stamp(out, out[-1], font, it, lines)
        fd, tmp = tempfile.mkstemp(prefix=".scope-check-", suffix=".tmp", dir=os.path.dirname(out_path))
        os.close(fd)
        out.save(tmp, garbage=1, deflate=True)
        return tmp
    finally:
        out.close()
        shutil.rmtree(work, ignore_errors=True)


def write_first_pages(rows: Sequence[dict], path: str, time_limit: Optional[float] = None) -> Optional[str]:
    """Write first_pages.pdf; returns why it could not be written, or None."""
    from scope_check.isolation import Pool

    items: List[dict] = []
    for r in rows:
        src = json.loads(r["source"]) if r.get("source") else {"kind": "file", "fs": None}
        item = {"sid": r["sid"], "path": r["path"], "verdict": r["verdict"], "kind": src.get("kind", "file"),
                "errors": [f["code"] for f in r["file"].get("findings", []) if f.get("severity") == "error"]}
        if item["kind"] == "member":
            item["archive"] = bytes.fromhex(src["archive"]).decode("utf-8", "surrogateescape")
            item["index"] = src["index"]
        else:
            item["fs"] = bytes.fromhex(src["fs"]).decode("utf-8", "surrogateescape") if src.get("fs") else None
        seen = set()
        item["errors"] = [c for c in item["errors"] if not (c in seen or seen.add(c))]
        items.append(item)
    limit = time_limit or (60.0 + 2.0 * len(items))
    pool = Pool(_build, jobs=1, time_limit=limit, memory_limit_mb=4096)
    for _, outcome in pool.run([(items, path)]):
        if outcome.ok:
            _publish(outcome.value, path)
            return None
        return outcome.message or outcome.code
    return "nothing to write"
