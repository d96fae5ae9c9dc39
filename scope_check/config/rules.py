"""Rule sets: venue and track rules as YAML data, validated by the JSON Schema shipped beside this
module (`rules.schema.json`).

A rule file is untrusted input: it is read with `yaml.safe_load`, must be under 1 MB, is validated
before use, and may only choose parameters, never code. The bundled rule files (shipped in the
package, `rules/`) are validated against the same schema by the tests (`bundled_problems()`) and
kept, validated, as JSON beside them (`rules/bundled.cache.json`, written by
`python -m scope_check.output.reference --bundled-cache`, which refuses an invalid file; a test keeps it
current): a bundled file whose text is the one cached is read from there, without PyYAML or
jsonschema, as long as the schema is the one the cache was validated against (its CRC-32). Any
other text (a user's file, a bundled file edited since) is read from its YAML and validated. `extends:` names a bundled rule set or a
path relative to the file; mappings merge key by key, lists and scalars are replaced. A check whose
findings say where they lie (`Check.regions`) may have a severity per region
(`severity: {body: error, after_references: warning}`); a plain `severity: error` means every
region, and files merge region by region (`_by_region`).

Every parameter is declared once with its default: the template and structure sections' below
(`TEMPLATE`, `STRUCTURE`), each check's on its spec. The loader merges those defaults under the
rule files before any check runs, so a loaded `RuleSet` is complete and read-only: a check reads
`params.options[name]` and `rules.template[name]` without a fallback of its own. The schema file
is generated from the same declarations (`python -m scope_check.output.reference --schema`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from scope_check.config.spec import REGIONS, RULE_SEVERITIES, Check, Param, declared
from scope_check.safety.safe_patterns import format_checker, problem
from scope_check.safety.safe_yaml import UnsafeYaml, load

MAX_RULE_FILE_BYTES = 1 << 20
MAX_EXTENDS_DEPTH = 16
SCHEMA_FILE = Path(__file__).with_name("rules.schema.json")
#: the bundled files' texts and data, beside them in the bundled folder
CACHE_NAME = "bundled.cache.json"


class RulesError(Exception):
    """An invalid or missing rule file; the command line exits 2 with this message."""


_NUMBERS = {"type": "array", "items": {"type": "number"}}
_REGEXES = {"type": "array", "items": {"type": "string", "format": "regex", "minLength": 1}}

#: the template section: the venue's geometry and typography, and the wording its messages and
#: hints use. Values calibrated on the ICLR 2025 template are the defaults; another venue's rule
#: file sets its own.
TEMPLATE: Tuple[Param, ...] = declared((
    Param("name", "string", "the template", 'the template\'s name, as messages print it ("ICLR 2025")'),
    Param("page_size", "[width, height]", None, "width and height", unit="points", required=True,
          schema={**_NUMBERS, "minItems": 2, "maxItems": 2}),
    Param("text_block", "[x0, y0, x1, y1]", None, "x0, y0, x1, y1 of the text block, origin top-left", unit="points", required=True,
          schema={**_NUMBERS, "minItems": 4, "maxItems": 4}),
    Param("columns", "integer", 1, "text columns", schema={"type": "integer", "minimum": 1, "maximum": 4}),
    Param("column_gap", "number", 0, "the space between two columns (\\columnsep); the columns share the text block's "
          "width equally", unit="points", schema={"type": "number", "minimum": 0}),
    Param("body_font_size", "number", None, "body text size", unit="points", required=True,
          schema={"type": "number", "exclusiveMinimum": 0}),
    Param("body_leading", "number", None, "body baseline pitch", unit="points", required=True,
          schema={"type": "number", "exclusiveMinimum": 0}),
    Param("body_font_families", "strings", [], "accepted body font families (Times accepts its many names)"),
    Param("font_families", "family -> regexes", {}, "font-name patterns (regular expressions, case-insensitive, on the name "
          "without its subset prefix) per font family named in body_font_families",
          schema={"type": "object", "additionalProperties": {**_REGEXES, "minItems": 1}}),
    Param("header", "{review, camera_ready}", {"review": [], "camera_ready": []}, "running-header patterns (regular expressions on "
          "the header's text): `review`, a submission's; `camera_ready`, a named version's",
          schema={"type": "object", "additionalProperties": False, "properties": {
              "review": {**_REGEXES, "description": "running-header texts of a submission"},
              "camera_ready": {**_REGEXES, "description": "running-header texts of a camera-ready (named) version"},
          }}),
    Param("ruler", "{x_range, x_range_right, font_size, grey, colors, numbering}", {}, "the review-mode line numbers (empty: the template has "
          "none): ICLR's grey ruler at a fixed pitch, or NeurIPS' black `lineno` number per text line; a page shows "
          "them when at least 5 numbers stand in the band in that size and grey",
          schema={"type": "object", "additionalProperties": False, "properties": {
              "x_range": {**_NUMBERS, "minItems": 2, "maxItems": 2,
                          "description": "horizontal band of the line-number ruler, in points"},
              "x_range_right": {**_NUMBERS, "minItems": 2, "maxItems": 2,
                                "description": "horizontal band of the right column's numbers when the ruler stands "
                                "on both sides (`lineno` with `switch`: CVPR, ACL), in points"},
              "font_size": {**_NUMBERS, "minItems": 2, "maxItems": 2, "description": "size range of the ruler digits"},
              "grey": {**_NUMBERS, "minItems": 2, "maxItems": 2,
                       "description": "grey-level range of the ruler digits (0 black, 1 white)"},
              "colors": {"type": "array", "items": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
                         "description": "colours the ruler digits may have besides the grey range (CVPR's blue: "
                         "#8080ff)"},
              "numbering": {"enum": ["any", "padded", "plain"],
                            "description": "how the numbers are written: padded (000 001 ...: every number as wide) "
                            "or plain (1 2 ... 28: no leading zero), no number twice on a page (in any order: "
                            "`lineno` numbers a float's caption where the float was read), and then a page of fewer "
                            "than 5 of them (a few lines beside a figure) shows the ruler once a page before did; "
                            "any (the default, RULER_DEFAULTS): not looked at"},
          }, "dependentRequired": {"x_range": ["font_size", "grey"], "font_size": ["x_range", "grey"],
                                   "grey": ["x_range", "font_size"]}}),
    Param("footer", "{review, camera_ready, pages, baseline, font_size}", {"review": [], "camera_ready": []},
          "the template's notice below the text block (NeurIPS, page 1: \"Submitted to 39th Conference ...\"; "
          "without `pages`, `baseline` and `font_size` the template has none): where it stands, which is page "
          "furniture whatever it says, and its texts in each mode",
          schema={"type": "object", "additionalProperties": False, "properties": {
              "review": {**_REGEXES, "description": "notice texts of a submission"},
              "camera_ready": {**_REGEXES, "description": "notice texts of a named version (camera-ready, track, "
                               "preprint)"},
              "pages": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1,
                        "description": "the pages it stands on"},
              "baseline": {**_NUMBERS, "minItems": 2, "maxItems": 2,
                           "description": "range of its baselines, in points from the top (below the text block)"},
              "font_size": {**_NUMBERS, "minItems": 2, "maxItems": 2, "description": "size range of its glyphs"},
          }, "dependentRequired": {"pages": ["baseline", "font_size"], "baseline": ["pages", "font_size"],
                                   "font_size": ["pages", "baseline"]}}),
    Param("notices", "regexes", [], "texts the template or the publisher prints inside the page that are not the "
          "paper's (ICML's first-page footnote \"Preliminary work. Under review by ...\", the CVF Open Access "
          "watermark): a line that matches one, and the lines of its paragraph after it, are furniture (the "
          "notice), never body; their texts join the footer's for the mode (`footer.review`, `footer.camera_ready`)",
          schema=_REGEXES),
    Param("paper_id", "regexes", [], "the paper-ID boxes above the text block (CVPR's review copy: \"CVPR\" over "
          "\"#1234\" in both top corners, outside the block's width): a line above the block that matches one is "
          "page furniture, like the template's notice, never content in the margin", schema=_REGEXES),
    Param("header_min_distance", "number", 20.0, "a line whose bottom is at least this far above the text block "
          "is page furniture (the running header), not body", unit="points", minimum=0),
    Param("footer_min_distance", "number", 10.0, "a page number starts at least this far below the text block",
          unit="points", minimum=0),
    Param("footer_centre_tolerance", "number", 40.0, "a page number is centred under the text block within this",
          unit="points", minimum=0),
    Param("title_size_ratio", "number", 1.25, "a line on page 1 at least this many body sizes tall belongs to the "
          "title (ICLR: 17.2 pt capitals over 10 pt); the author block is below it", unit="body sizes", minimum=1),
    Param("block_tolerance_across", "number", 2.0, "the measured body block is enlarged when its left or right "
          "edge reaches further beyond the template's (justified lines end exactly on the edge)",
          unit="points", minimum=0),
    Param("block_tolerance_down", "number", 5.0, "the measured body block is enlarged when its first or last "
          "baseline reaches further beyond the template's (engines place the first baseline differently; the "
          "smallest real `geometry` change, 0.1 in, is 7.2 pt)", unit="points", minimum=0),
    Param("visible_min_contrast", "number", 1.25, "text whose glyphs contrast less than this (WCAG ratio) with what "
          "lies beneath them cannot be seen (#E6E6E6 on white is 1.26, the review ruler's grey 2.1): TEXT001, "
          "and TEXT002 telling hidden from visible", unit="ratio", minimum=1),
    Param("visible_min_opacity", "number", 0.05, "text painted with less opacity is transparent", minimum=0),
    Param("visible_min_size", "number", 2.0, "text standing in the page smaller than this cannot be read (the "
          "smallest text standing in a corpus page is 4.2 pt; math sub/superscripts 5 pt)", unit="points", minimum=0),
    Param("visible_min_size_in_figure", "number", 1.0, "the same for text within reach of a drawing (figure "
          "labels in the corpus go down to 1.33 pt)", unit="points", minimum=0),
    Param("visible_figure_reach", "number", 6.0, "text this close to a drawing counts as figure text",
          unit="points", minimum=0),
    Param("latex_style", "string", None, "how a paper loads the template, quoted by hints "
          "(`\\usepackage{iclr2025_conference,times}`)", nullable=True),
    Param("latex_final_copy", "string", None, "the template's camera-ready switch, quoted by messages and hints "
          "(`\\iclrfinalcopy`)", nullable=True),
))

#: a statement kind's name in `statements` and `statement_headings`
_KIND = "^[a-z][a-z0-9_]*$"
#: where a statement may stand: `before_references` (ICLR 2027's statements, "at the end of the main
#: text before references"), `after_references` (the NeurIPS checklist "should follow the references"),
#: `anywhere`
STATEMENT_PLACES = ("before_references", "after_references", "anywhere")
#: the headings each kind of statement goes by in the venues' templates and real papers (on the
#: heading as `structure.normalise` gives it: numbering stripped, lower case)
STATEMENT_HEADINGS: Dict[str, List[str]] = {
    "ai_use": [
        "^(ai|llm|generative ai|genai)[ -](use|usage)( statement| disclosure)?$",  # ICLR 2027: "AI use statement"
        "^(the )?(use|usage) of (large language models|llms?|generative ai|ai)( tools)?( statement)?$",
        "^(the )?(use|usage) of ai[- ]assist(ed|ance) tools$",
        "^(declaration|disclosure|statement) (of|on) (the )?(use of )?(llm|ai|generative ai|large language models?)( usage| use)?$",
    ],
    "ethics": [
        "^ethics( statement| considerations?| declaration)?$",
        "^ethical (considerations?|statement|concerns)$",
    ],
    "reproducibility": ["^reprod[a-z]*ility( statement)?$"],  # "Reproducibility Statement" (and its misspellings)
    "checklist": ["^((neurips|icml|acl|responsible nlp|reproducibility) )?(paper )?checklist$"],
    "impact": [
        "^(broader|societal|social|potential broader) (impacts?|implications)( statement)?$",
        "^impact statements?$",
    ],
    "limitations": ["^limitations?( and (future work|broader impacts?|societal impacts?|scope))?$"],
    "acknowledgements": ["^acknowledge?ments?( and disclosure of funding)?$", "^funding( acknowledge?ments?)?$"],
    "author_contributions": ["^authors?'? contributions?( statement)?$"],
}

#: what a rule set's `ruler` is when it gives one and leaves these keys out (the loader completes it:
#: a ruler of an older file reads as before)
RULER_DEFAULTS = {"numbering": "any", "x_range_right": None, "colors": ()}

#: the document-structure vocabulary
STRUCTURE: Tuple[Param, ...] = declared((
    Param("references_headings", "strings",
          ["References", "Bibliography", "Literature", "Literature Cited", "Works Cited", "Reference"],
          "headings that open the References (matched case-insensitively)"),
    Param("exempt_sections", "strings", [], "sections between the body and the References that do not count "
          "toward the page limit"),
    Param("appendix_headings", "strings", ["Appendix", "Appendices", "Supplementary Material", "Supplementary Materials"],
          "headings that open an appendix"),
    Param("appendix_counts", "boolean", True, "an appendix placed before the References counts toward the page "
          "limit (false: the counted body ends where the appendix starts, as ICLR 2026 counts \"main text\")"),
    Param("statement_headings", "kind -> regexes", STATEMENT_HEADINGS, "the headings that name each kind of "
          "statement (regular expressions, case-insensitive, on the heading without its numbering, lower-cased, "
          "its trailing colon or period dropped); read when the rule set lists `statements`",
          schema={"type": "object", "propertyNames": {"pattern": _KIND},
                  "additionalProperties": {**_REGEXES, "minItems": 1}}),
    Param("statements", "kind -> {title, exempt, required, max_pages, where, headings}", {}, "the venue's statements "
          "(ethics, reproducibility, AI use, checklist, ...): whether each is `exempt` from the page limit, "
          "`required` (STMT001), its allowance `max_pages` (STMT002) and `where` it stands (before_references, "
          "after_references, anywhere); `headings` replaces statement_headings' patterns for its kind. A rule set "
          "that lists any reports every statement found (measurements.statements)",
          schema={"type": "object", "propertyNames": {"pattern": _KIND}, "additionalProperties": {
              "type": "object", "additionalProperties": False, "properties": {
                  "title": {"type": "string", "minLength": 1, "description": "its heading in the venue's template, "
                            "quoted by messages and hints (\"AI use statement\")"},
                  "headings": {**_REGEXES, "minItems": 1,
                               "description": "the headings that name it (replaces statement_headings' for its kind)"},
                  "exempt": {"type": "boolean", "description": "it does not count toward the page limit where it "
                             "may stand (default false)"},
                  "required": {"type": "boolean", "description": "a paper without it is reported (STMT001; default "
                               "false)"},
                  "max_pages": {"type": ["number", "null"], "exclusiveMinimum": 0,
                                "description": "its allowance in pages (STMT002; default null: none)"},
                  "where": {"enum": list(STATEMENT_PLACES), "description": "where it may stand (default anywhere): "
                            "only there is it exempt, and a required one found elsewhere is misplaced"},
              }}}),
))


@dataclass(frozen=True)
class RuleSet:
    name: str
    title: str
    cfp: str
    template: Mapping[str, Any]
    structure: Mapping[str, Any]
    checks: Mapping[str, Mapping[str, Any]]
    sources: Tuple[str, ...]  # the files merged, base first

    def options(self, code: str) -> Mapping[str, Any]:
        """The complete, read-only parameters of one check (every declared one; severity and why removed)."""
        return _FrozenDict({k: v for k, v in self.checks.get(code, {}).items() if k not in _NOT_OPTIONS})

    def severity(self, code: str, default: Optional[str] = None, region: Optional[str] = None) -> str:
        """The severity of `code`'s findings in `region` (a key of spec.REGIONS). Without a region, of
        the check as a whole: where the rule set gives one per region, the most severe of them
        (`off` only when it is off in every region), so the check runs when any region wants it."""
        value = self.severity_setting(code, default)
        if not isinstance(value, Mapping):
            return value  # type: ignore[return-value]
        if region in value:
            return value[region]
        return min(value.values(), key=RULE_SEVERITIES.index)

    def severity_setting(self, code: str, default: Optional[str] = None) -> Any:
        """The severity as the rule set gives it: one (`error`), or {region: severity} for a check
        with `regions` whose regions differ (every region named)."""
        return self.checks.get(code, {}).get("severity", default)

    def why(self, code: str, default: str) -> str:
        """The rule a check enforces as this rule set quotes it (its call for papers), else `default`."""
        return self.checks.get(code, {}).get("why", default)


#: the keys of a check's entry that are not its parameters
_NOT_OPTIONS = ("severity", "why")


@lru_cache(maxsize=1)
def bundled_dir() -> Path:
    """The bundled `rules/` folder: inside the installed package, or at the top of a checkout
    (looked for once a process: every bundled file read asks for it)."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "rules", package.parent / "rules"):
        if (candidate / "iclr2025.yaml").is_file():
            return candidate
    raise RulesError("the bundled rules/ folder is missing from this installation")


