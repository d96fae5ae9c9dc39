"""ANON005 metadata-author: the PDF's Info /Author or XMP creator naming a person."""

from __future__ import annotations

import html
import re
from typing import Iterator, List, Tuple

from scope_check.checks.anonymity.author_block import plain
from scope_check.checks.helpers import clipped
from scope_check.model.document import Document
from scope_check.model.findings import Finding
from scope_check.config.spec import Check, Param, Params


# elements found by _elements (one linear pass, even over a packet that never closes them)
_XMP_CREATOR = (re.compile(r"<dc:creator\b[^>]{0,200}>", re.I), re.compile(r"</dc:creator>", re.I))
_XMP_LI = (re.compile(r"<rdf:li\b[^>]{0,200}>", re.I), re.compile(r"</rdf:li>", re.I))
_XMP_PDF_AUTHOR = (re.compile(r"<pdf:Author\b[^>]{0,200}>", re.I), re.compile(r"</pdf:Author>", re.I))
_XMP_AUTHOR = re.compile(r"\bpdf:Author\s{0,8}=\s{0,8}[\"']([^\"']{0,2000})[\"']", re.I)


def _elements(text: str, tags) -> List[str]:
    """The contents of each element opened by tags[0] and closed by tags[1], like the lazy
    `<x>(.*?)</x>` but linear: once no closing tag follows, none can follow a later opening."""
    opening, closing = tags
    out = []
    pos = 0
    while True:
        m = opening.search(text, pos)
        if m is None:
            break
        c = closing.search(text, m.end())
        if c is None:
            break
        out.append(text[m.end():c.start()])
        pos = c.end()
    return out
_TAGS = re.compile(r"<[^>]+>")


def metadata_author(doc: Document, params: Params) -> Iterator[Finding]:
    accepted = {plain(v) for v in params.options["anonymous_values"]}
    named = []
    for where, value in _author_values(doc):
        if plain(value) and plain(value) not in accepted:
            named.append((where, value))
    from scope_check.checks.anonymity.elsewhere import metadata_beyond_author

    named.extend(metadata_beyond_author(doc, accepted))
    if not named:
        return
    shown = "; ".join(f'{where} "{clipped(value, 120)}"' for where, value in named)
    yield Finding(
        "ANON005",
        f"the PDF metadata names the author: {shown}",
        hint="Empty the field: `\\hypersetup{pdfauthor={}}` after loading hyperref, and drop the `pdfusetitle` "
        "option (it copies the hidden \\author{} block into the metadata); other tools: clear Author in the "
        "document properties before exporting.",
        data={"values": {where: value for where, value in named}},
    )


def _author_values(doc: Document) -> List[Tuple[str, str]]:
    out = []
    author = (doc.metadata.get("author") or "").strip()
    if author:
        out.append(("/Author", author))
    if doc.xmp:
        for block in _elements(doc.xmp, _XMP_CREATOR):
            items = _elements(block, _XMP_LI) or [block]
            for item in items:
                value = html.unescape(_TAGS.sub("", item)).strip()
                if value and value != author:
                    out.append(("XMP dc:creator", value))
        for value in _elements(doc.xmp, _XMP_PDF_AUTHOR) + _XMP_AUTHOR.findall(doc.xmp):
            value = html.unescape(_TAGS.sub("", value)).strip()
            if value and value != author:
                out.append(("XMP pdf:Author", value))
    return list(dict.fromkeys(out))


CHECKS = (
    Check(
        code="ANON005",
        name="metadata-author",
        severity="error",
        summary="The PDF's Info `/Author` or XMP `dc:creator` / `pdf:Author` holds a value that is not empty or "
        "an anonymous placeholder: hyperref's `pdfauthor`, or `pdfusetitle` copying the hidden \\author{} block. "
        "Beyond the author fields: `/Subject`, `/Keywords` and XMP `dc:subject`/`dc:description`/`pdf:Keywords` "
        "holding an e-mail address, \"by Jane Doe\" or \"Doe et al.\" (topic words pass), and the `/Author` of "
        "an included PDF figure (pdfTeX copies the figure's Info dictionary into the page).",
        why="Review is double-blind: reviewers see the metadata in any PDF viewer's document properties.",
        fix="`\\hypersetup{pdfauthor={}}` and no `pdfusetitle`; clear the author in the exporting tool.",
        params=(
            Param("anonymous_values", "strings",
                  ["Anonymous", "Anonymous authors", "Anonymous author", "Anonymous author(s)", "Anonymous submission",
                   "Author", "Authors", "Paper under double-blind review"],
                  "metadata author values that name nobody (matched ignoring case and punctuation); an empty value "
                  "always passes"),
        ),
        example='the PDF metadata names the author: /Author "Jane Doe"',
        run=metadata_author,
    ),
)
