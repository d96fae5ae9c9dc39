"""TMPL001 another template, read like the rule: the official template compiled in review mode,
a workshop's own header, other venues' layouts, the template with its header edited and its ruler
off (a warning, not another template), on fixtures and on the real papers of ../shared/corpus
and ../shared/corpus-venues."""

from __future__ import annotations

import csv

import pytest

from conftest import (CORPUS, LAYOUT, check, codes, corpus_check, errors, findings, fixture_path, layout_codes, needs_corpus,
                      severities)
from scope_check.checks import load_rules
from scope_check.checks.template import other_template
from scope_check.engine.runner import check_file
from scope_check.model.loader import load

CORPUS_VENUES = CORPUS.parent / "corpus-venues"
needs_corpus_venues = pytest.mark.skipif(not (CORPUS_VENUES / "EXPECTED.tsv").is_file(),
                                         reason="../shared/corpus-venues is not beside the project")

# --- the template itself -----------------------------------------------------------------------


def test_the_unmodified_template_compiled_in_review_mode_has_no_layout_finding():
    report = check("template/template_review.pdf")
    assert layout_codes(report) == set()
    assert report.measurements["body_font_size"] == pytest.approx(9.96)


def test_a_workshop_header_is_a_rule_file_pattern_not_another_template():
    assert codes(check("template/workshop_header.pdf")) == set()


# --- TMPL001 ----------------------------------------------------------------------------------


def test_plain_article_in_computer_modern_is_another_template():
    report = check("template/article_cm.pdf")
    assert layout_codes(report) == {"TMPL001"}
    (finding,) = findings(report, "TMPL001")
    assert "font" in finding.data["reasons"]
    assert "header and ruler" in finding.data["reasons"]
    assert finding.data["body_font"].startswith("CMR")


def test_a_two_column_layout_is_another_template_and_one_enlarged_block():
    report = check("template/twocolumn_neurips_like.pdf")
    assert layout_codes(report) == {"TMPL001", "MARG002"}
    (finding,) = findings(report, "TMPL001")
    assert finding.data["columns"] == 2
    assert "columns" in finding.data["reasons"]


# --- the template without its marks (issue 22, class 5) --------------------------------------------
# Identity is geometry, columns and body font; the header and the ruler are the template's marks.


def test_the_template_with_its_header_edited_and_the_ruler_off_is_a_warning_not_another_template():
    report = check("template/preprint_header_no_ruler.pdf")
    assert layout_codes(report) == {"TMPL001"}
    assert severities(report, "TMPL001") == {"warning"}
    assert report.verdict == "pass"
    (finding,) = findings(report, "TMPL001")
    assert finding.data["reasons"] == []
    assert finding.data["header"] is False and finding.data["ruler"] is False
    assert finding.data["header_text"] == "Preprint. Work in progress."
    assert finding.data["block_offset_pt"] == {}
    assert "Preprint. Work in progress." in finding.message and "not the ICLR" not in finding.message
    assert finding.page == 1 and finding.bbox[3] < 81.87  # the edited header, above the text block
    assert "\\lhead" in finding.hint and "\\iclrfinalcopy" in finding.hint


def test_the_template_without_its_marks_is_not_another_template_for_the_fitted_hints():
    rules = load_rules("scope2025-main")
    assert other_template(load(fixture_path("template/preprint_header_no_ruler.pdf")), rules) is False
    assert other_template(load(fixture_path("template/neurips_place_no_header.pdf")), rules) is True


def test_a_course_report_in_the_template_style_leaves_the_review_mode_question_to_anon001():
    report = check("template/course_header_final.pdf")
    assert severities(report, "TMPL001") == {"warning"}
    assert severities(report, "ANON001") == {"error"}
    (anon,) = findings(report, "ANON001")
    # the paper is in the ICLR template: ANON001's hint is the template's review mode, not "use the template"
    assert anon.data["mode"] == "no review marks"


