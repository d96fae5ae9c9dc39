"""What the document model means, read once per (document, rule set) and shared by every check:
which lines are page furniture (running header, page number, review line-number ruler, the
template's notice below the text block) and which are body; the body's font size and baseline pitch; the headings; where the References start; how
many pages come before them.

Everything here is a pure function of the document and the rule set's `template` and `structure`
sections; `analyse` memoises the result on the document.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence as SequenceABC
from functools import lru_cache
from dataclasses import dataclass
from typing import Iterable, List, Mapping, Optional, Sequence, Tuple

from scope_check.model.document import Document, Line, Page
from scope_check.model.findings import BBox
from scope_check.config.rules import RuleSet
from scope_check.model.packed_pages import is_packed

# Roles of page furniture: ink the template itself puts outside the text block.
HEADER = "header"
RULER = "ruler"
PAGE_NUMBER = "page-number"
FOOTER = "footer"  # the template's notice below the block (NeurIPS page 1: "Submitted to ...")
BODY = "body"

# How far above the text block a running header sits at least (ICLR: 44 pt), how far below it a
# page number sits (ICLR: 22 pt) and how far off centre it may be: the template section's
# header_min_distance, footer_min_distance and footer_centre_tolerance (rules.TEMPLATE).
#: a review ruler draws many numbers on a page; fewer is not a ruler
RULER_MIN_LINES = 5
#: a heading is at least this much larger than the body text, or bold, or in small caps
HEADING_SIZE_RATIO = 1.08
HEADING_MAX_WORDS = 10
#: horizontal tolerance for "starts at the left text edge", in points
EDGE_TOLERANCE = 3.0
#: a heading has extra space above it: its baseline is at least this many body sizes below the
#: line above it (running text sits 1.1 sizes apart; \section adds about 2 sizes, a new paragraph 0.6)
HEADING_MIN_PITCH = 1.3

_NUMBERING = re.compile(r"^(?:(?:\d+|[A-Z]|[IVXLC]+)(?:\.\d+)*\.?|§)\s+(?=\S)")
_LETTER_SECTION = re.compile(r"^[A-Z](?:\.\d+)*\.?\s+\S")
_DIGIT_SECTION = re.compile(r"^\d+(?:\.\d+)*\.?\s+\S")
_BOLD = re.compile(r"bold|medi|semibold|heavy|black|demi", re.I)
_TOC_PAGE = re.compile(r"^[.\s\u00b7\u2026]*(?:\d{1,4}|[ivxlcdm]{1,6})$", re.I)
_ROMAN_OR_DIGITS = re.compile(r"^(?:\d{1,4}|[ivxlcdm]{1,6})$", re.I)


@dataclass(frozen=True)
class Heading:
    page: int
    bbox: BBox
    text: str  # as printed, e.g. "6 FINAL INSTRUCTIONS"
    key: str  # numbering stripped, case-folded: "final instructions"
    size: float  # its largest glyph size

    @property
    def title(self) -> str:
        """The heading without its numbering, as printed."""
        return _NUMBERING.sub("", self.text, count=1)


@dataclass(frozen=True)
class Statement:
    """A statement the rule set lists a kind of (structure.statements): ethics, reproducibility, AI
    use, a checklist, ... It runs from its heading to the next heading at least as large (or the
    References, or the appendix)."""

    kind: str  # a key of structure.statements / statement_headings: "ai_use"
    heading: Heading
    end: Optional[Heading]  # the heading that ends it; None: it runs to the end of the document
    last_page: int
    length: float  # the height its lines cover, in text-block heights (per column): 1.0 is a full page
    place: str  # before_references | after_references (a paper without References: before_references)
    counted: bool  # it stands before the end of the counted body


@dataclass(frozen=True)
class Structure:
    body_lines: Tuple[Tuple[Line, ...], ...]  # per page, in reading order (top to bottom)
    furniture: Tuple[Tuple[Tuple[str, Line], ...], ...]  # per page: (role, line)
    body_font_size: Optional[float]  # over the whole document, to find headings (FONT001 judges geometry.typography)
    headings: Tuple[Heading, ...]
    references: Optional[Heading]
    body_end: Optional[Heading]  # where the counted body stops: References, an exempt section, or
    # without a References heading the appendix (the call for papers excludes it)
    excluded: Tuple[Heading, ...]  # exempt sections just before the References
    body_pages: int
    appendix_before_references: Optional[Heading]
    appendix_counted: bool  # the appendix before the References counts (structure.appendix_counts)
    statements: Tuple["Statement", ...]  # the statements found, when the rule set lists any (structure.statements)
    review_ruler_pages: Tuple[int, ...]
    header_texts: Tuple[Tuple[int, str], ...]  # (page, running-header text)
    footer_texts: Tuple[Tuple[int, str], ...] = ()  # (page, text of the template's notice below the block)


def analyse(doc: Document, rules: RuleSet) -> Structure:
    """The structure of `doc` under `rules`, computed once per document and rule set."""
    key = ("structure", rules.template, rules.structure)
    return doc.derived(key, lambda: _analyse(doc, rules.template, rules.structure))


def _analyse(doc: Document, template: Mapping, vocabulary: Mapping) -> Structure:

    packed = is_packed(doc)  # a long document: keep where the lines are, not the lines (flat memory)
    furniture: List = []
    body: List = []
    ruler_pages: List[int] = []
    headers: List[Tuple[int, str]] = []
    footers: List[Tuple[int, str]] = []
    last_number: Optional[int] = None  # the ruler's last line number so far (a cumulative ruler goes on)
    weight: Counter = Counter()  # characters per size, counted in this pass (a packed page is read once)
    for page in doc.pages:
        roles = classify(page, template, last_number)
        _weigh(weight, (ln for r, ln in roles if r == BODY))
        if packed:
            furniture.append(tuple((r, i) for i, (r, _) in enumerate(roles) if r != BODY))
            body.append(array("I", [i for i, (r, _) in enumerate(roles) if r == BODY]))
        else:
            furniture.append(tuple((r, ln) for r, ln in roles if r != BODY))
            body.append(tuple(ln for r, ln in roles if r == BODY))
        numbers = [n for r, ln in roles if r == RULER for n in _numbers(ln)]
        if numbers:
            ruler_pages.append(page.number)
            last_number = max(numbers)
        headers.extend((page.number, ln.text) for r, ln in roles if r == HEADER)
        footers.extend((page.number, ln.text) for r, ln in roles if r == FOOTER)
    if packed:
        body, furniture = _BodyLines(doc.pages, body), _Furniture(doc.pages, furniture)
    size = weight.most_common(1)[0][0] if weight else None  # the size most body characters are set in
    headings = tuple(find_headings(doc.pages, body, size))
    if vocabulary["statements"]:
        headings = _with_statement_headings(headings, doc.pages, body, size, template, vocabulary)
    references = _first(headings, vocabulary["references_headings"])
    kinds = statement_kinds(headings, vocabulary)
    excluded = _exempt_run(headings, references, vocabulary["exempt_sections"], kinds, vocabulary["statements"])
    body_end = excluded[0] if excluded else references
    if body_end is None:
        body_end = _first_of(_first_appendix(headings, vocabulary["appendix_headings"]),
                             _first_statement_after(headings, kinds, vocabulary["statements"]))
    appendix = _appendix_before(headings, body_end, vocabulary["appendix_headings"])
    appendix_counted = True
    if appendix is not None and not vocabulary["appendix_counts"] and _section_level(appendix, headings):
        body_end, appendix_counted = appendix, False  # the venue counts main text only
    if body_end is None:
        body_pages = doc.page_count
    else:
        first_on_page = is_first_on_page(body_end, body[body_end.page - 1], doc.pages[body_end.page - 1], template)
        body_pages = body_end.page - 1 if first_on_page else body_end.page
    statements = _statements(headings, kinds, references, body_end, body, template, vocabulary)
    return Structure(
        body_lines=body if packed else tuple(body),
        furniture=furniture if packed else tuple(furniture),
        body_font_size=size,
        headings=headings,
        references=references,
        body_end=body_end,
        excluded=excluded,
        body_pages=body_pages,
        appendix_before_references=appendix,
        appendix_counted=appendix_counted,
        statements=statements,
        review_ruler_pages=tuple(ruler_pages),
        header_texts=tuple(headers),
        footer_texts=tuple(footers),
    )


class _BodyLines(SequenceABC):
    """`Structure.body_lines` of a packed document (scope_check/packed_pages.py): per page, the
    positions of its body lines in `page.lines`; indexing gives the page's own Line objects, read
    from the page (decoded if need be), so the structure keeps no page's text."""

    def __init__(self, pages: Sequence[Page], picks: Sequence[Sequence[int]]):
        self.pages, self.picks = pages, picks

    def __len__(self) -> int:
        return len(self.picks)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        lines = self.pages[index].lines
        return tuple([lines[i] for i in self.picks[index]])


