"""MARG001 content in the margin and MARG002 text block enlarged, read like the rule: figures,
URLs, frames and margin notes past the block, geometry changes to the block, on fixtures compiled
against the official template and on the real papers of ../shared/corpus."""

from __future__ import annotations

from conftest import check, codes, corpus_check, findings, layout_codes, needs_corpus, pages

# --- MARG001 content in the margin --------------------------------------------------------------


def test_a_figure_wider_than_the_line_is_one_finding_on_its_page():
    report = check("margins/figure_too_wide.pdf")
    found = findings(report, "MARG001")
    assert len(found) == 1
    assert found[0].page == 2
    assert found[0].data["side"] == "right"
    assert found[0].data["overflow_pt"] > 50


def test_ink_cut_away_by_a_clip_is_not_in_the_margin():
    assert codes(check("margins/figure_linewidth_clipped.pdf")) == set()


def test_a_url_a_few_points_into_the_margin_is_reported_microtype_protrusion_is_not():
    url = findings(check("margins/long_url.pdf"), "MARG001")
    assert [(f.page, f.data["side"]) for f in url] == [(1, "right")]
    assert 3 < url[0].data["overflow_pt"] < 10
    assert layout_codes(check("margins/microtype_protrusion.pdf")) == set()


def test_the_margin_tolerance_is_a_rule_file_option(tmp_path):
    lenient = tmp_path / "lenient.yaml"
    lenient.write_text("name: lenient\nextends: scope2025-main\nchecks:\n  MARG001: {tolerance: 8.0}\n")
    assert "MARG001" not in codes(check("margins/long_url.pdf", str(lenient)))


def test_text_pushed_next_to_the_ruler_is_reported_without_the_ruler_number():
    findings = [f for f in check("margins/text_beside_ruler.pdf").findings if f.code == "MARG001"]
    assert len(findings) == 1
    # the line starts 20 pt left of the block (x 88), the ruler's digits end at x 86.4
    assert 86.5 < findings[0].bbox[0] < 90
    assert 17 < findings[0].data["overflow_pt"] < 22


# --- MARG002 text block enlarged ----------------------------------------------------------------


def test_geometry_margins_are_one_enlarged_block_not_a_margin_finding_per_line():
    report = check("margins/geometry_margins.pdf")
    assert layout_codes(report) == {"MARG002"}
    (finding,) = findings(report, "MARG002")
    assert set(finding.data["excess_pt"]) == {"right", "top", "bottom"}


def test_geometry_with_the_template_values_passes():
    assert codes(check("margins/geometry_template_values.pdf")) == set()


# --- the corpus of real papers ------------------------------------------------------------------


@needs_corpus
def test_a_figure_clipped_to_the_text_block_is_not_in_the_margin():
    """The camera-ready's first figure draws a white background far outside the block and clips it."""
    report = corpus_check("iclr2025_camera_stealthy_shield.pdf")
    assert 2 not in pages(report, "MARG001")
