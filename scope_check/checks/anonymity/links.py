"""ANON003 identifying-link: a URL the paper presents as its own that points at an identifiable
owner (an account, a personal or institutional site); anonymised services pass."""

from __future__ import annotations

from typing import Iterator, Optional, Sequence, Tuple

from scope_check.analysis import addresses
from scope_check.checks.anonymity.author_block import author_block
from scope_check.checks.anonymity.common import (
    ABSTRACT, FOOTNOTE_SIZE_RATIO, SECTION, claim_phrase, leading_marker, reading_pages,
)
from scope_check.checks.anonymity.elsewhere import caption_claim
from scope_check.checks.helpers import clipped
from scope_check.model.document import Document, Line
from scope_check.model.findings import Finding, rounded_bbox
from scope_check.config.spec import Check, Param, Params
from scope_check.analysis.structure import Structure, analyse

CHECKS = (
    Check(
        code="ANON003",
        name="identifying-link",
        severity="error",
        summary="A URL, from the text layer (joined where `\\url` wrapped it across lines) or from a link "
        "annotation, that the paper presents as its own (\"our code is available at\", \"we release\", \"Code:\", "
        "a footnote on such a sentence, a link in the abstract) and that points at an identifiable owner: an "
        "account on github.com, gitlab.com, huggingface.co and the like, a personal site (*.github.io, "
        "sites.google.com, ~user pages), an institution's site, or any other non-anonymised host. Anonymised "
        "services (anonymous.4open.science, OSF view-only links) pass. A URL set as text inside a figure (TikZ, "
        "matplotlib PDF) is read like running text, with the figure's caption as the claim (\"our released "
        "toolkit\"). Policy: a link the text merely cites (a "
        "library, a dataset, a notation guide) is not reported, because the checker cannot tell a third party's "
        "account from the authors' own; set `report_unclaimed: true` to list every unclaimed account or personal-site "
        "link too, as a warning.",
        why="Review is double-blind: a link to the authors' own account or site names them.",
        fix="Replace the link with an anonymised copy (https://anonymous.4open.science mirrors a GitHub repository "
        "without its owner) or ship the code as supplementary material; restore the real link in the camera-ready "
        "version.",
        params=(
            Param("anonymous_links", "regexes",
                  ["^anonymous\\.4open\\.science(/|$)",
                   "^osf\\.io/.*[?&]view_only=",  # OSF anonymised view-only link
                   "^figshare\\.com/s/"],  # figshare private link
                  "regular expressions searched in host/path?query (no scheme, no www.) of links that are "
                  "anonymised: they pass"),
            Param("anonymous_owner", "regex", "^anon(ymous|ymised|ymized)?([-_.]|$)|anonymous",
                  "regular expression: an account or personal-site name matching it is anonymous "
                  "(github.com/anonymous-xyz passes)"),
            Param("neutral_hosts", "strings", ["openreview.net"],
                  "hosts (and their subdomains) that identify nobody even when the paper claims the link"),
            Param("owner_hosts", "string lists",
                  {"github.com": [], "gist.github.com": [], "raw.githubusercontent.com": [], "gitlab.com": [],
                   "bitbucket.org": [], "codeberg.org": [], "sourceforge.net": ["projects", "p", "u"],
                   "huggingface.co": ["datasets", "spaces", "models"], "hf.co": ["datasets", "spaces", "models"],
                   "kaggle.com": ["code", "datasets", "models"], "wandb.ai": []},
                  "hosts whose path names an account: host -> the path segments to skip before the account name "
                  "(huggingface.co: [datasets, spaces, models])"),
            Param("personal_hosts", "strings",
                  ["github.io", "gitlab.io", "sites.google.com", "netlify.app", "vercel.app", "pages.dev",
                   "notion.site", "wixsite.com", "wordpress.com", "medium.com", "substack.com"],
                  "host suffixes of personal sites (USER.github.io); a host equal to one names the site in its path "
                  "(sites.google.com/view/NAME)"),
            Param("institution_hosts", "regexes", ["\\.edu$", "\\.edu\\.[a-z]{2}$", "\\.ac\\.[a-z]{2}$"],
                  "regular expressions on the host of an institution's site (\\.edu$, \\.ac\\.[a-z]{2}$)"),
            Param("report_unclaimed", "boolean", False,
                  "also report, as warnings, account and personal-site links that nothing in the text claims as "
                  "the paper's own (false: such links are taken as cited work)"),
        ),
        example="https://github.com/jdoe/scalable-optimizers-for-efficient-adaptation points at the account "
        "'jdoe' on github.com, presented as the paper's own (\"Our code is available\")",
        run="identifying_link",
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
    ),
)


CLAIM_NEAR_MARK = 120


