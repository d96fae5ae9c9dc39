"""The document model: one PyMuPDF pass over a PDF, frozen into plain immutable objects.

Every check reads only this model. `load(path)` is the single place that opens a PDF; it never
follows links, runs JavaScript, opens attachments or fetches anything the PDF points to.

Text is rebuilt by position, not by font run: MuPDF's lines are merged into visual lines by
baseline, and words are cut at white space or at a real gap between glyphs, so ICLR's small-caps
headings ("R" at 11.96 pt + "EFERENCES" at 9.56 pt) come out as one word, "REFERENCES".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from scope_check.model import damage
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
    """The file cannot be checked at all; `code` is FILE001, FILE002 or FILE003."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
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
            return _new_line(text, bbox, baseline, spans, horizontal, size, size)
        weight: Dict[float, int] = {}
        for s in spans:
            n = len(s.text) - s.text.count(" ")
            if n:
                weight[s.size] = weight.get(s.size, 0) + n
        size = max(weight, key=weight.__getitem__) if weight else 0.0
        return _new_line(text, bbox, baseline, spans, horizontal, size, max(weight, default=0.0))

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
            if prev is not None and not pending_text == "" and _gap(prev, s):
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


def _new_span(text, bbox, font, size, color, flags, alpha, render, _set=_SPAN_SET) -> Span:
    """Span(...) with its slots set directly: the same frozen object, built without the generated
    __init__ of a frozen class (an object.__setattr__ call per field: 3 to 4 times slower). The
    loader builds one per span of every page."""
    o = _NEW(Span)
    _set[0](o, text)
    _set[1](o, bbox)
    _set[2](o, font)
    _set[3](o, size)
    _set[4](o, color)
    _set[5](o, flags)
    _set[6](o, alpha)
    _set[7](o, render)
    return o


def _new_line(text, bbox, baseline, spans, horizontal, size, max_size, _set=_LINE_SET) -> Line:
    """Line(...) with its slots set directly (see `_new_span`)."""
    o = _NEW(Line)
    _set[0](o, text)
    _set[1](o, bbox)
    _set[2](o, baseline)
    _set[3](o, spans)
    _set[4](o, horizontal)
    _set[5](o, size)
    _set[6](o, max_size)
    return o


def _gap(a: Span, b: Span) -> bool:
    """Is there a word break between two consecutive spans of a line?"""
    if a.text[-1:].isspace() or b.text[:1].isspace():
        return True
    return b.bbox[0] - a.bbox[2] > WORD_GAP_EM * min(a.size, b.size)


@dataclass(frozen=True, slots=True)
class Ink:
    """A non-text marking operation: `kind` is MuPDF's (fill-path, stroke-path, fill-image,
    fill-imgmask, clip-path, ...)."""

    kind: str
    bbox: BBox


@dataclass(frozen=True, slots=True)
class Link:
    bbox: BBox
    uri: str  # the target as written; never opened
    kind: str  # "uri", "launch", "remote", "named"


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
    _derived: Dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def derived(self, key, compute):
        """Memoise a value computed from this document (the model itself never changes)."""
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]


def strip_subset(name: str) -> str:
    """'ABCDEF+NimbusRomNo9L-Regu' -> 'NimbusRomNo9L-Regu'."""
    if len(name) > 7 and name[6] == "+" and name[:6].isalpha() and name[:6].isupper():
        return name[7:]
    return name


def _sniffed(size: int, head: bytes) -> int:
    if size == 0:
        raise UnreadablePdf("FILE001", "the file is empty (0 bytes)")
    if b"%PDF-" not in head:
        raise UnreadablePdf("FILE001", f"not a PDF: {describe_magic(head)}")
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


def load(path: str) -> Document:
    """Parse `path` once. Raises UnreadablePdf for FILE001 to FILE003, TooLarge for a file over
    limits.MAX_READ_BYTES, ResourceLimit when memory runs out. Damage and caps met on the way are
    kept as `Document.problems` (reported by FILE002)."""
    try:
        size = limits.inspect(path).size
    except limits.InputError as exc:
        raise UnreadablePdf(exc.code, exc.message) from None
    if size > limits.MAX_READ_BYTES:
        raise TooLarge(size)
    try:
        with limits.opened(path) as fh:
            return _load_open(path, fh)
    except limits.InputError as exc:
        raise UnreadablePdf(exc.code, exc.message) from None
    except MemoryError:
        raise ResourceLimit("memory ran out while reading the PDF") from None


