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
from scope_check.analysis.layout import template_paper, text_block, typography
from scope_check.analysis.structure import (analyse, classification_inputs, classified, first_footer, first_header,
                                           may_show_marks, token)
from scope_check.checks.template import bundled_templates, other_template, resemblance, surely_unmarked
from scope_check.engine.runner import check_file
from scope_check.model.loader import load
from scope_check.model.packed_pages import is_packed
from scope_check.safety import limits

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


# --- TMPL002 another edition or mode (issue 23) -----------------------------------------------------
# The rule set names its edition (TMPL002 `edition`) and how the header or notice names one
# (`edition_marks`); a mark naming another edition, a camera-ready header beside the review ruler,
# the template's font swapped are warnings.


def test_last_years_style_on_a_2027_submission_is_another_edition_naming_its_rule_set():
    report = check("template/iclr2026_style_2027_paper.pdf", "iclr2027")
    assert codes(report) == {"TMPL002"}
    (finding,) = findings(report, "TMPL002")
    assert finding.severity == "warning"
    assert (finding.data["kind"], finding.data["edition"], finding.data["expected"]) == ("edition", "2026", "2027")
    assert finding.data["matches"] == "iclr2026"
    assert "Under review as a conference paper at ICLR 2026" in finding.message
    assert finding.message.endswith("use --rules iclr2026")
    assert finding.page == 1 and finding.bbox is not None


def test_this_years_style_is_no_other_edition():
    assert codes(check("template/iclr2027_review.pdf", "iclr2027")) == set()


def test_last_years_paper_under_its_own_rule_set_is_the_edition():
    assert "TMPL002" not in codes(check("template/iclr2026_style_2027_paper.pdf", "iclr2026"))


def test_a_workshop_header_naming_the_edition_is_not_another_edition():
    assert codes(check("template/iclr2027_workshop_header.pdf", "iclr2027")) == set()


def test_a_camera_ready_header_beside_the_review_ruler_is_a_mix_of_modes():
    report = check("template/iclr2027_published_header_review.pdf", "iclr2027")
    (finding,) = findings(report, "TMPL002")
    assert finding.data["kind"] == "mode" and finding.data["mode"] == "review"
    assert "Published as a conference paper at ICLR 2027" in finding.message and "ruler" in finding.message
    assert "ANON001" in errors(report)  # the camera-ready header in a submission is ANON001's error


def test_the_camera_ready_rule_set_reports_the_review_marks():
    report = check("template/iclr2027_review.pdf", "iclr2027-camera")
    (finding,) = findings(report, "TMPL002")
    assert finding.data["kind"] == "mode" and finding.data["mode"] == "camera_ready"
    assert "Under review as a conference paper at ICLR 2027" in finding.message


def test_latin_modern_in_the_iclr_style_is_the_font_swapped_not_another_template():
    report = check("template/iclr2027_latin_modern.pdf", "iclr2027")
    assert "TMPL001" not in codes(report)
    (finding,) = findings(report, "TMPL002")
    assert finding.data["kind"] == "font" and finding.data["body_font"].startswith("LMRoman")
    assert "\\usepackage{times}" in finding.message


def test_tmpl002_follows_the_rule_file_not_the_venue(tmp_path):
    """The edition is data: a rule set naming no edition compares none."""
    rules = tmp_path / "no-edition.yaml"
    rules.write_text("name: no-edition\nextends: iclr2027\nchecks:\n  TMPL002: {edition: null}\n", encoding="utf-8")
    assert "TMPL002" not in codes(check("template/iclr2026_style_2027_paper.pdf", str(rules)))


@needs_corpus_venues
def test_a_xelatex_build_of_the_iclr_2027_style_is_the_font_swapped():
    report = check_file(str(CORPUS_VENUES / "iclr2027_anon_causal_masked_dpo.pdf"), load_rules("iclr2027"))
    assert "TMPL001" not in codes(report)
    assert {f.data["kind"] for f in findings(report, "TMPL002")} == {"font"}


