"""Regular expressions from a rules file are untrusted: a pattern such as `(a+)+$` takes
exponential time on a string of a few dozen letters. A user pattern is accepted only when its
parse tree (Python's own parser, `re._parser`) shows none of the constructs that backtrack
catastrophically, decided in time bounded by the pattern's length:

- a repeat (`*`, `+`, `{m,n}` with n > 1) inside another repeat: `(a+)+`, `(a*b?)*`, `(\\w+\\s?)*`;
- a repeat over an alternation whose branches can start alike: `(a|ab)*`, `(\\w|\\d)+`;
- back-references (`\\1`, `(?P=name)`): matching them is NP-hard in general;
- more than MAX_UNBOUNDED unbounded repeats (`.*a.*b.*c.*d` is polynomial of high degree);
- counted repeats above MAX_REPEAT and patterns longer than MAX_PATTERN_CHARS.

The bundled rules pass (a test checks it); the package's own patterns are not parsed here but
bounded by construction (bounded quantifiers, bounded input: scope_check.safety.limits), and a test runs
each on adversarial strings within a time bound.

The package's own module-level patterns are declared with `lazy(pattern, flags)`: compiled the first
time one is used, not when its module is imported (a plain check of a short paper uses about a third
of them; compiling the others cost a fresh process some 15 ms). `compile_lazy()` compiles every one
declared so far (before forking several workers, which then share them).

Compiling is Python work (the parser and compiler of `re` are written in Python): the patterns a
check of any paper uses cost a fresh process about 15 ms. So, as Python keeps a module's bytecode
in `__pycache__`, a pattern's compiled code is kept beside this module's bytecode
(`safe_patterns.<tag>.patterns`, `pattern_cache_path()`) and a later process builds the pattern
from it (`compile_pattern`: the lazy patterns, `compile_all`). The cache is keyed by the pattern's
text and flags and stamped with the interpreter's build and `re`'s code version: another Python
ignores it. An entry is kept only when the pattern built from it equals (`==`: the same text,
flags and compiled code) the pattern `re.compile` made, so the cache cannot change what a pattern
matches. It is written as bytecode is (not under `python -B` / PYTHONDONTWRITEBYTECODE, nor where
the package's folder is read-only), atomically, by a checking worker once its report is sent
(`save_pattern_cache`).
"""

from __future__ import annotations

import marshal
import os
import re
import sys
import zlib
from array import array
from functools import lru_cache
from importlib.util import cache_from_source
from typing import Any, Dict, List, Optional, Tuple

import _sre

from scope_check.safety.atomic import write_bytes

try:  # Python 3.11+
    import re._compiler as _sre_compile  # type: ignore[import-not-found]
    import re._parser as _sre_parse  # type: ignore[import-not-found]
    import re._constants as _sre_constants  # type: ignore[import-not-found]
except ImportError:  # Python 3.10
    import sre_compile as _sre_compile  # type: ignore[no-redef]
    import sre_constants as _sre_constants  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

MAX_PATTERN_CHARS = 500
MAX_REPEAT = 1000
MAX_UNBOUNDED = 3

_REPEATS = {_sre_constants.MAX_REPEAT, _sre_constants.MIN_REPEAT}
_POSSESSIVE = getattr(_sre_constants, "POSSESSIVE_REPEAT", None)
_MAXREPEAT = _sre_constants.MAXREPEAT


class UnsafePattern(ValueError):
    """A pattern refused: the message says why."""


def check(pattern: str) -> None:
    """Raise UnsafePattern (or re.error for a pattern that does not compile) unless `pattern` is safe."""
    import re

    if not isinstance(pattern, str):
        raise UnsafePattern("a pattern is a string")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise UnsafePattern(f"longer than {MAX_PATTERN_CHARS} characters")
    re.compile(pattern)  # a syntax error is re.error, with its own message
    tree = _sre_parse.parse(pattern)
    unbounded = [0]
    _walk(tree, 0, unbounded)
    if unbounded[0] > MAX_UNBOUNDED:
        raise UnsafePattern(f"more than {MAX_UNBOUNDED} unbounded repeats (*, +, {{n,}})")


