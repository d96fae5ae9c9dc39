"""Batch mode: every input a row, resumable after kill -9, shards merged equal one run, the lists
chairs act on, duplicates, hostile archives and odd entries, the HTML report in a real browser."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import time
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from scope_check.cli.main import cli

from conftest import CORPUS, FIXTURES
from unprivileged import unprivileged_user

SCOPE_CHECK = str(Path(sys.executable).with_name("scope-check"))
GOOD = ["pages/main_refs_mid_p5.pdf", "pages/letter_paper.pdf", "pages/a4_paper.pdf", "anonymity/acknowledgements.pdf",
        "anonymity/link_anonymous.pdf", "fonts/body_9pt.pdf", "example/draft_with_problems.pdf",
        "pages/appendix_before_refs.pdf", "anonymity/metadata_pdfauthor.pdf", "margins/figure_too_wide.pdf"]
BAD = ["files/empty.pdf", "files/zip_renamed.pdf", "files/latex_source.pdf", "files/truncated.pdf", "files/corrupt_xref.pdf",
       "files/encrypted.pdf", "files/image_only.pdf", "files/zero_pages.pdf", "files/many_pages.pdf"]


def _copy_set(folder: Path, names, prefix: str = "") -> list:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, rel in enumerate(names, start=1):
        target = folder / f"{prefix}{100 + i}.pdf"
        shutil.copyfile(FIXTURES / rel, target)
        out.append(target)
    return out


def batch(*args, expect=None):
    result = CliRunner().invoke(cli, ["batch", *map(str, args)], catch_exceptions=False)
    if expect is not None:
        assert result.exit_code == expect, result.output
    return result


def read_csv(path: Path) -> list:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def by_sid(rows) -> dict:
    return {r["submission_id"]: r for r in rows}


# --- hooks for the tests only: the production code has no sleep, no allocation, no crash -------------

@pytest.fixture
def hostile_checks(monkeypatch):
    """Files named hang*, hog* and crash* misbehave inside the (forked) worker."""
    from scope_check.engine import runner

    original = runner.check_file

    def misbehaving(path, rules, selection=runner.Selection(), **kwargs):
        name = os.path.basename(path)
        if name.startswith("hang"):
            time.sleep(3600)
        if name.startswith("hog"):
            hog = bytearray(64 * 1024 ** 3)  # far past any memory ceiling
            return hog
        if name.startswith("crash"):
            os.kill(os.getpid(), signal.SIGSEGV)
        return original(path, rules, selection, **kwargs)

    monkeypatch.setattr(runner, "check_file", misbehaving)


# --- the acceptance tests ------------------------------------------------------------------------

def test_kill_minus_nine_then_resume_checks_only_the_missing_files(tmp_path):
    src = tmp_path / "in"
    _copy_set(src, GOOD + GOOD[:4], prefix="s")  # 14 files, 10 distinct contents
    out = tmp_path / "out"
    cmd = [SCOPE_CHECK, "batch", str(src), "--out", str(out), "--jobs", "1", "--progress", "none",
           "--no-first-pages", "--exit-zero"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    db = out / "results.sqlite"
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                with closing(sqlite3.connect(db, timeout=1)) as con:
                    done = con.execute("SELECT count(*) FROM results").fetchone()[0]
            except sqlite3.OperationalError:
                done = 0
            if done >= 3:
                break
        time.sleep(0.05)
    assert proc.poll() is None, "the batch finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the batch and its workers, as a power cut would
    proc.wait()
    with closing(sqlite3.connect(db)) as con:
        before = dict(con.execute("SELECT sha256, checked_at FROM results").fetchall())
    assert 3 <= len(before) < 10
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    with closing(sqlite3.connect(db)) as con:
        after = dict(con.execute("SELECT sha256, checked_at FROM results").fetchall())
        entries = con.execute("SELECT count(*) FROM entries").fetchone()[0]
    assert len(after) == 10 and entries == 14
    assert all(after[sha] == at for sha, at in before.items()), "a finished file was checked again"
    assert f"checked {10 - len(before)}," in rerun.stderr
    clean = tmp_path / "clean"
    subprocess.run([*cmd[:4], str(clean), *cmd[5:]], check=True, capture_output=True, timeout=300)
    assert (out / "results.csv").read_bytes() == (clean / "results.csv").read_bytes()
    assert len(read_csv(out / "results.csv")) == 14
    # and a rerun of the finished batch checks nothing
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert "checked 0, reused 14" in again.stderr


def _hostile_zip(path: Path) -> None:
    import warnings

    with warnings.catch_warnings(), zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # the duplicate name is the point
        zf.write(FIXTURES / GOOD[0], "papers/201.pdf")
        zf.writestr("../../escaped.pdf", (FIXTURES / GOOD[1]).read_bytes())
        zf.writestr("/tmp/scope-check-absolute.pdf", b"%PDF-1.4 absolute")
        link = zipfile.ZipInfo("papers/link.pdf")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
        zf.writestr("papers/202.pdf", (FIXTURES / GOOD[2]).read_bytes())
        zf.writestr("papers/202.pdf", (FIXTURES / GOOD[3]).read_bytes())  # a duplicate member name
        inner = io.BytesIO()
        with zipfile.ZipFile(inner, "w") as z2:
            z2.writestr("inner.pdf", (FIXTURES / GOOD[0]).read_bytes())
        zf.writestr("papers/nested.zip", inner.getvalue())
        zf.writestr("papers/notes.txt", "reviewer notes, not a paper\n")
        zf.writestr("papers/bomb.pdf", b"\0" * (24 * 1000 * 1000))  # 24 MB of zeros, ratio ~1000:1


def test_every_odd_entry_gets_a_row_and_nothing_escapes(tmp_path, hostile_checks):
    work = tmp_path / "work"
    src = work / "in"
    _copy_set(src, BAD, prefix="bad")
    good = _copy_set(src / "good", GOOD[:2], prefix="g")
    raw_name = os.fsencode(str(src)) + b"/caf\xe9_301.pdf"  # Latin-1 bytes: not UTF-8
    shutil.copyfile(FIXTURES / GOOD[0], raw_name)
    os.mkfifo(src / "fifo.pdf")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(src / "socket.pdf"))
    (src / "folder.pdf").mkdir()
    shutil.copyfile(FIXTURES / GOOD[4], src / "folder.pdf" / "inside.pdf")
    os.symlink(good[0], src / "link_inside.pdf")
    outside = tmp_path / "outside.pdf"
    shutil.copyfile(FIXTURES / GOOD[5], outside)
    os.symlink(outside, src / "link_outside.pdf")
    os.symlink(src / "missing.pdf", src / "link_dangling.pdf")
    for name, rel in zip(("hang.pdf", "hog.pdf", "crash.pdf"), GOOD[6:9]):  # three contents: three checks
        shutil.copyfile(FIXTURES / rel, src / name)
    zip_path = work / "hostile.zip"
    _hostile_zip(zip_path)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    out = work / "out"
    result = batch(src, zip_path, "--out", out, "--jobs", "2", "--time-limit", "20", "--memory-limit", "1024",
                   "--progress", "none")
    assert result.exit_code == 1, result.output  # failing and unreadable papers: exit 1, not a crash
    rows = read_csv(out / "results.csv")
    got = {r["path"]: r for r in rows}

    def row(suffix: str) -> dict:
        hits = [r for p, r in got.items() if p.endswith(suffix)]
        assert len(hits) == 1, (suffix, sorted(got))
        return hits[0]

    expected_rows = len(BAD) + 2 + 1 + 2 + 1 + 1 + 3 + 3 + 9  # bad, good, non-UTF-8, fifo+socket, dir+inside, 3 links, 3 hooks, zip
    assert len(rows) == expected_rows, sorted(got)
    for i in range(1, len(BAD) + 1):
        assert row(f"bad{100 + i}.pdf")["verdict"] in ("error", "fail", "pass")
    assert row("bad101.pdf")["error_codes"] == "FILE001"  # the manifest's empty file
    assert row("bad106.pdf")["error_codes"] == "FILE003"  # encrypted
    assert row("bad109.pdf")["verdict"] != "error"  # 2,000 pages, within the time limit
    odd = row("caf\\xe9_301.pdf")
    assert odd["verdict"] == "pass" and odd["submission_id"] == "caf\\xe9_301"  # checked like its twin, name escaped
    with closing(sqlite3.connect(out / "results.sqlite")) as con:
        raws = [r[0] for r in con.execute("SELECT raw FROM entries")]
    assert raw_name in raws  # kept losslessly
    assert row("fifo.pdf")["error_codes"] == "FILE001" and "FIFO" in row("fifo.pdf")["first_error"]
    assert "socket" in row("socket.pdf")["first_error"]
    assert "directory" in row("folder.pdf")["first_error"]
    assert row("folder.pdf/inside.pdf")["verdict"] != "error"
    assert row("link_inside.pdf")["verdict"] == "pass"
    assert row("link_outside.pdf")["error_codes"] == "FILE002" and "outside" in row("link_outside.pdf")["first_error"]
    assert "dangling" in row("link_dangling.pdf")["first_error"]
    assert row("hang.pdf")["error_codes"] == "FILE006"
    assert row("hog.pdf")["error_codes"] == "FILE007" and "memory" in row("hog.pdf")["first_error"]
    assert row("crash.pdf")["error_codes"] == "FILE007" and "SIGSEGV" in row("crash.pdf")["first_error"]
    assert row("!papers/201.pdf")["verdict"] == "pass"
    assert "climbs out" in row("!../../escaped.pdf")["first_error"]
    assert "absolute" in row("!/tmp/scope-check-absolute.pdf")["first_error"]
    assert "symbolic link" in row("!papers/link.pdf")["first_error"]
    assert row("!papers/202.pdf")["verdict"] != "error"
    assert "duplicate member name" in row("!papers/202.pdf [member 6]")["first_error"]
    assert "nested archive" in row("!papers/nested.zip")["first_error"]
    assert row("!papers/notes.txt")["error_codes"] == "FILE001"
    assert "ratio" in row("!papers/bomb.pdf")["first_error"]
    # nothing written outside the output folder
    after = sorted(str(p) for p in tmp_path.rglob("*") if not str(p).startswith(str(out)))
    assert after == before
    assert not os.path.exists("/tmp/scope-check-absolute.pdf")
    assert not (tmp_path / "escaped.pdf").exists() and not (work / "escaped.pdf").exists()
    assert not (out / ".work").exists()
    # the same reports come back from the database alone
    regenerated = CliRunner().invoke(cli, ["report", str(out / "results.sqlite"), "--out", str(tmp_path / "again")])
    assert regenerated.exit_code == 1
    assert (tmp_path / "again" / "results.csv").read_bytes() == (out / "results.csv").read_bytes()


def test_three_shards_merged_equal_one_run(tmp_path):
    src = tmp_path / "in"
    _copy_set(src, GOOD + BAD[:3], prefix="p")
    single = tmp_path / "single"
    batch(src, "--out", single, "--progress", "none", "--exit-zero", expect=0)
    shard_rows = []
    for i in (1, 2, 3):
        batch(src, "--out", tmp_path / f"shard{i}", "--shard", f"{i}/3", "--progress", "none", "--exit-zero", expect=0)
        shard_rows.append({r["path"] for r in read_csv(tmp_path / f"shard{i}" / "results.csv")})
    assert sum(len(s) for s in shard_rows) == 13 and len(set().union(*shard_rows)) == 13  # a partition
    merged = tmp_path / "merged"
    result = CliRunner().invoke(cli, ["merge", *(str(tmp_path / f"shard{i}") for i in (1, 2, 3)), "--out", str(merged),
                                      "--exit-zero"])
    assert result.exit_code == 0, result.output
    assert (merged / "results.csv").read_bytes() == (single / "results.csv").read_bytes()
    assert (merged / "desk_reject.csv").read_bytes() == (single / "desk_reject.csv").read_bytes()

    def lines(p):
        out = []
        for line in (p / "results.jsonl").read_text().splitlines():
            d = json.loads(line)
            d.pop("elapsed_s")
            out.append(d)
        return out

    assert lines(merged) == lines(single)


# --- the lists -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_batch(tmp_path_factory):
    """Ten papers, a byte-identical copy, and a tracks CSV that puts one paper in the tiny track."""
    base = tmp_path_factory.mktemp("small")
    src = base / "in"
    files = _copy_set(src, GOOD, prefix="Submission")
    shutil.copyfile(files[0], src / "Submission999.pdf")  # byte-identical to Submission101
    tracks = base / "tracks.csv"
    tracks.write_text("Number,Title,Track\n104,Acks,Tiny Papers\n101,Refs,Main\n", encoding="utf-8")
    out = base / "out"
    result = CliRunner().invoke(cli, ["batch", str(src), "--out", str(out), "--tracks", str(tracks),
                                      "--track", "Tiny Papers=scope2025-tiny", "--track", "Main=scope2025-main",
                                      "--progress", "none"])
    return out, result


def test_lists_chairs_act_on(small_batch):
    out, result = small_batch
    assert result.exit_code == 1, result.output  # some papers fail
    rows = by_sid(read_csv(out / "results.csv"))
    assert sorted(rows) == sorted([str(101 + i) for i in range(10)] + ["999"])
    assert rows["104"]["track"] == "Tiny Papers" and rows["104"]["rules"] == "scope2025-tiny"
    assert rows["102"]["rules"] == "scope2025-main" and rows["101"]["track"] == "Main"
    draft = rows["107"]  # the example draft: page limit, link, acknowledgements, metadata, wide figure
    assert draft["verdict"] == "fail" and draft["PAGE001"] == "error" and draft["ANON005"] == "error"
    assert set(draft["error_codes"].split()) >= {"PAGE001", "ANON002", "ANON003", "ANON005", "MARG001"}
    assert draft["pages"] == "6" and draft["body_pages"] == "6"
    assert rows["101"]["verdict"] == "pass" and rows["101"]["PAGE001"] == ""
    desk = by_sid(read_csv(out / "desk_reject.csv"))
    assert "101" not in desk and "107" in desk
    assert "PAGE001 page-limit (page 6): 6 pages before REFERENCES; scope2025-main allows 5." in desk["107"]["reason"]
    jsonl = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert len(jsonl) == 11
    first = next(x for x in jsonl if x["submission_id"] == "107")
    assert {"path", "sha256", "verdict", "measurements", "findings", "elapsed_s"} <= set(first)
    assert "summary: 11 files" not in result.output and "11 files:" in result.output
    top = next(x for x in result.output.splitlines() if "top error codes:" in x).split(":", 1)[1].split(", ")
    counts = [(-int(n), code) for code, n in (t.split() for t in top)]
    assert counts == sorted(counts)  # most files first, ties by code: the same line on every run


def test_byte_identical_copy_is_flagged(small_batch):
    out, _ = small_batch
    rows = by_sid(read_csv(out / "results.csv"))
    assert rows["101"]["duplicate_of"].startswith("999 (identical)")
    assert rows["999"]["duplicate_of"].startswith("101 (identical)")
    assert "Duplicate submissions" in (out / "report.html").read_text()


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside the project")
def test_near_identical_body_text_is_flagged_and_distinct_papers_are_not(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    names = {"1": "neurips2017_attention.pdf", "2": "acl2020_2kenize.pdf", "3": "iclr2024_anon_draft_graph_conv.pdf",
             "4": "template_iclr2025_conference.pdf", "5": "template_iclr2026_conference.pdf",
             "6": "neurips2017_attention.pdf"}
    for sid, name in names.items():
        shutil.copyfile(CORPUS / name, src / f"{sid}.pdf")
    out = tmp_path / "out"
    batch(src, "--out", out, "--progress", "none", "--exit-zero", "--no-first-pages", expect=0)
    rows = by_sid(read_csv(out / "results.csv"))
    assert rows["1"]["duplicate_of"] == "6 (identical)" and rows["6"]["duplicate_of"] == "1 (identical)"
    assert rows["2"]["duplicate_of"] == "" and rows["3"]["duplicate_of"] == ""
    # two years of the ICLR template: the same instructions, lightly edited
    assert rows["4"]["duplicate_of"].startswith("5 (") and rows["5"]["duplicate_of"].startswith("4 (")
    assert 0.8 <= float(rows["4"]["duplicate_of"][3:-1]) < 1.0
    # off when asked
    batch(src, "--out", tmp_path / "off", "--near-duplicate", "0", "--progress", "none", "--exit-zero",
          "--no-first-pages", expect=0)
    assert by_sid(read_csv(tmp_path / "off" / "results.csv"))["4"]["duplicate_of"] == ""


def test_each_result_keeps_the_checks_own_time_and_the_signatures(small_batch):
    out, _ = small_batch
    with closing(sqlite3.connect(out / "results.sqlite")) as con:
        rows = con.execute("SELECT report, signature, timings FROM results").fetchall()
    assert len(rows) == 10  # Submission999 is Submission101's bytes: one result for both
    for report, sig, timings in rows:
        t = json.loads(timings)
        assert t["check_s"] >= json.loads(report)["elapsed_s"] > 0  # the freeing of the model is the check's
        assert (t["signature_s"] > 0) == (sig is not None)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside the project")
def test_a_database_of_an_earlier_build_is_reported_merged_and_resumed(tmp_path):
    """Before the timings column and the tagged CRC-32 signatures: the column is added when the
    database is opened; its SHA-1 signatures are compared with each other, never with new ones."""
    from scope_check.batch import dedup

    src = tmp_path / "in"
    src.mkdir()
    for sid, name in {"4": "template_iclr2025_conference.pdf", "5": "template_iclr2026_conference.pdf"}.items():
        shutil.copyfile(CORPUS / name, src / f"{sid}.pdf")
    old = tmp_path / "old"
    batch(src, "--out", old, "--progress", "none", "--exit-zero", "--no-first-pages", expect=0)
    db = old / "results.sqlite"

    def sha1_hash32(data: bytes) -> int:  # datasketch's default hash, which the earliest builds used
        return struct.unpack("<I", hashlib.sha1(data).digest()[:4])[0]

    def sha1_signature(sid: str) -> bytes:  # what an earlier build stored: untagged, datasketch's SHA-1
        from scope_check.engine import runner
        from scope_check.checks import load_rules

        docs = []
        report = runner.check_file(str(src / f"{sid}.pdf"), load_rules("scope2025-main"), on_document=docs.append)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(dedup, "HASHFUNC", sha1_hash32)
            mp.setattr(dedup, "TAG", b"")
            return dedup.signature(docs[0], report.measurements.get("body_pages"))

    with closing(sqlite3.connect(db)) as con:
        con.execute("ALTER TABLE results DROP COLUMN timings")
        sigs = dict(con.execute("SELECT e.sid, r.signature FROM entries e JOIN results r USING (sha256)"))
        assert all(s.startswith(dedup.TAG) for s in sigs.values())
        con.execute("UPDATE results SET signature=? WHERE signature=?", (sha1_signature("5"), sigs["5"]))
        con.commit()
    report = CliRunner().invoke(cli, ["report", str(old), "--out", str(tmp_path / "r1"), "--exit-zero"])
    assert report.exit_code == 0, report.output
    rows = by_sid(read_csv(tmp_path / "r1" / "results.csv"))
    assert rows["4"]["duplicate_of"] == "" == rows["5"]["duplicate_of"]  # one of each hash: not compared
    with closing(sqlite3.connect(db)) as con:
        assert "timings" in {r[1] for r in con.execute("PRAGMA table_info(results)")}  # added when opened
        con.execute("UPDATE results SET signature=? WHERE signature=?", (sha1_signature("4"), sigs["4"]))
        con.commit()
    CliRunner().invoke(cli, ["report", str(old), "--out", str(tmp_path / "r2"), "--exit-zero"])
    rows = by_sid(read_csv(tmp_path / "r2" / "results.csv"))
    assert rows["4"]["duplicate_of"].startswith("5 (")  # two of the earlier hash: compared with each other

    with closing(sqlite3.connect(db)) as con:
        con.execute("ALTER TABLE results DROP COLUMN timings")
        con.commit()
    merged = CliRunner().invoke(cli, ["merge", str(old), "--out", str(tmp_path / "merged"), "--exit-zero"])
    assert merged.exit_code == 0, merged.output
    assert read_csv(tmp_path / "merged" / "results.csv") == read_csv(tmp_path / "r2" / "results.csv")
    rerun = batch(src, "--out", old, "--progress", "none", "--exit-zero", "--no-first-pages", expect=0)
    assert "checked 0, reused 2" in rerun.output, rerun.output


def test_first_pages_pdf_stamps_every_submission(small_batch):
    import pymupdf

    out, _ = small_batch
    rows = read_csv(out / "results.csv")
    with pymupdf.open(out / "first_pages.pdf") as doc:
        assert doc.page_count == len(rows)
        stamps = [doc[i].get_text("text") for i in range(doc.page_count)]
    for r, text in zip(rows, stamps):
        assert f"Submission {r['submission_id']}" in text and r["verdict"].upper() in text
    umask = os.umask(0)
    os.umask(umask)
    for name in ("results.csv", "desk_reject.csv", "results.jsonl", "report.html", "first_pages.pdf"):
        assert (out / name).stat().st_mode & 0o777 == 0o666 & ~umask, name  # the user's umask, not 0600
    assert not [p.name for p in out.iterdir() if p.name.startswith(".scope-check-")]  # no temporary left


def test_first_pages_keep_the_page_and_stamp_its_visible_top_when_turned_or_cropped(tmp_path):
    """A first page is copied as it is, with the stamp across the top of what a reader sees: also on
    a page turned by /Rotate and on one whose visible box (CropBox) is not at the origin."""
    import pymupdf

    src = tmp_path / "in"
    src.mkdir()
    shutil.copyfile(FIXTURES / "pages/letter_paper.pdf", src / "1.pdf")
    with pymupdf.open(FIXTURES / "pages/letter_paper.pdf") as doc:
        doc[0].set_rotation(90)
        doc.save(src / "2.pdf")
    with pymupdf.open(FIXTURES / "pages/letter_paper.pdf") as doc:
        doc[0].set_mediabox(pymupdf.Rect(0, 0, 700, 900))
        doc[0].set_cropbox(pymupdf.Rect(40, 60, 652, 852))  # top-left origin: 60 pt lower, 40 pt in
        doc.save(src / "3.pdf")
    with pymupdf.open(FIXTURES / "pages/letter_paper.pdf") as doc:
        title = "Under review as a conference paper at ICLR 2025"
        assert title in doc[0].get_text("text")
    out = tmp_path / "out"
    batch(src, "--out", out, "--progress", "none", "--exit-zero", expect=0)
    with pymupdf.open(out / "first_pages.pdf") as doc:
        assert doc.page_count == 3
        for i, sid in enumerate(("1", "2", "3")):
            page = doc[i]
            assert title in page.get_text("text"), sid  # the paper's own first page
            hits = page.search_for(f"Submission {sid}")
            assert hits, sid
            # in the band across the top of the visible page, inside it
            assert 0 <= hits[0].y0 < 40 and 0 <= hits[0].x0 < 40 and hits[0].x1 <= page.rect.width, (sid, hits[0])
        assert doc[1].rect.width > doc[1].rect.height  # the turned page is shown turned, stamp upright


def test_exports_are_atomic_and_keep_the_umask(tmp_path):
    from scope_check.batch.exports import atomic_write

    old = os.umask(0o027)
    try:
        atomic_write(str(tmp_path / "a.csv"), b"x\n")
    finally:
        os.umask(old)
    assert (tmp_path / "a.csv").stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]  # no temporary file left
    old = os.umask(0o022)
    try:
        result = CliRunner().invoke(cli, ["check", str(FIXTURES / GOOD[0]), "--format", "json", "-o", str(tmp_path / "r.json")])
    finally:
        os.umask(old)
    assert result.exit_code == 0
    assert (tmp_path / "r.json").stat().st_mode & 0o777 == 0o644


def test_changed_rules_recheck_and_unchanged_rerun_reuses(tmp_path):
    src = tmp_path / "in"
    _copy_set(src, GOOD[:3])
    out = tmp_path / "out"
    batch(src, "--out", out, "--progress", "none", "--exit-zero", "--no-first-pages", expect=0)
    second = batch(src, "--out", out, "--progress", "none", "--exit-zero", "--no-first-pages", expect=0)
    assert "checked 0, reused 3" in second.output and "(unchanged)" in second.output
    rules = tmp_path / "venue.yaml"
    rules.write_text("extends: scope2025-main\nname: my-venue\nchecks:\n  PAGE001:\n    max_pages: 1\n")
    third = batch(src, "--out", out, "--rules", rules, "--progress", "none", "--no-first-pages")
    assert "checked 3, reused 0" in third.output
    assert third.exit_code == 1
    assert all(r["PAGE001"] == "error" and r["rules"] == "my-venue" for r in read_csv(out / "results.csv"))


# --- what a stored result serves: its key is the file, the rules, the version and every option that
# changes its findings (issue 22 class 11) ----------------------------------------------------------

def _rerun(src, out, *args):
    return batch(src, "--out", out, "--progress", "none", "--no-first-pages", "--exit-zero", *args, expect=0)


def test_a_run_with_another_selection_checks_again_and_each_selection_keeps_its_results(tmp_path):
    src = tmp_path / "in"
    _copy_set(src, ["pages/main_refs_mid_p5.pdf", "fonts/body_9pt.pdf", "pages/main_spill_p6.pdf"])
    out = tmp_path / "out"
    pages_only = _rerun(src, out, "--select", "PAGE")
    assert "checked 3, reused 0" in pages_only.output
    selected = by_sid(read_csv(out / "results.csv"))
    assert selected["102"]["error_codes"] == "" and selected["103"]["error_codes"] == "PAGE001"
    everything = _rerun(src, out)  # the selection corrected: not the results of --select PAGE
    assert "checked 3, reused 0" in everything.output, everything.output
    full = by_sid(read_csv(out / "results.csv"))
    assert "FONT001" in full["102"]["error_codes"].split()  # a 9 pt body
    # the same selection spelled otherwise (a code beside its family, lower case, two options): reused
    again = _rerun(src, out, "--select", "PAGE001,PAGE", "--select", "page002")
    assert "checked 0, reused 3" in again.output, again.output
    assert by_sid(read_csv(out / "results.csv")) == selected
    assert "checked 0, reused 3" in _rerun(src, out).output
    assert by_sid(read_csv(out / "results.csv")) == full
    assert "checked 3, reused 0" in _rerun(src, out, "--ignore", "FONT").output


def test_a_supplement_added_or_changed_after_a_run_is_checked(tmp_path):
    src = tmp_path / "in"
    _copy_set(src, GOOD[:2])
    out = tmp_path / "out"
    _rerun(src, out)
    supplement = src / "101_supplementary.zip"
    with zipfile.ZipFile(supplement, "w") as zf:
        zf.writestr("code/LICENSE", "MIT License\n\nCopyright (c) 2024 Jane Doe\n")
    added = _rerun(src, out)
    assert "checked 1, reused 1" in added.output, added.output
    rows = by_sid(read_csv(out / "results.csv"))
    assert rows["101"]["error_codes"] == "SUPP002" and rows["102"]["error_codes"] == ""
    assert "checked 0, reused 2" in _rerun(src, out).output
    with zipfile.ZipFile(supplement, "w") as zf:
        zf.writestr("code/LICENSE", "MIT License\n\nCopyright (c) 2024 Anonymous Authors\n")
    changed = _rerun(src, out)
    assert "checked 1, reused 1" in changed.output, changed.output
    assert by_sid(read_csv(out / "results.csv"))["101"]["verdict"] == "pass"


def test_results_made_without_the_duplicate_signature_do_not_serve_a_run_that_compares(tmp_path):
    src = tmp_path / "in"
    _copy_set(src, GOOD[:2])
    out = tmp_path / "out"

    def signatures():
        with closing(sqlite3.connect(out / "results.sqlite")) as con:
            return [r[0] for r in con.execute("SELECT signature FROM results ORDER BY checked_at")]

    assert "checked 2, reused 0" in _rerun(src, out, "--near-duplicate", "0").output
    assert signatures() == [None, None]
    compared = _rerun(src, out)
    assert "checked 2, reused 0" in compared.output, compared.output
    assert all(signatures()[2:])
    assert "checked 0, reused 2" in _rerun(src, out, "--near-duplicate", "0").output  # signed results serve it


def test_memory_that_ran_out_inside_a_check_is_tried_again_under_another_ceiling(tmp_path, monkeypatch):
    """FILE007 from inside a finished check (the parse ran out of memory) depends on --memory-limit:
    the same limits reuse it, others check it again; the other result serves any limits."""
    from scope_check.model import loader

    original = loader.load

    def short_of_memory(path, **options):  # inherited by the forked worker
        if os.path.basename(path).startswith("lowmem"):
            raise loader.ResourceLimit("memory ran out while reading the PDF")
        return original(path, **options)

    monkeypatch.setattr(loader, "load", short_of_memory)
    src = tmp_path / "in"
    src.mkdir()
    shutil.copyfile(FIXTURES / GOOD[0], src / "lowmem.pdf")
    shutil.copyfile(FIXTURES / GOOD[1], src / "plain.pdf")
    out = tmp_path / "out"
    assert "checked 2, reused 0" in _rerun(src, out, "--memory-limit", "1500").output
    rows = {r["path"].rsplit("/", 1)[-1]: r for r in read_csv(out / "results.csv")}
    assert rows["lowmem.pdf"]["error_codes"] == "FILE007" and rows["plain.pdf"]["error_codes"] == ""
    assert "checked 0, reused 2" in _rerun(src, out, "--memory-limit", "1500").output
    assert "checked 1, reused 1" in _rerun(src, out, "--memory-limit", "3000").output


#: the results and entries tables as the builds before the selection was keyed wrote them (schema 1)
SCHEMA_1 = """
CREATE TABLE results_1 (
    sha256 TEXT NOT NULL, rules_hash TEXT NOT NULL, version TEXT NOT NULL,
    rules_name TEXT NOT NULL, verdict TEXT NOT NULL, report TEXT NOT NULL,
    signature BLOB, supplement TEXT, limits TEXT, elapsed_s REAL, peak_rss_mb REAL, checked_at REAL,
    timings TEXT,
    PRIMARY KEY (sha256, rules_hash, version));
