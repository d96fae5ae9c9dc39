"""Every check in a process of its own: a pool of forked workers with a time limit per file and a
memory ceiling per worker.

A PDF can make MuPDF loop for minutes, expand to gigabytes or crash the interpreter. Each check runs
in a worker forked from this process (the PDF library and the registry are imported once, before
the fork, so a worker starts in milliseconds and re-imports nothing). The worker's address space is
capped with RLIMIT_AS. The parent waits for each answer with a deadline:

- past the time limit, the worker is killed and the file gets FILE006 (time-limit);
- a MemoryError in the worker (the ceiling reached), or a worker that dies (a segfault, the kernel's
  OOM killer, any signal) gives FILE007 (resource-limit);

either way the worker is replaced and the other files go on. Both verdicts are `error`: the file
could not be checked.

`Pool(jobs).run(tasks)` yields `(task, Outcome)` as results come in; `SingleChecker` is the one-file
form used by the `check` command (a pool of one).

A worker is a plain `os.fork()` talking to the parent over two pipes (pickled messages, each with
its length), with a third pipe as its sentinel (it reaches end-of-file when the worker is gone,
however it died): the part of `multiprocessing` the pool needs, without importing it (it costs a
fresh `check` process about as much as the rules). A worker closes the pipes of its siblings, so
that a dead worker's pipe reaches end-of-file at once; workers still running when the parent
exits are killed.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from typing import Any, Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Tuple

from scope_check import checks as registry
from scope_check.engine import runner
from scope_check.engine.runner import Report
from scope_check.engine.venues import unchosen
from scope_check.model.findings import Finding
from scope_check.safety.safe_patterns import compile_lazy, save_pattern_cache

#: defaults of `check --time-limit` / `--memory-limit` and of `batch`
DEFAULT_TIME_LIMIT = 60.0
DEFAULT_MEMORY_LIMIT_MB = 2048
MB = 1024 * 1024
#: file descriptors a worker closes as it starts (a lock the parent holds must die with the parent)
CLOSE_IN_WORKER: List[int] = []


def usable_cores() -> int:
    """The cores this process may run on (the affinity mask, which a cluster scheduler sets)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class Outcome(NamedTuple):
    """What came back for one task: `value` from the function, or `code` FILE006/FILE007 and a message."""

    value: Any = None
    code: Optional[str] = None
    message: str = ""
    elapsed_s: float = 0.0
    peak_rss_mb: float = 0.0

    @property
    def ok(self) -> bool:
        return self.code is None


class _Worker:
    """A worker of the pool: its process, its channel, the task it checks (None: idle) since when,
    and how many it has done."""

    __slots__ = ("process", "conn", "task", "started", "done")

    def __init__(self, process: Any, conn: Any):
        self.process, self.conn = process, conn
        self.task: Any = None
        self.started = 0.0
        self.done = 0


def wait(objects, timeout):
    """The objects (channels, sentinels: anything with `fileno()`, or a file descriptor) that are
    readable or at end-of-file, waiting at most `timeout` seconds (None: for ever)."""
    import select

    by_fd: Dict[int, List[Any]] = {}
    for obj in objects:
        by_fd.setdefault(obj if isinstance(obj, int) else obj.fileno(), []).append(obj)
    if hasattr(select, "poll"):
        poller = select.poll()
        for fd in by_fd:
            poller.register(fd, select.POLLIN)
        ms = None if timeout is None else max(0, int(timeout * 1000 + 0.999))  # never wake before it is due
        ready = [fd for fd, _ in poller.poll(ms)]
    else:  # pragma: no cover - not Linux
        ready = select.select(list(by_fd), [], [], timeout)[0]
    return [obj for fd in ready for obj in by_fd[fd]]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, size: int) -> bytes:
    out = bytearray()
    while len(out) < size:
        chunk = os.read(fd, min(size - len(out), 1 << 20))
        if not chunk:
            raise EOFError("the other end closed the pipe")
        out += chunk
    return bytes(out)


class Channel:
    """One end of a worker's pair of pipes: `send(obj)` / `recv()` of pickled objects, `poll()`,
    `close()` (what the pool used of multiprocessing's Connection)."""

    def __init__(self, read_fd: int, write_fd: int):
        self._fds: Tuple[int, int] = (read_fd, write_fd)

    def fileno(self) -> int:
        if not self._fds:
            raise OSError("the channel is closed")
        return self._fds[0]

    def fds(self) -> Tuple[int, ...]:
        return self._fds

    def send(self, obj: Any) -> None:
        import pickle

        if not self._fds:
            raise OSError("the channel is closed")
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        _write_all(self._fds[1], len(data).to_bytes(8, "big") + data)

    def recv(self) -> Any:
        import pickle

        if not self._fds:
            raise OSError("the channel is closed")
        size = int.from_bytes(_read_exactly(self._fds[0], 8), "big")
        return pickle.loads(_read_exactly(self._fds[0], size))

    def poll(self, timeout: float = 0.0) -> bool:
        return bool(self._fds) and bool(wait([self._fds[0]], timeout))

    def close(self) -> None:
        fds, self._fds = self._fds, ()
        for fd in fds:
            try:
                os.close(fd)
            except OSError:
                pass