@needs_corpus_venues
def test_a_neurips_2025_notice_on_a_2026_submission_is_another_edition():
    report = check_file(str(CORPUS_VENUES / "neurips2025_anon_brc_anomaly.pdf"), load_rules("neurips2026"))
    (finding,) = [f for f in findings(report, "TMPL002") if f.data["kind"] == "edition"]
    assert finding.data["edition"] == "2025" and finding.data["mark"] == "notice"
    assert finding.data["matches"] == "neurips2025"


@needs_corpus_venues
def test_a_workshop_notice_naming_no_neurips_edition_is_not_another_edition():
    report = check_file(str(CORPUS_VENUES / "neurips2025_workshop_eurips_adam_bias.pdf"), load_rules("neurips2025"))
    assert "edition" not in {f.data["kind"] for f in findings(report, "TMPL002")}


# --- TMPL001 names the bundled template the paper is in (issue 23) ------------------------------------

TEMPLATES = CORPUS.parent / "template"
#: the official samples of the bundled venues' templates, by the rule set of their template
SAMPLES = {
    "iclr2025": TEMPLATES / "iclr2025" / "iclr2025_conference.pdf",
    "iclr2026": TEMPLATES / "iclr2026" / "iclr2026_conference.pdf",
    "iclr2027": TEMPLATES / "iclr2027" / "iclr2027_conference.pdf",
    "neurips2025": TEMPLATES / "neurips2025" / "neurips_2025.pdf",
    "neurips2026": TEMPLATES / "neurips2026" / "neurips_2026.pdf",
    "icml2026": TEMPLATES / "icml2026" / "example_paper.pdf",
    "cvpr2026": TEMPLATES / "cvpr2026" / "main.pdf",
    "arr2026-long": TEMPLATES / "acl" / "acl_latex.pdf",
}
VENUES = ("iclr2026", "iclr2027", "neurips2025", "neurips2026", "icml2026", "cvpr2026", "arr2026-long")
#: the rule sets of one template: the ACL sample is named by the set its counted pages fit (two of
#: content: the short paper's), any of ACL's sets may check it
FAMILY = {"arr2026-long": {"arr2026-long", "arr2026-short", "arr2026-long-camera"}}
needs_templates = pytest.mark.skipif(not TEMPLATES.is_dir(), reason="../shared/template is not beside the project")


@needs_templates
@pytest.mark.parametrize("sample,venue", [(s, v) for s in SAMPLES for v in VENUES if v != s])
def test_each_template_sample_under_another_venue_names_its_own_rule_set(sample, venue):
    """Another template (ICLR under NeurIPS rules): TMPL001, an error, naming the sample's rule set;
    another edition of the same template (2026 under 2027): TMPL002, naming it too."""
    report = check_file(str(SAMPLES[sample]), load_rules(venue))
    same_template = sample[:-4] == venue[:-4]
    code = "TMPL002" if same_template else "TMPL001"
    named = [f for f in findings(report, code) if f.data.get("matches")]
    assert named, f"no {code} naming a template: {[f.message for f in report.findings]}"
    assert named[0].data["matches"] in FAMILY.get(sample, {sample})
    assert named[0].message.endswith(f"use --rules {named[0].data['matches']}")
    if not same_template:
        assert named[0].severity == "error"


@needs_templates
@pytest.mark.parametrize("venue", VENUES)
def test_each_template_sample_has_no_template_finding_under_its_own_rule_set(venue):
    report = check_file(str(SAMPLES[venue]), load_rules(venue))
    assert {"TMPL001", "TMPL002"} & codes(report) == set()


def test_a_paper_in_no_bundled_template_names_none():
    report = check("template/twocolumn_neurips_like.pdf")
    (finding,) = findings(report, "TMPL001")
    assert "matches" not in finding.data and "--rules" not in finding.message


@needs_corpus_venues
def test_under_a_rule_set_naming_no_edition_another_font_stays_tmpl001_naming_the_venue():
    """The ICLR 2025 base names no edition: its findings are those of before (TMPL001 on another body
    font), and the message names the bundled template the paper is in."""
    report = check_file(str(CORPUS_VENUES / "iclr2027_anon_causal_masked_dpo.pdf"), load_rules("scope2025-main"))
    assert "TMPL002" not in codes(report)
    (finding,) = findings(report, "TMPL001")
    assert finding.severity == "error" and finding.data["reasons"] == ["font"]
    assert finding.data["matches"] == "iclr2027"


