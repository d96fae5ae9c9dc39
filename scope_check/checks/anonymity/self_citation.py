"""ANON004 self-citation: first-person citations of the authors' own work in the running text."""

from __future__ import annotations

from typing import Iterator, List, Optional, Tuple

from scope_check.analysis import addresses
from scope_check.checks.anonymity.common import outside, reading_pages, references_range, word_start
from scope_check.checks.helpers import clipped
from scope_check.model.document import Document
from scope_check.model.findings import Finding, rounded_bbox
from scope_check.config.spec import Check, Params
from scope_check.analysis.structure import analyse
from scope_check.safety.safe_patterns import lazy

CHECKS = (
    Check(
        code="ANON004",
        name="self-citation",
        severity="warning",
        summary="First-person self-citation in the text (the References excluded), in author-year or numeric "
        "style: \"in our previous work (Doe et al., 2023)\", \"we extend our earlier system [6]\", \"as we showed "
        "in [6]\", \"[6] is our prior work\". Sentences where \"we\" cite others (\"we follow Doe et al. (2023)\") "
        "pass.",
        why="Review is double-blind: citing one's own work in the first person tells reviewers who wrote the paper.",
        fix="Cite your own earlier work in the third person, as anyone else's: \"Doe et al. (2023) showed\", not "
        "\"in our previous work (Doe et al., 2023)\".",
        example='first-person self-citation "our previous work (Doe et al., 2023)" tells reviewers who the '
        "authors are",
        run="self_citation",
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
    ),
)


_NAME_REST = r"[\w'\u2019\-]{1,40}"  # bounded: linear on a token of any length
_NAME = r"[A-Z]" + _NAME_REST
_YEAR = r"(?:19|20)\d\d[a-z]?"
#: the three forms of a citation, each as (its first character, the rest): (Doe et al., 2023),
#: (Doe & Roe, 2021; Lee, 2020); Doe et al. (2023); [6], [3, 7], [2-5]
_CITATION_FORMS = (
    (r"\(", r"\s*(?:e\.g\.,?\s+|see\s+)?" + _NAME + r"(?:\s+(?:et\s+al\.?|and|&)\s*(?:" + _NAME + r")?){0,12},?\s+" + _YEAR
     + r"(?:\s*[;,]\s*(?:" + _NAME + r"(?:\s+(?:et\s+al\.?|and|&)\s*(?:" + _NAME + r")?){0,12},?\s+)?" + _YEAR
     + r"){0,20}\s*\)"),
    (r"[A-Z]", _NAME_REST + r"(?:\s+(?:et\s+al\.?|and|&)\s*(?:" + _NAME + r")?){0,12}\s*\(\s*" + _YEAR
     + r"(?:\s*[;,]\s*" + _YEAR + r"){0,20}\s*\)"),
    (r"\[", r"\s*[1-9]\d{0,2}(?:\s*[,\u2013\-]\s*[1-9]\d{0,2}){0,30}\s*\]"),
)
_CITATION = "(?:" + "|".join(first + rest for first, rest in _CITATION_FORMS) + ")"
#: the same as a pattern's first item: the first character of every form matched by one class (the
#: matcher then skips at C speed to the next "(", "[" or capital), and each form's checked behind it
_CITATION_FIRST = r"[(\[A-Z](?:" + "|".join(f"(?<={first}){rest}" for first, rest in _CITATION_FORMS) + ")"
_WORK = (
    r"(?:works?|papers?|stud(?:y|ies)|publications?|research|approach(?:es)?|methods?|models?|systems?|frameworks?|"
    r"analys[ie]s|results?|findings|versions?|investigations?|algorithms?|techniques?|architectures?|benchmarks?|"
    r"data[\s-]?sets?|experiments?|efforts?|proposals?|contributions?|articles?|reports?|theor(?:y|ies)|proofs?)"
)
#: what may stand between the first-person phrase and its citation: a few words, no sentence end and
#: no pointer into the paper itself ("our previous results in Section 3 ... [4]" is not a self-citation)
_GAP = r"(?:(?!\b(?:Section|Sec|Table|Figure|Fig|Eq|Equation|Appendix|Chapter|Algorithm|Line)\b)[^.;]){0,60}?"
#: "we showed in", "we have previously demonstrated in" (after "we")
_WE_SHOWED_IN = (r"\s+(?:have\s+)?(?:previously\s+|recently\s+)?(?:showed|shown|proved|proven|demonstrated|argued|"
                 r"reported|proposed|found|observed|described|introduced)\s+(?:earlier\s+|before\s+)?in")
