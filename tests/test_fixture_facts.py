"""The fixtures are what they claim, read by an independent PDF library (pypdf), so the checks'
tests do not only agree with the reader the checks themselves use."""

from __future__ import annotations

import pypdf
import pytest

from conftest import FIXTURES


def reader(relative: str) -> pypdf.PdfReader:
    return pypdf.PdfReader(str(FIXTURES / relative))


@pytest.mark.parametrize("pdf", ["anonymity/metadata_pdfauthor.pdf", "anonymity/metadata_pdfusetitle.pdf",
                                 "example/draft_with_problems.pdf"])
def test_the_metadata_fixtures_name_a_person_in_author(pdf):
    assert (reader(pdf).metadata.author or "").strip() not in ("", "Anonymous")


def test_the_compliant_fixture_has_no_author_in_its_metadata():
    assert not (reader("pages/main_refs_top_p6.pdf").metadata.author or "").strip()


def test_the_a4_fixture_is_a4_and_the_letter_one_letter():
    a4 = reader("pages/a4_paper.pdf").pages[0].mediabox
    letter = reader("pages/letter_paper.pdf").pages[0].mediabox
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)


def test_the_encrypted_fixture_needs_a_password():
    assert reader("files/encrypted.pdf").is_encrypted


def test_the_page_fixtures_have_the_page_counts_the_manifest_implies():
    assert len(reader("pages/main_spill_p6.pdf").pages) == 6
    assert len(reader("files/many_pages.pdf").pages) == 2000


def test_the_image_only_fixture_has_no_text_for_another_reader_either():
    assert all(not (page.extract_text() or "").strip() for page in reader("files/image_only.pdf").pages)