class _Furniture(_BodyLines):
    """`Structure.furniture` of a packed document: per page, (role, position in `page.lines`)."""

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        lines = self.pages[index].lines
        return tuple([(role, lines[i]) for role, i in self.picks[index]])


# --- page furniture -------------------------------------------------------------------------


def classify(page: Page, template: Mapping, ruler_before: Optional[int] = None) -> List[Tuple[str, Line]]:
    """(role, line) for each horizontal line of the page; `ruler_before` is the last line number
    of the ruler on the pages before (None: none yet)."""
    x0, top, x1, bottom = template["text_block"]
    centre = (x0 + x1) / 2
    ruler_like = [ln for ln in page.lines if _is_ruler_number(ln, template)]
    ruler = set(map(id, ruler_like)) if _is_ruler(ruler_like, template["ruler"], ruler_before) else set()
    notice = template["footer"]  # its place, when the rule set gives one, and on the pages it names
    if "baseline" not in notice or page.number not in notice["pages"]:
        notice = None
    roles = []
    for ln in page.lines:
        if id(ln) in ruler:
            roles.append((RULER, ln))
        elif ln.bbox[3] <= top - template["header_min_distance"]:
            roles.append((HEADER, ln))
        elif (
            ln.bbox[1] >= bottom + template["footer_min_distance"]
            and _ROMAN_OR_DIGITS.match(ln.text)
            and abs((ln.bbox[0] + ln.bbox[2]) / 2 - centre) <= template["footer_centre_tolerance"]
        ):
            roles.append((PAGE_NUMBER, ln))
        elif notice and _is_notice(ln, notice, x0, x1, bottom):
            roles.append((FOOTER, ln))
        else:
            roles.append((BODY, ln))
    return roles


