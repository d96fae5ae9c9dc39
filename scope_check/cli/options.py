"""The command line's toolkit: every option more than one subcommand takes, its parameter type and
its default, declared once here, and the helpers the subcommands share.

    @pdfs_argument()             PDFS...: any paths, taken as given (each gets its own verdict)
    @rules_option()              --rules NAME|FILE (default scope_check.DEFAULT_RULES, env RULES_ENV) and
                                 --set KEY=VALUE (repeatable), applied on top by `rule_set`
    @selection_options()         --select/--ignore CODES: comma lists, each word a code or prefix
                                 the registry knows, else a usage error (exit 2) with did-you-mean
    @limit_options               --time-limit/--memory-limit (defaults: engine.isolation's)
    @exit_zero_option()          --exit-zero
    @report_options()            -o/--output, --color, -q/--quiet, -v/--verbose

`ToolError` is the one "the tool could not do its job" (exit 2); `rule_set` loads --rules the one
way (exit 2 naming what was wrong, and the environment variable if it came from there);
`open_output`, `use_color`, `safe_stdout` write a report; `lazy_module` is the group's lazy table
for what a command needs only when asked. The batch commands' own shared options
(--near-duplicate, --no-first-pages) are declared in `cli.batch`: their defaults belong to
`scope_check.batch`, which a plain `check` never imports.
"""

from __future__ import annotations

import os
import sys
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

import click
from click.core import ParameterSource

from scope_check import DEFAULT_RULES
from scope_check import RULES_ENV
from scope_check import checks as registry
from scope_check.config.rules import OVERRIDABLE, Override, RuleSet, RulesError, load_rules
from scope_check.engine.isolation import DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIME_LIMIT
from scope_check.engine.runner import Selection
from scope_check.engine.venues import AUTO, auto_rules
from scope_check.output import Summary
from scope_check.output import get as get_formatter
from scope_check.safety import safe_yaml
from scope_check.safety.safe_patterns import lazy
from scope_check.safety.atomic import discard, publish, temporary

Decorator = Callable[[Callable], Callable]


class ToolError(click.ClickException):
    """The tool could not do its job: exit 2."""

    exit_code = 2


# --- check codes: --select, --ignore, `rules CODES` ---------------------------------------------

class CodeList(click.ParamType):
    """A comma-separated list of check codes or prefixes (`PAGE,ANON001`), upper-cased. A word that
    names no check (neither a code nor the prefix of one) is a usage error (exit 2) naming the
    nearest codes or the families: a typo must not silently select nothing."""

    name = "codes"

    def convert(self, value, param, ctx) -> Tuple[str, ...]:
        if isinstance(value, tuple):  # already converted (a default, a second pass)
            return value
        words = tuple(w.strip().upper() for w in str(value).split(",") if w.strip())
        for word in words:
            if not registry.matching(word):
                self.fail(registry.unknown_code_message(word), param, ctx)
        return words


CODES = CodeList()


def _joined(ctx: click.Context, param: click.Parameter, value) -> Tuple[str, ...]:
    """A repeated option's lists, one tuple (`--select PAGE --select FONT001,ANON`)."""
    if not value:
        return ()
    if param.multiple or param.nargs == -1:
        return tuple(code for words in value for code in words)
    return tuple(value)


def codes_argument(name: str, required: bool = True) -> Decorator:
    """CODES as an argument (`scope-check rules PAGE,FONT003`), validated as --select is."""
    return click.argument(name, required=required, type=CODES, callback=_joined,
                          metavar="CODES" if required else "[CODES]")


def selection_options(select_help: str = "Only these codes or prefixes (PAGE,ANON001).",
                      ignore_help: str = "Skip these codes or prefixes (FONT003).") -> Decorator:
    """--select and --ignore: repeatable, comma lists, every word checked against the registry."""

    def decorate(f: Callable) -> Callable:
        f = click.option("--ignore", "ignore", multiple=True, type=CODES, callback=_joined, metavar="CODES",
                         help=ignore_help)(f)
        return click.option("--select", "select", multiple=True, type=CODES, callback=_joined, metavar="CODES",
                            help=select_help)(f)

    return decorate


def selection(select: Sequence[str], ignore: Sequence[str]) -> Selection:
    """What --select and --ignore (already validated) leave to run."""
    return Selection(select=tuple(select), ignore=tuple(ignore))


# --- the papers: PDFS... -------------------------------------------------------------------------

#: a path taken as given: click.Path's default would refuse an existing file it cannot read (a usage
#: error, exit 2, and no verdict for the other files of the run); no existence, kind or permission
#: check is made here, the runner gives each path its own row (a missing or unreadable file FILE002,
#: a folder or a device FILE001)
ANY_PATH = click.Path(readable=False)


def pdfs_argument(name: str = "pdfs") -> Decorator:
    """PDFS...: one or more paths, any of them (ANY_PATH)."""
    return click.argument(name, nargs=-1, required=True, type=ANY_PATH)


