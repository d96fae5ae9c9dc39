"""The command line: verdicts, exit codes 0/1/2, JSON contract, colour, selection, rules reference."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import ROOT, fixture_path
from unprivileged import unprivileged_user
from scope_check import __version__
from scope_check.cli.main import cli

PASSING = fixture_path("pages/main_refs_top_p6.pdf")
FAILING = fixture_path("pages/main_spill_p6.pdf")


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert __version__ in result.output


def test_a_compliant_paper_exits_0():
    result = run(PASSING, "--rules", "scope2025-main")
    assert result.exit_code == 0
    assert "PASS" in result.output


def test_a_violation_exits_1_and_names_code_page_and_fix():
    result = run(FAILING, "--rules", "scope2025-main")
    assert result.exit_code == 1
    assert "p.6" in result.output and "PAGE001" in result.output and "fix:" in result.output


def test_exit_zero_screens_without_failing():
    assert run(FAILING, "--exit-zero").exit_code == 0


def test_json_is_the_version_1_contract():
    result = run(PASSING, FAILING, "--format", "json")
    doc = json.loads(result.output)
    assert doc["version"] == 1 and doc["rules"] == "scope2025-main"
    assert doc["summary"] == {"files": 2, "pass": 1, "fail": 1, "error": 0}
    entry = doc["files"][1]
    assert set(entry) >= {"path", "sha256", "verdict", "measurements", "findings", "elapsed_s"}
    assert {"pages", "body_pages", "references_page", "file_size_bytes", "body_font_size", "body_leading"} <= set(entry["measurements"])
    f = entry["findings"][0]
    assert set(f) >= {"code", "name", "severity", "page", "bbox", "message", "hint", "data"}
    assert (f["code"], f["name"], f["page"]) == ("PAGE001", "page-limit", 6)


def test_select_and_ignore_take_prefixes():
    assert run(FAILING, "--ignore", "PAGE").exit_code == 0
    assert run(FAILING, "--select", "FILE,PAGE001").exit_code == 1


def test_an_invalid_rules_file_exits_2_naming_the_file_and_path(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nextends: scope2025-main\nchecks:\n  PAGE001: {max_pages: -1}\n")
    result = CliRunner().invoke(cli, [PASSING, "--rules", str(bad)])
    assert result.exit_code == 2
    assert str(bad) in result.output and "$.checks.PAGE001.max_pages" in result.output


def test_usage_errors_exit_2():
    assert CliRunner().invoke(cli, ["--no-such-option"]).exit_code == 2
    assert CliRunner().invoke(cli, []).exit_code == 2  # no file at all
    assert CliRunner().invoke(cli, [PASSING, "--format", "xml"]).exit_code == 2


def test_a_missing_file_is_that_files_file002_row_not_a_usage_error():
    result = CliRunner().invoke(cli, ["/no/such/file.pdf", PASSING, "--format", "json"])
    assert result.exit_code == 1
    files = json.loads(result.output)["files"]
    assert [f["verdict"] for f in files] == ["error", "pass"]
    assert [x["code"] for x in files[0]["findings"]] == ["FILE002"]


def test_a_file_without_read_permission_among_several_is_that_files_row_not_a_usage_error():
    """`scope-check a.pdf b.pdf c.pdf` with b.pdf unreadable, run by a user who cannot read it (nobody
    when the tests run as root): the other files keep their verdicts, b.pdf is FILE002, exit 1."""
    with unprivileged_user() as user:
        paths = [user.folder / name for name in ("first.pdf", "unreadable.pdf", "last.pdf")]
        for path in paths:
            shutil.copyfile(PASSING, path)
        user.deny(paths[1])
        done = user.run(*paths, "--format", "json")  # no subcommand: `check` is the default
        assert done.returncode == 1, done.stderr
        assert b"Invalid value" not in done.stderr and b"Traceback" not in done.stderr
        files = json.loads(done.stdout)["files"]
        assert [f["path"] for f in files] == [str(p) for p in paths]
        assert [f["verdict"] for f in files] == ["pass", "error", "pass"]
        assert [x["code"] for x in files[1]["findings"]] == ["FILE002"]
        assert "cannot read the file: Permission denied" in files[1]["findings"][0]["message"]
        text = user.run("check", *paths, "--color", "never")
        assert text.returncode == 1 and text.stdout.decode().endswith("3 files: 2 pass, 0 fail, 1 error\n")
        # annotated copies of the files that could be read; the unreadable one is said, not a failure
        marked = user.run(*paths, "--annotate", user.folder / "marked", "--exit-zero")
        assert marked.returncode == 0, marked.stderr
        assert sorted(p.name for p in (user.folder / "marked").iterdir()) == ["first.annotated.pdf", "last.annotated.pdf"]
        assert b"unreadable.pdf: no annotated copy" in marked.stderr


def test_colour_always_never_and_no_color():
    assert "\033[" in run(FAILING, "--color", "always").output
    assert "\033[" not in run(FAILING, "--color", "never").output
    assert "\033[" not in run(FAILING, env={"NO_COLOR": "1"}).output


def test_output_file_is_written_whole(tmp_path):
    out = tmp_path / "report.json"
    result = run(FAILING, "--format", "json", "-o", str(out))
    assert result.exit_code == 1 and result.output == ""
    assert json.loads(out.read_text())["files"][0]["verdict"] == "fail"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary left behind


def test_rules_lists_every_check_and_the_bundled_sets():
    from scope_check.checks import checks

    result = run("rules")
    assert result.exit_code == 0
    assert all(code in result.output for code in checks())
    assert "scope2025-tiny" in result.output


def test_rules_code_explains_what_why_fix_and_parameters():
    result = run("rules", "page001", "--rules", "scope2025-tiny")
    assert result.exit_code == 0
    for section in ("What it checks", "Why", "How to fix", "Parameters"):
        assert section in result.output
    assert "  max_pages: 2\n" in result.output


def test_rules_unknown_code_is_a_usage_error():
    assert CliRunner().invoke(cli, ["rules", "NOPE001"]).exit_code == 2


def test_python_dash_m_runs_the_same_command():
    p = subprocess.run([sys.executable, "-m", "scope_check", FAILING, "--format", "json"],
                       capture_output=True, text=True, cwd=ROOT)
    assert p.returncode == 1
    assert json.loads(p.stdout)["files"][0]["findings"][0]["code"] == "PAGE001"


@pytest.mark.parametrize("args", [["--version"]])
def test_version_does_not_import_the_pdf_library(args):
    code = "import sys; from scope_check.cli.main import main; sys.argv=['scope-check','--version']\n" \
           "try: main()\nexcept SystemExit: pass\nprint('pymupdf' in sys.modules, 'jsonschema' in sys.modules)"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert p.stdout.strip().endswith("False False")


def test_a_file_level_finding_is_printed_once_without_a_count():
    result = run(fixture_path("example/draft_with_problems.pdf"), "--exit-zero")
    (line,) = [ln for ln in result.output.splitlines() if "ANON005" in ln]
    assert line.lstrip().startswith("file") and "times)" not in line


def test_an_output_file_in_a_missing_folder_is_a_usage_error_not_an_internal_one(tmp_path):
    target = tmp_path / "missing" / "dir" / "r.json"
    result = CliRunner().invoke(cli, [PASSING, "--format", "json", "-o", str(target)])
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output and ".scope-check-" not in result.output
    assert f"cannot write the report {target}: the folder {target.parent} does not exist" in result.output
    assert not target.parent.exists()


def test_a_folder_given_to_check_points_to_batch(tmp_path):
    (tmp_path / "papers").mkdir()
    shutil.copyfile(PASSING, tmp_path / "papers" / "a.pdf")
    result = CliRunner().invoke(cli, [str(tmp_path / "papers"), PASSING])
    assert result.exit_code == 1  # the folder still gets its row (FILE001), the paper its verdict
    assert "FILE001" in result.output and "PASS" in result.output
    assert f"{tmp_path / 'papers'} is a folder: `scope-check batch {tmp_path / 'papers'} --out DIR` checks every PDF in it" \
        in result.output


def test_counts_are_in_the_singular_for_one():
    result = run(FAILING, "-q", "--color", "never")
    assert result.output.endswith("1 file: 0 pass, 1 fail, 0 error\n"), result.output
    assert run(PASSING, FAILING, "-q").output.endswith("2 files: 1 pass, 1 fail, 0 error\n")
    github = CliRunner().invoke(cli, [FAILING, "--format", "github"], env={"GITHUB_STEP_SUMMARY": ""})
    assert "(1 error, 0 warnings)" in github.output and "\n1 file: 0 pass, 1 fail, 0 error\n" in github.output


def test_every_report_says_the_version():
    doc = json.loads(run(PASSING, "--format", "json").output)
    assert doc["tool"] == {"name": "scope-check", "version": __version__}
    sarif = json.loads(run(PASSING, "--format", "sarif").output)
    assert sarif["runs"][0]["tool"]["driver"]["version"] == __version__
    assert f"scope-check {__version__}" in run(PASSING, "--format", "html").output
    assert run("--version").output == f"scope-check {__version__}\n"
