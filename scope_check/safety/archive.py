"""Reading untrusted archives (`.zip`, `.tar`, `.tar.gz`, `.tgz`, `.tar.bz2`, `.tar.xz`) in place.

Batch mode reads a chair's archive of submissions, `supplement` an author's code archive; both are
untrusted. Nothing here ever writes outside the folder it is given, follows a symlink member, opens
a nested archive or trusts a member's declared size:

- `members(path)` lists every entry with a `problem` when it must not be read: a path that climbs
  out (`../`) or is absolute, a symlink or hard link, a device or FIFO, a duplicate name, more
  members than `Limits.max_members`, a member larger than `Limits.max_member_bytes`, a
  compression ratio beyond `Limits.max_ratio` (a zip bomb), or past `Limits.max_total_bytes` of
  everything before it. Directories are listed with kind `dir`.
- `scan(path, read_limit)` walks every member once in one pass (a tar as a stream), with the same
  problems, yielding the first `read_limit` bytes of each safe file: bounded memory and linear
  time for archives of any size and member count (the supplementary-material checker).
- `read(path, member, limit)` returns a member's bytes, decompressing at most `limit + 1` bytes
  whatever its header says; `extract(path, member, folder)` streams it to a file below `folder`
  under a name of our own choosing (never the member's path), with the same bound.

A nested archive is an ordinary file here: callers decide (batch reports it, supplement lists it).
"""

from __future__ import annotations

import posixpath
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Tuple, Union

from scope_check.safety.limits import ARCHIVE_SUFFIXES, is_archive  # noqa: F401 - re-exported: an archive's names

CHUNK = 1 << 20


class ArchiveError(Exception):
    """The archive itself cannot be read (not an archive, corrupt directory, unsupported)."""


@dataclass(frozen=True)
class Limits:
    max_members: int = 100_000
    max_member_bytes: int = 512 * 1000 * 1000  # one member, decompressed
    max_total_bytes: int = 8 * 1000 * 1000 * 1000  # all members together, decompressed
    max_ratio: float = 200.0  # decompressed / compressed size of one member (zip members only)
    ratio_floor_bytes: int = 10 * 1000 * 1000  # the ratio test applies to members larger than this


@dataclass(frozen=True)
class Member:
    name: str  # the member's path as stored, decoded (zip: cp437 or UTF-8; tar: UTF-8, surrogateescape)
    kind: str  # file | dir | symlink | link | device | fifo | other
    size: int  # the declared decompressed size
    compressed: Optional[int] = None  # zip only
    problem: Optional[str] = None  # why it must not be read; None: safe to read
    index: int = 0  # position in the archive, for read/extract


def members(path, limits: Limits = Limits()) -> Iterator[Member]:
    """Every entry of the archive in stored order, each with its `problem` (None when safe)."""
    raw = list(_zip_members(path) if _is_zip(path) else _tar_members(path))
    judge = Judge(limits)
    for i, m in enumerate(raw):
        yield judge(i, m)