INSERT OR REPLACE INTO results_1 SELECT sha256, rules_hash, version, rules_name, verdict, report, signature,
    supplement, limits, elapsed_s, peak_rss_mb, checked_at, timings FROM results ORDER BY checked_at;
DROP TABLE results;
ALTER TABLE results_1 RENAME TO results;
ALTER TABLE entries DROP COLUMN options;
DELETE FROM meta WHERE key = 'schema';
"""


def _as_schema_1(db: Path, runs_recorded=()) -> None:
    """Turn a database into one of schema 1; `runs_recorded`: the settings of further runs it lists."""
    with closing(sqlite3.connect(db)) as con:
        con.executescript(SCHEMA_1)
        for settings in runs_recorded:
            con.execute("INSERT INTO runs(started, finished, settings) VALUES (0, 0, ?)", (json.dumps(settings),))
        con.commit()
        assert "options" not in {r[1] for r in con.execute("PRAGMA table_info(results)")}


def test_a_database_of_schema_1_is_migrated_with_the_selection_its_runs_recorded(tmp_path):
    src = tmp_path / "in"
    _copy_set(src, ["pages/main_refs_mid_p5.pdf", "fonts/body_9pt.pdf"])
    out = tmp_path / "out"
    _rerun(src, out, "--select", "PAGE")
    before = read_csv(out / "results.csv")
    _as_schema_1(out / "results.sqlite")
    report = CliRunner().invoke(cli, ["report", str(out), "--out", str(tmp_path / "regenerated"), "--exit-zero"])
    assert report.exit_code == 0, report.output
    assert read_csv(tmp_path / "regenerated" / "results.csv") == before
    merged = CliRunner().invoke(cli, ["merge", str(out), "--out", str(tmp_path / "merged"), "--exit-zero"])
    assert merged.exit_code == 0, merged.output
    assert read_csv(tmp_path / "merged" / "results.csv") == before
    same = _rerun(src, out, "--select", "PAGE")  # every run recorded --select PAGE: its results serve it
    assert "checked 0, reused 2" in same.output and "earlier build" not in same.output, same.output
    assert "checked 2, reused 0" in _rerun(src, out).output


def test_results_of_schema_1_whose_selection_is_not_known_are_checked_again_and_said_so(tmp_path):
    src = tmp_path / "in"
    _copy_set(src, ["pages/main_refs_mid_p5.pdf", "fonts/body_9pt.pdf"])
    out = tmp_path / "out"
    _rerun(src, out, "--select", "PAGE")
    # an earlier build's second run, with no selection, reused those results: which one made them is lost
    _as_schema_1(out / "results.sqlite", runs_recorded=[{"select": [], "ignore": [], "near_duplicate": 0.8}])
    report = CliRunner().invoke(cli, ["report", str(out), "--out", str(tmp_path / "regenerated"), "--exit-zero"])
    assert report.exit_code == 0 and len(read_csv(tmp_path / "regenerated" / "results.csv")) == 2
    rerun = _rerun(src, out, "--select", "PAGE")
    assert "checked 2, reused 0" in rerun.output, rerun.output
    assert "2 files checked again: their stored results come from an earlier build" in rerun.output
    assert "checked 0, reused 2" in _rerun(src, out, "--select", "PAGE").output


def test_lists_archives_and_stdin(tmp_path):
    import tarfile

    src = tmp_path / "in"
    files = _copy_set(src, GOOD[:3], prefix="paper")
    listing = tmp_path / "list.txt"
    listing.write_text("\n".join(map(str, files[:2])) + "\n")
    tgz = tmp_path / "subs.tar.gz"
    with tarfile.open(tgz, "w:gz") as tf:
        tf.add(files[2], arcname="x/Submission7.pdf")
        tf.add(files[0], arcname="x/../../up.pdf")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["batch", str(listing), str(tgz), "-", "--out", str(out), "--progress", "none",
                                      "--exit-zero", "--no-first-pages"], input=f"{files[1]}\0{files[0]}\0".encode())
    assert result.exit_code == 0, result.output
    rows = read_csv(out / "results.csv")
    sids = sorted(r["submission_id"] for r in rows)
    assert sids == ["101", "102", "7", "up"]  # the list and stdin name 101/102 twice: one row each
    assert [r for r in rows if r["submission_id"] == "up"][0]["error_codes"] == "FILE002"
    assert not (tmp_path / "up.pdf").exists()


def test_unknown_track_value_is_a_usage_error(tmp_path):
    tracks = tmp_path / "t.csv"
    tracks.write_text("paper_id;content.venue\n12;Some Workshop Track\n", encoding="utf-8")
    result = batch(tmp_path, "--out", tmp_path / "o", "--tracks", tracks)
    assert result.exit_code == 2 and "Some Workshop Track" in result.output and "--track" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("title,abstract\nx,y\n")
    result = batch(tmp_path, "--out", tmp_path / "o", "--tracks", bad)
    assert result.exit_code == 2 and "no track column" in result.output


def test_unreadable_file_is_a_row(tmp_path, monkeypatch):
    from scope_check.batch import engine

    src = tmp_path / "in"
    _copy_set(src, GOOD[:2])

    def denied(path):
        if path.endswith("101.pdf"):
            raise PermissionError(13, "Permission denied")
        from scope_check.model.document import file_sha256

        return file_sha256(path)

    monkeypatch.setattr(engine, "_sha", denied)
    batch(src, "--out", tmp_path / "out", "--progress", "none", "--no-first-pages", expect=1)
    rows = by_sid(read_csv(tmp_path / "out" / "results.csv"))
    assert rows["101"]["error_codes"] == "FILE002" and "Permission denied" in rows["101"]["first_error"]
    assert rows["102"]["verdict"] == "pass"


def test_file_without_read_permission():
    """For real: the batch run by a user who cannot read the file (nobody when the tests run as root)."""
    with unprivileged_user() as user:
        src = user.folder / "in"
        files = _copy_set(src, [GOOD[0], GOOD[1], GOOD[0]])
        user.deny(files[1])
        done = user.run("batch", src, "--out", user.folder / "out", "--progress", "none", "--no-first-pages")
        assert done.returncode == 1 and b"Traceback" not in done.stderr, done.stderr
        rows = by_sid(read_csv(user.folder / "out" / "results.csv"))
    assert rows["102"]["verdict"] == "error" and rows["102"]["error_codes"] == "FILE002"
    assert rows["102"]["first_error"].endswith("cannot read the file: Permission denied")
    assert rows["101"]["verdict"] == rows["103"]["verdict"] == "pass"


def test_plain_progress_lines_when_not_a_terminal(tmp_path):
    src = tmp_path / "in"
    _copy_set(src, GOOD[:3])
    result = batch(src, "--out", tmp_path / "out", "--progress-every", "0", "--no-first-pages", "--exit-zero")
    lines = [x for x in result.output.splitlines() if x.startswith("scope-check batch: ") and "ETA" in x]
    assert len(lines) == 3 and lines[-1].startswith("scope-check batch: 3/3 files (100 %)")


# --- the single-file command uses the same isolation ----------------------------------------------

def test_check_time_limit_and_memory_limit(hostile_checks, tmp_path):
    hang = tmp_path / "hang.pdf"
    shutil.copyfile(FIXTURES / GOOD[0], hang)
    hog = tmp_path / "hog.pdf"
    shutil.copyfile(FIXTURES / GOOD[0], hog)
    good = FIXTURES / GOOD[0]
    start = time.monotonic()
    result = CliRunner().invoke(cli, ["check", str(hang), str(hog), str(good), "--time-limit", "2",
                                      "--memory-limit", "1024", "--format", "json"])
    assert time.monotonic() - start < 30
    assert result.exit_code == 1, result.output
    files = json.loads(result.output)["files"]
    assert [f["verdict"] for f in files] == ["error", "error", "pass"]
    assert files[0]["findings"][0]["code"] == "FILE006" and "2 s time limit" in files[0]["findings"][0]["message"]
    assert files[1]["findings"][0]["code"] == "FILE007"
    too_low = CliRunner().invoke(cli, ["check", str(good), "--memory-limit", "10"])
    assert too_low.exit_code == 2 and "memory limit" in too_low.output


# --- pieces --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, sid", [("Submission123.pdf", "123"), ("123.pdf", "123"), ("paper123.pdf", "123"),
                                       ("paper_0042.pdf", "42"), ("SUBMISSION-7.PDF", "7"), ("my_draft.pdf", "my_draft")])
def test_submission_id_from_file_name(name, sid):
    from scope_check.batch.inputs import submission_id

    assert submission_id(name) == sid


def test_tracks_columns_as_openreview_exports_them(tmp_path):
    from scope_check.batch.inputs import Entry, read_tracks

    path = tmp_path / "t.csv"
    path.write_text("\ufeffPaper ID,Title,Submission Track,Supplementary Material\n"
                    "Submission12,A,tiny,supp/12.zip\n", encoding="utf-8")
    tracks = read_tracks(str(path))
    entry = Entry(path="12.pdf", raw=b"12.pdf", rel="12.pdf", name="12.pdf", sid="12")
    assert tracks.track_of(entry) == "tiny"
    assert tracks.supplement_of(entry) == str(tmp_path / "supp/12.zip")


def test_shard_is_stable_and_spread():
    from scope_check.batch.inputs import shard_of

    counts = [0, 0, 0]
    for i in range(300):
        counts[shard_of(f"{i}.pdf", 3)] += 1
    assert shard_of("123.pdf", 3) == shard_of("123.pdf", 3)
    assert min(counts) > 70


def test_supplement_beside_its_paper_is_attached(tmp_path):
    from scope_check.batch.inputs import enumerate_inputs

    _copy_set(tmp_path, GOOD[:1])
    with zipfile.ZipFile(tmp_path / "101_supplementary.zip", "w") as zf:
        zf.writestr("code.py", "print(1)\n")
    listing = enumerate_inputs([str(tmp_path)])
    assert [e.name for e in listing.entries] == ["101.pdf"]
    assert listing.entries[0].supplement.name == "101_supplementary.zip"


# --- the HTML report in a real browser --------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_html_report_in_headless_chromium(small_batch):
    from playwright.sync_api import sync_playwright

    out, _ = small_batch
    rows = read_csv(out / "results.csv")
    html = (out / "report.html").read_text()
    assert "<link" not in html and " src=" not in html and 'href="http' not in html  # self-contained
    errors = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            requests = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto((out / "report.html").as_uri())
            page.wait_for_load_state("load")
            assert page.locator("#papers tbody tr:visible").count() == len(rows)
            page.select_option("#code-filter", "PAGE001")
            visible = page.locator("#papers tbody tr:visible")
            expected = sorted(r["submission_id"] for r in rows if r["PAGE001"])
            assert expected and sorted(visible.locator("td:first-child").all_inner_texts()) == expected
            assert page.inner_text("#shown") == str(len(expected))
            page.select_option("#code-filter", "")
            page.select_option("#track-filter", "Tiny Papers")
            assert page.locator("#papers tbody tr:visible td:first-child").all_inner_texts() == ["104"]
            page.select_option("#track-filter", "")
            page.click("#papers thead th:first-child")
            page.click("#papers thead th:first-child")  # descending
            ids = page.locator("#papers tbody tr td:first-child").all_inner_texts()
            assert ids == sorted(ids, key=int, reverse=True)
            assert all(u.startswith("file://") for u in requests)
        finally:
            browser.close()
    assert errors == []


def test_pool_replaces_an_idle_worker_that_died_and_answers_in_order():
    from scope_check.engine.isolation import Pool

    pool = Pool(lambda x: x * 2, jobs=1, time_limit=10, memory_limit_mb=0)

    def tasks():
        yield 1
        yield 2
        # the pool asks for the next task while the worker checks task 2: let the worker finish
        # (its answer waits in the pipe, the worker is idle) and die before it is given task 3
        worker = pool._workers[0]
        assert worker.conn.poll(10)
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.join(5)
        yield 3

    results = [(task, outcome.value) for task, outcome in pool.run(tasks())]
    assert results == [(1, 2), (2, 4), (3, 6)]
    assert pool.replaced == 1


def test_pool_gives_a_worker_its_next_task_before_handing_back_the_last_outcome():
    """Pipelined: the caller's bookkeeping for one result (the database) never keeps a worker idle."""
    from scope_check.engine.isolation import Pool

    pool = Pool(lambda x: x, jobs=1, time_limit=10, memory_limit_mb=0)
    seen = []
    for task, _outcome in pool.run(iter([1, 2, 3])):
        worker = pool._workers[0]
        seen.append((task, worker.task))  # the task the worker holds while `task` is handed back
    assert seen == [(1, 2), (2, 3), (3, None)]