def identifying_link(doc: Document, params: Params) -> Iterator[Finding]:
    s = analyse(doc, params.rules)
    options = params.options
    bare = addresses.bare_url_pattern(list(options["owner_hosts"].keys()) + list(options["personal_hosts"]))
    front = _front_matter(doc, s, params.template["title_size_ratio"], params.template["body_font_size"])
    size = s.body_font_size or 10.0
    report_unclaimed = bool(options["report_unclaimed"])
    in_order = reading_pages(doc, params.rules)
    for page in doc.pages:
        lines = in_order[page.number - 1]
        urls = addresses.merge(
            addresses.text_urls(page.number, lines, bare),
            addresses.annotation_urls(page.number, page.links, lines),
        )
        if not urls:
            continue
        text = addresses.flow(lines)
        for u in urls:
            target = addresses.classify(u.url, options)
            if target.kind in ("anonymous", "neutral"):
                continue
            in_front = page.number == 1 and target.kind in ("owner", "personal")
            claim = _claim(u, lines, text, size, front if in_front else None)
            if claim is None and not (report_unclaimed and target.kind in ("owner", "personal")):
                continue
            if claim is not None:
                how = f"presented as the paper's own ({claim})"
            else:
                how = "a link to a person's or lab's account, with no sign that it is cited work"
            yield Finding(
                "ANON003",
                f"{clipped(u.url, 90)} points at {target.reason}, {how}",
                page=u.page,
                bbox=rounded_bbox(u.bbox),
                data={
                    "url": u.url,
                    "owner": target.owner,
                    "kind": target.kind,
                    "claim": claim,
                    "annotation": u.annotated,
                },
                severity="" if claim is not None else "warning",  # an unclaimed link is only a warning
            )


def _claim(u: addresses.Url, lines: Sequence[Line], text: addresses.Flow, size: float,
           front: Optional[Tuple[float, float]]) -> Optional[str]:
    """Why the URL reads as the paper's own material, or None when nothing says so."""
    if u.line < 0:
        return None
    line = lines[u.line]
    offset = text.offset_of(u.line, u.offset)
    sentence, start = addresses.sentence(text.text, offset)
    note = _footnote_start(lines, u.line, size) if line.size <= FOOTNOTE_SIZE_RATIO * size else None
    if note is not None:  # a footnote's sentence starts in the footnote, not in the body above it
        start = max(start, text.starts[note])
    lead = text.text[start:offset]
    found = claim_phrase(lead)
    if not found and not u.in_text:
        # an \href's visible text belongs to the lead: "on our <project page>"
        found = claim_phrase(text.text[start: text.offset_of(u.line, u.end)])
    if found:
        return f'"{found}"'
    if note is not None:
        marker = _footnote_marker(lines, note, text)
        if marker is not None:
            marked, marked_start = addresses.sentence(text.text, marker)
            found = claim_phrase(text.text[marked_start:marker], near=CLAIM_NEAR_MARK)
            if found:
                return f'a footnote to "{found}"'
    if front is not None and front[0] <= line.bbox[1] < front[1] and line.size > 0.9 * size:
        return "it stands in the abstract"
    return caption_claim(lines, u.line, size)  # a URL set inside a figure: its caption claims it


def _footnote_start(lines: Sequence[Line], index: int, size: float) -> Optional[int]:
    """Index of the first line of the footnote holding line `index` (the one with the mark)."""
    i = index
    while i >= 0:
        if leading_marker(lines[i]):
            return i
        if i == 0 or lines[i - 1].size > FOOTNOTE_SIZE_RATIO * size:
            return None
        i -= 1
    return None


def _footnote_marker(lines: Sequence[Line], note: int, text: addresses.Flow) -> Optional[int]:
    """Offset (in the page's running text) just past the body mark of the footnote starting at
    line `note`."""
    marker = leading_marker(lines[note])
    for j in range(note - 1, -1, -1):
        ln = lines[j]
        column = 0
        for sp in ln.spans:
            if sp.text.strip() == marker and (sp.flags & 1 or sp.size < 0.8 * ln.size):
                return text.offset_of(j, column)
            column += len(sp.text)
    return None


def _front_matter(doc: Document, s: Structure, title_ratio: float,
                  template_size: float) -> Optional[Tuple[float, float]]:
    """The vertical band of page 1 holding the author block and the abstract."""
    block, end = author_block(doc, s, title_ratio, template_size)
    if end is None or not ABSTRACT.match(end.text):
        return None
    top = end.bbox[1]
    bottom = next(
        (h.bbox[1] for h in s.headings if h.page == 1 and h.bbox[1] > top + 1 and SECTION.match(h.text)),
        None,
    )
    if bottom is None:
        return None
    return (top, bottom)
