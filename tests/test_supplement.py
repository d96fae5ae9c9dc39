"""`scope-check supplement`: identity leaks in supplementary archives, read in place.

The archives come from fixtures/supplement/generate.py (committed); edge cases are made here in a
temporary folder. Each code has a fixture that triggers it and a near miss that does not."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile

import pytest
import yaml

from conftest import FIXTURES, ROOT
from scope_check.checks import load_rules
from scope_check.engine.runner import Selection, check_file

MANIFEST = yaml.safe_load((FIXTURES / "supplement" / "manifest.yaml").read_text(encoding="utf-8"))
RULES = load_rules("scope2025-main")


def supplement(path, rules=RULES, **selection):
    from scope_check.supplement import check_supplement

    return check_supplement(str(path), rules, Selection(**selection))


def codes(report) -> set:
    return {f.code for f in report.findings}


def by_code(report, code):
    return [f for f in report.findings if f.code == code]


def make_zip(path, files: dict, modes: dict = None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if modes and name in modes:
                info.external_attr = modes[name] << 16
            zf.writestr(info, data if isinstance(data, bytes) else data.encode())
    return path


# --- the manifest ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", MANIFEST, ids=lambda c: c["archive"])
def test_supplement_fixture_yields_exactly_its_codes(case):
    report = supplement(FIXTURES / case["archive"], load_rules(case["rules"]))
    assert codes(report) == set(case["codes"]), [(f.code, f.message) for f in report.findings]
    assert report.verdict == case["verdict"]
    for code, member in (case.get("members") or {}).items():
        assert member in {f.data["member"] for f in by_code(report, code)}
    assert not codes(report) & set(case.get("near_miss_for") or ())


def test_every_finding_names_its_member_and_line_in_data_and_message():
    for case in MANIFEST:
        for f in supplement(FIXTURES / case["archive"]).findings:
            assert f.data["member"] and f.message.startswith(f.data["member"]), f.message
            if f.code in ("SUPP002", "SUPP003", "SUPP005"):
                assert isinstance(f.data["line"], int) and f":{f.data['line']}:" in f.message


def test_every_supp_code_is_triggered_by_a_committed_fixture():
    triggered = {c for case in MANIFEST for c in case["codes"]}
    assert {"SUPP001", "SUPP002", "SUPP003", "SUPP004", "SUPP005"} <= triggered


# --- SUPP001 vcs-metadata -------------------------------------------------------------------


def test_git_commit_author_read_from_loose_objects_and_the_reflog():
    (finding,) = by_code(supplement(FIXTURES / "supplement/git_loose.zip"), "SUPP001")
    assert finding.data["authors"] == ["Jane Doe <jane.doe@cs.lakeside-university.edu>"]
    assert finding.data["first"].endswith("logs/HEAD:1")


def test_git_commit_author_read_from_a_packfile_alone():
    names = [n for n in tarfile.open(FIXTURES / "supplement/git_packed.tar.gz").getnames()]
    assert any(n.endswith(".pack") for n in names) and not any("/logs/" in n for n in names)
    assert not any("/objects/" in n and not n.endswith(".pack") for n in names)
    (finding,) = by_code(supplement(FIXTURES / "supplement/git_packed.tar.gz"), "SUPP001")
    assert "Jane Doe <jane.doe@cs.lakeside-university.edu>" in finding.data["authors"]


def test_vcs_reader_parses_loose_objects_itself():
    from scope_check.supplement import vcs

    with zipfile.ZipFile(FIXTURES / "supplement/git_loose.zip") as zf:
        loose = [n for n in zf.namelist() if vcs.wants(n) == "loose"]
        people = [p for n in loose for p in vcs.people("loose", n, zf.read(n))]
    assert {(p.role, p.name) for p in people} == {("author", "Jane Doe"), ("committer", "Jane Doe")}


def test_a_git_folder_without_readable_authors_is_still_reported(tmp_path):
    path = make_zip(tmp_path / "s.zip", {"proj/.git/HEAD": "ref: refs/heads/main\n", "proj/a.py": "x = 1\n"})
    (finding,) = by_code(supplement(path), "SUPP001")
    assert finding.data["authors"] == [] and finding.data["member"] == "proj/.git"


def test_near_miss_gitignore_github_folder_and_gitlab_named_files_are_not_vcs(tmp_path):
    path = make_zip(tmp_path / "s.zip", {".gitignore": "*.pt\n", ".github/workflows/ci.yml": "on: push\n",
                                         "docs/gitlab.md": "notes\n", "my.git.txt": "x\n"})
    assert "SUPP001" not in codes(supplement(path))


def test_mercurial_folder_names_its_user(tmp_path):
    path = make_zip(tmp_path / "s.zip", {"p/.hg/hgrc": "[ui]\nusername = Jane Doe <jd@uni.edu>\n"})
    (finding,) = by_code(supplement(path), "SUPP001")
    assert finding.data["kind"] == "mercurial" and finding.data["authors"] == ["Jane Doe <jd@uni.edu>"]


# --- SUPP002 author-in-files ----------------------------------------------------------------


def test_license_holder_and_authors_file():
    found = {f.data["member"]: f for f in by_code(supplement(FIXTURES / "supplement/license_name.zip"), "SUPP002")}
    assert found["fastopt/LICENSE"].data["values"] == ["Jane Doe"] and found["fastopt/LICENSE"].data["line"] == 3
    assert "John Q. Smith" in found["fastopt/AUTHORS"].data["values"]


def test_package_metadata_names_each_author():
    found = {f.data["member"]: f.data for f in by_code(supplement(FIXTURES / "supplement/package_metadata.tar.gz"),
                                                       "SUPP002")}
    assert {"Jane Doe", "John Q. Smith"} <= set(found["fastopt/pyproject.toml"]["values"])
    assert "Jane Doe" in found["fastopt/package.json"]["values"]
    assert "Jane Doe" in found["fastopt/CITATION.cff"]["values"]
    assert found["fastopt/README.md"]["values"] == ["jane.doe@cs.lakeside-university.edu"]


def test_setup_py_and_setup_cfg_authors(tmp_path):
    path = make_zip(tmp_path / "s.zip", {
        "setup.py": "from setuptools import setup\nsetup(name='x', author='Jane Doe', author_email='jd@uni.edu')\n",
        "setup.cfg": "[metadata]\nname = x\nauthor = John Smith\n",
    })
    found = {f.data["member"]: f.data for f in by_code(supplement(path), "SUPP002")}
    assert found["setup.py"]["values"] == ["Jane Doe", "jd@uni.edu"] and found["setup.py"]["line"] == 2
    assert found["setup.cfg"]["values"] == ["John Smith"]


def test_near_miss_placeholders_license_texts_and_vendored_code_pass(tmp_path):
    path = make_zip(tmp_path / "s.zip", {
        "LICENSE": "Copyright (c) 2025 Anonymous Authors\n",
        "COPYING": " Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>\n"
                   "    Copyright (C) <year>  <name of author>\n",
        "NOTICE": "Copyright [yyyy] [name of copyright owner]\n",
        "README.md": "Author: Anonymous\nContact: contact@some-dataset.org, anonymous@example.com\n"
                     "The licensor means the copyright owner.\n",
        "setup.py": "setup(name='x', author='Anonymous', author_email='anon@example.com')\n",
        "node_modules/left-pad/LICENSE": "Copyright (c) 2014 Some Person\n",
    })
    assert "SUPP002" not in codes(supplement(path)), supplement(path).findings


# --- SUPP003 user-path ----------------------------------------------------------------------


def test_home_path_in_a_notebook_output_cell():
    (finding,) = by_code(supplement(FIXTURES / "supplement/notebook_home_path.zip"), "SUPP003")
    assert finding.data["users"] == ["jdoe"]
    nb = json.loads(zipfile.ZipFile(FIXTURES / "supplement/notebook_home_path.zip").read("fastopt/notebooks/train.ipynb"))
    assert "/home/jdoe/" in nb["cells"][0]["outputs"][0]["text"][0]  # the path is in an output, not the code
    assert "/home/jdoe" not in "".join(nb["cells"][0]["source"])


@pytest.mark.parametrize("text, user", [
    ("DATA = r'C:\\Users\\jdoe\\data'\n", "jdoe"),
    ('{"path": "C:\\\\Users\\\\Jane.Doe\\\\runs"}\n', "Jane.Doe"),
    ("root: /Users/janedoe/Projects/x\n", "janedoe"),
    ("cd /home/jdoe/work && python train.py\n", "jdoe"),
])
def test_user_paths_in_code_and_configs(tmp_path, text, user):
    path = make_zip(tmp_path / "s.zip", {"cfg/run.txt": "first line\n" + text})
    (finding,) = by_code(supplement(path), "SUPP003")
    assert finding.data["users"] == [user] and finding.data["line"] == 2


def test_near_miss_generic_home_paths_pass(tmp_path):
    path = make_zip(tmp_path / "s.zip", {"run.sh": "cd /home/user/x\ncd ~/x\ncd $HOME/x\ncd /home/$USER/x\n"
                                                   "cd /home/ubuntu/x\nC:\\Users\\USERNAME\\x\n/home/jovyan/work\n"
                                                   "see https://example.com/home/about/ and /data/home/\n"})
    assert "SUPP003" not in codes(supplement(path))


# --- SUPP004 document-metadata --------------------------------------------------------------


def test_office_creator_and_last_editor():
    (finding,) = by_code(supplement(FIXTURES / "supplement/office_creator.zip"), "SUPP004")
    assert set(finding.data["values"].values()) == {"Jane Doe", "John Q. Smith"}


def test_pdf_inside_by_the_paper_metadata_rules():
    (finding,) = by_code(supplement(FIXTURES / "supplement/pdf_author.zip"), "SUPP004")
    assert finding.data["values"] == {"/Author": "Jane Doe"}


def test_pdf_inside_subject_naming_a_person_by_the_anon005_rules(tmp_path):
    import pymupdf

    doc = pymupdf.open()
    doc.new_page()
    doc.set_metadata({"subject": "Appendix prepared by Jane Doe", "keywords": "Deep Learning, Optimization"})
    path = make_zip(tmp_path / "s.zip", {"appendix.pdf": doc.tobytes()})
    (finding,) = by_code(supplement(path), "SUPP004")
    assert finding.data["values"] == {"/Subject": "Appendix prepared by Jane Doe"}


def test_notebook_metadata_authors(tmp_path):
    nb = {"cells": [], "metadata": {"authors": [{"name": "Jane Doe"}]}, "nbformat": 4, "nbformat_minor": 5}
    path = make_zip(tmp_path / "s.zip", {"a.ipynb": json.dumps(nb, indent=1)})
    (finding,) = by_code(supplement(path), "SUPP004")
    assert finding.data["values"] == {"metadata authors": "Jane Doe"} and finding.data["line"] == 6  # its "name" line


def test_near_miss_anonymous_document_metadata_passes():
    report = supplement(FIXTURES / "supplement/anonymised.zip")
    assert report.verdict == "pass" and not report.findings
    assert report.measurements["files_read"] == report.measurements["members"]


# --- SUPP005 identifying-link ---------------------------------------------------------------


def test_links_claimed_by_metadata_remote_and_clone():
    report = supplement(FIXTURES / "supplement/package_metadata.tar.gz")
    claims = {f.data["member"]: f.data["claim"] for f in by_code(report, "SUPP005")}
    assert "metadata" in claims["fastopt/pyproject.toml"] and "clone" in claims["fastopt/README.md"]
    (remote,) = by_code(supplement(FIXTURES / "supplement/git_loose.zip"), "SUPP005")
    assert remote.data["owner"] == "github.com/janedoe"


def test_dependency_urls_in_package_metadata_are_not_claims(tmp_path):
    path = make_zip(tmp_path / "s.zip", {
        "setup.py": "setup(name='x', url='https://github.com/jdoe/x',\n"
                    "      install_requires=['lib @ git+https://github.com/other/lib'])\n",
        "package.json": '{\n  "dependencies": {"y": "git+https://github.com/other/y.git"},\n'
                        '  "repository": {"type": "git", "url": "https://github.com/jdoe/x-js"}\n}\n',
    })
    owners = {(f.data["member"], f.data["url"]) for f in by_code(supplement(path), "SUPP005")}
    assert owners == {("setup.py", "https://github.com/jdoe/x"), ("package.json", "https://github.com/jdoe/x-js")}


def test_readme_claim_phrase_is_the_anon003_policy(tmp_path):
    path = make_zip(tmp_path / "s.zip", {"README.md": "Our code is available at https://github.com/jdoe/x.\n"
                                                      "We use https://github.com/pytorch/pytorch.\n"})
    (finding,) = by_code(supplement(path), "SUPP005")
    assert finding.data["owner"] == "github.com/jdoe" and finding.data["line"] == 1


def test_near_miss_third_party_and_anonymised_links_pass(tmp_path):
    path = make_zip(tmp_path / "s.zip", {"README.md": "git clone https://github.com/facebookresearch/detectron2\n"
                                                      "Code: https://anonymous.4open.science/r/x-1234\n"
                                                      "pip install git+https://github.com/huggingface/transformers\n"})
    assert "SUPP005" not in codes(supplement(path))


def test_a_repository_named_like_the_top_folder_is_the_projects_own():
    """Issue 22 (8): "See https://github.com/USER/projectname for updates" has no claim phrase; the
    repository's name is the archive's top folder."""
    (finding,) = by_code(supplement(FIXTURES / "supplement/own_repo_link.zip"), "SUPP005")
    assert finding.severity == "error" and finding.data["owner"] == "github.com/lakeside-ml"
    assert finding.data["line"] == 10 and finding.data["claim"] == \
        'the repository is named like the project: the top folder "fastopt/"'


@pytest.mark.parametrize("files, source", [
    ({"pyproject.toml": '[project]\nname = "projectname"\nauthors = [{ name = "Anonymous" }]\n'},
     'the name "projectname" in pyproject.toml'),
    ({"pyproject.toml": '[[project.authors]]\nname = "Anonymous"\n\n[tool.poetry]\nname = "ProjectName"\n'},
     'the name "ProjectName" in pyproject.toml'),
    ({"setup.cfg": "[options]\nname = other\n[metadata]\nname = project-name\n"}, 'the name "project-name" in setup.cfg'),
    ({"setup.py": "setup(name='project_name', author='Anonymous')\n"}, 'the name "project_name" in setup.py'),
    ({"package.json": '{"author": {"name": "Anonymous"}, "name": "@lab/projectname"}'},
     'the name "projectname" in package.json'),
    ({"CITATION.cff": "cff-version: 1.2.0\ntitle: Projectname\n"}, 'the name "Projectname" in CITATION.cff'),
    ({}, 'the title "Projectname" of README.md'),
])
def test_a_repository_named_like_the_project_in_metadata_or_the_readme_title(tmp_path, files, source):
    """Files at the root (no top folder); the project's name comes from its metadata or README title."""
    readme = "# Projectname: scalable optimizers\n\nSee https://github.com/lakeside-ml/projectname for updates.\n"
    if files:
        readme = "Training code.\n\nSee https://github.com/lakeside-ml/projectname for updates.\n"
    path = make_zip(tmp_path / "s.zip", {"README.md": readme, "train.py": "x = 1\n", **files})
    (finding,) = by_code(supplement(path), "SUPP005")
    assert finding.data["claim"] == f"the repository is named like the project: {source}"
    assert finding.data["member"] == "README.md" and finding.data["line"] == 3


