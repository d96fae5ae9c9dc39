"""Damage and limits, reported instead of passed over, graded by what a reader sees.

MuPDF reads what it can of a damaged PDF and says what it could not in warnings ("zlib error",
"content stream is not a stream (900 0 R)"); a page whose content stream broke off comes out with
part of its text, or blank. The loader collects those warnings page by page
(`pymupdf.TOOLS.mupdf_warnings`, reset before each file and each page) together with what it found
itself (a page tree entry that is not a page, an invalid MediaBox, a page that raised, a cap of
scope_check.safety.limits that was hit), as `Problem`s on the document; the FILE checks
(`checks.files`) report them as FILE002. A problem is graded by its effect on the page, not by the
wording of the warning alone:

- severity error when part of a page is lost, to the checks or to every reader: a content stream
  that failed to decode or that MuPDF stopped reading, a missing object, a page that raised, a page
  tree entry that is not a page (blank in every viewer), an image whose colour space cannot be read
  (not drawn), a page a broken colour space leaves showing nothing, a page or part of one left
  unanalysed by a cap. The other checks would run on what could be read; the verdict is `error`, never `pass`;
- severity warning when the page still draws whole without the damaged object: MuPDF repaired
  something or put a substitute in its place (a rebuilt cross-reference table, an invalid box
  replaced by the default, a colour space replaced by a device one, text or metadata shortened).

The colour-space warnings are the case in point: "object is not a stream" or "could not parse color
space" on a scanned paper whose every page draws and extracts is a warning naming the object
(`colour_problems`, from the loader's probe of the page's colour spaces), not an unreadable file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterable, List, Optional, Set, Sequence, Tuple

from scope_check.safety import limits
from scope_check.safety.safe_patterns import lazy

#: MuPDF warnings that mean part of a page was lost (matched case-insensitively)
_LOST = lazy(
    r"zlib error|flate|lzw|ccitt|jbig2|dct|jpx|premature end|unexpected end|read error|treating as end of file"
    r"|cannot (?:load|find) object|not a stream|missing object|object out of range|no xref entry|broken object"
    r"|syntax error in content|unknown operator|stack overflow|recursion|invalid (?:object|reference)"
    r"|circular reference|corrupt|damaged|truncated|may not be correct|unknown filter"
    r"|ignoring rest of page|unrecoverable error",
    re.I,
)
#: warnings MuPDF prints for harmless oddities of real papers (checked on the corpus and the fixtures)
_HARMLESS = lazy(r"bogus font .*ascent/descent|circular dependencies! consider page cleaning", re.I)
#: MuPDF's warnings while it walks a broken page tree: they come with every page looked up after
#: the break, so the pages they concern are found by reading each page's object (`not_a_page`)
_TREE = lazy(r"non-page object in page tree|page tree load failed|falling back to slow lookup", re.I)
#: a warning about a colour space (MuPDF substitutes a device colour space, or skips the colour)
_COLOUR = lazy(r"colou?r ?space|\bICC\b", re.I)
#: what MuPDF says after the error it caught while loading a colour space, which it then ignored
_COLOUR_IGNORED = lazy(r"^ignoring (?:broken ICC|.*colou?r ?space)", re.I)
#: MuPDF's note at the end of a page that had syntax errors: what it means depends on their causes
_SYNTAX_NOTE = lazy(r"encountered syntax errors; page may not be correct", re.I)
#: a syntax error MuPDF caught (it skips the operator and goes on)
_SYNTAX = lazy(r"^syntax error\b", re.I)


@dataclass(frozen=True)
class Problem:
    """Something of one page (or of the whole file, page None) that was damaged or not analysed."""

    page: Optional[int]
    severity: str  # "error": part of the page was lost or not analysed; "warning": repaired or substituted
    kind: str  # "damaged", "page-tree", "colour", "repaired", "invalid-box", "limit"
    what: str  # one phrase, no trailing period


def classify(page: Optional[int], warnings: str) -> List[Problem]:
    """MuPDF's warnings for one page (or the file) as problems; harmless ones are dropped, those of
    a broken page tree too (the loader finds the pages that are not pages). The warnings about
    colour spaces become one `colour` warning of the page: the loader grades it by its effect
    (`colour_problems`)."""
    lines: List[str] = []
    for raw in warnings.splitlines():
        text = limits.clean_text(" ".join(raw.split()), 300)
        if text and not _HARMLESS.search(text) and not _TREE.search(text) and text not in lines:
            lines.append(text)
    # a colour space's chain: the error MuPDF caught, then the line saying it ignored that part
    colour = {i for i, text in enumerate(lines) if _COLOUR.search(text)}
    colour |= {i for i in range(len(lines) - 1) if _COLOUR_IGNORED.search(lines[i + 1])}
    other_syntax = any(_SYNTAX.search(t) and i not in colour for i, t in enumerate(lines))
    out: List[Problem] = []
    for i, text in enumerate(lines):
        if i in colour:
            continue
        if _SYNTAX_NOTE.search(text) and colour and not other_syntax:
            continue  # the syntax errors were the colour spaces': graded with them
        if _LOST.search(text):
            out.append(Problem(page, "error", "damaged", f"MuPDF: {text[:160]}"))
        elif page is not None and re.search(r"error|invalid|ignoring|repair|bad ", text, re.I):
            out.append(Problem(page, "warning", "repaired", f"MuPDF: {text[:160]}"))
    if colour:
        said = "; ".join(lines[i][:120] for i in sorted(colour))
        out.append(Problem(page, "warning", "colour", f"MuPDF: {said[:300]}"))
    return out


#: one colour space of a page the probe found damaged: (what uses it, the object, what MuPDF did,
#: its warnings) - `what MuPDF did` is None when it could not load the colour space at all
ColourSpace = Tuple[str, str, Optional[str], str]


def colour_problems(page: int, problems: Sequence[Problem], shows_something: bool,
                    spaces: Sequence[ColourSpace]) -> List[Problem]:
    """The page's problems with its `colour` warning graded by what the page still shows.
    `spaces` are the damaged colour spaces of the page the loader found (`loader._colour_spaces`):

    - an image whose colour space cannot be loaded is not drawn: an error naming the image;
    - a page that shows nothing (no ink, no visible text) is blank because of the damage: an error;
    - otherwise the page draws without the damaged objects: a warning naming each colour space
      and what MuPDF drew instead (a device colour space, or the colour left as it was)."""
    colour = [p for p in problems if p.kind == "colour"]
    if not colour:
        return list(problems)
    out = [p for p in problems if p.kind != "colour"]
    lost = [s for s in spaces if s[0].startswith("image ") and s[2] is None]
    for user, space, _, said in lost:
        out.append(Problem(page, "error", "damaged", f"{user} is not drawn: its {space} cannot be read "
                           f"(MuPDF: {said[:160]})"))
    if lost:
        return out
    if not shows_something:
        out.append(Problem(page, "error", "damaged", f"nothing on the page is drawn ({colour[0].what})"))
        return out
    if not spaces:
        return out + colour  # the broken colour space is not one the probe reaches: MuPDF's words
    for user, space, instead, said in spaces:
        done = f"drawn as {instead}" if instead else "the colours set in it are skipped"
        out.append(Problem(page, "warning", "colour", f"{space} ({user}) is damaged, {done} "
                           f"(MuPDF: {said[:200]})"))
    return out


def folded(problems: Sequence[Problem]) -> List[Problem]:
    """One page's problems, where part of the page was lost (a `damaged` error): MuPDF's other
    warnings of that page (a syntax error in the rest of a cut content stream) are part of the loss."""
    if not any(p.severity == "error" and p.kind == "damaged" for p in problems):
        return list(problems)
    return [replace(p, severity="error", kind="damaged") if p.kind in ("repaired", "colour") else p
            for p in problems]


def not_a_page(xref: int, body: str, type_name: Optional[str]) -> str:
    """Why the object a page tree entry points at (number `xref`, its text `body`, its /Type or None)
    is not a page, or "" when it is one. MuPDF shows such an entry as a blank page; other readers
    leave it out or show another page in its place."""
    text = body.strip()
    where = f"the page tree points at {xref} 0 R"
    if text in ("", "null"):
        return f"{where}, which the file does not hold"
    if not text.startswith("<<"):
        return f"{where}, which is not a dictionary ({limits.clean_text(text, 40)})"
    if type_name and type_name != "/Page":
        return f"{where}, a {limits.clean_text(type_name, 40)} object"
    if type_name is None and not re.search(r"/(?:Contents|Resources|MediaBox)\b", text):
        return f"{where}, a dictionary that is not a page"
    return ""


def take_warnings(pymupdf) -> str:
    try:
        return pymupdf.TOOLS.mupdf_warnings(reset=True) or ""
    except Exception:  # never let the collection itself lose a file
        return ""


#: the kinds of problem that leave a page not read whole
LOST = ("damaged", "page-tree", "limit")


def has_lost_pages(problems: Iterable[Problem]) -> bool:
    """Could some page not be read whole (so a blank page may be damage, not a scan)?"""
    return any(p.severity == "error" and p.kind in LOST for p in problems)


def lost_pages(problems: Iterable[Problem]) -> Set[int]:
    """The pages not read whole: what a reader sees there is not what the author made (an image not
    drawn leaves its OCR layer bare), so the visibility of their text is not judged."""
    return {p.page for p in problems if p.severity == "error" and p.kind in LOST and p.page is not None}
