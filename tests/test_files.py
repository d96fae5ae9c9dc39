"""Broken input gets a verdict, its code and a readable message from the real command line, never
a traceback; memory stays bounded on a file over the size limit; a check that raises becomes
SCOPE001 and the other checks still report; a broken rules file exits 2.

The inputs come from fixtures/files/generate.py (committed) or are made here in tmp_path from the
same functions (the over-50 MB file is never committed)."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import shutil
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, ROOT, check, codes
from unprivileged import unprivileged_user

BAD = FIXTURES / "files"
COMPLIANT = FIXTURES / "pages" / "main_refs_top_p6.pdf"

#: every committed bad input: (file, the code that must be reported or None for none at all, verdict)
CASES = [
    ("empty.pdf", "FILE001", "error"),
    ("zip_renamed.pdf", "FILE001", "error"),
    ("latex_source.pdf", "FILE001", "error"),
    ("junk_before_header.pdf", None, "pass"),  # the header within the first 1 KB: a PDF (FILE001's near miss)
    ("truncated.pdf", "FILE002", "error"),
    ("corrupt_xref.pdf", "FILE002", "pass"),
    ("zero_pages.pdf", "FILE002", "error"),
    ("page_tree_broken.pdf", "FILE002", "fail"),  # read: pages 2-4 blank, the rest checked
    ("page_tree_nested.pdf", None, "pass"),
    ("content_cut.pdf", "FILE002", "fail"),
    ("scan_broken_colour_space.pdf", "FILE002", "pass"),
    ("encrypted.pdf", "FILE003", "error"),
    ("owner_password_only.pdf", None, "pass"),  # opens without a password (FILE003's near miss)
    ("image_only.pdf", "FILE005", "error"),
    ("many_pages.pdf", "PAGE001", "fail"),
]


def _generator():
    spec = importlib.util.spec_from_file_location("bad_input_generator", BAD / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generate():
    return _generator()


def scope_check(*args, timeout=120):
    """The real command line in a subprocess: (exit code, stdout, stderr)."""
    p = subprocess.run([sys.executable, "-m", "scope_check", *map(str, args)],
                       capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    return p.returncode, p.stdout, p.stderr


def json_entry(pdf, *extra):
    """Check one file with --format json; assert the universal promises, return (exit, entry)."""
    code, out, err = scope_check(pdf, "--format", "json", *extra)
    assert "Traceback" not in err and "Traceback" not in out, err
    report = json.loads(out)  # stdout is JSON, whatever the input
    assert report["version"] == 1 and len(report["files"]) == 1
    return code, report["files"][0]


@pytest.fixture(scope="module")
def checked():
    """Each committed bad input through the command line once: name -> (exit code, entry, seconds)."""
    cache = {}

    def get(name):
        if name not in cache:
            start = time.perf_counter()
            exit_code, entry = json_entry(BAD / name)
            cache[name] = (exit_code, entry, time.perf_counter() - start)
        return cache[name]

    return get


def test_every_committed_bad_input_is_covered():
    on_disk = {p.name for p in BAD.glob("*.pdf")}
    assert on_disk == {name for name, _, _ in CASES}


@pytest.mark.parametrize("name, code, verdict", CASES, ids=[c[0] for c in CASES])
def test_a_bad_input_gets_its_verdict_and_code_never_a_traceback(checked, name, code, verdict):
    exit_code, entry, _ = checked(name)
    assert exit_code == (0 if verdict == "pass" else 1)
    assert entry["verdict"] == verdict
    if code is None:
        assert entry["findings"] == []
        return
    found = {f["code"]: f for f in entry["findings"]}
    assert code in found, entry["findings"]
    message = found[code]["message"]
    assert message.strip() and "\n" not in message
    if verdict == "error":
        # the file could not be checked: its one reason, nothing measured from pages it lacks
        assert [f["code"] for f in entry["findings"]] == [code]


def test_two_thousand_pages_are_all_counted(checked, capsys):
    exit_code, entry, elapsed = checked("many_pages.pdf")
    assert exit_code == 1
    assert entry["measurements"]["pages"] == 2000
    assert entry["measurements"]["body_pages"] == 2000  # no References: every page counts
    with capsys.disabled():  # a figure for the record, not an assertion on speed
        print(f"\n    many_pages.pdf: 2,000 pages checked in {elapsed:.2f} s "
              f"({entry['elapsed_s']:.2f} s in check_file)")


def test_one_broken_file_does_not_stop_the_others():
    files = [BAD / name for name, _, _ in CASES] + [COMPLIANT]
    exit_code, out, err = scope_check(*files, "--format", "json")
    assert exit_code == 1 and "Traceback" not in err
    report = json.loads(out)
    assert [f["verdict"] for f in report["files"]] == [v for _, _, v in CASES] + ["pass"]
    assert report["summary"] == {"files": 16, "pass": 6, "fail": 3, "error": 7}


def test_a_file_without_read_permission_is_file002_with_its_size_and_no_hash():
    """Run by a user who cannot read it (nobody when the tests run as root): the entry says why and
    keeps the size `stat` gives (no hash: the bytes were never read); the other file is checked."""
    with unprivileged_user() as user:
        secret = user.folder / "secret.pdf"
        shutil.copyfile(COMPLIANT, secret)
        user.deny(secret)
        done = user.run(secret, COMPLIANT, "--format", "json")
        assert done.returncode == 1 and b"Traceback" not in done.stderr, done.stderr
        entry, other = json.loads(done.stdout)["files"]
    assert (entry["verdict"], entry["sha256"]) == ("error", None)
    assert entry["measurements"] == {"file_size_bytes": COMPLIANT.stat().st_size}
    (finding,) = entry["findings"]
    assert (finding["code"], finding["severity"], finding["page"]) == ("FILE002", "error", None)
    assert finding["message"] == "cannot read the file: Permission denied"
    assert other["verdict"] == "pass" and other["sha256"]


def test_text_output_of_broken_pdfs_is_a_readable_line_each():
    broken = [(BAD / name, code) for name, code, verdict in CASES if verdict == "error"]
    exit_code, out, err = scope_check(*[path for path, _ in broken], "--color", "never")
    assert exit_code == 1
    assert "Traceback" not in out + err and err == ""
    blocks = {}
    for line in out.splitlines():
        if not line.startswith(" "):
            blocks[line.split(": ")[0]] = [line]
        elif blocks:
            blocks[list(blocks)[-1]].append(line)
    for path, code in broken:
        heading, finding = blocks[str(path)][:2]
        assert "ERROR" in heading
        assert finding.split()[1:3] == [code, "error"], finding  # "file" or the page ("p.2")


# --- what MuPDF repairs, and what we still refuse -------------------------------------------------

def test_a_file_cut_just_before_its_trailer_is_truncated_even_though_every_page_survives(tmp_path):
    # MuPDF rebuilds the cross-reference table and finds all six pages: checked as it is, the paper
    # would pass; an upload that stopped early must not
    cut = tmp_path / "cut.pdf"
    data = COMPLIANT.read_bytes()
    cut.write_bytes(data[: data.rfind(b"startxref")])
    exit_code, entry = json_entry(cut)
    assert (exit_code, entry["verdict"], [f["code"] for f in entry["findings"]]) == (1, "error", ["FILE002"])


def test_a_rebuilt_cross_reference_table_is_a_warning_and_the_other_checks_still_run():
    report = check("files/corrupt_xref.pdf")
    assert codes(report) == {"FILE002"}
    assert [f.severity for f in report.findings] == ["warning"]
    assert report.verdict == "pass"  # read whole and checked; the verdict comes from the other checks
    assert report.measurements["body_pages"] == 5  # the rebuilt file was read whole
    spilled = check("files/corrupt_xref.pdf", "scope2025-tiny")
    assert codes(spilled) == {"FILE002", "PAGE001"}


# --- damage graded by what a reader sees -------------------------------------------------------

def _page_tree_kids(pdf):
    import pymupdf

    doc = pymupdf.open(pdf)
    root = int(doc.xref_get_key(doc.pdf_catalog(), "Pages")[1].split()[0])
    kids = [int(k) for k in doc.xref_get_key(root, "Kids")[1].replace("[", " ").replace("]", " ").split()[::3]]
    return doc, kids


def test_a_page_tree_entry_that_is_not_a_page_is_an_error_naming_the_pages():
    from scope_check.model import loader

    pdf = BAD / "page_tree_broken.pdf"
    doc, kids = _page_tree_kids(pdf)
    missing = [k for k in kids if doc.xref_object(k).strip() == "null"]
    assert len(kids) == 6 and kids.index(missing[0]) == 1 and len(missing) == 3  # the file's own damage
    report = check("files/page_tree_broken.pdf")
    (f,) = report.findings
    assert (f.code, f.severity, f.page, report.verdict) == ("FILE002", "error", 2, "fail")  # the rest is checked
    assert f.data["kind"] == "page-tree" and f.data["pages"] == [2, 3, 4]
    assert all(f"{k} 0 R" in f.message for k in missing) and "pages 2, 3 and 4 are not pages" in f.message
    assert report.measurements["pages"] == 6  # every entry counts: a reviewer pages through six
    model = loader.load(str(pdf))
    assert [p.char_count > 0 for p in model.pages] == [True, False, False, False, True, True]


def test_the_same_pages_under_a_nested_page_tree_are_read_whole():
    nested = check("files/page_tree_nested.pdf")
    compliant = check("pages/main_refs_top_p6.pdf")
    doc, kids = _page_tree_kids(BAD / "page_tree_nested.pdf")
    assert len(kids) == 4 and doc.xref_get_key(kids[1], "Type") == ("name", "/Pages")  # two levels deep
    assert nested.findings == () and nested.verdict == "pass"
    ignore = {"file_size_bytes"}
    assert {k: v for k, v in nested.measurements.items() if k not in ignore} == \
        {k: v for k, v in compliant.measurements.items() if k not in ignore}


def test_a_broken_colour_space_on_a_scan_that_still_draws_is_a_warning_naming_it():
    import pymupdf

    from scope_check.model import loader

    pdf = BAD / "scan_broken_colour_space.pdf"
    doc = pymupdf.open(pdf)
    space = int(doc.xref_get_key(doc[0].xref, "Group/CS")[1].split()[0])
    assert {doc.xref_get_key(p.xref, "Group/CS")[1] for p in doc} == {f"{space} 0 R"}  # one shared object
    report = check("files/scan_broken_colour_space.pdf")
    damage = [f for f in report.findings if f.code == "FILE002"]
    assert damage and all(f.severity == "warning" and f.data["kind"] == "colour" for f in damage)
    assert f"colour space {space} 0 R (the page's transparency group)" in damage[0].message
    assert "not a stream" in damage[0].message and "could not parse color space" in damage[0].message
    assert "FILE005" not in codes(report)  # the OCR layer is a text layer
    assert report.verdict == "pass"  # checked whole: the verdict is the other checks' (none here)
    assert report.measurements["body_pages"] == 5 and report.measurements["references_page"] == 6
    model = loader.load(str(pdf))
    for page in model.pages:  # every page still draws its image, and its words extract
        assert any(ink.kind == "fill-image" for ink in page.ink) and page.char_count > 500


def test_an_image_whose_colour_space_cannot_be_read_is_not_drawn_and_that_is_an_error(tmp_path, generate):
    pdf = generate.scan_image_colour_space_unreadable(tmp_path / "scan.pdf")
    exit_code, entry = json_entry(pdf)
    # read, so checked (fail, not error); the bare OCR layer of pages whose image is not drawn is damage,
    # not hidden text: no TEXT001 there
    assert (exit_code, entry["verdict"], [f["code"] for f in entry["findings"]]) == (1, "fail", ["FILE002"])
    (f,) = entry["findings"]
    assert f["severity"] == "error" and f["data"]["kind"] == "damaged" and f["data"]["pages"] == [1, 2, 3, 4, 5, 6]
    assert "is not drawn: its colour space" in f["message"]


def test_a_content_stream_cut_short_is_an_error_on_its_page():
    from scope_check.model import loader

    report = check("files/content_cut.pdf")
    (f,) = report.findings
    assert (f.code, f.severity, f.page, f.data["kind"], f.data["pages"]) == ("FILE002", "error", 3, "damaged", [3])
    assert "zlib error" in f.message and report.verdict == "fail"  # the rest of the file is checked
    cut, whole = loader.load(str(BAD / "content_cut.pdf")), loader.load(str(COMPLIANT))
    assert 0 < cut.pages[2].char_count < whole.pages[2].char_count / 2  # the top of the page drew
    assert [p.char_count for i, p in enumerate(cut.pages) if i != 2] == \
        [p.char_count for i, p in enumerate(whole.pages) if i != 2]


#: MuPDF's warnings on the first page of scan_broken_colour_space.pdf, as it prints them
COLOUR_WARNINGS = ("syntax error: could not parse color space (34 0 R)\nignoring broken ICC Alternate colorspace\n"
                   "format error: object is not a stream\nignoring broken ICC profile")


def test_colour_space_warnings_are_graded_by_what_the_page_shows():
    from scope_check.model import damage

    (found,) = damage.classify(1, COLOUR_WARNINGS)
    assert (found.severity, found.kind) == ("warning", "colour")
    space = ("the page's transparency group", "colour space 36 0 R", "DeviceRGB", "object is not a stream")
    (drawn,) = damage.colour_problems(1, [found], True, [space])
    assert drawn.severity == "warning" and "colour space 36 0 R" in drawn.what and "DeviceRGB" in drawn.what
    (blank,) = damage.colour_problems(1, [found], False, [space])  # a page that shows nothing is no pass
    assert (blank.severity, blank.kind) == ("error", "damaged")
    image = ("image 5 0 R", "colour space 7 0 R", None, "could not parse color space (7 0 R)")
    (lost,) = damage.colour_problems(1, [found], True, [image])
    assert lost.severity == "error" and "image 5 0 R is not drawn" in lost.what
    # MuPDF stopped reading the page: the colour spaces were not all that went wrong
    stopped = damage.classify(1, COLOUR_WARNINGS + "\ntoo many syntax errors; ignoring rest of page")
    assert [p.severity for p in damage.folded(stopped)] == ["error", "error"]


def test_an_aes_256_password_is_encrypted_too(tmp_path):
    import pymupdf

    locked = tmp_path / "aes.pdf"
    pymupdf.open(COMPLIANT).save(locked, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="reviewer",
                                 owner_pw="author")
    exit_code, entry = json_entry(locked)
    assert (exit_code, entry["verdict"], [f["code"] for f in entry["findings"]]) == (1, "error", ["FILE003"])


def test_an_owner_password_alone_does_not_stop_the_check(tmp_path):
    import pymupdf

    restricted = tmp_path / "owner.pdf"
    pymupdf.open(COMPLIANT).save(restricted, encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="author",
                                 permissions=pymupdf.PDF_PERM_PRINT)
    exit_code, entry = json_entry(restricted)
    assert (exit_code, entry["verdict"], entry["findings"]) == (0, "pass", [])


# --- over the size limit ----------------------------------------------------------------------

def _peak_rss_bytes(*args):
    """Peak resident memory of the command line checking `args`, its worker included, measured from
    a fresh parent so RUSAGE_CHILDREN sees this command only (Linux reports kilobytes). The parent
    is the subreaper of what it starts: the worker `check` leaves to end on its own is waited for
    here and counted."""
    probe = (
        "import ctypes, os, resource, subprocess, sys\n"
        "ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER\n"
        "p = subprocess.run([sys.executable, '-m', 'scope_check', *sys.argv[1:]], capture_output=True)\n"
        "while True:\n"
        "    try:\n"
        "        os.wait()\n"
        "    except ChildProcessError:\n"
        "        break\n"
        "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, *map(str, args)], capture_output=True, text=True,
                         timeout=300, cwd=ROOT, check=True).stdout.split()
    return int(out[0]), int(out[1])


def test_over_50_mb_is_file004_with_bounded_memory(tmp_path, generate):
    big = generate.oversized(tmp_path / "big.pdf", 50_000_001)
    size = big.stat().st_size
    assert size > 50_000_000
    exit_code, entry = json_entry(big)
    assert exit_code == 1 and entry["verdict"] == "fail"
    # otherwise the compliant paper; the size comes from an attached file, which TEXT004 warns about
    assert {(f["code"], f["severity"]) for f in entry["findings"]} == {("FILE004", "error"), ("TEXT004", "warning")}
    assert entry["measurements"]["pages"] == 6
    _, small_rss = _peak_rss_bytes(COMPLIANT, "--format", "json")
    big_exit, big_rss = _peak_rss_bytes(big, "--format", "json")
    assert big_exit == 1
    assert big_rss < 2 * size
    # reading the file into memory even once would add its whole size
    assert big_rss - small_rss < size / 2, (small_rss, big_rss, size)


def test_oversized_writes_a_valid_pdf_of_at_least_the_size(tmp_path, generate):
    import pymupdf

    small = generate.oversized(tmp_path / "small.pdf", 100_000)
    assert small.stat().st_size > 100_000
    doc = pymupdf.open(small)
    assert not doc.is_repaired and doc.page_count == 6 and doc.embfile_count() == 1
    assert len(doc.embfile_get(0)) == 100_000


# --- a check that raises ------------------------------------------------------------------------

def _boom(doc, params):
    raise ZeroDivisionError("float division by zero")


@pytest.mark.parametrize("code", ["PAGE002", "FILE004"])  # an ordinary check, and a gate
def test_a_check_that_raises_becomes_scope001_and_the_others_still_report(monkeypatch, code):
    from scope_check import checks as registry

    catalogue = registry.checks()
    monkeypatch.setitem(catalogue, code, dataclasses.replace(catalogue[code], run=_boom))
    report = check("pages/main_spill_p6.pdf")  # one page over the main track's five
    internal = [f for f in report.findings if f.code == "SCOPE001"]
    assert len(internal) == 1 and code in internal[0].message
    assert "PAGE001" in codes(report)  # the other checks ran
    assert report.verdict == "fail"


def test_a_check_that_raises_exits_2_with_json_still_on_stdout(monkeypatch):
    from scope_check import checks as registry
    from scope_check.cli.main import cli

    catalogue = registry.checks()
    monkeypatch.setitem(catalogue, "PAGE002", dataclasses.replace(catalogue["PAGE002"], run=_boom))
    result = CliRunner().invoke(cli, [str(FIXTURES / "pages/main_spill_p6.pdf"), "--format", "json"])
    assert result.exit_code == 2
    entry = json.loads(result.stdout)["files"][0]
    assert {"SCOPE001", "PAGE001"} <= {f["code"] for f in entry["findings"]}


# --- broken rules files -------------------------------------------------------------------------

def test_a_rules_file_with_an_invalid_key_exits_2_naming_the_file_and_path(tmp_path):
    rules = tmp_path / "mine.yaml"
    rules.write_text("name: mine\nextends: scope2025-main\nchecks:\n  PAGE001: {max_pagez: 3}\n")
    exit_code, out, err = scope_check(COMPLIANT, "--rules", rules, "--format", "json")
    assert exit_code == 2 and out == ""
    assert str(rules) in err and "$.checks.PAGE001" in err and "max_pagez" in err
    assert "Traceback" not in err


def test_a_rules_file_with_a_yaml_syntax_error_exits_2(tmp_path):
    rules = tmp_path / "broken.yaml"
    rules.write_text("name: broken\nchecks:\n  PAGE001: {max_pages: [5\n")
    exit_code, out, err = scope_check(COMPLIANT, "--rules", rules, "--format", "json")
    assert exit_code == 2 and out == ""
    assert str(rules) in err and "YAML" in err
    assert "Traceback" not in err
