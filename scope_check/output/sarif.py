"""SARIF 2.1.0 for code scanning (GitHub's Security tab, editors).

Each code is declared once in `tool.driver.rules` (short description: what it checks; full: why;
help: how to fix; helpUri: its heading in docs/RULES.md) and each finding is a result pointing at
its rule. SARIF has no page: the page is in the message and in `properties`, the location is the
`.tex` file and line when SyncTeX mapped the finding, else the PDF with `startLine` 1 (GitHub
requires a line). `partialFingerprints` are stable across runs: they hash the code, the PDF, the
page and the message with its numbers taken out, plus an occurrence count for repeats.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from typing import Dict, List
from urllib.parse import quote

from scope_check import __version__
from scope_check.output.base import RULES_URL, Formatter, Summary, finding_pages, rule_url, where
from scope_check import checks as registry
from scope_check.safety.safe_patterns import lazy

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_DIGITS = lazy(r"\d+(?:\.\d+)?")


def uri(path: str) -> str:
    """A URI for a file path: relative to the working folder (the repository root in CI, which is
    what code scanning expects) when the file is inside it, else a file: URI. The name's bytes are
    percent-encoded (RFC 3986): a name that is not UTF-8 keeps its bytes (`caf%E9.pdf`), never the
    escaped text reports show it as."""
    full = os.path.abspath(path)
    try:
        rel = os.path.relpath(full, os.getcwd())
    except ValueError:  # another drive
        rel = ".."
    if not rel.startswith(".."):
        return quote(os.fsencode(rel.replace(os.sep, "/")), safe="/")
    full = full.replace(os.sep, "/")
    return "file://" + quote(os.fsencode(full if full.startswith("/") else "/" + full), safe="/:")


def fingerprint(report, finding, seen: Counter) -> str:
    key = "|".join((finding.code, report.display_path, str(finding.page or 0), _DIGITS.sub("#", finding.message)))
    seen[key] += 1
    return hashlib.sha256(f"{key}|{seen[key]}".encode("utf-8")).hexdigest()[:32]


class SarifFormatter(Formatter):
    def start(self) -> None:
        self.reports: List = []

    def handle(self, report) -> None:
        self.reports.append(report)

    def finish(self, summary: Summary) -> None:
        self.stream.write(json.dumps(build(self.reports), indent=2, ensure_ascii=False) + "\n")


def build(reports) -> dict:

    catalogue = registry.checks()
    used = sorted({f.code for r in reports for f in r.findings})
    rules, index = [], {}
    for code in used:
        check = catalogue.get(code)
        index[code] = len(rules)
        rule = {
            "id": code,
            "name": check.name if check else code,
            "shortDescription": {"text": (check.summary if check else code)},
            "fullDescription": {"text": (check.why if check else code)},
            "help": {"text": (check.fix_text() if check else ""), "markdown": (check.fix_text() if check else "")},
            "helpUri": rule_url(code, check.name if check else ""),
            "defaultConfiguration": {"level": _LEVEL.get(check.severity if check else "error", "error")},
            "properties": {"tags": ["submission-format", code.rstrip("0123456789").lower()]},
        }
        rules.append(rule)
    results = []
    seen: Counter = Counter()
    for report in reports:
        for f in report.findings:
            results.append(result(report, f, index[f.code], seen))
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "scope-check",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": RULES_URL,
                "rules": rules,
            }},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }


def result(report, f, rule_index: int, seen: Counter) -> dict:
    source = f.source or {}
    pdf_location = {"physicalLocation": {"artifactLocation": {"uri": uri(report.path)},
                                         "region": {"startLine": 1}}}
    if source.get("file") and source.get("line"):
        primary = {"physicalLocation": {"artifactLocation": {"uri": uri(source["file"])},
                                        "region": {"startLine": int(source["line"])}}}
        related = [dict(pdf_location, id=0, message={"text": f"{report.display_path} {where(f)}"})]
    else:
        primary, related = pdf_location, []
    text = f"{report.display_path} {where(f)}: {f.message}"
    if f.hint:
        text += f" Fix: {f.hint}"
    props: Dict = {"pdf": report.display_path, "severity": f.severity, "name": f.name}
    if f.page:
        props["page"] = f.page
    pages = finding_pages(f)
    if len(pages) > 1:
        props["pages"] = list(pages)
    if f.bbox:
        props["bbox"] = [round(v, 2) for v in f.bbox]
    if f.data:
        props["data"] = _jsonable(dict(f.data))
    out = {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": _LEVEL.get(f.severity, "warning"),
        "message": {"text": text},
        "locations": [primary],
        "partialFingerprints": {"scopeCheckFinding/v1": fingerprint(report, f, seen)},
        "properties": props,
    }
    if related:
        out["relatedLocations"] = related
    return out


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))
