from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


def fixture_path(relative: str) -> str:
    return str(FIXTURES / relative)


def check(relative_pdf: str, rules: str = "scope2025-main", **selection):
    """Check a fixture PDF (path below fixtures/) against a rule set; returns the Report."""
    from scope_check.checks import load_rules
    from scope_check.engine.runner import Selection, check_file

    if rules.endswith((".yaml", ".yml")) and not rules.startswith("/"):
        rules = fixture_path(rules)  # a rules file kept in fixtures/rules/
    return check_file(fixture_path(relative_pdf), load_rules(rules), Selection(**selection))


def codes(report) -> set:
    return {f.code for f in report.findings}


def pages(report, code: str) -> set:
    """Every page a finding of `code` is on (a grouped finding lists several)."""
    return {p for f in report.findings if f.code == code for p in f.all_pages}


def severities(report, code: str) -> set:
    return {f.severity for f in report.findings if f.code == code}


#: the layout and typography codes (tests/test_margins.py, test_fonts.py, test_template.py, test_pages.py)
LAYOUT = {"MARG001", "MARG002", "FONT001", "FONT002", "FONT003", "PAGE002", "TMPL001"}


def layout_codes(report) -> set:
    return codes(report) & LAYOUT


def errors(report) -> set:
    return {f.code for f in report.findings if f.severity == "error"}


def findings(report, code):
    return [f for f in report.findings if f.code == code]


needs_corpus = pytest.mark.skipif(not (CORPUS / "EXPECTED.tsv").is_file(), reason="../shared/corpus is not beside the project")


def corpus_check(name):
    from scope_check.checks import load_rules
    from scope_check.engine.runner import check_file

    return check_file(str(CORPUS / name), load_rules("scope2025-main"))


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Submissions are confidential and the checker runs offline: any socket connection during a
    test fails it. (tests/test_offline.py proves this guard works.)"""
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
