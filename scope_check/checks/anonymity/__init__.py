"""ANON: double-blind anonymity. A submission must not name its authors, thank anyone, link to
the authors' own accounts or pages, cite itself in the first person, or carry the authors' names
in its PDF metadata.

Authors leak through channels they cannot see on the page: hyperref writes `pdfauthor` (and
`pdfusetitle` copies the hidden `\\author{}` block) into the metadata, a footnote holds a personal
GitHub link, the template's own Acknowledgments placeholder is left in. Every check reads the
document model only; no URL is ever opened. One module per check: author_block (ANON001),
acknowledgements (ANON002), links (ANON003), self_citation (ANON004), metadata (ANON005); the
URL and e-mail helpers they share are in addresses. Each module declares its own `CHECKS`; the
registry lists each of them (`scope_check.checks.MODULES`).
"""

from __future__ import annotations

from scope_check.checks.anonymity.author_block import author_identity, identity_in_block
from scope_check.checks.anonymity.links import claim_phrase, identifying_link
from scope_check.checks.anonymity.metadata import metadata_author
from scope_check.checks.anonymity.self_citation import self_citations

__all__ = ["author_identity", "claim_phrase", "identifying_link", "identity_in_block", "metadata_author",
           "self_citations"]
