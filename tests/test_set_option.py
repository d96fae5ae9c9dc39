"""`--set KEY=VALUE`: one value of the chosen rule set changed on the command line, as a rules file
extending the set would change it, validated exactly as such a file is (the JSON Schema, its regex
check), on every subcommand that takes --rules; a report made under it names the set `NAME+set`.

Every test runs the real command on real fixture PDFs."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from conftest import FIXTURES, ROOT
from scope_check import RULES_ENV
from scope_check.checks import load_rules
from scope_check.cli import options
from scope_check.cli.main import LAZY_COMMANDS, cli, load_command

#: 5 pages before the References (ICLR 2025 template)
FIVE = FIXTURES / "pages" / "main_refs_top_p6.pdf"
#: 2 pages before the References, US Letter
TWO = FIXTURES / "pages" / "tiny_compliant.pdf"
WORKSHOP = FIXTURES / "rules" / "workshop_4pages.yaml"
#: ICLR 2027: the main text fills page 4, the AI use statement (not counted) on page 5
FULL = FIXTURES / "venues" / "iclr2027" / "workshop_full_p4.pdf"
#: ICLR 2027: the main text runs two lines onto page 5
SPILL = FIXTURES / "venues" / "iclr2027" / "workshop_spill_p5.pdf"
SUPPLEMENT = FIXTURES / "supplement" / "git_loose.zip"


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def report(*args):
    """The JSON report of `scope-check ARGS --format json`, and the exit code."""
    result = run(*args, "--format", "json")
    return json.loads(result.output), result.exit_code


def found(doc, index=0):
    return {(f["code"], f["severity"]) for f in doc["files"][index]["findings"]}


# --- a value changed ----------------------------------------------------------------------------

def test_a_page_limit_set_on_the_command_line_fails_a_paper_the_plain_set_passes():
    plain, code = report(FIVE, "--rules", "scope2025-main")
    assert code == 0 and plain["rules"] == "scope2025-main" and found(plain) == set()
    doc, code = report(FIVE, "--rules", "scope2025-main", "--set", "PAGE001.max_pages=4")
    assert code == 1
    assert doc["rules"] == "scope2025-main+set"  # never mistaken for the plain set's result
    [finding] = doc["files"][0]["findings"]
    assert (finding["code"], finding["severity"], finding["data"]["limit"]) == ("PAGE001", "error", 4)
    assert "scope2025-main+set allows 4" in finding["message"]


def test_the_same_setting_as_a_file_and_on_the_command_line_gives_the_same_rule_set():
    """`--rules iclr2027 --set PAGE001.max_pages=4` is the three-line workshop file (`extends:
    iclr2027`, `PAGE001: {max_pages: 4}`): only the name differs."""
    import yaml

    base = yaml.safe_load(WORKSHOP.read_text(encoding="utf-8"))["extends"]
    from_file = load_rules(str(WORKSHOP))
    ctx = click.Context(click.Command("x"))
    ctx.meta[options.OVERRIDES_KEY] = (options.parse_setting("PAGE001.max_pages=4"),)
    from_set = options.rule_set(base, ctx)
    assert from_set.name == f"{base}+set" and from_file.name == "my-workshop"
    assert (from_set.template, from_set.structure, from_set.checks) == (from_file.template, from_file.structure,
                                                                        from_file.checks)
    for paper, expected in ((SPILL, {("PAGE001", "error")}), (FULL, set())):
        by_file, _ = report(paper, "--rules", WORKSHOP)
        by_set, _ = report(paper, "--rules", base, "--set", "PAGE001.max_pages=4")
        assert found(by_file) == found(by_set) == expected
        assert by_set["rules"] == f"{base}+set" and by_file["rules"] == "my-workshop"


def test_set_applies_on_top_of_a_users_file_and_is_repeatable_the_last_value_winning():
    doc, code = report(SPILL, "--rules", WORKSHOP, "--set", "PAGE001.max_pages=3", "--set", "PAGE001.max_pages=5")
    assert code == 0 and doc["rules"] == "my-workshop+set" and found(doc) == set()


@pytest.mark.parametrize("setting, expected, exit_code", [
    ("PAGE001.severity=warning", {("PAGE001", "warning")}, 0),  # a warning: the paper passes
    ("page001.severity=warning", {("PAGE001", "warning")}, 0),  # a code in lower case is the code
    ("PAGE001.severity=off", set(), 0),  # YAML's bare off is the severity off, as in a file
    ("PAGE001={max_pages: 4, severity: info}", {("PAGE001", "info")}, 0),  # a flow mapping
    ("checks.PAGE001.max_pages=4", {("PAGE001", "error")}, 1),  # the full path, as in a file
    ("PAGE001.max_pages=null", set(), 0),  # null: no limit
])
def test_severities_and_values_are_yaml_as_in_a_file(setting, expected, exit_code):
    doc, code = report(FIVE, "--rules", "scope2025-tiny", "--set", setting)
    assert found(doc) == expected and code == exit_code


def test_a_region_severity_is_set_region_by_region():
    rules = load_rules("scope2025-main")
    assert rules.severity_setting("MARG001") == {"body": "error", "after_references": "warning"}
    ctx = click.Context(click.Command("x"))
    ctx.meta[options.OVERRIDES_KEY] = (options.parse_setting("MARG001.severity.after_references=off"),)
    assert options.rule_set("scope2025-main", ctx).severity_setting("MARG001") == {"body": "error",
                                                                                 "after_references": "off"}


def test_template_and_structure_values_and_flow_lists():
    doc, code = report(TWO, "--set", "template.page_size=[595.28, 841.89]")
    assert code == 1 and found(doc) == {("PAGE002", "error")}
    assert "scope2025-main+set requires 595.28 x 841.89 pt" in doc["files"][0]["findings"][0]["message"]
    doc, code = report(FIVE, "--set", "structure.references_headings=[Bibliography]")
    assert code == 1 and {c for c, _ in found(doc)} == {"PAGE001", "PAGE003"}
    assert doc["files"][0]["measurements"]["body_pages"] == 6
    doc, code = report(FIVE, "--set", "template.body_font_size=9.96")  # the template's own value: no change
    assert code == 0 and found(doc) == set()


# --- refused: exit 2 naming --set and where the value is wrong -------------------------------------

@pytest.mark.parametrize("setting, says", [
    ("PAGE001.max_pages=four", "--set PAGE001.max_pages=four: $.checks.PAGE001.max_pages: 'four' is not of type"),
    ("PAGE001.max_page=4", "--set PAGE001.max_page=4: $.checks.PAGE001: Additional properties are not allowed "
                           "('max_page' was unexpected)"),
    ("NOPE001.max_pages=4", "--set NOPE001.max_pages=4: $.checks: Additional properties are not allowed "
                            "('NOPE001' was unexpected)"),
    ("PAGE001.severity=fatal", "--set PAGE001.severity=fatal: $.checks.PAGE001.severity: 'fatal' is not one of"),
    ("FONT003.severity={body: off}", "--set FONT003.severity={body: off}: $.checks.FONT003.severity"),
    ("template.text_blok=[1, 2, 3, 4]", "--set template.text_blok=[1, 2, 3, 4]: $.template: Additional properties"),
    ("template.body_font_size=-1", "--set template.body_font_size=-1: $.template.body_font_size: -1 is less than"),
    ("template.header.review=['(unclosed']", "$.template.header.review[0]: '(unclosed' is not a 'regex'"),
    ("template.header.review=['(a+)+$']", "$.template.header.review[0]: '(a+)+$' is not a 'regex': unsafe regular "
                                          "expression"),
    ("structure.exempt_sections=Ethics", "--set structure.exempt_sections=Ethics: $.structure.exempt_sections: "
                                         "'Ethics' is not of type 'array'"),
])
def test_an_invalid_value_exits_2_naming_set_and_the_json_path(setting, says):
    result = run(TWO, "--set", setting)
    assert result.exit_code == 2
    assert "Error: invalid rules: " in result.output and says in result.output, result.output
    assert "PASS" not in result.output and "FAIL" not in result.output  # nothing checked


@pytest.mark.parametrize("setting, says", [
    ("PAGE001", "'PAGE001' is not KEY=VALUE"),
    ("=4", "'=4' is not KEY=VALUE"),
    ("PAGE001.max_pages=", "has no value (write null for none)"),
    ("PAGE001.max_pages=[1,", "its value is not YAML"),
    ("PAGE001..max_pages=4", "is not a key"),
    ("name=other", "a key starts with a check's code"),
    ("extends=scope2025-tiny", "a key starts with a check's code"),
])
def test_a_setting_that_is_not_key_equals_value_is_a_usage_error(setting, says):
    result = run(TWO, "--set", setting)
    assert result.exit_code == 2
    assert "Invalid value for '--set'" in result.output and says in result.output, result.output


def test_an_alias_bomb_in_a_value_is_refused_like_in_a_file():
    bomb = "[&a [x,x,x,x,x,x,x,x,x], &b [*a,*a,*a,*a,*a,*a,*a,*a,*a], &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]," \
           " &d [*c,*c,*c,*c,*c,*c,*c,*c,*c], &e [*d,*d,*d,*d,*d,*d,*d,*d,*d], [*e,*e,*e,*e,*e,*e,*e,*e,*e]]"
    result = run(TWO, "--set", f"structure.exempt_sections={bomb}")
    assert result.exit_code == 2 and "Invalid value for '--set'" in result.output, result.output


def test_an_invalid_setting_names_the_environment_rules_too():
    result = run(TWO, "--set", "PAGE001.max_pages=four", env={RULES_ENV: "scope2025-tiny"})
    assert result.exit_code == 2 and f"{RULES_ENV}=scope2025-tiny" in result.output
    assert "--set PAGE001.max_pages=four" in result.output


# --- every subcommand that takes --rules takes --set --------------------------------------------

def _commands():
    for name in LAZY_COMMANDS:
        command = load_command(name)
        yield name, {opt for p in command.params for opt in getattr(p, "opts", ())}


def test_every_subcommand_with_rules_takes_set():
    with_rules = {name for name, opts in _commands() if "--rules" in opts}
    assert {"check", "batch", "supplement", "rules"} <= with_rules
    assert all("--set" in opts for name, opts in _commands() if name in with_rules)


def test_rules_shows_the_parameters_with_the_settings_applied():
    result = run("rules", "PAGE001", "--rules", "scope2025-tiny", "--set", "PAGE001.max_pages=3")
    assert result.exit_code == 0
    assert "Parameters in scope2025-tiny+set" in result.output and "  max_pages: 3\n" in result.output
    result = run("rules", "PAGE001", "--rules", "scope2025-tiny", "--set", "PAGE001.max_pages=three")
    assert result.exit_code == 2 and "--set PAGE001.max_pages=three: $.checks.PAGE001.max_pages" in result.output


def test_supplement_takes_set():
    plain = run("supplement", SUPPLEMENT)
    assert plain.exit_code == 1 and "SUPP001 error" in plain.output
    demoted = run("supplement", SUPPLEMENT, "--set", "SUPP001.severity=warning", "--set", "SUPP005.severity=warning")
    assert demoted.exit_code == 0, demoted.output
    assert "SUPP001 warning" in demoted.output and "against scope2025-main+set" in demoted.output
    bad = run("supplement", SUPPLEMENT, "--set", "SUPP001.severity=fatal")
    assert bad.exit_code == 2 and "--set SUPP001.severity=fatal: $.checks.SUPP001.severity" in bad.output


def test_batch_takes_set_and_never_reuses_a_plain_result_for_it(tmp_path):
    """A batch result is keyed by the resolved rule data's hash: a rerun with --set checks again,
    and its rows name the set NAME+set."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "101.pdf").write_bytes(FIVE.read_bytes())
    out = tmp_path / "out"

    def batch(*more):
        return subprocess.run([sys.executable, "-m", "scope_check", "batch", str(folder), "--out", str(out),
                               "--progress", "none", "--no-first-pages", *more],
                              capture_output=True, text=True, cwd=ROOT, timeout=300)

    plain = batch()
    assert plain.returncode == 0, plain.stderr
    limited = batch("--set", "PAGE001.max_pages=4")
    assert limited.returncode == 1, limited.stderr
    assert "reused 0 from the database" in limited.stderr and "PAGE001 1" in limited.stderr
    assert "scope2025-main+set" in (out / "results.csv").read_text(encoding="utf-8")
    bad = batch("--set", "PAGE001.max_pages=four")
    assert bad.returncode == 2 and "--set PAGE001.max_pages=four: $.checks.PAGE001.max_pages" in bad.stderr
