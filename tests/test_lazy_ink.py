"""The ink of a page read when asked for: a run whose checks do not read every page's ink
(`config.spec.ANALYSES` "ink", `--select PAGE`) loads the document without the ink pass
(`loader.load(..., ink=False)`), each page counted against the operation cap before its text is
read, and reads a page's ink only when something asks (the structure analysis: where the body ends,
each page of a template of columns). What it finds is what the full run finds; a page past the cap
is left empty alike; the file is not left open once the file's checks end, in a forked worker too."""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest

from conftest import CORPUS, FIXTURES

from scope_check import checks as registry
from scope_check.engine import isolation, runner
from scope_check.engine.venues import auto_rules
from scope_check.model import loader
from scope_check.model.document import LazyInkPage
from scope_check.model.ink import count_pass, ink_pass
from scope_check.model.visibility import text_ink_device
from scope_check.safety import limits

#: one-column and two-column papers (their structure reads the ink of every page), damaged ones,
#: figures, hidden text: (path, rule set)
PAPERS = [
    (FIXTURES / "example" / "draft_with_problems.pdf", "scope2025-main"),
    (FIXTURES / "pages" / "main_refs_top_p6.pdf", "scope2025-main"),
    (FIXTURES / "margins" / "figure_linewidth_clipped.pdf", "scope2025-main"),
    (FIXTURES / "text" / "landscape_white_note.pdf", "scope2025-main"),
    (FIXTURES / "venues" / "cvpr2026" / "compliant_review.pdf", "cvpr2026"),
    (FIXTURES / "venues" / "icml2026" / "layout_violation.pdf", "icml2026"),
    (FIXTURES / "venues" / "arr2026" / "camera_with_ruler.pdf", "arr2026-long-camera"),
    (CORPUS / "template_icml2025_example_paper.pdf", "auto"),
    (CORPUS / "template_ieeetran_howto.pdf", "auto"),
    (CORPUS / "acm_sigconf_gecco2018_genotype.pdf", "auto"),
    (CORPUS / "iclr2025_template_typst.pdf", "scope2025-main"),
]


def _exists(path) -> str:
    if not path.exists():
        pytest.skip(f"{path.name} is not here")
    return str(path)


def _rules(name):
    if name == "auto":  # `--rules auto`: the template each paper is set in
        return auto_rules(registry.load_rules, "scope2025-main")
    return registry.load_rules(name)


def _kept(report, prefix):
    return [(f.code, f.all_pages, f.message, f.severity, f.bbox) for f in report.findings if f.code.startswith(prefix)]


@pytest.mark.parametrize("path, rules", PAPERS, ids=[p.name for p, _ in PAPERS])
def test_select_page_finds_what_the_full_run_finds_for_page(path, rules):
    path, rules = _exists(path), _rules(rules)
    full = runner.check_file(path, rules)
    paged = runner.check_file(path, rules, runner.Selection(select=("PAGE",)))
    assert _kept(paged, "PAGE") == _kept(full, "PAGE")
    assert paged.measurements == full.measurements
    assert all(f in _kept(full, "") for f in _kept(paged, ""))  # a gate's finding shown is the full run's too


@pytest.mark.parametrize("path, rules", PAPERS, ids=[p.name for p, _ in PAPERS])
def test_a_page_s_ink_read_when_asked_for_is_the_ink_of_a_full_read(path, rules):
    path = _exists(path)
    full = loader.load(path, visibility_facts=False)
    lazy = loader.load(path, visibility_facts=False, ink=False)
    try:
        assert lazy.problems == full.problems
        assert all(isinstance(p, LazyInkPage) and not p.ink_read for p in lazy.pages if p.lines)
        for a, b in zip(full.pages, lazy.pages):
            assert (b.lines, b.rotated_lines, b.links, b.fonts, b.width, b.height) == (
                a.lines, a.rotated_lines, a.links, a.fonts, a.width, a.height)
        for a, b in reversed(list(zip(full.pages, lazy.pages))):  # in any order, once the file is read
            assert b.ink == a.ink
    finally:
        loader.release(lazy)


