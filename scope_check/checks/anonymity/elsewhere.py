"""Leaks outside the author block, one hook in each check's run function: ANON001 e-mail addresses
anywhere (text and `mailto:` links), home-folder paths (a terminal or notebook inside a figure),
names in the running header and in a `\\thanks` footnote on page 1; ANON002 thanks and funding
sentences without a heading; ANON003 a URL set inside a figure, claimed by the figure's caption;
ANON005 `/Subject`, `/Keywords` and the metadata of included figures. `metadata_people` applies
ANON005's rules to a PDF that is not the paper (one inside the supplementary material)."""

from __future__ import annotations

import html
import re
from typing import Iterator, List, Optional, Sequence, Tuple

from scope_check.analysis import addresses as identity
from scope_check.checks.anonymity.common import (
    FOOTNOTE_SIZE_RATIO, NOUN, TAGS, after_first, claim_phrase, clean_name, first_letters, in_range, leading_marker,
    metadata_author_values, outside, person_names, references_range, some, word_pattern,
)
from scope_check.checks.anonymity.common import plain as _plain
from scope_check.checks.helpers import clipped as _clip
from scope_check.checks.helpers import union as _union
from scope_check.model.document import Document, Line
from scope_check.model.findings import BBox, Finding, rounded_bbox
from scope_check.analysis.structure import HEADER, Structure
from scope_check.safety.safe_patterns import compile_pattern, lazy


# --- metadata values naming a person (shared with the supplementary-material checks) ----------


def metadata_people(metadata: dict, xmp: str, anonymous_values) -> List[Tuple[str, str]]:
    """(field, value) of the metadata of a PDF's Info dictionary and XMP packet that names
    someone, by ANON005's rules (`/Author`, XMP `dc:creator` and `pdf:Author`, then `/Subject`,
    `/Keywords` and XMP subjects), for a PDF that is not the paper (one inside the supplementary
    material)."""
    from types import SimpleNamespace

    accepted = {_plain(v) for v in anonymous_values}
    doc = SimpleNamespace(metadata=metadata, xmp=xmp, figure_metadata=())
    values = metadata_author_values(doc)  # type: ignore[arg-type]
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
_THANKS_CUES = lazy(r"\b(?:work\s+(?:was\s+)?(?:done|performed)\s+(?:while|during|at)|(?:during|while\s+on)\s+an?\s+internship|"
                          r"corresponding\s+authors?|correspondence\s+to|affiliated\s+with|now\s+at)\b", re.I)
_ET_AL = lazy(r"\b[A-Z][\w'\u2019\-]{1,40}\s+et\s+al\b")
_INITIAL_NAME = lazy(r"(?<![\w.])[A-Z]\.\s?(?:[A-Z]\.\s?){0,2}[A-Z][a-z'\u2019\-]{1,40}\b")


def identity_elsewhere(doc: Document, s: Structure, options, block: Sequence[Line], header_patterns) -> Iterator[Finding]:
    """ANON001 findings outside the author block, each with its page and place."""
    yield from _emails_elsewhere(doc, s, options, {id(ln) for ln in block})
    yield from _user_paths_in_text(doc, s, options)
    yield from _names_in_header(s, header_patterns)
    yield from _thanks_footnote(s, options)


def _page_text_lines(doc: Document, s: Structure, may_hold) -> Iterator[Tuple[int, str, Line]]:
    """(page, place, line) for every horizontal line outside the reference list whose text
    `may_hold` what is looked for (a cheap test, asked first): body lines (text, footnotes,
    figures) and the running header."""
    references = references_range(s)
    size = s.body_font_size or 10.0
    for page in doc.pages:
        for role, ln in s.furniture[page.number - 1]:
            if role == HEADER and may_hold(ln.text):
                yield page.number, "header", ln
        for ln in s.body_lines[page.number - 1]:
            if not may_hold(ln.text) or in_range(references, page.number, ln):
                continue
            place = "footnote" if ln.size <= FOOTNOTE_SIZE_RATIO * size and ln.bbox[1] > 0.6 * page.height else "text"
            yield page.number, place, ln


#: the "at" of an address written "jane [at] uni [dot] edu", as identity.EMAIL reads it
_BRACKETED_AT = lazy(r"[\[{(<]\s?at\s?[\]})>]", re.I)


def may_hold_email(text: str) -> bool:
    """False when identity.emails(text) finds nothing for sure: each of its forms holds an @ or a
    bracketed "at" (a cheap test that spares most lines the address pattern; the bracket, looked
    for first, spares most of the others the "at" pattern)."""
    return "@" in text or (("(" in text or "[" in text or "{" in text or "<" in text)
                           and _BRACKETED_AT.search(text) is not None)


