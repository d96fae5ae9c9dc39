"""Start-up of a fresh process: the bundled rule files are validated here and read at run time from
their validated cache (not validated again, no PyYAML), YAML is read by the C parser when there is
one (with the pure-Python parser's results and refusals), a plain check of one PDF imports nothing
it does not need (the modules of the command's process and of its forked worker, listed by a driver
around the real command line), and the command ends at once with its exit code and its report."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scope_check.safety import safe_yaml
from scope_check.config.rules import RulesError, bundled_dir, bundled_problems
from scope_check.checks import load_rules

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
TWO_PAGES = FIXTURES / "pages" / "tiny_compliant.pdf"
HAS_LIBYAML = safe_yaml.fast_loader() is not None


# --- bundled rule files: validated by the tests, trusted at run time --------------------------------

def test_every_bundled_rule_file_is_valid_as_a_users_file_would_have_to_be():
    files = sorted(bundled_dir().rglob("*.yaml"))
    assert len(files) >= 5  # the five documented rule sets at least
    assert bundled_problems() == []


@pytest.mark.parametrize("old, new, where", [
    ("  PAGE001:\n    max_pages: 5\n", "  PAGE001:\n    max_page: 5\n", "$.checks.PAGE001"),
    ("  PAGE001:\n    max_pages: 5\n", "  PAGE001:\n    max_pages: five\n", "$.checks.PAGE001.max_pages"),
    ("\nchecks:\n", "\nchecks:\n  NOPE001: {}\n", "$.checks"),
], ids=["unknown-parameter", "wrong-type", "unknown-code"])
def test_a_broken_bundled_file_would_be_caught(tmp_path, old, new, where):
    copy = tmp_path / "rules"
    shutil.copytree(bundled_dir(), copy)
    main = copy / "scope2025" / "main.yaml"
    text = main.read_text(encoding="utf-8")
    assert old in text
    main.write_text(text.replace(old, new), encoding="utf-8")
    problems = bundled_problems(copy)
    assert len(problems) == 1 and str(main) in problems[0] and where in problems[0], problems


def test_an_unsafe_pattern_in_a_bundled_file_would_be_caught(tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(bundled_dir(), copy)
    base = copy / "iclr2025.yaml"
    data = yaml.safe_load(base.read_text(encoding="utf-8"))
    data["template"]["header"]["review"] = ["^(a+)+$"]
    base.write_text(yaml.safe_dump(data), encoding="utf-8")
    (problem,) = bundled_problems(copy)
    assert str(base) in problem and "unsafe regular expression" in problem


def test_a_users_file_is_still_validated_and_a_bundled_parent_is_not_read_twice(tmp_path):
    own = tmp_path / "mine.yaml"
    own.write_text("name: mine\nextends: scope2025-main\nchecks:\n  PAGE001: {max_page: 3}\n")
    with pytest.raises(RulesError, match=r"mine\.yaml: \$\.checks\.PAGE001: Additional properties"):
        load_rules(str(own))
    own.write_text("name: mine\nextends: scope2025-main\nchecks:\n  PAGE001: {max_pages: 3}\n")
    rules = load_rules(str(own))
    assert rules.options("PAGE001")["max_pages"] == 3 and rules.sources[-1] == str(own.resolve())


@pytest.fixture
def fresh_caches(monkeypatch):
    """The rules module's caches (index, bundled cache) emptied before the test and, once the test's
    patches are undone, after it."""
    from scope_check.config import rules

    def clear():
        for fn in (rules.bundled_index, rules._cache, rules.schema):
            getattr(fn, "cache_clear", lambda: None)()

    clear()
    yield
    monkeypatch.undo()
    clear()


def test_the_bundled_cache_is_current():
    """If this fails, run `python -m scope_check.output.reference --bundled-cache` (a rule file was edited)."""
    from scope_check.config.rules import CACHE_NAME, bundled_cache

    assert (bundled_dir() / CACHE_NAME).read_text(encoding="utf-8") == bundled_cache()


@pytest.mark.parametrize("name", ["iclr2025", "scope2025-tiny", "scope2025-main", "wsl2025-extended", "wsl2025-full"])
def test_a_bundled_rule_set_is_the_same_read_from_the_cache_or_from_its_yaml(name, monkeypatch, fresh_caches):
    from scope_check.config import rules

    cached = load_rules(name)
    monkeypatch.setattr(rules, "_cache", lambda: {})
    rules.bundled_index.cache_clear()
    from_yaml = load_rules(name)
    assert cached == from_yaml and cached.checks and cached.template["text_block"]


def test_an_edited_bundled_file_is_read_from_its_yaml_not_from_the_stale_cache(tmp_path, monkeypatch, fresh_caches):
    from scope_check.config import rules

    copy = tmp_path / "rules"
    shutil.copytree(bundled_dir(), copy)
    main = copy / "scope2025" / "main.yaml"
    main.write_text(main.read_text(encoding="utf-8").replace("    max_pages: 5\n", "    max_pages: 4\n"), encoding="utf-8")
    monkeypatch.setattr(rules, "bundled_dir", lambda: copy)
    assert load_rules("scope2025-main").options("PAGE001")["max_pages"] == 4  # the edit, not the cache
    assert load_rules("wsl2025-full").options("PAGE001")["max_pages"] == 8  # the others from the cache


def test_an_edited_bundled_file_is_validated_at_run_time_and_cannot_be_cached(tmp_path, monkeypatch, fresh_caches):
    from scope_check.config import rules

    copy = tmp_path / "rules"
    shutil.copytree(bundled_dir(), copy)
    main = copy / "scope2025" / "main.yaml"
    main.write_text(main.read_text(encoding="utf-8").replace("    max_pages: 5\n", "    max_page: 5\n"), encoding="utf-8")
    monkeypatch.setattr(rules, "bundled_dir", lambda: copy)
    with pytest.raises(RulesError, match=r"main\.yaml: \$\.checks\.PAGE001: Additional properties"):
        load_rules("scope2025-main")
    assert load_rules("wsl2025-full").name == "wsl2025-full"  # the others still load
    with pytest.raises(RulesError, match=r"not cached: .*main\.yaml: \$\.checks\.PAGE001"):
        rules.bundled_cache(copy)


def test_a_cache_validated_against_another_schema_is_not_used(tmp_path, monkeypatch, fresh_caches):
    from scope_check.config import rules

    schema = tmp_path / "rules.schema.json"
    schema.write_text(rules.SCHEMA_FILE.read_text(encoding="utf-8").replace('"max_pages"', '"max_page_count"'),
                      encoding="utf-8")
    monkeypatch.setattr(rules, "SCHEMA_FILE", schema)
    rules.schema.cache_clear()
    assert rules._cache() == {}  # the schema changed since the cache was written
    with pytest.raises(RulesError, match=r"main\.yaml: \$\.checks\.PAGE001: Additional properties"):
        load_rules("scope2025-main")  # so the bundled files are validated again, against this schema


def test_a_missing_or_broken_cache_means_reading_the_yaml(tmp_path, monkeypatch, fresh_caches):
    from scope_check.config import rules

    copy = tmp_path / "rules"
    shutil.copytree(bundled_dir(), copy)
    monkeypatch.setattr(rules, "bundled_dir", lambda: copy)
    expected = load_rules("scope2025-tiny")
    for broken in ("{not json", '{"format": 2, "files": {}}', '{"format": 1, "files": []}'):
        (copy / rules.CACHE_NAME).write_text(broken, encoding="utf-8")
        rules._cache.cache_clear()
        rules.bundled_index.cache_clear()
        assert rules._cache() == {} or broken.endswith("[]}")
        assert load_rules("scope2025-tiny") == expected
    (copy / rules.CACHE_NAME).unlink()
    rules._cache.cache_clear()
    assert rules._cache() == {} and load_rules("scope2025-tiny") == expected


def _modules_after(code: str) -> set:
    p = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
                       capture_output=True, text=True, cwd=ROOT, check=True, timeout=120)
    return set(p.stdout.split())


def test_loading_a_bundled_rule_set_imports_neither_jsonschema_nor_yaml_and_a_users_file_does(tmp_path):
    bundled = _modules_after("from scope_check.checks import load_rules; load_rules('scope2025-main')")
    assert "scope_check.config.rules" in bundled
    assert "jsonschema" not in bundled and "yaml" not in bundled  # nor PyYAML: read from the cache
    own = tmp_path / "mine.yaml"
    own.write_text("name: mine\nextends: scope2025-main\n")
    users = _modules_after(f"from scope_check.checks import load_rules; load_rules({str(own)!r})")
    assert "jsonschema" in users and "yaml" in users


# --- YAML: the C parser and the pure-Python one agree ----------------------------------------------

def _yaml_cases():
    """Every rule file of the checkout (bundled, fixtures, tests) and texts that probe the parsers."""
    for path in sorted([*bundled_dir().rglob("*.yaml"), *(FIXTURES / "rules").rglob("*.yaml")]):
        yield path.name, path.read_text(encoding="utf-8")
    yield "severity-off", "name: x\nchecks:\n  PAGE003: {severity: off}\n"
    yield "scalars", "a: 1.5\nb: 0x1f\nc: 1_000\nd: 2001-12-14\ne: ~\nf: yes\ng: '010'\nh: 010\ni: .inf\n"
    yield "anchors", "a: &x [1, 2]\nb: *x\nc: {<<: {k: 1}, j: 2}\n"
    yield "multiline", "a: |\n  one\n  two\nb: >-\n  three\n  four\nc: \"tab\\there \\u00e9\"\n"
    yield "unicode", "name: caf\u00e9\nlist: [\u00fc, \u4e2d]\n"
    yield "deep", "x: " + "[" * 40 + "]" * 40 + "\n"
    yield "deep-maps", "x: " + "{a: " * 33 + "1" + "}" * 33 + "\n"
    yield "many-aliases", "a: &a 1\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    yield "bomb", "\n".join(['a0: &a0 ["x","x","x","x","x","x","x","x","x"]'] + [
        f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]) + "\n"
    yield "python-tag", "name: !!python/object/apply:os.system ['echo pwned']\n"
    yield "bad-indent", "a:\n  b: 1\n c: 2\n"
    yield "unclosed", "a: [1, 2\n"
    yield "tab", "a:\n\tb: 1\n"
    yield "control", "a: \x07\n"
    yield "duplicate-keys", "a: 1\na: 2\n"
    yield "two-documents", "a: 1\n---\nb: 2\n"
    yield "empty", ""


def _outcome(text: str, pure: bool):
    try:
        return "ok", safe_yaml.load(text, pure=pure)
    except safe_yaml.UnsafeYaml as exc:
        return "refused", str(exc)
    except yaml.YAMLError as exc:
        return "invalid", str(exc)


@pytest.mark.skipif(not HAS_LIBYAML, reason="PyYAML is built without libyaml here")
@pytest.mark.parametrize("name, text", list(_yaml_cases()), ids=[n for n, _ in _yaml_cases()])
def test_the_c_parser_gives_what_the_pure_python_one_gives(name, text):
    assert _outcome(text, pure=False) == _outcome(text, pure=True)


@pytest.mark.skipif(not HAS_LIBYAML, reason="PyYAML is built without libyaml here")
def test_the_c_parser_is_the_one_used_when_there_is_one(monkeypatch):
    used = []
    real = yaml.parse

    def spy(text, Loader):
        used.append(Loader)
        return real(text, Loader=Loader)

    monkeypatch.setattr(yaml, "parse", spy)
    assert safe_yaml.load("a: 1\n") == {"a": 1}
    assert used == [yaml.CSafeLoader]
    used.clear()
    with pytest.raises(yaml.YAMLError, match="expected ',' or ']'"):  # the pure-Python parser's own words
        safe_yaml.load("a: [1, 2\n")
    assert used == [yaml.CSafeLoader, yaml.SafeLoader]


@pytest.mark.parametrize("text, says", [
    ("x: " + "[" * 40 + "]" * 40 + "\n", "nested more than 32"),
    ("a: &a 1\nb: [" + ", ".join(["*a"] * 101) + "]\n", "more than 100 aliases"),
    ("\n".join(['a0: &a0 ["x","x","x","x","x","x","x","x","x"]'] + [
        f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]) + "\n", "alias bomb"),
], ids=["depth", "aliases", "bomb"])
@pytest.mark.parametrize("pure", [False, True], ids=["c-or-fallback", "pure-python"])
def test_both_parsers_refuse_the_same_texts(text, says, pure):
    with pytest.raises(safe_yaml.UnsafeYaml, match=says):
        safe_yaml.load(text, pure=pure)


def test_without_libyaml_the_pure_python_parser_reads_the_bundled_rules(monkeypatch):
    with_c = {p.name: safe_yaml.load(p.read_text(encoding="utf-8")) for p in bundled_dir().rglob("*.yaml")}
    monkeypatch.setattr(safe_yaml, "fast_loader", lambda: None)
    without = {p.name: safe_yaml.load(p.read_text(encoding="utf-8")) for p in bundled_dir().rglob("*.yaml")}
    assert with_c == without and len(without) >= 5


# --- the modules a plain check imports -------------------------------------------------------------

#: modules (or packages) the plain text check of one PDF must not import, in the command's process
#: or in its forked worker
NOT_ON_THE_CHECK_PATH = (
    "jsonschema", "referencing", "yaml", "sqlite3", "datasketch", "playwright", "pdfplumber", "pypdf", "tqdm",
    "multiprocessing", "difflib", "scope_check.batch", "scope_check.cli.supplement", "scope_check.supplement.runner",
    "scope_check.safety.archive", "scope_check.output.annotate", "scope_check.output.synctex", "scope_check.output.html",
    "scope_check.output.sarif", "scope_check.output.github", "scope_check.output.json",
    "scope_check.output.reference", "scope_check.cli.action",
)


#: runs the command line as `scope-check` does, and writes the modules of the command's process (at
#: exit) and of its forked worker (after checking a file) as JSON lists
_DRIVER = """
import json, os, sys
from scope_check.engine import isolation
real = isolation.CheckWorker.__call__
def spy(self, path):
    report = real(self, path)
    with open(os.environ["MODULES_DUMP"] + ".worker", "w") as fh:
        json.dump(sorted(sys.modules), fh)
    return report
