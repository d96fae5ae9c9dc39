"""TMPL001 another template, read like the rule: the official template compiled in review mode,
a workshop's own header, other venues' layouts, on fixtures and on the real papers of
../shared/corpus."""

from __future__ import annotations

import csv

import pytest

from conftest import CORPUS, LAYOUT, check, codes, corpus_check, errors, findings, layout_codes, needs_corpus

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
    assert "TMPL001" in codes(corpus_check(row["file"]))


@needs_corpus
@pytest.mark.parametrize("row", corpus_rows(), ids=lambda r: r["file"])
def test_no_layout_error_where_the_corpus_says_the_paper_complies(row):
    compliant = {c for c in row["must_not_flag"].split() if c in LAYOUT}
    assert errors(corpus_check(row["file"])) & compliant == set()


@needs_corpus
def test_a_typst_rendition_with_the_template_geometry_and_times_passes():
    report = corpus_check("iclr2025_template_typst.pdf")
    assert layout_codes(report) == set()
