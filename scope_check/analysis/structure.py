"""What the document model means, read once per (document, rule set) and shared by every check:
which lines are page furniture (running header, page number, review line-number ruler, the
template's notice below the text block) and which are body; the body's font size and baseline pitch; the headings; where the References start; how
many pages come before them.

Everything here is a pure function of the document and the rule set's `template` and `structure`
sections; `analyse` memoises the result on the document.
"""

from __future__ import annotations

import itertools
import json
import re
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence as SequenceABC
from functools import lru_cache
from dataclasses import dataclass
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple

from scope_check.model.document import Document, Line, Page
from scope_check.model.findings import BBox
from scope_check.config.rules import RuleSet
from scope_check.model.packed_pages import is_packed
from scope_check.safety.safe_patterns import compile_all

# Roles of page furniture: ink the template itself puts outside the text block.
HEADER = "header"
RULER = "ruler"
PAGE_NUMBER = "page-number"
FOOTER = "footer"  # the template's notices: below the block (NeurIPS page 1: "Submitted to ..."), in it
# (`notices`: ICML's first-page footnote, the CVF watermark) and the paper-ID boxes (`paper_id`: CVPR)
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
_SUBSECTION = re.compile(r"^\d+\.\d+(?:\.\d+)*\.?\s+\S")
_DIGIT_SECTION = re.compile(r"^\d+(?:\.\d+)*\.?\s+\S")
_BOLD = re.compile(r"bold|medi|semibold|heavy|black|demi", re.I)
_TOC_PAGE = re.compile(r"^[.\s\u00b7\u2026]*(?:\d{1,4}|[ivxlcdm]{1,6})$", re.I)
#: a proceedings' page number (CVF copies: "10545") under a template of columns
_PROCEEDINGS_PAGE = re.compile(r"^\d{5}$")
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
    # a paragraph opening with a bold lead-in ("Limitations." inside a section): `heading` is that line,
    # the lead-in its text; it runs to the next heading or lead-in and never ends the counted body
    run_in: bool = False


@dataclass(frozen=True)
class Structure:
    body_lines: Tuple[Tuple[Line, ...], ...]  # per page, in reading order (top to bottom; column by column: column_order)
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
    columns: int = 1  # the template's columns: body_lines are read column by column when 2 or more
    # per page, characters per size of its body lines (Classified.page_weights; None: not measured)
    page_weights: Optional[Sequence[Tuple[Tuple[float, int], ...]]] = None
    # per page, the positions in `page.lines` of its body lines in reading order (Classified.picks;
    # None: a packed document's): what the body measurements of a page are shared by across templates
    picks: Optional[Tuple[Tuple[int, ...], ...]] = None


def analyse(doc: Document, rules: RuleSet) -> Structure:
    """The structure of `doc` under `rules`, computed once per document and rule set."""
    key = ("structure", token(rules.template), token(rules.structure))
    return doc.derived(key, lambda: _analyse(doc, rules.template, rules.structure))


@dataclass(frozen=True)
class Classified:
    """The first part of `analyse`: each page's lines told apart (furniture or body), which depends
    on the template section only, not on the vocabulary: the marks it finds (running headers, the
    notice below the block, the review ruler's pages) are what TMPL001's comparison with another
    template reads first (checks.template.ranked), before the headings and the text block."""

    furniture: Sequence  # per page: (role, line), or a packed document's line indices
    body: Sequence  # per page, in reading order
    review_ruler_pages: Tuple[int, ...]
    header_texts: Tuple[Tuple[int, str], ...]
    footer_texts: Tuple[Tuple[int, str], ...]
    weight: Tuple[Tuple[float, int], ...]  # characters per size of the body lines
    # the same per page (a packed document's in flat arrays: `_PageWeights`)
    page_weights: Optional[Sequence[Tuple[Tuple[float, int], ...]]] = None
    # per page, the positions in `page.lines` of its body lines in reading order (None: a packed
    # document's, whose `body` holds them): what a page's own analysis is shared by across templates
    picks: Optional[Tuple[Tuple[int, ...], ...]] = None


def classified(doc: Document, rules: RuleSet):
    """The pages of `doc` classified under `rules`' template (a `Classified`), computed once per
    document and classification's inputs (`classification_inputs`: templates that differ only in
    what the classification never reads, two editions' header patterns, share one). A long document
    (packed) keeps only its last classification (`_packed_classified`)."""
    template = rules.template
    if is_packed(doc):
        return _packed_classified(doc, template)
    return doc.derived(("classified", classification_inputs(template)), lambda: _classified(doc, template))


def _packed_classified(doc: Document, template: Mapping, reader: Optional["_PageReader"] = None) -> Classified:
    """The classification of a long (packed) document under `template`, kept until another
    template's is asked for: TMPL001's ranking asks for a candidate's marks (`classified`) and then
    for its structure, which reads the same classification; kept per template, a long document's
    would be ten of them (a few hundred bytes a page each). `reader`: given each page's body lines
    as they are classified (when the classification is made here, not when it is kept)."""
    inputs = classification_inputs(template)
    slot = doc.derived(("packed-classified",), lambda: [None, None])
    if slot[0] != inputs:
        slot[0], slot[1] = None, None  # (the old one let go before the new one is made)
        slot[1] = _classified(doc, template, reader)
        slot[0] = inputs
    return slot[1]


#: a rule-set section's value (frozen, see `_frozen`) -> its token
_TOKENS: dict = {}
#: id(section) -> (section, its token): a section is read once, not at each lookup
_KNOWN: dict = {}
#: how many of each the process keeps (cleared when full: a section read again gets a new token,
#: so a memo keyed by an old one is only not found, never mistaken)
_KEPT = 256
_NEXT = itertools.count()


def token(section: Mapping) -> int:
    """A number standing for a rule-set section's value (its `template`, its `structure`) in the memo
    keys of `Document.derived`: equal values (whatever object holds them) have one token, unequal
    values never share one. A section is hashed by its whole text (config.rules' frozen dict):
    looking it up by this number instead costs nothing at each of the many lookups."""
    hit = _KNOWN.get(id(section))
    if hit is not None and hit[0] is section:
        return hit[1]
    number = _register(_frozen(section))
    if len(_KNOWN) >= _KEPT:
        _KNOWN.clear()
    _KNOWN[id(section)] = (section, number)  # (held: its id is not reused while it stands here)
    return number


def _register(value) -> int:
    """The token of a frozen value, a new one for a value not seen (or no longer kept)."""
    if len(_TOKENS) >= _KEPT:
        _TOKENS.clear()
    number = _TOKENS.get(value)
    if number is None:
        number = _TOKENS[value] = next(_NEXT)
    return number


def _frozen(value):
    """A hashable value equal to another's exactly when the two are equal (mappings as their items
    sorted by key, lists marked apart from tuples as == tells them apart)."""
    if isinstance(value, Mapping):
        return ("mapping", tuple(sorted(((k, _frozen(v)) for k, v in value.items()), key=lambda kv: repr(kv[0]))))
    if isinstance(value, list):
        return ("list", tuple(_frozen(v) for v in value))
    if isinstance(value, tuple):
        return tuple(_frozen(v) for v in value)
    return value


#: the template section's fields the page classification (`_classified`: `classify`, the ruler,
#: the notices, the paper-ID boxes, `column_order`) reads; of `footer`, its place and size, not
#: its patterns (`review`, `camera_ready`: what a notice says is read from `footer_texts` later)
CLASSIFICATION_FIELDS = ("text_block", "columns", "column_gap", "ruler", "notices", "paper_id",
                         "header_min_distance", "footer_min_distance", "footer_centre_tolerance")
#: the `footer` fields the classification does not read
_FOOTER_WORDS = ("review", "camera_ready")
#: id(template) -> (template, the token of its classification inputs)
_INPUTS: dict = {}


def classification_inputs(template: Mapping) -> int:
    """What of `template` the page classification reads (CLASSIFICATION_FIELDS, `footer` without
    its patterns), as a token (`token`): the key under which a document's classification, its
    headings and the body measurements made from them are shared by templates that differ only
    elsewhere (two editions of a venue, whose header and notice patterns name their years)."""
    hit = _INPUTS.get(id(template))
    if hit is not None and hit[0] is template:
        return hit[1]
    fields = {k: template[k] for k in CLASSIFICATION_FIELDS}
    fields["footer"] = {k: v for k, v in template["footer"].items() if k not in _FOOTER_WORDS}
    number = _register(("classification", _frozen(fields)))
    if len(_INPUTS) >= _KEPT:
        _INPUTS.clear()
    _INPUTS[id(template)] = (template, number)
    return number


def _statement_patterns(vocabulary: Mapping) -> dict:
    """kind -> heading patterns of a vocabulary: `statement_headings`' and the listed statements' own."""
    return {**vocabulary["statement_headings"], **{k: v["headings"] for k, v in vocabulary["statements"].items()}}


