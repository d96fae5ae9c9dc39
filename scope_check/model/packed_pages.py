"""Flat memory for long documents: the heavy part of each page kept packed, decoded when read.

A page's text is most of the model (every span and visual line, the visibility facts of the
spans, the text beyond the page): about 50 KB a page as Python objects; a page of a figure holds
as much in its ink (each fill and stroke an `Ink`, about 220 bytes), a page of links in its
`Link`s. A document of more than `limits.PACK_PAGES_OVER` pages, once its pages hold more than
`limits.PACK_SPANS_OVER` objects (spans, ink marks and links: `spans`; the pages read until then
are packed at that point), keeps the four text parts of each page (`lines`, `rotated_lines`,
`seen`, `offpage`) as one zlib-compressed pickle (a few KB) in a `PackedPage`, whose attributes of
those names decode it on access, and its marks (`ink`, `links`) as another. The text parts are
decoded together, from one pickle, because they share objects: a span of `page.lines` is the very
object a `Visibility` of `page.seen` refers to, and scope_check/checks/integrity.py matches the two
by identity. The marks are decoded apart (`Decoded.marks`): what holds a page's lines (the running
text read in windows of many pages) does not keep its ink decoded too, nor the reverse.

The last `limits.PACKED_PAGES_DECODED` pages read stay decoded (of each pickle) (a check reads `page.lines` and
its neighbours several times while it looks at one page): while a page is among them, each read
returns the same objects. A page read again after it left them is decoded anew (equal objects,
not the same ones): what keeps objects of many pages must not compare them by identity with a
later read, and what keeps them at all keeps their pages' text in memory (scope_check/structure.py
keeps line positions instead of lines for such a document).

Every other field of the page (its size, fonts, painted clips) is kept as it is.
"""

from __future__ import annotations

import io
import pickle
import zlib
from collections import OrderedDict
from sys import getrefcount
from typing import Any, Dict, List, Tuple

from scope_check.safety import limits
from scope_check.model.document import Ink, Line, Link, Page, Span, new_line, new_span
from scope_check.model.visibility import Visibility

#: zlib level: 6 packs a page of a paper's text to a quarter of its pickle (13 kB to 3.3 kB; level 1:
#: 3.7 kB at half the time, 0.15 against 0.33 ms a page, paid once; decoding costs the same)
_LEVEL = 6
#: the longest preset dictionary zlib uses (its window)
_ZDICT_MAX = 32768
_SET = [Page.__dict__[name].__set__ for name in ("number", "width", "height", "lines", "rotated_lines", "ink",
                                                 "links", "fonts", "seen", "offpage", "painted_clips")]


class Decoded:
    """The decoded pages of one document: page number -> (lines, rotated_lines, seen, offpage),
    the most recently read `size` of them, and any other page whose objects are still held; `marks`
    holds their ink and links alike (page number -> (ink, links)), read from the second pickle.

    A page leaving the most recent ones is dropped only when nothing outside it holds one of its
    objects (a line, a span, a visibility fact, one of its tuples), told by their reference
    counts: while anything holds one, the page stays decoded ("pinned"), so each read of it
    returns the objects already held, as in an unpacked document (checks match lines and spans by
    identity). Two pinned pages are looked at again each time a page leaves (constant work a read),
    and dropped once nothing holds them."""

    __slots__ = ("size", "pages", "pinned", "decodes", "_last", "_last_parts", "packed", "marks", "_field", "zdict")

    def __init__(self, size: int, marks: bool = False):
        self.size = max(1, size)
        self._field = "_marks" if marks else "_packed"  # the PackedPage slot holding the pickle
        #: the pages' ink and links, decoded apart from their text (None in `marks` itself)
        self.marks: "Decoded | None" = None if marks else Decoded(size, marks=True)
        self.pages: "OrderedDict[int, Tuple]" = OrderedDict()  # number -> (parts, held)
        self.pinned: Dict[int, Tuple] = {}
        self.decodes = 0  # how many times a page was decoded (tests and benchmarks read it)
        self._last = None
        self._last_parts: Tuple = _NO_PARTS if not marks else _NO_MARKS
        #: each distinct packed text once: pages whose text packs to the same bytes (copies of one
        #: page) share one bytes object instead of holding a copy each
        self.packed: Dict[bytes, bytes] = {}
        #: zlib's preset dictionary for this document's pickles: the first page's own pickle (what
        #: the pages after repeat: the class references, the font names, words), set when it is packed.
        #: 300 generated pages of a paper's text (`generate.py long distinct`): 3.3 kB a page without it, 2.55 kB with it
        self.zdict = b""

    def parts(self, page: "PackedPage") -> Tuple:
        if page is self._last:
            return self._last_parts
        number = page.number
        pages = self.pages
        entry = pages.get(number)
        if entry is not None:
            pages.move_to_end(number)
        else:
            entry = self.pinned.pop(number, None) or _decode(getattr(page, self._field), self.zdict)
            if entry[1] is None:
                self.decodes += 1
                entry = (entry[0], _counts(entry[0]))
            pages[number] = entry
            if len(pages) > self.size:
                self._leave(*pages.popitem(last=False))
        self._last, self._last_parts = page, entry[0]
        return entry[0]

    def _leave(self, number: int, entry: Tuple) -> None:
        pinned = self.pinned
        for _ in range(min(2, len(pinned))):  # two pinned pages looked at again per page leaving
            n = next(iter(pinned))
            e = pinned.pop(n)
            if _held(e[1]):
                pinned[n] = e  # still held: to the back of the queue
        if _held(entry[1]):
            pinned[number] = entry

    def clear(self) -> None:
        self.pages.clear()
        self.pinned.clear()
        self._last, self._last_parts = None, _NO_PARTS if self.marks is not None else _NO_MARKS
        if self.marks is not None:
            self.marks.clear()


