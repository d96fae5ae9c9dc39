"""Double-blind leaks outside the author block (ANON001/002/003/005 extensions) and the policies
for what passes: role and example e-mail addresses, cited reference entries, generic home paths,
someone else's funding, topic keywords. Fixtures in fixtures/anonymity/ (manifest entries too)."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from conftest import check
from scope_check.analysis import addresses as identity
from scope_check.checks.anonymity import elsewhere as anonymity

RULES_OPTIONS = None


def _anon001(pdf):
    return [f for f in check(pdf).findings if f.code == "ANON001"]


def test_email_in_a_body_footnote_is_reported_with_its_place():
    (finding,) = _anon001("anonymity/email_footnote.pdf")
    assert finding.data["emails"] == ["jdoe@cs.example.edu"] and finding.data["place"] == "footnote"
    assert finding.page == 1 and finding.bbox[1] > 600  # at the foot of the page


def test_email_only_in_a_mailto_link():
    (finding,) = _anon001("anonymity/email_mailto.pdf")
    assert finding.data == {"mode": None, "emails": ["jane.doe@lakeside-university.edu"], "place": "link"}


def test_near_miss_role_example_and_reference_addresses_pass():
    assert not _anon001("anonymity/email_generic.pdf")


@pytest.mark.parametrize("address, nobody", [
    ("contact@lakeside-corpus.org", True),
    ("alice@example.com", True),
    ("bob@mail.example.org", True),
    ("x@host.invalid", True),
    ("anonymous@openreview.net", True),
    ("jdoe@cs.example.edu", False),  # example.edu is not reserved: a real-looking university address
    ("{jane,john}@uni.edu", False),
    ("jane [at] uni [dot] edu", False),
])
def test_email_policy(address, nobody):
    from scope_check.checks import load_rules

    options = load_rules("scope2025-main").options("ANON001")
    assert identity.email_names_nobody(address, options["generic_email_locals"],
                                       options["placeholder_email_domains"]) is nobody


def test_a_terminal_in_a_figure_shows_the_home_folder_and_the_address():
    found = _anon001("anonymity/figure_user_path.pdf")
    assert {f.data.get("user") for f in found} == {"jdoe", None}
    assert ["jdoe@lakeside-university.edu"] in [f.data.get("emails") for f in found]


def test_url_in_a_figure_is_claimed_by_its_caption():
    (finding,) = [f for f in check("anonymity/figure_url.pdf").findings if f.code == "ANON003"]
    assert "caption" in finding.data["claim"] and finding.data["owner"] == "github.com/jdoe"


def test_names_in_the_running_header():
    (finding,) = _anon001("anonymity/header_names.pdf")
    assert finding.data["names"] == ["Doe et al."]


@pytest.mark.parametrize("text, people", [
    ("Doe et al.", ["Doe et al."]),
    ("J. Doe", ["J. Doe"]),
    ("Jane Doe and John Smith", ["Jane Doe", "John Smith"]),
    ("Scalable Optimizers", []),
    ("Efficient Adaptation of Foundation Models", []),
    ("ICLR 2026 Workshop on Trustworthy AI", []),
])
def test_header_people(text, people):
    assert anonymity._header_people(text) == people


def test_thanks_footnote_on_the_title():
    (finding,) = _anon001("anonymity/thanks_affiliation.pdf")
    assert "Lakeside University" in finding.data["text"] and finding.page == 1
    assert not _anon001("anonymity/thanks_neutral.pdf")


@pytest.mark.parametrize("text", [
    "This work was supported by the National Science Foundation under grant 2112345.",
    "We thank the anonymous reviewers for their comments.",
    "1We thank Ann Lee for helpful discussions.",
    "We would like to thank Ann Lee for her help.",
    "The authors are grateful to the Lakeside computing centre.",
    "We gratefully acknowledge the support of the Lakeside Foundation.",
    "This research was partially funded by the Lakeside Foundation.",
    "This project has received funding from the European Research Council.",
    "This material is based upon work supported by the National Science Foundation.",
])
def test_thanks_and_funding_sentences(text):
    assert anonymity._THANKS.search(text)


@pytest.mark.parametrize("text", [
    "The Lakeside Web Corpus was funded by a national research council.",
    "Its authors thank the annotators who labelled it.",
    "Their project was supported by a grant from a foundation for open data.",
    "We acknowledge that our method needs more memory than plain SGD.",
    "Thanks to its sparsity, the update is cheap.",
    "We use the funding rate as a feature.",
])
def test_someone_elses_funding_and_admissions_are_not_thanks(text):
    assert not anonymity._THANKS.search(text)


def test_metadata_beyond_author():
    doc = SimpleNamespace(metadata={"subject": "Submission by Jane Doe", "keywords": "Deep Learning, Low Rank"},
                          xmp="<dc:subject><rdf:Bag><rdf:li>optimization</rdf:li></rdf:Bag></dc:subject>",
                          figure_metadata=((3, "/Author", "Jane Doe"), (4, "/Author", "Anonymous")))
    found = anonymity.metadata_beyond_author(doc, {"anonymous"})
    assert found == [("/Subject", "Submission by Jane Doe"), ("figure on page 3 /Author", "Jane Doe")]


def test_an_included_figure_names_its_author():
    report = check("anonymity/figure_metadata.pdf")
    (finding,) = [f for f in report.findings if f.code == "ANON005"]
    assert finding.data["values"] == {"figure on page 1 /Author": "Jane Doe"}
    assert not [f for f in check("anonymity/figure_metadata_anonymous.pdf").findings if f.code == "ANON005"]


# --- the patterns added for these checks are linear on adversarial input --------------------

def _patterns():
    from scope_check.checks import supplement as supp
    from scope_check.supplement import vcs

    yield from (identity.USER_PATH, identity._OBFUSCATED_AT, identity._OBFUSCATED_DOT, anonymity._THANKS,
                anonymity._THANKS_CUES, anonymity._ET_AL, anonymity._INITIAL_NAME, anonymity._CAPTION,
                anonymity._CAPTION_CLAIM, anonymity._XMP_SUBJECT, anonymity._BY_NAME)
    yield from (supp._COPYRIGHT, supp._YEARS, supp._ROLE, supp._BIB_AUTHOR, supp._SETUP_PY, supp._SETUP_CFG,
                supp._TOML_ARRAY, supp._TOML_SINGLE, supp._TOML_FIELD, supp._TOML_STRING, supp._ALL_RIGHTS,
                supp.CLONE, supp._META_URL, supp._BRACKETED)
    yield from (vcs._REFLOG, vcs._COMMIT_PERSON, vcs._LOOSE, vcs._PACK, vcs._INI_SECTION, vcs._INI_VALUE)


ADVERSARIAL = [c * 20_000 for c in (" ", "a", "A. ", "we ", "/home/", "C:\\Users\\", "copyright ", "(c) 2020, ",
                                    "author = {", "<dc:subject>", "0" * 40 + " ", "name = \"", "[x] ", "Doe et ")]


@pytest.mark.parametrize("pattern", list(_patterns()), ids=lambda p: p.pattern[:40])
def test_added_patterns_are_linear_on_adversarial_input(pattern):
    for text in ADVERSARIAL:
        start = time.perf_counter()
        for line in (text, text + "\n" + text):
            list(pattern.finditer(line))
            pattern.match(line)
        assert time.perf_counter() - start < 5.0, (pattern.pattern, text[:20])  # linear: well under a second alone


def test_the_cheap_tests_before_the_address_and_home_folder_patterns_skip_no_line_that_holds_one():
    """ANON001 runs identity.emails / identity.user_paths only on lines that may hold a match
    (elsewhere.may_hold_email, may_hold_home_folder): on every text where the patterns find one, the
    test says it may."""
    import random

    from scope_check.checks.anonymity.elsewhere import may_hold_email, may_hold_home_folder

    texts = ["jane.doe@uni.edu", "{jane,john}@uni.edu", "jane{at}uni.edu", "jane [at] uni [dot] edu",
             "jane (AT) uni (DOT) edu", "jane<At>uni.edu", "jane [ at ] uni . edu", "see /home/jdoe/run.sh",
             "/Users/jdoe/x", "C:\\Users\\jdoe\\x", "C:\\\\Users\\\\jdoe\\\\x", "c:/users/jdoe/x",
             "D:\\Documents and Settings\\jdoe\\x", "that data at home", "ratio 3/4", "no address"]
    rng = random.Random(26)
    alphabet = "ab @[]{}()<>atAT .dot/\\homeUsrsDcumnt:C"
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60))) for _ in range(20_000)]
    texts += [rng.choice(texts[:16]).replace(" ", rng.choice(["", "  ", "\t"])) for _ in range(200)]
    emails = [t for t in texts if identity.emails(t)]
    homes = [t for t in texts if identity.user_paths(t, ())]
    assert len(emails) > 100 and len(homes) > 10  # the control: the texts hold many of both
    assert all(may_hold_email(t) for t in emails)
    assert all(may_hold_home_folder(t) for t in homes)
    assert not may_hold_email("that data at home") and not may_hold_home_folder("ratio 3/4")


def test_the_thanks_patterns_fast_start_changes_no_match():
    """ANON002's thanks pattern matches the first letters of its three forms by one plain class (a
    start the matcher skips to faster than a case-insensitive one) and checks each form's first
    letter behind it: the same matches as the alternation as first written."""
    import random
    import re

    from scope_check.checks.anonymity.common import after_first, first_letters

    pattern = anonymity._THANKS
    head = first_letters(anonymity._THANKERS + anonymity._FUNDED) + r"(?<![^\W\d_].)(?i:"
    assert pattern.pattern.startswith(head) and pattern.pattern.endswith(")") and not pattern.flags & re.I
    body = pattern.pattern[len(head):-1]
    for words, plain_words in ((anonymity._THANKERS, r"(?:we|the\s+authors?|i)"),
                               (anonymity._FUNDED, r"(?:this|the\s+present|our)")):
        body = body.replace(after_first(words), r"(?<![^\W\d_])" + plain_words)
    plain = re.compile(body, re.I)
    rng = random.Random(2)
    words = ["We", "we", "WE", "thank", "the", "The", "authors", "author", "are", "grateful", "to", "I", "i",
             "would", "like", "acknowledge", "acknowledges", "support", "This", "this", "work", "was", "is",
             "partially", "supported", "by", "Our", "research", "has", "received", "funding", "1We", "x", ",",
             "present", "project", "indebted", "kindly", "funded", "in", "part", "\u0131", "\u0130", "\u00e9", "_",
             "wethank", "Ithank"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(2, 30))) for _ in range(3000)]
    texts += ["1We thank the reviewers.", "The authors are grateful to Jane.", "This work was supported by NSF.",
              "\u0130 thank", "\u0131 gratefully acknowledge the support", "OUR RESEARCH HAS RECEIVED FUNDING"]
    assert sum(bool(plain.search(t)) for t in texts) > 100  # the control: the texts hold many
    for text in texts:
        assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in plain.finditer(text)], text
