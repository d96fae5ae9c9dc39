"""STMT001 required-statement, STMT002 statement-length, STMT003 checklist-incomplete, and the
statements as rule data (structure.statements): what PAGE001 leaves out and what the report names."""

from __future__ import annotations

import csv
import importlib.util

import pytest

from conftest import ROOT, check, codes, findings
from scope_check.checks import load_rules
from scope_check.config.rules import RulesError
from scope_check.engine.runner import check_file


def kinds(report) -> dict:
    """{kind: [page, ...]} of the statements the report lists."""
    out: dict = {}
    for st in report.measurements.get("statements", []):
        out.setdefault(st["kind"], []).append(st["page"])
    return out


# --- the statements found and what PAGE001 counts ---


def test_the_iclr2027_statements_before_the_references_are_found_and_not_counted():
    report = check("venues/iclr2027/compliant.pdf", "iclr2027")
    assert report.measurements["body_pages"] == 9
    assert kinds(report) == {"ai_use": [10], "ethics": [10], "reproducibility": [10]}
    assert not any(st["counted"] for st in report.measurements["statements"])
    assert [name.split(" (")[0] for name in report.measurements["body_excluded"]] == [
        "AI USE STATEMENT", "ETHICS STATEMENT", "REPRODUCIBILITY STATEMENT"]
    assert report.verdict == "pass"


def test_the_2025_rules_count_the_ai_use_statement_as_body():
    """The issue's first symptom: an ICLR 2025 rule set knows only the ethics and reproducibility
    statements, so the AI use statement opening page 10 makes the body 10 pages; and it lists no
    statements at all."""
    report = check("venues/iclr2027/compliant.pdf", "iclr2025")
    assert report.measurements["body_pages"] == 10
    assert "statements" not in report.measurements
    assert not {c for c in codes(report) if c.startswith("STMT")}


def test_a_statement_length_is_measured_in_text_block_heights():
    lengths = {}
    for pdf in ("statements/ai_use_long.pdf", "statements/ai_use_short.pdf"):
        report = check(pdf, "iclr2027")
        (ai,) = [st for st in report.measurements["statements"] if st["kind"] == "ai_use"]
        lengths[pdf] = ai["length_pages"]
    assert lengths["statements/ai_use_long.pdf"] == pytest.approx(1.3, abs=0.05)
    assert lengths["statements/ai_use_short.pdf"] == pytest.approx(0.9, abs=0.05)


# --- STMT001 ---


def test_a_missing_required_statement_is_an_error_naming_it():
    report = check("statements/ai_use_missing.pdf", "iclr2027")
    (f,) = findings(report, "STMT001")
    assert f.severity == "error" and report.verdict == "fail"
    assert f.data["kind"] == "ai_use" and f.data["where"] == "before_references"
    assert '"AI use statement"' in f.message and "iclr2027" in f.message and "before the References" in f.message
    assert "AI use statement" in f.hint


def test_a_required_statement_after_the_references_is_a_misplaced_warning():
    report = check("statements/ai_use_after_references.pdf", "iclr2027")
    (f,) = findings(report, "STMT001")
    assert f.severity == "warning" and report.verdict == "pass"
    assert f.data["found_page"] == 10 and "after the References" in f.message
    assert f.hint.startswith("Move the section")


def test_required_is_rule_data(tmp_path):
    own = tmp_path / "no-ai-use.yaml"
    own.write_text("name: no-ai-use\nextends: iclr2027\nstructure:\n  statements:\n    ai_use: {required: false}\n")
    report = check("statements/ai_use_missing.pdf", str(own))
    assert "STMT001" not in codes(report)
    # the rest of the entry is iclr2027's: still exempt, still limited to one page
    assert load_rules(str(own)).structure["statements"]["ai_use"]["max_pages"] == 1


def test_a_statement_kind_without_headings_is_refused(tmp_path):
    own = tmp_path / "data.yaml"
    own.write_text("name: data\nextends: iclr2027\nstructure:\n  statements:\n    data_availability: {required: true}\n")
    with pytest.raises(RulesError, match=r"statements\.data_availability: no headings"):
        load_rules(str(own))


