"""Findings mapped back to the .tex line through the SyncTeX file beside the PDF."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, ROOT, check
from scope_check.output import synctex
from scope_check.cli.main import cli

PDF = "synctex/violations.pdf"
TEX = FIXTURES / "synctex" / "violations.tex"


def line_of(text: str) -> int:
    """The 1-based line of the .tex holding `text` (found, not hard-coded)."""
    for number, line in enumerate(TEX.read_text(encoding="utf-8").splitlines(), 1):
        if text in line and not line.lstrip().startswith("%"):
            return number
    raise AssertionError(text)


EXPECTED = {
    "ANON003": line_of(r"\url{https://github.com/janedoe"),
    "MARG001": line_of(r"\includegraphics[width=1.2\linewidth"),
    "ANON002": line_of(r"\subsubsection*{Acknowledgments}"),
}


def test_the_fixture_has_its_synctex_file_beside_it():
    assert synctex.synctex_path(str(FIXTURES / PDF)) == str(FIXTURES / "synctex" / "violations.synctex.gz")


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_each_finding_lands_on_its_tex_line(code):
    report = synctex.attach_sources(check(PDF), base=str(ROOT))
    found = [f for f in report.findings if f.code == code]
    assert found, code
    for f in found:
        assert f.source["file"] == "fixtures/synctex/violations.tex"
        assert abs(f.source["line"] - EXPECTED[code]) <= 2, (code, f.source, EXPECTED[code])


def test_the_json_report_carries_the_source(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, [str(FIXTURES / PDF), "--format", "json"])
    entry = json.loads(result.stdout)["files"][0]
    sources = {f["code"]: f.get("source") for f in entry["findings"]}
    for code, line in EXPECTED.items():
        assert sources[code]["file"] == "fixtures/synctex/violations.tex"
        assert abs(sources[code]["line"] - line) <= 2


def test_without_a_synctex_file_nothing_changes(tmp_path):
    copy = tmp_path / "violations.pdf"
    shutil.copyfile(FIXTURES / PDF, copy)
    result = CliRunner().invoke(cli, [str(copy), "--format", "json"])
    findings = json.loads(result.stdout)["files"][0]["findings"]
    assert findings and all("source" not in f for f in findings)


def test_a_damaged_synctex_file_is_ignored(tmp_path):
    copy = tmp_path / "violations.pdf"
    shutil.copyfile(FIXTURES / PDF, copy)
    (tmp_path / "violations.synctex.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    result = CliRunner().invoke(cli, [str(copy), "--format", "json"])
    assert result.exit_code == 1
    assert all("source" not in f for f in json.loads(result.stdout)["files"][0]["findings"])


def test_decompression_is_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(synctex, "MAX_BYTES", 1000)
    with pytest.raises(synctex.SyncTeXError):
        synctex.read(str(FIXTURES / "synctex" / "violations.synctex.gz"))


def test_a_plain_synctex_file_with_columns_and_a_magnification_is_read(tmp_path):
    """The uncompressed variant, a record with a column, Unit and Magnification applied."""
    sp = 65781.76  # scaled points per PDF point
    text = "\n".join([
        "SyncTeX Version:1", "Input:1:./main.tex", "Input:2:/usr/share/texlive/texmf-dist/tex/latex/base/article.cls",
        "Output:pdf", "Magnification:2000", "Unit:1", "X Offset:0", "Y Offset:0", "Content:",
        "{1",
        f"(1,40,3:{int(50 * sp)},{int(100 * sp)}:{int(100 * sp)},{int(5 * sp)},{int(1 * sp)}",
        f"x1,41,7:{int(60 * sp)},{int(100 * sp)}",
        f"x2,900:{int(70 * sp)},{int(100 * sp)}",
        ")", "}1", "Postamble:", "Count:3", "",
    ])
    path = tmp_path / "main.synctex"
    path.write_text(text)
    table = synctex.read(str(path))
    # magnification 2: the glyph at 60 sp-pt sits at 120 pt; the class file's record is not a source
    assert table.lookup(1, (115, 190, 125, 205)) == ("./main.tex", 41)
    assert table.lookup(1, (139, 190, 141, 205)) is None
    # no glyph inside: the box (x 100-300, y 190-202 after magnification) that matches best
    assert table.lookup(1, (100, 190, 300, 202)) == ("./main.tex", 40)


def test_the_source_name_is_relative_to_the_working_folder(tmp_path):
    sync = tmp_path / "paper" / "main.synctex.gz"
    assert synctex.source_name(str(tmp_path / "paper" / "./main.tex"), str(sync), base=str(tmp_path)) == "paper/main.tex"
    assert synctex.source_name("./main.tex", str(sync), base=str(tmp_path)) == "paper/main.tex"


def test_a_finding_in_an_input_file_lands_on_that_file():
    """Template repositories split the paper into files: the link is in sections/artifacts.tex."""
    folder = FIXTURES / "synctex"
    report = synctex.attach_sources(check("synctex/multifile.pdf"), base=str(ROOT))
    by_code = {f.code: f.source for f in report.findings}
    artifacts = (folder / "sections" / "artifacts.tex").read_text(encoding="utf-8").splitlines()
    main = (folder / "multifile.tex").read_text(encoding="utf-8").splitlines()
    link = next(i for i, x in enumerate(artifacts, 1) if r"\url{" in x)
    heading = next(i for i, x in enumerate(main, 1) if x.startswith(r"\subsubsection*{Acknowledgments}"))
    assert by_code["ANON003"]["file"] == "fixtures/synctex/sections/artifacts.tex"
    assert abs(by_code["ANON003"]["line"] - link) <= 2
    assert by_code["ANON002"]["file"] == "fixtures/synctex/multifile.tex"
    assert abs(by_code["ANON002"]["line"] - heading) <= 2


def test_tex_live_files_are_never_a_source():
    table = synctex.SyncTeX({1: "/usr/share/texlive/texmf-dist/tex/latex/lipsum/lipsum.ltd.tex",
                             2: "texmf-dist/lipsum.ltd.tex", 3: "paper.tex", 4: "paper.aux"}, {})
    assert [table.is_source(t) for t in (1, 2, 3, 4)] == [False, False, True, False]


def test_the_text_report_names_the_line(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, [str(FIXTURES / "synctex" / "multifile.pdf")])
    assert "at: fixtures/synctex/sections/artifacts.tex:" in result.stdout
