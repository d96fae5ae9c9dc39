"""Flat memory for long documents: the heavy part of each page kept packed, decoded when read.

A page's text is most of the model (every span and visual line, the visibility facts of the
spans, the text beyond the page): about 50 KB a page as Python objects. A document of more than
`limits.PACK_PAGES_OVER` pages keeps those four parts of each page (`lines`, `rotated_lines`,
`seen`, `offpage`) as one zlib-compressed pickle (a few KB) in a `PackedPage`, whose attributes of
those names decode it on access. They are decoded together, from one pickle, because they share
objects: a span of `page.lines` is the very object a `Visibility` of `page.seen` refers to, and
scope_check/checks/integrity.py matches the two by identity.

The last `limits.PACKED_PAGES_DECODED` pages read stay decoded (a check reads `page.lines` and
its neighbours several times while it looks at one page): while a page is among them, each read
returns the same objects. A page read again after it left them is decoded anew (equal objects,
not the same ones): what keeps objects of many pages must not compare them by identity with a
later read, and what keeps them at all keeps their pages' text in memory (scope_check/structure.py
keeps line positions instead of lines for such a document).

Every other field of the page (its size, ink, links, fonts, painted clips) is kept as it is.
"""

from __future__ import annotations

import pickle
import zlib
from collections import OrderedDict
from typing import Any, Tuple

from scope_check import limits
from scope_check.document import Page

#: zlib level: 1 packs a page of text to about a quarter of its pickle, faster than higher levels
_LEVEL = 1
_SET = [Page.__dict__[name].__set__ for name in ("number", "width", "height", "lines", "rotated_lines", "ink",
                                                 "links", "fonts", "seen", "offpage", "painted_clips")]


class Decoded:
    """The decoded pages of one document: page number -> (lines, rotated_lines, seen, offpage),
    the most recently read `size` of them."""

    __slots__ = ("size", "pages", "decodes", "_last", "_last_parts")

    def __init__(self, size: int):
        self.size = max(1, size)
        self.pages: "OrderedDict[int, Tuple]" = OrderedDict()
        self.decodes = 0  # how many times a page was decoded (tests and benchmarks read it)
        self._last = None
        self._last_parts: Tuple = ((), (), (), ())

    def parts(self, page: "PackedPage") -> Tuple:
        if page is self._last:
            return self._last_parts
        pages = self.pages
        parts = pages.get(page.number)
        if parts is None:
            parts = pickle.loads(zlib.decompress(page._packed))
            self.decodes += 1
            pages[page.number] = parts
            if len(pages) > self.size:
                pages.popitem(last=False)
        else:
            pages.move_to_end(page.number)
        self._last, self._last_parts = page, parts
        return parts

    def clear(self) -> None:
        self.pages.clear()
        self._last, self._last_parts = None, ((), (), (), ())


class PackedPage(Page):
    """A `Page` whose text parts are packed (see the module's docstring); read like any page."""

    __slots__ = ("_packed", "_decoded")

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
    def packed_bytes(self) -> int:
        return len(self._packed)

    def __reduce__(self):  # a copy or a pickle of the page is the plain page it stands for
        return unpacked, (self,)


def pack(page: Page, decoded: Decoded) -> Page:
    """`page` with its text parts packed (an empty page is kept as it is)."""
    parts = (page.lines, page.rotated_lines, page.seen, page.offpage)
    if not any(parts):
        return page
    out = object.__new__(PackedPage)
    values = (page.number, page.width, page.height, (), (), page.ink, page.links, page.fonts, (), (),
              page.painted_clips)
    for setter, value in zip(_SET, values):
        setter(out, value)
    object.__setattr__(out, "_packed", zlib.compress(pickle.dumps(parts, pickle.HIGHEST_PROTOCOL), _LEVEL))
    object.__setattr__(out, "_decoded", decoded)
    return out


def unpacked(page: Page) -> Page:
    """The plain `Page` holding what `page` holds (itself when it is not packed)."""
    if not isinstance(page, PackedPage):
        return page
    return Page(number=page.number, width=page.width, height=page.height, lines=page.lines,
                rotated_lines=page.rotated_lines, ink=page.ink, links=page.links, fonts=page.fonts,
                seen=page.seen, offpage=page.offpage, painted_clips=page.painted_clips)


def packs(analysed_pages: int) -> bool:
    """Are the pages of a document analysing this many pages packed?"""
    return analysed_pages > limits.PACK_PAGES_OVER


def new_cache() -> Decoded:
    return Decoded(limits.PACKED_PAGES_DECODED)


def is_packed(doc: Any) -> bool:
    """Does `doc` keep its pages packed?"""
    return any(isinstance(p, PackedPage) for p in doc.pages)
