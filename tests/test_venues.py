"""The venue rule sets of issue 23 on real PDFs: the fixtures compiled against each official kit
(fixtures/venues/), the kits' own sample PDFs (../shared/template/) and the real papers of
../shared/corpus-venues (EXPECTED.tsv: each paper's rule set, its body pages under that set, the code
families that must not be errors, its notes)."""

from __future__ import annotations

import csv
import re

import pytest

from conftest import ROOT, check, codes, errors, findings
from scope_check.analysis.structure import FOOTER, RULER, analyse
from scope_check.checks import load_rules
from scope_check.config.rules import bundled_index, bundled_names
from scope_check.engine.runner import check_file
from scope_check.model.loader import load

SHARED = ROOT.parent / "shared"
VENUES = SHARED / "corpus-venues"
TEMPLATES = SHARED / "template"
needs_venues = pytest.mark.skipif(not (VENUES / "EXPECTED.tsv").is_file(),
                                  reason="../shared/corpus-venues is not beside the project")
needs_templates = pytest.mark.skipif(not TEMPLATES.is_dir(), reason="../shared/template is not beside the project")


def _expected(prefix: str):
    if not (VENUES / "EXPECTED.tsv").is_file():
        return []
    with (VENUES / "EXPECTED.tsv").open(encoding="utf-8", newline="") as fh:
        return [row for row in csv.DictReader(fh, delimiter="\t") if row["rules"].startswith(prefix)]


# --- NeurIPS 2025/2026 ----------------------------------------------------------------------

NEURIPS = ("neurips2025", "neurips2026")


def test_the_neurips_sets_are_bundled_and_their_base_is_not_a_set():
    assert set(NEURIPS) <= set(bundled_names())
    assert "neurips-base" not in bundled_names()
    assert all(not path.name.startswith("_") for path in bundled_index().values())


@pytest.mark.parametrize("name", NEURIPS)
def test_a_neurips_set_holds_its_template_and_nothing_of_iclrs(name):
    rules = load_rules(name)
    year = name[-4:]
    tpl = rules.template
    assert rules.options("PAGE001")["max_pages"] == 9
    assert tuple(tpl["page_size"]) == (612, 792) and tuple(tpl["text_block"]) == (108.0, 72.0, 504.0, 720.0)
    assert (tpl["body_font_size"], tpl["body_leading"]) == (9.96, 10.91)
    assert tpl["name"] == f"NeurIPS {year}" and f"neurips_{year}" in tpl["latex_style"]
    assert not tpl["header"]["review"] and not tpl["header"]["camera_ready"]  # NeurIPS prints no running header
    assert "iclr" not in str(tpl["latex_final_copy"]).lower()
    assert tpl["ruler"]["numbering"] == "plain" and tuple(tpl["ruler"]["grey"])[1] < 0.5  # black lineno, not a grey ruler
    assert any(f"NeurIPS {year}" in p for p in tpl["footer"]["review"])
    quoted = " ".join([rules.title, rules.cfp] + [rules.why(code, "") for code in rules.checks])
    assert "ICLR" not in quoted and f"NeurIPS {year}" in quoted
    assert f"NeurIPS {year}" in rules.why("PAGE001", "") and "nine pages" in rules.why("PAGE001", "")


@pytest.mark.parametrize("name", NEURIPS)
def test_the_compliant_neurips_fixture_passes_with_its_furniture_recognised(name):
    pdf = f"venues/{name}/compliant.pdf"
    report = check(pdf, name)
    assert codes(report) == set(), [(f.code, f.message) for f in report.findings]
    doc = load(str(ROOT / "fixtures" / pdf))
    s = analyse(doc, load_rules(name))
    ordinal = {"neurips2025": "39th", "neurips2026": "40th"}[name]
    assert s.footer_texts == ((1, f"Submitted to {ordinal} Conference on Neural Information Processing Systems "
                               f"(NeurIPS {name[-4:]}). Do not distribute."),)
    # lineno numbers every text line: every page shows them (pages of a few lines included)
    assert s.review_ruler_pages == tuple(range(1, doc.page_count + 1))
    numbers = sorted(int(ln.text) for page in s.furniture for role, ln in page if role == RULER)
    assert numbers[0] == 1 and len(numbers) == len(set(numbers))


