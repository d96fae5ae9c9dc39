"""MARG: content in the margins, and a text block enlarged beyond the template's.

The template's own ink outside the text block is recognised positively from the structure's
furniture (running header over the text block, centred page number, the grey review line-number
ruler) and, for drawings, by position and shape (the thin header rule); link borders are
annotations and never reach the model's ink. Everything else that reaches further than a
documented tolerance is reported, one finding per cluster of touching objects.
"""

from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Tuple

from scope_check.document import Document, Line, Page
from scope_check.findings import BBox, Finding, rounded_bbox
from scope_check.geometry import TextBlock, pieces, text_block, topskip
from scope_check.registry import Check, Params
from scope_check.rules import RuleSet
from scope_check.structure import HEADER, HEADER_MIN_DISTANCE, PAGE_NUMBER, RULER, analyse

#: MARG001 default: how far text and ink may reach beyond a side or the top of the text block, in
#: points. microtype protrudes a final hyphen, period or closing quote into the margin by up to
#: about 2.5 pt at 10 pt; MuPDF's line box rises to the font's ascender, above TeX's height (the
#: official sample's title and first lines reach 0.9 to 1.4 pt above the block); a table rule or a
#: stroke at the block edge adds half its line width and its miter
TOLERANCE = 3.0
#: MARG001: a text line's *baseline* may sit this far below the block's bottom. TeX never sets a
#: baseline lower (\flushbottom puts the last one on the bottom edge); descenders hang about 2.1 to
#: 2.4 pt below it by design and big math delimiters much further, so the box is not compared. A
#: line of math may be read on a subscript's baseline, which TeX lowers by up to 2.47 pt (cmsy10's
#: sub2 at 10 pt)
BASELINE_TOLERANCE = 2.5
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

#: MARG002 defaults: how far the measured body block may reach beyond the template's, in points.
#: Justified lines end exactly on the block's sides in every engine, so the horizontal allowance
#: is small; engines put the first baseline differently (TeX: \topskip below the top; Typst: the
#: cap height at the top, 3.7 pt higher), so the vertical one is larger. The smallest real
#: `geometry` change (0.1 in) is 7.2 pt.
BLOCK_TOLERANCE = 2.0
BLOCK_VERTICAL_TOLERANCE = 5.0

_SIDES = ("left", "right", "top", "bottom")


# --- the text block the content is measured against -----------------------------------------


def template_block(rules: RuleSet) -> BBox:
    return tuple(rules.template["text_block"])  # type: ignore[return-value]


def block_excess(doc: Document, rules: RuleSet) -> Tuple[TextBlock, Dict[str, float]]:
    """The measured body block and how far (points) it reaches beyond the template's block on each
    side where that exceeds MARG002's tolerance."""
    opts = rules.options("MARG002")
    tol = opts.get("tolerance", BLOCK_TOLERANCE)
    vtol = opts.get("vertical_tolerance", BLOCK_VERTICAL_TOLERANCE)
    block = text_block(doc, rules)
    x0, y0, x1, y1 = template_block(rules)
    excess: Dict[str, float] = {}
    if block.columns:
        if x0 - block.x0 > tol:
            excess["left"] = x0 - block.x0
        if block.x1 - x1 > tol:
            excess["right"] = block.x1 - x1
    if block.first_baseline is not None and (y0 + topskip(rules)) - block.first_baseline > vtol:
        excess["top"] = (y0 + topskip(rules)) - block.first_baseline
    if block.last_baseline is not None and block.last_baseline - y1 > vtol:
        excess["bottom"] = block.last_baseline - y1
    return block, excess


def effective_block(doc: Document, rules: RuleSet) -> BBox:
    """The template's block, grown to the measured body block on the sides where MARG002 reports
    it enlarged: margin content is then measured against the block the author actually used, so
    an enlarged block is one MARG002 finding, not a MARG001 finding for every line."""
    block, excess = block_excess(doc, rules)
    x0, y0, x1, y1 = template_block(rules)
    if "left" in excess:
        x0 = block.x0
    if "right" in excess:
        x1 = block.x1
    if "top" in excess:
        y0 = block.first_baseline - topskip(rules)
    if "bottom" in excess:
        y1 = block.last_baseline
    return (x0, y0, x1, y1)


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


