"""The rule reference, generated from the registry: `scope-check rules [CODE]` and docs/RULES.md."""

from __future__ import annotations

import textwrap
from typing import Iterable, Mapping

_WRAP = 92


def overview(checks: Mapping, rule_sets: Iterable[str]) -> str:
    lines = ["code      name                     default  what it checks"]
    for c in checks.values():
        first = c.summary.split(". ")[0].rstrip(".")
        lines.append(f"{c.code:<9} {c.name:<24} {c.severity:<8} {first}")
    lines.append("")
    lines.append("bundled rule sets: " + ", ".join(rule_sets))
    lines.append("`scope-check rules CODE` explains one check.")
    return "\n".join(lines)


def check_reference(check, rules=None) -> str:
    out = [f"{check.code} {check.name} (default severity: {check.severity})", ""]
    for title, body in (("What it checks", check.summary), ("Why", check.why), ("How to fix", check.fix)):
        out.append(title)
        out.extend(textwrap.wrap(body, _WRAP, initial_indent="  ", subsequent_indent="  "))
        out.append("")
    if check.example:
        out += ["Example", f"  {check.example}", ""]
    out.append("Parameters")
    if check.params:
        for name, meaning in check.params.items():
            value = ""
            if rules is not None:
                value = f" = {rules.options(check.code).get(name)!r} in {rules.name}"
            out.append(f"  {name}{value}: {meaning}")
    else:
        out.append("  severity only")
    if rules is not None:
        out.append(f"  severity = {rules.severity(check.code, check.severity)} in {rules.name}")
    return "\n".join(out).rstrip()


def markdown(checks: Mapping) -> str:
    """docs/RULES.md: the same reference for the web."""
    out = ["# Rule reference", "", "Generated from the registry by `python -m scope_check.reference`; "
           "`scope-check rules CODE` prints the same text.", ""]
    for c in checks.values():
        out += [f"## {c.code} {c.name}", "", f"Default severity: **{c.severity}**.", "",
                f"**What it checks.** {c.summary}", "", f"**Why.** {c.why}", "", f"**How to fix.** {c.fix}", ""]
        if c.example:
            out += [f"**Example.** `{c.example}`", ""]
        if c.params:
            out.append("**Parameters.**")
            out += [f"- `{k}`: {v}" for k, v in c.params.items()]
            out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover
    from scope_check.registry import checks

    print(markdown(checks()))
