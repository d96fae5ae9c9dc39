"""scope-check: submission-format compliance checker for academic paper PDFs.

Kept free of imports but `os` (loaded with the interpreter) so that ``scope-check --version`` stays
fast: the PDF library is imported only when a document is parsed.

The version is the git tag's, written into the file VERSION beside this one when the package is
built or installed (hatch-vcs, pyproject.toml): `X.Y.Z` from a commit tagged `vX.Y.Z`, a development
version naming the commit otherwise (`0.2.1.dev3+g1a2b3c4`). A source tree never built or installed
has no such file: its version is "0+unknown".
"""

import os as _os

#: the version of a source tree that was never built or installed
UNKNOWN_VERSION = "0+unknown"


def _read_version() -> str:
    try:
        with open(_os.path.join(_os.path.dirname(__file__), "VERSION"), encoding="utf-8") as fh:
            return fh.read().strip() or UNKNOWN_VERSION
    except OSError:
        return UNKNOWN_VERSION


__version__ = _read_version()

#: the rule set used when --rules is not given, and the environment variable that overrides it
#: (one definition for check, batch and supplement)
DEFAULT_RULES = "scope2025-main"
RULES_ENV = "SCOPE_CHECK_RULES"
