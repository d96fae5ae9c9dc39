"""SUPP: identity leaks in the supplementary material (a code or data archive, or a folder).

The SCOPE call: "avoid providing any other identifying information (even in the supplementary
material or in the shared Github code link)". Each function here reads one member's text or bytes
(already read, bounded, by `scope_check.supplement.scan_members`) and returns findings; none opens
anything else, runs anything or fetches a URL. The codes are declared in the registry (so
`scope-check rules SUPP001` documents them) without a PDF `run`: the paper runner never runs them.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
import re
from functools import lru_cache
from typing import Iterable, List, Mapping, Optional, Sequence, Tuple

from scope_check.analysis import addresses as identity
from scope_check.checks.anonymity import links as _anon_links
from scope_check.checks.anonymity.common import claim_phrase
from scope_check.checks.anonymity.elsewhere import metadata_people
from scope_check.checks.anonymity import metadata as _anon_metadata
from scope_check.checks.anonymity.common import GENERIC_EMAIL_LOCALS, GENERIC_USERS, PLACEHOLDER_EMAIL_DOMAINS
from scope_check.model.findings import Finding
from scope_check.config.spec import Check, Param
from scope_check.safety.safe_patterns import lazy

#: the paper's link and metadata policy declared again for the archive (SUPP004, SUPP005 own their
#: parameters: the same defaults as ANON005's and ANON003's, set apart in a rule file)
_ANON_PARAMS = {c.code: c.params for c in _anon_links.CHECKS + _anon_metadata.CHECKS}

_WHY = ("SCOPE CFP: \"avoid providing any other identifying information (even in the supplementary material or "
        "in the shared Github code link)\".")

CHECKS = (
    Check(
        code="SUPP001",
        supplement=True,
        needs=(),  # checked on an archive, never on a PDF: no analysis of the loader
        name="vcs-metadata",
        severity="error",
        summary="The supplementary archive holds version-control data: a `.git/` folder (or a `.git` file), "
        "`.hg/`, `.svn/`, `.bzr/`. The commit authors are read in place from the reflog (`logs/HEAD`), loose "
        "objects, packfiles and `config` (no git command runs on the archive) and named in the message.",
        why=_WHY + " Every commit carries its author's name and e-mail.",
        fix="Build the archive from a clean export without the history: `git archive --format=zip HEAD -o "
        "supplement.zip` (it leaves .git out), or delete the .git folder from the copy you zip.",
        example=".git/: the archive holds git version-control data; commit authors \"Jane Doe <jdoe@uni.edu>\"",
    ),
    Check(
        code="SUPP002",
        supplement=True,
        needs=(),  # checked on an archive, never on a PDF: no analysis of the loader
        name="author-in-files",
        severity="error",
        summary="Names or e-mail addresses of people in LICENSE/COPYING (the copyright holder), AUTHORS/"
        "CONTRIBUTORS, README (\"Author:\", \"Contact:\", BibTeX `author =`, copyright lines, any personal "
        "e-mail), `pyproject.toml`/`setup.py`/`setup.cfg`/`package.json` author and maintainer fields, and "
        "`CITATION.cff` authors. Placeholders pass (\"Anonymous\", \"Anonymous Authors\", `[fullname]`, "
        "`<name of author>`), as do role and example addresses (contact@, anonymous@, example.com) and the "
        "license texts' own holders (the Free Software Foundation). Third-party code shipped along "
        "(`vendored_folders`) is not read for this check.",
        why=_WHY,
        fix="Replace names and e-mails with \"Anonymous\" (LICENSE: `Copyright (c) 2025 Anonymous Authors`; "
        "pyproject/setup.py/package.json: drop the author fields or set them to Anonymous; CITATION.cff: "
        "remove it from the submission copy); put them back for the camera-ready release.",
        params=(
            Param("placeholders", "strings",
                  ["Anonymous", "Anonymous Authors", "Anonymous Author", "Anonymous Author(s)", "Anon", "Authors",
                   "Author", "The Authors", "The Author", "Your Name", "Name", "Author Name", "First Last", "TBD",
                   "Redacted", "XXX", "fullname", "name of copyright owner", "name of author", "yyyy", "year",
                   "Contributors"],
                  "author values that name nobody (case and punctuation ignored; anything containing \"anonym\" "
                  "passes too)"),
            Param("generic_email_locals", "strings", GENERIC_EMAIL_LOCALS,
                  "mailbox names of roles, not people (contact, info, support): such addresses pass"),
            Param("placeholder_email_domains", "strings", PLACEHOLDER_EMAIL_DOMAINS,
                  "domains of example addresses (example.com and subdomains, the .example and .invalid TLDs): such "
                  "addresses pass"),
            Param("ignored_holders", "strings",
                  ["Free Software Foundation", "Open Source Initiative", "Python Software Foundation"],
                  "copyright holders that the standard license texts name themselves"),
            Param("vendored_folders", "strings",
                  ["node_modules", "site-packages", "dist-packages", "third_party", "third-party", "thirdparty",
                   "vendor", "vendored", "external", ".venv", "venv", "__pypackages__", "bower_components"],
                  "folder names of third-party code shipped along, whose licenses name their own authors "
                  "(node_modules, site-packages, third_party)"),
        ),
        example='LICENSE:3: the license names people: "Jane Doe"',
    ),
    Check(
        code="SUPP003",
        supplement=True,
        needs=(),  # checked on an archive, never on a PDF: no analysis of the loader
        name="user-path",
        severity="error",
        summary="An absolute home-folder path naming a user (`/home/jdoe/`, `/Users/jdoe/`, `C:\\Users\\jdoe\\`, "
        "also with doubled backslashes as JSON writes them) in any text file of the archive: code, configs, logs "
        "and notebook sources and outputs. One finding per file, with its first line. Generic names pass "
        "(`/home/user/`, `ubuntu`, `jovyan`, `runner`, `$USER`), as do `~/` and `$HOME`.",
        why=_WHY + " A user name is often the author's own name or login.",
        fix="Use relative paths or `~`, `$HOME`, `os.path.expanduser` and a configurable data folder; clear "
        "notebook outputs (`jupyter nbconvert --clear-output --inplace *.ipynb`) before archiving.",
        params=(Param("generic_users", "strings", GENERIC_USERS,
                      "user names that name nobody (user, ubuntu, jovyan, runner, ...; case ignored)"),),
        example="notebooks/train.ipynb:41: an absolute path names the user \"jdoe\" in a notebook (code or outputs): "
        "/home/jdoe",
    ),
    Check(
        code="SUPP004",
        supplement=True,
        needs=(),  # checked on an archive, never on a PDF: no analysis of the loader
        name="document-metadata",
        severity="error",
        summary="Document properties naming a person: a notebook's `metadata.authors`, an Office file's "
        "`docProps/core.xml` creator and last-modified-by (and `app.xml` Manager/Company; OpenDocument "
        "`meta.xml`), a PDF's `/Author` and XMP creator by the paper's ANON005 rules (opened from memory, "
        "metadata only). Values in `anonymous_values` (the same default as ANON005's), empty ones and anything "
        "\"anonym...\" pass.",
        why=_WHY + " Office and PDF tools write the account's name into every file they save.",
        fix="Clear the author fields: Office File > Info > Inspect Document (remove personal information); "
        "notebooks: delete `authors` from the metadata; PDFs: `\\hypersetup{{pdfauthor={{}}}}` or "
        "`exiftool -all= file.pdf`.",
        params=(_ANON_PARAMS["ANON005"]["anonymous_values"],),
        example='docs/results.docx: the Office metadata names a person: docProps/core.xml dc:creator "Jane Doe"',
    ),
    Check(
        code="SUPP005",
        supplement=True,
        needs=(),  # checked on an archive, never on a PDF: no analysis of the loader
        name="identifying-link",
        severity="error",
        summary="A link in a text file of the archive to an identifiable account or page (github.com/USER, "
        "USER.github.io, ...: ANON003's classification, with the same defaults declared here) that the archive "
        "presents as its own: a package metadata URL (homepage, repository), a git remote, a README claim (\"our "
        "code\"), or, judged once the whole archive is read, a link to a repository named like the project (its "
        "single top folder, less a download's `-main`/`-master`; the name in pyproject.toml, setup.cfg, setup.py, "
        "package.json or CITATION.cff; the title of the top README; the archive's own name) or to an account named "
        "like a user the archive shows elsewhere (a `/home/USER/` path, a git author or committer, a git remote's "
        "owner). Names are compared without case, `-`, `_`, `.` or spaces; generic ones (`code/`, `src/`, `user`, "
        "a bot's noreply address) tie nothing, nor do project names read in third-party code (SUPP002's "
        "`vendored_folders`). Other links (a library the README installs, \"see github.com/pytorch/pytorch\") are "
        "not reported, unless `report_unclaimed` is set (then as warnings).",
        why=_WHY,
        fix="Point to an anonymised mirror (https://anonymous.4open.science) instead of your own account, and "
        "remove the git remote; restore the real links in the camera-ready release.",
        params=tuple(v for k, v in _ANON_PARAMS["ANON003"].items() if k != "report_unclaimed") + (dataclasses.replace(
            _ANON_PARAMS["ANON003"]["report_unclaimed"],
            description="also report, as warnings, account and personal-site links that nothing in the archive "
            "claims as the project's own (false: such links are taken as third-party work)"),),
        example='pyproject.toml:12: https://github.com/jdoe/fastopt points at the account \'jdoe\' on github.com, '
        "presented as the project's own (the package metadata gives it as the project's home)",
    ),
    Check(
        code="SUPP006",
        supplement=True,
        needs=(),  # checked on an archive, never on a PDF: no analysis of the loader
        name="unreadable-archive",
        severity="error",
        summary="The supplementary material is not a readable archive or folder (not a zip or tar, a corrupt or "
        "truncated archive): nothing in it could be checked (verdict `error`).",
        why="A file that cannot be opened cannot be shown anonymous.",
        fix="Upload a .zip, .tar.gz (.tgz, .tar.bz2, .tar.xz) or .tar archive, or check the folder it came from.",
        example="the supplementary material cannot be read: not a readable tar archive: file could not be opened "
        "successfully",
    ),
    Check(
        code="SUPP007",
        supplement=True,
        needs=(),  # checked on an archive, never on a PDF: no analysis of the loader
        name="unsafe-member",
        severity="warning",
        summary="Members that are never read: symbolic and hard links, devices, absolute or `..` paths, duplicate "
        "names, encrypted members, members past the size, ratio, total or count limits (a zip bomb). They are "
        "listed; their content is not checked.",
        why="The archive is untrusted: reading it must not write, follow or expand anything beyond its bounds.",
        fix="Rebuild the archive from plain files: no symbolic or hard links, no absolute or `..` paths, no "
        "devices; nothing that expands past the limits.",
        example="data/link: not read: symbolic link member: never followed",
    ),
)


#: how many values a message lists
SHOWN = 4
#: text lines longer than this are cut before matching (minified code, base64 notebook outputs)
MAX_LINE = 4096

_BASENAME_KIND = (
    (lazy(r"^(?:licen[cs]e|copying|copyright|notice)(?:[._-].{0,40})?$", re.I), "license"),
    (lazy(r"^(?:authors|contributors|maintainers|credits)(?:[._-].{0,40})?$", re.I), "authors"),
    (lazy(r"^readme(?:[._-].{0,40})?$", re.I), "readme"),
    (lazy(r"^pyproject\.toml$", re.I), "pyproject"),
    (lazy(r"^setup\.py$", re.I), "setup.py"),
    (lazy(r"^setup\.cfg$", re.I), "setup.cfg"),
    (lazy(r"^package\.json$", re.I), "package.json"),
    (lazy(r"^citation\.cff$", re.I), "citation"),
)
OFFICE_SUFFIXES = (".docx", ".docm", ".xlsx", ".xlsm", ".pptx", ".pptm", ".odt", ".ods", ".odp")


def file_kind(name: str) -> str:
    """What a member is to the checks: license, authors, readme, pyproject, setup.py, setup.cfg,
    package.json, citation, notebook, office, pdf, or text (anything else; binaries are sniffed
    later)."""
    base = posixpath.basename(name.replace("\\", "/"))
    lower = base.lower()
    if lower.endswith(".ipynb"):
        return "notebook"
    if lower.endswith(".pdf"):
        return "pdf"
    if lower.endswith(OFFICE_SUFFIXES):
        return "office"
    for pattern, kind in _BASENAME_KIND:
        if pattern.match(base):
            return kind
    return "text"


def vendored(name: str, folders: Iterable[str]) -> bool:
    """A member inside third-party code shipped along (node_modules, site-packages, ...)."""
    parts = {p.lower() for p in name.replace("\\", "/").split("/")[:-1]}
    return not parts.isdisjoint(_lower(tuple(folders)))


@lru_cache(maxsize=8)
def _lower(values: Tuple[str, ...]) -> frozenset:
    return frozenset(v.lower() for v in values)


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, max(0, offset)) + 1


def some(items: Sequence[str]) -> str:
    shown = ", ".join(f'"{v}"' for v in items[:SHOWN])
    return shown + (f", ... ({len(items)} in all)" if len(items) > SHOWN else "")


def _plain(value: str) -> str:
    return " ".join(re.sub(r"[^\w\s()]", " ", value).split()).casefold()


_BRACKETED = lazy(r"\[[^\[\]\n]{0,200}\]|<[^<>\n]{0,200}>|\{[^{}\n]{0,200}\}")


def names_nobody(value: str, placeholders: Iterable[str]) -> bool:
    """An author value that is empty or a placeholder: "Anonymous", "Anonymous Authors", "[fullname]",
    "<name of author>", "Your Name", anything with "anonym" in it."""
    # a template's [name of copyright owner], <year> <name of author>, {fullname}
    stripped = _BRACKETED.sub(" ", value).strip().strip(",;:.")
    if not stripped or not any(c.isalpha() for c in stripped):
        return True
    plain = _plain(stripped)
    if "anonym" in plain:
        return True
    return plain in {_plain(p) for p in placeholders}


# --- SUPP001 vcs-metadata -------------------------------------------------------------------


def vcs_finding(root: str, kind: str, people: Sequence, remotes: Sequence[Tuple[str, int, str]]) -> Finding:
    shown = list(dict.fromkeys(p.show() for p in people if p.name or p.email))
    first = next((p for p in people if p.line), None)
    where = f"{first.where}:{first.line}" if first else root + "/"
    if shown:
        what = f"; commit authors {some(shown)}"
    else:
        what = " (no commit author could be read from it)"
    return Finding(
        "SUPP001",
        f"{root}/: the archive holds {kind} version-control data{what}",
        data={"member": root, "line": first.line if first else None, "kind": kind, "authors": shown,
              "first": where, "remotes": [u for _, _, u in remotes]},
    )


# --- SUPP002 author-in-files ----------------------------------------------------------------

_COPYRIGHT = lazy(r"^[\s#/*;!%'\"-]{0,8}(?:copyright\b|\u00a9)", re.I)
#: what follows "Copyright": a (c) or years ("2019-2024", "2023, 2024", "2020-present"), then "by"
_YEARS = lazy(r"(?:\(c\)|\u00a9|\d{4})[\s\d,\u2013\-]{0,80}(?:present\b)?[\s,]{0,10}(?:by\s{1,5})?", re.I)
_ROLE = lazy(
    r"^[\s#*>|_-]{0,10}(?:authors?|contact|maintainers?|maintained\s+by|written\s+by|created\s+by|"
    r"developed\s+by|contributors?)\b\s{0,10}[:=\-\u2013]\s{0,10}(\S.{1,199})$",
    re.I,
)
_BIB_AUTHOR = lazy(r"\bauthor\s{0,10}=\s{0,10}[{\"]([^{}\"\n]{1,300})[}\"]", re.I)
_SETUP_PY = lazy(r"\b(author|maintainer)(_email)?\s*=\s*(['\"])(.{0,200}?)\3")
_SETUP_CFG = lazy(r"^\s{0,20}(author|maintainer)(_email)?\s{0,10}[=:]\s{0,10}(\S.{0,199})$", re.I)
_TOML_ARRAY = lazy(r"^\s*(authors|maintainers)\s*=\s*\[")
_TOML_SINGLE = lazy(r"^\s*(author|maintainer)(?:-email|_email)?\s*=\s*\"([^\"]{0,200})\"")
_TOML_FIELD = lazy(r"\b(name|email)\s*=\s*\"([^\"]{0,200})\"")
_TOML_STRING = lazy(r"\"([^\"=]{1,200})\"")
_ALL_RIGHTS = lazy(r"[.,]?\s{0,5}all rights reserved\.?\s{0,5}$", re.I)


def author_values(kind: str, text: str) -> List[Tuple[int, str]]:
    """(line, value) of each name or e-mail a file states as its author's."""
    out: List[Tuple[int, str]] = []
    lines = text.splitlines()
    if kind == "package.json":
        return _package_json(text)
    if kind == "citation":
        return _citation(text)
    in_array = 0
    for number, raw in enumerate(lines, start=1):
        line = raw[:MAX_LINE]
        if kind in ("license", "readme", "authors"):
            m = _COPYRIGHT.match(line)
            rest = line[m.end():].strip() if m else ""
            years = _YEARS.match(rest) if m else None
            if m and (years or "\u00a9" in line[: m.end()]):
                holder = _ALL_RIGHTS.sub("", rest[years.end() if years else 0:][:200]).strip()
                holder = identity.EMAIL.sub("", holder).strip(" ,;")
                if holder:
                    out.append((number, holder))
        if kind == "readme":
            m = _ROLE.match(line)
            if m:
                value = identity.EMAIL.sub("", m.group(1)).strip(" <>,;*_`")
                if value:
                    out.append((number, value))
            m = _BIB_AUTHOR.search(line)
            if m:
                out.append((number, m.group(1).strip()))
        if kind == "authors" and not line.lstrip().startswith(("#", "//", ";", "%")):
            stripped = identity.EMAIL.sub("", line).strip(" \t-*<>,;")
            if stripped and not re.match(r"^[=\-_ ]+$", stripped) \
                    and len(stripped) <= 120 and not re.match(r"(?i)^(authors|contributors|maintainers|credits)\b", stripped):
                out.append((number, stripped))
        if kind == "setup.py":
            for m in _SETUP_PY.finditer(line):
                out.append((number, m.group(4)))
        if kind == "setup.cfg":
            m = _SETUP_CFG.match(line)
            if m:
                out.append((number, m.group(3).strip()))
        if kind == "pyproject":
            m = _TOML_SINGLE.match(line)
            if m:
                out.append((number, m.group(2)))
            if in_array == 0 and _TOML_ARRAY.match(line):
                in_array = 1
                line = line[_TOML_ARRAY.match(line).end():]
                in_array += line.count("[") - line.count("]")
            elif in_array:
                in_array += line.count("[") - line.count("]")
            else:
                continue
            fields = [m.group(2) for m in _TOML_FIELD.finditer(line)]
            if not fields:
                fields = [m.group(1) for m in _TOML_STRING.finditer(line)]
            out.extend((number, v) for v in fields)
            if in_array <= 0:
                in_array = 0
        for e in identity.emails(line):
            out.append((number, e))
    return out


