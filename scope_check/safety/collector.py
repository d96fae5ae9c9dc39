"""`with paused_collector(): ...`: Python's cyclic garbage collector paused, restored afterwards as it
was found, whatever happens (or earlier: `resume()`). For work that allocates many objects in no
reference cycle, whose collections would only scan them: imports (some 100,000 objects that live as
long as the process, about a tenth of the import time), the reading of one page (MuPDF's text
dictionary, a dict and its tuples per span, then the page's spans and lines: 3 to 5% of the parse's
CPU) and the check of one paper (engine.runner: its model is made and read, then dropped, without a
cycle among its objects; every collection meanwhile would scan the pages read so far, about 3% of
the check's CPU). A long document's checks make cycles (decoded pages, closures kept with them, about
20 objects a page): the runner resumes the collector once the paper is known to be long, so that
they are collected as they are made, and memory stays bounded."""

from __future__ import annotations

import gc


class paused_collector:
    def __enter__(self):
        self.enabled = gc.isenabled()
        gc.disable()
        return self

    def resume(self) -> None:
        """The collector running again now (if it was when paused), before the block ends."""
        if self.enabled:
            gc.enable()
        self.enabled = False  # resumed: nothing left to restore

    def __exit__(self, *exc):
        self.resume()
        return False
