"""--format sarif: SARIF 2.1.0, valid against the official schema, one rule per code with its
documentation and help URI, stable fingerprints, the page in the message and properties."""

from __future__ import annotations

import json

import jsonschema
import pytest
from click.testing import CliRunner

from conftest import FIXTURES, ROOT
from scope_check.cli.main import cli
from scope_check.output.base import RULES_URL

SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
EXAMPLE = str(FIXTURES / "example" / "draft_with_problems.pdf")
SYNCTEX = str(FIXTURES / "synctex" / "violations.pdf")
MANY = str(FIXTURES / "ci" / "many_links.pdf")


def sarif(*pdfs):
    result = CliRunner().invoke(cli, [*pdfs, "--format", "sarif"])
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)


def validate(doc):
    if not SCHEMA.is_file():
        pytest.skip(f"the official SARIF schema is not at {SCHEMA}")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(doc)


def test_the_report_is_valid_sarif(monkeypatch):
    monkeypatch.chdir(ROOT)
    doc = sarif(EXAMPLE, SYNCTEX, MANY)
    validate(doc)
    assert doc["version"] == "2.1.0"


def test_each_code_is_declared_once_with_its_documentation():
    doc = sarif(EXAMPLE, MANY)
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)) and ids == sorted(ids)
    assert set(ids) == {r["ruleId"] for r in doc["runs"][0]["results"]}
    anon3 = next(r for r in rules if r["id"] == "ANON003")
    assert anon3["name"] == "identifying-link"
    assert anon3["shortDescription"]["text"] and anon3["fullDescription"]["text"] and anon3["help"]["text"]
    assert anon3["helpUri"] == f"{RULES_URL}#anon003-identifying-link"
    for result in doc["runs"][0]["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_results_carry_the_page_and_a_line(monkeypatch):
    monkeypatch.chdir(ROOT)
    doc = sarif(EXAMPLE, SYNCTEX)
    results = doc["runs"][0]["results"]
    marg = [r for r in results if r["ruleId"] == "MARG001"]
    plain = next(r for r in marg if r["properties"]["pdf"] == EXAMPLE)
    assert plain["properties"]["page"] == 3 and "p.3" in plain["message"]["text"]
    loc = plain["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith("draft_with_problems.pdf") and loc["region"]["startLine"] == 1
    mapped = next(r for r in marg if r["properties"]["pdf"] == SYNCTEX)
    loc = mapped["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "fixtures/synctex/violations.tex"
    assert loc["region"]["startLine"] > 1
    assert mapped["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("violations.pdf")
    meta = next(r for r in results if r["ruleId"] == "ANON005")
    assert "page" not in meta["properties"] and "file" in meta["message"]["text"]


def test_fingerprints_are_stable_and_distinct():
    first, second = sarif(MANY), sarif(MANY)
    prints = [r["partialFingerprints"] for r in first["runs"][0]["results"]]
    assert prints == [r["partialFingerprints"] for r in second["runs"][0]["results"]]
    values = [next(iter(p.values())) for p in prints]
    assert len(set(values)) == len(values) == 13


def test_a_file_name_that_is_not_utf8_keeps_its_bytes_in_the_uri(tmp_path, monkeypatch):
    """The URI percent-encodes the name's bytes (caf%E9.pdf), not the escaped text reports show it
    as (caf%5Cxe9.pdf); the message and the properties show the escaped text."""
    import os
    import shutil

    name = os.fsdecode(b"caf\xe9.pdf")
    shutil.copyfile(EXAMPLE, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    doc = sarif(name)
    validate(doc)
    results = doc["runs"][0]["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {"caf%E9.pdf"}
    assert all(r["properties"]["pdf"] == "caf\\xe9.pdf" and r["message"]["text"].startswith("caf\\xe9.pdf ")
               for r in results)
    outside = sarif(str(tmp_path / name))  # the same file named by an absolute path: still its bytes
    uri = outside["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "caf%E9.pdf"
    monkeypatch.chdir(ROOT)
    uri = sarif(str(tmp_path / name))["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///") and uri.endswith("/caf%E9.pdf")
