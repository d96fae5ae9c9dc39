"""ANON: a double-blind submission names nobody, thanks nobody, links to nobody's account, cites
itself in the third person and carries no author in its metadata."""

from __future__ import annotations

import csv

import pytest

from conftest import CORPUS, check, codes, pages
from scope_check.analysis import addresses as identity
from scope_check.checks.anonymity import claim_phrase, self_citations
from scope_check.checks import load_rules


def findings(report, code):
    return [f for f in report.findings if f.code == code]


# --- ANON001 author-identity ----------------------------------------------------------------


def test_iclrfinalcopy_is_reported_with_what_the_author_block_shows():
    report = check("anonymity/camera_ready.pdf")
    assert codes(report) == {"ANON001"}
    assert pages(report, "ANON001") == {1}
    (f,) = findings(report, "ANON001")
    assert f.severity == "error"
    assert f.data["mode"] == "camera-ready header"
    assert "{hippo,brain,jen}@cs.cranberry-lemon.edu" in f.data["emails"]
    assert "Cranberry-Lemon University" in f.data["affiliations"]
    assert any("Hippocampus" in n for n in f.data["names"])
    assert f.bbox is not None and f.bbox[1] > 100  # the author block, below the title


def test_the_review_mode_author_block_passes_although_the_source_has_an_author():
    assert not codes(check("anonymity/cites_others.pdf")) & {"ANON001", "ANON005"}


def test_the_camera_ready_header_comes_from_the_rule_file():
    accepted = check("anonymity/wsl_accepted_header.pdf", "wsl2025-extended")
    assert codes(accepted) == {"ANON001"}
    assert findings(accepted, "ANON001")[0].data["header"].startswith("Accepted at the ICLR Workshop")
    assert "ANON001" not in codes(check("anonymity/wsl_review_header.pdf", "wsl2025-extended"))


@pytest.mark.parametrize(
    "text,found",
    [
        ("jane.doe@uni.edu", ["jane.doe@uni.edu"]),
        ("{jane,john}@cs.uni.edu", ["{jane,john}@cs.uni.edu"]),
        ("{jane, john}@uni.edu and x@y.org", ["{jane,john}@uni.edu", "x@y.org"]),
        ("cs.pranav.a{at}gmail.com", ["cs.pranav.a{at}gmail.com"]),
        ("jdoe [at] uni [dot] edu", ["jdoe[at]uni[dot]edu"]),
        ("Paper under double-blind review", []),
        ("see Section 3 at 10 am", []),
    ],
)
def test_email_forms(text, found):
    assert identity.emails(text) == found


# --- ANON002 acknowledgements ---------------------------------------------------------------


def test_the_templates_acknowledgments_placeholder_counts():
    report = check("anonymity/acknowledgements.pdf")
    assert codes(report) == {"ANON002"}
    assert pages(report, "ANON002") == {2}


def test_a_run_in_acknowledgements_paragraph_after_the_references_counts():
    report = check("anonymity/acknowledgements_after_refs.pdf")
    assert codes(report) == {"ANON002"}
    (f,) = findings(report, "ANON002")
    refs = report.measurements["references_page"]
    assert (f.page, f.bbox[1]) > (refs, 0)


def test_the_word_in_running_text_is_not_a_section():
    assert "ANON002" not in codes(check("anonymity/cites_others.pdf"))


# --- ANON003 identifying-link ---------------------------------------------------------------


def test_a_personal_github_link_in_a_footnote_claimed_by_its_sentence():
    report = check("anonymity/link_footnote.pdf")
    assert codes(report) == {"ANON003"}
    (f,) = findings(report, "ANON003")
    assert f.page == 1
    assert f.data["owner"] == "github.com/jdoe"
    assert f.bbox[1] > 600  # the footnote, at the bottom of the page


def test_a_url_wrapped_across_lines_is_joined_from_the_text_layer():
    report = check("anonymity/link_text_wrapped.pdf")
    assert codes(report) == {"ANON003"}
    (f,) = findings(report, "ANON003")
    assert f.page == 2
    assert f.data["url"] == "https://github.com/jdoe/scalable-optimizers-for-efficient-adaptation"
    assert f.data["annotation"] is False


