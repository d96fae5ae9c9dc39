"""Precision: severities follow the size of a violation, repeated findings are one finding with
its pages, the body ends at the appendix when there are no References, a page of another size is
judged by its block's size, and messages and hints fit the paper."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from conftest import CORPUS, check, codes, fixture_path


def _rules_file(tmp_path, body: str) -> str:
    path = tmp_path / "venue.yaml"
    path.write_text("name: venue\nextends: scope2025-main\n" + body, encoding="utf-8")
    return str(path)


def _marg001(report):
    return [f for f in report.findings if f.code == "MARG001"]


# --- grouping --------------------------------------------------------------------------------


def test_a_margin_note_on_many_pages_is_one_finding_with_its_pages():
    report = check("margins/margin_notes.pdf")
    notes, other = sorted(_marg001(report), key=lambda f: -len(f.all_pages))
    assert notes.all_pages == [1, 2, 3, 4, 5, 6, 7, 8, 9, 11]
    assert notes.page == 1
    assert 'a margin note "ZhL - W3"' in notes.message and "into the right margin" in notes.message
    occurrences = notes.data["occurrences"]
    assert [o["page"] for o in occurrences] == notes.all_pages and notes.data["count"] == 10
    assert all(o["bbox"] and o["bbox"][0] > 504 for o in occurrences)  # each note's own box, in the margin
    # the figure on page 12 is another kind of object: its own finding
    assert other.all_pages == [12] and "occurrences" not in other.data


def test_text_report_prints_the_pages_once_and_json_lists_them():
    from scope_check.cli.main import cli as main

    runner = CliRunner()
    text = runner.invoke(main, [fixture_path("margins/margin_notes.pdf"), "--exit-zero", "--color", "never"]).output
    assert "pages 1-9, 11 MARG001 error" in text
    assert text.count("ZhL - W3") == 1 and "times)" not in text  # once a page: no count
    frames = runner.invoke(main, [fixture_path("margins/frame_boxes.pdf"), "--exit-zero", "--color", "never"]).output
    assert "(2 times)" in frames  # two 3.6 pt frames at the right edge of page 1
    out = runner.invoke(main, [fixture_path("margins/margin_notes.pdf"), "--exit-zero", "--format", "json"]).output
    findings = json.loads(out)["files"][0]["findings"]
    note = next(f for f in findings if f["code"] == "MARG001" and len(f["pages"]) > 1)
    assert note["pages"] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 11] and note["page"] == 1
    assert all(f["pages"] == ([f["page"]] if f["page"] else []) for f in findings if f is not note
               and f["code"] != "PAGE002")


def test_the_annotated_copy_marks_every_occurrence(tmp_path):
    import pymupdf

    from scope_check.output.annotate import annotate

    report = check("margins/margin_notes.pdf")
    out = tmp_path / "marked.pdf"
    annotate(report, str(out))
    marked = pymupdf.open(str(out))
    pages = [p.number + 1 for p in marked for a in p.annots() if a.info.get("title") == "scope-check: MARG001"
             and "ZhL" in a.info["content"]]  # the frames (each also has a printed label beside it)
    assert pages == [1, 2, 3, 4, 5, 6, 7, 8, 9, 11]


def test_page_ranges():
    from scope_check.engine.grouping import page_ranges

    assert page_ranges([1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 19, 20, 21, 22, 23, 24, 25, 26]) == "1-9, 11, 19-26"
    assert page_ranges([4]) == "4"


def test_different_extents_are_not_grouped():
    """The frames of frame_boxes.pdf: on page 1 a centred \\fbox (both sides) and a listing's left
    and right rules, all 3.6 pt; on page 2 a 7.0 pt \\fbox and a 9.0 pt shaded box. Different
    extents stay different findings; equal ones on one side are one finding with each occurrence."""
    found = sorted(_marg001(check("margins/frame_boxes.pdf")), key=lambda f: f.data["overflow_pt"])
    small = [f for f in found if f.data["overflow_pt"] < 4]
    assert sum(f.data.get("count", 1) for f in small) == 3 and len(small) == 2
    assert [round(f.data["overflow_pt"]) for f in found[len(small):]] == [7, 9]
    assert all(f.all_pages == [2] for f in found[len(small):])


# --- severities by size ----------------------------------------------------------------------


def test_frames_are_warnings_a_10pt_figure_an_error():
    frames = _marg001(check("margins/frame_boxes.pdf"))
    assert frames and {f.severity for f in frames} == {"warning"}
    assert max(f.data["overflow_pt"] for f in frames) < 9.5
    figure = _marg001(check("margins/figure_overhang_10pt.pdf"))
    assert [f.severity for f in figure] == ["error"] and figure[0].data["overflow_pt"] >= 9.5


def test_the_threshold_is_a_rule_file_parameter(tmp_path):
    strict = _rules_file(tmp_path, "checks:\n  MARG001: {error_beyond: 3.0}\n  MARG002: {error_beyond: 2.0}\n"
                                   "  FONT002: {error_beyond: 0.25}\n")
    assert {f.severity for f in _marg001(check("margins/frame_boxes.pdf", strict))} == {"error"}
    assert check("margins/textwidth_plus_5pt.pdf", strict).verdict == "fail"
    assert check("fonts/linespread_0_97.pdf", strict).verdict == "fail"
    lenient = tmp_path / "lenient.yaml"
    lenient.write_text("name: lenient\nextends: scope2025-main\nchecks:\n  MARG001: {error_beyond: 12}\n", encoding="utf-8")
    assert {f.severity for f in _marg001(check("margins/figure_overhang_10pt.pdf", str(lenient)))} == {"warning"}


def test_a_rule_file_severity_still_wins(tmp_path):
    """error_beyond only ever lowers a finding: a venue that makes MARG001 a warning keeps it one."""
    mild = _rules_file(tmp_path, "checks:\n  MARG001: {severity: warning}\n")
    assert {f.severity for f in _marg001(check("margins/figure_overhang_10pt.pdf", mild))} == {"warning"}


def test_the_schema_refuses_a_negative_threshold(tmp_path):
    from scope_check.config.rules import RulesError
    from scope_check.checks import load_rules

    with pytest.raises(RulesError):
        load_rules(_rules_file(tmp_path, "checks:\n  MARG001: {error_beyond: -1}\n"))


# --- the body ends at the appendix without References -------------------------------------


def test_without_references_the_body_ends_at_the_appendix(tmp_path):
    one_page = _rules_file(tmp_path, "checks:\n  PAGE001: {max_pages: 1}\n")
    report = check("pages/appendix_no_references.pdf", one_page)
    assert report.measurements["body_pages"] == 2 and report.measurements["references_page"] is None
    page001 = next(f for f in report.findings if f.code == "PAGE001")
    assert 'the 2 pages before the appendix "PROOFS" (page 3) count' in page001.message
    page003 = next(f for f in report.findings if f.code == "PAGE003")
    assert "before the appendix" in page003.message and page003.data["appendix_page"] == 3
    # and without an appendix every page counts
    plain = check("pages/no_references.pdf", one_page)
    assert plain.measurements["body_pages"] == plain.measurements["pages"] == 4


# --- a page of another size ------------------------------------------------------------------


def test_a4_with_the_template_block_is_page002_alone():
    report = check("margins/a4_geometry_block.pdf")
    assert codes(report) == {"PAGE002"}
    x0, y0, x1, y1 = report.measurements["text_block"]
    assert x0 < 104 and abs((x1 - x0) - 396) < 2  # not where the template puts it, but its width
    enlarged = check("margins/a4_geometry_margins.pdf")
    marg002 = next(f for f in enlarged.findings if f.code == "MARG002")
    assert "36.0 pt more than the template's 5.5 in width" in marg002.message
    assert marg002.data["template_paper"] is False


# --- messages and hints ----------------------------------------------------------------------


def test_margin_messages_say_how_far_into_which_margin_and_keep_coordinates_in_data():
    (f,) = _marg001(check("margins/figure_too_wide.pdf"))
    assert "reaches 79.2 pt into the right margin" in f.message
    assert "the block is" not in f.message and "x 108.0" not in f.message
    assert f.data["text_block"] == [108.0, 81.87, 504.0, 729.87]


def test_hints_fit_a_typst_or_word_pdf():
    latex = next(f for f in check("anonymity/acknowledgements.pdf").findings if f.code == "ANON002")
    assert "\\subsubsection*" in latex.hint
    for name, word in (("typst", "Acknowledgments heading"), ("word", "Acknowledgments heading")):
        report = check(f"producers/acknowledgements_{name}.pdf")
        assert codes(report) == {"ANON002"}
        assert all("\\" not in f.hint for f in report.findings)
        assert word in report.findings[0].hint


def test_producer_detection():
    from scope_check.engine.fitting import producer_of

    assert producer_of({"creator": "LaTeX with hyperref", "producer": "pdfTeX-1.40.26"}) == "latex"
    assert producer_of({"creator": "Typst 0.13.0", "producer": ""}) == "typst"
    assert producer_of({"creator": "Microsoft® Word for Microsoft 365", "producer": ""}) == "word"
    assert producer_of({"creator": "Writer", "producer": "LibreOffice 7.5"}) == "word"
    assert producer_of({"creator": "", "producer": "PyPDF2"}) is None


def test_not_the_template_comes_first_without_iclrfinalcopy_advice():
    report = check("template/twocolumn_named_authors.pdf")
    assert report.findings[0].code == "TMPL001"
    anon = next(f for f in report.findings if f.code == "ANON001")
    assert "iclrfinalcopy" not in anon.hint and "ICLR 2025 template in its review mode" in anon.hint
    # an ICLR paper in camera-ready mode keeps the \iclrfinalcopy advice
    camera = next(f for f in check("anonymity/camera_ready.pdf").findings if f.code == "ANON001")
    assert "\\iclrfinalcopy" in camera.hint


def test_mis_mapped_glyphs_are_cleaned_out_of_quotes():
    from scope_check.engine.fitting import clean_glyphs

    assert clean_glyphs('names "Pranav A徒", "Isabelle Augenstein師"') == 'names "Pranav A", "Isabelle Augenstein"'
    assert clean_glyphs("徒Independent Researcher") == "Independent Researcher"
    assert clean_glyphs("Wei Zhang (张伟)") == "Wei Zhang (张伟)"  # real CJK text stands on its own
    assert clean_glyphs("深度学习 survey") == "深度学习 survey"
    assert clean_glyphs("Jane\ufffd Doe\ue001") == "Jane Doe"


# --- the real papers in ../shared/corpus ----------------------------------------------------

def _rows():
    table = CORPUS / "EXPECTED.tsv"
    if not table.is_file():
        return []
    with table.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


ROWS = _rows()
needs_corpus = pytest.mark.skipif(not ROWS, reason="the shared corpus is not beside the project")


def _corpus(name: str):
    from scope_check.checks import load_rules
    from scope_check.engine.runner import check_file

    return check_file(str(CORPUS / name), load_rules("scope2025-main"))


@needs_corpus
@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["file"])
def test_corpus_errors_are_allowed_and_grouped_findings_list_every_page(row):
    report = _corpus(row["file"])
    forbidden = tuple(row["must_not_flag"].split())
    bad = [(f.code, f.message) for f in report.findings if f.severity == "error" and forbidden
           and f.code.startswith(forbidden)]
    assert not bad
    for f in report.findings:
        occurrences = f.data.get("occurrences")
        if occurrences:
            assert sorted({o["page"] for o in occurrences}) == f.all_pages


@needs_corpus
def test_corpus_reviewer_comment_boxes_are_grouped():
    report = _corpus("iclr2025_workshop_sakana_label_noise.pdf")
    found = _marg001(report)
    # left and right comment boxes, 14 before grouping: errors in the body, and the boxes after the
    # References (pages 5-7) apart as warnings (scope2025-main's MARG001 per region)
    assert sorted((f.severity, f.data["side"]) for f in found) == [
        ("error", "left"), ("error", "right"), ("warning", "left"), ("warning", "right")]
    assert sum(f.data["count"] for f in found) == 14


@needs_corpus
def test_corpus_acl_names_are_clean_and_not_the_template_comes_first():
    report = _corpus("acl2020_2kenize.pdf")
    assert report.findings[0].code == "TMPL001"
    anon = next(f for f in report.findings if f.code == "ANON001")
    assert '"Pranav A"' in anon.message and "徒" not in anon.message and "iclrfinalcopy" not in anon.hint
