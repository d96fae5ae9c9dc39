"""The README and docs/*.md as a reader meets them: every code fence closed, every relative link
resolving (to a file, and to a heading when it names one), and the README's commands that need
nothing but the repository running through the installed `scope-check`.

Fences follow CommonMark: a fence opens with three or more backticks or tildes (up to three spaces
of indentation) and closes with a line of the same character, at least as long, and nothing else;
inside a fence every other line is content. Fences do not nest: a longer fence may hold shorter
ones as content. This project also requires every opening fence to name its language (```sh,
```text, ...): a bare ``` where an opening is expected is the sign of a block left open above it,
which shifts every later fence (a README once rendered its last three sections as code that way).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

ROOT = Path(__file__).resolve().parent.parent


def documents() -> List[Path]:
    return [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))


# --- fences -----------------------------------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(?P<marker>`{3,}|~{3,})(?P<info>.*)$")


@dataclass
class Block:
    start: int  # 1-based line of the opening fence
    end: int  # 1-based line of the closing fence
    info: str  # the language, the first word of the info string
    lines: List[str]


def scan(text: str) -> Tuple[List[Block], List[str], List[Tuple[int, str]]]:
    """Split Markdown into fenced blocks and prose: (blocks, problems, prose lines as (line, text))."""
    blocks: List[Block] = []
    problems: List[str] = []
    prose: List[Tuple[int, str]] = []
    open_: Optional[Tuple[int, str, str, List[str]]] = None  # (line, marker, info, content)
    for number, line in enumerate(text.splitlines(), 1):
        m = _FENCE.match(line)
        if open_ is None:
            if m is None:
                prose.append((number, line))
                continue
            marker, info = m.group("marker"), m.group("info").strip()
            if marker[0] == "`" and "`" in info:
                prose.append((number, line))  # not a fence: an inline code span at the line's start
                continue
            if not info:
                problems.append(f"line {number}: a fence opens without a language (```sh, ```text, ...): "
                                f"is a block above it left open?")
            open_ = (number, marker, info.split()[0] if info else "", [])
            continue
        start, marker, info, content = open_
        if m is not None and m.group("marker")[0] == marker[0] and len(m.group("marker")) >= len(marker) \
                and not m.group("info").strip():
            blocks.append(Block(start, number, info, content))
            open_ = None
        else:
            content.append(line)
    if open_ is not None:
        problems.append(f"line {open_[0]}: the fence {open_[1]}{open_[2]} is never closed")
    return blocks, problems, prose


def fence_problems(path: Path) -> List[str]:
    return scan(path.read_text(encoding="utf-8"))[1]


# --- links ------------------------------------------------------------------------------------

_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(?P<target><[^>]*>|[^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")
_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(?P<target><[^>]*>|\S+)")
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(?P<text>.*?)\s*#*\s*$")
_EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")  # http:, https:, mailto:, ...


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text without markup, lower case, punctuation dropped
    (letters, digits, `_`, `-` and spaces kept), spaces turned into hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link or image: its text
    text = text.replace("`", "").replace("*", "")
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set:
    """Every anchor the headings of a Markdown file produce (a repeated one gets -1, -2, ...)."""
    seen: Dict[str, int] = {}
    out = set()
    for _, line in scan(path.read_text(encoding="utf-8"))[2]:
        m = _HEADING.match(line)
        if m is None:
            continue
        base = slug(m.group("text"))
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def links(path: Path) -> List[Tuple[int, str]]:
    """(line, target) of every link and image in the prose (not in code blocks or code spans)."""
    out = []
    for number, line in scan(path.read_text(encoding="utf-8"))[2]:
        line = _CODE_SPAN.sub("", line)
        for m in _INLINE_LINK.finditer(line):
            out.append((number, m.group("target").strip("<>")))
        m = _DEFINITION.match(line)
        if m:
            out.append((number, m.group("target").strip("<>")))
    return out


def link_problems(path: Path) -> List[str]:
    problems = []
    for number, target in links(path):
        if _EXTERNAL.match(target):
            continue  # http(s), mailto: not fetched
        file_part, _, anchor = target.partition("#")
        where = (path.parent / file_part).resolve() if file_part else path
        if not where.exists():
            problems.append(f"line {number}: {target}: no such file {where}")
            continue
        if anchor and where.is_file() and where.suffix.lower() == ".md" and anchor not in anchors(where):
            problems.append(f"line {number}: {target}: no heading in {where.name} makes the anchor #{anchor}")
    return problems


# --- commands ---------------------------------------------------------------------------------

#: options whose value is a file or folder the command writes: pointed into a temporary folder
OUTPUT_OPTIONS = {"--out", "-o", "--output", "--annotate"}
#: words that mark a command as a template for the reader's own files
PLACEHOLDERS = ("OWNER", "TAG", "paper.pdf", "submissions", "code.zip", "my-venue", "/shared/", "/data/")
_SHELL = set("*?$|<>;`()")
_PATHLIKE = re.compile(r"/|\.(pdf|zip|tar|gz|tgz|bz2|xz|yaml|yml|csv|json|sarif|html|txt|sqlite)$", re.I)


def shell_commands(path: Path) -> List[str]:
    """The commands of a file's ```sh blocks: continuation lines joined, comments dropped, each
    `&&` part on its own."""
    out = []
    for block in scan(path.read_text(encoding="utf-8"))[0]:
        if block.info not in ("sh", "bash", "shell", "console"):
            continue
        joined = "\n".join(block.lines).replace("\\\n", " ")
        for line in joined.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            out.extend(part.strip() for part in line.split("&&"))
    return out


def runnable(command: str) -> Optional[List[str]]:
    """The argument vector of a command that needs nothing but this repository, else None.
    Output paths are left as they are (the test points them into a temporary folder)."""
    if any(word in command for word in PLACEHOLDERS):
        return None
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        return None
    if not words or any(set(w) & _SHELL for w in words):
        return None
    if words[0] in ("scope-check", ".venv/bin/scope-check"):
        argv = ["scope-check"] + words[1:]
    elif words[:3] in (["python", "-m", "scope_check"], ["python3", "-m", "scope_check"],
                       [".venv/bin/python", "-m", "scope_check"]):
        argv = ["python", "-m", "scope_check"] + words[3:]
    else:
        return None
    previous = ""
    for word in argv[1:]:
        if previous not in OUTPUT_OPTIONS and not word.startswith("-") and _PATHLIKE.search(word) \
                and not (ROOT / word).exists():
            return None  # a file the reader supplies
        previous = word
    return argv


def offline_commands() -> List[Tuple[str, List[str]]]:
    out = []
    for path in documents():
        for command in shell_commands(path):
            argv = runnable(command)
            if argv is not None and argv not in [a for _, a in out]:
                out.append((command, argv))
    return out


def scope_check_executable() -> Path:
    bindir = Path(sys.executable).parent
    for name in ("scope-check", "scope-check.exe"):
        if (bindir / name).exists():
            return bindir / name
    pytest.skip(f"no scope-check console script beside {sys.executable}")


# --- the tests --------------------------------------------------------------------------------

DOCS = documents()


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_code_fences_are_closed(path):
    assert fence_problems(path) == []


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path):
    assert link_problems(path) == []


def test_the_readme_keeps_its_two_commands_and_points_at_the_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ("python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/scope-check "
            "fixtures/example/draft_with_problems.pdf --rules scope2025-main --exit-zero") in readme
    assert "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest" in readme
    linked = {target for _, target in links(ROOT / "README.md")}
    for doc in (ROOT / "docs").glob("*.md"):
        assert f"docs/{doc.name}" in linked, f"the README does not link docs/{doc.name}"
    assert 150 <= len(readme.splitlines()) <= 250


def test_the_offline_commands_are_found():
    argvs = [" ".join(argv) for _, argv in offline_commands()]
    # the README's first command, its check part
    assert "scope-check fixtures/example/draft_with_problems.pdf --rules scope2025-main --exit-zero" in argvs
    assert "scope-check rules" in argvs and "python -m scope_check --version" in argvs
    assert any(argv.startswith("scope-check batch fixtures/") for argv in argvs)


@pytest.mark.parametrize("command,argv", offline_commands(), ids=[" ".join(a) for _, a in offline_commands()])
def test_the_offline_commands_run(command, argv, tmp_path):
    if argv[0] == "scope-check":
        argv = [str(scope_check_executable())] + argv[1:]
    else:
        argv = [sys.executable] + argv[1:]
    for i in range(1, len(argv)):  # what the command writes goes to a temporary folder
        if argv[i - 1] in OUTPUT_OPTIONS:
            argv[i] = str(tmp_path / Path(argv[i].rstrip("/")).name) + ("/" if argv[i].endswith("/") else "")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "SCOPE_CHECK_"))}
    env["NO_COLOR"] = "1"
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode in (0, 1), f"{command}: exit {proc.returncode}\n{output}"
    assert "Traceback" not in output and "scope-check: internal error" not in output, output
    assert list(tmp_path.iterdir()) or not any(a in OUTPUT_OPTIONS for a in argv), "nothing was written"


# --- the checkers themselves, on broken Markdown -------------------------------------------------

def test_the_fence_checker_finds_an_unclosed_fence(tmp_path):
    md = tmp_path / "a.md"
    md.write_text("# A\n\n```sh\nscope-check rules\n\n## B\n\ntext\n", encoding="utf-8")
    (problem,) = fence_problems(md)
    assert "line 3" in problem and "never closed" in problem


def test_the_fence_checker_finds_a_block_left_open_above_a_later_one(tmp_path):
    """The shape that once turned half a README into code: a ```yaml block missing its closing
    fence; the next bare fence closes it and every later fence is shifted."""
    md = tmp_path / "a.md"
    md.write_text("```yaml\nrepos: []\n\n## Next section\n\n```\nsome output\n```\n\n"
                  "```sh\nscope-check rules\n```\n", encoding="utf-8")
    problems = fence_problems(md)
    assert problems and "line 8" in problems[0] and "without a language" in problems[0]