#: workers started and not yet reaped (pid -> process), killed when the parent exits
_LIVE: Dict[int, "Process"] = {}


def _kill_live() -> None:
    for process in list(_LIVE.values()):
        process.kill()
        process.join(1)


class Process:
    """A forked worker running `target(*args)` (then `os._exit`): `start()`, `pid`, `sentinel`,
    `is_alive()`, `join(timeout)`, `exitcode` (negative: the signal that killed it), `kill()`."""

    def __init__(self, target: Callable, args: Tuple = (), close_in_child: Iterable[int] = ()):
        self.target, self.args = target, args
        self.close_in_child = tuple(close_in_child)
        self.pid: Optional[int] = None
        self.sentinel: Optional[int] = None
        self.exitcode: Optional[int] = None
        self._reaped = False

    def start(self) -> None:
        import sys

        _reap_detached()
        if not _LIVE:
            import atexit

            atexit.unregister(_kill_live)
            atexit.register(_kill_live)
        for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
            try:
                stream.flush()
            except (AttributeError, ValueError, OSError):
                pass
        sentinel_r, sentinel_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the parent's code
            code = 1
            try:
                os.close(sentinel_r)
                for fd in self.close_in_child:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                _LIVE.clear()  # the parent's other workers are not this one's to kill
                null = os.open(os.devnull, os.O_RDONLY)  # standard input is the parent's
                os.dup2(null, 0)
                os.close(null)
                self.target(*self.args)
                code = 0
            finally:
                os._exit(code)
        os.close(sentinel_w)
        self.pid, self.sentinel = pid, sentinel_r
        _LIVE[pid] = self

    def _reap(self, block: bool) -> None:
        if self._reaped or self.pid is None:
            return
        try:
            pid, status = os.waitpid(self.pid, 0 if block else os.WNOHANG)
        except ChildProcessError:  # reaped elsewhere: its status is lost
            pid, status = self.pid, None
        if pid == 0:
            return
        self._reaped = True
        self.exitcode = os.waitstatus_to_exitcode(status) if status is not None else None
        _LIVE.pop(self.pid, None)

    def is_alive(self) -> bool:
        self._reap(block=False)
        return self.pid is not None and not self._reaped

    def join(self, timeout: Optional[float] = None) -> None:
        if self.pid is None or self._reaped:
            return
        if timeout is None:
            self._reap(block=True)
        elif self.sentinel is not None and wait([self.sentinel], timeout):  # it ends when the worker does
            self._reap(block=True)
        else:
            self._reap(block=False)

    def kill(self) -> None:
        if self.is_alive():
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        """Release the sentinel (once the worker is reaped, or given up on)."""
        sentinel, self.sentinel = self.sentinel, None
        if sentinel is not None:
            os.close(sentinel)

    def detach(self) -> None:
        """Stop watching a worker that was told to stop: it is reaped by a later start(), or as this
        process exits (`_reap_at_exit`), not waited for now."""
        self.close()
        _LIVE.pop(self.pid, None)
        if not _DETACHED:
            import atexit

            atexit.unregister(_reap_at_exit)
            atexit.register(_reap_at_exit)
        _DETACHED.append(self)


#: workers told to stop and not waited for, reaped as new ones start
_DETACHED: List[Process] = []


def _reap_detached() -> None:
    for process in list(_DETACHED):
        process._reap(block=False)
        if process._reaped:
            _DETACHED.remove(process)


#: how long the exiting process waits for a detached worker to end before killing it
REAP_AT_EXIT_S = 5.0


