"""Meta-tests that keep the registry honest: every code documented, configured and exercised."""

from __future__ import annotations

import re

import pytest
import yaml

from conftest import FIXTURES, ROOT
from scope_check.checks import checks, get
from scope_check.config.rules import schema
from scope_check.checks import load_rules

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
    for p in c.params.values():
        assert p.description and "\n" not in p.description, f"{code}.{p.name}: one line of description"


@pytest.mark.parametrize("code", list(checks()))
def test_every_check_has_complete_options_in_every_bundled_rule_set(code):
    for name in ("iclr2025", "scope2025-tiny", "scope2025-main", "wsl2025-extended", "wsl2025-full"):
        rules = load_rules(name)
        assert set(rules.options(code)) == set(get(code).params)
        assert rules.severity(code) in ("error", "warning", "info", "off")


#: reported by the runner itself, not by a PDF's content: an internal error, and the resource limits
#: (FILE006/FILE007 are triggered by test hooks in the limit and batch tests): attributes of the spec
#: (broken and unsafe archives, SUPP006/SUPP007, are made by tests/test_supplement.py)
NOT_FROM_A_FIXTURE = tuple(code for code, c in checks().items() if c.internal or c.runner_reported) + (
    "SUPP006", "SUPP007")


def test_the_codes_not_from_a_fixture_are_the_internal_error_and_the_resource_limits():
    assert NOT_FROM_A_FIXTURE == ("FILE006", "FILE007", "SCOPE001", "SUPP006", "SUPP007")
    assert all(checks()[c].run is None for c in NOT_FROM_A_FIXTURE)


def test_the_supplement_codes_never_run_on_a_pdf():
    """SUPP codes are checked by `scope-check supplement`: a spec attribute, no `run`, never skipped."""
    from scope_check.engine.runner import Selection, skipped

    supp = tuple(code for code, c in checks().items() if c.supplement)
    assert supp == tuple(f"SUPP00{i}" for i in range(1, 8))
    assert all(checks()[c].run is None for c in supp)
    assert not set(supp) & set(skipped(load_rules("scope2025-main"), Selection(select=("ANON",))))


def test_gates_uncheckable_and_unignorable_codes_are_spec_attributes():
    from scope_check.engine.runner import UNCHECKABLE, UNOPENABLE

    gates = tuple(code for code, c in checks().items() if c.gate)
    assert gates == ("FILE001", "FILE002", "FILE003", "FILE005")
    assert UNCHECKABLE == ("FILE001", "FILE002", "FILE003", "FILE005", "FILE006", "FILE007")
    assert UNOPENABLE == ("FILE001", "FILE002", "FILE003")
    assert [code for code, c in checks().items() if c.internal] == ["SCOPE001"]


def test_the_runner_and_the_annotator_name_no_check_code():
    for module in ("engine/runner.py", "output/annotate.py"):
        text = (ROOT / "scope_check" / module).read_text()
        assert not re.search(r"[\"'](FILE|PAGE|MARG|FONT|TMPL|ANON|SCOPE|TEXT)\d{3}[\"']", text), module


@pytest.mark.parametrize("code", [c for c in checks() if c not in NOT_FROM_A_FIXTURE])
def test_every_check_has_a_fixture_that_triggers_it(code):
    triggering = [case for case in MANIFEST if code in case["codes"]]
    assert triggering, f"no fixture in fixtures/manifest.yaml yields {code}"


def test_get_suggests_the_nearest_codes_on_a_typo():
    with pytest.raises(KeyError, match="did you mean PAGE001"):
        get("PAEG001")


def test_the_committed_rule_reference_is_generated_from_the_registry():
    """docs/RULES.md is regenerated with `python -m scope_check.output.reference > docs/RULES.md`:
    the specs, and per code its module, tests, triggering and near-miss fixtures (the manifests)."""
    from scope_check.output.reference import markdown, repository_index

    assert (ROOT / "docs" / "RULES.md").read_text() == markdown(checks(), repository_index(ROOT, checks()))


def test_the_rule_reference_names_files_that_exist():
    from scope_check.output.reference import home, repository_index

    for code, facts in repository_index(ROOT, checks()).items():
        assert (ROOT / home(get(code))).is_file(), code
        assert facts["tests"], f"{code}: no test file names it"
        for path in facts["tests"]:
            assert (ROOT / path).is_file(), path
        for shown in facts["triggers"] + facts["near_misses"]:
            assert (ROOT / shown.split("`")[1]).is_file(), shown


def test_the_rule_reference_without_the_index_reads_no_file():
    """The installed package has no fixtures/ or tests/: `markdown(checks())` reads no file."""
    from scope_check.output.reference import markdown

    text = markdown(checks())
    assert "**Triggered by.**" not in text and "## PAGE001 page-limit" in text


