"""--annotate: a copy a person can read (printed labels beside framed objects, the text block
outlined, a summary page), one mark per occurrence at the finding's box, close to the input's
size; copies never overwrite each other; the input is never modified."""

from __future__ import annotations

import hashlib
import os
import shutil

import pymupdf
import pytest
import yaml
from click.testing import CliRunner

from conftest import FIXTURES, check, fixture_path
from scope_check.output.annotate import annotate, places, short
from scope_check.cli.main import cli
from scope_check.output.base import occurrences

EXAMPLE = "example/draft_with_problems.pdf"
MANIFEST = yaml.safe_load((FIXTURES / "manifest.yaml").read_text(encoding="utf-8")) or []
#: every fixture that fails and can be opened (the bad inputs have nothing to annotate)
VIOLATING = [c for c in MANIFEST if c.get("verdict", "fail" if c["codes"] else "pass") != "pass"
             and not c["pdf"].startswith("files/")]


def annots(path, kind=None):
    """(page, title, rect, content) of every scope-check annotation."""
    with pymupdf.open(path) as pdf:
        return [
            (page.number + 1, a.info["title"], pymupdf.Rect(a.rect), a.info["content"], a.type[1])
            for page in pdf
            for a in page.annots()
            if a.info["title"].startswith("scope-check") and (kind is None or a.type[1] == kind)
        ]


def frames(path):
    """(page, code, rect) of the finding frames (not labels, not the text-block outline)."""
    return [(p, t.split(": ", 1)[1], r) for p, t, r, _, k in annots(path, "Square")
            if t != "scope-check: text block"]


def test_every_occurrence_of_the_example_is_framed_at_its_box(tmp_path):
    report = check(EXAMPLE)
    out = tmp_path / "annotated.pdf"
    placed = [(p, f.code, b) for f in report.findings for p, b, _ in occurrences(f) if p]
    assert annotate(report, str(out)) == len(placed)
    got = frames(out)
    assert sorted((p, c) for p, c, _ in got) == sorted((p, c) for p, c, _ in placed)
    for page, code, bbox in placed:
        if bbox:
            assert any(p == page and c == code and r.contains(pymupdf.Rect(bbox)) for p, c, r in got)


@pytest.mark.parametrize("case", VIOLATING, ids=lambda c: c["pdf"])
def test_every_violating_fixture_one_mark_per_occurrence_and_a_small_copy(case, tmp_path):
    report = check(case["pdf"], case["rules"])
    out = tmp_path / "a.pdf"
    with pymupdf.open(report.path) as pdf:
        wanted = [(p, f.code, b) for f in report.findings for p, b, _ in places(pdf, f) if p and p <= pdf.page_count]
    marks = annotate(report, str(out))
    assert marks == len(wanted)
    got = frames(out)
    assert sorted((p, c) for p, c, _ in got) == sorted((p, c) for p, c, _ in wanted)
    for page, code, bbox in wanted:
        if bbox:  # the frame is at the finding's box (2 pt around it, cut to the page)
            box = pymupdf.Rect(bbox) & pymupdf.Rect(-1e4, -1e4, 1e4, 1e4)
            assert any(p == page and c == code and r.contains(box & r) and r.intersects(box) for p, c, r in got)
    size_in, size_out = os.path.getsize(report.path), os.path.getsize(out)
    assert size_out <= 1.3 * size_in + 50_000, (size_in, size_out)