isolation.CheckWorker.__call__ = spy
import atexit
@atexit.register
def dump():
    with open(os.environ["MODULES_DUMP"] + ".parent", "w") as fh:
        json.dump(sorted(sys.modules), fh)
from scope_check.cli.main import console_main
sys.argv = ["scope-check", *sys.argv[1:]]
console_main()
"""


def _imported_by_a_check(tmp_path, *args) -> set:
    """Every module imported by `scope-check ARGS` in a fresh process, its forked worker included."""
    import json

    dump = tmp_path / "modules"
    env = {k: v for k, v in os.environ.items() if k != "SCOPE_CHECK_RULES"}
    env["MODULES_DUMP"] = str(dump)
    p = subprocess.run([sys.executable, "-c", _DRIVER, *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                       env=env, timeout=120)
    assert p.returncode in (0, 1), p.stderr[-2000:]
    parent = set(json.loads(Path(f"{dump}.parent").read_text()))
    worker = set(json.loads(Path(f"{dump}.worker").read_text()))
    assert "scope_check.cli.main" in parent and "scope_check.engine.runner" in worker  # both processes seen
    return parent | worker


def _heavy(modules: set) -> list:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in NOT_ON_THE_CHECK_PATH))


def test_a_plain_check_imports_no_module_it_does_not_need(tmp_path):
    modules = _imported_by_a_check(tmp_path, TWO_PAGES)
    assert {"click", "pymupdf", "scope_check.engine.runner", "scope_check.output.text"} <= modules
    assert _heavy(modules) == []
    assert "_hashlib" not in modules  # OpenSSL: not loaded to hash a small file (safety.limits.OWN_SHA256_BYTES)


@pytest.mark.parametrize("size", [0, 1, 65_537, "limit", "above", 3_000_000])
def test_a_files_sha256_is_hashlibs_whichever_implementation_hashes_it(tmp_path, monkeypatch, size):
    import hashlib

    from scope_check.safety import limits

    size = {"limit": limits.OWN_SHA256_BYTES, "above": limits.OWN_SHA256_BYTES + 1}.get(size, size)
    data = os.urandom(size)
    path = tmp_path / "file.pdf"
    path.write_bytes(data)
    own = []
    if limits._OWN_SHA256 is not None:
        real = limits._OWN_SHA256
        monkeypatch.setattr(limits, "_OWN_SHA256", lambda: own.append(1) or real())
    for openssl_loaded in (True, False):
        if not openssl_loaded:
            monkeypatch.delitem(sys.modules, "_hashlib", raising=False)  # as in a fresh process
        own.clear()
        with limits.opened(str(path)) as fh:
            assert fh.sha256() == hashlib.sha256(data).hexdigest()
        expected = limits._OWN_SHA256 is not None and not openssl_loaded and size <= limits.OWN_SHA256_BYTES
        assert bool(own) is expected


def test_a_failing_paper_with_json_output_imports_only_the_json_formatter_beyond_that(tmp_path):
    modules = _imported_by_a_check(tmp_path, FIXTURES / "example" / "draft_with_problems.pdf", "--format", "json")
    assert "scope_check.output.json" in modules
    assert _heavy(modules) == ["scope_check.output.json"]


def test_the_package_compiles_its_own_patterns_only_when_they_are_used():
    """Importing the checks and preparing the worker compiles none of the package's module-level
    patterns (safety.safe_patterns.lazy); the check of a short paper then compiles the ones it uses."""
    code = ("import re\n"
            "from scope_check.cli import check\n"
            "from scope_check.engine import isolation, runner\n"
            "from scope_check.checks import load_rules\n"
            "from scope_check.safety.safe_patterns import declared_lazy\n"
            "isolation.prepare()\n"
            "before = sum(p.is_compiled for p in declared_lazy())\n"
            f"runner.check_file({str(TWO_PAGES)!r}, load_rules('scope2025-main'), runner.Selection())\n"
            "print(len(declared_lazy()), before, sum(p.is_compiled for p in declared_lazy()))\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True, timeout=120)
    declared, before, after = map(int, p.stdout.split())
    assert declared > 50 and before == 0 and 0 < after < declared


#: modules that still compile patterns as they are imported (`re.compile` outside any function): the
#: others declare theirs with `safety.safe_patterns.lazy`, compiled when first used
COMPILED_AT_IMPORT = {
    "analysis/layout.py", "analysis/structure.py", "batch/canary.py", "batch/dedup.py", "batch/inputs.py",
    "model/loader.py", "model/visibility.py",
    "supplement/runner.py", "supplement/vcs.py",
}


def test_no_other_module_compiles_a_pattern_as_it_is_imported():
    import ast

    package = ROOT / "scope_check"
    eager = set()
    for path in sorted(package.rglob("*.py")):
        stack = [(node, False) for node in ast.parse(path.read_text(encoding="utf-8")).body]
        while stack:
            node, in_function = stack.pop()
            if (not in_function and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "compile" and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"):
                eager.add(path.relative_to(package).as_posix())
            inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    assert "safety/safe_patterns.py" not in eager and "checks/anonymity/self_citation.py" not in eager
    assert sorted(eager - COMPILED_AT_IMPORT) == []


# --- the patterns' compiled code kept between processes (safety.safe_patterns) --------------------

def _pattern_cache_env(prefix: Path, write: bool = True) -> dict:
    """A process whose bytecode caches, and so the patterns' cache, live under `prefix`."""
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(prefix))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _report(env: dict, pdf: Path) -> tuple:
    import json

    p = subprocess.run([sys.executable, "-m", "scope_check", str(pdf), "--format", "json"], capture_output=True,
                       text=True, cwd=ROOT, timeout=120, env=env)
    assert "Traceback" not in p.stderr, p.stderr
    report = json.loads(p.stdout)
    for f in report["files"]:
        f.pop("elapsed_s")
    return p.returncode, report


