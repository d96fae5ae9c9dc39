"""The cheap tests that spare lines the URL patterns and the line joining its regular expression
(scope_check/analysis/addresses.py) are exact: where one says "nothing here", the pattern it stands
for finds nothing either."""

from __future__ import annotations

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
    import sys
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
