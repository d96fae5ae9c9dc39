"""The document model: one PyMuPDF pass over a PDF, frozen into plain immutable objects.

Every check reads only this model; `model.loader.load(path)` builds it, and is the single place
that opens a PDF (it never follows links, runs JavaScript, opens attachments or fetches anything
the PDF points to). This module holds the types and needs no PDF library.

Text is rebuilt by position, not by font run: MuPDF's lines are merged into visual lines by
baseline, and words are cut at white space or at a real gap between glyphs, so ICLR's small-caps
headings ("R" at 11.96 pt + "EFERENCES" at 9.56 pt) come out as one word, "REFERENCES".
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

from scope_check.safety import limits
from scope_check.model.findings import BBox

#: bytes read to find the `%PDF-` header (the spec allows leading junk before it)
MAGIC_WINDOW = 1024
#: bytes at the end searched for the `%%EOF` marker (readers look for `startxref` there too)
TAIL_WINDOW = 1024
#: a gap wider than this fraction of the font size between two glyphs starts a new word
WORD_GAP_EM = 0.15
#: pieces on baselines closer than this fraction of the size belong to one visual line
#: (superscripts and subscripts shift by about 0.35 em)
BASELINE_TOLERANCE_EM = 0.45
#: pieces on one baseline further apart than this start a new visual line (a column gap)
PIECE_GAP_EM = 1.5
PIECE_GAP_MAX = 15.0
#: a short number in another colour and size is a line of its own beyond this gap (a line number)
NUMBER_GAP_EM = 0.1


class UnreadablePdf(Exception):
    """The file cannot be checked at all. `kind` says why: `not-a-pdf` (empty, or another kind of
    file), `unreadable` (missing, no permission, cannot be parsed, truncated, no pages) or `encrypted` (needs a password); the
    engine reports each with its FILE code (`checks.files.unreadable`)."""

    KINDS = ("not-a-pdf", "unreadable", "encrypted")

    def __init__(self, kind: str, message: str):
        if kind not in self.KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    bbox: BBox
    font: str  # base font name, subset prefix ("ABCDEF+") stripped
    size: float
    color: int  # 0xRRGGBB
    flags: int  # MuPDF span flags: 1 superscript, 2 italic, 4 serif, 8 monospace, 16 bold
    # how the glyphs are painted (TEXT001): opacity 0 to 1, and "fill" (also stroke or both),
    # "invisible" (PDF render mode 3) or "clip" (mode 7: the glyphs only clip what follows)
    alpha: float = 1.0
    render: str = "fill"


@dataclass(frozen=True, slots=True)
class Word:
    text: str
    bbox: BBox  # estimated from its span's box by character position


@dataclass(frozen=True, slots=True)
class Line:
    """A visual line: every piece of text on one baseline that is not a column apart."""

    text: str  # words joined by single spaces
    bbox: BBox
    baseline: float
    spans: Tuple[Span, ...]
    horizontal: bool = True
    size: float = 0.0  # the size most of its characters are set in
    max_size: float = 0.0  # its largest glyph size

    @staticmethod
    def build(text: str, bbox: BBox, baseline: float, spans: Tuple[Span, ...], horizontal: bool = True) -> "Line":
        if len(spans) == 1:  # most lines: one span, its size is the line's
            s = spans[0]
            size = s.size if len(s.text) != s.text.count(" ") else 0.0
            return new_line(text, bbox, baseline, spans, horizontal, size, size)
        weight: Dict[float, int] = {}
        for s in spans:
            n = len(s.text) - s.text.count(" ")
            if n:
                weight[s.size] = weight.get(s.size, 0) + n
        size = max(weight, key=weight.__getitem__) if weight else 0.0
        return new_line(text, bbox, baseline, spans, horizontal, size, max(weight, default=0.0))

    @property
    def words(self) -> Tuple[Word, ...]:
        """The words of the line with boxes (computed on demand: only a few checks need them)."""
        out = []
        pending_text, pending_box = "", None
        prev = None
        for s in self.spans:
            n = max(len(s.text), 1)
            x0, y0, x1, y1 = s.bbox
            step = (x1 - x0) / n
            if prev is not None and not pending_text == "" and word_gap(prev, s):
                out.append(Word(pending_text, pending_box))
                pending_text, pending_box = "", None
            for m in re.finditer(r"\S+|\s+", s.text):
                if m.group().isspace():
                    if pending_text:
                        out.append(Word(pending_text, pending_box))
                    pending_text, pending_box = "", None
                    continue
                box = (x0 + step * m.start(), y0, x0 + step * m.end(), y1)
                if pending_box is None:
                    pending_text, pending_box = m.group(), box
                else:
                    pending_text += m.group()
                    pending_box = (pending_box[0], min(pending_box[1], y0), box[2], max(pending_box[3], y1))
            prev = s
        if pending_text:
            out.append(Word(pending_text, pending_box))
        return tuple(out)


def _setters(cls, names):
    return [cls.__dict__[name].__set__ for name in names]


_NEW = object.__new__
_SPAN_SET = _setters(Span, ("text", "bbox", "font", "size", "color", "flags", "alpha", "render"))
_LINE_SET = _setters(Line, ("text", "bbox", "baseline", "spans", "horizontal", "size", "max_size"))


class SpanSlots:
    """A `Span`'s slots in the same order, set by a plain `__init__`: an object made as one and then
    given the class `Span` (`o.__class__ = Span`, allowed between classes of the same slots) is the
    very frozen Span `Span(...)` makes, built in half the time of slot setters (the generated
    `__init__` of a frozen class calls object.__setattr__ per field: 3 to 4 times slower). The loader
    builds one per span of every page (`new_span`, and inline in model/loader.py)."""

    __slots__ = ("text", "bbox", "font", "size", "color", "flags", "alpha", "render")

    def __init__(self, text, bbox, font, size, color, flags, alpha, render):
        self.text = text
        self.bbox = bbox
        self.font = font
        self.size = size
        self.color = color
        self.flags = flags
        self.alpha = alpha
        self.render = render


class LineSlots:
    """A `Line`'s slots, set by a plain `__init__` (see `SpanSlots`)."""

    __slots__ = ("text", "bbox", "baseline", "spans", "horizontal", "size", "max_size")

    def __init__(self, text, bbox, baseline, spans, horizontal, size, max_size):
        self.text = text
        self.bbox = bbox
        self.baseline = baseline
        self.spans = spans
        self.horizontal = horizontal
        self.size = size
        self.max_size = max_size


def _becomes(slots_class, cls, args) -> bool:
    """Can an object of `slots_class` be given the class `cls`, and is it then `cls(*args)`?"""
    try:
        o = slots_class(*args)
        o.__class__ = cls
        return o == cls(*args) and type(o) is cls
    except TypeError:
        return False


#: the slot classes when their objects can become Spans and Lines (CPython: same slots), else None
SPAN_SLOTS = SpanSlots if _becomes(SpanSlots, Span, ("a", (0.0, 0.0, 1.0, 1.0), "F", 1.0, 0, 0, 1.0, "fill")) else None
LINE_SLOTS = LineSlots if _becomes(LineSlots, Line, ("a", (0.0, 0.0, 1.0, 1.0), 1.0, (), True, 1.0, 1.0)) else None


def new_span(text, bbox, font, size, color, flags, alpha, render) -> Span:
    """Span(...) built fast (`SpanSlots`): the same frozen object."""
    if SPAN_SLOTS is not None:
        o = SPAN_SLOTS(text, bbox, font, size, color, flags, alpha, render)
        o.__class__ = Span
        return o
    o = _NEW(Span)
    for setter, value in zip(_SPAN_SET, (text, bbox, font, size, color, flags, alpha, render)):
        setter(o, value)
    return o


def new_line(text, bbox, baseline, spans, horizontal, size, max_size) -> Line:
    """Line(...) built fast (`LineSlots`, see `SpanSlots`): the same frozen object."""
    if LINE_SLOTS is not None:
        o = LINE_SLOTS(text, bbox, baseline, spans, horizontal, size, max_size)
        o.__class__ = Line
        return o
    o = _NEW(Line)
    for setter, value in zip(_LINE_SET, (text, bbox, baseline, spans, horizontal, size, max_size)):
        setter(o, value)
    return o


def word_gap(a: Span, b: Span) -> bool:
    """Is there a word break between two consecutive spans of a line?"""
    if a.text[-1:].isspace() or b.text[:1].isspace():
        return True
    return b.bbox[0] - a.bbox[2] > WORD_GAP_EM * min(a.size, b.size)


@dataclass(frozen=True, slots=True)
class Ink:
    """A non-text marking operation: `kind` is MuPDF's (fill-path, stroke-path, fill-image,
    fill-imgmask, clip-path, ...), or fill-white for a fill of at least 3 x 3 pt in opaque pure
    white, the page's own colour (`model.ink.BIG_FILL`): it marks nothing by itself."""

    kind: str
    bbox: BBox


@dataclass(frozen=True, slots=True)
class Link:
    bbox: BBox
    uri: str  # the target as written; never opened
    kind: str  # "uri", "launch", "remote", "named"


