"""MARG: content in the margins, and a text block enlarged beyond the template's.

The template's own ink outside the text block is recognised positively from the structure's
furniture (running header over the text block, centred page number, the review line numbers, the
template's notice below the block) and, for drawings, by position and shape (the thin header rule); link borders are
annotations and never reach the model's ink. Everything else that reaches further than a
documented tolerance is reported, one finding per cluster of touching objects: on a page, at most
`max_findings_per_page` of them in each region (those reaching furthest), the others summed up in
one finding, so a page of 100,000 marks strewn over its margins is not 100,000 findings.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import re
import sys
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from scope_check.model.document import Document, Line, Page
from scope_check.model.findings import BBox, Finding, rounded_bbox
from scope_check.checks.helpers import clean_glyphs, clipped, inches, template_name, the_template, union
from scope_check.analysis.layout import Enlargement, enlargement, pieces, template_columns, topskip, typography
from scope_check.analysis.layout import reference_block, template_paper
from scope_check.config.rules import RuleSet
from scope_check.config.spec import REGION_AFTER_REFERENCES, REGION_BODY, Check, Param, Params
from scope_check.analysis.structure import FOOTER, HEADER, PAGE_NUMBER, RULER, Structure, analyse
from scope_check.safety.safe_patterns import compile_pattern

#: MARG001: a text line's *baseline* may sit this far below the block's bottom. TeX never sets a
#: baseline lower (\flushbottom puts the last one on the bottom edge); descenders hang about 2.1 to
#: 2.4 pt below it by design and big math delimiters much further, so the box is not compared. A
#: line of math may be read on a subscript's baseline, which TeX lowers by up to 2.47 pt (cmsy10's
#: sub2 at 10 pt)
BASELINE_TOLERANCE = 2.5

CHECKS = (
    Check(
        code="MARG001",
        name="content-in-margin",
        severity="error",
        summary="Text, an image or a drawing reaches beyond the text block by more than the tolerance. The block "
        "is the one the paper uses: the template's, grown on the sides where the body block measures enlarged "
        "(that enlargement is reported once, as MARG002, whether or not MARG002 runs). The "
        "template's own ink outside the block is recognised and passes: the running header over the text "
        "block and its rule (and ink wholly above the block behind or beside a notice's lines, `template.notices`: "
        "the CVF watermark's box and logos; a line set sideways that a notice names, such as an arXiv stamp), the "
        "centred page number (and a box drawn around it below the block), the review line numbers (ICLR's grey ruler, NeurIPS' "
        "`lineno`), the template's notice below the block (NeurIPS, page 1); link borders are "
        "annotations, not content. Ink is measured where it is visible (cut to its clip). Touching objects are "
        "one finding (a figure with its labels, a line of text, a margin note). The severity follows the size: "
        "an overhang up to `error_beyond` (a frame's padding) is a warning, a larger one an error. On paper of "
        "another size than the template's the block is taken where the body sits (PAGE002 reports the paper). "
        "Each finding says whether it lies in the body or after the References (`data.region`), and a rule "
        "file may give each region its own severity (SCOPE: after the References a warning). One margin note "
        "repeated on many pages is one finding: a note is told by what it says, its numbers aside (a "
        "reviewer's point or a line number), not by its extent. On a page of several columns (`template.columns`) "
        "content of one column that reaches into the gap beside two or more lines of the other column's text is reported too (a "
        "column-width float wider than its column: `data.side` is `gap`); a full-width float (`figure*`), the "
        "title block and a one-column page span the gap with no column text beside them and pass. Reaching into the "
        "gap only is a warning; across it into the other column, the severity follows the size as above. The columns "
        "are the template's, widened where the body measures them wider (a narrowed gap is MARG002's). On a page, "
        "at most `max_findings_per_page` findings in each region are reported one by one, those reaching furthest; "
        "the others are summed up in one finding on that page that says how many more there are (`data.more`), "
        "on which sides and how far the furthest reaches, as severe as the most severe of them.",
        why="The venue's style confines the text to the template's text block; material in the margins "
        "breaks the style.",
        fix="Scale the figure or table to the text block: `\\includegraphics[width=\\linewidth]{{...}}`, "
        "`\\resizebox{{\\linewidth}}{{!}}{{...}}` for a wide table; keep annotations inside the block.",
        fixes={
            "margin-note": "Remove the margin note (`\\marginpar`, `\\todo`, a review comment) from the submission; "
            "with todonotes, `\\usepackage[disable]{{todonotes}}` hides every note.",
            "column": "Scale the float to its column (`\\includegraphics[width=\\columnwidth]{{...}}`, "
            "`\\resizebox{{\\columnwidth}}{{!}}{{...}}` for a table), or set it across both columns as a full-width float "
            "(`figure*`, `table*`); a long line in a column: let it break.",
            "text": "Let the line break: load `xurl` (or `\\usepackage[hyphens]{{url}}`) for long URLs, rephrase or "
            "`\\allowbreak` long words, wrap wide math with `\\begin{{multline}}`; never move text out with "
            "negative `\\hspace`/`\\vspace` or `\\enlargethispage`.",
            "more": "Find what strews content over the margins of this page (a plot of many small marks wider than the "
            "block, a pattern or stray marks drawn across the page) and keep it inside the text block: scale it to "
            "`\\linewidth`, or clip it (`\\includegraphics[clip,trim=...]`); the findings reported one by one on "
            "the page show where it lies.",
        },
        params=(
            Param("tolerance", "number", 3.0, "how far text and ink may reach beyond a side or the top of the text "
                  "block the paper uses (microtype protrusion, font ascenders, stroke widths); a text line's "
                  f"baseline may sit {BASELINE_TOLERANCE:g} pt below the bottom (descenders hang below it by design)",
                  unit="points", minimum=0),
            Param("error_beyond", "number", 9.5, "an overhang up to this is a warning, beyond it an error: the "
                  "frames packages draw around prompts and listings overhang by their padding (3.6 to 9 pt: "
                  "fixtures/margins/frame_boxes); a figure or table 10 pt into the margin is an error "
                  "(fixtures/margins/figure_overhang_10pt)", unit="points", minimum=0),
            Param("max_findings_per_page", "integer", 20, "findings reported one by one on a page in each region "
                  "(the body, after the References): those reaching furthest, the others summed up in one finding "
                  "on that page (how many more, on which sides, how far the furthest reaches; the most severe "
                  "severity of those it sums: fixtures/margins/margin_marks_20, margin_marks_21). No real paper comes "
                  "near, at most 6 on a page over the fixtures and the corpora; a page of 100,000 marks strewn over "
                  "its margins stays quick to check", unit="findings", minimum=0),
        ),
        example='an image reaches 39.6 pt into the right margin; allowed 3 pt',
        run="content_in_margin",
        needs=("ink",),  # every page's ink (config.spec.ANALYSES); the visibility facts unread
        regions=True,
    ),
    Check(
        code="MARG002",
        name="text-block-enlarged",
        severity="error",
        summary="The body text block, measured from the body lines (the columns' justified edges, and the "
        "pages' first and last baselines taken robustly so one squeezed page or a float at the top does "
        "not count), reaches beyond the template's by more than the template section's "
        "`block_tolerance_across` (the sides) or `block_tolerance_down` (the first and last baselines): "
        "margins shrunk with `geometry` or by changing \\textwidth, \\textheight or \\topmargin. Up to "
        "`error_beyond` points a warning, beyond it an error. On paper of another size than the template's the "
        "block is judged by its size (where it sits), so an A4 paper with the template's block is PAGE002's "
        "finding alone. Its region (`data.region`) is after the References when every body line beyond the "
        "template's block lies there (an appendix on a larger block), else the body. On a page of several columns "
        "(`template.columns`) the gap between the measured columns narrower than the template's `column_gap` by more "
        "than `block_tolerance_across` is the same finding (`excess_pt.gap`): a shrunk \\columnsep widens every "
        "column. A block of the template's width that sits up to 12 pt to one side (a publisher's copy: CVF's Open "
        "Access PDFs sit 8.5 pt left) is not enlarged.",
        why="The venue's style fixes the text block; shrinking the margins breaks the style.",
        fix="Remove `geometry` (and any change to \\textwidth, \\textheight, \\oddsidemargin, \\topmargin, "
        "\\voffset or \\hoffset): {the_template} sets the page; shorten the paper instead.",
        fixes={"gap": "Remove the change to `\\columnsep` (and `\\columnwidth`): {the_template} sets the gap between "
               "the columns; shorten the paper instead."},
        params=(
            Param("error_beyond", "number", 6.0, "a block enlarged by up to this on its worst side is a warning, "
                  "beyond it an error: the smallest `geometry` change, 0.1 in, is 7.2 pt "
                  "(fixtures/margins/textwidth_plus_5pt, textwidth_plus_0_1in)", unit="points", minimum=0),
        ),
        example="the body text block measures 6.50 x 9.00 in: left edge at 72.0 pt (36.0 pt beyond the template's "
        "108); right edge at 540.0 pt (36.0 pt beyond the template's 504); ICLR 2025 is 5.5 x 9 in "
        "(allowed 2 pt across, 5 pt down)",
        run="text_block_enlarged",
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
        regions=True,
    ),
)


#: offending objects this close (points) side by side, or this close one above the other, are one
#: cluster: a figure and its labels, the rules and rows of a too-wide table, a margin note's lines
#: (two body lines apart at most)
CLUSTER_GAP_X = 2.0
CLUSTER_GAP_Y = 22.0
#: clusters sticking out on one side to the same edge, within this (points), are one object
EDGE_MATCH = 0.5
#: a running header is set at most this many times the template's body size
HEADER_MAX_SIZE = 1.25
#: the header rule: a horizontal line at most this thick, spanning most of the text block
RULE_MAX_HEIGHT = 1.5
RULE_MIN_SPAN = 0.9
#: a fill covering this share of the page is its background (Word, Typst), not content
BACKGROUND_SHARE = 0.9
#: marking operations that put ink on the page (clips and groups do not)
INK_KINDS = frozenset({"fill-path", "stroke-path", "fill-image", "fill-imgmask", "fill-shade"})

#: a margin note: a cluster with text lying wholly beside the text block, this close at most
NOTE_INSIDE = 1.0
#: how much of an object's text a message quotes
QUOTE_CHARS = 40
#: an object on the References page whose top is at most this far above the heading's top is at
#: or after the heading (a margin note set beside the heading's line, in smaller type)
HEADING_SLACK = 1.0
#: a column starts this far at most right of an object's left edge for the object to be in it
COLUMN_SLACK = 3.0

_SIDES = ("left", "right", "top", "bottom")


# --- MARG001 ---------------------------------------------------------------------------------


class _Object:
    __slots__ = ("bbox", "what", "text", "over")

    def __init__(self, bbox: BBox, what: str, text: str, over: Dict[str, float]):
        self.bbox = bbox
        self.what = what  # "text", "image", "drawing"
        self.text = text
        self.over = over  # side -> points beyond the block


def _text_over(box: BBox, baseline: Optional[float], block: BBox, tol: float) -> Dict[str, float]:
    x0, y0, x1, y1 = block
    over = {}
    if x0 - box[0] > tol:
        over["left"] = x0 - box[0]
    if box[2] - x1 > tol:
        over["right"] = box[2] - x1
    if y0 - box[1] > tol:
        over["top"] = y0 - box[1]
    if baseline is not None:
        if baseline - y1 > BASELINE_TOLERANCE:
            over["bottom"] = baseline - y1
    elif box[3] - y1 > tol:
        over["bottom"] = box[3] - y1
    return over


def _line_objects(line: Line, block: BBox, tol: float) -> List[_Object]:
    over = _text_over(line.bbox, line.baseline if line.horizontal else None, block, tol)
    if not over:
        return []
    if line.horizontal and len(line.spans) > 1 and set(over) <= {"left", "right"}:
        # only the part that is outside: a margin note merged with the body line beside it
        out = []
        for box, text in pieces(line):
            part = _text_over(box, line.baseline, block, tol)
            if part:
                out.append(_Object(box, "text", text, part))
        return out
    return [_Object(line.bbox, "text", line.text, over)]


def _is_header(line: Line, block: BBox, tol: float, body_size: float) -> bool:
    """A running header sits over the text block in body-size type (ICLR: 9.96 pt Times at
    x0 = 108); anything else in the top margin is content."""
    return line.bbox[0] >= block[0] - tol and line.bbox[2] <= block[2] + tol and line.max_size <= HEADER_MAX_SIZE * body_size


def _is_header_rule(box: BBox, block: BBox, tol: float, header_distance: float) -> bool:
    x0, y0, x1, y1 = block
    return (
        box[3] - box[1] <= RULE_MAX_HEIGHT
        and box[0] >= x0 - tol
        and box[2] <= x1 + tol
        and box[2] - box[0] >= RULE_MIN_SPAN * (x1 - x0)
        and box[3] <= y0 - header_distance
    )


def _ink_objects(page: Page, block: BBox, tol: float, header_distance: float,
                 header_band: Optional[Tuple[float, float]] = None, numbers: Sequence[BBox] = ()) -> List[_Object]:
    """The page's ink beyond the block. `header_band` (top, bottom) spans the lines of a notice above
    the block (`template.notices`): ink wholly above the block's top by the header distance and
    reaching into that band is the notice's own (the CVF watermark's box and logos). `numbers` are the
    page number's boxes: a fill below the block around one is its box (the CVF proceedings number's)."""
    x0, y0, x1, y1 = block
    page_area = page.width * page.height
    side = max(page.width, page.height)
    out = []
    left, top, right, bottom = x0 - tol, y0 - tol, x1 + tol, y1 + tol
    for ink in page.ink:
        b = ink.bbox
        if b[0] >= left and b[2] <= right and b[1] >= top and b[3] <= bottom:
            continue  # within the block (most ink): cut to the page below, it would stay within
        if ink.kind not in INK_KINDS:
            continue
        bx0, by0, bx1, by1 = b
        # cut to the page; ink is in unrotated page space and a /Rotate 90 page reports its
        # width and height turned, so the page is taken as the square of its longer side
        bx0, by0, bx1, by1 = max(bx0, 0.0), max(by0, 0.0), min(bx1, side), min(by1, side)
        if bx1 <= bx0 and by1 <= by0 or bx1 < bx0 or by1 < by0:
            continue  # off the page: not visible
        if bx0 >= x0 - tol and bx1 <= x1 + tol and by0 >= y0 - tol and by1 <= y1 + tol:
            continue
        if (bx1 - bx0) * (by1 - by0) >= BACKGROUND_SHARE * page_area:
            continue
        box = (bx0, by0, bx1, by1)
        if _is_header_rule(box, block, tol, header_distance):
            continue
        if header_band and by1 <= y0 - header_distance and by0 <= header_band[1] and header_band[0] <= by1:
            continue  # behind or beside the running header's lines, above the block
        if by0 >= y1 and any(bx0 <= n[0] + 1 and by0 <= n[1] + 1 and n[2] <= bx1 + 1 and n[3] <= by1 + 1
                             for n in numbers):
            continue  # the page number's box
        over = {}
        if x0 - bx0 > tol:
            over["left"] = x0 - bx0
        if bx1 - x1 > tol:
            over["right"] = bx1 - x1
        if y0 - by0 > tol:
            over["top"] = y0 - by0
        if by1 - y1 > tol:
            over["bottom"] = by1 - y1
        if over:
            out.append(_Object(box, "image" if "image" in ink.kind or "imgmask" in ink.kind else "drawing", "", over))
    return out


def _clusters(objects: List[_Object]) -> List[List[_Object]]:
    """Objects whose boxes overlap across and come within CLUSTER_GAP_Y down form one cluster.

    Objects come in order of their top edge and each joins the open clusters whose box it comes
    near (CLUSTER_GAP_X across, CLUSTER_GAP_Y down), merging them when it comes near several. A
    cluster whose bottom is more than CLUSTER_GAP_Y above the current object can join nothing any
    more. The open clusters then never come within CLUSTER_GAP_X of each other across (an object
    near two merges them), so ordered by their left edge they form a row of separate intervals:
    the ones an object comes near are found by a search in that order, O(log n) each, and a
    finished cluster leaves it through a heap ordered by its bottom. Every arrangement costs
    O(n log n), also many objects side by side at one height, where comparing each with every
    open cluster was quadratic. `_sweep` is the direct procedure, used when a box is not a
    proper box (NaN, inverted) and kept as the reference the tests compare with."""
    ordered = sorted(objects, key=lambda o: (o.bbox[1], o.bbox[0]))
    try:
        # the direct sweep is quickest while few clusters are open at once (every real page);
        # past a linear amount of work it gives way to the ordered search
        groups = _sweep(ordered, budget=SWEEP_WORK * len(ordered) + 4096)
    except _Irregular:
        try:
            groups = _ordered_clusters(ordered)
        except _Irregular:
            groups = _sweep(ordered)
    return _same_edge(groups)


#: open clusters compared per object, on average, before the sweep gives way to the ordered search
SWEEP_WORK = 4


class _Irregular(Exception):
    """A box the ordered search does not handle (NaN, infinite or inverted): use the direct sweep."""


def _sweep(ordered: List[_Object], budget: Optional[int] = None) -> List[List[_Object]]:
    """The clustering done directly: every object compared with every open cluster (_Irregular
    once more than `budget` comparisons were made)."""
    clusters: List[Tuple[List[float], List[_Object]]] = []
    active: List[int] = []  # indices of clusters that a later object may still join
    for obj in ordered:
        box = obj.bbox
        joined = None
        if budget is not None:
            budget -= len(active)
            if budget < 0:
                raise _Irregular
        active = [i for i in active if clusters[i][1] and box[1] <= clusters[i][0][3] + CLUSTER_GAP_Y]
        for i in active:
            cbox, members = clusters[i]
            if not members:
                continue  # merged into another during this object
            if (box[0] <= cbox[2] + CLUSTER_GAP_X and cbox[0] <= box[2] + CLUSTER_GAP_X
                    and box[1] <= cbox[3] + CLUSTER_GAP_Y and cbox[1] <= box[3] + CLUSTER_GAP_Y):
                if joined is None:
                    members.append(obj)
                    # (what min() and max() of the two give, NaN alike, without calling them: the
                    # drawings of a figure join one cluster after another)
                    if box[0] < cbox[0]:
                        cbox[0] = box[0]
                    if box[1] < cbox[1]:
                        cbox[1] = box[1]
                    if box[2] > cbox[2]:
                        cbox[2] = box[2]
                    if box[3] > cbox[3]:
                        cbox[3] = box[3]
                    joined = i
                else:  # the object bridges two clusters: merge them
                    target = clusters[joined]
                    target[1].extend(members)
                    t = target[0]
                    t[:] = [min(t[0], cbox[0]), min(t[1], cbox[1]), max(t[2], cbox[2]), max(t[3], cbox[3])]
                    clusters[i] = ([0.0, 0.0, -1.0, -1.0], [])
        if joined is None:
            clusters.append(([box[0], box[1], box[2], box[3]], [obj]))
            active.append(len(clusters) - 1)
    return [members for _, members in clusters if members]


class _Occupied:
    """Which of n ordered positions are taken: a bit set in words of 64 bits, with a word of
    summary bits over every 64 words, and so on up to one word, so that the nearest taken position
    before or after a given one is found in a few word operations per level (O(log n), with
    log base 64)."""

    __slots__ = ("n", "levels")

    def __init__(self, n: int):
        self.n = n
        self.levels: List[List[int]] = []
        size = max(n, 1)
        while True:
            words = (size + 63) >> 6
            self.levels.append([0] * words)
            if words == 1:
                break
            size = words

    def add(self, i: int) -> None:
        for words in self.levels:
            w = i >> 6
            was = words[w]
            words[w] = was | (1 << (i & 63))
            if was:
                break
            i = w

    def remove(self, i: int) -> None:
        for words in self.levels:
            w = i >> 6
            left = words[w] & ~(1 << (i & 63))
            words[w] = left
            if left:
                break
            i = w

    def before(self, i: int) -> int:
        """The last taken position <= i, or -1."""
        if i < 0:
            return -1
        if i >= self.n:
            i = self.n - 1
            if i < 0:
                return -1
        levels = self.levels
        level = 0
        while True:
            w = i >> 6
            bits = levels[level][w] & ((2 << (i & 63)) - 1)
            if bits:
                i = (w << 6) + bits.bit_length() - 1
                break
            i = w - 1
            level += 1
            if i < 0 or level == len(levels):
                return -1
        while level:  # down again: the highest taken position under each summary bit
            level -= 1
            i = (i << 6) + levels[level][i].bit_length() - 1
        return i

    def after(self, i: int) -> int:
        """The first taken position >= i, or -1."""
        if i < 0:
            i = 0
        levels = self.levels
        level = 0
        while True:
            w = i >> 6
            if w >= len(levels[level]):
                return -1
            bits = levels[level][w] >> (i & 63) << (i & 63)
            if bits:
                i = (w << 6) + (bits & -bits).bit_length() - 1
                break
            i = w + 1
            level += 1
            if level == len(levels):
                return -1
        while level:  # down again: the lowest taken position under each summary bit
            level -= 1
            bits = levels[level][i]
            i = (i << 6) + (bits & -bits).bit_length() - 1
        return i


def _ordered_clusters(ordered: List[_Object]) -> List[List[_Object]]:
    """The same clusters as `_sweep`, in the same order with members in the same order, in O(n log n)."""
    for obj in ordered:
        x0, y0, x1, y1 = obj.bbox
        if not (x0 <= x1 and y0 <= y1) or not all(map(math.isfinite, obj.bbox)):
            raise _Irregular
    lefts = sorted({obj.bbox[0] for obj in ordered})
    position = {x: i for i, x in enumerate(lefts)}
    taken = _Occupied(len(lefts))
    at: List[int] = [-1] * len(lefts)  # the open cluster whose left edge is at each position
    boxes: List[List[float]] = []
    members: List[Optional[List[_Object]]] = []
    place: List[int] = []  # position of each open cluster, -1 once finished or merged
    ends: List[Tuple[float, int, float]] = []  # (bottom + CLUSTER_GAP_Y, cluster, bottom) heap

    def leave(c: int) -> None:
        p = place[c]
        at[p] = -1
        taken.remove(p)
        place[c] = -1

    def enter(c: int, check: bool = True) -> None:
        b = boxes[c]
        p = position[b[0]]
        if at[p] != -1:
            raise _Irregular
        if check:  # a new cluster is apart from the others by the search that found none near it
            q = taken.before(p - 1)
            if q >= 0 and not b[0] > boxes[at[q]][2] + CLUSTER_GAP_X:
                raise _Irregular  # open clusters must stay apart: otherwise the search would miss some
            q = taken.after(p + 1)
            if q >= 0 and not boxes[at[q]][0] > b[2] + CLUSTER_GAP_X:
                raise _Irregular
        at[p] = c
        taken.add(p)
        place[c] = p
        heapq.heappush(ends, (b[3] + CLUSTER_GAP_Y, c, b[3]))

    for obj in ordered:
        box = obj.bbox
        while ends and ends[0][0] < box[1]:  # finished: `box[1] <= bottom + CLUSTER_GAP_Y` no longer holds
            _, c, bottom = heapq.heappop(ends)
            if place[c] >= 0 and boxes[c][3] == bottom:
                leave(c)
        near = []
        q = taken.before(bisect.bisect_right(lefts, box[2] + CLUSTER_GAP_X) - 1)
        while q >= 0:
            c = at[q]
            cbox = boxes[c]
            if not box[0] <= cbox[2] + CLUSTER_GAP_X:
                break  # the intervals further left end further left still
            if not (box[1] <= cbox[3] + CLUSTER_GAP_Y and cbox[1] <= box[3] + CLUSTER_GAP_Y):
                raise _Irregular
            near.append(c)
            q = taken.before(q - 1)
        if not near:
            boxes.append([box[0], box[1], box[2], box[3]])
            members.append([obj])
            place.append(-1)
            enter(len(boxes) - 1, check=False)
            continue
        if len(near) > 1:
            near.sort()  # the oldest cluster takes the object, then the others in their order
        target = near[0]
        group = members[target]
        group.append(obj)
        t = boxes[target]
        before = (t[0], t[2], t[3])
        t[:] = [min(t[0], box[0]), min(t[1], box[1]), max(t[2], box[2]), max(t[3], box[3])]
        for c in near[1:]:
            leave(c)
            group.extend(members[c])
            members[c] = None
            cbox = boxes[c]
            t[:] = [min(t[0], cbox[0]), min(t[1], cbox[1]), max(t[2], cbox[2]), max(t[3], cbox[3])]
        if len(near) > 1 or t[0] != before[0]:
            leave(target)
            enter(target)
        else:  # the common case: the object lies within the cluster across, or widens it to the right
            if t[2] != before[1]:
                q = taken.after(place[target] + 1)
                if q >= 0 and not boxes[at[q]][0] > t[2] + CLUSTER_GAP_X:
                    raise _Irregular
            if t[3] != before[2]:
                heapq.heappush(ends, (t[3] + CLUSTER_GAP_Y, target, t[3]))
    return [m for m in members if m is not None]


def _same_edge(clusters: List[List[_Object]]) -> List[List[_Object]]:
    """Clusters that stick out on the same side to the same edge (within EDGE_MATCH) are one
    object: the rules of a too-wide table, with its rows in between inside the block. Each cluster
    joins the first earlier object on its side whose edge is that close; those objects' edges lie
    more than EDGE_MATCH apart, so the candidates are found in buckets of EDGE_MATCH (linear)."""
    merged: List[List[_Object]] = []
    keys: List[Tuple] = []
    buckets: Dict[Tuple[str, int], List[int]] = {}
    for members in clusters:
        key = _edge_key(members)
        if key is not None and not math.isfinite(key[1]):
            return _same_edge_direct(clusters)
        if key is not None:
            cell = math.floor(key[1] / EDGE_MATCH)
            first = None
            for k in range(cell - 2, cell + 3):
                for i in buckets.get((key[0], k), ()):
                    if abs(key[1] - keys[i][1]) <= EDGE_MATCH and (first is None or i < first):
                        first = i
            if first is not None:
                merged[first].extend(members)
                continue
            buckets.setdefault((key[0], cell), []).append(len(merged))
        merged.append(list(members))
        keys.append(key)
    return merged


def _same_edge_direct(clusters: List[List[_Object]]) -> List[List[_Object]]:
    """`_same_edge` by comparing each cluster with every earlier object (the reference)."""
    merged: List[List[_Object]] = []
    keys: List[Tuple] = []
    for members in clusters:
        key = _edge_key(members)
        for i, other in enumerate(keys):
            if key is not None and other is not None and key[0] == other[0] and abs(key[1] - other[1]) <= EDGE_MATCH:
                merged[i].extend(members)
                break
        else:
            merged.append(list(members))
            keys.append(key)
    return merged


def _edge_key(members: List[_Object]) -> Optional[Tuple[str, float]]:
    if len(members) == 1:  # most clusters of a crowded margin
        over, box = members[0].over, members[0].bbox
        if len(over) != 1:
            return None
        return ("right", box[2]) if "right" in over else ("left", box[0]) if "left" in over else None
    sides = set()
    for m in members:
        sides.update(m.over)
    if sides == {"right"}:
        return ("right", max(m.bbox[2] for m in members))
    if sides == {"left"}:
        return ("left", min(m.bbox[0] for m in members))
    return None


def _quote(members: List[_Object]) -> str:
    texts = sorted((m for m in members if m.what == "text" and m.text.strip()), key=lambda m: (m.bbox[1], m.bbox[0]))
    text = clean_glyphs(" ".join(" ".join(m.text for m in texts).split()))
    return clipped(text, QUOTE_CHARS)


def _beside(members: List[_Object], block: BBox) -> bool:
    """Wholly left or right of the text block: a margin note, not something sticking out of it."""
    x0 = min(m.bbox[0] for m in members)
    x1 = max(m.bbox[2] for m in members)
    return x0 >= block[2] - NOTE_INSIDE or x1 <= block[0] + NOTE_INSIDE


def _describe(members: List[_Object], block: BBox) -> Tuple[str, str]:
    """(what the message calls the object, with its text quoted; the kind of object, for grouping)."""
    kinds = {m.what for m in members}
    texts = [m for m in members if m.what == "text"]
    quote = _quote(members)
    quoted = f' "{quote}"' if quote else ""
    if texts and "image" not in kinds and _beside(members, block):
        return f"a margin note{quoted}", "margin note"
    if kinds == {"text"}:
        lines = f"{len(texts)} lines of text" if len(texts) > 1 else "text"
        return f"{lines}{quoted}", "text"
    if kinds == {"image"}:
        return "an image", "image"
    if kinds == {"drawing"}:
        return "a drawing", "drawing"
    if "image" in kinds:
        return ("a figure (image and text)", "figure") if texts else ("a figure (image and drawing)", "figure")
    return f"a drawing with text{quoted}", "drawing with text"


class _Regions:
    """Which region (spec.REGIONS) an object lies in: after the References when its page comes after
    the page of the References heading, or on that page when it is in the heading's column below
    the heading's top, or in a column right of the heading's (two columns are read left, then
    right); everything else is the body, the whole paper when it has no References heading."""

    def __init__(self, s: Structure, columns: Sequence[Tuple[float, float]]):
        self.heading = s.references
        self.starts = sorted(c[0] for c in columns)  # left edges of the measured body columns

    def _column(self, box: BBox) -> int:
        """The last column starting at or left of the box (a margin note beside a column is in it)."""
        return max(0, bisect.bisect_right(self.starts, box[0] + COLUMN_SLACK) - 1)

    def of_page(self, page: int) -> Optional[str]:
        """The region of everything on `page`; None on the heading's page, where it depends on the place."""
        h = self.heading
        if h is None or page < h.page:
            return REGION_BODY
        return REGION_AFTER_REFERENCES if page > h.page else None

    def __call__(self, page: int, box: BBox) -> str:
        whole = self.of_page(page)
        if whole is not None or self.heading is None:
            return whole or REGION_BODY
        h = self.heading
        column, heading_column = self._column(box), self._column(h.bbox)
        if column > heading_column or (column == heading_column and box[1] >= h.bbox[1] - HEADING_SLACK):
            return REGION_AFTER_REFERENCES
        return REGION_BODY


