"""TMPL: is this the venue's template at all?

A template's identity is its geometry, its columns and its body font: the paper size, the
measured text block (its size and, on the template's paper, where it stands) and its columns, the
body font's family. The running header (the rule file's patterns, so a workshop's edited header
is no evidence against it) and the review line-number ruler are the template's marks: they
decide whether the block's place counts too, never alone whether the paper is another template.
The check fires (an error) on another body font family, another column count, another paper size
together with another text block, or neither header nor ruler with a text block of another size
or in another place (NeurIPS sets ICLR's 5.5 x 9 in block 9.9 pt higher and prints no header).
The template's own geometry, columns and font with neither its header nor its ruler (a preprint
or a course report in the template's style) is one warning: the marks are missing, the template
is not. That nothing marks review mode in a submission is ANON001's error. Shrunk margins alone
are MARG002's business and a wrong paper size alone PAGE002's. When TMPL001 fires, the message names
the bundled template the paper matches best ("this looks like the NeurIPS 2026 template: use --rules
neurips2026"): the same judgement made against every bundled template (`ranked`), which is also how
`--rules auto` chooses (scope_check/engine/venues.py).

TMPL002 (template-edition, a warning): the rule set's template, but another edition or mode. The
edition is data: the rule set names its own (`edition`, "2027") and the patterns that read an edition
off the template's marks, the running header and the notice below the text block (`edition_marks`,
`\\bICLR (20\\d\\d)\\b`): a mark naming another edition is reported, a workshop's own header
naming none is not. A camera-ready header or notice on a page carrying the review ruler is a mixed
mode (a rule set of the camera-ready version, whose template lists camera-ready headers or notices
and no review ones, reports the review marks instead); the template's marks and
geometry with another body font family (Latin Modern where the style loads Times: XeLaTeX ignores
`\\usepackage{times}`) is the template with its font swapped, TMPL002 rather than TMPL001. A rule
set naming no edition (the ICLR 2025 base and its workshops) makes none of these claims: TMPL002
says nothing there, and another body font stays TMPL001's evidence. A rule set may instead name its
`mode` (ACL, whose only mark is the ruler: `camera_ready` in the final version's set, where the
review ruler is another mode's and its absence no mark missing).

TMPL003 (layout-violation-notice, an error): the page shows the template's own alarm, a line of
its own that is the rule file's `notices` pattern (ICML: "The page layout violates the ICML
style.", typeset when a page length differs at \\begin{document}), with the lengths its
`details` lines name ("footskip has been altered."); the sentence quoted inside running text is
not a line of its own, and a rule set without `notices` says nothing.

Several rule sets of one template (ACL's long, short and final version) are told apart for
`--rules auto` and TMPL001's message by `variant_fit`: the set whose TMPL002 `mode` the paper's
ruler fits, then the smallest PAGE001 limit its counted pages fit in; a set other than the
template's root is a candidate only when its file offers it (TMPL001 `auto_variant`).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Iterator, List, Optional, Sequence, Tuple

from scope_check.model.document import Document
from scope_check.model.findings import Finding, rounded_bbox
from scope_check.analysis.layout import family_of, plain_name, text_block, topskip, typography
from scope_check.checks.pages import CHECKS as PAGE_CHECKS
from scope_check.checks.helpers import clipped, inches, paper_name, the_template, template_name
from scope_check.config import rules as rule_files
from scope_check.config.spec import Check, Param, Params
from scope_check.analysis.structure import (HEADER, analyse, classified, first_footer, first_header, may_show_marks,
                                           token)
from scope_check.safety.safe_patterns import compile_all

CHECKS = (
    Check(
        code="TMPL001",
        name="wrong-template",
        severity="error",
        summary="The PDF is set in another template. A template is identified by its geometry, columns and body "
        "font: the paper size, the measured text block (its size, and on the template's paper where it stands) and "
        "its number of columns, the body font's family (Times under any of its names). The running header (the rule "
        "file's patterns: a workshop's own header passes) and the review line-number ruler are the template's marks, "
        "not its identity. It fires on another body font family, another column count, another paper size together "
        "with another text block, or neither header nor ruler with a text block of another size or more than "
        "`place_tolerance` away from the template's place (NeurIPS: the same block, higher, no header); the message "
        "lists every difference found. The template's geometry, columns and font with neither its header nor its "
        "ruler (a preprint or course report in the template's style) is a warning; that nothing marks review mode "
        "in a submission is ANON001's error.",
        why="The venue requires its LaTeX template.",
        fix="Start from the official {template}{style} in an `article` document, without `geometry`, `twocolumn` or "
        "another venue's class; keep its header and line numbers (review mode).",
        fixes={
            "marks": "Keep what the {template} prints in review mode: its running header (remove the `\\lhead` or "
            "`\\fancyhead` that replaces it) and its line-number ruler (leave {switch} out until the camera-ready "
            "version and do not clear the ruler).",
        },
        params=(Param("block_tolerance", "number", 18.0, "a text block differing from the template's by more than "
                      "this (width or height) counts as evidence of another template (18 = 0.25 in; smaller "
                      "changes are MARG002's)", unit="points", minimum=0),
                Param("place_tolerance", "number", 6.0, "without the template's running header and review ruler, a "
                      "text block whose left edge, top or width differs from the template's by more than this, or "
                      "that reaches further down, is another template's (NeurIPS sets ICLR's 5.5 x 9 in block 9.9 pt "
                      "higher; faithful re-implementations land within 4 pt, and the smallest `geometry` change is "
                      "7.2 pt)", unit="points", minimum=0),
                Param("auto_variant", "boolean", False, "`--rules auto` may choose this rule set though it extends "
                      "another set of the same template (a variant: the short paper, the camera-ready version); "
                      "among a template's sets it takes the one whose TMPL002 `mode` the paper's ruler fits (the "
                      "review ruler present: review), then the smallest `PAGE001.max_pages` the paper's counted "
                      "pages fit in (none fitting: the largest)")),
        example="not the ICLR 2025 template: A4 paper, text block 6.3 x 9.6 in in two columns, no ICLR 2025 "
        "running header, no review line-number ruler; ICLR 2025 is 5.5 x 9 in, one column, US Letter paper, "
        "Times, its running header, line numbers in review mode",
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
        run="wrong_template",
    ),
    Check(
        code="TMPL002",
        name="template-edition",
        severity="warning",
        summary="The venue's template, but another edition or mode. Another edition: a running header or notice "
        "naming another year than the rule set's `edition` (read by its `edition_marks` patterns: a 2026 header on "
        "a 2027 submission, a NeurIPS footer of another year); a workshop's own header that names no edition of the "
        "venue is not one. Another mode: the camera-ready header or notice (\"Published as ...\") on a paper that "
        "carries the review line-number ruler, or, in a rule set of the camera-ready version (its template lists "
        "camera-ready headers or notices and no review ones), a header or notice naming its edition that is not the "
        "camera-ready one, or the ruler. The font swapped: the template's marks and geometry with another body font family (Latin Modern "
        "where the style loads Times: XeLaTeX and LuaLaTeX ignore `\\usepackage{times}`). A paper in another "
        "template altogether is TMPL001's; the message names the bundled rule set of the edition found, when there "
        "is one. A rule set that names no `edition` (the ICLR 2025 base and its workshops) makes none of these "
        "claims: TMPL002 says nothing there, and another body font stays TMPL001's evidence.",
        why="The venue requires the current edition of its LaTeX template, unmodified.",
        fix="Use the {template} style files as distributed{style}: another year's copy prints its own year in the "
        "header or footer; or, if the paper is meant for that edition, check it with that edition's rule set.",
        fixes={
            "mode": "Compile the {template} in one mode: the submission in review mode (leave {switch} out: the "
            "review header and line numbers), the camera-ready version with {switch} (its header, no line numbers); "
            "do not edit the header or add the ruler by hand.",
            "font": "Compile with pdfLaTeX as the template expects, or load the template's font explicitly under "
            "XeLaTeX or LuaLaTeX (Times: `\\usepackage{{newtxtext,newtxmath}}` or `\\setmainfont{{TeX Gyre "
            "Termes}}`); `\\usepackage{{times}}` has no effect there.",
        },
        params=(Param("edition", "string", None, "the edition of the template this rule set checks, as its marks "
                      "name it (2027); null: the rule set makes no claim of edition or mode and TMPL002 says "
                      "nothing", nullable=True,
                      schema={"type": ["string", "integer", "null"], "minLength": 1}),
                Param("edition_marks", "regexes", [], "regular expressions reading an edition off the running "
                      "header and the notice below the text block, each with one group, the edition "
                      "(\"\\\\bICLR (20\\\\d\\\\d)\\\\b\"); a mark naming another than `edition` is "
                      "another edition's"),
                Param("mode", "string", None, "the mode of the template this rule set checks: `review` or "
                      "`camera_ready`; null: read it off the header and notice patterns (a template whose "
                      "patterns are all camera-ready ones is the camera-ready version). With `camera_ready`, the "
                      "review ruler is another mode's even in a template without headers or notices (ACL)",
                      nullable=True, schema={"type": ["string", "null"], "enum": ["review", "camera_ready", None]})),
        example="the running header on page 1 reads \"Under review as a conference paper at ICLR 2026\": the 2026 "
        "edition, not ICLR 2027's; this looks like the ICLR 2026 template: use --rules iclr2026",
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
        run="template_edition",
    ),
    Check(
        code="TMPL003",
        name="layout-violation-notice",
        severity="error",
        summary="A page shows the template's own alarm: the style compares the page layout with its own when the "
        "document begins and, when a length was changed, typesets a notice in the text block (ICML: \"The page "
        "layout violates the ICML style.\"). The rule file gives the notice (`notices`: regular expressions "
        "matched against a whole line of text, so the sentence quoted inside running text is not the notice) and "
        "the lines naming what was changed (`details`: each with one group, the length, \"textheight has been "
        "altered.\"); a rule set without `notices` (a template with no alarm) never reports it.",
        why="The venue's style file reports that its page layout was changed.",
        fix="Restore the page layout of the {template}{changed}: remove `geometry`, `savetrees`, `fullpage` or the "
        "`\\setlength`/`\\addtolength` of a page length from the preamble; the style prints this notice "
        "on page 1 until the layout is its own again.",
        params=(Param("notices", "regexes", [], "the template's alarm, matched against each line of text (anchor "
                      "it, `^...$`: the whole line is the notice, not a sentence quoting it); empty: the template has "
                      "none and TMPL003 says nothing"),
                Param("details", "regexes", [], "lines on the notice's page that name what was changed, each with "
                      "one group (\"^(\\\\w+) has been altered\\\\.$\"), quoted in the message")),
        example="page 1 shows the ICML 2026 template's alarm \"The page layout violates the ICML style.\" "
        "(textheight has been altered): the style found its page layout changed",
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
        run="layout_violation_notice",
    ),
)


#: a page this close (points) to the template's size, either way round, is the template's size
PAGE_TOLERANCE = 1.0

_COLUMNS = {1: "one column", 2: "two columns", 3: "three columns"}


def wrong_template(doc: Document, params: Params) -> Iterator[Finding]:
    judged = _judge(doc, params)
    tpl = params.template
    fix_values = {"template": the_template(tpl)[4:], "style": _style(tpl), "switch": _switch(tpl)}
    if judged["reasons"]:
        data = dict(judged["data"])
        match = _better_match(doc, params.rules)
        named = ""
        if match is not None:
            named = f"; this looks like {the_template(match.template)}: use --rules {match.name}"
            data["matches"] = match.name
        yield Finding(
            "TMPL001",
            f"not {the_template(tpl)}: {', '.join(judged['evidence'])}; {_name(params)} is {_expected(params)}{named}",
            page=1,
            bbox=judged["block_bbox"],
            fix_values=fix_values,
            data=data,
        )
    elif judged["marks_missing"]:
        yield Finding(
            "TMPL001",
            f"{the_template(tpl)}'s geometry, columns and body font, but {_marks_wanting(judged)}",
            page=judged["header_page"] or 1,
            bbox=judged["header_bbox"],
            severity="warning",
            fix="marks",
            fix_values=fix_values,
            data=judged["data"],
        )


def template_edition(doc: Document, params: Params) -> Iterator[Finding]:
    rules = params.rules
    tpl = params.template
    options = params.options
    own = _edition(options)
    mode = options["mode"]
    if own is None and mode is None:
        return  # a rule set naming no edition nor mode (the ICLR 2025 base and its workshops) makes no claim
    judged = _judge(doc, Params(rules=rules, options=rules.options("TMPL001")))
    if judged["reasons"]:
        return  # another template altogether: TMPL001 says so
    s = analyse(doc, rules)
    fix_values = {"template": the_template(tpl)[4:], "style": _style(tpl), "switch": _switch(tpl)}

    # another edition: a mark naming another edition than the rule set's
    if own:
        other = [m for m in _named_editions(s, options["edition_marks"]) if m[3] != own]
        if other:
            page, where, text, edition = other[0]
            pages = sorted({m[0] for m in other})
            match = _better_match(doc, rules, edition=True)
            named = f"; this looks like {the_template(match.template)}: use --rules {match.name}" if match else ""
            yield Finding(
                "TMPL002",
                f'the {where} on page {page} reads "{clipped(text, 90)}": the {edition} edition, not '
                f"{the_template(tpl)}'s ({own}){named}",
                page=page,
                bbox=_mark_bbox(s, page, text),
                fix_values=fix_values,
                data={"kind": "edition", "edition": edition, "expected": own, "text": text, "mark": where,
                      "pages": pages, "matches": match.name if match else None},
            )

    # another mode: marks of both modes; in a rule set of the camera-ready version (its template
    # lists camera-ready marks and no review ones), a mark of this edition that is not camera-ready
    header, footer = tpl["header"], tpl["footer"]
    camera_patterns = (tuple(header["camera_ready"]), tuple(footer.get("camera_ready", ())))
    camera_only = mode == "camera_ready" or (
        mode is None and not (header["review"] or footer.get("review")) and any(camera_patterns))
    camera = _first_mark(s, *camera_patterns)
    ruler = s.review_ruler_pages
    mixed = None
    if not camera_only and camera and ruler:
        page, where, text = camera
        mixed = (page, where, text, f'the {where} on page {page} reads "{clipped(text, 90)}" (camera-ready mode), '
                 f"but the review line-number ruler is on {_pages(ruler)}: a mix of the two modes")
    elif camera_only:
        review = [m for m in _named_editions(s, options["edition_marks"])
                  if own and m[3] == own and not _first_mark_in(m, camera_patterns)]
        if review:
            page, where, text, _ = review[0]
            what = f'the {where} on page {page} reads "{clipped(text, 90)}", not the camera-ready one'
        elif ruler:
            page, where, text = ruler[0], "ruler", ""
            what = f"the review line-number ruler is on {_pages(ruler)}"
        if review or ruler:
            mixed = (page, where, text, f"{what}: this rule set checks the camera-ready version of {the_template(tpl)}")
    if mixed:
        page, where, text, message = mixed
        yield Finding(
            "TMPL002",
            message,
            page=page,
            bbox=_mark_bbox(s, page, text) if text else None,
            fix="mode",
            fix_values=fix_values,
            data={"kind": "mode", "mode": "camera_ready" if camera_only else "review", "text": text or None, "mark": where,
                  "ruler_pages": list(ruler)},
        )

    # the font swapped: the template's marks and geometry, another body font family
    swapped = judged["font_swapped"]
    if swapped:
        font, family = swapped
        wanted = "/".join(tpl["body_font_families"])
        yield Finding(
            "TMPL002",
            f"{the_template(tpl)}'s marks and geometry, but the body is set in {plain_name(font)}"
            + (f" ({family})" if family else "") + f", not {wanted}: the template's font was replaced "
            "(XeLaTeX and LuaLaTeX ignore \\usepackage{times})",
            page=1,
            fix="font",
            fix_values=fix_values,
            data={"kind": "font", "body_font": font, "family": family, "expected": list(tpl["body_font_families"])},
        )


def layout_violation_notice(doc: Document, params: Params) -> Iterator[Finding]:
    """A line that is the template's alarm, once a page, with what the lines beside it say was changed."""
    notices = compile_all(tuple(params.options["notices"]))
    if not notices:
        return  # the template has no alarm
    details = compile_all(tuple(params.options["details"]))
    tpl = params.template
    for page in doc.pages:
        found = next((ln for ln in page.lines if any(p.search(ln.text.strip()) for p in notices)), None)
        if found is None:
            continue
        changed = []
        for ln in page.lines:
            for pattern in details:
                m = pattern.search(ln.text.strip())
                if m:
                    what = m.group(1) if m.groups() else m.group(0)
                    if what not in changed:
                        changed.append(what)
                    break
        text = found.text.strip()
        said = f" ({', '.join(changed)} {'has' if len(changed) == 1 else 'have'} been altered)" if changed else ""
        yield Finding(
            "TMPL003",
            f'page {page.number} shows {the_template(tpl)}\'s alarm "{clipped(text, 90)}"{said}: the style found '
            "its page layout changed",
            page=page.number,
            bbox=rounded_bbox(found.bbox),
            fix_values={"template": the_template(tpl)[4:],
                        "changed": f" ({', '.join(changed)})" if changed else ""},
            data={"notice": text, "altered": changed},
        )


