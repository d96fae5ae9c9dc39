"""The package as it ships: `python -m build` makes the sdist and, from the sdist alone, the wheel;
the rule files and the schema ship inside the wheel; the wheel, installed apart from the source
tree, runs, depends on neither numpy nor scipy, and says its version; a subset of the tests runs
from the unpacked sdist against the installed wheel (what a build leaves out is caught); and the
version is the git tag's on a tagged commit, a development version naming the commit otherwise."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

from conftest import ROOT, fixture_path
from scope_check import __version__

#: what the build must not be told from outside (a version pretended for the working tree)
_PRETEND = "SETUPTOOLS_SCM_PRETEND_VERSION"


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith((_PRETEND, "SETUPTOOLS_SCM_"))}
    env.update(extra)
    return env


def _tree_files(root) -> list:
    """The files of the source tree a build sees: git's (tracked, and untracked but not ignored)
    in a checkout, every file but caches and builds in an unpacked sdist."""
    if (root / ".git").exists() and shutil.which("git"):
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root,
                             capture_output=True, check=True).stdout
        return [name for name in out.decode("utf-8", "surrogateescape").split("\0") if name]
    skip = {"__pycache__", ".pytest_cache", ".ruff_cache", "dist", "build", ".venv"}
    return [str(p.relative_to(root)) for p in root.rglob("*")
            if p.is_file() and not skip & set(p.relative_to(root).parts)]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(sdist, wheel, folder): the working tree copied (a build writes scope_check/VERSION into its
    tree: never into the checkout the other tests import), the sdist built from the copy under this
    checkout's version, then the wheel built from the sdist alone (its PKG-INFO gives the version)."""
    for module in ("build", "hatchling", "hatch_vcs"):
        pytest.importorskip(module)
    tmp = tmp_path_factory.mktemp("build")
    tree = tmp / "tree"
    for name in _tree_files(ROOT):
        source = ROOT / name
        if source.is_file():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, tree / name)
    dist = tmp / "dist"
    p = subprocess.run([sys.executable, "-m", "build", "--sdist", "--no-isolation", "-o", str(dist), str(tree)],
                       capture_output=True, text=True, env=_clean_env(**{_PRETEND: __version__}))
    assert p.returncode == 0, p.stdout + p.stderr
    sdist = next(dist.glob("scope_check-*.tar.gz"))
    p = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", str(dist), str(sdist)],
                       capture_output=True, text=True, env=_clean_env())
    assert p.returncode == 0, p.stdout + p.stderr
    return sdist, next(dist.glob("scope_check-*.whl")), tmp


@pytest.fixture(scope="module")
def installed(built):
    _, wheel, tmp = built
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-compile", "-q",
                    "--target", str(tmp / "site"), str(wheel)], check=True, capture_output=True)
    return wheel, tmp / "site"


def test_the_wheel_contains_the_rules_and_the_schema(installed):
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    for member in ("scope_check/rules/iclr2025.yaml", "scope_check/rules/scope2025/tiny.yaml",
                   "scope_check/rules/scope2025/main.yaml", "scope_check/rules/wsl2025/extended.yaml",
                   "scope_check/rules/wsl2025/full.yaml", "scope_check/rules/bundled.cache.json",
                   "scope_check/config/rules.schema.json"):
        assert member in names


def test_the_installed_command_checks_a_pdf_with_bundled_rules(installed, tmp_path):
    _, site = installed
    env = dict(os.environ, PYTHONPATH=str(site))
    script = site / "bin" / "scope-check"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "scope_check"]
    p = subprocess.run(cmd + [fixture_path("pages/main_spill_p6.pdf"), "--rules", "scope2025-tiny", "--format", "json"],
                       capture_output=True, text=True, cwd=tmp_path, env=env)
    assert p.returncode == 1, p.stderr
    report = json.loads(p.stdout)
    assert report["rules"] == "scope2025-tiny"
    assert report["files"][0]["findings"][0]["data"]["limit"] == 2
    where = subprocess.run([sys.executable, "-c", "import scope_check.config.rules as r; print(r.bundled_dir())"],
                           capture_output=True, text=True, cwd=tmp_path, env=env).stdout
    assert where.strip().startswith(str(site))


