"""A check's home holds all of it: its module opens with its spec (`CHECKS` before any function),
the registry resolves `run="name"` in that module, and the fix text is declared once, on the spec:
the runner writes each finding's hint from it. (No code is named here: the registry is walked.)"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from scope_check import checks as registry
from scope_check.config.spec import Check, format_fix, placeholders
from scope_check.engine.runner import build_report
from scope_check.model.findings import Finding
from scope_check.checks import load_rules


@pytest.mark.parametrize("module", registry.MODULES, ids=lambda m: m.__name__)
def test_the_spec_opens_its_module_before_any_function(module):
    tree = ast.parse(inspect.getsource(module))
    statements = [node for node in tree.body if not isinstance(node, (ast.Import, ast.ImportFrom))]
    spec = next(i for i, node in enumerate(statements)
                if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CHECKS" for t in node.targets))
    before = [node for node in statements[:spec] if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    assert not before, f"{module.__name__}: {[n.name for n in before]} defined before CHECKS"
    for c in module.CHECKS:
        assert c.run is None or isinstance(c.run, str), f"{c.code}: run names a function of its module"


def test_the_registry_resolves_run_in_the_declaring_module():
    for code, c in registry.checks().items():
        module = registry.module_of(code)
        if c.run is not None:
            assert callable(c.run) and c.run.__module__ == module, code
    spec = Check(code="TEXT009", name="x", severity="error", summary="s", why="w", fix="f", run="nothing_here")
    with pytest.raises(RuntimeError, match="names no function"):
        registry.resolved(spec, registry.MODULES[0])


def test_fix_texts_are_templates_with_named_placeholders_and_doubled_braces():
    assert placeholders("Cut the body to {limit} pages after `\\bibliography{{...}}`.") == ("limit",)
    for bad in ("`\\bibliography{...}`", "`\\rhead{}`", "{0} pages", "{a.b}", "a { b"):
        with pytest.raises(ValueError):
            placeholders(bad)
    with pytest.raises(ValueError):
        Check(code="TEXT009", name="x", severity="error", summary="s", why="w", fix="`\\author{}`")
    assert format_fix("{limit} pages, {limit:g}, {missing}, {flag}", {"limit": 5, "flag": True}) == (
        "5 pages, 5, <missing>, <flag>")


def test_the_runner_writes_the_hint_from_the_spec_and_the_variant_the_finding_names():
    rules = load_rules("scope2025-main")
    with_variants = [c for c in registry.checks().values() if c.fixes and not c.internal]
    assert with_variants
    for c in with_variants:
        values = {name: f"<{name}>" for text in (c.fix, *c.fixes.values()) for name in placeholders(text)}
        for variant in ("", *c.fixes):
            finding = Finding(c.code, "m", data=values, fix=variant)
            (reported,) = build_report("x.pdf", rules, None, [finding], {}, 0.0).findings
            assert reported.hint == c.fix_text(variant) and reported.hint, (c.code, variant)
            assert "fix" not in reported.to_json()["data"]
        own = Finding(c.code, "m", hint="the check's own words")
        assert build_report("x.pdf", rules, None, [own], {}, 0.0).findings[0].hint == "the check's own words"
    silent = Finding(with_variants[0].code, "m", fix=None)
    assert build_report("x.pdf", rules, None, [silent], {}, 0.0).findings[0].hint == ""
    with pytest.raises(KeyError, match="has no fix"):
        with_variants[0].fix_text("no-such-variant")


def test_check_functions_leave_the_hint_to_the_spec():
    """No module of the checks package writes `hint=` itself: the fix text lives in the spec."""
    package = Path(registry.__file__).parent
    for path in sorted(package.rglob("*.py")):
        assert "hint=" not in path.read_text(encoding="utf-8"), path.relative_to(package)