#: "our previous", "my own earlier" (after "our" or "my")
_OUR_PRIOR = r"\s+(?:own\s+)?(?:previous|prior|earlier|past|own|recent|preliminary)\b"
#: each first-person phrase starts with `word_start` (its first letter matched by a plain class, which
#: lets the matcher skip at C speed to the places where it can start: about 2 x fewer cycles than a
#: case-insensitive start, the same matches), the last with `_CITATION_FIRST`
_SELF = tuple(
    lazy(p)
    for p in (
        # "in our previous work (Doe et al., 2023)", "we extend our earlier system [6]"
        word_start(("our", "my")) + r"(?i:\s+(?:own\s+)?(?:previous|prior|earlier|past|recent|preliminary|former|"
        r"original|companion|concurrent|own|last)\s+(?:[\w-]+\s+){0,2}?" + _WORK + r")\b" + _GAP + _CITATION,
        # "our work [6]", "our paper (Doe, 2023)": the citation right after the noun
        word_start(("our", "my")) + r"(?i:\s+(?:work|paper|study|publication|article)s?)\s*,?\s*" + _CITATION,
        # "we previously showed (Doe et al., 2023)", "we recently proposed [6]"
        word_start(("we",)) + r"(?i:\s+(?:have\s+)?(?:previously|recently|earlier|already|first|originally)\s+"
        r"(?:\w+\s+)?(?:showed|shown|proposed|introduced|presented|developed|demonstrated|studied|reported|described|"
        r"established|proved|proven|argued|found|designed|built))\b" + _GAP + _CITATION,
        # "as we showed in [6]", "as we have shown in Doe et al. (2023)"
        word_start(("as", "which", "that")) + r"(?i:\s+we" + _WE_SHOWED_IN + r")\s+" + _CITATION,
        # "[6] is our previous work", "Doe et al. (2023), our earlier paper"
        _CITATION_FIRST + r"(?i:\s*(?:,|is|was|are|were)\s+(?:an?\s+|the\s+)?(?:extension\s+of\s+)?(?:our|my)"
        + _OUR_PRIOR + ")",
    )
)
#: for each pattern of _SELF, a phrase that every match of it holds, or None: the last two start where
#: the text often does (at "as", "that", a capital), which makes their search slower, and hold a phrase
#: that is rare and quick to search for ("we showed in", "our previous", each after a space, so at a
#: word's start): where it is nowhere in the rest of the text, they cannot match there and are not
#: searched (most papers hold neither)
_HELD = (None, None, None,
         lazy(word_start(("we",)) + r"(?i:" + _WE_SHOWED_IN + r")\s"),
         lazy(word_start(("our", "my")) + r"(?i:" + _OUR_PRIOR + ")"))


def self_citations(text: str, scanner: Optional[addresses.Scanner] = None,
                   window: Optional[addresses.Window] = None) -> List[Tuple[int, str]]:
    """(offset, phrase) of each first-person self-citation in running text (in `window` of a
    longer text, read with `scanner`, when given)."""
    found = {}
    for pattern, held in zip(_SELF, _HELD):
        if held is not None and held.search(text, 0 if window is None else window.lo) is None:
            continue  # (the scan of a window starts at or after window.lo)
        for m in (pattern.finditer(text) if scanner is None else scanner.finditer(pattern, window)):
            found.setdefault(m.start(), " ".join(m.group().split()))
    return sorted(found.items())


def self_citation(doc: Document, params: Params) -> Iterator[Finding]:
    s = analyse(doc, params.rules)
    references = references_range(s)

    def running_text():
        for page, lines in enumerate(reading_pages(doc, params.rules), start=1):
            yield page, outside(references, page, lines)

    seen = set()
    scanner = addresses.Scanner()
    for w in addresses.windows(running_text(), addresses.flow_window(doc)):
        for offset, phrase in self_citations(w.flow.text, scanner, w):
            i = w.flow.line_at(offset)
            if w.first + i in seen:
                continue
            seen.add(w.first + i)
            yield _finding(phrase, w.pages[i], w.flow.lines[i].bbox)


def _finding(phrase: str, page: int, bbox) -> Finding:
    return Finding(
        "ANON004",
        f'first-person self-citation "{clipped(phrase, 100)}" tells reviewers who the authors are',
        page=page,
        bbox=rounded_bbox(bbox),
        data={"text": phrase},
    )
