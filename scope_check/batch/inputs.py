"""What a batch checks: every entry of its inputs, each one a row.

An INPUT is a folder (walked recursively), an archive (`.zip`, `.tar`, `.tar.gz`, ... read in place
through `scope_check.safety.archive`), a PDF, a text file listing paths (one a line, or NUL-separated as
`find -print0` writes them), or `-` for such a list on standard input.

Odd entries become rows with a clear error instead of being opened: a FIFO, socket or device named
`x.pdf` (never opened, which would block or read a device), a directory named `x.pdf`, a symlink
whose target lies outside the input folder or does not exist, a folder that cannot be listed, an
archive member that must not be read (`../`, absolute path, link, bomb...). A file name that is not
valid UTF-8 is kept losslessly (`raw`: the bytes) and shown with its bad bytes escaped (`\\xe9`).
Hidden entries (`.DS_Store`, `._paper.pdf`, `__MACOSX/`) are skipped and counted, and so are the
files of a folder not named `.pdf` (sources, notes); every member of an archive is a row.

A supplementary archive beside a paper (`123.pdf` and `123_supplementary.zip`) is attached to the
paper's row instead of becoming a row of its own.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from scope_check.safety import archive

#: what a submission id looks like in a file name: Submission123.pdf, 123.pdf, paper_123.pdf
_ID_RE = re.compile(r"^(?:submission|paper|sub|id)?[\s_#-]*0*(\d+)$", re.IGNORECASE)
#: a supplementary archive named after its paper: 123_supplementary.zip, paper12-supplement.tar.gz
# bounded (a file name is at most 255 bytes): linear on any string
_SUPP_RE = re.compile(r"^(?P<base>.{1,255}?)[\s_.-]{1,16}(?:supp|supplement|supplementary|supplemental)(?:[\s_.-].*)?$",
                      re.IGNORECASE)


def escaped(text: str) -> str:
    """A path for people: bytes that are not UTF-8 (kept as surrogates) shown as `\\xNN`."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def raw_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def submission_id(name: str) -> str:
    """`Submission123.pdf` -> `123`; a name without a number keeps its stem."""
    stem = name
    for suffix in archive.ARCHIVE_SUFFIXES + (".pdf",):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    m = _ID_RE.match(stem.strip())
    return m.group(1) if m else escaped(stem)


def shard_of(rel: str, count: int) -> int:
    """0-based shard of an entry: a hash of its path relative to its INPUT (stable across machines)."""
    digest = hashlib.sha256(raw_bytes(rel)).digest()
    return int.from_bytes(digest[:8], "big") % count


@dataclass
class Entry:
    path: str  # unique key and what people see (escaped)
    raw: bytes  # the path's bytes, lossless
    rel: str  # relative to its INPUT: the shard key
    name: str  # base name (surrogates kept)
    fs_path: Optional[str] = None  # a file on disk to check
    archive: Optional[str] = None  # or a member of this archive
    member: Optional[archive.Member] = None
    problem: Optional[Tuple[str, str]] = None  # (code, message): a row that is never checked
    sid: str = ""
    supplement: Optional["Entry"] = None
    stat: Optional[Tuple[int, int, int]] = None  # size, mtime_ns, inode: to reuse a known sha256

    def source(self) -> dict:
        if self.archive is not None and self.member is not None:
            return {"kind": "member", "archive": raw_bytes(self.archive).hex(), "index": self.member.index}
        return {"kind": "file", "fs": raw_bytes(self.fs_path).hex() if self.fs_path else None}


@dataclass
class Listing:
    entries: List[Entry] = field(default_factory=list)
    hidden: int = 0
    other: int = 0  # files in a folder not named .pdf (nor an archive)


def _odd(path: str, rel: str, code: str, message: str) -> Entry:
    return Entry(path=escaped(path), raw=raw_bytes(path), rel=rel, name=os.path.basename(path), problem=(code, message))


def _kind(mode: int) -> Optional[str]:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a directory"
    if not stat.S_ISREG(mode):
        return "not a regular file"
    return None


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _hidden(name: str) -> bool:
    return (name.startswith(".") and name not in (".", "..")) or name == "__MACOSX"