def _vocabulary_patterns(vocabulary: Mapping) -> str:
    """The statement-heading patterns of a vocabulary (what `_with_statement_headings` and
    `_kind_patterns` read), as one text for a memo key."""
    return json.dumps(_statement_patterns(vocabulary), sort_keys=True, default=list)


def _analyse(doc: Document, template: Mapping, vocabulary: Mapping) -> Structure:
    packed = is_packed(doc)
    inputs = classification_inputs(template)
    edges = _column_edges(template)
    reader = guess = None
    if packed:
        # a long document's headings are read as its pages are classified, at the body size its
        # last structure had (`guess`): kept when the size comes out the same, read again if not
        guess = doc.derived(("packed-body-size",), lambda: [None])
        if guess[0]:
            reader = _PageReader(guess[0], edges, template, vocabulary)
        c = _packed_classified(doc, template, reader)
    else:
        c = doc.derived(("classified", inputs), lambda: _classified(doc, template))
    body, furniture = c.body, c.furniture
    weight = Counter(dict(c.weight))
    ruler_pages, headers, footers = c.review_ruler_pages, c.header_texts, c.footer_texts
    columns = int(template["columns"]) > 1  # what reads a page of columns is used on such a template only
    size = _body_size(weight, template) if columns else (weight.most_common(1)[0][0] if weight else None)
    # the headings depend on the classification, the size and the columns' edges only: templates
    # whose classification inputs are equal share them (and the statement headings, for equal
    # patterns and block edges). A long document keeps only its last structures (Document.derived):
    # its headings are not kept apart from them either, and are read page by page with its
    # statement headings and lead-ins (`_page_by_page`: each page decoded once for the three)
    leads: tuple = ()
    if packed:
        if reader is not None and reader.read_all(len(c.body)) and size == reader.size:
            headings, leads = reader.result()
        else:
            headings, leads = _page_by_page(doc, c, size, edges, template, vocabulary)
        if size:
            guess[0] = size
    else:
        headings = doc.derived(("headings", inputs, size, edges), lambda: _headings(doc, c, size, edges))
    if vocabulary["statements"] and not packed:
        found = headings
        patterns = _vocabulary_patterns(vocabulary)
        # what each line's text says under these patterns, kept across templates
        named = doc.derived(("statement-names", patterns), dict)
        headings = doc.derived(
            ("statement-headings", inputs, size, edges, patterns),
            lambda: _with_statement_headings(
                found, doc.pages, body, size, template, vocabulary, named,
                [_styled(doc, page, picks, size) for page, picks in zip(doc.pages, c.picks)] if size else None))
    references = _first(headings, vocabulary["references_headings"], columns)
    # what each heading's key names under these patterns (whole; with its joined parts), kept across
    # templates (a long document's read anew)
    named_kinds = [doc.derived(("statement-kinds", patterns, partial), dict) for partial in (False, True)] \
        if vocabulary["statements"] and not packed else [None, None]
    kinds = statement_kinds(headings, vocabulary, known=named_kinds[0])
    excluded = _exempt_run(headings, references, vocabulary["exempt_sections"], kinds, vocabulary["statements"])
    if vocabulary["statements"] and size and not packed:  # read from the headings (the same key's) and the body only
        final = headings
        leads = doc.derived(("run-ins", inputs, size, edges, patterns),
                            lambda: _leads(doc, c, size, final))
    run_ins = _exempt_run_ins(headings, leads, references, excluded, body, vocabulary)
    body_end = excluded[0] if excluded else references
    if body_end is None:
        body_end = _first_of(_first_appendix(headings, vocabulary["appendix_headings"], columns),
                             _first_statement_after(headings, kinds, vocabulary["statements"]))
    appendix = _appendix_before(headings, body_end, vocabulary["appendix_headings"], columns)
    appendix_counted = True
    if appendix is not None and not vocabulary["appendix_counts"] and _section_level(appendix, headings):
        body_end, appendix_counted = appendix, False  # the venue counts main text only
    elif run_ins:  # exempt run-in paragraphs right before the exempt sections or the References
        body_end, excluded = run_ins[0], run_ins + excluded
    if body_end is None:
        body_pages = doc.page_count
    else:
        previous = body[body_end.page - 2] if body_end.page > 1 else None
        first_on_page = is_first_on_page(body_end, body[body_end.page - 1], doc.pages[body_end.page - 1], template,
                                         previous)
        body_pages = body_end.page - 1 if first_on_page else body_end.page
    statements = _statements(headings, kinds, references, body_end, body, template, vocabulary, leads,
                             named_kinds[1])
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
        columns=int(template["columns"]),
        page_weights=c.page_weights,
        picks=c.picks,
    )


def _headings(doc: Document, c: Classified, size: Optional[float], edges: Tuple[float, ...]) -> Tuple[Heading, ...]:
    """`find_headings` of the classified body, page by page: a page's headings depend on its body
    lines (its `picks`), the size and the edges alone, so a page whose body two templates classify
    alike is read once for both (a packed document's pages are read each time)."""
    if c.picks is None:
        return tuple(find_headings(doc.pages, c.body, size, edges))
    found: List[Heading] = []
    for page, lines, picks in zip(doc.pages, c.body, c.picks):
        found.extend(doc.derived(
            ("page-headings", page.number, picks, size, edges),
            lambda page=page, lines=lines, picks=picks: tuple(
                find_headings([page], [lines], size, edges, [_styled(doc, page, picks, size)]))))
    return tuple(found)


def _styled(doc: Document, page: Page, picks: Sequence[int], size: float) -> List[bool]:
    """For each of the page's lines at `picks` (positions in `page.lines`), whether its text and type
    are a heading's (`_heading_words`, `_heading_style`): what `_is_heading` asks of a line alone, at
    the body size, not of its page (`_line_facts`)."""
    return _line_facts(doc, "heading-styled", page, picks, size, _heading_alone)


def _heading_alone(ln: Line, size: float) -> bool:
    return _heading_words(ln) and _heading_style(ln, size)


def _line_facts(doc: Document, name: str, page: Page, picks: Sequence[int], size: float, fact) -> list:
    """`fact(line, size)` of each of the page's lines at `picks` (positions in `page.lines`): a line's
    own fact, not its page's, kept per page and size under `name` and filled as lines are asked about,
    so templates that classify a page otherwise (TMPL001 ranking the bundled ones) do not read its
    lines again (not for a packed document's pages, read anew)."""
    known = doc.derived((name, page.number, size), dict)
    lines = page.lines
    out = []
    for i in picks:
        if i not in known:
            known[i] = fact(lines[i], size)
        out.append(known[i])
    return out


def _leads(doc: Document, c: Classified, size: float, headings: Sequence[Heading]) -> tuple:
    """`_run_ins` of the classified body, page by page: a page's lead-ins depend on its body lines
    (its `picks`), the size and its own headings alone, so a page two templates classify alike is
    read once for both (a packed document's pages are read each time)."""
    if c.picks is None:
        return tuple(_run_ins(c.body, size, headings))
    boxes: dict = {}
    for h in headings:
        boxes.setdefault(h.page, []).append(h.bbox)
    found: list = []
    for number, (page, lines, picks) in enumerate(zip(doc.pages, c.body, c.picks), 1):
        own = tuple(boxes.get(number, ()))
        found.extend(doc.derived(
            ("page-run-ins", number, picks, size, own),
            lambda number=number, page=page, lines=lines, picks=picks, own=own: tuple(
                _page_run_ins(number, lines, size, {(number, box) for box in own},
                              _lead_ins(doc, page, picks, size)))))
    return tuple(found)


def _lead_ins(doc: Document, page: Page, picks: Sequence[int], size: float) -> list:
    """`_lead_in` of each of the page's lines at `picks` (positions in `page.lines`; `_line_facts`)."""
    return _line_facts(doc, "lead-ins", page, picks, size, _lead_in)


