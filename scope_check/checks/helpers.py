"""Small pieces of wording and geometry that several checks share: page lists, the template's name,
paper-size names, TeX point sizes, the union of boxes and clipped text. Pure functions only."""

from __future__ import annotations

from typing import Iterable, List, Mapping, Optional, Sequence

from scope_check.model.findings import BBox
from scope_check.safety.safe_patterns import lazy

#: page sizes authors end up with, for messages: name -> (width, height) in points
PAPER_SIZES = {
    "US Letter": (612.0, 792.0),
    "A4": (595.28, 841.89),
    "US Legal": (612.0, 1008.0),
    "A5": (419.53, 595.28),
    "B5": (498.9, 708.66),
}
#: the LaTeX class option of each paper size
PAPER_OPTIONS = {"US Letter": "letterpaper", "A4": "a4paper", "US Legal": "legalpaper", "A5": "a5paper", "B5": "b5paper"}
#: a size this close (points, each side) to a named one is that one
PAPER_MATCH = 2.0
#: how many page numbers a list shows before "..."
SHOWN_PAGES = 8
#: one TeX point in PDF points (72.27 TeX pt = 72 PDF pt = 1 in)
TEX_PT = 72.0 / 72.27


def page_list(numbers: Sequence[int]) -> str:
    """'page 3' or 'pages 2, 5, 7' (at most SHOWN_PAGES numbers, then '...')."""
    if len(numbers) == 1:
        return f"page {numbers[0]}"
    shown = ", ".join(map(str, numbers[:SHOWN_PAGES])) + (", ..." if len(numbers) > SHOWN_PAGES else "")
    return f"pages {shown}"


def paper_name(width: float, height: float) -> Optional[str]:
    """The name of a paper size ('US Letter', 'A4') in portrait, or None."""
    for name, (w, h) in PAPER_SIZES.items():
        if abs(width - w) <= PAPER_MATCH and abs(height - h) <= PAPER_MATCH:
            return name
    return None


def template_name(template: Mapping) -> str:
    """How messages name the rule set's template ('ICLR 2025'; 'the template' when unnamed)."""
    return str(template["name"])


def the_template(template: Mapping) -> str:
    """'the ICLR 2025 template', or 'the template' when the rule set names none."""
    name = template_name(template)
    return name if name.startswith("the ") else f"the {name} template"


def tex_points(points: float) -> str:
    """' (10 TeX pt)' when a size in PDF points is a whole number of TeX points, else ''."""
    tex = points / TEX_PT
    return f" ({round(tex)} TeX pt)" if abs(tex - round(tex)) <= 0.05 else ""


def tex_size(points: float) -> str:
    """A size as the template's source writes it: '10 pt' for 9.96 PDF points, else '10.5 pt'."""
    tex = points / TEX_PT
    return f"{round(tex)} pt" if abs(tex - round(tex)) <= 0.05 else f"{points:g} pt"


def inches(points: float) -> str:
    """Points as inches for messages: '5.5', '9', '8.27'."""
    return f"{points / 72:.2f}".rstrip("0").rstrip(".")


def union(boxes: Iterable[BBox]) -> Optional[BBox]:
    """The smallest box holding every box, or None for none."""
    boxes = list(boxes)
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def clipped(text: str, n: int) -> str:
    """The text, cut to n characters with '...' when longer."""
    return text if len(text) <= n else text[: n - 3] + "..."


#: mis-mapped symbol glyphs: one or two CJK ideographs glued to a Latin word (no space between),
#: as symbol fonts' daggers and marks come out of some PDFs; real CJK text stands on its own
CJK_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
LATIN_RANGES = "A-Za-z\u00c0-\u024f"
_GLUED = lazy(
    rf"(?<=[{LATIN_RANGES}])[{CJK_RANGES}]{{1,2}}(?![{CJK_RANGES}])|(?<![{CJK_RANGES}])[{CJK_RANGES}]{{1,2}}(?=[{LATIN_RANGES}])"
)
#: characters that never belong in a quote: the replacement character and the private use area
_JUNK = lazy("[\ufffd\ue000-\uf8ff]")


def clean_glyphs(text: str) -> str:
    """`text` without mis-mapped symbol glyphs ("Pranav A徒" -> "Pranav A")."""
    if not text:
        return text
    return _JUNK.sub("", _GLUED.sub("", text))


def page_ranges(pages: Sequence[int], most: int = 0) -> str:
    """[1, 2, 3, 5, 7, 8] -> "1-3, 5, 7-8"; with `most`, at most that many ranges, then " ..."."""
    out: List[str] = []
    numbers = sorted(set(pages))
    i = 0
    while i < len(numbers):
        j = i
        while j + 1 < len(numbers) and numbers[j + 1] == numbers[j] + 1:
            j += 1
        out.append(str(numbers[i]) if i == j else f"{numbers[i]}-{numbers[j]}")
        i = j + 1
    if most and len(out) > most:
        return ", ".join(out[:most]) + " ..."
    return ", ".join(out)
