"""scope-check: submission-format compliance checker for academic paper PDFs.

Kept import-free so that ``scope-check --version`` stays fast: the PDF library is imported only
when a document is parsed.
"""

__version__ = "0.1.0"

#: the rule set used when --rules is not given, and the environment variable that overrides it
#: (one definition for check, batch and supplement)
DEFAULT_RULES = "scope2025-main"
RULES_ENV = "SCOPE_CHECK_RULES"
