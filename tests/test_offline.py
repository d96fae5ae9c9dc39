"""The checker never touches the network: submissions are confidential, and a link in a paper is
read, never followed. tests/conftest.py refuses every socket connection during the tests; these
tests prove that guard works, and that checking a paper full of links attempts no connection."""

from __future__ import annotations

import socket

import pytest

from conftest import check, codes

LINKED = [
    "anonymity/link_footnote.pdf",
    "anonymity/link_text_wrapped.pdf",
    "anonymity/link_personal_page.pdf",
    "anonymity/link_anonymous.pdf",
    "anonymity/link_cited_library.pdf",
]


def test_the_guard_refuses_a_socket_connection():
    with pytest.raises(AssertionError, match="network access attempted"):
        socket.create_connection(("example.org", 80), timeout=1)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(AssertionError, match="network access attempted"):
            s.connect(("127.0.0.1", 9))
        with pytest.raises(AssertionError, match="network access attempted"):
            s.connect_ex(("127.0.0.1", 9))
    finally:
        s.close()


def test_the_guard_refuses_name_resolution():
    with pytest.raises(AssertionError, match="network access attempted"):
        socket.getaddrinfo("github.com", 443)


def test_the_guard_covers_urllib():
    import urllib.request

    with pytest.raises(AssertionError, match="network access attempted"):
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)


@pytest.mark.parametrize("pdf", LINKED)
def test_checking_a_paper_full_of_links_opens_no_connection(pdf, monkeypatch):
    attempts = []

    def record(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args!r}")

    # record as well as refuse, so that a swallowed exception would still be seen
    monkeypatch.setattr(socket.socket, "connect", record)
    monkeypatch.setattr(socket.socket, "connect_ex", record)
    monkeypatch.setattr(socket, "create_connection", record)
    monkeypatch.setattr(socket, "getaddrinfo", record)
    report = check(pdf)
    assert attempts == []
    assert "SCOPE001" not in codes(report)


def test_the_links_were_read_while_offline():
    """The fixtures above do hold links the checker read (so "no connection" is not vacuous)."""
    report = check("anonymity/link_footnote.pdf")
    assert [f.data["url"] for f in report.findings if f.code == "ANON003"] == ["https://github.com/jdoe/scalable-opt"]
