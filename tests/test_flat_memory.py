"""Flat memory for long documents (scope_check/packed_pages.py): a document of more than
limits.PACK_PAGES_OVER pages keeps each page's text packed, once its text passes
limits.PACK_SPANS_OVER spans, and reads its running text in windows. Here every document is
packed (both thresholds set to 0) and the windows made small, so that real fixture papers cross
many window edges: the report must be the one of the plain load, finding for
finding and measurement for measurement. Peak memory itself is measured by benchmarks/bench.py
(--long), not asserted here."""

from __future__ import annotations

import gc
import importlib.util
import random
import re

import pytest

from conftest import FIXTURES, ROOT

from scope_check.model import loader

from scope_check.model import document
from scope_check.safety import limits
from scope_check.model import packed_pages
from scope_check.checks import text as integrity
from scope_check.analysis import addresses
from scope_check.checks import load_rules
from scope_check.engine.runner import check_file
from scope_check.engine import grouping, runner
from scope_check.checks import margins

#: real papers with findings of the checks whose reading changed for packed documents: hidden text
#: and prompts (TEXT001/TEXT002), thanks and self-citations (ANON002/ANON004), headings and the
#: References (the structure), two columns, text beyond the page
PAPERS = [
    "example/draft_with_problems.pdf",
    "text/white_prompt.pdf",
    "text/discusses_injection.pdf",
    "text/outside_crop_prompt.pdf",
    "text/under_box_prompt.pdf",
    "anonymity/ack_paragraph.pdf",
    "anonymity/selfcite_numeric.pdf",
    "anonymity/selfcite_authoryear.pdf",
    "pages/main_refs_top_p6.pdf",
    "template/twocolumn_neurips_like.pdf",
    "fonts/vspace_headings.pdf",
]


def _pack_every_page(monkeypatch) -> None:
    """Every page with text packed, whatever the document's length and text."""
    monkeypatch.setattr(limits, "PACK_PAGES_OVER", 0)
    monkeypatch.setattr(limits, "PACK_SPANS_OVER", 0)


def _pack_in_small_windows(monkeypatch) -> None:
    """Every page packed and the running text read in small windows (many window edges)."""
    _pack_every_page(monkeypatch)
    monkeypatch.setattr(addresses, "FLOW_WINDOW_CHARS", 2000)
    monkeypatch.setattr(addresses, "FLOW_CONTEXT_CHARS", 2000)
    monkeypatch.setattr(integrity, "TEXT_WINDOW_CHARS", 1000)
    monkeypatch.setattr(integrity, "TEXT_CONTEXT_CHARS", 1000)


@pytest.fixture
def packed_everywhere(monkeypatch):
    _pack_in_small_windows(monkeypatch)


def _report(path: str, rules, docs=None) -> dict:
    out = check_file(path, rules, on_document=None if docs is None else docs.append).to_json()
    out.pop("elapsed_s")
    return out


@pytest.mark.parametrize("relative", PAPERS)
def test_a_packed_load_gives_the_report_of_a_plain_load(relative, monkeypatch):
    rules = load_rules("scope2025-main")
    path = str(FIXTURES / relative)
    plain_docs, packed_docs = [], []
    plain = _report(path, rules, plain_docs)
    assert not packed_pages.is_packed(plain_docs[0])
    _pack_in_small_windows(monkeypatch)
    packed = _report(path, rules, packed_docs)
    assert packed_pages.is_packed(packed_docs[0])
    assert plain["findings"] or plain["measurements"].get("references_page"), "a paper with something to compare"
    assert packed == plain


def test_the_fixtures_cross_window_edges(packed_everywhere):
    """The small windows of these tests do cut the papers' running text into many windows."""
    doc = loader.load(str(FIXTURES / "example/draft_with_problems.pdf"))
    lines = [(page.number, list(page.lines)) for page in doc.pages]
    assert len(list(addresses.windows(lines, addresses.FLOW_WINDOW_CHARS))) >= 5


