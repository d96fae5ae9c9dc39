"""The page's text read in the ink pass (`loader._read_page`) or in the counting pass
(`loader._count_and_read`): MuPDF interprets a page once for both the ink or the count (the text
visibility device, the counting device) and the text (its structured-text device, to which the
first passes on every call the text device takes and every call that keeps the stack of clips,
masks, groups and tiles). What it reads is `page.get_text("dict")`'s text, the same ink and the same
visibility facts as a separate ink pass, on pages holding what could tell the two apart: text in a
tiling pattern, a soft mask, a transparency group, ActualText, clip-only and invisible text, text a
clip hides, text beyond the page, annotations and a form field, a rotated page; and on papers."""

from __future__ import annotations

import pytest

from conftest import CORPUS, FIXTURES

from scope_check.model import loader, visibility
from scope_check.model.ink import count_pass, ink_pass

pymupdf = pytest.importorskip("pymupdf")

#: what the loader reads the text with (`loader._page`)
FLAGS = (pymupdf.TEXTFLAGS_DICT | pymupdf.TEXT_MEDIABOX_CLIP) & ~(
    pymupdf.TEXT_PRESERVE_IMAGES | pymupdf.TEXT_PRESERVE_LIGATURES)

PAPERS = [
    FIXTURES / "example" / "draft_with_problems.pdf",
    FIXTURES / "margins" / "figure_linewidth_clipped.pdf",
    FIXTURES / "text" / "landscape_white_note.pdf",
    FIXTURES / "venues" / "arr2026" / "camera_with_ruler.pdf",
    CORPUS / "template_icml2025_example_paper.pdf",  # a figure's title its clip hides
    CORPUS / "acm_sigconf_gecco2018_genotype.pdf",
]

_CONTENT = b"""
BT /F1 11 Tf 72 740 Td (Plain text on the page) Tj ET
q 72 600 100 40 re W n BT /F1 11 Tf 60 620 Td (Text the clip cuts in two, and hides beyond) Tj ET Q
q /Pattern cs /P1 scn 72 500 200 60 re f Q
q /GS1 gs BT /F1 14 Tf 72 460 Td (Text under a soft mask) Tj ET Q
q /X1 Do Q
/Span << /ActualText (Replaced words) >> BDC BT /F1 11 Tf 72 380 Td (Shown words) Tj ET EMC
q BT 7 Tr /F1 20 Tf 72 340 Td (CLIPPING) Tj ET 0 0 1 rg 60 330 200 30 re f Q
BT 3 Tr /F1 11 Tf 72 300 Td (Invisible words) Tj ET
q /Sh1 sh Q
BT /F1 11 Tf 700 200 Td (Beyond the page) Tj ET
q 1 0 0 1 0 0 cm BT /F1 11 Tf 0 Tr 72 250 Td [(Kerned) -250 (text)] TJ ET Q
"""

_PATTERN = b"BT /F1 6 Tf 1 1 Td (pattern text) Tj ET 0 0 0 RG 0 0 m 40 10 l S"
_MASK = b"BT /F1 14 Tf 72 460 Td (Mask text) Tj ET 1 g 72 450 200 30 re f"
_GROUP = b"BT /F1 11 Tf 72 420 Td (Text in a transparency group) Tj ET 0.5 g 72 410 50 5 re f"