def test_an_archive_or_folder_named_like_the_repository(tmp_path):
    files = {"README.md": "See https://lakeside-ml.github.io/projectname for the demo.\n", "a.py": "x = 1\n"}
    (finding,) = by_code(supplement(make_zip(tmp_path / "projectname_supplementary.zip", files)), "SUPP005")
    assert finding.data["claim"] == 'the repository is named like the project: the archive ' \
        '"projectname_supplementary.zip"'
    (tmp_path / "projectname").mkdir()
    (tmp_path / "projectname" / "README.md").write_text(files["README.md"])
    (finding,) = by_code(supplement(tmp_path / "projectname"), "SUPP005")
    assert finding.data["claim"].endswith('the folder "projectname"')


def test_an_account_named_like_a_home_folder_user_is_the_authors():
    report = supplement(FIXTURES / "supplement/user_account_link.zip")
    (finding,) = by_code(report, "SUPP005")
    assert finding.data["owner"] == "github.com/jdoe" and finding.severity == "error"
    assert finding.data["claim"] == "the account is named like the user of the path /home/jdoe in " \
        "fastopt/configs/base.yaml"


@pytest.mark.parametrize("person, account", [
    ("Jane Doe <jane.doe@cs.lakeside-university.edu>", "janedoe"),  # the author's name
    ("J. Doe <jdoe@cs.lakeside-university.edu>", "jdoe"),  # the e-mail's mailbox name
    ("Jane <41234+jd-lab@users.noreply.github.com>", "jd-lab"),  # a GitHub noreply address: the login
])
def test_an_account_named_like_a_git_author_is_the_authors(tmp_path, person, account):
    reflog = f"{'0' * 40} {'1' * 40} {person} 1735689600 +0000\tcommit (initial): start\n"
    path = make_zip(tmp_path / "s.zip", {"proj/.git/logs/HEAD": reflog, "proj/.git/HEAD": "ref: refs/heads/main\n",
                                         "proj/README.md": f"Loaders from https://github.com/{account}/loaders.\n"})
    report = supplement(path)
    (finding,) = by_code(report, "SUPP005")
    assert finding.data["member"] == "proj/README.md" and "SUPP001" in codes(report)
    assert finding.data["claim"] == f'the account is named like the git committer "{person}" in proj/.git/logs/HEAD:1'


