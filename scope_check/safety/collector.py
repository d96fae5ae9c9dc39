"""`with paused_collector(): ...`: Python's cyclic garbage collector paused, restored afterwards as it
was found, whatever happens. For work that allocates many objects in no reference cycle, whose
collections would only scan them: imports (some 100,000 objects that live as long as the process,
about a tenth of the import time) and the reading of one page (MuPDF's text dictionary, a dict and
its tuples per span, then the page's spans and lines: 3 to 5% of the parse's CPU). A pause around
one page, not a whole document, keeps memory bounded: a cycle made meanwhile is collected at the
next collection between pages."""

from __future__ import annotations

import gc


class paused_collector:
    def __enter__(self):
        self.enabled = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc):
        if self.enabled:
            gc.enable()
        return False
