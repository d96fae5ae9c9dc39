"""--format html: a self-contained page (nothing fetched) with the verdict, the findings and a
thumbnail of each page with findings, boxes drawn; opened in headless Chromium."""

from __future__ import annotations

import re

from click.testing import CliRunner

import browser
from conftest import FIXTURES
from scope_check.cli.main import cli

EXAMPLE = str(FIXTURES / "example" / "draft_with_problems.pdf")
PASSING = str(FIXTURES / "pages" / "main_refs_top_p6.pdf")


def report(tmp_path, *pdfs):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, [*pdfs, "--format", "html", "-o", str(out)])
    assert result.exit_code == 1, result.output
    return out


def test_the_page_is_self_contained(tmp_path):
    text = report(tmp_path, EXAMPLE, PASSING).read_text(encoding="utf-8")
    # no resource outside the page: every src/href is a data URI or a link the reader may follow
    assert not re.search(r"<(script|link|iframe|object)\b", text)
    assert all(v.startswith("data:image/png;base64,") for v in re.findall(r'<image href="([^"]*)"', text))
    assert "default-src 'none'" in text
    # only the pages with findings are rendered: pages 1, 3 and 6 of the example
    assert re.findall(r'<figure data-page="(\d+)"', text) == ["1", "3", "6"]


def test_the_report_opens_in_chromium_and_shows_the_findings(tmp_path):
    out = report(tmp_path, EXAMPLE, PASSING)
    errors, requests = [], []
    with browser.page() as page:
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(out.as_uri())
        page.wait_for_load_state("load")
        assert errors == []
        assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
        sections = page.locator("section.paper")
        assert sections.count() == 2
        assert sections.nth(0).get_attribute("data-verdict") == "fail"
        assert sections.nth(1).get_attribute("data-verdict") == "pass"
        codes = page.locator("section.paper").nth(0).locator("tr.finding").evaluate_all(
            "rows => rows.map(r => r.dataset.code)")
        assert sorted(codes) == ["ANON002", "ANON003", "ANON005", "MARG001", "PAGE001"]
        assert "Jane Doe" in page.locator("tr.finding[data-code=ANON005]").inner_text()
        # the thumbnails are decoded images with the boxes drawn over them
        figure = page.locator("figure[data-page='3']")
        assert figure.locator("rect.box[data-code=MARG001]").count() == 1
        box = figure.locator("rect.box").bounding_box()
        assert box["width"] > 100 and box["height"] > 20
        shot = figure.screenshot()
    from pymupdf import Pixmap

    pix = Pixmap(shot)
    samples, n = pix.samples, pix.n
    colours = {bytes(samples[i:i + 3]) for i in range(0, len(samples), n * 97)}
    assert len(colours) > 5  # not blank: the rendered page and the red box
    red = sum(1 for i in range(0, len(samples), n)
              if samples[i] > 150 and samples[i + 1] < 80 and samples[i + 2] < 80)
    assert red > 100
