"""The ink pass: MuPDF's drawing of a page's contents through a device that records each
non-text marking operation (fills, strokes, images, shadings) with its *visible* box, cut to the
clip in force, and stops at the page's operation cap. The text visibility device
(`model.visibility`) extends this device."""

from __future__ import annotations


from scope_check.model.document import Ink
from scope_check.safety import limits


def mupdf_module():
    import pymupdf

    return pymupdf.mupdf


def swig_this(obj):
    """The binding's pointer object of `obj`, one of the Python objects it passes a device's
    callbacks (`obj.this`), else `obj` itself (already a pointer object, None, a number).

    A MuPDF structure whose fields the binding knows (a matrix, a stroke state, a colour space,
    a text) comes as a proxy object holding its pointer object as `this`. Each compiled function
    finds the pointer of every argument it is given: from a proxy, it reads the attribute `this`
    and checks two types, each check (made by the type check of PyMuPDF's other compiled module)
    building and comparing type names; from the pointer object, one check. Bounding a stroke
    given its stroke state and matrix this way takes 0.56 us instead of 1.6 us, and the ink
    device bounds every path of the page."""
    return getattr(obj, "this", obj)


_INK_DEVICE = None
_COUNT_DEVICE = None
_INFINITE = float("inf")
#: a fill at least this large (points, either way) has its colour read (`colours`): it may be the
#: backdrop a line of text sits on (`model.visibility`), or, opaque and pure white, the page's own colour,
#: marking nothing by itself (a plot's white background running past its frame and off the page: ink
#: of kind "fill-white"); a smaller one (plot markers, rules) is not worth the read
BIG_FILL = 3.0
#: the colour of the page
WHITE = 0xFFFFFF


def colour_reader():
    """A function (colorspace, color) -> 0xRRGGBB of a colour MuPDF passes a device's fill: device
    gray and RGB read directly (most fills), any other colour space converted by MuPDF."""
    mupdf = mupdf_module()
    low = mupdf._mupdf
    rgb_space = mupdf.FzColorspace(mupdf.FzColorspace.Fixed_RGB)
    params = mupdf.FzColorParams()
    get, n_of = low.floats_getitem, low.ll_fz_colorspace_n
    is_gray, is_rgb = low.ll_fz_colorspace_is_gray, low.ll_fz_colorspace_is_rgb

    def to_rgb(colorspace, color):
        cs = swig_this(colorspace)
        n = n_of(cs)
        if n == 1 and is_gray(cs):
            v = get(color, 0)
            r = g = b = v
        elif n == 3 and is_rgb(cs):
            r, g, b = get(color, 0), get(color, 1), get(color, 2)
        else:
            r, g, b = mupdf.ll_fz_convert_color(colorspace, color, rgb_space.m_internal, None, params.internal())[:3]
        r, g, b = (max(0, min(255, int(round(v * 255)))) for v in (r, g, b))
        return (r << 16) | (g << 8) | b

    return to_rgb


def rect_reader():
    """A function returning (x0, y0, x1, y1) of a MuPDF `fz_rect` from the low-level binding.

    The binding reads each coordinate through its own accessor (about 0.3 us each, more than
    MuPDF takes to bound a path); an `fz_rect` is four C floats, so the four are read from the
    structure's memory as a ctypes array laid over it (0.22 us for the four; a copy of the memory
    unpacked, 0.43 us). The layout is checked once against the accessors: where it differs, the
    accessors are used."""
    import ctypes

    mupdf = mupdf_module()
    low = mupdf._mupdf
    floats = ctypes.c_float * 4

    def fast(r):
        c = floats.from_address(int(r.this))  # the rect's own memory, read while `r` holds it
        return (c[0], c[1], c[2], c[3])

    def slow(r):
        return r.x0, r.y0, r.x1, r.y1

    try:
        probe = low.ll_fz_transform_rect(mupdf.fz_unit_rect, mupdf.fz_matrix())
        probe.x0, probe.y0, probe.x1, probe.y1 = 1.5, -2.25, 3e3, 0.1
        if fast(probe) == slow(probe) and ctypes.sizeof(ctypes.c_float) == 4:
            return fast
    except Exception:
        pass
    return slow