def other_template(doc: Document, rules) -> bool:
    """Is the paper set in another template than the rule set's? The same judgement as TMPL001's
    error (its warning, the template without its marks, is the template), made whether or not
    TMPL001 is selected, so that what depends on it (the hints fitted to a paper of another
    template) never changes with the selection."""
    return doc.derived(("other-template", token(rules.template), token(rules.structure), id(rules)),
                       lambda: bool(_judge(doc, Params(rules=rules, options=rules.options("TMPL001")))["reasons"]))


# --- which bundled template a paper is in (TMPL001's message, --rules auto) ----------------------


def resemblance(doc: Document, rules) -> tuple:
    """How well the paper fits `rules`' template, as a sort key (smaller is better): the reasons it
    is another template (TMPL001's error: none when it is this one; with none of the template's
    marks, a page of another size or no text block counts as one); whether its marks name this
    edition (0), none (1) or another (2); whether the template's marks are missing; whether this
    edition's year stands anywhere in the marks; how many differences were found; then a venue (a
    rule set naming its `edition`) before a base, the newest edition first, the shortest `extends`
    chain and the name."""
    def compute():
        judged = _judge(doc, Params(rules=rules, options=rules.options("TMPL001")))
        options = rules.options("TMPL002")
        own = _edition(options)
        s = analyse(doc, rules)
        named = {m[3] for m in _named_editions(s, options["edition_marks"])}
        state = 0 if own and own in named else (2 if named - {own} else 1)
        texts = " ".join(text for _, text in tuple(s.header_texts) + tuple(s.footer_texts))
        year = 0 if own and re.search(rf"(?<!\d){re.escape(own)}(?!\d)", texts) else 1
        return (len(judged["reasons"]) + judged["unmarked"], state, judged["marks_missing"], year,
                len(judged["evidence"]), own is None, -_edition_number(own), len(rules.sources), rules.name)
    return doc.derived(("resemblance", token(rules.template), token(rules.structure), id(rules)), compute)


