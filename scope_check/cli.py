"""The command line: parse options, run, map the outcome to an exit code. Nothing else.

    scope-check PAPER.pdf... --rules scope2025-main [--format text|json]
    scope-check rules [CODE]

Exit codes: 0 no error-level finding; 1 at least one (an unreadable PDF included);
2 the tool could not do its job (usage error, invalid rules file, internal failure).
Heavy modules (the PDF library, jsonschema) are imported inside the commands, so that
`scope-check --version` returns at once.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import List, Optional, Tuple

import click

from scope_check import __version__

DEFAULT_RULES = "scope2025-main"


class ToolError(click.ClickException):
    """The tool could not do its job: exit 2."""

    exit_code = 2


class DefaultGroup(click.Group):
    """`scope-check paper.pdf` means `scope-check check paper.pdf`."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["check", *args]
        elif not args:
            args = ["check"]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="scope-check", message="%(prog)s %(version)s")
def cli() -> None:
    """Check paper PDFs against a venue's submission-format rules (page limit, layout, fonts,
    template, double-blind anonymity).

    \b
      scope-check paper.pdf --rules scope2025-main
      scope-check paper.pdf --rules scope2025-tiny --format json
      scope-check rules PAGE001

    Run `scope-check check --help` for every option.
    """


def _codes(values: Tuple[str, ...]) -> Tuple[str, ...]:
    out: List[str] = []
    for v in values:
        out.extend(x.strip().upper() for x in v.split(",") if x.strip())
    return tuple(out)


def _use_color(mode: str, stream) -> bool:
    if mode == "always":
        return True
    if mode == "never" or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


@cli.command("check")
@click.argument("pdfs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--rules", "rules_spec", default=DEFAULT_RULES, show_default=True, envvar="SCOPE_CHECK_RULES",
              help="A bundled rule set (scope2025-tiny, scope2025-main, wsl2025-extended, wsl2025-full) or a path to a YAML rules file.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format; json is the documented version-1 contract.")
@click.option("--select", multiple=True, metavar="CODES", help="Only these codes or prefixes (PAGE,ANON001).")
@click.option("--ignore", multiple=True, metavar="CODES", help="Skip these codes or prefixes (FONT003).")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when files fail (for screening); internal errors still exit 2.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the text output (auto: on a terminal, unless NO_COLOR is set).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the report to this file (atomically) instead of standard output.")
@click.option("--annotate", "annotate_to", type=click.Path(), default=None, metavar="PATH",
              help="Also write an annotated copy of each PDF marking every finding: a file for one PDF, "
                   "a folder (NAME.annotated.pdf) for several. The input is never modified.")
@click.option("-q", "--quiet", is_flag=True, help="Only files that do not pass, and no hints.")
@click.option("-v", "--verbose", count=True, help="Also print the measurements and timing.")
def check_command(pdfs, rules_spec, fmt, select, ignore, exit_zero, color, output, annotate_to, quiet, verbose) -> None:
    """Check each PDF against the rule set; every file gets its own verdict."""
    from scope_check.formatters import Summary, formatters
    from scope_check.rules import RulesError, load_rules
    from scope_check.runner import Selection, check_file, exit_code

    try:
        rules = load_rules(rules_spec)
    except RulesError as exc:
        raise ToolError(f"invalid rules: {exc}") from None
    selection = Selection(select=_codes(select), ignore=_codes(ignore))
    if annotate_to and len(pdfs) > 1:
        os.makedirs(annotate_to, exist_ok=True)
    reports = []
    with _open_output(output) as stream:
        formatter = formatters()[fmt](stream, rules=rules.name, color=output is None and _use_color(color, stream),
                                      verbose=verbose, quiet=quiet)
        summary = Summary()
        formatter.start()
        for path in pdfs:
            report = check_file(path, rules, selection)
            reports.append(report)
            summary.add(report.verdict)
            formatter.handle(report)
            if annotate_to:
                _annotate(report, annotate_to, several=len(pdfs) > 1)
        formatter.finish(summary)
    sys.exit(exit_code(reports, exit_zero=exit_zero))


def _annotate(report, target: str, several: bool) -> None:
    """Write the annotated copy; a file that cannot be annotated is said on standard error."""
    from scope_check.annotate import annotate, output_path

    out = output_path(report.path, target, several)
    try:
        written = annotate(report, out)
    except (OSError, ValueError, RuntimeError) as exc:
        click.echo(f"scope-check: {report.path}: no annotated copy: {exc}", err=True)
        return
    if written is None:
        click.echo(f"scope-check: {report.path}: no annotated copy: the file could not be opened", err=True)


class _open_output:
    """Standard output, or a file replaced atomically once the report is complete."""

    def __init__(self, path: Optional[str]):
        self.path = path

    def __enter__(self):
        if self.path is None:
            return sys.stdout
        folder = os.path.dirname(os.path.abspath(self.path))
        fd, self.tmp = tempfile.mkstemp(prefix=".scope-check-", suffix=".tmp", dir=folder)
        self.fh = os.fdopen(fd, "w", encoding="utf-8")
        return self.fh

    def __exit__(self, exc_type, exc, tb):
        if self.path is None:
            return False
        self.fh.close()
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            os.unlink(self.tmp)
        return False


@cli.command("rules")
@click.argument("code", required=False)
@click.option("--rules", "rules_spec", default=None, help="Also show the parameter values of this rule set.")
def rules_command(code: Optional[str], rules_spec: Optional[str]) -> None:
    """List every check, or explain one: what, why (the CFP clause), how to fix, parameters."""
    from scope_check import registry
    from scope_check.reference import check_reference, overview
    from scope_check.rules import RulesError, bundled_names, load_rules

    rules = None
    if rules_spec:
        try:
            rules = load_rules(rules_spec)
        except RulesError as exc:
            raise ToolError(f"invalid rules: {exc}") from None
    if code is None:
        click.echo(overview(registry.checks(), bundled_names()))
        return
    try:
        check = registry.get(code)
    except KeyError as exc:
        raise click.UsageError(str(exc.args[0])) from None
    click.echo(check_reference(check, rules))


from scope_check.supplement.command import supplement_command  # noqa: E402

cli.add_command(supplement_command)


def main() -> None:
    try:
        cli.main(prog_name="scope-check")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("scope-check: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # never a traceback for the user
        click.echo(f"scope-check: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(2)
