"""The cheap tests that spare lines the URL patterns and the line joining its regular expression
(scope_check/analysis/addresses.py) are exact: where one says "nothing here", the pattern it stands
for finds nothing either."""

from __future__ import annotations

import random
import re
import sys

import pytest

from scope_check.analysis import addresses
from scope_check.model import document

HOSTS = ["github.com", "gitlab.com", "github.io", "sites.google.com", "huggingface.co"]

TEXTS = [
    "We thank the reviewers for their comments.",
    "Code: https://github.com/jdoe/repo and more",
    "see HTTP://EXAMPLE.ORG/x",
    "ftp://files.example.org/pub",
    "visit WWW.Example.com today",
    "visit wWw.example.com today",
    "github.com/jdoe/tool is ours",
    "jdoe.github.io/ hosts it",
    "and/or a fraction 1/2",
    "www example com",
    "GITHUB.COM/JDOE",
    "the domain github.com alone",
    "",
]


def _line(text):
    span = document.Span(text, (0.0, 0.0, 300.0, 10.0), "Times", 10.0, 0, 0)
    return document.Line.build(text, (0.0, 0.0, 300.0, 10.0), 8.0, (span,))


@pytest.mark.parametrize("text", TEXTS)
def test_a_line_that_may_hold_no_url_has_none(text):
    bare = addresses.bare_url_pattern(HOSTS)
    found = addresses.text_urls(1, [_line(text)], bare)
    direct = [m for p in (addresses._URL, bare) for m in p.finditer(text)]
    assert addresses.may_hold_url(text) or not (found or direct)


def test_only_w_lowers_to_w():
    # may_hold_url looks for "www." in the lower-cased text: exact only if no other character lowers to one
    assert [c for c in range(sys.maxunicode + 1) if set(chr(c).lower()) & {"w", "."}] == [0x2E, 0x57, 0x77]


@pytest.mark.parametrize("previous, following, joined", [
    ("pre-", "vious work", "previous work"),
    ("pre-\n", "vious", "pre-vious"),  # "$" matches before a final newline too (the last character is dropped)
    ("A-", "b", "A- b"),
    ("well", "done", "well done"),
    ("x -", "y", "x - y"),
])
def test_flow_joins_a_hyphenated_word_as_the_pattern_says(previous, following, joined):
    assert addresses.flow([_line(previous), _line(following)]).text == joined


#: the sentence end as first written, its abbreviations looked for before the mark
_SENTENCE_END_BEFORE = re.compile(
    r"(?<!\bet al)(?<!\be\.g)(?<!\bi\.e)(?<!\bcf)(?<!\bFig)(?<!\bEq)(?<!\bSec)(?<!\bvs)"
    r"(?<!\bal)(?<!\bNo)(?<![A-Z])[.!?][\"'\u201d)]?\s+(?=[A-Z0-9\[(\u201c])")


def test_the_sentence_end_matches_as_with_its_abbreviations_before_the_mark():
    pieces = ["Doe et al. Show", "as in Fig. 3", "e.g. This", "i.e. That", "cf. Smith", "Eq. 4", "Sec. 2",
              "A vs. B", "No. 5", "the U.S. Army", "done. Next", "why? Because", "yes! Then", "it.\u201d The",
              "end.) (Then", "pet al. Pet", "Fig.\nNext", "x.  [1] y", "al. Al", "x!? Y", "ends.", "."]
    rng = random.Random(26)
    for _ in range(300):
        text = " ".join(rng.choice(pieces) for _ in range(rng.randrange(1, 8)))
        for lo in range(0, len(text) + 1, 3):
            for hi in (lo + 5, lo + 40, len(text)):
                assert [m.span() for m in addresses._SENTENCE_END.finditer(text, lo, hi)] == \
                    [m.span() for m in _SENTENCE_END_BEFORE.finditer(text, lo, hi)], (text, lo, hi)