# --- the rule set: --rules ----------------------------------------------------------------------

RULES_HELP = ("A bundled rule set (scope2025-tiny, scope2025-main, wsl2025-extended, wsl2025-full) or a path to a "
              f"YAML rules file (also read from the environment variable {RULES_ENV}); auto: for each paper the "
              "bundled venue whose template it is in (the default where none is).")


SET_HELP = ("Change one value of the rule set, as a rules file extending it would (repeatable): "
            "CODE.PARAM=VALUE (PAGE001.max_pages=4), CODE.severity=warning, template.NAME=VALUE, "
            "structure.NAME=VALUE; VALUE is YAML (4, 9.96, off, null, [a, b]). The report names the set NAME+set.")
#: where the --set callback leaves the parsed settings for `rule_set` (ctx.meta)
OVERRIDES_KEY = "scope_check.overrides"
_KEY = lazy(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")
_CODE = lazy(r"(?<![A-Za-z])[A-Za-z]+[0-9]+")  # starts at a run of letters: linear on any text


def rules_option(help: str = RULES_HELP) -> Decorator:
    """--rules NAME|FILE: its default and its environment variable are scope_check's; and --set
    KEY=VALUE (repeatable), which `rule_set` applies on top of the set: a command taking --rules
    takes --set without a parameter of its own (the settings wait in ctx.meta)."""

    def decorate(f: Callable) -> Callable:
        f = click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", expose_value=False,
                         callback=_keep_overrides, help=SET_HELP)(f)
        return click.option("--rules", "rules_spec", default=DEFAULT_RULES, show_default=True, envvar=RULES_ENV,
                            metavar="NAME|FILE", help=help)(f)

    return decorate


def parse_setting(text: str) -> Override:
    """One --set KEY=VALUE: (its text, the keys of its place in a rules file, its value read as
    YAML), or ValueError saying what is wrong. The first key is `template`, `structure`, `checks`
    or a check's code (upper-cased: `page001.max_pages` is PAGE001's; the schema says which exist)."""
    key, equals, value = text.partition("=")
    key = key.strip()
    if not equals or not key:
        raise ValueError(f"{text!r} is not KEY=VALUE (PAGE001.max_pages=4, template.body_font_size=9.96)")
    if not _KEY.fullmatch(key):
        raise ValueError(f"{key!r} is not a key: dot-separated names (PAGE001.max_pages, template.header.review)")
    keys = tuple(key.split("."))
    if _CODE.fullmatch(keys[0]):
        keys = ("checks", keys[0].upper()) + keys[1:]
    elif keys[0] not in OVERRIDABLE:
        raise ValueError(f"{key!r}: a key starts with a check's code (PAGE001.max_pages), template. or structure.")
    if not value.strip():
        raise ValueError(f"{text!r} has no value (write null for none)")
    import yaml  # only when --set is given: a plain check reads no YAML

    try:
        data = safe_yaml.load(value)
    except (ValueError, RecursionError, yaml.YAMLError) as exc:
        raise ValueError(f"{text!r}: its value is not YAML: {getattr(exc, 'problem', None) or exc}") from None
    return text, keys, data


def _keep_overrides(ctx: click.Context, param: click.Parameter, value: Sequence[str]) -> Tuple[Override, ...]:
    try:
        settings = tuple(parse_setting(text) for text in value or ())
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
    ctx.meta[OVERRIDES_KEY] = settings
    return settings


def overrides(ctx: Optional[click.Context] = None) -> Tuple[Override, ...]:
    """The --set settings of this command (of `ctx`, else the current context); () without any."""
    ctx = ctx if ctx is not None else click.get_current_context(silent=True)
    return tuple(ctx.meta.get(OVERRIDES_KEY, ())) if ctx is not None else ()


def from_environment(ctx: Optional[click.Context], name: str = "rules_spec") -> bool:
    """Whether the parameter `name` took its value from its environment variable."""
    return ctx is not None and ctx.get_parameter_source(name) == ParameterSource.ENVIRONMENT


def rule_set(spec: str, ctx: Optional[click.Context] = None, name: str = "rules_spec") -> RuleSet:
    """The rule set `spec` names with the command's --set settings on top (named `NAME+set`; `auto`:
    engine.venues.AutoRules, the settings on top of every candidate), or ToolError (exit 2) saying
    what was wrong; when `spec` is the value of the option `name` and came from the environment, the
    message names the variable."""
    settings = overrides(ctx)
    try:
        if spec == AUTO:  # each paper its bundled venue (engine/venues.py), the default where none fits
            return auto_rules(lambda name: load_rules(name, registry.checks(), settings), DEFAULT_RULES)
        return load_rules(spec, registry.checks(), settings)
    except RulesError as exc:
        from_env = from_environment(ctx, name) and ctx.params.get(name) == spec
        where = f" (from the environment variable {RULES_ENV}={spec})" if from_env else ""
        raise ToolError(f"invalid rules{where}: {exc}") from None