@dataclass(frozen=True, slots=True)
class ActiveContent:
    """Something in the PDF that acts when a reader opens or uses it (TEXT004), read from its
    dictionaries and never run, opened or resolved: `kind` is one of "javascript", "launch",
    "remote-goto", "submit-form", "import-data", "uri-on-open" (a web address fetched without a
    click), "richmedia", "media", "xfa-form" or "embedded-file"; `where` says where it is
    ("the document's open action", "a Link annotation", "bookmark 'Intro'", ...), `page` its page
    (None: the document's), `bbox` its annotation's box, `detail` what it names (a file, an address,
    the first characters of a script)."""

    kind: str
    where: str
    page: Optional[int] = None
    bbox: Optional[BBox] = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class LayeredSpan:
    """A span in an optional-content group (a layer) that the default configuration hides: MuPDF's
    normal pass leaves it out, a text extractor that ignores layers reads it (TEXT001)."""

    page: int
    span: Span
    layer: str  # the layer's /Name ("" when the content names a membership dictionary without one)


@dataclass(frozen=True, slots=True)
class FontRemap:
    """A simple font whose glyph names (its /Encoding /Differences) say one letter and whose
    /ToUnicode map extracts another (TEXT003): each pair (glyph name, the letter it shows, what it
    extracts as), `compared` the letters that could be compared."""

    name: str  # base font name, subset prefix stripped (as the spans name it)
    pairs: Tuple[Tuple[str, str, str], ...]
    compared: int


@dataclass(frozen=True, slots=True)
class FontRef:
    name: str  # subset prefix stripped
    basefont: str  # as written in the PDF
    type: str  # Type1, TrueType, Type3, Type0, ...
    embedded: bool
    in_figure: bool  # referenced from a Form XObject (an embedded figure), not the page itself


@dataclass(frozen=True, slots=True)
class Page:
    number: int  # 1-based
    width: float
    height: float
    lines: Tuple[Line, ...]
    rotated_lines: Tuple[Line, ...]
    ink: Tuple[Ink, ...]
    links: Tuple[Link, ...]
    fonts: Tuple[FontRef, ...]
    # what a reader sees (TEXT001, measured by scope_check/visibility.py): the spans looked at closely,
    # the text outside the visible page (the CropBox) and the boxes of clip-only text painted through
    seen: Tuple[Any, ...] = ()
    offpage: Tuple[Span, ...] = ()
    painted_clips: Tuple[BBox, ...] = ()

    @property
    def char_count(self) -> int:
        return sum(len(ln.text.replace(" ", "")) for ln in self.lines + self.rotated_lines)


_INK_SLOT = Page.__dict__["ink"]
_PAGE_SET = [Page.__dict__[name].__set__ for name in ("number", "width", "height", "lines", "rotated_lines", "ink",
                                                      "links", "fonts", "seen", "offpage", "painted_clips")]


class LazyInkPage(Page):
    """A `Page` whose ink is read when first asked for: the loader leaves it unread in a run whose
    checks do not read every page's ink (`config.spec.ANALYSES` "ink"), and the structure analysis
    asks for a page's now and then (where the body ends; each page of a template of columns).
    `_ink_of(number)` reads it (one MuPDF pass over that page of the same file, `model.loader`);
    once read it is kept. Read like any page; a copy or a pickle of it is the plain page."""

    __slots__ = ("_ink_of",)

    @property
    def ink(self) -> Tuple[Ink, ...]:
        value = _INK_SLOT.__get__(self)
        if value is None:
            value = self._ink_of(self.number)
            _INK_SLOT.__set__(self, value)
        return value

    @property
    def ink_read(self) -> bool:
        """Has its ink been read (tests and benchmarks ask)?"""
        return _INK_SLOT.__get__(self) is not None

    def close_ink_source(self) -> None:
        """Close what reads the ink when asked for (the file the loader holds open; shared by the
        document's pages): a page's ink asked for afterwards opens the file again."""
        self._ink_of.close()

    def __reduce__(self):
        return Page, (self.number, self.width, self.height, self.lines, self.rotated_lines, self.ink, self.links,
                      self.fonts, self.seen, self.offpage, self.painted_clips)


def lazy_ink_page(page: Page, ink_of) -> Page:
    """`page` with its ink unread, to be read by `ink_of(page.number)` when first asked for."""
    out = _NEW(LazyInkPage)
    for setter, value in zip(_PAGE_SET, (page.number, page.width, page.height, page.lines, page.rotated_lines,
                                         None, page.links, page.fonts, page.seen, page.offpage, page.painted_clips)):
        setter(out, value)
    object.__setattr__(out, "_ink_of", ink_of)
    return out


