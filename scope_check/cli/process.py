"""How the `scope-check` process ends: as SystemExit does, or, once `check` has written its report
and its worker is gone, at once (`exit_now`), without the interpreter's teardown; and with which
status when a signal stops it: 128 + the signal's number, as a shell reports a process the signal
killed (130 for Ctrl-C's SIGINT, 143 for SIGTERM, a scheduler's stop), after a batch saved what it had.

Standard library only: `main` imports it before knowing which command runs."""

from __future__ import annotations

import atexit
import os
import signal
import sys
from typing import List

#: set by a command once its report is written and its workers gone (a list: no `global` needed)
_QUICK_EXIT: List[bool] = []


def allow_quick_exit() -> None:
    """The report is written and the worker gone: `console_main` may end the process at once."""
    _QUICK_EXIT.append(True)


def quick_exit_allowed() -> bool:
    return bool(_QUICK_EXIT)


def reset() -> None:
    """A new command line (`main()` called again in the same process, as the tests do)."""
    _QUICK_EXIT.clear()
    _SIGNALLED.clear()


#: the signals that stopped the command (a list: no `global` needed)
_SIGNALLED: List[int] = []


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the process is, so that it stops as Ctrl-C does (a batch keeps what it
    finished and says how to resume); its status is 143, not 130."""


def on_sigterm(signum, frame) -> None:
    """The SIGTERM handler of a command that stops cleanly (`batch`)."""
    _SIGNALLED.append(signal.SIGTERM)
    raise Terminated


def interrupted_status(exc: BaseException = None) -> int:
    """The exit status of a command stopped by a signal: 128 + its number (143 for SIGTERM, 130 for
    SIGINT, Ctrl-C)."""
    if isinstance(exc, Terminated) or signal.SIGTERM in _SIGNALLED:
        return 128 + signal.SIGTERM
    return 128 + signal.SIGINT


def exit_now(code) -> None:
    """End the process as SystemExit(code) would, after the exit handlers (`atexit`) and with the
    standard streams flushed, but without the interpreter's teardown: collecting every object of
    every module and of the PDF library takes longer than the check of a 2-page paper itself (about
    80 ms on a busy 2-core machine)."""
    if code is None:
        code = 0
    elif not isinstance(code, int):
        sys.stderr.write(f"{code}\n")
        code = 1
    run = getattr(atexit, "_run_exitfuncs", None)
    if run is not None:
        run()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (`| head`), a closed stream
            pass
    os._exit(code & 0xFF)  # what the system makes of sys.exit(code)