def _load_open(path: str, fh) -> Document:
    if fh.size > limits.MAX_READ_BYTES:  # grown since `stat`
        raise TooLarge(fh.size)
    size = _sniffed(fh.size, fh.read_at(0, MAGIC_WINDOW))
    import pymupdf  # imported here so that the command line starts fast

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    damage.take_warnings(pymupdf)  # this file's warnings only
    try:
        pdf = pymupdf.open(fh.mupdf_path(), filetype="pdf")
    except Exception as exc:  # MuPDF raises several types for damaged files
        _memory(exc)
        raise UnreadablePdf("FILE002", f"the PDF cannot be parsed: {_clean(exc)}") from None
    problems: List[damage.Problem] = []
    try:
        try:
            if pdf.needs_pass:
                raise UnreadablePdf("FILE003", "the PDF is encrypted and needs a password to open")
            if pdf.is_repaired and b"%%EOF" not in fh.read_at(max(0, fh.size - TAIL_WINDOW), TAIL_WINDOW):
                # MuPDF rebuilds what it can find: a cut-off file may still show every page, blank
                raise UnreadablePdf("FILE002", "the PDF is truncated: it stops before its end-of-file marker "
                                               "(%%EOF) and cross-reference table (an interrupted upload or copy?)")
            count = pdf.page_count
            damage.take_warnings(pymupdf)  # opening a repaired file warns; FILE002 says so already
            if count <= 0:
                raise UnreadablePdf("FILE002", "the PDF has no pages")
            metadata = {k: limits.clean_text(v or "", limits.MAX_METADATA_CHARS)
                        for k, v in (pdf.metadata or {}).items() if k != "encryption"}
            xmp = limits.clean_text(pdf.get_xml_metadata() or "", limits.MAX_XMP_CHARS)
            made_by = (metadata.get("producer", "") + " " + metadata.get("creator", "")).lower()
            figures = _figure_metadata(pdf) if "tex" in made_by else ()  # PTEX.InfoDict: pdfTeX and LuaTeX
            problems.extend(damage.classify(None, damage.take_warnings(pymupdf)))
        except UnreadablePdf:
            raise
        except Exception as exc:
            _memory(exc)
            raise UnreadablePdf("FILE002", f"the PDF is damaged: {_clean(exc)}") from None
        pages = _pages(pymupdf, pdf, count, problems)
        repaired = bool(pdf.is_repaired)
    finally:
        pdf.close()
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
    )


def _memory(exc: Exception) -> None:
    """MuPDF's own allocation failures surface as RuntimeError("... malloc ... failed")."""
    text = str(exc).lower()
    if isinstance(exc, MemoryError) or "out of memory" in text or ("malloc" in text and "fail" in text):
        raise ResourceLimit(f"memory ran out while reading the PDF: {_clean(exc)}") from None


def _pages(pymupdf, pdf, count: int, problems: List) -> Tuple[Page, ...]:
    """Every page (up to limits.MAX_PAGES), each read on its own: a page that raises or breaks a
    cap is kept empty and recorded, and the others are read as usual."""
    analysed = min(count, limits.MAX_PAGES)
    if count > analysed:
        problems.append(damage.Problem(None, "warning", "limit", f"{count:,} pages: only the first "
                                       f"{analysed:,} are analysed (page counts use all {count:,})"))
    budget = [limits.MAX_OBJECTS_PER_FILE]
    _FONT_REFS.clear()
    out: List[Page] = []
    from scope_check.model import packed_pages  # a long document keeps its pages' text packed (flat memory)

    decoded = packed_pages.new_cache() if packed_pages.packs(analysed) else None
    unpacked_spans = 0  # spans held by the plain pages so far (packing starts when they pass the limit)
    size = (612.0, 792.0)
    for i in range(analysed):
        number = i + 1
        if budget[0] <= 0:
            problems.append(damage.Problem(number, "error", "limit", f"not analysed: the file holds more than "
                                           f"{limits.MAX_OBJECTS_PER_FILE:,} objects"))
            out.append(_empty(number, size))
            continue
        try:
            page = pdf[i]
            page_problems: List[damage.Problem] = []
            item = _page(pymupdf, pdf, page, number, page_problems, budget)
            size = (item.width, item.height)
        except MemoryError:
            raise
        except Exception as exc:
            _memory(exc)
            page_problems = [damage.Problem(number, "error", "damaged", f"could not be read: {_clean(exc)}")]
            item = _empty(number, size)
        page_problems.extend(damage.classify(number, damage.take_warnings(pymupdf)))
        problems.extend(page_problems)
        if decoded is not None and unpacked_spans <= limits.PACK_SPANS_OVER:
            unpacked_spans += packed_pages.spans(item)
            if unpacked_spans > limits.PACK_SPANS_OVER:  # from now on packed, and the pages before
                out = [packed_pages.pack(p, decoded) for p in out]
        out.append(item if decoded is None or unpacked_spans <= limits.PACK_SPANS_OVER
                   else packed_pages.pack(item, decoded))
    for number in range(analysed + 1, count + 1):  # counted, not analysed
        out.append(_empty(number, size))
    _FONT_REFS.clear()
    return tuple(out)


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


