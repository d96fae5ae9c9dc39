"""Measurements of the page layout that several checks share: the body text's size, font and
baseline pitch, and the text block the body lines actually fill (its columns and extent).

Everything is a pure function of the document model and the structure analysis (furniture
already removed), computed in one linear pass over the body lines and memoised on the document.
Positions are PDF points, origin top-left, like the model.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from scope_check.model.document import Document, Line
from scope_check.model.packed_pages import is_packed
from scope_check.model.findings import BBox
from scope_check.config.rules import RuleSet
from scope_check.analysis.structure import (Structure, analyse, classification_inputs, lines_before,
                                           template_columns as columns_of, token)

#: sizes within this fraction of each other are one body size: microtype's font expansion scales
#: glyphs by up to 2 % (MuPDF then reports 9.86, 9.93, 10.06 ... for a 10 pt body)
SIZE_CLUSTER = 0.025
#: a baseline pitch counts as "inside a paragraph" between these multiples of the body size
#: (a paragraph break adds the template's 6 pt \parskip: 17 pt at 10 pt, outside the range)
PITCH_RANGE = (0.8, 1.6)
#: pitches are compared after rounding to this step, in points
PITCH_STEP = 0.05
#: two pieces of a visual line more than this far apart are two columns (a gutter), not two words:
#: inter-word spaces in justified 10 pt text stay under 5 pt; two-column gutters are 12 pt or more
GUTTER_MIN = 6.0
#: a column is at least this wide (margin notes and table cells are narrower)
COLUMN_MIN_WIDTH = 100.0
#: a text column is a left/right edge pair shared by at least this many body lines ...
COLUMN_MIN_LINES = 8
#: ... and a further column holds at least this share of the main column's lines
COLUMN_MIN_SHARE = 0.25
#: a page takes part in the vertical extent when it has at least this many body lines
PAGE_MIN_LINES = 5


@dataclass(frozen=True)
class Typography:
    """The body text of the pages before the References (the counted body)."""

    size: Optional[float]  # the body size: weighted median of the dominant size cluster
    font: Optional[str]  # the font with the most body characters, subset prefix stripped
    leading: Optional[float]  # the most common baseline pitch inside paragraphs
    size_range: Tuple[float, float]  # sizes that count as body size
    pitches: int  # how many in-paragraph pitches were measured


@dataclass(frozen=True)
class TextBlock:
    """Where the body lines are: columns (left, right) and the extreme baselines."""

    columns: Tuple[Tuple[float, float], ...]  # left to right
    first_baseline: Optional[float]  # the pages' first body baselines, upper quartile (robust)
    last_baseline: Optional[float]  # the pages' last body baselines, lower quartile (robust)
    lines: int  # full-width lines that define the main column

    @property
    def x0(self) -> Optional[float]:
        return self.columns[0][0] if self.columns else None

    @property
    def x1(self) -> Optional[float]:
        return self.columns[-1][1] if self.columns else None

    def bbox(self, topskip: float) -> Optional[BBox]:
        """The block rectangle: the first baseline sits \\topskip below its top, the last
        baseline on its bottom (TeX's \\flushbottom page)."""
        if not self.columns or self.first_baseline is None or self.last_baseline is None:
            return None
        return (self.columns[0][0], self.first_baseline - topskip, self.columns[-1][1], self.last_baseline)


def topskip(rules: RuleSet) -> float:
    """TeX sets the first baseline of a page \\topskip below the block's top; the template's
    \\topskip is its body size (10 pt)."""
    return float(rules.template["body_font_size"])


def typography(doc: Document, rules: RuleSet) -> Typography:
    return doc.derived(("typography", token(rules.template), token(rules.structure)), lambda: _shared_typography(doc, rules))


def text_block(doc: Document, rules: RuleSet) -> TextBlock:
    return doc.derived(("text-block", token(rules.template), token(rules.structure)), lambda: _shared_text_block(doc, rules))


def _shared_typography(doc: Document, rules: RuleSet) -> Typography:
    """`_typography` reads the counted body (`body_region`): the body lines (the classification's,
    `classification_inputs`), where the body ends and whether they are read by columns; rule sets
    (TMPL001 ranking the bundled templates) whose structures agree on those share one measurement."""
    s = analyse(doc, rules)
    key = ("body-typography", classification_inputs(rules.template), s.body_end, s.columns > 1)
    return doc.derived(key, lambda: _typography(doc, s))


def _shared_text_block(doc: Document, rules: RuleSet) -> TextBlock:
    """`_text_block` reads the body lines (the classification's), the body size range, the
    template's gap and the last page of columns: rule sets agreeing on those share one block."""
    s = analyse(doc, rules)
    t = typography(doc, rules)
    gap = _gap(rules)
    last = s.references.page if gap is not None and s.references is not None else len(s.body_lines)
    key = ("body-text-block", classification_inputs(rules.template), t.size, t.size_range, gap, last)
    return doc.derived(key, lambda: _text_block(doc, s, t, gap))


# --- the body's size, font and leading -------------------------------------------------------


def body_region(s: Structure) -> "BodyRegion":
    """(page number, body lines) of the counted body: the pages before the References (or the
    exempt sections before them), the lines above that heading on its own page."""
    return BodyRegion(s)


class BodyRegion:
    """The counted body (`body_region`), read from the structure each time it is iterated or a
    page of it is looked up (`get`, as a dict's), so that it holds no page's lines itself."""

    def __init__(self, s: Structure):
        self.s = s
        self.columns = s.columns > 1
        end = s.body_end
        self.count = len(s.body_lines) if end is None else min(end.page, len(s.body_lines))

    def __len__(self) -> int:
        return self.count

    def __iter__(self):
        for number in range(1, self.count + 1):
            yield number, self._lines(number)

    def get(self, number: int, default=None):
        return self._lines(number) if 1 <= number <= self.count else default

    def _lines(self, number: int) -> Sequence[Line]:
        lines = self.s.body_lines[number - 1]
        end = self.s.body_end
        if end is not None and number == end.page:
            if self.columns:  # read column by column: the lines before the heading in reading order
                return lines_before(end, lines)
            lines = [ln for ln in lines if ln.baseline < end.bbox[1]]
        return lines


def _partial(region: BodyRegion, end) -> List[Tuple[int, Sequence[Line]]]:
    """(page, lines) of the counted body's page that it holds only in part (the page where it ends)."""
    if end is None or not 1 <= end.page <= len(region):
        return []
    return [(end.page, region.get(end.page))]


def size_cluster(weights: Mapping[float, int]) -> Tuple[Optional[float], Tuple[float, float]]:
    """The dominant size cluster (sizes within SIZE_CLUSTER of each other) and its weighted median."""
    if not weights:
        return None, (0.0, 0.0)
    sizes = sorted(weights)
    best, best_weight = sizes[0], -1
    for s in sizes:
        w = sum(weights[t] for t in sizes if abs(t - s) <= SIZE_CLUSTER * s)
        if w > best_weight:
            best, best_weight = s, w
    lo, hi = best * (1 - SIZE_CLUSTER), best * (1 + SIZE_CLUSTER)
    members = [(t, weights[t]) for t in sizes if lo <= t <= hi]
    half, seen = sum(w for _, w in members) / 2, 0
    median = members[-1][0]
    for t, w in members:
        seen += w
        if seen >= half:
            median = t
            break
    return median, (lo, hi)


def _typography(doc: Document, s: Structure) -> Typography:
    region = body_region(s)
    weights: Counter = Counter()  # (its order is never read: size_cluster sorts the sizes)
    end = s.body_end
    for _, lines in (region if s.page_weights is None else _partial(region, end)):
        for ln in lines:
            for sp in ln.spans:
                n = len(sp.text) - sp.text.count(" ")
                if n:
                    weights[sp.size] += n
    if s.page_weights is not None:  # the whole pages' body lines: their sums from the classification
        for number in range(1, len(region) + 1):
            if end is None or number != end.page:
                for size, n in s.page_weights[number - 1]:
                    if n:
                        weights[size] += n
    size, (lo, hi) = size_cluster(weights)
    if size is None:
        return Typography(None, None, None, (0.0, 0.0), 0)
    fonts: Counter = Counter()
    pitches: Counter = Counter()
    kept = _per_page(doc, s, "page-typography")
    for number, lines in region:
        # (each page's sums added in page order: each font and pitch first met in the same order)
        page_fonts, page_pitches = _page_typography(kept, s, number, lines, size, (lo, hi))
        for font, n in page_fonts:
            fonts[font] += n
        for pitch, n in page_pitches:
            pitches[pitch] += n
    leading = pitches.most_common(1)[0][0] if pitches else None
    font = fonts.most_common(1)[0][0] if fonts else None
    return Typography(size, font, leading, (lo, hi), sum(pitches.values()))


def _per_page(doc: Document, s: Structure, kind: str) -> Optional[dict]:
    """The document's table of one kind of per-page measurement (`_page_typography`, `_page_edges`,
    `_page_ends`), or None for a long (packed) document, whose pages are read anew each time."""
    return None if s.picks is None else doc.derived((kind,), dict)


def _page_typography(kept: Optional[dict], s: Structure, number: int, lines: Sequence[Line], size: float,
                     size_range: Tuple[float, float]) -> Tuple[tuple, tuple]:
    """`_font_and_pitches` of a page of the counted body, kept in `kept` (`_per_page`). A whole page's
    depends on its body lines in reading order (its `picks`) and the size alone: templates (TMPL001
    ranking the bundled ones) that classify the page alike read it once. The page where the body
    ends (held in part) is read each time."""
    end = s.body_end
    if kept is None or (end is not None and number == end.page):
        return _font_and_pitches(lines, size, size_range)
    key = (number, s.picks[number - 1], size, size_range)
    found = kept.get(key)
    if found is None:
        found = kept[key] = _font_and_pitches(lines, size, size_range)
    return found


def _font_and_pitches(lines: Sequence[Line], size: float, size_range: Tuple[float, float]) -> Tuple[tuple, tuple]:
    """((font, characters), ...) of the body-size spans of the body-size lines, and ((pitch, count), ...)
    of the baseline pitches inside paragraphs, each column on its own, of one page's body `lines`
    (in reading order), each in the order first met."""
    lo, hi = size_range
    fonts: dict = {}  # (dicts, not Counters: made for every page)
    get = fonts.get
    steps: dict = {}  # pitches counted in whole PITCH_STEPs, each step's key made once at the end
    pmin, pmax = PITCH_RANGE[0] * size, PITCH_RANGE[1] * size
    columns: List[List[float]] = []  # [x0, x1, baseline] of the last body-size line of each column so far
    for ln in lines:
        if not lo <= ln.size <= hi:
            continue
        for sp in ln.spans:
            if lo <= sp.size <= hi:
                text = sp.text
                fonts[sp.font] = get(sp.font, 0) + len(text) - text.count(" ")
        x0, _, x1, _ = ln.bbox
        baseline = ln.baseline
        for column in columns:
            if column[0] < x1 and x0 < column[1]:  # same column
                pitch = baseline - column[2]
                if pmin <= pitch <= pmax:
                    step = round(pitch / PITCH_STEP)
                    steps[step] = steps.get(step, 0) + 1
                column[0], column[1], column[2] = x0, x1, baseline
                break
        else:
            columns.append([x0, x1, baseline])
    # (steps a whole PITCH_STEP apart never round to one key: each step's count is its key's)
    return tuple(fonts.items()), tuple((round(step * PITCH_STEP, 2), n) for step, n in steps.items())


# --- the text block --------------------------------------------------------------------------


def pieces(line: Line, gap: float = GUTTER_MIN) -> List[Tuple[BBox, str]]:
    """The line cut where two spans are further apart than `gap` (columns merged on one baseline,
    a margin note beside a body line): [(bbox, text)]. White-space spans count for the text only."""
    groups: List[List] = []
    right = None
    for sp in line.spans:
        if not sp.text.strip():
            if groups:
                groups[-1].append(sp)
            continue
        if right is None or sp.bbox[0] - right > gap:
            groups.append([sp])
            right = sp.bbox[2]
        else:
            groups[-1].append(sp)
            right = max(right, sp.bbox[2])
    result = []
    for g in groups:
        inked = [sp for sp in g if sp.text.strip()]
        box = (min(sp.bbox[0] for sp in inked), min(sp.bbox[1] for sp in inked),
               max(sp.bbox[2] for sp in inked), max(sp.bbox[3] for sp in inked))
        result.append((box, " ".join("".join(sp.text for sp in g).split())))
    return result


def piece_extents(line: Line, gap: float = GUTTER_MIN) -> List[Tuple[float, float]]:
    """(x0, x1) of each of `pieces(line, gap)`, without their text or height (what the text block
    reads): the same cuts (a span further than `gap` right of the piece so far starts a new one;
    white-space spans never start, widen or cut one), the same extents (the inked spans' least x0
    and greatest x1)."""
    out: List[List[float]] = []
    right = None
    for sp in line.spans:
        text = sp.text
        if not text or text.isspace():  # `not text.strip()`: the same characters are white space
            continue
        x0, _, x1, _ = sp.bbox
        if right is None or x0 - right > gap:
            out.append([x0, x1])
            right = x1
        else:
            piece = out[-1]
            if x0 < piece[0]:
                piece[0] = x0
            if x1 > right:
                right = piece[1] = x1
    return [(a, b) for a, b in out]


def _text_block(doc: Document, s: Structure, t: Typography, gap: Optional[Tuple[float, float]]) -> TextBlock:
    """The block the body lines fill (`s`'s, those of the size range `t` measured); `gap`: the
    template's gap between its first two columns (None: one column)."""
    if t.size is None:
        return TextBlock((), None, None, 0)
    lo, hi = t.size_range
    edges: Counter = Counter()
    # the first two pages each edge pair is found on: what the choice of columns reads of them (a
    # set of every page, held for each pair of a long document's, took 20 MiB over 10,000 pages)
    edge_pages: Dict[Tuple[int, int], set] = defaultdict(set)
    # a template of columns: its columns are those of the pages up to the References (a one-column
    # appendix after them, as ICML's own example sets it, is not the paper's layout)
    body = s.body_lines
    last = s.references.page if gap is not None and s.references is not None else len(body)
    # a long (packed) document, whose pages are decoded at each reading: its block's ends are read in
    # the same pass as its edges, between the left and right edges its last block had (`guess`), and
    # kept when the edges come out the same (read again if not)
    guess = doc.derived(("packed-block-edges",), lambda: [None]) if is_packed(doc) else None
    ends = guess[0] if guess is not None else None
    # each page's edges kept across templates under its body lines in reading order (not for a packed
    # document: `_per_page`)
    kept = _per_page(doc, s, "page-edges")
    firsts: List[float] = []
    lasts: List[float] = []
    for number in range(1, (len(body) if ends else min(last, len(body))) + 1):
        lines = body[number - 1]
        if ends:
            _block_ends(lines, ends[0], ends[1], gap, firsts, lasts)
        if number > last:
            continue
        for key, n in _page_edges(doc, kept, s.picks, number, lines, (lo, hi)):  # (in the order first met)
            edges[key] += n
            found = edge_pages[key]
            if len(found) < 2:
                found.add(number)
    if not edges:
        return TextBlock((), None, None, 0)
    (main, count), = edges.most_common(1)
    if count < COLUMN_MIN_LINES:
        return TextBlock((), None, None, count)
    columns = [main]
    for key, n in edges.most_common():
        if n < max(COLUMN_MIN_LINES, COLUMN_MIN_SHARE * count):
            break
        if len(edge_pages[key]) < min(2, len(edge_pages[main])):  # (at most 2 pages kept: the same answer)
            continue
        if all(key[1] <= c[0] or key[0] >= c[1] for c in columns):
            columns.append(key)
    columns.sort()
    left, right = float(columns[0][0]), float(columns[-1][1])
    if guess is not None:
        guess[0] = (left, right)
    if ends != (left, right):
        firsts, lasts = [], []
        kept_ends = _per_page(doc, s, "page-block-ends")
        # its ends under which of its lines are body (their positions, a frozenset: its hash is kept)
        body_sets = None if kept_ends is None else [frozenset(p) for p in s.picks]
        for number, lines in enumerate(body, 1):  # read again: any size (a heading or a float may open the page)
            for first, final in _page_ends(doc, kept_ends, body_sets, s.picks, number, lines, (left, right), gap):
                firsts.append(first)
                lasts.append(final)
    firsts.sort()
    lasts.sort(reverse=True)
    return TextBlock(tuple((float(a), float(b)) for a, b in columns), _quartile(firsts), _quartile(lasts), count)


def _page_edges(doc: Document, kept: Optional[dict], picks: Optional[Sequence[Tuple[int, ...]]], number: int,
                lines: Sequence[Line], size_range: Tuple[float, float]) -> Tuple[Tuple[Tuple[int, int], int], ...]:
    """((left, right), lines) of each edge pair of a page's body-size `lines` (the pieces at least
    COLUMN_MIN_WIDTH wide, rounded), in the order first met, kept in `kept` (`_per_page`). It depends
    on the page's body lines in reading order (`picks`: their positions; the order first met breaks
    a tie between the most common pairs) and the size range alone: templates that classify and order
    the page alike (TMPL001 ranking the bundled ones) read it once, and its lines' pieces (`_Cuts`)
    are read once for every template."""
    if kept is None:
        return _edges_of(lines, size_range)
    key = (number, picks[number - 1], size_range)
    found = kept.get(key)
    if found is None:
        found = kept[key] = _edges_of(lines, size_range, _Cuts(doc, number, picks[number - 1]))
    return found


def _edges_of(lines: Sequence[Line], size_range: Tuple[float, float],
              cuts: Optional["_Cuts"] = None) -> Tuple[Tuple[Tuple[int, int], int], ...]:
    """`_page_edges`' pairs of a page's body `lines`; `cuts`: their `piece_extents` by their place
    among them (None: cut here)."""
    lo, hi = size_range
    edges: dict = {}  # (a dict, not a Counter: made for every page)
    for k, ln in enumerate(lines):
        if not lo <= ln.size <= hi:
            continue
        if len(ln.spans) == 1:
            extents: Sequence[Tuple[float, float]] = ((ln.bbox[0], ln.bbox[2]),)
        else:
            extents = piece_extents(ln) if cuts is None else cuts(k)
        for a, b in extents:
            if b - a >= COLUMN_MIN_WIDTH:
                key = (round(a), round(b))
                edges[key] = edges.get(key, 0) + 1
    return tuple(edges.items())


def _page_ends(doc: Document, kept: Optional[dict], body_sets: Optional[list], picks: Optional[Sequence[Tuple[int, ...]]],
               number: int, lines: Sequence[Line], sides: Tuple[float, float],
               gap: Optional[Tuple[float, float]]) -> Tuple[Tuple[float, float], ...]:
    """(first, last) baselines of each column of a page holding PAGE_MIN_LINES body lines between the
    block's `sides` (`_block_ends`), kept in `kept` (`_per_page`). It depends on which of the page's
    lines are body (`body_sets`, not their order), the sides and the gap alone: templates that
    classify the page alike read it once; its lines' pieces (`_Cuts`, `lines` being in the order of
    `picks`) are read once for every template."""
    if kept is None:
        return _ends_of(lines, sides, gap)
    key = (number, body_sets[number - 1], sides, gap)
    found = kept.get(key)
    if found is None:
        found = kept[key] = _ends_of(lines, sides, gap, _Cuts(doc, number, picks[number - 1]))
    return found


def _ends_of(lines: Sequence[Line], sides: Tuple[float, float], gap: Optional[Tuple[float, float]],
             cuts: Optional["_Cuts"] = None) -> Tuple[Tuple[float, float], ...]:
    firsts: List[float] = []
    lasts: List[float] = []
    _block_ends(lines, sides[0], sides[1], gap, firsts, lasts, cuts)
    return tuple(zip(firsts, lasts))


def _block_ends(lines: Sequence[Line], left: float, right: float, gap: Optional[Tuple[float, float]],
                firsts: List[float], lasts: List[float], cuts: Optional["_Cuts"] = None) -> None:
    """The first and last baselines of a page's body `lines` (any size: a heading or a float may open
    the page) between the block's `left` and `right` edges, of each column on its own (`gap`), added
    to `firsts` and `lasts` where a column holds PAGE_MIN_LINES of them; `cuts`: the lines'
    `piece_extents` by their place among them (None: cut here)."""
    inside = [k for k, ln in enumerate(lines) if left - 3 <= ln.bbox[0] < right and ln.bbox[2] > left]
    if gap is None:
        parts = [[lines[k].baseline for k in inside]]
    else:  # each column on its own, without what spans the gap (the title block, a figure*'s caption)
        parts = _column_baselines(lines, inside, gap, cuts)
    for baselines in parts:
        if len(baselines) >= PAGE_MIN_LINES:
            firsts.append(min(baselines))
            lasts.append(max(baselines))


def _column_baselines(lines: Sequence[Line], inside: Sequence[int], gap: Tuple[float, float],
                      cuts: Optional["_Cuts"] = None) -> List[List[float]]:
    """The baselines of the lines `inside` (their places among `lines`) in the left and in the right
    column: a line across the gap counts for a column by its pieces (two columns' lines merged on one
    baseline across a narrowed gap), not at all when a piece itself crosses it (the title block, a
    figure*'s caption); `cuts`: as `_block_ends`'."""
    middle = (gap[0] + gap[1]) / 2
    left: List[float] = []
    right: List[float] = []
    for k in inside:
        ln = lines[k]
        if ln.bbox[0] < gap[0] and ln.bbox[2] > gap[1]:
            extents: Sequence[Tuple[float, float]] = piece_extents(ln) if cuts is None else cuts(k)
        else:
            extents = ((ln.bbox[0], ln.bbox[2]),)
        for a, b in extents:
            if b <= gap[1] and (a + b) / 2 < middle:
                left.append(ln.baseline)
            elif a >= gap[0] and (a + b) / 2 >= middle:
                right.append(ln.baseline)
    return [left, right]


class _Cuts:
    """`piece_extents` of a page's body lines, by their place among them (`picks`: their positions in
    `page.lines`), kept per page of the document as they are asked for: a line's pieces are its own,
    so every template that reads it (TMPL001 ranking the bundled ones: their edges, the ends of their
    columns) gets the line cut once. Not for a packed document's pages, read anew."""

    def __init__(self, doc: Document, number: int, picks: Sequence[int]):
        self.known = doc.derived(("piece-extents", number), dict)
        self.lines = doc.pages[number - 1].lines
        self.picks = picks

    def __call__(self, k: int) -> List[Tuple[float, float]]:
        i = self.picks[k]
        found = self.known.get(i)
        if found is None:
            found = self.known[i] = piece_extents(self.lines[i])
        return found


def _gap(rules: RuleSet) -> Optional[Tuple[float, float]]:
    """(x0, x1) of the gap between the template's first two columns; None for one column."""
    columns = template_columns(rules)
    return (columns[0][1], columns[1][0]) if len(columns) > 1 else None


def _quartile(values: Sequence[float]) -> Optional[float]:
    """The value a quarter of the way along (sorted most extreme first), never the single most
    extreme one when there are three or more: a page that starts with a float (its caption sits
    higher than \\topskip puts text) or ends with a squeezed line does not move the block."""
    if not values:
        return None
    if len(values) < 3:
        return values[0]
    return values[max(1, len(values) // 4)]


# --- font families ---------------------------------------------------------------------------

_STYLE_SUFFIX = re.compile(r"[-,_ ].*$")


def family_of(font: str, families: Mapping[str, Sequence[str]]) -> Optional[str]:
    """The family a font name belongs to, by the rule file's patterns (matched case-insensitively
    against the name with its subset prefix stripped), or None."""
    for family, patterns in families.items():
        for pattern in patterns:
            if re.search(pattern, font, re.I):
                return family
    return None


def plain_name(font: str) -> str:
    """'NimbusRomNo9L-Regu' -> 'NimbusRomNo9L' (for messages)."""
    return _STYLE_SUFFIX.sub("", font) or font


# --- the enlarged text block -----------------------------------------------------------------


@dataclass(frozen=True)
class Enlargement:
    """How the measured body block reaches beyond the template's, on the sides where it does by
    more than the template section's `block_tolerance_across` / `block_tolerance_down`."""

    block: TextBlock  # the measured body block
    excess: Mapping[str, float]  # side (left, right, top, bottom) -> points beyond the template's block
    effective: BBox  # the template's block, grown to the measured one on those sides


def template_block(rules: RuleSet) -> BBox:
    return tuple(rules.template["text_block"])  # type: ignore[return-value]


def template_columns(rules: RuleSet) -> Tuple[Tuple[float, float], ...]:
    """The rule set's template's columns, left to right: (x0, x1) of each (`structure.template_columns`)."""
    return columns_of(rules.template)


def enlargement(doc: Document, rules: RuleSet) -> Enlargement:
    """The measured block against the template's. Margin content is measured against the
    `effective` block (the block the author actually used), so an enlarged block is one finding
    about the block, not a finding about every line beyond the template's edges."""
    return doc.derived(("enlargement", token(rules.template), token(rules.structure)), lambda: _enlargement(doc, rules))


def _enlargement(doc: Document, rules: RuleSet) -> Enlargement:
    tol = rules.template["block_tolerance_across"]
    vtol = rules.template["block_tolerance_down"]

    block = text_block(doc, rules)
    x0, y0, x1, y1 = reference_block(doc, rules)
    skip = topskip(rules)
    excess: Dict[str, float] = {}
    if block.columns:
        if x0 - block.x0 > tol:
            excess["left"] = x0 - block.x0
        if block.x1 - x1 > tol:
            excess["right"] = block.x1 - x1
    if block.first_baseline is not None and (y0 + skip) - block.first_baseline > vtol:
        excess["top"] = (y0 + skip) - block.first_baseline
    if block.last_baseline is not None and block.last_baseline - y1 > vtol:
        excess["bottom"] = block.last_baseline - y1
    ex0, ey0, ex1, ey1 = x0, y0, x1, y1
    if "left" in excess:
        ex0 = block.x0
    if "right" in excess:
        ex1 = block.x1
    if "top" in excess:
        ey0 = block.first_baseline - skip
    if "bottom" in excess:
        ey1 = block.last_baseline
    return Enlargement(block, excess, (ex0, ey0, ex1, ey1))


# --- where the template's block belongs on the paper used (formerly placement) ---
# Where the template's text block belongs on the paper actually used.
# 
# On the template's paper size the block is where the template puts it (ICLR: 5.5 x 9 in, 1.5 in
# from the left edge). On another size (A4, the classic mistake) the template's position means
# nothing: `geometry` or the class centres the block on the page, so it sits elsewhere although
# its margins were not shrunk. There the block is judged by its size: a rectangle of the template's
# size anchored where the measured body block starts (its left edge and its first baseline less
# \\topskip). Content is then measured against the block where it actually sits, MARG002 reports
# only a block larger than the template's, and the paper size is PAGE002's finding alone.

#: a page is the template's size within this many points (PAGE002's default tolerance)
PAGE_SIZE_TOLERANCE = 1.0


def template_paper(doc: Document, rules: RuleSet) -> bool:
    """The most common page size of the document is the template's (portrait or landscape)."""
    return doc.derived(("template-paper", token(rules.template)), lambda: _template_paper(doc, rules))


def _template_paper(doc: Document, rules: RuleSet) -> bool:
    size = rules.template["page_size"]
    if not doc.pages:
        return True
    (w, h), _ = Counter((round(p.width, 1), round(p.height, 1)) for p in doc.pages).most_common(1)[0]
    want_w, want_h = float(size[0]), float(size[1])
    tol = PAGE_SIZE_TOLERANCE
    return (abs(w - want_w) <= tol and abs(h - want_h) <= tol) or (abs(w - want_h) <= tol and abs(h - want_w) <= tol)


def reference_block(doc: Document, rules: RuleSet) -> BBox:
    """The block the content is judged against: the template's, or on paper of another size a
    block of the template's size where the body block sits."""
    x0, y0, x1, y1 = (float(v) for v in rules.template["text_block"])
    if template_paper(doc, rules):
        return (x0, y0, x1, y1)
    block = text_block(doc, rules)
    left = block.x0 if block.columns else x0
    top = block.first_baseline - topskip(rules) if block.first_baseline is not None else y0
    return (left, top, left + (x1 - x0), top + (y1 - y0))