# --- every bundled template, two-column ones too (issue 24) ---------------------------------------------


@needs_templates
def test_the_acl_sample_is_named_by_the_acl_set_its_pages_fit():
    """ACL's sets share one template: TMPL001 names the one whose limit the counted pages fit (the kit's
    example has two pages of content: the short paper's 4) and whose mode its ruler shows (review)."""
    (finding,) = findings(check_file(str(SAMPLES["arr2026-long"]), load_rules("icml2026")), "TMPL001")
    assert finding.data["matches"] == "arr2026-short"
    assert "this looks like the ACL 2026 (ARR) template: use --rules arr2026-short" in finding.message


@needs_templates
@pytest.mark.parametrize("sample", ["example_paper-accepted.pdf", "example_paper-preprint.pdf"])
def test_the_icml_camera_ready_and_preprint_builds_are_the_icml_template(sample):
    report = check_file(str(TEMPLATES / "icml2026" / "compiled" / sample), load_rules("icml2026"))
    assert "TMPL001" not in errors(report)


@needs_corpus_venues
def test_a_cvpr_proceedings_copy_stamped_aside_is_still_the_cvpr_template():
    """CVPR's camera-ready version prints nothing outside the block: a paper without marks may be it, and
    the CVF copy's block, its size CVPR's but 8.5 pt further left, is no other template (MARG002's shift)."""
    report = check_file(str(CORPUS_VENUES / "cvpr2025_camera_cvf_segearth_ov.pdf"), load_rules("cvpr2026"))
    assert "TMPL001" not in codes(report)


@needs_templates
def test_the_icml_block_is_not_cvprs_though_neither_prints_a_mark_there():
    """ICML's block is 9 pt narrower than CVPR's (more than place_tolerance): without CVPR's marks the size
    still counts, so the ICML sample is TMPL001 under cvpr2026 and CVPR's is under icml2026."""
    (finding,) = findings(check_file(str(SAMPLES["icml2026"]), load_rules("cvpr2026")), "TMPL001")
    assert finding.severity == "error" and finding.data["matches"] == "icml2026"
    (finding,) = findings(check_file(str(SAMPLES["cvpr2026"]), load_rules("icml2026")), "TMPL001")
    assert finding.severity == "error" and finding.data["matches"] == "cvpr2026"


def test_last_years_cvpr_header_is_another_edition_not_another_template():
    report = check_file(fixture_path("venues/cvpr2026/header_2025.pdf"), load_rules("cvpr2026"))
    (finding,) = findings(report, "TMPL002")
    assert (finding.data["kind"], finding.data["edition"], finding.data["expected"]) == ("edition", "2025", "2026")
    assert "TMPL001" not in codes(report)


# --- TMPL003: the template's own alarm ------------------------------------------------------------------


def test_a_changed_length_makes_the_icml_style_print_its_alarm():
    report = check_file(fixture_path("venues/icml2026/layout_violation.pdf"), load_rules("icml2026"))
    (finding,) = findings(report, "TMPL003")
    assert finding.severity == "error" and finding.page == 1
    assert finding.data == {"notice": "The page layout violates the ICML style.", "altered": ["footskip"]}
    assert "(footskip has been altered)" in finding.message


@needs_templates
def test_the_official_layout_violation_example_names_the_altered_textheight():
    pdf = TEMPLATES / "icml2026" / "compiled" / "example_paper-layout-violation.pdf"
    (finding,) = findings(check_file(str(pdf), load_rules("icml2026")), "TMPL003")
    assert finding.data["altered"] == ["textheight"]


def test_the_alarm_quoted_in_running_text_is_not_the_alarm():
    report = check_file(fixture_path("venues/icml2026/review_quoted_notice.pdf"), load_rules("icml2026"))
    assert "TMPL003" not in codes(report)


