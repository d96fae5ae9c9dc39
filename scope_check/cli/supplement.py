"""`scope-check supplement ARCHIVE|FOLDER...`: parse options, check, format, exit code (as `check`)."""

from __future__ import annotations

import sys

import click

from scope_check.cli.options import (ANY_PATH, exit_zero_option, format_option, report_options, rule_set,
                                     rules_option, selection, selection_options, write_reports)
from scope_check.engine.runner import exit_code
from scope_check.supplement import check_supplement


@click.command("supplement")
@click.argument("paths", nargs=-1, required=True, type=ANY_PATH, metavar="ARCHIVE|FOLDER...")
@rules_option(help="The rule set whose SUPP severities and parameters apply.")
@format_option(["text", "json"], help="Output format; json is the version-1 contract (a file entry per archive).")
@selection_options(select_help="Only these codes or prefixes (SUPP001,SUPP003).",
                   ignore_help="Skip these codes or prefixes (SUPP002).")
@exit_zero_option(help="Exit 0 even when an archive fails; internal errors still exit 2.")
@report_options(items="archives", verbose_help="Also print the counts (members, files read) and timing.")
@click.pass_context
def supplement_command(ctx, paths, rules_spec, fmt, select, ignore, exit_zero, color, output, quiet, verbose) -> None:
    """Check supplementary material (.zip, .tar.gz, .tar, a folder) for identity leaks: version-control
    data, names in LICENSE/README/package metadata, home-folder paths, document metadata, links to
    the authors' own accounts. Read in place: nothing is extracted, run or fetched."""
    rules = rule_set(rules_spec, ctx)
    wanted = selection(select, ignore)
    reports = write_reports((check_supplement(path, rules, wanted) for path in paths), fmt, output, rules.name, color,
                            verbose, quiet)
    sys.exit(exit_code(reports, exit_zero=exit_zero))