def _is_notice(line: Line, notice: Mapping, x0: float, x1: float, bottom: float) -> bool:
    """A line of the template's notice (the template section's `footer`): below the text block
    with its baseline in the notice's band, within the block's width, every glyph in the notice's
    size range. Its place and type make it the notice, whatever it says (a workshop's own line in
    that place is the notice too); its words tell the mode (`footer.review`, `footer.camera_ready`)."""
    lo, hi = notice["baseline"]
    smin, smax = notice["font_size"]
    if not (lo <= line.baseline <= hi) or line.bbox[1] < bottom:
        return False
    if line.bbox[0] < x0 - EDGE_TOLERANCE or line.bbox[2] > x1 + EDGE_TOLERANCE:
        return False
    sized = [s for s in line.spans if s.text.strip()]
    return bool(sized) and all(smin <= s.size <= smax for s in sized)


def _is_ruler(numbers: Sequence[Line], ruler: Mapping, before: Optional[int] = None) -> bool:
    """Are these ruler-like numbers of one page the template's ruler? At least RULER_MIN_LINES
    of them. Under a declared `numbering` (padded: 001 002 ...; plain: 1 2 ... 28, no leading
    zero) they are written that way and no number stands twice (not in order: `lineno` numbers a
    float's caption where the float was read), and fewer of them (a page of a few text lines
    beside a figure) are the ruler when pages before showed it (`before`: its last number so far)
    and none of them repeats one of those. `any` (the default) asks only for the count."""
    if not numbers:
        return False
    numbering = ruler["numbering"]
    if numbering == "any":
        return len(numbers) >= RULER_MIN_LINES
    texts = [s.text.strip() for ln in numbers for s in ln.spans if s.text.strip()]
    if numbering == "plain" and any(len(t) > 1 and t[0] == "0" for t in texts):
        return False
    if numbering == "padded" and len({len(t) for t in texts}) != 1:
        return False
    values = [n for ln in numbers for n in _numbers(ln)]
    if len(set(values)) != len(values):
        return False
    return len(numbers) >= RULER_MIN_LINES or before is not None


