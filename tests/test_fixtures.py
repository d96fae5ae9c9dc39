"""Every fixture in fixtures/manifest.yaml yields exactly its codes (and body_pages); every code a PDF
can yield has a fixture that triggers it and one that is a near miss for it (`near_miss_for`)."""

from __future__ import annotations

import pytest
import yaml

from conftest import FIXTURES, check, codes, pages, severities
from scope_check.checks import checks

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


#: the codes no fixture PDF can yield, so none has a trigger or a near miss in this manifest: the
#: runner's own (SCOPE001, an internal error; FILE006/FILE007, the time and memory limits, made by
#: test hooks in tests/test_batch.py and tests/test_hostile.py) and the supplement's (SUPP, checked
#: on archives: fixtures/supplement/manifest.yaml and the near-miss tests of tests/test_supplement.py).
#: Spec attributes, as tests/test_registry.py's NOT_FROM_A_FIXTURE (which the SUPP archives do reach).
NOT_FROM_A_PDF_FIXTURE = tuple(code for code, c in checks().items() if c.internal or c.runner_reported or c.supplement)

#: codes that have a trigger but no near-miss fixture yet (a strict xfail: the day one is listed,
#: the test passes and this tuple must lose the code). Each needs a new PDF, not a new claim.
NEAR_MISS_MISSING: tuple = ()


def test_the_codes_not_from_a_pdf_fixture_are_the_runners_and_the_supplements():
    assert NOT_FROM_A_PDF_FIXTURE == ("FILE006", "FILE007", "SCOPE001") + tuple(f"SUPP00{i}" for i in range(1, 8))


@pytest.mark.parametrize("case", [c for c in MANIFEST if "near_miss_for" in c], ids=lambda c: f"{c['pdf']}@{c['rules']}")
def test_a_near_miss_names_registered_codes_it_does_not_yield(case):
    near = case["near_miss_for"]
    assert isinstance(near, list) and near, "near_miss_for: a non-empty list of codes"
    assert len(set(near)) == len(near), near
    assert not set(near) - set(checks()), f"unknown codes {sorted(set(near) - set(checks()))}"
    assert not set(near) & set(case["codes"]), "a fixture is never a near miss for a code it yields"
    assert not set(near) & set(NOT_FROM_A_PDF_FIXTURE), "no PDF comes near a code no PDF can yield"


def _coverage_params():
    for code in checks():
        if code in NOT_FROM_A_PDF_FIXTURE:
            continue
        marks = [pytest.mark.xfail(strict=True, reason="no near-miss fixture yet")] if code in NEAR_MISS_MISSING else []
        yield pytest.param(code, marks=marks, id=code)


@pytest.mark.parametrize("code", list(_coverage_params()))
def test_every_code_has_a_trigger_and_a_near_miss(code):
    triggers = [f"{c['pdf']}@{c['rules']}" for c in MANIFEST if code in c["codes"]]
    near = [f"{c['pdf']}@{c['rules']}" for c in MANIFEST if code in (c.get("near_miss_for") or ())]
    assert triggers, f"no fixture in fixtures/manifest.yaml yields {code}"
    assert near, f"no fixture in fixtures/manifest.yaml is a near miss for {code} (near_miss_for)"


def test_the_missing_near_misses_are_codes_a_pdf_can_yield():
    assert set(NEAR_MISS_MISSING) <= set(checks()) - set(NOT_FROM_A_PDF_FIXTURE)
