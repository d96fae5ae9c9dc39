"""The package's architecture, read from its source: one subpackage per layer, every import
pointing down the layers, no import cycle (imports inside functions counted), no module importing
another's underscore name, and no import hidden inside a function: laziness only through the
declared tables (`cli.main.LAZY_COMMANDS`, `output.REGISTRY`) that name a module to import when a
command or a format is used.

The checker is a function of a source tree, so the last tests prove it on copies of the package
with each import cycle this package once had put back."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "scope_check"

#: each layer's rank: a module may import only from layers of a lower rank, or from its own
#: subpackage. Layers of the same rank never import each other (config stands beside the model;
#: output and supplement are two users of the engine; batch screens papers and their supplements).
LAYERS: Dict[str, int] = {
    "safety": 0,
    "model": 1,
    "config": 1,
    "analysis": 2,
    "checks": 3,
    "engine": 4,
    "output": 5,
    "supplement": 5,
    "batch": 6,
    "cli": 7,
    "__main__": 8,
}
#: the package's own `__init__` (version and two constants) imports nothing and sits below all
ROOT_RANK = -1
#: where a module may be imported by name at run time (`importlib.import_module`): the declared tables
LAZY_TABLES = {"scope_check.cli.main", "scope_check.output"}


def module_name(path: Path, package: Path) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(name: str) -> Tuple[str, int]:
    parts = name.split(".")
    if len(parts) == 1:
        return "", ROOT_RANK
    return parts[1], LAYERS[parts[1]]


class Imports:
    """Every import of the package's own modules, per module: (target module, imported names,
    line, inside a function)."""

    def __init__(self, package: Path):
        self.package = package
        self.files = {module_name(p, package): p for p in sorted(package.rglob("*.py"))}
        self.trees = {name: ast.parse(path.read_text(encoding="utf-8"), str(path)) for name, path in self.files.items()}
        self.edges: Dict[str, List[Tuple[str, Tuple[str, ...], int, bool]]] = {}
        for name, tree in self.trees.items():
            self.edges[name] = list(self._imports(name, tree))

    def _resolve(self, module: str, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        base = module.split(".")
        if self.files[module].name != "__init__.py":
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))

    def _imports(self, module: str, tree: ast.Module):
        top = set()
        for node in tree.body:
            top.update(id(n) for n in ast.walk(node) if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))
        root = self.package.name
        for node in ast.walk(tree):
            nested = id(node) not in top
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == root or alias.name.startswith(root + "."):
                        yield alias.name, (), node.lineno, nested
            elif isinstance(node, ast.ImportFrom):
                target = self._resolve(module, node)
                if not (target == root or target.startswith(root + ".")):
                    continue
                plain_names = []
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    if sub in self.files:  # `from package import module`
                        yield sub, (), node.lineno, nested
                    else:
                        plain_names.append(alias.name)
                if plain_names:
                    yield target, tuple(plain_names), node.lineno, nested

    def module_aliases(self, module: str) -> Dict[str, str]:
        """Local name -> package module, for `import a.b as c` and `from a import module [as c]`."""
        out = {}
        for node in ast.walk(self.trees[module]):
            if isinstance(node, ast.ImportFrom):
                target = self._resolve(module, node)
                for alias in node.names:
                    if f"{target}.{alias.name}" in self.files:
                        out[alias.asname or alias.name] = f"{target}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in self.files and alias.asname:
                        out[alias.asname] = alias.name
        return out


def upward_arrows(imports: Imports) -> List[str]:
    out = []
    for module, edges in imports.edges.items():
        here, rank = layer(module)
        for target, _, line, _ in edges:
            there, target_rank = layer(target)
            if there == here or target_rank < rank:
                continue
            out.append(f"{module}:{line} imports {target} ({there or 'the package root'}, rank {target_rank}; "
                       f"{here} is rank {rank})")
    return out


def cycles(imports: Imports) -> List[List[str]]:
    """The strongly connected components of more than one module (or a module importing itself)."""
    graph = {m: sorted({t for t, _, _, _ in edges if t in imports.files and t != m}) for m, edges in imports.edges.items()}
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[List[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan, iteratively deep enough for this package
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def private_imports(imports: Imports) -> List[str]:
    out = []
    for module, edges in imports.edges.items():
        for target, names, line, _ in edges:
            if target == module:
                continue
            for name in names:
                if name.startswith("_") and not name.startswith("__"):
                    out.append(f"{module}:{line} imports {target}.{name}")
        aliases = imports.module_aliases(module)
        for node in ast.walk(imports.trees[module]):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")
                    and aliases[node.value.id] != module):
                out.append(f"{module}:{node.lineno} reads {aliases[node.value.id]}.{node.attr}")
    return out


def hidden_imports(imports: Imports) -> List[str]:
    out = []
    for module, edges in imports.edges.items():
        out.extend(f"{module}:{line} imports {target} inside a function" for target, _, line, nested in edges if nested)
        if module in LAZY_TABLES:
            continue
        for node in ast.walk(imports.trees[module]):
            if isinstance(node, ast.Attribute) and node.attr == "import_module":
                out.append(f"{module}:{node.lineno} imports a module by name outside the declared lazy tables")
    return out


def problems(package: Path) -> Dict[str, list]:
    imports = Imports(package)
    return {"upward": upward_arrows(imports), "cycles": cycles(imports), "private": private_imports(imports),
            "hidden": hidden_imports(imports)}


@pytest.fixture(scope="module")
def found():
    return problems(PACKAGE)


def test_every_module_belongs_to_a_layer():
    top = sorted({p.relative_to(PACKAGE).parts[0] for p in PACKAGE.rglob("*.py")} - {"__init__.py"})
    assert [t.removesuffix(".py") for t in top if t.removesuffix(".py") not in LAYERS] == []


def test_imports_point_down_the_layers(found):
    assert found["upward"] == []


def test_no_import_cycle(found):
    assert found["cycles"] == []


def test_no_module_imports_another_modules_private_name(found):
    assert found["private"] == []


def test_no_import_hides_inside_a_function(found):
    assert found["hidden"] == []


# --- the checker itself, on copies of the package with each former cycle put back ---------------

def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "scope_check"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.json"))
    return copy


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + text, encoding="utf-8")


FORMER_CYCLES = {
    # the rule loader asked the registry for the checks' defaults; every check module imports the loader
    "rules-registry": [("config/rules.py", "def _defaults():\n    from scope_check import checks as registry\n\n"
                                          "    return registry.checks()\n")],
    # the loader lived in document and imported packed_pages, which imported document's constructors
    "document-packed_pages": [("model/document.py", "def _pack(page):\n    from scope_check.model import packed_pages\n\n"
                                                   "    return packed_pages.unpacked(page)\n")],
    # the block measurement and the template's placement imported each other (49 lines apart)
    "layout-placement": [("analysis/placement.py", "from scope_check.analysis.layout import text_block\n"),
                         ("analysis/layout.py", "def _reference(doc, rules):\n"
                                                "    from scope_check.analysis.placement import text_block as block\n\n"
                                                "    return block(doc, rules)\n")],
    # the leaks elsewhere borrowed the author block's helpers, and the author block called them
    "elsewhere-author_block": [("checks/anonymity/elsewhere.py",
                                "from scope_check.checks.anonymity.author_block import author_block as _block\n")],
}


@pytest.mark.parametrize("name", sorted(FORMER_CYCLES))
def test_the_checker_fails_on_each_former_cycle(tmp_path, name):
    copy = _copy(tmp_path)
    assert problems(copy)["cycles"] == []
    for relative, text in FORMER_CYCLES[name]:
        target = copy / relative
        if target.exists():
            _append(target, text)
        else:
            target.write_text(text, encoding="utf-8")
    found = problems(copy)
    assert found["cycles"], f"{name}: no cycle found"
    assert found["upward"] or found["hidden"] or name == "elsewhere-author_block"


def test_the_checker_finds_a_borrowed_private_name(tmp_path):
    copy = _copy(tmp_path)
    _append(copy / "checks" / "anonymity" / "elsewhere.py",
            "from scope_check.checks.anonymity.self_citation import _SECOND_PERSON\n")
    _append(copy / "model" / "loader.py", "def _peek():\n    return damage._anything\n")
    found = problems(copy)["private"]
    assert any("_SECOND_PERSON" in p for p in found) and any("damage._anything" in p for p in found)


def test_the_checker_finds_an_upward_arrow(tmp_path):
    copy = _copy(tmp_path)
    _append(copy / "model" / "damage.py", "from scope_check.checks import files\n")
    assert any("model.damage" in p and "scope_check.checks.files" in p for p in problems(copy)["upward"])


def test_every_noqa_names_its_code_and_gives_a_reason():
    """Each noqa comment names its codes and says why on the same line (after a dash, a parenthesis
    or words)."""
    import re

    bare = []
    for folder in ("scope_check", "tests", "benchmarks", "fuzz", "fixtures"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                match = re.search(r"#\s*noqa\b(.*)$", line)
                if match and not re.match(r":\s*[A-Z]+\d+(?!\d)(?:\s*,\s*[A-Z]+\d+(?!\d))*\s*[-(]?\s*\S", match.group(1)):
                    bare.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert bare == []
