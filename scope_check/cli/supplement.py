"""The `supplement` subcommand: parse options, check, format, exit code (as the check command)."""

from __future__ import annotations

import sys

import click

from scope_check import DEFAULT_RULES
from scope_check import RULES_ENV


@click.command("supplement")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True), metavar="ARCHIVE|FOLDER...")
@click.option("--rules", "rules_spec", default=DEFAULT_RULES, show_default=True, envvar=RULES_ENV,
              help="The rule set whose SUPP severities and parameters apply.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format; json is the version-1 contract (a file entry per archive).")
@click.option("--select", multiple=True, metavar="CODES", help="Only these codes or prefixes (SUPP001,SUPP003).")
@click.option("--ignore", multiple=True, metavar="CODES", help="Skip these codes or prefixes.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when an archive fails; internal errors still exit 2.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the text output (auto: on a terminal, unless NO_COLOR is set).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the report to this file (atomically) instead of standard output.")
@click.option("-q", "--quiet", is_flag=True, help="Only archives that do not pass, and no hints.")
@click.option("-v", "--verbose", count=True, help="Also print the counts (members, files read) and timing.")
def supplement_command(paths, rules_spec, fmt, select, ignore, exit_zero, color, output, quiet, verbose) -> None:
    """Check supplementary material (.zip, .tar.gz, .tar, a folder) for identity leaks: version-control
    data, names in LICENSE/README/package metadata, home-folder paths, document metadata, links to
    the authors' own accounts. Read in place: nothing is extracted, run or fetched."""
    from scope_check.cli.main import ToolError, _codes, _open_output, _use_color
    from scope_check.output import Summary, formatters
    from scope_check.config.rules import RulesError
    from scope_check.checks import load_rules
    from scope_check.engine.runner import Selection, exit_code
    from scope_check.supplement import check_supplement

    try:
        rules = load_rules(rules_spec)
    except RulesError as exc:
        raise ToolError(f"invalid rules: {exc}") from None
    selection = Selection(select=_codes(select), ignore=_codes(ignore))
    reports = []
    with _open_output(output) as stream:
        formatter = formatters()[fmt](stream, rules=rules.name, color=output is None and _use_color(color, stream),
                                      verbose=verbose, quiet=quiet)
        summary = Summary()
        formatter.start()
        for path in paths:
            report = check_supplement(path, rules, selection)
            reports.append(report)
            summary.add(report.verdict)
            formatter.handle(report)
        formatter.finish(summary)
    sys.exit(exit_code(reports, exit_zero=exit_zero))