def test_odd_inputs_given_directly(tmp_path):
    os.mkfifo(tmp_path / "pipe.pdf")
    result = batch(tmp_path / "pipe.pdf", tmp_path / "missing.pdf", "--out", tmp_path / "out", "--progress", "none",
                   "--no-first-pages")
    assert result.exit_code == 1
    rows = {Path(r["path"]).name: r for r in read_csv(tmp_path / "out" / "results.csv")}
    assert rows["pipe.pdf"]["error_codes"] == "FILE001" and "never opened" in rows["pipe.pdf"]["first_error"]
    assert rows["missing.pdf"]["error_codes"] == "FILE002"


def test_exit_code_reflects_the_verdicts(tmp_path):
    src = tmp_path / "in"
    _copy_set(src, GOOD[:1])  # a compliant paper
    batch(src, "--out", tmp_path / "o1", "--progress", "none", "--no-first-pages", expect=0)
    _copy_set(src, GOOD[:7])  # and now a failing one among them
    batch(src, "--out", tmp_path / "o1", "--progress", "none", "--no-first-pages", expect=1)
    batch(src, "--out", tmp_path / "o1", "--progress", "none", "--no-first-pages", "--exit-zero", expect=0)


def test_a_supplement_checker_result_is_attached_to_its_paper(tmp_path, monkeypatch):
    from scope_check.batch import engine

    src = tmp_path / "in"
    _copy_set(src, GOOD[:2])
    with zipfile.ZipFile(src / "101_supplementary.zip", "w") as zf:
        zf.writestr("code/train.py", "print('hi')\n")

    def fake_supplement(path, rules, selection=None):  # stands for scope_check.supplement.check_supplement
        assert rules.name == "scope2025-main"  # the paper's rule set, passed by the worker
        with zipfile.ZipFile(path) as zf:
            return [{"code": "SUPP-TEST", "severity": "warning", "message": f"{len(zf.namelist())} member(s)"}]

    monkeypatch.setattr(engine, "supplement_checker", lambda: fake_supplement)
    batch(src, "--out", tmp_path / "out", "--progress", "none", "--no-first-pages", expect=0)
    rows = by_sid(read_csv(tmp_path / "out" / "results.csv"))
    assert sorted(rows) == ["101", "102"]  # the supplement is no row of its own
    assert rows["101"]["supplement"].endswith("101_supplementary.zip") and rows["102"]["supplement"] == ""
    lines = {json.loads(x)["submission_id"]: json.loads(x) for x in (tmp_path / "out" / "results.jsonl").read_text().splitlines()}
    assert lines["101"]["supplement"]["findings"] == [{"code": "SUPP-TEST", "severity": "warning", "message": "1 member(s)"}]
    assert "supplement" not in lines["102"]


