"""Pay for what is selected: an analysis of config.spec.ANALYSES is made only when a check that
runs reads it (`Check.needs`). A check that declares it does not read an analysis finds the same
on real papers without it; `--select PAGE` loads without the visibility facts and the integrity facts
and reports what the full run reports for PAGE (and the gates); a check that declares nothing keeps
every analysis."""

from __future__ import annotations

import pytest

from conftest import FIXTURES

from scope_check import checks as registry
from scope_check.config.spec import ANALYSES, Check, Params
from scope_check.engine import runner
from scope_check.model import loader

#: papers whose visibility facts say something (hidden, covered, clipped, off-page text, a scan)
#: and ordinary ones
PAPERS = ["text/invisible_prompt.pdf", "text/covered_table_header.pdf", "text/outside_crop_prompt.pdf",
          "text/figure_clipped_draft.pdf", "text/ocr_scan_planted.pdf", "text/landscape_white_note.pdf",
          "example/draft_with_problems.pdf", "pages/main_refs_top_p6.pdf",
          # what the MARG, FONT and ANON checks report, each beside hidden or clipped text of its own kind
          "margins/margin_notes.pdf", "margins/figure_linewidth_clipped.pdf", "margins/frame_boxes.pdf",
          "fonts/body_9pt.pdf", "fonts/linespread_0_95.pdf", "fonts/type3_font.pdf", "fonts/times_not_embedded.pdf",
          "anonymity/header_names.pdf", "anonymity/acknowledgements.pdf", "anonymity/link_personal_page.pdf",
          "anonymity/metadata_pdfauthor.pdf", "anonymity/selfcite_numeric.pdf", "anonymity/figure_user_path.pdf"]

#: the checks that declare they do not read the visibility facts (`needs=()`), verified below and over
#: the manifest and both corpora (every report of `benchmarks/snapshot.py`: the same findings without them)
SPARED = {"PAGE001", "PAGE002", "PAGE003", "FILE002", "FILE005", "MARG001", "MARG002", "FONT001", "FONT002",
          "FONT003", "ANON001", "ANON002", "ANON003", "ANON004", "ANON005", "STMT001", "STMT002", "STMT003",
          "TMPL001", "TMPL002", "TMPL003", "TEXT003", "TEXT004"}

#: the statement and template checks under rule sets that give them something to find: (fixture, rule set)
VENUE_PAPERS = [("statements/ai_use_placeholder.pdf", "iclr2027"), ("statements/ai_use_long.pdf", "iclr2027"),
                ("statements/ai_use_after_references.pdf", "iclr2027"), ("statements/checklist_todo.pdf", "neurips2026"),
                ("statements/checklist_missing.pdf", "neurips2026"), ("venues/icml2026/layout_violation.pdf", "icml2026"),
                ("venues/icml2026/no_impact_statement.pdf", "icml2026"), ("venues/cvpr2026/header_2025.pdf", "cvpr2026"),
                ("venues/arr2026/camera_with_ruler.pdf", "arr2026-long-camera"), ("text/attached_file.pdf", "iclr2027"),
                ("text/javascript_action.pdf", "iclr2027")]


def _path(relative):
    path = FIXTURES / relative
    if not path.exists():
        pytest.skip(f"{relative} is not among the fixtures")
    return str(path)


def _findings(check, doc, rules):
    params = Params(rules=rules, options=rules.options(check.code))
    return [(f.code, f.page, f.bbox, f.message, dict(f.data)) for f in check.run(doc, params)]


@pytest.mark.parametrize("relative", PAPERS)
def test_a_check_that_does_not_need_the_visibility_facts_finds_the_same_without_them(relative):
    path = _path(relative)
    full, bare = loader.load(path), loader.load(path, visibility_facts=False)
    assert not any(p.seen or p.offpage or p.painted_clips for p in bare.pages)
    rules = registry.load_rules("scope2025-main")
    spared = [c for c in registry.checks().values() if c.run and not c.file_level and "visibility" not in c.analyses]
    assert SPARED <= {c.code for c in spared}
    for check in spared:
        assert _findings(check, bare, rules) == _findings(check, full, rules), check.code


@pytest.mark.parametrize("relative, rules_name", VENUE_PAPERS)
def test_the_statement_and_template_checks_find_the_same_without_the_visibility_facts(relative, rules_name):
    path = _path(relative)
    full, bare = loader.load(path), loader.load(path, visibility_facts=False)
    rules = registry.load_rules(rules_name)
    found = []
    for code in sorted(SPARED):
        check = registry.get(code)
        if not check.run or check.file_level:
            continue
        found += _findings(check, full, rules)
        assert _findings(check, bare, rules) == _findings(check, full, rules), code
    assert found  # each of these papers gives these checks something to find


