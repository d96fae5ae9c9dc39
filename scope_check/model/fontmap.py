"""Fonts whose text extracts as other letters than their glyphs show (TEXT003), read in the
loader's pass from each simple font's own dictionaries.

A simple font (Type 1, TrueType, Type 3) that re-encodes its glyphs names each code's glyph in its
/Encoding /Differences ("/a", "/B", "/uni00E9"), and its /ToUnicode map says what each code
extracts as. A producer writes the second from the first (pdfTeX's `\\pdfgentounicode`), so they
agree; a font whose glyph named "a" extracts as "x" was remapped on purpose: the published
obfuscation attack on LLM pipelines (`\\pdfglyphtounicode{a}{0078}`), which shows one text and
hands programs another. Only letters and digits are compared (a glyph name's Unicode value by the
Adobe Glyph List, MuPDF's table), each folded to its base letter and case (small capitals, old-style
figures, italic mathematical letters extract as their letters); a ligature or a name the list does
not know is not compared. On the corpora's 189 such fonts (9,835 letters) none disagrees.

Each font is read once per document: a few dictionary lookups, and for a font with both entries its
/Differences array and its /ToUnicode stream (a few kB).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Container, Dict, List, Optional, Tuple

from scope_check.model.document import FontRemap, strip_subset
from scope_check.safety import limits
from scope_check.safety.safe_patterns import lazy

#: at most this many bytes of a /ToUnicode stream are read (a simple font's is a few kB)
MAX_CMAP_BYTES = 256 * 1024
#: at most this many pairs are kept per font (the finding quotes a few)
MAX_PAIRS = 64

_TOKEN = lazy(r"(\d+)|/([^\s/\[\]()<>{}%]*)")
_HEX = lazy(rb"<([0-9A-Fa-f\s]*)>")
_BFCHAR = lazy(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = lazy(rb"beginbfrange(.*?)endbfrange", re.S)
_RANGE = lazy(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f\s]*>|\[[^\]]*\])")
_ESCAPE = lazy(r"#([0-9A-Fa-f]{2})")


def remap(pymupdf, pdf, xref: int, basefont: str, document=None) -> Optional[FontRemap]:
    """The font's letters whose glyph names contradict its /ToUnicode map, or None (no such
    letter, or the font has not both entries).

    Which entries the font has is read with MuPDF's low-level calls (a reference, a dictionary, an
    array written in place: the kinds `Document.xref_get_key` names); only the /Differences array
    is read as PDF text, as `xref_get_key` prints it. `document`: MuPDF's PDF document of `pdf`
    (`pymupdf.mupdf.pdf_document_from_fz_document`), when the caller holds it."""
    m = pymupdf.mupdf
    if document is None:
        document = m.pdf_document_from_fz_document(pdf.this)
    font = m.pdf_load_object(document, xref)
    encoding = m.pdf_dict_gets(font, "Encoding")
    tounicode = m.pdf_dict_gets(font, "ToUnicode")
    if not (encoding.m_internal and tounicode.m_internal and m.pdf_is_indirect(tounicode)):
        return None
    if m.pdf_is_indirect(encoding):
        where, key = m.pdf_to_num(encoding), "Differences"
    elif m.pdf_is_dict(encoding):
        where, key = xref, "Encoding/Differences"
    else:
        return None
    differences = m.pdf_dict_gets(encoding, "Differences")
    if not differences.m_internal or m.pdf_is_indirect(differences) or not m.pdf_is_array(differences):
        return None
    kind, differences = pdf.xref_get_key(where, key)
    if kind != "array":
        return None
    names = _differences(differences)
    if not names:
        return None
    stream = pdf.xref_stream(m.pdf_to_num(tounicode)) or b""
    cmap = _cmap(stream[:MAX_CMAP_BYTES], names)
    glyph_unicode = pymupdf.mupdf.fz_unicode_from_glyph_name
    compared = 0
    pairs: List[Tuple[str, str, str]] = []
    for code, name in names.items():
        got = cmap.get(code)
        if got is None:
            continue
        value = glyph_unicode(name)
        if value <= 0 or value == 0xFFFD or 0xE000 <= value <= 0xF8FF:
            continue  # a name the glyph list does not know, or one it maps to private use
        shows = chr(value)
        if not shows.isalnum():
            continue
        compared += 1
        if _fold(got[:1]) == _fold(shows):
            continue  # the same letter (a ligature or a decomposition extracts as more)
        if len(pairs) < MAX_PAIRS:
            pairs.append((limits.clean_text(name, 40), shows, limits.clean_text(got, 8) or repr(got)))
    if not pairs:
        return None
    return FontRemap(name=strip_subset(basefont), pairs=tuple(pairs), compared=compared)


def _fold(ch: str) -> str:
    return unicodedata.normalize("NFKD", ch)[:1].casefold() if ch else ""


def _differences(text: str) -> Dict[int, str]:
    """code -> glyph name of a /Differences array (`[32/space/exclam 97/a/b]`)."""
    out: Dict[int, str] = {}
    code = None
    for number, name in _TOKEN.findall(text):
        if number:
            code = int(number)
        elif code is not None and 0 <= code < 256:
            out[code] = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), name)
            code += 1
    return out


def _utf16(hexdigits: bytes) -> str:
    try:
        return bytes.fromhex(hexdigits.decode("ascii").replace(" ", "").replace("\n", "")).decode("utf-16-be", "replace")
    except ValueError:
        return ""


def _cmap(data: bytes, wanted: Optional[Container[int]] = None) -> Dict[int, str]:
    """code -> extracted text of a /ToUnicode CMap's bfchar and bfrange entries (one-byte codes);
    `wanted`, when given: only those codes (the /Differences' codes `remap` compares; a range of 256
    codes is not decoded whole for the few of them named)."""
    out: Dict[int, str] = {}
    if wanted is None:
        wanted = range(256)
    for section in _BFCHAR.finditer(data):
        found = _HEX.findall(section.group(1))
        for src, dst in zip(found[0::2], found[1::2]):
            try:
                code = int(src, 16)
            except ValueError:
                continue
            if code < 256 and code in wanted:
                out[code] = _utf16(dst)
    for section in _BFRANGE.finditer(data):
        for m in _RANGE.finditer(section.group(1)):
            lo, hi = int(m.group(1), 16), int(m.group(2), 16)
            if hi < lo or lo > 255:
                continue
            hi = min(hi, 255)
            dst = m.group(3)
            if dst.startswith(b"["):
                for i, item in enumerate(_HEX.findall(dst)[: hi - lo + 1]):
                    if lo + i in wanted:
                        out[lo + i] = _utf16(item)
                continue
            base = bytearray(bytes.fromhex(dst[1:-1].decode("ascii").replace(" ", "").replace("\n", ""))
                             if len(dst) > 2 else b"")
            if len(base) < 2:
                continue
            last = int.from_bytes(base[-2:], "big")
            for i in range(hi - lo + 1):
                if lo + i not in wanted:
                    continue
                base[-2:] = ((last + i) & 0xFFFF).to_bytes(2, "big")
                out[lo + i] = bytes(base).decode("utf-16-be", "replace")
    return out