def test_the_real_supplement_checker_runs_with_the_papers_rules(tmp_path):
    """No stand-in: scope_check.supplement.check_supplement(path, rules, selection) in the worker."""
    src = tmp_path / "in"
    _copy_set(src, GOOD[:2])
    with zipfile.ZipFile(src / "101_supplementary.zip", "w") as zf:
        zf.writestr("code/LICENSE", "MIT License\n\nCopyright (c) 2024 Jane Doe\n")
    with zipfile.ZipFile(src / "102_supplementary.zip", "w") as zf:
        zf.writestr("code/LICENSE", "MIT License\n\nCopyright (c) 2024 Anonymous Authors\n")
    batch(src, "--out", tmp_path / "out", "--progress", "none", "--no-first-pages", expect=1)
    lines = {json.loads(x)["submission_id"]: json.loads(x) for x in (tmp_path / "out" / "results.jsonl").read_text().splitlines()}
    named, anonymous = lines["101"]["supplement"], lines["102"]["supplement"]
    assert named["verdict"] == "fail" and [f["code"] for f in named["findings"]] == ["SUPP002"]
    assert named["findings"][0]["data"]["values"] == ["Jane Doe"]
    assert anonymous["verdict"] == "pass" and anonymous["findings"] == []
    assert lines["101"]["verdict"] == "pass"  # the paper's own report is the JSON contract's
    # the lists chairs act on count the leaking supplement against its paper
    rows = {r["submission_id"]: r for r in read_csv(tmp_path / "out" / "results.csv")}
    assert rows["101"]["verdict"] == "fail" and rows["101"]["error_codes"] == "SUPP002" and rows["101"]["SUPP002"] == "error"
    assert rows["102"]["verdict"] == "pass" and rows["102"]["error_codes"] == ""
    (reject,) = read_csv(tmp_path / "out" / "desk_reject.csv")
    assert reject["submission_id"] == "101" and "supplementary material" in reject["reason"]


