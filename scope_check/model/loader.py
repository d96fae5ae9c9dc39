"""Loading a PDF into the document model: one PyMuPDF pass per page (the ink pass of
`model.ink`, the text with its visibility facts of `model.visibility`), with every cap of
`safety.limits` applied and the damage MuPDF reports kept (`model.damage`). A long document's pages
are packed as they are read (`model.packed_pages`)."""

from __future__ import annotations

import operator
import os
import re
from typing import Dict, List, Optional, Tuple

from scope_check.model import active, damage, fontmap, packed_pages, visibility
from scope_check.model.document import (
    BASELINE_TOLERANCE_EM, MAGIC_WINDOW, NUMBER_GAP_EM, PIECE_GAP_EM, PIECE_GAP_MAX, TAIL_WINDOW, WORD_GAP_EM,
    Document, FontRef, FontRemap, LayeredSpan, LazyInkPage, Line, Link, Page, ResourceLimit, Span, TooLarge,
    SPAN_SLOTS, UnreadablePdf, lazy_ink_page, new_line, new_span, sniffed, strip_subset,
)
from scope_check.model.ink import count_pass, ink_pass
from scope_check.safety import limits
from scope_check.safety.collector import paused_collector
from scope_check.safety.safe_patterns import lazy


def load(path: str, visibility_facts: bool = True, ink: bool = True, integrity: bool = True) -> Document:
    """Parse `path` once. Raises UnreadablePdf (the engine reports it as FILE001 to FILE003), TooLarge for a file over
    limits.MAX_READ_BYTES, ResourceLimit when memory runs out. Damage and caps met on the way are
    kept as `Document.problems` (reported by FILE002). `visibility_facts=False`: the pages' visibility
    facts (`Page.seen`, `offpage`, `painted_clips`) are not made and stay empty, for a run whose
    checks do not read them (`config.spec.ANALYSES`, the runner decides); the rest is the same.

    `ink=False` (with `visibility_facts=False`: the facts are made in the ink pass): the pages' ink is
    not read as they are read but when first asked for (`document.LazyInkPage`: one ink pass over
    that page of the same file, opened again), for a run whose checks do not read every page's ink.
    The page's operation cap is kept: a counting pass (`ink.count_pass`, the ink pass's count
    without its boxes) runs before the text is read, and a page past the cap is left empty with the
    same problem as in a full read. The file is opened again at the first page's ink asked for and
    kept open until `release(doc)` (the runner calls it when the file's checks end; a read after it
    opens the file again). A long document (more than limits.PACK_PAGES_OVER pages) reads every
    page's ink as it is read (its packed pages keep it packed: `model.packed_pages`).

    `integrity=False`: the document's integrity facts (`Document.active`, `layered`, `font_remaps`:
    `_Extras`) are not gathered and stay empty, for a run whose checks do not read them."""
    try:
        size = limits.inspect(path).size
    except limits.InputError as exc:
        raise UnreadablePdf(exc.kind, exc.message) from None
    if size > limits.MAX_READ_BYTES:
        raise TooLarge(size)
    try:
        with limits.opened(path) as fh:
            return _load_open(path, fh, visibility_facts, ink, integrity)
    except limits.InputError as exc:
        raise UnreadablePdf(exc.kind, exc.message) from None
    except MemoryError:
        raise ResourceLimit("memory ran out while reading the PDF") from None


def _load_open(path: str, fh, visibility_facts: bool = True, ink: bool = True, integrity: bool = True) -> Document:
    if fh.size > limits.MAX_READ_BYTES:  # grown since `stat`
        raise TooLarge(fh.size)
    size = sniffed(fh.size, fh.read_at(0, MAGIC_WINDOW))
    import pymupdf  # imported here so that the command line starts fast

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    damage.take_warnings(pymupdf)  # this file's warnings only
    try:
        pdf = pymupdf.open(fh.mupdf_path(), filetype="pdf")
    except Exception as exc:  # MuPDF raises several types for damaged files
        _memory(exc)
        raise UnreadablePdf("unreadable", f"the PDF cannot be parsed: {_clean(exc)}") from None
    problems: List[damage.Problem] = []
    extras = None
    try:
        try:
            if pdf.needs_pass:
                raise UnreadablePdf("encrypted", "the PDF is encrypted and needs a password to open")
            if pdf.is_repaired and b"%%EOF" not in fh.read_at(max(0, fh.size - TAIL_WINDOW), TAIL_WINDOW):
                # MuPDF rebuilds what it can find: a cut-off file may still show every page, blank
                raise UnreadablePdf("unreadable", "the PDF is truncated: it stops before its end-of-file marker "
                                               "(%%EOF) and cross-reference table (an interrupted upload or copy?)")
            count = pdf.page_count
            damage.take_warnings(pymupdf)  # opening a repaired file warns; FILE002 says so already
            if count <= 0:
                raise UnreadablePdf("unreadable", "the PDF has no pages")
            metadata = {k: limits.clean_text(v or "", limits.MAX_METADATA_CHARS)
                        for k, v in (pdf.metadata or {}).items() if k != "encryption"}
            xmp = limits.clean_text(pdf.get_xml_metadata() or "", limits.MAX_XMP_CHARS)
            made_by = (metadata.get("producer", "") + " " + metadata.get("creator", "")).lower()
            figures = _figure_metadata(pdf) if "tex" in made_by else ()  # PTEX.InfoDict: pdfTeX and LuaTeX
            problems.extend(damage.classify(None, damage.take_warnings(pymupdf)))
            extras = _Extras(pymupdf, pdf, integrity)  # active content, layers, remapped fonts (the integrity facts)
            extras.visibility_facts = visibility_facts
            if not (ink or visibility_facts or packed_pages.packs(min(count, limits.MAX_PAGES))):
                extras.ink_source = _InkSource(path, _identity(fh), pdf)
        except UnreadablePdf:
            raise
        except Exception as exc:
            _memory(exc)
            raise UnreadablePdf("unreadable", f"the PDF is damaged: {_clean(exc)}") from None
        pages = _pages(pymupdf, pdf, count, problems, extras)
        repaired = bool(pdf.is_repaired)
    finally:
        if extras is not None:
            extras.document = None  # MuPDF's document is let go with the file
        pdf.close()
        if extras is not None and extras.ink_source is not None:
            extras.ink_source.loaded()
    return Document(
        path=path,
        file_size=size,
        sha256=fh.sha256(),
        pages=pages,
        metadata=metadata,
        xmp=xmp,
        repaired=repaired,
        problems=tuple(problems),
        figure_metadata=figures,
        active=tuple(extras.active.found),
        layered=tuple(extras.layered),
        font_remaps=tuple(r for r in extras.remaps.values() if r is not None),
    )


class _Extras:
    """The integrity facts of one document gathered while its pages are read (TEXT001, TEXT003,
    TEXT004): its active content (`model.active`: the catalog's at once, each page's as it is read),
    the text of layers hidden by default (`visibility.hidden_layers`, only in a document that has
    layers) and the simple fonts whose glyph names contradict their /ToUnicode maps
    (`model.fontmap`, each font once); none of them when `wanted` is False (`load`'s `integrity`)."""

    def __init__(self, pymupdf, pdf, wanted: bool = True):
        self.pymupdf = pymupdf
        self.wanted = wanted
        self.active = active.Scanner(pymupdf, pdf)
        if wanted:
            self.active.document()
        self.layered: List[LayeredSpan] = []
        self.remaps: Dict[int, Optional[FontRemap]] = {}
        self.fonts: Dict[int, str] = {}  # fonts met on the page being read, not yet looked at
        self.visibility_facts = True  # False: the pages' visibility facts are not made (load's keyword)
        self.ink_source: Optional[_InkSource] = None  # set: the pages' ink is read when asked for (load's `ink`)
        self.xobject_bounds: Dict[int, Optional[int]] = {}  # `_under_cap`'s memo
        self.document = None  # MuPDF's PDF document of `pdf`, made at the first font looked at
        try:
            self.has_layers = wanted and bool(pdf.get_ocgs())
        except Exception:
            self.has_layers = False
        damage.take_warnings(pymupdf)  # what MuPDF said while these were read is not the file's damage

    def page(self, pdf, page, number: int) -> None:
        """The facts of a page that was read (its own warnings already taken: what MuPDF says
        while these are read is not the page's damage, and is dropped)."""
        if not self.wanted:
            return
        pymupdf = self.pymupdf
        self.active.page(page, number, limits.MAX_ANNOTS_PER_PAGE)
        for xref, basefont in self.fonts.items():
            try:
                if self.document is None:
                    self.document = pymupdf.mupdf.pdf_document_from_fz_document(pdf.this)
                self.remaps[xref] = fontmap.remap(pymupdf, pdf, xref, basefont, self.document)
            except MemoryError:
                raise
            except Exception:
                self.remaps[xref] = None
        self.fonts.clear()
        if self.has_layers:
            try:
                self.layered.extend(visibility.hidden_layers(pymupdf, page, number))
            except MemoryError:
                raise
            except Exception:
                pass  # the page's layers cannot be traced: its text is judged as MuPDF shows it
        damage.take_warnings(pymupdf)

    def font(self, xref: int, basefont: str) -> None:
        if self.wanted and xref > 0 and xref not in self.remaps:
            self.remaps[xref] = None
            self.fonts[xref] = basefont