def _classified(doc: Document, template: Mapping, reader: Optional["_PageReader"] = None) -> Classified:
    """Each page's lines told apart (furniture, body) under `template`; `reader` (a packed
    document's): given each page's body lines in reading order as the page is classified."""
    packed = is_packed(doc)  # a long document: keep where the lines are, not the lines (flat memory)
    # a packed document's in flat arrays (`_Runs`): a page's body-line positions, its furniture's
    # positions and roles (each position << 3 | the role's code)
    furniture: Any = _Runs() if packed else []
    body: Any = _Runs() if packed else []
    ruler_pages: List[int] = []
    headers: List[Tuple[int, str]] = []
    footers: List[Tuple[int, str]] = []
    last_number: Optional[int] = None  # the ruler's last line number so far (a cumulative ruler goes on)
    weight: Counter = Counter()  # characters per size, counted in this pass (a packed page is read once)
    # the same, page by page (layout's typography adds them); a long document's in flat arrays
    page_weights: Any = _PageWeights() if packed else []
    chosen: List[Tuple[int, ...]] = []  # (not packed) each page's body lines as positions in page.lines
    # each line's weights are read from a table made once per document (`line_weights`, kept for a
    # classification under another template: TMPL001 ranking the bundled ones), a long (packed)
    # document's weighed as its pages are read
    gap = _template_gap(template)  # two or more columns: the body is read column by column
    for page in doc.pages:
        roles = classify(page, template, last_number)
        # page by page: the same sums, each size first met in the same order
        page_weights.append(_weigh_page(weight, None if packed else line_weights(doc, page), roles))
        picks = [i for i, (r, _) in enumerate(roles) if r == BODY]
        if gap is not None:
            picks = column_order(picks, [ln for _, ln in roles], gap, _drawn(doc, page))
        if packed:
            furniture.append([i << 3 | _ROLE_CODES[r] for i, (r, _) in enumerate(roles) if r != BODY])
            body.append(picks)
            if reader is not None:
                reader.read(len(body), page, tuple(roles[i][1] for i in picks))
        else:
            furniture.append(tuple((r, ln) for r, ln in roles if r != BODY))
            body.append(tuple(roles[i][1] for i in picks))
            chosen.append(tuple(picks))
        numbers = [n for r, ln in roles if r == RULER for n in _numbers(ln)]
        if numbers:
            ruler_pages.append(page.number)
            last_number = max(numbers)
        headers.extend((page.number, ln.text) for r, ln in roles if r == HEADER)
        footers.extend(_footer_texts(page.number, roles, template))
    if packed:
        body, furniture = _BodyLines(doc.pages, body), _Furniture(doc.pages, furniture)
    return Classified(furniture=furniture if packed else tuple(furniture), body=body if packed else tuple(body),
                      review_ruler_pages=tuple(ruler_pages), header_texts=tuple(headers), footer_texts=tuple(footers),
                      weight=tuple(weight.items()),
                      page_weights=page_weights if packed else tuple(page_weights),
                      picks=None if packed else tuple(chosen))


# --- columns ---------------------------------------------------------------------------------


def template_columns(template: Mapping) -> Tuple[Tuple[float, float], ...]:
    """The template's columns, left to right: (x0, x1) of each, from its text block, `columns` and
    `column_gap` (the columns share the block's width equally, as LaTeX's \\twocolumn sets them)."""
    x0, _, x1, _ = template["text_block"]
    n = int(template["columns"])
    gap = float(template["column_gap"])
    width = (x1 - x0 - (n - 1) * gap) / n
    return tuple((x0 + i * (width + gap), x0 + i * (width + gap) + width) for i in range(n))


def _template_gap(template: Mapping) -> Optional[Tuple[float, float]]:
    """(x0, x1) of the template's gap between its first two columns; None for a one-column template."""
    columns = template_columns(template)
    return (columns[0][1], columns[1][0]) if len(columns) > 1 else None


def _column_edges(template: Mapping) -> Tuple[float, ...]:
    """The left edge of each of the template's columns; () for a one-column template."""
    columns = template_columns(template)
    return tuple(c[0] for c in columns) if len(columns) > 1 else ()


#: a figure or table drawn across the gap is full-width (`figure*`) when it is this much wider than
#: the gap (a rule or a box of one column that strays into the gap is not)
SPANNING_INK_MIN = 3.0


def column_order(picks: Sequence[int], lines: Sequence[Line], gap: Tuple[float, float], ink=()) -> List[int]:
    """The positions `picks` (of `lines`, sorted top to bottom) in reading order on a page of two
    columns: the page is cut into bands by what spans the gap (the title block, a `figure*` and its
    caption: full-width lines, and drawings or images across the gap with the lines inside them),
    each read where it stands; between them the left column top to bottom, then the right column.
    The columns are told apart by the middle of the template's gap (a block a few points off, as in
    a publisher's copy, still splits there)."""
    g0, g1 = gap
    middle = (g0 + g1) / 2
    spans = [b for b in (i.bbox for i in ink if not i.kind.startswith("clip"))
             if b[0] < g0 and b[2] > g1 and b[2] - b[0] > (g1 - g0) * SPANNING_INK_MIN and b[3] - b[1] > 2.0]

    out: List[int] = []
    left: List[int] = []
    right: List[int] = []
    for i in picks:
        x0, y0, x1, y1 = lines[i].bbox
        # across the gap itself, or inside a drawing across it (most pages: none)
        spanning = (x0 < g0 and x1 > g1) or (bool(spans) and any(
            b[1] <= (y0 + y1) / 2 <= b[3] and b[0] - 2 <= x0 and x1 <= b[2] + 2 for b in spans))
        if spanning:
            out.extend(left)
            out.extend(right)
            left, right = [], []
            out.append(i)
        elif (x0 + x1) / 2 < middle:
            left.append(i)
        else:
            right.append(i)
    out.extend(left)
    out.extend(right)
    return out


def _drawn(doc: Document, page: Page) -> Sequence:
    """The page's ink that `column_order` may find drawn across the gap: neither a clip nor 2 pt
    tall or less, its own tests, made once per page (about a third of a paper's ink) instead of once
    per template classifying it (TMPL001 ranking the bundled ones); a long (packed) document's
    page's ink as it is."""
    if is_packed(doc):
        return page.ink
    return doc.derived(("drawn-ink", page.number), lambda: tuple(
        i for i in page.ink if not i.kind.startswith("clip") and i.bbox[3] - i.bbox[1] > 2.0))


class _Runs(SequenceABC):
    """Per page, a run of numbers (a packed document's body-line positions, its furniture's), every
    page's in one array, `ends` where each page's run ends: about 4 bytes a number, against an
    array or tuple of its own for each page (64 to 250 bytes more a page; ten templates ranked
    over 10,000 pages kept ten of them). Indexing gives a page's run (an array), slicing a view."""

    __slots__ = ("values", "ends", "first", "stop")

    def __init__(self, values=None, ends=None, first: int = 0, stop: Optional[int] = None):
        self.values = array("I") if values is None else values
        self.ends = array("Q") if ends is None else ends
        self.first, self.stop = first, stop

    def append(self, run: Sequence[int]) -> None:  # (while the classification builds it)
        self.values.extend(run)
        self.ends.append(len(self.values))

    def __len__(self) -> int:
        return (len(self.ends) if self.stop is None else self.stop) - self.first

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return _Runs(self.values, self.ends, self.first + start, self.first + max(start, stop))
        at = range(len(self))[index] + self.first  # (a negative index from the end; out of range: IndexError)
        ends = self.ends
        return self.values[ends[at - 1] if at else 0:ends[at]]


#: the furniture's roles, by their code in a packed document's `_Runs` (position << 3 | code)
_ROLES = (HEADER, RULER, PAGE_NUMBER, FOOTER)
_ROLE_CODES = {role: code for code, role in enumerate(_ROLES)}


class _BodyLines(SequenceABC):
    """`Structure.body_lines` of a packed document (scope_check/packed_pages.py): per page, the
    positions of its body lines in `page.lines`; indexing gives the page's own Line objects, read
    from the page (decoded if need be), so the structure keeps no page's text."""

    def __init__(self, pages: Sequence[Page], picks: Sequence[Sequence[int]]):
        self.pages, self.picks = pages, picks

    def __len__(self) -> int:
        return len(self.picks)

    def __getitem__(self, index):
        if isinstance(index, slice):  # a view, read page by page (a list would decode every page at once)
            return type(self)(self.pages[index], self.picks[index])
        lines = self.pages[index].lines
        return tuple([lines[i] for i in self.picks[index]])


class _Furniture(_BodyLines):
    """`Structure.furniture` of a packed document: per page, (role, position in `page.lines`), each
    as one number (position << 3 | the role's code in `_ROLES`)."""

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(self.pages[index], self.picks[index])
        lines = self.pages[index].lines
        return tuple([(_ROLES[v & 7], lines[v >> 3]) for v in self.picks[index]])


# --- page furniture -------------------------------------------------------------------------