def content_in_margin(doc: Document, params: Params) -> Iterator[Finding]:
    rules = params.rules
    tol = params.options["tolerance"]
    error_beyond = params.options["error_beyond"]
    limit = params.options["max_findings_per_page"]
    s = analyse(doc, rules)
    enlarged = enlargement(doc, rules)
    block = enlarged.effective
    region = _Regions(s, enlarged.block.columns)
    columns = page_columns(doc, rules, enlarged)
    size_range = typography(doc, rules).size_range
    body_size = float(params.template["body_font_size"])
    header_distance = params.template["header_min_distance"]
    notices = [compile_pattern(p) for p in params.template["notices"]]
    before: Dict[tuple, tuple] = {}  # the page before's findings' data and boxes (`_shared`)
    for page, body, furniture in zip(doc.pages, s.body_lines, s.furniture):
        objects: List[_Object] = []
        for ln in body:
            objects.extend(_line_objects(ln, block, tol))
        band: List[float] = []  # the lines of a notice (template.notices) above the block
        numbers = [ln.bbox for role, ln in furniture if role == PAGE_NUMBER]
        for role, ln in furniture:
            if (role in (HEADER, FOOTER) and ln.bbox[3] <= block[1] - header_distance
                    and any(p.search(ln.text) for p in notices)):
                band = [min(band[0], ln.bbox[1]), max(band[1], ln.bbox[3])] if band else [ln.bbox[1], ln.bbox[3]]
            if role in (RULER, PAGE_NUMBER, FOOTER):
                continue  # recognised by position, size and colour in the structure analysis
            if role == HEADER and _is_header(ln, block, tol, body_size):
                continue
            objects.extend(_line_objects(ln, block, tol))
        for ln in page.rotated_lines:
            if not any(p.search(ln.text) for p in notices):  # a stamp the rule set names (arXiv's)
                objects.extend(_line_objects(ln, block, tol))
        objects.extend(_ink_objects(page, block, tol, header_distance, (band[0], band[1]) if band else None, numbers))
        # every cluster of the page, in the order they are reported: (region, members, hits), hits
        # None for a cluster in a margin, else its members beside the other column's text
        found: List[_Found] = [
            (where, members, None)
            for where, part in _by_region(region, page.number, objects).items() for members in _clusters(part)]
        if columns:
            spills, beside = _gap_objects(page, body, columns, block, tol, size_range)
            text = _ColumnText(beside)
            for where, part in _by_region(region, page.number, spills).items():
                for members in _clusters(part):
                    lines = {m: text.beside(m) for m in members}
                    hits = [m for m in members if lines[m]]
                    if len(set().union(*lines.values())) >= BESIDE_MIN_LINES:
                        found.append((where, members, hits))
        summed: Dict[str, List[_Found]] = {}
        if len(found) > limit:
            found, summed = _bounded(found, limit)
        kept: Dict[tuple, tuple] = {}
        for where, members, hits in found:
            if hits is None:
                yield _shared(_finding(page, members, block, tol, error_beyond, where), before, kept)
            else:
                yield _shared(_gap_finding(page, members, hits, columns, block, tol, error_beyond, where),
                              before, kept)
        for where, rest in summed.items():
            yield _shared(_more_finding(page, rest, limit, block, tol, error_beyond, where), before, kept)
        before = kept


