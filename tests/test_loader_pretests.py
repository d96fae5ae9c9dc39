"""The loader's exact pre-tests: a page dictionary's facts settled with MuPDF's low-level look-ups
(`loader._PageObject`) are those its printed text gives (the tests called without it), the text
operators counted only past their cap give the same verdict, and a /ToUnicode CMap read for some
codes holds what the whole map holds for them."""

from __future__ import annotations

import pymupdf
import pytest

from scope_check.model import fontmap, loader
from scope_check.safety import limits


def _page(tmp_path, **keys):
    """A one-page PDF whose page dictionary has `keys` set (PDF text), opened again from a file."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Some text")
    for key, value in keys.items():
        doc.xref_set_key(page.xref, key, value)
    path = tmp_path / "page.pdf"
    doc.save(path)
    pdf = pymupdf.open(path)
    return pdf, pdf[0]


def _both(pdf, page):
    """(what each test says from the printed text, what it says with the page's object read)."""
    own = loader._PageObject(pymupdf.mupdf, page)
    assert own.xref == page.xref

    def facts(own):
        problems = []
        loader._check_boxes(pdf, page, 1, problems, own)
        return (loader._not_a_page(pdf, page, own), loader._annot_count(pdf, page, own),
                loader._precheck(pdf, page, 1, [], own), problems)

    return facts(None), facts(own)


@pytest.mark.parametrize("keys", [
    {},
    {"MediaBox": "[0 0 0.5 792]"},  # not an area: MuPDF replaces it
    {"MediaBox": "[0 0 1.2 792]", "CropBox": "[10 10 11.4 20]"},  # within the margin: read as text
    {"MediaBox": "[0 0 612 792]", "CropBox": "[0 0 200000 792]"},  # past the largest coordinate settled
    {"CropBox": "[0 0 612]"},
    {"CropBox": "/None"},
    {"Annots": "[<</Type/Annot/Subtype/Text/Rect[0 0 10 10]/P 3 0 R>> <</Subtype/Text>>]"},
    {"Annots": "[3 0 R 3 0 R null]"},
    {"Type": "/Template"},
])
def test_the_page_dictionary_read_in_place_says_what_its_printed_text_says(tmp_path, keys):
    pdf, page = _page(tmp_path, **keys)
    printed, read = _both(pdf, page)
    assert read == printed


def test_a_plain_page_is_settled_without_its_printed_text(tmp_path, monkeypatch):
    pdf, page = _page(tmp_path, MediaBox="[0 0 612 792]", Annots="[3 0 R 3 0 R]")
    own = loader._PageObject(pymupdf.mupdf, page)
    monkeypatch.setattr(type(pdf), "xref_get_key", lambda *a: pytest.fail("printed text read"))
    monkeypatch.setattr(type(pdf), "xref_object", lambda *a, **k: pytest.fail("printed text read"))
    assert loader._not_a_page(pdf, page, own) == ""
    assert loader._annot_count(pdf, page, own) == 2
    assert loader._plain_box(own, "MediaBox") and loader._plain_box(own, "CropBox")
    assert loader._few_fonts(own)
    problems = []
    loader._check_boxes(pdf, page, 1, problems, own)
    assert problems == []


def test_a_font_dictionary_of_inline_fonts_is_counted_from_its_text(tmp_path, monkeypatch):
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Some text")
    resources = doc.xref_get_key(page.xref, "Resources")
    fonts = "<<" + "".join(f"/G{i} <</Type/Font/Subtype/Type1/BaseFont/Helvetica>>" for i in range(6)) + ">>"
    if resources[0] == "xref":
        doc.xref_set_key(int(resources[1].split()[0]), "Font", fonts)
    else:
        doc.xref_set_key(page.xref, "Resources/Font", fonts)
    path = tmp_path / "fonts.pdf"
    doc.save(path)
    pdf = pymupdf.open(path)
    page = pdf[0]
    own = loader._PageObject(pymupdf.mupdf, page)
    assert not loader._few_fonts(own)  # not all references: the printed text is counted
    monkeypatch.setattr(limits, "MAX_FONTS_PER_PAGE", 4)
    said = loader._precheck(pdf, page, 1, None, own)
    assert said == loader._precheck(pdf, page, 1, None) and said.startswith("6 fonts")


@pytest.mark.parametrize("cap", [5, 299, 300, 301, 10_000])
def test_text_operators_counted_past_their_cap_give_the_same_verdict(tmp_path, monkeypatch, cap):
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "x")
    body = b"BT /F1 10 Tf 72 700 Td " + b"(a) Tj " * 150 + b"[(b)] TJ " * 150 + b"ET"
    for i in range(3):  # three content streams of 300 operators each
        xref = doc.get_new_xref()
        doc.update_object(xref, "<<>>")
        doc.update_stream(xref, body)
        doc.xref_set_key(page.xref, "Contents", "[" + " ".join([f"{xref} 0 R"] * (i + 1)) + "]")
    path = tmp_path / "ops.pdf"
    doc.save(path)
    pdf = pymupdf.open(path)
    monkeypatch.setattr(limits, "MAX_TEXT_OPERATORS_PER_PAGE", cap)
    said = loader._precheck_contents(pdf, pdf[0])
    counted = sum(loader._text_operators(pdf.xref_stream(x)) for x in pdf[0].get_contents())
    assert bool(said) == (counted > cap)


CMAP = b"""/CIDInit /ProcSet findresource begin 12 dict begin begincmap
2 beginbfchar <41> <0041> <42> <0078> endbfchar
2 beginbfrange <00> <FF> <0020> <61> <63> [<0061> <0062> <0063>] endbfrange
endcmap end end"""


@pytest.mark.parametrize("wanted", [{}, {0x41: "A"}, {0x42: "B", 0x61: "a", 0x62: "b", 0xFF: "y"},
                                    {c: "?" for c in range(256)}])
def test_a_cmap_read_for_some_codes_holds_the_whole_maps_entries_for_them(wanted):
    whole = fontmap._cmap(CMAP)
    assert fontmap._cmap(CMAP, wanted) == {c: t for c, t in whole.items() if c in wanted}
    assert whole[0x20] == "@" and whole[0x42] == "b" and whole[0x61] == "a"  # the ranges after the chars
