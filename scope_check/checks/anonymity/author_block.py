"""ANON001 author-identity: the running header (or the template's notice below the text block,
NeurIPS) in camera-ready mode, no mark of review mode at all, or names, affiliations and e-mail
addresses in the author block between the title and the abstract."""

from __future__ import annotations

import re
from typing import Iterator, List, Optional, Sequence, Tuple

from scope_check.analysis import addresses
from scope_check.checks.anonymity.common import (
    ABSTRACT, GENERIC_EMAIL_LOCALS, GENERIC_USERS, PLACEHOLDER_EMAIL_DOMAINS, SECTION, clean_name, person_names, plain,
    some, word_pattern,
)
from scope_check.checks.anonymity.elsewhere import identity_elsewhere
from scope_check.checks.helpers import union
from scope_check.model.document import Document, Line
from scope_check.model.findings import BBox, Finding, rounded_bbox
from scope_check.config.spec import Check, Param, Params
from scope_check.analysis.structure import FOOTER, HEADER, Structure, analyse, first_footer, first_header, normalise

CHECKS = (
    Check(
        code="ANON001",
        name="author-identity",
        severity="error",
        summary="The paper is not anonymous: the running header is the camera-ready one (\"Published as ...\"), "
        "or nothing marks review mode (no review header, no line-number ruler, no \"Anonymous authors\"), or the "
        "author block between the title and the abstract shows e-mail addresses (including `{jane,john}@uni.edu` "
        "and `jane [at] uni.edu` forms), affiliations or names. The template's \"Anonymous authors / Paper under "
        "double-blind review\" block passes. Outside the author block: an e-mail address anywhere in the text "
        "(footnotes, figures, the running header) or in a `mailto:` link, each with its page; a home-folder path "
        "naming a user (`/home/jdoe/`, `C:\\Users\\jdoe\\`, as in a terminal shown in a figure); names in the "
        "running header (\"Doe et al.\", \"J. Doe\", two or more names); a page-1 `\\thanks` footnote naming an "
        "affiliation, two or more people, or where the work was done. Policy: role mailboxes (contact@, info@), "
        "example addresses (example.com, .example, .invalid) and addresses inside the reference list (a cited "
        "entry's contact) pass; generic user names (user, ubuntu, jovyan) pass.",
        why="Review is double-blind: the submission must not name its authors.",
        fix="Compile with the venue's style in review mode: remove {switch} (the template then prints \"Anonymous "
        "authors\", the review header and the line numbers); put real names, affiliations and e-mails back only in "
        "the camera-ready version.",
        fixes={
            "email": "Remove the address (\"Correspondence to ...\" footnotes, `\\href{{mailto:...}}` links) from the "
            "submission; put it back in the camera-ready version.",
            "user-path": "Redraw the figure or listing with a neutral path (`~/`, `/home/user/`) or crop the path out.",
            "header-names": "Remove the names from the running header (`\\rhead{{}}`, `\\markboth`, `\\fancyhead`): in "
            "review mode the template's header is the only one.",
            "thanks": "Remove the \\thanks{{...}} (affiliations, \"work done at\", names) from the title and author "
            "block; put it back in the camera-ready version.",
        },
        params=(
            Param("anonymous_placeholders", "strings",
                  ["Anonymous authors", "Anonymous author", "Anonymous author(s)", "Anonymous",
                   "Paper under double-blind review", "Anonymous institution", "Anonymous affiliation",
                   "Affiliation", "Address", "Email"],
                  "author-block lines that are the anonymous placeholder (matched ignoring case and punctuation); "
                  "with one present, only e-mail addresses in the block count as identity"),
            Param("affiliation_words", "strings",
                  ["University", "Universität", "Université", "Universidad", "Università", "Universiteit",
                   "Institute", "Institut", "Instituto", "College", "School", "Department", "Dept.", "Faculty",
                   "Laboratory", "Laboratories", "Lab", "Labs", "Center", "Centre", "Academy", "Hospital", "Inc.",
                   "Ltd.", "GmbH", "Corporation", "Foundation", "Independent Researcher", "Google", "DeepMind",
                   "Microsoft", "OpenAI", "NVIDIA", "Meta AI", "IBM Research"],
                  "words that mark an affiliation in the author block (matched as whole words, ignoring case)"),
            Param("generic_email_locals", "strings", GENERIC_EMAIL_LOCALS,
                  "mailbox names of roles, not people (contact, info, support): an address outside the author block "
                  "with one of them passes"),
            Param("placeholder_email_domains", "strings", PLACEHOLDER_EMAIL_DOMAINS,
                  "domains of example addresses (example.com and subdomains; a bare name is a TLD: example, "
                  "invalid): such addresses pass"),
            Param("generic_users", "strings", GENERIC_USERS,
                  "user names in home-folder paths (/home/NAME/) that name nobody (user, ubuntu, jovyan; case ignored)"),
        ),
        example='the paper is not anonymous: the running header on page 1 reads "Published as a conference paper at '
        'ICLR 2025" (camera-ready mode: \\iclrfinalcopy); the author block on page 1 (between the title and the '
        'abstract) shows e-mail address "{hippo,brain,jen}@cs.cranberry-lemon.edu"; names "Antiquus S. Hippocampus", '
        '"Natalia Cerebro", "Amelie P. Amygdale"; affiliations "Department of Computer Science", '
        '"Cranberry-Lemon University"',
        run="author_identity",
        needs=(),  # the visibility facts unread (config.spec.ANALYSES)
    ),
)