def _shared(f: Finding, before: Dict[tuple, tuple], kept: Dict[tuple, tuple]) -> Finding:
    """The finding holding the very data and box of an equal finding of the page before, when there
    is one. A page copied 10,000 times gives 20,000 findings equal but for their page, all held
    until the report groups them (each grouped occurrence keeps its data): shared, they cost a
    finding's shell each instead of a kilobyte. Only the page before is looked at, so what is kept
    for the look-up is bounded by one page's findings (`max_findings_per_page`)."""
    try:
        key = (_frozen(f.data), _frozen(f.bbox))
        same = before.get(key) or kept.get(key)
    except TypeError:  # a value that is no key: kept as it is
        return f
    if same is None:
        kept[key] = (f.data, f.bbox)
        return f
    kept[key] = same
    # the finding is this check's own, not yet handed out: set as its __init__ would have
    object.__setattr__(f, "data", same[0])
    object.__setattr__(f, "bbox", same[1])
    return f


def _frozen(value) -> tuple:
    """A hashable key equal only for values that are the same to the report: the same types, the
    same keys in the same order, floats by their repr (0.0 and -0.0, 1 and 1.0 and True differ)."""
    kind = type(value)
    if kind is dict:
        return (dict,) + tuple((k, _frozen(v)) for k, v in value.items())
    if kind is list or kind is tuple:
        return (kind,) + tuple(_frozen(v) for v in value)
    if kind is float:
        return (float, repr(value))
    return (kind, value)