NO_CLIP = (-_INFINITE, -_INFINITE, _INFINITE, _INFINITE)


def _stop(self) -> bool:
    """Past the page's cap: stop MuPDF's run and every further call of the device (a method of
    the ink device and of the counting device)."""
    if not self.aborted:
        self.aborted = (f"more than {limits.MAX_OPERATIONS_PER_PAGE:,} drawing and text operations on the "
                        "page (a page of a paper has a few thousand)")
        self.cookie.set_abort()  # MuPDF stops interpreting the page ...
        for name in self._CALLBACKS:  # ... and calls this device no more, even inside nested forms
            try:
                setattr(self.m_internal, name, None)
            except Exception:
                pass
    return True


def ink_device_class():
    """A MuPDF device recording the box of every fill, stroke, shading and image, intersected with
    the clip stack (clip paths, clip text, image masks, soft masks); the contents of soft-mask
    definitions and pattern tiles are not ink of their own (a pattern counts as the clip it fills).

    MuPDF calls it once per operation (a paper's plot page: 20,000 strokes), so each callback does
    the least it can in Python: the box comes from MuPDF (`fz_bound_path` and friends, called on
    the compiled binding directly), is cut to the clip in force with four comparisons and kept as
    one tuple; counting and the cap are one addition and one comparison."""
    global _INK_DEVICE
    if _INK_DEVICE is not None:
        return _INK_DEVICE
    mupdf = mupdf_module()
    low = mupdf._mupdf  # the compiled functions the `mupdf` module wraps in Python functions
    unit = swig_this(mupdf.fz_unit_rect)
    bound_path, bound_shade, bound_text = low.ll_fz_bound_path, low.ll_fz_bound_shade, low.ll_fz_bound_text
    transform_rect = low.ll_fz_transform_rect
    coords = rect_reader()
    to_rgb = colour_reader()
    _MAX_OPERATIONS = limits.MAX_OPERATIONS_PER_PAGE

    class InkDevice(mupdf.FzDevice2):
        """Every callback swallows its own errors: an exception raised here would abort MuPDF's
        run of the page and make a readable PDF look damaged. Signatures take `*rest` where the
        arguments differ between MuPDF versions or are not needed.

        `out` holds (kind, (x0, y0, x1, y1)) per visible operation, in drawing order; `clips` the
        visible area under each open clip; `hidden` counts the open soft-mask definitions and
        pattern tiles; `operations` the fills, strokes, shadings and images run (text too, unless
        a subclass records text itself)."""

        _CALLBACKS = ("fill_path", "stroke_path", "fill_shade", "fill_image", "fill_image_mask",
                      "clip_path", "clip_stroke_path", "clip_text", "clip_stroke_text",
                      "clip_image_mask", "pop_clip", "begin_mask", "end_mask", "begin_tile", "end_tile",
                      "fill_text", "stroke_text", "ignore_text")

        def __init__(self):
            super().__init__()
            self.cookie = mupdf.FzCookie()
            self.operations = 0  # fills, strokes, images, text runs: bounded by limits
            self.aborted = ""
            self.out = []
            self.colours = {}  # the index in `out` of a large fill (BIG_FILL) -> (0xRRGGBB, alpha)
            self.clips = []  # the visible area under each open clip
            self.hidden = 0  # inside a soft mask's definition or a pattern tile
            for name in self._CALLBACKS:
                getattr(self, "use_virtual_" + name)()

        _over = _stop

        def fill_text(self, ctx, *rest):  # text is read by get_text; only counted here
            self.operations += 1
            if self.operations > _MAX_OPERATIONS:
                self._over()

        stroke_text = ignore_text = fill_text

        def _keep(self, kind, bound, *args):
            """Count one marking operation; keep the box `bound(*args)` gives as ink of `kind`, cut to
            the clip in force (nothing once the page's cap is passed, or inside a mask or a tile, or
            when nothing of it is left). MuPDF calls this for every path of the page: the cut is made
            here, in the one Python call an operation costs beside its callback and the rect's read."""
            self.operations += 1
            if self.operations > _MAX_OPERATIONS and self._over() or self.hidden:
                return
            try:
                x0, y0, x1, y1 = coords(bound(*args))
            except Exception:
                return
            clips = self.clips
            if clips:
                c = clips[-1]
                if x0 < c[0]:
                    x0 = c[0]
                if y0 < c[1]:
                    y0 = c[1]
                if x1 > c[2]:
                    x1 = c[2]
                if y1 > c[3]:
                    y1 = c[3]
            if x1 >= x0 and y1 >= y0:
                self.out.append((kind, (x0, y0, x1, y1)))

        def fill_path(self, ctx, path, even_odd, ctm, colorspace, color, alpha, *rest):
            out = self.out
            n = len(out)
            self._keep("fill-path", bound_path, path, None, getattr(ctm, "this", ctm))  # swig_this, inline
            if len(out) > n:
                b = out[n][1]
                if b[2] - b[0] >= BIG_FILL and b[3] - b[1] >= BIG_FILL:
                    try:
                        self.colours[n] = (to_rgb(colorspace, color), alpha)
                    except Exception:
                        pass

        def stroke_path(self, ctx, path, stroke, ctm, *rest):
            self._keep("stroke-path", bound_path, path, getattr(stroke, "this", stroke), getattr(ctm, "this", ctm))

        def fill_shade(self, ctx, shade, ctm, *rest):
            self._keep("fill-shade", bound_shade, swig_this(shade), swig_this(ctm))

        def fill_image(self, ctx, image, ctm, *rest):
            self._keep("fill-image", transform_rect, unit, swig_this(ctm))

        def fill_image_mask(self, ctx, image, ctm, *rest):
            self._keep("fill-imgmask", transform_rect, unit, swig_this(ctm))

        def _push(self, r):
            """Open a clip of MuPDF rect `r` (None: unknown, the whole plane) inside the clip in force."""
            try:
                box = coords(r) if r is not None else NO_CLIP
            except Exception:
                box = NO_CLIP
            clips = self.clips
            if clips:
                c = clips[-1]
                box = (max(box[0], c[0]), max(box[1], c[1]), min(box[2], c[2]), min(box[3], c[3]))
            clips.append(box)

        def _push_bound(self, bound, *args):
            """Open a clip of the box `bound(*args)` gives (the whole plane when it cannot be bounded)."""
            try:
                r = bound(*args)
            except Exception:
                r = None
            self._push(r)

        def clip_path(self, ctx, path, even_odd, ctm, *rest):
            self._push_bound(bound_path, path, None, swig_this(ctm))

        def clip_stroke_path(self, ctx, path, stroke, ctm, *rest):
            self._push_bound(bound_path, path, swig_this(stroke), swig_this(ctm))

        def clip_text(self, ctx, text, ctm, *rest):
            self._push_bound(bound_text, swig_this(text), None, swig_this(ctm))

        def clip_stroke_text(self, ctx, text, stroke, ctm, *rest):
            self._push_bound(bound_text, swig_this(text), swig_this(stroke), swig_this(ctm))

        def clip_image_mask(self, ctx, image, ctm, *rest):
            self._push_bound(transform_rect, unit, swig_this(ctm))

        def pop_clip(self, ctx, *rest):
            if self.clips:
                self.clips.pop()

        def begin_mask(self, ctx, area, *rest):
            self._push(area)  # popped by pop_clip once the mask is applied
            self.hidden += 1

        def end_mask(self, ctx, *rest):
            self.hidden = max(0, self.hidden - 1)

        def begin_tile(self, ctx, *rest):
            if self.clips and not self.hidden:  # a pattern paints the clip it is filled through
                self.out.append(("fill-path", self.clips[-1]))
            self.hidden += 1
            return 0

        def end_tile(self, ctx, *rest):
            self.hidden = max(0, self.hidden - 1)

    _INK_DEVICE = InkDevice
    return InkDevice