def classify(page: Page, template: Mapping, ruler_before: Optional[int] = None) -> List[Tuple[str, Line]]:
    """(role, line) for each horizontal line of the page; `ruler_before` is the last line number
    of the ruler on the pages before (None: none yet)."""
    x0, top, x1, bottom = template["text_block"]
    centre = (x0 + x1) / 2
    columns = int(template["columns"]) > 1
    # (the text's test first, as `_is_ruler_number` asks it: most lines are words)
    ruler_like = [ln for ln in page.lines if ln.text.isdigit() and _is_ruler_number(ln, template)]
    ruler = set(map(id, ruler_like)) if _is_ruler(ruler_like, template["ruler"], ruler_before) else set()
    if ruler and template["ruler"]["numbering"] != "any" and int(template["columns"]) > 1:
        ruler.update(map(id, _strays(page, ruler_like, template)))
    notice = template["footer"]  # its place, when the rule set gives one, and on the pages it names
    if "baseline" not in notice or page.number not in notice["pages"]:
        notice = None
    header_limit = _header_limit(template)
    number_top = bottom + template["footer_min_distance"]  # where a page number may start
    roles = []
    for ln in page.lines:
        box = ln.bbox
        if ruler and id(ln) in ruler:
            roles.append((RULER, ln))
        elif box[3] <= header_limit:
            own = _is_paper_id(ln, template) or _is_notice_text(ln, template)
            roles.append((FOOTER if own else HEADER, ln))
        elif (
            box[1] >= number_top
            and (_ROMAN_OR_DIGITS.match(ln.text) or (columns and _PROCEEDINGS_PAGE.match(ln.text)))
            and abs((box[0] + box[2]) / 2 - centre) <= template["footer_centre_tolerance"]
        ):
            roles.append((PAGE_NUMBER, ln))
        elif notice and _is_notice(ln, notice, x0, x1, bottom):
            roles.append((FOOTER, ln))
        else:
            roles.append((BODY, ln))
    if template["notices"]:
        _mark_notices(roles, compile_all(tuple(template["notices"])))
    return roles


def _header_limit(template: Mapping) -> float:
    """The lowest a line may end to stand where a running header does: `header_min_distance` above the
    text block (`classify`'s test of the place; `may_show_marks` asks it of every line)."""
    return template["text_block"][1] - template["header_min_distance"]


def _footer_texts(number: int, roles: Sequence[Tuple[str, Line]], template: Mapping) -> List[Tuple[int, str]]:
    """(page, text) of the page's notices: each line of the notice below the block, and each in-page
    notice (`notices`) as one text, its lines joined ("Proceedings of the 43rd International Conference
    on Machine Learning, Seoul, South Korea. PMLR 306, 2026. ...")."""
    bottom = template["text_block"][3]
    patterns = compile_all(tuple(template["notices"]))
    texts: List[Tuple[int, str]] = []
    current: Optional[int] = None  # where in `texts` the in-page notice being read stands
    for role, ln in roles:
        if role != FOOTER:
            continue
        if ln.bbox[1] >= bottom or not patterns:
            texts.append((number, ln.text))
        elif current is None or any(p.search(ln.text) for p in patterns):
            current = len(texts)
            texts.append((number, ln.text))
        else:
            texts[current] = (number, texts[current][1] + " " + ln.text)
    return texts


def _is_notice_text(line: Line, template: Mapping) -> bool:
    """The line opens one of the template's `notices` (above the block: the CVF watermark)."""
    patterns = template["notices"]
    return bool(patterns) and any(p.search(line.text) for p in compile_all(tuple(patterns)))


def _is_paper_id(line: Line, template: Mapping) -> bool:
    """A line of the template's paper-ID boxes (`paper_id`: CVPR's "CVPR" and "#1234" in the top corners)."""
    patterns = template["paper_id"]
    return bool(patterns) and any(p.search(line.text) for p in compile_all(tuple(patterns)))


#: a line continues a notice's paragraph when its baseline is at most this many of its sizes below
#: the notice's last line (a footnote's leading is about 1.1 sizes)
NOTICE_PITCH = 1.6


def _mark_notices(roles: List[Tuple[str, Line]], patterns) -> None:
    """Mark, in place, the lines of the in-page notices (the template section's `notices`: ICML's
    first-page footnote, the CVF watermark) as FOOTER: a body line that matches one, then the lines
    of its paragraph below it (overlapping it across, in its size, at a footnote's leading)."""
    for i, (role, ln) in enumerate(roles):
        if role != BODY:
            continue
        text = ln.text
        for p in patterns:  # (a plain loop, not `any` of a generator: asked of every body line)
            if p.search(text):
                break
        else:
            continue
        roles[i] = (FOOTER, ln)
        last = ln
        for j in range(i + 1, len(roles)):
            role2, other = roles[j]
            if role2 != BODY or other.baseline <= last.baseline:
                continue
            if other.baseline - last.baseline > NOTICE_PITCH * max(last.size, 1.0):
                break
            across = other.bbox[0] < last.bbox[2] and last.bbox[0] < other.bbox[2]
            if across and abs(other.size - last.size) <= 0.1 * last.size:
                roles[j] = (FOOTER, other)
                last = other


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
    if numbering == "padded" and not _padded(texts):
        return False
    values = [n for ln in numbers for n in _numbers(ln)]
    if len(set(values)) != len(values):
        return False
    return len(numbers) >= RULER_MIN_LINES or before is not None


def _padded(texts: Sequence[str]) -> bool:
    """Numbers written to one width with leading zeros (000 001 ...), a number too large for it
    written in full (999 1000: the width is where the padding stops, not a limit)."""
    width = min(len(t) for t in texts)
    return all(len(t) == max(width, len(str(int(t)))) for t in texts)


def _is_ruler_number(line: Line, template: Mapping) -> bool:
    ruler = template["ruler"]
    if not ruler or not line.text.isdigit():
        return False
    if len(line.text) > 4 and (ruler["numbering"] == "any" or not _numbers(line)):
        return False  # a declared numbering also takes numbers printed over each other (`lineno`: 112 on 113)
    if not _in_band(line.bbox, ruler["x_range"]) and not (ruler["x_range_right"] and _in_band(line.bbox, ruler["x_range_right"])):
        return False  # a ruler on both sides (`lineno`'s switch: CVPR, ACL) has a band on each
    return _ruler_type(line, ruler)


#: a ruler number printed away from the ruler's band is one of its numbers when it falls within this
#: many numbers of the page's range
STRAY_NUMBER_REACH = 2


def _strays(page: Page, numbers: Sequence[Line], template: Mapping) -> List[Line]:
    """The ruler's numbers `lineno` prints away from its band (beside a quote or a list, over the text:
    CVPR's "199" at the column's left edge): digits in the ruler's size and colour, written as its
    numbers are, whose value continues the page's numbering and repeats none of it."""
    values = [n for ln in numbers for n in _numbers(ln)]
    if not values:
        return []
    lo, hi = min(values) - STRAY_NUMBER_REACH, max(values) + STRAY_NUMBER_REACH
    seen = set(values)
    texts = [s.text.strip() for ln in numbers for s in ln.spans if s.text.strip()]
    found = []
    banded = set(map(id, numbers))
    for ln in page.lines:
        if id(ln) in banded or not ln.text.isdigit() or not _ruler_type(ln, template["ruler"]):
            continue
        own = _numbers(ln)
        if len(own) != 1 or not lo <= own[0] <= hi or own[0] in seen:
            continue
        if template["ruler"]["numbering"] == "padded" and not _padded([*texts, ln.text]):
            continue
        seen.add(own[0])
        found.append(ln)
    return found


def _ruler_type(line: Line, ruler: Mapping) -> bool:
    """Every glyph of the line in the ruler's size range and its grey or one of its colours."""
    smin, smax = ruler["font_size"]
    gmin, gmax = ruler["grey"]
    colours = _colours(tuple(ruler["colors"]))
    for span in line.spans:
        if not (smin <= span.size <= smax):
            return False
        if not (gmin <= grey_level(span.color) <= gmax) and span.color not in colours:
            return False
    return True


def _in_band(box: BBox, band: Sequence[float]) -> bool:
    return band[0] <= box[0] and box[2] <= band[1]


@lru_cache(maxsize=64)
def _colours(hexes: Tuple[str, ...]) -> frozenset:
    """The rule set's ruler colours ("#8080ff") as the model's packed RGB integers."""
    return frozenset(int(h.lstrip("#"), 16) for h in hexes)


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


#: the template's body size is the body's when at least this share of the characters of the most
#: common size are set in it (a long reference list in \small outweighs the body of a two-column paper)
TEMPLATE_SIZE_SHARE = 0.5
#: sizes within this fraction of the template's body size are that size (microtype's expansion)
TEMPLATE_SIZE_CLUSTER = 0.025


def _body_size(weight: Counter, template: Mapping) -> Optional[float]:
    """The size most body characters are set in; the template's body size instead when the text
    set in it weighs at least TEMPLATE_SIZE_SHARE of that (the body and a longer list of references
    in a smaller size)."""
    if not weight:
        return None
    size, top = weight.most_common(1)[0]
    want = float(template["body_font_size"])
    near = [(w, t) for t, w in weight.items() if abs(t - want) <= TEMPLATE_SIZE_CLUSTER * want]
    if near and abs(size - want) > TEMPLATE_SIZE_CLUSTER * want and sum(w for w, _ in near) >= TEMPLATE_SIZE_SHARE * top:
        return max(near)[1]
    return size