_Found = Tuple[str, List[_Object], Optional[List["_GapObject"]]]


def _reach(members: List[_Object], hits: Optional[List["_GapObject"]]) -> float:
    """How far a cluster reaches: beyond the block on its worst side (in a margin), or beyond its
    column's edge (`hits`: its members beside the other column's text), as its finding says."""
    if hits is None:
        return max(amount for m in members for amount in m.over.values())
    return max(m.over["gap"] for m in hits)


def _bounded(found: List[_Found], limit: int) -> Tuple[List[_Found], Dict[str, List[_Found]]]:
    """(the clusters reported one by one: in each region the `limit` reaching furthest, the first
    of equal ones, in their order; {region: the others}) of a page's clusters."""
    by_region: Dict[str, List[int]] = {}
    for i, (where, _, _) in enumerate(found):
        by_region.setdefault(where, []).append(i)
    kept: List[int] = []
    summed: Dict[str, List[_Found]] = {}
    for where, indices in by_region.items():
        if len(indices) <= limit:
            kept.extend(indices)
            continue
        reach = {i: _reach(found[i][1], found[i][2]) for i in indices}
        widest = set(sorted(indices, key=lambda i: (-reach[i], i))[:limit])
        kept.extend(widest)
        summed[where] = [found[i] for i in indices if i not in widest]
    return [found[i] for i in sorted(kept)], summed


