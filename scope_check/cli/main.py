"""The `scope-check` command: the click group, the table of its subcommands (each imported only when
named), and how the process ends. The options the subcommands share are declared in `options`.

    scope-check PAPER.pdf... --rules scope2025-main [--format text|json]   (`check` is the default)
    scope-check rules [CODES]
    scope-check batch|report|merge|supplement ...

Exit codes: 0 no error-level finding; 1 at least one (an unreadable PDF included);
2 the tool could not do its job (usage error, invalid rules file, internal failure).
Only click is imported before a subcommand is named, so that `scope-check --version` returns at once.
"""

from __future__ import annotations

import importlib
import sys

from scope_check.safety.collector import paused_collector

with paused_collector():  # click's import, like the check's, needs no collection
    import click

from scope_check import __version__
from scope_check.cli import process  # (standard library only)

#: the lazy table: subcommand -> "module:attribute", imported only when named (or listed by --help),
#: so that `--version` imports no command and `check` none of the others
LAZY_COMMANDS = {
    "check": "scope_check.cli.check:check_command",
    "rules": "scope_check.cli.rules:rules_command",
    "batch": "scope_check.cli.batch:batch_command",
    "report": "scope_check.cli.batch:report_command",
    "merge": "scope_check.cli.batch:merge_command",
    "supplement": "scope_check.cli.supplement:supplement_command",
}

#: and the modules a subcommand needs only when an option or an input asks for them (`check
#: --annotate`; a SyncTeX file beside a PDF), which a plain check never imports: a command asks for
#: one with `options.lazy_module(name)` (tests/test_startup.py lists what a plain check must not import)
LAZY_MODULES = {
    "annotate": "scope_check.output.annotate",
    "synctex": "scope_check.output.synctex",
}

#: what `scope-check ARGS` means when ARGS does not begin with a subcommand
DEFAULT_COMMAND = "check"


def _import(module: str):
    """`module`, imported with the cyclic garbage collector paused (its modules allocate objects that
    live as long as the process: collecting them is wasted work)."""
    with paused_collector():
        return importlib.import_module(module)


def load_command(name: str) -> click.Command:
    """The subcommand `name` of LAZY_COMMANDS."""
    module, _, attribute = LAZY_COMMANDS[name].partition(":")
    return getattr(_import(module), attribute)


class DefaultGroup(click.Group):
    """Subcommands from LAZY_COMMANDS; `scope-check paper.pdf` means `scope-check check paper.pdf`."""

    def lazy_module(self, name: str):
        """The module LAZY_MODULES names `name` (a subcommand reaches it through its context's root:
        `options.lazy_module`, so no command module imports this one)."""
        return _import(LAZY_MODULES[name])

    def list_commands(self, ctx):
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx, name):
        if name not in self.commands and name in LAZY_COMMANDS:
            self.add_command(load_command(name), name)
        return super().get_command(ctx, name)

    def parse_args(self, ctx, args):
        if not args or (args[0] not in self.commands and args[0] not in LAZY_COMMANDS
                        and args[0] not in ("--help", "-h", "--version")):
            args = [DEFAULT_COMMAND, *args]
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


def console_main() -> None:
    """The `scope-check` executable and `python -m scope_check`: `main()`, after which a `check`
    ends the process at once (`process.exit_now`). `main()` itself returns or raises SystemExit as usual."""
    try:
        main()
    except SystemExit as exc:
        if process.quick_exit_allowed():  # only after `check` has written its report
            process.exit_now(exc.code)
        raise


def main() -> None:
    process.reset()
    try:
        cli.main(prog_name="scope-check")
    except SystemExit:
        raise
    except KeyboardInterrupt as exc:
        click.echo("scope-check: interrupted", err=True)
        sys.exit(process.interrupted_status(exc))
    except Exception as exc:  # never a traceback for the user
        click.echo(f"scope-check: internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(2)