def test_the_count_pass_counts_what_the_ink_pass_counts():
    """The cap is decided alike: the counting device stops at the same operation as the ink device."""
    import pymupdf

    for path in (FIXTURES / "margins" / "figure_linewidth_clipped.pdf", FIXTURES / "example" / "draft_with_problems.pdf"):
        pdf = pymupdf.open(str(path))
        try:
            for page in pdf:
                device = text_ink_device()
                ink, counts = ink_pass(page, device)
                counted = count_pass(page)
                assert counted == {"aborted": "", "operations": device.operations}
        finally:
            pdf.close()


def _hostile():
    spec = importlib.util.spec_from_file_location("hostile_generator", FIXTURES / "hostile" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["nested_paths", "zlib_damaged", "missing_objects", "broken_content",
                                  "invalid_boxes", "tiny_font"])
def test_a_hostile_page_is_bounded_and_left_as_a_full_read_leaves_it(tmp_path, name):
    """10 million paths through nested forms: the count pass stops at the cap, before the text is
    read, and the page is empty with the full read's problem; damaged pages say the same."""
    path = str(_hostile().GENERATORS[name](tmp_path / f"{name}.pdf"))
    full = loader.load(path, visibility_facts=False)
    lazy = loader.load(path, visibility_facts=False, ink=False)
    try:
        assert lazy.problems == full.problems
        for a, b in zip(full.pages, lazy.pages):
            assert (b.lines, b.ink) == (a.lines, a.ink)
        if name == "nested_paths":
            assert any(p.kind == "limit" and f"more than {limits.MAX_OPERATIONS_PER_PAGE:,} drawing" in p.what
                       for p in lazy.problems)
    finally:
        loader.release(lazy)


def _open_files(path):
    fd_dir = "/proc/self/fd"
    if not os.path.isdir(fd_dir):
        pytest.skip("no /proc/self/fd")
    real = os.path.realpath(path)
    found = 0
    for fd in os.listdir(fd_dir):
        try:
            found += os.path.realpath(os.readlink(os.path.join(fd_dir, fd))) == real
        except OSError:
            pass
    return found


def test_the_file_is_not_left_open_when_the_checks_end(monkeypatch):
    path = _exists(FIXTURES / "venues" / "cvpr2026" / "compliant_review.pdf")
    read = []
    real = LazyInkPage.ink.fget

    def ink(page):
        read.append((page.number, _open_files(path)))
        return real(page)

    monkeypatch.setattr(LazyInkPage, "ink", property(ink))
    before = _open_files(path)
    report = runner.check_file(path, _rules("cvpr2026"), runner.Selection(select=("PAGE",)))
    assert report.verdict in ("pass", "fail")
    assert read  # two columns: the structure asked for the ink of its pages
    assert _open_files(path) == before


def test_a_forked_worker_reads_the_ink_when_asked_for_and_finds_the_same(tmp_path):
    path = _exists(FIXTURES / "venues" / "cvpr2026" / "compliant_review.pdf")
    rules = _rules("cvpr2026")
    selection = runner.Selection(select=("PAGE",))
    checker = isolation.SingleChecker(rules, selection, time_limit=60, memory_limit_mb=None)
    try:
        (forked,) = list(checker.check_all([path]))
    finally:
        checker.pool.close()
    here = runner.check_file(path, rules, selection)
    assert _kept(forked, "") == _kept(here, "") and forked.measurements == here.measurements


def test_a_file_replaced_after_it_was_read_gives_no_ink_and_no_error(tmp_path):
    path = tmp_path / "paper.pdf"
    shutil.copy(FIXTURES / "margins" / "figure_linewidth_clipped.pdf", path)
    doc = loader.load(str(path), visibility_facts=False, ink=False)
    try:
        os.replace(shutil.copy(FIXTURES / "example" / "draft_with_problems.pdf", tmp_path / "other.pdf"), path)
        assert all(p.ink == () for p in doc.pages)
    finally:
        loader.release(doc)


def test_a_run_that_reads_every_page_s_ink_reads_it_as_the_pages_are_read():
    path = str(FIXTURES / "example" / "draft_with_problems.pdf")
    assert not any(isinstance(p, LazyInkPage) for p in loader.load(path, visibility_facts=False).pages)
    assert not any(isinstance(p, LazyInkPage) for p in loader.load(path, ink=False).pages)  # the same pass
    assert "ink" in runner.analyses(runner.Selection(select=("MARG001",)))
    assert "ink" in runner.analyses(runner.Selection())
    assert "ink" not in runner.analyses(runner.Selection(select=("PAGE", "FONT", "ANON")))


