"""Layout and typography read like the rule: margins, text block, body size and leading, embedded
fonts, paper size and template identity, on fixtures compiled against the official template and on
the real papers of ../shared/corpus."""

from __future__ import annotations

import csv

import pytest

from conftest import CORPUS, check, codes, pages

LAYOUT = {"MARG001", "MARG002", "FONT001", "FONT002", "FONT003", "PAGE002", "TMPL001"}


def layout_codes(report) -> set:
    return codes(report) & LAYOUT


def errors(report) -> set:
    return {f.code for f in report.findings if f.severity == "error"}


def findings(report, code):
    return [f for f in report.findings if f.code == code]


# --- the template itself -----------------------------------------------------------------------


def test_the_unmodified_template_compiled_in_review_mode_has_no_layout_finding():
    report = check("layout/template_review.pdf")
    assert layout_codes(report) == set()
    assert report.measurements["body_font_size"] == pytest.approx(9.96)


def test_a_workshop_header_is_a_rule_file_pattern_not_another_template():
    assert codes(check("layout/workshop_header.pdf")) == set()


# --- MARG001 content in the margin --------------------------------------------------------------


def test_a_figure_wider_than_the_line_is_one_finding_on_its_page():
    report = check("layout/figure_too_wide.pdf")
    found = findings(report, "MARG001")
    assert len(found) == 1
    assert found[0].page == 2
    assert found[0].data["side"] == "right"
    assert found[0].data["overflow_pt"] > 50


def test_ink_cut_away_by_a_clip_is_not_in_the_margin():
    assert codes(check("layout/figure_linewidth_clipped.pdf")) == set()


def test_a_url_a_few_points_into_the_margin_is_reported_microtype_protrusion_is_not():
    url = findings(check("layout/long_url.pdf"), "MARG001")
    assert [(f.page, f.data["side"]) for f in url] == [(1, "right")]
    assert 3 < url[0].data["overflow_pt"] < 10
    assert layout_codes(check("layout/microtype_protrusion.pdf")) == set()


def test_the_margin_tolerance_is_a_rule_file_option(tmp_path):
    lenient = tmp_path / "lenient.yaml"
    lenient.write_text("name: lenient\nextends: scope2025-main\nchecks:\n  MARG001: {tolerance: 8.0}\n")
    assert "MARG001" not in codes(check("layout/long_url.pdf", str(lenient)))


# --- MARG002 text block enlarged ----------------------------------------------------------------


def test_geometry_margins_are_one_enlarged_block_not_a_margin_finding_per_line():
    report = check("layout/geometry_margins.pdf")
    assert layout_codes(report) == {"MARG002"}
    (finding,) = findings(report, "MARG002")
    assert set(finding.data["excess_pt"]) == {"right", "top", "bottom"}


def test_geometry_with_the_template_values_passes():
    assert codes(check("layout/geometry_template_values.pdf")) == set()


# --- FONT001 and FONT002 ------------------------------------------------------------------------


def test_a_9pt_body_is_too_small_even_on_the_template_leading():
    report = check("layout/body_9pt.pdf")
    assert layout_codes(report) == {"FONT001"}
    assert findings(report, "FONT001")[0].data["size_pt"] == pytest.approx(8.97)


def test_smaller_captions_tables_footnotes_and_math_are_not_the_body():
    assert codes(check("layout/body_small_elsewhere.pdf")) == set()


def test_linespread_below_one_is_a_reduced_leading_error():
    report = check("layout/linespread_0_9.pdf")
    assert errors(report) == {"FONT002"}
    assert findings(report, "FONT002")[0].data["leading_pt"] < 10.5


def test_tight_lists_keep_the_leading():
    assert codes(check("layout/tight_lists.pdf")) == set()


def test_vspace_around_headings_is_a_warning_not_an_error():
    report = check("layout/vspace_headings.pdf")
    assert layout_codes(report) == {"FONT002"}
    assert {f.severity for f in findings(report, "FONT002")} == {"warning"}
    assert report.verdict == "pass"


def test_headings_set_by_the_template_are_not_a_squeeze():
    assert codes(check("layout/headings_template_spacing.pdf")) == set()


