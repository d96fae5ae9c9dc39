"""The body layout's measurements read their pieces of a line the way `pieces` cuts it: the text
block's cut (`piece_extents`, the x-extents alone) is the same cut, on every line of real papers."""

from __future__ import annotations

import pytest

from conftest import fixture_path
from scope_check.analysis.layout import GUTTER_MIN, piece_extents, pieces
from scope_check.model.loader import load

PAPERS = ["venues/icml2026/compliant_review.pdf", "venues/cvpr2026/compliant_review.pdf",
          "venues/arr2026/compliant_review.pdf", "template/twocolumn_neurips_like.pdf", "margins/margin_notes.pdf",
          "venues/iclr2027/compliant.pdf"]


@pytest.mark.parametrize("name", PAPERS)
def test_piece_extents_are_the_pieces_x_extents(name):
    doc = load(fixture_path(name))
    cut = 0
    for page in doc.pages:
        for line in page.lines:
            for gap in (GUTTER_MIN, 1.0, 15.0):
                want = [(box[0], box[2]) for box, _ in pieces(line, gap)]
                assert piece_extents(line, gap) == want, (page.number, line.text)
                cut += len(want) > 1
    assert cut  # lines cut in two or more somewhere (columns merged on a baseline, a gap of 1 pt)