def _page_of(tmp_path, name, content: bytes, form: bytes = b"", pattern: bool = False):
    """A one-page PDF whose content stream is `content` (uncompressed), with a Form XObject /F0
    drawing `form` (its own empty resources) or a tiling pattern /P0 among its resources when asked."""
    import pymupdf

    pdf = pymupdf.open()
    page = pdf.new_page()
    page.insert_text((72, 72), " ")
    xref = page.get_contents()[0]
    pdf.update_stream(xref, content, compress=False)
    resources = "<<"
    if form:
        f = pdf.get_new_xref()
        pdf.update_object(f, "<</Type/XObject/Subtype/Form/BBox[0 0 10 10]/Resources<<>>>>")
        pdf.update_stream(f, form, compress=True)
        resources += f"/XObject<</F0 {f} 0 R>>"
    if pattern:
        t = pdf.get_new_xref()
        pdf.update_object(t, "<</Type/Pattern/PatternType 1/PaintType 1/TilingType 1/BBox[0 0 1 1]/XStep 1/YStep 1>>")
        pdf.update_stream(t, b"0 0 1 1 re f", compress=False)
        resources += f"/Pattern<</P0 {t} 0 R>>"
    pdf.xref_set_key(page.xref, "Resources", resources + ">>")
    path = tmp_path / f"{name}.pdf"
    pdf.save(str(path))
    pdf.close()
    return str(path)


_CAP = limits.MAX_OPERATIONS_PER_PAGE
_PLOT = b"0 0 m 10 10 l S\n" * 1000  # a form of 1,000 strokes


@pytest.mark.parametrize("name, content, form, pattern, fast", [
    ("paths", b"0 0 m 10 10 l S\n" * 1000, b"", False, True),
    ("fill_and_stroke", b"B\n0 0 5 5 re B\n" * 1000, b"", False, True),
    ("form_once", b"q /F0 Do Q\n", _PLOT, False, True),
    ("form_past_the_cap", b"/F0 Do\n" * (_CAP // 1000 + 1), _PLOT, False, False),
    ("form_drawing_itself", b"/F0 Do\n", b"/F0 Do\n", False, False),
    ("do_after_a_comment", b"/F0 %x\nDo\n", _PLOT, False, False),
    ("do_in_a_string", b"BT /F1 10 Tf [(Do)-250(wn)] TJ ET\n", b"", False, True),
    ("pattern_painted", b"/Pattern cs /P0 scn 0 0 500 500 re f\n", b"", True, False),
    ("pattern_unused", b"0.7 0.7 0.7 scn 0 0 5 5 re f [(descent)] TJ\n", b"", True, True),
    ("marks_past_the_cap", b"0 0 1 1 re B\n" * (_CAP // 2 + 1), b"", False, False),
])
def test_the_counting_pass_is_spared_only_where_the_page_cannot_pass_the_cap(tmp_path, name, content, form, pattern,
                                                                               fast):
    """Without patterns painted, soft masks or Type3 fonts, every counted operation holds a letter
    of the streams run (`loader._marks`), a form's once per `Do`: a page within that bound cannot
    pass the cap, and is not counted; any other page is, and a page past the cap is left empty as a
    full read leaves it."""
    import pymupdf

    path = _page_of(tmp_path, name, content, form, pattern)
    pdf = pymupdf.open(path)
    try:
        page = pdf[0]
        measured = []
        assert loader._precheck(pdf, page, 1, measured) == ""
        under = loader._under_cap(pdf, page, measured, page.get_fonts(full=True), {})
        assert under == fast
        if under:
            assert count_pass(page) == {"aborted": "", "operations": count_pass(page)["operations"]}
    finally:
        pdf.close()
    full = loader.load(path, visibility_facts=False)
    lazy = loader.load(path, visibility_facts=False, ink=False)
    try:
        assert lazy.problems == full.problems and lazy.pages[0].ink == full.pages[0].ink
        assert lazy.pages[0].lines == full.pages[0].lines
        if name.endswith("past_the_cap"):
            assert [p.kind for p in lazy.problems] == ["limit"]
    finally:
        loader.release(lazy)
