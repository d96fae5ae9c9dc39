"""The types a check declares itself with: `Check` (code, name, default severity, documentation,
the function that runs it, and what the runner must know about it) and `Param` (one parameter:
name, type, default, unit, one-line description).

Every parameter is declared once, here on its check's spec: the rules loader merges the defaults
before any check runs, the rules schema's `checks` section and docs/RULES.md are generated from
these declarations, and a check reads a complete, read-only parameter set (`params.options[name]`)
without a fallback of its own. This module imports nothing of the checks: the registry imports the
check modules, the check modules import this.

A new check, in its family's module (listed in `registry.MODULES`):

    from scope_check.config.spec import Check, Param, Params

    def too_many_footnotes(doc, params: Params):
        limit = params.options["max_footnotes"]      # complete: the rule file's value or the default
        ...
        yield Finding("TEXT009", f"... {limit} ...", page=..., hint=...)

    CHECKS = (
        Check(code="TEXT009", name="too-many-footnotes", severity="warning",
              summary="...", why="generic wording (a rule file quotes its call: checks.TEXT009.why)",
              fix="...", example="...", run=too_many_footnotes,
              params=(Param("max_footnotes", "integer", 20, "footnotes allowed per page", unit="footnotes",
                            minimum=0),)),
    )

then regenerate `python -m scope_check.output.reference > docs/RULES.md` and
`python -m scope_check.output.reference --schema > scope_check/config/rules.schema.json`. A venue's value goes in
its rule file only where it differs from the default.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Sequence, Tuple, Union

#: what a rule file may set a finding's severity to
RULE_SEVERITIES = ("error", "warning", "info", "off")

#: parameter types -> the JSON Schema of a value of that type
_TYPES: Dict[str, dict] = {
    "number": {"type": "number"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "string": {"type": "string", "minLength": 1},
    "regex": {"type": "string", "format": "regex", "minLength": 1},
    "strings": {"type": "array", "items": {"type": "string", "minLength": 1}},
    "regexes": {"type": "array", "items": {"type": "string", "format": "regex", "minLength": 1}},
    "string lists": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string", "minLength": 1}}},
}


@dataclass(frozen=True)
class Param:
    """One parameter of a check (or of the template section): declared once, with its default."""

    name: str
    type: str  # a key of _TYPES: number, integer, boolean, string, regex, strings, regexes, string lists
    default: Any
    description: str  # one line: what it sets
    unit: str = ""  # "pt", "bytes", "leadings", ...: said in the reference
    minimum: Optional[float] = None
    nullable: bool = False  # null is a value too (PAGE001 max_pages: null = no limit)
    schema: Optional[Mapping[str, Any]] = None  # the JSON Schema, when the type table cannot say it
    required: bool = False  # no default: every rule set must give it (the template's geometry)

    def __post_init__(self):
        if self.required and self.default is not None:
            raise ValueError(f"parameter {self.name}: a required parameter has no default")
        if self.schema is None and self.type not in _TYPES:
            raise ValueError(f"parameter {self.name}: unknown type {self.type!r}; one of {', '.join(_TYPES)}")

    def json_schema(self) -> dict:
        """The JSON Schema of this parameter's value (with its description)."""
        if self.schema is not None:
            out = dict(self.schema)
        else:
            out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in _TYPES[self.type].items()}
            if self.nullable:
                out["type"] = [out["type"], "null"]
            if self.minimum is not None:
                out["minimum"] = self.minimum
        unit = f" ({self.unit})" if self.unit else ""
        out["description"] = self.description + unit
        return out


def _param_table(params: Union[Mapping[str, Param], Sequence[Param], None]) -> Mapping[str, Param]:
    """`params=(Param(...), ...)` or `{name: Param(...)}` -> {name: Param}, in declaration order."""
    if not params:
        return {}
    items = list(params.values()) if isinstance(params, Mapping) else list(params)
    table: Dict[str, Param] = {}
    for p in items:
        if not isinstance(p, Param):
            raise TypeError(
                f"a check parameter is declared with Param(name, type, default, description, unit=...), "
                f"not {p!r}: the default is declared once, on the spec"
            )
        if p.name in table:
            raise ValueError(f"parameter {p.name} declared twice")
        table[p.name] = p
    return table


@dataclass(frozen=True)
class Params:
    """What a check is given besides the document: the rule set and its own complete options
    (every declared parameter, the rule file's value or the declared default; read-only)."""

    rules: Any  # scope_check.config.rules.RuleSet
    options: Mapping[str, Any]

    @property
    def template(self) -> Mapping[str, Any]:
        return self.rules.template


@dataclass(frozen=True)
class Check:
    """One check. `why` and `fix` here are the generic wording; a rule file may quote its own
    call for papers as a check's `why` (`checks: {PAGE001: {why: ...}}`)."""

    code: str
    name: str
    severity: str  # the default; a rule file may change it
    summary: str  # what it checks
    why: str  # the rule it enforces (generic; a rule file quotes its venue's clause)
    fix: str  # how to fix it in LaTeX
    params: Mapping[str, Param] = field(default_factory=dict)  # name -> Param (given as a tuple of Param)
    example: str = ""  # a message it prints
    run: Optional[Callable[..., Iterable[Any]]] = None  # None: reported by the loader or the runner
    #: runs before the other content checks; when it reports a finding (that the check did not itself
    #: lower to a warning) the other content checks do not run
    gate: bool = False
    #: its findings mean "this file could not be checked": the verdict is `error`
    uncheckable: bool = False
    #: --select/--ignore and `severity: off` never hide it (the file could not be read at all)
    cannot_be_ignored: bool = False
    #: its finding ends the file's check: nothing else is judged, not even the file's size or hash
    #: (the file is no PDF at all)
    final: bool = False
    #: the runner reports a check's exception under this code
    internal: bool = False
    #: reads only the file's size (`doc.file_size`), so it also judges a file that cannot be opened
    file_level: bool = False
    #: reported by the runner's resource limits, never by a PDF's content (no `run`, no fixture)
    runner_reported: bool = False
    #: checked by `scope-check supplement` on supplementary material (archives, folders), never on a
    #: PDF (no `run`; its fixtures are archives: fixtures/supplement/manifest.yaml)
    supplement: bool = False

    def __post_init__(self):
        object.__setattr__(self, "params", _param_table(self.params))

    @property
    def family(self) -> str:
        return self.code.rstrip("0123456789")

    def defaults(self) -> Dict[str, Any]:
        """{parameter: default} of every declared parameter."""
        return {name: p.default for name, p in self.params.items()}

    def json_schema(self) -> dict:
        """The schema of this check's entry in a rule file's `checks:` section."""
        properties: Dict[str, Any] = {
            "severity": {"enum": list(RULE_SEVERITIES), "description": "severity of the finding; off disables the check"},
            "why": {"type": "string", "minLength": 1,
                    "description": "the rule this check enforces, as the venue's call for papers states it "
                                   "(printed by `scope-check rules CODE`)"},
        }
        for name, p in self.params.items():
            properties[name] = p.json_schema()
        return {"type": "object", "description": self.name, "additionalProperties": False, "properties": properties}


def declared(params: Iterable[Param]) -> Tuple[Param, ...]:
    """A tuple of parameters (for module-level declarations such as the template section's)."""
    return tuple(_param_table(tuple(params)).values())