def test_a_second_batch_on_the_same_folder_is_refused(tmp_path):
    import fcntl

    src = tmp_path / "in"
    _copy_set(src, GOOD[:1])
    out = tmp_path / "out"
    out.mkdir()
    with open(out / ".lock", "a") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running batch holds it
        result = batch(src, "--out", out, "--progress", "none")
        assert result.exit_code == 2 and "another scope-check batch" in result.output
    batch(src, "--out", out, "--progress", "none", "--no-first-pages", expect=0)  # free again


def test_an_empty_batch_writes_every_list_and_says_it_checked_nothing(tmp_path):
    import pymupdf

    (tmp_path / "in").mkdir()
    result = batch(tmp_path / "in", "--out", tmp_path / "out", "--progress", "none", expect=0)
    assert "0 files" in result.output and "not written" not in result.output
    assert read_csv(tmp_path / "out" / "results.csv") == []
    with pymupdf.open(tmp_path / "out" / "first_pages.pdf") as doc:
        assert doc.page_count == 1 and "No submissions" in doc[0].get_text("text")


def test_first_pages_written_in_parts_keep_every_page_in_order(tmp_path, monkeypatch):
    """first_pages.pdf is saved every FLUSH_EVERY pages (memory stays flat for a venue of 25,000):
    each part keeps its pages, stamps and placeholders, in submission order."""
    import pymupdf

    from scope_check.batch import firstpages

    monkeypatch.setattr(firstpages, "FLUSH_EVERY", 3)  # the forked worker inherits it
    src = tmp_path / "in"
    src.mkdir()
    for sid in range(1, 9):
        name = "files/truncated.pdf" if sid == 5 else "pages/letter_paper.pdf"
        shutil.copyfile(FIXTURES / name, src / f"{sid}.pdf")
    out = tmp_path / "out"
    batch(src, "--out", out, "--progress", "none", "--exit-zero", expect=0)
    with pymupdf.open(out / "first_pages.pdf") as doc:
        assert doc.page_count == 8
        for i in range(8):
            text = doc[i].get_text("text")
            assert f"Submission {i + 1} " in text, i
            assert ("No first page" in text) == (i == 4), i
            assert (i == 4) or "Under review as a conference paper at ICLR 2025" in text, i
    assert not [p.name for p in out.iterdir() if p.name.startswith(".scope-check-")]