def test_an_href_to_a_personal_site_is_read_from_its_annotation():
    (f,) = findings(check("anonymity/link_personal_page.pdf"), "ANON003")
    assert f.data["annotation"] is True
    assert f.data["kind"] == "personal"


def test_anonymised_links_pass_even_when_claimed():
    assert codes(check("anonymity/link_anonymous.pdf")) == set()


def test_cited_third_party_repositories_are_not_reported():
    assert codes(check("anonymity/link_cited_library.pdf")) == set()


def test_report_unclaimed_lists_every_account_link_as_a_warning(tmp_path):
    own = tmp_path / "strict.yaml"
    own.write_text("name: strict\nextends: scope2025-main\nchecks:\n  ANON003: {report_unclaimed: true}\n")
    report = check("anonymity/link_cited_library.pdf", str(own))
    owners = {f.data["owner"] for f in findings(report, "ANON003")}
    assert {"github.com/google-deepmind", "github.com/EleutherAI", "github.com/jax-ml", "github.com/goodfeli"} <= owners
    assert all(f.severity == "warning" and f.data["claim"] is None for f in findings(report, "ANON003"))
    assert report.verdict == "pass"
    claimed = check("anonymity/link_footnote.pdf", str(own))
    assert [f.severity for f in findings(claimed, "ANON003")] == ["error"]
    assert "ANON003" not in codes(check("anonymity/link_anonymous.pdf", str(own)))


@pytest.mark.parametrize(
    "url,kind,owner",
    [
        ("https://github.com/jdoe/repo", "owner", "github.com/jdoe"),
        ("github.com/jdoe", "owner", "github.com/jdoe"),
        ("https://huggingface.co/datasets/jdoe/set", "owner", "huggingface.co/jdoe"),
        ("https://gitlab.com/lab/tool/-/tree/main", "owner", "gitlab.com/lab"),
        ("https://jdoe.github.io/project/", "personal", "jdoe.github.io"),
        ("https://sites.google.com/view/jane-doe", "personal", "sites.google.com/view/jane-doe"),
        ("http://www.cs.uni.edu/~jdoe/code.zip", "personal", "cs.uni.edu/~jdoe"),
        ("https://vision.ox.ac.uk/projects/x", "institution", "vision.ox.ac.uk"),
        ("https://anonymous.4open.science/r/opt-7F3A", "anonymous", ""),
        ("https://github.com/anonymous-submission-42/code", "anonymous", ""),
        ("https://osf.io/abcde/?view_only=0123abcd", "anonymous", ""),
        ("https://openreview.net/forum?id=xyz", "neutral", ""),
    ],
)
def test_who_a_url_names(url, kind, owner):
    target = identity.classify(url, load_rules("scope2025-main").options("ANON003"))
    assert (target.kind, target.owner) == (kind, owner)


# --- ANON004 self-citation ------------------------------------------------------------------


@pytest.mark.parametrize("pdf,page", [("anonymity/selfcite_authoryear.pdf", 1), ("anonymity/selfcite_numeric.pdf", 2)])
def test_first_person_self_citation_is_a_warning(pdf, page):
    report = check(pdf)
    assert codes(report) == {"ANON004"}
    assert pages(report, "ANON004") == {page}
    assert report.verdict == "pass"
    assert all(f.severity == "warning" for f in report.findings)


def test_we_sentences_that_cite_others_are_not_self_citation():
    assert "ANON004" not in codes(check("anonymity/cites_others.pdf"))


# --- ANON005 metadata-author ----------------------------------------------------------------


def test_pdfauthor_is_reported_with_its_value():
    (f,) = findings(check("anonymity/metadata_pdfauthor.pdf"), "ANON005")
    assert f.data["values"] == {"/Author": "Jane Doe"}


def test_pdfusetitle_copies_the_hidden_author_block():
    report = check("anonymity/metadata_pdfusetitle.pdf")
    assert codes(report) == {"ANON005"}  # the page itself is anonymous
    assert "Hippocampus" in findings(report, "ANON005")[0].data["values"]["/Author"]


def _metadata_only(author="", xmp=""):
    from scope_check.model.document import Document

    return Document(path="x.pdf", file_size=1, sha256="", pages=(), metadata={"author": author}, xmp=xmp, repaired=False)


