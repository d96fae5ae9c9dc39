"""The rule reference, generated from the check specs and the parameter declarations:
`scope-check rules [CODE]`, docs/RULES.md (`python -m scope_check.output.reference > docs/RULES.md`) and
the rules schema (`python -m scope_check.output.reference --schema > scope_check/rules.schema.json`) and
the bundled rule files' cache (`python -m scope_check.output.reference --bundled-cache` writes
rules/bundled.cache.json)."""

from __future__ import annotations

import json
import textwrap
from typing import Any, Iterable, Mapping, Optional

_WRAP = 92


def yaml_value(value: Any) -> str:
    """A value as a rule file writes it: `5`, `null`, `false`, `[References, Bibliography]`."""
    import yaml

    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, Mapping):
        value = {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}
    text = yaml.safe_dump([value], default_flow_style=True, allow_unicode=True, width=10**6).strip()
    return text[1:-1]


def overview(checks: Mapping, rule_sets: Iterable[str], width: int = _WRAP) -> str:
    """One short line per check (cut to `width`, the terminal's), then the bundled rule sets."""
    width = max(width, 60)
    lines = ["code      name                     default  what it checks"]
    for c in checks.values():
        first = c.summary.split(". ")[0].rstrip(".")
        line = f"{c.code:<9} {c.name:<24} {c.severity:<8} {first}"
        lines.append(line if len(line) <= width else line[: width - 3] + "...")
    lines.append("")
    lines.extend(textwrap.wrap("bundled rule sets: " + ", ".join(rule_sets), width, subsequent_indent="  "))
    lines.extend(textwrap.wrap("`scope-check rules CODE` explains one check, `rules PREFIX` (PAGE, ANON) a family; "
                               "`--rules NAME` shows that rule set's clauses and values.", width))
    return "\n".join(lines)


def _describe(p) -> str:
    unit = f"; in {p.unit}" if p.unit else ""
    return f"{p.description}{unit}; default {yaml_value(p.default)}" if not p.required else f"{p.description}{unit}"


def check_reference(check, rules) -> str:
    """One check explained against a rule set: what, why (the rule set's own clause), how to fix,
    its parameters as YAML values with their defaults."""
    out = [f"{check.code} {check.name} (default severity: {check.severity})", ""]
    why = rules.why(check.code, check.why)
    for title, body in (("What it checks", check.summary), ("Why", why), ("How to fix", check.fix)):
        out.append(title)
        out.extend(textwrap.wrap(body, _WRAP, initial_indent="  ", subsequent_indent="  "))
        out.append("")
    if check.example:
        out += ["Example", f"  {check.example}", ""]
    out.append(f"Parameters in {rules.name} (`checks: {{{check.code}: {{...}}}}` in a rule file)")
    out.append(f"  severity: {rules.severity(check.code, check.severity)}")
    options = rules.options(check.code)
    for name, p in check.params.items():
        out.append(f"  {name}: {yaml_value(options[name])}")
        out.extend(textwrap.wrap(_describe(p), _WRAP, initial_indent="      ", subsequent_indent="      "))
    return "\n".join(out).rstrip()


def markdown(checks: Mapping) -> str:
    """docs/RULES.md: the same reference for the web, every parameter with its type and default."""
    from scope_check.config.rules import STRUCTURE, TEMPLATE

    out = ["# Rule reference", "", "Generated from the check specs by `python -m scope_check.output.reference`; "
           "`scope-check rules CODE` prints the same text with a rule set's values. Every parameter is "
           "declared once, with its default; a rule file sets only what differs.", ""]
    for c in checks.values():
        out += [f"## {c.code} {c.name}", "", f"Default severity: **{c.severity}**.", "",
                f"**What it checks.** {c.summary}", "",
                f"**Why.** {c.why} (A rule set quotes its own call for papers: `why:` in its entry.)", "",
                f"**How to fix.** {c.fix}", ""]
        if c.example:
            out += [f"**Example.** `{c.example}`", ""]
        if c.params:
            out.append("**Parameters.**")
            out += [_markdown_param(p) for p in c.params.values()]
            out.append("")
    for title, section, params in (("Template parameters", "template", TEMPLATE),
                                   ("Structure parameters", "structure", STRUCTURE)):
        out += [f"## {title}", "", f"The `{section}:` section of a rule file; shared by every check.", ""]
        out += [_markdown_param(p) for p in params]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _markdown_param(p) -> str:
    default = "required" if p.required else f"default `{yaml_value(p.default)}`"
    unit = f", {p.unit}" if p.unit else ""
    return f"- `{p.name}` ({p.type}{unit}; {default}): {p.description}"


def schema_text(schema: Optional[dict] = None) -> str:
    from scope_check.checks import generated_schema

    return json.dumps(schema or generated_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # pragma: no cover
    import sys

    from scope_check.checks import checks

    if sys.argv[1:] == ["--schema"]:
        sys.stdout.write(schema_text())
    elif sys.argv[1:] == ["--bundled-cache"]:  # rules/bundled.cache.json, written in place
        from scope_check.safety.atomic import write_bytes
        from scope_check.config.rules import CACHE_NAME, bundled_cache, bundled_dir

        target = bundled_dir() / CACHE_NAME
        write_bytes(str(target), bundled_cache().encode("utf-8"))
        print(f"wrote {target}")
    else:
        sys.stdout.write(markdown(checks()))
