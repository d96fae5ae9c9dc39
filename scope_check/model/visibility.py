"""What a reader of the page can see of each span: facts for TEXT001, measured inside the single parse.

The loader (`document.load`) calls this module once per page, with the page still open:

- `TextInkDevice` is the ink device of `document` that also records, in drawing order, every text
  object MuPDF shows (fill, stroke, clip, invisible) with its box, and the colour of large fills;
- `facts()` decides which spans need a closer look and measures them: the spans drawn beneath an
  opaque object painted after them, the spans whose colour is close to what lies beneath them (the
  white page, the colour of the filled shape drawn just before them), the partly transparent ones,
  and the spans drawn over an image or a shading (their backdrop is unknown without looking).
  Only those spans' areas are rendered (one clip of the page, greyscale); everything else costs a
  few comparisons. Spans faint in grey are looked at in colour (an orange label on a green map is
  visible); an invisible text layer over a scanned page's image (OCR) is measured against what the
  image shows beneath it. It also extracts the text MuPDF's normal pass drops because it lies outside the
  visible page (the CropBox), when a text object reaches beyond it and its clips (a figure's own
  /BBox) do not cut it away. Positions are those of the unrotated page (the text's coordinates).

Nothing here judges: the check (`checks/text.py`) compares these facts with the rule file.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import List, Sequence, Tuple

from scope_check.model import ink
from scope_check.model.document import LayeredSpan, Span, strip_subset
from scope_check.model.findings import BBox
from scope_check.safety import limits

#: a span whose glyphs contrast less than this with what lies beneath them is measured and kept
#: as a `Visibility` fact; the rule file's `min_contrast` (TEXT001) can only be below it
CANDIDATE_CONTRAST = 3.0
#: text this close to the white page's colour is rendered to confirm it (its nominal colour is not
#: always what is painted: a Type 3 glyph may set its own)
CONFIRM_CONTRAST = 1.5
#: a filled shape smaller than this (points, either side) cannot be the backdrop of a line of text
#: (plot markers, rules); its colour is not recorded (the ink device's `colours`)
BIG_FILL = ink.BIG_FILL
#: an opaque object painted after a span and covering at least this fraction of its box hides it
#: unless the rendering shows the glyphs
COVER_FRACTION = 0.5
#: an object covering at least this fraction of a span's box is what lies beneath it
UNDER_FRACTION = 0.9
#: rendering resolution: pixels per em of the smallest span rendered, within these zoom limits
PX_PER_EM = 10.0
ZOOM_RANGE = (1.0, 6.0)
#: at most this many pixels per rendered clip (the zoom is lowered to fit)
MAX_PIXELS = 400_000
#: grid cell of the spatial index of large objects, in points
CELL = 64.0
#: a fill spanning more cells than this (a page is about 130) is kept out of the grid: a hostile size
MAX_FILL_CELLS = 4096
#: a text object reaching this far (points) beyond the visible page makes the loader look for
#: text outside it
OUTSIDE_SLACK = 1.0
#: the share of a span's rendered pixels taken as its glyphs (the extreme of the grey levels)
GLYPH_QUANTILE = 0.02
#: glyphs whose colour lies this far (CIE76 colour difference) from what lies beneath them stand out
#: by their colour whatever their contrast in grey (an orange label on a green map; #EBEBEB on white,
#: hidden, lies 7 from white); a rendered pixel within GLYPH_MATCH of a span's colour is its glyph
VISIBLE_COLOUR_DIFFERENCE = 40.0
GLYPH_MATCH = 12.0
#: an image covering at least this share of the page is a scanned page's picture: an invisible text
#: layer over it (OCR) is measured against what the image shows beneath it
SCAN_FRACTION = 0.5

_OPAQUE = ("fill-path", "fill-image", "fill-shade")
#: what may lie beneath light text (a thick stroke can be the dark area white labels sit on)
_BENEATH_LIGHT = _OPAQUE + ("stroke-path",)
WHITE = 0xFFFFFF
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Visibility:
    """A span the loader looked at closely, and what a reader sees of it."""

    span: object  # document.Span
    contrast: float  # contrast ratio of its glyphs against what lies beneath (1.0: indistinguishable)
    backdrop: int  # 0xRRGGBB beneath it (a rendered grey level when `source` is "rendered")
    # "page" (nothing drawn beneath), "fill" (a filled shape's colour), "rendered"; "image": an invisible
    # span (render mode 3) over a scanned page's image, `contrast` that of what the image shows beneath it
    # (an OCR text layer over the picture of its words shows marks there)
    source: str
    covered_by: str = ""  # the kind of opaque object painted over it after it ("fill-path", ...), "" if none


_LUMINANCE: dict = {}


def luminance(rgb: int) -> float:
    """WCAG relative luminance of an sRGB colour 0xRRGGBB."""
    known = _LUMINANCE.get(rgb)
    if known is not None:
        return known

    def channel(v: int) -> float:
        c = v / 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    value = 0.2126 * channel((rgb >> 16) & 255) + 0.7152 * channel((rgb >> 8) & 255) + 0.0722 * channel(rgb & 255)
    if len(_LUMINANCE) < 65536:
        _LUMINANCE[rgb] = value
    return value


def contrast(a: int, b: int) -> float:
    """WCAG contrast ratio of two colours: 1.0 (the same) to 21.0 (black on white)."""
    la, lb = luminance(a), luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def blend(fg: int, bg: int, alpha: float) -> int:
    """`fg` painted with opacity `alpha` over `bg`."""
    if alpha >= 1.0:
        return fg
    out = 0
    for shift in (16, 8, 0):
        f, b = (fg >> shift) & 255, (bg >> shift) & 255
        out |= int(round(alpha * f + (1 - alpha) * b)) << shift
    return out


def grey(v: int) -> int:
    return (v << 16) | (v << 8) | v


_LAB: dict = {}


def lab(rgb: int) -> Tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB colour 0xRRGGBB."""
    known = _LAB.get(rgb)
    if known is not None:
        return known

    def channel(v: int) -> float:
        c = v / 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = channel((rgb >> 16) & 255), channel((rgb >> 8) & 255), channel(rgb & 255)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    value = (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))
    if len(_LAB) < 65536:
        _LAB[rgb] = value
    return value


def colour_difference(a: int, b: int) -> float:
    """CIE76 colour difference of two sRGB colours: 0 (the same) to about 260; 2.3 is just noticeable."""
    la, lb = lab(a), lab(b)
    return ((la[0] - lb[0]) ** 2 + (la[1] - lb[1]) ** 2 + (la[2] - lb[2]) ** 2) ** 0.5


# --- the device ------------------------------------------------------------------------------


_DEVICE = None


def text_ink_device(target=None):
    """A new device: `document`'s ink device that also records text objects.

    `text` holds (kind, order, x0, y0, x1, y1, clip) per text object, `order` being the number of
    ink operations drawn before it and `clip` the box of the clip in force (None: none); `colours`
    (the ink device's) maps the index of a large fill in `out` to (0xRRGGBB, alpha); `painted_clips` holds the boxes of clip-only text (render mode 7) that something was
    painted through (the text then shows as that fill).

    `target` (a low-level MuPDF device, the loader's text extraction device): every call MuPDF
    makes of this device that `target` takes (the text, images and shadings, ActualText's begin and
    end: `FORWARDED`) and every call that keeps MuPDF's stack of clips, masks, groups and tiles
    (`STACKED_CALLS`) is passed on to it through MuPDF's device functions as it comes, in the same order
    with the same arguments, so that one interpretation of the page gives both the ink and the text.
    A call `target` raises on stops the passing on (`target_failed`: the text is read again on its
    own)."""
    global _DEVICE
    if _DEVICE is None:
        _DEVICE = _device_class()
    return _DEVICE(target)


#: the calls a MuPDF text extraction device (a structured-text device of the loader's flags) takes,
#: each passed on by `text_ink_device(target)` through MuPDF's device functions: its own (the text,
#: images and shadings, ActualText's begin and end: it implements these and no path, group or
#: layer), and those by which MuPDF's device functions keep every device's stack of clips, masks,
#: groups and tiles (the text device reads the clip in force from it: text a figure's clip hides
#: is not extracted); the loader checks the first against the device it makes
FORWARDED = ("fill_text", "stroke_text", "clip_text", "clip_stroke_text", "ignore_text", "fill_image",
             "fill_image_mask", "fill_shade", "begin_metatext", "end_metatext")
STACKED_CALLS = ("clip_path", "clip_stroke_path", "clip_image_mask", "pop_clip", "begin_mask", "end_mask",
                 "begin_group", "end_group", "begin_tile", "end_tile")
#: MuPDF's device function a call is passed on through, where its name is not the call's
_THROUGH = {"end_mask": "end_mask_tr", "begin_tile": "begin_tile_tid"}
#: the calls only passed on: the ink device has nothing of its own to do for them
_ONLY_PASSED = ("begin_metatext", "end_metatext", "begin_group", "end_group")