@pytest.mark.parametrize(
    "xmp,named",
    [
        ("<dc:creator><rdf:Seq><rdf:li>Jane Doe</rdf:li></rdf:Seq></dc:creator>", {"XMP dc:creator": "Jane Doe"}),
        ('<rdf:Description pdf:Author="Jane Doe"/>', {"XMP pdf:Author": "Jane Doe"}),
        ("<dc:creator><rdf:Seq><rdf:li/></rdf:Seq></dc:creator>", None),  # hyperref's empty creator
        ("<dc:creator><rdf:Seq><rdf:li>Anonymous Authors</rdf:li></rdf:Seq></dc:creator>", None),
    ],
)
def test_the_xmp_creator_is_read_too(xmp, named):
    from scope_check.checks.anonymity import metadata_author
    from scope_check.config.spec import Params

    rules = load_rules("scope2025-main")
    found = list(metadata_author(_metadata_only(xmp=xmp), Params(rules, rules.options("ANON005"))))
    assert (found[0].data["values"] if found else None) == named


def test_an_anonymous_pdfauthor_passes():
    assert "ANON005" not in codes(check("anonymity/cites_others.pdf"))


# --- the real papers in ../shared/corpus ----------------------------------------------------


def _corpus_rows():
    table = CORPUS / "EXPECTED.tsv"
    if not table.is_file():
        return []
    with table.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


ROWS = _corpus_rows()
needs_corpus = pytest.mark.skipif(not ROWS, reason="the shared corpus is not beside the project")


def _anon(row):
    from scope_check.engine.runner import Selection, check_file

    return check_file(str(CORPUS / row["file"]), load_rules("scope2025-main"), Selection(select=("ANON", "SCOPE")))


@needs_corpus
@pytest.mark.parametrize("row", [r for r in ROWS if r["anonymous"] == "no"], ids=lambda r: r["file"])
def test_every_named_paper_gets_anon001(row):
    report = _anon(row)
    assert "ANON001" in {f.code for f in report.findings if f.severity == "error"}
    assert 1 in pages(report, "ANON001")  # the author block; e-mail addresses elsewhere add their own pages


@needs_corpus
@pytest.mark.parametrize("row", ROWS, ids=lambda r: r["file"])
def test_corpus_anon_codes_match_what_a_person_expects(row):
    report = _anon(row)
    found = codes(report)
    errors = {f.code for f in report.findings if f.severity == "error"}
    assert "SCOPE001" not in found, [f.message for f in report.findings]
    must_flag = {c for c in row["must_flag"].split() if c.startswith("ANON")}
    must_not = {c for c in row["must_not_flag"].split() if c.startswith("ANON")}
    assert must_flag <= found
    assert not errors & must_not, [(f.code, f.message) for f in report.findings]
    if row["anonymous"] == "yes":  # a review-mode paper gets no ANON error it does not deserve
        assert errors <= must_flag, [(f.code, f.message) for f in report.findings]


# --- the phrases behind ANON003 and ANON004 -------------------------------------------------

@pytest.mark.parametrize(
    "lead",
    [
        "Our code is available at ",
        "Code is available at ",
        "The code and data are available at ",
        "The source code for this paper is available at ",
        "We make our implementation publicly available at ",
        "All code and checkpoints will be released at ",
        "Our models are hosted on HuggingFace: ",
        "We will publicly release the code at ",
        "Project page: ",
        "Code and data: ",
        "To support further research, we release our implementation and all training logs.",
    ],
)
def test_sentences_that_claim_a_link(lead):
    assert claim_phrase(lead)


@pytest.mark.parametrize(
    "lead",
    [
        "We use the implementation available at ",
        "The code of Smith et al. is available at ",
        "Their code is available at ",
        "We use the code released by Hu et al. (2022) at ",
        "We implement our method using Optax (",
        "We provide a comparison with the baseline at ",
        "The original implementation by the authors is available at ",
        "In an attempt to encourage standardized notation, we have included the notation file from the "
        "textbook, Deep Learning (Goodfellow et al., 2016) available at ",
        # a claim about something else, far from the link
        "We release our code as supplementary material, and the optimizer itself is built on the "
        "gradient-transformation library of DeepMind (",
    ],
)
def test_sentences_that_cite_a_link(lead):
    assert claim_phrase(lead) is None