def test_a_packed_page_reads_as_the_plain_page(monkeypatch):
    path = str(FIXTURES / "example/draft_with_problems.pdf")
    plain = loader.load(path)
    _pack_every_page(monkeypatch)
    packed = loader.load(path)
    assert len(packed.pages) == len(plain.pages)
    for a, b in zip(packed.pages, plain.pages):
        assert isinstance(a, packed_pages.PackedPage) or not (b.lines or b.rotated_lines or b.seen or b.offpage)
        assert packed_pages.unpacked(a) == b
        assert a.char_count == b.char_count
    page = next(p for p in packed.pages if isinstance(p, packed_pages.PackedPage))
    assert page.packed_bytes < sum(len(ln.text) for ln in page.lines) * 3  # compressed, not a copy of objects


def test_a_long_document_of_little_text_stays_plain_and_one_past_the_span_limit_is_packed_from_page_one(
        monkeypatch):
    path = str(FIXTURES / "files/many_pages.pdf")  # 2,000 pages of three lines: 6,000 spans
    plain = loader.load(path)
    assert len(plain.pages) > limits.PACK_PAGES_OVER
    assert sum(map(packed_pages.spans, plain.pages)) <= limits.PACK_SPANS_OVER
    assert not packed_pages.is_packed(plain)  # packing would save it nothing
    monkeypatch.setattr(limits, "PACK_SPANS_OVER", 3000)  # passed on page 1,001
    packed = loader.load(path)
    assert all(isinstance(p, packed_pages.PackedPage) for p in packed.pages)  # the pages before it too
    assert [packed_pages.unpacked(p) for p in packed.pages] == list(plain.pages)


def test_a_held_line_keeps_its_page_decoded_and_is_read_again_as_itself(monkeypatch):
    _pack_every_page(monkeypatch)
    monkeypatch.setattr(limits, "PACKED_PAGES_DECODED", 2)
    doc = loader.load(str(FIXTURES / "example/draft_with_problems.pdf"))
    assert len(doc.pages) > 4
    cache = doc.pages[0]._decoded
    held = doc.pages[0].lines[0]
    spans = doc.pages[1].lines[0].spans
    for _ in range(2):
        for page in doc.pages:
            assert page.lines is not None  # reading the lines decodes a packed page
    assert doc.pages[0].lines[0] is held  # the same object, not an equal copy
    assert doc.pages[1].lines[0].spans is spans
    before = cache.decodes
    del held, spans
    for _ in range(3):
        for page in doc.pages:
            assert page.lines is not None  # reading the lines decodes a packed page
    assert not cache.pinned  # nothing holds them: they are dropped
    assert cache.decodes > before  # and decoded again when read


def test_a_page_never_read_twice_within_the_cache_is_decoded_again(monkeypatch):
    _pack_every_page(monkeypatch)
    doc = loader.load(str(FIXTURES / "example/draft_with_problems.pdf"))
    cache = doc.pages[0]._decoded
    for _ in range(5):
        for page in doc.pages[:3]:
            assert page.lines is page.lines
    assert cache.decodes <= 3


def _generated_paper(tmp_path, pages: int):
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.paper(tmp_path / f"paper_{pages}.pdf", pages)


def _lines_reachable(roots, stop) -> int:
    """How many Line objects `roots` reach (not through the objects of `stop`)."""
    seen = {id(o) for o in stop}
    todo = list(roots)
    count = 0
    while todo:
        o = todo.pop()
        if id(o) in seen or isinstance(o, (str, bytes, int, float, type)):
            continue
        seen.add(id(o))
        if isinstance(o, document.Line):
            count += 1
        todo.extend(gc.get_referents(o))
    return count