def _run_contents(page, device) -> None:
    """MuPDF runs the page's contents (not its annotations) through `device`, which may stop the run
    at the page's cap (`device.aborted`: the error MuPDF raises then is the stop, not damage)."""
    mupdf = mupdf_module()
    try:
        mupdf.fz_run_page_contents(page.this, device, mupdf.FzMatrix(), device.cookie)
        mupdf.fz_close_device(device)
    except Exception:
        if not device.aborted:
            raise


def ink_pass(page, device=None):
    """The page's non-text marking operations with their *visible* boxes: each box is cut to the
    clip in force when it is drawn (a figure clipped to the text block, `\\includegraphics[clip]`,
    a plot line clipped to its axes), and ink drawn entirely outside its clip is dropped.
    `page.get_bboxlog()` ignores clipping, which reports invisible ink; this device is the same
    MuPDF pass with clip tracking, at the same cost. Annotations (link borders) are not run.
    Returns (ink, counts): the run stops (counts["aborted"] says why) once the page has shown more
    operations than scope_check.safety.limits allows."""
    rotation = page.rotation
    if rotation:
        page.set_rotation(0)  # as get_bboxlog: coordinates of the unrotated page, like the text
    device = device if device is not None else ink_device_class()()
    try:
        _run_contents(page, device)
    finally:
        if rotation:
            page.set_rotation(rotation)
    # a box with no extent either way (a point) marks nothing; a large opaque white fill is told apart
    white = {i for i, (rgb, alpha) in device.colours.items() if rgb == WHITE and alpha >= 1.0}
    ink = tuple([Ink("fill-white" if i in white else kind, b) for i, (kind, b) in enumerate(device.out)
                 if b[2] - b[0] > 0 or b[3] - b[1] > 0])
    return ink, {"aborted": device.aborted}


