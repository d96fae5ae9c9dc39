"""Bounds on what one file may cost: how much of a PDF is read and analysed, and how a path is
opened. A hostile file (a few kB that inflate to gigabytes, millions of objects on a page, a FIFO
named paper.pdf) must end in a verdict in bounded time and memory, like any other file.

Every cap here is far above what a real paper needs (the largest values measured on the corpus
and the fixtures are noted beside each); when one is hit, the loader records it and the FILE002
check reports it: an *error* when part of a page was not analysed (the verdict cannot be trusted),
a *warning* when only something harmless was shortened.

What is read before anything else: `stat` (the size, the kind of file), then the first KB.
A directory, FIFO, socket or device is never opened for reading. A file larger than
MAX_READ_BYTES is never opened at all: FILE004 is decided from `stat` alone and its sha256 is not
computed (`null` in the report). Any other file is hashed in a streamed pass (1 MB at a time).
"""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass
from typing import Optional, Tuple

from scope_check.safety.safe_patterns import lazy

#: a file larger than this is never opened, parsed or hashed (the SCOPE limit is 50 MB)
MAX_READ_BYTES = 256 * 1024 * 1024
#: pages analysed per file (papers have < 100; a generated 10,000-page paper is analysed whole, in
#: about 4 to 5 minutes and 142 MiB: the command's default 60 s time limit stops it first, see README
#: "Performance")
MAX_PAGES = 10_000
#: a document of more pages than this keeps each page's text (lines, spans, visibility facts), ink
#: and links packed, one compressed block per page decoded when a check reads it, so that memory stays flat
#: at any length (scope_check/packed_pages.py `PackedPage`); papers and the corpus have fewer
#: pages and keep every page decoded
PACK_PAGES_OVER = 100
#: ... once its pages so far hold more text spans, ink marks and links than this (about 250 to 300
#: bytes each as objects: 3 MB; `packed_pages.spans`);
#: the pages read before are packed then. A long document of little text (2,000 pages of a line
#: each, the fixture files/many_pages.pdf: 6,000 spans, 1.4 MB in all) is not packed: packing would
#: save it nothing and cost every check's pass a decoding of each page
PACK_SPANS_OVER = 10_000
#: decoded pages of a packed document kept at once (the most recently read)
PACKED_PAGES_DECODED = 16
#: objects (text spans, drawings, images, links) analysed per file, over all its pages
MAX_OBJECTS_PER_FILE = 1_000_000
#: drawing operations one page may run (corpus maximum: 17,221 on a plot page); a page of 100,000
#: margin dots is analysed (benchmarks/bench.py), one at the cap checks in about 4 s and 170 MB
MAX_OPERATIONS_PER_PAGE = 150_000
#: visual lines analysed per page (a dense page: about 150, a small-print table: 400)
MAX_LINES_PER_PAGE = 2000
#: bytes one page's content streams may inflate to (corpus maximum: under 1 MB)
MAX_CONTENT_BYTES = 8 * 1024 * 1024
#: text-showing operators (Tj, TJ, ', ") in one page's content streams (corpus maximum: 738; a
#: generated page of 100,000 tiny spans is analysed in about 5 s)
MAX_TEXT_OPERATORS_PER_PAGE = 200_000
#: pixels one inline image may declare (MuPDF decodes inline images whole)
MAX_INLINE_IMAGE_BYTES = 64 * 1024 * 1024
#: link annotations read per page (a reference list: about 100)
MAX_ANNOTS_PER_PAGE = 1000
#: font resources per page (a page with figures: about 40)
MAX_FONTS_PER_PAGE = 500
#: characters kept of one visual line and of one token in it (a URL: a few hundred)
MAX_LINE_CHARS = 20_000
MAX_TOKEN_CHARS = 1000
#: characters kept of a metadata value and of the XMP packet (real packets: under 20 kB)
MAX_METADATA_CHARS = 10_000
MAX_XMP_CHARS = 256 * 1024


#: suffixes read as archives, longest first (told from the name alone, so a plain check of a PDF
#: never imports the archive reader)
ARCHIVE_SUFFIXES = (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tbz2", ".txz", ".tar", ".zip")


def is_archive(path) -> bool:
    return str(path).lower().endswith(ARCHIVE_SUFFIXES)


class InputError(Exception):
    """The path cannot be checked as a PDF: `kind` is `not-a-pdf` (a directory, a device, a FIFO) or
    `unreadable` (missing, no permission), `message` says why."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True)
class Input:
    size: int
    kind: str  # "file"


def inspect(path: str) -> Input:
    """What `path` is, from `stat` alone (nothing is opened): a regular file's size, or InputError."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise InputError("unreadable", "cannot read the file: a symbolic link to a file that does not exist") from None
        raise InputError("unreadable", "cannot read the file: no such file") from None
    except OSError as exc:
        raise InputError("unreadable", f"cannot read the file: {exc.strerror or exc}") from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise InputError("not-a-pdf", "not a PDF: a directory")
    if not stat.S_ISREG(mode):
        what = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "a character device" if stat.S_ISCHR(mode) else "a block device" if stat.S_ISBLK(mode)
                else "not a regular file")
        raise InputError("not-a-pdf", f"not a PDF: {what}, not opened")
    return Input(size=st.st_size, kind="file")