def test_a_workshops_own_notice_in_the_notices_place_is_furniture():
    report = check("venues/neurips2026/workshop_notice.pdf", "neurips2026")
    assert "MARG001" not in codes(report)
    s = analyse(load(str(ROOT / "fixtures" / "venues/neurips2026/workshop_notice.pdf")), load_rules("neurips2026"))
    assert s.footer_texts == ((1, "Workshop on Efficient Adaptation at NeurIPS 2026. Do not distribute."),)
    assert all(role != FOOTER for page in s.furniture[1:] for role, _ in page)  # page 1 only


def test_body_text_below_the_block_is_content_not_the_notice():
    (finding,) = findings(check("venues/neurips2026/bottom_margin.pdf", "neurips2026"), "MARG001")
    assert finding.page == 2 and finding.severity == "error"
    assert finding.data["side"] == "bottom" and finding.data["region"] == "body"
    assert "Paragraph" in finding.data["text"]


def test_a_camera_ready_notice_is_not_review_mode():
    (finding,) = findings(check("venues/neurips2025/final_anonymous.pdf", "neurips2025"), "ANON001")
    assert finding.data["mode"] == "camera-ready notice"
    assert finding.data["notice"] == "39th Conference on Neural Information Processing Systems (NeurIPS 2025)."
    assert not finding.data["names"] and not finding.data["emails"]  # the block is the anonymous placeholder
    assert finding.bbox is not None and finding.bbox[1] > 720  # it points at the notice


@needs_templates
@pytest.mark.parametrize("pdf,name,mode", [
    ("neurips2025/compiled/neurips_2025-main-final.pdf", "neurips2025", "camera-ready notice"),
    ("neurips2025/compiled/neurips_2025-preprint.pdf", "neurips2025", "camera-ready notice"),
    ("neurips2026/compiled/neurips_2026-main-final.pdf", "neurips2026", "camera-ready notice"),
    ("neurips2026/compiled/neurips_2026-preprint.pdf", "neurips2026", "camera-ready notice"),
    # the 2025 Datasets and Benchmarks track is single-blind: names beside the line numbers and the
    # "Submitted to" notice; under the main track's set the names are the finding, not the mode
    ("neurips2025/compiled/neurips_2025-dandb-submission.pdf", "neurips2025", None),
])
def test_anon001_reads_the_mode_from_the_neurips_notice(pdf, name, mode):
    report = check_file(str(TEMPLATES / pdf), load_rules(name))
    (finding,) = [f for f in findings(report, "ANON001") if f.data.get("mode") or f.data.get("names")][:1]
    assert finding.data["mode"] == mode
    assert "MARG001" not in codes(report)  # the notice, whatever its mode, is furniture


@needs_templates
@pytest.mark.parametrize("pdf,name", [("neurips2025/neurips_2025.pdf", "neurips2025"),
                                      ("neurips2025/compiled/neurips_2025-submission.pdf", "neurips2025"),
                                      ("neurips2026/neurips_2026.pdf", "neurips2026")])
def test_the_official_neurips_samples_pass_their_own_rule_set(pdf, name):
    report = check_file(str(TEMPLATES / pdf), load_rules(name))
    # the sample's text says "our previous work [4]" (ANON004, a warning); its checklist is the
    # unfilled template's, which only the statements checks may judge
    assert not errors(report) - {"STMT001", "STMT003"}, [(f.code, f.message) for f in report.findings]
    assert report.measurements["body_pages"] == 5
    assert not {"MARG001", "TMPL001", "ANON001", "FONT001", "FONT002"} & codes(report)


@needs_venues
@pytest.mark.parametrize("row", _expected("neurips"), ids=lambda r: r["file"])
def test_every_neurips_corpus_paper_counts_as_its_venue_does(row):
    report = check_file(str(VENUES / row["file"]), load_rules(row["rules"]))
    assert report.measurements["body_pages"] == int(row["body_pages_venue"])
    forbidden = row["must_not_flag"].split()
    assert not [c for c in errors(report) if any(c.startswith(x) for x in forbidden)]
    # the line numbers and the page-1 notice are never content in the margins
    for f in findings(report, "MARG001"):
        assert not (f.data.get("kind") == "margin note" and f.data["side"] == "left"), f.message
        assert not (f.page == 1 and f.data["side"] == "bottom" and "Conference on Neural" in (f.data["text"] or ""))
    if row["mode"] == "review":
        s = analyse(load(str(VENUES / row["file"])), load_rules(row["rules"]))
        assert s.review_ruler_pages and s.footer_texts[0][1].startswith("Submitted to")
        assert "ANON001" not in codes(report)


