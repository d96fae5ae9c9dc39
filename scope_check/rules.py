"""Rule sets: venue and track rules as YAML data, validated by the JSON Schema shipped beside this
module (`rules.schema.json`).

A rule file is untrusted input: it is read with `yaml.safe_load`, must be under 1 MB, is validated
before use, and may only choose parameters, never code. `extends:` names a bundled rule set or a
path relative to the file; mappings merge key by key, lists and scalars are replaced.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

MAX_RULE_FILE_BYTES = 1 << 20
MAX_EXTENDS_DEPTH = 16
SCHEMA_FILE = Path(__file__).with_name("rules.schema.json")


class RulesError(Exception):
    """An invalid or missing rule file; the command line exits 2 with this message."""


@dataclass(frozen=True)
class RuleSet:
    name: str
    title: str
    cfp: str
    template: Mapping[str, Any]
    structure: Mapping[str, Any]
    checks: Mapping[str, Mapping[str, Any]]
    sources: Tuple[str, ...]  # the files merged, base first

    def options(self, code: str) -> Dict[str, Any]:
        """The parameters of one check (its severity removed)."""
        return {k: v for k, v in self.checks.get(code, {}).items() if k != "severity"}

    def severity(self, code: str, default: str) -> str:
        return self.checks.get(code, {}).get("severity", default)


def bundled_dir() -> Path:
    """The bundled `rules/` folder: inside the installed package, or at the top of a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "rules", here.parent / "rules"):
        if (candidate / "iclr2025.yaml").is_file():
            return candidate
    raise RulesError("the bundled rules/ folder is missing from this installation")


@lru_cache(maxsize=1)
def bundled_index() -> Dict[str, Path]:
    """Bundled rule-set name -> file, read from each file's `name:`."""
    index: Dict[str, Path] = {}
    for path in sorted(bundled_dir().rglob("*.yaml")):
        data = _read(path)
        index[str(data.get("name") or path.stem)] = path
    return index


def bundled_names() -> List[str]:
    return sorted(bundled_index())


def load_rules(spec: str) -> RuleSet:
    """Load a bundled rule set by name (`scope2025-main`) or a user's YAML file by path."""
    path = _locate(spec, base=None)
    chain: List[Tuple[Path, dict]] = []
    seen = set()
    while True:
        if path in seen:
            raise RulesError(f"{path}: `extends` forms a cycle")
        if len(chain) >= MAX_EXTENDS_DEPTH:
            raise RulesError(f"{path}: `extends` is nested more than {MAX_EXTENDS_DEPTH} deep")
        seen.add(path)
        data = _unyaml_off(_read(path))
        _validate(path, data)
        chain.append((path, data))
        parent = data.get("extends")
        if not parent:
            break
        path = _locate(parent, base=path.parent)
    merged: Dict[str, Any] = {}
    for _, data in reversed(chain):
        merged = _merge(merged, {k: v for k, v in data.items() if k != "extends"})
    top = chain[0][0]
    _require_complete(top, merged)
    _compile_patterns(top, merged)
    return RuleSet(
        name=merged["name"],
        title=merged.get("title", merged["name"]),
        cfp=merged.get("cfp", ""),
        template=_freeze(merged.get("template", {})),
        structure=_freeze(merged.get("structure", {})),
        checks=_freeze(merged.get("checks", {})),
        sources=tuple(str(p) for p, _ in reversed(chain)),
    )


def _locate(spec: str, base: Optional[Path]) -> Path:
    index = bundled_index()
    if spec in index:
        return index[spec]
    candidate = Path(spec)
    if base is not None and not candidate.is_absolute():
        candidate = base / candidate
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        if not candidate.is_file():
            raise RulesError(f"{spec}: no such rules file")
        return candidate.resolve()
    raise RulesError(f"unknown rule set {spec!r}; bundled: {', '.join(bundled_names())} (or a path to a .yaml file)")


def _read(path: Path) -> dict:
    import yaml

    try:
        if path.stat().st_size > MAX_RULE_FILE_BYTES:
            raise RulesError(f"{path}: larger than {MAX_RULE_FILE_BYTES} bytes; not a rules file")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise RulesError(f"{path}: not UTF-8 text") from None
    from scope_check.safe_yaml import UnsafeYaml, load

    try:
        data = load(text)  # refuses deep nesting and alias bombs in bounded time
    except UnsafeYaml as exc:
        raise RulesError(f"{path}: refused: {exc}") from None
    except RecursionError:
        raise RulesError(f"{path}: refused: nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise RulesError(f"{path}:{where}: invalid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict):
        raise RulesError(f"{path}: $: a rules file is a mapping (name:, extends:, template:, checks:)")
    return data


def _unyaml_off(data: dict) -> dict:
    """YAML 1.1 reads a bare `severity: off` as false; it means "off"."""
    checks = data.get("checks")
    if isinstance(checks, dict):
        for options in checks.values():
            if isinstance(options, dict) and options.get("severity") is False:
                options["severity"] = "off"
    return data


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _validate(path: Path, data: dict) -> None:
    import jsonschema

    from scope_check.safe_patterns import format_checker

    # the `regex` format also refuses patterns that can backtrack catastrophically (safe_patterns.py)
    validator = jsonschema.Draft202012Validator(schema(), format_checker=format_checker())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        why = f": {err.cause}" if err.cause is not None and err.validator == "format" else ""
        raise RulesError(f"{path}: {err.json_path}: {err.message}{why}{more}")


#: what a rule set must define once its `extends` chain is merged
_REQUIRED_TEMPLATE = ("page_size", "text_block", "body_font_size", "body_leading")


def _require_complete(path: Path, merged: dict) -> None:
    template = merged.get("template", {})
    missing = [k for k in _REQUIRED_TEMPLATE if k not in template]
    if missing:
        raise RulesError(f"{path}: $.template: missing {', '.join(missing)} (set them or extend a rule set that does)")


def _compile_patterns(path: Path, merged: dict) -> None:
    for kind, patterns in merged.get("template", {}).get("header", {}).items():
        for i, pattern in enumerate(patterns):
            from scope_check.safe_patterns import problem

            reason = problem(pattern)
            if reason:
                raise RulesError(f"{path}: $.template.header.{kind}[{i}]: {reason}") from None


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            out[key] = _merge(base.get(key), value) if key in base else value
        return out
    return over


class _FrozenDict(dict):
    """A read-only dict: checks cannot change the rules they are given."""

    def _readonly(self, *args, **kwargs):
        raise TypeError("rule parameters are read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _readonly  # type: ignore[assignment]

    def __hash__(self):  # lets a template serve as a cache key
        return hash(json.dumps(self, sort_keys=True, default=list))


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return _FrozenDict({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value