def _more_finding(page: Page, rest: List[_Found], limit: int, block: BBox, tol: float, error_beyond: float,
                  where: str) -> Finding:
    """One finding for the clusters of a page's region beyond the `limit` reported one by one: how many,
    on which sides, how far the furthest reaches; an error when any of them would be one."""
    over: Dict[str, float] = {}
    kinds = set()
    error = False
    for members, hits in ((m, h) for _, m, h in rest):
        kinds.update(m.what for m in members)
        if hits is None:
            reach = 0.0
            for m in members:
                for side, amount in m.over.items():
                    if amount > over.get(side, 0.0):
                        over[side] = amount
                    reach = max(reach, amount)
            error = error or reach > error_beyond
        else:
            _, amount, across = _gap_worst(hits)
            over["gap"] = max(over.get("gap", 0.0), amount)
            error = error or (across and amount > error_beyond)
    side = max(over, key=over.__getitem__)
    amount = over[side]
    box = union(m.bbox for _, members, _ in rest for m in members)
    margins = [k for k in _SIDES if k in over]
    named = ([f"the {margins[0]} margin" if len(margins) == 1 else
              f"the {', '.join(margins[:-1])} and {margins[-1]} margins"] if margins else []) + (
        ["a gap between the columns"] if "gap" in over else [])
    furthest = "into a gap between the columns" if side == "gap" else f"into the {side} margin"
    many = len(rest) > 1
    where_ = f"on this page{', after the References' if where == REGION_AFTER_REFERENCES else ''}"
    if len(over) == 1:
        reach = f"{'up to ' if many else ''}{amount:.1f} pt {furthest} {where_}"
    else:
        reach = f"beyond the text block {where_}, into {' and '.join(named)}, the furthest {amount:.1f} pt {furthest}"
    message = (f"{len(rest)} more {'objects reach' if many else 'object reaches'} {reach}"
               f"{f'; the {limit} reaching furthest are reported one by one' if limit else ''}; allowed {tol:g} pt")
    if not error:
        message += f" (each a warning: up to {error_beyond:g} pt)"
    return Finding(
        "MARG001",
        message,
        page=page.number,
        bbox=rounded_bbox(box),
        fix="more",
        data={
            "overflow_pt": round(amount, 2),
            "side": side,
            "sides": {k: round(v, 2) for k, v in over.items()},
            "more": len(rest),
            "reported": limit,
            "objects": sorted(kinds),
            "kind": "more",
            "tolerance_pt": tol,
            "error_beyond_pt": error_beyond,
            "text_block": list(rounded_bbox(block)),
            "region": where,
        },
        severity="" if error else "warning",
        # one cause whatever the page: a page strewn with marks is one problem, its pages listed
        cause=("more", where),
    )


