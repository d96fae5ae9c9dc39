"""One command-line toolkit: every subcommand takes --select/--ignore/--rules/the limits from the same
declarations (scope_check/cli/options.py), validated the same way, with defaults declared once.

A selection that names no check is a usage error (exit 2) with the nearest codes or the families,
in every subcommand that takes one: `batch DIR --select XYZ001` used to screen a whole venue with no
check at all and exit 0."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, ROOT
from scope_check import DEFAULT_RULES, RULES_ENV
from scope_check.batch.store import DB_NAME, Store
from scope_check.cli import options
from scope_check.cli.main import LAZY_COMMANDS, cli, load_command

PDF = FIXTURES / "pages" / "tiny_compliant.pdf"
SUPPLEMENT = FIXTURES / "supplement" / "anonymised.zip"
CLI_DIR = ROOT / "scope_check" / "cli"


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


@pytest.fixture
def venue(tmp_path) -> Path:
    """A folder of submissions, as `batch` screens it."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    shutil.copyfile(PDF, folder / "101.pdf")
    shutil.copyfile(FIXTURES / "pages" / "main_spill_p6.pdf", folder / "102.pdf")
    return folder


def _says_unknown(output: str, option: str, word: str) -> bool:
    return (f"Invalid value for '{option}'" in output and f"no check code or prefix {word!r}" in output
            and ("did you mean" in output or "known families" in output))


# --- the command, as a user runs it ------------------------------------------------------

@pytest.mark.parametrize("option, word", [("--select", "XYZ001"), ("--select", "PAEG"), ("--ignore", "PAEG")])
def test_batch_with_a_selection_that_names_no_check_exits_2_before_screening_anything(venue, tmp_path, option, word):
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "scope_check", "batch", str(venue), "--out", str(out), option, word,
                        "--progress", "none"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 2, p.stderr
    assert _says_unknown(p.stderr, option, word), p.stderr
    assert "files:" not in p.stderr and not out.exists()  # nothing screened, no database, no reports


def test_a_typo_of_a_family_names_the_family():
    result = run("batch", FIXTURES / "pages", "--out", "unused", "--select", "PAEG")
    assert result.exit_code == 2 and "did you mean PAGE" in result.output


# --- every subcommand that takes a selection --------------------------------------------------

def _invocations(tmp_path):
    """Each subcommand that takes --select/--ignore, with real arguments apart from the selection."""
    return {
        "check": ["check", PDF],
        "batch": ["batch", FIXTURES / "pages", "--out", tmp_path / "out", "--progress", "none"],
        "supplement": ["supplement", SUPPLEMENT],
    }


def _commands_with(name: str):
    return sorted(cmd for cmd in LAZY_COMMANDS if any(p.name == name for p in load_command(cmd).params))


def test_the_table_below_covers_every_subcommand_that_takes_a_selection(tmp_path):
    assert _commands_with("select") == _commands_with("ignore") == sorted(_invocations(tmp_path))


@pytest.mark.parametrize("command", ["check", "batch", "supplement"])
@pytest.mark.parametrize("option, word", [("--select", "XYZ001"), ("--select", "PAEG"), ("--ignore", "PAEG"),
                                          ("--select", "PAGE,NOPE")])
def test_every_subcommand_refuses_a_selection_that_names_no_check(tmp_path, command, option, word):
    args = _invocations(tmp_path)[command]
    result = run(*args, option, word)
    bad = word.split(",")[-1]
    assert result.exit_code == 2, result.output
    assert _says_unknown(result.output, option, bad), result.output
    assert not (tmp_path / "out").exists()