def _passing(low, name: str, then=None, returns=None):
    """A device method passing MuPDF's call `name` on to the device's `target` (the text extraction's
    device; none once a call was refused: `target_failed`), then calling `then` (the base device's
    own method) and returning what it returns, else `returns`."""
    call = getattr(low, "ll_fz_" + _THROUGH.get(name, name))

    def method(self, ctx, *args):
        if self.target is not None:
            try:
                call(self.target, *args)
            except Exception:
                self.target, self.target_failed = None, True
        if then is not None:
            return then(self, ctx, *args)
        return returns

    method.__name__ = name
    return method


_COUNT_DEVICE = None


def count_text_device(target):
    """A new counting device (`ink.count_device_class`: the ink pass's count of the page's marking
    operations toward its cap, and nothing else) that passes on to `target` what `text_ink_device`
    passes on, alike: the loader's counting pass then reads the page's text in the same run."""
    global _COUNT_DEVICE
    if _COUNT_DEVICE is None:
        _COUNT_DEVICE = _count_device_class()
    return _COUNT_DEVICE(target)


def _count_device_class():
    mupdf = ink.mupdf_module()
    base = ink.count_device_class()
    low = mupdf._mupdf
    counted = base.fill_path  # the count of one marking operation (and the stop at the cap)

    calls = FORWARDED + STACKED_CALLS
    methods = {name: _passing(low, name) for name in calls}
    for name in ("fill_image", "fill_image_mask", "fill_shade"):  # counted, as the counting device counts them
        methods[name] = _passing(low, name, counted)
    methods["begin_tile"] = _passing(low, "begin_tile", returns=0)  # 0: the tile is not cached, run its contents

    def __init__(self, target):
        base.__init__(self)
        self.target, self.target_failed = target, False
        for name in calls:
            getattr(self, "use_virtual_" + name)()

    methods["__init__"] = __init__
    return type("CountTextDevice", (base,), methods)


def _device_class():
    mupdf = ink.mupdf_module()
    base = ink.ink_device_class()
    bound_text = mupdf._mupdf.ll_fz_bound_text
    coords = ink.rect_reader()

    low = mupdf._mupdf  # the compiled functions (the `mupdf` module's Python versions of some convert arguments)

    class TextInkDevice(base):
        def __init__(self, target=None):
            super().__init__()
            self.text = []
            self.painted_clips = []
            self._text_clips = []  # (depth, ink count, box) of open clip-only text
            self.target = target  # the device the text extraction's calls are passed on to (None: none)
            self.target_failed = False
            for name in ("fill_text", "stroke_text", "ignore_text"):
                getattr(self, "use_virtual_" + name)()
            if target is not None:
                for name in _ONLY_PASSED:
                    getattr(self, "use_virtual_" + name)()

        def _text(self, kind, text, stroke, ctm):
            if self.hidden:
                return None
            try:
                box = coords(bound_text(text, stroke, ctm))
            except Exception:
                return None
            self.text.append((kind, len(self.out)) + box + (self.clips[-1] if self.clips else None,))
            return box

        def fill_text(self, ctx, text, ctm, *rest):
            self._text("fill-text", text, None, ctm)

        def stroke_text(self, ctx, text, stroke, ctm, *rest):
            self._text("stroke-text", text, stroke, ctm)

        def ignore_text(self, ctx, text, ctm, *rest):
            self._text("ignore-text", text, None, ctm)

        def clip_text(self, ctx, text, ctm, *rest):
            box = self._text("clip-text", text, None, ctm)
            super().clip_text(ctx, text, ctm, *rest)
            if box is not None:
                self._text_clips.append((len(self.clips), len(self.out), box))

        def pop_clip(self, ctx, *rest):
            clips = self.clips
            depth = len(clips)
            if clips:
                clips.pop()
            pending = self._text_clips
            while pending and pending[-1][0] >= depth:
                _, count, box = pending.pop()
                if len(self.out) > count:
                    self.painted_clips.append(box)

    # every call the target takes, passed on to it first (inside soft masks and tiles too: the text
    # extraction sees every call it would see), then this device's own, else the ink device's;
    # ActualText's and groups' calls are only passed on (_ONLY_PASSED)
    for name in FORWARDED + STACKED_CALLS:
        own = TextInkDevice.__dict__.get(name)
        if own is None and name not in _ONLY_PASSED:
            own = getattr(base, name)
        setattr(TextInkDevice, name, _passing(low, name, own))
    return TextInkDevice


# --- the facts -------------------------------------------------------------------------------


def _cover(a, s) -> float:
    """The fraction of box `s` that box `a` covers."""
    w = min(a[2], s[2]) - max(a[0], s[0])
    h = min(a[3], s[3]) - max(a[1], s[1])
    if w <= 0 or h <= 0:
        return 0.0
    area = (s[2] - s[0]) * (s[3] - s[1])
    return 1.0 if area <= 0 else w * h / area


