"""`scope-check rules [CODES]`: every check, or the reference of some (codes or family prefixes, as
--select takes them): what, why (the rule set's call-for-papers clause), how to fix, parameters."""

from __future__ import annotations

import shutil
from typing import Tuple

import click

from scope_check import checks as registry
from scope_check.cli.options import codes_argument, rule_set, rules_option
from scope_check.config.rules import bundled_names
from scope_check.output.reference import check_reference, overview


@click.command("rules")
@codes_argument("codes", required=False)
@rules_option(help="The rule set whose call-for-papers clauses and parameter values are shown.")
@click.pass_context
def rules_command(ctx, codes: Tuple[str, ...], rules_spec: str) -> None:
    """List every check, or explain some (by code, or a family by prefix: PAGE, ANON00; a comma list
    for several): what, why (the rule set's call-for-papers clause), how to fix, its parameters as
    YAML values."""
    rules = rule_set(rules_spec, ctx)
    if not codes:
        click.echo(overview(registry.checks(), bundled_names(), width=shutil.get_terminal_size((100, 24)).columns))
        return
    named = list(dict.fromkeys(code for word in codes for code in registry.matching(word)))
    click.echo("\n\n".join(check_reference(registry.get(code), rules) for code in named))
