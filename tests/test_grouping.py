"""The report's own costs scale with the findings, not with their square: the grouping looks a
finding's group up by its cause (an index) instead of comparing it with every group, and the
runner and the fitting do per finding only what changes it. Each faster form is checked here
against its plain definition (the scan of every group in order, `dataclasses.replace`, the
clean-up of every string), on the findings of real PDFs and on crafted causes at the edges
(extents at the limit of matching, NaN and infinities, an int beside a float). Speed is measured
by benchmarks/bench.py --page-shapes, not asserted here."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import random

import pytest

from conftest import FIXTURES, ROOT

from scope_check.checks import load_rules
from scope_check.config.spec import format_fix
from scope_check.engine import fitting, grouping, runner
from scope_check.model.findings import Finding


def _group_by_definition(findings):
    """The grouping as the module's docstring defines it: each finding (in page order) joins the
    first group, in the order the groups were started, whose first occurrence's cause matches
    (`same_cause`); a finding without a cause or a page stands alone."""
    groups, order = [], []
    for f in sorted(findings, key=Finding.sort_key):
        if f.cause is None or not f.page:
            order.append(f)
            continue
        for g in groups:
            first = g[0]
            if (first.code, first.severity) == (f.code, f.severity) and grouping.same_cause(first.cause, f.cause):
                g.append(f)
                break
        else:
            groups.append([f])
            order.append(groups[-1])
    return [grouping.merged(item) if isinstance(item, list) else item for item in order]


def _same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x == y
        assert (x.cause is None) == (y.cause is None)


def _ungrouped(path, rules="scope2025-main"):
    """The resolved findings of a real PDF as the runner hands them to the grouping."""
    seen = []

    def capture(found):
        seen.extend(found)
        return grouping.group(found)

    original = runner.group
    runner.group = capture
    try:
        runner.check_file(str(path), load_rules(rules))
    finally:
        runner.group = original
    return seen


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("relative", ["margins/margin_notes.pdf", "margins/margin_note_numbered.pdf",
                                      "margins/margin_notes_two.pdf", "margins/frame_boxes.pdf",
                                      "example/draft_with_problems.pdf"])
def test_grouping_answers_as_its_definition_on_real_papers(relative):
    path = FIXTURES / relative
    if not path.exists():
        pytest.skip(f"{relative} is not among the fixtures")
    found = _ungrouped(path)
    assert found
    _same(grouping.group(found), _group_by_definition(found))


def test_grouping_answers_as_its_definition_on_a_page_of_objects_far_apart(tmp_path):
    """2,000 squares on a 14,400 pt page: each its own MARG001 finding, extents of every size (MARG001's
    bound on one page's findings raised past them)."""
    pdf = _generator().page(tmp_path / "squares.pdf", "squares", 2000, 14400.0)
    rules = tmp_path / "unbounded.yaml"
    rules.write_text("name: unbounded\nextends: iclr2025\nchecks:\n  MARG001: {max_findings_per_page: 100000}\n")
    found = _ungrouped(pdf, str(rules))
    assert sum(f.code == "MARG001" for f in found) > 1000
    grouped = grouping.group(found)
    _same(grouped, _group_by_definition(found))
    assert len(grouped) < len(found) / 10


def test_grouping_answers_as_its_definition_at_the_edges():
    rng = random.Random(26)
    special = (float("nan"), float("inf"), -float("inf"), 0.0, -0.0, 1e-300, 1e300)
    values = (
        lambda: rng.choice("ab"),
        lambda: None,
        lambda: round(rng.uniform(-60, 60), 1),
        # extents at the limit of matching: 1 pt apart below 10 pt, 10 % apart above it
        lambda: rng.choice((9.0, 10.0, 11.0, 90.0, 99.0, 100.0, 100.0 / 0.9, 111.2, 1.0, 2.0, 2.0000001)),
        lambda: rng.choice(special) if rng.random() < 0.1 else rng.uniform(0, 4),
    )
    for trial in range(400):
        found = []
        mixed = trial % 5 == 0  # an int, a bool or a float subclass beside the floats: scanned in full
        for i in range(rng.randint(1, 200)):
            cause = tuple(rng.choice(values)() for _ in range(rng.randint(0, 3))) if rng.random() < 0.9 else None
            if mixed and cause and rng.random() < 0.3:
                cause = cause[:-1] + (rng.choice((7, True, 7.0, _Float(7.0))),)
            found.append(Finding(rng.choice(("MARG001", "TEXT002")), f"m{i}", page=rng.randint(0, 4),
                                 bbox=(0.0, rng.random(), 1.0, 1.0), severity=rng.choice(("error", "warning")),
                                 cause=cause, data={"i": i}))
        grouped, defined = grouping.group(found), _group_by_definition(found)
        assert len(grouped) == len(defined), trial
        for x, y in zip(grouped, defined):
            assert x.page == y.page and x.pages == y.pages and x.message == y.message, trial
            assert dict(x.data).get("count") == dict(y.data).get("count"), trial


class _Float(float):
    """A float of another type (numpy's float64 is one): equal to an int, matched as an extent."""


def test_a_grouped_finding_lists_each_page_once_in_order():
    members = [Finding("MARG001", "m", page=p, cause=("x",)) for p in (1, 1, 3, 2, 3, 7)]
    assert grouping.merged(members).pages == (1, 3, 2, 7)
    assert grouping.merged(members).data["count"] == 6


def test_a_grouped_finding_shares_its_members_data_and_changes_none():
    """The occurrences hold each member's data as it is (shared when a plain dict, not copied: a
    page copied 10,000 times holds 20,000 findings until they are grouped); the first member's own
    data is left without the group's count and occurrences, and the JSON is that of copies."""
    members = [Finding("MARG001", "m", page=p, bbox=(1.0, 2.0, 3.0, 4.0), data={"side": "left", "at": [p]},
                       cause=("x",)) for p in (1, 2, 3)]
    before = [dict(m.data) for m in members]
    out = grouping.merged(members)
    assert [m.data for m in members] == before
    assert [o["data"] for o in out.data["occurrences"]] == before
    assert all(o["data"] is m.data for o, m in zip(out.data["occurrences"], members))
    assert out.data["count"] == 3 and "count" not in members[0].data
    copied = [{"page": m.page, "bbox": list(m.bbox), "message": m.message, "data": dict(m.data)} for m in members]
    assert out.to_json()["data"] == {**before[0], "count": 3, "occurrences": copied}


def test_the_runners_replace_is_dataclasses_replace():
    f = Finding("MARG001", "a message", page=3, bbox=(1.0, 2.0, 3.0, 4.0), data={"side": "left"},
                cause=("drawing", "left", 6.9), fix="text", fix_values={"template": "ICLR"}, partial=True)
    for changes in ({"hint": "h"}, {"name": "n", "severity": "warning"}, {"data": {}}):
        fast, plain = runner._changed(f, **changes), dataclasses.replace(f, **changes)
        assert fast == plain and type(fast) is Finding
        assert {k: getattr(fast, k) for k in f.__dataclass_fields__} == {k: getattr(plain, k) for k in f.__dataclass_fields__}
    with pytest.raises(dataclasses.FrozenInstanceError):
        runner._changed(f, hint="h").hint = "x"


def test_fitting_cleans_exactly_the_strings_clean_glyphs_changes():
    from scope_check.checks.helpers import clean_glyphs

    def by_definition(data):
        def clean(v):
            if isinstance(v, str):
                return clean_glyphs(v)
            if isinstance(v, list):
                return [clean(x) for x in v]
            if isinstance(v, tuple):
                return tuple(clean(x) for x in v)
            if isinstance(v, dict):
                return {k: clean(x) for k, x in v.items()}
            return v
        cleaned = {k: clean(v) for k, v in data.items()}
        return cleaned if cleaned != dict(data) else data

    for data in ({"text": "plain ASCII", "n": 3}, {"text": "Pranav A\u5f92", "list": ["x", ("y", "B\u5f92")]},
                 {"nested": {"a": ["\ufffd"]}}, {"cjk": "\u4e2d\u6587 text"}, {"nan": math.nan, "s": "\ue000x"}):
        got, want = fitting._clean_data(data), by_definition(data)
        assert got == want or (got is data and want is data)
        assert (got is data) == (want is data)
    assert fitting._cleaned("ASCII only") == "ASCII only"
    assert fitting._cleaned("A\u5f92 b") == clean_glyphs("A\u5f92 b")


def test_a_fix_text_reads_only_the_values_it_names():
    values = {"limit": 9, "side": "left", "flag": True, "list": [1], "amount": 2.5}
    for template in ("Cut to {limit} pages", "{side} {amount:.1f} {missing}", "{flag} {list}", "no fields {{x}}"):
        plain = {k: v for k, v in values.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}

        class Missing(dict):
            def __missing__(self, key):
                return f"<{key}>"

        expected = template.replace("{missing}", "<missing>").replace("{flag}", "<flag>").replace("{list}", "<list>")
        assert format_fix(template, values) == expected.format_map(Missing(plain))