def test_the_label_is_printed_beside_the_frame(tmp_path):
    """The label is a FreeText annotation with the Print flag and the code and short message;
    rendered, its red text appears right next to the frame."""
    report = check(EXAMPLE)
    wide = next(f for f in report.findings if f.code == "MARG001")
    out = tmp_path / "annotated.pdf"
    annotate(report, str(out))
    with pymupdf.open(out) as pdf:
        page = pdf[wide.page - 1]
        label = next(a for a in page.annots() if a.info["title"] == "scope-check: label MARG001")
        frame = next(a for a in page.annots() if a.info["title"] == "scope-check: MARG001")
        assert label.flags & pymupdf.PDF_ANNOT_IS_PRINT
        assert label.info["content"] == "MARG001 " + short(wide.message)
        assert "into the right margin" in label.info["content"]
        gap = max(frame.rect.y0 - label.rect.y1, label.rect.y0 - frame.rect.y1, 0)
        assert gap <= 3 and label.rect.x0 <= frame.rect.x1 and label.rect.x1 >= frame.rect.x0
        # the full message and the fix stay in the frame's note
        assert wide.message in frame.info["content"] and "Fix:" in frame.info["content"]
        # rendered (as a printout or a screenshot would show it): red ink inside the label's box
        clip = label.rect
        pix = page.get_pixmap(dpi=144, clip=clip, annots=True)
        red = sum(1 for i in range(0, len(pix.samples), pix.n)
                  if pix.samples[i] > 150 and pix.samples[i + 1] < 90 and pix.samples[i + 2] < 90)
        assert red > 20
        without = page.get_pixmap(dpi=144, clip=clip, annots=False)
        assert without.samples != pix.samples


def test_pages_with_findings_show_the_text_block(tmp_path):
    report = check(EXAMPLE)
    out = tmp_path / "annotated.pdf"
    annotate(report, str(out), text_block=(108.0, 81.87, 504.0, 729.87))
    outlines = [(p, r) for p, t, r, _, _ in annots(out, "Square") if t == "scope-check: text block"]
    assert sorted(p for p, _ in outlines) == sorted({f.page for f in report.findings if f.page})
    assert all(abs(r.x0 - 108) < 2 and abs(r.x1 - 504) < 2 and abs(r.y1 - 729.87) < 2 for _, r in outlines), outlines


def test_whole_file_findings_are_on_a_summary_page_at_the_end(tmp_path):
    report = check(EXAMPLE)
    out = tmp_path / "annotated.pdf"
    annotate(report, str(out))
    with pymupdf.open(report.path) as original, pymupdf.open(out) as pdf:
        assert pdf.page_count == original.page_count + 1
        text = pdf[-1].get_text()
    assert "FAIL against scope2025-main" in text
    assert "ANON005" in text and "Jane Doe" in text  # the metadata finding has no page
    assert "Fix:" in text


def test_a_font_finding_is_marked_on_the_text_set_in_that_font_on_every_page(tmp_path):
    report = check("fonts/times_not_embedded.pdf")
    font = next(f for f in report.findings if f.code == "FONT003")
    assert font.bbox is None and font.data["pages"] == [1, 2, 3]
    out = tmp_path / "a.pdf"
    annotate(report, str(out))
    marked = [(p, r) for p, c, r in frames(out) if c == "FONT003"]
    assert [p for p, _ in marked] == [1, 2, 3]
    with pymupdf.open(report.path) as pdf:
        for number, rect in marked:  # the frame holds the words set in Times-Roman, not a corner icon
            spans = [s for b in pdf[number - 1].get_text("dict")["blocks"] for line in b.get("lines", ())
                     for s in line["spans"] if s["font"] == "Times-Roman" and s["text"].strip()]
            assert spans and all(rect.contains(pymupdf.Rect(s["bbox"])) for s in spans)
            assert rect.height > 100


def digest(path) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def test_the_checked_pdf_is_not_modified_and_stdout_says_where_the_copy_went(tmp_path):
    before = digest(fixture_path(EXAMPLE))
    out = tmp_path / "a.pdf"
    result = CliRunner().invoke(cli, [fixture_path(EXAMPLE), "--annotate", str(out)])
    assert result.exit_code == 1
    assert digest(fixture_path(EXAMPLE)) == before
    assert frames(out)
    assert f"annotated copy of {fixture_path(EXAMPLE)}: {out}" in result.stdout


def test_the_copy_never_overwrites_the_input(tmp_path):
    with pytest.raises(ValueError):
        annotate(check(EXAMPLE), fixture_path(EXAMPLE))


def test_several_pdfs_are_annotated_into_a_folder(tmp_path):
    folder = tmp_path / "marked"
    result = CliRunner().invoke(cli, [fixture_path(EXAMPLE), fixture_path("pages/main_refs_top_p6.pdf"),
                                      "--annotate", str(folder)])
    assert result.exit_code == 1
    # the inputs' folders are mirrored below the target, relative to the folder they share
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*.pdf")) == [
        "example/draft_with_problems.annotated.pdf", "pages/main_refs_top_p6.annotated.pdf"]
    assert frames(folder / "pages/main_refs_top_p6.annotated.pdf") == []  # a passing paper: only the summary page