class Judge:
    """The limits applied member by member, in stored order (what came before decides)."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.seen: set = set()
        self.total = 0

    def __call__(self, i: int, m: Member) -> Member:
        limits = self.limits
        problem = m.problem or _path_problem(m.name)
        key = posixpath.normpath(m.name.replace("\\", "/")).lower()
        if problem is None and m.kind != "dir":
            if key in self.seen:
                problem = "duplicate member name: an earlier member has the same path"
            elif i >= limits.max_members:
                problem = f"more than {limits.max_members:,} members: the rest of the archive is not read"
            elif m.size > limits.max_member_bytes:
                problem = f"member is {m.size:,} bytes decompressed, over the {limits.max_member_bytes:,}-byte limit"
            elif (m.compressed is not None and m.size > limits.ratio_floor_bytes
                  and m.size > limits.max_ratio * max(m.compressed, 1)):
                problem = (f"compression ratio {m.size / max(m.compressed, 1):,.0f}:1 is over the "
                           f"{limits.max_ratio:,.0f}:1 limit (a zip bomb?)")
            elif self.total + m.size > limits.max_total_bytes:
                problem = f"the archive expands past {limits.max_total_bytes:,} bytes: the rest is not read"
        if problem is None and m.kind != "dir":
            self.total += m.size
        self.seen.add(key)
        return Member(m.name, m.kind, m.size, m.compressed, problem, i)


@dataclass(frozen=True)
class Piece:
    """What `scan` yields for one member: its head (at most `read_limit` bytes), or why not read."""

    member: Member
    data: Optional[bytes] = None  # None: not read (a problem, a directory, not wanted, or `error`)
    truncated: bool = False  # the member is longer than what `data` holds
    error: Optional[str] = None  # it could not be decompressed (a corrupt member)


def scan(path, read_limit: Union[int, Callable[[Member], int]], limits: Limits = Limits()) -> Iterator[Piece]:
    """Every member once, in stored order, in ONE pass over the archive (`read` reopens it per
    member, which is quadratic for 50,000 members): the same problems as `members`, and for each
    safe regular file its first `read_limit` bytes (never more is decompressed, whatever its
    header says); `read_limit` may be a function of the member (0: do not read it). A tar is
    read strictly forward, keeping no index of its members, so memory stays bounded by `read_limit`
    whatever the archive's size or member count.
    Raises ArchiveError when the archive itself cannot be read (possibly after some pieces)."""
    judge = Judge(limits)
    budget = read_limit if callable(read_limit) else (lambda m: read_limit)
    if _is_zip(path):
        yield from _scan_zip(path, budget, judge)
    else:
        yield from _scan_tar(path, budget, judge)


def read_head(fh, read_limit: int) -> Tuple[bytes, bool]:
    chunks: List[bytes] = []
    got = 0
    while got <= read_limit:
        chunk = fh.read(min(CHUNK, read_limit + 1 - got))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    data = b"".join(chunks)
    return data[:read_limit], len(data) > read_limit


def _scan_zip(path, budget: Callable[[Member], int], judge: Judge) -> Iterator[Piece]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ArchiveError(f"not a readable zip archive: {exc}") from None
    with zf:
        infos = zf.infolist()
        for i, (info, raw) in enumerate(zip(infos, _zip_entries(infos))):
            m = judge(i, raw)
            read_limit = budget(m) if m.problem is None and m.kind == "file" else 0
            if read_limit <= 0:
                yield Piece(m)
                continue
            try:
                with zf.open(info) as fh:
                    data, truncated = read_head(fh, read_limit)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError,
                    RuntimeError, zlib.error) as exc:
                yield Piece(m, error=f"cannot decompress: {exc}")
                continue
            yield Piece(m, data, truncated)


def _scan_tar(path, budget: Callable[[Member], int], judge: Judge) -> Iterator[Piece]:
    try:
        # random-access mode read strictly forward (tarfile's "r|" stream mode is ten times slower)
        tf = tarfile.open(path, mode="r:*", encoding="utf-8", errors="surrogateescape")
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        raise ArchiveError(f"not a readable tar archive: {exc}") from None
    with tf:
        i = 0
        while True:
            try:
                info = tf.next()
            except (tarfile.TarError, EOFError, OSError, ValueError, zlib.error) as exc:
                raise ArchiveError(f"the tar archive is damaged: {exc}") from None
            if info is None:
                return
            tf.members.clear()  # no index of members is kept: bounded memory for any member count
            m = judge(i, _tar_entry(info))
            i += 1
            read_limit = budget(m) if m.problem is None and m.kind == "file" else 0
            if read_limit <= 0:
                yield Piece(m)
                continue
            try:
                fh = tf.extractfile(info)
                if fh is None:
                    yield Piece(m, error="not a regular file")
                    continue
                data, truncated = read_head(fh, read_limit)
            except (tarfile.TarError, EOFError, OSError, ValueError, zlib.error) as exc:
                raise ArchiveError(f"the tar archive is damaged: {exc}") from None
            yield Piece(m, data, truncated)


def read(path, member: Member, limit: int) -> bytes:
    """The member's bytes, at most `limit`; ValueError when it decompresses to more."""
    chunks: List[bytes] = []
    got = 0
    for chunk in _stream(path, member):
        got += len(chunk)
        if got > limit:
            raise ValueError(f"{member.name}: decompresses to more than {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def extract(path, member: Member, folder, limit: int, name: Optional[str] = None) -> Path:
    """Stream the member into `folder` under `name` (default: its index plus its suffix)."""
    folder = Path(folder)
    suffix = Path(member.name).suffix.lower()
    target = folder / (name or f"member-{member.index:06d}{suffix if suffix.isascii() else ''}")
    if target.resolve().parent != folder.resolve():
        raise ValueError(f"refusing to write outside {folder}")
    got = 0
    try:
        with open(target, "xb") as out:
            for chunk in _stream(path, member):
                got += len(chunk)
                if got > limit:
                    raise ValueError(f"{member.name}: decompresses to more than {limit:,} bytes")
                out.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def _stream(path, member: Member) -> Iterator[bytes]:
    if member.problem or member.kind != "file":
        raise ValueError(f"{member.name}: not readable: {member.problem or member.kind}")
    if _is_zip(path):
        with zipfile.ZipFile(path) as zf:
            info = zf.infolist()[member.index]
            with zf.open(info) as fh:
                while chunk := fh.read(CHUNK):
                    yield chunk
    else:
        with _open_tar(path) as tf:
            for i, info in enumerate(tf):
                if i == member.index:
                    fh = tf.extractfile(info)
                    if fh is None:
                        raise ValueError(f"{member.name}: not a regular file")
                    while chunk := fh.read(CHUNK):
                        yield chunk
                    return
        raise ValueError(f"{member.name}: no longer in the archive")


def _is_zip(path) -> bool:
    try:
        return zipfile.is_zipfile(path)
    except OSError as exc:
        raise ArchiveError(f"cannot read the archive: {exc.strerror or exc}") from None


def _zip_members(path) -> Iterator[Member]:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ArchiveError(f"not a readable zip archive: {exc}") from None
    with zf:
        yield from _zip_entries(zf.infolist())


def _zip_entries(infos) -> Iterator[Member]:
    for info in infos:
        mode = info.external_attr >> 16
        if info.is_dir():
            kind = "dir"
        elif stat.S_ISLNK(mode):
            kind = "symlink"
        elif stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # many tools store permission bits only
            kind = "other"
        else:
            kind = "file"
        problem = None
        if kind == "symlink":
            problem = "symbolic link member: never followed"
        elif kind == "other":
            problem = "not a regular file"
        elif info.flag_bits & 0x1:
            problem = "encrypted member: cannot be read without its password"
        yield Member(info.filename, kind, info.file_size, info.compress_size, problem)


def _open_tar(path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, mode="r:*", encoding="utf-8", errors="surrogateescape")
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        raise ArchiveError(f"not a readable tar archive: {exc}") from None


def _tar_members(path) -> Iterator[Member]:
    try:
        with _open_tar(path) as tf:
            for info in tf:
                yield _tar_entry(info)
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise ArchiveError(f"the tar archive is damaged: {exc}") from None


def _tar_entry(info: tarfile.TarInfo) -> Member:
    if info.isdir():
        kind, problem = "dir", None
    elif info.issym():
        kind, problem = "symlink", "symbolic link member: never followed"
    elif info.islnk():
        kind, problem = "link", "hard link member: never followed"
    elif info.ischr() or info.isblk():
        kind, problem = "device", "device member: never created"
    elif info.isfifo():
        kind, problem = "fifo", "FIFO member: never created"
    elif info.isfile():
        kind, problem = "file", None
    else:
        kind, problem = "other", "not a regular file"
    return Member(info.name, kind, info.size, None, problem)


def _path_problem(name: str) -> Optional[str]:
    unified = name.replace("\\", "/")
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
        return "absolute path: never written as given"
    if ".." in unified.split("/"):
        return "path climbs out of the archive (`..`): never written as given"
    if "\x00" in name:
        return "NUL byte in the member name"
    return None


def extract_each(path, wanted: List[Member], folder, limit: int) -> Iterator[tuple]:
    """Extract the `wanted` members in one pass over the archive (a .tar.gz is read once, not once per
    member), yielding `(member, path)` or `(member, error message)` in archive order. The caller
    deletes each file when done with it; at most one is written per step of the iteration."""
    order = sorted(wanted, key=lambda m: m.index)
    if _is_zip(path):
        for m in order:
            try:
                yield m, extract(path, m, folder, limit)
            except (ValueError, OSError, zipfile.BadZipFile, EOFError, RuntimeError) as exc:
                yield m, f"cannot extract: {exc}"
        return
    by_index = {m.index: m for m in order}
    done = set()
    folder = Path(folder)
    try:
        with _open_tar(path) as tf:
            for i, info in enumerate(tf):
                m = by_index.get(i)
                if m is None:
                    continue
                done.add(i)
                suffix = Path(m.name).suffix.lower()
                target = folder / f"member-{m.index:06d}{suffix if suffix.isascii() else ''}"
                try:
                    fh = tf.extractfile(info)
                    if fh is None:
                        raise ValueError("not a regular file")
                    got = 0
                    with open(target, "xb") as out:
                        while chunk := fh.read(CHUNK):
                            got += len(chunk)
                            if got > limit:
                                raise ValueError(f"decompresses to more than {limit:,} bytes")
                            out.write(chunk)
                except (ValueError, OSError, tarfile.TarError, EOFError) as exc:
                    target.unlink(missing_ok=True)
                    yield m, f"cannot extract: {exc}"
                    continue
                yield m, target
    except (tarfile.TarError, EOFError, OSError, ValueError, ArchiveError) as exc:
        for m in order:
            if m.index not in done:
                yield m, f"cannot extract: the archive is damaged: {exc}"
        return
    for m in order:
        if m.index not in done:
            yield m, "cannot extract: no longer in the archive"