def may_hold_home_folder(text: str) -> bool:
    """False when identity.user_paths(text) finds nothing for sure: a home folder is /home/,
    /Users/, /users/, C:\\Users\\ or C:\\Documents and Settings\\ (forward slashes too)."""
    return ("/" in text or "\\" in text) and ("home" in text or "sers" in text or "Documents and Settings" in text)


def _emails_elsewhere(doc: Document, s: Structure, options, skip: set) -> Iterator[Finding]:
    locals_ = options["generic_email_locals"]
    domains = options["placeholder_email_domains"]
    seen = set()
    for page, place, ln in _page_text_lines(doc, s, may_hold_email):
        if id(ln) in skip:
            continue
        for address in identity.emails(ln.text):
            key = (page, address.lower())
            if key in seen or identity.email_names_nobody(address, locals_, domains):
                continue
            seen.add(key)
            yield _email_finding(address, page, place, ln.bbox)
    references = references_range(s)
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
        fix="email",
        data={"mode": None, "emails": [address], "place": place},
    )


def _user_paths_in_text(doc: Document, s: Structure, options) -> Iterator[Finding]:
    generic = tuple(options["generic_users"])
    seen = set()
    for page, place, ln in _page_text_lines(doc, s, may_hold_home_folder):
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
                fix="user-path",
                data={"mode": None, "user": user, "path": path, "place": place},
            )


def _names_in_header(s: Structure, patterns) -> Iterator[Finding]:
    """Names in the running header: the part of a header line that is not the venue's review or
    camera-ready text, when it reads "Doe et al.", an initial and a surname, or two or more names."""
    compiled = [compile_pattern(p) for p in patterns]
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
                f'the running header on page {page} names the authors: {some("name", names)}',
                page=page,
                bbox=rounded_bbox(ln.bbox),
                fix="header-names",
                data={"mode": None, "header": ln.text, "names": names},
            )


def _header_people(text: str) -> List[str]:
    if not text:
        return []
    found = [m.group() + "." for m in _ET_AL.finditer(text)]
    found += [m.group() for m in _INITIAL_NAME.finditer(text)]
    names = person_names(text)
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
    affiliation = word_pattern(tuple(options["affiliation_words"]))
    for i, ln in enumerate(lines):
        marker = leading_marker(ln) if ln.size <= FOOTNOTE_SIZE_RATIO * size else None
        if marker is None or marker.isdigit():
            continue
        group = [ln]
        for nxt in lines[i + 1: i + 6]:
            if nxt.size > FOOTNOTE_SIZE_RATIO * size or leading_marker(nxt):
                break
            group.append(nxt)
        text = " ".join(g.text for g in group)[1:].strip()
        plain = identity.EMAIL.sub(" ", text)
        reasons = []
        if affiliation is not None:
            reasons += [clean_name(m.group()) for m in affiliation.finditer(plain)]
        cue = _THANKS_CUES.search(plain)
        if cue:
            reasons.append(cue.group())
        names = [n for n in person_names(plain) if not (affiliation and affiliation.search(n))]
        if len(names) < 2:
            names = []  # one capitalised pair ("Project Leader") is not evidence of a name
        if not reasons and not names:
            continue
        yield Finding(
            "ANON001",
            f'a \\thanks footnote on page 1 identifies the authors: "{_clip(text, 120)}"',
            page=1,
            bbox=rounded_bbox(_union(g.bbox for g in group)),
            fix="thanks",
            data={"mode": None, "text": text, "names": names, "affiliations": reasons},
        )


# ANON002: thanks and funding without a heading

