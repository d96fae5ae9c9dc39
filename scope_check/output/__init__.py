"""Formatters only format: each takes reports one at a time and writes a stream
(`start`, `handle(report)`, `finish(summary)`), so batch output streams. They never decide a
verdict or an exit code.

The registry below is the one list of formats: the command line's `--format` choices are read
from it (plus `auto`: `github` inside a GitHub Actions run, else `text`)."""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Dict, Mapping, Optional, Type
from scope_check.output import base

if TYPE_CHECKING:
    from scope_check.output.base import Formatter, Summary

#: format name -> "module:class", imported only when used (start-up stays fast)
REGISTRY: Mapping[str, str] = {
    "text": "scope_check.output.text:TextFormatter",
    "json": "scope_check.output.json:JsonFormatter",
    "github": "scope_check.output.github:GithubFormatter",
    "sarif": "scope_check.output.sarif:SarifFormatter",
    "html": "scope_check.output.html:HtmlFormatter",
}

NAMES = tuple(REGISTRY)
#: what `--format auto` may resolve to, and the choice list of the command line
CHOICES = ("auto", *NAMES)


def __getattr__(name: str):
    """`Formatter` and `Summary` are imported when first asked for: the command line reads the
    format names at start-up without loading any formatter."""
    if name in ("Formatter", "Summary"):

        return getattr(base, name)
    raise AttributeError(name)


def get(name: str) -> "Type[Formatter]":
    module, _, cls = REGISTRY[name].partition(":")
    return getattr(importlib.import_module(module), cls)


def formatters() -> "Dict[str, Type[Formatter]]":
    return {name: get(name) for name in NAMES}


def resolve(name: str, environ: Optional[Mapping[str, str]] = None) -> str:
    """`auto` is `github` when GITHUB_ACTIONS=true (a GitHub Actions step), else `text`."""
    if name != "auto":
        return name
    env = os.environ if environ is None else environ
    return "github" if env.get("GITHUB_ACTIONS", "").lower() == "true" else "text"


__all__ = ["Formatter", "Summary", "formatters", "get", "resolve", "NAMES", "CHOICES", "REGISTRY"]