def test_the_patterns_compiled_code_is_kept_between_processes_and_changes_no_finding(tmp_path):
    """The first check writes the compiled code of the patterns it used beside the bytecode; the next
    process builds each pattern from it (re.compile is not called for them), equal (`==`: the same text,
    flags and compiled code) to what re.compile makes, and the report is the same, as it is when the
    cache file is damaged (read as no cache, then written again) or when bytecode is not written."""
    pdf = FIXTURES / "example" / "draft_with_problems.pdf"
    prefix = tmp_path / "pycache"
    expected = _report(_pattern_cache_env(tmp_path / "none", write=False), pdf)  # no cache read or written
    assert not list((tmp_path / "none").rglob("*.patterns"))
    assert _report(_pattern_cache_env(prefix), pdf) == expected  # the cache written ...
    (cache,) = prefix.rglob("safe_patterns.*.patterns")
    assert _report(_pattern_cache_env(prefix), pdf) == expected  # ... and read
    driver = ("import re, sys\n"
              "from scope_check.safety import safe_patterns\n"
              "cached = safe_patterns._read_file(safe_patterns.pattern_cache_path())\n"
              "calls = []\n"
              "real = re.compile\n"
              "re.compile = lambda *a, **k: calls.append(a) or real(*a, **k)\n"
              "built = {key: safe_patterns.compile_pattern(*key) for key in cached}\n"
              "re.compile = real\n"
              "assert not calls, calls\n"
              "assert all(p == re.compile(*key) and p.groupindex == re.compile(*key).groupindex\n"
              "           for key, p in built.items())\n"
              "print(len(built))\n")
    p = subprocess.run([sys.executable, "-c", driver], capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env=_pattern_cache_env(prefix))
    assert p.returncode == 0, p.stderr
    assert int(p.stdout) > 30  # the patterns of a check of a paper: the package's and the rules'
    for damage in (b"", b"not marshal data", cache.read_bytes()[:-100], cache.read_bytes()[:-1] + b"\x00"):
        cache.write_bytes(damage)
        assert _report(_pattern_cache_env(prefix), pdf) == expected
        assert cache.read_bytes() != damage  # written again, whole
    fresh = tmp_path / "fresh"
    assert _report(_pattern_cache_env(fresh, write=False), pdf) == expected
    assert not list(fresh.rglob("*.patterns"))  # python -B, PYTHONDONTWRITEBYTECODE: nothing written


