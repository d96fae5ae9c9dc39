"""FILE: can the file be checked at all, and is it within the size limit.

FILE001 to FILE003 are reported by the loader when the PDF cannot be opened: nothing else can be
checked then. FILE005 also stops the other checks. FILE002 is also reported, by `rebuilt_xref`, when
MuPDF had to rebuild the cross-reference table of a file that is otherwise whole (it ends with
%%EOF; a truncated file is refused by the loader): that finding is a warning, because the file was
read and fully checked (some harmless real-world PDFs have slightly wrong tables), and the verdict
comes from the other checks.
"""

from __future__ import annotations

from typing import Dict, Iterator, List, Sequence, Tuple

from scope_check.model import damage
from scope_check.model.damage import Problem
from scope_check.model.document import Document, UnreadablePdf
from scope_check.safety.limits import MAX_READ_BYTES
from scope_check.model.findings import Finding
from scope_check.config.spec import Check, Param, Params

CHECKS = (
    Check(
        code="FILE001",
        name="not-a-pdf",
        severity="error",
        summary="The file is empty or is not a PDF (no %PDF- header: a ZIP renamed .pdf, LaTeX source, an image).",
        why="The venue accepts PDF files only.",
        fix="Upload the PDF that LaTeX produced (`pdflatex paper.tex`), not the source archive or a renamed file.",
        example="not a PDF: the file is a ZIP archive (a .docx, .zip or LaTeX source bundle?)",
        final=True,
        gate=True,
        uncheckable=True,
        cannot_be_ignored=True,
    ),
    Check(
        code="FILE002",
        name="unreadable-pdf",
        severity="error",
        summary="A PDF that cannot be parsed: truncated, no pages, damaged beyond repair (verdict error, nothing "
        "else checked). Damage is graded by what a reader sees. A page that is lost in whole or in part is a "
        "FILE002 error naming the pages (verdict error): a page tree entry that is not a page (blank in every "
        "viewer), a content stream that fails to decode or that MuPDF stops reading, a missing object, an image "
        "whose colour space cannot be read (not drawn), a page a broken colour space leaves showing nothing, a page over "
        "one of the per-page caps of scope_check/limits.py. Damage in an object a page is drawn without is a "
        "warning naming the object, and the file is checked normally: a rebuilt cross-reference table, a "
        "colour space MuPDF replaces by a device one (a scan whose every page still draws and extracts), an "
        "invalid page box, shortened text.",
        why="Submissions must be PDF; a file reviewers cannot open cannot be reviewed.",
        fix="Recompile and upload again; check the upload finished (a truncated file lacks its %%EOF trailer).",
        fixes={
            "damaged": "Recompile or re-export the PDF and upload that file; a tool that edited the PDF in place, a "
            "transfer in text mode or a broken upload damages it (`qpdf --check paper.pdf` shows what is wrong).",
            "limit": "A paper never needs this much: recompile it, rasterise figures with millions of objects at "
            "300 dpi, and upload the result.",
            "page-tree": "Recompile or re-export the PDF and upload that file; a tool that removed, merged or "
            "reordered pages left the page tree pointing at objects that are not pages (`qpdf --check paper.pdf` "
            "names them), and reviewers see those pages blank.",
            "rebuilt": "Recompile or re-export the PDF and upload that file; a tool that edited the PDF in place, or a "
            "transfer in text mode, breaks the table (`qpdf --check paper.pdf` shows the damage).",
        },
        example="the PDF is truncated: it stops before its end-of-file marker (%%EOF) and cross-reference table",
        run="rebuilt_xref",
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
        gate=True,
        uncheckable=True,
        cannot_be_ignored=True,
    ),
    Check(
        code="FILE003",
        name="encrypted-pdf",
        severity="error",
        summary="The PDF needs a password to open.",
        why="Reviewers and OpenReview must be able to open the PDF without a password.",
        fix="Export without a password (remove `\\pdfencrypt`, qpdf `--decrypt`).",
        example="the PDF is encrypted and needs a password to open",
        gate=True,
        uncheckable=True,
        cannot_be_ignored=True,
    ),
    Check(
        code="FILE004",
        name="file-too-large",
        severity="error",
        summary="The file is larger than the track's limit.",
        why="The venue limits the size of a submission's file.",
        fix="Compress large figures (raster images at 300 dpi, vector plots with few points), or move supplementary "
        "material out of the PDF.",
        params=(Param("max_bytes", "integer", None, "largest accepted file size (null: no limit)", unit="bytes",
                      minimum=1, nullable=True),),
        example="the file is 51.2 MB (51,200,000 bytes); scope2025-main allows 50.0 MB (50,000,000 bytes)",
        run="file_too_large",
        file_level=True,
    ),
    Check(
        code="FILE005",
        name="no-text-layer",
        severity="error",
        summary="No page has extractable text: a scanned or image-only PDF. Nothing else can be checked.",
        why="Format checks read the text layer; reviewers and OpenReview search it too.",
        fix="Submit the PDF compiled by LaTeX, not a scan, a print-to-image or a flattened export.",
        params=(Param("min_chars_per_page", "integer", 100, "a PDF whose every page has fewer extractable characters "
                      "counts as image-only", unit="characters", minimum=0),),
        example="no extractable text: the most text on any page is 0 characters",
        run="no_text_layer",
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
        gate=True,
        uncheckable=True,
    ),
    Check(
        code="FILE006",
        name="time-limit",
        severity="error",
        summary="The file's check ran past the per-file time limit (verdict error: the file could not be checked).",
        why="A file that takes minutes to read is hostile or broken; every other file of the run must still get its verdict.",
        fix="Recompile the PDF; simplify figures with millions of vector objects (rasterise them at 300 dpi).",
        example="the check ran past the 60 s time limit and was stopped",
        uncheckable=True,
        runner_reported=True,
    ),
    Check(
        code="FILE007",
        name="resource-limit",
        severity="error",
        summary="The file's check exceeded the memory ceiling or killed its worker (verdict error: the file could not be checked).",
        why="A small file that expands to gigabytes is hostile or broken; every other file of the run must still get its verdict.",
        fix="Recompile the PDF; simplify figures with millions of vector objects or huge images.",
        example="the check exceeded the 2048 MiB memory ceiling and was stopped",
        uncheckable=True,
        runner_reported=True,
    ),
)


