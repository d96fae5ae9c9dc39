"""--annotate: an annotated copy marks every finding where it is; the input is never modified."""

from __future__ import annotations

import hashlib

import pymupdf
import pytest
from click.testing import CliRunner

from conftest import check, fixture_path
from scope_check.annotate import annotate
from scope_check.cli import cli

EXAMPLE = "example/draft_with_problems.pdf"


def marks(path):
    """(page, code) of every scope-check annotation in a PDF."""
    with pymupdf.open(path) as pdf:
        return sorted(
            (page.number + 1, a.info["title"].split(": ", 1)[1])
            for page in pdf
            for a in page.annots()
            if a.info["title"].startswith("scope-check")
        )


def test_every_finding_with_a_page_is_marked_on_that_page(tmp_path):
    report = check(EXAMPLE)
    out = tmp_path / "annotated.pdf"
    assert annotate(report, str(out)) == len(report.findings)  # placed findings + the summary note
    placed = sorted((f.page, f.code) for f in report.findings if f.page)
    assert [m for m in marks(out) if m[1] != "summary"] == placed
    assert (1, "summary") in marks(out)


def test_findings_without_a_place_are_in_the_summary_note(tmp_path):
    report = check(EXAMPLE)
    out = tmp_path / "annotated.pdf"
    annotate(report, str(out))
    with pymupdf.open(out) as pdf:
        summary = next(a for a in pdf[0].annots() if a.info["title"] == "scope-check: summary")
        assert "ANON005" in summary.info["content"]  # the metadata finding has no page


def test_the_mark_frames_the_offending_object(tmp_path):
    report = check(EXAMPLE)
    wide = next(f for f in report.findings if f.code == "MARG001")
    out = tmp_path / "annotated.pdf"
    annotate(report, str(out))
    with pymupdf.open(out) as pdf:
        rect = next(a.rect for a in pdf[wide.page - 1].annots() if a.info["title"].endswith("MARG001"))
    assert rect.contains(pymupdf.Rect(wide.bbox))


def digest(path) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def test_the_checked_pdf_is_not_modified(tmp_path):
    before = digest(fixture_path(EXAMPLE))
    result = CliRunner().invoke(cli, [fixture_path(EXAMPLE), "--annotate", str(tmp_path / "a.pdf")])
    assert result.exit_code == 1
    assert digest(fixture_path(EXAMPLE)) == before
    assert marks(tmp_path / "a.pdf")


def test_the_copy_never_overwrites_the_input(tmp_path):
    with pytest.raises(ValueError):
        annotate(check(EXAMPLE), fixture_path(EXAMPLE))


def test_several_pdfs_are_annotated_into_a_folder(tmp_path):
    folder = tmp_path / "marked"
    result = CliRunner().invoke(cli, [fixture_path(EXAMPLE), fixture_path("pages/main_refs_top_p6.pdf"),
                                      "--annotate", str(folder)])
    assert result.exit_code == 1
    assert sorted(p.name for p in folder.iterdir()) == ["draft_with_problems.annotated.pdf",
                                                          "main_refs_top_p6.annotated.pdf"]
    assert marks(folder / "main_refs_top_p6.annotated.pdf") == [(1, "summary")]  # a passing paper


def test_a_file_that_cannot_be_opened_gets_no_copy_and_a_message(tmp_path):
    out = tmp_path / "a.pdf"
    result = CliRunner().invoke(cli, [fixture_path("bad/empty.pdf"), "--annotate", str(out)])
    assert result.exit_code == 1
    assert not out.exists()
    assert "no annotated copy" in result.output
