"""Version-control data inside a supplementary archive, read in place: who made the commits.

No git (or hg) command ever runs on the untrusted data. Git's own formats are read directly:
`logs/HEAD` and `logs/refs/...` (the reflog: one line per update, with the committer), loose
objects (`objects/ab/cdef...`: zlib-compressed "commit SIZE\\0" with `author` and `committer`
lines), packfiles (`objects/pack/*.pack`: each object's zlib stream decompressed in bounded
chunks, only commits kept; deltified commits are skipped), and `config` (`[user]` name/email,
`[remote]` urls). Mercurial's `hgrc` gives `[ui] username`. Every decompression is bounded.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from typing import Iterator, List, Optional, Tuple

#: folder names of version-control data
VCS_FOLDERS = {".git": "git", ".hg": "mercurial", ".svn": "subversion", ".bzr": "bazaar"}
#: how much of one object is decompressed to read its header lines
OBJECT_HEAD = 64 * 1024
#: decompressed bytes a packfile may produce in all before the rest is left unread (a pack bomb)
PACK_OUTPUT_BUDGET = 256 * 1000 * 1000
PACK_MAX_OBJECTS = 200_000

_PERSON = r"([^<>\n]{0,200}?) ?<([^<>\n]{0,200})>"
_REFLOG = re.compile(r"^[0-9a-f]{40} [0-9a-f]{40} " + _PERSON + r" \d{1,12} [+-]\d{4}", re.M)
_COMMIT_PERSON = re.compile(r"^(author|committer|tagger) " + _PERSON + r" \d{1,12} [+-]\d{4}$", re.M)
_LOOSE = re.compile(r"(?:^|/)objects/[0-9a-f]{2}/[0-9a-f]{38}$")
_PACK = re.compile(r"(?:^|/)objects/pack/pack-[0-9a-f]{40}\.pack$|(?:^|/)objects/pack/[^/]{1,200}\.pack$")
_INI_SECTION = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]{1,64})(?:\s+\"([^\"\n]{0,200})\")?\s*\]")
_INI_VALUE = re.compile(r"^\s{0,40}([A-Za-z0-9_.-]{1,64})\s{0,10}=(.{0,500})$")


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    where: str  # the member it was read from
    line: Optional[int]  # its line in that member, when it is a text file
    role: str  # author | committer | reflog | config

    def show(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name


def vcs_root(name: str) -> Optional[Tuple[str, str]]:
    """(root folder, kind) when the member path lies in a version-control folder (or is a
    `.git` file, a submodule's pointer)."""
    parts = name.replace("\\", "/").split("/")
    for i, part in enumerate(parts):
        if part in VCS_FOLDERS:
            return "/".join(parts[: i + 1]), VCS_FOLDERS[part]
    return None


def wants(name: str) -> Optional[str]:
    """Which reader a member below a VCS root needs: reflog, loose, pack, config or None."""
    unified = name.replace("\\", "/")
    if re.search(r"(?:^|/)logs/(?:HEAD|refs/[^\n]{1,300})$", unified):
        return "reflog"
    if _LOOSE.search(unified):
        return "loose"
    if _PACK.search(unified):
        return "pack"
    if unified.endswith(("/config", "/hgrc")):
        return "config"
    return None


def people(kind: str, name: str, data: bytes) -> List[Person]:
    if kind == "reflog":
        text = data.decode("utf-8", "replace")
        return [Person(m.group(1).strip(), m.group(2).strip(), name, text.count("\n", 0, m.start()) + 1, "reflog")
                for m in _REFLOG.finditer(text)]
    if kind == "loose":
        head = _inflate_head(data)
        if head is None or not head.startswith(b"commit ") and not head.startswith(b"tag "):
            return []
        return list(_commit_people(head, name))
    if kind == "pack":
        out: List[Person] = []
        for head in pack_commits(data):
            out.extend(_commit_people(head, name))
        return out
    if kind == "config":
        return [p for p in _config(name, data.decode("utf-8", "replace"))[0]]
    return []


def remotes(name: str, data: bytes) -> List[Tuple[int, str]]:
    """(line, url) of each remote in a git config."""
    return _config(name, data.decode("utf-8", "replace"))[1]


def _config(name: str, text: str) -> Tuple[List[Person], List[Tuple[int, str]]]:
    found: List[Person] = []
    urls: List[Tuple[int, str]] = []
    section = ""
    pending = {}
    for number, line in enumerate(text.splitlines()[:10_000], start=1):
        m = _INI_SECTION.match(line)
        if m:
            section = m.group(1).lower()
            continue
        m = _INI_VALUE.match(line)
        if not m:
            continue
        key, value = m.group(1).lower(), m.group(2).strip().strip('"')
        if section == "user" and key in ("name", "email"):
            pending[key] = (value, number)
        elif section == "ui" and key == "username" and value:
            pm = re.match(_PERSON + r"\s*$", value)
            found.append(Person(pm.group(1).strip() if pm else value, pm.group(2).strip() if pm else "", name,
                                number, "config"))
        elif section == "remote" and key in ("url", "pushurl") and value:
            urls.append((number, value))
    if pending:
        who, number = pending.get("name", ("", 0))
        mail, mail_line = pending.get("email", ("", 0))
        found.append(Person(who, mail, name, number or mail_line, "config"))
    return found, urls


def _commit_people(head: bytes, name: str) -> Iterator[Person]:
    text = head.split(b"\n\n", 1)[0].decode("utf-8", "replace")
    for m in _COMMIT_PERSON.finditer(text):
        yield Person(m.group(2).strip(), m.group(3).strip(), name, None, m.group(1))


def _inflate_head(data: bytes, limit: int = OBJECT_HEAD) -> Optional[bytes]:
    try:
        return zlib.decompressobj().decompress(data, limit)
    except zlib.error:
        return None


def pack_commits(data: bytes, budget: int = PACK_OUTPUT_BUDGET) -> Iterator[bytes]:
    """The header of each (non-delta) commit object of a packfile, read sequentially. Each zlib
    stream is inflated in bounded pieces to find where it ends; output beyond the first
    OBJECT_HEAD bytes of a commit is discarded, and the whole pack stops after `budget` bytes."""
    if len(data) < 12 or data[:4] != b"PACK":
        return
    count = int.from_bytes(data[8:12], "big")
    view = memoryview(data)
    pos = 12
    spent = 0
    for _ in range(min(count, PACK_MAX_OBJECTS)):
        if pos >= len(data):
            return
        c = data[pos]
        pos += 1
        kind = (c >> 4) & 7
        while c & 0x80:
            if pos >= len(data):
                return
            c = data[pos]
            pos += 1
        if kind == 6:  # OFS_DELTA: a variable-length base offset
            while pos < len(data) and data[pos] & 0x80:
                pos += 1
            pos += 1
        elif kind == 7:  # REF_DELTA: the base's 20-byte name
            pos += 20
        inflater = zlib.decompressobj()
        head = bytearray()
        p = pos
        try:
            while not inflater.eof and p < len(data):
                piece = view[p: p + 16384]
                p += len(piece)
                while piece:
                    out = inflater.decompress(piece, 65536)
                    spent += len(out)
                    if kind == 1 and len(head) < OBJECT_HEAD:
                        head += out[: OBJECT_HEAD - len(head)]
                    if spent > budget:
                        return
                    if inflater.eof:
                        break
                    piece = inflater.unconsumed_tail
        except zlib.error:
            return
        if not inflater.eof:
            return  # the pack was cut off (read limit) or is damaged
        pos = p - len(inflater.unused_data)
        if kind == 1:
            yield bytes(head)