def line_weights(doc: Document, page: Page) -> Tuple[Tuple[Tuple[float, int], ...], ...]:
    """For each line of `page` (in `page.lines`' order), what `_weigh` adds for it: (size, characters
    but spaces) of its spans, one entry per size in the order its first span comes. Read once per
    page of a document and kept (not for a packed document, whose pages are read anew)."""
    table = doc.derived(("line-weights",), dict)
    found = table.get(page.number)
    if found is None:
        found = table[page.number] = tuple(map(_line_weight, page.lines))
    return found


def _line_weight(ln: Line) -> Tuple[Tuple[float, int], ...]:
    spans = ln.spans
    if len(spans) == 1:  # (a line of one span: the same pair, without the dict)
        text = spans[0].text
        return ((spans[0].size, len(text) - text.count(" ")),)
    # most lines of several spans have one size: the same pair from their texts joined (the spaces
    # of the whole are those of its parts), counted once (a plain loop finds the one size sooner
    # than a set of the sizes, which reads them through a getter)
    if not spans:
        return ()
    size = spans[0].size
    for s in spans:
        if s.size != size:
            break
    else:
        text = "".join([s.text for s in spans])
        return ((size, len(text) - text.count(" ")),)
    weight: dict = {}
    for s in spans:
        weight[s.size] = weight.get(s.size, 0) + len(s.text) - s.text.count(" ")
    return tuple(weight.items())


def _weigh_page(weight: Counter, lines: Optional[Sequence[Tuple[Tuple[float, int], ...]]],
                roles: Sequence[Tuple[str, Line]]) -> Tuple[Tuple[float, int], ...]:
    """`_weigh` of a page's body lines (`roles`), from their `line_weights` when given: adds them to
    `weight` (each size first met in the order `_weigh` meets it: a page's own sizes in their first
    line's order, added page after page) and returns the page's own (size, characters)."""
    if lines is None:
        counted: Counter = Counter()
        _weigh(counted, (ln for r, ln in roles if r == BODY))
        page: dict = counted
    else:
        page = {}
        get = page.get
        for (role, _), pairs in zip(roles, lines):
            if role == BODY:
                for size, n in pairs:
                    page[size] = get(size, 0) + n
    for size, n in page.items():
        weight[size] += n
    return tuple(page.items())


class _PageWeights(SequenceABC):
    """`Classified.page_weights` of a long (packed) document: each page's (size, characters) pairs
    in three flat arrays (about 40 bytes a page, against some 300 as tuples), a page's read back
    as the tuple `_weigh_page` returned."""

    __slots__ = ("sizes", "counts", "ends")

    def __init__(self):
        self.sizes, self.counts, self.ends = array("d"), array("q"), array("L")

    def append(self, pairs: Tuple[Tuple[float, int], ...]) -> None:
        for size, n in pairs:
            self.sizes.append(size)
            self.counts.append(n)
        self.ends.append(len(self.sizes))

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        ends = self.ends
        index = range(len(ends))[index]  # (a negative index counted from the end; out of range: IndexError)
        start = ends[index - 1] if index else 0
        return tuple(zip(self.sizes[start:ends[index]], self.counts[start:ends[index]]))


def _weigh(weight: Counter, lines: Iterable[Line]) -> None:
    for ln in lines:
        for s in ln.spans:
            weight[s.size] += len(s.text) - s.text.count(" ")


# --- headings -------------------------------------------------------------------------------


def normalise(text: str) -> str:
    text = _NUMBERING.sub("", text.strip(), count=1)
    return " ".join(text.rstrip(":.").split()).casefold()


def find_headings(pages: Sequence[Page], body: Sequence[Sequence[Line]], size: Optional[float],
                  columns: Sequence[float] = (), styled: Optional[Sequence[Sequence[bool]]] = None) -> Iterable[Heading]:
    """The headings of the body, page by page in reading order; `columns`: the left edges of the
    template's columns when it has several (a column of a page may hold few body-size lines: a
    References heading over a list set smaller); `styled`: per page, for each of its body lines,
    what `_styled` says of it (None: asked here)."""
    if not size:
        return
    for number, (page, lines) in enumerate(zip(pages, body)):
        edges = _left_edges(lines, size) + list(columns)
        toc = None
        alone = styled[number] if styled is not None else None
        for i, ln in enumerate(lines):
            # (`_is_heading`: what the line alone says first, then its place among the edges)
            if alone is None:
                heading = _is_heading(ln, size, edges)
            else:
                heading = alone[i] and _at_edge(ln, edges)
            if heading and space_above(ln, lines, size, i):
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
    starts: dict = {}  # (dicts, not Counters: made for every page)
    for ln in lines:
        if abs(ln.size - size) < 0.3:
            x = round(ln.bbox[0])
            starts[x] = starts.get(x, 0) + 1
    edges = [float(x) for x, n in starts.items() if n >= 2]
    if not edges:
        starts = {}
        for ln in lines:
            x = round(ln.bbox[0])
            starts[x] = starts.get(x, 0) + 1
        edges = [float(x) for x, n in starts.items() if n >= 2]
    return edges


def _is_heading(ln: Line, body_size: float, edges: Sequence[float]) -> bool:
    if not _heading_words(ln):
        return False
    if not _at_edge(ln, edges):
        return False
    return _heading_style(ln, body_size)


def _at_edge(ln: Line, edges: Sequence[float]) -> bool:
    """`_is_heading`'s test of the place: the line starts at one of the page's left `edges`."""
    x = ln.bbox[0]
    return any(abs(x - e) <= EDGE_TOLERANCE for e in edges)


def _heading_words(ln: Line) -> bool:
    """`_is_heading`'s test of the text: a few words (HEADING_MAX_WORDS, 90 characters), a letter among them."""
    text = ln.text
    if len(text) > 90:
        return False
    words = text.split()
    if not words or len(words) > HEADING_MAX_WORDS:
        return False
    for c in text:  # (a plain loop, not `any` of a generator: asked of most body lines)
        if c.isalpha():
            return True
    return False


def _heading_style(ln: Line, body_size: float) -> bool:
    """`_is_heading`'s test of the type: larger than the body, or bold, or in small caps (each pure:
    the first that holds decides)."""
    if ln.max_size >= body_size * HEADING_SIZE_RATIO:
        return True
    spans = ln.spans
    if spans and spans[0].text.strip() and not is_bold(spans[0]):
        size = spans[0].size
        for s in spans:
            if s.size != size:
                break
        else:
            return False  # (most lines) not bold from their first span on, in one size: no small caps either
    spans = [s for s in spans if s.text.strip()]
    return all(is_bold(s) for s in spans) or _small_caps(spans)


def is_bold(span) -> bool:
    """Set in a bold face: by the font's name (Bold, Medi, Semibold, ...) or MuPDF's bold flag."""
    return _bold_name(span.font) or bool(span.flags & 16)


@lru_cache(maxsize=1024)
def _bold_name(font: str) -> bool:
    """A bold face's name (a paper has a few dozen fonts: each name is read once)."""
    return bool(_BOLD.search(font))


def may_show_marks(doc: Document, template: Mapping, header_patterns: Sequence[str]) -> bool:
    """Could the classification under `template` find a running header matching `header_patterns` or
    a page of the review ruler? No when no line of the document stands where a running header does
    (`_header_limit`: `classify`'s test of its place) reading one of them, and no line is a ruler's
    number (`_is_ruler_number`, which a ruler page needs one of): the lines alone tell, without
    classifying the pages (TMPL001 ruling a bundled template out by its marks)."""
    top = _header_limit(template)
    compiled = compile_all(tuple(header_patterns))
    for page in doc.pages:
        for ln in page.lines:
            if ln.text.isdigit() and _is_ruler_number(ln, template):
                return True
            if ln.bbox[3] <= top and any(p.search(ln.text) for p in compiled):
                return True
    return False


def first_header(s: Structure, patterns: Sequence[str]) -> Optional[Tuple[int, str]]:
    """The first running header (page, text) matching one of the rule file's header patterns."""
    return _first_match(s.header_texts, patterns)


def first_footer(s: Structure, patterns: Sequence[str]) -> Optional[Tuple[int, str]]:
    """The first line of the template's notice below the block (page, text) matching one of the
    rule file's `footer` patterns (`review` or `camera_ready`)."""
    return _first_match(s.footer_texts, patterns)


def _first_match(texts: Iterable[Tuple[int, str]], patterns: Sequence[str]) -> Optional[Tuple[int, str]]:
    compiled = compile_all(tuple(patterns))
    for page, text in texts:
        if any(p.search(text) for p in compiled):
            return page, text
    return None



