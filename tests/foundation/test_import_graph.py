"""Imports between workbench modules go one way: no cycle, at any depth of a module.

The graph is built from the source (``ast``), not from what an import happens to load, so
an import inside a function counts like one at the top, and so does one at the bottom of a
module or a constant ``importlib.import_module("workbench....")``. Its nodes are modules
(a package is its ``__init__``):

- ``import workbench.a.b`` and ``from workbench.a.b import name`` are edges to
  ``workbench.a.b``; ``from workbench.a import b``, where ``b`` is a submodule, is an edge to
  ``workbench.a.b``; relative imports are resolved the same way.
- Importing ``workbench.a.b`` runs ``workbench/a/__init__.py`` first, so it is an edge to
  the package ``workbench.a`` too; but a module is never said to depend on its *own*
  packages that way (they are initialised before it, whatever it imports).
- A package's ``__init__`` re-exporting its modules is an edge like any other: a module
  that imports ``from workbench.a import name`` while ``workbench/a/__init__.py`` imports that
  module is a cycle (import the sibling module instead).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from workbench.paths import PACKAGE_DIR

PACKAGE = "workbench"


def _modules(root: Path, package: str) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package) for every .py file of the package."""
    out = {}
    for py in sorted(root.rglob("*.py")):
        parts = list(py.relative_to(root.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_package else parts)] = (py, is_package)
    assert package in out, f"{root} holds no package {package}"
    return out


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> list[str]:
    """Every dotted name an import statement (or a constant import_module call) names, at any depth."""
    here = module if is_package else module.rpartition(".")[0]
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here
                for _ in range(node.level - 1):
                    anchor = anchor.rpartition(".")[0]
                base = f"{anchor}.{base}" if base else anchor
            names += [f"{base}.{a.name}" for a in node.names]  # a submodule, or a name of module ``base``
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and getattr(node.func, "attr", getattr(node.func, "id", None)) in ("import_module", "__import__")):
            names.append(node.args[0].value)
    return names


def import_graph(root: Path, package: str = PACKAGE) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports (see the module docstring)."""
    modules = _modules(root, package)
    graph: dict[str, set[str]] = {}
    for module, (path, is_package) in modules.items():
        own = {module.rsplit(".", i)[0] for i in range(1, module.count(".") + 1)}  # its own packages
        named, implied = set(), set()
        for name in _imported_names(ast.parse(path.read_text(encoding="utf-8")), module, is_package):
            if name.split(".")[0] != package:
                continue
            while name not in modules:  # ``from workbench.a import function``: the module workbench.a
                name = name.rpartition(".")[0]
            named.add(name)
            implied |= {name.rsplit(".", i)[0] for i in range(1, name.count(".") + 1)}  # its packages run first
        graph[module] = (named | (implied - own)) - {module}
    return graph


def tangles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The groups of modules that reach each other through imports (Tarjan's strongly connected
    components of more than one module)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (a shortest path back to its start) per group of :func:`tangles`."""
    out = []
    for group in tangles(graph):  # a shortest way back to the first module, inside the group
        start = min(group)
        paths, seen = [[start]], {start}
        while paths:
            path = paths.pop(0)
            nxt = sorted(w for w in graph[path[-1]] if w in group)
            if start in nxt:
                out.append(path + [start])
                break
            for w in nxt:
                if w not in seen:
                    seen.add(w)
                    paths.append(path + [w])
    return out


def test_no_import_cycle_among_workbench_modules():
    graph = import_graph(PACKAGE_DIR)
    found = [f"{' -> '.join(c)}   (modules reaching each other: {', '.join(sorted(g))})"
             for c, g in zip(cycles(graph), tangles(graph))]
    assert not found, "import cycles (make the imports go one way):\n" + "\n".join(found)


# --------------------------------------------------------------------------- the scan itself

def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "wbx"
    for rel, text in {"__init__.py": "", **files}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


@pytest.mark.parametrize("files", [
    # sources and sql: a module-level import at the bottom one way, a plain one back
    {"sources.py": "X = 1\nfrom wbx import sql as _sql\n", "sql.py": "from wbx.sources import X\n"},
    # the law modules: function-level imports both ways, through a third module
    {"law/__init__.py": "", "law/jurisdictions.py": "def f():\n    from wbx.law.rulebook import load\n",
     "law/rulebook.py": "from wbx.law.loader import g\n", "law/loader.py": "def g():\n    from wbx.law import jurisdictions\n"},
    # stages importing the stage modules inside a function, and they importing it
    {"stages.py": "def get():\n    import wbx.quality\n", "quality.py": "from wbx.stages import Stage\n"},
    # relative imports, and a constant importlib call
    {"a/__init__.py": "", "a/b.py": "from . import c\n", "a/c.py": "import importlib\nimportlib.import_module('wbx.a.b')\n"},
    # a module importing its package's __init__, which re-exports it
    {"q/__init__.py": "from wbx.q.views import show\n", "q/views.py": "def show():\n    from wbx.q import helper\n"},
    # an outside module importing a package whose __init__ reaches back to it
    {"stages.py": "import wbx.timelines.stage\n", "timelines/__init__.py": "from wbx.timelines.views import v\n",
     "timelines/stage.py": "", "timelines/views.py": "from wbx.stages import run\n"},
], ids=["bottom-import", "function-level-3-way", "registry-loader", "relative-and-importlib", "own-init",
        "through-a-package-init"])
def test_the_scan_finds_each_kind_of_cycle(tmp_path, files):
    assert cycles(import_graph(_package(tmp_path, files), "wbx"))


def test_the_scan_allows_a_package_init_reexporting_its_modules(tmp_path):
    root = _package(tmp_path, {
        "q/__init__.py": "from wbx.q.stage import run\nfrom wbx.q.views import show\n",
        "q/views.py": "from wbx.q.outcomes import O\n", "q/outcomes.py": "import wbx.errors\n",
        "q/stage.py": "from wbx.q.views import show\nfrom . import outcomes\n", "errors.py": "",
        "stages.py": "import wbx.q.stage\n", "law/__init__.py": "from wbx.law.jurisdictions import f\n",
        "law/jurisdictions.py": "from wbx.law import rulebook\n", "law/rulebook.py": "",
    })
    graph = import_graph(root, "wbx")
    assert graph["wbx.stages"] == {"wbx.q", "wbx.q.stage"}
    assert graph["wbx.law.jurisdictions"] == {"wbx.law.rulebook"}
    assert cycles(graph) == []