def test_three_inputs_with_one_name_get_three_copies(tmp_path):
    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        shutil.copyfile(fixture_path(EXAMPLE), tmp_path / name / "paper.pdf")
    folder = tmp_path / "out"
    inputs = [str(tmp_path / n / "paper.pdf") for n in ("a", "b", "c")]
    result = CliRunner().invoke(cli, [*inputs, "--annotate", str(folder)])
    assert result.exit_code == 1
    copies = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.pdf"))
    assert copies == ["a/paper.annotated.pdf", "b/paper.annotated.pdf", "c/paper.annotated.pdf"]
    for name in ("a", "b", "c"):
        assert f"{folder / name / 'paper.annotated.pdf'}" in result.stdout


def test_the_same_input_twice_gets_two_copies(tmp_path):
    folder = tmp_path / "out"
    result = CliRunner().invoke(cli, [fixture_path(EXAMPLE), fixture_path(EXAMPLE), "--annotate", str(folder)])
    assert result.exit_code == 1
    assert sorted(p.name for p in folder.iterdir()) == ["draft_with_problems.annotated-2.pdf",
                                                          "draft_with_problems.annotated.pdf"]


def test_a_copy_into_a_missing_folder_is_made_there(tmp_path):
    out = tmp_path / "new" / "folder" / "a.pdf"
    result = CliRunner().invoke(cli, [fixture_path(EXAMPLE), "--annotate", str(out)])
    assert result.exit_code == 1 and out.is_file()