def test_an_account_named_like_the_git_remotes_owner(tmp_path):
    config = '[remote "origin"]\n\turl = https://github.com/jdoe/fastopt.git\n'
    path = make_zip(tmp_path / "s.zip", {"proj/.git/config": config,
                                         "proj/README.md": "Loaders from https://github.com/jdoe/loaders.\n"})
    found = {f.data["member"]: f.data["claim"] for f in by_code(supplement(path), "SUPP005")}
    assert found["proj/README.md"] == "the account is named like the owner of the git remote in proj/.git/config:2"


def test_near_miss_links_that_nothing_in_the_archive_ties_to_it():
    """The third-party fixture: pytorch/pytorch "for updates", an account no path or author names, a
    repository whose name only starts like the project's (fastopt, from fastopt-main/ and pyproject.toml)."""
    report = supplement(FIXTURES / "supplement/third_party_link.zip")
    assert report.findings == () and report.verdict == "pass"


def test_near_miss_report_unclaimed_lists_each_untied_account_once_as_a_warning(tmp_path):
    rules_file = tmp_path / "r.yaml"
    rules_file.write_text("name: t\nextends: scope2025-main\nchecks:\n  SUPP005: {report_unclaimed: true}\n")
    report = supplement(FIXTURES / "supplement/third_party_link.zip", load_rules(str(rules_file)))
    found = by_code(report, "SUPP005")
    assert {f.severity for f in found} == {"warning"}
    assert sorted(f.data["owner"] for f in found) == [
        "github.com/huggingface", "github.com/jdoe", "github.com/lakeside-ml", "github.com/pytorch"]  # (a dependency)