@lru_cache(maxsize=1)
def bundled_index() -> Dict[str, Path]:
    """Bundled rule-set name -> file, read from each file's `name:`. A file whose name starts with
    `_` (`_neurips.yaml`) is a base the venue files extend by path, not a rule set of its own."""
    index: Dict[str, Path] = {}
    for path in sorted(bundled_dir().rglob("*.yaml")):
        if path.name.startswith("_"):
            continue
        data = _read_entry(path, copy=False)[0]  # only its name is read: a cached file's data is not copied
        index[str(data.get("name") or path.stem)] = path
    return index


def bundled_names() -> List[str]:
    return sorted(bundled_index())


@lru_cache(maxsize=1)
def _cache() -> Dict[str, Any]:
    """Bundled file (relative to the bundled folder, `/`-separated) -> {"text", "data"}; {} when the
    cache is missing or unreadable (every file is then read from its YAML)."""
    try:
        cache = json.loads((bundled_dir() / CACHE_NAME).read_text(encoding="utf-8"))
        if cache.get("format") != 1 or cache.get("schema_crc32") != _schema_crc32():
            return {}  # validated against another schema than this one: nothing is taken from it
        return dict(cache["files"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RulesError):
        return {}


def _schema_crc32() -> int:
    import zlib

    return zlib.crc32(SCHEMA_FILE.read_bytes())


def _cached(path: Path, text: str, copy: bool = True) -> Optional[dict]:
    """The cached data of a bundled file whose text is the one cached (a fresh copy; with `copy`
    False the cache's own, never to be changed), else None. The cache holds only texts that were
    valid when it was written (`bundled_cache`)."""
    try:
        folder = str(bundled_dir())
    except RulesError:
        return None
    name = str(path)
    if not name.startswith(folder + os.sep):  # not a bundled file
        return None
    entry = _cache().get(name[len(folder) + 1:].replace(os.sep, "/"))  # its path relative to the folder
    if not isinstance(entry, dict) or entry.get("text") != text:
        return None
    if not copy:
        return entry.get("data")
    import copy as copying

    return copying.deepcopy(entry.get("data"))


def bundled_cache(folder: Optional[Path] = None) -> str:
    """The text of `bundled.cache.json` for the rule files under `folder` (default: the bundled
    folder): each file's text and its data as the YAML reader gives it. Refuses a file whose data
    JSON cannot hold exactly (a date, a non-string key)."""
    folder = folder or bundled_dir()
    problems = bundled_problems(folder)
    if problems:
        raise RulesError(f"not cached: {problems[0]}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    files = {}
    for path in sorted(folder.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        data = load(text)
        if json.loads(json.dumps(data)) != data:
            raise RulesError(f"{path}: its data has values JSON cannot hold; it cannot be cached")
        files[path.relative_to(folder).as_posix()] = {"text": text, "data": data}
    return json.dumps({"format": 1, "comment": "generated by `python -m scope_check.output.reference --bundled-cache` from "
                       "the .yaml files beside it, each valid against the schema whose CRC-32 is schema_crc32; a file "
                       "whose text differs from the one here, or any file once the schema differs, is read from its "
                       "YAML and validated", "schema_crc32": _schema_crc32(),
                       "files": files}, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def bundled_problems(folder: Optional[Path] = None) -> List[str]:
    """What is wrong with the bundled rule files (every `*.yaml` under `folder`, by default the
    bundled folder), each validated as a user's file is (the schema, with its `regex` format
    check); [] when every file is valid. The tests call this: at run time a bundled file is not
    validated again."""
    problems: List[str] = []
    for path in sorted((folder or bundled_dir()).rglob("*.yaml")):
        try:
            _validate(path, _unyaml_off(_read(path)))
        except RulesError as exc:
            problems.append(str(exc))
    return problems


def load_rules(spec: str, catalogue: Mapping[str, Check], overrides: Sequence[Override] = ()) -> RuleSet:
    """Load a bundled rule set by name (`scope2025-main`) or a user's YAML file by path, with the
    defaults of every check in `catalogue` (code -> spec; `scope_check.checks.load_rules` passes the
    registry's) merged under it and `overrides` (the command line's `--set`) on top of it."""
    path = _locate(spec, base=None)
    chain: List[Tuple[Path, dict]] = []
    seen = set()
    while True:
        if path in seen:
            raise RulesError(f"{path}: `extends` forms a cycle")
        if len(chain) >= MAX_EXTENDS_DEPTH:
            raise RulesError(f"{path}: `extends` is nested more than {MAX_EXTENDS_DEPTH} deep")
        seen.add(path)
        data, validated = _read_entry(path)
        data = _unyaml_off(data)
        if not validated:  # a bundled file read from the cache was validated when the cache was written
            _validate(path, data)
        chain.append((path, data))
        parent = data.get("extends")
        if not parent:
            break
        path = _locate(parent, base=path.parent)
    merged: Dict[str, Any] = {}
    for _, data in reversed(chain):
        merged = _merge(merged, _by_region({k: v for k, v in data.items() if k != "extends"}, catalogue))
    merged = overridden(merged, overrides, catalogue)
    top = chain[0][0]
    _require_complete(top, merged)
    merged = _one_severity(_merge(_by_region(defaults(catalogue), catalogue), merged), catalogue)
    merged = _complete_statements(top, merged)
    merged = _complete_ruler(merged)
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


#: one setting of the command line (`--set PAGE001.max_pages=4`): its text as given (messages name
#: it), the keys of its place in a rules file (("checks", "PAGE001", "max_pages")) and its value
Override = Tuple[str, Tuple[str, ...], Any]
#: the sections of a rules file a setting may change (name, title, cfp and extends are the file's)
OVERRIDABLE = ("template", "structure", "checks")
#: what an overridden rule set's name ends with, so that its results are never taken for the plain set's
OVERRIDDEN_SUFFIX = "+set"


def overridden(merged: dict, overrides: Sequence[Override], catalogue: Mapping[str, Check]) -> dict:
    """A rule set's data (its files merged) with each setting of `overrides` on top, in order:
    each validated exactly as a rules file holding only it would be (the schema, its regex check:
    RulesError naming `--set TEXT` and the JSON path), then merged as a file extending the set is
    (mappings key by key, lists and scalars replaced). The name becomes `NAME+set`."""
    if not overrides:
        return merged
    for text, keys, value in overrides:
        if not keys or keys[0] not in OVERRIDABLE:
            raise RulesError(f"--set {text}: $: only {', '.join(OVERRIDABLE)} (or a check's code) can be set")
        layer: Any = value
        for key in reversed(keys):
            layer = {key: layer}
        layer = _unyaml_off(layer)
        _validate(f"--set {text}", {"name": "set", **layer})  # type: ignore[arg-type]
        merged = _merge(merged, _by_region(layer, catalogue))
    return {**merged, "name": f"{merged['name']}{OVERRIDDEN_SUFFIX}"}


def defaults(catalogue: Mapping[str, Check]) -> Dict[str, Any]:
    """Every declared default, as a rule file would write it: template, structure, each check's
    (of `catalogue`) severity and parameters."""
    return {
        "template": {p.name: p.default for p in TEMPLATE if not p.required},
        "structure": {p.name: p.default for p in STRUCTURE},
        "checks": {code: {"severity": c.severity, **c.defaults()} for code, c in catalogue.items()},
    }


def _by_region(data: dict, catalogue: Mapping[str, Check]) -> dict:
    """`data` (one rule file's, or the defaults) with the plain severity of every check that has
    `regions` written out per region ({body: s, after_references: s}), so that files merge region
    by region: a file's plain `severity: error` sets every region, its {after_references: warning}
    only that one, the others keep what the file it extends gives them."""
    checks = data.get("checks")
    if not isinstance(checks, dict):
        return data
    out = dict(checks)
    for code, entry in checks.items():
        check = catalogue.get(code)
        if check is not None and check.regions and isinstance(entry, dict) and isinstance(entry.get("severity"), str):
            out[code] = {**entry, "severity": {region: entry["severity"] for region in REGIONS}}
    return {**data, "checks": out}


def _one_severity(merged: dict, catalogue: Mapping[str, Check]) -> dict:
    """The merged rule set with a per-region severity written as one where every region has the
    same (what a rule set that sets no region holds: the same data as before regions existed)."""
    checks = dict(merged.get("checks", {}))
    for code, entry in checks.items():
        value = entry.get("severity") if isinstance(entry, dict) else None
        if isinstance(value, dict) and set(value) == set(REGIONS) and len(set(value.values())) == 1:
            checks[code] = {**entry, "severity": next(iter(value.values()))}
    return {**merged, "checks": checks}


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
    return _read_entry(path)[0]


def _read_entry(path: Path, copy: bool = True) -> Tuple[dict, bool]:
    """A rule file's data, and whether it is a bundled file's cached (so validated) data (with `copy`
    False, a cached file's data is the cache's own: only to be read)."""
    try:
        if path.stat().st_size > MAX_RULE_FILE_BYTES:
            raise RulesError(f"{path}: larger than {MAX_RULE_FILE_BYTES} bytes; not a rules file")
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise RulesError(f"{path}: not UTF-8 text") from None
    cached = _cached(path, text, copy)
    if isinstance(cached, dict):
        return cached, True
    import yaml

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
    return data, False


def generated_schema(catalogue: Mapping[str, Check]) -> dict:
    """The rules schema, generated from the declarations (TEMPLATE, STRUCTURE, each check's spec in
    `catalogue`); `rules.schema.json` is this, written out."""

    def section(params) -> dict:
        return {"type": "object", "additionalProperties": False,
                "properties": {p.name: p.json_schema() for p in params}}

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://scope-check.invalid/rules.schema.json",
        "title": "scope-check rule file",
        "description": "A venue or track: the template's geometry and typography, the document-structure "
        "vocabulary and each check's severity, parameters and call-for-papers clause. Files combine through "
        "`extends`: mappings merge key by key, anything else is replaced. Generated from the parameter "
        "declarations (`python -m scope_check.output.reference --schema`); every parameter left out takes its default.",
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]*$", "description": "the name accepted by --rules"},
            "extends": {"type": "string", "minLength": 1,
                        "description": "a bundled rule-set name, or a path relative to this file"},
            "title": {"type": "string"},
            "cfp": {"type": "string", "description": "the call-for-papers clause this rule set enforces"},
            "template": section(TEMPLATE),
            "structure": section(STRUCTURE),
            "checks": {"type": "object", "additionalProperties": False,
                       "properties": {code: c.json_schema() for code, c in catalogue.items()}},
        },
    }


def _unyaml_off(data: dict) -> dict:
    """YAML 1.1 reads a bare `severity: off` as false; it means "off" (also a region's, `{body: off}`)."""
    checks = data.get("checks")
    if isinstance(checks, dict):
        for options in checks.values():
            if isinstance(options, dict) and options.get("severity") is False:
                options["severity"] = "off"
            elif isinstance(options, dict) and isinstance(options.get("severity"), dict):
                options["severity"] = {k: "off" if v is False else v for k, v in options["severity"].items()}
    return data


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _validate(path: Path, data: dict) -> None:
    import jsonschema  # only for a user's own file (and the tests): a bundled one is not validated at run time

    # the `regex` format also refuses patterns that can backtrack catastrophically (safe_patterns.py)
    validator = jsonschema.Draft202012Validator(schema(), format_checker=format_checker())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = _explained(errors[0])
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        why = f": {err.cause}" if err.cause is not None and err.validator == "format" else ""
        raise RulesError(f"{path}: {err.json_path}: {err.message}{why}{more}")


def _explained(err):
    """A value that fits none of a `oneOf`'s forms (a severity: one, or {region: severity}) is
    explained by the form of its own kind: a mapping by the per-region form's complaint (an unknown
    region, a bad level), anything else by the plain form's."""
    if err.validator != "oneOf" or not err.context:
        return err
    kind = "object" if isinstance(err.instance, dict) else None
    for sub in err.context:
        branch = err.validator_value[sub.schema_path[0]]
        if isinstance(branch, dict) and branch.get("type") == kind:
            return sub
    return err


#: what a rule set must define once its `extends` chain is merged
_REQUIRED_TEMPLATE = tuple(p.name for p in TEMPLATE if p.required)


def _require_complete(path: Path, merged: dict) -> None:
    template = merged.get("template", {})
    missing = [k for k in _REQUIRED_TEMPLATE if k not in template]
    if missing:
        raise RulesError(f"{path}: $.template: missing {', '.join(missing)} (set them or extend a rule set that does)")


#: what a statement of `structure.statements` is when its entry leaves a key out
STATEMENT_DEFAULTS = {"title": None, "exempt": False, "required": False, "max_pages": None, "where": "anywhere"}


def _complete_ruler(merged: dict) -> dict:
    """The merged rule set with its ruler, when it has one, complete: each key of RULER_DEFAULTS."""
    template = merged.get("template", {})
    if not template.get("ruler"):
        return merged
    return {**merged, "template": {**template, "ruler": {**RULER_DEFAULTS, **template["ruler"]}}}


def _complete_statements(path: Path, merged: dict) -> dict:
    """The merged rule set with every statement of `structure.statements` complete: each key of
    STATEMENT_DEFAULTS, and its `headings` (its own, else statement_headings' for its kind; a kind
    with neither is refused)."""
    structure = merged.get("structure", {})
    vocabulary = structure.get("statement_headings", {})
    complete = {}
    for kind, entry in structure.get("statements", {}).items():
        headings = entry.get("headings") or vocabulary.get(kind)
        if not headings:
            raise RulesError(f"{path}: $.structure.statements.{kind}: no headings: give `headings` or use a kind of "
                             f"statement_headings ({', '.join(sorted(vocabulary))})")
        complete[kind] = {**STATEMENT_DEFAULTS, **entry, "headings": list(headings)}
    return {**merged, "structure": {**structure, "statements": complete}}


def _compile_patterns(path: Path, merged: dict) -> None:
    template = merged.get("template", {})
    for section in ("header", "footer"):
        for kind, patterns in template.get(section, {}).items():
            if kind not in ("review", "camera_ready"):
                continue  # the footer's place
            for i, pattern in enumerate(patterns):
                reason = problem(pattern)
                if reason:
                    raise RulesError(f"{path}: $.template.{section}.{kind}[{i}]: {reason}") from None
    for key in ("notices", "paper_id"):
        for i, pattern in enumerate(template.get(key, ())):
            reason = problem(pattern)
            if reason:
                raise RulesError(f"{path}: $.template.{key}[{i}]: {reason}") from None


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

    def __hash__(self):  # lets a template serve as a cache key; computed once (the dict never changes)
        cached = self.__dict__.get("_hash")
        if cached is None:
            cached = self.__dict__["_hash"] = hash(json.dumps(self, sort_keys=True, default=list))
        return cached

    def __reduce__(self):  # a copy (pickle, deepcopy) carries the items, not this process's hash
        return _FrozenDict, (dict(self),)


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return _FrozenDict({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value
