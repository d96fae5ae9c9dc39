"""`safety.collector.paused_collector` (the loader's pause around each page, the command's around its
imports) restores the garbage collector as it found it, on an error too."""

from __future__ import annotations

import gc

import pytest

from scope_check.safety.collector import paused_collector


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_paused_restores(enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with paused_collector():
            assert not gc.isenabled()
        assert gc.isenabled() == enabled
        with pytest.raises(ValueError):
            with paused_collector():
                raise ValueError("a page that fails")
        assert gc.isenabled() == enabled
    finally:
        (gc.enable if was else gc.disable)()


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_resumed_early(enabled):
    """`resume()` restarts the collector before the block ends, as it was found; the block's end
    leaves it so (a collector found off stays off)."""
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        with paused_collector() as pause:
            assert not gc.isenabled()
            pause.resume()
            assert gc.isenabled() == enabled
            gc.disable()  # what runs after the resumption may pause it again: the block's end leaves it
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


@pytest.mark.parametrize("long_over", [None, 0])
def test_check_file_pauses_collector_for_a_short_paper(monkeypatch, long_over):
    """The runner checks a paper with the collector paused (its model makes no cycle, and every
    collection would scan the pages read so far), and resumes it once the paper is known to be long
    (`limits.PACK_PAGES_OVER` pages: a long document's checks make cycles, collected as they are
    made); after the check the collector is as it was."""
    from scope_check.checks import load_rules
    from scope_check.engine import runner
    from scope_check.safety import limits

    if long_over is not None:
        monkeypatch.setattr(limits, "PACK_PAGES_OVER", long_over)
    seen = []
    was = gc.isenabled()
    try:
        gc.enable()
        report = runner.check_file("fixtures/example/draft_with_problems.pdf", load_rules("scope2025-main"),
                                   on_document=lambda doc: seen.append((doc.page_count, gc.isenabled())))
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
    assert report.verdict and seen
    pages, running = seen[0]
    assert running == (pages > limits.PACK_PAGES_OVER)
    assert running == (long_over == 0)
