"""Rule files: bundled sets, extends, validation by the shipped JSON Schema."""

from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import FIXTURES
from scope_check.config.rules import RulesError, bundled_dir, bundled_names, schema
from scope_check.checks import load_rules

BUNDLED = ["iclr2025", "scope2025-tiny", "scope2025-main", "wsl2025-extended", "wsl2025-full",
           "iclr2026", "iclr2027", "iclr2027-camera"]
BUNDLED += ["neurips2025", "neurips2026"]  # the NeurIPS venues (their base, rules/_neurips.yaml, is no set of its own)
BUNDLED += ["icml2026", "icml2026-camera", "cvpr2026", "cvpr2026-camera"]  # the two-column venues
BUNDLED += ["arr2026-long", "arr2026-short", "arr2026-long-camera"]  # ACL/ARR (their base, rules/_acl.yaml)


def test_the_bundled_names_are_the_documented_ones():
    assert sorted(bundled_names()) == sorted(BUNDLED)


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_file_validates_against_the_schema(name):
    import yaml

    from scope_check.config.rules import bundled_index

    data = yaml.safe_load(bundled_index()[name].read_text())
    jsonschema.Draft202012Validator(schema()).validate(data)


def test_the_schema_is_draft_2020_12_and_closed():
    s = schema()
    jsonschema.Draft202012Validator.check_schema(s)
    assert s["$schema"].endswith("2020-12/schema")
    assert s["additionalProperties"] is False
    assert all(v["additionalProperties"] is False for v in s["properties"]["checks"]["properties"].values())


@pytest.mark.parametrize("name,limit", [("scope2025-tiny", 2), ("scope2025-main", 5), ("wsl2025-extended", 4), ("wsl2025-full", 8)])
def test_track_limits(name, limit):
    assert load_rules(name).options("PAGE001")["max_pages"] == limit


def test_extends_inherits_the_template_and_overrides_only_what_it_names():
    base, tiny = load_rules("iclr2025"), load_rules("scope2025-tiny")
    assert tiny.template == base.template
    assert tiny.options("FILE004")["max_bytes"] == 50_000_000
    assert tiny.sources[0].endswith("iclr2025.yaml")


def test_a_users_file_extends_a_bundled_set(tmp_path):
    own = tmp_path / "mine.yaml"
    own.write_text("name: mine\nextends: scope2025-main\nchecks:\n  PAGE001: {max_pages: 3}\n  PAGE003: {severity: off}\n")
    rules = load_rules(str(own))
    assert rules.options("PAGE001")["max_pages"] == 3
    assert rules.severity("PAGE003", "warning") == "off"


@pytest.mark.parametrize(
    "text,where",
    [
        ("name: x\nextends: scope2025-main\nchecks:\n  PAGE001: {max_page: 3}\n", "$.checks.PAGE001"),
        ("name: x\nextends: scope2025-main\ntemplate:\n  text_blok: [1, 2, 3, 4]\n", "$.template"),
        ("name: x\nextends: scope2025-main\nchecks:\n  PAGE001: {severity: fatal}\n", "$.checks.PAGE001.severity"),
        ("name: x\nextends: scope2025-main\nchecks:\n  NOPE001: {}\n", "$.checks"),
        ("name: x\ntemplate:\n  page_size: [612, 792]\n", "$.template"),
        ("name: x\nextends: scope2025-main\ntemplate:\n  header: {review: ['(unclosed']}\n", "$.template.header.review"),
    ],
)
def test_an_invalid_file_names_the_file_and_the_json_path(tmp_path, text, where):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(RulesError) as err:
        load_rules(str(bad))
    assert str(bad) in str(err.value)
    assert where in str(err.value)