def enumerate_inputs(inputs: List[str], stdin=None, skip: Optional[str] = None) -> Listing:
    """Every entry of every INPUT, in a deterministic order. `skip`: a folder never entered (the output)."""
    listing = Listing()
    skip_real = os.path.realpath(skip) if skip else None
    for spec in inputs:
        if spec == "-":
            data = (stdin.read() if stdin is not None else b"")
            _from_list(data, "-", listing, skip_real)
        else:
            _from_path(spec, listing, skip_real, listed=False)
    _attach_supplements(listing)
    return listing


def _from_path(spec: str, listing: Listing, skip_real: Optional[str], listed: bool) -> None:
    try:
        st = os.lstat(spec)
    except OSError as exc:
        listing.entries.append(_odd(spec, os.path.basename(spec), "FILE002", f"cannot read the file: {exc.strerror or exc}"))
        return
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        try:
            mode = os.stat(spec).st_mode  # a path given by the user: its link is followed
        except OSError:
            listing.entries.append(_odd(spec, os.path.basename(spec), "FILE002",
                                        "a dangling symbolic link: its target does not exist"))
            return
    if stat.S_ISDIR(mode):
        _walk(spec, listing, skip_real)
    elif not stat.S_ISREG(mode):
        listing.entries.append(_odd(spec, os.path.basename(spec), "FILE001",
                                    f"{_kind(mode)}, not a file: never opened"))
    elif archive.is_archive(spec):
        _from_archive(spec, listing)
    elif spec.lower().endswith(".pdf") or listed or _looks_like_pdf(spec):
        listing.entries.append(_file_entry(spec, os.path.basename(spec)))
    else:
        try:
            with open(spec, "rb") as fh:
                data = fh.read(64 * 1024 * 1024)
        except OSError as exc:
            listing.entries.append(_odd(spec, os.path.basename(spec), "FILE002",
                                        f"cannot read the list of paths: {exc.strerror or exc}"))
            return
        _from_list(data, spec, listing, skip_real)