def _page(pymupdf, pdf, page, number: int, problems: List, budget: List[int]) -> Page:
    too_much = _precheck(pdf, page, number)
    if too_much:
        problems.append(damage.Problem(number, "error", "limit", f"not analysed: {too_much}"))
        return _empty(number, _size(page))
    _check_boxes(pdf, page, number, problems)
    from scope_check.model import visibility  # the ink pass also records text objects in drawing order (TEXT001)

    device = visibility.text_ink_device()
    flags = (pymupdf.TEXTFLAGS_DICT | pymupdf.TEXT_MEDIABOX_CLIP) & ~(
        pymupdf.TEXT_PRESERVE_IMAGES | pymupdf.TEXT_PRESERVE_LIGATURES
    )
    ink, counts, raw = _read_page(page, device, flags)
    if counts["aborted"]:
        problems.append(damage.Problem(number, "error", "limit", f"not analysed: {counts['aborted']}"))
        return _empty(number, _size(page))
    pieces = []
    rotated = []
    every_span = []  # for the integrity facts
    coords: Dict[float, float] = {}
    for block in raw["blocks"]:
        for line in block.get("lines", ()):
            spans = [_span(s, coords) for s in line["spans"] if s["text"]]
            every_span.extend(spans)
            if not spans or not any(s.text.strip() for s in spans):
                continue
            dx, dy = line["dir"]
            if abs(dy) > 1e-3 or dx <= 0:
                rotated.append(_rotated_line(spans, line["bbox"]))
                continue
            baseline = line["spans"][0]["origin"][1]
            size = max(s.size for s in spans)
            pieces.append((baseline, spans[0].bbox[0], max(s.bbox[2] for s in spans), size, spans))
    del raw
    links = tuple(_links(pdf, page, number, problems))
    fonts = tuple(_fonts(pdf, page, number, problems))
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
    seen, offpage, painted = visibility.facts(pymupdf, page, every_span, device, rect.width, rect.height)
    # --- end integrity ------------------------------------------------------------------------
    return Page(
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


#: lines shortened by limits.bound_tokens on the page being read
_CUT = [0]


def _size(page) -> Tuple[float, float]:
    try:
        return round(page.rect.width, 2), round(page.rect.height, 2)
    except Exception:
        return 612.0, 792.0


_FONT_ENTRY = re.compile(rb"/[^\s/<>\[\]()]+\s*(?:\d+\s+\d+\s+R|<<)")
_INLINE_IMAGE = re.compile(rb"\bBI\b([^I]{0,600}?)\bID\b")
_DICT_NUMBER = re.compile(rb"/(W|Width|H|Height|BPC|BitsPerComponent)\s+(\d{1,12})")


def _precheck(pdf, page, number: int) -> str:
    """What makes the page too costly to read at all, from its dictionaries and its content
    streams inflated at most MAX_CONTENT_BYTES (no MuPDF run yet): "" when nothing does."""
    try:
        kind, fonts = pdf.xref_get_key(page.xref, "Resources/Font")
        if kind == "xref":
            fonts = pdf.xref_object(int(fonts.split()[0]), compressed=True)
        if kind in ("dict", "xref"):
            n = len(_FONT_ENTRY.findall(fonts.encode("latin-1", "replace")))
            if n > limits.MAX_FONTS_PER_PAGE:
                return f"{n:,} fonts on the page, more than the {limits.MAX_FONTS_PER_PAGE:,} read per page"
    except Exception:
        pass
    try:
        return _precheck_contents(pdf, page)
    except Exception:
        return ""  # unreadable contents: MuPDF's run reports them


def _precheck_contents(pdf, page) -> str:
    total = 0
    text_ops = 0
    for xref in page.get_contents():
        kind, filt = pdf.xref_get_key(xref, "Filter")
        if kind == "null":
            data = pdf.xref_stream_raw(xref) or b""
        elif filt in ("/FlateDecode", "[/FlateDecode]"):
            data = _inflate(pdf.xref_stream_raw(xref) or b"", limits.MAX_CONTENT_BYTES - total + 1)
        else:
            continue  # other filters: MuPDF's run (and its caps) decide
        total += len(data)
        text_ops += data.count(b"Tj") + data.count(b"TJ") + data.count(b"'") + data.count(b'"')
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
    return ""


def _inflate(raw: bytes, at_most: int) -> bytes:
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
    return b"".join(out)


def _check_boxes(pdf, page, number: int, problems: List) -> None:
    """A MediaBox or CropBox that is not four numbers enclosing an area (MuPDF replaces it)."""
    for key in ("MediaBox", "CropBox"):
        try:
            kind, value = pdf.xref_get_key(page.xref, key)
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


#: opacity of each of MuPDF's 256 alpha values (shared float objects: one per value, not per span)
_ALPHA = tuple(a / 255.0 for a in range(256))
#: distinct sizes and render modes kept shared per process, up to this many
_CACHE_MAX = 4096


def _span(s, coords: Optional[Dict[float, float]] = None, _fonts: Dict[str, str] = {},  # noqa: B006 - caches
          _sizes: Dict[float, float] = {}, _renders: Dict[Tuple[int, float], str] = {}) -> Span:  # noqa: B006
    """The model's span for one of MuPDF's; `coords` (one per page) shares equal coordinates between
    the spans of the page (the left edge of every line, the top and bottom of the spans of a line)."""
    font = s["font"]
    name = _fonts.get(font)
    if name is None:
        name = strip_subset(font)
        if len(_fonts) < _CACHE_MAX:
            _fonts[font] = name
    raw_size = s["size"]
    size = _sizes.get(raw_size)
    if size is None:
        size = round(raw_size, 2)
        if size <= 0 < raw_size:
            size = 0.01  # a 0.001 pt span is tiny, not of size zero (sizes are divided by)
        if len(_sizes) < _CACHE_MAX:
            _sizes[raw_size] = size
    text = s["text"]
    if len(text) > limits.MAX_LINE_CHARS or "\x00" in text or (not text.isascii() and _HAS_SURROGATE(text)):
        text = limits.clean_text(text, limits.MAX_LINE_CHARS)
    a = s.get("alpha", 255)
    alpha = _ALPHA[a] if a.__class__ is int and 0 <= a <= 255 else a / 255.0
    char_flags = s.get("char_flags", 16)
    key = (char_flags, alpha)
    render = _renders.get(key)
    if render is None:
        render = _render_mode(char_flags, alpha)
        if len(_renders) < _CACHE_MAX:
            _renders[key] = render
    b = s["bbox"]
    if coords is not None and len(b) == 4:
        g = coords.setdefault  # zeros are kept as they are (0.0 and -0.0 are equal keys)
        bbox = (g(b[0], b[0]) if b[0] else b[0], g(b[1], b[1]) if b[1] else b[1],
                g(b[2], b[2]) if b[2] else b[2], g(b[3], b[3]) if b[3] else b[3])
    else:
        bbox = tuple(b)
    return _new_span(text, bbox, name, size, s["color"], s["flags"], alpha, render)


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
    pieces.sort(key=lambda p: p[0])
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
        cluster.sort(key=lambda p: p[1])
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
    return False


def _make_line(group) -> Line:
    if len(group) == 1:  # most lines: one MuPDF line, spans already in order
        main = group[0]
        spans = main[4]
    else:
        # the baseline of the piece with the most characters (not a superscript)
        main = max(group, key=lambda p: sum(len(s.text) for s in p[4]))
        spans = sorted((s for p in group for s in p[4]), key=lambda s: s.bbox[0])
    parts = [spans[0].text]
    for a, b in zip(spans, spans[1:]):
        if _gap(a, b):
            parts.append(" ")
        parts.append(b.text)
    if len(spans) == 1:
        box = spans[0].bbox  # the line's box is its span's: one tuple for both
    else:
        boxes = [s.bbox for s in spans]
        box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    joined = "".join(parts)
    text = " ".join(joined.split())
    if text == joined:
        text = joined  # one string for the line and its span when they read the same
    if len(text) > limits.MAX_TOKEN_CHARS:
        text, cut = limits.bound_tokens(text)
        _CUT[0] += cut
    return Line.build(text, box, main[0], spans if spans.__class__ is tuple else tuple(spans))


def _rotated_line(spans, bbox) -> Line:
    text = " ".join("".join(s.text for s in spans).split())
    if len(text) > limits.MAX_TOKEN_CHARS:
        text, cut = limits.bound_tokens(text)
        _CUT[0] += cut
    return Line.build(text=text, bbox=tuple(bbox), baseline=bbox[3], spans=tuple(spans), horizontal=False)


def _ink(page, device=None):
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
    device = device if device is not None else _ink_device_class()()
    try:
        mupdf = _mupdf()
        try:
            mupdf.fz_run_page_contents(page.this, device, mupdf.FzMatrix(), device.cookie)
            mupdf.fz_close_device(device)
        except Exception:
            if not device.aborted:
                raise
    finally:
        if rotation:
            page.set_rotation(rotation)
    # a box with no extent either way (a point) marks nothing
    ink = tuple([Ink(kind, b) for kind, b in device.out if b[2] - b[0] > 0 or b[3] - b[1] > 0])
    return ink, {"aborted": device.aborted}


def _read_page(page, device, flags: int):
    """The ink pass (`_ink`, with `device`) and the text of the page (`page.get_text("dict",
    flags=flags)`). Returns (ink, counts, raw dict); raw is None when the ink pass stopped at the
    page's cap (the text is not read then).

    The page is interpreted twice (once per pass). Recording it once as a MuPDF display list and
    replaying that for both was measured and not kept: a display list drops text objects with an
    empty box (the separate blank text objects some producers write between words), so the text
    extracted from it differs from `get_text`'s (missing blanks, synthetic spaces), and an
    unbounded recording would precede the operation cap on hostile pages."""
    ink, counts = _ink(page, device)
    if counts["aborted"]:
        return ink, counts, None
    return ink, counts, page.get_text("dict", flags=flags)


def _mupdf():
    import pymupdf

    return pymupdf.mupdf


_INK_DEVICE = None
_INFINITE = float("inf")


def rect_reader():
    """A function returning (x0, y0, x1, y1) of a MuPDF `fz_rect` from the low-level binding.

    The binding reads each coordinate through its own accessor (about 0.8 us each, more than
    MuPDF takes to bound a path); an `fz_rect` is four C floats, so the four are read in one go
    from the structure's memory. The layout is checked once against the accessors: where it
    differs, the accessors are used."""
    import ctypes
    import struct

    mupdf = _mupdf()
    low = mupdf._mupdf
    at, unpack = ctypes.string_at, struct.Struct("=4f").unpack

    def fast(r):
        return unpack(at(int(r.this), 16))

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
_NO_CLIP = (-_INFINITE, -_INFINITE, _INFINITE, _INFINITE)


def _ink_device_class():
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
    mupdf = _mupdf()
    low = mupdf._mupdf  # the compiled functions the `mupdf` module wraps in Python functions
    unit = mupdf.fz_unit_rect
    bound_path, bound_shade, bound_text = low.ll_fz_bound_path, low.ll_fz_bound_shade, low.ll_fz_bound_text
    transform_rect = low.ll_fz_transform_rect
    coords = rect_reader()
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
            self.clips = []  # the visible area under each open clip
            self.hidden = 0  # inside a soft mask's definition or a pattern tile
            for name in self._CALLBACKS:
                getattr(self, "use_virtual_" + name)()

        def _over(self) -> bool:
            """Past the page's cap: stop MuPDF's run and every further call of this device."""
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

        def fill_text(self, ctx, *rest):  # text is read by get_text; only counted here
            self.operations += 1
            if self.operations > _MAX_OPERATIONS:
                self._over()

        stroke_text = ignore_text = fill_text

        def _keep(self, kind, r):
            """Keep MuPDF rect `r` as ink of `kind`, cut to the clip in force."""
            x0, y0, x1, y1 = coords(r)
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

        def fill_path(self, ctx, path, even_odd, ctm, *rest):
            self.operations += 1
            if self.operations > _MAX_OPERATIONS and self._over() or self.hidden:
                return
            try:
                self._keep("fill-path", bound_path(path, None, ctm))
            except Exception:
                pass

        def stroke_path(self, ctx, path, stroke, ctm, *rest):  # the commonest: `_keep` written out
            self.operations += 1
            if self.operations > _MAX_OPERATIONS and self._over() or self.hidden:
                return
            try:
                x0, y0, x1, y1 = coords(bound_path(path, stroke, ctm))
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
                self.out.append(("stroke-path", (x0, y0, x1, y1)))

        def fill_shade(self, ctx, shade, ctm, *rest):
            self.operations += 1
            if self.operations > _MAX_OPERATIONS and self._over() or self.hidden:
                return
            try:
                self._keep("fill-shade", bound_shade(shade, ctm))
            except Exception:
                pass

        def fill_image(self, ctx, image, ctm, *rest):
            self.operations += 1
            if self.operations > _MAX_OPERATIONS and self._over() or self.hidden:
                return
            try:
                self._keep("fill-image", transform_rect(unit, ctm))
            except Exception:
                pass

        def fill_image_mask(self, ctx, image, ctm, *rest):
            self.operations += 1
            if self.operations > _MAX_OPERATIONS and self._over() or self.hidden:
                return
            try:
                self._keep("fill-imgmask", transform_rect(unit, ctm))
            except Exception:
                pass

        def _push(self, r):
            """Open a clip of MuPDF rect `r` (None: unknown, the whole plane) inside the clip in force."""
            try:
                box = coords(r) if r is not None else _NO_CLIP
            except Exception:
                box = _NO_CLIP
            clips = self.clips
            if clips:
                c = clips[-1]
                box = (max(box[0], c[0]), max(box[1], c[1]), min(box[2], c[2]), min(box[3], c[3]))
            clips.append(box)

        def clip_path(self, ctx, path, even_odd, ctm, *rest):
            try:
                r = bound_path(path, None, ctm)
            except Exception:
                r = None
            self._push(r)

        def clip_stroke_path(self, ctx, path, stroke, ctm, *rest):
            try:
                r = bound_path(path, stroke, ctm)
            except Exception:
                r = None
            self._push(r)

        def clip_text(self, ctx, text, ctm, *rest):
            try:
                r = bound_text(text, None, ctm)
            except Exception:
                r = None
            self._push(r)

        def clip_stroke_text(self, ctx, text, stroke, ctm, *rest):
            try:
                r = bound_text(text, stroke, ctm)
            except Exception:
                r = None
            self._push(r)

        def clip_image_mask(self, ctx, image, ctm, *rest):
            try:
                r = transform_rect(unit, ctm)
            except Exception:
                r = None
            self._push(r)

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


def _links(pdf, page, number: int, problems: List):
    """The page's links to outside the document (web addresses, files), as `Link`s: the link chain
    MuPDF builds is walked and only each link's target string and box are read. Internal
    cross-references carry no identity and are skipped unread (PyMuPDF's `get_links()` would resolve
    each one's target page and position, the most costly part of reading a reference list)."""
    n = _annot_count(pdf, page)
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


def _annot_count(pdf, page) -> int:
    """How many entries the page's /Annots array holds, without loading them."""
    try:
        kind, value = pdf.xref_get_key(page.xref, "Annots")
        if kind == "xref":
            value = pdf.xref_object(int(value.split()[0]), compressed=True)
        elif kind != "array":
            return 0
        return value.count(" R") + value.count("<<")
    except Exception:
        return 0


def _fonts(pdf, page, number: int, problems: List):
    seen = set()
    for entry in page.get_fonts(full=True):
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
        basefont = limits.clean_text(basefont, 200)
        ftype, ext = limits.clean_text(ftype, 40), limits.clean_text(ext, 40)
        ref = FontRef(
            name=strip_subset(basefont),
            basefont=basefont,
            type=ftype,
            embedded=ext not in ("n/a", ""),
            in_figure=bool(referencer),
        )
        yield _FONT_REFS.setdefault(ref, ref)  # one object per distinct font of the file, not per page


#: the FontRef objects of the file being read (equal ones shared between its pages)
_FONT_REFS: Dict[FontRef, FontRef] = {}