def variant_fit(doc: Document, rules) -> tuple:
    """How well the paper fits `rules` among the sets of its template (a sort key, smaller is better):
    whether its TMPL002 `mode` is not the paper's (the review ruler present: review, else camera-ready;
    no `mode`: either), then the smallest `PAGE001.max_pages` the counted pages fit in, else the largest."""
    def compute():
        s = analyse(doc, rules)
        mode = rules.options("TMPL002")["mode"]
        paper_mode = "review" if s.review_ruler_pages else "camera_ready"
        limit = rules.checks.get("PAGE001", {}).get("max_pages")
        limit = float("inf") if limit is None else float(limit)
        fits = s.body_pages <= limit
        return (int(mode is not None and mode != paper_mode), 0 if fits else 1, limit if fits else -limit)
    return doc.derived(("variant-fit", token(rules.template), token(rules.structure), id(rules)), compute)


def ranked(doc: Document, candidates: Sequence) -> List:
    """The candidate rule sets whose template the paper is in (no TMPL001 reason against it), best
    first (`resemblance`; among several sets of one template, the variants, by `variant_fit` after
    the template's own evidence)."""
    scored = [(resemblance(doc, r), r) for r in candidates if not surely_unmarked(doc, r)]
    scored = [(score, r) for score, r in scored if score[0] == 0]
    family = Counter(template_name(r.template) for _, r in scored)

    def key(sr):
        score, r = sr
        variant = variant_fit(doc, r) if family[template_name(r.template)] > 1 else (0, 0, 0.0)
        return score[:5] + variant + score[5:]
    return [r for _, r in sorted(scored, key=key)]


