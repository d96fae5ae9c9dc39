"""The JSON contract, version 1 (CHECKS.md): streamed, one file entry at a time."""

from __future__ import annotations

import json

from scope_check import __version__
from scope_check.output.base import Formatter, Summary

VERSION = 1


class JsonFormatter(Formatter):
    def start(self) -> None:
        tool = json.dumps({"name": "scope-check", "version": __version__})
        self.stream.write('{"version": %d, "tool": %s, "rules": %s, "files": [' % (VERSION, tool, json.dumps(self.rules)))
        self._first = True

    def handle(self, report) -> None:
        self.stream.write("\n  " if self._first else ",\n  ")
        self._first = False
        self.stream.write(json.dumps(report.to_json(), ensure_ascii=False))

    def finish(self, summary: Summary) -> None:
        self.stream.write('\n], "summary": %s}\n' % json.dumps(summary.to_json()))