def _small_caps(spans) -> bool:
    """LaTeX \\textsc: upper-case letters in two sizes about 1.25 apart (11.96/9.56, 9.96/7.97),
    a real word among them, and mostly letters (not a line of math)."""
    first = spans[0].size if spans else None
    if all(s.size == first for s in spans):
        return False  # one size (most lines): its lettered spans have no two sizes either
    lettered = [s for s in spans if any(c.isalpha() for c in s.text)]
    sizes = sorted({s.size for s in lettered})
    if len(sizes) != 2 or sizes[0] <= 0 or not 1.15 <= sizes[1] / sizes[0] <= 1.35:
        return False
    text = "".join(s.text for s in lettered)
    letters = sum(c.isalpha() for c in text)
    if text.upper() != text or letters < 0.7 * len(text.replace(" ", "")):
        return False
    return any(sum(c.isalpha() for c in w) >= 3 for w in text.split())


def _first(headings: Sequence[Heading], names: Iterable[str], strict: bool = False) -> Optional[Heading]:
    """The first heading named one of `names` (the References); `strict` (a template of columns): never a
    numbered subsection ("5.5 References": a section of a template's instructions left in, not the
    bibliography)."""
    wanted = {n.casefold() for n in names}
    return next((h for h in headings if h.key in wanted and not (strict and _SUBSECTION.match(h.text))), None)


def _exempt_run(headings: Sequence[Heading], references: Optional[Heading], names: Iterable[str],
                kinds: Sequence[Optional[str]] = (), statements: Mapping = {}) -> Tuple[Heading, ...]:
    """The exempt sections standing right before the References: those named in exempt_sections
    (reproducibility, ethics) and the statements the rule set makes `exempt` where they may stand
    before the References (`where`: before_references or anywhere)."""
    if references is None:
        return ()
    wanted = {n.casefold() for n in names}
    end = headings.index(references)
    exempt = []
    for i, h in enumerate(headings[:end]):
        kind = kinds[i] if kinds else None
        policy = statements.get(kind) if kind else None
        exempt.append(h.key in wanted or bool(policy and policy["exempt"] and policy["where"] != "after_references"))
    inside = _inside_exempt(headings[:end], exempt)
    run: List[int] = []
    for i in range(end - 1, -1, -1):
        if not exempt[i] and not inside[i]:
            break
        run.append(i)
    # the exempt sections of the run, without their subsections (the run opens with an exempt section)
    return tuple(headings[i] for i in reversed(run) if exempt[i])


def _inside_exempt(headings: Sequence[Heading], exempt: Sequence[bool]) -> List[bool]:
    """For each heading, whether it is a subsection of the exempt section before it (smaller than that
    section's heading, with no heading as large between): "5.1 Scope" under ACL's "5 Limitations"."""
    out: List[bool] = []
    owner: Optional[float] = None  # the size of the exempt section's heading being read
    for h, free in zip(headings, exempt):
        if free:
            owner = h.size
            out.append(False)
        elif owner is not None and h.size < owner - 0.25:
            out.append(True)
        else:
            owner = None
            out.append(False)
    return out


def statement_kinds(headings: Sequence[Heading], vocabulary: Mapping, partial: bool = False,
                    known: Optional[dict] = None) -> Tuple[Optional[str], ...]:
    """For each heading, the kind of statement it opens (a key of structure.statements, or of
    statement_headings for a kind the rule set does not list), or None; all None when the rule set
    lists no statements. A heading that matches several kinds is the first of them in name order.
    `partial`: a heading none of whose patterns matches whole is of the kind one of its parts joined by
    "and", "&", "/" or commas names ("Diagnostic Visibility and Limitations", "Limitations and Future
    Works"): found and reported, but not the venue's statement section (it never ends the body).
    `known`: what a key gave before under these patterns and `partial`, kept by the caller across
    templates (a pure function of the key, the patterns and `partial`)."""
    if not vocabulary["statements"]:
        return (None,) * len(headings)
    if known is None:
        known = {}
    compiled = None
    kinds = []
    for h in headings:
        if h.key not in known:
            if compiled is None:
                compiled = _kind_patterns(vocabulary)
            known[h.key] = _kind_of(h.key, compiled, partial)
        kinds.append(known[h.key])
    return tuple(kinds)


#: what joins the parts of a heading that names several topics: "Diagnostic Visibility and Limitations"
_CONJUNCTS = re.compile(r",|&|/|\band\b")  # the parts are stripped after the split (no \s* around: linear)


def _kind_patterns(vocabulary: Mapping):
    """[(kind, compiled patterns)] in name order: statement_headings' and the listed statements' own."""
    patterns = _statement_patterns(vocabulary)
    return [(kind, compile_all(tuple(patterns[kind]), re.I)) for kind in sorted(patterns)]


def _kind_of(key: str, compiled, partial: bool = False) -> Optional[str]:
    """The kind a heading's key (normalised) names whole, else with `partial` the kind one of its joined
    parts names, else None."""
    for kind, regexes in compiled:
        for r in regexes:  # (a plain loop, not `any` of a generator: asked of every lead-in tried)
            if r.search(key):
                return kind
    parts = [part for part in (p.strip() for p in _CONJUNCTS.split(key)) if part] if partial else []
    if len(parts) < 2:
        return None
    return next((kind for kind, regexes in compiled if any(r.search(part) for part in parts for r in regexes)), None)


def _with_statement_headings(headings: Tuple[Heading, ...], pages: Sequence[Page], body: Sequence[Sequence[Line]],
                             size: Optional[float], template: Mapping, vocabulary: Mapping,
                             named: Optional[dict] = None,
                             styled: Optional[Sequence[Sequence[bool]]] = None) -> Tuple[Heading, ...]:
    """`headings` and the statement headings they miss: a line that names a statement (its kind's
    patterns), styled as a heading and standing at the text block's left edge (though no other line of its
    page starts there: a checklist's heading over indented items) or where lines of its page start (a
    column's edge) with space above it. `named`: what the text of a line gave before under these
    patterns (its key, or None: not a few words naming a statement), kept by the caller across
    templates (a pure function of the text and the patterns); `styled`: per page, for each of its body
    lines, what `_styled` says of it (None: not known). A long (packed) document's are found page by
    page with its headings and lead-ins (`_page_by_page`)."""
    if not size:
        return headings
    if named is None:
        named = {}
    reading = _statement_reading(template, vocabulary)
    known = {(h.page, h.bbox) for h in headings}
    added = []
    for number, (page, lines) in enumerate(zip(pages, body)):
        added.extend(_page_statement_headings(page.number, lines, known, size, reading, named,
                                              styled=styled[number] if styled is not None else None))
    if not added:
        return headings
    order = {}
    for h in (*headings, *added):
        order[id(h)] = (h.page, _index_of(h, body[h.page - 1]))
    return tuple(sorted((*headings, *added), key=lambda h: order[id(h)]))


def _statement_reading(template: Mapping, vocabulary: Mapping) -> tuple:
    """(the statement-heading patterns compiled, the block's left edge as a list, its right edge
    with the tolerance): what `_page_statement_headings` reads of the template and vocabulary."""
    patterns = _statement_patterns(vocabulary)
    regexes = [r for kind in sorted(patterns) for r in compile_all(tuple(patterns[kind]), re.I)]
    return regexes, [float(template["text_block"][0])], float(template["text_block"][2]) + EDGE_TOLERANCE


def _page_statement_headings(number: int, lines: Sequence[Line], known, size: float, reading: tuple,
                             named: dict, bound: Optional[int] = None,
                             styled: Optional[Sequence[bool]] = None) -> List[Heading]:
    """The statement headings of one page (`_with_statement_headings`): page `number`, its body
    `lines`; `known`: (page, bbox) of the headings found; `reading`: `_statement_reading`'s; `named`:
    the memo of what a text names, emptied when it holds `bound` texts (None: never); `styled`: for
    each line, what `_styled` says of it (None: not known)."""
    regexes, edge, right = reading
    added = []
    for i, ln in enumerate(lines):
        if styled is not None and not styled[i]:
            continue  # not a heading's words and type: `_is_heading` below says no, whatever it names
        text = ln.text
        if text in named:
            key = named[text]
        else:  # (`_is_heading` below asks `_heading_words` first: no heading, whatever it names)
            key = normalise(text) if _heading_words(ln) else None
            if key is not None and not any(r.search(key) for r in regexes):
                key = None
            if bound is not None and len(named) >= bound:
                named.clear()
            named[text] = key
        if key is None or (number, ln.bbox) in known:  # (most lines name none: asked first)
            continue
        if (_is_heading(ln, size, edge + _left_edges(lines, size))
                and space_above(ln, lines, size, i) and not _toc_entry(ln, [o for o in lines if o.bbox[2] <= right])):
            # a table of contents' entry is no heading (its page number stands in the text block; a
            # number in the margin beside it is a line-number ruler's)
            added.append(Heading(page=number, bbox=ln.bbox, text=ln.text, key=key, size=ln.max_size))
    return added


