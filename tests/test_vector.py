"""The vector side of the loader at scale: MARG001's clustering (the ordered search against the
direct sweep it replaces), the bit set it keeps its open clusters in, the rectangle reader of the
ink device, the link walk (against PyMuPDF's `get_links()`), and a page of 100,000 margin dots
really analysed. Speed itself is measured by benchmarks/bench.py, not here."""

from __future__ import annotations

import importlib.util
import random

import pymupdf
import pytest

from conftest import FIXTURES, ROOT
from scope_check.model import loader
from scope_check.model import ink
from scope_check.model import document
from scope_check.checks import margins
from scope_check.checks.margins import _Object, _Occupied


def _objects(rng: random.Random, n: int, arrangement: int):
    out = []
    for _ in range(n):
        if arrangement == 0:  # anywhere in a margin strip, any size
            x, y, w, h = rng.uniform(0, 100), rng.uniform(0, 300), rng.uniform(0, 6), rng.uniform(0, 8)
        elif arrangement == 1:  # on a coarse grid: equal edges, touching boxes, zero sizes
            x = rng.choice(range(0, 100, 3)) + rng.choice([0, 0.5, 1])
            y = rng.choice(range(0, 200, 7))
            w, h = rng.choice([0, 0.5, 1, 3]), rng.choice([0, 1, 2])
        else:  # a wide band at nearly one height: many clusters open at once
            x, y, w, h = rng.uniform(0, 600), rng.uniform(0, 30), rng.expovariate(0.3), rng.expovariate(0.5)
        over = {"left": rng.uniform(3, 10)} if rng.random() < 0.5 else {"right": rng.uniform(3, 10)}
        if rng.random() < 0.1:
            over["top"] = 1.0
        out.append(_Object((x, y, x + w, y + h), rng.choice(["text", "drawing", "image"]), "t", over))
    return sorted(out, key=lambda o: (o.bbox[1], o.bbox[0]))


def _ids(groups):
    return [[id(o) for o in g] for g in groups]


@pytest.mark.parametrize("seed", range(4))
def test_the_ordered_search_makes_exactly_the_clusters_of_the_direct_sweep(seed):
    rng = random.Random(seed)
    for trial in range(150):
        ordered = _objects(rng, rng.randint(0, 160), trial % 3)
        direct = margins._sweep(ordered)
        assert _ids(margins._ordered_clusters(ordered)) == _ids(direct)  # same clusters, same member order
        assert _ids(margins._same_edge(direct)) == _ids(margins._same_edge_direct(direct))


def test_the_sweep_gives_way_only_past_its_budget_and_the_result_is_the_same():
    rng = random.Random(9)
    ordered = _objects(rng, 150, 2)
    with pytest.raises(margins._Irregular):
        margins._sweep(ordered, budget=10)
    assert _ids(margins._sweep(ordered, budget=10**9)) == _ids(margins._sweep(ordered))
    # 3,000 objects side by side at one height: every one its own open cluster, so the sweep gives
    # way (its work would be quadratic) and the ordered search makes the same 3,000 clusters
    row = [_Object((i * 3.0, 10.0, i * 3.0 + 0.5, 10.5), "drawing", "", {"left": 1.0}) for i in range(3000)]
    with pytest.raises(margins._Irregular):
        margins._sweep(row, budget=margins.SWEEP_WORK * len(row) + 4096)
    assert _ids(margins._ordered_clusters(row)) == _ids(margins._sweep(row)) == [[id(o)] for o in row]


def test_a_box_that_is_not_a_box_falls_back_to_the_sweep():
    nan = float("nan")
    objs = [_Object((1.0, 1.0, 2.0, 2.0), "drawing", "", {"left": 5.0}),
            _Object((nan, 1.5, 2.5, 2.5), "drawing", "", {"left": 5.0}),
            _Object((3.0, 2.0, 1.0, 3.0), "drawing", "", {"left": 5.0})]  # inverted across
    with pytest.raises(margins._Irregular):
        margins._ordered_clusters(objs)
    assert _ids(margins._clusters(objs)) == _ids(margins._same_edge_direct(margins._sweep(objs)))


@pytest.mark.parametrize("n", [1, 63, 64, 65, 4096, 4097, 70_000])
def test_the_bit_set_finds_the_nearest_taken_positions(n):
    rng = random.Random(n)
    taken, ref = _Occupied(n), set()
    for _ in range(1500):
        i = rng.randrange(n)
        if i in ref:
            taken.remove(i)
            ref.discard(i)
        else:
            taken.add(i)
            ref.add(i)
        q = rng.randrange(-2, n + 2)
        assert taken.before(q) == max((x for x in ref if x <= q), default=-1)
        assert taken.after(q) == min((x for x in ref if x >= q), default=-1)