# --- rough edges a first-time chair meets (issue 27) ----------------------------------------------

def test_a_missing_folder_or_list_is_a_usage_error_a_missing_pdf_a_row(tmp_path):
    for missing in (tmp_path / "nonexist", f"{tmp_path / 'nonexist'}/", tmp_path / "submissions.zip",
                    tmp_path / "list.txt"):
        result = batch(missing, "--out", tmp_path / "o", "--progress", "none")
        assert result.exit_code == 2, result.output
        assert f"no such file or folder: {missing}" in result.output
        assert not (tmp_path / "o" / "results.csv").exists()
    result = batch(tmp_path / "gone.pdf", "--out", tmp_path / "o", "--progress", "none", "--no-first-pages")
    assert result.exit_code == 1  # a submission that vanished: its own FILE002 row, as before
    assert read_csv(tmp_path / "o" / "results.csv")[0]["error_codes"] == "FILE002"


def test_merging_some_shards_of_a_sharded_batch_is_refused_unless_partial(tmp_path):
    src = tmp_path / "in"
    _copy_set(src, GOOD[:6])
    for i in (1, 2):
        batch(src, "--out", tmp_path / f"shard{i}", "--shard", f"{i}/2", "--progress", "none", "--exit-zero",
              "--no-first-pages", expect=0)
    one = CliRunner().invoke(cli, ["merge", str(tmp_path / "shard1"), "--out", str(tmp_path / "m1"), "--exit-zero"])
    assert one.exit_code == 2, one.output
    assert "shard 2/2 is missing" in one.output and "--partial" in one.output
    assert not (tmp_path / "m1" / "results.csv").exists()
    partial = CliRunner().invoke(cli, ["merge", str(tmp_path / "shard1"), "--out", str(tmp_path / "m2"), "--exit-zero",
                                       "--partial", "--no-first-pages"])
    assert partial.exit_code == 0, partial.output
    assert "shard 2/2 is missing" in partial.output  # said, and the reports written
    assert len(read_csv(tmp_path / "m2" / "results.csv")) == len(read_csv(tmp_path / "shard1" / "results.csv"))
    both = CliRunner().invoke(cli, ["merge", str(tmp_path / "shard1"), str(tmp_path / "shard2"), "--out",
                                    str(tmp_path / "m3"), "--exit-zero", "--no-first-pages"])
    assert both.exit_code == 0 and "missing" not in both.output, both.output
    assert len(read_csv(tmp_path / "m3" / "results.csv")) == 6
    # the second shard merged later into the partial merge completes it
    later = CliRunner().invoke(cli, ["merge", str(tmp_path / "shard2"), "--out", str(tmp_path / "m2"), "--exit-zero",
                                     "--no-first-pages"])
    assert later.exit_code == 0, later.output
    assert len(read_csv(tmp_path / "m2" / "results.csv")) == 6


