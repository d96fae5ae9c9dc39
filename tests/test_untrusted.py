"""Regular expressions cannot backtrack catastrophically: every pattern of the package runs on
adversarial strings within a time bound, the patterns the checks build from the bundled rules too;
a rules file is untrusted: unsafe patterns, YAML alias bombs, deep nesting and huge files are
refused with exit 2, in bounded time."""

from __future__ import annotations

import importlib
import pkgutil
import re
import subprocess
import sys
import time

import pytest

import scope_check
from scope_check.safety.safe_patterns import LazyPattern, declared_lazy
from conftest import FIXTURES, ROOT

GOOD = FIXTURES / "pages" / "main_refs_top_p6.pdf"
#: every module of the package (a pattern anywhere in it is tested; `__main__` would run the command)
MODULES = sorted(m.name for m in pkgutil.walk_packages(scope_check.__path__, "scope_check.")
                 if m.name != "scope_check.__main__")
#: runs of these, 20,000 characters long (the longest line the model keeps), then a character that
#: makes every match fail: the inputs that made the old patterns take minutes
UNITS = ["a", "A", "Aa", "a.", "a-", "a@", "@a", "a @ a.", "1", "1.", " ", "a ", "in our previous work ", "our ",
         "A et al ", "Doe and ", "(Doe ", "[1, ", "{a,", "a [at] b [dot] ", "http://a", "www.a", "github.com/",
         "a.github.com/", "<dc:creator>", "<rdf:li>", "pdf:Author=\"", "\u00b7", ". A", "Under review ", "I", "\t"]
N = 20_000
BOUND_S = 2.0


def package_patterns():
    named = set()
    for name in MODULES:
        module = importlib.import_module(name)
        for key, value in vars(module).items():
            values = value if isinstance(value, tuple) else (value,)
            for i, v in enumerate(values):
                if isinstance(v, LazyPattern):  # a module's own pattern, compiled when first used
                    named.add(id(v))
                    v = v.compiled()
                if isinstance(v, re.Pattern):
                    yield f"{name}.{key}" + (f"[{i}]" if isinstance(value, tuple) else ""), v
    for v in declared_lazy():  # the lazy patterns held deeper (a table of (pattern, label) pairs)
        if id(v) not in named:
            yield f"lazy {v.pattern[:50]!r}", v.compiled()


def rule_patterns():
    """The patterns the checks compile from the bundled rules (hosts, names, headers, fonts)."""
    from scope_check.analysis import addresses as identity
    from scope_check.checks.anonymity import author_block
    from scope_check.checks import load_rules

    rules = load_rules("scope2025-main")
    anon3 = rules.options("ANON003")
    yield "bare_url_pattern", identity.bare_url_pattern(list(anon3["owner_hosts"]) + list(anon3["personal_hosts"]))
    yield "affiliation words", author_block.word_pattern(tuple(rules.options("ANON001")["affiliation_words"]))
    for kind, patterns in rules.template["header"].items():
        for p in patterns:
            yield f"header {kind} {p}", re.compile(p)
    for family, patterns in rules.template["font_families"].items():
        for p in patterns:
            yield f"font {family} {p}", re.compile(p, re.I)
    for p in anon3["anonymous_links"] + tuple(anon3["institution_hosts"]) + (anon3["anonymous_owner"],):
        yield f"ANON003 {p}", re.compile(p, re.I)


ALL = list(package_patterns()) + list(rule_patterns())


def test_the_patterns_are_found():
    names = {n for n, _ in ALL}
    assert "scope_check.analysis.addresses.EMAIL" in names
    assert "scope_check.checks.anonymity.self_citation._SELF[4]" in names
    assert len(ALL) > 40


