"""`scope-check supplement ARCHIVE|FOLDER`: identity leaks in a submission's supplementary material.

The archive (.zip, .tar, .tar.gz/.tgz, .tar.bz2, .tar.xz) or folder is read in place, member by
member, in one pass (`scope_check.safety.archive.scan`): nothing is extracted, no link is followed, no
member is decompressed past its bound, no program (git included) runs on it and no URL is opened.
Memory is bounded by the largest per-member read (`PDF_BYTES`), whatever the archive's size or
member count. Each finding names the member and line (`data.member`, `data.line`, and the message).

    check_supplement(path, rules, selection) -> Report     # what the command and batch mode call
"""

from __future__ import annotations

import bisect
import dataclasses
import os
import re
import stat
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

from scope_check.safety import archive
from scope_check.safety.limits import InputError
from scope_check.analysis import addresses as identity
from scope_check.safety.archive import ArchiveError, Limits, Member, Piece
from scope_check.model.findings import Finding
from scope_check.config.rules import RuleSet
from scope_check.engine.runner import Report, Selection
from scope_check.checks import supplement as supp
from scope_check.supplement import vcs
from scope_check.engine.runner import build_report
from scope_check.model.document import file_sha256

#: bytes read at most from one text file (code, configs, notebooks): identity sits at the top of
#: files and in short lines; a larger file is checked on its first TEXT_BYTES
TEXT_BYTES = 4 * 1000 * 1000
#: bytes read at most from one PDF, Office document or git packfile (their metadata)
PDF_BYTES = 32 * 1000 * 1000
#: links that no phrase claims, kept until the whole archive has been read (SUPP005 judges them on
#: its project and user names); past this many the rest are not judged (memory stays bounded)
MAX_DEFERRED_LINKS = 20_000
#: how the SUPP005 message names a git person's role
_GIT_ROLE = {"author": "git commit author", "committer": "git committer", "tagger": "git tagger",
             "reflog": "git committer", "config": "git config user"}
#: bytes sniffed for a NUL to tell a binary file from text
SNIFF_BYTES = 8192
#: suffixes never read as text (data, weights, media, archives): skipped without reading
BINARY_SUFFIXES = (
    ".pt", ".pth", ".ckpt", ".bin", ".safetensors", ".npy", ".npz", ".h5", ".hdf5", ".pkl", ".pickle", ".joblib",
    ".onnx", ".tflite", ".parquet", ".arrow", ".feather", ".mat", ".png", ".jpg", ".jpeg", ".gif", ".bmp",
    ".tif", ".tiff", ".webp", ".ico", ".mp3", ".mp4", ".wav", ".flac", ".avi", ".mov", ".mkv", ".zip", ".gz",
    ".tgz", ".bz2", ".xz", ".7z", ".rar", ".tar", ".whl", ".so", ".dll", ".dylib", ".exe", ".o", ".a", ".pyc",
    ".class", ".jar", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".db", ".sqlite",
)
#: the archive's own name (and its single top folder) without these endings names the project (a
#: link to a repository of that name is the project's own)
_SUPPLEMENT_SUFFIX = re.compile(r"[-_. ]?(?:supp(?:lementary|lement)?(?:[-_. ]?material)?|code|src)$", re.I)


def check_supplement(path: str, rules: RuleSet, selection: Selection = Selection(),
                     limits: Limits = Limits()) -> Report:
    """Check one supplementary archive or folder; the Report's path is `path`, each finding's
    `data.member` the member it is about. Never raises for bad input: an unreadable archive is
    SUPP006 with verdict `error`."""

    start = time.perf_counter()
    state = _State(rules, path)
    sha = None
    try:
        if os.path.isdir(path):
            pieces: Iterator[Piece] = folder_pieces(path, _budget, limits)
        else:
            sha = file_sha256(path)
            pieces = _single_pdf(path) if _is_pdf(path) else archive.scan(path, _budget, limits)
        for piece in pieces:
            state.take(piece)
    except (ArchiveError, InputError) as exc:
        state.found.append(supp.unreadable(path, str(exc)))
    except OSError as exc:
        state.found.append(supp.unreadable(path, exc.strerror or str(exc)))
    found = [f for f in state.finish() if selection.wants(f.code)]
    report = build_report(path, rules, sha, found, state.measurements(), start)
    if any(f.code == "SUPP006" for f in report.findings):
        report = dataclasses.replace(report, verdict="error")
    return report


