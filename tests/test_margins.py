"""MARG001 content in the margin and MARG002 text block enlarged, read like the rule: figures,
URLs, frames and margin notes past the block, geometry changes to the block, on fixtures compiled
against the official template and on the real papers of ../shared/corpus."""

from __future__ import annotations

import importlib.util
import math
import re

import pytest

from conftest import CORPUS, FIXTURES, ROOT, check, codes, corpus_check, findings, layout_codes, needs_corpus, pages

from scope_check import checks as registry
from scope_check.checks import load_rules
from scope_check.config.spec import Params
from scope_check.engine.runner import Selection, check_file
from scope_check.model import loader

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


# --- MARG001 by region: the body, and after the References --------------------------------------


def _rules(tmp_path, marg001: str) -> str:
    path = tmp_path / "venue.yaml"
    path.write_text(f"name: venue\nextends: scope2025-main\nchecks:\n  MARG001: {marg001}\n", encoding="utf-8")
    return str(path)


def test_a_wide_table_after_the_references_is_a_warning_in_the_body_an_error():
    """The same 40 pt overhang: in the appendix a warning under SCOPE (the paper passes), in the body
    an error; only the region differs, and each finding says which it is."""
    appendix = check("margins/appendix_wide_table.pdf")
    body = check("margins/body_wide_table.pdf")
    (late,), (early,) = findings(appendix, "MARG001"), findings(body, "MARG001")
    assert late.data["overflow_pt"] == early.data["overflow_pt"] and 35 < late.data["overflow_pt"] < 45
    assert late.page > appendix.measurements["references_page"] and early.page < body.measurements["references_page"]
    assert (late.data["region"], late.severity, appendix.verdict) == ("after_references", "warning", "pass")
    assert (early.data["region"], early.severity, body.verdict) == ("body", "error", "fail")
    assert "after the References" in late.message and "after the References" not in early.message


def test_the_references_page_is_parted_by_its_heading():
    """Two equal tables on the References page: above the heading (body) an error, below it a
    warning; one finding each, though they reach to the same edge."""
    report = check("margins/references_page_tables.pdf")
    heading = report.measurements["references_page"]
    found = sorted(findings(report, "MARG001"), key=lambda f: f.bbox[1])
    assert [(f.page, f.data["region"], f.severity) for f in found] == [
        (heading, "body", "error"), (heading, "after_references", "warning")]


def test_the_region_severity_is_the_rule_files_choice(tmp_path):
    """The ICLR base keeps one severity for every page; a rule file sets a region, both, or one
    for all (the plain form); off in one region drops only that region's findings."""
    assert {f.severity for f in findings(check("margins/appendix_wide_table.pdf", "iclr2025"), "MARG001")} == {"error"}
    strict = _rules(tmp_path, "{severity: error}")  # plain: every region, over scope2025-main's per-region
    assert check("margins/appendix_wide_table.pdf", strict).verdict == "fail"
    lenient = _rules(tmp_path, "{severity: {body: warning}}")  # after_references keeps scope2025-main's
    assert check("margins/body_wide_table.pdf", lenient).verdict == "pass"
    dropped = _rules(tmp_path, "{severity: {after_references: off}}")
    assert "MARG001" not in codes(check("margins/appendix_wide_table.pdf", dropped))
    assert codes(check("margins/body_wide_table.pdf", dropped)) == {"MARG001"}


def test_a_severity_per_region_is_validated(tmp_path):
    from scope_check.checks import load_rules
    from scope_check.config.rules import RulesError

    for entry, complaint in (("{severity: {appendix: warning}}", "'appendix' was unexpected"),
                             ("{severity: {body: fatal}}", "severity.body: 'fatal' is not one of"),
                             ("{severity: {}}", "MARG001.severity")):
        with pytest.raises(RulesError, match=re.escape(complaint)):
            load_rules(_rules(tmp_path, entry))
    page = tmp_path / "page.yaml"  # a check whose findings say no region has one severity
    page.write_text("name: page\nextends: scope2025-main\nchecks:\n  PAGE001: {severity: {body: warning}}\n")
    with pytest.raises(RulesError, match=re.escape("PAGE001.severity")):
        load_rules(str(page))
    bare = load_rules(_rules(tmp_path, "\n    severity:\n      body: off"))  # YAML 1.1 reads a bare off as false
    assert bare.severity("MARG001", None, "body") == "off" and bare.severity("MARG001") == "warning"


def test_the_reference_prints_the_rule_sets_severity_per_region():
    from scope_check.checks import get, load_rules
    from scope_check.output.reference import check_reference

    text = check_reference(get("MARG001"), load_rules("scope2025-main"))
    assert "  severity: {body: error, after_references: warning}" in text.splitlines()
    assert "  severity: error" in check_reference(get("MARG001"), load_rules("iclr2025")).splitlines()


