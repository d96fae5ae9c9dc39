"""Messages and hints fitted to the paper they are about, applied by the runner after the checks.

Checks word their hints for the usual case, a LaTeX paper in the venue's template. Three things
about the paper change what an author can use:

- the tool that made the PDF (its Creator and Producer): a Typst or Word paper gets advice in
  that tool's terms, never `\\subsubsection*` or `\\hypersetup`;
- the template: when TMPL001 says the paper is not in the venue's template (a NeurIPS or ACL
  paper checked against ICLR rules), that finding comes first, and advice that only makes sense
  inside the venue's template (remove `\\iclrfinalcopy`) is replaced by "use the template";
- the text layer: symbol-font glyphs that map to the wrong Unicode characters (an affiliation
  dagger extracted as a CJK ideograph, "Pranav A徒") are cleaned out of quotes.

Nothing here decides whether a finding exists or how severe it is.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, List, Mapping, Optional, Sequence, Tuple

from scope_check.checks.helpers import clean_glyphs, template_name
from scope_check.checks.template import other_template
from scope_check.model.document import Document
from scope_check.model.findings import Finding
from scope_check.config.rules import RuleSet
from scope_check.safety.safe_patterns import compile_pattern, lazy

#: codes that explain the others and so are listed first
FIRST = ("TMPL001",)

#: producers by the tool that made the PDF, on the Info dictionary's Creator and Producer
#: (case-insensitive); the first match wins, LaTeX engines before the others (a LaTeX paper's
#: Creator may name an editor)
PRODUCERS: Tuple[Tuple[str, str], ...] = (
    ("latex", r"pdftex|luatex|xetex|xdvipdfmx|dvipdfm|dvips|latex|\btex\b|overleaf"),
    ("typst", r"\btypst\b"),
    ("word", r"microsoft.*word|\bword\b|libreoffice|openoffice|\bwriter\b|google docs|\bpages\b"),
)

#: hints for papers not made with LaTeX, by producer and code; `{...}` fields come from the
#: finding's data (left out when missing). A code without an entry keeps its hint when the hint
#: has no LaTeX in it, else gets the producer's `*` entry
HINTS: Mapping[str, Mapping[str, str]] = {
    "typst": {
        "PAGE001": "Cut the body to {limit} pages; put the appendix after `#bibliography(...)`: only the "
        "pages before the References count.",
        "PAGE002": 'Set US Letter paper: `#set page(paper: "us-letter")` (the template\'s own setting).',
        "MARG001": "Keep content inside the text block: size figures and tables with `width: 100%`, let "
        "long links break, and remove margin notes and comment boxes.",
        "MARG002": "Keep the template's page setup: remove your own `#set page(margin: ...)`; shorten the "
        "text instead.",
        "FONT001": "Keep the template's body size: remove `#set text(size: ...)` below 10 pt around the body.",
        "FONT002": "Keep the template's leading: remove `#set par(leading: ...)` and negative `#v(...)` "
        "around headings.",
        "FONT003": "Typst embeds its own fonts: the font is inside an included figure; export that figure "
        "with its fonts embedded (matplotlib `pdf.fonttype: 42`) or as SVG.",
        "TMPL001": "Use the venue's template unchanged (the official LaTeX template, or a faithful Typst "
        "port: its page, margins, fonts, header and line numbers).",
        "ANON001": "Compile the template in its anonymous (review) mode so it prints \"Anonymous authors\" "
        "and the line numbers; remove names, affiliations and e-mails from the submission.",
        "ANON002": "Delete the Acknowledgments heading and its text from the submission; add them back in "
        "the camera-ready version.",
        "ANON005": "Empty the author in the document metadata: `#set document(author: ())`.",
        "*": "Make the equivalent change in the Typst source (the advice for LaTeX papers does not apply).",
    },
    "word": {
        "PAGE001": "Cut the body to {limit} pages; move the appendix after the References: only the pages "
        "before the References count.",
        "PAGE002": "Set the paper to US Letter (Layout > Size > Letter, 8.5 x 11 in) and export the PDF again.",
        "MARG001": "Keep content inside the margins: resize pictures and tables to the text width, and "
        "export the PDF without comments or tracked changes (File > Export, without markup).",
        "MARG002": "Restore the template's margins (a 5.5 x 9 in text block, 1.5 in from the left edge); "
        "shorten the text instead.",
        "FONT001": "Set the body (the Normal style) in 10 pt Times.",
        "FONT002": "Set the body's line spacing to exactly 11 pt (Paragraph > Line spacing) and remove "
        "reduced spacing before and after headings.",
        "FONT003": "Embed the fonts when exporting (File > Options > Save > Embed fonts in the file; or "
        "export as PDF/A).",
        "TMPL001": "ICLR provides a LaTeX template only: typeset the paper with it (Overleaf has it).",
        "ANON001": "Replace the author block with \"Anonymous authors\"; remove names, affiliations and "
        "e-mails from the submission.",
        "ANON002": "Delete the Acknowledgments heading and its text from the submission; add them back in "
        "the camera-ready version.",
        "ANON005": "Clear the Author property (File > Info > Properties) and remove personal information "
        "(Inspect Document) before exporting the PDF.",
        "*": "Make the equivalent change in the document (the advice for LaTeX papers does not apply).",
    },
}

#: ANON001 on a paper that is not in the venue's template: the template's review mode is the fix
NOT_TEMPLATE_HINTS = {
    "ANON001": "Use the {template} template in its review mode (its default): it prints \"Anonymous "
    "authors\" in place of the author block, the review header and the line numbers; put names, "
    "affiliations and e-mails back only in the camera-ready version.",
}

#: LaTeX in a hint: a control sequence (`\\foo`)
_LATEX = lazy(r"\\[A-Za-z@]+")

def fit(findings: Sequence[Finding], doc: Document, rules: RuleSet) -> List[Finding]:
    producer = producer_of(doc.metadata)

    not_template = other_template(doc, rules)
    template = template_name(rules.template)
    out = []
    for f in findings:
        hint = f.hint
        if producer in HINTS:
            table = HINTS[producer]
            if f.code in table:
                hint = _format(table[f.code], f.data)
            elif _LATEX.search(hint):
                hint = table["*"]
        elif not_template and f.code in NOT_TEMPLATE_HINTS:
            hint = NOT_TEMPLATE_HINTS[f.code].format(template=template)
        message = _cleaned(f.message)
        data = _clean_data(f.data)
        if hint != f.hint or message is not f.message or data is not f.data:
            f = replace(f, hint=hint, message=message, data=data)
        out.append(f)
    return out


def first_codes() -> Tuple[str, ...]:
    return FIRST


def producer_of(metadata: Mapping[str, str]) -> Optional[str]:
    """"latex", "typst", "word" or None, from the PDF's Creator and Producer."""
    text = " ".join(str(metadata.get(k) or "") for k in ("creator", "producer")).lower()
    if not text.strip():
        return None
    for name, pattern in PRODUCERS:
        if compile_pattern(pattern).search(text):
            return name
    return None