@needs_templates
def test_neurips_2026_exempts_the_acknowledgments_and_2025_counts_them():
    """2026: "Additional pages containing acknowledgments, references, checklist, and optional technical
    appendices do not count"; 2025 names no acknowledgments (the kits' camera-ready builds print them
    right before the References)."""
    found = {}
    for year in ("2025", "2026"):
        report = check_file(str(TEMPLATES / f"neurips{year}/compiled/neurips_{year}-main-final.pdf"),
                            load_rules(f"neurips{year}"))
        found[year] = {s["kind"]: s["counted"] for s in report.measurements["statements"]}
        assert found[year]["checklist"] is False
    assert found["2025"]["acknowledgements"] is True and found["2026"]["acknowledgements"] is False


def test_the_ruler_is_the_templates_own():
    """The line-number ruler is template data: ICLR's grey fixed-pitch ruler is no ruler under a
    NeurIPS set, NeurIPS' black `lineno` numbers none under ICLR's, so each is content in the other's
    margin and furniture only in its own."""
    neurips = load(str(ROOT / "fixtures" / "venues/neurips2026/compliant.pdf"))
    iclr = load(str(ROOT / "fixtures" / "template/template_review.pdf"))
    assert analyse(neurips, load_rules("neurips2026")).review_ruler_pages
    assert not analyse(neurips, load_rules("iclr2025")).review_ruler_pages
    assert analyse(iclr, load_rules("iclr2025")).review_ruler_pages
    assert not analyse(iclr, load_rules("neurips2026")).review_ruler_pages
    assert not analyse(iclr, load_rules("neurips2026")).footer_texts  # ICLR prints no notice below its block


# --- ICLR 2026/2027 and the statements ------------------------------------------------------

ICLR = ("iclr2026", "iclr2027")
#: EXPECTED.tsv's statement labels -> the kinds of structure.statements
LABELS = {"ethics": "ethics", "reproducibility": "reproducibility", "ai-use/llm usage": "ai_use",
          "limitations": "limitations", "acknowledgements": "acknowledgements", "broader impact": "impact",
          "impact statement": "impact", "neurips checklist": "checklist"}


def _rows():
    return [r for r in _expected("iclr") if r["rules"] in ICLR]


def expected_statements(text: str) -> dict:
    """{kind: [pages]} from EXPECTED.tsv's `statements` ("Ethics:p10; Limitations:p7 (run-in paragraph
    in sec 6) and p22-23 (Appendix K)"): the pages where a heading opens it (a run-in paragraph has none)."""
    out: dict = {}
    for part in text.strip('"').split(";"):
        label, _, rest = part.strip().partition(":")
        for combined in label.split("+"):
            kind = LABELS.get(combined.strip().casefold())
            if kind is None or not rest:
                continue
            for m in re.finditer(r"p(\d+)(?:-\d+)?(\s*\(run-in)?", rest):
                if not m.group(2):
                    out.setdefault(kind, []).append(int(m.group(1)))
    return out


@needs_venues
@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["file"])
def test_a_corpus_paper_under_its_venue(row):
    report = check_file(str(VENUES / row["file"]), load_rules(row["rules"]))
    assert report.measurements["body_pages"] == int(row["body_pages_venue"])
    found = {}
    for st in report.measurements["statements"]:
        found.setdefault(st["kind"], []).append(st["page"])
    for kind, pages in expected_statements(row["statements"]).items():
        if kind == "acknowledgements" or kind in found:  # acknowledgements also stand under their own heading
            assert set(pages) & set(found.get(kind, pages)), (kind, pages, found)
    forbidden = row["must_not_flag"].split()
    errors = {f.code for f in report.findings if f.severity == "error"}
    assert not {c for c in errors if any(c.startswith(x) for x in forbidden)}


@needs_venues
def test_every_statement_heading_of_the_corpus_is_found():
    """Each statement the expectations place under a heading of its own is listed, on its page."""
    missing = []
    for row in _rows():
        report = check_file(str(VENUES / row["file"]), load_rules(row["rules"]))
        found = {(st["kind"], st["page"]) for st in report.measurements["statements"]}
        for kind, pages in expected_statements(row["statements"]).items():
            if not any((kind, p) in found for p in pages):
                missing.append((row["file"], kind, pages))
    assert not missing