def test_near_miss_anonymised_links_and_anonymous_accounts_named_like_the_project():
    assert supplement(FIXTURES / "supplement/anonymised_link.zip").findings == ()


@pytest.mark.parametrize("files", [
    # several top folders: none of them names the project (a vendored copy of detectron2 beside the code)
    {"detectron2/setup.py": "x = 1\n", "tools/train.py": "x = 1\n",
     "README.md": "See https://github.com/facebookresearch/detectron2 for updates.\n"},
    # a generic top folder, and a vendored package's name
    {"code/README.md": "See https://github.com/lakeside-ml/code and https://github.com/facebook/react for updates.\n",
     "code/node_modules/react/package.json": '{"name": "react"}'},
    # a bot committer and a role address name nobody
    {"p/.git/logs/HEAD": f"{'0' * 40} {'1' * 40} GitHub <noreply@github.com> 1735689600 +0000\tmerge\n",
     "p/README.md": "See https://github.com/github/gitignore for templates.\n"},
    # a README title below the top folder's own README is some part's, not the project's
    {"p/README.md": "# Tools\n", "p/data/README.md": "# wikitext\n",
     "p/run.sh": "# data from https://github.com/salesforce/wikitext\n"},
])
def test_near_miss_weak_evidence_ties_nothing(tmp_path, files):
    assert "SUPP005" not in codes(supplement(make_zip(tmp_path / "s.zip", files)))