def test_the_installed_package_reads_its_bundled_rules_from_the_cache(installed, tmp_path):
    _, site = installed
    env = dict(os.environ, PYTHONPATH=str(site))
    code = ("import sys\nimport scope_check.checks as r\nrules = r.load_rules('scope2025-tiny')\n"
            "print(rules.options('PAGE001')['max_pages'], 'yaml' in sys.modules, 'jsonschema' in sys.modules)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert p.stdout.split() == ["2", "False", "False"], p.stderr


def test_the_wheel_says_the_version_it_was_built_with(built, installed, tmp_path):
    sdist, wheel, _ = built
    _, site = installed
    with tarfile.open(sdist) as tar:
        pkg_info = tar.extractfile(f"{sdist.name[:-len('.tar.gz')]}/PKG-INFO").read().decode()
    version = re.search(r"^Version: (.+)$", pkg_info, re.M).group(1)
    assert version == __version__ and wheel.name.startswith(f"scope_check-{version}-")
    assert zipfile.ZipFile(wheel).read("scope_check/VERSION").decode().strip() == version
    p = subprocess.run([sys.executable, "-m", "scope_check", "--version"], capture_output=True, text=True,
                       cwd=tmp_path, env=_clean_env(PYTHONPATH=str(site)))
    assert p.stdout.strip() == f"scope-check {version}", p.stderr
    report = subprocess.run([sys.executable, "-m", "scope_check", fixture_path("pages/tiny_compliant.pdf"),
                             "--rules", "scope2025-tiny", "--format", "sarif"], capture_output=True, text=True,
                            cwd=tmp_path, env=_clean_env(PYTHONPATH=str(site)))
    assert json.loads(report.stdout)["runs"][0]["tool"]["driver"]["version"] == version


def _requirements(lines) -> list:
    """The requirements of Requires-Dist values that apply without an extra."""
    from packaging.requirements import Requirement

    out = []
    for text in lines or ():
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            out.append(req)
    return out


def test_the_wheels_dependency_tree_has_neither_numpy_nor_scipy(installed):
    """Every distribution the wheel needs, and theirs in turn, read from the metadata of what this
    environment has installed (the same names a clean install resolves; no index is asked)."""
    from importlib import metadata

    from packaging.utils import canonicalize_name

    wheel, _ = installed
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        direct = _requirements(line.split(":", 1)[1].strip() for line in zf.read(name).decode().splitlines()
                               if line.startswith("Requires-Dist:"))
    assert sorted(canonicalize_name(r.name) for r in direct) == ["click", "jsonschema", "pymupdf", "pyyaml", "tqdm"]
    seen, todo = set(), list(direct)
    while todo:
        req = todo.pop()
        key = canonicalize_name(req.name)
        if key in seen:
            continue
        seen.add(key)
        try:
            todo.extend(_requirements(metadata.requires(req.name)))
        except metadata.PackageNotFoundError:
            pass  # not installed here, so not a dependency this environment could show
    assert not seen & {"numpy", "scipy", "datasketch"}, sorted(seen)


def test_tests_run_from_the_unpacked_sdist_against_the_installed_wheel(built, installed, tmp_path):
    """A subset of the suite, run from the sdist's own tests, fixtures and rules with the package
    imported from the installed wheel (not from the sdist's source): a file a build leaves out fails."""
    sdist, _, _ = built
    _, site = installed
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp_path, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(tmp_path)
    unpacked = tmp_path / sdist.name[:-len(".tar.gz")]
    for needed in ("tests/conftest.py", "fixtures/manifest.yaml", "rules/iclr2025.yaml", "docs/RULES.md",
                   "README.md", "action.yml", "Dockerfile"):
        assert (unpacked / needed).is_file(), f"the sdist lacks {needed}"
    env = _clean_env(PYTHONPATH=str(site))
    where = subprocess.run([sys.executable, "-c", "import scope_check; print(scope_check.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, env=env).stdout
    assert where.startswith(str(site)), where
    tests = unpacked / "tests"
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(unpacked),
                        str(tests / "test_layers.py"), f"{tests / 'test_docs.py'}::test_relative_links_resolve",
                        f"{tests / 'test_fixtures.py'}::test_fixture_yields_exactly_its_codes"
                        "[example/draft_with_problems.pdf@scope2025-main]"],
                       cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
    assert re.search(r"\d+ passed", p.stdout) and "skipped" not in p.stdout.splitlines()[-1], p.stdout[-500:]


def _git(cwd, *args) -> str:
    return subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", *args], cwd=cwd,
                          capture_output=True, text=True, check=True, env=_clean_env()).stdout.strip()


def test_the_version_is_the_tags_on_a_tagged_commit_and_a_dev_version_otherwise(tmp_path):
    for module in ("build", "hatchling", "hatch_vcs"):
        pytest.importorskip(module)
    if not (ROOT / ".git").exists() or not shutil.which("git"):
        pytest.skip("not a git checkout")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "--quiet", "--no-tags", str(ROOT), str(clone))
    builds = iter(range(10))

    def built_version() -> str:
        out = tmp_path / f"dist{next(builds)}"
        p = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", str(out), str(clone)],
                           capture_output=True, text=True, env=_clean_env())
        assert p.returncode == 0, p.stdout + p.stderr
        wheel = next(out.glob("scope_check-*.whl"))
        return zipfile.ZipFile(wheel).read("scope_check/VERSION").decode().strip()

    head = _git(clone, "rev-parse", "--short=7", "HEAD")
    untagged = built_version()
    assert re.fullmatch(rf"0\.1\.dev\d+\+g{head}[0-9a-f]*", untagged), untagged
    _git(clone, "tag", "v9.8.7")
    assert built_version() == "9.8.7"
    _git(clone, "commit", "--quiet", "--allow-empty", "-m", "after the release")
    head = _git(clone, "rev-parse", "--short=7", "HEAD")
    assert re.fullmatch(rf"9\.8\.8\.dev1\+g{head}[0-9a-f]*", built_version())