def test_a_pattern_cache_of_another_interpreter_is_not_read(tmp_path, monkeypatch):
    import marshal
    import zlib

    from scope_check.safety import safe_patterns

    path = tmp_path / "safe_patterns.patterns"
    source, flags = r"(?P<n>\d+)\s+pages?", 2
    compiled = re.compile(source, flags)
    entry = safe_patterns._entry(source, flags, compiled)
    assert entry is not None and safe_patterns._build(source, entry) == compiled
    payload = marshal.dumps({(source, flags): entry})
    for stamp, good in ((safe_patterns._stamp(), True), ((1, "3.99.0 (other)") + safe_patterns._stamp()[2:], False),
                        (safe_patterns._stamp()[:3] + (0,) + safe_patterns._stamp()[4:], False)):
        path.write_bytes(marshal.dumps((stamp, zlib.crc32(payload), payload)))
        assert bool(safe_patterns._read_file(str(path))) is good
    path.write_bytes(marshal.dumps((safe_patterns._stamp(), zlib.crc32(payload) ^ 1, payload)))
    assert safe_patterns._read_file(str(path)) == {}  # damaged on disk
    assert safe_patterns._build(source, (entry[0], b"\xff" * 8) + entry[2:]) is None  # code re refuses


def test_a_users_rules_file_brings_jsonschema_back(tmp_path):
    own = tmp_path / "mine.yaml"
    own.write_text("name: mine\nextends: scope2025-main\n")
    modules = _imported_by_a_check(tmp_path, TWO_PAGES, "--rules", own)
    assert {"jsonschema", "yaml"} <= modules  # the control: the test sees an import when there is one


