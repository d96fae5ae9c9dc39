#!/usr/bin/env python3
"""Accuracy, per code, over every fixture of the manifest and every paper of ../shared/corpus.

    .venv/bin/python benchmarks/accuracy.py            # a Markdown table (docs/hostile-input.md shows it)
    .venv/bin/python benchmarks/accuracy.py --json     # the same counts as JSON

A fixture says exactly which codes it must yield (fixtures/manifest.yaml): each expected code found
is a true positive (TP), each expected code missing a false negative (FN), each other code found a
false positive (FP). A corpus paper says which codes it must yield (`must_flag`: TP when found at
any severity, else FN) and which code families must not be errors (`must_not_flag`: an
error-level finding of such a code is an FP); codes it says nothing about are not counted. The
"false errors" column counts what a chair would wrongly desk-reject: a fixture's error-level finding
its manifest does not expect as an error, a corpus paper's error its `must_not_flag` forbids. The
papers of ../shared/corpus-venues are checked under their own rule sets (skipped while a rule set is
not bundled). Page
counts: the measured `body_pages` (pages before the References) against the manifest's and
EXPECTED.tsv's. Statements: each one EXPECTED.tsv's `statements` column lists (its kind and the page
it opens on: "Limitations:p7 (...) and p22-23 (...)" is two) is found when the report's
`measurements.statements` holds one of that kind opening on that page; a statement the report lists
that the column does not is a false statement. Deterministic: the output depends only on the code,
the rules and the PDFs.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus"
CORPUS_VENUES = ROOT.parent / "shared" / "corpus-venues"

#: how EXPECTED.tsv's `statements` column names each kind of statement (its labels, lower case)
STATEMENT_LABELS = {
    "limitations": "limitations",
    "broader impact": "impact",
    "impact statement": "impact",
    "neurips checklist": "checklist",
    "ethics": "ethics",
    "reproducibility": "reproducibility",
    "ai-use/llm usage": "ai_use",
    "acknowledgements": "acknowledgements",
}


def expected_statements(column: str):
    """[(kinds, page)] of EXPECTED.tsv's `statements` column: "Limitations:p7 (run-in ...) and p22-23
    (Appendix K); Broader Impact:p7" -> [({limitations}, 7), ({limitations}, 22), ({impact}, 7)]; a
    label joined by "+" ("Limitations+Broader Impact") is one statement of either kind. An unknown label
    raises ValueError (the column and this table must agree)."""
    out = []
    depth, part, parts = 0, "", []
    for ch in column.strip().strip('"'):
        depth += ch == "("
        depth -= ch == ")"
        if ch == ";" and depth == 0:
            parts.append(part)
            part = ""
        else:
            part += ch
    parts.append(part)
    for entry in filter(str.strip, parts):
        label, _, where = entry.partition(":")
        kinds = set()
        for name in label.strip().lower().split("+"):
            if name.strip() not in STATEMENT_LABELS:
                raise ValueError(f"EXPECTED.tsv statements: unknown label {name.strip()!r}")
            kinds.add(STATEMENT_LABELS[name.strip()])
        bare = re.sub(r"\([^()]*\)", "", where)
        for page in re.findall(r"\bp(\d+)", bare):
            out.append((frozenset(kinds), int(page)))
    return out


def judge_statements(column: str, found) -> tuple:
    """(expected, matched, missed [(kinds, page)], false [(kind, page)]) for one paper: `found` is its
    report's measurements.statements."""
    want = expected_statements(column)
    left = [(st["kind"], st["page"]) for st in found]
    missed = []
    for kinds, page in want:
        hit = next((x for x in left if x[0] in kinds and x[1] == page), None)
        if hit is None:
            missed.append((sorted(kinds), page))
        else:
            left.remove(hit)
    return len(want), len(want) - len(missed), missed, left


