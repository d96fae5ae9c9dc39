"""The rule files and the schema ship inside the wheel: build it, install it apart from the source
tree, and run the installed command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT, fixture_path


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    pytest.importorskip("hatchling")
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp / "dist"), str(ROOT)], check=True, capture_output=True)
    wheel = next((tmp / "dist").glob("scope_check-*.whl"))
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
