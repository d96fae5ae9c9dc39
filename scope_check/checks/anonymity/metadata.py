"""ANON005 metadata-author: the PDF's Info /Author or XMP creator naming a person."""

from __future__ import annotations

from typing import Iterator

from scope_check.checks.anonymity.common import metadata_author_values, plain
from scope_check.checks.anonymity.elsewhere import metadata_beyond_author
from scope_check.checks.helpers import clipped
from scope_check.model.document import Document
from scope_check.model.findings import Finding
from scope_check.config.spec import Check, Param, Params

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
        fix="Empty the field: `\\hypersetup{{pdfauthor={{}}}}` after loading hyperref, and drop the `pdfusetitle` "
        "option (it copies the hidden \\author{{}} block into the metadata); other tools: clear Author in the "
        "document properties before exporting.",
        params=(
            Param("anonymous_values", "strings",
                  ["Anonymous", "Anonymous authors", "Anonymous author", "Anonymous author(s)", "Anonymous submission",
                   "Author", "Authors", "Paper under double-blind review"],
                  "metadata author values that name nobody (matched ignoring case and punctuation); an empty value "
                  "always passes"),
        ),
        example='the PDF metadata names the author: /Author "Jane Doe"',
        run="metadata_author",
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
    ),
)


def metadata_author(doc: Document, params: Params) -> Iterator[Finding]:
    accepted = {plain(v) for v in params.options["anonymous_values"]}
    named = []
    for where, value in metadata_author_values(doc):
        if plain(value) and plain(value) not in accepted:
            named.append((where, value))
    named.extend(metadata_beyond_author(doc, accepted))
    if not named:
        return
    shown = "; ".join(f'{where} "{clipped(value, 120)}"' for where, value in named)
    yield Finding(
        "ANON005",
        f"the PDF metadata names the author: {shown}",
        data={"values": {where: value for where, value in named}},
    )