#: the interpreter's own SHA-256 (3.12+: _sha2, 3.11: _sha256), or None. `hashlib`'s, OpenSSL's, is
#: about five times faster (1.5 GB/s against 0.3 on the 2-core computer) but loading OpenSSL costs
#: a fresh process about 2 ms, which that speed wins back only on a file of about 0.8 MB: a file up
#: to OWN_SHA256_BYTES is hashed with the interpreter's own when OpenSSL is not loaded yet
try:
    from _sha2 import sha256 as _OWN_SHA256  # type: ignore[import-not-found]
except ImportError:
    try:
        from _sha256 import sha256 as _OWN_SHA256  # type: ignore[import-not-found,no-redef]
    except ImportError:
        _OWN_SHA256 = None
OWN_SHA256_BYTES = 768 * 1024


class opened:
    """A regular file opened read-only without blocking, re-checked with `fstat` (the path may have
    changed since `inspect`), with a path MuPDF can open whatever the name's encoding."""

    def __init__(self, path: str):
        self.path = path
        self.fd: Optional[int] = None

    def __enter__(self) -> "opened":
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        try:
            self.fd = os.open(os.fsencode(self.path), flags)
        except OSError as exc:
            raise InputError("unreadable", f"cannot read the file: {exc.strerror or exc}") from None
        st = os.fstat(self.fd)
        if not stat.S_ISREG(st.st_mode):
            self.close()
            raise InputError("not-a-pdf", "not a PDF: not a regular file, not read")
        self.size = st.st_size
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def read_at(self, offset: int, n: int) -> bytes:
        return os.pread(self.fd, n, offset)

    def mupdf_path(self) -> str:
        """A name MuPDF can open: the file's own descriptor (no second lookup of a name that may not
        be valid UTF-8, and the file `fstat` checked), else the name itself."""
        for alias in (f"/proc/self/fd/{self.fd}", f"/dev/fd/{self.fd}"):  # Linux, then macOS and BSD
            if os.path.exists(alias):
                return alias
        return self.path

    def sha256(self) -> str:
        if _OWN_SHA256 is not None and self.size <= OWN_SHA256_BYTES and "_hashlib" not in sys.modules:
            digest = _OWN_SHA256()  # the same digest, without loading OpenSSL (see OWN_SHA256_BYTES)
        else:
            import hashlib

            digest = hashlib.sha256()
        offset = 0
        while True:
            chunk = os.pread(self.fd, 1 << 20, offset)
            if not chunk:
                break
            digest.update(chunk)
            offset += len(chunk)
        return digest.hexdigest()


_SURROGATE = lazy("[\ud800-\udfff]")


def clean_text(text: str, limit: Optional[int] = None) -> str:
    """Text that encodes as UTF-8 whatever the PDF held: a byte that was not UTF-8 (kept by MuPDF as
    a surrogate escape) becomes the visible escape `\\xHH`, any other lone surrogate `\\udXXX`, NUL
    `\\x00` (lossless: the original can be read back); cut to `limit` characters."""
    if not isinstance(text, str):
        text = str(text)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "\u2026"
    if _SURROGATE.search(text):
        text = _SURROGATE.sub(_escape_surrogate, text)
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
    return text


def _escape_surrogate(m: "re.Match") -> str:
    code = ord(m.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return "\\x%02x" % (code - 0xDC00)
    return "\\u%04x" % code


def display_path(path: str) -> str:
    """A file name for the report: valid UTF-8 whatever the name's bytes, each byte that is not
    UTF-8 shown as `\\xHH` (lossless: `os.fsencode` of the original gives the same bytes)."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")


def bound_tokens(text: str) -> Tuple[str, bool]:
    """`text` with every run of non-space characters cut to MAX_TOKEN_CHARS and the whole to
    MAX_LINE_CHARS; whether anything was cut. Regular expressions then see bounded tokens."""
    cut = False
    if len(text) > MAX_LINE_CHARS:
        text, cut = text[:MAX_LINE_CHARS], True
    if len(text) > MAX_TOKEN_CHARS and any(len(t) > MAX_TOKEN_CHARS for t in text.split()):
        text = " ".join(t[:MAX_TOKEN_CHARS] for t in text.split())
        cut = True
    return text, cut