def test_one_finding_per_member_and_account(tmp_path):
    path = make_zip(tmp_path / "projectname.zip", {
        "README.md": "Our code is available at https://github.com/jdoe/projectname-core.\n"
                     "See https://github.com/jdoe/projectname for updates.\n"
                     "See https://github.com/lakeside-ml/pytorch-tools and https://github.com/lakeside-ml/projectname.\n"})
    found = sorted((f.data["owner"], f.data["line"], f.data["claim"]) for f in by_code(supplement(path), "SUPP005"))
    assert found == [("github.com/jdoe", 1, '"Our code is available"'),
                     ("github.com/lakeside-ml", 3, 'the repository is named like the project: the archive "projectname.zip"')]


def test_unclaimed_links_kept_for_the_end_are_bounded(tmp_path, monkeypatch):
    from scope_check.supplement import runner

    monkeypatch.setattr(runner, "MAX_DEFERRED_LINKS", 2)
    path = make_zip(tmp_path / "projectname.zip", {
        "README.md": "https://github.com/a/x https://github.com/b/y https://github.com/c/projectname\n"})
    assert "SUPP005" not in codes(supplement(path))


def test_report_unclaimed_lists_third_party_accounts_as_warnings(tmp_path):
    rules_file = tmp_path / "r.yaml"
    rules_file.write_text("name: t\nextends: scope2025-main\nchecks:\n  SUPP005: {report_unclaimed: true}\n")
    path = make_zip(tmp_path / "s.zip", {"README.md": "We use https://github.com/pytorch/pytorch.\n"})
    (finding,) = by_code(supplement(path, load_rules(str(rules_file))), "SUPP005")
    assert finding.severity == "warning"


