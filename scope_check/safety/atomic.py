"""Writing results so that nothing is lost: a file appears whole under its name or not at all.

Every report, export and annotated copy is written to a temporary file beside its destination,
given the user's usual permissions (mkstemp makes 0600), flushed to disk, renamed over the
destination, and the folder itself is flushed so the rename survives a power cut.
"""

from __future__ import annotations

import os


def temporary(path: str, suffix: str = ".tmp"):
    """(descriptor, name) of a new temporary file beside `path`, for `publish`."""
    import tempfile  # here: a check whose report goes to the terminal writes no file (2.5 ms at start-up)

    folder = os.path.dirname(os.path.abspath(path))
    return tempfile.mkstemp(prefix=".scope-check-", suffix=suffix, dir=folder)


def publish(tmp: str, path: str) -> None:
    """The finished temporary file `tmp`: user's umask, fsync, renamed over `path`, folder fsync.
    On any failure the temporary file is removed and the error raised."""
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        discard(tmp)
        raise
    try:
        dfd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass  # a folder that cannot be opened for fsync (some file systems): the rename stands


def write_bytes(path: str, data: bytes) -> None:
    """`data` under `path`, atomically."""
    fd, tmp = temporary(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    except BaseException:
        discard(tmp)
        raise
    publish(tmp, path)


def discard(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass
