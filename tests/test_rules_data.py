"""Rules are data and checks stand alone: a check's findings do not depend on which other checks
run, a rule file without `extends` is complete, venue wording comes from the rule file, and a
selection is explicit (unknown codes are usage errors; skipped checks are reported)."""

from __future__ import annotations

import json
import re
from functools import lru_cache

import pytest
import yaml
from click.testing import CliRunner

from conftest import FIXTURES, check, codes
from scope_check.cli.main import cli
from scope_check.checks import checks
from scope_check.checks import load_rules
from scope_check.engine.runner import UNCHECKABLE, Selection, check_file

MANIFEST = yaml.safe_load((FIXTURES / "manifest.yaml").read_text()) or []
#: the codes a PDF's content can give (not the internal error, not the runner's resource limits)
CONTENT_CODES = [code for code, c in checks().items() if c.run and not (c.internal or c.runner_reported)]


def _rules_spec(case) -> str:
    rules = case["rules"]
    return str(FIXTURES / rules) if rules.endswith((".yaml", ".yml")) else rules


def _key(f):
    return (f.code, f.page or 0, f.bbox or (), f.message, f.hint, json.dumps(dict(f.data), sort_keys=True, default=str), f.severity)


@pytest.fixture
def parsed_once(monkeypatch):
    """Each PDF is parsed once for the whole test (the analyses are memoised on the model, as in
    one run); what differs between the runs is only the selection."""
    from scope_check.model import loader

    cached = lru_cache(maxsize=None)(loader.load)
    monkeypatch.setattr(loader, "load", cached)
    yield
    cached.cache_clear()


def test_every_check_alone_gives_exactly_its_findings_of_the_full_run(parsed_once):
    """`--select CODE` over the whole manifest yields exactly the CODE findings of the full run.
    (A gate that finds the file uncheckable is never hidden by a selection, so a scanned PDF gets
    its FILE005, not findings read from no text.)"""
    differences = []
    for case in MANIFEST:
        rules = load_rules(_rules_spec(case))
        path = str(FIXTURES / case["pdf"])
        full = check_file(path, rules)
        for code in CONTENT_CODES:
            alone = check_file(path, rules, Selection(select=(code,)))
            want = sorted(_key(f) for f in full.findings if f.code == code)
            got = sorted(_key(f) for f in alone.findings if f.code == code)
            if want != got:
                differences.append((case["pdf"], code, len(want), len(got)))
            assert not (set(codes(alone)) - {code} - set(UNCHECKABLE) - {"SCOPE001"}), (case["pdf"], code)
    assert differences == []


def test_ignoring_marg002_leaves_marg001_as_the_blocks_own_edges_give_it(tmp_path):
    """MARG001 measures against the block the paper uses (the enlarged-block analysis, with its own
    template parameters), never against MARG002's settings: ignored, off, or selected alone."""
    off = tmp_path / "off.yaml"
    off.write_text("name: quiet\nextends: scope2025-main\nchecks:\n  MARG002: {severity: off}\n")
    for pdf in ("margins/geometry_margins_wide_figure.pdf", "margins/geometry_margins.pdf"):
        full = check(pdf)
        marg001 = sorted(_key(f) for f in full.findings if f.code == "MARG001")
        assert "MARG002" in codes(full)
        for report in (check(pdf, ignore=("MARG002",)), check(pdf, select=("MARG001",)), check(pdf, str(off))):
            assert "MARG002" not in codes(report)
            assert sorted(_key(f) for f in report.findings if f.code == "MARG001") == marg001
            assert "MARG002" in report.skipped
    wide = [f for f in check("margins/geometry_margins_wide_figure.pdf", ignore=("MARG002",)).findings
            if f.code == "MARG001"]
    assert len(wide) == 1 and wide[0].page == 2 and wide[0].data["side"] == "right"
    assert wide[0].data["text_block"][2] == 540.0  # the block's own right edge, not the template's 504
    assert wide[0].data["overflow_pt"] > 80


def test_the_enlarged_block_measurement_has_its_own_template_parameters(tmp_path):
    lenient = tmp_path / "lenient.yaml"
    lenient.write_text("name: lenient\nextends: scope2025-main\ntemplate:\n  block_tolerance_across: 40\n"
                       "  block_tolerance_down: 15\n")
    report = check("margins/geometry_margins.pdf", str(lenient))
    # no longer enlarged: nothing grows the block, so the lines beyond the template's edges are MARG001's
    assert "MARG002" not in codes(report)
    assert "MARG001" in codes(report)
    assert all(f.data["text_block"] == [108.0, 81.87, 504.0, 729.87] for f in report.findings if f.code == "MARG001")


MINIMAL = """name: minimal
template:
  page_size: [612, 792]
  text_block: [108.0, 81.87, 504.0, 729.87]
  body_font_size: 9.96
  body_leading: 10.96
"""


