"""The GitHub Action's entry point (action.yml runs `python -m scope_check.cli.action`).

Its inputs arrive as environment variables (action.yml maps them with `env:`, never by
substituting `${{ }}` into the script):

    SCOPE_CHECK_INPUT_PDF         paths or glob patterns, one a line (`**` allowed)
    SCOPE_CHECK_INPUT_RULES       a bundled rule set or a rules file (default: scope_check.DEFAULT_RULES,
                                  as `--rules`)
    SCOPE_CHECK_INPUT_FAIL_ON     error (default) | warning | never
    SCOPE_CHECK_INPUT_SARIF_FILE  write SARIF 2.1.0 here (optional)
    SCOPE_CHECK_INPUT_ANNOTATE    write annotated copies into this folder (optional)
    SCOPE_CHECK_INPUT_SELECT      only these codes or prefixes, comma- or line-separated (as `--select`)
    SCOPE_CHECK_INPUT_IGNORE      skip these codes or prefixes (as `--ignore`)
    SCOPE_CHECK_INPUT_TIME_LIMIT  seconds a file's check may take (FILE006; default as `--time-limit`; 0: none)
    SCOPE_CHECK_INPUT_MEMORY_LIMIT  MB of address space for a file's check (FILE007; default as `--memory-limit`)

Each file is checked in a forked worker under the two limits, as `scope-check check` does.

It checks every PDF once, prints GitHub workflow commands (annotations, on the `.tex` line when
a SyncTeX file sits beside the PDF), appends the Markdown summary to GITHUB_STEP_SUMMARY, and
writes the outputs `verdict` (pass | fail | error), `files`, `passed`, `failed`, `errored`,
`errors`, `warnings` to GITHUB_OUTPUT. Exit 1 when the `fail-on` level is reached, 2 when the
tool could not do its job (no PDF matched, invalid rules, a file that could not be written).
"""

from __future__ import annotations

import glob
import json
import os
import re
import sys
from typing import Dict, List, Optional, Sequence, Tuple

from scope_check import DEFAULT_RULES
from scope_check import checks as registry
from scope_check.cli.options import ToolError, open_output, rule_set
from scope_check.engine.isolation import DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIME_LIMIT, SingleChecker
from scope_check.engine.runner import Selection, exit_code
from scope_check.output.annotate import AnnotateError, annotate, output_paths
from scope_check.output.base import Summary, plural
from scope_check.output.github import GithubFormatter, command
from scope_check.output.sarif import build as build_sarif
from scope_check.output.synctex import attach_sources

FAIL_ON = ("error", "warning", "never")


def expand(patterns: str) -> List[str]:
    """Every file the patterns name, in order, once each."""
    out: List[str] = []
    for pattern in (p.strip() for p in patterns.splitlines()):
        if not pattern:
            continue
        matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [pattern]
        for m in matches:
            if os.path.isfile(m) and m not in out:
                out.append(m)
    return out


def codes(text: str) -> Tuple[str, ...]:
    """A select or ignore input: codes or prefixes separated by commas, spaces or lines; ValueError
    naming a word that names no check."""
    words = tuple(w.upper() for w in re.split(r"[\s,]+", text or "") if w)
    for word in words:
        if not registry.matching(word):
            raise ValueError(registry.unknown_code_message(word))
    return words