AUTHOR_BLOCK_MAX_HEIGHT = 250.0


def author_identity(doc: Document, params: Params) -> Iterator[Finding]:
    s = analyse(doc, params.rules)
    options = params.options
    header = params.template["header"]
    camera = first_header(s, tuple(header["camera_ready"]))
    review = first_header(s, tuple(header["review"]))
    # the template's notice below the block says the mode too (NeurIPS: "Submitted to ..." or the
    # camera-ready "39th Conference ..."); a template without one has no `footer`
    footer = params.template["footer"]
    camera_notice = first_footer(s, tuple(footer["camera_ready"]))
    review_notice = first_footer(s, tuple(footer["review"]))
    block, end = author_block(doc, s, params.template["title_size_ratio"], params.template["body_font_size"])
    placeholders = {plain(p) for p in options["anonymous_placeholders"]}
    placeholder = any(plain(ln.text) in placeholders for ln in block)
    found = identity_in_block(block, placeholder, tuple(options["affiliation_words"]))
    yield from identity_elsewhere(doc, s, options, block, tuple(header["review"]) + tuple(header["camera_ready"]))
    final_copy = params.template["latex_final_copy"]

    reasons: List[str] = []
    box: Optional[BBox] = None
    page = 1
    mode = None
    if camera is not None:
        mode = "camera-ready header"
        page = camera[0]
        switch = f": {final_copy}" if final_copy else ""
        reasons.append(f'the running header on page {camera[0]} reads "{camera[1]}" (camera-ready mode{switch})')
    elif camera_notice is not None:
        mode = "camera-ready notice"
        page = camera_notice[0]
        reasons.append(f'the notice on page {camera_notice[0]} reads "{camera_notice[1]}" (a named version: '
                       f'camera-ready or preprint)')
    elif review is None and review_notice is None and not s.review_ruler_pages and not placeholder:
        mode = "no review marks"
        marks = "no review running header" if not footer["review"] else "no review notice below the text"
        reasons.append(
            f"nothing marks review mode: {marks}, no line-number ruler and no "
            '"Anonymous authors" block (compiled in camera-ready mode or with another template)'
        )
    listed = []
    if found["emails"]:
        listed.append(some("e-mail address", found["emails"]))
    if found["names"]:
        listed.append(some("name", found["names"]))
    if found["affiliations"]:
        listed.append(some("affiliation", found["affiliations"]))
    if listed:
        where = "between the title and the abstract" if end is not None else "below the title"
        reasons.append(f"the author block on page 1 ({where}) shows " + "; ".join(listed))
        page = 1
        box = union(ln.bbox for ln in found["lines"])
    if not reasons:
        return
    if box is None and camera is not None:
        box = _header_box(s, camera[0])
    elif box is None and camera_notice is not None:
        box = _header_box(s, camera_notice[0], FOOTER)
    yield Finding(
        "ANON001",
        "the paper is not anonymous: " + "; ".join(reasons),
        page=page,
        bbox=rounded_bbox(box) if box else None,
        fix_values={"switch": f"`{final_copy}`" if final_copy else "the camera-ready switch"},
        data={
            "mode": mode,
            "header": camera[1] if camera else None,
            **({"notice": camera_notice[1] if camera_notice else None} if "baseline" in footer else {}),
            "review_ruler": bool(s.review_ruler_pages),
            "emails": found["emails"],
            "names": found["names"],
            "affiliations": found["affiliations"],
        },
    )


