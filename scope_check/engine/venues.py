"""`--rules auto`: each paper checked against the bundled rule set whose template it is in.

The choice is TMPL001's own judgement made against every bundled template
(`checks.template.ranked`): the rule sets that introduce a template (`template_roots`: `iclr2025`,
`iclr2027`, `neurips2026`, ... never a workshop extending one) are the candidates; those the paper
is in (no TMPL001 reason against it) are ranked by their marks (a running header or notice naming
the rule set's edition first, then one naming none; a mark of another edition last), a venue (a
rule set naming its edition) before a base (`iclr2025`), the newest edition first. A template's
variants that offer themselves (TMPL001 `auto_variant`: `arr2026-short`, `arr2026-long-camera`) are
candidates too, told apart from their root by the paper's mode (the review ruler present or not,
against TMPL002 `mode`) and by the smallest page limit its counted pages fit in
(`checks.template.variant_fit`). Everything a candidate knows is its rule file's data: no venue is
named here.

A paper no bundled template fits is checked against the fallback (the default rule set, the one a
plain `check` uses), and its report says so (`Report.auto`: `matched` false): its TMPL001 then
says what the paper is not. `AutoRules` stands where a rule set is expected (`check_file`, the
forked workers, batch's rule sets by content hash); what is not about choosing (the supplement's
checks, an annotated copy's text block) reads the fallback's.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from scope_check.checks.helpers import template_name
from scope_check.checks.template import bundled_templates, ranked
from scope_check.config.rules import RuleSet
from scope_check.model.document import Document

#: the `--rules` value that asks for this
AUTO = "auto"


class AutoRules:
    """The rule set `--rules auto` names: `choose(doc)` gives each paper its own. `name` is "auto"
    (the run's); any other attribute is the fallback's."""

    name = AUTO

    def __init__(self, load: Callable[[str], RuleSet], fallback: RuleSet):
        self.fallback = fallback
        #: every bundled template's rule set, loaded as `--rules NAME` would load it (with --set)
        self.candidates: Tuple[RuleSet, ...] = tuple(load(r.name) for r in bundled_templates())
        import hashlib  # here: a check of one rule set does not load OpenSSL (safety.limits.OWN_SHA256_BYTES)

        digest = hashlib.sha256()
        for rules in (fallback, *self.candidates):
            digest.update(repr((rules.name, rules.template, rules.structure, rules.checks)).encode())
        #: what batch mode keys results by (batch.engine.rules_hash): the candidates and the fallback
        self.content_hash = "auto-" + digest.hexdigest()[:27]

    def choose(self, doc: Document) -> Tuple[RuleSet, Dict[str, Any]]:
        """The rule set for `doc` and what the report says of the choice (`Report.auto`)."""
        found = ranked(doc, self.candidates)
        if found:
            chosen = found[0]
            return chosen, {"matched": True, "template": template_name(chosen.template),
                            "candidates": [r.name for r in found]}
        return self.fallback, {"matched": False, "template": None, "candidates": []}

    def unread(self) -> Dict[str, Any]:
        """What the report says when the file could not be read: checked against the fallback."""
        return {"matched": False, "template": None, "candidates": [], "unread": True}

    def __getattr__(self, name: str):
        if name == "fallback":  # not set yet (unpickling): never recurse
            raise AttributeError(name)
        return getattr(self.fallback, name)


def auto_rules(load: Callable[[str], RuleSet], fallback: str) -> AutoRules:
    """The `--rules auto` rule set: the bundled templates' rule sets and the fallback, each loaded
    by `load` (the command line's loader: its --set settings apply to every one)."""
    return AutoRules(load, load(fallback))


def unchosen(rules) -> Tuple[str, Optional[Dict[str, Any]]]:
    """(the rule set's name, the report's `auto`) of a file no rule set was chosen for (stopped by
    a limit, its worker lost): under --rules auto the fallback's name and "not read"."""
    if isinstance(rules, AutoRules):
        return rules.fallback.name, rules.unread()
    return rules.name, None


def note(auto: Mapping[str, Any], chosen: str) -> str:
    """How a report says the choice: 'chosen by --rules auto: NeurIPS 2026 template', or why the
    fallback was used."""
    if auto.get("matched"):
        return f"chosen by --rules auto: the {auto['template']} template"
    if auto.get("unread"):
        return f"--rules auto could not read the file; {chosen} is the default"
    return f"--rules auto: no bundled template matches; checked against the default, {chosen}"


__all__: List[str] = ["AUTO", "AutoRules", "auto_rules", "note", "unchosen"]
