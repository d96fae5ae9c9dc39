"""Formatters only format: each takes reports one at a time and writes a stream
(`start`, `handle(report)`, `finish(summary)`), so batch output streams. They never decide a
verdict or an exit code."""

from __future__ import annotations

from typing import Dict, Type

from scope_check.formatters.base import Formatter, Summary


def formatters() -> Dict[str, Type[Formatter]]:
    from scope_check.formatters.json import JsonFormatter
    from scope_check.formatters.text import TextFormatter

    return {"text": TextFormatter, "json": JsonFormatter}


NAMES = ("text", "json")

__all__ = ["Formatter", "Summary", "formatters", "NAMES"]
