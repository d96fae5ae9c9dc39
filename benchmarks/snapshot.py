"""Every finding and measurement over the fixture manifest and ../shared/corpus, as one JSON file,
so that a refactor or an optimisation can prove it changed nothing (or show exactly what changed).

    .venv/bin/python benchmarks/snapshot.py -o /tmp/before.json
    ... change the code ...
    .venv/bin/python benchmarks/snapshot.py -o /tmp/after.json --compare /tmp/before.json

`elapsed_s` is left out; everything else of the JSON report is kept. `--compare` prints each file
whose findings or measurements differ and exits 1 when any does.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus"
CORPUS_VENUES = ROOT.parent / "shared" / "corpus-venues"


def cases():
    """(label, pdf path, rule set) for every manifest entry and every corpus paper."""
    manifest = yaml.safe_load((FIXTURES / "manifest.yaml").read_text(encoding="utf-8")) or []
    for case in manifest:
        rules = case["rules"]
        if rules.endswith((".yaml", ".yml")):
            rules = str(FIXTURES / rules)
        yield f"fixtures/{case['pdf']}@{case['rules']}", FIXTURES / case["pdf"], rules
    if CORPUS.is_dir():
        for pdf in sorted(CORPUS.glob("*.pdf")):
            yield f"corpus/{pdf.name}@scope2025-main", pdf, "scope2025-main"
    if CORPUS_VENUES.is_dir():
        venue_rules = {}
        tsv = CORPUS_VENUES / "EXPECTED.tsv"
        if tsv.is_file():
            import csv

            with tsv.open(encoding="utf-8", newline="") as fh:
                venue_rules = {row["file"]: row["rules"] for row in csv.DictReader(fh, delimiter="\t")}
        for pdf in sorted(CORPUS_VENUES.glob("*.pdf")):
            yield f"corpus-venues/{pdf.name}@scope2025-main", pdf, "scope2025-main"
            if venue_rules.get(pdf.name):
                yield f"corpus-venues/{pdf.name}@{venue_rules[pdf.name]}", pdf, venue_rules[pdf.name]


def snapshot() -> dict:
    from scope_check.checks import load_rules
    from scope_check.engine.runner import check_file

    out = {}
    loaded = {}
    for label, pdf, rules in cases():
        if rules not in loaded:
            try:
                loaded[rules] = load_rules(rules)
            except Exception:  # a rule set this build does not have yet (a venue added later)
                loaded[rules] = None
        if loaded[rules] is None:
            continue
        report = check_file(str(pdf), loaded[rules]).to_json()
        report.pop("elapsed_s", None)
        report["path"] = label
        out[label] = report
    return out


def differences(before: dict, after: dict):
    for label in sorted(set(before) | set(after)):
        a, b = before.get(label), after.get(label)
        if a != b:
            yield label, a, b


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--compare", help="an earlier snapshot to compare with")
    args = parser.parse_args(argv)
    snap = snapshot()
    Path(args.output).write_text(json.dumps(snap, indent=1, sort_keys=True, ensure_ascii=False), encoding="utf-8")
    print(f"{len(snap)} reports written to {args.output}")
    if not args.compare:
        return 0
    before = json.loads(Path(args.compare).read_text(encoding="utf-8"))
    changed = list(differences(before, snap))
    for label, a, b in changed:
        print(f"CHANGED {label}")
        for key in ("verdict", "measurements"):
            if (a or {}).get(key) != (b or {}).get(key):
                print(f"  {key}: {(a or {}).get(key)} -> {(b or {}).get(key)}")
        fa = [(f["code"], f["page"], f["severity"], f["message"]) for f in (a or {}).get("findings", [])]
        fb = [(f["code"], f["page"], f["severity"], f["message"]) for f in (b or {}).get("findings", [])]
        for f in fa:
            if f not in fb:
                print(f"  - {f}")
        for f in fb:
            if f not in fa:
                print(f"  + {f}")
    print(f"{len(changed)} of {len(snap)} reports differ")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