def test_a_minimal_standalone_rules_file_checks_every_fixture_without_an_internal_error(tmp_path, parsed_once):
    minimal = tmp_path / "minimal.yaml"
    minimal.write_text(MINIMAL)
    rules = load_rules(str(minimal))
    seen = set()
    for case in MANIFEST:
        if case["pdf"] in seen:
            continue
        seen.add(case["pdf"])
        report = check_file(str(FIXTURES / case["pdf"]), rules)
        assert "SCOPE001" not in codes(report), (case["pdf"], [f.message for f in report.findings])
        for f in report.findings:
            assert "(, ...)" not in f.message and "None" not in f.message, (case["pdf"], f.message)


def test_a_minimal_rules_file_reports_with_the_declared_defaults(tmp_path):
    minimal = tmp_path / "minimal.yaml"
    minimal.write_text(MINIMAL)
    report = check("pages/no_references.pdf", str(minimal))
    (finding,) = [f for f in report.findings if f.code == "PAGE003"]
    assert "(References, Bibliography, Literature, ...)" in finding.message
    assert "PAGE001" not in codes(report)  # no page limit unless the rule set gives one


NEURIPS_LIKE = r"""name: neurips-like
title: A NeurIPS-like venue
template:
  name: NeurIPS-like 2025
  latex_style: "\\usepackage{neurips_2025}"
  latex_final_copy: "\\usepackage[final]{neurips_2025}"
  page_size: [595.28, 841.89]
  text_block: [90.0, 80.0, 505.28, 770.0]
  body_font_size: 10.95
  body_leading: 13.6
  header:
    review: ["^Submitted to NeurIPS-like 2025$"]
    camera_ready: ["^NeurIPS-like 2025 camera-ready$"]
checks:
  PAGE001:
    max_pages: 9
    why: "NeurIPS-like call: the main text is limited to 9 pages."
"""


@pytest.fixture
def neurips_like(tmp_path):
    path = tmp_path / "neurips_like.yaml"
    path.write_text(NEURIPS_LIKE)
    return str(path)


def _finding(report, code):
    (f,) = [f for f in report.findings if f.code == code][:1]
    return f


def test_a_neurips_like_rules_file_gets_messages_and_hints_in_its_own_terms(neurips_like):
    report = check("margins/geometry_margins.pdf", neurips_like)
    size = _finding(report, "PAGE002")
    assert "requires 595.28 x 841.89 pt (A4)" in size.message
    assert "Use A4" in size.hint and "`letterpaper`" in size.hint and "8.27in" in size.hint and "11.69in" in size.hint
    font = _finding(report, "FONT001")
    assert "NeurIPS-like 2025 requires 10.95 pt (11 TeX pt)" in font.message
    assert "keep the template's 11 pt" in font.hint
    leading = _finding(report, "FONT002")
    assert "NeurIPS-like 2025 sets 13.6 pt" in leading.message and "11 TeX pt" not in leading.message
    block = _finding(report, "MARG002")
    # the paper is Letter, not the rule set's A4: the block is judged by its size (issue 12)
    assert "template's 5.77 in width" in block.message and "NeurIPS-like 2025 is 5.77 x 9.58 in" in block.message
    assert "NeurIPS-like 2025 template sets the page" in block.hint
    template = _finding(check("pages/letter_paper.pdf", neurips_like), "TMPL001")
    assert template.message.startswith("not the NeurIPS-like 2025 template: US Letter paper")
    assert "A4 paper" in template.message and "`\\usepackage{neurips_2025}`" in template.hint
    camera = _finding(check("anonymity/camera_ready.pdf", neurips_like), "ANON001")
    # an ICLR paper is not in the NeurIPS-like template: the hint says so in that template's terms
    # (issue 12) instead of advice about its final-copy switch
    assert "NeurIPS-like 2025 template in its review mode" in camera.hint and "iclrfinalcopy" not in camera.hint
    for f in report.findings:
        # TMPL001 may quote the paper's own header and name the bundled template the paper is really
        # in (an ICLR fixture: "this looks like the ICLR 2025 template"); the rest speaks the rule
        # file's own terms
        own_terms = f.message.split("; this looks like the ")[0] if f.code == "TMPL001" else f.message
        own_terms = re.sub(r'"[^"]*"', '""', own_terms)
        assert "ICLR" not in own_terms + f.hint, f


def test_rules_code_quotes_the_rule_sets_own_call_for_papers(neurips_like):
    wsl = CliRunner().invoke(cli, ["rules", "PAGE001", "--rules", "wsl2025-full"])
    assert wsl.exit_code == 0
    assert "WSL call for papers" in wsl.output and "8 pages" in wsl.output
    assert "SCOPE" not in wsl.output and "tiny track" not in wsl.output
    assert "  max_pages: 8\n" in wsl.output
    scope = CliRunner().invoke(cli, ["rules", "PAGE001"])  # the default rule set, scope2025-main
    assert "SCOPE CFP" in scope.output and "  max_pages: 5\n" in scope.output
    own = CliRunner().invoke(cli, ["rules", "PAGE001", "--rules", neurips_like])
    assert "NeurIPS-like call" in own.output and "  max_pages: 9\n" in own.output
    generic = CliRunner().invoke(cli, ["rules", "FILE004", "--rules", neurips_like])
    assert "SCOPE" not in generic.output and "  max_bytes: null\n" in generic.output


