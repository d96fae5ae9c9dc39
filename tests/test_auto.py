"""`--rules auto`: each paper checked against the bundled venue whose template it is in (the
judgement TMPL001 makes, against every bundled template), its report naming the rule set chosen; a
paper in none of them is checked against the default and says so. On the venue corpus
(../shared/corpus-venues, EXPECTED.tsv `rules`), on the official template samples
(../shared/template) and on fixtures."""

from __future__ import annotations

import csv
import json
import shutil

import pytest
from click.testing import CliRunner

from conftest import CORPUS, fixture_path
from scope_check import DEFAULT_RULES
from scope_check.batch.engine import rules_hash
from scope_check.checks import checks, load_rules
from scope_check.cli.main import cli
from scope_check.config.rules import load_rules as load_with
from scope_check.engine.runner import check_file
from scope_check.engine.venues import AutoRules, auto_rules

CORPUS_VENUES = CORPUS.parent / "corpus-venues"
TEMPLATES = CORPUS.parent / "template"
#: the venues whose rule sets are bundled (others' papers stay unmatched until a later issue)
BUNDLED_VENUES = ("iclr2026", "iclr2027", "neurips2025", "neurips2026")
#: every official sample PDF of a bundled venue's template folder, and the rule set it is in
SAMPLES = {
    "iclr2025/iclr2025_conference.pdf": "iclr2025",
    "iclr2026/iclr2026_conference.pdf": "iclr2026",
    "iclr2026/compiled/iclr2026_conference-final.pdf": "iclr2026",
    "iclr2027/iclr2027_conference.pdf": "iclr2027",
    "iclr2027/compiled/iclr2027_conference-final.pdf": "iclr2027",
    "neurips2025/neurips_2025.pdf": "neurips2025",
    "neurips2025/compiled/neurips_2025-submission.pdf": "neurips2025",
    "neurips2025/compiled/neurips_2025-dandb-submission.pdf": "neurips2025",
    "neurips2025/compiled/neurips_2025-main-final.pdf": "neurips2025",
    "neurips2026/neurips_2026.pdf": "neurips2026",
    "neurips2026/compiled/neurips_2026-main-final.pdf": "neurips2026",
    "neurips2026/compiled/neurips_2026-preprint.pdf": "neurips2026",
}
needs_corpus_venues = pytest.mark.skipif(not (CORPUS_VENUES / "EXPECTED.tsv").is_file(),
                                         reason="../shared/corpus-venues is not beside the project")
needs_templates = pytest.mark.skipif(not TEMPLATES.is_dir(), reason="../shared/template is not beside the project")


@pytest.fixture(scope="module")
def auto():
    return auto_rules(load_rules, DEFAULT_RULES)