def _find_line(text: str, value: str) -> int:
    i = text.find(value)
    return line_of(text, i) if i >= 0 else 1


def _package_json(text: str) -> List[Tuple[int, str]]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return []
    if not isinstance(data, dict):
        return []
    people: List[object] = [data.get("author")]
    for key in ("contributors", "maintainers"):
        value = data.get(key)
        if isinstance(value, list):
            people.extend(value[:200])
    out = []
    for p in people:
        values = [p] if isinstance(p, str) else [p.get("name"), p.get("email")] if isinstance(p, dict) else []
        for v in values:
            if isinstance(v, str) and v.strip():
                out.append((_find_line(text, v), v.strip()))
    return out


def _citation(text: str) -> List[Tuple[int, str]]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, ValueError):
        return []
    if not isinstance(data, dict):
        return []
    out = []
    entries: List[object] = []
    for key in ("authors", "contact"):
        if isinstance(data.get(key), list):
            entries.extend(data[key][:200])
    pref = data.get("preferred-citation")
    if isinstance(pref, dict) and isinstance(pref.get("authors"), list):
        entries.extend(pref["authors"][:200])
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        given, family = entry.get("given-names"), entry.get("family-names")
        name = " ".join(str(v) for v in (given, family) if v) or entry.get("name") or ""
        for v in (str(name), str(entry.get("email") or "")):
            if v.strip():
                probe = str(family) if family and v == name else v
                out.append((_find_line(text, probe), v.strip()))
    return out


