"""A document analysed under one bundled template after another (TMPL001 ranking them) reads a line's
own facts from tables kept across the templates (its heading words and type, its lead-in, its pieces):
each template's analysis, typography and text block are those of the document analysed under that
template alone."""

from __future__ import annotations

import pytest

from conftest import fixture_path
from scope_check.analysis.layout import _Cuts, _edges_of, _ends_of, text_block, typography
from scope_check.analysis.structure import _lead_in, _lead_ins, _page_run_ins, _styled, analyse, find_headings
from scope_check.checks.template import bundled_templates
from scope_check.model.loader import load

PAPERS = ["venues/icml2026/compliant_review.pdf", "venues/cvpr2026/compliant_review.pdf",
          "venues/arr2026/compliant_review.pdf", "template/twocolumn_neurips_like.pdf",
          "venues/iclr2027/compliant.pdf"]
#: papers with paragraphs opening with a bold lead-in
RUN_INS = ["statements/cvpr_limitations_run_in.pdf", "statements/icml_impact_run_in.pdf"]


def _measured(doc, rules):
    return analyse(doc, rules), typography(doc, rules), text_block(doc, rules)


@pytest.mark.parametrize("name", PAPERS)
def test_each_template_sees_what_it_sees_alone(name):
    shared = load(fixture_path(name))
    for rules in bundled_templates():
        assert _measured(shared, rules) == _measured(load(fixture_path(name)), rules), rules.name


@pytest.mark.parametrize("name", PAPERS + RUN_INS)
def test_a_lines_kept_facts_are_what_it_says_read_anew(name):
    """The kept tables (`_styled`, `_lead_ins`, `_Cuts`), filled across body sizes and across two
    choices of a page's body lines, give what the line read anew gives."""
    doc = load(fixture_path(name))
    gap = (290.0, 310.0)
    for page in doc.pages:
        for picks in (tuple(range(len(page.lines))), tuple(range(0, len(page.lines), 2))):
            lines = [page.lines[i] for i in picks]
            for size in (8.0, 9.0, 9.5, 10.0, 10.5, 11.0):
                assert _lead_ins(doc, page, picks, size) == [_lead_in(ln, size) for ln in lines], (page.number, size)
                assert list(find_headings([page], [lines], size, (), [_styled(doc, page, picks, size)])) == \
                    list(find_headings([page], [lines], size)), (page.number, size)
                assert list(_page_run_ins(page.number, lines, size, set(), _lead_ins(doc, page, picks, size))) == \
                    list(_page_run_ins(page.number, lines, size, set())), (page.number, size)
            cuts = _Cuts(doc, page.number, picks)
            for size_range in ((7.0, 20.0), (9.5, 10.5)):
                assert _edges_of(lines, size_range, cuts) == _edges_of(lines, size_range), page.number
            assert _ends_of(lines, (100.0, 500.0), gap, cuts) == _ends_of(lines, (100.0, 500.0), gap), page.number
