"""STMT001 required-statement, STMT002 statement-length, STMT003 checklist-incomplete, and the
statements as rule data (structure.statements): what PAGE001 leaves out and what the report names."""

from __future__ import annotations

import pytest

from conftest import check, codes, findings
from scope_check.checks import load_rules
from scope_check.config.rules import RulesError


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