def limit(text: str, default: float, what: str) -> float:
    """A time-limit or memory-limit input: a number >= 0 (0: none), `default` when empty."""
    text = (text or "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"{what} must be a number of at least 0 (0: no limit), not {text!r}")
    return value


def overall(reports) -> str:
    if any(r.verdict == "error" for r in reports):
        return "error"
    if any(r.verdict == "fail" for r in reports):
        return "fail"
    return "pass"


def decide(reports, fail_on: str) -> int:
    code = exit_code(reports)
    if code == 2:
        return 2
    if fail_on == "never":
        return 0
    if fail_on == "warning" and any(r.warnings for r in reports):
        return 1
    return code


def write_outputs(path: Optional[str], values: Dict[str, object]) -> None:
    if not path:
        return
    with open(path, "a", encoding="utf-8") as fh:
        for key, value in values.items():
            fh.write(f"{key}={str(value).replace(chr(10), ' ')}\n")


def _fail(message: str) -> int:
    print(command("error", message, title="scope-check"))
    write_outputs(os.environ.get("GITHUB_OUTPUT"), {"verdict": "error"})
    return 2


def _write_atomically(path: str, text: str) -> None:
    """`path` appears whole or not at all (its folder made first), as `--output` is written."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open_output(path) as fh:
        fh.write(text)


def main(environ: Optional[Dict[str, str]] = None, argv: Sequence[str] = ()) -> int:
    env = os.environ if environ is None else environ
    fail_on = (env.get("SCOPE_CHECK_INPUT_FAIL_ON") or "error").strip().lower()
    if fail_on not in FAIL_ON:
        return _fail(f"fail-on must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    pdfs = expand(env.get("SCOPE_CHECK_INPUT_PDF") or "")
    if not pdfs:
        return _fail(f"no PDF matched {env.get('SCOPE_CHECK_INPUT_PDF')!r} (the pdf input)")
    try:
        rules = rule_set((env.get("SCOPE_CHECK_INPUT_RULES") or DEFAULT_RULES).strip())
    except ToolError as exc:
        return _fail(exc.message)
    try:
        selection = Selection(select=codes(env.get("SCOPE_CHECK_INPUT_SELECT", "")),
                              ignore=codes(env.get("SCOPE_CHECK_INPUT_IGNORE", "")))
        time_limit = limit(env.get("SCOPE_CHECK_INPUT_TIME_LIMIT", ""), DEFAULT_TIME_LIMIT, "time-limit")
        memory_limit = limit(env.get("SCOPE_CHECK_INPUT_MEMORY_LIMIT", ""), DEFAULT_MEMORY_LIMIT_MB, "memory-limit")
    except ValueError as exc:
        return _fail(str(exc))
    checker = SingleChecker(rules, selection, time_limit, memory_limit)
    if checker.problem():
        return _fail(checker.problem().replace("--memory-limit", "the memory-limit input"))
    base = env.get("GITHUB_WORKSPACE") or os.getcwd()
    sarif_file = (env.get("SCOPE_CHECK_INPUT_SARIF_FILE") or "").strip()
    folder = (env.get("SCOPE_CHECK_INPUT_ANNOTATE") or "").strip()
    copies = output_paths(pdfs, folder if folder.endswith("/") or len(pdfs) > 1 else folder + "/") if folder else []

    formatter = GithubFormatter(sys.stdout, rules=rules.name)
    summary = Summary()
    reports = []
    formatter.start()
    failed_copies = 0
    for index, checked in enumerate(checker.check_all(pdfs)):
        path = pdfs[index]
        report = attach_sources(checked, base=base)
        reports.append(report)
        summary.add(report.verdict)
        formatter.handle(report)
        if folder:
            try:
                os.makedirs(os.path.dirname(os.path.abspath(copies[index])), exist_ok=True)
                marks = annotate(report, copies[index], text_block=rules.template["text_block"])
                if marks is not None:
                    print(f"annotated copy of {path}: {copies[index]} ({plural(marks, 'mark')})")
            except (AnnotateError, OSError, ValueError) as exc:
                print(command("error", f"{path}: the annotated copy could not be written: {exc}", title="scope-check"))
                failed_copies += 1
    formatter.finish(summary)
    if sarif_file:
        try:
            _write_atomically(sarif_file, json.dumps(build_sarif(reports), indent=2, ensure_ascii=False) + "\n")
            print(f"SARIF written to {sarif_file}")
        except OSError as exc:
            return _fail(f"cannot write the SARIF file {sarif_file}: {exc.strerror or exc}")
        except ToolError as exc:
            return _fail(exc.message)
    write_outputs(env.get("GITHUB_OUTPUT"), {
        "verdict": overall(reports),
        "files": summary.files,
        "passed": summary.passed,
        "failed": summary.failed,
        "errored": summary.errored,
        "errors": sum(r.errors for r in reports),
        "warnings": sum(r.warnings for r in reports),
    })
    if failed_copies:
        return 2
    return decide(reports, fail_on)


if __name__ == "__main__":
    sys.exit(main())