def _is_pdf(path: str) -> bool:
    with open(path, "rb") as fh:
        return b"%PDF-" in fh.read(1024)


def _single_pdf(path: str) -> Iterator[Piece]:
    """A supplementary PDF (an appendix uploaded on its own): one member, its metadata checked."""
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        data, truncated = archive.read_head(fh, PDF_BYTES)
    yield Piece(Member(os.path.basename(path), "file", size, None, None, 0), data, truncated)


def _budget(m: Member) -> int:
    """How many bytes of a member to read (0: skip it unread)."""
    name = m.name.replace("\\", "/").lower()
    root = vcs.vcs_root(m.name)
    if root is not None:
        kind = vcs.wants(m.name)
        if kind is None:
            return 0
        return PDF_BYTES if kind == "pack" else TEXT_BYTES
    if name.endswith((".pdf",) + supp.OFFICE_SUFFIXES):
        return PDF_BYTES
    if name.endswith(BINARY_SUFFIXES):
        return 0
    return TEXT_BYTES


def folder_pieces(folder: str, budget, limits: Limits = Limits()) -> Iterator[Piece]:
    """A folder read like an archive: every entry once (sorted, so the order is reproducible),
    symbolic links and special files listed with their problem and never followed or opened."""
    judge = archive.Judge(limits)
    base = Path(folder)
    i = 0
    for here, dirs, files in os.walk(folder, followlinks=False):
        dirs.sort()
        for entry in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(here, d))]:
            full = os.path.join(here, entry)
            rel = Path(full).relative_to(base).as_posix()
            try:
                st = os.lstat(full)
            except OSError as exc:
                yield Piece(Member(rel, "other", 0, None, f"cannot stat: {exc.strerror}", i))
                i += 1
                continue
            if stat.S_ISLNK(st.st_mode):
                kind, problem = "symlink", "symbolic link: never followed"
            elif stat.S_ISREG(st.st_mode):
                kind, problem = "file", None
            else:
                kind, problem = "other", "not a regular file"
            m = judge(i, Member(rel, kind, st.st_size, None, problem, i))
            i += 1
            limit = budget(m) if m.problem is None and m.kind == "file" else 0
            if limit <= 0:
                yield Piece(m)
                continue
            try:
                with open(full, "rb") as fh:
                    data, truncated = archive.read_head(fh, limit)
            except OSError as exc:
                yield Piece(m, error=exc.strerror or str(exc))
                continue
            yield Piece(m, data, truncated)
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(here, d))]