def test_supplement_with_select_xyz001_exits_2_as_a_user_runs_it():
    p = subprocess.run([sys.executable, "-m", "scope_check", "supplement", str(SUPPLEMENT), "--select", "XYZ001"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 2 and _says_unknown(p.stderr, "--select", "XYZ001"), p.stderr


def test_check_with_select_xyz001_exits_2_as_a_user_runs_it():
    p = subprocess.run([sys.executable, "-m", "scope_check", str(PDF), "--select", "XYZ001"],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert p.returncode == 2 and _says_unknown(p.stderr, "--select", "XYZ001"), p.stderr


def test_rules_takes_codes_the_same_way():
    result = run("rules", "PAEG")
    assert result.exit_code == 2 and "did you mean PAGE" in result.output
    both = run("rules", "page001,font003")
    assert both.exit_code == 0 and "PAGE001 page-limit" in both.output and "FONT003" in both.output


def test_valid_selections_are_normalised_the_same_way_everywhere(venue, tmp_path):
    """Lower case, comma lists and repeated options: one tuple of upper-case codes."""
    result = run(PDF, "--select", "page, file", "--select", "font001", "--ignore", "page002", "--format", "json")
    assert result.exit_code == 0, result.output
    assert run("supplement", SUPPLEMENT, "--select", "supp001,supp003").exit_code == 0
    out = tmp_path / "out"
    screened = run("batch", venue, "--out", out, "--select", "page001", "--progress", "none", "--no-first-pages")
    assert screened.exit_code == 1 and "2 files: 1 pass, 1 fail" in screened.output  # 102 spills onto p.6
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all("PAGE001" not in r["skipped"] and "FONT001" in r["skipped"] for r in rows)
    store = Store(str(out / DB_NAME))
    try:
        assert (store.last_settings()["select"], store.last_settings()["ignore"]) == (["PAGE001"], [])
    finally:
        store.close()


# --- the same declarations, the same defaults ------------------------------------------------

def _param(command: str, name: str):
    (param,) = [p for p in load_command(command).params if p.name == name]
    return param


def test_every_selection_option_is_the_one_declaration():
    for command in _commands_with("select"):
        for name in ("select", "ignore"):
            param = _param(command, name)
            assert param.type is options.CODES and param.multiple, (command, name)


def test_the_pdf_argument_takes_any_path():
    """No existence, kind or permission check while the arguments are parsed: every path gets its
    own row from the runner (tests/test_cli.py runs an unreadable file among others as a user who
    cannot read it)."""
    param = _param("check", "pdfs")
    assert param.type is options.ANY_PATH and param.nargs == -1 and param.required
    path = options.ANY_PATH
    assert not (path.exists or path.readable or path.writable or path.executable)
    assert path.file_okay and path.dir_okay


def test_the_rules_option_has_one_default_and_one_environment_variable():
    commands = _commands_with("rules_spec")
    assert set(commands) >= {"check", "rules", "batch", "supplement"}
    for command in commands:
        param = _param(command, "rules_spec")
        assert (param.default, param.envvar) == (DEFAULT_RULES, RULES_ENV), command


def test_the_limits_and_the_near_duplicate_threshold_are_declared_once():
    from scope_check.batch.dedup import DEFAULT_THRESHOLD
    from scope_check.engine.isolation import DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIME_LIMIT

    assert _commands_with("time_limit") == _commands_with("memory_limit") == ["batch", "check"]
    for command in ("batch", "check"):
        assert _param(command, "time_limit").default == DEFAULT_TIME_LIMIT
        assert _param(command, "memory_limit").default == DEFAULT_MEMORY_LIMIT_MB
    assert _commands_with("near_duplicate") == ["batch", "merge", "report"]
    for command in ("batch", "merge", "report"):
        assert _param(command, "near_duplicate").default == DEFAULT_THRESHOLD


@pytest.mark.parametrize("args", [["--time-limit", "-1"], ["--memory-limit", "-5"]])
def test_a_negative_limit_is_a_usage_error_in_check_and_batch(tmp_path, args):
    assert run(PDF, *args).exit_code == 2
    result = run("batch", FIXTURES / "pages", "--out", tmp_path / "out", *args)
    assert result.exit_code == 2 and not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["check", "batch", "supplement", "rules"])
def test_invalid_rules_from_the_environment_exit_2_naming_the_variable(tmp_path, command):
    args = {**_invocations(tmp_path), "rules": ["rules"]}[command]
    result = run(*args, env={RULES_ENV: "scope2026-main"})
    assert result.exit_code == 2, result.output
    assert f"invalid rules (from the environment variable {RULES_ENV}=scope2026-main)" in result.output


# --- the toolkit's own shape: one ToolError, no private names across modules, no cycles ------------

def _modules():
    return {path.stem: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(CLI_DIR.glob("*.py"))}


def test_tool_error_is_defined_once():
    defined = [name for name, tree in _modules().items() for node in ast.walk(tree)
               if isinstance(node, ast.ClassDef) and node.name == "ToolError"]
    assert defined == ["options"]


def test_no_cli_module_imports_another_modules_private_name():
    private = [(name, node.module, alias.name) for name, tree in _modules().items() for node in ast.walk(tree)
               if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("scope_check")
               for alias in node.names if alias.name.startswith("_") and not alias.name.endswith("__")]
    assert private == []


def _top_level_cli_imports(tree) -> set:
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("scope_check.cli"):
            found.add(node.module.rsplit(".", 1)[-1] if node.module != "scope_check.cli" else "")
            if node.module == "scope_check.cli":
                found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.rsplit(".", 1)[-1] for a in node.names if a.name.startswith("scope_check.cli.")}
    return found - {""}


def test_the_cli_modules_import_one_way():
    """main -> process; commands -> options (and process); options -> nothing of cli. No cycle."""
    graph = {name: _top_level_cli_imports(tree) for name, tree in _modules().items()}
    assert graph["options"] == set() and graph["process"] == set()
    assert graph["main"] == {"process"}
    seen, done = set(), set()

    def visit(node, path):
        assert node not in seen - done, f"import cycle: {' -> '.join(path + [node])}"
        if node in done:
            return
        seen.add(node)
        for nxt in graph.get(node, ()):
            visit(nxt, path + [node])
        done.add(node)

    for name in graph:
        visit(name, [])


def test_the_command_modules_are_the_lazy_table():
    modules = {target.split(":")[0].rsplit(".", 1)[-1] for target in LAZY_COMMANDS.values()}
    assert modules == {"check", "rules", "batch", "supplement"}
    assert set(LAZY_COMMANDS) == {"check", "rules", "batch", "report", "merge", "supplement"}


def test_version_imports_no_subcommand():
    code = ("import sys; from scope_check.cli.main import main; sys.argv=['scope-check','--version']\n"
            "try: main()\nexcept SystemExit: pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('scope_check.')))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env={k: v for k, v in os.environ.items() if k != RULES_ENV})
    # the command table, the process's end and the collector's pause (standard library only): no subcommand
    assert p.stdout.strip().splitlines()[-1] == ("['scope_check.cli', 'scope_check.cli.main', 'scope_check.cli.process', "
                                                 "'scope_check.safety', 'scope_check.safety.collector']")


def test_the_action_loads_its_rules_input_the_same_way(tmp_path):
    """The Action's entry reads --rules' default and refuses a rule set as the command line does."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "SCOPE_CHECK_"))}
    env.update(GITHUB_OUTPUT=str(tmp_path / "output.txt"), SCOPE_CHECK_INPUT_PDF=str(PDF),
               SCOPE_CHECK_INPUT_RULES="scope2026-main")
    p = subprocess.run([sys.executable, "-m", "scope_check.cli.action"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 2 and p.stdout.startswith("::error title=scope-check::invalid rules: unknown rule set"), p.stdout
    del env["SCOPE_CHECK_INPUT_RULES"]
    p = subprocess.run([sys.executable, "-m", "scope_check.cli.action"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0 and f"against {DEFAULT_RULES}" in p.stdout + (tmp_path / "output.txt").read_text(), p.stdout