def _is_ruler_number(line: Line, template: Mapping) -> bool:
    ruler = template["ruler"]
    if not ruler or not line.text.isdigit():
        return False
    if len(line.text) > 4 and (ruler["numbering"] == "any" or not _numbers(line)):
        return False  # a declared numbering also takes numbers printed over each other (`lineno`: 112 on 113)
    lo, hi = ruler["x_range"]
    if not (lo <= line.bbox[0] and line.bbox[2] <= hi):
        return False
    smin, smax = ruler["font_size"]
    gmin, gmax = ruler["grey"]
    for span in line.spans:
        if not (smin <= span.size <= smax):
            return False
        if not (gmin <= grey_level(span.color) <= gmax):
            return False
    return True


def _numbers(line: Line) -> List[int]:
    """The numbers of a ruler line: one per span of digits (two when numbers are printed over each
    other), [] when a span holds anything else or more than 4 digits."""
    texts = [s.text.strip() for s in line.spans if s.text.strip()]
    if not texts or not all(t.isdigit() and len(t) <= 4 for t in texts):
        return []
    return [int(t) for t in texts]


def grey_level(color: int) -> float:
    """0.0 black .. 1.0 white; a coloured (non-grey) value returns -1."""
    r, g, b = (color >> 16) & 255, (color >> 8) & 255, color & 255
    if max(r, g, b) - min(r, g, b) > 12:
        return -1.0
    return (r + g + b) / 765.0


# --- body style -----------------------------------------------------------------------------


def _weigh(weight: Counter, lines: Iterable[Line]) -> None:
    for ln in lines:
        for s in ln.spans:
            weight[s.size] += len(s.text) - s.text.count(" ")


# --- headings -------------------------------------------------------------------------------


def normalise(text: str) -> str:
    text = _NUMBERING.sub("", text.strip(), count=1)
    return " ".join(text.rstrip(":.").split()).casefold()


def find_headings(pages: Sequence[Page], body: Sequence[Sequence[Line]], size: Optional[float]) -> Iterable[Heading]:
    if not size:
        return
    for page, lines in zip(pages, body):
        edges = _left_edges(lines, size)
        toc = None
        for i, ln in enumerate(lines):
            if _is_heading(ln, size, edges) and space_above(ln, lines, size, i):
                if toc is None:
                    toc = _PageNumbers(lines)
                if not toc.beside(ln):
                    yield Heading(page=page.number, bbox=ln.bbox, text=ln.text, key=normalise(ln.text),
                                  size=ln.max_size)


def _toc_entry(ln: Line, lines: Sequence[Line]) -> bool:
    """A table-of-contents entry: a page number (after optional dot leaders) on its baseline."""
    return _PageNumbers(lines).beside(ln)


class _PageNumbers:
    """The lines of a page that read as a table-of-contents page number, by baseline, to answer
    "is there one on this line's baseline, right of it?" in O(log n): the lines are sorted by
    baseline once, and a sparse table holds the largest left edge of every run of them."""

    def __init__(self, lines: Sequence[Line]):
        found = sorted((other.baseline, other.bbox[0]) for other in lines if _TOC_PAGE.match(other.text))
        self.baselines = [b for b, _ in found]
        table = [[x for _, x in found]]
        span = 1
        while 2 * span <= len(found):
            prev = table[-1]
            table.append([max(prev[i], prev[i + span]) for i in range(len(prev) - span)])
            span *= 2
        self.table = table

    def beside(self, ln: Line) -> bool:
        base = self.baselines
        if not base:
            return False
        b = ln.baseline
        # the baselines within 1 pt of b form one run of the sorted list (the test is monotone)
        lo = bisect_left(base, True, key=lambda other: other - b > -1.0)
        hi = bisect_left(base, True, lo, key=lambda other: not other - b < 1.0)
        if hi <= lo:
            return False
        k = (hi - lo).bit_length() - 1
        row = self.table[k]
        return max(row[lo], row[hi - (1 << k)]) > ln.bbox[2]


def space_above(ln: Line, above: Sequence[Line], size: float, end: Optional[int] = None) -> bool:
    """No line of running text sits at normal leading right above `ln` in the same column: among
    `above[:end]` (all of `above` when `end` is None; an index, not a copy of the lines before)."""
    for j in range(len(above) if end is None else end, 0, -1):
        prev = above[j - 1]
        if prev.bbox[2] <= ln.bbox[0] or prev.bbox[0] >= ln.bbox[2] or prev.baseline >= ln.baseline:
            continue  # another column, or beside it
        return ln.baseline - prev.baseline >= HEADING_MIN_PITCH * size
    return True