#: who thanks ("We thank", "The authors are grateful") and what was funded ("This work was supported")
_THANKERS = ("we", r"the\s+authors?", "i")
_FUNDED = ("this", r"the\s+present", "our")
_THANKS = lazy(
    # the first letter of every form matched by one plain class (the matcher then skips at C speed to
    # the next w, t, i or o: about 2.5 x fewer cycles than a case-insensitive start, the same matches),
    # no letter before it (a footnote mark may touch the first word: "1We thank"), then each form
    # with its first letter checked behind (common.word_start)
    first_letters(_THANKERS + _FUNDED) + r"(?<![^\W\d_].)(?i:"
    # "We thank", "We would like to thank", "The authors are grateful to", "I gratefully acknowledge the support"
    + after_first(_THANKERS) + r"\s+(?:(?:would|also|further|sincerely|gratefully|warmly|especially|kindly|wish|like|"
    r"to|want)\s+){0,4}(?:thank|are\s+(?:(?:very|deeply|especially|most|also)\s+)?(?:grateful|indebted|thankful)|"
    r"acknowledge[sd]?\s+(?:(?:the|generous|financial|partial|kind|helpful|funding|computing|compute|computational)\s+){0,3}"
    r"(?:support|funding|help|assistance|resources|grants?|access|discussions|contributions|comments))\b"
    # "This work was (partially) supported by", "This research is funded by", "This project has received funding"
    r"|" + after_first(_FUNDED) + r"\s+(?:work|research|project|study|paper|material)\s+(?:(?:was|is|has\s+been|were|"
    r"have\s+been|is\s+based\s+(?:up)?on\s+work)\s+)?(?:(?:partially|partly|in\s+part|generously|financially|also|"
    r"kindly)\s+)?(?:supported|funded|sponsored|financed)\s+(?:in\s+part\s+)?by\b"
    r"|" + after_first(_FUNDED) + r"\s+(?:work|research|project)\s+(?:has\s+)?received\s+(?:financial\s+)?funding\b"
    r")"
)


def unheaded_acknowledgements(doc: Document, s: Structure, headed: Sequence[Tuple[int, BBox, str]],
                              in_order: Sequence[Sequence[Line]]) -> Iterator[Finding]:
    """ANON002 for thanks and funding sentences outside any Acknowledgements section: in the body, a
    footnote, after the conclusion (the reference list excluded). `in_order`: each page's body lines
    (of `s`) in reading order (common.reading_pages)."""
    references = references_range(s)
    sections = _ack_sections(s, headed)

    def running_text():
        for page, lines in enumerate(in_order, start=1):
            here = []
            lines = outside(references, page, lines)
            for r in sections:
                lines = outside(r, page, lines)
            for ln in lines:
                if _code_line(ln):
                    continue  # a code listing shows text, it thanks nobody
                here.append(ln)
            yield page, here

    seen = set()
    scanner = identity.Scanner()
    for w in identity.windows(running_text(), identity.flow_window(doc)):
        yield from _thanks_in(w, scanner, seen)


def _code_line(ln: Line) -> bool:
    """Every span of the line that shows text is set in typewriter type (a line of code)."""
    for sp in ln.spans:
        if sp.text.strip() and not identity.is_mono(sp):
            return False
    return True


def _thanks_in(w, scanner, seen: set) -> Iterator[Finding]:
    """ANON002 for the thanks sentences of a window of the running text (identity.windows)."""
    text, pages, lines = w.flow, w.pages, w.flow.lines
    for m in scanner.finditer(_THANKS, w):
        i = text.line_at(m.start())
        sentence, _ = identity.sentence(text.text, m.start() + 1)  # +1: the sentence the match starts
        if w.first + i in seen or _third_party(sentence, m.group()):
            continue
        seen.add(w.first + i)
        sentence = re.match(r"[^.!?]{0,200}[.!?]?", text.text[m.start(): m.start() + 240]).group()  # the thanks
        yield Finding(
            "ANON002",
            f'acknowledgements without a heading on page {pages[i]}: "{_clip(sentence.strip(), 100)}": a '
            "double-blind submission thanks nobody",
            page=pages[i],
            bbox=rounded_bbox(lines[i].bbox),
            fix="unheaded",
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

_CAPTION = lazy(r"^(?:Figure|Fig\.)\s*\d{1,3}[:.]")
_CAPTION_CLAIM = lazy(r"\b(?:our|my)\s+(?:[\w-]+\s+){0,2}?" + NOUN + r"\b", re.I)
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

_XMP_SUBJECT = lazy(r"<(dc:subject|dc:description|pdf:Keywords)\b[^>]{0,200}>", re.I)
_BY_NAME = lazy(r"\b(?:by|authors?|written\s+by|prepared\s+by|submitted\s+by|contact)\s*:?\s+"
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
            value = html.unescape(TAGS.sub(" ", xmp[m.end():end]))
            candidates.append((f"XMP {m.group(1)}", " ".join(value.split())))
    for where, value in candidates:
        value = value.strip()
        if value and (identity.emails(value) or _BY_NAME.search(value) or _ET_AL.search(value)):
            out.append((where, value))
    for page, field_name, value in getattr(doc, "figure_metadata", ()):
        if _plain(value) and _plain(value) not in accepted:
            out.append((f"figure on page {page} {field_name}", value))
    return list(dict.fromkeys(out))
