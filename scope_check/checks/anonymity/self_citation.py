"""ANON004 self-citation: first-person citations of the authors' own work in the running text."""

from __future__ import annotations

from typing import Iterator, List, Optional, Tuple

from scope_check.analysis import addresses
from scope_check.checks.anonymity.common import in_range, references_range
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


_NAME = r"[A-Z][\w'\u2019\-]{1,40}"  # bounded: linear on a token of any length
_YEAR = r"(?:19|20)\d\d[a-z]?"
#: (Doe et al., 2023), (Doe & Roe, 2021; Lee, 2020), Doe et al. (2023), [6], [3, 7], [2-5]
_CITATION = (
    r"(?:\(\s*(?:e\.g\.,?\s+|see\s+)?" + _NAME + r"(?:\s+(?:et\s+al\.?|and|&)\s*(?:" + _NAME + r")?){0,12},?\s+" + _YEAR
    + r"(?:\s*[;,]\s*(?:" + _NAME + r"(?:\s+(?:et\s+al\.?|and|&)\s*(?:" + _NAME + r")?){0,12},?\s+)?" + _YEAR + r"){0,20}\s*\)"
    + r"|" + _NAME + r"(?:\s+(?:et\s+al\.?|and|&)\s*(?:" + _NAME + r")?){0,12}\s*\(\s*" + _YEAR + r"(?:\s*[;,]\s*" + _YEAR + r"){0,20}\s*\)"
    + r"|\[\s*[1-9]\d{0,2}(?:\s*[,\u2013\-]\s*[1-9]\d{0,2}){0,30}\s*\])"
)
_WORK = (
    r"(?:works?|papers?|stud(?:y|ies)|publications?|research|approach(?:es)?|methods?|models?|systems?|frameworks?|"
    r"analys[ie]s|results?|findings|versions?|investigations?|algorithms?|techniques?|architectures?|benchmarks?|"
    r"data[\s-]?sets?|experiments?|efforts?|proposals?|contributions?|articles?|reports?|theor(?:y|ies)|proofs?)"
)
#: what may stand between the first-person phrase and its citation: a few words, no sentence end and
#: no pointer into the paper itself ("our previous results in Section 3 ... [4]" is not a self-citation)
_GAP = r"(?:(?!\b(?:Section|Sec|Table|Figure|Fig|Eq|Equation|Appendix|Chapter|Algorithm|Line)\b)[^.;]){0,60}?"
#: each first-person phrase is looked for only where its first letter is (`(?=[om])`, a lookahead
#: the matcher tests faster than the phrase's own start: about 1.5 x fewer cycles, the same matches)
_SELF = tuple(
    lazy(p)
    for p in (
        # "in our previous work (Doe et al., 2023)", "we extend our earlier system [6]"
        r"(?i:(?=[om])\b(?:our|my)\s+(?:own\s+)?(?:previous|prior|earlier|past|recent|preliminary|former|original|"
        r"companion|concurrent|own|last)\s+(?:[\w-]+\s+){0,2}?" + _WORK + r")\b" + _GAP + _CITATION,
        # "our work [6]", "our paper (Doe, 2023)": the citation right after the noun
        r"(?i:(?=[om])\b(?:our|my)\s+(?:work|paper|study|publication|article)s?)\s*,?\s*" + _CITATION,
        # "we previously showed (Doe et al., 2023)", "we recently proposed [6]"
        r"(?i:(?=w)\bwe\s+(?:have\s+)?(?:previously|recently|earlier|already|first|originally)\s+(?:\w+\s+)?"
        r"(?:showed|shown|proposed|introduced|presented|developed|demonstrated|studied|reported|described|"
        r"established|proved|proven|argued|found|designed|built))\b" + _GAP + _CITATION,
        # "as we showed in [6]", "as we have shown in Doe et al. (2023)"
        r"(?i:(?=[awt])\b(?:as|which|that)\s+we\s+(?:have\s+)?(?:previously\s+|recently\s+)?(?:showed|shown|proved|proven|"
        r"demonstrated|argued|reported|proposed|found|observed|described|introduced)\s+(?:earlier\s+|before\s+)?in)\s+"
        + _CITATION,
        # "[6] is our previous work", "Doe et al. (2023), our earlier paper"
        _CITATION + r"(?i:\s*(?:,|is|was|are|were)\s+(?:an?\s+|the\s+)?(?:extension\s+of\s+)?(?:our|my)\s+(?:own\s+)?"
        r"(?:previous|prior|earlier|past|own|recent|preliminary)\b)",
    )
)


def self_citations(text: str, scanner: Optional[addresses.Scanner] = None,
                   window: Optional[addresses.Window] = None) -> List[Tuple[int, str]]:
    """(offset, phrase) of each first-person self-citation in running text (in `window` of a
    longer text, read with `scanner`, when given)."""
    found = {}
    for pattern in _SELF:
        for m in (pattern.finditer(text) if scanner is None else scanner.finditer(pattern, window)):
            found.setdefault(m.start(), " ".join(m.group().split()))
    return sorted(found.items())


def self_citation(doc: Document, params: Params) -> Iterator[Finding]:
    s = analyse(doc, params.rules)
    references = references_range(s)

    def running_text():
        for page, body in enumerate(s.body_lines, start=1):
            yield page, [ln for ln in addresses.reading_order(body, doc.pages[page - 1].width)
                         if not in_range(references, page, ln)]

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