def problem(pattern: str) -> Optional[str]:
    """Why `pattern` is refused, or None when it is safe."""
    import re

    try:
        check(pattern)
    except UnsafePattern as exc:
        return f"unsafe regular expression (matching it could take exponential time): {exc}"
    except re.error as exc:
        return f"invalid regular expression: {exc}"
    except RecursionError:
        return "unsafe regular expression: nested too deeply"
    return None


def _walk(items, depth: int, unbounded) -> None:
    for op, av in items:
        if op in _REPEATS or (_POSSESSIVE is not None and op == _POSSESSIVE):
            low, high, body = av
            if high != _MAXREPEAT and high > MAX_REPEAT or low > MAX_REPEAT:
                raise UnsafePattern(f"a counted repeat above {MAX_REPEAT}")
            if high == _MAXREPEAT:
                unbounded[0] += 1
            if high > 1:
                if depth:
                    raise UnsafePattern("a repeat inside a repeat, such as (a+)+")
                if _has_repeat(body):
                    raise UnsafePattern("a repeat inside a repeat, such as (a+)+")
                _check_alternation(body)
                _walk(body, depth + 1, unbounded)
            else:
                _walk(body, depth, unbounded)
        elif op == _sre_constants.SUBPATTERN:
            _walk(av[-1], depth, unbounded)
        elif op == _sre_constants.BRANCH:
            for branch in av[1]:
                _walk(branch, depth, unbounded)
        elif op in (_sre_constants.ASSERT, _sre_constants.ASSERT_NOT):
            _walk(av[1], depth, unbounded)
        elif op in (_sre_constants.GROUPREF, getattr(_sre_constants, "GROUPREF_EXISTS", None)):
            raise UnsafePattern("a back-reference")
        elif getattr(_sre_constants, "ATOMIC_GROUP", None) is not None and op == _sre_constants.ATOMIC_GROUP:
            _walk(av, depth, unbounded)


def _has_repeat(items) -> bool:
    for op, av in items:
        if op in _REPEATS or (_POSSESSIVE is not None and op == _POSSESSIVE):
            if av[1] > 1:
                return True
            if _has_repeat(av[2]):
                return True
        elif op == _sre_constants.SUBPATTERN and _has_repeat(av[-1]):
            return True
        elif op == _sre_constants.BRANCH and any(_has_repeat(b) for b in av[1]):
            return True
    return False


def _check_alternation(body) -> None:
    """Under a repeat, alternatives must not be able to start with the same character."""
    for op, av in body:
        if op == _sre_constants.SUBPATTERN:
            _check_alternation(av[-1])
        elif op == _sre_constants.BRANCH:
            firsts = [_first(b) for b in av[1]]
            if any(f is None for f in firsts):
                raise UnsafePattern("a repeat over alternatives that may start alike, such as (a|ab)*")
            seen: set = set()
            for f in firsts:
                if f & seen:
                    raise UnsafePattern("a repeat over alternatives that may start alike, such as (a|ab)*")
                seen |= f
        elif op == _sre_constants.IN:
            continue
        break  # only the alternation the repeat starts with matters here


def _first(items) -> Optional[set]:
    """The literal characters a branch can start with, or None when it is not a plain literal."""
    for op, av in items:
        if op == _sre_constants.LITERAL:
            return {av}
        if op == _sre_constants.SUBPATTERN:
            return _first(av[-1])
        return None
    return None


def format_checker():
    """A jsonschema FormatChecker whose `regex` format also refuses unsafe patterns."""
    import jsonschema

    checker = jsonschema.FormatChecker()

    @checker.checks("regex", raises=(UnsafePattern, ValueError))
    def _regex(instance) -> bool:
        if not isinstance(instance, str):
            return True
        reason = problem(instance)
        if reason:
            raise UnsafePattern(reason)
        return True

    return checker


@lru_cache(maxsize=256)
def compile_all(patterns: Tuple[str, ...], flags: int = 0) -> Tuple["re.Pattern[str]", ...]:
    """The patterns of a rules file (already checked when the file was loaded), compiled once a run."""
    return tuple(compile_pattern(p, flags) for p in patterns)