def _order(span_box, text_events) -> int:
    """How many ink operations were drawn before the span: from the last text object containing it.
    A span no text object accounts for counts as drawn last (nothing is over it)."""
    cx, cy = (span_box[0] + span_box[2]) / 2, (span_box[1] + span_box[3]) / 2
    for ev in reversed(text_events):
        if ev[2] - 1 <= cx <= ev[4] + 1 and ev[3] - 1 <= cy <= ev[5] + 1:
            return ev[1]
    return 1 << 30


def facts(pymupdf, page, spans: Sequence, device, width: float, height: float):
    """(visibility facts, spans outside the visible page, boxes of painted clip text) for one page.

    `width` and `height` are the unrotated page's: the text and the ink are read in the coordinates
    of the unrotated page (a landscape page of `pdflscape` keeps its portrait MediaBox and a /Rotate),
    so every position test here is made in them, and the page is rendered unrotated."""
    offpage = ()
    # a text object is beyond the page when what its clips leave of it reaches beyond: text a figure's
    # own clip cuts away (an included PDF's content beyond its crop box, drawn inside the figure's
    # /BBox on the page) is no more outside the page than any other clipped-away text
    beyond = []
    for ev in device.text:
        if ev[0] == "clip-text":
            continue
        shown = _shown(ev, width, height)
        if shown is not None and (shown[0] < -OUTSIDE_SLACK or shown[1] < -OUTSIDE_SLACK
                                  or shown[2] > width + OUTSIDE_SLACK or shown[3] > height + OUTSIDE_SLACK):
            beyond.append(shown)
    if beyond:
        # a figure running off the page takes its labels with it (content in the margin, MARG001, and
        # no TEXT001 finding): when every text object beyond the page lies on a drawing that also
        # reaches beyond it, there is nothing else to extract
        off_ink = [b for _, b in device.out if b[0] < 0 or b[1] < 0 or b[2] > width or b[3] > height]
        if not all(any(b[0] <= ev[2] and ev[0] <= b[2] and b[1] <= ev[3] and ev[1] <= b[3] for b in off_ink)
                   for ev in beyond):
            offpage = tuple(s for s in _offpage(pymupdf, page, width, height) if _inside_any(s.bbox, beyond))
    rotation = page.rotation
    if rotation:
        page.set_rotation(0)  # rendered as the text is read: unrotated
    try:
        seen = _seen(pymupdf, page, spans, device, width * height)
    finally:
        if rotation:
            page.set_rotation(rotation)
    return seen, offpage, tuple(device.painted_clips)


def _shown(ev, width: float, height: float):
    """The box of a text object cut to the clip in force, None when the clip leaves nothing of it.
    A clip holding the whole page (MuPDF clips a page whose CropBox is smaller than its MediaBox to
    the CropBox) is no figure's clip: text beyond the page under it is text outside the page."""
    box, clip = ev[2:6], ev[6]
    if clip is None or (clip[0] <= OUTSIDE_SLACK and clip[1] <= OUTSIDE_SLACK
                        and clip[2] >= width - OUTSIDE_SLACK and clip[3] >= height - OUTSIDE_SLACK):
        return box
    shown = (max(box[0], clip[0]), max(box[1], clip[1]), min(box[2], clip[2]), min(box[3], clip[3]))
    return shown if shown[2] >= shown[0] and shown[3] >= shown[1] else None


def _inside_any(box, boxes) -> bool:
    """Does the centre of `box` lie in one of `boxes` (within OUTSIDE_SLACK)?"""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return any(b[0] - OUTSIDE_SLACK <= cx <= b[2] + OUTSIDE_SLACK and b[1] - OUTSIDE_SLACK <= cy <= b[3] + OUTSIDE_SLACK
               for b in boxes)


