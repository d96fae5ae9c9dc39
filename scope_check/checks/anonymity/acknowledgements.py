"""ANON002 acknowledgements: an Acknowledgements heading anywhere, a bold run-in one, or one set in
the body font with space above it."""

from __future__ import annotations

from typing import Iterator, List, Optional, Sequence, Tuple

from scope_check.model.document import Document, Line
from scope_check.model.findings import BBox, Finding, rounded_bbox
from scope_check.config.spec import Check, Param, Params
from scope_check.analysis.structure import analyse, is_bold, space_above
from scope_check.checks.anonymity.common import reading_pages
from scope_check.checks.anonymity.elsewhere import unheaded_acknowledgements
from scope_check.safety.safe_patterns import lazy

CHECKS = (
    Check(
        code="ANON002",
        name="acknowledgements",
        severity="error",
        summary="An Acknowledgements / Acknowledgments heading anywhere in the paper (any case, small caps, "
        "numbered or not, before or after the References, or a bold run-in paragraph heading). The template's own "
        "placeholder section counts. Without a heading: a thanks or funding sentence in the body, a footnote or "
        "after the conclusion (\"We thank\", \"We would like to thank\", \"The authors are grateful\", \"We "
        "acknowledge the support\", \"This work was supported/funded by\", \"This project has received "
        "funding\"), the placeholder \"We thank the reviewers\" included. Sentences about someone else's funding "
        "(\"Their project was supported by\", \"its authors thank\"), \"we acknowledge that\" (a limitation), code "
        "listings and the reference list pass.",
        why="Review is double-blind: thanks name advisors, colleagues and grants, which identify the authors.",
        fix="Delete the `\\subsubsection*{{Acknowledgments}}` section and its text (the template's placeholder "
        "included) from the submission; add it back in the camera-ready version.",
        fixes={"unheaded": "Delete the thanks and funding sentences (the body, footnotes, after the conclusion) from "
               "the submission; add them back in the camera-ready version."},
        params=(
            Param("headings", "strings", ["Acknowledgements", "Acknowledgments", "Acknowledgement", "Acknowledgment"],
                  "heading words that open an acknowledgements section; a heading (or a bold run-in paragraph "
                  "heading) starting with one counts, ignoring case and numbering"),
        ),
        example='an acknowledgements section "ACKNOWLEDGMENTS" on page 6 (before the REFERENCES): a double-blind '
        "submission thanks nobody",
        run="acknowledgements",
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
    ),
)


def acknowledgements(doc: Document, params: Params) -> Iterator[Finding]:
    s = analyse(doc, params.rules)
    words = tuple(w.casefold() for w in params.options["headings"])
    if not words:
        return
    seen = set()
    hits: List[Tuple[int, BBox, str]] = []
    for h in s.headings:
        if h.key.startswith(words):
            hits.append((h.page, h.bbox, h.title))
            seen.add((h.page, round(h.bbox[1])))
    for page, lines in enumerate(s.body_lines, start=1):
        for i, ln in enumerate(lines):
            title = _run_in_heading(ln, words) or _plain_heading(ln, lines, i, words)
            if title and (page, round(ln.bbox[1])) not in seen:
                hits.append((page, ln.bbox, title))
                seen.add((page, round(ln.bbox[1])))
    refs = s.references
    for page, box, title in sorted(hits, key=lambda h: (h[0], h[1][1])):
        where = ""
        if refs is not None:
            before = (page, box[1]) < (refs.page, refs.bbox[1])
            where = f" ({'before' if before else 'after'} the {refs.title})"
        yield Finding(
            "ANON002",
            f'an acknowledgements section "{title}" on page {page}{where}: a double-blind submission thanks nobody',
            page=page,
            bbox=rounded_bbox(box),
            data={"heading": title},
        )
    yield from unheaded_acknowledgements(doc, s, hits, reading_pages(doc, params.rules))


#: a heading's number ("3", "A.1.", "4.2 ")
_NUMBER = lazy(r"^(?:\d+(?:\.\d+)*\.?\s+)")


def _plain_heading(ln: Line, lines: Sequence[Line], i: int, words: Tuple[str, ...]) -> Optional[str]:
    """A line (`lines[i]`) that is only the word, capitalised, with extra space above it: a heading
    set in the body font (other engines' templates do not always make headings bold or larger)."""
    text = ln.text.strip()
    if " " in text and not text[:1].isdigit():
        return None  # words and no number before them (most lines, told cheaply): no word alone
    text = _NUMBER.sub("", text).rstrip(":")
    if not text[:1].isupper() or " " in text or not text.casefold().startswith(words):
        return None
    return text if space_above(ln, lines, ln.size or 10.0, i) else None


def _run_in_heading(ln: Line, words: Tuple[str, ...]) -> Optional[str]:
    """A paragraph that starts with a bold "Acknowledgements" (`\\paragraph{Acknowledgements}`)."""
    for first in ln.spans:  # the first span with text
        if first.text.strip():
            break
    else:
        return None
    if not is_bold(first):
        return None
    word = _NUMBER.sub("", first.text.strip())
    word = word.split(" ")[0].rstrip(".:").casefold() if word else ""
    if word and word.startswith(words):
        return first.text.strip().rstrip(".:")
    return None