def test_a_kind_of_its_own_with_its_headings(tmp_path):
    own = tmp_path / "data.yaml"
    own.write_text("name: data\nextends: iclr2027\nstructure:\n  statements:\n    data_availability:\n"
                   "      {title: Data availability, required: true, headings: ['^data availability( statement)?$']}\n")
    (f,) = findings(check("venues/iclr2027/compliant.pdf", str(own)), "STMT001")
    assert f.data["kind"] == "data_availability" and '"Data availability"' in f.message


# --- STMT002 ---


def test_a_statement_over_its_allowance_is_a_warning():
    report = check("statements/ai_use_long.pdf", "iclr2027")
    (f,) = findings(report, "STMT002")
    assert f.severity == "warning" and report.verdict == "pass"
    assert (f.page, f.data["limit"], f.data["last_page"]) == (10, 1, 11)
    assert "1.3 pages (pages 10-11)" in f.message


def test_the_allowance_is_rule_data(tmp_path):
    own = tmp_path / "half.yaml"
    own.write_text("name: half\nextends: iclr2027\nstructure:\n  statements:\n    ai_use: {max_pages: 0.5}\n")
    assert "STMT002" in codes(check("statements/ai_use_short.pdf", str(own)))
    assert "STMT002" not in codes(check("statements/ai_use_short.pdf", "iclr2027"))


# --- statements where the text sets them (issue 23) ---


def found(report) -> list:
    """[(kind, page, heading, counted)] of the statements the report lists, in reading order."""
    return [(st["kind"], st["page"], st["heading"], st["counted"]) for st in report.measurements["statements"]]


def test_statements_in_a_subsection_title_run_in_paragraphs_and_a_plain_lead_in_are_found_and_counted():
    report = check("statements/statements_in_text.pdf", "neurips2026")
    assert found(report) == [
        ("limitations", 2, "Diagnostic Visibility and Limitations", True),  # the title names it among other things
        ("limitations", 3, "Limitations and scope", True),  # \paragraph{Limitations and scope.}
        ("impact", 3, "Broader implications", True),
        ("ethics", 3, "Ethics", True),  # "Ethics. The data sets are public ..." in the text face
        ("impact", 4, "Broader Impacts", False),  # the appendix's section, not its contents entry
        ("checklist", 5, "NeurIPS Paper Checklist", False),
    ]
    # none of them ends the body: they sit inside counted sections
    assert report.measurements["body_pages"] == 3 and "body_excluded" not in report.measurements
    assert not codes(report)


def test_a_run_in_statement_runs_to_the_next_lead_in_or_heading():
    report = check("statements/statements_in_text.pdf", "neurips2026")
    lengths = {st["heading"]: st["length_pages"] for st in report.measurements["statements"]}
    # one paragraph each (3 to 4 lines of a 54-line page), not the rest of the section
    assert 0.03 < lengths["Limitations and scope"] < 0.1 and 0.03 < lengths["Broader implications"] < 0.1


def test_a_heading_naming_a_statement_among_other_things_is_not_the_venues_exempt_section():
    subsections = check("statements/arr_limitations_subsections.pdf", "arr2026-long")
    assert subsections.measurements["body_pages"] == 4
    assert subsections.measurements["body_excluded"] == ["Limitations (page 5)"]  # its subsections go with it
    joined = check("statements/arr_conclusion_and_limitations.pdf", "arr2026-long")
    assert found(joined) == [("limitations", 5, "Conclusion and Limitations", True)]
    assert joined.measurements["body_pages"] == 5 and not codes(joined)


def test_an_exempt_run_in_paragraph_right_before_the_references_ends_the_body():
    ack = check("statements/cvpr_acknowledgment_run_in.pdf", "cvpr2026-camera")
    assert found(ack) == [("acknowledgements", 5, "Acknowledgment", False)]
    assert ack.measurements["body_pages"] == 4 and ack.measurements["body_excluded"] == ["Acknowledgment (page 5)"]
    limitations = check("statements/cvpr_limitations_run_in.pdf", "cvpr2026-camera")
    assert found(limitations) == [("limitations", 5, "Limitations", True)]  # CVPR counts limitations
    assert limitations.measurements["body_pages"] == 5