def test_rules_prints_parameters_as_yaml_values():
    result = CliRunner().invoke(cli, ["rules", "ANON003"])
    assert result.exit_code == 0
    assert "  report_unclaimed: false\n" in result.output
    assert "  neutral_hosts: [openreview.net]\n" in result.output
    values = {}
    for line in result.output.split("\nParameters in ")[1].splitlines()[1:]:
        if line.startswith("  ") and not line.startswith("   ") and ": " in line:
            key, value = line.strip().split(": ", 1)
            values[key] = yaml.safe_load(value)
    assert values["personal_hosts"][0] == "github.io"
    assert values["owner_hosts"]["huggingface.co"] == ["datasets", "spaces", "models"]


def test_rules_takes_a_prefix_as_select_does():
    result = CliRunner().invoke(cli, ["rules", "PAGE"])
    assert result.exit_code == 0
    assert all(f"{code} " in result.output for code in ("PAGE001", "PAGE002", "PAGE003"))
    assert "MARG001" not in result.output


def test_the_rules_overview_is_one_line_per_check_within_the_terminal_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(cli, ["rules"])
    lines = result.output.splitlines()
    assert all(len(line) <= 80 for line in lines)
    for code in checks():
        assert sum(line.startswith(code + " ") for line in lines) == 1


@pytest.mark.parametrize("args", [["--select", "PAEG"], ["--select", "XYZ001"], ["--ignore", "FONT3"],
                                  ["--select", "PAGE,MRAG001"]])
def test_an_unknown_code_or_prefix_is_a_usage_error_with_a_suggestion(args):
    result = CliRunner().invoke(cli, [str(FIXTURES / "pages/main_spill_p6.pdf"), *args])
    assert result.exit_code == 2
    assert "no check code or prefix" in result.output
    assert ("did you mean" in result.output) or ("known families" in result.output)


def test_did_you_mean_names_the_nearest_codes():
    result = CliRunner().invoke(cli, [str(FIXTURES / "pages/main_spill_p6.pdf"), "--select", "PAEG"])
    assert "did you mean PAGE" in result.output
    result = CliRunner().invoke(cli, ["rules", "MARG02"])
    assert result.exit_code == 2 and "MARG002" in result.output


def test_a_filtered_report_says_which_checks_were_skipped():
    pdf = str(FIXTURES / "margins/geometry_margins.pdf")
    text = CliRunner().invoke(cli, [pdf, "--ignore", "MARG002"])
    assert text.exit_code == 0
    assert "PASS (1 check skipped: MARG002)" in text.output
    many = CliRunner().invoke(cli, [pdf, "--ignore", "MARG,FONT003"])
    assert "PASS (3 checks skipped: FONT003, MARG001, MARG002)" in many.output
    as_json = CliRunner().invoke(cli, [pdf, "--select", "PAGE", "--format", "json"])
    entry = json.loads(as_json.stdout)["files"][0]
    assert "PAGE001" not in entry["skipped"] and "MARG002" in entry["skipped"]
    assert "FILE001" not in entry["skipped"]  # "could not be read" is never skipped
    full = json.loads(CliRunner().invoke(cli, [pdf, "--format", "json"]).stdout)["files"][0]
    assert full["skipped"] == []


def test_a_check_off_in_the_rules_is_reported_as_skipped(tmp_path):
    off = tmp_path / "off.yaml"
    off.write_text("name: quiet\nextends: scope2025-main\nchecks:\n  PAGE003: {severity: off}\n")
    assert check("pages/no_references.pdf", str(off)).skipped == ("PAGE003",)


def test_a_bad_rules_environment_variable_is_named():
    result = CliRunner().invoke(cli, [str(FIXTURES / "pages/main_spill_p6.pdf")], env={"SCOPE_CHECK_RULES": "scope2026"})
    assert result.exit_code == 2
    assert "SCOPE_CHECK_RULES" in result.output and "scope2026" in result.output
    given = CliRunner().invoke(cli, [str(FIXTURES / "pages/main_spill_p6.pdf"), "--rules", "scope2026"])
    assert given.exit_code == 2 and "SCOPE_CHECK_RULES" not in given.output


def test_file004_is_one_implementation_for_readable_and_unreadable_files(tmp_path):
    small = tmp_path / "small.yaml"
    small.write_text("name: small\nextends: scope2025-main\nchecks:\n  FILE004: {max_bytes: 1000}\n")
    readable = _finding(check("pages/main_spill_p6.pdf", str(small)), "FILE004")
    truncated = _finding(check("files/truncated.pdf", str(small)), "FILE004")
    for f in (readable, truncated):
        assert f.message.startswith("the file is ") and "small allows 0.0 MB (1,000 bytes)" in f.message
        assert f.data["limit"] == 1000