@pytest.mark.parametrize(
    "text",
    [
        "In our previous work (Doe et al., 2023), we showed that",
        "We extend our earlier system [6] with low-rank factors.",
        "As we showed in [6], the loss is convex.",
        "We previously proposed a method (Doe & Roe, 2021) that",
        "Building on our prior work [3, 7], we add momentum.",
        "[6] is our previous work on optimizers.",
        "As we have shown in Doe et al. (2023), the loss is convex.",
    ],
)
def test_first_person_self_citation_phrases(text):
    assert self_citations(text)


@pytest.mark.parametrize(
    "text",
    [
        "We follow Kingma & Ba (2015) and use Adam.",
        "We extend the low-rank method of Hu et al. (2022) to optimizer states.",
        "Our method differs from earlier systems (Bengio & LeCun, 2007) in how it stores curvature.",
        "In their previous work, Goodfellow et al. (2016) discuss the same trade-off.",
        "Our method extends LoRA (Hu et al., 2022).",
        "We compare our previous results in Section 3 with Table 2 [4].",
        "Our earlier experiments confirm that the loss stays in [0, 1].",
        "Unlike prior work [5], our method needs no warm-up.",
    ],
)
def test_we_sentences_citing_others(text):
    assert self_citations(text) == []


#: ANON004's first-person phrases as first written, each starting with its case-insensitive words
#: (the module starts them with `word_start` and `_CITATION_FIRST`, which the matcher skips to faster)
_PLAIN_SELF_STARTS = (r"(?i:\b(?:our|my)", r"(?i:\b(?:our|my)", r"(?i:\bwe", r"(?i:\b(?:as|which|that)")


def _plain_self_patterns():
    import re

    from scope_check.checks.anonymity.common import word_start
    from scope_check.checks.anonymity.self_citation import _CITATION, _CITATION_FIRST, _SELF

    out = []
    for i, pattern in enumerate(_SELF):
        text = pattern.pattern
        if i < len(_PLAIN_SELF_STARTS):
            words = (("our", "my"), ("our", "my"), ("we",), ("as", "which", "that"))[i]
            head = word_start(words) + "(?i:"
            assert text.startswith(head)
            text = _PLAIN_SELF_STARTS[i] + text[len(head):]
        else:
            assert text.startswith(_CITATION_FIRST)
            text = _CITATION + text[len(_CITATION_FIRST):]
        out.append(re.compile(text))
    return out


def test_the_self_citation_patterns_fast_starts_change_no_match():
    """ANON004's first-person phrases start with their first letter matched by a plain class (a
    start the matcher skips to faster than a case-insensitive one): the same matches as the
    patterns as first written, on phrases of every kind, any case, and letters that match i, s or k
    when case is ignored."""
    import random

    from scope_check.checks.anonymity.self_citation import _SELF

    rng = random.Random(4)
    words = ["our", "Our", "OUR", "oUr", "my", "My", "we", "We", "WE", "as", "As", "which", "that", "previous", "prior",
             "own", "earlier", "work", "works", "paper", "system", "previously", "recently", "showed", "shown",
             "in", "is", "an", "extension", "of", "(Doe et al., 2023)", "[6]", "[2-5]", "Doe and Roe (2021)",
             "(e.g., Lee, 2020; Kim, 2019)", "Section 3", ",", ".", "owe", "mywork", "Smith", "we've", "outer",
             "1our", "_our", "\u00e9our", "\u0131s", "\u0130S", "\u017fhown", "x(Doe, 2020)", "a[3]", "\u212aim (2020)"]
    phrases = ["In our previous work (Doe et al., 2023) we", "we extend our earlier system [6].",
               "As we showed in [6], it holds.", "[6] is our previous work.", "We recently proposed [4].",
               "our paper [3]", "Doe et al. (2023), our earlier paper", "which we previously demonstrated in [2-5]",
               "as we have shown in Doe et al. (2023)", "[3, 7] are an extension of our prior"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(2, 40))) for _ in range(3000)]
    texts += [" ".join(rng.choice(words + phrases) for _ in range(rng.randint(1, 6))) for _ in range(3000)]
    texts += [p for phrase in phrases for p in (phrase, phrase.upper(), "x" + phrase, "1" + phrase)]
    plain = _plain_self_patterns()
    for fast, slow in zip(_SELF, plain):
        for text in texts:
            assert [m.span() for m in fast.finditer(text)] == [m.span() for m in slow.finditer(text)], text
    assert all(sum(bool(p.search(t)) for t in texts) > 50 for p in plain)  # the control: the texts hold many