def _reap_at_exit() -> None:
    """Wait for the workers told to stop (an exit handler): their teardown ran beside this
    process's last work (the report written), and waiting for them here makes the resources they
    used count as this process's children's (`/usr/bin/time`, RUSAGE_CHILDREN: the worker's peak
    memory) instead of vanishing with a worker reaped by the system. One that has not ended within
    REAP_AT_EXIT_S is killed, then waited for."""
    deadline = time.monotonic() + REAP_AT_EXIT_S
    for process in list(_DETACHED):
        while not process._reaped:
            process._reap(block=False)
            if process._reaped:
                break
            if time.monotonic() > deadline:
                try:
                    os.kill(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process._reap(block=True)
                break
            time.sleep(0.002)
        _DETACHED.remove(process)


def _vm_size_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def prepare() -> None:
    """Import what every check needs before forking, so workers inherit it instead of importing it."""
    import faulthandler  # noqa: F401  (the worker's, and the messages' on both sides of the pipes)
    import pickle  # noqa: F401 - the pipes' messages, inherited by the workers
    import resource  # noqa: F401 - the worker's memory ceiling, inherited

    import pymupdf  # noqa: F401 - the PDF library, imported once before the fork

    import gc

    registry.checks()
    gc.freeze()  # what the workers inherit stays out of their garbage collections (no copy-on-write)


def _worker_main(conn, fn: Callable, memory_limit_mb: Optional[float]) -> None:
    import faulthandler
    import resource

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    faulthandler.disable()  # a crash is reported by the parent as FILE007, not as a dump on stderr
    for fd in CLOSE_IN_WORKER:
        try:
            os.close(fd)
        except OSError:
            pass
    if memory_limit_mb:
        limit = int(memory_limit_mb * MB)
        try:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ValueError, OSError):
            pass
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            break
        except Exception as exc:  # a task that cannot be unpickled: say so, keep serving
            conn.send((("exc", f"{type(exc).__name__}: {exc}"), 0.0, 0.0))
            continue
        if task is None:
            break
        start = time.perf_counter()
        fatal = False
        try:
            value = fn(task)
            reply = ("ok", value)
        except MemoryError:
            reply = ("mem", None)
            fatal = True
        except BaseException as exc:  # a bug in the task function: the parent reports it
            reply = ("exc", f"{type(exc).__name__}: {exc}")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        try:
            conn.send((reply, time.perf_counter() - start, rss))
        except MemoryError:
            conn.send((("mem", None), time.perf_counter() - start, rss))
            fatal = True
        except (OSError, EOFError):
            break
        except Exception as exc:  # the value could not be pickled
            conn.send((("exc", f"{type(exc).__name__}: {exc}"), time.perf_counter() - start, rss))
        if fatal:
            break  # a fresh worker replaces one whose heap hit the ceiling
        save_pattern_cache()  # the patterns this task compiled first, kept for the next process (the answer is sent)
    conn.close()
    os._exit(0)


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(code).name
    except ValueError:
        return f"signal {code}"


_NOTHING = object()  # no task left


