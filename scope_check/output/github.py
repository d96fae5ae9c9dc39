"""GitHub Actions output: workflow commands that GitHub turns into annotations, and a Markdown
summary for the run's page.

    ::error file=paper/main.tex,line=33,title=ANON002 acknowledgements::paper/main.pdf p.6: ...

An annotation sits on the `.tex` line when SyncTeX mapped the finding (`source`), so it shows in
the pull request's diff; otherwise on the PDF. GitHub shows at most 10 error and 10 warning
annotations per step: errors come first, the rest are printed as plain log lines, and a closing
notice counts what was not annotated. With GITHUB_STEP_SUMMARY set, a Markdown table of every
file and finding is appended to it (kept under GitHub's 1 MiB limit).
"""

from __future__ import annotations

import os
from typing import List, Tuple

from scope_check import __version__
from scope_check.output.base import Formatter, Summary, plural, relative, where

#: annotations GitHub displays per step and level
MAX_ANNOTATIONS = 10
#: GitHub refuses a step summary over 1 MiB; stay clear of it
SUMMARY_LIMIT = 1024 * 1024 - 16 * 1024
_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """The message part of a workflow command: `%`, CR and LF encoded."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (file=, title=): also `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **props) -> str:
    fields = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v not in (None, ""))
    return f"::{level}{' ' + fields if fields else ''}::{escape_data(message)}"


def annotation(report, finding) -> str:
    level = _LEVEL.get(finding.severity, "notice")
    text = f"{report.display_path} {where(finding)}: {finding.message}"
    if finding.hint:
        text += f"\nFix: {finding.hint}"
    source = finding.source or {}
    props = {"file": source.get("file") or relative(report.display_path)}
    if source.get("line"):
        props["line"] = source["line"]
    props["title"] = f"{finding.code} {finding.name}".strip()
    return command(level, text, **props)


def plain(report, finding) -> str:
    at = f" ({_source(finding)})" if _source(finding) else ""
    return f"{report.display_path} {where(finding)}{at}: {finding.severity} {finding.code} {finding.message}".replace("\n", " ")


class GithubFormatter(Formatter):
    def start(self) -> None:
        self.reports: List = []

    def handle(self, report) -> None:
        self.reports.append(report)
        verdict = report.verdict.upper()
        self.stream.write(f"{report.display_path}: {verdict} against {report.rules} "
                          f"({plural(report.errors, 'error')}, {plural(report.warnings, 'warning')})\n")

    def finish(self, summary: Summary) -> None:
        shown = {"error": 0, "warning": 0, "notice": 0}
        hidden = {"error": 0, "warning": 0, "notice": 0}
        ordered: List[Tuple[object, object]] = sorted(
            ((r, f) for r in self.reports for f in r.findings),
            key=lambda rf: ({"error": 0, "warning": 1}.get(rf[1].severity, 2)),
        )
        for report, finding in ordered:
            level = _LEVEL.get(finding.severity, "notice")
            if shown[level] < MAX_ANNOTATIONS:
                shown[level] += 1
                self.stream.write(annotation(report, finding) + "\n")
            else:
                hidden[level] += 1
                self.stream.write(plain(report, finding) + "\n")
        if any(hidden.values()):
            parts = [f"{n} {lvl}{'s' if n != 1 else ''}" for lvl, n in hidden.items() if n]
            self.stream.write(command(
                "notice",
                f"{', '.join(parts)} not shown as annotations (GitHub shows {MAX_ANNOTATIONS} per level and step): "
                "see the log above and the job summary",
                title="scope-check: more findings",
            ) + "\n")
        self.stream.write(summary.line() + "\n")
        path = os.environ.get("GITHUB_STEP_SUMMARY")
        if path:
            write_step_summary(path, self.reports, summary)


def _cell(text) -> str:
    text = "" if text is None else str(text)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|").replace("\r", " ").replace("\n", " "))


def _source(finding) -> str:
    source = finding.source or {}
    return f"{source['file']}:{source['line']}" if source.get("line") else ""


def markdown_summary(reports, summary: Summary, limit: int = SUMMARY_LIMIT) -> str:
    """The job summary: one row per file, then one per finding, cut to `limit` bytes."""
    icon = {"pass": "✅ pass", "fail": "❌ fail", "error": "⚠️ error"}
    head = [
        f"## scope-check {__version__}",
        "",
        summary.line(),
        "",
        "| file | verdict | rules | errors | warnings |",
        "|---|---|---|---:|---:|",
    ]
    head += [f"| {_cell(r.display_path)} | {icon.get(r.verdict, r.verdict)} | {_cell(r.rules)} | {r.errors} | {r.warnings} |"
             for r in reports]
    rows = [
        f"| {_cell(r.display_path)} | {where(f)} | {_cell(f.code)} | {_cell(f.severity)} | {_cell(f.message)} | "
        f"{_cell(_source(f))} |"
        for r in reports for f in r.findings
    ]
    out = "\n".join(head) + "\n"
    if rows:
        out += "\n| file | where | code | severity | message | source |\n|---|---|---|---|---|---|\n"
    used = len(out.encode("utf-8"))
    for i, row in enumerate(rows):
        size = len(row.encode("utf-8")) + 1
        if used + size > limit - 200:
            out += f"\n{len(rows) - i} more findings not listed (the summary is limited to 1 MiB): see the log.\n"
            break
        out += row + "\n"
        used += size
    return out


def write_step_summary(path: str, reports, summary: Summary) -> None:
    """Append (GitHub's convention: each step appends) the Markdown summary."""
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(markdown_summary(reports, summary))
    except OSError as exc:
        import sys

        print(f"scope-check: cannot write the step summary {path}: {exc}", file=sys.stderr)