def test_a_rule_set_without_an_alarm_never_reports_one():
    """The alarm is the rule file's data: under a set whose template prints none, the ICML alarm is
    another template's business (TMPL001), not TMPL003's."""
    report = check_file(fixture_path("venues/icml2026/layout_violation.pdf"), load_rules("cvpr2026"))
    assert "TMPL003" not in codes(report)
    assert findings(report, "TMPL001")[0].data["matches"] == "icml2026"


# --- the review ruler on a camera-ready copy: TMPL002 in a set of the final version --------------------


def test_the_review_ruler_on_an_acl_final_version_is_another_mode():
    report = check_file(fixture_path("venues/arr2026/camera_with_ruler.pdf"), load_rules("arr2026-long-camera"))
    (finding,) = findings(report, "TMPL002")
    assert finding.severity == "warning" and finding.data["kind"] == "mode"
    assert finding.data["mode"] == "camera_ready" and finding.data["ruler_pages"]


def test_an_acl_final_version_without_the_ruler_has_no_template_finding():
    report = check_file(fixture_path("venues/arr2026/camera.pdf"), load_rules("arr2026-long-camera"))
    assert {"TMPL001", "TMPL002"} & codes(report) == set()


@needs_corpus
@pytest.mark.parametrize("name", ["acm_sigconf_gecco2018_genotype.pdf", "template_ieeetran_howto.pdf",
                                  "template_icml2025_example_paper.pdf", "neurips2017_attention.pdf",
                                  "acl2020_2kenize.pdf"])
def test_a_candidate_left_out_before_its_analysis_has_a_reason_against_it(name):
    """`ranked` leaves out, before its headings, text block and body font, a candidate template the
    paper is provably not in (another paper size, none of its marks): its full judgement agrees (a
    reason or `unmarked`, score[0] > 0). Papers on A4 and on Letter, of one and two columns."""
    doc = load(str(CORPUS / name))
    left_out = 0
    for rules in bundled_templates():
        if surely_unmarked(doc, rules):
            left_out += 1
            assert resemblance(doc, rules)[0] > 0, rules.name
    assert left_out < len(bundled_templates())


def _shows_no_mark(doc, rules) -> bool:
    """None of the template's marks in the paper's classification under it: a running header or a
    notice matching its patterns, the review ruler (not a mark of a camera-ready rule set)."""
    tpl = rules.template
    c = classified(doc, rules)
    header = list(tpl["header"]["review"]) + list(tpl["header"]["camera_ready"])
    notice = list(tpl["footer"].get("review", ())) + list(tpl["footer"].get("camera_ready", ()))
    camera = rules.options("TMPL002")["mode"] == "camera_ready"
    return not ((header and first_header(c, header)) or (notice and first_footer(c, notice))
                or (tpl["ruler"] and not camera and c.review_ruler_pages))


@needs_corpus
def test_a_candidate_ruled_out_by_its_lines_alone_shows_no_mark_when_classified():
    """`surely_unmarked` rules out a template without notice patterns on another paper size without
    classifying the pages when no line may be its running header or a ruler's number
    (`may_show_marks`): the classification under it shows none of its marks either; and a
    template is never ruled out that the classification shows a mark of."""
    decided = 0
    for name in ["acm_sigconf_gecco2018_genotype.pdf", "acl2020_2kenize.pdf", "neurips2017_attention.pdf",
                 "template_icml2025_example_paper.pdf"]:
        doc = load(str(CORPUS / name))
        for rules in bundled_templates():
            tpl = rules.template
            other_paper = not template_paper(doc, rules)
            assert surely_unmarked(doc, rules) == (other_paper and _shows_no_mark(doc, rules)), (name, rules.name)
            header = list(tpl["header"]["review"]) + list(tpl["header"]["camera_ready"])
            if other_paper and not may_show_marks(doc, tpl, header):
                decided += 1
                assert _shows_no_mark(doc, rules), (name, rules.name)
    assert decided  # (the lines alone decide some: papers on A4 under Letter templates and the reverse)


# --- what the ranking shares between templates -------------------------------------------------------