def _left_edges(lines: Sequence[Line], size: float) -> List[float]:
    """x positions where lines of this page start (column edges): where body-size lines start,
    or, on a page without them (a reference list set smaller), where any two lines start."""
    starts = Counter(round(ln.bbox[0]) for ln in lines if abs(ln.size - size) < 0.3)
    edges = [float(x) for x, n in starts.items() if n >= 2]
    if not edges:
        starts = Counter(round(ln.bbox[0]) for ln in lines)
        edges = [float(x) for x, n in starts.items() if n >= 2]
    return edges


def _is_heading(ln: Line, body_size: float, edges: Sequence[float]) -> bool:
    words = ln.text.split()
    if not words or len(words) > HEADING_MAX_WORDS or len(ln.text) > 90:
        return False
    if not any(c.isalpha() for c in ln.text):
        return False
    if not any(abs(ln.bbox[0] - e) <= EDGE_TOLERANCE for e in edges):
        return False
    spans = [s for s in ln.spans if s.text.strip()]
    larger = ln.max_size >= body_size * HEADING_SIZE_RATIO
    bold = all(is_bold(s) for s in spans)
    small_caps = _small_caps(spans)
    return larger or bold or small_caps


def is_bold(span) -> bool:
    """Set in a bold face: by the font's name (Bold, Medi, Semibold, ...) or MuPDF's bold flag."""
    return bool(_BOLD.search(span.font) or span.flags & 16)


def first_header(s: Structure, patterns: Sequence[str]) -> Optional[Tuple[int, str]]:
    """The first running header (page, text) matching one of the rule file's header patterns."""
    return _first_match(s.header_texts, patterns)


def first_footer(s: Structure, patterns: Sequence[str]) -> Optional[Tuple[int, str]]:
    """The first line of the template's notice below the block (page, text) matching one of the
    rule file's `footer` patterns (`review` or `camera_ready`)."""
    return _first_match(s.footer_texts, patterns)


def _first_match(texts: Iterable[Tuple[int, str]], patterns: Sequence[str]) -> Optional[Tuple[int, str]]:
    compiled = _compiled(tuple(patterns))
    for page, text in texts:
        if any(p.search(text) for p in compiled):
            return page, text
    return None


@lru_cache(maxsize=64)
def _compiled(patterns: Tuple[str, ...]):
    return tuple(re.compile(p) for p in patterns)


def _small_caps(spans) -> bool:
    """LaTeX \\textsc: upper-case letters in two sizes about 1.25 apart (11.96/9.56, 9.96/7.97),
    a real word among them, and mostly letters (not a line of math)."""
    lettered = [s for s in spans if any(c.isalpha() for c in s.text)]
    sizes = sorted({s.size for s in lettered})
    if len(sizes) != 2 or sizes[0] <= 0 or not 1.15 <= sizes[1] / sizes[0] <= 1.35:
        return False
    text = "".join(s.text for s in lettered)
    letters = sum(c.isalpha() for c in text)
    if text.upper() != text or letters < 0.7 * len(text.replace(" ", "")):
        return False
    return any(sum(c.isalpha() for c in w) >= 3 for w in text.split())


def _first(headings: Sequence[Heading], names: Iterable[str]) -> Optional[Heading]:
    wanted = {n.casefold() for n in names}
    return next((h for h in headings if h.key in wanted), None)


def _exempt_run(headings: Sequence[Heading], references: Optional[Heading], names: Iterable[str],
                kinds: Sequence[Optional[str]] = (), statements: Mapping = {}) -> Tuple[Heading, ...]:
    """The exempt sections standing right before the References: those named in exempt_sections
    (reproducibility, ethics) and the statements the rule set makes `exempt` where they may stand
    before the References (`where`: before_references or anywhere)."""
    if references is None:
        return ()
    wanted = {n.casefold() for n in names}
    end = headings.index(references)
    run: List[Heading] = []
    for i in range(end - 1, -1, -1):
        h = headings[i]
        kind = kinds[i] if kinds else None
        policy = statements.get(kind) if kind else None
        exempt = bool(policy and policy["exempt"] and policy["where"] != "after_references")
        if h.key not in wanted and not exempt:
            break
        run.append(h)
    return tuple(reversed(run))


