"""Every fixture in fixtures/manifest.yaml yields exactly its codes (and body_pages)."""

from __future__ import annotations

import pytest
import yaml

from conftest import FIXTURES, check, codes, pages, severities

MANIFEST = yaml.safe_load((FIXTURES / "manifest.yaml").read_text(encoding="utf-8")) or []


@pytest.mark.parametrize("case", MANIFEST, ids=lambda c: f"{c['pdf']}@{c['rules']}")
def test_fixture_yields_exactly_its_codes(case):
    report = check(case["pdf"], case["rules"])
    assert codes(report) == set(case["codes"]), [(f.code, f.page, f.message) for f in report.findings]
    if "body_pages" in case:
        assert report.measurements.get("body_pages") == case["body_pages"]
    for code, page in (case.get("pages") or {}).items():
        assert page in pages(report, code)
    for code, severity in (case.get("severities") or {}).items():
        assert severities(report, code) == {severity}, [(f.code, f.severity, f.message) for f in report.findings]
    if "verdict" in case:
        assert report.verdict == case["verdict"]


def test_every_fixture_pdf_is_in_the_manifest():
    listed = {c["pdf"] for c in MANIFEST}
    on_disk = {str(p.relative_to(FIXTURES)) for p in FIXTURES.glob("*/*.pdf")}
    assert on_disk <= listed, sorted(on_disk - listed)