def test_the_fence_checker_accepts_longer_and_tilde_fences(tmp_path):
    md = tmp_path / "a.md"
    md.write_text("````markdown\n```sh\nnot a fence here\n```\n````\n\n~~~text\n```\n~~~\n\n"
                  "``` code span ``` at a line's start\n", encoding="utf-8")
    assert fence_problems(md) == []
    blocks = scan(md.read_text(encoding="utf-8"))[0]
    assert [(b.info, b.start, b.end) for b in blocks] == [("markdown", 1, 5), ("text", 7, 9)]
    md.write_text("````text\nx\n```\n", encoding="utf-8")  # a shorter fence does not close a longer one
    assert "never closed" in fence_problems(md)[0]


def test_the_link_checker_finds_missing_files_and_anchors(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "b.md").write_text("# The `batch` command: shards\n\n## Exit codes\n## Exit codes\n",
                                            encoding="utf-8")
    md = tmp_path / "a.md"
    md.write_text("# Top\n\n[ok](docs/b.md) [ok](docs/b.md#the-batch-command-shards) [ok](#top)\n"
                  "[ok](docs/b.md#exit-codes-1) [web](https://example.org/x.md) [mail](mailto:a@b.c)\n"
                  "`[not a link](nowhere.md)`\n\n```text\n[not a link](nowhere.md)\n```\n"
                  "[gone](docs/c.md) [bad anchor](docs/b.md#exit) [bad here](#bottom)\n"
                  "[ref]: missing/file.txt\n", encoding="utf-8")
    problems = link_problems(md)
    assert len(problems) == 4, problems
    assert "docs/c.md" in problems[0] and "#exit" in problems[1] and "#bottom" in problems[2]
    assert "missing/file.txt" in problems[3]


def test_commands_naming_the_readers_files_are_not_run():
    assert runnable("scope-check paper.pdf --rules scope2025-tiny") is None
    assert runnable("scope-check *.pdf --rules scope2025-main") is None
    assert runnable("pip install git+https://github.com/OWNER/scope-check") is None
    assert runnable("scope-check fixtures/pages/nothing_here.pdf") is None
    assert runnable(".venv/bin/python -m scope_check.output.reference --bundled-cache") is None
    assert runnable("scope-check rules PAGE001 --rules scope2025-tiny  # a comment") == \
        ["scope-check", "rules", "PAGE001", "--rules", "scope2025-tiny"]
    assert runnable("scope-check batch fixtures/pages --out screening/") == \
        ["scope-check", "batch", "fixtures/pages", "--out", "screening/"]
