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