#: papers whose integrity facts say something (a hidden layer, remapped and private-use fonts, active
#: content) and their near misses
INTEGRITY_PAPERS = ["text/ocg_hidden_layer.pdf", "text/ocg_visible_layer.pdf", "text/remapped_font.pdf",
                    "text/private_use_font.pdf", "text/javascript_action.pdf", "text/launch_and_remote.pdf",
                    "text/attached_file.pdf", "text/plain_links.pdf"]


@pytest.mark.parametrize("relative", INTEGRITY_PAPERS + PAPERS[:8])
def test_a_check_that_does_not_need_the_integrity_facts_finds_the_same_without_them(relative):
    path = _path(relative)
    full, bare = loader.load(path), loader.load(path, integrity=False)
    assert not (bare.active or bare.layered or bare.font_remaps)
    assert [(p.lines, p.seen, p.ink) for p in bare.pages] == [(p.lines, p.seen, p.ink) for p in full.pages]
    for rules_name in ("scope2025-main", "iclr2027"):
        rules = registry.load_rules(rules_name)
        spared = [c for c in registry.checks().values() if c.run and not c.file_level and "integrity" not in c.analyses]
        assert {"TEXT001", "TEXT002", "TEXT003", "TEXT004"}.isdisjoint(c.code for c in spared)
        for check in spared:
            assert _findings(check, bare, rules) == _findings(check, full, rules), (check.code, rules_name)


def test_the_integrity_facts_are_read_on_these_papers():
    """The comparison above means something: each fact is there when asked for."""
    docs = {name: loader.load(_path(name)) for name in
            ("text/ocg_hidden_layer.pdf", "text/remapped_font.pdf", "text/javascript_action.pdf")}
    assert docs["text/ocg_hidden_layer.pdf"].layered
    assert docs["text/remapped_font.pdf"].font_remaps
    assert docs["text/javascript_action.pdf"].active


def test_the_visibility_facts_are_read_on_these_papers():
    """The comparison above means something: the facts are there when asked for."""
    doc = loader.load(_path("text/invisible_prompt.pdf"))
    assert any(p.seen or p.offpage or p.painted_clips for p in doc.pages)


def test_a_selection_loads_only_what_its_checks_read(monkeypatch):
    asked = []
    real = loader.load

    def load(path, **kw):
        asked.append((kw.get("visibility_facts", True), kw.get("integrity", True)))
        return real(path, **kw)

    monkeypatch.setattr(loader, "load", load)
    rules = registry.load_rules("scope2025-main")
    path, hidden = _path("example/draft_with_problems.pdf"), _path("text/invisible_prompt.pdf")
    full = runner.check_file(path, rules)
    paged = runner.check_file(path, rules, runner.Selection(select=("PAGE",)))
    full_hidden = runner.check_file(hidden, rules)
    text = runner.check_file(hidden, rules, runner.Selection(select=("TEXT001",)))
    active = _path("text/javascript_action.pdf")
    full_active = runner.check_file(active, rules)
    scripts = runner.check_file(active, rules, runner.Selection(select=("TEXT004",)))
    assert asked == [(True, True), (False, False), (True, True), (True, True), (True, True), (False, True)]
    assert runner.analyses(runner.Selection(select=("PAGE",))) == ()
    assert runner.analyses(runner.Selection(select=("TEXT004",))) == ("integrity",)
    assert {"visibility", "integrity"} <= set(runner.analyses(runner.Selection()))

    def keep(report, prefix):
        return [(f.code, f.pages, f.message, f.severity) for f in report.findings if f.code.startswith(prefix)]

    assert keep(paged, "PAGE") == keep(full, "PAGE") and keep(paged, "PAGE")
    assert keep(text, "TEXT001") == keep(full_hidden, "TEXT001") and keep(text, "TEXT001")
    assert keep(scripts, "TEXT004") == keep(full_active, "TEXT004") and keep(scripts, "TEXT004")
    assert paged.measurements == full.measurements


def test_an_undeclared_check_reads_every_analysis():
    plain = Check(code="XTST001", name="x", severity="error", summary="s", why="w", fix="f")
    assert plain.needs is None and plain.analyses == tuple(ANALYSES)
    assert Check(code="XTST002", name="x", severity="error", summary="s", why="w", fix="f", needs=()).analyses == ()
    with pytest.raises(ValueError, match="no such analysis"):
        Check(code="XTST003", name="x", severity="error", summary="s", why="w", fix="f", needs=("ink-of-mars",))


def test_the_supplement_checks_need_no_analysis_and_a_selection_of_them_none():
    """SUPP001-007 judge archives, never a PDF: they declare no analysis, and neither a MARG, FONT or
    ANON selection asks for the visibility facts (MARG001 reads every page's ink)."""
    supplement = [c for c in registry.checks().values() if c.supplement]
    assert supplement and all(c.needs == () for c in supplement)
    for family in ("FONT", "ANON", "PAGE"):
        assert runner.analyses(runner.Selection(select=(family,))) == (), family
    assert runner.analyses(runner.Selection(select=("MARG",))) == ("ink",)
