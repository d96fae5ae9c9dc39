"""The explicit registry of checks: every code, its name, default severity and documentation.

A check is `run(doc, params) -> Iterable[Finding]`: it reads the document model and the rule
parameters and returns findings; it prints nothing, writes nothing and keeps no state.
Codes are a public contract (../CHECKS.md): never renumber, add new ones at the end of a family.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Tuple

from scope_check.findings import Finding
from scope_check.rules import RuleSet


@dataclass(frozen=True)
class Params:
    """What a check is given besides the document: the rule set and its own options."""

    rules: RuleSet
    options: Mapping[str, Any]

    @property
    def template(self) -> Mapping[str, Any]:
        return self.rules.template


@dataclass(frozen=True)
class Check:
    code: str
    name: str
    severity: str  # the default; a rule file may change it
    summary: str  # what it checks
    why: str  # the rule it enforces, with the CFP clause
    fix: str  # how to fix it in LaTeX
    params: Mapping[str, str] = field(default_factory=dict)  # option -> meaning
    example: str = ""  # a message it prints
    run: Optional[Callable[..., Iterable[Finding]]] = None  # None: reported by the runner itself

    @property
    def family(self) -> str:
        return self.code.rstrip("0123456789")


def _modules():
    from scope_check.checks import anonymity, files, fonts, margins, pages, template
    from scope_check.supplement import checks as supplement  # SUPP: no PDF `run`, checked by `supplement`

    return (files, pages, margins, fonts, template, anonymity, supplement)


def _internal() -> Tuple[Check, ...]:
    return (
        Check(
            code="SCOPE001",
            name="internal-error",
            severity="error",
            summary="A check raised an exception: the finding names the check; every other check still ran.",
            why="A checker that stops at its own bug hides every other violation; this one reports it and goes on.",
            fix="Not the paper's fault: report it with the PDF if you can share it (`scope-check --version`).",
            example="check MARG001 failed: ZeroDivisionError: float division by zero",
        ),
    )


_CHECKS: Optional[Dict[str, Check]] = None


def checks() -> Dict[str, Check]:
    """Every check by code, in code order."""
    global _CHECKS
    if _CHECKS is None:
        found = [c for m in _modules() for c in m.CHECKS] + list(_internal())
        _CHECKS = {c.code: c for c in sorted(found, key=lambda c: c.code)}
    return _CHECKS


def get(code: str) -> Check:
    try:
        return checks()[code.upper()]
    except KeyError:
        raise KeyError(f"no check {code!r}; known: {', '.join(checks())}") from None
