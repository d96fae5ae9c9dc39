"""FONT001 body text too small, FONT002 reduced leading and FONT003 fonts not embedded, read like
the rule, on fixtures compiled against the official template and on the real papers of
../shared/corpus."""

from __future__ import annotations

import pytest

from conftest import check, codes, corpus_check, errors, findings, layout_codes, needs_corpus

# --- FONT001 and FONT002 ------------------------------------------------------------------------


def test_a_9pt_body_is_too_small_even_on_the_template_leading():
    report = check("fonts/body_9pt.pdf")
    assert layout_codes(report) == {"FONT001"}
    assert findings(report, "FONT001")[0].data["size_pt"] == pytest.approx(8.97)


def test_smaller_captions_tables_footnotes_and_math_are_not_the_body():
    assert codes(check("fonts/body_small_elsewhere.pdf")) == set()


def test_linespread_below_one_is_a_reduced_leading_error():
    report = check("fonts/linespread_0_9.pdf")
    assert errors(report) == {"FONT002"}
    assert findings(report, "FONT002")[0].data["leading_pt"] < 10.5


def test_tight_lists_keep_the_leading():
    assert codes(check("fonts/tight_lists.pdf")) == set()


def test_vspace_around_headings_is_a_warning_not_an_error():
    report = check("fonts/vspace_headings.pdf")
    assert layout_codes(report) == {"FONT002"}
    assert {f.severity for f in findings(report, "FONT002")} == {"warning"}
    assert report.verdict == "pass"


def test_headings_set_by_the_template_are_not_a_squeeze():
    assert codes(check("fonts/headings_template_spacing.pdf")) == set()


def test_a_check_can_only_lower_the_rule_files_severity(tmp_path):
    """The heading squeeze is a warning although FONT002 is an error; a rule file that makes
    FONT002 `info` lowers it further, never the other way."""
    assert {f.severity for f in findings(check("fonts/vspace_headings.pdf"), "FONT002")} == {"warning"}
    quiet = tmp_path / "quiet.yaml"
    quiet.write_text("name: quiet\nextends: scope2025-main\nchecks:\n  FONT002: {severity: info}\n")
    assert {f.severity for f in findings(check("fonts/vspace_headings.pdf", str(quiet)), "FONT002")} == {"info"}
    assert {f.severity for f in findings(check("fonts/linespread_0_9.pdf", str(quiet)), "FONT002")} == {"info"}


# --- FONT003 fonts not embedded -----------------------------------------------------------------


def test_a_body_font_left_unembedded_is_named_as_the_body_font_on_its_pages():
    report = check("fonts/times_not_embedded.pdf")
    assert layout_codes(report) == {"FONT003"}
    (finding,) = findings(report, "FONT003")
    assert finding.severity == "warning"
    assert finding.data["font"] == "Times-Roman"
    assert finding.data["role"] == "body"
    assert finding.data["pages"] == [1, 2, 3]


def test_a_type3_font_is_drawn_by_the_pdf_and_counts_as_embedded():
    assert codes(check("fonts/type3_font.pdf")) == set()


# --- the corpus of real papers ------------------------------------------------------------------


@needs_corpus
def test_a_font_inside_a_figure_is_told_apart_from_the_body_font():
    report = corpus_check("iclr2025_camera_stealthy_shield.pdf")
    found = findings(report, "FONT003")
    assert found and all(f.data["role"] == "figure" and f.severity == "warning" for f in found)


# --- two columns (issue 24) ---------------------------------------------------------------------


def test_a_small_body_in_two_columns_is_too_small_and_too_tight():
    """An ARR review copy with \\small after the abstract (acl.sty: 9 pt on 10 pt) in both columns:
    FONT001 against 10.91 and FONT002 against 13.55, errors; the line numbers are not the body."""
    report = check("fonts/acl_small_body.pdf", "arr2026-long")
    (size,) = findings(report, "FONT001")
    assert size.severity == "error" and size.data["size_pt"] == pytest.approx(8.97, abs=0.1)
    assert size.data["font"].startswith("NimbusRomNo9L")
    (leading,) = findings(report, "FONT002")
    assert leading.severity == "error" and leading.data["leading_pt"] == pytest.approx(9.96, abs=0.1)


def test_small_tables_captions_and_quotes_in_two_columns_are_not_the_body():
    report = check("fonts/acl_small_floats.pdf", "arr2026-long")
    assert "FONT001" not in codes(report)
    assert "FONT002" not in errors(report)