class _Lines:
    """Offsets -> 1-based line numbers of one text."""

    def __init__(self, text: str):
        self.ends = [m.start() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_left(self.ends, offset) + 1


class _State:
    """What one pass over the members accumulates."""

    def __init__(self, rules: RuleSet, path: str):
        self.rules = rules
        self.o2 = rules.options("SUPP002")
        self.o3 = rules.options("SUPP003")
        self.anonymous_values = rules.options("SUPP004")["anonymous_values"]
        self.links = rules.options("SUPP005")
        self.hosts = tuple(sorted({h.lower() for h in list(self.links["owner_hosts"].keys())
                                   + list(self.links["personal_hosts"])}))
        self.found: List[Finding] = []
        self.roots: Dict[str, Dict] = {}
        self.unsafe: List[Tuple[str, str]] = []
        # unclaimed account links, judged at the end: (member, line, url, target, a `git clone` line)
        self.pending_links: List[Tuple[str, int, str, object, bool]] = []
        self.evidence = supp.Evidence()
        stem = base = Path(path.rstrip("/\\")).name
        for suffix in archive.ARCHIVE_SUFFIXES:
            if stem.lower().endswith(suffix):
                stem = stem[: -len(suffix)]
                break
        for name in (stem, _SUPPLEMENT_SUFFIX.sub("", stem)):
            self.evidence.project(name, f'the {"folder" if os.path.isdir(path) else "archive"} "{base}"')
        # the single folder every member lies in (None: none seen yet; "": members at the root or in several)
        self.top: Optional[str] = None
        self.count = self.read = self.bytes_read = self.skipped = 0

    # -- one member --
    def take(self, piece: Piece) -> None:
        m = piece.member
        self.count += 1
        self._top_folder(m.name)
        if m.problem:
            self.unsafe.append((m.name, m.problem))
            return
        root = vcs.vcs_root(m.name)
        if root is not None:
            entry = self.roots.setdefault(root[0], {"kind": root[1], "people": [], "remotes": []})
            if piece.data is not None:
                self._count(piece)
                kind = vcs.wants(m.name)
                if kind:
                    entry["people"].extend(vcs.people(kind, m.name, piece.data))
                if kind == "config":
                    for line, url in vcs.remotes(m.name, piece.data):
                        entry["remotes"].append((m.name, line, url))
            return
        if piece.data is None:
            if m.kind == "file":
                self.skipped += 1
            return
        self._count(piece)
        kind = supp.file_kind(m.name)
        if kind == "pdf":
            values = [(None, f, v) for f, v in supp.pdf_values(piece.data, self.anonymous_values)]
            self._add(supp.document_metadata(m.name, values, self.anonymous_values, "PDF"))
            return
        if kind == "office":
            values = [(None, f, v) for f, v in supp.office_values(piece.data)]
            self._add(supp.document_metadata(m.name, values, self.anonymous_values, "Office"))
            return
        text = _decode(piece.data)
        if text is None:
            self.skipped += 1
            return
        if kind == "notebook":
            self._add(supp.document_metadata(m.name, supp.notebook_values(text), self.anonymous_values, "notebook"))
        third_party = supp.vendored(m.name, self.o2["vendored_folders"])
        if not third_party:
            self._project_names(m.name, kind, text)
        if kind not in ("text", "notebook") and not third_party:
            self._add(supp.author_in_file(m.name, kind, text, self.o2))
        home = self._user_path(m.name, text)
        if home is not None:
            self._add(home)
            for user in home.data["users"]:
                path = next((p for p in home.data["paths"] if user in p), home.data["paths"][0])
                self.evidence.user(user, f"the user of the path {path} in {m.name}")
        if not third_party:
            self._links(m.name, kind, text)

    def _count(self, piece: Piece) -> None:
        self.read += 1
        self.bytes_read += len(piece.data or b"")

    def _add(self, finding: Optional[Finding]) -> None:
        if finding is not None:
            self.found.append(finding)

    def _user_path(self, name: str, text: str) -> Optional[Finding]:
        if "/home/" not in text and "Users" not in text and "users" not in text:
            return None  # the common case, without building a line index
        return supp.user_path(name, text, self.o3)

    def _top_folder(self, name: str) -> None:
        """Follow whether every member lies in one top folder (`__MACOSX/` aside): its name is the
        project's."""
        name = name.replace("\\", "/")
        while name.startswith("./"):
            name = name[2:]
        if name in ("", ".") or self.top == "":
            return
        top, slash, _ = name.partition("/")
        if top == "__MACOSX":
            return
        if not slash:
            self.top = ""  # a file at the root: no top folder names the project
        elif self.top is None:
            self.top = top
        elif top != self.top:
            self.top = ""

    def _project_names(self, name: str, kind: str, text: str) -> None:
        """The project's name from package metadata, and from the title of a README at the root or
        one folder down."""
        if kind in supp.METADATA_KINDS:
            found = supp.project_name(kind, text)
            if found:
                self.evidence.project(found, f'the name "{found}" in {name}')
        elif kind == "readme" and name.replace("\\", "/").count("/") <= 1:
            for title in supp.readme_titles(text):
                self.evidence.project(title, f'the title "{title}" of {name}')

    def _links(self, name: str, kind: str, text: str) -> None:
        if "://" not in text and "www." not in text:
            lower = text.lower()
            if not any(h in lower for h in self.hosts):
                return
        lines = _Lines(text)
        seen: Set[str] = set()  # owners this file is reported for
        waiting: Set[Tuple[str, str]] = set()  # (owner, repository) of this file's unclaimed links
        for offset, url in identity.plain_urls(text, self.hosts):
            target = identity.classify(url, self.links)
            if target.kind not in ("owner", "personal", "institution") or target.owner in seen:
                continue
            number = lines.line(offset)
            start = lines.ends[number - 2] + 1 if number > 1 else 0
            line_text = text[start: start + supp.MAX_LINE].split("\n", 1)[0]
            column = offset - start
            claim = supp.link_claim(kind, line_text, column)
            if claim is not None:
                seen.add(target.owner)
                self.found.append(supp.link_finding(name, number, url, target, claim))
                continue
            if target.kind not in ("owner", "personal"):
                continue  # an institution's site names no account: only a claim makes it the authors'
            key = (target.owner, supp.norm_text(supp.account_and_repository(url, self.links)[1]))
            if key not in waiting and len(self.pending_links) < MAX_DEFERRED_LINKS:
                waiting.add(key)
                clone = bool(supp.CLONE.search(line_text[:column]))
                self.pending_links.append((name, number, url, target, clone))

    # -- after the last member --
    def finish(self) -> List[Finding]:
        out = list(self.found)
        if self.top:
            for name in (self.top, _SUPPLEMENT_SUFFIX.sub("", self.top)):
                self.evidence.project(name, f'the top folder "{self.top}/"')
        for root, entry in sorted(self.roots.items()):
            out.append(supp.vcs_finding(root, entry["kind"], entry["people"], entry["remotes"]))
            for p in entry["people"]:
                where = f"{p.where}:{p.line}" if p.line else p.where
                self.evidence.person(p.name, p.email, f'the {_GIT_ROLE.get(p.role, "git user")} "{p.show()}" in {where}')
            for member, line, url in entry["remotes"]:
                target = identity.classify(url, self.links)
                if target.kind in ("owner", "personal", "institution"):
                    out.append(supp.link_finding(member, line, url, target, "the git remote of the archived repository"))
                account = supp.account_and_repository(url, self.links)[0] if target.kind != "institution" else ""
                if account:
                    self.evidence.user(account, f"the owner of the git remote in {member}:{line}")
        out.extend(self._judged_links(out))
        if self.unsafe:
            out.append(supp.unsafe_members(self.unsafe))
        return out

    def _judged_links(self, found: List[Finding]) -> List[Finding]:
        """The unclaimed links that the whole archive ties to itself (SUPP005 errors), then, with
        `report_unclaimed`, the rest (warnings): at most one finding per member and owner."""
        reported = {(f.data["member"], f.data["owner"]) for f in found if f.code == "SUPP005"}
        out: List[Finding] = []
        rest = []
        for name, number, url, target, clone in self.pending_links:
            if (name, target.owner) in reported:
                continue
            claim = supp.own_link_claim(url, self.links, self.evidence, clone)
            if claim is None:
                rest.append((name, number, url, target))
                continue
            reported.add((name, target.owner))
            out.append(supp.link_finding(name, number, url, target, claim))
        if self.links["report_unclaimed"]:
            for name, number, url, target in rest:
                if (name, target.owner) not in reported:
                    reported.add((name, target.owner))
                    out.append(supp.link_finding(name, number, url, target, None))
        return out

    def measurements(self) -> Dict[str, int]:
        return {"members": self.count, "files_read": self.read, "bytes_read": self.bytes_read,
                "files_skipped": self.skipped, "members_not_read": len(self.unsafe)}


def _decode(data: bytes) -> Optional[str]:
    """Text of a member, or None for a binary file (a NUL among its first bytes)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", "replace")
    if b"\x00" in data[:SNIFF_BYTES]:
        return None
    return data.decode("utf-8", "replace")