#: how many line texts a long document's page-by-page reading (`_page_by_page`) remembers at once of
#: what they name (the running header and other texts repeated page after page stay among them;
#: kept whole, the memo held every line's text of the document: 17 MiB over 2,000 distinct pages)
NAMED_KEPT = 4096


def _page_by_page(doc: Document, c: Classified, size: Optional[float], edges: Tuple[float, ...],
                  template: Mapping, vocabulary: Mapping) -> Tuple[Tuple[Heading, ...], tuple]:
    """(headings, lead-ins) of a long (packed) document: `_headings`, then `_with_statement_headings`
    and `_leads` when the rule set lists statements, the same values, each page decoded once for
    the three (`_PageReader`) instead of once for each."""
    if not size:
        return (), ()
    reader = _PageReader(size, edges, template, vocabulary)
    for number, (page, lines) in enumerate(zip(doc.pages, c.body), 1):
        reader.read(number, page, lines)
    return reader.result()


class _PageReader:
    """`_page_by_page`'s reading, one page at a time (its body lines in reading order), given the
    body size: the page's headings, statement headings and lead-ins, each of which needs only that
    page's body lines, the body size and the page's headings. The headings' order is
    `_with_statement_headings`' (by page and place among the page's body lines, read while the page
    is decoded), the lead-ins' `_run_ins`'."""

    def __init__(self, size: float, edges: Tuple[float, ...], template: Mapping, vocabulary: Mapping):
        self.size, self.edges = size, edges
        self.statements = bool(vocabulary["statements"])
        self.reading = _statement_reading(template, vocabulary) if self.statements else None
        self.named: dict = {}
        self.found: List[Heading] = []
        self.added: List[Heading] = []
        self.order: dict = {}
        self.leads: list = []
        self.pages = 0  # how many pages were read

    def read(self, number: int, page: Page, lines: Sequence[Line]) -> None:
        self.pages += 1
        size = self.size
        own = tuple(find_headings([page], [lines], size, self.edges))
        self.found.extend(own)
        if not self.statements:
            return
        known = {(h.page, h.bbox) for h in own}
        more = _page_statement_headings(page.number, lines, known, size, self.reading, self.named, NAMED_KEPT)
        if more:
            self.added.extend(more)
            known.update((h.page, h.bbox) for h in more)
        for h in (*own, *more):
            self.order[id(h)] = (h.page, _index_of(h, lines))
        self.leads.extend(_page_run_ins(number, lines, size, known))

    def read_all(self, pages: int) -> bool:
        """Was every one of the document's `pages` read?"""
        return self.pages == pages

    def result(self) -> Tuple[Tuple[Heading, ...], tuple]:
        found, added, order = self.found, self.added, self.order
        if not added:
            return tuple(found), tuple(self.leads)
        return tuple(sorted((*found, *added), key=lambda h: order[id(h)])), tuple(self.leads)


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
                vocabulary: Mapping, leads: Sequence = (), named_kinds: Optional[dict] = None) -> Tuple[Statement, ...]:
    """Every statement found, when the rule set lists any: its kind, extent, length and place, in reading
    order. A statement heading inside another statement (a checklist's "2. Limitations" item) is part of
    it. Besides the headings `kinds` gives, a heading one of whose joined parts names a kind
    (statement_kinds' `partial`) and a paragraph opening with a bold lead-in that names one (run-in,
    `leads`, what `_run_ins` found) are statements too. `named_kinds`: statement_kinds' `known` for its
    `partial` reading."""
    if not vocabulary["statements"]:
        return ()
    partial = statement_kinds(headings, vocabulary, partial=True, known=named_kinds)
    kinds = [kind or extra for kind, extra in zip(kinds, partial)]
    appendix = _first_appendix(headings, vocabulary["appendix_headings"])
    stops = {id(h) for h in (references, appendix) if h is not None}
    end_index = len(headings)
    if body_end is not None:  # a run-in paragraph that ends the body stands after the headings before it
        end_at = (body_end.page, _index_of(body_end, body[body_end.page - 1]))
        end_index = (headings.index(body_end) if body_end in headings else
                     sum(1 for h in headings if (h.page, _index_of(h, body[h.page - 1])) < end_at))
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
    if leads:
        found.extend(_run_in_statements(headings, found, references, body_end, body, template, vocabulary, leads))
        found.sort(key=lambda st: (st.heading.page, _index_of(st.heading, body[st.heading.page - 1])))
    return tuple(found)


#: a run-in lead-in has at most this many words ("Limitations and broader impact.")
RUN_IN_MAX_WORDS = 8
#: at most this many run-in statements are measured in a document (a paper has a handful)
RUN_IN_MAX_STATEMENTS = 100
#: how far right of a column's left edge a paragraph's first line may start (its indent), in body sizes
RUN_IN_MAX_INDENT = 2.0


def _lead_in(ln: Line, size: float) -> Optional[Tuple[str, bool]]:
    """(the lead-in a line opens with, whether it is bold), or None. Bold: the line's first words in a
    bold face at body size ("Limitations and scope." before the paragraph's text), ended by a period or
    colon (its own or the text's right after it), with text after it on the line. Not bold: the line's
    first sentence when it is a few words ended by a period or colon ("Limitations. We test ...", what a
    lead-in set in the text face leaves), `_run_in_statements` takes it only when it names a kind whole."""
    spans = ln.spans
    n = 0
    while n < len(spans) and (not spans[n].text.strip() or (is_bold(spans[n]) and abs(spans[n].size - size) <= 0.6)):
        n += 1
    lead = " ".join("".join(s.text for s in spans[:n]).split()) if n else ""  # (most lines: no bold start)
    if lead and any(s.text.strip() for s in spans[n:]):
        rest = "".join(s.text for s in spans[n:]).lstrip()
        if not (lead.endswith((".", ":")) or rest.startswith((".", ":"))):
            return None
        if len(lead.split()) > RUN_IN_MAX_WORDS or not any(c.isalpha() for c in lead):
            return None
        return lead.rstrip(".:"), True
    m = _PLAIN_LEAD.match(ln.text)
    if m and not lead and len(m.group(1).split()) <= RUN_IN_PLAIN_MAX_WORDS:
        return m.group(1), False
    return None


#: a lead-in in the text face: the line's first sentence, a capitalised phrase ended by a period or colon
_PLAIN_LEAD = re.compile(r"^([A-Z][A-Za-z'\- ]{1,60}?)[.:]\s+\S")
#: at most this many words in a lead-in set in the text face ("Limitations and broader impact.")
RUN_IN_PLAIN_MAX_WORDS = 5


def _paragraph_start(ln: Line, lines: Sequence[Line], index: int, size: float) -> bool:
    """`ln` opens a paragraph: nothing above it in its column on the page, space above it, or the line
    above it in its column ends short of it (the last line of the paragraph before)."""
    for j in range(index, 0, -1):
        prev = lines[j - 1]
        if prev.bbox[2] <= ln.bbox[0] or prev.bbox[0] >= ln.bbox[2] or prev.baseline >= ln.baseline:
            continue  # another column, or beside it
        if ln.baseline - prev.baseline >= HEADING_MIN_PITCH * size:
            return True
        return prev.bbox[2] < ln.bbox[2] - 2 * size or ln.bbox[0] > prev.bbox[0] + EDGE_TOLERANCE
    return True


def _run_ins(body: Sequence[Sequence[Line]], size: float, headings: Sequence[Heading]):
    """(page, index, line, lead-in, bold) of every paragraph of the body opening with a lead-in (`_lead_in`)
    at a column's left edge (or its paragraph indent), the headings' own lines aside."""
    known = {(h.page, h.bbox) for h in headings}
    for number, lines in enumerate(body, 1):
        yield from _page_run_ins(number, lines, size, known)


def _page_run_ins(number: int, lines: Sequence[Line], size: float, known,
                  leads: Optional[Sequence] = None) -> Iterable[tuple]:
    """`_run_ins` of one page (`number`, its body `lines`); `known`: (page, bbox) of the headings;
    `leads`: the `_lead_in` of each line (None: read here)."""
    edges = None
    for i, ln in enumerate(lines):
        if not ln.spans or (number, ln.bbox) in known:
            continue
        found = _lead_in(ln, size) if leads is None else leads[i]
        if found is None:
            continue
        if edges is None:
            edges = _left_edges(lines, size)
        if (any(-EDGE_TOLERANCE <= ln.bbox[0] - e <= RUN_IN_MAX_INDENT * size for e in edges)
                and _paragraph_start(ln, lines, i, size)):
            yield number, i, ln, found[0], found[1]


def _lead_heading(page: int, ln: Line, lead: str) -> Heading:
    """A run-in lead-in as the heading of its statement: the paragraph's first line, the lead-in its text."""
    return Heading(page=page, bbox=ln.bbox, text=lead, key=normalise(lead),
                   size=max(s.size for s in ln.spans if s.text.strip()))


