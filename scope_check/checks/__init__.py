"""The explicit registry of checks: every code, its name, default severity, documentation and
parameters, gathered from the check modules (each declares a `CHECKS` tuple of `spec.Check`, first
thing after its imports). A spec's `run="name"` names a function of the module declaring it: the
registry resolves it there, so every spec it hands out has a callable `run`.

A check is `run(doc, params) -> Iterable[Finding]`: it reads the document model and its complete
parameter set and returns findings; it prints nothing, writes nothing and keeps no state.
Codes are a public contract (../CHECKS.md): never renumber, add new ones at the end of a family.
The spec types live in `scope_check.config.spec`; they are also importable from here.
"""

from __future__ import annotations

from dataclasses import replace
from types import ModuleType
from typing import Dict, List, Optional, Sequence, Tuple

from scope_check.config import rules as rule_files
from scope_check.config.spec import Check

from scope_check.checks import files, fonts, margins, pages, statements, supplement, template, text
from scope_check.checks.anonymity import acknowledgements, author_block, links, metadata, self_citation

#: every module that declares checks (its CHECKS make up the registry, and a spec's `run` names a
#: function of it): a new check module is added here
MODULES = (files, pages, margins, fonts, template, author_block, acknowledgements, links, self_citation, metadata,
           text, supplement, statements)

INTERNAL = Check(
    code="SCOPE001",
    name="internal-error",
    severity="error",
    summary="A check raised an exception: the finding names the check; every other check still ran.",
    why="A checker that stops at its own bug hides every other violation; this one reports it and goes on.",
    fix="A bug in scope-check, not in the paper: please report it with `scope-check --version`.",
    example="check MARG001 failed: ZeroDivisionError: float division by zero",
    internal=True,
)

_CHECKS: Optional[Dict[str, Check]] = None
#: code -> the name of the module declaring it
_HOMES: Dict[str, str] = {}


def checks() -> Dict[str, Check]:
    """Every check by code, in code order, each `run` a function."""
    global _CHECKS
    if _CHECKS is None:
        found = [(m.__name__, resolved(c, m)) for m in MODULES for c in m.CHECKS] + [(__name__, INTERNAL)]
        codes = [c.code for _, c in found]
        if len(set(codes)) != len(codes):
            raise RuntimeError(f"a check code is declared twice: {sorted(c for c in codes if codes.count(c) > 1)}")
        _HOMES.update((c.code, name) for name, c in found)
        _CHECKS = {c.code: c for _, c in sorted(found, key=lambda item: item[1].code)}
    return _CHECKS


def resolved(check: Check, module: ModuleType) -> Check:
    """The spec with its `run` a function: a name is looked up in the module declaring the spec."""
    if not isinstance(check.run, str):
        return check
    run = getattr(module, check.run, None)
    if not callable(run):
        raise RuntimeError(f"{check.code}: run={check.run!r} names no function of {module.__name__}")
    return replace(check, run=run)


def module_of(code: str) -> str:
    """The name of the module declaring a check (`scope_check.checks.pages`)."""
    checks()
    return _HOMES[get(code).code]


def get(code: str) -> Check:
    try:
        return checks()[code.upper()]
    except KeyError:
        raise KeyError(unknown_code_message(code)) from None


def codes_with(attribute: str) -> Tuple[str, ...]:
    """The codes whose spec sets `attribute` (gate, uncheckable, cannot_be_ignored, internal, ...)."""
    return tuple(code for code, c in checks().items() if getattr(c, attribute))


def internal_code() -> str:
    (code,) = codes_with("internal")
    return code


def families() -> List[str]:
    return sorted({c.family for c in checks().values()})


def matching(prefix: str) -> List[str]:
    """The codes a --select/--ignore/`rules` prefix names (`PAGE`, `ANON00`, `FONT003`)."""
    prefix = prefix.upper()
    return [code for code in checks() if code.startswith(prefix)]


def suggestions(word: str, n: int = 3) -> List[str]:
    """The known codes and families nearest to a mistyped one ("PAEG" -> PAGE, "PAEG001" -> PAGE001)."""
    import difflib  # only for a mistyped code: not on a plain check's path

    word = word.upper()
    letters, digits = word.rstrip("0123456789"), word[len(word.rstrip("0123456789")):]
    if not digits:
        return difflib.get_close_matches(word, families(), n=n, cutoff=0.5)
    close = difflib.get_close_matches(word, list(checks()), n=n, cutoff=0.6)
    for family in difflib.get_close_matches(letters, families(), n=1, cutoff=0.5):
        if family + digits in checks() and family + digits not in close:
            close.insert(0, family + digits)
    return close[:n]


def unknown_code_message(word: str) -> str:
    close = suggestions(word)
    hint = f"; did you mean {' or '.join(close)}?" if close else f"; known families: {', '.join(families())}"
    return f"no check code or prefix {word!r}{hint} (`scope-check rules` lists them)"


def unknown(words: Sequence[str]) -> List[str]:
    """The words that name no check (neither a code nor the prefix of one)."""
    return [w for w in words if not matching(w)]


def load_rules(spec: str) -> "rule_files.RuleSet":
    """A bundled rule set by name or a user's YAML file by path, with every registered check's
    defaults merged under it (`config.rules.load_rules` given this registry's catalogue)."""
    return rule_files.load_rules(spec, checks())


def defaults() -> dict:
    """Every declared default of the template, the structure and the registered checks."""
    return rule_files.defaults(checks())


def generated_schema() -> dict:
    """The rules schema for the registered checks (`rules.schema.json` is this, written out)."""
    return rule_files.generated_schema(checks())