# --- MARG001 grouping: one note, one finding -------------------------------------------------------


def test_one_margin_note_with_other_numbers_and_places_is_one_finding():
    """R2.1 ... R2.18 beside a different line on each page: one or two digits wide, so extents
    differ by a digit; one finding listing the 18 pages, each occurrence kept."""
    (note,) = findings(check("margins/margin_note_numbered.pdf"), "MARG001")
    assert note.all_pages == list(range(1, 19)) and note.data["count"] == 18
    occurrences = note.data["occurrences"]
    assert len({o["data"]["overflow_pt"] for o in occurrences}) > 1  # the extents differ ...
    assert len({o["bbox"][1] for o in occurrences}) > 1  # ... and the places
    assert {o["data"]["text"] for o in occurrences} == {f"R2.{n}" for n in range(1, 19)}


def test_two_different_notes_are_two_findings():
    """ "ZhL - W3" and "Add CI" reach equally far into the margin: what they say parts them."""
    notes = sorted(findings(check("margins/margin_notes_two.pdf"), "MARG001"), key=lambda f: f.page)
    assert [(f.data["text"], f.all_pages) for f in notes] == [("ZhL - W3", [1, 3, 5, 7, 9]), ("Add CI", [2, 4, 6, 8, 10])]
    assert notes[0].data["overflow_pt"] == notes[1].data["overflow_pt"]


# --- MARG002 text block enlarged ----------------------------------------------------------------


def test_geometry_margins_are_one_enlarged_block_not_a_margin_finding_per_line():
    report = check("margins/geometry_margins.pdf")
    assert layout_codes(report) == {"MARG002"}
    (finding,) = findings(report, "MARG002")
    assert set(finding.data["excess_pt"]) == {"right", "top", "bottom"}


def test_a_block_enlarged_only_after_the_references_is_a_warning_under_scope():
    (late,) = findings(check("margins/appendix_geometry.pdf"), "MARG002")
    assert late.page > 4 and late.data["region"] == "after_references" and late.severity == "warning"
    assert "only after the References" in late.message
    (body,) = findings(check("margins/geometry_margins.pdf"), "MARG002")
    assert body.data["region"] == "body" and body.severity == "error"
    assert [f.severity for f in findings(check("margins/appendix_geometry.pdf", "iclr2025"), "MARG002")] == ["error"]


def test_geometry_with_the_template_values_passes():
    assert codes(check("margins/geometry_template_values.pdf")) == set()


# --- the corpus of real papers ------------------------------------------------------------------


@needs_corpus
def test_a_figure_clipped_to_the_text_block_is_not_in_the_margin():
    """The camera-ready's first figure draws a white background far outside the block and clips it."""
    report = corpus_check("iclr2025_camera_stealthy_shield.pdf")
    assert 2 not in pages(report, "MARG001")


# --- two columns (issue 24): the gap between the columns --------------------------------------

CORPUS_VENUES = CORPUS.parent / "corpus-venues"


def _gap(report):
    return [f for f in findings(report, "MARG001") if f.data["side"] == "gap"]


def test_a_column_figure_over_the_gap_is_one_finding_into_the_other_column():
    """A figure scaled to 1.25\\linewidth in the left column of a CVPR review copy crosses the 22.5 pt
    gap beside the right column's text: one error, measured from the left column's edge."""
    report = check("margins/cvpr_column_figure_over_gap.pdf", "cvpr2026")
    (spill,) = _gap(report)
    assert (spill.page, spill.data["column"], spill.data["into"], spill.severity) == (2, "left", "column", "error")
    assert 55 < spill.data["overflow_pt"] < 62  # 0.25 x 236.25 pt
    assert "MARG002" not in codes(report)


def test_full_width_floats_span_the_gap_by_design():
    """figure*, a table* whose rules cross the gap, a \\linewidth column figure and the title block:
    nothing in the gap, and the template's gap is not narrowed."""
    report = check("margins/cvpr_figure_star.pdf", "cvpr2026")
    assert _gap(report) == []
    assert "MARG002" not in codes(report)


def test_a_shrunk_columnsep_is_a_narrowed_gap_not_content_in_it():
    """\\columnsep 0.15in instead of 0.3125in: the outer edges stay, the gap is 11.7 pt narrower;
    one MARG002 naming the gap, and the wider columns' lines are not MARG001."""
    report = check("margins/cvpr_column_gap_shrunk.pdf", "cvpr2026")
    (block,) = findings(report, "MARG002")
    assert set(block.data["excess_pt"]) == {"gap"} and 10 < block.data["excess_pt"]["gap"] < 13.5
    assert block.severity == "error" and "\\columnsep" in block.message
    assert _gap(report) == []