def test_a_copy_that_cannot_be_written_exits_2_with_a_clear_message(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    result = CliRunner().invoke(cli, [fixture_path(EXAMPLE), "--annotate", str(blocker / "a.pdf")])
    assert result.exit_code == 2
    assert "annotated cop" in result.output and str(blocker) in result.output
    assert ".scope-check-" not in result.output and "Traceback" not in result.output


def test_a_copy_that_fails_while_saving_exits_2_without_temp_names(tmp_path, monkeypatch):
    import scope_check.output.annotate as annotate_module

    def refuse(pdf, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(annotate_module, "_save", refuse)
    result = CliRunner().invoke(cli, [fixture_path(EXAMPLE), "--annotate", str(tmp_path / "a.pdf")])
    assert result.exit_code == 2
    assert "No space left on device" in result.output and ".scope-check-" not in result.output
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone


def test_json_on_stdout_stays_json_with_annotate(tmp_path):
    import json

    import subprocess
    import sys

    # a real process: click 8.1's test runner mixes stderr into stdout
    result = subprocess.run([sys.executable, "-m", "scope_check", fixture_path(EXAMPLE), "--format", "json",
                             "--annotate", str(tmp_path / "a.pdf")], capture_output=True, text=True, timeout=120)
    assert json.loads(result.stdout)["files"][0]["verdict"] == "fail"
    assert "annotated copy of" in result.stderr


def test_a_file_that_cannot_be_opened_gets_no_copy_and_a_message(tmp_path):
    out = tmp_path / "a.pdf"
    result = CliRunner().invoke(cli, [fixture_path("files/empty.pdf"), "--annotate", str(out)])
    assert result.exit_code == 1
    assert not out.exists()
    assert "no annotated copy" in result.output


def test_a_figure_font_is_marked_on_the_figure(tmp_path):
    report = check("ci/figure_font.pdf")
    (font,) = [f for f in report.findings if f.code == "FONT003"]
    assert font.data["role"] == "figure"
    out = tmp_path / "a.pdf"
    annotate(report, str(out))
    ((page, rect),) = [(p, r) for p, c, r in frames(out) if c == "FONT003"]
    with pymupdf.open(report.path) as pdf:
        labels = [pymupdf.Rect(s["bbox"]) for b in pdf[page - 1].get_text("dict")["blocks"]
                  for line in b.get("lines", ()) for s in line["spans"] if s["font"] == "Helvetica"]
        body = [pymupdf.Rect(s["bbox"]) for b in pdf[page - 1].get_text("dict")["blocks"]
                for line in b.get("lines", ()) for s in line["spans"] if s["text"].startswith("Paragraph")]
    assert len(labels) == 2  # "validation loss", "compute (PF-days)"
    assert all(rect.contains(r) for r in labels)
    assert not any(rect.contains(r) for r in body)  # the frame is on the figure, not the text


def test_the_label_text_is_on_the_page_once_annotations_are_printed(tmp_path):
    """Printing flattens the annotations into the page: the label's words are then page text,
    right above (or below) the frame of the finding."""
    report = check("synctex/violations.pdf")
    out = tmp_path / "a.pdf"
    annotate(report, str(out))
    with pymupdf.open(out) as pdf:
        if not hasattr(pdf, "bake"):
            pytest.skip("this PyMuPDF cannot flatten annotations")
        frames_by_code = {a.info["title"].split(": ", 1)[1]: (page.number, pymupdf.Rect(a.rect))
                          for page in pdf for a in page.annots() if a.type[1] == "Square"}
        pdf.bake()
        for f in report.findings:
            number, frame = frames_by_code[f.code]
            near = pymupdf.Rect(0, frame.y0 - 16, pdf[number].rect.x1, frame.y1 + 16)  # the band around it
            words = " ".join(w[4] for w in pdf[number].get_text("words", clip=near))
            assert f"{f.code} {' '.join(short(f.message).split()[:4])}" in words, (f.code, words)


def labels_over_text(report, out):
    """(page, label, the text lines under it) of every label lying on the paper's own text (more
    than 1 pt across and down: the line boxes' ascenders may touch)."""
    found = []
    with pymupdf.open(report.path) as src, pymupdf.open(out) as pdf:
        for number in range(src.page_count):
            lines = [(pymupdf.Rect(line["bbox"]), "".join(s["text"] for s in line["spans"]))
                     for block in src[number].get_text("dict", flags=0)["blocks"] for line in block.get("lines", ())
                     if "".join(s["text"] for s in line["spans"]).strip()]
            for a in pdf[number].annots():
                if a.info["title"].startswith("scope-check: label"):
                    under = [text for box, text in lines
                             if (pymupdf.Rect(a.rect) & box).width > 1 and (pymupdf.Rect(a.rect) & box).height > 1]
                    if under:
                        found.append((number + 1, a.info["title"], under))
    return found


@pytest.mark.parametrize("fixture, rules", [(EXAMPLE, "scope2025-main"), ("synctex/violations.pdf", "scope2025-main"),
                                            ("anonymity/camera_ready.pdf", "scope2025-main"),
                                            ("template/template_review.pdf", "scope2025-main"),
                                            ("text/review_sentence_white.pdf", "scope2025-main"),
                                            ("margins/margin_notes_two.pdf", "scope2025-main")])
def test_labels_lie_on_none_of_the_papers_text(tmp_path, fixture, rules):
    """The title on page 1, the body lines around a link, a heading in the body: a label goes where
    the page shows nothing (above or below its frame, beside it, wrapped into the margin)."""
    report = check(fixture, rules)
    out = tmp_path / "a.pdf"
    assert annotate(report, str(out))
    assert labels_over_text(report, out) == []


#: more labels than this on one page make it crowded
CROWDED = 10


def test_labels_lie_on_text_only_on_crowded_pages(tmp_path):
    """Across every violating fixture a label covers text only where its page holds several marks
    and no free place was left beside its frame."""
    total, over = 0, []
    for case in VIOLATING:
        report = check(case["pdf"], case["rules"])
        out = tmp_path / (case["pdf"].replace("/", "_"))
        annotate(report, str(out))
        with pymupdf.open(out) as pdf:
            labels = {page.number + 1: sum(1 for a in page.annots() if a.info["title"].startswith("scope-check: label"))
                      for page in pdf}
        total += sum(labels.values())
        # a page of more than CROWDED labels (margin_marks_20/21: twenty marks down one margin) has no free
        # place left for them all: its labels may lie on text
        over += [(case["pdf"], *hit) for hit in labels_over_text(report, out) if labels[hit[0]] <= CROWDED]
    assert total > 200 and len(over) <= total // 40, over