def test_yaml_is_loaded_safely(tmp_path):
    evil = tmp_path / "evil.yaml"
    evil.write_text("name: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(RulesError, match="invalid YAML"):
        load_rules(str(evil))


def test_extends_cycles_are_reported(tmp_path):
    (tmp_path / "a.yaml").write_text("name: a\nextends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("name: b\nextends: a.yaml\n")
    with pytest.raises(RulesError, match="cycle"):
        load_rules(str(tmp_path / "a.yaml"))


def test_unknown_names_list_the_bundled_sets():
    with pytest.raises(RulesError, match="scope2025-main"):
        load_rules("scope2026-main")


def test_rules_are_read_only():
    with pytest.raises(TypeError):
        load_rules("scope2025-main").checks["PAGE001"]["max_pages"] = 99  # type: ignore[index]


def test_the_bundled_folder_is_the_top_level_rules_folder_in_a_checkout():
    assert (bundled_dir() / "scope2025" / "main.yaml").is_file()
    json.dumps(schema())


# --- a workshop in three lines; `rules --list` ---------------------------------------------------

WORKSHOP = FIXTURES / "rules" / "workshop_4pages.yaml"


def test_a_workshop_is_three_lines_and_changes_only_its_page_limit():
    """docs/rule-files.md: `extends:`, `name:`, `checks: {PAGE001: {max_pages: 4}}`; everything else is
    the conference's set."""
    import yaml

    text = WORKSHOP.read_text(encoding="utf-8")
    assert len([line for line in text.splitlines() if line.strip() and not line.startswith("#")]) == 3
    base_name = yaml.safe_load(text)["extends"]
    assert base_name in bundled_names()
    workshop, base = load_rules(str(WORKSHOP)), load_rules(base_name)
    assert workshop.name == "my-workshop" and workshop.options("PAGE001")["max_pages"] == 4
    assert workshop.template == base.template and workshop.structure == base.structure
    assert {k: v for k, v in workshop.checks.items() if k != "PAGE001"} == \
           {k: v for k, v in base.checks.items() if k != "PAGE001"}
    assert workshop.sources[-1] == str(WORKSHOP.resolve()) and workshop.sources[0] == base.sources[0]


def test_the_three_line_workshop_on_the_command_line():
    """Two ICLR 2027 papers either side of the workshop's 4 pages: the main text filling page 4 (its
    AI use statement on page 5, not counted) passes; two lines more on page 5 fail. The conference's
    9 pages pass both."""
    from click.testing import CliRunner

    from scope_check.cli.main import cli

    def checked(name, rules):
        result = CliRunner().invoke(cli, [str(FIXTURES / "venues" / "iclr2027" / f"{name}.pdf"), "--rules", rules,
                                          "--format", "json"])
        doc = json.loads(result.output)
        entry = doc["files"][0]
        return (result.exit_code, doc["rules"], entry["measurements"]["body_pages"],
                [(f["code"], f["page"], f["data"]["limit"]) for f in entry["findings"]])

    assert checked("workshop_full_p4", str(WORKSHOP)) == (0, "my-workshop", 4, [])
    assert checked("workshop_spill_p5", str(WORKSHOP)) == (1, "my-workshop", 5, [("PAGE001", 5, 4)])
    assert checked("workshop_full_p4", "iclr2027") == (0, "iclr2027", 4, [])
    assert checked("workshop_spill_p5", "iclr2027") == (0, "iclr2027", 5, [])


def test_rules_list_prints_every_bundled_set_with_its_limit_what_it_extends_and_its_title():
    import yaml
    from click.testing import CliRunner

    from scope_check import DEFAULT_RULES
    from scope_check.cli.main import cli
    from scope_check.config.rules import bundled_index

    result = CliRunner().invoke(cli, ["rules", "--list"])
    assert result.exit_code == 0
    header, *lines = result.output.splitlines()
    assert header.split() == ["name", "pages", "extends", "title"]
    assert [line.split()[0] for line in lines] == bundled_names()  # one line each, by name
    for line in lines:
        name, pages, parent, title = line.split(None, 3)
        rules = load_rules(name)
        limit = rules.options("PAGE001")["max_pages"]
        assert pages == ("-" if limit is None else str(limit))
        extends = yaml.safe_load(bundled_index()[name].read_text(encoding="utf-8")).get("extends")
        assert parent == (extends if extends in bundled_names() else "-")  # a base by path is no set of its own
        assert title == rules.title + (" (the default)" if name == DEFAULT_RULES else "")


def test_rules_list_takes_no_codes():
    from click.testing import CliRunner

    from scope_check.cli.main import cli

    result = CliRunner().invoke(cli, ["rules", "--list", "PAGE001"])
    assert result.exit_code == 2 and "--list" in result.output