def _by_region(region: "_Regions", page: int, objects: List[_Object]) -> Dict[str, List[_Object]]:
    """The page's objects by region: the References heading parts its page, and what stands above
    it and below it are never one object (two equal tables, one closing the body and one in the
    appendix)."""
    whole = region.of_page(page)
    if whole:
        return {whole: objects}
    parts: Dict[str, List[_Object]] = {}
    for obj in objects:
        parts.setdefault(region(page, obj.bbox), []).append(obj)
    return parts


# --- MARG001 across the gap between columns --------------------------------------------------

#: column text, which a spilling float stands beside: a piece of a body-size line within one column,
#: at least this share of the column wide (a figure's labels and a table's cells are narrower)
COLUMN_LINE_SHARE = 0.5
#: an object stands beside a line of column text when they share at least this share of the
#: shorter one's height (consecutive lines of a one-column page overlap by a point or two)
BESIDE_OVERLAP = 0.5
#: a cluster in a gap is a column's content when it stands beside at least this many lines of the other
#: column's text (a one-column page's line cut in two by MuPDF is one; a float beside a column, many)
BESIDE_MIN_LINES = 2
#: a line of column text starts at most this many body sizes right of its column's left edge (a
#: paragraph indent: 1 em in ICML and ACL, 1 pc in CVPR)
COLUMN_INDENT = 1.5
#: a drawing wholly inside a gap at most this wide is a rule between the columns (\columnseprule)
GAP_RULE_WIDTH = 1.5


def page_columns(doc: Document, rules: RuleSet, enlarged: Enlargement) -> Tuple[Tuple[float, float], ...]:
    """The columns the gaps are judged by: the template's (`analysis.layout.template_columns`, moved
    with the block on paper of another size), each widened to the measured column over it where
    the body measures it wider (a narrowed gap is MARG002's finding, once); () for one column."""
    template = template_columns(rules)
    if len(template) < 2:
        return ()
    dx = reference_block(doc, rules)[0] - float(rules.template["text_block"][0])
    columns = [(a + dx, b + dx) for a, b in template]
    measured = enlarged.block.columns
    if len(measured) == len(columns):
        columns = [(min(a, m[0]), max(b, m[1])) if m[0] < b and a < m[1] else (a, b)
                   for (a, b), m in zip(columns, measured)]
    if any(columns[i][1] >= columns[i + 1][0] for i in range(len(columns) - 1)):
        return tuple((a + dx, b + dx) for a, b in template)
    return tuple(columns)


def _in_column(box: BBox, columns: Sequence[Tuple[float, float]], tol: float) -> Optional[int]:
    for i, (a, b) in enumerate(columns):
        if box[0] >= a - tol and box[2] <= b + tol:
            return i
    return None


def _into_gap(box: BBox, columns: Sequence[Tuple[float, float]], tol: float) -> Optional[Tuple[int, str, float, bool]]:
    """(gap index, the column the object belongs to: left or right of the gap, how far it reaches
    beyond that column's edge, whether it reaches into the other column) of the first gap the box
    reaches into by more than `tol`; None when it reaches into none."""
    for i in range(len(columns) - 1):
        left, right = columns[i][1], columns[i + 1][0]
        if not (box[2] > left + tol and box[0] < right - tol):
            continue
        if box[0] <= left:
            return i, "left", box[2] - left, box[2] > right + tol
        if box[2] >= right:
            return i, "right", right - box[0], box[0] < left - tol
        if box[2] - box[0] <= GAP_RULE_WIDTH:
            continue  # a rule between the columns
        return i, "left", box[2] - left, False
    return None


class _GapObject(_Object):
    __slots__ = ("gap", "owner", "across", "line")

    def __init__(self, bbox: BBox, what: str, text: str, gap: Tuple[int, str, float, bool], line: int = -1):
        super().__init__(bbox, what, text, {"gap": gap[2]})
        self.gap, self.owner, _, self.across = gap
        self.line = line  # the body line it is a piece of (-1: ink)


def _gap_objects(page: Page, body: Sequence[Line], columns: Sequence[Tuple[float, float]], block: BBox, tol: float,
                 size_range: Tuple[float, float]) -> Tuple[List[_Object], List[Tuple[int, int, BBox]]]:
    """(the page's body text and ink inside the block that reach into a gap between columns, its
    lines of column text: (column, line, box)). A line of column text is a piece of a body-size line
    within one column, at least COLUMN_LINE_SHARE of it wide, starting at the column's left edge
    or a paragraph indent in (a one-column page's lines cut at a wide space are not column text)."""
    lo, hi = size_range
    indent = COLUMN_INDENT * (lo + hi) / 2
    spills: List[_Object] = []
    beside: List[Tuple[int, int, BBox]] = []
    for number, ln in enumerate(body):
        if not ln.horizontal:
            continue
        for box, text in (pieces(ln) if len(ln.spans) > 1 else [(ln.bbox, ln.text)]):
            column = _in_column(box, columns, tol)
            if column is not None:
                a, b = columns[column]
                if (lo <= ln.size <= hi and box[2] - box[0] >= COLUMN_LINE_SHARE * (b - a)
                        and box[0] <= a + indent and _in_column(ln.bbox, columns, tol) == column):
                    beside.append((column, number, box))
                continue
            gap = _into_gap(box, columns, tol)
            if gap is not None:
                spills.append(_GapObject(box, "text", text, gap, number))
    x0, y0, x1, y1 = block
    page_area = page.width * page.height
    for ink in page.ink:
        b = ink.bbox
        if ink.kind not in INK_KINDS or not (b[1] < y1 and b[3] > y0 and b[0] < x1 and b[2] > x0):
            continue  # outside the block (the margins are judged above) or no ink
        if (b[2] - b[0]) * (b[3] - b[1]) >= BACKGROUND_SHARE * page_area:
            continue
        gap = _into_gap(b, columns, tol)
        if gap is not None:
            what = "image" if "image" in ink.kind or "imgmask" in ink.kind else "drawing"
            spills.append(_GapObject(b, what, "", gap))
    return spills, beside