def test_the_checks_of_a_long_paper_keep_no_page_text(tmp_path, monkeypatch):
    """A generated paper longer than limits.PACK_PAGES_OVER is packed once its text passes the span
    limit (here lowered: the generated pages hold 68 spans each, so packing starts on page 30), and
    once checked, nothing the checks memoised on it (the structure, the body measurements, the
    hidden spans) holds a line: what they keep of each page are positions and numbers, so memory
    does not grow with its text."""
    monkeypatch.setattr(limits, "PACK_SPANS_OVER", 2000)
    pages = limits.PACK_PAGES_OVER + 20
    path = _generated_paper(tmp_path, pages)
    docs = []
    report = check_file(str(path), load_rules("scope2025-main"), on_document=docs.append)
    doc = docs[0]
    assert report.measurements["pages"] == pages and packed_pages.is_packed(doc)
    assert any(f.code == "PAGE001" for f in report.findings)  # the paper is read and measured
    cache = doc.pages[0]._decoded
    assert not cache.pinned and len(cache.pages) <= limits.PACKED_PAGES_DECODED
    assert doc._derived  # the structure and the rest are memoised ...
    assert _lines_reachable(list(doc._derived.values()), [doc, cache, *doc.pages]) == 0  # ... without lines


WORDS = ["we", "thank", "our", "previous", "work", "(Doe", "et", "al.,", "2023)", "pre-", "vious", "data", "[6]",
         "grant", "model", "results", "is", "shown", "in", "Section", "3."]


@pytest.mark.parametrize("seed", range(6))
def test_windows_find_the_matches_of_one_scan_of_the_whole_text(seed):
    rng = random.Random(seed)
    pages = []
    for number in range(1, 30):
        lines = []
        for k in range(rng.randint(0, 12)):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 9)))
            box = (100.0, 100.0 + 12 * k, 400.0, 110.0 + 12 * k)
            span = document.Span(text, box, "Times-Roman", 10.0, 0, 4)
            lines.append(document.Line.build(text, box, box[3], (span,)))
        pages.append((number, lines))
    whole = addresses.flow([ln for _, lines in pages for ln in lines])
    patterns = [re.compile(r"our\s+previous\s+(?:\w+\s+){0,3}?work"), re.compile(r"\bthank\b[^.]{0,40}"),
                re.compile(r"(?<=work )\(Doe"), re.compile(r"et al\.,? 20\d\d\)?|\[\d\]")]
    for size, context in ((40, 60), (200, 100), (1000, 300)):
        scanner = addresses.Scanner()
        found = {i: [] for i in range(len(patterns))}
        for w in addresses.windows(pages, size, context):
            base = whole.starts[w.first]  # local offsets from the window's first line
            assert w.flow.text[w.lo:w.hi] == whole.text[base + w.lo:base + w.hi]
            for i, rx in enumerate(patterns):
                for m in scanner.finditer(rx, w):
                    at = whole.starts[w.first] + m.start()
                    found[i].append((at, m.group(), w.pages[w.flow.line_at(m.start())]))
        for i, rx in enumerate(patterns):
            expected = [(m.start(), m.group(), pages_of(pages)[whole.line_at(m.start())]) for m in rx.finditer(whole.text)]
            assert found[i] == expected


def pages_of(pages):
    return [number for number, lines in pages for _ in lines]


def test_a_slice_of_a_packed_documents_body_lines_is_read_page_by_page(monkeypatch):
    """`s.body_lines[:n]` of a packed document decodes no page until one is read, and reads as the
    plain document's (the text block read every page's lines into one list: all decoded at once)."""
    from scope_check.analysis.structure import analyse

    rules = load_rules("scope2025-main")
    path = str(FIXTURES / "example/draft_with_problems.pdf")
    plain = analyse(loader.load(path), rules)
    _pack_every_page(monkeypatch)
    monkeypatch.setattr(limits, "PACKED_PAGES_DECODED", 2)
    doc = loader.load(path)
    s = analyse(doc, rules)
    cache = doc.pages[0]._decoded
    before = cache.decodes
    view = s.body_lines[:len(doc.pages) - 1]
    assert cache.decodes == before  # nothing decoded by the slice itself
    assert len(view) == len(doc.pages) - 1 and len(view[1:3]) == 2
    for number, lines in enumerate(view):
        assert lines == plain.body_lines[number]
    for number, furniture in enumerate(s.furniture[1:], start=1):
        assert furniture == plain.furniture[number]
    del lines, furniture
    assert len(cache.pages) <= 2 and not cache.pinned  # read one page at a time, none held