def _cleaned(text: str) -> str:
    """`clean_glyphs(text)`, the same string when it changes nothing (an ASCII text holds no glyph
    it removes: most findings' texts, looked at without a regular expression)."""
    if text.isascii():
        return text
    cleaned = clean_glyphs(text)
    return text if cleaned == text else cleaned


def _clean_data(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """`data` with clean_glyphs applied to every string in it (in lists, tuples and dicts), or `data`
    itself when that changes nothing."""
    def clean(value):
        if isinstance(value, str):
            return clean_glyphs(value)
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, tuple):
            return tuple(clean(v) for v in value)
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        return value

    if not any(_unclean(v) for v in data.values()):
        return data
    cleaned = {k: clean(v) for k, v in data.items()}
    return cleaned if cleaned != dict(data) else data


def _unclean(value) -> bool:
    """Does clean_glyphs change a string anywhere in `value`?"""
    if isinstance(value, str):
        return _cleaned(value) is not value
    if isinstance(value, (list, tuple)):
        return any(_unclean(v) for v in value)
    if isinstance(value, dict):
        return any(_unclean(v) for v in value.values())
    return False


class _Missing(dict):
    def __missing__(self, key):
        return "the allowed number of"


def _format(template: str, data: Mapping[str, Any]) -> str:
    return template.format_map(_Missing({k: v for k, v in data.items() if isinstance(v, (str, int, float))}))