def test_the_block_where_the_template_puts_it_within_place_tolerance_stays_the_template():
    report = check("template/preprint_block_4pt_higher.pdf")
    assert severities(report, "TMPL001") == {"warning"}
    assert "MARG002" not in codes(report)


def test_neurips_geometry_without_the_header_and_ruler_is_another_template():
    report = check("template/neurips_place_no_header.pdf")
    assert severities(report, "TMPL001") == {"error"}
    (finding,) = findings(report, "TMPL001")
    assert finding.data["reasons"] == ["header and ruler"]
    assert finding.data["block_offset_pt"]["top"] == pytest.approx(-9.9, abs=0.2)
    assert "9.9 pt higher" in finding.message
    assert finding.data["text_block_in"] == [5.5, 9.0]


def test_place_tolerance_is_the_rule_files(tmp_path):
    strict = tmp_path / "strict.yaml"
    strict.write_text("name: strict\nextends: scope2025-main\nchecks:\n  TMPL001: {place_tolerance: 3}\n")
    report = check("template/preprint_block_4pt_higher.pdf", str(strict))
    assert severities(report, "TMPL001") == {"error"}
    (finding,) = findings(report, "TMPL001")
    assert "4.0 pt higher" in finding.message


# --- the corpus of real papers ------------------------------------------------------------------


def corpus_rows():
    if not (CORPUS / "EXPECTED.tsv").is_file():
        return []
    with open(CORPUS / "EXPECTED.tsv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@needs_corpus
def test_the_official_2025_sample_has_no_layout_error():
    report = corpus_check("template_iclr2025_conference.pdf")
    assert errors(report) & LAYOUT == set()


@needs_corpus
@pytest.mark.parametrize("row", [r for r in corpus_rows() if "TMPL001" in r["must_flag"].split()], ids=lambda r: r["file"])
def test_every_paper_in_another_venues_template_gets_tmpl001(row):
    assert "TMPL001" in errors(corpus_check(row["file"]))


@needs_corpus
@pytest.mark.parametrize("row", corpus_rows(), ids=lambda r: r["file"])
def test_no_layout_error_where_the_corpus_says_the_paper_complies(row):
    compliant = {c for c in row["must_not_flag"].split() if c in LAYOUT}
    assert errors(corpus_check(row["file"])) & compliant == set()


@needs_corpus
def test_a_typst_rendition_with_the_template_geometry_and_times_passes():
    report = corpus_check("iclr2025_template_typst.pdf")
    assert layout_codes(report) == set()


@needs_corpus
def test_the_course_report_in_the_iclr_2025_style_is_the_template_without_its_marks():
    report = corpus_check("iclr2025style_course_cs182_clustering.pdf")
    assert severities(report, "TMPL001") == {"warning"}
    (finding,) = findings(report, "TMPL001")
    assert finding.data["header_text"] == "Course Project for ShanghaiTech CS182 2024 Fall"
    assert "ANON001" in errors(report)  # named authors and no review marks: the review-mode question


def venue_rows():
    if not (CORPUS_VENUES / "EXPECTED.tsv").is_file():
        return []
    with open(CORPUS_VENUES / "EXPECTED.tsv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@needs_corpus_venues
@pytest.mark.parametrize("row", [r for r in venue_rows() if not r["venue"].startswith("iclr")], ids=lambda r: r["file"])
def test_every_other_venues_paper_of_corpus_venues_is_another_template_under_iclr_rules(row):
    report = check_file(str(CORPUS_VENUES / row["file"]), load_rules("scope2025-main"))
    assert "TMPL001" in errors(report)


@needs_corpus_venues
@pytest.mark.parametrize("row", [r for r in venue_rows() if r["venue"].startswith("iclr")], ids=lambda r: r["file"])
def test_no_iclr_paper_of_corpus_venues_is_another_template_for_want_of_its_header(row):
    report = check_file(str(CORPUS_VENUES / row["file"]), load_rules("scope2025-main"))
    reasons = [r for f in findings(report, "TMPL001") if f.severity == "error" for r in f.data["reasons"]]
    assert "header and ruler" not in reasons
