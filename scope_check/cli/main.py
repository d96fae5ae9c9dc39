"""The command line: parse options, run, map the outcome to an exit code. Nothing else.

    scope-check PAPER.pdf... --rules scope2025-main [--format text|json]
    scope-check rules [CODE]

Exit codes: 0 no error-level finding; 1 at least one (an unreadable PDF included);
2 the tool could not do its job (usage error, invalid rules file, internal failure).
Heavy modules (the PDF library, jsonschema) are imported inside the commands, so that
`scope-check --version` returns at once.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import List, Optional, Tuple

_GC_ON = gc.isenabled()
gc.disable()  # click's import, like the check's (isolation.imports_without_gc), needs no collection
import click  # noqa: E402

if _GC_ON:
    gc.enable()

from scope_check import DEFAULT_RULES  # noqa: E402
from scope_check import RULES_ENV
from scope_check import __version__

# --- formats: the choice list is the formatter registry's (scope_check/formatters/__init__.py) ---
from scope_check.output import CHOICES as FORMAT_CHOICES  # noqa: E402  (no heavy import)
# --- end formats ---


class ToolError(click.ClickException):
    """The tool could not do its job: exit 2."""

    exit_code = 2


#: subcommands defined in other modules: "name" -> "module:attribute", imported only when named
#: (or listed by --help), so that `check` starts without them
LAZY_COMMANDS = {
    "batch": "scope_check.cli.batch:batch_command",
    "report": "scope_check.cli.batch:report_command",
    "merge": "scope_check.cli.batch:merge_command",
    "supplement": "scope_check.cli.supplement:supplement_command",
}


class DefaultGroup(click.Group):
    """`scope-check paper.pdf` means `scope-check check paper.pdf`."""

    def list_commands(self, ctx):
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx, name):
        if name not in self.commands and name in LAZY_COMMANDS:
            import importlib

            module, _, attribute = LAZY_COMMANDS[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in LAZY_COMMANDS \
                and args[0] not in ("--help", "-h", "--version"):
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


def _codes(values: Tuple[str, ...], option: str = "--select") -> Tuple[str, ...]:
    """Codes and prefixes from repeated, comma-separated options; one that names no check is a
    usage error (exit 2) with the nearest known codes."""
    from scope_check import checks as registry

    out: List[str] = []
    for v in values:
        out.extend(x.strip().upper() for x in v.split(",") if x.strip())
    for word in registry.unknown(out):
        raise click.UsageError(f"{option}: {registry.unknown_code_message(word)}")
    return tuple(out)


def _load_rules(spec: str, from_env: bool):
    """The rule set, or exit 2 naming what was wrong (and the variable it came from)."""
    from scope_check.config.rules import RulesError
    from scope_check.checks import load_rules

    try:
        return load_rules(spec)
    except RulesError as exc:
        where = f" (from the environment variable {RULES_ENV}={spec})" if from_env else ""
        raise ToolError(f"invalid rules{where}: {exc}") from None


def _from_env(ctx: click.Context, name: str) -> bool:
    from click.core import ParameterSource

    return ctx.get_parameter_source(name) == ParameterSource.ENVIRONMENT


def _use_color(mode: str, stream) -> bool:
    if mode == "always":
        return True
    if mode == "never" or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


@cli.command("check")
@click.argument("pdfs", nargs=-1, required=True, type=click.Path())  # any path: the runner gives each its verdict
@click.option("--rules", "rules_spec", default=DEFAULT_RULES, show_default=True, envvar=RULES_ENV,
              help="A bundled rule set (scope2025-tiny, scope2025-main, wsl2025-extended, wsl2025-full) or a path to a YAML rules file.")
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="text", show_default=True,
              help="Output format: json is the documented version-1 contract; github writes workflow "
                   "annotations and the job summary; sarif is SARIF 2.1.0; html a self-contained page; "
                   "auto is github inside GitHub Actions, else text.")
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
@click.option("--time-limit", type=float, default=60.0, show_default=True, metavar="SECONDS",
              help="Stop a file's check after this long (FILE006); 0: no limit.")
@click.option("--memory-limit", type=float, default=2048, show_default=True, metavar="MB",
              help="Address-space ceiling of the process checking a file (FILE007); 0: no limit.")
@click.pass_context
def check_command(ctx, pdfs, rules_spec, fmt, select, ignore, exit_zero, color, output, annotate_to, quiet, verbose,
                  time_limit, memory_limit) -> None:
    """Check each PDF against the rule set; every file gets its own verdict."""
    from scope_check.engine.isolation import SingleChecker, imports_without_gc

    with imports_without_gc():  # what the rules and the worker need, imported once, before the worker is forked
        from scope_check.output import Summary, get as get_formatter, resolve
        from scope_check.engine.runner import Selection, exit_code

        selection = Selection(select=_codes(select, "--select"), ignore=_codes(ignore, "--ignore"))
        rules = _load_rules(rules_spec, _from_env(ctx, "rules_spec"))
        fmt = resolve(fmt)
        checker = SingleChecker(rules, selection, time_limit, memory_limit)
        get_formatter(fmt)
    if checker.problem():
        raise ToolError(checker.problem())
    # --- annotated copies: one path per input, never shared (scope_check/annotate.py) ---
    copies = _annotation_targets(pdfs, annotate_to) if annotate_to else {}
    failed_copies = 0
    # the report owns standard output in a machine format: the copies' places go to stderr then
    copies_to_stderr = output is None and fmt in ("json", "sarif", "html")
    # --- end annotated copies ---
    reports = []
    _safe_stdout()
    with _open_output(output) as stream:
        formatter = get_formatter(fmt)(stream, rules=rules.name, color=output is None and _use_color(color, stream),
                                       verbose=verbose, quiet=quiet)
        summary = Summary()
        formatter.start()
        for index, report in enumerate(checker.check_all(pdfs)):
            path = report.path
            report = _with_sources(report)
            reports.append(report)
            summary.add(report.verdict)
            formatter.handle(report)
            if annotate_to:
                failed_copies += not _annotate(report, copies[index], rules, copies_to_stderr)
        formatter.finish(summary)
    _QUICK_EXIT.append(True)  # the report is written and the worker gone: main() may end the process at once
    if failed_copies:
        sys.exit(2)
    sys.exit(exit_code(reports, exit_zero=exit_zero))


def _safe_stdout() -> None:
    """Whatever a report holds, standard output stays valid UTF-8 (text the model could not clean is
    written as backslash escapes, never as invalid bytes or a UnicodeEncodeError)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass


def _with_sources(report):
    """Each finding's `source` (.tex file and line) when a SyncTeX file sits beside the PDF."""
    stem = os.path.splitext(report.path)[0]
    if not any(f.page and f.bbox for f in report.findings) or not any(
            os.path.isfile(stem + ext) for ext in (".synctex.gz", ".synctex")):
        return report  # nothing to map (synctex.attach_sources would return it unchanged): not imported
    from scope_check.output.synctex import attach_sources

    return attach_sources(report)


def _annotation_targets(pdfs, target: str) -> dict:
    """Input index -> where its annotated copy goes; the folders are made first (exit 2 if not)."""
    from scope_check.output.annotate import output_paths

    paths = output_paths(list(pdfs), target)
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
    from scope_check.output.annotate import AnnotateError, annotate
    from scope_check.safety.limits import display_path

    try:
        written = annotate(report, out, text_block=rules.template["text_block"])
    except (AnnotateError, OSError, ValueError, RuntimeError) as exc:
        click.echo(f"scope-check: {report.display_path}: the annotated copy could not be written: {exc}", err=True)
        return False
    if written is None:
        click.echo(f"scope-check: {report.display_path}: no annotated copy: the file could not be opened or read whole", err=True)
    else:
        click.echo(f"annotated copy of {report.display_path}: {display_path(out)} ({written} marks)", err=to_stderr)
    return True


class _open_output:
    """Standard output, or a file replaced atomically once the report is complete."""

    def __init__(self, path: Optional[str]):
        self.path = path

    def __enter__(self):
        if self.path is None:
            return sys.stdout
        from scope_check.safety.atomic import temporary

        fd, self.tmp = temporary(self.path)
        self.fh = os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace")
        return self.fh

    def __exit__(self, exc_type, exc, tb):
        if self.path is None:
            return False
        from scope_check.safety.atomic import discard, publish

        self.fh.close()
        if exc_type is None:
            publish(self.tmp, self.path)  # the user's umask, fsync, rename
        else:
            discard(self.tmp)
        return False


@cli.command("rules")
@click.argument("code", required=False)
@click.option("--rules", "rules_spec", default=DEFAULT_RULES, show_default=True, envvar=RULES_ENV,
              help="The rule set whose call-for-papers clauses and parameter values are shown.")
@click.pass_context
def rules_command(ctx, code: Optional[str], rules_spec: str) -> None:
    """List every check, or explain one (or a family, by prefix: PAGE, ANON00): what, why (the rule
    set's call-for-papers clause), how to fix, its parameters as YAML values."""
    import shutil

    from scope_check import checks as registry
    from scope_check.output.reference import check_reference, overview
    from scope_check.config.rules import bundled_names

    rules = _load_rules(rules_spec, _from_env(ctx, "rules_spec"))
    if code is None:
        click.echo(overview(registry.checks(), bundled_names(), width=shutil.get_terminal_size((100, 24)).columns))
        return
    codes = registry.matching(code)
    if not codes:
        raise click.UsageError(registry.unknown_code_message(code))
    click.echo("\n\n".join(check_reference(registry.get(c), rules) for c in codes))


#: set by `check` once its report is written and its worker gone (a list: no `global` needed)
_QUICK_EXIT: List[bool] = []


def _exit_now(code) -> None:
    """End the process as SystemExit(code) would, after the exit handlers (`atexit`) and with the
    standard streams flushed, but without the interpreter's teardown: collecting every object of
    every module and of the PDF library takes longer than the check of a 2-page paper itself (about
    80 ms on a busy 2-core machine)."""
    import atexit

    if code is None:
        code = 0
    elif not isinstance(code, int):
        sys.stderr.write(f"{code}\n")
        code = 1
    run = getattr(atexit, "_run_exitfuncs", None)
    if run is not None:
        run()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (`| head`), a closed stream
            pass
    os._exit(code & 0xFF)  # what the system makes of sys.exit(code)


def console_main() -> None:
    """The `scope-check` executable and `python -m scope_check`: `main()`, after which a `check`
    ends the process at once (`_exit_now`). `main()` itself returns or raises SystemExit as usual."""
    try:
        main()
    except SystemExit as exc:
        if _QUICK_EXIT:  # only after `check` has written its report
            _exit_now(exc.code)
        raise


def main() -> None:
    _QUICK_EXIT.clear()
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