def _exempt_run_ins(headings: Sequence[Heading], leads: Sequence, references: Optional[Heading],
                    excluded: Sequence[Heading], body: Sequence[Sequence[Line]], vocabulary: Mapping) -> Tuple[Heading, ...]:
    """The run-in statements the rule set makes `exempt` before the References that stand right before the
    exempt sections there (or the References): nothing but such paragraphs between the last heading and
    them (CVPR's "Acknowledgment." paragraph opening the first page of references). A run-in statement
    inside a section, with text of that section after it, is counted where it stands."""
    if references is None or not leads:
        return ()
    statements = vocabulary["statements"]
    compiled = _kind_patterns(vocabulary)
    boundary = excluded[0] if excluded else references
    where = _Positions(body)
    limit = where(boundary)
    floor = max((at for at in map(where, headings) if at < limit), default=(0, -1))
    run: List[Heading] = []
    for page, i, ln, lead, _bold in reversed(leads):
        if (page, i) >= limit:
            continue
        if (page, i) <= floor:
            break
        kind = _kind_of(normalise(lead), compiled)  # named whole: the venue's section, set run-in
        policy = statements.get(kind) if kind else None
        if not (policy and policy["exempt"] and policy["where"] != "after_references"):
            break
        run.append(_lead_heading(page, ln, lead))
        limit = (page, i)
    return tuple(reversed(run))


class _Positions:
    """(page, index among its page's body lines) of a heading, by its line's box: each page's boxes are
    read once (a page of many headings is not searched once for each)."""

    def __init__(self, body: Sequence[Sequence[Line]]):
        self.body, self.pages = body, {}

    def __call__(self, h: Heading) -> Tuple[int, int]:
        boxes = self.pages.get(h.page)
        if boxes is None:
            boxes = self.pages[h.page] = {}
            for i, ln in enumerate(self.body[h.page - 1]):
                boxes.setdefault(ln.bbox, i)
        i = boxes.get(h.bbox)
        return h.page, i if i is not None else _index_of(h, self.body[h.page - 1])


def _run_in_statements(headings: Sequence[Heading], found: Sequence[Statement], references: Optional[Heading],
                       body_end: Optional[Heading], body: Sequence[Sequence[Line]], template: Mapping,
                       vocabulary: Mapping, leads: Sequence) -> List[Statement]:
    """The statements set as run-in paragraphs ("**Limitations.** Our study ..." inside a section): a
    bold lead-in naming a kind (whole, or one of its joined parts) opens one, which runs to the next
    heading or lead-in. One inside a statement found by its heading (a checklist's items) is part of it.
    It sits inside a counted section, so it ends the body only as `_exempt_run_ins` says; `counted` says
    whether it stands before the body's end."""
    compiled = _kind_patterns(vocabulary)
    where = _Positions(body)
    marks = sorted([where(h) for h in headings] + [(page, i) for page, i, _, _, _ in leads])
    spans = sorted((where(st.heading), where(st.end) if st.end is not None else (len(body) + 1, 0)) for st in found)
    starts = [a for a, _ in spans]
    end_at = where(body_end) if body_end is not None else None
    ref_at = where(references) if references is not None else None
    out: List[Statement] = []
    for page, i, ln, lead, bold in leads:
        kind = _kind_of(normalise(lead), compiled, partial=bold)
        here = (page, i)
        k = bisect_left(starts, (page, i + 1)) - 1  # the last statement opening at or before it (none overlap)
        inside = k >= 0 and spans[k][0] <= here < spans[k][1]
        if kind is None or inside:
            continue
        if len(out) == RUN_IN_MAX_STATEMENTS:
            break  # a paper has a handful; thousands are a hostile file's, not statements to measure
        heading = _lead_heading(page, ln, lead)
        m = bisect_left(marks, (page, i + 1))
        nxt = marks[m] if m < len(marks) else None
        stop = None
        if nxt is not None:
            stop_line = body[nxt[0] - 1][nxt[1]]
            stop = Heading(page=nxt[0], bbox=stop_line.bbox, text=stop_line.text, key=normalise(stop_line.text),
                           size=stop_line.max_size)
        last_page, length = _extent(heading, stop, body, template)
        out.append(Statement(kind=kind, heading=heading, end=stop, last_page=last_page, length=length,
                             place="before_references" if ref_at is None or here < ref_at else "after_references",
                             counted=end_at is None or here < end_at, run_in=True))
    return out


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


def _appendix_before(headings: Sequence[Heading], end: Optional[Heading], names: Iterable[str],
                     strict: bool = False) -> Optional[Heading]:
    if end is None:
        return None
    return _first_appendix(headings[: headings.index(end)], names, strict)


def _first_appendix(before: Sequence[Heading], names: Iterable[str], strict: bool = False) -> Optional[Heading]:
    """The first appendix heading: an "Appendix" heading, or a lettered section ("A PROOFS", what
    `\\appendix` makes of \\section) after digit-numbered ones."""
    wanted = tuple(n.casefold() for n in names)
    numbered = False  # lettered sections count only after digit-numbered ones (not the title)
    for h in before:
        if h.key.startswith(wanted) and not (strict and _SUBSECTION.match(h.text)):  # not "5.7 Appendices"
            return h
        if numbered and _LETTER_SECTION.match(h.text):
            return h
        numbered = numbered or bool(_DIGIT_SECTION.match(h.text))
    return None


#: the lines after a heading that tell whether it opens one-column text, and how many of them span the gap
ONE_COLUMN_LOOK = 6
ONE_COLUMN_SPANNING = 3
#: a page of two columns holds at least this many lines wholly in its right column
TWO_COLUMN_PAGE_LINES = 5


def _opens_one_column(heading: Heading, lines: Sequence[Line], gap: Tuple[float, float],
                      before: Optional[Sequence[Line]]) -> bool:
    """The heading opens one-column text (most of the lines after it span the gap) and the page
    before it (`before`: its body lines) was set in two columns."""
    if before is None:
        return False
    after = lines[_index_of(heading, lines) + 1:][:ONE_COLUMN_LOOK]
    spanning = sum(1 for ln in after if ln.bbox[0] < gap[0] and ln.bbox[2] > gap[1])
    right = sum(1 for ln in before if ln.bbox[0] >= gap[0])
    return spanning >= ONE_COLUMN_SPANNING and right >= TWO_COLUMN_PAGE_LINES


def is_first_on_page(heading: Heading, lines: Sequence[Line], page: Page, template: Mapping,
                     before: Optional[Sequence[Line]] = None) -> bool:
    """Nothing of the body (text, figure, table rule) stands above the heading on its page; `before`:
    the body lines of the page before (a template of columns: does the heading open one-column text
    after two-column pages)."""
    top = heading.bbox[1] - 1.0
    gap = _template_gap(template)
    if gap is not None:
        return _first_in_columns(heading, lines, page, template, gap, _opens_one_column(heading, lines, gap, before))
    if any(ln.bbox[1] < top for ln in lines):
        return False
    block_top = template["text_block"][1]
    for ink in page.ink:
        x0, y0, x1, y1 = ink.bbox
        if y1 <= top and y1 > block_top - 2 and (x1 - x0) * (y1 - y0) > 4.0:
            return False
    return True


def _first_in_columns(heading: Heading, lines: Sequence[Line], page: Page, template: Mapping,
                      gap: Tuple[float, float], opens_one_column: bool = False) -> bool:
    """is_first_on_page on a page of columns: no body line before the heading in reading order (a
    References heading at the top of the right column of a page whose left column holds text is
    not first), and no figure or rule above it in its column, nor anywhere in a column before it.
    `opens_one_column`: the heading opens a one-column part after the two-column pages (`\\onecolumn`
    appendix): \\onecolumn starts a new page once every float of the columns is out, so what stands
    above the heading on that page (a float of the part it opens) was set after it."""
    before = lines_before(heading, lines)
    if before and not opens_one_column:
        return False
    if opens_one_column:
        return True
    top = heading.bbox[1] - 1.0
    middle = (gap[0] + gap[1]) / 2
    in_right = (heading.bbox[0] + heading.bbox[2]) / 2 >= middle
    block_top, block_bottom = template["text_block"][1], template["text_block"][3]
    for ink in page.ink:
        x0, y0, x1, y1 = ink.bbox
        if ink.kind.startswith("clip") or (x1 - x0) * (y1 - y0) <= 4.0 or y1 <= block_top - 2 or y0 >= block_bottom + 2:
            continue
        if y1 <= top and (x1 > middle if in_right else x0 < middle):
            return False  # above it in its column (or across both)
        if in_right and x1 <= middle:
            return False  # in the left column, before it
    return True


def lines_before(heading: Heading, lines: Sequence[Line]) -> Sequence[Line]:
    """The body lines of the heading's page that come before it in reading order."""
    return lines[:_index_of(heading, lines)]
