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
            if not copied:
                page = out.new_page(width=612, height=792)
                why = ("the file could not be checked" if it["verdict"] == "error"
                       else "the first page could not be read again (moved or changed since the check?)")
                page.insert_text((72, 200), it["path"][-90:], fontsize=9, fontname="helv")
                page.insert_text((72, 220), f"No first page: {why}.", fontsize=11, fontname="helv")
            page = out[-1]
            r = page.rect
            colour = _COLOURS.get(it["verdict"], (0, 0, 0))
            page.draw_rect(pymupdf.Rect(r.x0 + 8, r.y0 + 6, r.x1 - 8, r.y0 + 34), color=colour, fill=(1, 1, 1), width=1.5)
            page.insert_text((r.x0 + 14, r.y0 + 22), _stamp_text(it), fontsize=12, fontname="helv", color=colour)
            page.insert_text((r.x0 + 14, r.y0 + 31), it["path"][-150:], fontsize=6, fontname="helv", color=(0.3, 0.3, 0.3))
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