def measure():
    from scope_check.checks import load_rules
    from scope_check.config.rules import RulesError
    from scope_check.engine.runner import check_file

    counts = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0, "false_errors": 0})
    pages = {"fixtures": [0, 0], "corpus": [0, 0], "corpus-venues": [0, 0]}  # [exact, judged]
    files = {"fixtures": 0, "corpus": 0, "corpus-venues": 0}
    venues = defaultdict(lambda: {"papers": 0, "exact": 0, "judged": 0, "false_errors": 0,
                                  "statements": 0, "statements_found": 0, "false_statements": 0})
    statements = {"expected": 0, "found": 0, "false": 0, "missed": [], "extra": []}
    loaded = {}

    def rules(name):
        if name not in loaded:
            loaded[name] = load_rules(str(FIXTURES / name) if name.endswith((".yaml", ".yml")) else name)
        return loaded[name]

    manifest = yaml.safe_load((FIXTURES / "manifest.yaml").read_text(encoding="utf-8")) or []
    for case in manifest:
        report = check_file(str(FIXTURES / case["pdf"]), rules(case["rules"]))
        files["fixtures"] += 1
        found = {f.code for f in report.findings}
        expected = set(case["codes"])
        for code in expected & found:
            counts[code]["tp"] += 1
        for code in expected - found:
            counts[code]["fn"] += 1
        for code in found - expected:
            counts[code]["fp"] += 1
        severities = case.get("severities") or {}
        for code in {f.code for f in report.findings if f.severity == "error"}:
            if code not in expected or severities.get(code, "error") != "error":
                counts[code]["false_errors"] += 1  # an error the fixture's expectations do not allow
        if "body_pages" in case:
            pages["fixtures"][1] += 1
            pages["fixtures"][0] += report.measurements.get("body_pages") == case["body_pages"]
    for where, folder in (("corpus", CORPUS), ("corpus-venues", CORPUS_VENUES)):
        expected_tsv = folder / "EXPECTED.tsv"
        if not expected_tsv.is_file():
            continue
        with open(expected_tsv, encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
        for row in rows:
            pdf = folder / row["file"]
            name = row.get("rules") or "scope2025-main"
            if not pdf.is_file():
                continue
            try:
                rule_set = rules(name)
            except RulesError:
                continue  # a venue whose rule set this build does not bundle
            report = check_file(str(pdf), rule_set)
            files[where] += 1
            venue = venues[name if where == "corpus-venues" else "scope2025-main (corpus)"]
            venue["papers"] += 1
            anysev = {f.code for f in report.findings}
            errors = {f.code for f in report.findings if f.severity == "error"}
            for code in row.get("must_flag", "").split():
                counts[code]["tp" if code in anysev else "fn"] += 1
            forbidden = row["must_not_flag"].split()
            for code in errors:
                if any(code.startswith(prefix) for prefix in forbidden):
                    counts[code]["fp"] += 1
                    counts[code]["false_errors"] += 1
                    venue["false_errors"] += 1
            want = row.get("body_pages_venue") or row["body_pages"]
            if want.isdigit():
                pages[where][1] += 1
                pages[where][0] += report.measurements.get("body_pages") == int(want)
                venue["judged"] += 1
                venue["exact"] += report.measurements.get("body_pages") == int(want)
            if where == "corpus-venues" and "statements" in row:
                n, hit, missed, extra = judge_statements(row["statements"], report.measurements.get("statements", []))
                venue["statements"] += n
                venue["statements_found"] += hit
                venue["false_statements"] += len(extra)
                statements["expected"] += n
                statements["found"] += hit
                statements["false"] += len(extra)
                statements["missed"] += [f"{row['file']}: {'/'.join(k)} p{p}" for k, p in missed]
                statements["extra"] += [f"{row['file']}: {k} p{p}" for k, p in extra]
    return dict(counts), pages, files, dict(venues), statements


def table(counts, pages, files, venues=None, statements=None) -> str:
    import pymupdf

    from scope_check import __version__
    from scope_check import checks as registry

    order = list(registry.checks())
    lines = [
        f"scope-check {__version__}, PyMuPDF {pymupdf.__version__}: {files['fixtures']} manifest fixtures, "
        f"{files['corpus']} corpus papers, {files['corpus-venues']} venue-corpus papers (under their own rule sets)",
        "",
        "| code | TP | FP | FN | precision | recall | false errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for code in sorted(counts, key=lambda c: order.index(c) if c in order else len(order)):
        c = counts[code]
        precision = f"{c['tp'] / (c['tp'] + c['fp']):.2f}" if c["tp"] + c["fp"] else "-"
        recall = f"{c['tp'] / (c['tp'] + c['fn']):.2f}" if c["tp"] + c["fn"] else "-"
        lines.append(f"| {code} | {c['tp']} | {c['fp']} | {c['fn']} | {precision} | {recall} | {c['false_errors']} |")
    lines.append("")
    lines.append(f"false errors (errors the expectations forbid: a false desk reject): "
                 f"{sum(c['false_errors'] for c in counts.values())}")
    if venues:
        lines += ["", "| rule set | papers | body pages exact | false errors | statements found | false statements |",
                  "|---|---:|---:|---:|---:|---:|"]
        for name in sorted(venues):
            v = venues[name]
            found = f"{v['statements_found']}/{v['statements']}" if v["statements"] else "-"
            false = str(v["false_statements"]) if v["statements"] else "-"
            lines.append(f"| {name} | {v['papers']} | {v['exact']}/{v['judged']} | {v['false_errors']} | {found} | {false} |")
        lines.append("")
    if statements and statements["expected"]:
        lines.append(f"statements found (corpus-venues, EXPECTED.tsv `statements`): {statements['found']}/"
                     f"{statements['expected']}, false statements: {statements['false']}")
        lines += [f"  missed: {m}" for m in statements["missed"]]
        lines += [f"  false: {m}" for m in statements["extra"]]
    for where in ("fixtures", "corpus", "corpus-venues"):
        exact, judged = pages[where]
        lines.append(f"body pages exact ({where}): {exact}/{judged}" + (f" ({exact / judged:.0%})" if judged else ""))
    return "\n".join(lines)


def update_readme(text: str) -> int:
    """The accuracy block of docs/hostile-input.md (the first fenced block after the 'Accuracy (' paragraph)."""
    import re

    readme = ROOT / "docs" / "hostile-input.md"
    old = readme.read_text(encoding="utf-8")
    new, n = re.subn(r"(Accuracy \(`[^\n]*\n(?:[^\n]+\n)*\n```[a-z]*\n)(.*?)(\n```)",
                     lambda m: m.group(1) + text + m.group(3), old, count=1, flags=re.S)
    if n != 1:
        print("docs/hostile-input.md has no accuracy block", file=sys.stderr)
        return 1
    readme.write_text(new, encoding="utf-8")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--update-readme", action="store_true",
                    help="replace the table in docs/hostile-input.md (the block after 'Accuracy (') with this run's")
    args = ap.parse_args(argv)
    counts, pages, files, venues, statements = measure()
    if args.update_readme:
        return update_readme(table(counts, pages, files, venues, statements))
    if args.json:
        print(json.dumps({"codes": counts, "body_pages": pages, "files": files, "rule_sets": venues,
                          "statements": statements}, indent=1, sort_keys=True))
    else:
        print(table(counts, pages, files, venues, statements))
    return 0


if __name__ == "__main__":
    sys.exit(main())
