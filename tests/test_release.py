"""The release machinery as files (the workflows cannot run here): the release workflow builds and
checks before anything is published, each job holds only the permissions it needs, PyPI is reached
by trusted publishing; the container image is the wheel on Python's slim image, run unprivileged;
the documentation's recipes use what the workflow publishes."""

from __future__ import annotations

import re

import yaml

from conftest import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def load(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


RELEASE = load(WORKFLOWS / "release.yml")
CI = load(WORKFLOWS / "ci.yml")


def steps_text(job: dict) -> str:
    return "\n".join(str(step.get("run", "")) + " " + str(step.get("uses", "")) for step in job["steps"])


def test_a_release_runs_on_a_version_tag_only():
    assert RELEASE["on"] == {"push": {"tags": ["v*.*.*"]}}


def test_nothing_is_published_before_the_build_and_its_checks_pass():
    jobs = RELEASE["jobs"]
    build = steps_text(jobs["build"])
    assert "bash .ci/package" in build and 'EXPECT_VERSION="${GITHUB_REF_NAME#v}"' in build
    assert "docker build" in build and "docker run" in build  # the image tried before any push
    assert jobs["pypi"]["needs"] == "build" and jobs["image"]["needs"] == "build"
    assert set(jobs["action"]["needs"]) == {"pypi", "image"}
    checkout = next(s for s in jobs["build"]["steps"] if str(s.get("uses", "")).startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0  # the tags: the version is made from them


def test_each_job_has_only_the_permissions_it_needs():
    assert RELEASE["permissions"] == {"contents": "read"}
    jobs = RELEASE["jobs"]
    assert "permissions" not in jobs["build"]
    assert jobs["pypi"]["permissions"] == {"id-token": "write"}  # trusted publishing, nothing else
    assert jobs["pypi"]["environment"]["name"] == "pypi"
    assert any(str(s.get("uses", "")).startswith("pypa/gh-action-pypi-publish@") for s in jobs["pypi"]["steps"])
    assert not any("password" in (s.get("with") or {}) for s in jobs["pypi"]["steps"])  # no stored token
    assert jobs["image"]["permissions"] == {"contents": "read", "packages": "write"}
    assert jobs["action"]["permissions"] == {"contents": "write"}
    for name, job in jobs.items():
        if name != "pypi":
            assert "id-token" not in (job.get("permissions") or {}), name
        for step in job["steps"]:
            assert "${{" not in str(step.get("run", "")), (name, step)  # expressions only through env
            if str(step.get("uses", "")).startswith("actions/checkout"):
                assert step["with"]["persist-credentials"] is False, name


def test_the_image_is_pushed_to_the_github_registry_under_the_version():
    image = steps_text(RELEASE["jobs"]["image"])
    assert 'image="ghcr.io/${GITHUB_REPOSITORY,,}"' in image and 'docker push "$image:$version"' in image


def test_the_dockerfile_installs_the_wheel_and_runs_scope_check_unprivileged():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    instructions = [line.split(None, 1) for line in text.splitlines() if line and not line.startswith(("#", " "))]
    keywords = [i[0] for i in instructions]
    assert instructions[0] == ["FROM", "python:3.11-slim"]
    assert ["COPY", "dist/*.whl /tmp/dist/"] in instructions
    run = text[text.index("RUN "):]
    assert "pip install /tmp/dist/*.whl" in run and "useradd" in run
    user = next(i[1] for i in instructions if i[0] == "USER")
    assert user.strip() not in ("root", "0")
    assert ["ENTRYPOINT", '["scope-check"]'] in instructions
    assert keywords.index("USER") > keywords.index("RUN")
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ignored[-2:] == ["*", "!dist/*.whl"]  # the build context is the wheel alone


def test_ci_builds_the_package_and_the_image_on_every_push():
    package = steps_text(CI["jobs"]["package"])
    assert "bash .ci/package" in package and "docker build" in package
    assert "scope-check:ci batch" in package  # the batch's forked workers run in the container


def test_the_recipes_use_what_the_release_publishes():
    batch = (ROOT / "docs" / "batch.md").read_text(encoding="utf-8")
    kubernetes = batch[batch.index("Kubernetes indexed Job"):]
    assert re.search(r"image: ghcr\.io/OWNER/scope-check:X\.Y\.Z\n", kubernetes)
    assert "pip install" not in kubernetes.split("```")[1]  # the image needs no install step
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    install = readme[readme.index("## Install"):readme.index("## Authors")]
    assert "pip install scope-check" in install and "git+https://github.com/OWNER/scope-check@TAG" in install
    assert "ghcr.io/OWNER/scope-check:X.Y.Z" in install
    assert "docs/performance.md#install-size" in install


def test_the_package_script_builds_the_wheel_from_the_sdist_and_tests_the_sdist():
    script = (ROOT / ".ci" / "package").read_text(encoding="utf-8")
    assert "-m build -o dist ." in script  # python -m build: the sdist, then the wheel from it
    assert 'install -q "$wheel"' in script and 'install -q "$root/$sdist[test]"' in script
    assert "numpy|scipy" in script and "-m pytest" in script
