"""PAGE001 page-limit, PAGE002 page-size, PAGE003 no-references-heading, read like the rules."""

from __future__ import annotations

import csv

import pytest

from conftest import CORPUS, check, codes, layout_codes, pages


def finding(report, code):
    return next(f for f in report.findings if f.code == code)


def test_page_limit_counts_the_page_the_references_start_on():
    assert check("pages/main_refs_mid_p5.pdf").measurements["body_pages"] == 5


def test_page_limit_does_not_count_a_page_the_references_open():
    report = check("pages/main_refs_top_p6.pdf")
    assert report.measurements["references_page"] == 6
    assert report.measurements["body_pages"] == 5
    assert "PAGE001" not in codes(report)


def test_six_lines_over_the_limit_fail_on_the_first_page_over():
    f = finding(check("pages/main_spill_p6.pdf"), "PAGE001")
    assert (f.page, f.data["pages"], f.data["limit"]) == (6, 6, 5)
    assert f.severity == "error"
    # the finding frames the overflowing lines, above the References heading
    assert f.bbox is not None and f.bbox[3] < 200


def test_an_appendix_before_the_references_counts_and_is_named():
    f = finding(check("pages/appendix_before_refs.pdf"), "PAGE001")
    assert f.data["appendix_before_references"] == 5
    assert "appendix" in f.message.lower()


def test_exempt_statements_before_the_references_are_not_counted():
    report = check("pages/exempt_statements.pdf")
    assert report.measurements["body_pages"] == 5
    assert len(report.measurements["body_excluded"]) == 2


def test_exempt_sections_are_a_rule_file_parameter(tmp_path):
    own = tmp_path / "strict.yaml"
    own.write_text("name: strict\nextends: scope2025-main\nstructure:\n  exempt_sections: []\n")
    report = check("pages/exempt_statements.pdf", str(own))
    assert report.measurements["body_pages"] == 6
    assert "PAGE001" in codes(report)


def test_the_limit_comes_from_the_rule_set():
    pdf = "pages/main_refs_top_p6.pdf"
    assert "PAGE001" in codes(check(pdf, "scope2025-tiny"))
    assert "PAGE001" in codes(check(pdf, "wsl2025-extended"))
    assert "PAGE001" not in codes(check(pdf, "wsl2025-full"))


def test_no_references_heading_counts_every_page_and_warns():
    report = check("pages/no_references.pdf")
    assert report.measurements["body_pages"] == report.measurements["pages"]
    assert finding(report, "PAGE003").severity == "warning"
    assert report.verdict == "pass"


def test_a_renamed_bibliography_is_the_references_heading():
    assert check("pages/bibliography_renamed.pdf").measurements["references_page"] == 4


def test_references_in_running_text_and_the_contents_are_not_the_heading():
    assert check("pages/references_in_text.pdf").measurements["references_page"] == 5


def test_a4_paper_with_the_template_block_is_only_a_page_size_finding():
    report = check("pages/a4_paper.pdf")
    assert layout_codes(report) == {"PAGE002"}
    assert pages(report, "PAGE002") == {1, 2, 3}  # one finding naming every page
    assert codes(check("pages/letter_paper.pdf")) == set()


def test_select_and_ignore_by_prefix():
    assert codes(check("pages/main_spill_p6.pdf", ignore=("PAGE",))) == set()
    assert codes(check("pages/no_references.pdf", "scope2025-tiny", select=("PAGE003",))) == {"PAGE003"}


CORPUS_ROWS = (
    [r for r in csv.DictReader((CORPUS / "EXPECTED.tsv").read_text().splitlines(), delimiter="\t") if r["body_pages"]]
    if (CORPUS / "EXPECTED.tsv").is_file()
    else []
)


@pytest.mark.skipif(not CORPUS_ROWS, reason="the shared corpus is not beside the project")
@pytest.mark.parametrize("row", CORPUS_ROWS, ids=lambda r: r["file"])
def test_body_pages_of_real_papers(row):
    from scope_check.checks import load_rules
    from scope_check.engine.runner import check_file

    report = check_file(str(CORPUS / row["file"]), load_rules("scope2025-main"))
    assert report.measurements["body_pages"] == int(row["body_pages"])
    assert report.measurements["references_page"] == int(row["references_page"])


@pytest.mark.skipif(not (CORPUS / "acl2020_2kenize.pdf").is_file(), reason="the shared corpus is not beside the project")
def test_a_references_heading_over_a_smaller_reference_list_is_found():
    """ACL 2020, two columns: the References open page 10 in bold above a list set smaller than the
    body, so no body-size line marks the column edge on that page (read page by page)."""
    from scope_check.checks import load_rules
    from scope_check.engine.runner import check_file

    report = check_file(str(CORPUS / "acl2020_2kenize.pdf"), load_rules("scope2025-main"))
    assert (report.measurements["references_page"], report.measurements["body_pages"]) == (10, 9)
