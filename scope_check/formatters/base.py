from __future__ import annotations

from dataclasses import dataclass
from typing import IO


@dataclass
class Summary:
    files: int = 0
    passed: int = 0
    failed: int = 0
    errored: int = 0

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