def test_a_long_document_keeps_only_the_most_recent_structures(monkeypatch):
    """A long document (more than limits.PACK_PAGES_OVER pages) keeps at most
    document.DERIVED_KEPT structures (TMPL001 asks for one per bundled template); one dropped is
    computed again, equal, and a short document keeps every one."""
    from scope_check.analysis.structure import analyse
    from scope_check.checks.template import bundled_templates

    path = str(FIXTURES / "example/draft_with_problems.pdf")
    sets = list(bundled_templates())[:4]
    short = loader.load(path)
    plain = [analyse(short, r) for r in sets]
    assert sum(k[0] == "structure" for k in short._derived if type(k) is tuple) == len(sets)
    _pack_every_page(monkeypatch)
    doc = loader.load(path)
    for r in sets:
        analyse(doc, r)
        assert sum(k[0] == "structure" for k in doc._derived if type(k) is tuple) <= document.DERIVED_KEPT
    first = analyse(doc, sets[0])  # dropped, computed again
    assert first.body_pages == plain[0].body_pages and first.headings == plain[0].headings
    assert analyse(doc, sets[0]) is first  # and kept while it is among the most recent


def test_equal_margin_findings_of_copied_pages_share_their_data_and_report_the_same(tmp_path, monkeypatch):
    """A page copied many times gives MARG001 findings equal but for their page; each holds the very
    data and box of the page before's (memory: they are all held until the report groups them). The
    report is the one of findings each with its own data."""
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    path = generate.long(tmp_path / "copies.pdf", "copies", 12)
    seen = []

    def capture(found):
        seen.extend(found)
        return grouping.group(found)

    monkeypatch.setattr(runner, "group", capture)
    shared = check_file(str(path), load_rules("scope2025-main")).to_json()
    marg = [f for f in seen if f.code == "MARG001"]
    assert len({f.page for f in marg}) == 12
    twinned = 0
    for f in marg:
        twins = [g for g in marg if g.page != f.page and g.data == f.data and g.bbox == f.bbox]
        assert all(g.data is f.data and g.bbox is f.bbox for g in twins)
        twinned += bool(twins)
    assert twinned >= len(marg) - 2  # the copies (the first page is the paper's own)
    monkeypatch.setattr(margins, "_shared", lambda f, before, kept: f)
    own = check_file(str(path), load_rules("scope2025-main")).to_json()
    shared.pop("elapsed_s"), own.pop("elapsed_s")
    assert shared == own


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    return generate


@pytest.mark.parametrize("shape", ["figures", "links"])
def test_a_long_document_of_figures_or_links_keeps_its_ink_and_links_packed_apart_from_its_text(
        tmp_path, monkeypatch, shape):
    """A page of a figure holds little text and hundreds of marks (`Page.ink`), a page of links
    twenty `Link`s: their marks count towards limits.PACK_SPANS_OVER, so a long document of them is
    packed (here at its default; their text alone would not pack them: the figure pages hold 204
    objects each, 3 of them spans, the link pages 88, 68 of them spans), and its
    pages keep their ink and links packed as well, in a pickle of their own: reading every page's
    text does not decode them, nor the reverse. Each page reads as the plain load's."""
    pages = limits.PACK_PAGES_OVER + 30
    path = str(_generator().long(tmp_path / f"{shape}.pdf", shape, pages))
    with monkeypatch.context() as m:
        m.setattr(limits, "PACK_PAGES_OVER", pages)  # this document is a short one: plain
        plain = loader.load(path)
    text = sum(len(ln.spans) for p in plain.pages for ln in p.lines + p.rotated_lines)
    assert text <= limits.PACK_SPANS_OVER < sum(map(packed_pages.spans, plain.pages))  # packed for its marks
    doc = loader.load(path)
    assert all(isinstance(p, packed_pages.PackedPage) for p in doc.pages)
    marks = [p for p in plain.pages if p.ink or p.links]
    assert len(marks) == pages
    cache = doc.pages[0]._decoded
    for page in doc.pages:
        assert page.lines is not None
    assert cache.decodes == pages and cache.marks.decodes == 0  # the text alone
    for page in doc.pages:
        assert page.ink is not None and page.links is not None
    assert cache.decodes == pages and cache.marks.decodes == pages  # the marks alone
    for a, b in zip(doc.pages, plain.pages):
        assert packed_pages.unpacked(a) == b
        assert a.ink == b.ink and a.links == b.links
        assert len(a._marks) < 32 * (len(b.ink) + len(b.links))  # less than the boxes' own numbers
    page = doc.pages[-1]
    ink, links = page.ink, page.links
    for other in doc.pages:
        assert other.ink is not None and other.links is not None
    assert page.ink is ink and page.links is links  # held: read again as themselves