def venue_rows():
    if not (CORPUS_VENUES / "EXPECTED.tsv").is_file():
        return []
    with open(CORPUS_VENUES / "EXPECTED.tsv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@needs_corpus_venues
@pytest.mark.parametrize("row", [r for r in venue_rows() if r["venue"] in BUNDLED_VENUES], ids=lambda r: r["file"])
def test_auto_picks_each_venue_papers_own_rule_set(row, auto):
    report = check_file(str(CORPUS_VENUES / row["file"]), auto)
    assert report.rules == row["rules"]
    assert report.auto["matched"] is True


@needs_corpus_venues
@pytest.mark.parametrize("row", [r for r in venue_rows() if r["venue"] not in BUNDLED_VENUES], ids=lambda r: r["file"])
def test_a_paper_of_a_venue_not_bundled_falls_back_to_the_default_and_says_so(row, auto):
    report = check_file(str(CORPUS_VENUES / row["file"]), auto)
    assert report.rules == DEFAULT_RULES
    assert report.auto == {"matched": False, "template": None, "candidates": []}
    assert "TMPL001" in {f.code for f in report.findings if f.severity == "error"}


@needs_templates
@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_auto_picks_each_template_samples_rule_set(sample, auto):
    report = check_file(str(TEMPLATES / sample), auto)
    assert report.rules == SAMPLES[sample]


@needs_templates
@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_auto_finds_the_same_as_the_chosen_rule_set_checked_directly(sample, auto):
    """Choosing changes nothing of the check itself: the report is the chosen set's own."""
    chosen = check_file(str(TEMPLATES / sample), auto)
    direct = check_file(str(TEMPLATES / sample), load_rules(SAMPLES[sample]))
    assert [f.to_json() for f in chosen.findings] == [f.to_json() for f in direct.findings]
    assert chosen.verdict == direct.verdict and chosen.measurements == direct.measurements


def test_the_candidates_are_the_bundled_templates_never_a_workshop(auto):
    names = {r.name for r in auto.candidates}
    assert set(BUNDLED_VENUES) | {"iclr2025"} <= names
    assert not names & {"scope2025-main", "scope2025-tiny", "wsl2025-extended", "wsl2025-full", "iclr2027-camera"}


def test_a_fixture_of_last_years_style_is_last_years_rule_set(auto):
    assert check_file(fixture_path("template/iclr2026_style_2027_paper.pdf"), auto).rules == "iclr2026"
    assert check_file(fixture_path("template/iclr2027_review.pdf"), auto).rules == "iclr2027"


def test_a_two_column_paper_matches_no_bundled_template(auto):
    report = check_file(fixture_path("template/twocolumn_neurips_like.pdf"), auto)
    assert (report.rules, report.auto["matched"]) == (DEFAULT_RULES, False)


def test_a_file_that_cannot_be_read_is_reported_against_the_default(auto):
    report = check_file(fixture_path("files/empty.pdf"), auto)
    assert report.rules == DEFAULT_RULES and report.auto["unread"] is True
    assert report.verdict == "error"


def test_the_json_report_names_each_files_rule_set():
    result = CliRunner().invoke(cli, ["check", fixture_path("template/iclr2027_review.pdf"),
                                       fixture_path("template/twocolumn_neurips_like.pdf"),
                                       "--rules", "auto", "--format", "json"])
    data = json.loads(result.output)
    assert data["rules"] == "auto"
    assert [f["rules"] for f in data["files"]] == ["iclr2027", DEFAULT_RULES]
    assert [f["rules_auto"]["matched"] for f in data["files"]] == [True, False]
    assert data["files"][0]["rules_auto"]["template"] == "ICLR 2027"


def test_a_json_report_of_one_rule_set_has_no_per_file_rules():
    result = CliRunner().invoke(cli, ["check", fixture_path("template/iclr2027_review.pdf"), "--rules", "iclr2027",
                                       "--format", "json"])
    data = json.loads(result.output)
    assert "rules" not in data["files"][0] and "rules_auto" not in data["files"][0]


def test_the_text_report_says_which_rule_set_auto_chose():
    result = CliRunner().invoke(cli, ["check", fixture_path("template/iclr2027_review.pdf"),
                                       fixture_path("template/twocolumn_neurips_like.pdf"), "--rules", "auto"])
    assert "against iclr2027" in result.output
    assert "chosen by --rules auto: the ICLR 2027 template" in result.output
    assert f"--rules auto: no bundled template matches; checked against the default, {DEFAULT_RULES}" in result.output


def test_set_applies_to_the_rule_set_auto_chooses():
    result = CliRunner().invoke(cli, ["check", fixture_path("template/iclr2027_review.pdf"), "--rules", "auto",
                                       "--set", "PAGE001.max_pages=1", "--format", "json"])
    entry = json.loads(result.output)["files"][0]
    assert entry["rules"] == "iclr2027+set"
    assert [f["data"]["limit"] for f in entry["findings"] if f["code"] == "PAGE001"] == [1]


def test_auto_from_the_environment():
    result = CliRunner().invoke(cli, ["check", fixture_path("template/iclr2027_review.pdf"), "--format", "json"],
                                env={"SCOPE_CHECK_RULES": "auto"})
    assert json.loads(result.output)["files"][0]["rules"] == "iclr2027"


def test_batch_takes_auto(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("iclr2027_review.pdf", "twocolumn_neurips_like.pdf"):
        shutil.copyfile(fixture_path(f"template/{name}"), folder / name)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["batch", str(folder), "--out", str(out), "--rules", "auto", "--jobs", "1",
                                       "--progress", "none", "--exit-zero", "--no-first-pages"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    chosen = {r["path"].rsplit("/", 1)[-1]: r["rules"] for r in rows}
    assert chosen == {"iclr2027_review.pdf": "iclr2027", "twocolumn_neurips_like.pdf": DEFAULT_RULES}


def test_the_auto_rule_set_has_a_stable_content_hash_for_batch():
    one = auto_rules(lambda name: load_with(name, checks()), DEFAULT_RULES)
    two = auto_rules(lambda name: load_with(name, checks()), DEFAULT_RULES)
    assert isinstance(one, AutoRules) and rules_hash(one) == rules_hash(two)
    assert rules_hash(one) != rules_hash(load_rules(DEFAULT_RULES))