def _seen(pymupdf, page, spans, device, page_area: float) -> Tuple[Visibility, ...]:
    out = device.out
    grid: dict = {}
    wide = []  # fills over more than MAX_FILL_CELLS cells (a hostile size): checked against every span
    scans = []  # images covering a large part of the page: a scanned page's picture of its text
    for i, (k, b) in enumerate(out):
        if k in _BENEATH_LIGHT and b[2] - b[0] >= BIG_FILL and b[3] - b[1] >= BIG_FILL:
            entry = (i, k, b)
            try:
                gx0, gx1, gy0, gy1 = int(b[0] // CELL), int(b[2] // CELL), int(b[1] // CELL), int(b[3] // CELL)
            except (OverflowError, ValueError):  # an infinite or undefined box
                wide.append(entry)
                continue
            if (gx1 - gx0 + 1) * (gy1 - gy0 + 1) > MAX_FILL_CELLS:
                wide.append(entry)
                continue
            for gx in range(gx0, gx1 + 1):
                for gy in range(gy0, gy1 + 1):
                    grid.setdefault((gx, gy), []).append(entry)
            if k == "fill-image" and (b[2] - b[0]) * (b[3] - b[1]) >= SCAN_FRACTION * page_area:
                scans.append(b)
    light_of: dict = {}
    plans = []  # (span, backdrop, source, covered_by, needs render, nominal contrast)
    for s in spans:
        if s.render != "fill":
            # invisible and clip-only text are decided by the render mode alone, except an invisible
            # text layer over a scanned page's image (OCR): what the image shows beneath it is measured
            if s.render == "invisible" and scans and s.text.strip() and any(
                    _cover(b, s.bbox) >= UNDER_FRACTION for b in scans):
                plans.append((s, None, "image", "", True, 1.0))
            continue
        key = s.color if s.alpha == 1.0 else (s.color, s.alpha)
        light = light_of.get(key)
        if light is None:
            light = light_of[key] = contrast(blend(s.color, WHITE, s.alpha), WHITE) < CANDIDATE_CONTRAST
        if not grid and not wide and not light:
            continue
        box = s.bbox
        near = []
        if grid or wide:
            gx0, gx1 = int(box[0] // CELL), int(box[2] // CELL)
            gy0, gy1 = int(box[1] // CELL), int(box[3] // CELL)
            if gx0 == gx1 and gy0 == gy1:
                cells = (grid.get((gx0, gy0)),)
            elif (gx1 - gx0 + 1) * (gy1 - gy0 + 1) > len(grid):
                # a span larger than the grid holds cells (a hostile size): walk the grid's cells, in
                # the same order as the loop below, not every cell the span's box spans
                cells = [grid[key] for key in sorted(grid) if gx0 <= key[0] <= gx1 and gy0 <= key[1] <= gy1]
            else:
                cells = [grid.get((gx, gy)) for gx in range(gx0, gx1 + 1) for gy in range(gy0, gy1 + 1)]
            if wide:
                cells = [*cells, wide]
            ids = set()
            for cell in cells:
                if not cell:
                    continue
                for entry in cell:
                    b = entry[2]
                    if (b[3] > box[1] and b[1] < box[3] and b[0] < box[2] and b[2] > box[0]
                            and (light or entry[1] != "stroke-path") and entry[0] not in ids):
                        ids.add(entry[0])
                        near.append(entry)
        if not (near or light) or not s.text.strip():
            continue
        if not near:
            if light:
                c = contrast(blend(s.color, WHITE, s.alpha), WHITE)
                plans.append((s, WHITE, "page", "", c < CONFIRM_CONTRAST, c))
            continue
        order = _order(box, device.text)
        over = next((k for i, k, b in near
                     if i >= order and k != "stroke-path" and _cover(b, box) >= COVER_FRACTION), "")
        under = [(i, k, b) for i, k, b in near if i < order and _cover(b, box) >= UNDER_FRACTION]
        if under:
            i, kind, _ = max(under)
            colour = device.colours.get(i) if kind == "fill-path" else None
            if colour is not None and colour[1] >= 1.0:
                backdrop, source = colour[0], "fill"
            else:
                backdrop, source = None, "rendered"  # an image, a shading, a translucent fill
        elif light:
            backdrop, source = None, "rendered"  # partly over a drawing: look
        else:
            backdrop, source = WHITE, "page"
        if backdrop is not None:
            c = contrast(blend(s.color, backdrop, s.alpha), backdrop)
            if not over and c >= CANDIDATE_CONTRAST:
                continue
            plans.append((s, backdrop, source, over,
                          bool(over) or c < (CANDIDATE_CONTRAST if source != "page" else CONFIRM_CONTRAST), c))
        else:
            plans.append((s, None, source, over, True, 1.0))
    # a span without a letter (a line number, a tick label, a white spacer) says nothing even when
    # hidden (TEXT001 reports runs with a word): it is not worth a rendering, except in an OCR layer
    # (whose numbers are as much the scan's as its words)
    plans = [p for p in plans if not p[4] or p[2] == "image" or _LETTER.search(p[0].text)]
    if not plans:
        return ()
    drawn = _Drawn(pymupdf, page)
    rendered = _render(pymupdf, drawn, [p[0] for p in plans if p[4]])
    # glyphs of low contrast in grey may still stand out by their colour (an orange label on a green
    # map): look at those in colour
    faint = [p[0] for p in plans if p[4] and p[2] != "image" and id(p[0]) in rendered
             and rendered[id(p[0])][0] < CANDIDATE_CONTRAST]
    coloured = _coloured(pymupdf, drawn, faint) if faint else set()
    result = []
    for s, backdrop, source, over, render, c in plans:
        if render and id(s) in rendered:
            if id(s) in coloured:
                continue  # its own colour shows on the rendering, unlike what lies beneath it: visible
            c, level = rendered[id(s)]
            backdrop, source = grey(level), source if source == "image" else "rendered"
        elif backdrop is None:
            continue  # the rendering failed: what lies beneath is unknown, claim nothing
        result.append(Visibility(span=s, contrast=round(c, 3), backdrop=backdrop, source=source, covered_by=over))
    return tuple(result)


def _clip(pymupdf, spans):
    """The area of `spans` to render and its zoom, or None."""
    x0 = min(s.bbox[0] for s in spans)
    y0 = min(s.bbox[1] for s in spans)
    x1 = max(s.bbox[2] for s in spans)
    y1 = max(s.bbox[3] for s in spans)
    if x1 <= x0 or y1 <= y0:
        return None
    smallest = max(min(s.size for s in spans), 0.1)
    zoom = min(max(PX_PER_EM / smallest, ZOOM_RANGE[0]), ZOOM_RANGE[1])
    area = (x1 - x0) * (y1 - y0)
    if area * zoom * zoom > MAX_PIXELS:
        zoom = max((MAX_PIXELS / area) ** 0.5, 0.25)
    return pymupdf.Rect(x0, y0, x1, y1), zoom


def _band(s, zoom: float, ox: int, oy: int, w: int, h: int):
    """The pixel rows and columns (px0, px1, py0, py1) of a span's glyph body: between the x-height
    line and the baseline, full width (the whole box when that is empty); None outside the pixmap."""
    b = s.bbox
    bh = b[3] - b[1]
    px0 = max(int(b[0] * zoom) - ox, 0)
    px1 = min(int(b[2] * zoom + 0.999) - ox, w)
    py0 = max(int((b[1] + 0.4 * bh) * zoom) - oy, 0)
    py1 = min(int((b[1] + 0.8 * bh) * zoom + 0.999) - oy, h)
    if px1 <= px0 or py1 <= py0:
        py0, py1 = max(int(b[1] * zoom) - oy, 0), min(int(b[3] * zoom + 0.999) - oy, h)
        if px1 <= px0 or py1 <= py0:
            return None
    return px0, px1, py0, py1


class _Drawn:
    """A page's renderings: `page.get_pixmap(matrix, clip, colorspace, alpha=False, annots=False)`
    records the page's contents as a display list and draws the clip from it; the page's list is
    recorded once here for both of its renderings (the greyscale one, then the colour one of faint
    spans), so a plot page of 20,000 strokes is recorded once, not twice. The pixels are those of
    `get_pixmap` (the same list, drawn the same way)."""

    def __init__(self, pymupdf, page):
        self.pymupdf, self.page, self.list = pymupdf, page, None

    def pixmap(self, zoom: float, clip, colorspace):
        if self.list is None:
            self.list = self.page.get_displaylist(annots=False)
        return self.list.get_pixmap(matrix=self.pymupdf.Matrix(zoom, zoom), colorspace=colorspace, alpha=False,
                                    clip=clip)


def _render(pymupdf, drawn: _Drawn, spans) -> dict:
    """Render the area of `spans` once (greyscale) and measure each: id(span) -> (contrast, backdrop level)."""
    if not spans:
        return {}
    area = _clip(pymupdf, spans)
    if area is None:
        return {}
    clip, zoom = area
    try:
        pix = drawn.pixmap(zoom, clip, pymupdf.csGRAY)
    except Exception:
        return {}
    samples, stride, w, h = pix.samples, pix.stride, pix.width, pix.height
    ox, oy = pix.x, pix.y  # the pixmap's origin in device pixels
    out = {}
    for s in spans:
        band = _band(s, zoom, ox, oy, w, h)
        if band is None:
            continue
        px0, px1, py0, py1 = band
        band = b"".join(samples[r * stride + px0:r * stride + px1] for r in range(py0, py1))
        values = sorted(band)
        n = len(values)
        back = Counter(band).most_common(1)[0][0]
        k = max(int(n * GLYPH_QUANTILE), 1) - 1
        lo, hi = values[min(k, n - 1)], values[max(n - 1 - k, 0)]
        # the pixels most unlike the backdrop, on either side: the span's nominal colour is not always
        # what is painted (a Type 3 glyph sets its own colour), so a line crossing the span counts too
        glyph = lo if abs(lo - back) >= abs(hi - back) else hi
        out[id(s)] = (contrast(grey(glyph), grey(back)), back)
    return out


def _coloured(pymupdf, drawn: _Drawn, spans) -> set:
    """The ids of `spans` whose glyphs show in their own colour on a rendering (RGB) of their area,
    against a backdrop of a clearly different colour: at least GLYPH_QUANTILE of the glyph body's
    pixels lie within GLYPH_MATCH of the span's colour, and that colour lies at least
    VISIBLE_COLOUR_DIFFERENCE from the commonest colour there (CIE76 distances). A span covered by
    what was painted after it, or painted in its backdrop's colour, shows no pixel of its colour."""
    area = _clip(pymupdf, spans)
    if area is None:
        return set()
    clip, zoom = area
    try:
        pix = drawn.pixmap(zoom, clip, pymupdf.csRGB)
    except Exception:
        return set()
    samples, stride, w, h = pix.samples, pix.stride, pix.width, pix.height
    ox, oy = pix.x, pix.y
    out = set()
    for s in spans:
        band = _band(s, zoom, ox, oy, w, h)
        if band is None:
            continue
        px0, px1, py0, py1 = band
        counts: Counter = Counter()
        for r in range(py0, py1):
            row = samples[r * stride + 3 * px0:r * stride + 3 * px1]
            counts.update(row[i:i + 3] for i in range(0, len(row), 3))
        n = sum(counts.values())
        (back_px, _), = counts.most_common(1)
        back = int.from_bytes(back_px, "big")
        ink = blend(s.color, back, s.alpha)
        if colour_difference(ink, back) < VISIBLE_COLOUR_DIFFERENCE:
            continue
        matching = sum(c for px, c in counts.items() if colour_difference(int.from_bytes(px, "big"), ink) <= GLYPH_MATCH)
        if matching >= max(n * GLYPH_QUANTILE, 1):
            out.add(id(s))
    return out


def _offpage(pymupdf, page, width: float, height: float):
    """Text outside the visible page: MuPDF's normal pass drops it, so extract the page again without
    the page clip (only pages where a text object reaches beyond the page; the clip paths still
    apply) and keep the spans whose centre lies outside; a span straddling the edge is cut to its
    characters outside."""
    flags = (pymupdf.TEXTFLAGS_DICT | pymupdf.TEXT_CLIP) & ~(pymupdf.TEXT_MEDIABOX_CLIP
                                                            | pymupdf.TEXT_PRESERVE_IMAGES | pymupdf.TEXT_PRESERVE_LIGATURES)
    try:
        raw = page.get_text("dict", flags=flags, clip=pymupdf.INFINITE_RECT())
    except Exception:
        return
    straddling = []
    for block in raw.get("blocks", ()):
        for line in block.get("lines", ()):
            for s in line.get("spans", ()):
                x0, y0, x1, y1 = s["bbox"]
                if 0 <= x0 and x1 <= width and 0 <= y0 and y1 <= height:
                    continue
                if not s["text"].strip():
                    continue
                inside = not (x1 < 0 or x0 > width or y1 < 0 or y0 > height)
                if inside:
                    straddling.append(s["bbox"])
                    continue
                yield Span(s["text"], (x0, y0, x1, y1), strip_subset(s["font"]), round(s["size"], 2), s["color"],
                           s["flags"], alpha=s.get("alpha", 255) / 255.0)
    if not straddling:
        return
    # the characters of spans that cross the page edge (rare: the raw pass is only run for them)
    try:
        chars = page.get_text("rawdict", flags=flags, clip=pymupdf.INFINITE_RECT())
    except Exception:
        return
    crossing = {tuple(b) for b in straddling}  # built once, not once per span
    for block in chars.get("blocks", ()):
        for line in block.get("lines", ()):
            for s in line.get("spans", ()):
                if tuple(s["bbox"]) not in crossing:
                    continue
                run: List = []
                for ch in list(s.get("chars", ())) + [None]:
                    if ch is not None:
                        cx = (ch["bbox"][0] + ch["bbox"][2]) / 2
                        cy = (ch["bbox"][1] + ch["bbox"][3]) / 2
                        if not (0 <= cx <= width and 0 <= cy <= height):
                            run.append(ch)
                            continue
                    if run and "".join(c["c"] for c in run).strip():
                        box: BBox = (min(c["bbox"][0] for c in run), min(c["bbox"][1] for c in run),
                                     max(c["bbox"][2] for c in run), max(c["bbox"][3] for c in run))
                        yield Span("".join(c["c"] for c in run), box, strip_subset(s["font"]),
                                   round(s["size"], 2), s["color"], s["flags"], alpha=s.get("alpha", 255) / 255.0)
                    run = []


# --- optional content (layers) ---------------------------------------------------------------


#: a layered span's glyphs further apart than this fraction of its size start a new word
LAYER_WORD_GAP_EM = 0.15


def hidden_layers(pymupdf, page, number: int) -> Tuple[LayeredSpan, ...]:
    """The text of `page` that optional content hides in the default configuration: a layer off by
    default, or shown only by a usage or a visibility expression that leaves it off. MuPDF's normal
    pass (the text above, the ink, the rendering) skips such content altogether, while a text
    extractor that ignores layers (pdftotext, most LLM pipelines) reads it. The page's text is
    traced twice, as a viewer shows it ("View") and with every layer shown (no usage: MuPDF then
    hides nothing), and each text run only the second trace holds is hidden, named by the innermost
    layer it lies in. Run only for documents that have layers; coordinates are the unrotated page's."""
    rotation = page.rotation
    if rotation:
        page.set_rotation(0)
    try:
        shown = _trace(pymupdf, page, "View")
        every = _trace(pymupdf, page, None)
    finally:
        if rotation:
            page.set_rotation(rotation)
    if len(every) <= len(shown):
        return ()
    left = Counter(_trace_key(t) for t in shown)
    out = []
    for t in every:
        key = _trace_key(t)
        if left[key] > 0:
            left[key] -= 1
            continue
        layer = limits.clean_text(t.get("layer") or "", 120)
        out.extend(LayeredSpan(page=number, span=span, layer=layer) for span in _trace_spans(t))
    return tuple(out)


def _trace(pymupdf, page, usage):
    mupdf, extra = pymupdf.mupdf, pymupdf.extra
    out: list = []
    device = extra.JM_new_texttrace_device(out)
    bounds = mupdf.fz_bound_page(page.this)
    device.ptm = mupdf.FzMatrix(1, 0, 0, -1, 0, bounds.y1)
    mupdf.pdf_run_page_with_usage(mupdf.pdf_page_from_fz_page(page.this), device, mupdf.FzMatrix(), usage,
                                  mupdf.FzCookie())
    mupdf.fz_close_device(device)
    return out


def _trace_key(t) -> tuple:
    return (tuple(c[0] for c in t.get("chars", ())), tuple(round(v, 1) for v in t.get("bbox", ())))


def _trace_spans(t) -> List[Span]:
    """The model's spans for a text run of a trace: one per line it covers (a run is a text object,
    which may hold several lines), with spaces where its glyphs stand apart."""
    chars = t.get("chars") or ()
    size = float(t.get("size") or 0.0)
    lines: List[List] = []
    last = None
    for c in chars:
        origin = c[2]
        if last is None or abs(origin[1] - last[1]) > 0.5 * max(size, 0.1) or origin[0] < last[0] - 2 * max(size, 0.1):
            lines.append([])
        lines[-1].append(c)
        last = origin
    colour = t.get("color") or (0.0,)
    if len(colour) == 3:
        r, g, b = colour
    elif len(colour) == 4:  # CMYK, naively
        c_, m_, y_, k_ = colour
        r, g, b = (1 - min(1.0, c_ + k_)), (1 - min(1.0, m_ + k_)), (1 - min(1.0, y_ + k_))
    else:
        r = g = b = colour[0]
    rgb = (int(round(max(0.0, min(1.0, r)) * 255)) << 16) | (int(round(max(0.0, min(1.0, g)) * 255)) << 8) \
        | int(round(max(0.0, min(1.0, b)) * 255))
    mode = t.get("type", 0)
    render = "invisible" if mode == 3 else "clip" if mode == 7 else "fill"
    font, flags, alpha = strip_subset(t.get("font") or ""), int(t.get("flags") or 0), float(t.get("opacity", 1.0))
    out = []
    for line in lines:
        parts = []
        prev = None
        for c in line:
            ucs, box = c[0], c[3]
            if prev is not None and box[0] - prev[2] > LAYER_WORD_GAP_EM * max(size, 0.1):
                parts.append(" ")
            try:
                parts.append(chr(ucs))
            except (ValueError, OverflowError):
                parts.append("\ufffd")
            prev = box
        text = limits.clean_text("".join(parts), limits.MAX_LINE_CHARS)
        if not text.strip():
            continue
        boxes = [c[3] for c in line]
        bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        out.append(Span(text, bbox, font, round(size, 2) or 0.01, rgb, flags, alpha=alpha, render=render))
    return out
