"""`scope-check rules [CODES]`: every check, or the reference of some (codes or family prefixes, as
--select takes them): what, why (the rule set's call-for-papers clause), how to fix, parameters.
`scope-check rules --list`: every bundled rule set, one line each: its name, page limit, the set it
extends and its title."""

from __future__ import annotations

import shutil
from typing import List, Optional, Tuple

import click

from scope_check import DEFAULT_RULES
from scope_check import checks as registry
from scope_check.cli.options import ToolError, codes_argument, rule_set, rules_option
from scope_check.config.rules import RulesError, bundled_index, bundled_names
from scope_check.output.reference import check_reference, overview


def bundled_sets() -> List[Tuple[str, Optional[int], Optional[str], str]]:
    """Every bundled rule set as (name, PAGE001's page limit or None, the bundled set it extends or
    None, title), by name."""
    by_file = {str(path.resolve()): name for name, path in bundled_index().items()}
    out = []
    for name in bundled_names():
        try:
            rules = registry.load_rules(name)
        except RulesError as exc:
            raise ToolError(f"invalid bundled rule set {name}: {exc}") from None
        parent = by_file.get(str(rules.sources[-2])) if len(rules.sources) > 1 else None
        out.append((name, rules.options("PAGE001").get("max_pages"), parent, rules.title))
    return out


def listing(rows: List[Tuple[str, Optional[int], Optional[str], str]], default: str = DEFAULT_RULES) -> str:
    """The `rules --list` table: one line per rule set, columns aligned."""
    table = [("name", "pages", "extends", "title")]
    for name, limit, parent, title in rows:
        table.append((name, "-" if limit is None else str(limit), parent or "-",
                      title + (" (the default)" if name == default else "")))
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    return "\n".join(f"{n:<{widths[0]}}  {p:>{widths[1]}}  {e:<{widths[2]}}  {t}" for n, p, e, t in table)


@click.command("rules")
@codes_argument("codes", required=False)
@rules_option(help="The rule set whose call-for-papers clauses and parameter values are shown.")
@click.option("--list", "list_sets", is_flag=True,
              help="List the bundled rule sets: name, page limit (before the References), the set each extends, title.")
@click.pass_context
def rules_command(ctx, codes: Tuple[str, ...], rules_spec: str, list_sets: bool) -> None:
    """List every check, or explain some (by code, or a family by prefix: PAGE, ANON00; a comma list
    for several): what, why (the rule set's call-for-papers clause), how to fix, its parameters as
    YAML values. With --list: every bundled rule set, one line each."""
    if list_sets:
        if codes:
            raise click.UsageError("--list lists the rule sets; give CODES without it")
        click.echo(listing(bundled_sets()))
        return
    rules = rule_set(rules_spec, ctx)
    if not codes:
        click.echo(overview(registry.checks(), bundled_names(), width=shutil.get_terminal_size((100, 24)).columns))
        return
    named = list(dict.fromkeys(code for word in codes for code in registry.matching(word)))
    click.echo("\n\n".join(check_reference(registry.get(code), rules) for code in named))