class LazyPattern:
    """A regular expression compiled the first time it is used, then used as the compiled pattern is
    (`P.search(text)`, `P.finditer(text, pos)`, `P.sub(...)`, `P.pattern`, `P.groups`): at its first
    use the compiled pattern's own methods are bound into the instance, so that every later call costs
    what a call of the compiled pattern costs. Not for `re.sub(P, ...)` (`P.sub(...)` instead)."""

    METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "scanner")

    def __init__(self, pattern: str, flags: int = 0, declared: bool = True):
        self.pattern = pattern
        self._flags = flags
        self._compiled: Optional["re.Pattern[str]"] = None
        if declared:  # a module's own (not a copy made by pickle)
            _LAZY.append(self)

    @property
    def is_compiled(self) -> bool:
        return self._compiled is not None

    def compiled(self) -> "re.Pattern[str]":
        """The compiled pattern (compiled now if it was not yet)."""
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = compile_pattern(self.pattern, self._flags)
            for name in self.METHODS:  # held by the instance from now on: found without __getattr__
                setattr(self, name, getattr(compiled, name))
        return compiled

    #: what is read off the compiled pattern: its methods (bound into the instance at the first
    #: compile, so found before this class from then on) and its properties
    DELEGATED = METHODS + ("flags", "groups", "groupindex")

    def __getattr__(self, name: str) -> Any:  # only for what the instance does not hold yet
        if name in LazyPattern.DELEGATED:
            return getattr(self.compiled(), name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __reduce__(self):
        return (LazyPattern, (self.pattern, self._flags, False))

    def __copy__(self) -> "LazyPattern":
        return self  # as a compiled pattern's copy is itself

    def __deepcopy__(self, memo) -> "LazyPattern":
        return self

    def __repr__(self) -> str:
        return f"lazy({self.pattern!r}, {self._flags!r})"


#: every LazyPattern made, in the order their modules declared them
_LAZY: List[LazyPattern] = []


def lazy(pattern: str, flags: int = 0) -> LazyPattern:
    """A package pattern compiled when it is first used (see LazyPattern): how a module declares its
    patterns, `_WORD = lazy(r"\\w+")` in place of `re.compile(r"\\w+")`."""
    return LazyPattern(pattern, flags)


def compile_lazy() -> int:
    """Compile every lazy pattern declared so far (before forking several workers: compiled once
    here instead of once in each); the number compiled now."""
    pending = [p for p in _LAZY if not p.is_compiled]
    for p in pending:
        p.compiled()
    return len(pending)


def declared_lazy() -> Tuple[LazyPattern, ...]:
    """Every lazy pattern declared so far (the tests run each on adversarial strings)."""
    return tuple(_LAZY)


# --- the compiled code kept between processes ---------------------------------------------------

#: the cache file's format; its stamp also names the interpreter's build and `re`'s code version
_CACHE_FORMAT = 1
#: at most this many patterns are kept (the package's, the bundled rules', a user's rules'): beyond
#: it the oldest are dropped as new ones are saved
MAX_CACHED_PATTERNS = 2000

#: (pattern, flags) -> (flags, code as bytes, groups, groupindex, indexgroup), read from the file
_CODES: Dict[Tuple[Any, int], tuple] = {}
#: the file was read (a list: no `global` needed)
_READ: List[bool] = []
#: entries compiled by this process, not yet in the file
_NEW: Dict[Tuple[Any, int], tuple] = {}


def _stamp() -> tuple:
    return (_CACHE_FORMAT, sys.version, sys.hexversion, _sre.MAGIC, _sre.CODESIZE, _sre.MAXREPEAT, _sre.MAXGROUPS)


def pattern_cache_path() -> Optional[str]:
    """Where the compiled patterns are kept: beside this module's bytecode (None: nowhere)."""
    try:
        return os.path.splitext(cache_from_source(__file__))[0] + ".patterns"
    except (NotImplementedError, ValueError, TypeError):  # no bytecode caches (sys.implementation.cache_tag None)
        return None


def _usable() -> bool:
    """Can the code be kept at all (the code words stored as 32-bit array items)?"""
    return array("I").itemsize == _sre.CODESIZE


def _read_file(path: Optional[str]) -> Dict[Tuple[Any, int], tuple]:
    """The entries of the cache file, or {} (no file, another interpreter, a damaged file)."""
    if not path or not _usable():
        return {}
    try:
        with open(path, "rb") as fh:
            stamp, crc, payload = marshal.loads(fh.read())
        if stamp != _stamp() or type(payload) is not bytes or zlib.crc32(payload) != crc:
            return {}
        entries = marshal.loads(payload)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return entries if type(entries) is dict else {}


def _codes() -> Dict[Tuple[Any, int], tuple]:
    if not _READ:
        _READ.append(True)
        _CODES.update(_read_file(pattern_cache_path()))
    return _CODES


def _build(pattern, entry: tuple) -> Optional["re.Pattern"]:
    """The pattern made from a cache entry, or None when the entry is not one."""
    try:
        flags, code, groups, groupindex, indexgroup = entry
        return _sre.compile(pattern, flags, array("I", code).tolist(), groups, groupindex, indexgroup)
    except Exception:  # a damaged entry (the file is checked, but not trusted): compiled again
        return None


def _may_write() -> bool:
    """Would this process keep what it compiles (as it would write bytecode)?"""
    if sys.dont_write_bytecode or not _usable():
        return False
    path = pattern_cache_path()
    if not path:
        return False
    folder = os.path.dirname(path)
    return os.access(folder if os.path.isdir(folder) else os.path.dirname(folder), os.W_OK)


#: the answer of _may_write, asked once a process (a list: no `global` needed)
_WRITABLE: List[bool] = []


def _entry(pattern, flags: int, compiled: "re.Pattern") -> Optional[tuple]:
    """The cache entry of `compiled`, made as `re` makes a pattern (parse, code), kept only when the
    pattern built from it equals `compiled` (None otherwise: another `re` than the one this follows)."""
    try:
        tree = _sre_parse.parse(pattern, flags)
        code = array("I", _sre_compile._code(tree, flags)).tobytes()
        groupindex = dict(tree.state.groupdict)
        indexgroup = [None] * tree.state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        entry = (int(flags | tree.state.flags), code, tree.state.groups - 1, groupindex, tuple(indexgroup))
    except Exception:  # internals this module does not know: nothing kept
        return None
    built = _build(pattern, entry)
    return entry if built is not None and built == compiled and built.groupindex == compiled.groupindex else None


#: the patterns compile_pattern made in this process (as `re` keeps those it compiled), at most
#: MAX_MADE: a pattern asked for again (a rules file's, once a paper) is not built again
_MADE: Dict[Tuple[Any, int], "re.Pattern"] = {}
MAX_MADE = 512


def compile_pattern(pattern, flags: int = 0) -> "re.Pattern":
    """`re.compile(pattern, flags)`, built from the cache when it holds the pattern's code."""
    flags = int(flags)
    key = (pattern, flags)
    made = _MADE.get(key)
    if made is not None:
        return made
    entry = _codes().get(key)
    made = _build(pattern, entry) if entry is not None else None
    if made is None:
        made = re.compile(pattern, flags)
        if not _WRITABLE:
            _WRITABLE.append(_may_write())
        if _WRITABLE[0] and not flags & re.DEBUG:
            entry = _entry(pattern, flags, made)
            if entry is not None:
                _NEW[key] = entry
    if len(_MADE) >= MAX_MADE:
        _MADE.clear()
    _MADE[key] = made
    return made


def save_pattern_cache() -> int:
    """Add what this process compiled to the cache file (merged with what another process may have
    saved meanwhile, written atomically); the number of patterns added. Never raises: a cache that
    cannot be written is only not written."""
    if not _NEW:
        return 0
    new = dict(_NEW)
    _NEW.clear()
    path = pattern_cache_path()
    if not path or not _may_write():
        return 0
    try:
        merged = _read_file(path)
        merged.update(new)
        if len(merged) > MAX_CACHED_PATTERNS:
            merged = dict(list(merged.items())[-MAX_CACHED_PATTERNS:])
        payload = marshal.dumps(merged)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_bytes(path, marshal.dumps((_stamp(), zlib.crc32(payload), payload)))
    except Exception:  # a full disk, a read-only folder, a race: the cache is only a cache
        return 0
    _CODES.update(new)
    return len(new)