def template_roots(rule_sets: Sequence) -> List:
    """One rule set per bundled template (by the template's name): the one with the shortest
    `extends` chain (the conference, not a workshop extending it), then by name."""
    best: dict = {}
    for r in sorted(rule_sets, key=lambda r: (len(r.sources), r.name)):
        best.setdefault(template_name(r.template), r)
    return list(best.values())


@lru_cache(maxsize=1)
def bundled_templates() -> Tuple:
    """Every bundled template, as the rule set that introduces it (`template_roots`), and the
    variants a rule file offers to `--rules auto` (TMPL001 `auto_variant`: ACL's short paper and
    camera-ready version), loaded with this module's checks and the page limit's (their options:
    TMPL001's tolerances, TMPL002's edition and mode, PAGE001's limit); a bundled file that does not
    load is left out."""
    catalogue = {c.code: c for c in (*CHECKS, *PAGE_CHECKS)}
    sets = []
    for name in rule_files.bundled_names():
        try:
            sets.append(rule_files.load_rules(name, catalogue))
        except rule_files.RulesError:
            continue
    roots = template_roots(sets)
    chosen = {r.name for r in roots}
    return tuple(roots + [r for r in sets if r.name not in chosen and r.options("TMPL001")["auto_variant"]])


def _better_match(doc: Document, rules, edition: bool = False):
    """The bundled template, other than `rules`' own, that the paper is in, or None: of those, one
    whose marks name no other edition than its own first; with `edition` (TMPL002: which rule set
    is the edition found?) only such a one."""
    own = template_name(rules.template)
    found = ranked(doc, [r for r in bundled_templates() if template_name(r.template) != own])
    fitting = [r for r in found if resemblance(doc, r)[1] < 2]
    if fitting or edition:
        return fitting[0] if fitting else None
    return found[0] if found else None