@pytest.mark.parametrize("name", ["template/twocolumn_neurips_like.pdf", "venues/icml2026/compliant_review.pdf",
                                  "venues/neurips2026/compliant.pdf", "venues/arr2026/compliant_review.pdf"])
def test_what_the_ranking_shares_between_templates_is_what_each_computes_alone(name):
    """TMPL001's ranking analyses one paper under every bundled template in one document: the page
    classification is shared by templates equal in what it reads, the headings and the body's
    measurements by equal classifications and sizes, each line's weights are read once. Each
    template's structure, typography, text block and resemblance are those of a paper read afresh
    and analysed under that template alone."""
    shared = load(fixture_path(name))
    for rules in bundled_templates():
        alone = load(fixture_path(name))
        assert analyse(shared, rules) == analyse(alone, rules), rules.name
        assert typography(shared, rules) == typography(alone, rules), rules.name
        assert text_block(shared, rules) == text_block(alone, rules), rules.name
        assert resemblance(shared, rules) == resemblance(alone, rules), rules.name


def _analysis(doc, rules) -> tuple:
    """What a structure, its typography and text block and the ranking say of a paper under `rules`
    (a packed document's body lines are read from its pages: compared page by page)."""
    s = analyse(doc, rules)
    return (s.body_font_size, s.headings, s.references, s.body_end, s.excluded, s.body_pages,
            s.appendix_before_references, s.appendix_counted, s.statements, s.review_ruler_pages, s.header_texts,
            s.footer_texts, s.columns, [tuple(lines) for lines in s.body_lines],
            [tuple(roles) for roles in s.furniture], typography(doc, rules), text_block(doc, rules),
            resemblance(doc, rules))


@pytest.mark.parametrize("name", ["template/twocolumn_neurips_like.pdf", "venues/neurips2026/compliant.pdf",
                                  "venues/arr2026/compliant_review.pdf", "example/draft_with_problems.pdf"])
@pytest.mark.parametrize("guessed", ["as ranked", "wrongly"])
def test_a_long_documents_analysis_read_page_by_page_is_the_plain_documents(name, guessed, monkeypatch):
    """A long (packed) document reads its headings, statement headings and lead-ins as its pages are
    classified, at the body size its last structure had, and its text block's first and last
    baselines with its edges, between the edges its last block had: kept when the size and edges
    come out the same, read again when not. Under every bundled template in turn (the ranking's
    order), and with every guess wrong, each analysis is the plain document's."""
    plain = load(fixture_path(name))
    expected = [_analysis(plain, rules) for rules in bundled_templates()]
    monkeypatch.setattr(limits, "PACK_PAGES_OVER", 0)
    monkeypatch.setattr(limits, "PACK_SPANS_OVER", 0)
    doc = load(fixture_path(name))
    assert is_packed(doc)
    for rules, want in zip(bundled_templates(), expected):
        if guessed == "wrongly":
            doc.derived(("packed-body-size",), lambda: [None])[0] = 99.5
            doc.derived(("packed-block-edges",), lambda: [None])[0] = (1.0, 2.0)
        assert _analysis(doc, rules) == want, rules.name


def test_editions_that_differ_in_their_marks_alone_share_a_classification():
    """Two editions of a template whose sections differ in the header and notice patterns (their
    years) classify the pages alike: one classification key; another block or ruler is another key."""
    sets = {r.name: r for r in bundled_templates()}
    assert classification_inputs(sets["iclr2026"].template) == classification_inputs(sets["iclr2027"].template)
    assert classification_inputs(sets["neurips2025"].template) == classification_inputs(sets["neurips2026"].template)
    assert classification_inputs(sets["iclr2026"].template) != classification_inputs(sets["neurips2026"].template)
    assert classification_inputs(sets["cvpr2026"].template) != classification_inputs(sets["icml2026"].template)
    # a rule set's sections stand for their value: equal values one token, others another
    again = load_rules("iclr2026")
    assert token(again.template) == token(sets["iclr2026"].template)
    assert token(again.template) != token(sets["iclr2027"].template)