class Pool:
    """`jobs` forked workers running `fn(task)`; each task has `time_limit` seconds, each worker
    `memory_limit_mb` of address space (None: no limit)."""

    def __init__(self, fn: Callable[[Any], Any], jobs: int = 0, time_limit: Optional[float] = DEFAULT_TIME_LIMIT,
                 memory_limit_mb: Optional[float] = DEFAULT_MEMORY_LIMIT_MB):
        self.fn = fn
        self.jobs = jobs or usable_cores()
        self.time_limit = time_limit if time_limit and time_limit > 0 else None
        self.memory_limit_mb = memory_limit_mb if memory_limit_mb and memory_limit_mb > 0 else None
        self._workers: List[_Worker] = []
        self.replaced = 0
        #: close() waits for idle workers to end (False: they are told to stop and left to end on
        #: their own, reaped later: a process about to exit need not wait for their teardown)
        self.wait_on_close = True

    def check_limits(self) -> Optional[str]:
        """Why the memory ceiling cannot work (below what a worker starts with), or None."""
        if self.memory_limit_mb:
            start = _vm_size_mb()
            if start and start + 64 > self.memory_limit_mb:
                return (f"the memory limit ({self.memory_limit_mb:.0f} MB) is below what a worker needs to start "
                        f"({start:.0f} MB of address space); raise --memory-limit")
        return None

    def _spawn(self) -> _Worker:
        if self.jobs > 1:  # the package's patterns compiled once here, not once in each worker
            compile_lazy()
        down_r, down_w = os.pipe()  # parent -> worker
        up_r, up_w = os.pipe()  # worker -> parent
        siblings = [fd for w in self._workers for fd in (*w.conn.fds(), w.process.sentinel) if fd is not None]
        process = Process(_worker_main, (Channel(down_r, up_w), self.fn, self.memory_limit_mb),
                          close_in_child=(down_w, up_r, *siblings))
        try:
            process.start()
        except BaseException:
            for fd in (down_r, down_w, up_r, up_w):
                os.close(fd)
            raise
        os.close(down_r)
        os.close(up_w)
        return _Worker(process, Channel(up_r, down_w))

    def _retire(self, worker: _Worker, kill: bool) -> None:
        if kill:
            worker.process.kill()
        worker.process.join(5)
        worker.process.close()
        worker.conn.close()

    def submit(self, task: Any) -> None:
        """Hand `task` to an idle worker now and return at once: its outcome comes with the next
        `run` (for example `run(())`), under the same time limit, counted from now."""
        idle = [w for w in self._workers if w.task is None]
        if idle:
            w = idle[0]
        elif len(self._workers) < self.jobs:
            w = self._spawn()
            self._workers.append(w)
        else:
            raise RuntimeError("every worker of the pool is busy")
        self._send(w, task)

    def run(self, tasks: Iterable[Any]) -> Iterator[Tuple[Any, Outcome]]:
        """Yield (task, outcome) for every task (and every task submitted before), in completion order.

        The work is pipelined so that no worker waits for this process: the next task is taken
        from `tasks` (where the caller hashes or extracts the file) while the workers are busy, and
        a worker that finishes gets its next task before its outcome is handed back (and saved)."""
        pending = iter(tasks)
        ahead: List[Any] = []  # at most one task taken early
        exhausted = False

        def take():
            nonlocal exhausted
            if ahead:
                return ahead.pop()
            if not exhausted:
                try:
                    return next(pending)
                except StopIteration:
                    exhausted = True
            return _NOTHING

        def hand_out() -> None:
            for w in self._workers:
                if w.task is None:
                    task = take()
                    if task is _NOTHING:
                        return
                    self._send(w, task)
            while len(self._workers) < self.jobs:
                task = take()
                if task is _NOTHING:
                    return
                w = self._spawn()
                self._workers.append(w)
                self._send(w, task)

        try:
            while True:
                hand_out()
                busy = [w for w in self._workers if w.task is not None]
                if not busy:
                    if exhausted and not ahead:
                        return
                    continue
                if not ahead:  # the next task, made ready while the workers check
                    task = take()
                    if task is not _NOTHING:
                        ahead.append(task)
                now = time.perf_counter()
                timeout = None
                if self.time_limit:
                    timeout = max(0.0, min(w.started + self.time_limit for w in busy) - now)
                ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy
                                                       if w.process.sentinel is not None], timeout)
                now = time.perf_counter()
                done = []
                for w in busy:
                    outcome = None
                    if w.conn in ready or w.process.sentinel in ready:
                        outcome = self._collect(w, now)
                    elif self.time_limit and now - w.started >= self.time_limit:
                        outcome = Outcome(code="FILE006", elapsed_s=now - w.started,
                                          message=f"the check ran past the {self.time_limit:g} s time limit and was stopped")
                        self._replace(w, kill=True)
                    if outcome is not None:
                        task, w.task = w.task, None
                        done.append((task, outcome))
                if done:
                    hand_out()
                yield from done
        finally:
            self.close()

    def _send(self, w: _Worker, task: Any) -> None:
        w.task = task
        w.started = time.perf_counter()
        try:
            w.conn.send(task)
        except (OSError, EOFError):  # the idle worker died (the system's memory killer?): a fresh one
            self._replace(w, kill=True)
            w.started = time.perf_counter()
            w.conn.send(task)

    def _collect(self, w: _Worker, now: float) -> Outcome:
        elapsed = now - w.started
        try:
            if w.conn.poll():
                (kind, value), elapsed, rss = w.conn.recv()
                w.done += 1
                if kind == "ok":
                    return Outcome(value=value, elapsed_s=elapsed, peak_rss_mb=rss)
                if kind == "mem":
                    self._replace(w, kill=True)
                    return Outcome(code="FILE007", elapsed_s=elapsed, peak_rss_mb=rss,
                                   message=f"the check exceeded the {self.memory_limit_mb:g} MB memory ceiling and was stopped")
                return Outcome(code="SCOPE001", elapsed_s=elapsed, message=f"the worker failed: {value}")
        except (EOFError, OSError):
            pass
        # no answer: the worker died
        w.process.join(5)
        code = w.process.exitcode
        how = f"killed by {_signal_name(-code)}" if code is not None and code < 0 else f"exited with status {code}"
        self._replace(w, kill=True)
        return Outcome(code="FILE007", elapsed_s=elapsed,
                       message=f"the worker checking this file died ({how}): a crash in the PDF library or the "
                               f"system's memory killer; the file could not be checked")

    def _replace(self, w: _Worker, kill: bool) -> None:
        self._retire(w, kill)
        fresh = self._spawn()
        w.process, w.conn, w.done = fresh.process, fresh.conn, 0
        self.replaced += 1

    def close(self) -> None:
        for w in self._workers:
            if w.task is None and w.process.is_alive():
                try:
                    w.conn.send(None)
                except (OSError, EOFError):
                    pass
        for w in self._workers:
            if w.task is None and not self.wait_on_close and w.process.is_alive():
                w.process.detach()  # told to stop: it ends by itself while this process goes on
                w.conn.close()
                continue
            w.process.join(0.5 if w.task is None else 0)
            self._retire(w, kill=True)
        self._workers = []


