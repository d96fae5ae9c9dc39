"""Damage and limits, reported instead of passed over.

MuPDF reads what it can of a damaged PDF and says what it could not in warnings ("zlib error",
"content stream is not a stream (900 0 R)"); a page whose content stream broke off comes out with
part of its text, or blank. The loader collects those warnings page by page
(`pymupdf.TOOLS.mupdf_warnings`, reset before each file and each page) together with what it found
itself (an invalid MediaBox, a page that raised, a cap of scope_check.safety.limits that was hit), as
`Problem`s on the document; the FILE checks (`checks.files`) report them as FILE002:

- severity error when a page could not be read whole (a content stream that failed to decode, a
  missing object, a page that raised, a page or part of one left unanalysed by a cap): the other
  checks ran on what could be read, but the verdict is `error`, never `pass`;
- severity warning when MuPDF only repaired something and the page still reads whole (a rebuilt
  cross-reference table, an invalid box replaced by the default, text or metadata shortened).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, List, Optional

from scope_check.safety import limits

#: MuPDF warnings that mean part of a page was lost (matched case-insensitively)
_LOST = re.compile(
    r"zlib error|flate|lzw|ccitt|jbig2|dct|jpx|premature end|unexpected end|read error|treating as end of file"
    r"|cannot (?:load|find) object|not a stream|missing object|object out of range|no xref entry|broken object"
    r"|syntax error in content|unknown operator|stack overflow|recursion|invalid (?:object|reference)"
    r"|circular reference|corrupt|damaged|truncated|may not be correct|unknown filter",
    re.I,
)
#: warnings MuPDF prints for harmless oddities of real papers (checked on the corpus and the fixtures)
_HARMLESS = re.compile(r"bogus font .*ascent/descent|circular dependencies! consider page cleaning", re.I)



@dataclass(frozen=True)
class Problem:
    """Something of one page (or of the whole file, page None) that was damaged or not analysed."""

    page: Optional[int]
    severity: str  # "error": part of the page was not read or not analysed; "warning": repaired or shortened
    kind: str  # "damaged", "repaired", "invalid-box", "limit"
    what: str  # one phrase, no trailing period


def classify(page: Optional[int], warnings: str) -> List[Problem]:
    """MuPDF's warnings for one page (or the file) as problems; harmless ones are dropped."""
    out: List[Problem] = []
    seen = set()
    for raw in warnings.splitlines():
        text = limits.clean_text(" ".join(raw.split()), 300)
        if not text or _HARMLESS.search(text) or text in seen:
            continue
        seen.add(text)
        if _LOST.search(text):
            out.append(Problem(page, "error", "damaged", f"MuPDF: {text[:160]}"))
        elif page is not None and re.search(r"error|invalid|ignoring|repair|bad ", text, re.I):
            out.append(Problem(page, "warning", "repaired", f"MuPDF: {text[:160]}"))
    return out


def take_warnings(pymupdf) -> str:
    try:
        return pymupdf.TOOLS.mupdf_warnings(reset=True) or ""
    except Exception:  # never let the collection itself lose a file
        return ""


def has_lost_pages(problems: Iterable[Problem]) -> bool:
    """Could some page not be read whole (so a blank page may be damage, not a scan)?"""
    return any(p.severity == "error" and p.kind in ("damaged", "limit") for p in problems)