def _header_box(s: Structure, page: int, role: str = HEADER) -> Optional[BBox]:
    """The box of the first furniture line of `role` (the running header) on `page`."""
    for kind, ln in s.furniture[page - 1]:
        if kind == role:
            return ln.bbox
    return None


def author_block(doc: Document, s: Structure, title_ratio: float,
                 template_size: float = 0.0) -> Tuple[List[Line], Optional[Line]]:
    """The lines of page 1 between the title and the abstract (or the first section when the
    paper has no abstract), and the line that closes the block (None when none was found). A
    title line is `title_ratio` times the body size or larger (the template section's
    `title_size_ratio`); the body size is the measured one, or the template's `template_size` when
    the body was shrunk below it (a `\\small` body, FONT001's: the template's own lines, "Anonymous
    ACL submission", "Abstract", stay the size they were and are no title)."""
    if not s.body_lines or not s.body_lines[0]:
        return [], None
    lines = s.body_lines[0]
    size = max(s.body_font_size or 10.0, template_size)
    big = [ln.max_size >= title_ratio * size for ln in lines]
    start = next((i for i, b in enumerate(big[:12]) if b), None)
    if start is None:
        return [], None
    i = start
    while i + 1 < len(lines) and (big[i + 1] or abs(lines[i + 1].baseline - lines[i].baseline) < 1.0):
        i += 1
    title_bottom = max(ln.bbox[3] for ln in lines[start: i + 1])
    headings = {(round(h.bbox[0], 1), round(h.bbox[1], 1)) for h in s.headings if h.page == 1}
    block: List[Line] = []
    end = None
    for ln in lines[i + 1:]:
        if ln.bbox[1] < title_bottom - 1.0:
            continue
        if ABSTRACT.match(ln.text) or (
            (round(ln.bbox[0], 1), round(ln.bbox[1], 1)) in headings
            and (normalise(ln.text) == "introduction" or (SECTION.match(ln.text) and ln.max_size > 1.1 * size))
        ):
            end = ln
            break
        if ln.bbox[1] > title_bottom + AUTHOR_BLOCK_MAX_HEIGHT:
            break
        block.append(ln)
    if end is not None:
        block = [ln for ln in block if ln.bbox[1] < end.bbox[1] - 1.0]
    return block, end


def identity_in_block(block: Sequence[Line], placeholder: bool, affiliation_words: Tuple[str, ...]) -> dict:
    """E-mail addresses, affiliations and names among the author-block lines. With the template's
    "Anonymous authors" placeholder present, only e-mail addresses count: in review mode the style
    prints nothing else there, so other text in that place is not an author block."""
    affiliation = word_pattern(affiliation_words)
    out = {"emails": [], "names": [], "affiliations": [], "lines": []}
    for ln in block:
        text = ln.text
        hit = False
        for e in addresses.emails(text):
            out["emails"].append(e)
            hit = True
        rest = addresses.EMAIL.sub(" ", text)
        if not placeholder:
            for segment in re.split(r"\s*[;]\s*|,\s+(?=\d*[A-Z])", rest) if affiliation else ():
                if affiliation.search(segment):
                    out["affiliations"].append(clean_name(segment))
                    hit = True
            if not (affiliation and affiliation.search(rest)):
                names = person_names(rest)
                if names:
                    out["names"].extend(names)
                    hit = True
        if hit:
            out["lines"].append(ln)
    for key in ("emails", "names", "affiliations"):
        out[key] = list(dict.fromkeys(v for v in out[key] if v))
    return out