class _ColumnText:
    """The page's lines of column text (from `_gap_objects`), by column and ordered by their tops, so
    that the lines at an object's height are found by a search (a page of many small objects in a
    gap costs O(n log n), not objects times lines)."""

    def __init__(self, lines: Sequence[Tuple[int, int, BBox]]):
        self.by_column: Dict[int, Tuple[List[float], List[Tuple[int, BBox]], float]] = {}
        grouped: Dict[int, List[Tuple[float, int, BBox]]] = {}
        for column, line, box in lines:
            grouped.setdefault(column, []).append((box[1], line, box))
        for column, entries in grouped.items():
            entries.sort(key=lambda e: (e[0], e[1]))
            tallest = max(e[2][3] - e[2][1] for e in entries)
            self.by_column[column] = ([e[0] for e in entries], [(e[1], e[2]) for e in entries], tallest)

    def beside(self, obj: "_GapObject") -> set:
        """The lines of the other column's text (right of the gap for an object of the left column,
        left of it for one of the right) that stand at the object's height, not a piece of the
        object's own line (their indices among the page's body lines). Beside BESIDE_MIN_LINES of
        them the object is set within the columns (a column float) and not across them (a
        full-width float, the title block, a one-column page)."""
        other = obj.gap + 1 if obj.owner == "left" else obj.gap
        if other not in self.by_column:
            return set()
        tops, entries, tallest = self.by_column[other]
        y0, y1 = obj.bbox[1], obj.bbox[3]
        found = set()
        for i in range(bisect.bisect_left(tops, y0 - tallest), len(tops)):
            if tops[i] >= y1:
                break
            line, box = entries[i]
            if line == obj.line:
                continue
            shared = min(y1, box[3]) - max(y0, box[1])
            if shared > 0 and shared >= BESIDE_OVERLAP * min(y1 - y0, box[3] - box[1]):
                found.add(line)
        return found


def _gap_worst(hits: List["_GapObject"]) -> Tuple["_GapObject", float, bool]:
    """(the member reaching furthest beyond its column's edge, how far, whether the cluster reaches
    across the gap into the other column) of a cluster's members beside the other column's text."""
    worst = max(hits, key=lambda m: m.over["gap"])
    return worst, worst.over["gap"], any(m.across for m in hits if m.owner == worst.owner)


def _gap_finding(page: Page, members: List[_Object], hits: List["_GapObject"], columns: Sequence[Tuple[float, float]],
                 block: BBox, tol: float, error_beyond: float, where: str) -> Finding:
    """One finding for a cluster reaching into a gap; `hits` are its members beside the other
    column's text, which give the amount."""
    worst, amount, across = _gap_worst(hits)
    gap, owner = worst.gap, worst.owner
    edge = columns[gap][1] if owner == "left" else columns[gap + 1][0]
    other = "right" if owner == "left" else "left"
    box = union(m.bbox for m in members)
    what, kind = _describe(members, block)
    into = f"across the gap into the {other} column" if across else "into the gap between the columns"
    message = (f"{what} reaches {amount:.1f} pt beyond the {owner} column's edge, {into}, beside that column's text"
               f"{', after the References' if where == REGION_AFTER_REFERENCES else ''}; allowed {tol:g} pt")
    if not across:
        message += " (a warning while it stays in the gap)"
    elif amount <= error_beyond:
        message += f" (a warning up to {error_beyond:g} pt)"
    return Finding(
        "MARG001",
        sys.intern(message),  # equal texts as one string (see _described)
        page=page.number,
        bbox=rounded_bbox(box),
        fix="column",
        data={
            "overflow_pt": round(amount, 2),
            "side": "gap",
            "sides": {"gap": round(amount, 2)},
            "column": owner,
            "into": "column" if across else "gap",
            "column_edge": round(edge, 2),
            **_described(members, kind, tol, error_beyond, block, where),
        },
        severity="warning" if amount <= error_beyond or not across else "",
        cause=(kind, "gap", float(round(amount, 1))),
    )


def _described(members: List[_Object], kind: str, allowed: float, error_beyond: float, block: BBox,
               where: str) -> Dict[str, object]:
    """The data every MARG001 finding on a cluster ends with: what it is made of, the text it quotes,
    the thresholds, the block and the region. Equal texts are one string: a page copied 10,000 times
    gives 10,000 equal findings, held until the report groups them."""
    text = _quote(members) or None
    return {
        "objects": sorted({m.what for m in members}),
        "kind": kind,
        "text": sys.intern(text) if type(text) is str else text,
        "tolerance_pt": allowed,
        "error_beyond_pt": error_beyond,
        "text_block": list(rounded_bbox(block)),
        "region": where,
    }


def _note_words(members: List[_Object]) -> str:
    """What a margin note says, as its grouping knows it: its words in reading order, lower case,
    punctuation aside, every number written 0 and numbers in a row once. A note repeated with
    another number (a reviewer's point R2.1 ... R2.18, a page or line number, a line-number
    ruler's 001 002 003) says the same; notes with other words are other notes."""
    texts = sorted((m for m in members if m.what == "text"), key=lambda m: (m.bbox[1], m.bbox[0]))
    words: List[str] = []
    for word in re.findall(r"[^\W\d_]+|\d+", clean_glyphs(" ".join(m.text for m in texts)).lower()):
        if word.isdigit():
            if words and words[-1] == "0":
                continue
            word = "0"
        words.append(word)
    return " ".join(words)


def _finding(page: Page, members: List[_Object], block: BBox, tol: float, error_beyond: float,
             where: str) -> Finding:
    over: Dict[str, float] = {}
    for m in members:
        for side, amount in m.over.items():
            over[side] = max(over.get(side, 0.0), amount)
    side = max(over, key=over.__getitem__)
    amount = over[side]
    box = union(m.bbox for m in members)
    what, kind = _describe(members, block)
    by_baseline = side == "bottom" and all(m.what == "text" for m in members)
    allowed = BASELINE_TOLERANCE if by_baseline else tol
    message = (f"{what} reaches {amount:.1f} pt into the {side} margin"
               f"{' (its baseline)' if by_baseline else ''}"
               f"{', after the References' if where == REGION_AFTER_REFERENCES else ''}; allowed {allowed:g} pt")
    if amount <= error_beyond:
        message += f" (a warning up to {error_beyond:g} pt)"
    all_text = all(m.what == "text" for m in members)
    return Finding(
        "MARG001",
        sys.intern(message),  # equal texts as one string (see _described)
        page=page.number,
        bbox=rounded_bbox(box),
        fix="margin-note" if kind == "margin note" else "text" if all_text else "",
        data={
            "overflow_pt": round(amount, 2),
            "side": side,
            "sides": {k: round(v, 2) for k, v in over.items()},
            **_described(members, kind, allowed, error_beyond, block, where),
        },
        severity="warning" if amount <= error_beyond else "",
        # a margin note is the same note wherever it stands along the block and however wide its
        # number makes it: grouped by the margin it reaches into and what it says; anything else by
        # its extent (a figure, a frame, a line of text)
        cause=(kind, side, _note_words(members)) if kind == "margin note" else (kind, side, float(round(amount, 1))),
    )


# --- MARG002 ---------------------------------------------------------------------------------

