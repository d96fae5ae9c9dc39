from __future__ import annotations

from typing import IO


def plural(count: int, noun: str, nouns: str = "") -> str:
    """`1 file`, `2 files` (`nouns`: the plural when it is not `noun` + s)."""
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


class Summary:
    """The files of a run counted by verdict (a plain class: a dataclass costs a fresh process's
    import a few tenths of a millisecond)."""

    __slots__ = ("files", "passed", "failed", "errored")

    def __init__(self, files: int = 0, passed: int = 0, failed: int = 0, errored: int = 0):
        self.files, self.passed, self.failed, self.errored = files, passed, failed, errored

    def __eq__(self, other) -> bool:
        return type(other) is Summary and self.to_json() == other.to_json()

    def __repr__(self) -> str:
        return f"Summary(files={self.files}, passed={self.passed}, failed={self.failed}, errored={self.errored})"

    def add(self, verdict: str) -> None:
        self.files += 1
        if verdict == "pass":
            self.passed += 1
        elif verdict == "fail":
            self.failed += 1
        else:
            self.errored += 1

    def to_json(self) -> dict:
        return {"files": self.files, "pass": self.passed, "fail": self.failed, "error": self.errored}

    def line(self) -> str:
        """`3 files: 2 pass, 0 fail, 1 error` (the verdicts' names, counted)."""
        return f"{plural(self.files, 'file')}: {self.passed} pass, {self.failed} fail, {self.errored} error"


class Formatter:
    def __init__(self, stream: IO[str], *, rules: str, color: bool = False, verbose: int = 0, quiet: bool = False):
        self.stream = stream
        self.rules = rules
        self.color = color
        self.verbose = verbose
        self.quiet = quiet

    def start(self) -> None:
        pass

    def handle(self, report) -> None:
        raise NotImplementedError

    def finish(self, summary: Summary) -> None:
        pass


#: the rule reference (docs/RULES.md of the repository), one heading per code; SARIF's helpUri
#: and the HTML report link here. The one place that names the repository's address.
RULES_URL = "https://github.com/scope-check/scope-check/blob/main/docs/RULES.md"


def rule_url(code: str, name: str = "") -> str:
    """The rule reference's anchor for a code (its heading is `## CODE name`)."""
    anchor = code.lower() + (f"-{name}" if name else "")
    return f"{RULES_URL}#{anchor}"


def finding_pages(finding) -> tuple:
    """Every page a finding is on: a grouped finding's `pages`, else its `page` (or none)."""
    pages = getattr(finding, "pages", None)
    if pages:
        return tuple(pages)
    return (finding.page,) if finding.page else ()


def where(finding) -> str:
    """`p.3`, `pp.3, 5, 8` or `file`."""
    pages = finding_pages(finding)
    if not pages:
        return "file"
    if len(pages) == 1:
        return f"p.{pages[0]}"
    return "pp." + ", ".join(str(p) for p in pages)


def occurrences(finding):
    """(page, bbox, message) of every place a finding is: each occurrence of a grouped finding
    (kept in `data["occurrences"]`), else the finding's own page and box (page None: the file)."""
    listed = finding.data.get("occurrences") if isinstance(finding.data, dict) or hasattr(finding.data, "get") else None
    if listed:
        out = []
        for o in listed:
            if isinstance(o, dict):
                out.append((o.get("page"), o.get("bbox"), o.get("message", finding.message)))
        if out:
            return out
    pages = finding_pages(finding)
    if len(pages) > 1:  # grouped without per-page boxes: the first page has the box, the others none
        return [(p, finding.bbox if p == finding.page else None, finding.message) for p in pages]
    return [(finding.page, finding.bbox, finding.message)]


def relative(path: str) -> str:
    """`path` relative to the working folder (the repository root in CI) when it lies inside it,
    with forward slashes; else as given. GitHub and code scanning place files by such paths."""
    import os

    full = os.path.abspath(path)
    try:
        rel = os.path.relpath(full, os.getcwd())
    except ValueError:  # another drive
        return path
    return path if rel.startswith("..") else rel.replace(os.sep, "/")
