"""STMT: the statements a venue requires or limits, as its rule set lists them (`structure.statements`:
ethics, reproducibility, AI use, the NeurIPS checklist, ...; scope_check/analysis/structure.py finds
them and measures them): a required one missing (STMT001), one longer than its allowance (STMT002), a
checklist left unanswered or still holding the template's instructions (STMT003).

A rule set without `statements` (iclr2025 and its workshops) gets none of these findings."""

from __future__ import annotations

from typing import Iterator, List, Mapping, Optional, Tuple

from scope_check.model.document import Document
from scope_check.model.findings import Finding
from scope_check.checks.helpers import page_list, union
from scope_check.config.spec import Check, Param, Params
from scope_check.analysis.structure import Statement, analyse, statement_lines
from scope_check.safety.safe_patterns import compile_all

CHECKS = (
    Check(
        code="STMT001",
        name="required-statement",
        severity="error",
        summary="A statement the rule set requires (`structure.statements.KIND.required`; ICLR 2027: the AI use "
        "statement, NeurIPS: the paper checklist) has no heading of its kind anywhere (`headings`, or the "
        "structure's `statement_headings`). One found only where the rule set does not let it stand (`where`: "
        "before or after the References) is reported as misplaced, a warning: it is there, in the wrong place. "
        "One that still holds the template's placeholder text (`placeholders`: ICLR 2027's \"[tasks with required "
        "disclosure]\", ACL's note standing in for Limitations) is reported as a placeholder, a warning: the "
        "section is there and the author has to write it, which a chair asks for rather than desk-rejects "
        "(the official samples are such papers).",
        why="The venue requires the section in every submission.",
        fix="Add the section \"{title}\"{place}: the venue requires it in every submission.",
        fixes={"misplaced": "Move the section \"{title}\"{place}.",
               "placeholder": "Replace the template's text under \"{title}\" by your own statement (\"{placeholder}\" is the "
               "template's placeholder): the venue requires the statement in every submission."},
        params=(Param("placeholders", "kind -> regexes", {}, "for a kind of required statement, the template's "
                      "placeholder text: a statement whose text (lines joined by spaces) matches one of them is not "
                      "made", schema={"type": "object", "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
                                      "additionalProperties": {"type": "array", "minItems": 1, "items": {
                                          "type": "string", "format": "regex", "minLength": 1}}}),),
        example='no "AI use statement" found: iclr2027 requires one before the References',
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
        run="required_statement",
    ),
    Check(
        code="STMT002",
        name="statement-length",
        severity="warning",
        summary="A statement runs longer than its allowance (`structure.statements.KIND.max_pages`; ICLR 2027: the "
        "AI use and ethics statements at most one page). Its length is the height its lines cover, from its "
        "heading to the next heading at least as large (or the References, or the appendix), in text-block "
        "heights: a full page is 1.0.",
        why="The venue limits the statement's length.",
        fix="Shorten \"{title}\" to at most {limit:g} page(s): keep what the venue asks for and move the details to "
        "the appendix.",
        params=(Param("tolerance", "number", 0.05, "a statement this much longer than its allowance still passes "
                      "(a page ends at the last line's descenders)", unit="pages", minimum=0),),
        example='"AI use statement" runs 1.3 pages (pages 7-8); iclr2027 allows 1',
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
        run="statement_length",
    ),
    Check(
        code="STMT003",
        name="checklist-incomplete",
        severity="warning",
        summary="A checklist the rule set lists (a statement of a kind in `kinds`: NeurIPS' paper checklist) has "
        "answers left unanswered (`todo_patterns`: the template's red \"[TODO]\" of \\answerTODO and "
        "\\justificationTODO) or still holds the template's instructions block (`instruction_patterns`).",
        why="The venue asks every checklist question to be answered, and the instructions block deleted.",
        fix="Answer every question with \\answerYes{{}}, \\answerNo{{}} or \\answerNA{{}} and replace each "
        "\\justificationTODO{{}} by a short justification.",
        fixes={"instructions": "Delete the template's instructions block (between \"%%% BEGIN INSTRUCTIONS %%%\" and "
               "\"%%% END INSTRUCTIONS %%%\") and keep the heading \"{title}\" and the questions."},
        params=(
            Param("kinds", "strings", ["checklist"], "the statement kinds that are checklists"),
            Param("todo_patterns", "regexes", [r"\[TODO\]"], "an unanswered question or justification"),
            Param("instruction_patterns", "regexes", [
                r"Delete this instruction block",
                r"The checklist is designed to encourage best practices",
                r"The checklist answers are an integral part of your paper submission",
            ], "a sentence of the template's instructions block (on the checklist's text, lines joined by spaces)"),
        ),
        example='12 checklist answers are left "[TODO]" (pages 12-15)',
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
        run="checklist_incomplete",
    ),
)

#: how messages name a kind of statement the rule file gives no `title`
KIND_NAMES = {
    "ai_use": "AI use statement",
    "ethics": "Ethics statement",
    "reproducibility": "Reproducibility statement",
    "checklist": "Paper Checklist",
    "impact": "Impact Statement",
    "limitations": "Limitations",
    "acknowledgements": "Acknowledgements",
    "author_contributions": "Author Contributions",
}
_PLACES = {"before_references": " before the References", "after_references": " after the References", "anywhere": ""}


def _title(kind: str, policy: Mapping) -> str:
    return policy["title"] or KIND_NAMES.get(kind) or kind.replace("_", " ").capitalize()


