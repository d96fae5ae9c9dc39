"""TEXT001 hidden-text and TEXT002 prompt-injection on the TEXT fixtures (fixtures/text/)."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, ROOT, check
from scope_check.checks.text import compile_patterns
from scope_check.model.loader import load
from scope_check.checks import load_rules
from scope_check.model.visibility import contrast

CORPUS = ROOT.parent / "shared" / "corpus"


def findings(name, code):
    return [f for f in check(f"text/{name}.pdf", "scope2025-main").findings if f.code == code]


@pytest.mark.parametrize("name, how", [
    ("white_note", "colour"), ("near_white_note", "colour"), ("black_on_black_note", "colour"), ("tiny_note", "tiny"),
    ("invisible_note", "invisible"), ("under_box_note", "covered"), ("outside_left_note", "outside"),
    ("white_prompt", "colour"), ("tiny_prompt", "tiny"), ("invisible_prompt", "invisible"),
    ("under_box_prompt", "covered"), ("outside_crop_prompt", "outside"),
])
def test_hidden_text_is_quoted_located_and_says_how_it_hides(name, how):
    (f,) = findings(name, "TEXT001")
    assert f.data["how"] == how and f.page == 1 and f.bbox
    expected = "IGNORE ALL PREVIOUS INSTRUCTIONS" if "prompt" in name else "Note to self: rerun the ablation"
    assert f.data["text"].startswith(expected), f.data["text"]
    assert f"\"{expected}" in f.message


def test_near_white_text_is_confirmed_by_rendering_and_the_threshold_sits_between_the_fixtures():
    (f,) = findings("near_white_note", "TEXT001")  # #EBEBEB on white: 1.19:1 nominal, as rendered
    assert f.data["contrast"] == pytest.approx(1.19, abs=0.02) and f.data["backdrop_from"] == "rendered"
    template = load_rules("scope2025-main").template  # the visibility analysis's own parameters
    assert contrast(0xEBEBEB, 0xFFFFFF) < template["visible_min_contrast"] < contrast(0xB2B3B2, 0xFFFFFF)


def test_covered_text_is_judged_by_rendering_its_area():
    doc = load(str(FIXTURES / "text" / "under_box_note.pdf"))
    seen = [v for v in doc.pages[0].seen if "ablation" in v.span.text]
    assert seen and all(v.source == "rendered" and v.covered_by == "fill-path" and v.contrast < 1.05 for v in seen)


def test_white_labels_on_a_dark_fill_are_compared_with_the_fill_not_the_page():
    doc = load(str(FIXTURES / "text" / "dark_tikz_labels.pdf"))
    labels = [s for ln in doc.pages[0].lines for s in ln.spans if "Encoder" in s.text]
    assert labels and labels[0].color == 0xFFFFFF
    assert not any("Encoder" in v.span.text for v in doc.pages[0].seen)  # backdrop known: contrast high
    assert findings("dark_tikz_labels", "TEXT001") == []
    shaded = [v for v in doc.pages[0].seen if "Shaded" in v.span.text]  # over a shading: rendered
    assert shaded and shaded[0].source == "rendered" and shaded[0].contrast > 10


def test_black_on_a_black_box_is_judged_against_the_box():
    (f,) = findings("black_on_black_note", "TEXT001")
    assert f.data["colour"] == "#000000" and f.data["backdrop"] == "#000000" and f.data["contrast"] < 1.05


def test_render_modes_and_text_outside_the_page_reach_the_model():
    doc = load(str(FIXTURES / "text" / "invisible_note.pdf"))
    assert any(s.render == "invisible" for ln in doc.pages[0].lines for s in ln.spans)
    doc = load(str(FIXTURES / "text" / "outside_crop_prompt.pdf"))
    assert doc.pages[0].width == 612 and "".join(s.text for s in doc.pages[0].offpage).startswith("IGNORE")


@pytest.mark.parametrize("name", ["dark_tikz_labels", "light_grey_axis", "small_scripts", "white_spacer"])
def test_near_misses_have_no_text_finding(name):
    assert [f for f in check(f"text/{name}.pdf", "scope2025-main").findings if f.code.startswith("TEXT")] == []


def test_hidden_prompt_is_an_error_visible_unquoted_prompt_too():
    (hidden,) = findings("white_prompt", "TEXT002")
    assert hidden.severity == "error" and hidden.data["hidden"] and hidden.data["hidden_how"] == ["colour"]
    (visible,) = findings("visible_prompt", "TEXT002")
    assert visible.severity == "error" and not visible.data["hidden"] and not visible.data["quoted"]


def test_a_paper_discussing_prompt_injection_gets_a_warning():
    report = check("text/discusses_injection.pdf", "scope2025-main")
    (f,) = [f for f in report.findings if f.code == "TEXT002"]
    assert f.severity == "warning" and f.data["quoted"] and f.data["cited"] and not f.data["hidden"]
    assert report.verdict == "pass"


def test_a_phrase_spelt_by_letters_across_word_edges_of_visible_prose_is_not_reported():
    """"such as all models" runs together to "asallm" (the pattern "as an? llm"): visible text
    is reported only when a match begins and ends on word edges."""
    report = check("text/phrases_across_words.pdf", "scope2025-main")
    assert [f for f in report.findings if f.code == "TEXT002"] == [] and report.verdict == "pass"
    from scope_check.checks.text import compile_patterns

    ((_, _, rx),) = compile_patterns({"en": ["as an? (large )?(language model|llm)"]})
    assert rx.search("suchasallmodelsofthissize")  # what the letters alone would say


def test_patterns_tolerate_letter_spacing_hyphenation_and_case():
    ((_, _, rx),) = compile_patterns({"en": ["ignore (all )?previous instructions"]})
    import re

    def norm(t):
        return re.sub(r"[\W_]+", "", t).casefold()

    assert rx.search(norm("I G N O R E  all previ-\nous INSTRUCTIONS"))
    assert not rx.search(norm("we ignore previous work on instruction tuning"))


def test_a_venue_adds_a_language_in_its_rule_file(tmp_path):
    own = tmp_path / "venue.yaml"
    own.write_text("name: venue-de\nextends: scope2025-main\nchecks:\n"
                   "  TEXT002: {patterns: {de: [\"ignoriere (alle )?(vorherigen|bisherigen) anweisungen\"]}}\n")
    rules = load_rules(str(own))
    patterns = rules.options("TEXT002")["patterns"]
    assert set(patterns) == {"en", "de"}  # merged key by key with the base's English list


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the corpus is not beside the project")
def test_no_text_finding_on_the_real_papers():
    for pdf in sorted(CORPUS.glob("*.pdf")):
        report = check(str(pdf), "scope2025-main")
        assert [f.message for f in report.findings if f.code.startswith("TEXT")] == [], pdf.name


def test_the_review_ruler_grey_is_measured_and_passes():
    doc = load(str(FIXTURES / "text" / "small_scripts.pdf"))
    ruler = [v for v in doc.pages[0].seen if v.span.text.strip().isdigit() and v.span.bbox[0] < 100]
    assert len(ruler) > 40  # one record per line number, on the white page: no rendering
    assert all(v.source == "page" and 2.0 < v.contrast < 2.2 for v in ruler)
    scripts = [s for ln in doc.pages[0].lines for s in ln.spans if 4.5 < s.size < 5.5]
    assert scripts  # the 5 pt second-order scripts are there, and pass
