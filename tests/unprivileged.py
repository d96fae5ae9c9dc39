"""`scope-check` run by a user who cannot read a file: the tests of a file without read permission
run for real, as root too (CI runs as root, and root reads every file whatever its mode).

    with unprivileged_user() as user:          # user.folder: a new folder the user reads and writes
        paper = user.folder / "paper.pdf"
        shutil.copyfile(GOOD, paper)
        user.deny(paper)                        # mode 0, and checked: the user indeed cannot read it
        done = user.run("check", paper, "--format", "json")   # subprocess.CompletedProcess (bytes)

As another user, the file's mode is enough and the installed scope-check runs as is. As root, it
runs as `nobody` through `runuser -u nobody --` (util-linux), in an empty environment. nobody must
then be able to run the interpreter and read the standard library, the installed packages and the
project; what it cannot (a Python installed below a home folder of mode 0700, as pyenv installs it)
is mirrored once per session into a temporary folder nobody can read: hard links where the file
system allows (nothing is copied), copies otherwise. Nothing of the user's is chmod'ed or chown'ed.
When that cannot work (no runuser, no user nobody, the mirror unusable), the test skips and says why.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

import scope_check

#: the project folder the package is imported from (an editable install's checkout)
PROJECT = Path(scope_check.__file__).resolve().parent.parent
#: the unprivileged user root runs the command as
USER = "nobody"
#: the environment of a run as that user: nothing of root's (its HOME, its PATH below /root)
ENVIRONMENT = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8",
               "PYTHONDONTWRITEBYTECODE": "1"}


def _runuser(user: str) -> List[str]:
    return [shutil.which("runuser") or "runuser", "-u", user, "--", shutil.which("env") or "/usr/bin/env", "-i"]


def _as_user(user: str, environment: dict, *command: str, timeout: float = 120, cwd: str = "/"):
    argv = [*_runuser(user), *(f"{k}={v}" for k, v in environment.items()), *command]
    return subprocess.run(argv, capture_output=True, timeout=timeout, cwd=cwd)


def _readable(user: str, path: Path) -> bool:
    """Whether `user` can read `path` (and list it when it is a folder)."""
    test = 'test -r "$1" && { test ! -d "$1" || test -x "$1"; }'
    return _as_user(user, ENVIRONMENT, "/bin/sh", "-c", test, "sh", str(path)).returncode == 0


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links refused: a copy
        shutil.copy2(src, dst)


def _mirror(src: Path, dst: Path, top_level_skip=()) -> Path:
    """`dst`: a tree of hard links to the files of `src` (copies across file systems), its folders
    readable by anyone. The linked files keep their own modes (never changed: they are the user's)."""

    def ignore(folder, names):
        return [n for n in names if n in top_level_skip] if Path(folder) == src else []

    shutil.copytree(src, dst, symlinks=True, copy_function=_link_or_copy, ignore=ignore, dirs_exist_ok=True)
    for folder, _, _ in os.walk(dst):
        os.chmod(folder, 0o755)
    return dst


class _Interpreter:
    """How `USER` runs the installed scope-check: once per session, mirrored if need be."""

    def __init__(self):
        self.command: Optional[List[str]] = None
        self.environment = dict(ENVIRONMENT)
        self.problem: Optional[str] = None
        self.mirror: Optional[Path] = None

    def _works(self, python: str) -> Optional[str]:
        """None when `USER` can import the command and PyMuPDF with `python`, else what went wrong."""
        probe = _as_user(USER, self.environment, python, "-c", "import fitz, scope_check.cli.main")
        if probe.returncode == 0:
            return None
        lines = probe.stderr.decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else f"exit status {probe.returncode}"

    def prepare(self) -> None:
        if self.command is not None or self.problem is not None:
            return
        if shutil.which("runuser") is None:
            self.problem = "runuser (util-linux) is not installed: root cannot run the check as another user"
            return
        try:
            pwd.getpwnam(USER)
        except KeyError:
            self.problem = f"there is no user {USER!r} to run the check as"
            return
        # the project under test first on the path, whatever the installed packages point to
        self.environment["PYTHONPATH"] = str(PROJECT)
        if _readable(USER, PROJECT / "scope_check" / "__init__.py") and self._works(sys.executable) is None:
            self.command = [sys.executable, "-m", "scope_check"]
            return
        try:
            python = self._mirrored()
        except OSError as exc:
            self.problem = f"the interpreter could not be mirrored for {USER}: {exc}"
            return
        failure = self._works(python)
        if failure is not None:
            self.problem = f"{USER} cannot run the mirrored interpreter {python}: {failure}"
            return
        self.command = [python, "-m", "scope_check"]

    def _mirrored(self) -> str:
        """A virtual environment `USER` can run: the interpreter, its standard library and shared
        library, the installed packages and the project, each mirrored when `USER` cannot read it."""
        self.mirror = Path(tempfile.mkdtemp(prefix="scope-check-unprivileged-"))
        os.chmod(self.mirror, 0o755)
        atexit.register(shutil.rmtree, self.mirror, True)
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        executable = Path(os.path.realpath(sys.executable))
        home = executable.parent
        stdlib = Path(sysconfig.get_path("stdlib"))
        if not (_readable(USER, executable) and _readable(USER, stdlib / "os.py")):
            base = self.mirror / "base"
            (base / "bin").mkdir(parents=True)
            _link_or_copy(str(executable), str(base / "bin" / executable.name))
            _mirror(stdlib, base / "lib" / version, top_level_skip=("site-packages", "test"))
            libdir = sysconfig.get_config_var("LIBDIR")
            if sysconfig.get_config_var("Py_ENABLE_SHARED") and libdir and os.path.isdir(libdir):
                for name in os.listdir(libdir):
                    if name.startswith("libpython"):
                        _link_or_copy(os.path.join(libdir, name), str(base / "lib" / name))
                # found before the interpreter's own RUNPATH, which names the folder USER cannot read
                self.environment["LD_LIBRARY_PATH"] = str(base / "lib")
            home = base / "bin"
            executable = home / executable.name
        venv = self.mirror / "venv"
        packages = venv / "lib" / version / "site-packages"
        packages.mkdir(parents=True)
        (venv / "bin").mkdir()
        os.symlink(executable, venv / "bin" / "python")
        (venv / "pyvenv.cfg").write_text(f"home = {home}\ninclude-system-site-packages = false\n"
                                         f"version = {'.'.join(map(str, sys.version_info[:3]))}\n")
        if not _readable(USER, PROJECT / "scope_check" / "__init__.py"):
            project = _mirror(PROJECT / "scope_check", self.mirror / "project" / "scope_check").parent
            if (PROJECT / "rules").is_dir():  # the bundled rule sets of a checkout sit beside the package
                _mirror(PROJECT / "rules", project / "rules")
            self.environment["PYTHONPATH"] = str(project)
        lines = []
        for n, folder in enumerate(site.getsitepackages()):
            if os.path.isdir(folder):
                if not _readable(USER, Path(folder)):
                    folder = str(_mirror(Path(folder), self.mirror / f"site-{n}"))
                lines.append(f"import site; site.addsitedir({folder!r})")
        (packages / "_scope_check_installed.pth").write_text("\n".join(lines) + "\n")
        for folder, _, _ in os.walk(self.mirror):
            os.chmod(folder, 0o755)
        return str(venv / "bin" / "python")


_INTERPRETER = _Interpreter()


class User:
    """A user who reads what its file modes allow: this one when not root, `USER` when root."""

    def __init__(self, folder: Path, root: bool):
        self.folder = folder
        self.root = root

    def deny(self, path: Path) -> None:
        """Take every permission from `path`; skip the test if the user could still read it."""
        os.chmod(path, 0)
        readable = _readable(USER, path) if self.root else os.access(path, os.R_OK)
        if readable:
            pytest.skip(f"{'nobody' if self.root else 'this user'} still reads {path} at mode 0 "
                        "(a capability such as CAP_DAC_OVERRIDE)")

    def run(self, *args, timeout: float = 180) -> subprocess.CompletedProcess:
        """`scope-check ARGS`, run by this user in its folder."""
        args = [os.fsdecode(a) for a in args]
        if not self.root:
            return subprocess.run([sys.executable, "-m", "scope_check", *args], capture_output=True, timeout=timeout,
                                  cwd=self.folder)
        return _as_user(USER, _INTERPRETER.environment, *_INTERPRETER.command, *args, timeout=timeout,
                        cwd=str(self.folder))


@contextlib.contextmanager
def unprivileged_user() -> Iterator[User]:
    """A user who cannot read a file of mode 0, and a new folder of its own (removed afterwards)."""
    root = os.geteuid() == 0
    if root:
        _INTERPRETER.prepare()
        if _INTERPRETER.problem:
            pytest.skip(_INTERPRETER.problem)
    folder = Path(tempfile.mkdtemp(prefix="scope-check-user-"))
    try:
        if root:
            os.chmod(folder, 0o755)
            entry = pwd.getpwnam(USER)
            os.chown(folder, entry.pw_uid, entry.pw_gid)  # the user writes its outputs here
        yield User(folder, root)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
