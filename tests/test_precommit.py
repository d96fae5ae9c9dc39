"""The pre-commit hook, tried as a user would: `pre-commit try-repo` on a scratch repository.

pre-commit installs the hook's package into its own environment with pip, so this needs the
configured package index (for scope-check's dependencies); nothing else is fetched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import FIXTURES, ROOT

HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def test_the_hook_runs_on_pdfs_only():
    (hook,) = HOOKS
    assert hook["id"] == "scope-check" and hook["types"] == ["pdf"] and hook["language"] == "python"


def git(cwd, *args):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def precommit_home(tmp_path_factory):
    exe = shutil.which("pre-commit") or os.path.join(os.path.dirname(sys.executable), "pre-commit")
    if not os.path.exists(exe) or shutil.which("git") is None:
        pytest.skip("pre-commit or git is not installed")
    return exe, tmp_path_factory.mktemp("pre-commit-home")


def try_repo(exe, home, repo, *files):
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", SKIP="")
    return subprocess.run([exe, "try-repo", str(ROOT), "scope-check", "--files", *files, "--verbose"],
                          cwd=repo, env=env, capture_output=True, text=True, timeout=900)


def test_try_repo_fails_a_violating_paper_and_passes_a_compliant_one(tmp_path, precommit_home):
    exe, home = precommit_home
    repo = tmp_path / "paper-repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "author@example.org")
    git(repo, "config", "user.name", "An Author")
    shutil.copyfile(FIXTURES / "example" / "draft_with_problems.pdf", repo / "draft.pdf")
    shutil.copyfile(FIXTURES / "pages" / "main_refs_top_p6.pdf", repo / "final.pdf")
    (repo / "notes.txt").write_text("not a PDF: the hook never sees it\n")
    git(repo, "add", ".")
    bad = try_repo(exe, home, repo, "draft.pdf", "notes.txt")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "draft.pdf: FAIL" in bad.stdout and "ANON003" in bad.stdout
    assert "notes.txt" not in bad.stdout.split("scope-check (submission-format rules)")[-1]
    good = try_repo(exe, home, repo, "final.pdf")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout
