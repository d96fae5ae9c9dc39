"""The rule reference, generated from the check specs and the parameter declarations:
`scope-check rules [CODE]`, docs/RULES.md (`python -m scope_check.output.reference > docs/RULES.md`) and
the rules schema (`python -m scope_check.output.reference --schema > scope_check/config/rules.schema.json`) and
the bundled rule files' cache (`python -m scope_check.output.reference --bundled-cache` writes
rules/bundled.cache.json)."""

from __future__ import annotations

import json
import textwrap
from typing import Any, Iterable, Mapping, Optional, Sequence
from scope_check.config.rules import STRUCTURE, TEMPLATE
from scope_check.checks import generated_schema, module_of

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
    fixes = [(f"How to fix ({variant})" if variant else "How to fix", text) for variant, text in check.fix_texts().items()]
    for title, body in (("What it checks", check.summary), ("Why", why), *fixes):
        out.append(title)
        out.extend(textwrap.wrap(body, _WRAP, initial_indent="  ", subsequent_indent="  "))
        out.append("")
    if check.example:
        out += ["Example", f"  {check.example}", ""]
    out.append(f"Parameters in {rules.name} (`checks: {{{check.code}: {{...}}}}` in a rule file)")
    severity = rules.severity_setting(check.code, check.severity)  # one, or {region: severity}
    if isinstance(severity, Mapping):
        severity = "{" + ", ".join(f"{region}: {level}" for region, level in severity.items()) + "}"
    out.append(f"  severity: {severity}")
    options = rules.options(check.code)
    for name, p in check.params.items():
        out.append(f"  {name}: {yaml_value(options[name])}")
        out.extend(textwrap.wrap(_describe(p), _WRAP, initial_indent="      ", subsequent_indent="      "))
    return "\n".join(out).rstrip()


def markdown(checks: Mapping, where: Optional[Mapping[str, Mapping[str, Sequence[str]]]] = None) -> str:
    """docs/RULES.md: the same reference for the web, every parameter with its type and default.
    With `where` ({code: {"tests": [...], "triggers": [...], "near_misses": [...]}}, what
    `repository_index` reads from a source checkout), each code also says where it lives: its module,
    its tests, the fixtures that trigger it and those that are near misses for it. Pure: the caller
    passes what it read; the installed package never needs fixtures/ or tests/."""

    out = ["# Rule reference", "", "Generated from the check specs by `python -m scope_check.output.reference`; "
           "`scope-check rules CODE` prints the same text with a rule set's values. Every parameter is "
           "declared once, with its default; a rule file sets only what differs.", ""]
    if where is not None:
        out += ["Each code says where all of it is: **Module**, the file that checks it (its `Check` spec is "
                "declared there); **Tests**, the test files for it; **Triggered by**, the fixtures that "
                "yield it, and **Near miss**, those built to come close without yielding it "
                "(`near_miss_for` in fixtures/manifest.yaml). A fixture is checked against "
                f"`{_MANIFEST_RULES}` unless another rule set is named.", ""]
    for c in checks.values():
        out += [f"## {c.code} {c.name}", "", f"Default severity: **{c.severity}**.", "",
                f"**What it checks.** {c.summary}", "",
                f"**Why.** {c.why} (A rule set quotes its own call for papers: `why:` in its entry.)", "",
                *_markdown_fixes(c)]
        if c.example:
            out += [f"**Example.** `{c.example}`", ""]
        if where is not None:
            out += _markdown_where(c, where.get(c.code) or {})
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


def _markdown_fixes(c) -> list:
    """The fix texts, the hints of its findings with their placeholders as `<name>`: the default,
    then each variant by name."""
    texts = c.fix_texts()
    out = [f"**How to fix.** {texts.pop('')}", ""]
    if texts:
        out += ["**How to fix, in particular cases** (a finding names its case):", ""]
        out += [f"- `{variant}`: {text}" for variant, text in texts.items()]
        out.append("")
    return out


def _markdown_param(p) -> str:
    default = "required" if p.required else f"default `{yaml_value(p.default)}`"
    unit = f", {p.unit}" if p.unit else ""
    return f"- `{p.name}` ({p.type}{unit}; {default}): {p.description}"


#: the rule set a manifest fixture is checked against unless its entry names another (`rules:`)
_MANIFEST_RULES = "scope2025-main"


def home(check) -> str:
    """The file a check lives in, as a path below the repository: the module declaring its spec
    (the registry's `MODULES`), where its `run` function is too."""
    import sys

    name = module_of(check.code)
    package = getattr(sys.modules.get(name), "__path__", None) is not None
    return name.replace(".", "/") + ("/__init__.py" if package else ".py")


def _reported_by(c) -> str:
    if c.run is not None:
        return f"`{c.run.__name__}`"
    if c.supplement:
        return "the spec; checked by `scope-check supplement`, in scope_check/supplement/"
    if c.internal:
        return "the spec; reported by the runner when a check raises"
    if c.runner_reported:
        return "the spec; reported by the runner's resource limits"
    return "the spec; reported by the loader when the PDF cannot be opened"


def _markdown_where(c, facts: Mapping[str, Sequence[str]]) -> list:
    out = [f"**Module.** `{home(c)}` ({_reported_by(c)})", ""]
    tests = facts.get("tests") or ()
    out += [f"**Tests.** {', '.join(f'`{t}`' for t in tests) if tests else 'none'}", ""]
    triggers, near = facts.get("triggers") or (), facts.get("near_misses") or ()
    if not triggers and not near:
        return out + ["**Fixtures.** none: no committed file yields it; its tests make it happen.", ""]
    for title, fixtures in (("Triggered by", triggers), ("Near miss", near)):
        out += [f"**{title}.** {', '.join(fixtures) if fixtures else 'none listed yet'}", ""]
    return out


#: the tests about every code at once (the registry, the manifest): never a code's own tests
_META_TESTS = ("tests/test_registry.py", "tests/test_fixtures.py")


def repository_index(root, checks: Mapping) -> dict:
    """{code: {"tests": [...], "triggers": [...], "near_misses": [...]}} read from a source checkout:
    fixtures/manifest.yaml (fixture PDFs), fixtures/supplement/manifest.yaml (archives) and tests/.
    A code's tests are the test files that name it and are named after its module, its family or
    the folder of one of its fixtures (tests/test_margins.py for fixtures/margins/), else every test
    file that names it; tests/test_fixtures.py walks the manifest. Called by
    `python -m scope_check.output.reference` and the test that keeps docs/RULES.md in step."""
    import re
    from pathlib import Path

    import yaml

    root = Path(root)
    manifests = (("fixtures/manifest.yaml", "pdf", "tests/test_fixtures.py"),
                 ("fixtures/supplement/manifest.yaml", "archive", "tests/test_supplement.py"))
    index = {code: {"tests": [], "triggers": [], "near_misses": [], "folders": set(), "walkers": []}
             for code in checks}
    for manifest, key, walker in manifests:
        entries = yaml.safe_load((root / manifest).read_text(encoding="utf-8")) or []
        for case in entries:
            rules = case["rules"]
            shown = f"`fixtures/{case[key]}`" + ("" if rules == _MANIFEST_RULES else
                                                 f" with `{'fixtures/' + rules if rules.endswith(('.yaml', '.yml')) else rules}`")
            for field, codes in (("triggers", case["codes"]), ("near_misses", case.get("near_miss_for") or ())):
                for code in codes:
                    facts = index[code]
                    if shown not in facts[field]:
                        facts[field].append(shown)
                    facts["folders"].add(case[key].split("/")[0])
                    if walker not in facts["walkers"]:
                        facts["walkers"].append(walker)
    texts = {f"tests/{p.name}": p.read_text(encoding="utf-8") for p in sorted((root / "tests").glob("test_*.py"))}
    for code, c in checks.items():
        facts = index[code]
        parts = home(c)[: -len(".py")].split("/")
        stems = {parts[-1] if parts[-1] != "__init__" else parts[-2], parts[2] if len(parts) > 3 else parts[-1]}
        stems |= facts.pop("folders")
        named = [t for t, text in texts.items() if re.search(rf"\b{code}\b", text)]
        own = [t for t in named if any(t == f"tests/test_{s}.py" or t.startswith(f"tests/test_{s}_") for s in stems)]
        chosen = own or [t for t in named if t not in _META_TESTS] or named
        facts["tests"] = chosen + [w for w in facts.pop("walkers") if w not in chosen]
    return index


def schema_text(schema: Optional[dict] = None) -> str:

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
    else:  # docs/RULES.md, from a source checkout (the fixtures and the tests beside the package)
        from pathlib import Path

        root = Path(__file__).resolve().parents[2]
        sys.stdout.write(markdown(checks(), repository_index(root, checks())))