def _allowed(statement: Statement, where: str) -> bool:
    return where == "anywhere" or statement.place == where


def required_statement(doc: Document, params: Params) -> Iterator[Finding]:
    s = analyse(doc, params.rules)
    name = params.rules.name
    for kind, policy in params.rules.structure["statements"].items():
        if not policy["required"]:
            continue
        found = [st for st in s.statements if st.kind == kind]
        title, where = _title(kind, policy), policy["where"]
        place = _PLACES[where]
        data = {"kind": kind, "title": title, "where": where, "place": place}
        allowed = [st for st in found if _allowed(st, where)]
        patterns = compile_all(tuple(params.options["placeholders"].get(kind, ())))
        held = [_placeholder(s, st, patterns) for st in allowed]
        if allowed and all(held):  # there, where it may stand, but only as the template wrote it
            st, (page, box, text) = allowed[0], held[0]
            yield Finding(
                "STMT001",
                f"\"{st.heading.title}\" keeps the template's placeholder text (page {page}: \"{text}\"); {name} "
                f"requires the {title}{place}",
                page=page,
                bbox=box,
                severity="warning",
                fix="placeholder",
                data={**data, "found_page": st.heading.page, "placeholder": text},
            )
            continue
        if allowed:
            continue
        if found:  # there, but only where the venue does not let it stand
            st = found[0]
            side = "after" if st.place == "after_references" else "before"
            yield Finding(
                "STMT001",
                f"\"{st.heading.title}\" stands {side} the References (page {st.heading.page}); {name} asks for the "
                f"{title}{place}",
                page=st.heading.page,
                bbox=st.heading.bbox,
                severity="warning",
                fix="misplaced",
                data={**data, "found_page": st.heading.page},
            )
            continue
        yield Finding(
            "STMT001",
            f"no \"{title}\" found: {name} requires one{place}",
            page=s.references.page if s.references is not None and where == "before_references" else None,
            data={**data, "found_page": None},
        )


def _placeholder(s, statement: Statement, patterns) -> Optional[Tuple[int, tuple, str]]:
    """(page, box, words) of the first placeholder of the template the statement's text holds, or None."""
    if not patterns:
        return None
    return _instructions(list(statement_lines(s, statement)), patterns)


def statement_length(doc: Document, params: Params) -> Iterator[Finding]:
    s = analyse(doc, params.rules)
    statements = params.rules.structure["statements"]
    tolerance = params.options["tolerance"]
    for st in s.statements:
        policy = statements.get(st.kind)
        limit = policy["max_pages"] if policy else None
        if limit is None or st.length <= limit + tolerance:
            continue
        pages = (f"page {st.heading.page}" if st.last_page == st.heading.page
                 else f"pages {st.heading.page}-{st.last_page}")
        yield Finding(
            "STMT002",
            f"\"{st.heading.title}\" runs {st.length:.1f} pages ({pages}); {params.rules.name} allows {limit:g}",
            page=st.heading.page,
            bbox=st.heading.bbox,
            data={"kind": st.kind, "title": _title(st.kind, policy), "length": round(st.length, 2), "limit": limit,
                  "last_page": st.last_page},
        )


def checklist_incomplete(doc: Document, params: Params) -> Iterator[Finding]:
    s = analyse(doc, params.rules)
    statements = params.rules.structure["statements"]
    options = params.options
    todo = compile_all(tuple(options["todo_patterns"]))
    instructions = compile_all(tuple(options["instruction_patterns"]))
    for st in s.statements:
        if st.kind not in options["kinds"] or st.kind not in statements:
            continue
        title = _title(st.kind, statements[st.kind])
        lines = list(statement_lines(s, st))
        open_answers: List[Tuple[int, tuple]] = [(page, ln.bbox) for page, ln in lines
                                                 for r in todo for _ in r.finditer(ln.text)]
        if open_answers:
            pages = sorted({page for page, _ in open_answers})
            n = len(open_answers)
            yield Finding(
                "STMT003",
                f"{n} checklist {'answers are' if n > 1 else 'answer is'} left unanswered (\"[TODO]\") in "
                f"\"{st.heading.title}\", {page_list(pages)}",
                page=pages[0],
                bbox=union(box for page, box in open_answers if page == pages[0]),
                pages=tuple(pages),
                data={"kind": st.kind, "title": title, "count": n, "todo_pages": pages},
            )
        hit = _instructions(lines, instructions)
        if hit is not None:
            page, box, text = hit
            yield Finding(
                "STMT003",
                f"\"{st.heading.title}\" keeps the template's instructions block (page {page}: \"{text}\")",
                page=page,
                bbox=box,
                fix="instructions",
                data={"kind": st.kind, "title": title, "instructions_page": page},
            )


def _instructions(lines, patterns) -> Optional[Tuple[int, tuple, str]]:
    """(page, the line's box, the words matched) of the first instruction sentence in the statement's
    text, whose lines are joined by spaces (a sentence may wrap), or None."""
    pages = [page for page, _ in lines]
    text, starts = [], []
    at = 0
    for _, ln in lines:
        starts.append(at)
        text.append(ln.text)
        at += len(ln.text) + 1
    joined = " ".join(text)
    best = None
    for pattern in patterns:
        m = pattern.search(joined)
        if m and (best is None or m.start() < best.start()):
            best = m
    if best is None:
        return None
    index = max(i for i, start in enumerate(starts) if start <= best.start())
    return pages[index], lines[index][1].bbox, best.group(0)