def count_device_class():
    """A MuPDF device that only counts what the ink device counts toward the page's cap (fills,
    strokes, shadings, images and image masks, inside soft masks and pattern tiles too; text is
    not counted by the text visibility device the loader runs) and stops the run past it, as the
    ink device does (`_stop`). No box is computed, no clip followed: MuPDF calls it for the marking
    operations only, so a page costs MuPDF's interpretation and one addition per operation."""
    global _COUNT_DEVICE
    if _COUNT_DEVICE is not None:
        return _COUNT_DEVICE
    mupdf = mupdf_module()
    _MAX_OPERATIONS = limits.MAX_OPERATIONS_PER_PAGE

    class CountDevice(mupdf.FzDevice2):
        _CALLBACKS = ("fill_path", "stroke_path", "fill_shade", "fill_image", "fill_image_mask")

        def __init__(self):
            super().__init__()
            self.cookie = mupdf.FzCookie()
            self.operations = 0
            self.aborted = ""
            for name in self._CALLBACKS:
                getattr(self, "use_virtual_" + name)()

        _over = _stop

        def fill_path(self, ctx, *rest):
            self.operations += 1
            if self.operations > _MAX_OPERATIONS:
                self._over()

        stroke_path = fill_shade = fill_image = fill_image_mask = fill_path

    _COUNT_DEVICE = CountDevice
    return CountDevice


def count_pass(page, device=None) -> dict:
    """The ink pass's cap without the ink: MuPDF runs the page's contents through the counting
    device (`count_device_class`, or `device`, one of its subclasses). Returns counts as `ink_pass`
    does (`counts["aborted"]`: the page ran past the cap, and `ink_pass` would have stopped at the
    same operation); `counts["operations"]`: the marking operations run. The rotation is left alone
    (counting does not depend on the coordinates)."""
    device = device if device is not None else count_device_class()()
    _run_contents(page, device)
    return {"aborted": device.aborted, "operations": device.operations}