#: a block of the template's width may sit this far to one side without being enlarged: the CVF's
#: Open Access copies are placed 8.5 pt left of the CVPR kit's block; further over, margins were moved
DISPLACED_MAX = 12.0


def text_block_enlarged(doc: Document, params: Params) -> Iterator[Finding]:
    rules = params.rules
    found = enlargement(doc, rules)
    block = found.block
    tol = params.template["block_tolerance_across"]
    vtol = params.template["block_tolerance_down"]
    narrowed = narrowed_gaps(rules, block.columns, tol)
    excess = dict(found.excess)
    x0, y0, x1, y1 = reference_block(doc, rules)
    if (block.columns and (("left" in excess) != ("right" in excess)) and block.x1 - block.x0 <= x1 - x0 + tol
            and max(excess.get("left", 0.0), excess.get("right", 0.0)) <= DISPLACED_MAX):
        # the template's width moved sideways (a publisher's copy placed a few points over): no wider
        excess.pop("left", None)
        excess.pop("right", None)
    if narrowed:
        excess["gap"] = max(template - measured for _, measured, template in narrowed)
    if not excess:
        return
    skip = topskip(rules)
    mx0 = block.x0 if block.columns else x0
    mx1 = block.x1 if block.columns else x1
    my0 = block.first_baseline - skip if block.first_baseline is not None else y0
    my1 = block.last_baseline if block.last_baseline is not None else y1
    on_template_paper = template_paper(doc, rules)
    parts = []
    for side in _SIDES:
        if side in excess:
            where = {"left": f"left edge at {mx0:.1f} pt", "right": f"right edge at {mx1:.1f} pt",
                     "top": f"first baseline at {block.first_baseline:.1f} pt" if block.first_baseline else "",
                     "bottom": f"last baseline at {block.last_baseline:.1f} pt" if block.last_baseline else ""}[side]
            want = {"left": x0, "right": x1, "top": y0 + skip, "bottom": y1}[side]
            if on_template_paper:
                parts.append(f"{where} ({excess[side]:.1f} pt beyond the template's {want:.5g})")
            else:  # the reference block is anchored where the body starts: the excess is size
                size = "width" if side in ("left", "right") else "height"
                amount = inches(x1 - x0) if size == "width" else inches(y1 - y0)
                parts.append(f"{where} ({excess[side]:.1f} pt more than the template's {amount} in {size})")
    for i, measured, template in narrowed:
        between = "the columns" if len(block.columns) == 2 else f"columns {i + 1} and {i + 2}"
        parts.append(f"the gap between {between} measures about {measured:.0f} pt (about {template - measured:.0f} pt narrower than the "
                     f"template's {template:g}, each column wider: \\columnsep changed)")
    width, height = (mx1 - mx0) / 72, (my1 - my0) / 72
    error_beyond = params.options["error_beyond"]
    worst = max(excess.values())
    paper = "" if on_template_paper else (
        "; on paper of another size the block is judged by its size, where it sits")
    first_page, where = _where_beyond(doc, rules, excess, found.block.columns)
    if set(excess) == {"gap"}:  # the block's outer edges are the template's: only the gap is narrowed
        message = (f"{'; '.join(parts)}; {template_name(rules.template)} sets{_columns_phrase(rules)[1:]} "
                   f"(allowed {tol:g} pt narrower)")
    else:
        message = (f"the body text block measures {width:.2f} x {height:.2f} in: {'; '.join(parts)}; "
                   f"{template_name(rules.template)} is {inches(x1 - x0)} x {inches(y1 - y0)} in"
                   f"{_columns_phrase(rules)} "
                   f"(allowed {tol:g} pt across, {vtol:g} pt down{paper})")
    if where == REGION_AFTER_REFERENCES:
        message += "; only after the References"
    if worst <= error_beyond:
        message += f"; a warning up to {error_beyond:g} pt"
    yield Finding(
        "MARG002",
        message,
        page=first_page,
        bbox=rounded_bbox((mx0, my0, mx1, my1)),
        fix="gap" if set(excess) == {"gap"} else "",
        fix_values={"the_template": the_template(rules.template)},
        data={
            "measured_block": list(rounded_bbox((mx0, my0, mx1, my1))),
            "template_block": [x0, y0, x1, y1],
            "excess_pt": {k: round(v, 2) for k, v in excess.items()},
            "columns": [list(c) for c in block.columns],
            # two columns or more: the template's columns the measured ones are compared with
            **({"template_columns": [[round(a, 2), round(b, 2)] for a, b in template_columns(rules)]}
               if int(rules.template["columns"]) > 1 else {}),
            "tolerance_pt": tol,
            "vertical_tolerance_pt": vtol,
            "error_beyond_pt": error_beyond,
            "template_paper": on_template_paper,
            "region": where,
        },
        severity="warning" if worst <= error_beyond else "",
    )


def _columns_phrase(rules: RuleSet) -> str:
    n = int(rules.template["columns"])
    if n < 2:
        return ""
    return f", {n} columns {float(rules.template['column_gap']):g} pt apart"


def narrowed_gaps(rules: RuleSet, measured: Sequence[Tuple[float, float]], tol: float) -> List[Tuple[int, float, float]]:
    """(gap index, measured gap, the template's gap) of every gap between the measured columns that
    is narrower than the template's `column_gap` by more than `tol`: \\columnsep shrunk, the columns
    widened into it. Only when the body measures as many columns as the template sets."""
    template = template_columns(rules)
    if len(template) < 2 or len(measured) != len(template):
        return []
    want = float(rules.template["column_gap"])
    out = []
    for i in range(len(measured) - 1):
        gap = measured[i + 1][0] - measured[i][1]
        if want - gap > tol:
            out.append((i, gap, want))
    return out


def _in_template_gap(line: Line, gaps: Sequence[Tuple[float, float]]) -> bool:
    """A piece of the line reaches more than a point into a gap of the template's columns (but
    does not span it: a full-width line)."""
    for box, _ in (pieces(line) if len(line.spans) > 1 else [(line.bbox, line.text)]):
        for a, b in gaps:
            if (a + 1 < box[2] <= b + 1 and box[0] < a) or (a - 1 <= box[0] < b - 1 and box[2] > b):
                return True
    return False


def _where_beyond(doc: Document, rules: RuleSet, excess: Dict[str, float],
                  columns: Sequence[Tuple[float, float]]) -> Tuple[Optional[int], str]:
    """The first page with a body line where the block is enlarged, and the region of the
    enlargement: after the References when every such line lies there (an appendix set on a larger
    block), else the body."""
    s = analyse(doc, rules)
    region = _Regions(s, columns)
    x0, y0, x1, y1 = reference_block(doc, rules)
    skip = topskip(rules)
    dx = x0 - float(rules.template["text_block"][0])
    tpl_columns = template_columns(rules)
    gaps = [(a + dx, b + dx) for (_, a), (b, _) in zip(tpl_columns, tpl_columns[1:])]
    beyond = (
        (number, ln) for number, lines in enumerate(s.body_lines, start=1) for ln in lines
        if (("left" in excess and ln.bbox[0] < x0 - 1) or ("right" in excess and ln.bbox[2] > x1 + 1)
            or ("top" in excess and ln.baseline < y0 + skip - 1) or ("bottom" in excess and ln.baseline > y1 + 1)
            or ("gap" in excess and _in_template_gap(ln, gaps)))
    )
    first = next(beyond, None)
    if first is None:
        return None, REGION_BODY
    if all(region(number, ln.bbox) == REGION_AFTER_REFERENCES for number, ln in itertools.chain((first,), beyond)):
        return first[0], REGION_AFTER_REFERENCES
    return first[0], REGION_BODY