def test_a_shard_whose_share_held_every_entry_misses_nothing(tmp_path):
    src = tmp_path / "in"
    _copy_set(src, GOOD[:1])
    from scope_check.batch.inputs import shard_of

    index = shard_of("101.pdf", 2) + 1  # the one entry's shard: the other shard has nothing to check
    batch(src, "--out", tmp_path / "s", "--shard", f"{index}/2", "--progress", "none", "--no-first-pages", expect=0)
    merged = CliRunner().invoke(cli, ["merge", str(tmp_path / "s"), "--out", str(tmp_path / "m"), "--no-first-pages"])
    assert merged.exit_code == 0 and "missing" not in merged.output, merged.output


@pytest.mark.parametrize("sig, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_batch_stopped_by_a_signal_exits_128_plus_its_number_and_resumes(tmp_path, sig, status):
    src = tmp_path / "in"
    _copy_set(src, GOOD + GOOD, prefix="s")
    for i, path in enumerate(sorted(src.iterdir())):  # 20 distinct files: nothing is reused
        with open(path, "ab") as fh:
            fh.write(b"\n%% copy %d\n" % i)
    out = tmp_path / "out"
    cmd = [SCOPE_CHECK, "batch", str(src), "--out", str(out), "--jobs", "1", "--progress", "none",
           "--no-first-pages", "--exit-zero"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    db = out / "results.sqlite"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with closing(sqlite3.connect(db, timeout=1)) as con:
                if con.execute("SELECT count(*) FROM results").fetchone()[0] >= 2:
                    break
        except sqlite3.OperationalError:
            pass
        time.sleep(0.05)
    assert proc.poll() is None, "the batch finished before the signal"
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == status, stderr
    assert "interrupted with" in stderr and "rerun the same command to resume" in stderr
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0 and "reused 0" not in rerun.stderr, rerun.stderr


def test_the_stamp_covers_nothing_of_the_page_not_its_running_header(tmp_path):
    """The chair glances at the running header ("Under review as a conference paper at ICLR 2025"):
    the stamp goes in a strip added above the page's visible top, on a plain, a cropped and a turned
    page alike, and the whole page is still there below it."""
    import pymupdf

    header = "Under review as a conference paper at ICLR 2025"
    src = tmp_path / "in"
    src.mkdir()
    original = FIXTURES / "pages/main_refs_mid_p5.pdf"
    shutil.copyfile(original, src / "1.pdf")
    with pymupdf.open(original) as doc:
        doc[0].set_cropbox(pymupdf.Rect(0, 20, 612, 792))  # the header now near the visible top
        doc.save(src / "2.pdf")
    with pymupdf.open(original) as doc:
        doc[0].set_rotation(180)
        doc.save(src / "3.pdf")
    batch(src, "--out", tmp_path / "out", "--progress", "none", "--exit-zero", expect=0)
    with pymupdf.open(tmp_path / "out" / "first_pages.pdf") as doc:
        assert doc.page_count == 3
        for i, sid in enumerate(("1", "2", "3")):
            page = doc[i]
            (title,) = page.search_for(header)
            (stamp,) = page.search_for(f"Submission {sid}")
            bands = [d["rect"] for d in page.get_drawings() if d.get("fill") == (1.0, 1.0, 1.0)]
            assert bands, sid
            for band in bands:  # the stamp's white band and frame lie above the header, never over it
                assert band.y1 <= title.y0 and not band.intersects(title), (sid, band, title)
            assert stamp.y1 <= title.y0, sid
            assert header in page.get_text("text")
        assert doc[0].rect.height > 792 and doc[0].rect.width == 612  # the page whole, and a strip more
        words = {w[4] for w in doc[0].get_text("words")}
        assert {"Under", "review", "2025"} <= words


def test_tracks_give_titles_and_unmapped_rows_no_track(small_batch):
    out, _ = small_batch
    rows = by_sid(read_csv(out / "results.csv"))
    assert rows["104"]["track"] == "Tiny Papers" and rows["104"]["title"] == "Acks"
    assert rows["101"]["title"] == "Refs"
    # a paper the tracks file does not name has no track (its rule set is the --rules default)
    assert rows["102"]["track"] == "" and rows["102"]["rules"] == "scope2025-main" and rows["102"]["title"] == ""
    desk = by_sid(read_csv(out / "desk_reject.csv"))
    assert desk["104"]["title"] == "Acks"
    jsonl = {x["submission_id"]: x for x in map(json.loads, (out / "results.jsonl").read_text().splitlines())}
    assert jsonl["104"]["title"] == "Acks" and "title" not in jsonl["102"] and jsonl["102"]["track"] == ""
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<th>title</th>" in html and "<td>Acks</td>" in html
    assert '<option value="scope2025-main">' not in html  # the track filter offers tracks, not rule sets


def test_counts_of_one_are_singular_in_the_batch_summary_and_report(tmp_path):
    src = tmp_path / "in"
    _copy_set(src, GOOD[:1])
    result = batch(src, "--out", tmp_path / "out", "--progress", "none", "--no-first-pages", expect=0)
    assert "scope-check batch: 1 file: 1 pass, 0 fail, 0 error" in result.output
    assert "checked 1, reused 0 from the database, 0 odd entries, 0 hidden entries and 0 files not named .pdf" \
        in result.output
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "1 file checked against" in html and "1 files" not in html and "0 pairs:" in html


# --- the venue's canaries (issue 25) --------------------------------------------------------------

def test_a_venue_canary_across_papers_is_one_notice_and_an_authors_own_prompt_keeps_its_error(tmp_path):
    """Six reviewer copies carrying the venue's canary (each its own pair of phrases, under the ICML
    2026 watermark), a seventh that also hides the authors' own prompt, and three papers with the
    2025 prompt copied into each (no watermark): the canary is one notice and leaves the six clean;
    the seventh's own prompt is not the venue's and is an error again; the copied prompt is three
    authors' errors, not a canary."""
    src = tmp_path / "in"
    src.mkdir()
    for n in range(1, 7):
        shutil.copyfile(FIXTURES / f"text/canary/reviewer_copy_{n}.pdf", src / f"{n}.pdf")
    shutil.copyfile(FIXTURES / "text/canary/reviewer_copy_own_prompt.pdf", src / "7.pdf")
    for n in (8, 9, 10):  # the same prompt in three different files
        (src / f"{n}.pdf").write_bytes((FIXTURES / "text/white_prompt.pdf").read_bytes() + b"\n%% copy %d\n" % n)
    out = tmp_path / "out"
    batch(src, "--out", out, "--progress", "none", "--no-first-pages", expect=1)
    rows = by_sid(read_csv(out / "results.csv"))
    for sid in map(str, range(1, 7)):
        assert rows[sid]["verdict"] == "pass", rows[sid]
        assert "TEXT" not in rows[sid]["error_codes"] + rows[sid]["warning_codes"] and rows[sid]["TEXT001"] == ""
    assert rows["7"]["verdict"] == "fail" and rows["7"]["error_codes"] == "TEXT001 TEXT002"
    for sid in ("8", "9", "10"):
        assert rows[sid]["verdict"] == "fail" and rows[sid]["error_codes"] == "TEXT001 TEXT002", rows[sid]
    assert set(by_sid(read_csv(out / "desk_reject.csv"))) == {"7", "8", "9", "10"}
    entries = {x["submission_id"]: x for x in map(json.loads, (out / "results.jsonl").read_text().splitlines())}
    for sid in map(str, range(1, 8)):
        (taken,) = entries[sid]["venue_canary"]
        assert taken["key"] == "form:icml2026" and [f["code"] for f in taken["findings"]] == ["TEXT001"], sid
    own = [f for f in entries["7"]["findings"] if f["code"].startswith("TEXT")]
    assert {(f["code"], f["severity"], f["page"]) for f in own} == {("TEXT001", "error", 2), ("TEXT002", "error", 2)}
    assert all("the venue's canary is another text" in f["message"] for f in own)
    assert "venue_canary" not in entries["8"]
    html = (out / "report.html").read_text(encoding="utf-8")
    notice = html[html.index("<h2>Venue canaries</h2>"):]
    notice = notice[:notice.index("</table>")]
    assert "1 hidden text recurs across papers" in notice and notice.count("<tr>") == 2  # a header and one notice
    assert "<td>icml2026</td>" in notice and "<td>7</td>" in notice and "Confidential reviewer copy." in notice
