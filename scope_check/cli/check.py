"""`scope-check check PAPER.pdf...` (also `scope-check PAPER.pdf...`): every file gets its own
verdict, each checked in a forked worker with the time and memory limits.

Exit codes: 0 no error-level finding; 1 at least one (an unreadable PDF included); 2 the tool could
not do its job (usage error, invalid rules file, an annotated copy that could not be written)."""

from __future__ import annotations

import os
import sys

import click

from scope_check.cli.options import (ToolError, exit_zero_option, format_option, lazy_module, limit_options,
                                     pdfs_argument, report_options, rule_set, rules_option, selection,
                                     selection_options, write_reports)
from scope_check.cli.process import allow_quick_exit
from scope_check.engine.isolation import SingleChecker
from scope_check.engine.runner import exit_code
from scope_check.output import CHOICES as FORMAT_CHOICES
from scope_check.output import get as get_formatter
from scope_check.output import resolve
from scope_check.output.base import plural
from scope_check.safety.collector import paused_collector
from scope_check.safety.limits import display_path


@click.command("check")
@pdfs_argument()  # any path, an unreadable one too: the runner gives each its own verdict
@rules_option()
@format_option(FORMAT_CHOICES,
               help="Output format: json is the documented version-1 contract; github writes workflow "
                    "annotations and the job summary; sarif is SARIF 2.1.0; html a self-contained page; "
                    "auto is github inside GitHub Actions, else text.")
@selection_options()
@exit_zero_option()
@report_options(items="files", verbose_help="Also print the measurements and timing.")
@click.option("--annotate", "annotate_to", type=click.Path(), default=None, metavar="PATH",
              help="Also write an annotated copy of each PDF marking every finding: a file for one PDF, "
                   "a folder (NAME.annotated.pdf) for several. The input is never modified.")
@limit_options
@click.pass_context
def check_command(ctx, pdfs, rules_spec, fmt, select, ignore, exit_zero, color, output, quiet, verbose, annotate_to,
                  time_limit, memory_limit) -> None:
    """Check each PDF against the rule set; every file gets its own verdict."""
    with paused_collector():  # what the rules and the worker need, loaded once, before the worker is forked
        rules = rule_set(rules_spec, ctx)
        fmt = resolve(fmt)
        checker = SingleChecker(rules, selection(select, ignore), time_limit, memory_limit)
        get_formatter(fmt)
    if checker.problem():
        raise ToolError(checker.problem())
    for path in pdfs:  # a folder still gets its row (FILE001); where to check a folder is said here
        if os.path.isdir(path):
            click.echo(f"scope-check: {display_path(path)} is a folder: `scope-check batch {display_path(path)} --out DIR` "
                       "checks every PDF in it", err=True)
    # --- annotated copies: one path per input, never shared (scope_check/output/annotate.py) ---
    copies = _annotation_targets(pdfs, annotate_to) if annotate_to else {}
    failed_copies = []
    # the report owns standard output in a machine format: the copies' places go to stderr then
    copies_to_stderr = output is None and fmt in ("json", "sarif", "html")

    def annotate_copy(index, report):
        if annotate_to and not _annotate(report, copies[index], rules, copies_to_stderr):
            failed_copies.append(index)

    reports = write_reports((_with_sources(r) for r in checker.check_all(pdfs)), fmt, output, rules.name, color,
                            verbose, quiet, after=annotate_copy)
    allow_quick_exit()  # the report is written and the worker gone: console_main may end the process at once
    if failed_copies:
        sys.exit(2)
    sys.exit(exit_code(reports, exit_zero=exit_zero))


# The SyncTeX reader and the annotator come from the group's lazy table (cli.main.LAZY_MODULES): a
# plain check never imports them (tests/test_startup.py, NOT_ON_THE_CHECK_PATH).

def _with_sources(report):
    """Each finding's `source` (.tex file and line) when a SyncTeX file sits beside the PDF."""
    stem = os.path.splitext(report.path)[0]
    if not any(f.page and f.bbox for f in report.findings) or not any(
            os.path.isfile(stem + ext) for ext in (".synctex.gz", ".synctex")):
        return report  # nothing to map (synctex.attach_sources would return it unchanged): not imported
    return lazy_module("synctex").attach_sources(report)


def _annotation_targets(pdfs, target: str) -> dict:
    """Input index -> where its annotated copy goes; the folders are made first (exit 2 if not)."""
    paths = lazy_module("annotate").output_paths(list(pdfs), target)
    for out in paths:
        folder = os.path.dirname(os.path.abspath(out))
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise ToolError(f"cannot create the folder for annotated copies {folder}: {exc.strerror or exc}") from None
    return dict(enumerate(paths))


def _annotate(report, out: str, rules, to_stderr: bool) -> bool:
    """Write the annotated copy and say where it went; False when it could not be written (exit 2).
    A file that could not be opened has nothing to annotate: said, not a failure."""
    annotator = lazy_module("annotate")
    try:
        written = annotator.annotate(report, out, text_block=rules.template["text_block"])
    except (annotator.AnnotateError, OSError, ValueError, RuntimeError) as exc:
        click.echo(f"scope-check: {report.display_path}: the annotated copy could not be written: {exc}", err=True)
        return False
    if written is None:
        click.echo(f"scope-check: {report.display_path}: no annotated copy: the file could not be opened or read whole", err=True)
    else:
        click.echo(f"annotated copy of {report.display_path}: {display_path(out)} ({plural(written, 'mark')})", err=to_stderr)
    return True