def _edition(options) -> Optional[str]:
    """TMPL002's `edition` as text (a rule file may write 2027 or "2027"), or None."""
    edition = options["edition"]
    return None if edition is None else str(edition)


def _edition_number(edition: Optional[str]) -> int:
    digits = re.sub(r"\D", "", edition or "")
    return int(digits) if digits else 0


def _named_editions(s, patterns: Sequence[str]) -> List[Tuple[int, str, str, str]]:
    """(page, "running header" | "notice", text, edition) of every mark an `edition_marks` pattern
    reads an edition off, each text once (its first page)."""
    found = []
    seen = set()
    compiled = compile_all(tuple(patterns))
    marks = [(page, "running header", text) for page, text in s.header_texts]
    marks += [(page, "notice", text) for page, text in s.footer_texts]
    for page, where, text in marks:
        if text in seen:
            continue
        for pattern in compiled:
            m = pattern.search(text)
            if m:
                seen.add(text)
                found.append((page, where, text, m.group(1) if m.groups() else m.group(0)))
                break
    return found



def _first_mark(s, header_patterns: Sequence[str], footer_patterns: Sequence[str]):
    """(page, "running header" | "notice", text) of the first header or notice matching, or None."""
    header = first_header(s, tuple(header_patterns)) if header_patterns else None
    if header:
        return header[0], "running header", header[1]
    footer = first_footer(s, tuple(footer_patterns)) if footer_patterns else None
    if footer:
        return footer[0], "notice", footer[1]
    return None