def _memory(exc: Exception) -> None:
    """MuPDF's own allocation failures surface as RuntimeError("... malloc ... failed")."""
    text = str(exc).lower()
    if isinstance(exc, MemoryError) or "out of memory" in text or ("malloc" in text and "fail" in text):
        raise ResourceLimit(f"memory ran out while reading the PDF: {_clean(exc)}") from None


#: a long document (`packed_pages.packs`) empties MuPDF's store every this many pages: the store keeps
#: what it loaded (each page's fonts, images) up to 256 MB, so 2,000 pages of fonts of their own
#: grew the worker by 120 KiB a page (311 MiB); pages sharing their resources load them again.
#: It also lets go of the PDF objects MuPDF parsed (`pdf_clear_xref`: what nothing holds any more,
#: each page's dictionary with its annotations, the fonts' and resources' dictionaries; parsed again
#: when read again): MuPDF keeps every object it parsed until the file is closed, and the page tree
#: it reads at the first page parses every page's dictionary (2,000 pages of 20 links written in the
#: page's own dictionary: 36 MB, kept to the end)
STORE_EMPTIED_EVERY = 50


def _pages(pymupdf, pdf, count: int, problems: List, extras: "_Extras") -> Tuple[Page, ...]:
    """Every page (up to limits.MAX_PAGES), each read on its own: a page that raises or breaks a
    cap is kept empty and recorded, and the others are read as usual."""
    analysed = min(count, limits.MAX_PAGES)
    if count > analysed:
        problems.append(damage.Problem(None, "warning", "limit", f"{count:,} pages: only the first "
                                       f"{analysed:,} are analysed (page counts use all {count:,})"))
    budget = [limits.MAX_OBJECTS_PER_FILE]
    _FONT_REFS.clear()
    _FONT_ENTRIES.clear()
    out: List[Page] = []

    decoded = packed_pages.new_cache() if packed_pages.packs(analysed) else None
    document = pymupdf.mupdf.pdf_document_from_fz_document(pdf.this) if decoded is not None else None
    unpacked_spans = 0  # spans held by the plain pages so far (packing starts when they pass the limit)
    size = (612.0, 792.0)
    for i in range(analysed):
        number = i + 1
        if decoded is not None and i and i % STORE_EMPTIED_EVERY == 0:
            pymupdf.TOOLS.store_shrink(100)  # what MuPDF keeps of the pages read (fonts, images) is let go
            pymupdf.mupdf.pdf_clear_xref(document)  # and the objects it parsed that nothing holds
        if budget[0] <= 0:
            problems.append(damage.Problem(number, "error", "limit", f"not analysed: the file holds more than "
                                           f"{limits.MAX_OBJECTS_PER_FILE:,} objects"))
            out.append(_empty(number, size))
            continue
        page = None
        try:
            if document is not None and i == 0:
                _page_tree_map(pymupdf.mupdf, document)
            page = pdf[i]
            page_problems: List[damage.Problem] = []
            own = _PageObject(pymupdf.mupdf, page)
            not_a_page = _not_a_page(pdf, page, own)
            if not_a_page:  # a page tree entry that is not a page: nothing to read
                page_problems.append(damage.Problem(number, "error", "page-tree", not_a_page))
                item = _empty(number, size)
            else:
                with paused_collector():  # a page's objects are in no cycle
                    item = _page(pymupdf, pdf, page, number, page_problems, budget, extras, own)
                size = (item.width, item.height)
        except MemoryError:
            raise
        except Exception as exc:
            _memory(exc)
            text = _clean(exc)
            kind = "page-tree" if "page tree" in text else "damaged"
            page_problems = [damage.Problem(number, "error", kind, f"could not be read: {text}")]
            item = _empty(number, size)
        found = damage.classify(number, damage.take_warnings(pymupdf))
        if page is not None and not any(p.kind in damage.LOST for p in page_problems):
            extras.page(pdf, page, number)  # after the page's own warnings are taken
        if any(p.kind == "colour" for p in found):  # graded by what the page still shows
            spaces = _colour_spaces(pymupdf, pdf, page) if page is not None else ()
            found = damage.colour_problems(number, found, _shows_something(item), spaces)
        page_problems.extend(found)
        problems.extend(damage.folded(page_problems))
        if decoded is not None and unpacked_spans <= limits.PACK_SPANS_OVER:
            unpacked_spans += packed_pages.spans(item)
            if unpacked_spans > limits.PACK_SPANS_OVER:  # from now on packed, and the pages before
                out = [packed_pages.pack(p, decoded) for p in out]
        out.append(item if decoded is None or unpacked_spans <= limits.PACK_SPANS_OVER
                   else packed_pages.pack(item, decoded))
    for number in range(analysed + 1, count + 1):  # counted, not analysed
        out.append(_empty(number, size))
    if extras.ink_source is not None:  # the pages' ink, read when asked for, is charged to what is left
        extras.ink_source.budget = max(0, budget[0])
    _FONT_REFS.clear()
    _FONT_ENTRIES.clear()
    return tuple(out)


#: `_page_tree_map`: the page objects kept parsed after it (the first pages read, as MuPDF's own map
#: left them), and how many pages its walk reads between two lettings-go of what it parsed
MAP_KEPT_PAGES = STORE_EMPTIED_EVERY
MAP_WALK_CHUNK = 50


def _page_tree_map(mupdf, document) -> None:
    """MuPDF's page tree map (page number <-> page object), made for a long document without every
    page's dictionary parsed at once. MuPDF makes the map at the first page read: it parses every
    page's dictionary to read its /Type, and keeps them all until `pdf_clear_xref` (a page whose
    links are written in its own dictionary: 19 KB a page, 178 MB at once for 10,000 pages).

    Here the tree is walked first, its pages' dictionaries parsed a chunk at a time and let go
    (`pdf_clear_xref_to_mark`: what was parsed before the walk stays), and MuPDF then makes its map
    with a stand-in `<< /Type /Page >>` in the cache entry of each page object it would parse (the
    only key it reads of a page); the stand-ins are taken out again at once. The map is the one
    MuPDF makes (the same walk, the same answers); where the tree is not plain (a node that is
    neither /Pages nor /Page, a cycle, a /Count that is not the number of pages, a file read
    linearly) nothing is done and MuPDF makes its map as before. The first MAP_KEPT_PAGES pages
    stay parsed, as MuPDF's map left them (the loader lets the rest go at that page)."""
    raw = document.m_internal
    if raw.fwd_page_map is not None or not raw.use_page_tree_map or raw.file_reading_linearly:
        return
    count = mupdf.pdf_count_pages(document)
    type_, kids_, page_, pages_ = (mupdf.pdf_new_name(n) for n in ("Type", "Kids", "Page", "Pages"))
    kept, numbers = [], []
    mupdf.pdf_mark_xref(document)
    try:
        root = mupdf.pdf_dict_getp(mupdf.pdf_trailer(document), "Root/Pages")
        if not mupdf.pdf_name_eq(mupdf.pdf_dict_get(root, type_), pages_):
            return
        stack = [(mupdf.pdf_dict_get(root, kids_), 0, frozenset((mupdf.pdf_to_num(root),)))]
        found = walked = 0
        while stack:
            kids, at, path = stack.pop()
            if at >= mupdf.pdf_array_len(kids):
                continue
            stack.append((kids, at + 1, path))
            walked += 1
            if walked > 4 * count + 1000:
                return
            kid = mupdf.pdf_array_get(kids, at)
            kind = mupdf.pdf_dict_get(kid, type_)
            if mupdf.pdf_name_eq(kind, pages_):
                if mupdf.pdf_to_num(kid) in path:
                    return  # a cycle: MuPDF's map fails, as before
                stack.append((mupdf.pdf_dict_get(kid, kids_), 0, path | {mupdf.pdf_to_num(kid)}))
            elif mupdf.pdf_name_eq(kind, page_):
                found += 1
                if mupdf.pdf_is_indirect(kid):
                    numbers.append(mupdf.pdf_to_num(kid))
                    if len(kept) < MAP_KEPT_PAGES:
                        kept.append(mupdf.pdf_resolve_indirect(kid))
                if found % MAP_WALK_CHUNK == 0:
                    mupdf.pdf_clear_xref_to_mark(document)
            else:
                return  # not a page: MuPDF's map fails and it warns, as before
        if found != count:
            return  # MuPDF corrects /Count as it makes its map, as before
    except MemoryError:
        raise
    except Exception as exc:
        _memory(exc)
        return
    finally:
        stack = None
        mupdf.pdf_clear_xref_to_mark(document)
    stand_in = mupdf.pdf_new_dict(document, 1)
    mupdf.pdf_dict_put(stand_in, type_, page_)
    pointer = stand_in.m_internal
    placed = []
    try:
        for number in numbers:
            entry = mupdf.ll_pdf_get_xref_entry_no_null(raw, number)
            if entry.obj is None:
                entry.obj = mupdf.ll_pdf_keep_obj(pointer)  # the cache's own reference, as a parsed object's
                placed.append(number)
        mupdf.pdf_lookup_page_obj(document, 0)  # MuPDF makes its map here
    except Exception as exc:
        _memory(exc)  # else MuPDF falls back on its slow look-up, as before
    finally:
        for number in placed:
            entry = mupdf.ll_pdf_get_xref_entry_no_null(raw, number)
            if entry.obj is not None and int(entry.obj) == int(pointer):
                entry.obj = None
                mupdf.ll_pdf_drop_obj(pointer)


