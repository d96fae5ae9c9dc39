"""Meta-tests that keep the registry honest: every code documented, configured and exercised."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import FIXTURES, ROOT
from scope_check.registry import checks, get
from scope_check.rules import load_rules, schema

CONTRACT = ROOT.parent / "shared" / "CHECKS.md"
MANIFEST = (yaml.safe_load((FIXTURES / "manifest.yaml").read_text()) or []) + (
    yaml.safe_load((FIXTURES / "supplement" / "manifest.yaml").read_text()) or []  # archives: SUPP codes
)


def test_codes_are_family_plus_three_digits_with_kebab_case_names():
    for code, c in checks().items():
        assert re.fullmatch(r"[A-Z]{4,5}\d{3}", code)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", c.name)
        assert c.severity in ("error", "warning", "info")


@pytest.mark.skipif(not CONTRACT.is_file(), reason="the shared contract is not beside the project")
def test_codes_names_and_severities_match_the_public_contract():
    rows = re.findall(r"^\| ([A-Z]+\d{3}) \| ([a-z-]+) \| (\w+) \|", CONTRACT.read_text(), re.M)
    contract = {code: (name, sev) for code, name, sev in rows}
    ours = {code: (c.name, c.severity) for code, c in checks().items() if code in contract}
    assert ours == {code: contract[code] for code in ours}


@pytest.mark.parametrize("code", list(checks()))
def test_every_check_is_documented(code):
    c = get(code)
    assert c.summary and c.why and c.fix and c.example
    for option in schema()["properties"]["checks"]["properties"][code]["properties"]:
        if option != "severity":
            assert option in c.params, f"{code}: option {option} has no description in the registry"


@pytest.mark.parametrize("code", list(checks()))
def test_every_check_has_a_rule_file_entry(code):
    assert code in load_rules("iclr2025").checks


#: reported by the runner itself, not by a PDF's content: an internal error, and the resource limits
#: (FILE006/FILE007 are triggered by test hooks in the limit and batch tests)
NOT_FROM_A_FIXTURE = ("SCOPE001", "FILE006", "FILE007",
                      "SUPP006", "SUPP007")  # broken and unsafe archives are made by tests/test_supplement.py


@pytest.mark.parametrize("code", [c for c in checks() if c not in NOT_FROM_A_FIXTURE])
def test_every_check_has_a_fixture_that_triggers_it(code):
    triggering = [case for case in MANIFEST if code in case["codes"]]
    assert triggering, f"no fixture in fixtures/manifest.yaml yields {code}"


def test_get_names_the_known_codes_on_a_typo():
    with pytest.raises(KeyError, match="PAGE001"):
        get("PAGE999")


def test_the_committed_rule_reference_is_generated_from_the_registry():
    """docs/RULES.md is regenerated with `python -m scope_check.reference > docs/RULES.md`."""
    from scope_check.reference import markdown

    assert (ROOT / "docs" / "RULES.md").read_text() == markdown(checks()) + "\n"