# --- the end of the process ----------------------------------------------------------------------

def _command(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "scope_check", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, **kwargs)


def test_the_command_ends_at_once_with_its_exit_code_and_every_byte_of_its_report(tmp_path):
    good = _command(TWO_PAGES, "--format", "json")
    assert good.returncode == 0 and good.stdout.endswith("}\n") and '"pass": 1' in good.stdout
    bad = _command(FIXTURES / "example" / "draft_with_problems.pdf", "--format", "json", "-o", tmp_path / "r.json")
    assert bad.returncode == 1 and bad.stdout == ""
    assert (tmp_path / "r.json").read_text(encoding="utf-8").endswith("}\n")
    usage = _command(TWO_PAGES, "--rules", "scope2026-main")
    assert usage.returncode == 2 and "unknown rule set" in usage.stderr


def test_a_reader_that_goes_away_does_not_turn_into_a_traceback():
    p = subprocess.run(f"{sys.executable} -m scope_check {FIXTURES / 'example' / 'draft_with_problems.pdf'} {TWO_PAGES}"
                       " | head -c 10", shell=True, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert len(p.stdout) == 10
    assert "Traceback" not in p.stderr and "Exception ignored" not in p.stderr, p.stderr


def test_main_called_from_python_still_raises_system_exit_after_a_check():
    code = ("import sys\nfrom scope_check.cli.main import main\n"
            f"sys.argv = ['scope-check', {str(TWO_PAGES)!r}]\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    print('after the check', exc.code)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0 and p.stdout.strip().endswith("after the check 0"), p.stderr
