"""Supplementary material: `scope-check supplement ARCHIVE|FOLDER` (see `runner` for how an archive
is read, `checks` for the SUPP codes, `vcs` for version-control data, `command` for the CLI).

Kept import-free so that the command line starts fast; batch mode calls

    from scope_check.supplement import check_supplement
    report = check_supplement(path, rules, selection)   # -> scope_check.engine.runner.Report
"""

from __future__ import annotations
from scope_check.safety.archive import Limits
from scope_check.engine.runner import Selection
from scope_check.supplement.runner import check_supplement as run


def check_supplement(path, rules, selection=None, limits=None):
    """Check one supplementary archive or folder against `rules`; see `runner.check_supplement`."""

    return run(path, rules, selection or Selection(), limits or Limits())