#: the parts of a page not yet read: its text, its marks
_NO_PARTS: Tuple = ((), (), (), ())
_NO_MARKS: Tuple = ((), ())


def _decode(packed: bytes, zdict: bytes) -> Tuple:
    inflate = zlib.decompressobj(zdict=zdict) if zdict else zlib.decompressobj()
    return pickle.loads(inflate.decompress(packed) + inflate.flush()), None


def _compressed(raw: bytes, decoded: Decoded) -> bytes:
    """`raw` deflated with the document's preset dictionary (the first page's pickle sets it), each
    distinct result once (`Decoded.packed`)."""
    if not decoded.zdict:
        decoded.zdict = raw[-_ZDICT_MAX:]
    deflate = zlib.compressobj(_LEVEL, zdict=decoded.zdict)
    packed = deflate.compress(raw) + deflate.flush()
    return decoded.packed.setdefault(packed, packed)


def _counts(parts: Tuple) -> Tuple[List, List[int]]:
    """The objects of a decoded page that code may hold and compare by identity, with their
    reference counts while only the page holds them (and this list)."""
    objects = _objects(parts)
    return objects, _refcounts(objects)


def _objects(parts: Tuple) -> List:
    objects: List = [group for group in parts if group]  # () is one object shared by all
    if len(parts) == 2:  # the marks: ink, links
        objects.extend(parts[0])
        objects.extend(parts[1])
        return objects
    for group in parts[:2]:
        for ln in group:
            objects.append(ln)
            objects.append(ln.spans)
            objects.extend(ln.spans)
    objects.extend(parts[2])
    objects.extend(v.span for v in parts[2])
    objects.extend(parts[3])
    return objects


def _refcounts(objects: List) -> List[int]:
    """Counted alike when the page is decoded and when it leaves (no other reference held here)."""
    return list(map(getrefcount, objects))


def _held(counts: Tuple[List, List[int]]) -> bool:
    """Does anything outside the page hold one of its objects?"""
    return _refcounts(counts[0]) != counts[1]


class PackedPage(Page):
    """A `Page` whose text parts and marks are packed (see the module's docstring); read like any page."""

    __slots__ = ("_packed", "_marks", "_decoded", "_chars")

    @property
    def lines(self):
        return self._decoded.parts(self)[0]

    @property
    def rotated_lines(self):
        return self._decoded.parts(self)[1]

    @property
    def seen(self):
        return self._decoded.parts(self)[2]

    @property
    def offpage(self):
        return self._decoded.parts(self)[3]

    @property
    def ink(self):
        return () if self._marks is None else self._decoded.marks.parts(self)[0]

    @property
    def links(self):
        return () if self._marks is None else self._decoded.marks.parts(self)[1]

    @property
    def char_count(self) -> int:  # counted when packed: FILE005 reads it of every page
        return self._chars

    @property
    def packed_bytes(self) -> int:
        return len(self._packed) + len(self._marks or b"")

    def __reduce__(self):  # a copy or a pickle of the page is the plain page it stands for
        return unpacked, (self,)