def test_first_letters_holds_every_character_a_letter_matches_ignoring_case():
    """`first_letters` (the plain class that stands for a case-insensitive first letter) must hold
    every character that letter matches under re.IGNORECASE: the Unicode table is asked directly."""
    import re
    import string

    from scope_check.checks.anonymity.common import first_letters, word_start

    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    for letter in string.ascii_lowercase:
        matched = set(re.findall("(?i)" + letter, everything))
        assert set(re.findall(first_letters([letter]), everything)) == matched, letter
    fast = re.compile(word_start(("our", "my", "is")))
    slow = re.compile(r"(?i:\b(?:our|my|is))")
    for text in ["our my is", "Our MY \u0130s \u0131S", "sour 1my _is \u00e9our", "x our", "OUR", "\u017four"]:
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in slow.finditer(text)], text


def test_the_phrases_held_by_the_slower_self_citation_patterns_are_in_every_match():
    """ANON004 does not search a pattern where the phrase every match of it holds (`_HELD`) is not
    in the rest of the text: on phrases of every kind, each match holds it (searched from the
    match's start), and the self-citations found are those of every pattern searched."""
    import random

    from scope_check.checks.anonymity.self_citation import _HELD, _SELF

    rng = random.Random(9)
    words = ["as", "As", "that", "which", "we", "We", "WE", "have", "previously", "showed", "shown", "in", "earlier",
             "before", "our", "Our", "my", "MY", "own", "previous", "prior", "recent", "is", "was", ",", "an",
             "extension", "of", "the", "[6]", "(Doe et al., 2023)", "Doe and Roe (2021)", "[2-5]", "\u0131n",
             "\u017fhowed", "x", "1we", "_our", "\n"]
    phrases = ["As we showed in [6], it holds.", "[6] is our previous work.", "Doe et al. (2023), our earlier paper",
               "which we have previously demonstrated before in (Kim, 2019)", "[3, 7] are an extension of my own prior",
               "that we found in", "is our own", "Lee (2020) was the", "(Doe, 2021),"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(2, 30))) for _ in range(3000)]
    texts += [" ".join(rng.choice(words + phrases) for _ in range(rng.randint(1, 8))) for _ in range(3000)]
    matched = 0
    for pattern, held in zip(_SELF, _HELD):
        if held is None:
            continue
        for text in texts:
            for m in pattern.finditer(text):
                matched += 1
                assert held.search(text, m.start()), text
    assert matched > 100  # the control: the texts hold many
    for text in texts:
        everything = {}
        for pattern in _SELF:
            for m in pattern.finditer(text):
                everything.setdefault(m.start(), " ".join(m.group().split()))
        assert self_citations(text) == sorted(everything.items()), text


def test_outside_tells_whole_pages_as_in_range_tells_each_line():
    """`outside` decides a page at once where the range neither starts nor stops on it: the lines
    it keeps are those `in_range` leaves out, line by line, for pages before, on, between and after
    the range's ends (an open range too), and lines of any height (NaN included)."""
    from types import SimpleNamespace

    from scope_check.checks.anonymity.common import in_range, outside

    ys = [-5.0, 0.0, 99.5, 100.0, 100.5, 300.0, 700.0, float("nan")]
    lines = [SimpleNamespace(bbox=(0.0, y, 10.0, y + 10.0)) for y in ys]
    for span in (None, ((3, 100.0), None), ((3, 100.0), (5, 300.0)), ((3, 100.0), (3, 300.0)),
                 ((4, 100.0), (4, 50.0))):
        for page in range(1, 8):
            assert list(outside(span, page, lines)) == [ln for ln in lines if not in_range(span, page, ln)], (span, page)