def statement_kinds(headings: Sequence[Heading], vocabulary: Mapping) -> Tuple[Optional[str], ...]:
    """For each heading, the kind of statement it opens (a key of structure.statements, or of
    statement_headings for a kind the rule set does not list), or None; all None when the rule set
    lists no statements. A heading that matches several kinds is the first of them in name order."""
    listed = vocabulary["statements"]
    if not listed:
        return (None,) * len(headings)
    patterns = {**vocabulary["statement_headings"], **{k: v["headings"] for k, v in listed.items()}}
    compiled = [(kind, _compiled_ci(tuple(patterns[kind]))) for kind in sorted(patterns)]
    return tuple(next((kind for kind, regexes in compiled if any(r.search(h.key) for r in regexes)), None)
                 for h in headings)


def _with_statement_headings(headings: Tuple[Heading, ...], pages: Sequence[Page], body: Sequence[Sequence[Line]],
                             size: Optional[float], template: Mapping, vocabulary: Mapping) -> Tuple[Heading, ...]:
    """`headings` and the statement headings they miss: a line that names a statement (its kind's
    patterns), styled as a heading and standing at the text block's left edge with space above it,
    though no other line of its page starts there (a checklist's heading over indented items)."""
    if not size:
        return headings
    patterns = {**vocabulary["statement_headings"], **{k: v["headings"] for k, v in vocabulary["statements"].items()}}
    regexes = [r for kind in sorted(patterns) for r in _compiled_ci(tuple(patterns[kind]))]
    edge = [float(template["text_block"][0])]
    known = {(h.page, h.bbox) for h in headings}
    added = []
    for page, lines in zip(pages, body):
        for i, ln in enumerate(lines):
            if (page.number, ln.bbox) in known or len(ln.text) > 90:
                continue
            key = normalise(ln.text)
            if any(r.search(key) for r in regexes) and _is_heading(ln, size, edge) and space_above(ln, lines, size, i):
                added.append(Heading(page=page.number, bbox=ln.bbox, text=ln.text, key=key, size=ln.max_size))
    if not added:
        return headings
    order = {}
    for h in (*headings, *added):
        order[id(h)] = (h.page, _index_of(h, body[h.page - 1]))
    return tuple(sorted((*headings, *added), key=lambda h: order[id(h)]))


@lru_cache(maxsize=64)
def _compiled_ci(patterns: Tuple[str, ...]):
    return tuple(re.compile(p, re.I) for p in patterns)


def _first_of(*headings: Optional[Heading]) -> Optional[Heading]:
    """The first, in reading order, of the headings given (None where there is none)."""
    found = [h for h in headings if h is not None]
    return min(found, key=lambda h: (h.page, h.bbox[1]), default=None)


def _first_statement_after(headings: Sequence[Heading], kinds: Sequence[Optional[str]],
                           statements: Mapping) -> Optional[Heading]:
    """Without a References heading: the first exempt statement whose place is after the References
    (the NeurIPS checklist): the counted body ends there at the latest."""
    for h, kind in zip(headings, kinds):
        policy = statements.get(kind) if kind else None
        if policy and policy["exempt"] and policy["where"] == "after_references":
            return h
    return None


def _section_level(heading: Heading, headings: Sequence[Heading]) -> bool:
    """Is `heading` as large as the digit-numbered sections before it (a real `\\appendix` section,
    not a bold line that happens to start with "A ")? An "Appendix" heading always is."""
    sections = [h.size for h in headings[: headings.index(heading)] if _DIGIT_SECTION.match(h.text)]
    return not _LETTER_SECTION.match(heading.text) or heading.size >= max(sections, default=0.0) - 0.25