def _first_mark_in(mark: Tuple[int, str, str, str], patterns: Tuple[Sequence[str], Sequence[str]]) -> bool:
    """Does the mark (a `_named_editions` entry) match the patterns of its place (header, notice)?"""
    header, footer = patterns
    wanted = header if mark[1] == "running header" else footer
    return any(p.search(mark[2]) for p in compile_all(tuple(wanted)))


def _mark_bbox(s, page: int, text: str):
    """The box of the furniture line of `page` reading `text`, or None."""
    for _, line in s.furniture[page - 1]:
        if line.text == text:
            return rounded_bbox(line.bbox)
    return None


def _pages(numbers: Sequence[int]) -> str:
    if len(numbers) == 1:
        return f"page {numbers[0]}"
    return f"pages {numbers[0]}-{numbers[-1]}" if list(numbers) == list(range(numbers[0], numbers[-1] + 1)) \
        else "pages " + ", ".join(map(str, numbers[:8])) + (", ..." if len(numbers) > 8 else "")


def _judge(doc: Document, params: Params) -> dict:
    """Every piece of evidence: `reasons` (those that alone say "another template"), `evidence`
    (what differs, for the message), `marks_missing` (none of the template's marks: its running
    header, its notice below the block, its review ruler, those it has), `font_swapped` (the
    template's marks and geometry in another body font: TMPL002's), the finding's data and where
    to point."""
    rules = params.rules
    tpl = params.template
    s = analyse(doc, rules)
    t = typography(doc, rules)
    block = text_block(doc, rules)
    tol = params.options["block_tolerance"]
    evidence: List[str] = []  # what differs, for the message
    identity: List[str] = []  # reasons that alone say "another template"

    # the template's marks, those it has: its running header, its notice below the block, its
    # review ruler (None: not one of this template's marks)
    header, footer = tpl["header"], tpl["footer"]
    has_header, has_footer, has_ruler = _template_marks(s, rules)
    marks = [m for m in (has_header, has_footer, has_ruler) if m is not None]
    # a template whose camera-ready version prints no header or notice (CVPR, ACL: nothing outside
    # the block) has a version without any mark: a paper showing none may be that one
    # (its block's size still counts, its place not: a proceedings copy may be stamped a little aside)
    unmarked_version = not (header["camera_ready"] or footer.get("camera_ready"))
    none_shown = bool(marks) and not any(marks)
    marks_missing = none_shown and not unmarked_version

    # paper size: the size most pages have
    pw, ph, page_wrong = _paper(doc, tpl)
    if page_wrong:
        evidence.append(f"{_size_name(pw, ph)} paper")

    # the text block and its columns
    x0, y0, x1, y1 = tpl["text_block"]
    skip = topskip(rules)
    block_wrong = False
    width = height = None
    moved = _moved(block, tpl, skip, page_wrong, params.options["place_tolerance"])
    # the block's differences that count without the template's marks
    placed = moved if marks_missing else (
        {k: v for k, v in moved.items() if k not in ("left", "top")} if none_shown else {})
    if block.columns:
        width = block.x1 - block.x0
        if block.first_baseline is not None and block.last_baseline is not None:
            height = block.last_baseline - block.first_baseline + skip
        block_wrong = abs(width - (x1 - x0)) > tol or (height is not None and abs(height - (y1 - y0)) > tol)
        columns = len(block.columns)
        want_columns = int(tpl["columns"])
        shape = f"text block {width / 72:.1f} x {height / 72:.1f} in" if height is not None else f"text block {width / 72:.1f} in wide"
        if columns != want_columns:
            identity.append("columns")
            evidence.append(f"{shape} in {_COLUMNS.get(columns, f'{columns} columns')}")
        elif block_wrong:
            evidence.append(shape)
        elif placed:
            # without the template's marks, the block's place is evidence too (NeurIPS: same size, higher)
            where = _where(placed)
            evidence.append(f"{shape}, {where} than {_name(params)}'s" if where else shape)
    if page_wrong and block_wrong:
        identity.append("page and block")

    # the body font's family: with the template's marks and geometry, in a rule set naming its
    # edition, the template with its font swapped (TMPL002), else evidence of another template
    families = tpl["font_families"]
    wanted = list(tpl["body_font_families"])
    font_swapped = None
    if t.font and wanted:
        family = family_of(t.font, families)
        if family not in wanted:
            evidence.append(f"body font {plain_name(t.font)}" + (f" ({family})" if family else ""))
            if identity or marks_missing or _edition(rules.options("TMPL002")) is None:
                identity.append("font")
            else:
                font_swapped = (t.font, family)

    # none of the marks: another template when the block is not the template's either
    shown = _shown_header(s.header_texts)
    shown_notice = _shown_header(s.footer_texts)
    if marks_missing or (none_shown and (placed or block_wrong)):
        if has_header is not None:
            evidence.append(f"no {_name(params)} running header" + (f" (\"{shown}\")" if shown else ""))
        if has_footer is not None:
            evidence.append(f"no {_name(params)} notice below the text block"
                            + (f" (\"{shown_notice}\")" if shown_notice else ""))
        if has_ruler is not None:
            evidence.append("no review line-number ruler")
        if placed or block_wrong:
            identity.append("header and ruler")

    header_page, header_bbox = _header_line(s) if marks_missing and not identity else (None, None)
    box = block.bbox(skip)
    data = {
        "reasons": identity,
        "evidence": evidence,
        "page_size": [pw, ph],
        "text_block_in": [round(width / 72, 2), round(height / 72, 2)] if width and height else None,
        "columns": len(block.columns),
        "body_font": t.font,
        "header": has_header is not False,
        "ruler": bool(s.review_ruler_pages),
        "header_text": shown if marks_missing else None,
        "block_offset_pt": {side: round(v, 1) for side, v in moved.items()},
    }
    if has_footer is not None:  # a template with a notice below the block (NeurIPS)
        data["notice"] = has_footer
        data["notice_text"] = shown_notice if marks_missing else None
    return {
        "reasons": identity,
        "evidence": evidence,
        "marks_missing": marks_missing,
        "font_swapped": font_swapped,
        # none of the marks (or a version that has none: ACL's final version), and not the template's
        # paper or no text block to measure: nothing says this is the template (a figure, a slide),
        # though nothing says it is another
        "unmarked": not any(marks) and (page_wrong or not block.columns),
        "marks": {"header": has_header, "notice": has_footer, "ruler": has_ruler},
        "block_bbox": rounded_bbox(box) if box else None,
        "header_page": header_page,
        "header_bbox": header_bbox,
        "data": data,
    }