class _PageObject:
    """A page's object number and dictionary (MuPDF's pointer), read once for the tests of the
    page's own dictionary (`_not_a_page`, `_check_boxes`, `_annot_count`, `_precheck`). Each settles
    the common case with MuPDF's low-level calls (a few dictionary look-ups, where PyMuPDF's
    `xref_get_key` prints the value as PDF text for the test to read) only where the answer is
    exactly the printed text's, and reads the text as before otherwise."""

    def __init__(self, mupdf, page):
        self.m = mupdf
        try:
            self.obj = mupdf.ll_pdf_page_from_fz_page(page.this.m_internal).obj  # the page tree's entry
            self.xref = mupdf.ll_pdf_to_num(self.obj)  # what `page.xref` reads of the same entry
        except Exception:
            self.obj = None  # every test reads the printed text
            self.xref = page.xref

    def get(self, key: str):
        """The value of `key` in the page's dictionary (a pointer, None when absent)."""
        return self.m.ll_pdf_dict_gets(self.obj, key) or None

    def direct(self, value) -> bool:
        return value is not None and not self.m.ll_pdf_is_indirect(value)

    def all_references(self, array) -> bool:
        """Is every item of the array (or every value of the dictionary) a reference (`n 0 R`)?"""
        m = self.m
        if m.ll_pdf_is_array(array):
            return all(m.ll_pdf_is_indirect(m.ll_pdf_array_get(array, i)) for i in range(m.ll_pdf_array_len(array)))
        return all(m.ll_pdf_is_indirect(m.ll_pdf_dict_get_val(array, i)) for i in range(m.ll_pdf_dict_len(array)))


def _not_a_page(pdf, page, own: Optional[_PageObject] = None) -> str:
    """Why the object the page tree gives for `page` is not a page ("" when it is one)."""
    xref = page.xref if own is None else own.xref
    if xref <= 0:
        return ""
    if own is not None and own.obj is not None:
        try:  # a dictionary of /Type /Page (printed: `<<.../Type/Page...>>`) is a page
            kind = own.get("Type")
            if own.m.ll_pdf_is_dict(own.obj) and own.direct(kind) and own.m.ll_pdf_is_name(kind) \
                    and own.m.ll_pdf_to_name(kind) == "Page":
                return ""
        except Exception:
            pass
    try:
        body = pdf.xref_object(xref, compressed=True)
        kind, value = pdf.xref_get_key(xref, "Type")
    except Exception:
        return ""  # unreadable: MuPDF's reading of the page says what is wrong
    return damage.not_a_page(xref, body, value if kind == "name" else None)


def _shows_something(page: Page) -> bool:
    """Does a reader see anything on the page: a mark other than a clip, or text that is drawn?"""
    return any(not ink.kind.startswith("clip") for ink in page.ink) or any(
        s.render == "fill" and s.alpha > 0 for ln in page.lines + page.rotated_lines for s in ln.spans)


#: colour spaces of one page tried by `_colour_spaces`, at most
MAX_COLOUR_SPACES = 32


def _colour_spaces(pymupdf, pdf, page) -> List[damage.ColourSpace]:
    """The page's damaged colour spaces, found by loading each again with MuPDF (after emptying its
    store, which would answer from its cache without a warning): the page's transparency group
    (/Group /CS), the /ColorSpace entries of its resources and the colour space of each of its
    images. Each as (what uses it, the object, the device colour space MuPDF drew instead or None
    when it could not load it at all, MuPDF's words). Run only on a page that had colour-space
    warnings; never decodes an image."""
    mupdf = pymupdf.mupdf
    out: List[damage.ColourSpace] = []
    try:
        doc = mupdf.pdf_document_from_fz_document(pdf.this)
        obj = mupdf.pdf_new_indirect(doc, page.xref, 0)
        candidates = []
        group = mupdf.pdf_dict_gets(mupdf.pdf_dict_gets(obj, "Group"), "CS")
        if not mupdf.pdf_is_null(group):
            candidates.append(("the page's transparency group", group))
        resources = mupdf.pdf_dict_get_inheritable(obj, mupdf.pdf_new_name("Resources"))
        named = mupdf.pdf_dict_gets(resources, "ColorSpace")
        for i in range(min(mupdf.pdf_dict_len(named), MAX_COLOUR_SPACES)):
            name = limits.clean_text(mupdf.pdf_to_name(mupdf.pdf_dict_get_key(named, i)), 40)
            candidates.append((f"/{name} of the page's resources", mupdf.pdf_dict_get_val(named, i)))
        for entry in page.get_images(full=True)[:MAX_COLOUR_SPACES]:
            space = mupdf.pdf_dict_gets(mupdf.pdf_new_indirect(doc, entry[0], 0), "ColorSpace")
            if not mupdf.pdf_is_null(space):
                candidates.append((f"image {entry[0]} 0 R", space))
    except Exception:
        return out  # the page's objects cannot be walked: the warnings are reported as they are
    damage.take_warnings(pymupdf)
    pymupdf.TOOLS.store_shrink(100)
    tried = set()
    for user, space in candidates[:MAX_COLOUR_SPACES]:
        number = mupdf.pdf_to_num(space) if mupdf.pdf_is_indirect(space) else 0
        key = (number, user) if not number else (number, user.startswith("image "))
        if key in tried:
            continue
        tried.add(key)
        try:
            instead: Optional[str] = limits.clean_text(mupdf.fz_colorspace_name(mupdf.pdf_load_colorspace(space)), 40)
            error = ""
        except MemoryError:
            raise
        except Exception as exc:
            instead, error = None, _clean(exc)
        said = [" ".join(w.split()) for w in damage.take_warnings(pymupdf).splitlines() if w.strip()]
        if error:
            said.append(re.sub(r"^code=\d+: ", "", error))
        if said:
            what = f"colour space {number} 0 R" if number else "colour space"
            out.append((user, what, instead, limits.clean_text("; ".join(dict.fromkeys(said)), 300)))
    return out


def _identity(fh) -> Tuple[int, int, int, int]:
    """What tells the file read apart from another put in its place: device, inode, size, time of change."""
    st = os.fstat(fh.fd)
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


class _InkSource:
    """The ink of a loaded document's pages, read when first asked for (`LazyInkPage`): the same
    ink pass as a full read (`ink_pass` through the text visibility device, so the cap counts
    alike) over that page. While the document is being read it uses the open file; afterwards it
    opens the file again at the first page asked for (checked to be the file read: the same device,
    inode, size and time of change, else the ink is empty) and keeps it open until `close()`
    (`release(doc)`). The ink read is charged to the file's object budget (limits.MAX_OBJECTS_PER_FILE,
    what the text and links left of it): a page beyond it gets no ink."""

    def __init__(self, path: str, identity, pdf):
        self.path, self.identity, self.pdf = path, identity, pdf
        self.fh = None  # the file opened again after the document was read
        self.budget = limits.MAX_OBJECTS_PER_FILE

    def loaded(self) -> None:
        """The document is read and its file closed."""
        self.pdf = None

    def __call__(self, number: int):
        import pymupdf

        try:
            pdf = self.pdf or self._open(pymupdf)
            if pdf is None:
                return ()
            ink, counts = ink_pass(pdf[number - 1], visibility.text_ink_device())
        except MemoryError:
            raise
        except Exception as exc:
            _memory(exc)
            return ()  # the count pass and the text read it: it does not raise here but on a changed file
        finally:
            damage.take_warnings(pymupdf)  # said again for a page already read: not the next file's
        if counts["aborted"] or len(ink) > self.budget:
            return ()
        self.budget -= len(ink)
        return ink

    def _open(self, pymupdf):
        fh = limits.opened(self.path)
        fh.__enter__()
        try:
            if _identity(fh) != self.identity:
                fh.close()
                return None
            self.pdf = pymupdf.open(fh.mupdf_path(), filetype="pdf")
        except Exception:
            fh.close()
            raise
        self.fh = fh
        return self.pdf

    def close(self) -> None:
        if self.fh is not None:
            pdf, fh, self.pdf, self.fh = self.pdf, self.fh, None, None
            try:
                if pdf is not None:
                    pdf.close()
            finally:
                fh.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