def damage_findings(problems: Sequence[Problem]) -> Iterator[Finding]:
    """One FILE002 finding per severity and kind of problem, naming every page it concerns."""
    groups: Dict[Tuple[str, str], List[Problem]] = {}
    for p in problems:
        groups.setdefault((p.severity, p.kind), []).append(p)
    for (severity, kind), items in sorted(groups.items(), key=lambda kv: (kv[0][0] != "error", kv[0][1])):
        pages = sorted({p.page for p in items if p.page is not None})
        details = list(dict.fromkeys(_where(p) + p.what for p in items))
        shown = "; ".join(details[:5]) + (f"; and {len(details) - 5} more" if len(details) > 5 else "")
        lead = _LEADS.get(kind, "the PDF is damaged")
        if kind == "page-tree" and pages:
            lead = (f"{lead}: {_pages(pages)} {'is not a page' if len(pages) == 1 else 'are not pages'}, "
                    "which readers show blank or leave out")
        yield Finding(
            "FILE002",
            f"{lead}: {shown}",
            page=pages[0] if pages else None,
            severity=severity,
            fix=kind if kind in ("limit", "page-tree") else "damaged",
            data={"kind": kind, "pages": pages, "problems": details[:50]},
            partial=True,  # the file was read: its other pages are checked, the verdict is `fail`
        )


#: the opening of a FILE002 finding, by the kind of its problems (model/damage.py)
_LEADS = {
    "damaged": "the PDF is damaged: part of it could not be read, so the checks saw less than a reader may",
    "page-tree": "the PDF's page tree is broken",
    "limit": "the PDF was not analysed whole: it exceeds what scope-check reads of one file",
    "invalid-box": "the PDF has invalid page boxes, replaced by defaults",
    "repaired": "the PDF is damaged: MuPDF repaired it while reading",
    "colour": "the PDF is damaged, but every page still draws: MuPDF replaced colour spaces it could not read",
}


def _pages(pages: Sequence[int]) -> str:
    if len(pages) == 1:
        return f"page {pages[0]}"
    return "pages " + ", ".join(map(str, pages[:-1])) + f" and {pages[-1]}"


def _where(p: Problem) -> str:
    return f"page {p.page}: " if p.page is not None else ""


#: the model's reasons a file cannot be read at all, and the code each is reported with
UNREADABLE_CODES = {"not-a-pdf": "FILE001", "unreadable": "FILE002", "encrypted": "FILE003"}


def unreadable(exc: UnreadablePdf) -> Finding:
    """The finding for a file the model could not load (`model.document.UnreadablePdf`)."""
    return Finding(UNREADABLE_CODES[exc.kind], exc.message)


def rebuilt_xref(doc: Document, params: Params) -> Iterator[Finding]:
    yield from damage_findings(doc.problems)  # damaged pages, invalid boxes, limits (model/damage.py)
    if doc.repaired:
        yield Finding(
            "FILE002",
            "the PDF is damaged: its cross-reference table is corrupt and had to be rebuilt; the other "
            "checks ran on the rebuilt file, but another reader may rebuild it differently or refuse it",
            severity="warning",
            fix="rebuilt",
            data={"repaired": True},
        )


def file_too_large(doc: Document, params: Params) -> Iterator[Finding]:
    """Reads only `doc.file_size`: the runner also gives it a file that could not be opened."""
    limit = params.options["max_bytes"]
    if limit is not None and doc.file_size is not None and doc.file_size > limit:
        yield Finding(
            "FILE004",
            f"the file is {_mb(doc.file_size)}; {params.rules.name} allows {_mb(limit)}",
            data={"bytes": doc.file_size, "limit": limit},
        )


def no_text_layer(doc: Document, params: Params) -> Iterator[Finding]:
    minimum = params.options["min_chars_per_page"]
    if damage.has_lost_pages(doc.problems):
        return  # blank because damaged or not analysed: FILE002 says so, it is no scan
    most = 0  # (a document without pages never gets here: FILE002)
    for page in doc.pages:
        most = max(most, page.char_count)
        if most >= minimum:
            return  # a page with text: the others need no counting (the first usually has thousands)
    yield Finding(
        "FILE005",
        f"no extractable text: the most text on any page is {most} characters "
        f"(a page of a paper has thousands): a scanned or image-only PDF",
        page=None,
        data={"max_chars_per_page": most, "minimum": minimum},
    )


def out_of_memory(what: str, exc: BaseException) -> Finding:
    """Memory ran out inside this process: the file's FILE007 (the runner reports it; the run goes on)."""
    detail = str(exc) if what == "reading the PDF" and str(exc) else f"memory ran out in {what}"
    return Finding(
        "FILE007",
        f"{detail}; the file could not be checked",
        data={"where": what},
    )


def not_read(size: int) -> Finding:
    """A file larger than scope-check ever reads, where no size limit of the rules reports it."""
    return Finding("FILE002", f"the file is {size:,} bytes, larger than the {MAX_READ_BYTES:,} bytes "
                   "scope-check reads: not checked", data={"bytes": size, "read": False}, fix=None)


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB ({n:,} bytes)"