def _template_marks(s, rules) -> Tuple[Optional[bool], Optional[bool], Optional[bool]]:
    """(header, notice, ruler): whether each of the template's marks is shown (None: not one of its
    marks). Reads the page classification only (`s`: a Structure or a Classified)."""
    tpl = rules.template
    patterns, notices = _mark_patterns(tpl)
    has_header = first_header(s, patterns) is not None if patterns else None
    has_footer = first_footer(s, notices) is not None if notices else None
    # (the camera-ready version, TMPL002 `mode`, has no ruler: its absence is no mark missing)
    camera = rules.options("TMPL002")["mode"] == "camera_ready"
    has_ruler = bool(s.review_ruler_pages) if tpl["ruler"] and not camera else None
    return has_header, has_footer, has_ruler


def _mark_patterns(tpl) -> Tuple[List[str], List[str]]:
    """The patterns of the template's running header and of its notice below the block, of either
    version (review, camera-ready): what `_template_marks` and `surely_unmarked` look for."""
    header, footer = tpl["header"], tpl["footer"]
    return (list(header["review"]) + list(header["camera_ready"]),
            list(footer.get("review", ())) + list(footer.get("camera_ready", ())))


def _paper(doc: Document, tpl) -> Tuple[float, float, bool]:
    """(width, height, another size than the template's) of the size most pages have."""
    want_w, want_h = tpl["page_size"]
    sizes: dict = {}
    for p in doc.pages:
        sizes[(round(p.width, 1), round(p.height, 1))] = sizes.get((round(p.width, 1), round(p.height, 1)), 0) + 1
    (pw, ph), _ = max(sizes.items(), key=lambda kv: kv[1])
    page_wrong = not (
        (abs(pw - want_w) <= PAGE_TOLERANCE and abs(ph - want_h) <= PAGE_TOLERANCE)
        or (abs(pw - want_h) <= PAGE_TOLERANCE and abs(ph - want_w) <= PAGE_TOLERANCE)
    )
    return pw, ph, page_wrong