def test_the_rectangle_reader_gives_the_binding_s_own_values():
    fast = ink.rect_reader()
    low = pymupdf.mupdf._mupdf
    rng = random.Random(3)
    for _ in range(200):
        r = low.ll_fz_transform_rect(pymupdf.mupdf.fz_unit_rect, pymupdf.mupdf.fz_matrix())
        r.x0, r.y0, r.x1, r.y1 = (rng.uniform(-1e6, 1e6) for _ in range(4))
        assert fast(r) == (r.x0, r.y0, r.x1, r.y1)


def _reference_links(page):
    """What `_links` gave before the link walk: PyMuPDF's get_links(), external targets only."""
    kinds = {1: "goto", 2: "uri", 3: "launch", 4: "named", 5: "remote"}
    out = []
    for link in page.get_links():
        kind = kinds.get(link.get("kind"), "other")
        target = link.get("uri") or link.get("file") or ""
        if kind in ("goto", "named") or not target:
            continue
        r = link["from"]
        out.append(document.Link(bbox=(r.x0, r.y0, r.x1, r.y1), uri=target, kind=kind))
    return out


def test_the_link_walk_reads_the_links_get_links_reads(tmp_path):
    doc = pymupdf.open()
    for _ in range(3):
        doc.new_page()
    page = doc[0]
    links = [
        {"kind": pymupdf.LINK_URI, "uri": "https://github.com/someone/project"},
        {"kind": pymupdf.LINK_URI, "uri": "mailto:jane@example.org"},
        {"kind": pymupdf.LINK_LAUNCH, "file": "data/results.csv"},
        {"kind": pymupdf.LINK_GOTOR, "file": "other.pdf", "page": 2, "to": pymupdf.Point(0, 0)},
        {"kind": pymupdf.LINK_GOTO, "page": 2, "to": pymupdf.Point(10, 20)},
        {"kind": pymupdf.LINK_NAMED, "name": "NextPage"},
    ]
    for i, link in enumerate(links):
        page.insert_link({**link, "from": pymupdf.Rect(100, 100 + 20 * i, 300, 112 + 20 * i)})
    path = tmp_path / "links.pdf"
    doc.save(path)
    pdf = pymupdf.open(path)
    walked = list(loader._links(pdf, pdf[0], 1, []))
    assert walked == _reference_links(pdf[0])
    assert [(ln.kind, ln.uri) for ln in walked] == [
        ("uri", "https://github.com/someone/project"), ("uri", "mailto:jane@example.org"),
        ("remote", "data/results.csv"), ("remote", "other.pdf")]  # MuPDF makes a launched file a "file:...#page=" URI


@pytest.mark.parametrize("name", ["anonymity/link_anonymous.pdf", "anonymity/link_cited_library.pdf",
                                  "ci/many_links.pdf", "template/template_review.pdf", "anonymity/email_mailto.pdf"])
def test_the_link_walk_matches_get_links_on_real_papers(name):
    pdf = pymupdf.open(FIXTURES / name)
    for page in pdf:
        assert list(loader._links(pdf, page, page.number + 1, [])) == _reference_links(page)


def _dots():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.dots


def test_a_page_past_the_operation_cap_is_not_analysed(tmp_path):
    from scope_check.safety import limits

    path = _dots()(tmp_path / "over.pdf", limits.MAX_OPERATIONS_PER_PAGE + 1)
    doc = loader.load(str(path))
    (problem,) = doc.problems
    assert (problem.page, problem.severity, problem.kind) == (1, "error", "limit")
    assert f"more than {limits.MAX_OPERATIONS_PER_PAGE:,} drawing" in problem.what
    assert doc.pages[0].ink == () and doc.pages[0].lines == ()


def test_a_page_of_100000_margin_dots_is_analysed(tmp_path):
    path = _dots()(tmp_path / "dots.pdf")
    doc = loader.load(str(path))
    assert not doc.problems  # under the page's cap: nothing left unanalysed
    (page,) = doc.pages
    assert len(page.ink) == 100_000
    from scope_check.checks import load_rules
    from scope_check.engine.runner import check_file

    report = check_file(str(path), load_rules("scope2025-main")).to_json()
    marg = [f for f in report["findings"] if f["code"] == "MARG001"]
    assert len(marg) == 1 and marg[0]["severity"] == "error" and marg[0]["data"]["kind"] == "drawing"
    assert marg[0]["data"]["side"] == "left"
    assert "FILE002" not in {f["code"] for f in report["findings"]}