def test_the_shipped_schema_is_generated_from_the_declarations():
    """scope_check/config/rules.schema.json is `python -m scope_check.output.reference --schema`."""
    from scope_check.output.reference import schema_text

    assert (ROOT / "scope_check" / "config" / "rules.schema.json").read_text() == schema_text()


def test_schema_and_specs_agree_both_ways():
    from scope_check.config.rules import STRUCTURE, TEMPLATE

    props = schema()["properties"]
    for code, c in checks().items():
        entry = props["checks"]["properties"][code]["properties"]
        assert set(entry) == {"severity", "why"} | set(c.params), code
    assert set(props["checks"]["properties"]) == set(checks())
    assert set(props["template"]["properties"]) == {p.name for p in TEMPLATE}
    assert set(props["structure"]["properties"]) == {p.name for p in STRUCTURE}


def _all_params():
    from scope_check.config.rules import STRUCTURE, TEMPLATE

    for code, c in checks().items():
        for p in c.params.values():
            yield f"checks.{code}", p
    for p in TEMPLATE:
        yield "template", p
    for p in STRUCTURE:
        yield "structure", p


def test_every_parameter_has_exactly_one_default():
    """Declared once (on its spec, or in rules.TEMPLATE / STRUCTURE), the default valid against the
    schema generated from the same declaration; no bundled rule file restates a default; no check
    or analysis module carries a fallback of its own (`options.get(...)`, `template.get(...)`)."""
    import jsonschema

    seen = set()
    for where, p in _all_params():
        assert (where, p.name) not in seen
        seen.add((where, p.name))
        if p.required:
            assert p.default is None, f"{where}.{p.name}: a required parameter has no default"
            continue
        jsonschema.Draft202012Validator(p.json_schema(), format_checker=jsonschema.FormatChecker()).validate(p.default)
    from scope_check.config.rules import bundled_index
    from scope_check.checks import defaults

    declared = defaults()
    for _name, path in bundled_index().items():
        data = yaml.safe_load(path.read_text())
        for section in ("template", "structure"):
            for key, value in (data.get(section) or {}).items():
                assert value != declared[section].get(key, object()), f"{path.name}: {section}.{key} restates its default"
        for code, entry in (data.get("checks") or {}).items():
            for key, value in entry.items():
                if key != "why":
                    assert value != declared["checks"][code].get(key, object()), f"{path.name}: {code}.{key} restates its default"
    fallback = re.compile(r"\b(options|template|tpl|structure|vocabulary|ruler|header)\.get\(")
    for module in sorted((ROOT / "scope_check").rglob("*.py")):
        if module.name == "rules.py":
            continue  # the loader reads the raw files, before the defaults are merged
        text = module.read_text()
        assert not fallback.search(text), f"{module.name}: a parameter read with a fallback"


def test_every_template_default_is_merged_before_the_checks_run(tmp_path):
    from scope_check.config.rules import TEMPLATE

    own = tmp_path / "bare.yaml"
    own.write_text("name: bare\ntemplate:\n  page_size: [612, 792]\n  text_block: [108, 81.87, 504, 729.87]\n"
                   "  body_font_size: 9.96\n  body_leading: 10.96\n")
    rules = load_rules(str(own))
    assert {p.name for p in TEMPLATE} <= set(rules.template)
    assert rules.options("FILE004") == {"max_bytes": None}
    assert rules.structure["references_headings"][0] == "References"


def test_no_check_module_imports_the_registry():
    """The registry (`checks/__init__.py`) imports the check modules; a check module imports the spec
    types and its family's shared helpers, never the registry itself."""
    for module in sorted((ROOT / "scope_check" / "checks").rglob("*.py")):
        if module.name == "__init__.py":
            continue
        text = module.read_text()
        assert "from scope_check import checks" not in text and "import scope_check.checks\n" not in text, module.name
        assert "from scope_check.checks import load_rules" not in text, module.name


def test_a_parameter_declared_the_old_way_is_refused_with_the_recipe():
    from scope_check.config.spec import Check, Param

    with pytest.raises(TypeError, match="Param\\(name, type, default, description"):
        Check(code="TEXT009", name="x", severity="error", summary="s", why="w", fix="f",
              params={"limit": "how many"})
    ok = Check(code="TEXT009", name="x", severity="error", summary="s", why="w", fix="f",
               params=(Param("limit", "integer", 3, "how many"),))
    assert ok.defaults() == {"limit": 3} and list(ok.params) == ["limit"] and ok.family == "TEXT"