def test_a_required_statement_set_run_in_is_there():
    report = check("statements/icml_impact_run_in.pdf", "icml2026")
    assert found(report) == [("impact", 4, "Impact Statement", False)]
    assert "STMT001" not in codes(report) and report.measurements["body_excluded"] == ["Impact Statement (page 4)"]
    assert "STMT001" in codes(check("venues/icml2026/no_impact_statement.pdf", "icml2026"))


# --- STMT001: the template's placeholder ---


def test_a_required_statement_left_as_the_templates_placeholder_is_a_warning():
    report = check("statements/ai_use_placeholder.pdf", "iclr2027")
    (f,) = findings(report, "STMT001")
    assert f.severity == "warning" and report.verdict == "pass"  # a missing one stays an error (above)
    assert f.data["kind"] == "ai_use" and f.data["placeholder"] == "[tasks with required disclosure]"
    assert f.page == 10 and "placeholder" in f.message and f.hint.startswith("Replace the template's text")
    assert report.measurements["body_pages"] == 9  # still found and not counted


def test_the_templates_marker_above_the_authors_own_statement_is_no_placeholder():
    report = check("statements/ai_use_marker_kept.pdf", "iclr2027")
    assert "STMT001" not in codes(report) and report.verdict == "pass"


def test_placeholders_are_rule_data(tmp_path):
    own = tmp_path / "own-placeholders.yaml"  # a kind's patterns replace the set's for that kind
    own.write_text("name: own-placeholders\nextends: iclr2027\nchecks:\n  STMT001:\n    placeholders:\n"
                   "      ai_use: ['polish the wording of two paragraphs']\n")
    assert "STMT001" not in codes(check("statements/ai_use_placeholder.pdf", str(own)))
    (f,) = findings(check("statements/ai_use_marker_kept.pdf", str(own)), "STMT001")
    assert f.data["placeholder"] == "polish the wording of two paragraphs"
    assert load_rules("iclr2026").options("STMT001")["placeholders"] == {}  # 2026 requires no AI use statement


# --- the venue corpus: every statement EXPECTED.tsv lists, and no other ---

VENUES = ROOT.parent / "shared" / "corpus-venues"


def _accuracy():
    spec = importlib.util.spec_from_file_location("bench_accuracy", ROOT / "benchmarks" / "accuracy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _venue_rows():
    if not (VENUES / "EXPECTED.tsv").is_file():
        return []
    with open(VENUES / "EXPECTED.tsv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_the_statements_column_reads_as_kinds_and_pages():
    read = _accuracy().expected_statements
    assert read('"Limitations:p7 (run-in paragraph in sec 6) and p22-23 (Appendix K); Broader Impact:p7 (x; y)"') == [
        ({"limitations"}, 7), ({"limitations"}, 22), ({"impact"}, 7)]
    assert read("Limitations+Broader Impact:p18 (Appendix I)") == [({"limitations", "impact"}, 18)]
    with pytest.raises(ValueError, match="unknown label"):
        read("Data availability:p3")


@pytest.mark.skipif(not (VENUES / "EXPECTED.tsv").is_file(), reason="../shared/corpus-venues is not beside the project")
@pytest.mark.parametrize("row", _venue_rows(), ids=lambda r: r["file"])
def test_every_venue_paper_gives_the_statements_it_lists_and_no_other(row):
    report = check_file(str(VENUES / row["file"]), load_rules(row["rules"]))
    n, hit, missed, extra = _accuracy().judge_statements(row["statements"], report.measurements.get("statements", []))
    assert not missed and not extra, (missed, extra)
    # a statement found inside a counted section does not end the body: the venue's count stands
    assert report.measurements["body_pages"] == int(row["body_pages_venue"])