def _constructs(path) -> str:
    """A two-page PDF of every construct above (the second page rotated), with a text annotation and
    a filled form field on the first."""
    doc = pymupdf.open()
    page = doc.new_page(width=612, height=792)
    doc.new_page(width=612, height=792)
    font = doc.get_new_xref()
    doc.update_object(font, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    resources = f"<< /Font << /F1 {font} 0 R >> "

    def stream(dictionary: str, data: bytes) -> int:
        xref = doc.get_new_xref()
        doc.update_object(xref, dictionary)
        doc.update_stream(xref, data)
        return xref

    pattern = stream(f"<< /Type /Pattern /PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 40 12] /XStep 40 "
                     f"/Matrix [1 0 0 1 72 500] /YStep 12 /Resources {resources}>> >>", _PATTERN)
    mask = stream(f"<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Group << /S /Transparency /CS "
                  f"/DeviceGray >> /Resources {resources}>> >>", _MASK)
    group = stream(f"<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Group << /S /Transparency >> "
                   f"/Resources {resources}>> >>", _GROUP)
    shading = doc.get_new_xref()
    doc.update_object(shading, "<< /ShadingType 2 /ColorSpace /DeviceRGB /Coords [72 150 300 150] "
                               "/Function << /FunctionType 2 /Domain [0 1] /C0 [1 0 0] /C1 [0 0 1] /N 1 >> >>")
    page_resources = (f"{resources}/Pattern << /P1 {pattern} 0 R >> /XObject << /X1 {group} 0 R >> "
                      f"/ExtGState << /GS1 << /SMask << /S /Luminosity /G {mask} 0 R >> >> >> "
                      f"/Shading << /Sh1 {shading} 0 R >> >>")
    for number in range(2):
        xref = doc[number].xref
        doc.xref_set_key(xref, "Resources", page_resources)
        doc.xref_set_key(xref, "Contents", f"{stream('<< >>', _CONTENT)} 0 R")
    doc[1].set_rotation(90)
    page = doc[0]
    page.add_freetext_annot(pymupdf.Rect(350, 700, 550, 740), "Text of an annotation")
    field = pymupdf.Widget()
    field.field_type = pymupdf.PDF_WIDGET_TYPE_TEXT
    field.field_name = "name"
    field.field_value = "Text of a form field"
    field.rect = pymupdf.Rect(350, 650, 550, 680)
    page.add_widget(field)
    doc.save(str(path))
    doc.close()
    return str(path)


def _separately(page):
    """The ink pass and the text as read before: two runs of the page."""
    device = visibility.text_ink_device()
    ink, counts = ink_pass(page, device)
    return device, ink, counts, page.get_text("dict", flags=FLAGS)


def _same(page) -> None:
    device, ink, counts, raw = loader._read_page(pymupdf, page, FLAGS)
    assert not device.target_failed
    ref_device, ref_ink, ref_counts, ref_raw = _separately(page)
    assert raw["blocks"] == ref_raw["blocks"]
    assert (ink, counts) == (ref_ink, ref_counts)
    assert (device.text, device.painted_clips, device.colours, device.out) == (
        ref_device.text, ref_device.painted_clips, ref_device.colours, ref_device.out)


def _counted_same(page) -> None:
    """The counting pass (a page whose operations cannot be bounded from its streams, `--select PAGE`)
    reads the text in its run alike."""
    counts, raw = loader._count_and_read(pymupdf, page, FLAGS)
    assert counts == count_pass(page)
    assert raw["blocks"] == page.get_text("dict", flags=FLAGS)["blocks"]


def test_the_text_device_takes_the_calls_the_ink_device_passes_on():
    """Another MuPDF whose text device takes other calls would read the text in a run of its own."""
    assert loader._one_pass(pymupdf, FLAGS)


def test_one_run_reads_what_two_runs_read_on_every_construct(tmp_path):
    pdf = pymupdf.open(_constructs(tmp_path / "constructs.pdf"))
    try:
        texts = []
        for page in pdf:
            _same(page)
            _counted_same(page)
            texts.append(" ".join(s["text"] for b in page.get_text("dict", flags=FLAGS)["blocks"]
                                  for ln in b.get("lines", ()) for s in ln["spans"]))
        # the constructs are there to be read (a soft mask's, a group's, the annotation's, the field's,
        # ActualText's); the pattern's is run between the tile's begin and end and not extracted, by both
        assert all(t in texts[0] for t in ("Mask text", "transparency group", "Text of an annotation",
                                           "Text of a form field", "Replaced words", "Invisible words"))
        assert "the clip cuts in two" in texts[0] and "hides beyond" not in texts[0]  # a clip hides text
    finally:
        pdf.close()


@pytest.mark.parametrize("path", PAPERS, ids=[p.name for p in PAPERS])
def test_one_run_reads_what_two_runs_read_on_papers(path):
    if not path.exists():
        pytest.skip(f"{path.name} is not here")
    pdf = pymupdf.open(str(path))
    try:
        for page in pdf:
            _same(page)
            _counted_same(page)
    finally:
        pdf.close()


def test_a_call_the_text_device_refuses_reads_the_text_on_its_own(tmp_path, monkeypatch):
    """A target that raises (here: not a device at all) stops the passing on; the text is then read
    by `get_text`, and the document is the one read in one run."""
    path = _constructs(tmp_path / "constructs.pdf")
    whole = loader.load(path)
    made = visibility.text_ink_device
    monkeypatch.setattr(visibility, "text_ink_device", lambda target=None: made("not a device"))
    refused = loader.load(path)
    assert refused.pages == whole.pages and refused.problems == whole.problems
    monkeypatch.setattr(visibility, "text_ink_device", made)
    counting = visibility.count_text_device
    paged = loader.load(path, visibility_facts=False, ink=False)  # counted: the page paints a pattern
    monkeypatch.setattr(visibility, "count_text_device", lambda target: counting("not a device"))
    refused = loader.load(path, visibility_facts=False, ink=False)
    try:
        assert [p.lines for p in refused.pages] == [p.lines for p in paged.pages] == [p.lines for p in whole.pages]
    finally:
        loader.release(paged)
        loader.release(refused)
    monkeypatch.setattr(visibility, "count_text_device", counting)
    monkeypatch.setattr(loader, "_one_pass", lambda pymupdf, flags: False)  # the two runs of before
    assert loader.load(path).pages == whole.pages