@pytest.mark.parametrize("name, pattern", ALL, ids=[n for n, _ in ALL])
def test_no_pattern_backtracks_catastrophically(name, pattern):
    worst = 0.0
    for unit in UNITS:
        text = (unit * (N // len(unit) + 1))[:N] + "!"
        subject = text.encode("utf-8") if isinstance(pattern.pattern, bytes) else text
        start = time.perf_counter()
        for _ in pattern.finditer(subject):
            pass
        worst = max(worst, time.perf_counter() - start)
    assert worst < BOUND_S, f"{name}: {worst:.2f} s on an adversarial string of {N:,} characters"


def test_the_old_email_pattern_would_have_failed_this_test():
    """The test can fail: the e-mail pattern as it was (unbounded local part) is quadratic."""
    old = re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+-]*\s?@\s?[A-Za-z0-9-]+(?:\s?\.\s?[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
    text = "a" * 8000 + "!"
    start = time.perf_counter()
    list(old.finditer(text))
    slow = time.perf_counter() - start
    start = time.perf_counter()
    from scope_check.analysis.addresses import EMAIL

    list(EMAIL.finditer(text))
    fast = time.perf_counter() - start
    assert slow > 10 * fast


def test_a_lazy_pattern_is_used_as_its_compiled_pattern_is():
    import pickle
    from copy import deepcopy

    from scope_check.safety.safe_patterns import lazy

    source, flags = r"(?P<name>[A-Z]\w{0,20})\s+et\s+al\b", re.I
    compiled = re.compile(source, flags)
    text = "As DOE et al showed, and roe ET AL. (2023) after them; not et al alone"
    for fresh in (True, False):  # before its first use (the class's methods) and after (the compiled ones)
        pattern = lazy(source, flags)
        if not fresh:
            pattern.compiled()
        assert pattern.is_compiled is not fresh
        assert [m.span() for m in pattern.finditer(text, 3)] == [m.span() for m in compiled.finditer(text, 3)]
        assert pattern.search(text).group("name") == compiled.search(text).group("name") == "DOE"
        assert pattern.match(text) is None and pattern.fullmatch("roe et al").span() == (0, 9)
        assert pattern.findall(text) == compiled.findall(text)
        assert pattern.sub("X", text) == compiled.sub("X", text)
        assert pattern.subn("X", text, count=1) == compiled.subn("X", text, count=1)
        assert pattern.split(text) == compiled.split(text)
        assert (pattern.pattern, pattern.flags, pattern.groups, dict(pattern.groupindex)) == (
            compiled.pattern, compiled.flags, compiled.groups, dict(compiled.groupindex))
        declared = len(declared_lazy())
        copy = pickle.loads(pickle.dumps(pattern))
        assert copy.findall(text) == compiled.findall(text) and len(declared_lazy()) == declared
        assert deepcopy(pattern) is pattern  # as deepcopy(compiled) is compiled


# --- user patterns ---------------------------------------------------------------------------------

@pytest.mark.parametrize("pattern", ["(a+)+$", "(\\w+\\s?)*$", "(x+x+)+y", "(.*a){12}", "(a)\\1", ".*.*.*.*x",
                                     "a{1,100000}", "x" * 600])
def test_an_unsafe_pattern_is_refused(pattern):
    from scope_check.safety.safe_patterns import problem

    assert problem(pattern) and problem(pattern).startswith("unsafe regular expression")


@pytest.mark.parametrize("pattern", ["^Under review\\b.*\\bICLR\\b", "^(Liberation ?Serif|Tinos|FreeSerif)",
                                     "^anon(ymous|ymised|ymized)?([-_.]|$)|anonymous", "\\.edu\\.[a-z]{2}$",
                                     "^osf\\.io/.*[?&]view_only=", "(?:ab|cd)*e"])
def test_a_safe_pattern_is_accepted(pattern):
    from scope_check.safety.safe_patterns import problem

    assert problem(pattern) is None


def test_every_bundled_pattern_is_safe():
    from scope_check.safety.safe_patterns import problem

    for name, pattern in rule_patterns():
        if name.startswith(("header", "font", "ANON003")):
            assert problem(pattern.pattern) is None, name


def scope_check(*args, timeout=60):
    start = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "scope_check", *map(str, args)], capture_output=True, text=True,
                       timeout=timeout, cwd=ROOT)
    return p.returncode, p.stdout, p.stderr, time.perf_counter() - start


def _rules(tmp_path, body: str, name="user.yaml"):
    path = tmp_path / name
    path.write_text("name: user-rules\nextends: scope2025-main\n" + body, encoding="utf-8")
    return path


def bomb(levels=9):
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("body, says", [
    ("template:\n  header:\n    review: ['^(a+)+$']\n", "unsafe regular expression"),
    ("checks:\n  ANON003:\n    anonymous_owner: '(\\w+\\s?)*$'\n", "unsafe regular expression"),
    ("checks:\n  ANON003:\n    anonymous_links: ['(x+x+)+y']\n", "unsafe regular expression"),
    ("template:\n  font_families:\n    Times: ['(a|b)\\1']\n", "unsafe regular expression"),
    (bomb(), "alias bomb"),
    ("x: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than"),
    ("x: " + "{a: " * 100 + "1" + "}" * 100 + "\n", "nested more than"),
], ids=["header", "owner", "links", "fonts", "billion-laughs", "deep-lists", "deep-maps"])
def test_an_untrusted_rules_file_is_refused_with_exit_2_in_bounded_time(tmp_path, body, says):
    code, out, err, elapsed = scope_check(GOOD, "--rules", _rules(tmp_path, body))
    assert code == 2 and "Traceback" not in err and out == ""
    assert says in err, err
    assert elapsed < 20


def test_a_huge_rules_file_is_refused_before_it_is_parsed(tmp_path):
    path = _rules(tmp_path, "# " + "x" * (2 << 20) + "\n")
    code, _, err, elapsed = scope_check(GOOD, "--rules", path)
    assert code == 2 and "larger than" in err and elapsed < 20


def test_a_few_aliases_are_still_fine(tmp_path):
    body = ("checks:\n  ANON002:\n    headings: &h [Acknowledgements, Acknowledgments]\n"
            "  ANON001:\n    anonymous_placeholders: *h\n")
    code, out, err, _ = scope_check(GOOD, "--rules", _rules(tmp_path, body))
    assert code == 0, err