needs_venues = pytest.mark.skipif(not (CORPUS_VENUES / "EXPECTED.tsv").is_file(),
                                  reason="../shared/corpus-venues is not beside the project")


@needs_venues
@pytest.mark.parametrize("name, rules", [
    ("cvpr2026_camera_equivariant_driving.pdf", "cvpr2026"),
    ("icml2026_anon_rl_decision_trees.pdf", "icml2026"),
    ("arr_anon_phase_entropy.pdf", "arr2026-long"),
])
def test_real_two_column_papers_have_nothing_in_the_gap_nor_a_narrowed_gap(name, rules):
    """A table* and one-column appendix pages (their lines cut at wide spaces) are not column content
    in the gap; the measured columns keep the template's gap."""
    report = check_file(str(CORPUS_VENUES / name), load_rules(rules), Selection(select=("MARG",)))
    assert _gap(report) == []
    assert all("gap" not in f.data["excess_pt"] for f in findings(report, "MARG002"))


def test_an_icml_column_table_stretched_past_its_column_crosses_the_gap():
    """ICML 2026 (the ruler on the left only, the running title): a table \\resizebox'ed to
    1.1\\columnwidth reaches 23.4 pt past the left column, across the 18 pt gap: one error."""
    report = check("margins/icml_column_table_over_gap.pdf", "icml2026")
    (spill,) = _gap(report)
    assert (spill.page, spill.data["column"], spill.data["into"], spill.severity) == (2, "left", "column", "error")
    assert 20 < spill.data["overflow_pt"] < 27


@needs_venues
def test_a_cvf_open_access_copy_is_judged_without_its_stamps():
    """The CVF copy of a CVPR 2025 paper: the watermark's box and logos above the block, the white box
    around the proceedings page number and its block 8.5 pt left of the kit's (the template's width)
    are the publisher's, not the authors': no MARG finding under cvpr2026."""
    report = check_file(str(CORPUS_VENUES / "cvpr2025_camera_cvf_segearth_ov.pdf"), load_rules("cvpr2026"),
                        Selection(select=("MARG",)))
    assert codes(report) == set()


TEMPLATES = CORPUS.parent / "template"


@pytest.mark.skipif(not (TEMPLATES / "icml2026").is_dir(), reason="../shared/template is not beside the project")
def test_the_icml_kits_own_overhang_stays_and_its_furniture_passes():
    """The official ICML 2026 example: its `paper.dvi` line overhangs the right margin by 13.5 pt
    (an error that is right); the left ruler, the running title, the header rule, the first-page
    notice and the appendix set \\onecolumn are never MARG findings."""
    report = check_file(str(TEMPLATES / "icml2026" / "example_paper.pdf"), load_rules("icml2026"),
                        Selection(select=("MARG",)))
    (over,) = findings(report, "MARG001")
    assert (over.page, over.data["side"], over.severity) == (1, "right", "error")
    assert 13 < over.data["overflow_pt"] < 14
    assert "MARG002" not in codes(report)


# --- MARG001's bound on one page's findings (max_findings_per_page) -------------------------------


def _marg001(path, rules="scope2025-main", **options):
    """MARG001's findings on a PDF as the check yields them (before the runner groups them), the rule
    set's options changed by `options`."""
    rule_set = load_rules(rules)
    spec = registry.get("MARG001")
    return list(spec.run(loader.load(str(path)), Params(rules=rule_set, options={**rule_set.options("MARG001"),
                                                                                  **options})))


def _more(found):
    return [f for f in found if f.data["kind"] == "more"]


def test_a_page_of_as_many_objects_as_the_bound_reports_each():
    """20 marks strewn down page 2's left margin (90 to 33 pt in): 20 findings, none summed."""
    found = _marg001(FIXTURES / "margins/margin_marks_20.pdf")
    assert len(found) == 20 and _more(found) == []
    assert {f.page for f in found} == {2} and {f.data["side"] for f in found} == {"left"}