# --- resource limits: --time-limit, --memory-limit ------------------------------------------------

def limit_options(f: Callable) -> Callable:
    """--time-limit SECONDS and --memory-limit MB per file, defaults from engine.isolation; 0: none."""
    f = click.option("--memory-limit", "memory_limit", type=click.FloatRange(min=0), default=DEFAULT_MEMORY_LIMIT_MB,
                     show_default=True, metavar="MB",
                     help="Address-space ceiling of the process checking a file (FILE007); 0: no limit.")(f)
    return click.option("--time-limit", "time_limit", type=click.FloatRange(min=0), default=DEFAULT_TIME_LIMIT,
                        show_default=True, metavar="SECONDS",
                        help="Stop a file's check after this long (FILE006); 0: no limit.")(f)


# --- what a command imports only when asked -------------------------------------------------------

def lazy_module(name: str):
    """The module the group's lazy table (`cli.main.LAZY_MODULES`) names `name`, imported now: what a
    command needs only when an option or an input asks for it (`check --annotate`, a SyncTeX file)."""
    return click.get_current_context().find_root().command.lazy_module(name)


# --- the report: exit status, output file, colour, detail ----------------------------------------

def exit_zero_option(help: str = "Exit 0 even when files fail (for screening); internal errors still exit 2.") -> Decorator:
    return click.option("--exit-zero", "exit_zero", is_flag=True, help=help)


def format_option(choices: Sequence[str], help: str) -> Decorator:
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default="text", show_default=True,
                        help=help)


def report_options(items: str = "files", verbose_help: str = "Also print the measurements and timing.") -> Decorator:
    """-o/--output FILE, --color auto|always|never, -q/--quiet, -v/--verbose."""

    def decorate(f: Callable) -> Callable:
        f = click.option("-v", "--verbose", "verbose", count=True, help=verbose_help)(f)
        f = click.option("-q", "--quiet", "quiet", is_flag=True, help=f"Only {items} that do not pass, and no hints.")(f)
        f = click.option("-o", "--output", "output", type=click.Path(dir_okay=False, writable=True), default=None,
                         help="Write the report to this file (atomically) instead of standard output.")(f)
        return click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto",
                            show_default=True,
                            help="Colour the text output (auto: on a terminal, unless NO_COLOR is set).")(f)

    return decorate


def use_color(mode: str, stream) -> bool:
    """--color: always, never, or (auto) on a terminal unless NO_COLOR is set."""
    if mode == "always":
        return True
    if mode == "never" or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def safe_stdout() -> None:
    """Whatever a report holds, standard output stays valid UTF-8 (text the model could not clean is
    written as backslash escapes, never as invalid bytes or a UnicodeEncodeError)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass


class open_output:
    """`with open_output(path) as stream`: standard output (path None), or a file that appears whole
    under `path` once the block ends without an exception (safety.atomic: a temporary file beside
    it, the user's umask, fsync, rename); on an exception the temporary file is removed."""

    def __init__(self, path: Optional[str]):
        self.path = path

    def __enter__(self):
        if self.path is None:
            return sys.stdout
        folder = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(folder):  # a usage error (exit 2), before any file is checked
            raise ToolError(f"cannot write the report {self.path}: the folder {folder} does not exist")
        try:
            fd, self.tmp = temporary(self.path)
        except OSError as exc:
            raise ToolError(f"cannot write the report {self.path}: {exc.strerror or exc}") from None
        self.fh = os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace")
        return self.fh

    def __exit__(self, exc_type, exc, tb):
        if self.path is None:
            return False
        self.fh.close()
        if exc_type is None:
            publish(self.tmp, self.path)
        else:
            discard(self.tmp)
        return False


def write_reports(reports: Iterable, fmt: str, output: Optional[str], rules_name: str, color: str, verbose: bool,
                  quiet: bool, after: Optional[Callable[[int, object], None]] = None) -> List:
    """Write `reports` as they come, in format `fmt`, to `output` (atomically) or standard output, with
    the summary at the end; `after(index, report)` runs once each report is written. Returns the reports."""
    done: List = []
    safe_stdout()
    with open_output(output) as stream:
        formatter = get_formatter(fmt)(stream, rules=rules_name, color=output is None and use_color(color, stream),
                                       verbose=verbose, quiet=quiet)
        summary = Summary()
        formatter.start()
        for index, report in enumerate(reports):
            done.append(report)
            summary.add(report.verdict)
            formatter.handle(report)
            if after is not None:
                after(index, report)
        formatter.finish(summary)
    return done


__all__ = [
    "ANY_PATH", "CODES", "CodeList", "RULES_HELP", "ToolError", "codes_argument", "exit_zero_option", "format_option",
    "from_environment", "lazy_module", "limit_options", "open_output", "overrides", "parse_setting", "pdfs_argument",
    "report_options", "rule_set",
    "rules_option", "safe_stdout", "selection", "selection_options", "use_color", "write_reports",
]