@needs_venues
def test_the_iclr2026_statements_and_the_appendix_before_the_references_are_not_counted():
    rows = {r["file"]: r for r in _rows()}
    thinking = check_file(str(VENUES / "iclr2026_anon_thinking_in_thinking.pdf"), load_rules("iclr2026"))
    assert [st["kind"] for st in thinking.measurements["statements"] if not st["counted"]] == [
        "ethics", "reproducibility", "ai_use"]
    assert thinking.measurements["body_pages"] == int(rows["iclr2026_anon_thinking_in_thinking.pdf"]["body_pages_venue"])
    spectrum = check_file(str(VENUES / "iclr2026_anon_visible_spectrum.pdf"), load_rules("iclr2026"))
    assert spectrum.measurements["body_pages"] == 7 and spectrum.measurements["references_page"] == 8
    assert spectrum.measurements["body_excluded"] == ["ADDITIONAL PROOFS (page 7)"]


@needs_venues
def test_an_iclr2027_paper_without_its_ai_use_statement():
    report = check_file(str(VENUES / "iclr2027_anon_agent_memory_gains.pdf"), load_rules("iclr2027"))
    assert {"PAGE001", "STMT001"} <= codes(report)
    page_limit = next(f for f in report.findings if f.code == "PAGE001")
    assert (page_limit.data["pages"], page_limit.data["limit"]) == (13, 9)


@needs_templates
@pytest.mark.parametrize("rules, pdf", [
    ("iclr2026", "iclr2026/iclr2026_conference.pdf"),
    ("iclr2027", "iclr2027/iclr2027_conference.pdf"),
    ("iclr2027-camera", "iclr2027/compiled/iclr2027_conference-final.pdf"),
])
def test_the_official_samples_pass_their_own_rule_set(rules, pdf):
    report = check_file(str(TEMPLATES / pdf), load_rules(rules))
    # the kit's placeholder thanks, and (2027) its AI use statement, a form with bracketed blanks: the
    # statement is there but not made (STMT001, placeholder: a warning)
    placeholder = [f for f in findings(report, "STMT001") if f.fix == "placeholder"] if "2027" in rules else []
    assert all(f.severity == "warning" for f in placeholder)
    errors = {f.code for f in report.findings if f.severity == "error"}
    assert errors <= {"ANON002"}, [(f.code, f.message) for f in report.findings]
    assert [f.data["kind"] for f in placeholder] == (["ai_use"] if "2027" in rules else [])
    assert not [f for f in report.findings if f.code.startswith("STMT") and f not in placeholder]


@needs_templates
def test_the_2027_sample_counts_its_main_text_only():
    report = check_file(str(TEMPLATES / "iclr2027/iclr2027_conference.pdf"), load_rules("iclr2027"))
    assert report.measurements["body_pages"] == 6  # the five statements before the References do not count
    assert [st["kind"] for st in report.measurements["statements"]] == [
        "ai_use", "ethics", "reproducibility", "author_contributions", "acknowledgements"]


def test_the_camera_ready_set_allows_ten_pages_and_names():
    camera, review = load_rules("iclr2027-camera"), load_rules("iclr2027")
    assert camera.options("PAGE001")["max_pages"] == 10 and review.options("PAGE001")["max_pages"] == 9
    assert all(camera.severity(f"ANON00{i}") == "off" for i in range(1, 6))
    assert camera.structure["statements"]["ai_use"]["required"]


def test_the_2026_set_is_the_2025_template_with_the_2026_header_and_nine_pages():
    r25, r26 = load_rules("iclr2025"), load_rules("iclr2026")
    for key in ("page_size", "text_block", "body_font_size", "body_leading", "ruler"):
        assert r26.template[key] == r25.template[key]
    assert all("2026" in p for p in r26.template["header"]["review"] + r26.template["header"]["camera_ready"])
    assert r26.options("PAGE001")["max_pages"] == 9


def test_iclr2027_fixture_under_each_set():
    """One paper, three rule sets: the ICLR 2027 statements are exempt under iclr2027; iclr2026
    exempts ethics, reproducibility and LLM use too; the 2025 set counts the AI use statement."""
    pdf = "venues/iclr2027/compliant.pdf"
    assert [check(pdf, r).measurements["body_pages"] for r in ("iclr2027", "iclr2026", "iclr2025")] == [9, 9, 10]