# --- FONT003 fonts not embedded -----------------------------------------------------------------


def test_a_body_font_left_unembedded_is_named_as_the_body_font_on_its_pages():
    report = check("layout/times_not_embedded.pdf")
    assert layout_codes(report) == {"FONT003"}
    (finding,) = findings(report, "FONT003")
    assert finding.severity == "warning"
    assert finding.data["font"] == "Times-Roman"
    assert finding.data["role"] == "body"
    assert finding.data["pages"] == [1, 2, 3]


def test_a_type3_font_is_drawn_by_the_pdf_and_counts_as_embedded():
    assert codes(check("layout/type3_font.pdf")) == set()


# --- PAGE002 ----------------------------------------------------------------------------------


def test_a4_paper_with_the_template_block_is_only_a_page_size_finding():
    report = check("layout/a4_paper.pdf")
    assert layout_codes(report) == {"PAGE002"}
    assert pages(report, "PAGE002") == {1, 2, 3}  # one finding naming every page
    assert codes(check("layout/letter_paper.pdf")) == set()


# --- TMPL001 ----------------------------------------------------------------------------------


def test_plain_article_in_computer_modern_is_another_template():
    report = check("layout/article_cm.pdf")
    assert layout_codes(report) == {"TMPL001"}
    (finding,) = findings(report, "TMPL001")
    assert "font" in finding.data["reasons"]
    assert "header and ruler" in finding.data["reasons"]
    assert finding.data["body_font"].startswith("CMR")


def test_a_two_column_layout_is_another_template_and_one_enlarged_block():
    report = check("layout/twocolumn_neurips_like.pdf")
    assert layout_codes(report) == {"TMPL001", "MARG002"}
    (finding,) = findings(report, "TMPL001")
    assert finding.data["columns"] == 2
    assert "columns" in finding.data["reasons"]


# --- the corpus of real papers ------------------------------------------------------------------

needs_corpus = pytest.mark.skipif(not (CORPUS / "EXPECTED.tsv").is_file(), reason="../shared/corpus is not beside the project")


def corpus_rows():
    if not (CORPUS / "EXPECTED.tsv").is_file():
        return []
    with open(CORPUS / "EXPECTED.tsv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def corpus_check(name):
    from scope_check.checks import load_rules
    from scope_check.engine.runner import check_file

    return check_file(str(CORPUS / name), load_rules("scope2025-main"))


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


@needs_corpus
def test_a_figure_clipped_to_the_text_block_is_not_in_the_margin():
    """The camera-ready's first figure draws a white background far outside the block and clips it."""
    report = corpus_check("iclr2025_camera_stealthy_shield.pdf")
    assert 2 not in pages(report, "MARG001")


@needs_corpus
def test_a_font_inside_a_figure_is_told_apart_from_the_body_font():
    report = corpus_check("iclr2025_camera_stealthy_shield.pdf")
    found = findings(report, "FONT003")
    assert found and all(f.data["role"] == "figure" and f.severity == "warning" for f in found)


def test_a_check_can_only_lower_the_rule_files_severity(tmp_path):
    """The heading squeeze is a warning although FONT002 is an error; a rule file that makes
    FONT002 `info` lowers it further, never the other way."""
    assert {f.severity for f in findings(check("layout/vspace_headings.pdf"), "FONT002")} == {"warning"}
    quiet = tmp_path / "quiet.yaml"
    quiet.write_text("name: quiet\nextends: scope2025-main\nchecks:\n  FONT002: {severity: info}\n")
    assert {f.severity for f in findings(check("layout/vspace_headings.pdf", str(quiet)), "FONT002")} == {"info"}
    assert {f.severity for f in findings(check("layout/linespread_0_9.pdf", str(quiet)), "FONT002")} == {"info"}


def test_text_pushed_next_to_the_ruler_is_reported_without_the_ruler_number():
    findings = [f for f in check("layout/text_beside_ruler.pdf").findings if f.code == "MARG001"]
    assert len(findings) == 1
    # the line starts 20 pt left of the block (x 88), the ruler's digits end at x 86.4
    assert 86.5 < findings[0].bbox[0] < 90
    assert 17 < findings[0].data["overflow_pt"] < 22