@dataclass(frozen=True)
class Document:
    path: str
    file_size: int
    sha256: str
    pages: Tuple[Page, ...]
    metadata: Dict[str, str]  # the Info dictionary: title, author, subject, keywords, creator, producer
    xmp: str  # the XMP packet, "" when absent
    repaired: bool  # MuPDF had to rebuild the cross-reference table
    #: damage and limits met while reading (scope_check.model.damage.Problem), reported as FILE002
    problems: Tuple[Any, ...] = ()
    #: (page, field, value) from the Info dictionaries pdfTeX copies out of included PDF figures
    #: (/PTEX.InfoDict of a Form XObject): /Author only
    figure_metadata: Tuple[Tuple[int, str, str], ...] = ()
    #: what acts when a reviewer opens the PDF (TEXT004): scripts, launch and remote actions,
    #: attachments, rich media, found in the catalog, the pages, their annotations, the form and the
    #: bookmarks (`ActiveContent`); never run or opened
    active: Tuple[ActiveContent, ...] = ()
    #: text in layers (optional content) the default configuration hides (`LayeredSpan`, TEXT001)
    layered: Tuple[LayeredSpan, ...] = ()
    #: simple fonts whose glyph names contradict what their text extracts as (`FontRemap`, TEXT003)
    font_remaps: Tuple[FontRemap, ...] = ()
    _derived: Dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def derived(self, key, compute):
        """Memoise a value computed from this document (the model itself never changes). A long
        document (more than limits.PACK_PAGES_OVER pages) keeps only the DERIVED_KEPT most recently
        used values of each kind in BOUNDED_DERIVED (a structure holds a few hundred bytes a page:
        TMPL001 asking for one per bundled template would keep ten of them): one dropped is
        computed again, equal, when asked for again."""
        memo = self._derived
        if key in memo:
            value = memo[key]
            if key.__class__ is tuple and key[0] in BOUNDED_DERIVED:
                kind = memo.get(_RECENT, {}).get(key[0])
                if kind is not None and key in kind:
                    kind.move_to_end(key)
            return value
        value = compute()
        memo[key] = value
        if key.__class__ is tuple and key[0] in BOUNDED_DERIVED and len(self.pages) > limits.PACK_PAGES_OVER:
            recent = memo.get(_RECENT)
            if recent is None:
                recent = memo[_RECENT] = OrderedDict()
            kind = recent.setdefault(key[0], OrderedDict())
            kind[key] = None
            if len(kind) > DERIVED_KEPT:
                memo.pop(kind.popitem(last=False)[0], None)
        return value


#: kinds of `Document.derived` values (a key's first item) a long document keeps only a few of
BOUNDED_DERIVED = frozenset({"structure"})
#: how many of each such kind it keeps (the most recently used)
DERIVED_KEPT = 2
#: the key of `Document.derived`'s own bookkeeping (kind -> keys, least recently used first)
_RECENT = object()


def strip_subset(name: str) -> str:
    """'ABCDEF+NimbusRomNo9L-Regu' -> 'NimbusRomNo9L-Regu'."""
    if len(name) > 7 and name[6] == "+" and name[:6].isalpha() and name[:6].isupper():
        return name[7:]
    return name


def sniffed(size: int, head: bytes) -> int:
    if size == 0:
        raise UnreadablePdf("not-a-pdf", "the file is empty (0 bytes)")
    if b"%PDF-" not in head:
        raise UnreadablePdf("not-a-pdf", f"not a PDF: {describe_magic(head)}")
    return size


def describe_magic(head: bytes) -> str:
    kinds = (
        (b"PK\x03\x04", "a ZIP archive (a .docx, .zip or LaTeX source bundle?)"),
        (b"%!PS", "a PostScript file"),
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"\x1f\x8b", "a gzip archive"),
        (b"{\\rtf", "an RTF document"),
        (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    )
    for magic, what in kinds:
        if head.startswith(magic):
            return f"the file is {what}"
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "the file is an HTML page (a download that saved an error page?)"
    if stripped.startswith(b"\\document") or b"\\begin{document}" in head:
        return "the file is LaTeX source, not the compiled PDF"
    return "no %PDF- header in its first 1 KB"


def file_sha256(path: str) -> str:
    with limits.opened(path) as fh:
        return fh.sha256()


class TooLarge(Exception):
    """The file is larger than scope-check reads (limits.MAX_READ_BYTES): decided from `stat`."""

    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


class ResourceLimit(Exception):
    """Memory ran out while reading the file (FILE007)."""