def _is_header_rule(box: BBox, block: BBox, tol: float) -> bool:
    x0, y0, x1, y1 = block
    return (
        box[3] - box[1] <= RULE_MAX_HEIGHT
        and box[0] >= x0 - tol
        and box[2] <= x1 + tol
        and box[2] - box[0] >= RULE_MIN_SPAN * (x1 - x0)
        and box[3] <= y0 - HEADER_MIN_DISTANCE
    )


def _ink_objects(page: Page, block: BBox, tol: float) -> List[_Object]:
    x0, y0, x1, y1 = block
    page_area = page.width * page.height
    side = max(page.width, page.height)
    out = []
    for ink in page.ink:
        if ink.kind not in INK_KINDS:
            continue
        bx0, by0, bx1, by1 = ink.bbox
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
        if _is_header_rule(box, block, tol):
            continue
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
    Objects come in order of their top edge, so a cluster whose bottom is more than CLUSTER_GAP_Y
    above the current object can join nothing any more: only the open ones are compared (linear
    on 100,000 objects spread down a page, where comparing with every cluster was quadratic)."""
    clusters: List[Tuple[List[float], List[_Object]]] = []
    active: List[int] = []  # indices of clusters that a later object may still join
    for obj in sorted(objects, key=lambda o: (o.bbox[1], o.bbox[0])):
        box = obj.bbox
        joined = None
        active = [i for i in active if clusters[i][1] and box[1] <= clusters[i][0][3] + CLUSTER_GAP_Y]
        for i in active:
            cbox, members = clusters[i]
            if not members:
                continue  # merged into another during this object
            if (box[0] <= cbox[2] + CLUSTER_GAP_X and cbox[0] <= box[2] + CLUSTER_GAP_X
                    and box[1] <= cbox[3] + CLUSTER_GAP_Y and cbox[1] <= box[3] + CLUSTER_GAP_Y):
                if joined is None:
                    members.append(obj)
                    cbox[:] = [min(cbox[0], box[0]), min(cbox[1], box[1]), max(cbox[2], box[2]), max(cbox[3], box[3])]
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
    return _same_edge([members for _, members in clusters if members])


def _same_edge(clusters: List[List[_Object]]) -> List[List[_Object]]:
    """Clusters that stick out on the same side to the same edge (within EDGE_MATCH) are one
    object: the rules of a too-wide table, with its rows in between inside the block."""
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
    sides = set()
    for m in members:
        sides.update(m.over)
    if sides == {"right"}:
        return ("right", max(m.bbox[2] for m in members))
    if sides == {"left"}:
        return ("left", min(m.bbox[0] for m in members))
    return None


def _describe(members: List[_Object]) -> str:
    kinds = {m.what for m in members}
    texts = [m for m in members if m.what == "text"]
    if kinds == {"text"}:
        snippet = texts[0].text
        snippet = snippet if len(snippet) <= 40 else snippet[:37] + "..."
        lines = f"{len(texts)} lines of text" if len(texts) > 1 else "text"
        return f'{lines} "{snippet}"'
    if kinds == {"image"}:
        return "an image"
    if kinds == {"drawing"}:
        return "a drawing"
    if "image" in kinds:
        return "a figure (image and text)" if texts else "a figure (image and drawing)"
    return "a drawing with text"


def content_in_margin(doc: Document, params: Params) -> Iterator[Finding]:
    rules = params.rules
    tol = params.options.get("tolerance", TOLERANCE)
    s = analyse(doc, rules)
    block = effective_block(doc, rules)
    body_size = float(params.template.get("body_font_size", 10.0))
    for page, body, furniture in zip(doc.pages, s.body_lines, s.furniture):
        objects: List[_Object] = []
        for ln in body:
            objects.extend(_line_objects(ln, block, tol))
        for role, ln in furniture:
            if role in (RULER, PAGE_NUMBER):
                continue  # recognised by position, size and colour in the structure analysis
            if role == HEADER and _is_header(ln, block, tol, body_size):
                continue
            objects.extend(_line_objects(ln, block, tol))
        for ln in page.rotated_lines:
            objects.extend(_line_objects(ln, block, tol))
        objects.extend(_ink_objects(page, block, tol))
        for members in _clusters(objects):
            yield _finding(page, members, block, tol)


def _finding(page: Page, members: List[_Object], block: BBox, tol: float) -> Finding:
    over: Dict[str, float] = {}
    for m in members:
        for side, amount in m.over.items():
            over[side] = max(over.get(side, 0.0), amount)
    side = max(over, key=over.__getitem__)
    amount = over[side]
    box = (min(m.bbox[0] for m in members), min(m.bbox[1] for m in members),
           max(m.bbox[2] for m in members), max(m.bbox[3] for m in members))
    what = _describe(members)
    edge = {"left": "left edge", "right": "right edge", "top": "top", "bottom": "bottom"}[side]
    by_baseline = side == "bottom" and all(m.what == "text" for m in members)
    allowed = BASELINE_TOLERANCE if by_baseline else tol
    message = (f"{what} reaches {amount:.1f} pt beyond the {edge} of the text block"
               f"{' (its baseline)' if by_baseline else ''}; the block is x {block[0]:.1f}-{block[2]:.1f}, "
               f"y {block[1]:.1f}-{block[3]:.1f} pt; allowed {allowed:g} pt")
    kinds = {m.what for m in members}
    if kinds == {"text"}:
        hint = ("Let the line break: load `xurl` (or `\\usepackage[hyphens]{url}`) for long URLs, rephrase or "
                "`\\allowbreak` long words, wrap wide math with `\\begin{multline}`; never move text out with "
                "negative `\\hspace`/`\\vspace` or `\\enlargethispage`.")
    else:
        hint = ("Scale the figure or table to the text block: `\\includegraphics[width=\\linewidth]{...}`, "
                "`\\resizebox{\\linewidth}{!}{...}` for a wide table; keep annotations inside the block.")
    return Finding(
        "MARG001",
        message,
        page=page.number,
        bbox=rounded_bbox(box),
        hint=hint,
        data={
            "overflow_pt": round(amount, 2),
            "side": side,
            "sides": {k: round(v, 2) for k, v in over.items()},
            "objects": sorted(kinds),
            "tolerance_pt": allowed,
            "text_block": list(rounded_bbox(block)),
        },
    )


# --- MARG002 ---------------------------------------------------------------------------------


def text_block_enlarged(doc: Document, params: Params) -> Iterator[Finding]:
    rules = params.rules
    block, excess = block_excess(doc, rules)
    if not excess:
        return
    tol = params.options.get("tolerance", BLOCK_TOLERANCE)
    vtol = params.options.get("vertical_tolerance", BLOCK_VERTICAL_TOLERANCE)
    x0, y0, x1, y1 = template_block(rules)
    skip = topskip(rules)
    mx0 = block.x0 if block.columns else x0
    mx1 = block.x1 if block.columns else x1
    my0 = block.first_baseline - skip if block.first_baseline is not None else y0
    my1 = block.last_baseline if block.last_baseline is not None else y1
    parts = []
    for side in _SIDES:
        if side in excess:
            where = {"left": f"left edge at {mx0:.1f} pt", "right": f"right edge at {mx1:.1f} pt",
                     "top": f"first baseline at {block.first_baseline:.1f} pt" if block.first_baseline else "",
                     "bottom": f"last baseline at {block.last_baseline:.1f} pt" if block.last_baseline else ""}[side]
            want = {"left": x0, "right": x1, "top": y0 + skip, "bottom": y1}[side]
            parts.append(f"{where} ({excess[side]:.1f} pt beyond the template's {want:g})")
    width, height = (mx1 - mx0) / 72, (my1 - my0) / 72
    message = (f"the body text block measures {width:.2f} x {height:.2f} in: {'; '.join(parts)}; "
               f"{_template_name(rules)} is {(x1 - x0) / 72:g} x {(y1 - y0) / 72:g} in "
               f"(allowed {tol:g} pt across, {vtol:g} pt down)")
    yield Finding(
        "MARG002",
        message,
        page=_first_page_beyond(doc, rules, excess),
        bbox=rounded_bbox((mx0, my0, mx1, my1)),
        hint="Remove `geometry` (and any change to \\textwidth, \\textheight, \\oddsidemargin, \\topmargin, "
        "\\voffset or \\hoffset): the ICLR style sets the page; shorten the paper instead.",
        data={
            "measured_block": list(rounded_bbox((mx0, my0, mx1, my1))),
            "template_block": [x0, y0, x1, y1],
            "excess_pt": {k: round(v, 2) for k, v in excess.items()},
            "columns": [list(c) for c in block.columns],
            "tolerance_pt": tol,
            "vertical_tolerance_pt": vtol,
        },
    )


def _template_name(rules: RuleSet) -> str:
    return str(rules.template.get("name", "the template"))


def _first_page_beyond(doc: Document, rules: RuleSet, excess: Dict[str, float]) -> Optional[int]:
    """The first page with a body line where the block is enlarged."""
    s = analyse(doc, rules)
    x0, y0, x1, y1 = template_block(rules)
    skip = topskip(rules)
    for number, lines in enumerate(s.body_lines, start=1):
        for ln in lines:
            if (("left" in excess and ln.bbox[0] < x0 - 1) or ("right" in excess and ln.bbox[2] > x1 + 1)
                    or ("top" in excess and ln.baseline < y0 + skip - 1) or ("bottom" in excess and ln.baseline > y1 + 1)):
                return number
    return None


CHECKS = (
    Check(
        code="MARG001",
        name="content-in-margin",
        severity="error",
        summary="Text, an image or a drawing reaches beyond the text block by more than the tolerance. The "
        "template's own ink outside the block is recognised and passes: the running header over the text "
        "block and its rule, the centred page number, the grey review line-number ruler; link borders are "
        "annotations, not content. Ink is measured where it is visible (cut to its clip). Touching objects are "
        "one finding (a figure with its labels, a line of text, a margin note).",
        why="SCOPE CFP: \"Submissions that violate the ICLR style (e.g., by decreasing margins or font sizes) "
        "... may be rejected without further review\"; the ICLR 2025 template: \"The text must be confined "
        "within a rectangle 5.5 inches wide and 9 inches long\".",
        fix="Scale figures and tables to `\\linewidth`; let long URLs break (`xurl`); never push material out "
        "with negative `\\hspace`/`\\vspace` or `\\enlargethispage`.",
        params={
            "tolerance": f"how far (points) text and ink may reach beyond a side or the top of the text block "
            f"(default {TOLERANCE:g}: microtype protrusion, font ascenders, stroke widths); a text line's "
            f"baseline may sit {BASELINE_TOLERANCE:g} pt below the bottom (descenders hang below it by design)",
        },
        example='an image reaches 39.6 pt beyond the right edge of the text block; the block is x 108.0-504.0, '
        'y 81.9-729.9 pt; allowed 3 pt',
        run=content_in_margin,
    ),
    Check(
        code="MARG002",
        name="text-block-enlarged",
        severity="error",
        summary="The body text block, measured from the body lines (the columns' justified edges, and the "
        "pages' first and last baselines taken robustly so one squeezed page or a float at the top does "
        "not count), reaches beyond the template's: margins shrunk with `geometry` or by changing "
        "\\textwidth, \\textheight or \\topmargin.",
        why="SCOPE CFP: \"Submissions that violate the ICLR style (e.g., by decreasing margins ...) ... may be "
        "rejected without further review\"; ICLR 2025: a 5.5 x 9 in text block, 1.5 in left margin.",
        fix="Remove `\\usepackage{geometry}` and every change to the page dimensions; shorten the text instead.",
        params={
            "tolerance": f"how far (points) the block's left and right edges may reach beyond the template's "
            f"(default {BLOCK_TOLERANCE:g}: justified lines end exactly on the edge)",
            "vertical_tolerance": f"how far (points) the first and last baselines may reach beyond the "
            f"template's (default {BLOCK_VERTICAL_TOLERANCE:g}: engines place the first baseline differently)",
        },
        example="the body text block measures 6.50 x 9.00 in: left edge at 72.0 pt (36.0 pt beyond the template's "
        "108); right edge at 540.0 pt (36.0 pt beyond the template's 504); ICLR 2025 is 5.5 x 9 in "
        "(allowed 2 pt across, 5 pt down)",
        run=text_block_enlarged,
    ),
)
