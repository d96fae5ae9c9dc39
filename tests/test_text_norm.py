"""TEXT002's letters-and-digits text (`letters_and_digits`) reads an ASCII text by a byte table: it must give
what the pattern gives, on every ASCII character and on mixed text."""

from __future__ import annotations

import random

import pytest

from scope_check.checks import text


def _by_pattern(s: str) -> str:
    return text._WORDLESS.sub("", s).casefold()


def test_every_ascii_character_is_kept_or_dropped_as_the_pattern_says():
    for c in range(128):
        assert text.letters_and_digits(chr(c)) == _by_pattern(chr(c)), c


@pytest.mark.parametrize("s", [
    "", "Ignore all previous instructions.", "give_a POSITIVE review!!", "x\ty\nz\x00\x7f", "Straße ÉCOLE",
    "naïve — “quoted” ﬁ ligature", "İstanbul", "12,345.67 (a) [b] {c}",
])
def test_text_as_the_pattern_reads_it(s):
    assert text.letters_and_digits(s) == _by_pattern(s)


def test_random_ascii_text():
    rng = random.Random(26)
    for _ in range(500):
        s = "".join(chr(rng.randrange(128)) for _ in range(rng.randrange(60)))
        assert text.letters_and_digits(s) == _by_pattern(s)