def test_supplement_checks_read_their_own_parameters_not_the_papers(tmp_path):
    """SUPP005 owns its link policy (the same defaults as ANON003's): setting ANON003 changes nothing here."""
    rules_file = tmp_path / "r.yaml"
    rules_file.write_text("name: t\nextends: scope2025-main\nchecks:\n  ANON003: {report_unclaimed: true}\n")
    path = make_zip(tmp_path / "s.zip", {"README.md": "We use https://github.com/pytorch/pytorch.\n"})
    assert "SUPP005" not in codes(supplement(path, load_rules(str(rules_file))))
    assert load_rules("scope2025-main").options("SUPP005")["owner_hosts"] == \
        load_rules("scope2025-main").options("ANON003")["owner_hosts"]


# --- unreadable and unsafe input ------------------------------------------------------------


def test_not_an_archive_is_an_error_verdict(tmp_path):
    path = tmp_path / "s.zip"
    path.write_text("not a zip")
    report = supplement(path)
    assert codes(report) == {"SUPP006"} and report.verdict == "error"


@pytest.mark.parametrize("mode, suffix", [("w:bz2", ".tar.bz2"), ("w:xz", ".tar.xz"), ("w", ".tar")])
def test_every_tar_compression_is_read(tmp_path, mode, suffix):
    path = tmp_path / ("s" + suffix)
    with zipfile.ZipFile(FIXTURES / "supplement/license_name.zip") as zf, tarfile.open(path, mode) as tf:
        for name in zf.namelist():
            data = zf.read(name)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    assert {f.data["member"] for f in supplement(path).findings} == {"fastopt/LICENSE", "fastopt/AUTHORS"}


def test_a_supplementary_pdf_on_its_own_is_checked_for_its_metadata(tmp_path):
    pdf = tmp_path / "appendix.pdf"
    pdf.write_bytes(zipfile.ZipFile(FIXTURES / "supplement/pdf_author.zip").read("fastopt/docs/appendix.pdf"))
    (finding,) = supplement(pdf).findings
    assert finding.code == "SUPP004" and finding.data["member"] == "appendix.pdf"


def test_links_traversal_and_devices_are_listed_never_read(tmp_path):
    path = tmp_path / "s.tar"
    with tarfile.open(path, "w") as tf:
        for name, kind in (("ok.txt", tarfile.REGTYPE), ("../evil.txt", tarfile.REGTYPE), ("link", tarfile.SYMTYPE)):
            info = tarfile.TarInfo(name)
            info.type = kind
            data = b"cd /home/jdoe/x\n"
            if kind == tarfile.SYMTYPE:
                info.linkname = "/etc/passwd"
                tf.addfile(info)
            else:
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
    report = supplement(path)
    (unsafe,) = by_code(report, "SUPP007")
    assert {m["member"] for m in unsafe.data["members"]} == {"../evil.txt", "link"}
    assert unsafe.severity == "warning"
    assert [f.data["member"] for f in by_code(report, "SUPP003")] == ["ok.txt"]  # the safe one is read


def test_a_folder_is_checked_like_its_archive(tmp_path):
    with zipfile.ZipFile(FIXTURES / "supplement/license_name.zip") as zf:
        zf.extractall(tmp_path / "tree")
    os.symlink("/etc/passwd", tmp_path / "tree" / "fastopt" / "passwd")
    folder = supplement(tmp_path / "tree")
    archive = supplement(FIXTURES / "supplement/license_name.zip")
    assert [f.message for f in folder.findings if f.code != "SUPP007"] == [f.message for f in archive.findings]
    (unsafe,) = by_code(folder, "SUPP007")
    assert unsafe.data["member"] == "fastopt/passwd" and folder.sha256 is None