def _statements(headings: Sequence[Heading], kinds: Sequence[Optional[str]], references: Optional[Heading],
                body_end: Optional[Heading], body: Sequence[Sequence[Line]], template: Mapping,
                vocabulary: Mapping) -> Tuple[Statement, ...]:
    """Every statement found, when the rule set lists any: its kind, extent, length and place. A
    statement heading inside another statement (a checklist's "2. Limitations" item) is part of it."""
    if not vocabulary["statements"]:
        return ()
    appendix = _first_appendix(headings, vocabulary["appendix_headings"])
    stops = {id(h) for h in (references, appendix) if h is not None}
    end_index = headings.index(body_end) if body_end is not None else len(headings)
    ref_index = headings.index(references) if references is not None else len(headings)
    found: List[Statement] = []
    inside_until = -1  # the index of the heading that ends the statement being read
    for i, (h, kind) in enumerate(zip(headings, kinds)):
        if kind is None or i < inside_until:
            continue
        j = next((j for j in range(i + 1, len(headings))
                  if id(headings[j]) in stops or headings[j].size >= h.size - 0.25), len(headings))
        inside_until = j
        stop = headings[j] if j < len(headings) else None
        last_page, length = _extent(h, stop, body, template)
        found.append(Statement(kind=kind, heading=h, end=stop, last_page=last_page, length=length,
                               place="before_references" if i < ref_index else "after_references",
                               counted=i < end_index))
    return tuple(found)


def _extent(start: Heading, stop: Optional[Heading], body: Sequence[Sequence[Line]], template: Mapping) -> Tuple[int, float]:
    """(last page, length in text-block heights) of the body from `start` (a heading) to `stop` (the
    next heading that ends it; None: the end of the document): on each page, from the top of its
    first line to the bottom of its last."""
    x0, top, x1, bottom = template["text_block"]
    height = (bottom - top) * max(int(template["columns"]), 1)
    last_page, covered = start.page, 0.0
    for number, part in _between(start, stop, body):
        covered += max(ln.bbox[3] for ln in part) - min(ln.bbox[1] for ln in part)
        last_page = number
    return last_page, covered / height


def statement_lines(s: Structure, statement: Statement) -> Iterable[Tuple[int, Line]]:
    """(page, line) of every body line of a statement, its heading first, in reading order."""
    for number, part in _between(statement.heading, statement.end, s.body_lines):
        for ln in part:
            yield number, ln


def _between(start: Heading, stop: Optional[Heading], body: Sequence[Sequence[Line]]):
    """(page, its body lines from `start` up to `stop`), for each page that has some."""
    final = stop.page if stop is not None else len(body)
    for number in range(start.page, final + 1):
        lines = list(body[number - 1])
        first = _index_of(start, lines) if number == start.page else 0
        end = _index_of(stop, lines) if stop is not None and number == stop.page else len(lines)
        if lines[first:end]:
            yield number, lines[first:end]


def _index_of(heading: Heading, lines: Sequence[Line]) -> int:
    """The position of the heading's line among its page's body lines (reading order)."""
    for i, ln in enumerate(lines):
        if ln.bbox == heading.bbox:
            return i
    return next((i for i, ln in enumerate(lines) if ln.bbox[1] >= heading.bbox[1] - 0.5), len(lines))


def _appendix_before(headings: Sequence[Heading], end: Optional[Heading], names: Iterable[str]) -> Optional[Heading]:
    if end is None:
        return None
    return _first_appendix(headings[: headings.index(end)], names)


def _first_appendix(before: Sequence[Heading], names: Iterable[str]) -> Optional[Heading]:
    """The first appendix heading: an "Appendix" heading, or a lettered section ("A PROOFS", what
    `\\appendix` makes of \\section) after digit-numbered ones."""
    wanted = tuple(n.casefold() for n in names)
    numbered = False  # lettered sections count only after digit-numbered ones (not the title)
    for h in before:
        if h.key.startswith(wanted):
            return h
        if numbered and _LETTER_SECTION.match(h.text):
            return h
        numbered = numbered or bool(_DIGIT_SECTION.match(h.text))
    return None


def is_first_on_page(heading: Heading, lines: Sequence[Line], page: Page, template: Mapping) -> bool:
    """Nothing of the body (text, figure, table rule) stands above the heading on its page."""
    top = heading.bbox[1] - 1.0
    if any(ln.bbox[1] < top for ln in lines):
        return False
    block_top = template["text_block"][1]
    for ink in page.ink:
        x0, y0, x1, y1 = ink.bbox
        if y1 <= top and y1 > block_top - 2 and (x1 - x0) * (y1 - y0) > 4.0:
            return False
    return True
