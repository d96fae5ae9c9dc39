"""The types a check declares itself with: `Check` (code, name, default severity, documentation,
its fix texts, the function that runs it, and what the runner must know about it) and `Param` (one
parameter: name, type, default, unit, one-line description).

A check's home holds all of it: its module opens with its spec (the `CHECKS` tuple, right after the
docstring and the imports), then the functions that run it. Every parameter is declared once, here
on its check's spec: the rules loader merges the defaults before any check runs, the rules schema's
`checks` section and docs/RULES.md are generated from these declarations, and a check reads a
complete, read-only parameter set (`params.options[name]`) without a fallback of its own. Its fix
text is declared once too, on the spec: the hint of each of its findings is that text formatted
from the finding's data. This module imports nothing of the checks: the registry imports the check
modules, the check modules import this.

A new check, in its family's module (listed in `scope_check.checks.MODULES`):

    from scope_check.config.spec import Check, Param, Params

    CHECKS = (
        Check(code="TEXT009", name="too-many-footnotes", severity="warning",
              summary="...", why="generic wording (a rule file quotes its call: checks.TEXT009.why)",
              fix="Keep at most {limit} footnotes on a page: move notes into the text "
                  "(`\\footnote{{...}}`: literal braces doubled).",
              example="...", run="too_many_footnotes",
              params=(Param("max_footnotes", "integer", 20, "footnotes allowed per page", unit="footnotes",
                            minimum=0),)),
    )

    def too_many_footnotes(doc, params: Params):
        limit = params.options["max_footnotes"]      # complete: the rule file's value or the default
        ...
        yield Finding("TEXT009", f"... {limit} ...", page=..., data={"limit": limit, ...})

then regenerate `python -m scope_check.output.reference > docs/RULES.md` and
`python -m scope_check.output.reference --schema > scope_check/config/rules.schema.json`. A venue's value goes in
its rule file only where it differs from the default.
"""

from __future__ import annotations

import functools
import string
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Sequence, Tuple, Union

#: what a rule file may set a finding's severity to
RULE_SEVERITIES = ("error", "warning", "info", "off")

#: where on the paper a finding lies, for a check whose severity a rule file may set per region
#: (`Check.regions`): region -> what it covers. A check of `regions=True` says the region of each
#: finding in `data["region"]`; the rule file writes `severity: error` (every region) or
#: `severity: {body: error, after_references: warning}`, and a region it leaves out keeps the
#: severity the rule set it extends gives it (or the check's default).
REGION_BODY = "body"
REGION_AFTER_REFERENCES = "after_references"
REGIONS: Dict[str, str] = {
    REGION_BODY: "before the References heading (on its page: above it, or in a column left of it): the "
                 "pages the limit counts and an appendix placed before the References; the whole paper "
                 "when it has no References heading",
    REGION_AFTER_REFERENCES: "from the References heading on: the reference list and an appendix after it",
}

