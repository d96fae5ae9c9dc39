"""Untrusted archives are read in place: every odd member is listed with its problem, nothing is
written outside the given folder, and no member decompresses past its bound."""

from __future__ import annotations

import io
import stat
import tarfile
import warnings
import zipfile

import pytest

from scope_check.safety.archive import ArchiveError, Limits, extract, members, read


def _zip(tmp_path, entries):
    path = tmp_path / "a.zip"
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name we make on purpose
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if mode:
                info.external_attr = mode << 16
            zf.writestr(info, data)
    return path


def test_zip_members_name_their_problem(tmp_path):
    path = _zip(tmp_path, [
        ("ok.pdf", b"%PDF-1.4", 0),
        ("../evil.pdf", b"x", 0),
        ("/abs.pdf", b"x", 0),
        ("link.pdf", b"/etc/passwd", stat.S_IFLNK | 0o777),
        ("ok.pdf", b"again", 0),
    ])
    found = {(m.name, m.problem is None) for m in members(path)}
    assert ("ok.pdf", True) in found
    problems = {m.name: m.problem for m in members(path) if m.problem}
    assert "climbs out" in problems["../evil.pdf"]
    assert "absolute" in problems["/abs.pdf"]
    assert "symbolic link" in problems["link.pdf"]
    assert [m.problem for m in members(path) if m.name == "ok.pdf"][1].startswith("duplicate")


def test_a_zip_bomb_is_refused_by_ratio_and_never_decompressed(tmp_path):
    path = _zip(tmp_path, [("bomb.pdf", b"\0" * 30_000_000, 0)])
    (bomb,) = members(path)
    assert bomb.compressed < 100_000 and "ratio" in bomb.problem
    with pytest.raises(ValueError):
        read(path, bomb, 1 << 20)


def test_a_member_that_lies_about_its_size_stops_at_the_bound(tmp_path):
    path = _zip(tmp_path, [("big.bin", b"a" * 3_000_000, 0)])
    (member,) = members(path, Limits(ratio_floor_bytes=10**12))
    with pytest.raises(ValueError, match="more than"):
        read(path, member, 1_000_000)
    with pytest.raises(ValueError):
        extract(path, member, tmp_path, limit=1_000_000)
    assert not list(tmp_path.glob("member-*"))  # a partial file is removed


def test_tar_devices_links_and_traversal_are_never_created(tmp_path):
    path = tmp_path / "a.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for name, kind in (("paper.pdf", tarfile.REGTYPE), ("dev", tarfile.CHRTYPE),
                           ("fifo.pdf", tarfile.FIFOTYPE), ("sym.pdf", tarfile.SYMTYPE),
                           ("../../up.pdf", tarfile.REGTYPE)):
            info = tarfile.TarInfo(name)
            info.type = kind
            data = b"%PDF-1.4 tar" if kind == tarfile.REGTYPE else b""
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    listed = {m.name: m for m in members(path)}
    assert listed["paper.pdf"].problem is None
    assert read(path, listed["paper.pdf"], 100) == b"%PDF-1.4 tar"
    for name in ("dev", "fifo.pdf", "sym.pdf", "../../up.pdf"):
        assert listed[name].problem, name
    out = tmp_path / "work"
    out.mkdir()
    written = extract(path, listed["paper.pdf"], out, limit=100)
    assert written.parent == out and written.read_bytes() == b"%PDF-1.4 tar"


def test_not_an_archive_is_a_clear_error(tmp_path):
    path = tmp_path / "x.tar"
    path.write_bytes(b"%PDF-1.4 not a tar")
    with pytest.raises(ArchiveError):
        list(members(path))