@pytest.mark.parametrize("shape", ["links", "links-indirect"])
def test_a_long_document_of_links_has_its_page_tree_mapped_without_every_page_parsed_at_once(
        tmp_path, monkeypatch, shape):
    """MuPDF maps the page tree (page number to page object and back) when the first page is read,
    and to do so parses every page's dictionary: in the `links` shape that dictionary holds the
    page's twenty link annotations (about 19 KB a page parsed, 178 MB at once for 10,000 pages,
    before anything lets it go). A long document has its tree mapped a chunk of pages at a time
    (`loader._page_tree_map`): when the first page is read, MuPDF's cache holds no more parsed
    pages than the loader keeps between two lettings-go (`STORE_EMPTIED_EVERY`), the map is the
    one MuPDF makes on its own (every page's object, both ways), and the document read is the one
    read with MuPDF's own mapping, page for page and problem for problem. `links-indirect` (each
    annotation an object of its own, as pdfTeX writes them) is mapped the same way."""
    import pymupdf

    pages = limits.PACK_PAGES_OVER + 3 * loader.STORE_EMPTIED_EVERY
    path = str(_generator().long(tmp_path / f"{shape}.pdf", shape, pages))
    with pymupdf.open(path) as plain:
        objects = [plain.page_xref(i) for i in range(pages)]  # MuPDF's own map
    held = []
    read_page = loader._page

    def first_page_read(pymupdf, pdf, page, number, *rest):
        if number == 1:
            document = pymupdf.mupdf.pdf_document_from_fz_document(pdf.this)
            raw = document.m_internal
            held.append(sum(pymupdf.mupdf.ll_pdf_get_xref_entry_no_null(raw, x).obj is not None for x in objects))
            assert raw.map_page_count == pages
            assert [pymupdf.mupdf.pdf_to_num(pymupdf.mupdf.pdf_lookup_page_obj(document, i))
                    for i in range(pages)] == objects
            assert [pymupdf.mupdf.pdf_lookup_page_number(document, pymupdf.mupdf.pdf_new_indirect(document, x, 0))
                    for x in objects] == list(range(pages))
        return read_page(pymupdf, pdf, page, number, *rest)

    with monkeypatch.context() as m:
        m.setattr(loader, "_page", first_page_read)
        doc = loader.load(path)
    assert held and held[0] <= loader.STORE_EMPTIED_EVERY < pages
    with monkeypatch.context() as m:
        m.setattr(loader, "_page_tree_map", lambda *args: None)  # MuPDF maps the tree on its own
        own = loader.load(path)
    assert doc.problems == own.problems and len(doc.pages) == len(own.pages) == pages
    for a, b in zip(doc.pages, own.pages):
        assert packed_pages.unpacked(a) == packed_pages.unpacked(b)
        assert a.links == b.links and len(a.links) == 20
