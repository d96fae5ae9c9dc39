"""--format github: workflow commands escaped as GitHub parses them, errors first, at most 10
annotations per level with a closing notice, the job summary; `auto` inside GitHub Actions."""

from __future__ import annotations

import re

from click.testing import CliRunner

from conftest import FIXTURES, ROOT, check
from scope_check.cli.main import cli
from scope_check.model.findings import Finding
from scope_check.output import resolve
from scope_check.output.base import Summary
from scope_check.output.github import (
    MAX_ANNOTATIONS, GithubFormatter, annotation, escape_data, escape_property, markdown_summary,
)
from scope_check.engine.runner import Report

MANY = str(FIXTURES / "ci" / "many_links.pdf")


def unescape(text: str) -> str:
    """What GitHub's runner makes of an escaped value."""
    return (text.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",")
            .replace("%25", "%"))


def report_with(message: str, path: str = "dir,1/pa:per%.pdf") -> Report:
    f = Finding("PAGE001", message, page=3, hint="Cut it: now", name="page-limit", severity="error")
    return Report(path=path, rules="scope2025-main", sha256=None, verdict="fail", findings=(f,))


def test_data_and_properties_are_escaped():
    message = "100% over: a, b\nsecond line\r"
    r = report_with(message)
    line = annotation(r, r.findings[0])
    assert "\n" not in line and "\r" not in line
    m = re.fullmatch(r"::error file=([^,]*),title=([^:]*)::(.*)", line)
    assert m, line
    assert unescape(m.group(1)) == "dir,1/pa:per%.pdf"
    assert unescape(m.group(2)) == "PAGE001 page-limit"
    assert unescape(m.group(3)) == f"dir,1/pa:per%.pdf p.3: {message}\nFix: Cut it: now"
    assert escape_data("a%b\nc") == "a%25b%0Ac" and escape_property("a:b,c") == "a%3Ab%2Cc"


def test_more_findings_than_github_shows_end_with_a_notice(monkeypatch, tmp_path):
    report = check("ci/many_links.pdf")
    assert report.errors > MAX_ANNOTATIONS  # the fixture's point
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))
    result = CliRunner().invoke(cli, [MANY, "--format", "github"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    errors = [x for x in lines if x.startswith("::error ")]
    assert len(errors) == MAX_ANNOTATIONS
    notice = [x for x in lines if x.startswith("::notice ")]
    assert len(notice) == 1 and f"{report.errors - MAX_ANNOTATIONS} errors not shown" in notice[0]
    assert lines.index(notice[0]) > lines.index(errors[-1])
    # nothing is lost: the findings past the cap are plain log lines
    assert sum("ANON003" in x for x in lines if not x.startswith("::")) == report.errors - MAX_ANNOTATIONS
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert summary.count("| ANON003 |") == report.errors


def test_errors_are_annotated_before_warnings():
    err = Finding("ANON003", "e", page=2, name="identifying-link", severity="error")
    warn = Finding("FONT003", "w", page=1, name="font-not-embedded", severity="warning")
    r = Report(path="p.pdf", rules="x", sha256=None, verdict="fail", findings=(warn, err))
    import io

    out = io.StringIO()
    fmt = GithubFormatter(out, rules="x")
    fmt.start()
    fmt.handle(r)
    fmt.finish(Summary(files=1, failed=1))
    commands = [x for x in out.getvalue().splitlines() if x.startswith("::")]
    assert commands[0].startswith("::error ") and commands[1].startswith("::warning ")


def test_a_mapped_finding_is_annotated_on_the_tex_line(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, [str(FIXTURES / "synctex" / "violations.pdf"), "--format", "github"])
    marg = next(x for x in result.stdout.splitlines() if "title=MARG001" in x)
    assert marg.startswith("::error file=fixtures/synctex/violations.tex,line=")


def test_the_summary_stays_under_githubs_limit():
    many = tuple(Finding("MARG001", "x" * 2000, page=i, name="content-in-margin", severity="error") for i in range(1, 2000))
    r = Report(path="big.pdf", rules="x", sha256=None, verdict="fail", findings=many)
    text = markdown_summary([r], Summary(files=1, failed=1))
    assert len(text.encode("utf-8")) < 1024 * 1024
    assert "more findings not listed" in text


def test_summary_cells_cannot_break_the_table():
    r = report_with("a | b <script>\nc")
    text = markdown_summary([r], Summary(files=1, failed=1))
    row = next(x for x in text.splitlines() if "PAGE001" in x)
    assert "a \\| b &lt;script&gt; c" in row and "<script>" not in text


def test_auto_is_github_inside_github_actions(monkeypatch):
    assert resolve("auto", {"GITHUB_ACTIONS": "true"}) == "github"
    assert resolve("auto", {}) == "text"
    assert resolve("json", {"GITHUB_ACTIONS": "true"}) == "json"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = CliRunner().invoke(cli, [MANY, "--format", "auto"])
    assert "::error " in result.stdout


def test_the_format_choices_are_the_registry():
    from scope_check.output import REGISTRY

    result = CliRunner().invoke(cli, ["check", "--help"])
    for name in ("auto", *REGISTRY):
        assert name in result.output


def test_a_pdf_inside_the_working_folder_is_named_relative_to_it(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, [MANY, "--format", "github"])
    first = next(x for x in result.stdout.splitlines() if x.startswith("::error "))
    assert first.startswith("::error file=fixtures/ci/many_links.pdf,title=ANON003")