def surely_unmarked(doc: Document, rules) -> bool:
    """Is the paper provably out of `ranked` for `rules` from its paper size and the page
    classification alone? `_judge` calls a paper `unmarked` when none of the template's marks is
    shown (`not any(marks)`, the same `_template_marks`) and the paper is another size (`page_wrong`,
    the same `_paper`) or no block was measured; `resemblance` adds `unmarked` to the reasons, and
    `ranked` keeps only a score of no reasons. So another size with no mark shown is out whatever
    the headings, the text block and the body font say: they are never computed for it. A template
    without notice patterns, whose marks are its running header and its ruler, shows none when no
    line of the paper may be either (`may_show_marks`): the pages are not even classified."""
    tpl = rules.template
    if not _paper(doc, tpl)[2]:
        return False
    headers, notices = _mark_patterns(tpl)
    if not notices and not may_show_marks(doc, tpl, headers):
        return True
    return not any(_template_marks(classified(doc, rules), rules))


def _marks_wanting(judged: dict) -> str:
    """'neither its running header (it reads "...") nor its review line-number ruler': the marks
    the template has, none of them found."""
    data = judged["data"]
    marks = judged["marks"]
    parts = []
    if marks["header"] is not None:
        shown = data["header_text"]
        parts.append("its running header" + (f' (it reads "{shown}")' if shown else ""))
    if marks["notice"] is not None:
        shown = data.get("notice_text")
        parts.append("its notice below the text block" + (f' (it reads "{shown}")' if shown else ""))
    if marks["ruler"] is not None:
        parts.append("its review line-number ruler")
    if len(parts) == 1:
        return f"not {parts[0]}"
    return "neither " + " nor ".join(parts)


def _moved(block, tpl, skip: float, page_wrong: bool, tol: float) -> dict:
    """{side: signed points} where the measured block is not the template's by more than `tol`:
    its width, and on the template's paper its left edge, its top (the first baseline less
    \\topskip) and a bottom further down (a short last page only ends higher); on other paper
    (where `geometry` centres the block) a taller block. Empty when no block was measured."""
    if not block.columns:
        return {}
    x0, y0, x1, y1 = (float(v) for v in tpl["text_block"])
    moved = {}
    width = block.x1 - block.x0
    if abs(width - (x1 - x0)) > tol:
        moved["width"] = width - (x1 - x0)
    top = block.first_baseline - skip if block.first_baseline is not None else None
    bottom = block.last_baseline
    if not page_wrong:
        if abs(block.x0 - x0) > tol:
            moved["left"] = block.x0 - x0
        if top is not None and abs(top - y0) > tol:
            moved["top"] = top - y0
        if bottom is not None and bottom - y1 > tol:
            moved["bottom"] = bottom - y1
    elif top is not None and bottom is not None and (bottom - top) - (y1 - y0) > tol:
        moved["height"] = (bottom - top) - (y1 - y0)
    return moved


def _where(moved: dict) -> str:
    """'9.9 pt higher', '12.0 pt further left, 9.9 pt higher': the block's shift ('' for a size change)."""
    parts = []
    if "left" in moved:
        parts.append(f"{abs(moved['left']):.1f} pt further {'left' if moved['left'] < 0 else 'right'}")
    if "top" in moved:
        parts.append(f"{abs(moved['top']):.1f} pt {'higher' if moved['top'] < 0 else 'lower'}")
    return ", ".join(parts)


def _header_line(s) -> tuple:
    """(page, rounded bbox) of the first running-header line, or (None, None). Only that page's
    furniture is read (a packed document decodes a page to read it)."""
    if not s.header_texts:
        return None, None
    number = s.header_texts[0][0]
    for role, line in s.furniture[number - 1]:
        if role == HEADER:
            return number, rounded_bbox(line.bbox)
    return number, None


def _switch(tpl) -> str:
    final_copy = tpl["latex_final_copy"]
    return f"`{final_copy}`" if final_copy else "the camera-ready switch"


def _name(params: Params) -> str:
    return template_name(params.template)


def _style(tpl) -> str:
    """': `\\usepackage{iclr2025_conference,times}`', the template's style as its rule set gives it."""
    return f": `{tpl['latex_style']}`" if tpl["latex_style"] else ""


def _size_name(w: float, h: float) -> str:
    return paper_name(w, h) or f"{w:g} x {h:g} pt"


def _shown_header(texts) -> Optional[str]:
    for _, text in texts:
        if not text.strip().isdigit():
            return clipped(text, 50)
    return None


def _expected(params: Params) -> str:
    tpl = params.template
    x0, y0, x1, y1 = tpl["text_block"]
    w, h = tpl["page_size"]
    columns = _COLUMNS.get(int(tpl["columns"]), f"{tpl['columns']} columns")
    fonts = "/".join(tpl["body_font_families"]) or "its font"
    parts = [f"{inches(x1 - x0)} x {inches(y1 - y0)} in", columns, f"{_size_name(w, h)} paper", fonts]
    if tpl["header"]["review"] or tpl["header"]["camera_ready"]:
        parts.append("its running header")
    if tpl["ruler"]:
        parts.append("line numbers in review mode")
    return ", ".join(parts)