def _looks_like_pdf(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            return b"%PDF-" in fh.read(1024)
    except OSError:
        return True  # let the check report why it cannot be read


def _from_list(data: bytes, origin: str, listing: Listing, skip_real: Optional[str]) -> None:
    sep = b"\0" if b"\0" in data else b"\n"
    for raw in data.split(sep):
        raw = raw.rstrip(b"\r") if sep == b"\n" else raw
        if not raw.strip() or raw.startswith(b"#"):
            continue
        path = raw.decode("utf-8", "surrogateescape")
        _from_path(path, listing, skip_real, listed=True)


def _file_entry(path: str, rel: str) -> Entry:
    try:
        st = os.stat(path)
        key = (st.st_size, st.st_mtime_ns, st.st_ino)
    except OSError:
        key = None
    name = os.path.basename(path)
    return Entry(path=escaped(path), raw=raw_bytes(path), rel=rel, name=name, fs_path=path, stat=key)


def _walk(root: str, listing: Listing, skip_real: Optional[str]) -> None:
    real_root = os.path.realpath(root)
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                items = sorted(it, key=lambda e: raw_bytes(e.name))
        except OSError as exc:
            rel = os.path.relpath(folder, root)
            listing.entries.append(_odd(folder, rel, "FILE002", f"cannot list the folder: {exc.strerror or exc}"))
            continue
        subdirs = []
        for e in items:
            if _hidden(e.name):
                listing.hidden += 1
                continue
            path = e.path
            rel = os.path.relpath(path, root)
            try:
                if e.is_symlink():
                    target = os.path.realpath(path)
                    if not _inside(target, real_root):
                        listing.entries.append(_odd(path, rel, "FILE002",
                                                    "a symbolic link to a place outside the input folder: not followed"))
                        continue
                    try:
                        mode = os.stat(path).st_mode
                    except OSError:
                        listing.entries.append(_odd(path, rel, "FILE002", "a dangling symbolic link: its target does not exist"))
                        continue
                    if stat.S_ISDIR(mode):
                        if e.name.lower().endswith(".pdf"):
                            listing.entries.append(_odd(path, rel, "FILE001", "a link to a directory, not a PDF file"))
                        continue  # the folder it points to is walked where it is
                else:
                    mode = e.stat(follow_symlinks=False).st_mode
            except OSError as exc:
                listing.entries.append(_odd(path, rel, "FILE002", f"cannot read the entry: {exc.strerror or exc}"))
                continue
            if stat.S_ISDIR(mode):
                if skip_real and os.path.realpath(path) == skip_real:
                    continue
                if e.name.lower().endswith(".pdf"):
                    listing.entries.append(_odd(path, rel, "FILE001", "a directory named like a PDF, not a file"))
                subdirs.append(path)
            elif not stat.S_ISREG(mode):
                listing.entries.append(_odd(path, rel, "FILE001", f"{_kind(mode)}, not a file: never opened"))
            elif archive.is_archive(e.name):
                entry = _file_entry(path, rel)
                entry.problem = ("FILE001", "an archive inside the input folder: not opened (give it as an INPUT "
                                            "to check the PDFs in it)")
                listing.entries.append(entry)
            elif e.name.lower().endswith(".pdf"):
                listing.entries.append(_file_entry(path, rel))
            else:
                listing.other += 1  # a folder's .tex, .bib, notes: not submissions
        stack.extend(reversed(subdirs))


def _from_archive(path: str, listing: Listing) -> None:
    base = os.path.basename(path)
    try:
        members = list(archive.members(path))
    except archive.ArchiveError as exc:
        listing.entries.append(_odd(path, base, "FILE002", f"the archive cannot be read: {exc}"))
        return
    seen = set()
    for m in members:
        if m.kind == "dir":
            continue
        parts = m.name.replace("\\", "/").split("/")
        if any(_hidden(p) for p in parts if p):
            listing.hidden += 1
            continue
        shown = f"{path}!{m.name}"
        if shown in seen:  # a duplicate member name is a row of its own
            shown = f"{shown} [member {m.index + 1}]"
        seen.add(shown)
        entry = Entry(path=escaped(shown), raw=raw_bytes(shown), rel=f"{base}!{m.name}", name=parts[-1] or m.name,
                      archive=path, member=m)
        if m.problem:
            entry.problem = ("FILE002", f"archive member not read: {m.problem}")
        elif archive.is_archive(m.name):
            entry.problem = ("FILE001", "a nested archive: never opened")
        listing.entries.append(entry)


def _attach_supplements(listing: Listing) -> None:
    """`123_supplementary.zip` beside `123.pdf` (same folder or archive) becomes the paper's supplement."""
    papers: Dict[Tuple[str, str], Entry] = {}
    for e in listing.entries:
        if e.problem is None and e.name.lower().endswith(".pdf"):
            papers[(_container(e), e.name[:-4].lower())] = e
    kept = []
    for e in listing.entries:
        if archive.is_archive(e.name) and (e.problem is None or e.problem[0] == "FILE001"):
            stem = e.name
            for suffix in archive.ARCHIVE_SUFFIXES:
                if stem.lower().endswith(suffix):
                    stem = stem[: -len(suffix)]
                    break
            m = _SUPP_RE.match(stem)
            paper = papers.get((_container(e), m.group("base").lower())) if m else None
            if paper is not None and paper.supplement is None:
                e.problem = None
                paper.supplement = e
                continue
        kept.append(e)
    listing.entries = kept


def _container(e: Entry) -> str:
    if e.archive is not None and e.member is not None:
        return e.archive + "!" + posix_dir(e.member.name)
    return os.path.dirname(e.fs_path or raw_bytes(e.path).decode("utf-8", "surrogateescape"))


def posix_dir(name: str) -> str:
    return name.replace("\\", "/").rpartition("/")[0]


# --- the tracks mapping ---------------------------------------------------------------------------

#: normalised column names accepted in --tracks (as OpenReview and spreadsheets export them)
ID_COLUMNS = ("number", "paper number", "submission number", "paper id", "submission id", "id", "paper",
              "submission", "note number", "forum")
FILE_COLUMNS = ("file", "filename", "file name", "path", "pdf", "pdf file")
TRACK_COLUMNS = ("track", "submission track", "rules", "rule set", "ruleset", "venue", "venueid", "venue id",
                 "paper type", "type", "category")
SUPPLEMENT_COLUMNS = ("supplementary material", "supplementary", "supplement", "supplementary file")
TITLE_COLUMNS = ("title", "paper title", "submission title")


class TracksError(Exception):
    pass


def norm_text(column: str) -> str:
    name = re.sub(r"[\s_.\-]+", " ", column.strip().lower()).strip()
    return name[len("content "):] if name.startswith("content ") else name


@dataclass
class Tracks:
    """Submission id or file name -> track value (and supplement path)."""

    by_id: Dict[str, str] = field(default_factory=dict)
    by_file: Dict[str, str] = field(default_factory=dict)
    supplements: Dict[str, str] = field(default_factory=dict)  # id or file -> path
    id_by_file: Dict[str, str] = field(default_factory=dict)  # file name -> submission id
    titles: Dict[str, str] = field(default_factory=dict)  # id or file -> the paper's title
    track_column: str = ""

    def id_of(self, entry: Entry) -> Optional[str]:
        return self.id_by_file.get(entry.name) or self.id_by_file.get(entry.rel)

    def track_of(self, entry: Entry) -> Optional[str]:
        for key in (entry.name, entry.name.lower(), entry.rel):
            if key in self.by_file:
                return self.by_file[key]
        return self.by_id.get(_id_key(entry.sid))

    def supplement_of(self, entry: Entry) -> Optional[str]:
        return self.supplements.get(entry.name) or self.supplements.get(_id_key(entry.sid))

    def title_of(self, entry: Entry) -> Optional[str]:
        return self.titles.get(entry.name) or self.titles.get(entry.rel) or self.titles.get(_id_key(entry.sid))


def _id_key(value: str) -> str:
    value = value.strip()
    m = _ID_RE.match(value)
    return m.group(1) if m else value


def _cell(row, i: int) -> str:
    return row[i].strip() if i < len(row) else ""


def read_tracks(path: str) -> Tracks:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            sample = fh.read(64 * 1024)
            fh.seek(0)
            try:
                dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
            rows = list(csv.reader(fh, dialect))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise TracksError(f"{path}: cannot read the tracks file: {exc}") from None
    if not rows:
        raise TracksError(f"{path}: the tracks file is empty")
    header = [norm_text(c) for c in rows[0]]

    def pick(names) -> List[int]:
        return [header.index(n) for n in names if n in header]

    ids, files, tracks, supps = pick(ID_COLUMNS), pick(FILE_COLUMNS), pick(TRACK_COLUMNS), pick(SUPPLEMENT_COLUMNS)
    titles = pick(TITLE_COLUMNS)
    if not tracks:
        raise TracksError(f"{path}: no track column; expected one of: {', '.join(TRACK_COLUMNS)} "
                          f"(found: {', '.join(rows[0])})")
    if not ids and not files:
        raise TracksError(f"{path}: no id or file column; expected one of: {', '.join(ID_COLUMNS + FILE_COLUMNS)} "
                          f"(found: {', '.join(rows[0])})")
    out = Tracks(track_column=rows[0][tracks[0]])
    folder = os.path.dirname(os.path.abspath(path))
    for row in rows[1:]:
        if not any(c.strip() for c in row):
            continue
        cell = functools.partial(_cell, row)
        track = next((cell(i) for i in tracks if cell(i)), "")
        keys_id = [_id_key(cell(i)) for i in ids if cell(i)]
        keys_file = [cell(i) for i in files if cell(i)]
        title = next((cell(i) for i in titles if cell(i)), "")
        if title:  # a paper's title, whatever its track
            for k in keys_id + keys_file + [os.path.basename(k) for k in keys_file]:
                out.titles[k] = title
        if not track:
            continue
        for k in keys_id:
            out.by_id[k] = track
        for k in keys_file:
            out.by_file[k] = track
            out.by_file[os.path.basename(k)] = track
            if keys_id:
                out.id_by_file[k] = out.id_by_file[os.path.basename(k)] = keys_id[0]
        supp = next((cell(i) for i in supps if cell(i)), "")
        if supp:
            full = supp if os.path.isabs(supp) else os.path.join(folder, supp)
            for k in keys_id + [os.path.basename(k) for k in keys_file]:
                out.supplements[k] = full
    return out
