"""The `check` command waits for its worker before it exits (scope_check/engine/isolation.py,
`_reap_at_exit`): the worker's teardown runs beside the report's writing, and the worker is reaped
by the command itself, so that its resources (its peak memory above all) are counted as the
command's children's by `/usr/bin/time` or RUSAGE_CHILDREN, instead of vanishing with a worker
reaped by the system after the command ended."""

from __future__ import annotations

import subprocess
import sys

from conftest import FIXTURES

#: runs the command as `scope-check` does; an exit handler registered before the command's own runs
#: after them (last in, first out) and tells whether any child of the process is left unreaped
PROBE = (
    "import atexit, os, sys\n"
    "def left():\n"
    "    try:\n"
    "        pid, _ = os.waitpid(-1, os.WNOHANG)\n"
    "        print('UNREAPED' if pid == 0 else 'REAPED-HERE', file=sys.stderr)\n"
    "    except ChildProcessError:\n"
    "        print('NO-CHILD', file=sys.stderr)\n"
    "atexit.register(left)\n"
    "sys.argv = ['scope-check', *sys.argv[1:]]\n"
    "from scope_check.cli.main import console_main\n"
    "console_main()\n"
)


def test_check_command_reaps_its_worker_before_exit():
    pdf = FIXTURES / "pages" / "tiny_compliant.pdf"
    out = subprocess.run([sys.executable, "-c", PROBE, str(pdf), "--format", "json"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode in (0, 1), out.stderr
    assert '"verdict"' in out.stdout
    assert "NO-CHILD" in out.stderr, out.stderr  # the worker was forked and is already waited for
