"""The text side scales: the indexed searches that replaced walks over every line or link give the
walks' answers (checked against the plain definitions on real pages and on crafted edge cases),
and the loader's compact forms (a one-span line sharing its span's text and box, the TEXT002
stream's text read on demand) read the same as the plain ones. Speed and memory are measured by
benchmarks/bench.py, not asserted here."""

from __future__ import annotations

import random

import pytest

from conftest import FIXTURES

from scope_check.model import loader

from scope_check.model import document
from scope_check.analysis import structure
from scope_check.checks import text as integrity
from scope_check.analysis import addresses

PAPERS = ["pages/main_refs_top_p6.pdf", "example/draft_with_problems.pdf"]


def _doc(relative):
    path = FIXTURES / relative
    if not path.exists():
        pytest.skip(f"{relative} is not among the fixtures")
    return loader.load(str(path))


def _toc_by_definition(ln, lines):
    return any(abs(o.baseline - ln.baseline) < 1.0 and o.bbox[0] > ln.bbox[2] and structure._TOC_PAGE.match(o.text)
               for o in lines)


def _line(text, x0, baseline, x1=None):
    x1 = x0 + 5 * len(text) if x1 is None else x1
    box = (float(x0), baseline - 8.0, float(x1), baseline + 2.0)
    span = document.Span(text, box, "Times-Roman", 10.0, 0, 4)
    return document.Line.build(text, box, baseline, (span,))


@pytest.mark.parametrize("relative", PAPERS)
def test_the_table_of_contents_test_answers_as_its_definition_on_real_pages(relative):
    doc = _doc(relative)
    checked = 0
    for page in doc.pages:
        index = structure._PageNumbers(page.lines)
        for ln in page.lines:
            assert index.beside(ln) == _toc_by_definition(ln, page.lines)
            checked += 1
    assert checked > 100


def test_the_table_of_contents_test_at_the_edges_of_its_window():
    rng = random.Random(7)
    lines = [_line("Introduction", 108, 100.0), _line("3", 480, 100.999), _line("iv", 300, 101.0),
             _line("12", 500, 99.0001), _line("7", 100, 100.5), _line(". . . 9", 450, 250.0)]
    for _ in range(300):  # page numbers and titles on nearby baselines, left and right of each other
        base = rng.choice([100.0, 100.5, 101.0, 250.0, 250.9]) + rng.choice([-1.0, -0.999, 0.0, 0.999, 1.0])
        text = rng.choice(["Method", "12", "iv", "x", ". . 3"])
        lines.append(_line(text, rng.uniform(50, 500), base))
    index = structure._PageNumbers(lines)
    assert [index.beside(ln) for ln in lines] == [_toc_by_definition(ln, lines) for ln in lines]
    assert index.beside(lines[0])  # "3" on its baseline, right of it
    assert not structure._PageNumbers([lines[0], _line("3", 20, 100.0)]).beside(lines[0])  # left of it
    for away in (101.0, 99.0):  # exactly 1 pt away: not on its baseline
        assert not structure._PageNumbers([lines[0], _line("3", 480, away)]).beside(lines[0])
    assert structure._PageNumbers([lines[0], _line("3", 480, 99.001)]).beside(lines[0])


def _merge_by_definition(text, annotated):
    out = {}
    for u in annotated:
        key = (u.page, addresses.canonical(u.url))
        if key not in out:
            out[key] = u
    for u in text:
        key = (u.page, addresses.canonical(u.url))
        absorbed = False
        for (page, target), a in list(out.items()):
            if page == u.page and a.annotated and (target == key[1] or target.startswith(key[1])):
                if not a.in_text:
                    out[(page, target)] = addresses.Url(a.url, page, a.bbox, u.line, u.offset, u.end, True, True)
                absorbed = True
                break
        if not absorbed and key not in out:
            out[key] = u
    return sorted(out.values(), key=lambda u: (u.page, u.bbox[1], u.bbox[0]))


def test_merging_links_with_text_urls_answers_as_the_walk_over_every_link():
    rng = random.Random(3)
    hosts = ["github.com/jdoe", "github.com/jdoe/repo", "github.com/jdoe/repo/tree", "jdoe.github.io",
             "www.example.org/a", "example.org/ab", "example.org/a"]
    for trial in range(40):
        annotated, text = [], []
        for _ in range(rng.randint(0, 12)):
            url = "https://" + rng.choice(hosts) + rng.choice(["", "/", "/x"])
            annotated.append(addresses.Url(url, rng.randint(1, 2), (rng.uniform(0, 500), rng.uniform(0, 700), 0, 0),
                                           -1, 0, 0, True, False))
        for i in range(rng.randint(0, 12)):
            url = rng.choice(["https://", "http://", ""]) + rng.choice(hosts)[: rng.randint(8, 30)]
            text.append(addresses.Url(url, rng.randint(1, 2), (rng.uniform(0, 500), rng.uniform(0, 700), 0, 0),
                                      i, 0, len(url), False, True))
        assert addresses.merge(text, annotated) == _merge_by_definition(text, annotated), trial


@pytest.mark.parametrize("relative", PAPERS)
def test_a_one_span_line_shares_its_span_text_and_box_and_reads_the_same(relative):
    doc = _doc(relative)
    one = [ln for p in doc.pages for ln in p.lines if len(ln.spans) == 1]
    assert one
    for ln in one:
        (s,) = ln.spans
        assert ln.bbox == s.bbox
        assert ln.text == " ".join(s.text.split())
        assert (ln.size, ln.max_size) == ((s.size, s.size) if s.text.strip() else (0.0, 0.0))
        if ln.text == s.text:
            assert ln.text is s.text  # one string, not two equal ones
    many = [ln for p in doc.pages for ln in p.lines if len(ln.spans) > 1]
    for ln in many:  # the box of several spans is their union, as before
        assert ln.bbox == (min(s.bbox[0] for s in ln.spans), min(s.bbox[1] for s in ln.spans),
                           max(s.bbox[2] for s in ln.spans), max(s.bbox[3] for s in ln.spans))


@pytest.mark.parametrize("relative", PAPERS)
def test_the_text002_stream_reads_the_printed_text_on_demand_as_the_joined_string(relative):
    doc = _doc(relative)
    stream = integrity._Stream(doc)
    joined = "".join(t + " " for t in stream.texts)
    assert len(stream.raw) == len(joined)
    rng = random.Random(5)
    for _ in range(500):
        a = rng.randint(-50, len(joined) + 50)
        b = a + rng.randint(-5, 400)
        assert stream.raw[a:b] == joined[a:b]
        assert stream.raw[max(0, a):b] == joined[max(0, a):b]
    assert stream.raw[0:len(joined) + 10] == joined