# --- one file at a time (the `check` command) ------------------------------------------------------

def plain(value: Any) -> Any:
    """A value with read-only mappings turned into dicts and tuples kept, so that it pickles.
    (The exact types are tested first: a report of 100,000 findings holds millions of values.)
    A dict, list or tuple holding only plain values is returned as it is, not copied (the report
    would otherwise be held twice while it is sent)."""
    t = type(value)
    if t is str or t is float or t is int or t is bool or value is None:
        return value
    if t is dict:
        out = {k: plain(v) for k, v in value.items()}
        return value if all(a is b for a, b in zip(out.values(), value.values())) else out
    if t is list or t is tuple:
        items = [plain(v) for v in value]
        if all(a is b for a, b in zip(items, value)):
            return value
        return items if t is list else tuple(items)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def portable_report(report):
    """The Report with every finding's data and the measurements as plain dicts (picklable)."""
    findings = tuple(f if type(f.data) is dict and plain(f.data) is f.data else dataclasses.replace(f, data=plain(dict(f.data)))
                     for f in report.findings)
    return dataclasses.replace(report, findings=findings, measurements=plain(dict(report.measurements)))


def limit_report(path: str, rules, code: str, message: str, elapsed: float = 0.0):
    """The Report of a file stopped by a limit: one FILE006/FILE007 finding, verdict error."""
    check = registry.checks().get(code)
    name = check.name if check else code.lower()
    hint = check.fix_text() if check else ""
    size = None
    try:
        size = os.path.getsize(path)
    except OSError:
        pass
    finding = Finding(code, message, hint=hint, name=name, severity="error")
    rules_name, auto = unchosen(rules)
    return Report(path=path, rules=rules_name, sha256=None, verdict="error", findings=(finding,),
                  measurements={"file_size_bytes": size} if size is not None else {}, elapsed_s=elapsed, auto=auto)


def memory_failure(report) -> bool:
    """Did a check of this report run out of memory (the runner turned the MemoryError into SCOPE001)?"""
    return any(f.code == "SCOPE001" and dict(f.data).get("exception") == "MemoryError" for f in report.findings)


class CheckWorker:
    """The task function of the `check` command's pool: path -> portable Report. The rule set is
    inherited through the fork, never pickled."""

    def __init__(self, rules, selection):
        self.rules = rules
        self.selection = selection

    def __call__(self, path):
        report = runner.check_file(path, self.rules, self.selection)
        if memory_failure(report):
            raise MemoryError
        return portable_report(report)


class SingleChecker:
    """Checks files one at a time in a pool of one: `checker(path)` returns the Report."""

    def __init__(self, rules, selection, time_limit: Optional[float], memory_limit_mb: Optional[float]):
        self.rules = rules
        self.selection = selection
        prepare()
        self.pool = Pool(CheckWorker(rules, selection), jobs=1, time_limit=time_limit, memory_limit_mb=memory_limit_mb)
        # the command ends right after: its worker's teardown runs beside the report's writing, and
        # the worker is waited for as the process exits (`_reap_at_exit`: its peak memory is counted)
        self.pool.wait_on_close = False

    def problem(self) -> Optional[str]:
        return self.pool.check_limits()

    def check_all(self, paths: Iterable[str]) -> Iterator[Any]:
        """Reports in input order (a pool of one answers in order)."""
        for path, outcome in self.pool.run(paths):
            yield self._report(path, outcome)

    def _report(self, path: str, outcome: Outcome):
        if outcome.ok:
            return outcome.value
        if outcome.code == "SCOPE001":
            internal = registry.get(outcome.code)
            f = Finding(outcome.code, outcome.message, name=internal.name, severity="error", hint=internal.fix_text())
            rules_name, auto = unchosen(self.rules)
            return Report(path=path, rules=rules_name, sha256=None, verdict="error", findings=(f,),
                          elapsed_s=outcome.elapsed_s, auto=auto)
        return limit_report(path, self.rules, outcome.code, outcome.message, outcome.elapsed_s)