def test_a_page_of_one_object_more_than_the_bound_sums_up_the_nearest():
    """21 marks: the 20 reaching furthest one by one, in the order the check finds them (the same
    findings as without the bound), and one finding for the 21st, the nearest (30 pt in): how many,
    where, how far; an error as the mark is."""
    path = FIXTURES / "margins/margin_marks_21.pdf"
    found, unbounded = _marg001(path), _marg001(path, max_findings_per_page=1000)
    assert len(unbounded) == 21 and _more(unbounded) == []
    nearest = min(unbounded, key=lambda f: f.data["overflow_pt"])
    kept = [f for f in unbounded if f is not nearest]
    assert [(f.message, f.bbox) for f in found[:-1]] == [(f.message, f.bbox) for f in kept]
    more = found[-1]
    assert more.data["kind"] == "more" and more.fix == "more" and more.page == 2
    assert (more.data["more"], more.data["reported"], more.data["side"]) == (1, 20, "left")
    assert more.data["overflow_pt"] == nearest.data["overflow_pt"] and more.bbox == nearest.bbox
    assert more.severity == nearest.severity == ""  # the rule file's: an error
    assert more.message.startswith(f"1 more object reaches {nearest.data['overflow_pt']:.1f} pt into the left margin")


def test_the_bound_is_a_rule_file_option_and_the_summary_groups_and_takes_its_severity(tmp_path):
    """The whole command: the summary is one more finding with its own fix text; a rule file's
    bound of 21 reports every mark; when every mark summed is a warning, so is the summary."""
    report = check("margins/margin_marks_21.pdf")
    (more,) = [f for f in findings(report, "MARG001") if f.data["kind"] == "more"]
    assert more.severity == "error" and "reaching furthest are reported one by one" in more.message
    assert more.hint.startswith("Find what strews content over the margins of this page")
    assert report.verdict == "fail"
    wider = check("margins/margin_marks_21.pdf", _rules(tmp_path, "{max_findings_per_page: 21}"))
    assert all(f.data["kind"] != "more" for f in findings(wider, "MARG001"))
    assert sum(f.data.get("count", 1) for f in findings(wider, "MARG001")) == 21
    lenient = _marg001(FIXTURES / "margins/margin_marks_21.pdf", max_findings_per_page=3, error_beyond=50.0)
    (summary,) = _more(lenient)
    assert summary.data["more"] == 18 and summary.severity == ""  # marks 51 to 87 pt in: some errors
    warned = _marg001(FIXTURES / "margins/margin_marks_21.pdf", max_findings_per_page=12, error_beyond=60.0)
    (summary,) = _more(warned)
    assert summary.data["more"] == 9 and summary.data["overflow_pt"] < 60 and summary.severity == "warning"
    assert "(each a warning: up to 60 pt)" in summary.message


def _page_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.page


@pytest.mark.parametrize("limit", [0, 20])
def test_a_page_strewn_with_marks_is_summed_up_as_the_findings_it_replaces(tmp_path, limit):
    """1,600 squares over a 14,400 pt page (benchmarks/generate.py's slow shape, smaller): the
    summary counts, places and measures exactly the findings beyond the bound, which are the
    nearest ones; with a bound of 0 everything is the summary."""
    pdf = _page_generator()(tmp_path / "squares.pdf", "squares", 1600, 14400.0)
    unbounded = _marg001(pdf, "iclr2025", max_findings_per_page=10**9)
    found = _marg001(pdf, "iclr2025", max_findings_per_page=limit)
    assert len(unbounded) > 1000 and _more(unbounded) == []
    assert len(found) == limit + 1
    (more,) = _more(found)
    kept = {(f.message, f.bbox) for f in found if f is not more}
    rest = [f for f in unbounded if (f.message, f.bbox) not in kept]
    assert len(rest) == more.data["more"] == len(unbounded) - limit
    assert min((f.data["overflow_pt"] for f in unbounded if (f.message, f.bbox) in kept), default=math.inf) >= max(
        f.data["overflow_pt"] for f in rest)
    sides = {}
    for f in rest:
        for side, amount in f.data["sides"].items():
            sides[side] = max(sides.get(side, 0.0), amount)
    assert more.data["sides"] == sides and more.data["overflow_pt"] == max(sides.values())
    assert more.severity == ("" if any(f.severity == "" for f in rest) else "warning")
    assert _covers(more.bbox, [f.bbox for f in rest])


def _covers(box, boxes):
    return all(box[0] <= b[0] + 0.01 and box[1] <= b[1] + 0.01 and b[2] <= box[2] + 0.01 and b[3] <= box[3] + 0.01
               for b in boxes)


@pytest.mark.parametrize("visibility_facts", [True, False])
def test_an_opaque_white_background_is_ink_that_marks_nothing(visibility_facts):
    """The ink pass tells a large opaque pure-white fill apart (fill-white) with the visibility facts
    or without them; a light grey one stays a fill-path (figure_white/grey_background)."""
    def overhang(name):
        doc = loader.load(str(FIXTURES / "margins" / name), visibility_facts=visibility_facts)
        return [i.kind for i in doc.pages[1].ink if i.bbox[2] > 600]

    assert overhang("figure_white_background.pdf") == ["fill-white"]
    assert overhang("figure_grey_background.pdf") == ["fill-path"]