def pack(page: Page, decoded: Decoded) -> Page:
    """`page` with its text, ink and links packed (an empty page is kept as it is)."""
    parts = (page.lines, page.rotated_lines, page.seen, page.offpage)
    marks = (page.ink, page.links)
    if not any(parts) and not any(marks):
        return page
    out = object.__new__(PackedPage)
    values = (page.number, page.width, page.height, (), (), (), (), page.fonts, (), (),
              page.painted_clips)
    for setter, value in zip(_SET, values):
        setter(out, value)
    object.__setattr__(out, "_packed", _compressed(_dumps(parts), decoded))
    object.__setattr__(out, "_marks", _compressed(_dumps(marks), decoded.marks) if any(marks) else None)
    object.__setattr__(out, "_decoded", decoded)
    object.__setattr__(out, "_chars", page.char_count)
    return out


def _dumps(parts: Tuple) -> bytes:
    """The pickle of a page's parts, each Span and Line rebuilt by the loader's own constructors
    (`new_span`, `new_line`: three times faster to load than a frozen dataclass's state), each Ink
    and Link likewise (`_new_ink`, `_new_link`)."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _reducers()
    pickler.dump(parts)
    return buffer.getvalue()


_REDUCERS: Dict = {}


def _reducers() -> Dict:
    if not _REDUCERS:
        _REDUCERS[Span] = lambda s: (new_span, (s.text, s.bbox, s.font, s.size, s.color, s.flags, s.alpha, s.render))
        _REDUCERS[Line] = lambda ln: (new_line, (ln.text, ln.bbox, ln.baseline, ln.spans, ln.horizontal, ln.size,
                                                  ln.max_size))
        _REDUCERS[Visibility] = lambda v: (Visibility, (v.span, v.contrast, v.backdrop, v.source, v.covered_by))
        _REDUCERS[Ink] = lambda i: (_new_ink, (i.kind, i.bbox))
        _REDUCERS[Link] = lambda k: (_new_link, (k.bbox, k.uri, k.kind))
    return _REDUCERS


_INK_SET = [Ink.__dict__[name].__set__ for name in ("kind", "bbox")]
_LINK_SET = [Link.__dict__[name].__set__ for name in ("bbox", "uri", "kind")]


def _new_ink(kind, bbox, _set=_INK_SET) -> Ink:
    """Ink(kind, bbox) with its slots set directly (as `document.new_span`)."""
    o = object.__new__(Ink)
    _set[0](o, kind)
    _set[1](o, bbox)
    return o


def _new_link(bbox, uri, kind, _set=_LINK_SET) -> Link:
    """Link(bbox, uri, kind) with its slots set directly."""
    o = object.__new__(Link)
    _set[0](o, bbox)
    _set[1](o, uri)
    _set[2](o, kind)
    return o


def unpacked(page: Page) -> Page:
    """The plain `Page` holding what `page` holds (itself when it is not packed)."""
    if not isinstance(page, PackedPage):
        return page
    return Page(number=page.number, width=page.width, height=page.height, lines=page.lines,
                rotated_lines=page.rotated_lines, ink=page.ink, links=page.links, fonts=page.fonts,
                seen=page.seen, offpage=page.offpage, painted_clips=page.painted_clips)


def packs(analysed_pages: int) -> bool:
    """May the pages of a document analysing this many pages be packed (once their text passes
    `limits.PACK_SPANS_OVER` spans, `spans`)?"""
    return analysed_pages > limits.PACK_PAGES_OVER


def spans(page: Page) -> int:
    """The objects a page holds that most of its memory is, counted against
    `limits.PACK_SPANS_OVER`: its text spans, ink marks and links (an ink mark or a link with its
    box takes about what a span does)."""
    return (sum(len(ln.spans) for ln in page.lines) + sum(len(ln.spans) for ln in page.rotated_lines)
            + len(page.ink) + len(page.links))


def new_cache() -> Decoded:
    return Decoded(limits.PACKED_PAGES_DECODED)


def is_packed(doc: Any) -> bool:
    """Does `doc` keep its pages packed?"""
    return any(isinstance(p, PackedPage) for p in doc.pages)