def author_in_file(name: str, kind: str, text: str, options: Mapping) -> Optional[Finding]:
    placeholders = options["placeholders"]
    locals_ = options["generic_email_locals"]
    domains = options["placeholder_email_domains"]
    ignored = {_plain(v) for v in options["ignored_holders"]}
    named: List[Tuple[int, str]] = []
    for number, value in author_values(kind, text):
        value = " ".join(value.split())
        if identity.EMAIL.fullmatch(value):
            if identity.email_names_nobody(value, locals_, domains):
                continue
        elif names_nobody(value, placeholders) or any(i and i in _plain(value) for i in ignored):
            continue
        named.append((number, value))
    if not named:
        return None
    values = list(dict.fromkeys(v for _, v in named))
    first = named[0][0]
    what = {"license": "the license", "readme": "the README", "authors": "the authors file",
            "citation": "CITATION.cff", "package.json": "package.json"}.get(kind, "the package metadata")
    return Finding(
        "SUPP002",
        f"{name}:{first}: {what} names people: {some(values)}",
        data={"member": name, "line": first, "lines": sorted({n for n, _ in named})[:50], "values": values[:50]},
    )


# --- SUPP003 user-path ----------------------------------------------------------------------


def user_path(name: str, text: str, options: Mapping) -> Optional[Finding]:
    generic = options["generic_users"]
    hits: List[Tuple[int, str, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if "/" not in raw and "\\" not in raw:
            continue
        for _, user, path in identity.user_paths(raw[:MAX_LINE], generic):
            hits.append((number, user, path))
    if not hits:
        return None
    users = list(dict.fromkeys(u for _, u, _ in hits))
    paths = list(dict.fromkeys(p for _, _, p in hits))
    first = hits[0][0]
    lines = sorted({n for n, _, _ in hits})
    more = f" (on {len(lines)} lines)" if len(lines) > 1 else ""
    where = " in a notebook (code or outputs)" if name.lower().endswith(".ipynb") else ""
    return Finding(
        "SUPP003",
        f"{name}:{first}: an absolute path names the user {some(users)}{where}: {paths[0]}{more}",
        data={"member": name, "line": first, "lines": lines[:50], "users": users[:20], "paths": paths[:20]},
    )


# --- SUPP004 document-metadata --------------------------------------------------------------

_OFFICE_FIELDS = (
    ("docProps/core.xml", lazy(r"<(dc:creator|cp:lastModifiedBy)\b[^>]{0,200}>([^<]{0,500})<", re.I)),
    ("docProps/app.xml", lazy(r"<(Manager|Company)\b[^>]{0,200}>([^<]{0,500})<", re.I)),
    ("meta.xml", lazy(r"<(meta:initial-creator|dc:creator)\b[^>]{0,200}>([^<]{0,500})<", re.I)),
)
#: bytes of one Office metadata part read at most (they are a few hundred bytes)
OFFICE_PART_LIMIT = 256 * 1024


def office_values(data: bytes) -> List[Tuple[str, str]]:
    """(field, value) of the people named in an Office/OpenDocument file's properties. The
    document is a zip: only its metadata parts are read, each bounded."""
    import html
    import io
    import zipfile

    out: List[Tuple[str, str]] = []
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return out
    with zf:
        names = {i.filename: i for i in zf.infolist()}
        for part, pattern in _OFFICE_FIELDS:
            info = names.get(part)
            if info is None or info.flag_bits & 0x1:
                continue
            try:
                with zf.open(info) as fh:
                    xml = fh.read(OFFICE_PART_LIMIT).decode("utf-8", "replace")
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
                continue
            for m in pattern.finditer(xml):
                value = html.unescape(m.group(2)).strip()
                if value:
                    out.append((f"{part} {m.group(1)}", value))
    return out


def notebook_values(text: str) -> List[Tuple[int, str, str]]:
    """(line, field, value) of the people named in a notebook's metadata (`authors`, `author`)."""
    try:
        nb = json.loads(text)
    except (ValueError, RecursionError):
        return []
    meta = nb.get("metadata") if isinstance(nb, dict) else None
    if not isinstance(meta, dict):
        return []
    out = []
    authors = meta.get("authors")
    items = authors if isinstance(authors, list) else [authors] if authors else []
    if meta.get("author"):
        items.append(meta["author"])
    for item in items[:200]:
        value = item.get("name") if isinstance(item, dict) else item
        if isinstance(value, str) and value.strip():
            out.append((_find_line(text, value), "metadata authors", value.strip()))
    return out


def pdf_values(data: bytes, anonymous_values: Iterable[str]) -> List[Tuple[str, str]]:
    """(field, value) of a PDF's metadata naming a person, by the paper's ANON005 rules; the PDF is
    opened from memory for its metadata only (no page is parsed)."""
    import pymupdf

    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    try:
        pdf = pymupdf.open(stream=data, filetype="pdf")
    except Exception:  # MuPDF raises several types for damaged files
        return []
    try:
        if pdf.needs_pass:
            return []
        metadata = {k: (v or "") for k, v in (pdf.metadata or {}).items() if k != "encryption"}
        xmp = pdf.get_xml_metadata() or ""
    except Exception:
        return []
    finally:
        pdf.close()
    return metadata_people(metadata, xmp, anonymous_values)


def document_metadata(name: str, values: Sequence[Tuple[Optional[int], str, str]], anonymous_values: Iterable[str],
                      what: str) -> Optional[Finding]:
    named = [(line, field, value) for line, field, value in values if not names_nobody(value, anonymous_values)]
    if not named:
        return None
    line = named[0][0]
    shown = "; ".join(f'{field} "{value[:120]}"' for _, field, value in named[:SHOWN])
    where = f"{name}:{line}" if line else name
    return Finding(
        "SUPP004",
        f"{where}: the {what} metadata names a person: {shown}",
        data={"member": name, "line": line, "values": {field: value for _, field, value in named}},
    )


# --- SUPP005 identifying-link ---------------------------------------------------------------

CLONE = lazy(r"\bgit\s+(?:clone|remote\s+add|submodule\s+add)\b|\bgit\+https?://|\bpip\s+install\s+git\+", re.I)
_META_URL = lazy(
    r"^\s*[\"']?(?:url|homepage|home-page|repository|repository-code|repository-artifact|source|"
    r"documentation|changelog|bug[\s_-]?tracker|issues|bugs|download[\s_-]?url|project[\s_-]?urls?)[\"']?\s*[:=]",
    re.I,
)
_SETUP_URL = lazy(r"\b(?:url|download_url|project_urls)\s{0,10}=")
METADATA_KINDS = ("pyproject", "setup.py", "setup.cfg", "package.json", "citation")


def link_claim(kind: str, line: str, offset: int) -> Optional[str]:
    """Why a link in a file reads as the authors' own, or None (cited third-party work, or a
    `git clone` that the runner judges once it knows the project's names)."""
    if kind in METADATA_KINDS:
        if _META_URL.match(line) or (kind == "setup.py" and _SETUP_URL.search(line[:offset])):
            return "the package metadata gives it as the project's home"
        return None  # a dependency's URL is someone else's
    found = claim_phrase(line[:offset])
    return f'"{found}"' if found else None


def norm_text(name: str) -> str:
    name = name.lower()
    if name.endswith(".git"):
        name = name[:-4]
    return re.sub(r"[-_. ]+", "", name)


def account_and_repository(url: str, options: Mapping) -> Tuple[str, str]:
    """(account, repository) a link names, as written ("" where it names none), by ANON003's
    classification: github.com/USER/REPO (after the host's skipped segments: huggingface.co/datasets/
    USER/REPO), USER.github.io/REPO, sites.google.com/view/USER, a ~USER page."""
    host, _, rest = identity.canonical(url).partition("/")
    segments = [s for s in rest.split("?", 1)[0].split("/") if s]
    for owner_host, skip in options["owner_hosts"].items():
        if host == owner_host.lower() or host.endswith("." + owner_host.lower()):
            skipped = {s.lower() for s in skip}
            while segments and segments[0].lower() in skipped:
                segments.pop(0)
            return (segments[0] if segments else "", segments[1] if len(segments) > 1 else "")
    for suffix in options["personal_hosts"]:
        suffix = suffix.lower()
        if host == suffix and segments:
            view = segments[0] in ("view", "site") and len(segments) > 1
            return (segments[1] if view else segments[0]), ""
        if host.endswith("." + suffix):
            return host[: -len(suffix) - 1], (segments[0] if segments else "")
    tilde = next((s for s in segments if s.startswith("~") and len(s) > 1), None)
    return (tilde[1:], "") if tilde else ("", "")


#: project names that say nothing about which project an archive holds (a top folder `code/`)
GENERIC_PROJECT_NAMES = frozenset({
    "code", "src", "source", "sources", "supp", "supplement", "supplementary", "supplementarymaterial",
    "supplementarymaterials", "material", "materials", "main", "master", "project", "repo", "repository", "readme",
    "data", "docs", "overview", "introduction", "installation", "usage", "artifact", "artefact", "submission",
    "paper", "appendix", "files", "archive", "github", "gitlab"})
#: a GitHub or GitLab download's top folder: REPO-main/, REPO-master/
_DOWNLOAD_SUFFIX = lazy(r"[-_](?:main|master|develop|dev)$", re.I)
#: how many names each of Evidence's tables keeps: memory stays bounded whatever the archive holds
MAX_EVIDENCE = 1000


class Evidence:
    """What the whole archive says about whose project it is, for SUPP005: the project's names (its
    single top folder, its own file name, package metadata, the top README's title) and the user
    names found in it (home-folder paths, git authors and committers, git remotes' owners). Each
    is kept normalised (`norm_text`) with where it was read, for the message."""

    def __init__(self) -> None:
        self.projects: dict = {}  # norm -> where
        self.users: dict = {}  # norm -> where

    def project(self, name: str, where: str) -> None:
        for value in (name, _DOWNLOAD_SUFFIX.sub("", name)):
            key = norm_text(value.strip())
            if _names_something(key) and key not in GENERIC_PROJECT_NAMES and len(self.projects) < MAX_EVIDENCE:
                self.projects.setdefault(key, where)

    def user(self, name: str, where: str) -> None:
        key = norm_text(name.strip())
        if _names_something(key) and key not in _GENERIC_PEOPLE and len(self.users) < MAX_EVIDENCE:
            self.users.setdefault(key, where)

    def person(self, name: str, email: str, where: str) -> None:
        """A git author, committer or config user: their name and their e-mail's mailbox name
        (the login in a GitHub noreply address); a bot or role address (noreply@github.com) names
        nobody."""
        if email:
            local, domain = identity.email_parts(email)
            if domain == "users.noreply.github.com":
                local = local.split("+", 1)[-1]
            elif identity.email_names_nobody(email, GENERIC_EMAIL_LOCALS, PLACEHOLDER_EMAIL_DOMAINS):
                return
            self.user(local, where)
        if name and "[bot]" not in name and not names_nobody(name, ()):
            self.user(name, where)


_GENERIC_PEOPLE = frozenset(norm_text(v) for v in GENERIC_USERS + GENERIC_EMAIL_LOCALS + ["github", "gitlab"])


def _names_something(key: str) -> bool:
    return len(key) >= 2 and any(c.isalpha() for c in key) and "anonym" not in key


_TOML_SECTION = lazy(r"^\s*\[\s*([A-Za-z0-9_.\"-]{1,80})\s*\]")
_TOML_NAME = lazy(r"^\s*name\s*=\s*[\"']([^\"'\n]{1,100})[\"']")
_CFG_NAME = lazy(r"^\s*name\s*[=:]\s*([^\s#;][^\n#;]{0,99})")
_SETUP_NAME = lazy(r"\bname\s{0,10}=\s{0,10}[\"']([^\"'\n]{1,100})[\"']")
_CFF_TITLE = lazy(r"^title\s*:\s*[\"']?([^\"'\n]{1,100})", re.M)


def project_name(kind: str, text: str) -> Optional[str]:
    """The project's name in package metadata: pyproject.toml `[project]` (or `[tool.poetry]`)
    name, setup.cfg `[metadata]` name, setup.py `name=`, package.json's top-level name (without
    its @scope/), CITATION.cff's title."""
    head = text[:200_000]
    name = None
    if kind in ("pyproject", "setup.cfg"):
        wanted = ("project", "tool.poetry", "tool.flit.metadata") if kind == "pyproject" else ("metadata",)
        section = ""
        for line in head.splitlines():
            m = _TOML_SECTION.match(line)
            if m:
                section = m.group(1).strip('"')
                continue
            m = (_TOML_NAME if kind == "pyproject" else _CFG_NAME).match(line)
            if m and section in wanted:
                name = m.group(1)
                break
    elif kind == "setup.py":
        m = _SETUP_NAME.search(head)
        name = m.group(1) if m else None
    elif kind == "package.json":
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            data = None
        value = data.get("name") if isinstance(data, dict) else None
        name = value if isinstance(value, str) else None
    elif kind == "citation":
        m = _CFF_TITLE.search(head)
        name = m.group(1) if m else None
    return name.strip().split("/")[-1] if name and name.strip() else None


_MD_TITLE = lazy(r"^\s{0,3}#\s{1,10}(\S[^\n]{0,300}?)[\s#]*$")
_HTML_TITLE = lazy(r"<h1\b[^>\n]{0,300}>([^<\n]{1,300})</h1>", re.I)
_UNDERLINE = lazy(r"^\s{0,3}(?:={3,}|-{3,}|\*{3,}|#{3,})\s*$")
_MD_IMAGE = lazy(r"!\[[^\[\]\n]{0,300}\]\([^()\n]{0,500}\)")
_MD_LINK = lazy(r"\[([^\[\]\n]{0,300})\]\([^()\n]{0,500}\)")
_TITLE_HEAD = lazy(r"\s{0,5}(?::|\s[-\u2013\u2014|]\s|\()")


def readme_titles(text: str) -> List[str]:
    """The title of a README (its first `# heading`, `<h1>`, or underlined line in its first 60
    lines), and its head before a colon, dash or parenthesis ("FastOpt: Scalable optimizers" gives
    "FastOpt"); [] when it has none."""
    lines = text[:20_000].splitlines()[:60]
    title = None
    for i, line in enumerate(lines):
        m = _MD_TITLE.match(line) or _HTML_TITLE.search(line)
        if m:
            title = m.group(1)
            break
        if i and _UNDERLINE.match(line) and lines[i - 1].strip() and not _UNDERLINE.match(lines[i - 1]):
            title = lines[i - 1]
            break
    if title is None:
        return []
    title = _MD_LINK.sub(r"\1", _MD_IMAGE.sub(" ", title))
    title = re.sub(r":[a-z0-9_+-]{1,30}:", " ", title)  # emoji shortcodes
    title = " ".join(title.replace("*", " ").replace("`", " ").split())
    head = _TITLE_HEAD.split(title, 1)[0].strip()
    return [t for t in dict.fromkeys((title, head)) if t and len(t) <= 100]


def own_link_claim(url: str, options: Mapping, evidence: Evidence, clone: bool) -> Optional[str]:
    """Why a link that no phrase claims is the project's own, judged on what the whole archive
    says: its repository is named like the project, or its account like a user of the archive
    (a home-folder path, a git author). None: nothing ties it to the archive (cited work)."""
    account, repository = account_and_repository(url, options)
    where = evidence.projects.get(norm_text(repository)) if repository else None
    if where is not None:
        if clone:
            return "the instructions clone it as this project"
        return f"the repository is named like the project: {where}"
    where = evidence.users.get(norm_text(account)) if account else None
    if where is not None:
        return f"the account is named like {where}"
    return None


def link_finding(name: str, line: int, url: str, target, claim: Optional[str]) -> Finding:
    if claim is not None:
        how = f"presented as the project's own ({claim})"
    else:
        how = "a link to a person's or lab's account, with no sign that it is cited work"
    return Finding(
        "SUPP005",
        f"{name}:{line}: {url[:90]} points at {target.reason}, {how}",
        data={"member": name, "line": line, "url": url, "owner": target.owner, "kind": target.kind, "claim": claim},
        severity="" if claim is not None else "warning",
    )


# --- not in the contract's table: proposed beside it -----------------------------------------

def unreadable(path: str, why: str) -> Finding:
    return Finding("SUPP006", f"the supplementary material cannot be read: {why}", data={"member": None, "line": None})


def unsafe_members(problems: Sequence[Tuple[str, str]]) -> Finding:
    name, why = problems[0]
    more = f" ({len(problems)} members in all)" if len(problems) > 1 else ""
    return Finding(
        "SUPP007",
        f"{name}: not read: {why}{more}",
        data={"member": name, "line": None, "members": [{"member": n, "problem": p} for n, p in problems[:50]]},
    )