def release(doc: Document) -> None:
    """Close what the document still holds open to read its pages' ink when asked for (nothing when
    it read every page's ink): the runner calls it when the file's checks end. A page's ink asked
    for afterwards opens the file again (and `release` closes it again)."""
    for page in doc.pages:
        if isinstance(page, LazyInkPage):
            page.close_ink_source()
            return


def _empty(number: int, size) -> Page:
    return Page(number=number, width=size[0], height=size[1], lines=(), rotated_lines=(), ink=(), links=(), fonts=())


#: included figures whose Info dictionaries are read at most (per document)
MAX_FIGURE_INFOS = 500


def _figure_metadata(pdf) -> Tuple[Tuple[int, str, str], ...]:
    """The /Author of each included PDF figure, from the /PTEX.InfoDict pdfTeX writes beside it.
    Reads a few dictionary keys per image XObject; never decodes a stream."""
    out = []
    seen = set()
    for number in range(min(pdf.page_count, limits.MAX_PAGES)):
        if len(seen) >= MAX_FIGURE_INFOS:
            break
        try:
            xobjects = pdf.get_page_xobjects(number)
        except Exception:
            continue
        for entry in xobjects:
            xref = entry[0]
            if xref in seen or len(seen) >= MAX_FIGURE_INFOS:
                continue
            seen.add(xref)
            try:
                kind, value = pdf.xref_get_key(xref, "PTEX.InfoDict")
                if kind != "xref":
                    continue  # none, or an inline dictionary (rare, not read)
                akind, author = pdf.xref_get_key(int(value.split()[0]), "Author")
            except Exception:  # a damaged figure: its metadata is simply not read
                continue
            if akind == "string" and author.strip():
                out.append((number + 1, "/Author", limits.clean_text(author.strip(), limits.MAX_METADATA_CHARS)))
    return tuple(out)