def test_a_large_member_is_read_only_up_to_its_bound(tmp_path, monkeypatch):
    from scope_check.supplement import runner

    monkeypatch.setattr(runner, "TEXT_BYTES", 1000)
    path = make_zip(tmp_path / "s.zip", {"log.txt": "x" * 5000 + "\ncd /home/jdoe/\n"})
    report = supplement(path)
    assert "SUPP003" not in codes(report) and report.measurements["bytes_read"] == 1000


def test_many_members_in_bounded_memory_and_one_pass(tmp_path):
    """5,000 members of a tar (read strictly forward, no index of members kept) in bounded memory;
    benchmarks/supplement.py measures 50,000 members and 500 MB."""
    import tracemalloc

    path = tmp_path / "many.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for i in range(5_000):
            data = b"print(%d)\n" % i if i != 1_234 else b"open('/home/jdoe/x')\n"
            info = tarfile.TarInfo(f"pkg/m{i:05d}.py")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    supplement(FIXTURES / "supplement/anonymised.zip")  # imports done before measuring
    tracemalloc.start()
    report = supplement(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert report.measurements["members"] == 5_000
    assert [f.data["member"] for f in report.findings] == ["pkg/m01234.py"]
    assert peak < 8 * 1024 * 1024, peak


# --- the command line -----------------------------------------------------------------------


def _cli(*args):
    from click.testing import CliRunner

    from scope_check.cli.main import cli

    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_command_exit_codes_and_json(tmp_path):
    leaky = str(FIXTURES / "supplement/license_name.zip")
    bad = _cli("supplement", leaky, "--format", "json")
    assert bad.exit_code == 1
    entry = json.loads(bad.output)["files"][0]
    assert entry["verdict"] == "fail" and {f["code"] for f in entry["findings"]} == {"SUPP002"}
    assert entry["findings"][0]["data"]["member"].startswith("fastopt/")
    good = _cli("supplement", str(FIXTURES / "supplement/anonymised.zip"))
    assert good.exit_code == 0 and "PASS" in good.output
    assert _cli("supplement", leaky, "--exit-zero").exit_code == 0
    assert _cli("supplement", leaky, "--ignore", "SUPP002").exit_code == 0
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"\x1f\x8b not really")
    assert _cli("supplement", str(broken)).exit_code == 1
    assert _cli("supplement", leaky, "--rules", str(tmp_path / "missing.yaml")).exit_code == 2


def test_a_missing_archive_among_several_is_its_own_row(tmp_path):
    """Like `check`, `supplement` gives every path its row: a path that is not there is SUPP006, the
    others are still checked (click used to refuse the whole run with a usage error)."""
    good = str(FIXTURES / "supplement/anonymised.zip")
    result = _cli("supplement", good, str(tmp_path / "missing.zip"), good, "--format", "json")
    assert result.exit_code == 1
    rows = [(f["verdict"], [x["code"] for x in f["findings"]]) for f in json.loads(result.output)["files"]]
    assert rows == [("pass", []), ("error", ["SUPP006"]), ("pass", [])]


def test_installed_command_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "scope_check", "supplement", "--help"], capture_output=True,
                            text=True, cwd=ROOT)
    assert result.returncode == 0 and "ARCHIVE|FOLDER" in result.stdout


def test_an_archive_given_as_a_paper_points_at_supplement(tmp_path):
    report = check_file(str(FIXTURES / "supplement/license_name.zip"), RULES)
    (finding,) = report.findings
    assert finding.code == "FILE001" and "scope-check supplement license_name.zip" in finding.hint


def test_supp_codes_are_documented_and_never_run_on_a_paper():
    from scope_check.checks import checks

    supp = [c for code, c in checks().items() if code.startswith("SUPP")]
    assert len(supp) == 7 and all(c.run is None for c in supp)
    assert "vcs-metadata" in _cli("rules", "SUPP001").output
    report = check_file(str(FIXTURES / "anonymity/camera_ready.pdf"), RULES)
    assert not any(f.code.startswith("SUPP") for f in report.findings)
