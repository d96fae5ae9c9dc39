"""ANON: double-blind anonymity. A submission must not name its authors, thank anyone, link to
the authors' own accounts or pages, cite itself in the first person, or carry the authors' names
in its PDF metadata.

Authors leak through channels they cannot see on the page: hyperref writes `pdfauthor` (and
`pdfusetitle` copies the hidden `\\author{}` block) into the metadata, a footnote holds a personal
GitHub link, the template's own Acknowledgments placeholder is left in. Every check reads the
document model only; no URL is ever opened.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Iterator, List, Optional, Sequence, Tuple

from scope_check import identity
from scope_check.document import Document, Line
from scope_check.findings import BBox, Finding, rounded_bbox
from scope_check.registry import Check, Params
from scope_check.structure import HEADER, Structure, analyse, first_header, is_bold, normalise, space_above

#: a title line is this much larger than the body text (ICLR: 17.2 pt capitals over 10 pt)
TITLE_SIZE_RATIO = 1.25
#: the author block is looked for this far below the title when no Abstract heading closes it
AUTHOR_BLOCK_MAX_HEIGHT = 250.0
#: a footnote is set smaller than the body (ICLR: 9 pt under 10 pt)
FOOTNOTE_SIZE_RATIO = 0.95
#: a claim ("our code is available at") ends at most this many characters before the URL it claims
CLAIM_NEAR = 80
#: ... or before the footnote mark whose footnote holds the URL ("we release our code and logs.^1")
CLAIM_NEAR_MARK = 120
#: how many items of each kind a message lists
SHOWN = 4

_ABSTRACT = re.compile(r"^abstract\b", re.I)
_SECTION = re.compile(r"^(?:\d+|[IVX]+)\.?\s+\S")
_MARKS = re.compile(r"[*\u2217\u2020\u2021\u00a7\u00b6#\u2016\u2032\u22c6\u2605]+")
_NAME_SEPARATORS = re.compile(r"\s*(?:[,;&|\u00b7\u2022]|\band\b)\s*")
_NAME_PARTICLES = frozenset(
    "de del della der den di da das do dos du la le van von ten ter bin binti al el y zu".split()
)
_NAME_TOKEN = re.compile(r"^(?:[^\W\d_][.]|[^\W\d_][^\W\d_'\u2019.\-]*(?:[-'\u2019][^\W\d_]+)*\.?)$")

# --- ANON001 author-identity ----------------------------------------------------------------


def author_identity(doc: Document, params: Params) -> Iterator[Finding]:
    s = analyse(doc, params.rules)
    options = params.options
    header = params.template.get("header", {})
    camera = first_header(s, tuple(header.get("camera_ready", ())))
    review = first_header(s, tuple(header.get("review", ())))
    block, end = author_block(doc, s)
    placeholders = {_plain(p) for p in options.get("anonymous_placeholders", ())}
    placeholder = any(_plain(ln.text) in placeholders for ln in block)
    found = identity_in_block(block, placeholder, tuple(options.get("affiliation_words", ())))
    yield from identity_elsewhere(doc, s, options, block,
                                  tuple(header.get("review", ())) + tuple(header.get("camera_ready", ())))

    reasons: List[str] = []
    box: Optional[BBox] = None
    page = 1
    mode = None
    if camera is not None:
        mode = "camera-ready header"
        page = camera[0]
        reasons.append(f'the running header on page {camera[0]} reads "{camera[1]}" (camera-ready mode: \\iclrfinalcopy)')
    elif review is None and not s.review_ruler_pages and not placeholder:
        mode = "no review marks"
        reasons.append(
            "nothing marks review mode: no review running header, no line-number ruler and no "
            '"Anonymous authors" block (compiled in camera-ready mode or with another template)'
        )
    listed = []
    if found["emails"]:
        listed.append(_some("e-mail address", found["emails"]))
    if found["names"]:
        listed.append(_some("name", found["names"]))
    if found["affiliations"]:
        listed.append(_some("affiliation", found["affiliations"]))
    if listed:
        where = "between the title and the abstract" if end is not None else "below the title"
        reasons.append(f"the author block on page 1 ({where}) shows " + "; ".join(listed))
        page = 1
        box = _union(ln.bbox for ln in found["lines"])
    if not reasons:
        return
    if box is None and camera is not None:
        box = _header_box(s, camera[0])
    yield Finding(
        "ANON001",
        "the paper is not anonymous: " + "; ".join(reasons),
        page=page,
        bbox=rounded_bbox(box) if box else None,
        hint="Compile with the venue's style in review mode: remove `\\iclrfinalcopy` (the template then prints "
        "\"Anonymous authors\", the review header and the line numbers); put real names, affiliations and "
        "e-mails back only in the camera-ready version.",
        data={
            "mode": mode,
            "header": camera[1] if camera else None,
            "review_ruler": bool(s.review_ruler_pages),
            "emails": found["emails"],
            "names": found["names"],
            "affiliations": found["affiliations"],
        },
    )


def _header_box(s: Structure, page: int) -> Optional[BBox]:
    for role, ln in s.furniture[page - 1]:
        if role == HEADER:
            return ln.bbox
    return None


def author_block(doc: Document, s: Structure) -> Tuple[List[Line], Optional[Line]]:
    """The lines of page 1 between the title and the abstract (or the first section when the
    paper has no abstract), and the line that closes the block (None when none was found)."""
    if not s.body_lines or not s.body_lines[0]:
        return [], None
    lines = s.body_lines[0]
    size = s.body_font_size or 10.0
    big = [ln.max_size >= TITLE_SIZE_RATIO * size for ln in lines]
    start = next((i for i, b in enumerate(big[:12]) if b), None)
    if start is None:
        return [], None
    i = start
    while i + 1 < len(lines) and (big[i + 1] or abs(lines[i + 1].baseline - lines[i].baseline) < 1.0):
        i += 1
    title_bottom = max(ln.bbox[3] for ln in lines[start: i + 1])
    headings = {(round(h.bbox[0], 1), round(h.bbox[1], 1)) for h in s.headings if h.page == 1}
    block: List[Line] = []
    end = None
    for ln in lines[i + 1:]:
        if ln.bbox[1] < title_bottom - 1.0:
            continue
        if _ABSTRACT.match(ln.text) or (
            (round(ln.bbox[0], 1), round(ln.bbox[1], 1)) in headings
            and (normalise(ln.text) == "introduction" or (_SECTION.match(ln.text) and ln.max_size > 1.1 * size))
        ):
            end = ln
            break
        if ln.bbox[1] > title_bottom + AUTHOR_BLOCK_MAX_HEIGHT:
            break
        block.append(ln)
    if end is not None:
        block = [ln for ln in block if ln.bbox[1] < end.bbox[1] - 1.0]
    return block, end


def identity_in_block(block: Sequence[Line], placeholder: bool, affiliation_words: Tuple[str, ...]) -> dict:
    """E-mail addresses, affiliations and names among the author-block lines. With the template's
    "Anonymous authors" placeholder present, only e-mail addresses count: in review mode the style
    prints nothing else there, so other text in that place is not an author block."""
    affiliation = _word_pattern(affiliation_words)
    out = {"emails": [], "names": [], "affiliations": [], "lines": []}
    for ln in block:
        text = ln.text
        hit = False
        for e in identity.emails(text):
            out["emails"].append(e)
            hit = True
        rest = identity.EMAIL.sub(" ", text)
        if not placeholder:
            for segment in re.split(r"\s*[;]\s*|,\s+(?=\d*[A-Z])", rest) if affiliation else ():
                if affiliation.search(segment):
                    out["affiliations"].append(_clean(segment))
                    hit = True
            if not (affiliation and affiliation.search(rest)):
                names = _names(rest)
                if names:
                    out["names"].extend(names)
                    hit = True
        if hit:
            out["lines"].append(ln)
    for key in ("emails", "names", "affiliations"):
        out[key] = list(dict.fromkeys(v for v in out[key] if v))
    return out


def _names(text: str) -> List[str]:
    """Person names in an author line: 2 to 6 capitalised words per segment, footnote marks and
    superscript digits removed ("Jane Doe1*, John Q. Smith2 and Ann Lee")."""
    text = _MARKS.sub(" , ", text)
    text = re.sub(r"(?<=[^\W\d_])\d+", " ", text)  # superscript affiliation numbers glued to a name
    text = re.sub(r"(?<!\S)\d+(?!\S)", " , ", text)
    text = re.sub(r"\([^()]*\)", " , ", text)  # "(Invited Paper)", "(equal contribution)"
    text = " ".join(text.split())
    names = []
    for segment in _NAME_SEPARATORS.split(text):
        tokens = segment.split()
        if not 2 <= len(tokens) <= 6:
            continue
        capitalised = 0
        ok = True
        for t in tokens:
            if t.lower() in _NAME_PARTICLES:
                continue
            if not _NAME_TOKEN.match(t) or not t[0].isupper() or (len(t) > 2 and t.isupper()):
                ok = False
                break
            capitalised += 1
        if ok and capitalised >= 2:
            names.append(" ".join(tokens))
    return names


@lru_cache(maxsize=16)
def _word_pattern(words: Tuple[str, ...]):
    if not words:
        return None
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    # whole words among Latin letters (a CJK affiliation mark may touch the word)
    return re.compile(r"(?<![A-Za-z\u00c0-\u024f])(?:" + alternation + r")(?![A-Za-z\u00c0-\u024f])", re.I)


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s()]", " ", text).split()).casefold()


def _clean(text: str) -> str:
    text = re.sub(r"^\s*\d+(?=[^\W\d_])", "", _MARKS.sub(" ", text))  # a leading affiliation number
    return " ".join(text.split()).strip(" ,;")


def _some(noun: str, items: Sequence[str]) -> str:
    shown = ", ".join(f'"{v}"' for v in items[:SHOWN]) + (f", ... ({len(items)} in all)" if len(items) > SHOWN else "")
    plural = noun + ("es" if noun.endswith("s") else "s")
    return f"{plural if len(items) > 1 else noun} {shown}"


def _union(boxes) -> Optional[BBox]:
    boxes = list(boxes)
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


# --- ANON002 acknowledgements ---------------------------------------------------------------


def acknowledgements(doc: Document, params: Params) -> Iterator[Finding]:
    s = analyse(doc, params.rules)
    words = tuple(w.casefold() for w in params.options.get("headings", ()))
    if not words:
        return
    seen = set()
    hits: List[Tuple[int, BBox, str]] = []
    for h in s.headings:
        if h.key.startswith(words):
            hits.append((h.page, h.bbox, h.title))
            seen.add((h.page, round(h.bbox[1])))
    for page, lines in enumerate(s.body_lines, start=1):
        for i, ln in enumerate(lines):
            if (page, round(ln.bbox[1])) in seen:
                continue
            title = _run_in_heading(ln, words) or _plain_heading(ln, lines[:i], words)
            if title:
                hits.append((page, ln.bbox, title))
                seen.add((page, round(ln.bbox[1])))
    refs = s.references
    for page, box, title in sorted(hits, key=lambda h: (h[0], h[1][1])):
        where = ""
        if refs is not None:
            before = (page, box[1]) < (refs.page, refs.bbox[1])
            where = f" ({'before' if before else 'after'} the {refs.title})"
        yield Finding(
            "ANON002",
            f'an acknowledgements section "{title}" on page {page}{where}: a double-blind submission thanks nobody',
            page=page,
            bbox=rounded_bbox(box),
            hint="Delete the `\\subsubsection*{Acknowledgments}` section and its text (the template's placeholder "
            "included) from the submission; add it back in the camera-ready version.",
            data={"heading": title},
        )
    yield from unheaded_acknowledgements(doc, s, hits)


def _plain_heading(ln: Line, above: Sequence[Line], words: Tuple[str, ...]) -> Optional[str]:
    """A line that is only the word, capitalised, with extra space above it: a heading set in the
    body font (other engines' templates do not always make headings bold or larger)."""
    text = re.sub(r"^(?:\d+(?:\.\d+)*\.?\s+)", "", ln.text.strip()).rstrip(":")
    if not text[:1].isupper() or " " in text or not text.casefold().startswith(words):
        return None
    return text if space_above(ln, above, ln.size or 10.0) else None


def _run_in_heading(ln: Line, words: Tuple[str, ...]) -> Optional[str]:
    """A paragraph that starts with a bold "Acknowledgements" (`\\paragraph{Acknowledgements}`)."""
    first = next((sp for sp in ln.spans if sp.text.strip()), None)
    if first is None or not is_bold(first):
        return None
    word = re.sub(r"^(?:\d+(?:\.\d+)*\.?\s+)", "", first.text.strip())
    word = word.split(" ")[0].rstrip(".:").casefold() if word else ""
    if word and word.startswith(words):
        return first.text.strip().rstrip(".:")
    return None


# --- ANON003 identifying-link ---------------------------------------------------------------

_NOUN = (
    r"(?:source[\s-]+code|code(?:[\s-]?base)?|implementations?|repositor(?:y|ies)|repos?|project[\s-]+(?:page|website|site)|"
    r"web[\s-]?(?:site|page)|home[\s-]?page|demos?|checkpoints?|weights|models?|data[\s-]?sets?|data|benchmarks?|"
    r"librar(?:y|ies)|toolkits?|packages?|software|scripts?|artifacts?|artefacts?|materials?|tools?)"
)
_AVAILABLE = (
    r"(?:is|are|will\s+be|can\s+be|could\s+be|may\s+be|has\s+been|have\s+been|becomes?|was|were)\s+"
    r"(?:\w+\s+){0,2}?(?:available|found|accessed|downloaded|released|hosted|obtained|accessible|published|"
    r"open[\s-]?sourced|provided|shared|viewed|seen)"
)
#: what may stand between "we" and the verb: auxiliaries and adverbs ("we will also release"), not
#: another verb ("we use the code released by")
_AUX = (
    r"(?:(?:will|would|shall|can|also|have|has|hereby|further|additionally|publicly|fully|now|then|thus|therefore|"
    r"plan\s+to|intend\s+to|are\s+happy\s+to|are\s+glad\s+to|do|did)\s+){0,3}"
)
#: the sentence before the URL claims it as the paper's own material
_CLAIMS = tuple(
    re.compile(p, re.I)
    for p in (
        # "our code is available at", "our full implementation can be found at", "my project page:"
        r"\b(?:our|my)\s+(?:[\w-]+\s+){0,3}?" + _NOUN + r"\b(?:\s+[\w-]+){0,8}?\s+" + _AVAILABLE,
        # "our code: URL", "our code at URL", "our models (URL)", "our repository URL"
        r"\b(?:our|my)\s+(?:[\w-]+\s+){0,3}?" + _NOUN + r"\s*(?:[:(\-\u2013\u2014]|\bat\b|\bon\b|\bin\b|\bhere\b|\bvia\b)?[\s.,;:)]*$",
        # "we release", "we will open-source", "we make the code publicly available", "we provide our code"
        r"\bwe\s+" + _AUX + r"(?:release[sd]?|releasing|open[\s-]?sourc(?:e|ed|ing))\b",
        r"\bwe\s+" + _AUX + r"(?:make|made|provide[sd]?|share[sd]?|publish(?:ed)?|host(?:ed)?|upload(?:ed)?|put)\s+"
        r"(?:[\w-]+\s+){0,4}?(?:" + _NOUN + r"|(?:publicly\s+)?available|public)\b",
        # sentence start: "Code is available at", "The code and data are available at", "Code: URL", "Project page:"
        r"^\W*(?:the\s+|all\s+)?" + _NOUN + r"\b(?:(?!\s+(?:of|from|by|their|its)\b)\s+[\w-]+){0,10}?\s+" + _AVAILABLE,
        r"^\W*" + _NOUN + r"(?:\s*(?:,|and|&)\s*" + _NOUN + r")*\s*(?::|\bat\b|\bavailable\b|\bhere\b)",
        # "code for this paper / for reproducing our results"
        r"\b" + _NOUN + r"\s+(?:for|of|accompanying|behind|to\s+reproduce)\s+(?:\w+\s+){0,3}?(?:this|our|the\s+present)\s+"
        r"(?:paper|work|submission|study|experiments|results|method|approach|project)\b",
    )
)


def identifying_link(doc: Document, params: Params) -> Iterator[Finding]:
    s = analyse(doc, params.rules)
    options = params.options
    bare = identity.bare_url_pattern(
        list((options.get("owner_hosts") or {}).keys()) + list(options.get("personal_hosts", ()))
    )
    front = _front_matter(doc, s)
    size = s.body_font_size or 10.0
    report_unclaimed = bool(options.get("report_unclaimed", False))
    for page in doc.pages:
        lines = identity.reading_order(s.body_lines[page.number - 1], page.width)
        urls = identity.merge(
            identity.text_urls(page.number, lines, bare),
            identity.annotation_urls(page.number, page.links, lines),
        )
        if not urls:
            continue
        text = identity.flow(lines)
        for u in urls:
            target = identity.classify(u.url, options)
            if target.kind in ("anonymous", "neutral"):
                continue
            in_front = page.number == 1 and target.kind in ("owner", "personal")
            claim = _claim(u, lines, text, size, front if in_front else None)
            if claim is None and not (report_unclaimed and target.kind in ("owner", "personal")):
                continue
            if claim is not None:
                how = f"presented as the paper's own ({claim})"
            else:
                how = "a link to a person's or lab's account, with no sign that it is cited work"
            yield Finding(
                "ANON003",
                f"{_short(u.url)} points at {target.reason}, {how}",
                page=u.page,
                bbox=rounded_bbox(u.bbox),
                hint="Replace the link with an anonymised copy (https://anonymous.4open.science mirrors a GitHub "
                "repository without its owner) or ship the code as supplementary material; restore the real "
                "link in the camera-ready version.",
                data={
                    "url": u.url,
                    "owner": target.owner,
                    "kind": target.kind,
                    "claim": claim,
                    "annotation": u.annotated,
                },
                severity="" if claim is not None else "warning",  # an unclaimed link is only a warning
            )


def _claim(u: identity.Url, lines: Sequence[Line], text: identity.Flow, size: float,
           front: Optional[Tuple[float, float]]) -> Optional[str]:
    """Why the URL reads as the paper's own material, or None when nothing says so."""
    if u.line < 0:
        return None
    line = lines[u.line]
    offset = text.offset_of(u.line, u.offset)
    sentence, start = identity.sentence(text.text, offset)
    note = _footnote_start(lines, u.line, size) if line.size <= FOOTNOTE_SIZE_RATIO * size else None
    if note is not None:  # a footnote's sentence starts in the footnote, not in the body above it
        start = max(start, text.starts[note])
    lead = text.text[start:offset]
    found = claim_phrase(lead)
    if not found and not u.in_text:
        # an \href's visible text belongs to the lead: "on our <project page>"
        found = claim_phrase(text.text[start: text.offset_of(u.line, u.end)])
    if found:
        return f'"{found}"'
    if note is not None:
        marker = _footnote_marker(lines, note, text)
        if marker is not None:
            marked, marked_start = identity.sentence(text.text, marker)
            found = claim_phrase(text.text[marked_start:marker], near=CLAIM_NEAR_MARK)
            if found:
                return f'a footnote to "{found}"'
    if front is not None and front[0] <= line.bbox[1] < front[1] and line.size > 0.9 * size:
        return "it stands in the abstract"
    return caption_claim(lines, u.line, size)  # a URL set inside a figure: its caption claims it


def claim_phrase(text: str, near: Optional[int] = None) -> Optional[str]:
    """The phrase by which `text` (a sentence up to a URL, or up to a footnote mark) presents the
    link as the paper's own material, or None. The phrase must end within `near` characters of
    the end of `text`: a claim about something else earlier in a long sentence does not count."""
    limit = CLAIM_NEAR if near is None else near
    for pattern in _CLAIMS:
        for m in pattern.finditer(text):
            if len(text) - m.end() <= limit:
                return " ".join(m.group().split())[:80]
    return None


def _footnote_start(lines: Sequence[Line], index: int, size: float) -> Optional[int]:
    """Index of the first line of the footnote holding line `index` (the one with the mark)."""
    i = index
    while i >= 0:
        if _leading_marker(lines[i]):
            return i
        if i == 0 or lines[i - 1].size > FOOTNOTE_SIZE_RATIO * size:
            return None
        i -= 1
    return None


def _footnote_marker(lines: Sequence[Line], note: int, text: identity.Flow) -> Optional[int]:
    """Offset (in the page's running text) just past the body mark of the footnote starting at
    line `note`."""
    marker = _leading_marker(lines[note])
    for j in range(note - 1, -1, -1):
        ln = lines[j]
        column = 0
        for sp in ln.spans:
            if sp.text.strip() == marker and (sp.flags & 1 or sp.size < 0.8 * ln.size):
                return text.offset_of(j, column)
            column += len(sp.text)
    return None


def _leading_marker(ln: Line) -> Optional[str]:
    first = next((sp for sp in ln.spans if sp.text.strip()), None)
    if first is None:
        return None
    token = first.text.strip()
    if (first.flags & 1 or first.size < 0.8 * ln.size) and re.fullmatch(r"\d{1,2}|[*\u2217\u2020\u2021\u00a7\u00b6]", token):
        return token
    return None


def _front_matter(doc: Document, s: Structure) -> Optional[Tuple[float, float]]:
    """The vertical band of page 1 holding the author block and the abstract."""
    block, end = author_block(doc, s)
    if end is None or not _ABSTRACT.match(end.text):
        return None
    top = end.bbox[1]
    bottom = next(
        (h.bbox[1] for h in s.headings if h.page == 1 and h.bbox[1] > top + 1 and _SECTION.match(h.text)),
        None,
    )
    if bottom is None:
        return None
    return (top, bottom)


def _short(url: str) -> str:
    return url if len(url) <= 90 else url[:87] + "..."


# --- ANON004 self-citation ------------------------------------------------------------------

_NAME = r"[A-Z][\w'\u2019\-]+"
_YEAR = r"(?:19|20)\d\d[a-z]?"
#: (Doe et al., 2023), (Doe & Roe, 2021; Lee, 2020), Doe et al. (2023), [6], [3, 7], [2-5]
_CITATION = (
    r"(?:\(\s*(?:e\.g\.,?\s+|see\s+)?" + _NAME + r"(?:\s+(?:et\s+al\.?|and|&)\s*(?:" + _NAME + r")?)*,?\s+" + _YEAR
    + r"(?:\s*[;,]\s*(?:" + _NAME + r"(?:\s+(?:et\s+al\.?|and|&)\s*(?:" + _NAME + r")?)*,?\s+)?" + _YEAR + r")*\s*\)"
    + r"|" + _NAME + r"(?:\s+(?:et\s+al\.?|and|&)\s*(?:" + _NAME + r")?)*\s*\(\s*" + _YEAR + r"(?:\s*[;,]\s*" + _YEAR + r")*\s*\)"
    + r"|\[\s*[1-9]\d{0,2}(?:\s*[,\u2013\-]\s*[1-9]\d{0,2})*\s*\])"
)
_WORK = (
    r"(?:works?|papers?|stud(?:y|ies)|publications?|research|approach(?:es)?|methods?|models?|systems?|frameworks?|"
    r"analys[ie]s|results?|findings|versions?|investigations?|algorithms?|techniques?|architectures?|benchmarks?|"
    r"data[\s-]?sets?|experiments?|efforts?|proposals?|contributions?|articles?|reports?|theor(?:y|ies)|proofs?)"
)
#: what may stand between the first-person phrase and its citation: a few words, no sentence end and
#: no pointer into the paper itself ("our previous results in Section 3 ... [4]" is not a self-citation)
_GAP = r"(?:(?!\b(?:Section|Sec|Table|Figure|Fig|Eq|Equation|Appendix|Chapter|Algorithm|Line)\b)[^.;]){0,60}?"
_SELF = tuple(
    re.compile(p)
    for p in (
        # "in our previous work (Doe et al., 2023)", "we extend our earlier system [6]"
        r"(?i:\b(?:our|my)\s+(?:own\s+)?(?:previous|prior|earlier|past|recent|preliminary|former|original|"
        r"companion|concurrent|own|last)\s+(?:[\w-]+\s+){0,2}?" + _WORK + r")\b" + _GAP + _CITATION,
        # "our work [6]", "our paper (Doe, 2023)": the citation right after the noun
        r"(?i:\b(?:our|my)\s+(?:work|paper|study|publication|article)s?)\s*,?\s*" + _CITATION,
        # "we previously showed (Doe et al., 2023)", "we recently proposed [6]"
        r"(?i:\bwe\s+(?:have\s+)?(?:previously|recently|earlier|already|first|originally)\s+(?:\w+\s+)?"
        r"(?:showed|shown|proposed|introduced|presented|developed|demonstrated|studied|reported|described|"
        r"established|proved|proven|argued|found|designed|built))\b" + _GAP + _CITATION,
        # "as we showed in [6]", "as we have shown in Doe et al. (2023)"
        r"(?i:\b(?:as|which|that)\s+we\s+(?:have\s+)?(?:previously\s+|recently\s+)?(?:showed|shown|proved|proven|"
        r"demonstrated|argued|reported|proposed|found|observed|described|introduced)\s+(?:earlier\s+|before\s+)?in)\s+"
        + _CITATION,
        # "[6] is our previous work", "Doe et al. (2023), our earlier paper"
        _CITATION + r"(?i:\s*(?:,|is|was|are|were)\s+(?:an?\s+|the\s+)?(?:extension\s+of\s+)?(?:our|my)\s+(?:own\s+)?"
        r"(?:previous|prior|earlier|past|own|recent|preliminary)\b)",
    )
)


def self_citations(text: str) -> List[Tuple[int, str]]:
    """(offset, phrase) of each first-person self-citation in running text."""
    found = {}
    for pattern in _SELF:
        for m in pattern.finditer(text):
            found.setdefault(m.start(), " ".join(m.group().split()))
    return sorted(found.items())


def self_citation(doc: Document, params: Params) -> Iterator[Finding]:
    s = analyse(doc, params.rules)
    lines: List[Line] = []
    pages: List[int] = []
    references = _references_range(s)
    for page, body in enumerate(s.body_lines, start=1):
        for ln in identity.reading_order(body, doc.pages[page - 1].width):
            if not _in_range(references, page, ln):
                lines.append(ln)
                pages.append(page)
    if not lines:
        return
    text = identity.flow(lines)
    seen = set()
    for offset, phrase in self_citations(text.text):
        i = text.line_at(offset)
        if i in seen:
            continue
        seen.add(i)
        yield Finding(
            "ANON004",
            f'first-person self-citation "{_clip(phrase)}" tells reviewers who the authors are',
            page=pages[i],
            bbox=rounded_bbox(lines[i].bbox),
            hint="Cite your own earlier work in the third person, as anyone else's: \"Doe et al. (2023) showed\", "
            "not \"in our previous work (Doe et al., 2023)\".",
            data={"text": phrase},
        )


def _references_range(s: Structure) -> Optional[Tuple[Tuple[int, float], Optional[Tuple[int, float]]]]:
    """(start, stop) positions (page, y) of the reference list: from the References heading to the
    next heading (an appendix), or to the end (stop None)."""
    refs = s.references
    if refs is None:
        return None
    start = (refs.page, refs.bbox[1])
    after = [(h.page, h.bbox[1]) for h in s.headings if (h.page, h.bbox[1]) > (refs.page, refs.bbox[1] + 1)]
    return start, min(after, default=None)


def _in_range(span, page: int, ln: Line) -> bool:
    if span is None:
        return False
    here = (page, ln.bbox[1])
    start, stop = span
    return here >= start and (stop is None or here < stop)


def _clip(text: str, n: int = 100) -> str:
    return text if len(text) <= n else text[: n - 3] + "..."


# --- ANON005 metadata-author ----------------------------------------------------------------

_XMP_CREATOR = re.compile(r"<dc:creator\b[^>]*>(.*?)</dc:creator>", re.S | re.I)
_XMP_LI = re.compile(r"<rdf:li\b[^>]*>(.*?)</rdf:li>", re.S | re.I)
_XMP_AUTHOR = re.compile(r"<pdf:Author\b[^>]*>(.*?)</pdf:Author>|\bpdf:Author\s*=\s*[\"']([^\"']*)[\"']", re.S | re.I)
_TAGS = re.compile(r"<[^>]+>")


def metadata_author(doc: Document, params: Params) -> Iterator[Finding]:
    accepted = {_plain(v) for v in params.options.get("anonymous_values", ())}
    named = []
    for where, value in _author_values(doc):
        if _plain(value) and _plain(value) not in accepted:
            named.append((where, value))
    named.extend(metadata_beyond_author(doc, accepted))
    if not named:
        return
    shown = "; ".join(f'{where} "{_clip(value, 120)}"' for where, value in named)
    yield Finding(
        "ANON005",
        f"the PDF metadata names the author: {shown}",
        hint="Empty the field: `\\hypersetup{pdfauthor={}}` after loading hyperref, and drop the `pdfusetitle` "
        "option (it copies the hidden \\author{} block into the metadata); other tools: clear Author in the "
        "document properties before exporting.",
        data={"values": {where: value for where, value in named}},
    )


def _author_values(doc: Document) -> List[Tuple[str, str]]:
    out = []
    author = (doc.metadata.get("author") or "").strip()
    if author:
        out.append(("/Author", author))
    if doc.xmp:
        for block in _XMP_CREATOR.findall(doc.xmp):
            items = _XMP_LI.findall(block) or [block]
            for item in items:
                value = html.unescape(_TAGS.sub("", item)).strip()
                if value and value != author:
                    out.append(("XMP dc:creator", value))
        for m in _XMP_AUTHOR.finditer(doc.xmp):
            value = html.unescape(_TAGS.sub("", m.group(1) or m.group(2) or "")).strip()
            if value and value != author:
                out.append(("XMP pdf:Author", value))
    return list(dict.fromkeys(out))


CHECKS = (
    Check(
        code="ANON001",
        name="author-identity",
        severity="error",
        summary="The paper is not anonymous: the running header is the camera-ready one (\"Published as ...\"), "
        "or nothing marks review mode (no review header, no line-number ruler, no \"Anonymous authors\"), or the "
        "author block between the title and the abstract shows e-mail addresses (including `{jane,john}@uni.edu` "
        "and `jane [at] uni.edu` forms), affiliations or names. The template's \"Anonymous authors / Paper under "
        "double-blind review\" block passes. Outside the author block: an e-mail address anywhere in the text "
        "(footnotes, figures, the running header) or in a `mailto:` link, each with its page; a home-folder path "
        "naming a user (`/home/jdoe/`, `C:\\Users\\jdoe\\`, as in a terminal shown in a figure); names in the "
        "running header (\"Doe et al.\", \"J. Doe\", two or more names); a page-1 `\\thanks` footnote naming an "
        "affiliation, two or more people, or where the work was done. Policy: role mailboxes (contact@, info@), "
        "example addresses (example.com, .example, .invalid) and addresses inside the reference list (a cited "
        "entry's contact) pass; generic user names (user, ubuntu, jovyan) pass.",
        why="SCOPE CFP: \"you should not include author names, author affiliations, or acknowledgements in your "
        "submission\"; ICLR template: \"Authors must not appear in the submitted version\".",
        fix="Remove `\\iclrfinalcopy` (review mode hides the \\author{} block and prints the line numbers).",
        params={
            "anonymous_placeholders": "author-block lines that are the anonymous placeholder (case and punctuation "
            "ignored); with one present only e-mail addresses count as identity",
            "affiliation_words": "words that mark an affiliation in the author block (University, Institute, ...)",
            "generic_email_locals": "mailbox names of roles, not people (contact, info, support): an address "
            "outside the author block with one of them passes",
            "placeholder_email_domains": "domains of example addresses (example.com and subdomains; a bare name is "
            "a TLD: example, invalid): such addresses pass",
            "generic_users": "user names in home-folder paths (/home/NAME/) that name nobody (user, ubuntu, jovyan)",
        },
        example='the paper is not anonymous: the running header on page 1 reads "Published as a conference paper at '
        'ICLR 2025" (camera-ready mode: \\iclrfinalcopy); the author block on page 1 (between the title and the '
        'abstract) shows e-mail address "{hippo,brain,jen}@cs.cranberry-lemon.edu"; names "Antiquus S. Hippocampus", '
        '"Natalia Cerebro", "Amelie P. Amygdale"; affiliations "Department of Computer Science", '
        '"Cranberry-Lemon University"',
        run=author_identity,
    ),
    Check(
        code="ANON002",
        name="acknowledgements",
        severity="error",
        summary="An Acknowledgements / Acknowledgments heading anywhere in the paper (any case, small caps, "
        "numbered or not, before or after the References, or a bold run-in paragraph heading). The template's own "
        "placeholder section counts. Without a heading: a thanks or funding sentence in the body, a footnote or "
        "after the conclusion (\"We thank\", \"We would like to thank\", \"The authors are grateful\", \"We "
        "acknowledge the support\", \"This work was supported/funded by\", \"This project has received "
        "funding\"), the placeholder \"We thank the reviewers\" included. Sentences about someone else's funding "
        "(\"Their project was supported by\", \"its authors thank\"), \"we acknowledge that\" (a limitation), code "
        "listings and the reference list pass.",
        why="SCOPE CFP: \"you should not include author names, author affiliations, or acknowledgements in your "
        "submission\". Thanks name advisors, colleagues and grants, which identify the authors.",
        fix="Delete `\\subsubsection*{Acknowledgments}` and its paragraph from the submission.",
        params={"headings": "heading words that open an acknowledgements section (a heading starting with one counts)"},
        example='an acknowledgements section "ACKNOWLEDGMENTS" on page 6 (before the REFERENCES): a double-blind '
        "submission thanks nobody",
        run=acknowledgements,
    ),
    Check(
        code="ANON003",
        name="identifying-link",
        severity="error",
        summary="A URL, from the text layer (joined where `\\url` wrapped it across lines) or from a link "
        "annotation, that the paper presents as its own (\"our code is available at\", \"we release\", \"Code:\", "
        "a footnote on such a sentence, a link in the abstract) and that points at an identifiable owner: an "
        "account on github.com, gitlab.com, huggingface.co and the like, a personal site (*.github.io, "
        "sites.google.com, ~user pages), an institution's site, or any other non-anonymised host. Anonymised "
        "services (anonymous.4open.science, OSF view-only links) pass. A URL set as text inside a figure (TikZ, "
        "matplotlib PDF) is read like running text, with the figure's caption as the claim (\"our released "
        "toolkit\"). Policy: a link the text merely cites (a "
        "library, a dataset, a notation guide) is not reported, because the checker cannot tell a third party's "
        "account from the authors' own; set `report_unclaimed: true` to list every unclaimed account or personal-site "
        "link too, as a warning.",
        why="SCOPE CFP: \"avoid providing any other identifying information (even in the supplementary material "
        "or in the shared Github code link)\".",
        fix="Use an anonymised mirror (https://anonymous.4open.science) or supplementary material for the code; "
        "put the real link back in the camera-ready version.",
        params={
            "anonymous_links": "regular expressions on host/path?query of links that are anonymised (they pass)",
            "anonymous_owner": "regular expression: an account or site name matching it is an anonymous one",
            "neutral_hosts": "hosts that identify nobody even when the paper claims the link (OpenReview)",
            "owner_hosts": "hosts whose first path segment is an account (github.com/USER), each with the path "
            "segments to skip first (huggingface.co/datasets/USER)",
            "personal_hosts": "host suffixes of personal sites (USER.github.io) and hosts whose path names the site "
            "(sites.google.com/view/NAME)",
            "institution_hosts": "regular expressions on the host of an institution's site (.edu, .ac.uk)",
            "report_unclaimed": "also report account and personal-site links that nothing claims, as warnings "
            "(default false)",
        },
        example="https://github.com/jdoe/scalable-optimizers-for-efficient-adaptation points at the account "
        "'jdoe' on github.com, presented as the paper's own (\"Our code is available\")",
        run=identifying_link,
    ),
    Check(
        code="ANON004",
        name="self-citation",
        severity="warning",
        summary="First-person self-citation in the text (the References excluded), in author-year or numeric "
        "style: \"in our previous work (Doe et al., 2023)\", \"we extend our earlier system [6]\", \"as we showed "
        "in [6]\", \"[6] is our prior work\". Sentences where \"we\" cite others (\"we follow Doe et al. (2023)\") "
        "pass.",
        why="SCOPE CFP: \"avoid providing any other identifying information\"; citing one's own work in the first "
        "person tells reviewers who wrote the paper.",
        fix="Cite your earlier work in the third person: \"Doe et al. (2023) showed\".",
        example='first-person self-citation "our previous work (Doe et al., 2023)" tells reviewers who the '
        "authors are",
        run=self_citation,
    ),
    Check(
        code="ANON005",
        name="metadata-author",
        severity="error",
        summary="The PDF's Info `/Author` or XMP `dc:creator` / `pdf:Author` holds a value that is not empty or "
        "an anonymous placeholder: hyperref's `pdfauthor`, or `pdfusetitle` copying the hidden \\author{} block. "
        "Beyond the author fields: `/Subject`, `/Keywords` and XMP `dc:subject`/`dc:description`/`pdf:Keywords` "
        "holding an e-mail address, \"by Jane Doe\" or \"Doe et al.\" (topic words pass), and the `/Author` of "
        "an included PDF figure (pdfTeX copies the figure's Info dictionary into the page).",
        why="SCOPE CFP: \"you should not include author names ... in your submission\"; reviewers see the "
        "metadata in any PDF viewer's document properties.",
        fix="`\\hypersetup{pdfauthor={}}` and no `pdfusetitle`; clear the author in the exporting tool.",
        params={"anonymous_values": "metadata values that name nobody (Anonymous, Anonymous Author(s), ...)"},
        example='the PDF metadata names the author: /Author "Jane Doe"',
        run=metadata_author,
    ),
)


# --- metadata values naming a person (shared with the supplementary-material checks) ----------


def metadata_people(metadata: dict, xmp: str, anonymous_values) -> List[Tuple[str, str]]:
    """(field, value) of the metadata of a PDF's Info dictionary and XMP packet that names
    someone, by ANON005's rules (`/Author`, XMP `dc:creator` and `pdf:Author`, then `/Subject`,
    `/Keywords` and XMP subjects), for a PDF that is not the paper (one inside the supplementary
    material)."""
    from types import SimpleNamespace

    accepted = {_plain(v) for v in anonymous_values}
    doc = SimpleNamespace(metadata=metadata, xmp=xmp, figure_metadata=())
    values = _author_values(doc)  # type: ignore[arg-type]
    named = [(where, value) for where, value in values if _plain(value) and _plain(value) not in accepted]
    return named + metadata_beyond_author(doc, accepted)  # type: ignore[arg-type]


# --- leaks outside the author block ----------------------------------------------------------
# ANON001: e-mail addresses anywhere (text and mailto: links), home-folder paths (a terminal or
# notebook inside a figure), names in the running header and in a \thanks footnote on page 1.
# ANON002: thanks and funding paragraphs without a heading. ANON003: a URL set inside a figure,
# claimed by the figure's caption. ANON005: /Subject, /Keywords and the metadata of embedded
# figures. Each is a function of the model and the check's own parameters; the run functions
# above call them through one line each.

#: where an address stands, for the message
_PLACES = {"header": "in the running header", "footnote": "in a footnote", "text": "in the text",
           "link": "in a mailto: link"}
#: a page-1 footnote marked with a symbol (\thanks in \title prints one) that says this identifies
_THANKS_CUES = re.compile(r"\b(?:work\s+(?:was\s+)?(?:done|performed)\s+(?:while|during|at)|(?:during|while\s+on)\s+an?\s+internship|"
                          r"corresponding\s+authors?|correspondence\s+to|affiliated\s+with|now\s+at)\b", re.I)
_ET_AL = re.compile(r"\b[A-Z][\w'\u2019\-]{1,40}\s+et\s+al\b")
_INITIAL_NAME = re.compile(r"(?<![\w.])[A-Z]\.\s?(?:[A-Z]\.\s?){0,2}[A-Z][a-z'\u2019\-]{1,40}\b")


def identity_elsewhere(doc: Document, s: Structure, options, block: Sequence[Line], header_patterns) -> Iterator[Finding]:
    """ANON001 findings outside the author block, each with its page and place."""
    yield from _emails_elsewhere(doc, s, options, {id(ln) for ln in block})
    yield from _user_paths_in_text(doc, s, options)
    yield from _names_in_header(s, header_patterns)
    yield from _thanks_footnote(s, options)


def _page_text_lines(doc: Document, s: Structure) -> Iterator[Tuple[int, str, Line]]:
    """(page, place, line) for every horizontal line outside the reference list: body lines
    (text, footnotes, figures) and the running header."""
    references = _references_range(s)
    size = s.body_font_size or 10.0
    for page in doc.pages:
        for role, ln in s.furniture[page.number - 1]:
            if role == HEADER:
                yield page.number, "header", ln
        for ln in s.body_lines[page.number - 1]:
            if _in_range(references, page.number, ln):
                continue
            place = "footnote" if ln.size <= FOOTNOTE_SIZE_RATIO * size and ln.bbox[1] > 0.6 * page.height else "text"
            yield page.number, place, ln


def _emails_elsewhere(doc: Document, s: Structure, options, skip: set) -> Iterator[Finding]:
    locals_ = options.get("generic_email_locals", ())
    domains = options.get("placeholder_email_domains", ())
    seen = set()
    for page, place, ln in _page_text_lines(doc, s):
        if id(ln) in skip or ("@" not in ln.text and "at" not in ln.text.lower()):
            continue
        for address in identity.emails(ln.text):
            key = (page, address.lower())
            if key in seen or identity.email_names_nobody(address, locals_, domains):
                continue
            seen.add(key)
            yield _email_finding(address, page, place, ln.bbox)
    references = _references_range(s)
    for page in doc.pages:
        for link in page.links:
            target = link.uri.strip()
            if not target.lower().startswith("mailto:"):
                continue
            address = target[7:].split("?", 1)[0].strip()
            if not address or (page.number, address.lower()) in seen:
                continue
            if identity.email_names_nobody(address, locals_, domains) or _link_in_references(references, page.number, link):
                continue
            seen.add((page.number, address.lower()))
            yield _email_finding(address, page.number, "link", link.bbox)


def _link_in_references(references, page: int, link) -> bool:
    if references is None:
        return False
    here = (page, link.bbox[1])
    start, stop = references
    return here >= start and (stop is None or here < stop)


def _email_finding(address: str, page: int, place: str, box) -> Finding:
    return Finding(
        "ANON001",
        f'the e-mail address "{address}" {_PLACES[place]} on page {page} identifies an author',
        page=page,
        bbox=rounded_bbox(box),
        hint="Remove the address (\"Correspondence to ...\" footnotes, `\\href{mailto:...}` links) from the "
        "submission; put it back in the camera-ready version.",
        data={"mode": None, "emails": [address], "place": place},
    )


def _user_paths_in_text(doc: Document, s: Structure, options) -> Iterator[Finding]:
    generic = tuple(options.get("generic_users", ()))
    seen = set()
    for page, place, ln in _page_text_lines(doc, s):
        if "/" not in ln.text and "\\" not in ln.text:
            continue
        for _, user, path in identity.user_paths(ln.text, generic):
            if (page, user) in seen:
                continue
            seen.add((page, user))
            yield Finding(
                "ANON001",
                f'the path "{path}" on page {page} names the user "{user}" (a terminal, log or notebook shown '
                "in the paper)",
                page=page,
                bbox=rounded_bbox(ln.bbox),
                hint="Redraw the figure or listing with a neutral path (`~/`, `/home/user/`) or crop the path out.",
                data={"mode": None, "user": user, "path": path, "place": place},
            )


def _names_in_header(s: Structure, patterns) -> Iterator[Finding]:
    """Names in the running header: the part of a header line that is not the venue's review or
    camera-ready text, when it reads "Doe et al.", an initial and a surname, or two or more names."""
    compiled = [re.compile(p) for p in patterns]
    seen = set()
    for page, lines in enumerate(s.furniture, start=1):
        for role, ln in lines:
            if role != HEADER:
                continue
            rest = ln.text
            for p in compiled:
                rest = p.sub(" ", rest)
            rest = " ".join(rest.split())
            names = _header_people(rest)
            if not names or tuple(names) in seen:
                continue
            seen.add(tuple(names))
            yield Finding(
                "ANON001",
                f'the running header on page {page} names the authors: {_some("name", names)}',
                page=page,
                bbox=rounded_bbox(ln.bbox),
                hint="Remove the names from the running header (`\\rhead{}`, `\\markboth`, `\\fancyhead`): in review "
                "mode the template's header is the only one.",
                data={"mode": None, "header": ln.text, "names": names},
            )


def _header_people(text: str) -> List[str]:
    if not text:
        return []
    found = [m.group() + "." for m in _ET_AL.finditer(text)]
    found += [m.group() for m in _INITIAL_NAME.finditer(text)]
    names = _names(text)
    if len(names) >= 2:
        found += names
    return list(dict.fromkeys(found))


def _thanks_footnote(s: Structure, options) -> Iterator[Finding]:
    """A footnote on page 1 marked with a symbol (\\thanks in \\title or \\author) that names a
    person or an affiliation, or says where the work was done."""
    if not s.body_lines:
        return
    lines = s.body_lines[0]
    size = s.body_font_size or 10.0
    affiliation = _word_pattern(tuple(options.get("affiliation_words", ())))
    for i, ln in enumerate(lines):
        marker = _leading_marker(ln) if ln.size <= FOOTNOTE_SIZE_RATIO * size else None
        if marker is None or marker.isdigit():
            continue
        group = [ln]
        for nxt in lines[i + 1: i + 6]:
            if nxt.size > FOOTNOTE_SIZE_RATIO * size or _leading_marker(nxt):
                break
            group.append(nxt)
        text = " ".join(g.text for g in group)[1:].strip()
        plain = identity.EMAIL.sub(" ", text)
        reasons = []
        if affiliation is not None:
            reasons += [_clean(m.group()) for m in affiliation.finditer(plain)]
        cue = _THANKS_CUES.search(plain)
        if cue:
            reasons.append(cue.group())
        names = [n for n in _names(plain) if not (affiliation and affiliation.search(n))]
        if len(names) < 2:
            names = []  # one capitalised pair ("Project Leader") is not evidence of a name
        if not reasons and not names:
            continue
        yield Finding(
            "ANON001",
            f'a \\thanks footnote on page 1 identifies the authors: "{_clip(text, 120)}"',
            page=1,
            bbox=rounded_bbox(_union(g.bbox for g in group)),
            hint="Remove the \\thanks{...} (affiliations, \"work done at\", names) from the title and author block; "
            "put it back in the camera-ready version.",
            data={"mode": None, "text": text, "names": names, "affiliations": reasons},
        )


# ANON002: thanks and funding without a heading

_THANKS = re.compile(
    # (a footnote mark may touch the first word: "1We thank")
    # "We thank", "We would like to thank", "The authors are grateful to", "I gratefully acknowledge the support"
    r"(?=[wti])(?<![^\W\d_])(?:we|the\s+authors?|i)\s+(?:(?:would|also|further|sincerely|gratefully|warmly|especially|kindly|wish|like|"
    r"to|want)\s+){0,4}(?:thank|are\s+(?:(?:very|deeply|especially|most|also)\s+)?(?:grateful|indebted|thankful)|"
    r"acknowledge[sd]?\s+(?:(?:the|generous|financial|partial|kind|helpful|funding|computing|compute|computational)\s+){0,3}"
    r"(?:support|funding|help|assistance|resources|grants?|access|discussions|contributions|comments))\b"
    # "This work was (partially) supported by", "This research is funded by", "This project has received funding"
    r"|(?=[to])(?<![^\W\d_])(?:this|the\s+present|our)\s+(?:work|research|project|study|paper|material)\s+(?:(?:was|is|has\s+been|were|"
    r"have\s+been|is\s+based\s+(?:up)?on\s+work)\s+)?(?:(?:partially|partly|in\s+part|generously|financially|also|"
    r"kindly)\s+)?(?:supported|funded|sponsored|financed)\s+(?:in\s+part\s+)?by\b"
    r"|(?=[to])(?<![^\W\d_])(?:this|the\s+present|our)\s+(?:work|research|project)\s+(?:has\s+)?received\s+(?:financial\s+)?funding\b",
    re.I,
)


def unheaded_acknowledgements(doc: Document, s: Structure, headed: Sequence[Tuple[int, BBox, str]]) -> Iterator[Finding]:
    """ANON002 for thanks and funding sentences outside any Acknowledgements section: in the body, a
    footnote, after the conclusion (the reference list excluded)."""
    references = _references_range(s)
    sections = _ack_sections(s, headed)
    lines: List[Line] = []
    pages: List[int] = []
    for page, body in enumerate(s.body_lines, start=1):
        for ln in identity.reading_order(body, doc.pages[page - 1].width):
            if _in_range(references, page, ln) or any(_in_range(r, page, ln) for r in sections):
                continue
            if all(identity._is_mono(sp) for sp in ln.spans if sp.text.strip()):
                continue  # a code listing shows text, it thanks nobody
            lines.append(ln)
            pages.append(page)
    if not lines:
        return
    text = identity.flow(lines)
    seen = set()
    for m in _THANKS.finditer(text.text):
        i = text.line_at(m.start())
        sentence, _ = identity.sentence(text.text, m.start() + 1)  # +1: the sentence the match starts
        if i in seen or _third_party(sentence, m.group()):
            continue
        seen.add(i)
        sentence = re.match(r"[^.!?]{0,200}[.!?]?", text.text[m.start(): m.start() + 240]).group()  # the thanks
        yield Finding(
            "ANON002",
            f'acknowledgements without a heading on page {pages[i]}: "{_clip(sentence.strip(), 100)}": a '
            "double-blind submission thanks nobody",
            page=pages[i],
            bbox=rounded_bbox(lines[i].bbox),
            hint="Delete the thanks and funding sentences (the body, footnotes, after the conclusion) from the "
            "submission; add them back in the camera-ready version.",
            data={"heading": None, "text": sentence.strip()},
        )


def _third_party(sentence: str, phrase: str) -> bool:
    """"Doe et al. (2023) thank their annotators ..." is someone else's acknowledgement."""
    return bool(re.search(r"\b(?:their|his|her)\s+(?:work|research|project)\b", phrase, re.I))


def _ack_sections(s: Structure, headed: Sequence[Tuple[int, BBox, str]]):
    """(start, stop) of each headed acknowledgements section: to the next heading or the end."""
    out = []
    for page, box, _ in headed:
        start = (page, box[1])
        after = [(h.page, h.bbox[1]) for h in s.headings if (h.page, h.bbox[1]) > (page, box[1] + 1)]
        out.append((start, min(after, default=None)))
    return out


# ANON003: a URL set inside a figure, claimed by the caption

_CAPTION = re.compile(r"^(?:Figure|Fig\.)\s*\d{1,3}[:.]")
_CAPTION_CLAIM = re.compile(r"\b(?:our|my)\s+(?:[\w-]+\s+){0,2}?" + _NOUN + r"\b", re.I)
#: a caption stands at most this far below the figure text it describes
CAPTION_REACH = 300.0


def caption_claim(lines: Sequence[Line], index: int, size: float) -> Optional[str]:
    """When line `index` is text inside a figure (not body-size running text), the claim its
    caption makes ("Screenshot of our released toolkit"), or None."""
    line = lines[index]
    if abs(line.size - size) < 0.3:
        return None  # set like running text: not a figure's label (figure text is smaller or larger)
    for j in range(index + 1, min(len(lines), index + 80)):
        ln = lines[j]
        if ln.bbox[1] - line.bbox[3] > CAPTION_REACH:
            return None
        if _CAPTION.match(ln.text):
            caption = [ln]
            for nxt in lines[j + 1: j + 8]:
                if nxt.bbox[1] - caption[-1].bbox[3] > 0.8 * size or _CAPTION.match(nxt.text):
                    break
                caption.append(nxt)
            text = " ".join(c.text for c in caption)
            m = _CAPTION_CLAIM.search(text[:600]) or None
            found = m.group() if m else claim_phrase(text[:600], near=600)
            return f'the figure\'s caption "{" ".join(found.split())[:80]}"' if found else None
    return None


# ANON005: people in /Subject, /Keywords, XMP subjects and the metadata of embedded figures

_XMP_SUBJECT = re.compile(r"<(dc:subject|dc:description|pdf:Keywords)\b[^>]{0,200}>", re.I)
_BY_NAME = re.compile(r"\b(?:by|authors?|written\s+by|prepared\s+by|submitted\s+by|contact)\s*:?\s+"
                      r"[A-Z][\w'\u2019\-]{1,40}\s+(?:[A-Z]\.\s+)?[A-Z][\w'\u2019\-]{1,40}")


def metadata_beyond_author(doc: Document, accepted) -> List[Tuple[str, str]]:
    """(field, value) of metadata other than /Author that names a person: /Subject, /Keywords and
    XMP subjects holding an e-mail address, "by Jane Doe" or "Doe et al."; and the /Author of an
    embedded figure (pdfTeX copies a figure's Info dictionary into the page as PTEX.InfoDict)."""
    out = []
    candidates = [("/Subject", doc.metadata.get("subject") or ""), ("/Keywords", doc.metadata.get("keywords") or "")]
    xmp = doc.xmp or ""
    for m in _XMP_SUBJECT.finditer(xmp):
        end = xmp.find("</" + m.group(1), m.end(), m.end() + 4000)
        if end > 0:
            value = html.unescape(_TAGS.sub(" ", xmp[m.end():end]))
            candidates.append((f"XMP {m.group(1)}", " ".join(value.split())))
    for where, value in candidates:
        value = value.strip()
        if value and (identity.emails(value) or _BY_NAME.search(value) or _ET_AL.search(value)):
            out.append((where, value))
    for page, field_name, value in getattr(doc, "figure_metadata", ()):
        if _plain(value) and _plain(value) not in accepted:
            out.append((f"figure on page {page} {field_name}", value))
    return list(dict.fromkeys(out))
