"""scope-check: submission-format compliance checker for academic paper PDFs.

Kept import-free so that ``scope-check --version`` stays fast: the PDF library is imported only
when a document is parsed.
"""

__version__ = "0.1.0"