#: the analyses the loader makes only when a check that runs reads them (`Check.needs`): name -> what
#: it is. Everything else of the model (the text, the lines, the links, the fonts) is always read. A
#: run that does not need "ink" still reads a page's ink when something asks for it (`Page.ink`: the
#: structure analysis reads it on the page where the body ends, and on every page of a template of
#: columns), one page at a time.
ANALYSES: Dict[str, str] = {
    "ink": "every page's ink (`Page.ink`: the boxes of its fills, strokes, images and shadings, cut to their "
           "clips), made by the ink pass of each page as it is read: model/ink.py. The visibility facts are "
           "made in the same pass, so \"visibility\" makes it too",
    "visibility": "the text's visibility facts (`Page.seen`: colour against its backdrop, covered, clipped "
                  "away; `Page.offpage`: text beyond the visible page; `Page.painted_clips`): "
                  "model/visibility.py",
    "integrity": "the document's integrity facts (`Document.active`: scripts, actions, attached files; "
                 "`Document.layered`: the text of layers hidden by default; `Document.font_remaps`: fonts whose "
                 "glyph names contradict their /ToUnicode maps), gathered as the pages are read: model/loader.py "
                 "(`_Extras`), model/active.py, model/fontmap.py",
}

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
    call for papers as a check's `why` (`checks: {PAGE001: {why: ...}}`).

    The function that runs it: `run="page_limit"` names a function of the module that declares the
    spec, so the spec can open its module, above the functions. The registry
    (`scope_check.checks.MODULES` lists every module that declares a `CHECKS` tuple) resolves the
    name in that module when it collects the specs: every `Check` it hands out has a callable `run`.
    A function may also be given directly (`run=page_limit`), e.g. by a test.

    Its fix, declared once: `fix` is the hint of its findings, a `str.format` template filled with
    the finding's values (`{limit}`; literal braces doubled, `\\bibliography{{...}}`). A check with
    several fixes names the others in `fixes` ({variant name: template}); a finding picks one with
    `Finding.fix` ("" is `fix`). The values are the scalars of the finding's `data` (strings and
    numbers) and its `fix_values` (wording computed from the rule set that is not output data, such
    as the template's name). The runner writes the hint when the check left `hint` empty:
    `hint(finding)`. `scope-check rules CODE` and docs/RULES.md show every fix text with its
    placeholders as `<limit>` (`fix_texts()`)."""

    code: str
    name: str
    severity: str  # the default; a rule file may change it
    summary: str  # what it checks
    why: str  # the rule it enforces (generic; a rule file quotes its venue's clause)
    fix: str  # how to fix it: the template of its findings' hint (see the class docstring)
    params: Mapping[str, Param] = field(default_factory=dict)  # name -> Param (given as a tuple of Param)
    example: str = ""  # a message it prints
    #: the function, or the name of a function of the declaring module; None: reported by the
    #: loader or the runner
    run: Union[str, Callable[..., Iterable[Any]], None] = None
    #: the other fix templates, by the variant name a finding gives in `Finding.fix`
    fixes: Mapping[str, str] = field(default_factory=dict)
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
    #: each of its findings says where it lies (`data["region"]`, a key of REGIONS), so a rule file
    #: may give it a severity per region (`severity: {body: error, after_references: warning}`)
    regions: bool = False
    #: the analyses of ANALYSES it reads; the loader makes one only when a check that runs (by the
    #: selection) needs it, so `--select PAGE` does not pay for the visibility facts. None: not
    #: declared, so every analysis (a check is spared one only by saying what it needs, `needs=()`)
    needs: Optional[Tuple[str, ...]] = None

    def __post_init__(self):
        object.__setattr__(self, "params", _param_table(self.params))
        if self.needs is not None:
            object.__setattr__(self, "needs", tuple(self.needs))
            unknown = [n for n in self.needs if n not in ANALYSES]
            if unknown:
                raise ValueError(f"{self.code}: needs {', '.join(unknown)}: no such analysis (one of "
                                 f"{', '.join(ANALYSES)})")
        object.__setattr__(self, "fixes", dict(self.fixes))
        if "" in self.fixes:
            raise ValueError(f"{self.code}: the default fix is `fix`, not fixes['']")
        for variant, text in {"": self.fix, **self.fixes}.items():
            placeholders(text, f"{self.code} fix {variant!r}" if variant else f"{self.code} fix")

    def fix_text(self, variant: Optional[str] = "", values: Optional[Mapping[str, Any]] = None) -> str:
        """The fix text `variant` ("" the default) formatted with `values`: a value missing (or not a
        string or a number) shows as its placeholder, `<limit>`; without values, the text as the
        reference shows it. `variant` None: no fix text at all (""). An unknown variant is a
        KeyError."""
        if variant is None:
            return ""
        if variant and variant not in self.fixes:
            raise KeyError(f"{self.code} has no fix {variant!r}; its fixes: {', '.join(self.fixes) or 'only the default'}")
        return format_fix(self.fixes[variant] if variant else self.fix, values or {})

    def fix_texts(self) -> Dict[str, str]:
        """{variant: text as the reference shows it}, the default ("") first."""
        return {variant: self.fix_text(variant) for variant in ("", *self.fixes)}

    def hint(self, finding: Any) -> str:
        """A finding's hint: its own when the check wrote one, else the fix text it names
        (`finding.fix`) formatted with its data and its `fix_values`."""
        if finding.hint:
            return finding.hint
        values = finding.data or {}
        if finding.fix_values:
            values = {**dict(values), **dict(finding.fix_values)}
        return self.fix_text(finding.fix, values)

    @property
    def analyses(self) -> Tuple[str, ...]:
        """The analyses it reads: those it declares in `needs`, or every one when it declares none."""
        return tuple(ANALYSES) if self.needs is None else self.needs

    @property
    def family(self) -> str:
        return self.code.rstrip("0123456789")

    def defaults(self) -> Dict[str, Any]:
        """{parameter: default} of every declared parameter."""
        return {name: p.default for name, p in self.params.items()}

    def json_schema(self) -> dict:
        """The schema of this check's entry in a rule file's `checks:` section."""
        properties: Dict[str, Any] = {
            "severity": severity_schema(self.regions),
            "why": {"type": "string", "minLength": 1,
                    "description": "the rule this check enforces, as the venue's call for papers states it "
                                   "(printed by `scope-check rules CODE`)"},
        }
        for name, p in self.params.items():
            properties[name] = p.json_schema()
        return {"type": "object", "description": self.name, "additionalProperties": False, "properties": properties}


def severity_schema(regions: bool = False) -> dict:
    """The schema of a check's `severity` in a rule file: one of RULE_SEVERITIES, or for a check
    with `regions` also a mapping {region: severity} of at least one of REGIONS."""
    plain = {"enum": list(RULE_SEVERITIES), "description": "severity of the finding; off disables the check"}
    if not regions:
        return plain
    per_region = {
        "type": "object", "additionalProperties": False, "minProperties": 1,
        "description": "a severity per region; a region left out keeps the severity the rule set it extends "
                       "gives it (off in every region disables the check)",
        "properties": {name: {"enum": list(RULE_SEVERITIES), "description": f"findings {what}"}
                       for name, what in REGIONS.items()},
    }
    return {"oneOf": [plain, per_region],
            "description": "severity of the finding (off disables the check), or one per region: "
                           + "; ".join(f"`{name}`, {what}" for name, what in REGIONS.items())}


def declared(params: Iterable[Param]) -> Tuple[Param, ...]:
    """A tuple of parameters (for module-level declarations such as the template section's)."""
    return tuple(_param_table(tuple(params)).values())


class _Placeholder:
    """A value the fix text's values lack: shown as `<name>` whatever its format spec."""

    def __init__(self, name: str):
        self.name = name

    def __format__(self, spec: str) -> str:
        return f"<{self.name}>"


class _Values(dict):
    def __missing__(self, key: str) -> _Placeholder:
        return _Placeholder(key)


def placeholders(template: str, what: str = "a fix text") -> Tuple[str, ...]:
    """The names a fix template fills (`{limit}`, `{limit:g}`), in order; a ValueError for a text
    that is no such template: a brace that is not doubled (`\\bibliography{...}`), a positional or
    dotted field (`{}`, `{0}`, `{a.b}`)."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise ValueError(f"{what}: {exc} (write a literal brace doubled: {{{{ }}}})") from None
    for name in fields:
        if not name.isidentifier():
            raise ValueError(f"{what}: {{{name}}} is no placeholder: a placeholder is a name (`{{limit}}`), "
                             "and a literal brace is doubled ({{ }})")
    return tuple(dict.fromkeys(fields))


def format_fix(template: str, values: Mapping[str, Any]) -> str:
    """`template` filled with the scalar `values` (strings and numbers); a value missing shows as `<name>`.
    Only the values the template names are looked at (a page of 100,000 findings writes 100,000 hints)."""
    scalars = _Values()
    for k in _fields(template):
        v = values.get(k, _Values)  # a class: no value
        if isinstance(v, (str, int, float)) and not isinstance(v, bool):
            scalars[k] = v
    return template.format_map(scalars)


@functools.lru_cache(maxsize=1024)
def _fields(template: str) -> Tuple[str, ...]:
    return placeholders(template)