def _clean(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


def _page(pymupdf, pdf, page, number: int, problems: List, budget: List[int], extras: "_Extras",
          own: Optional[_PageObject] = None) -> Page:
    source = extras.ink_source
    measured: Optional[List] = [] if source is not None else None
    too_much = _precheck(pdf, page, number, measured, own)
    if too_much:
        problems.append(damage.Problem(number, "error", "limit", f"not analysed: {too_much}"))
        return _empty(number, _size(page))
    _check_boxes(pdf, page, number, problems, own)

    flags = (pymupdf.TEXTFLAGS_DICT | pymupdf.TEXT_MEDIABOX_CLIP) & ~(
        pymupdf.TEXT_PRESERVE_IMAGES | pymupdf.TEXT_PRESERVE_LIGATURES
    )
    font_entries = None
    if source is None:
        device, ink, counts, raw = _read_page(pymupdf, page, flags)
    else:  # the ink when asked for (`_InkSource`); the cap now, before the text is read
        font_entries = page.get_fonts(full=True)
        ink = ()
        if _under_cap(pdf, page, measured, font_entries, extras.xobject_bounds):
            counts, raw = {"aborted": ""}, page.get_text("dict", flags=flags)
        else:  # counted, and the text read in the same run
            counts, raw = _count_and_read(pymupdf, page, flags)
    if counts["aborted"]:
        problems.append(damage.Problem(number, "error", "limit", f"not analysed: {counts['aborted']}"))
        return _empty(number, _size(page))
    pieces = []
    rotated = []
    every_span = []  # for the integrity facts
    keep_every = extras.visibility_facts
    coords: Dict[float, float] = {}
    for block in raw["blocks"]:
        for line in block.get("lines", ()):
            raw_spans = line["spans"]
            spans, shows, size, right = _spans(raw_spans, coords)
            if keep_every:
                every_span.extend(spans)
            if not shows:  # no span, or only white space
                continue
            dx, dy = line["dir"]
            if abs(dy) > 1e-3 or dx <= 0:
                rotated.append(_rotated_line(spans, line["bbox"]))
                continue
            pieces.append((raw_spans[0]["origin"][1], spans[0].bbox[0], right, size, spans))
    del raw
    links = tuple(_links(pdf, page, number, problems, own))
    fonts = tuple(_fonts(pdf, page, number, problems, extras, font_entries))
    lines = _visual_lines(pieces)
    if len(lines) + len(rotated) > limits.MAX_LINES_PER_PAGE:
        problems.append(damage.Problem(number, "error", "limit", f"only the first {limits.MAX_LINES_PER_PAGE:,} "
                                       f"of its {len(lines) + len(rotated):,} lines are analysed"))
        lines = lines[: limits.MAX_LINES_PER_PAGE]
        rotated = rotated[: max(0, limits.MAX_LINES_PER_PAGE - len(lines))]
    budget[0] -= sum(len(ln.spans) for ln in lines) + len(rotated) + len(ink) + len(links)
    if _CUT[0]:
        problems.append(damage.Problem(number, "warning", "limit", f"{_CUT[0]} lines or tokens longer than "
                                       f"{limits.MAX_TOKEN_CHARS:,} characters were shortened"))
        _CUT[0] = 0
    rect = page.rect
    # --- integrity (TEXT001): text objects in drawing order, from the ink pass above ----------
    # the text and the ink are in the unrotated page's coordinates (`rect` is the rotated page's):
    # the facts' position tests use its size (a landscape page's /Rotate 90 swaps them)
    across, down = (rect.height, rect.width) if page.rotation % 180 else (rect.width, rect.height)
    seen, offpage, painted = (visibility.facts(pymupdf, page, every_span, device, across, down)
                              if extras.visibility_facts else ((), (), ()))
    # --- end integrity ------------------------------------------------------------------------
    item = Page(
        number=number,
        width=round(rect.width, 2),
        height=round(rect.height, 2),
        lines=tuple(lines),
        rotated_lines=tuple(rotated),
        ink=ink,
        links=links,
        fonts=fonts,
        seen=seen,
        offpage=offpage,
        painted_clips=painted,
    )
    return item if source is None else lazy_ink_page(item, source)


#: lines shortened by limits.bound_tokens on the page being read
_CUT = [0]


def _size(page) -> Tuple[float, float]:
    try:
        return round(page.rect.width, 2), round(page.rect.height, 2)
    except Exception:
        return 612.0, 792.0


_FONT_ENTRY = lazy(rb"/[^\s/<>\[\]()]+\s*(?:\d+\s+\d+\s+R|<<)")
_INLINE_IMAGE = lazy(rb"\bBI\b([^I]{0,600}?)\bID\b")
_DICT_NUMBER = lazy(rb"/(W|Width|H|Height|BPC|BitsPerComponent)\s+(\d{1,12})")


def _precheck(pdf, page, number: int, measured: Optional[List] = None, own: Optional[_PageObject] = None) -> str:
    """What makes the page too costly to read at all, from its dictionaries and its content
    streams inflated at most MAX_CONTENT_BYTES (no MuPDF run yet): "" when nothing does.
    `measured`, when given, gets (marks, names, whole) of the content streams once all are read
    (`_marks`, `_do_names`; `whole`: each was inflated to its end, none left to MuPDF's filters or
    predictors): `_under_cap` reads it."""
    if own is None or own.obj is None or not _few_fonts(own):
        try:
            kind, fonts = pdf.xref_get_key(page.xref if own is None else own.xref, "Resources/Font")
            if kind == "xref":
                fonts = pdf.xref_object(int(fonts.split()[0]), compressed=True)
            if kind in ("dict", "xref"):
                n = len(_FONT_ENTRY.findall(fonts.encode("latin-1", "replace")))
                if n > limits.MAX_FONTS_PER_PAGE:
                    return f"{n:,} fonts on the page, more than the {limits.MAX_FONTS_PER_PAGE:,} read per page"
        except Exception:
            pass
    try:
        return _precheck_contents(pdf, page, measured)
    except Exception:
        return ""  # unreadable contents: MuPDF's run reports them


def _few_fonts(own: _PageObject) -> bool:
    """Does the page's /Resources /Font pass `_precheck`'s count for sure: absent, or a dictionary
    of references, at most limits.MAX_FONTS_PER_PAGE (printed, `/F1 5 0 R` each: at most one
    `_FONT_ENTRY` an entry)? Else its printed text is counted."""
    m = own.m
    try:
        fonts = m.ll_pdf_dict_getp(own.obj, "Resources/Font") or None
        if fonts is None:
            return True
        return (m.ll_pdf_is_dict(fonts) and m.ll_pdf_dict_len(fonts) <= limits.MAX_FONTS_PER_PAGE
                and own.all_references(fonts))
    except Exception:
        return False


def _precheck_contents(pdf, page, measured: Optional[List] = None) -> str:
    total = 0
    text_ops = 0
    marks = 0
    names: Optional[List[str]] = []
    whole = True
    named = False  # a colour set by name (`sc`, `scn`, `SC`, `SCN`): a pattern may be painted
    ended: List[bool] = []
    # Each text operator is one byte at least (`Tj`, `TJ`, `'`, `"` never overlap), so the page is
    # under the text operators' cap while its streams' bytes are: they are counted only once those
    # pass it (the streams held until then, at most as many bytes as the cap).
    uncounted: List[bytes] = []
    for xref in page.get_contents():
        kind, filt = pdf.xref_get_key(xref, "Filter")
        if kind == "null":
            data = pdf.xref_stream_raw(xref) or b""
        elif filt in ("/FlateDecode", "[/FlateDecode]"):
            data = _inflate(pdf.xref_stream_raw(xref) or b"", limits.MAX_CONTENT_BYTES - total + 1, ended)
            whole = whole and ended[-1]
        else:
            whole = False
            continue  # other filters: MuPDF's run (and its caps) decide
        if measured is not None and whole:
            whole = pdf.xref_get_key(xref, "DecodeParms")[0] == "null"  # a predictor: other bytes than read here
            marks += _marks(data)
            named = named or _names_colour(data)
            found = _do_names(data)
            names = None if found is None or names is None else names + found
        total += len(data)
        uncounted.append(data)
        if total > limits.MAX_TEXT_OPERATORS_PER_PAGE:
            text_ops += sum(_text_operators(piece) for piece in uncounted)
            uncounted = []
        if text_ops > limits.MAX_TEXT_OPERATORS_PER_PAGE:
            return (f"more than {limits.MAX_TEXT_OPERATORS_PER_PAGE:,} text operators on the page "
                    "(a page of a paper has a few hundred)")
        if total > limits.MAX_CONTENT_BYTES:
            return (f"its content streams inflate to more than {limits.MAX_CONTENT_BYTES // 2**20} MB "
                    "(a page of a paper needs a few hundred kB)")
        if b"BI" in data:
            for m in _INLINE_IMAGE.finditer(data):
                values = {k: int(v) for k, v in _DICT_NUMBER.findall(m.group(1))}
                w = values.get(b"W", values.get(b"Width", 0))
                h = values.get(b"H", values.get(b"Height", 0))
                bpc = values.get(b"BPC", values.get(b"BitsPerComponent", 8))
                if w * h * max(bpc, 1) * 4 // 8 > limits.MAX_INLINE_IMAGE_BYTES:
                    return (f"an inline image of {w:,} x {h:,} pixels, more than the "
                            f"{limits.MAX_INLINE_IMAGE_BYTES // 2**20} MB decoded per image")
    if measured is not None:
        measured.append((marks, names, whole, named))
    return ""


def _text_operators(data: bytes) -> int:
    """The text operators of a content stream as the cap counts them: every `Tj`, `TJ` and quote
    (one in a string counts too: at least the operators the stream runs)."""
    return data.count(b"Tj") + data.count(b"TJ") + data.count(b"'") + data.count(b'"')


def _inflate(raw: bytes, at_most: int, ended: Optional[List[bool]] = None) -> bytes:
    """`raw` inflated, at most `at_most` bytes of it; `ended` gets whether the stream's end was reached."""
    import zlib

    d = zlib.decompressobj()
    out = []
    n = 0
    try:
        for i in range(0, len(raw), 1 << 16):
            piece = d.decompress(raw[i:i + (1 << 16)], max(1, at_most - n))
            out.append(piece)
            n += len(piece)
            while d.unconsumed_tail and n < at_most:
                piece = d.decompress(d.unconsumed_tail, max(1, at_most - n))
                out.append(piece)
                n += len(piece)
            if n >= at_most:
                break
    except zlib.error:
        pass  # MuPDF reads what it can and warns; the warning is the report
    if ended is not None:
        ended.append(d.eof)
    return b"".join(out)


_REF = lazy(r"(?<!\d)(\d+)\s+\d+\s+R\b")  # from the first digit of a run only: linear
_NAMED_REF = lazy(r"/([^\s/<>\[\]()%{}]+)\s*(?<!\d)(\d+)\s+\d+\s+R\b")
_SOFT_MASK = lazy(r"/SMask\s*(?!/None\b)")
#: PDF white space, and the bytes that end a token (white space and delimiters)
_WHITE = frozenset(b"\x00\t\n\x0c\r ")
_ENDS = frozenset(b"\x00\t\n\x0c\r ()<>[]{}/%")
#: forms and images looked into per document at most (`_under_cap`), and form bytes per page
MAX_XOBJECTS_LOOKED_AT = 2000


class _Unbounded(Exception):
    """What the page runs cannot be bounded from its dictionaries: the counting pass decides."""


def _marks(data: bytes) -> int:
    """At least the marking operations a content stream runs itself (not through its `Do`s): each
    painting operator holds one of these letters (`f`, `F`, `S`, `s` one operation, `sh` too; `B`,
    `b` fill and stroke: two, `BI` an inline image), and every other byte holding one (in another
    operator, a string, a name) only adds to the count."""
    return (data.count(b"f") + data.count(b"F") + data.count(b"S") + data.count(b"s")
            + 2 * (data.count(b"B") + data.count(b"b")))


def _names_colour(data: bytes) -> bool:
    """May the content stream set a colour by name (`sc`, `scn`, `SC` or `SCN` after a name: a
    pattern's)? Only then can a pattern of its resources be painted (a colour space of /Pattern
    starts with a colour that paints nothing). An operator after numbers sets a colour by value;
    after anything else (a comment, a name) it counts as named."""
    for op in (b"sc", b"SC"):
        i = data.find(op)
        n = len(data)
        while i >= 0:
            end = i + 2
            if end < n and data[end] in b"nN":
                end += 1
            if (i == 0 or data[i - 1] in _ENDS) and data[i - 1:i] != b"(" and (end == n or data[end] in _ENDS):
                k, j = _token_before(data, i)
                if k == j or (k > 0 and data[k - 1] == 0x2F) or data[k:j].strip(b"0123456789.+-"):
                    return True
            i = data.find(op, i + 1)
    return False


def _token_before(data: bytes, i: int) -> Tuple[int, int]:
    """(start, end) of the token before offset `i` of a content stream (white space skipped back
    first; start == end: none, the stream's start or a delimiter right before)."""
    j = i
    while j > 0 and data[j - 1] in _WHITE:
        j -= 1
    k = j
    while k > 0 and data[k - 1] not in _ENDS:
        k -= 1
    return k, j


def _do_names(data: bytes) -> Optional[List[str]]:
    """The name before each `Do` operator of a content stream (the XObject it draws); None when a
    `Do` token has no name right before it (a comment between them, a malformed stream): the
    XObjects drawn are then not known."""
    names: List[str] = []
    i = data.find(b"Do")
    n = len(data)
    while i >= 0:
        end = i + 2
        if (i == 0 or data[i - 1] in _ENDS) and (end == n or data[end] in _ENDS) and (i == 0 or data[i - 1] != 0x28):
            # a token of its own, not the start of a string's text: "[(Do)-250(wnload)]TJ"
            k, j = _token_before(data, i)
            if k == j or k == 0 or data[k - 1] != 0x2F:  # "/"
                return None
            names.append(data[k:j].decode("latin-1"))
        i = data.find(b"Do", i + 1)
    return names


def _under_cap(pdf, page, measured: List, fonts, memo: Dict[int, Optional[int]]) -> bool:
    """Can MuPDF's run of the page not pass the operation cap (limits.MAX_OPERATIONS_PER_PAGE: its
    fills, strokes, shadings and images), told from its dictionaries and streams without running
    it, so that the counting pass is not needed? The page's operations are at most the marks of its
    content streams (`_marks`, read by `_precheck` into `measured`) and one per image it draws, and
    each Form XObject it draws (`_do_names`) adds its own bound, once per `Do`, nested forms alike
    (`memo`: each XObject's bound, per document; None: cannot be bounded). Only where nothing
    else is run: every stream inflated to its end (Flate or no filter, no predictor), no pattern,
    no soft mask drawn from a group (ExtGState /SMask), no Type3 font (`fonts`: the page's
    `get_fonts` entries, its forms' fonts included; MuPDF runs an uncached Type3 glyph's procedure
    through the device), the page's and each form's own /Resources (not inherited)."""
    if not measured:
        return False
    marks, names, whole, named = measured[0]
    cap = limits.MAX_OPERATIONS_PER_PAGE
    if not whole or names is None or marks > cap:
        return False
    if any(entry[2] == "Type3" for entry in fonts):
        return False
    try:
        bound = marks + _drawn(pdf, _xobjects(pdf, page.xref, named), names, memo, (), [limits.MAX_CONTENT_BYTES])
    except _Unbounded:
        return False
    except Exception:
        return False  # a damaged dictionary: the counting pass reads what MuPDF reads
    return bound <= cap


def _xobjects(pdf, xref: int, named: bool, form: bool = False) -> Dict[str, int]:
    """The XObjects (name -> object number) of the resources of object `xref` (a page, a `form`),
    after making sure they run nothing but their streams (their own; no pattern its stream may
    paint, `named`: it sets a colour by name; no soft mask; a form's fonts no Type3 font: the page's
    are known from `get_fonts`)."""
    if pdf.xref_get_key(xref, "Resources")[0] not in ("dict", "xref"):
        raise _Unbounded  # inherited from the page tree, or none
    if named and pdf.xref_get_key(xref, "Resources/Pattern")[0] != "null":
        raise _Unbounded
    if form:
        kind, value = pdf.xref_get_key(xref, "Resources/Font")
        if kind != "null":
            value = _dict_text(pdf, kind, value)
            if "Type3" in value or any(pdf.xref_get_key(int(r), "Subtype") == ("name", "/Type3")
                                       for r in _REF.findall(value)):
                raise _Unbounded
    kind, value = pdf.xref_get_key(xref, "Resources/ExtGState")
    if kind != "null":
        value = _dict_text(pdf, kind, value)
        if _SOFT_MASK.search(value) or any(_SOFT_MASK.search(pdf.xref_object(int(r), compressed=True))
                                           for r in _REF.findall(value)):
            raise _Unbounded
    kind, value = pdf.xref_get_key(xref, "Resources/XObject")
    if kind == "null":
        return {}
    value = _dict_text(pdf, kind, value)
    if "<<" in value[2:]:
        raise _Unbounded  # an XObject is a stream, never a direct dictionary
    return {name: int(ref) for name, ref in _NAMED_REF.findall(value)}


def _dict_text(pdf, kind: str, value: str) -> str:
    if kind == "xref":
        return pdf.xref_object(int(value.split()[0]), compressed=True)
    if kind != "dict":
        raise _Unbounded
    return value


def _drawn(pdf, xobjects: Dict[str, int], names: List[str], memo: Dict[int, Optional[int]], stack: Tuple,
           budget: List[int]) -> int:
    """The operations the XObjects `names` draw (one per `Do`), at most."""
    total = 0
    for name in names:
        xref = xobjects.get(name)
        if xref is None:
            raise _Unbounded  # a name written otherwise than in the dictionary (escapes), or missing
        total += _xobject_bound(pdf, xref, memo, stack, budget)
        if total > limits.MAX_OPERATIONS_PER_PAGE:
            break
    return total


def _xobject_bound(pdf, xref: int, memo: Dict[int, Optional[int]], stack: Tuple, budget: List[int]) -> int:
    """The operations drawing XObject `xref` runs, at most: an image one, a form its stream's marks
    and what it draws in turn."""
    if xref in memo:
        known = memo[xref]
        if known is None:
            raise _Unbounded
        return known
    if xref in stack or len(stack) >= 8 or len(memo) >= MAX_XOBJECTS_LOOKED_AT:
        raise _Unbounded
    memo[xref] = None  # until bounded
    subtype = pdf.xref_get_key(xref, "Subtype")
    if subtype == ("name", "/Image"):
        memo[xref] = 1
        return 1
    if subtype != ("name", "/Form") or pdf.xref_get_key(xref, "DecodeParms")[0] != "null":
        raise _Unbounded
    kind, filt = pdf.xref_get_key(xref, "Filter")
    if kind == "null":
        data = pdf.xref_stream_raw(xref) or b""
    elif filt in ("/FlateDecode", "[/FlateDecode]"):
        ended: List[bool] = []
        data = _inflate(pdf.xref_stream_raw(xref) or b"", budget[0] + 1, ended)
        if not ended[0]:
            raise _Unbounded
    else:
        raise _Unbounded
    budget[0] -= len(data)
    names = _do_names(data)
    if budget[0] < 0 or names is None:
        raise _Unbounded
    bound = _marks(data) + _drawn(pdf, _xobjects(pdf, xref, _names_colour(data), form=True), names, memo,
                                  stack + (xref,), budget)
    memo[xref] = bound
    return bound


def _check_boxes(pdf, page, number: int, problems: List, own: Optional[_PageObject] = None) -> None:
    """A MediaBox or CropBox that is not four numbers enclosing an area (MuPDF replaces it)."""
    for key in ("MediaBox", "CropBox"):
        if own is not None and own.obj is not None and _plain_box(own, key):
            continue
        try:
            kind, value = pdf.xref_get_key(page.xref if own is None else own.xref, key)
        except Exception:
            continue
        if kind == "null":
            continue
        if kind == "xref":  # an indirect box: `155 0 R`
            try:
                value = pdf.xref_object(int(value.split()[0]), compressed=True)
                kind = "array" if value.strip().startswith("[") else kind
            except Exception:
                pass
        try:
            nums = [float(x) for x in value.strip().strip("[]").split()] if kind == "array" else []
        except ValueError:
            nums = []
        if len(nums) != 4 or abs(nums[2] - nums[0]) < 1 or abs(nums[3] - nums[1]) < 1:
            problems.append(damage.Problem(number, "warning", "invalid-box",
                                           f"its /{key} {limits.clean_text(value, 60)} is not a valid box; read as "
                                           f"{page.rect.width:g} x {page.rect.height:g} pt"))


#: `_plain_box`: the largest coordinate and the smallest side it settles (a coordinate printed as
#: PDF text is within 0.05 of its value below it, so the printed box passes `_check_boxes` alike)
PLAIN_BOX_COORDINATE, PLAIN_BOX_SIDE = 1e5, 1.5


def _plain_box(own: _PageObject, key: str) -> bool:
    """Does the page's /`key` pass `_check_boxes` for sure: absent, or four numbers written in the
    array (no reference) that enclose an area by a margin? Else its printed text is read."""
    m = own.m
    try:
        box = own.get(key)
        if box is None:
            return True
        if not (own.direct(box) and m.ll_pdf_is_array(box) and m.ll_pdf_array_len(box) == 4):
            return False
        items = [m.ll_pdf_array_get(box, i) for i in range(4)]
        if not all(own.direct(v) and m.ll_pdf_is_number(v) for v in items):
            return False
        x0, y0, x1, y1 = (m.ll_pdf_to_real(v) for v in items)
    except Exception:
        return False
    return (max(abs(x0), abs(y0), abs(x1), abs(y1)) < PLAIN_BOX_COORDINATE
            and abs(x1 - x0) >= PLAIN_BOX_SIDE and abs(y1 - y0) >= PLAIN_BOX_SIDE)


#: opacity of each of MuPDF's 256 alpha values (shared float objects: one per value, not per span)
_ALPHA = tuple(a / 255.0 for a in range(256))
#: distinct span styles kept shared per process, up to this many
_CACHE_MAX = 4096


#: per process: MuPDF's span style (font, size, alpha, character flags) -> the model's (the font's
#: name without its subset prefix, size, opacity, render mode: `_style`), up to _CACHE_MAX entries
_STYLES: Dict[Tuple, Tuple[str, float, float, str]] = {}


def _style(font: str, raw_size: float, a, char_flags: int) -> Tuple[str, float, float, str]:
    """The model's (font name, size, opacity, render mode) of a span of MuPDF's style."""
    size = round(raw_size, 2)
    if size <= 0 < raw_size:
        size = 0.01  # a 0.001 pt span is tiny, not of size zero (sizes are divided by)
    alpha = _ALPHA[a] if a.__class__ is int and 0 <= a <= 255 else a / 255.0
    return strip_subset(font), size, alpha, _render_mode(char_flags, alpha)


def _spans(raw_spans, coords: Dict[float, float]) -> Tuple[List[Span], bool, float, float]:
    """The model's spans for the spans of one of MuPDF's lines (those with text), with whether any
    shows more than white space, their largest size and their right edge. `coords` (one per page)
    shares equal coordinates between the spans of the page (the left edge of every line, the top and
    bottom of the spans of a line). One loop per line, each span built in place (`document.SpanSlots`,
    as `new_span` builds one) with its style's part read once per process (`_STYLES`): the loader's
    most repeated work, about 500 spans a page."""
    out: List[Span] = []
    shows = False
    top = right = 0.0
    g = coords.setdefault  # zeros are kept as they are (0.0 and -0.0 are equal keys)
    styles = _STYLES
    make = SPAN_SLOTS
    for s in raw_spans:
        text = s["text"]
        if not text:
            continue
        key = (s["font"], s["size"], s.get("alpha", 255), s.get("char_flags", 16))
        style = styles.get(key)
        if style is None:
            style = _style(*key)
            if len(styles) < _CACHE_MAX:
                styles[key] = style
        name, size, alpha, render = style
        if len(text) > limits.MAX_LINE_CHARS or "\x00" in text or (not text.isascii() and _HAS_SURROGATE(text)):
            text = limits.clean_text(text, limits.MAX_LINE_CHARS)
        b = s["bbox"]
        if len(b) == 4:
            x0, y0, x1, y1 = b
            bbox = (g(x0, x0) if x0 else x0, g(y0, y0) if y0 else y0, g(x1, x1) if x1 else x1,
                    g(y1, y1) if y1 else y1)
        else:  # never from MuPDF
            bbox = tuple(b)
            x1 = bbox[2] if len(bbox) > 2 else right
        if make is not None:
            o = make(text, bbox, name, size, s["color"], s["flags"], alpha, render)
            o.__class__ = Span
        else:
            o = new_span(text, bbox, name, size, s["color"], s["flags"], alpha, render)
        if out:
            if size > top:
                top = size
            if x1 > right:
                right = x1
        else:
            top, right = size, x1
        out.append(o)
        if not shows and text.strip():
            shows = True
    return out, shows, top, right


def _HAS_SURROGATE(text: str) -> bool:
    try:
        text.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


#: MuPDF's character flags (`char_flags` of a span)
_FILLED, _STROKED, _CLIPPED = 16, 32, 64


def _render_mode(char_flags: int, alpha: float) -> str:
    if char_flags & _CLIPPED and alpha == 0:
        return "clip"  # render mode 7; modes 4 to 6 also paint
    if not char_flags & (_FILLED | _STROKED | _CLIPPED):
        return "invisible"  # render mode 3
    return "fill"


def _visual_lines(pieces):
    """Merge MuPDF lines that share a baseline and are not a column gap apart."""
    pieces.sort(key=_BASELINE)
    clusters = []
    for p in pieces:
        if clusters:
            anchor = clusters[-1][0]
            if abs(p[0] - anchor[0]) <= BASELINE_TOLERANCE_EM * max(p[3], anchor[3]):
                clusters[-1].append(p)
                continue
        clusters.append([p])
    lines = []
    for cluster in clusters:
        cluster.sort(key=_LEFT_EDGE)
        group = [cluster[0]]
        right = cluster[0][2]
        for p in cluster[1:]:
            gap = p[1] - right
            if gap > min(PIECE_GAP_EM * max(p[3], group[-1][3]), PIECE_GAP_MAX) or _apart(group[-1], p, gap):
                lines.append(_make_line(group))
                group = [p]
            else:
                group.append(p)
            right = max(right, p[2])
        lines.append(_make_line(group))
    lines.sort(key=lambda ln: (ln.bbox[1], ln.bbox[0]))
    return lines


#: a piece's baseline and left edge (`_visual_lines`' sort keys)
_BASELINE, _LEFT_EDGE = operator.itemgetter(0), operator.itemgetter(1)


def _apart(a, b, gap: float) -> bool:
    """A line number (a short number in another colour and size, such as the review ruler's grey
    "004") beside text is not part of that text's line, even when the text strays next to it. A
    footnote mark touches its word, so it stays; a number unlike its neighbour in colour or size
    only stands apart beyond half an em."""
    for num, other in ((a, b), (b, a)):
        text = "".join(s.text for s in num[4]).strip()
        if text.isdigit() and len(text) <= 4:
            n, o = num[4][0], other[4][0]
            colour, size = n.color != o.color, abs(n.size - o.size) > 0.1 * o.size
            if (colour and size and gap > NUMBER_GAP_EM * o.size) or ((colour or size) and gap > 0.5 * o.size):
                return True
            if colour and size and gap < -0.5 * (num[2] - num[1]):
                return True  # printed over the text (`lineno` numbering a quote or list): a ruler's number
    return False


def _make_line(group) -> Line:
    """The visual line of `group` (pieces of MuPDF lines: (baseline, left, right, size, spans)): its
    text (a space where `word_gap` sees a word break, white space runs made one), box, baseline and
    sizes (`Line.build`'s), read in one loop over its spans."""
    if len(group) == 1:  # most lines: one MuPDF line, spans already in order
        main = group[0]
        spans = main[4]
    else:
        # the baseline of the piece with the most characters (not a superscript)
        main = max(group, key=lambda p: sum(len(s.text) for s in p[4]))
        spans = sorted((s for p in group for s in p[4]), key=_LEFT)
    a = spans[0]
    joined = a.text
    if len(spans) == 1:
        box = a.bbox  # the line's box is its span's: one tuple for both
        size = max_size = a.size if len(joined) != joined.count(" ") else 0.0
    else:
        parts = [joined]
        box = a.bbox
        x0, y0, x1, y1 = box
        n = len(joined) - joined.count(" ")
        weight: Dict[float, int] = {a.size: n} if n else {}
        gap_em = WORD_GAP_EM
        for b in spans[1:]:
            text, bb = b.text, b.bbox
            # word_gap(a, b), inline
            if a.text[-1:].isspace() or text[:1].isspace() or bb[0] - a.bbox[2] > gap_em * min(a.size, b.size):
                parts.append(" ")
            parts.append(text)
            if bb[0] < x0:
                x0 = bb[0]
            if bb[1] < y0:
                y0 = bb[1]
            if bb[2] > x1:
                x1 = bb[2]
            if bb[3] > y1:
                y1 = bb[3]
            n = len(text) - text.count(" ")
            if n:
                weight[b.size] = weight.get(b.size, 0) + n
            a = b
        box = (x0, y0, x1, y1)
        joined = "".join(parts)
        size = max(weight, key=weight.__getitem__) if weight else 0.0
        max_size = max(weight, default=0.0)
    text = " ".join(joined.split())
    if text == joined:
        text = joined  # one string for the line and its span when they read the same
    if len(text) > limits.MAX_TOKEN_CHARS:
        text, cut = limits.bound_tokens(text)
        _CUT[0] += cut
    return new_line(text, box, main[0], spans if spans.__class__ is tuple else tuple(spans), True, size, max_size)


def _LEFT(span: Span) -> float:
    return span.bbox[0]


def _rotated_line(spans, bbox) -> Line:
    text = " ".join("".join(s.text for s in spans).split())
    if len(text) > limits.MAX_TOKEN_CHARS:
        text, cut = limits.bound_tokens(text)
        _CUT[0] += cut
    return Line.build(text=text, bbox=tuple(bbox), baseline=bbox[3], spans=tuple(spans), horizontal=False)


def _read_page(pymupdf, page, flags: int):
    """The ink pass (`ink_pass`, through the text visibility device) and the text of the page, as
    `page.get_text("dict", flags=flags)` gives it, from one interpretation of the page's contents.
    Returns (device, ink, counts, raw dict); raw is None when the ink pass stopped at the page's cap
    (the text is not read then).

    `get_text` makes a structured-text device over the page's box and runs the whole page through
    it (its contents, then its annotations and widgets). Here the same device is made over the same
    box, the ink device passes on to it every call of the contents it takes
    (`visibility.text_ink_device(target)`: the same calls in the same order, as MuPDF makes them),
    the annotations and widgets are run through it alone, and the text is read from it as
    `get_text` reads it: the same text page, one interpretation fewer (on a plot page of 20,000
    strokes, MuPDF's second run of every path). Should the device not take a call, the page's text
    is read on its own by `get_text`, as before.

    Recording the page once as a MuPDF display list and replaying that for both passes was measured
    and not kept: a display list drops text objects with an empty box (the separate blank text
    objects some producers write between words), so the text extracted from it differs from
    `get_text`'s (missing blanks, synthetic spaces), and an unbounded recording would precede the
    operation cap on hostile pages."""
    if not _one_pass(pymupdf, flags):
        device = visibility.text_ink_device()
        ink, counts = ink_pass(page, device)
        return device, ink, counts, None if counts["aborted"] else page.get_text("dict", flags=flags)
    device, (ink, counts), raw = _text_in_run(pymupdf, page, flags, visibility.text_ink_device, ink_pass)
    return device, ink, counts, raw


def _count_and_read(pymupdf, page, flags: int):
    """The counting pass (`ink.count_pass`) and the text of the page, as `_read_page` reads them
    in one interpretation of the page (the counting device passing on to the text device:
    `visibility.count_text_device`). Returns (counts, raw dict); raw is None when the count passed
    the page's cap."""
    if not _one_pass(pymupdf, flags):
        counts = count_pass(page)
        return counts, None if counts["aborted"] else page.get_text("dict", flags=flags)
    _, counts, raw = _text_in_run(pymupdf, page, flags, visibility.count_text_device, count_pass)
    return counts, raw


def _text_in_run(pymupdf, page, flags: int, device_of, run):
    """(device, what `run(page, device)` returns, the raw dict of the page's text): `device_of(target)`
    is a device passing on to `target`, a text device made as `get_text` makes it, the calls it
    takes (`_read_page`); `run`'s result holds counts (or is them) whose "aborted" says the run
    stopped at the cap (raw is None then)."""
    mupdf = pymupdf.mupdf
    rotation = page.rotation
    if rotation:
        page.set_rotation(0)  # as get_text and ink_pass: the unrotated page's coordinates
    try:
        text_page = mupdf.FzStextPage(mupdf.fz_bound_page(page.this))
        target = mupdf.fz_new_stext_device(text_page, _text_options(pymupdf, flags))
        device = device_of(target.m_internal)
        try:
            result = run(page, device)
            counts = result if isinstance(result, dict) else result[1]
            if counts["aborted"]:
                return device, result, None
            raw = None
            if getattr(device, "target", None) is not None:  # every call passed on (else dropped on the first refused)
                try:
                    cookie = mupdf.FzCookie()
                    mupdf.fz_run_page_annots(page.this, target, mupdf.FzMatrix(), cookie)
                    mupdf.fz_run_page_widgets(page.this, target, mupdf.FzMatrix(), cookie)
                    mupdf.fz_close_device(target)
                    raw = pymupdf.TextPage(text_page).extractDICT()
                except MemoryError:
                    raise
                except Exception:
                    raw = None
        finally:
            if getattr(device, "target", None) is not None:
                device.target = None  # the text device is dropped with `target`
    finally:
        if rotation:
            page.set_rotation(rotation)
    if raw is None:  # the text device refused a call (or was not given them): the text is read on its own
        raw = page.get_text("dict", flags=flags)
    return device, result, raw


def _text_options(pymupdf, flags: int):
    options = pymupdf.mupdf.FzStextOptions()
    options.flags = flags
    return options


#: flags -> does MuPDF's text device of these flags take exactly the calls the ink device passes on?
_ONE_PASS: Dict[int, bool] = {}


def _one_pass(pymupdf, flags: int) -> bool:
    """Can the page's text be read in the ink pass (`_read_page`)? Only when the text device MuPDF
    makes for `flags` implements the calls `visibility.FORWARDED` lists and no other (another MuPDF
    may add some): else the text is read in a run of its own, as `get_text` reads it."""
    known = _ONE_PASS.get(flags)
    if known is None:
        mupdf = pymupdf.mupdf
        try:
            device = mupdf.fz_new_stext_device(mupdf.FzStextPage(mupdf.FzRect(0, 0, 1, 1)), _text_options(pymupdf, flags))
            calls = {name[len("use_virtual_"):] for name in dir(mupdf.FzDevice2) if name.startswith("use_virtual_")}
            taken = {name for name in calls if getattr(device.m_internal, name, None) is not None}
            known = taken - {"close_device", "drop_device"} == set(visibility.FORWARDED)
        except Exception:
            known = False
        _ONE_PASS[flags] = known
    return known


def _links(pdf, page, number: int, problems: List, own: Optional[_PageObject] = None):
    """The page's links to outside the document (web addresses, files), as `Link`s: the link chain
    MuPDF builds is walked and only each link's target string and box are read. Internal
    cross-references carry no identity and are skipped unread (PyMuPDF's `get_links()` would resolve
    each one's target page and position, the most costly part of reading a reference list)."""
    n = _annot_count(pdf, page, own)
    if n > limits.MAX_ANNOTS_PER_PAGE:
        problems.append(damage.Problem(number, "error", "limit", f"its {n:,} annotations were not read "
                                       f"(more than {limits.MAX_ANNOTS_PER_PAGE:,} per page)"))
        return
    import pymupdf

    mupdf, extra = pymupdf.mupdf, pymupdf.extra
    link = mupdf.fz_load_links(page.this)
    while link.m_internal:
        if extra.Link_is_external(link):  # a scheme ("https:", "file:", "mailto:", ...); the rest is internal
            kind, target = _external_target(extra.link_uri(link))
            if target:
                r = link.rect()
                yield Link(bbox=(r.x0, r.y0, r.x1, r.y1), uri=limits.clean_text(target, limits.MAX_TOKEN_CHARS),
                           kind=kind)
        link = link.next()


def _external_target(uri: str) -> Tuple[str, str]:
    """(kind, target) of an external link's URI, as PyMuPDF's link dictionaries give them: a
    "file:" URI is a launch of that file, or a remote go-to when it names a page ("file:x.pdf#page=3");
    any other is a "uri" (the target as written)."""
    if not uri.startswith("file:"):
        return "uri", uri
    spec = uri[5:]
    if spec.startswith("//"):
        spec = spec[2:]
    parts = spec.split("#")
    if len(parts) == 2 and parts[1].startswith("page="):
        int(parts[1].split("&")[0][5:])  # as PyMuPDF: a page that is not a number fails the page's links
        return "remote", parts[0].replace("\\", "/")
    return "launch", spec.replace("\\", "/")


def _annot_count(pdf, page, own: Optional[_PageObject] = None) -> int:
    """How many entries the page's /Annots array holds, without loading them."""
    if own is not None and own.obj is not None:
        try:  # none, or an array of references: one `n 0 R` each printed
            annots = own.get("Annots")
            if annots is None:
                return 0
            if own.m.ll_pdf_is_array(annots) and own.all_references(annots):
                return own.m.ll_pdf_array_len(annots)
        except Exception:
            pass
    try:
        kind, value = pdf.xref_get_key(page.xref if own is None else own.xref, "Annots")
        if kind == "xref":
            value = pdf.xref_object(int(value.split()[0]), compressed=True)
        elif kind != "array":
            return 0
        return value.count(" R") + value.count("<<")
    except Exception:
        return 0


def _fonts(pdf, page, number: int, problems: List, extras: "_Extras", entries=None):
    """The page's fonts (`entries`: its `get_fonts(full=True)`, when already read)."""
    seen = set()
    for entry in entries if entries is not None else page.get_fonts(full=True):
        xref, ext, ftype, basefont = entry[0], entry[1], entry[2], entry[3]
        referencer = entry[6] if len(entry) > 6 else 0
        key = (xref, bool(referencer))
        if key in seen:
            continue
        seen.add(key)
        if len(seen) > limits.MAX_FONTS_PER_PAGE:
            problems.append(damage.Problem(number, "warning", "limit", f"only the first {limits.MAX_FONTS_PER_PAGE:,} "
                                           "fonts of the page were read"))
            return
        extras.font(xref, basefont)
        entry_key = (basefont, ftype, ext, key[1])
        ref = _FONT_ENTRIES.get(entry_key)
        if ref is None:
            basefont = limits.clean_text(basefont, 200)
            ftype, ext = limits.clean_text(ftype, 40), limits.clean_text(ext, 40)
            ref = FontRef(
                name=strip_subset(basefont),
                basefont=basefont,
                type=ftype,
                embedded=ext not in ("n/a", ""),
                in_figure=key[1],
            )
            ref = _FONT_ENTRIES[entry_key] = _FONT_REFS.setdefault(ref, ref)
        yield ref  # one object per distinct font of the file, not per page


#: the FontRef objects of the file being read (equal ones shared between its pages)
_FONT_REFS: Dict[FontRef, FontRef] = {}
#: the file being read's FontRef of each font entry (name, type, extension, in a figure) as
#: `get_fonts` gives it: one made per distinct entry, not per page (the same object as `_FONT_REFS`)
_FONT_ENTRIES: Dict[Tuple[str, str, str, bool], FontRef] = {}
