"""Every environment variable the workbench reads is in the README's one table."""

from __future__ import annotations

import ast
import re

from workbench.paths import PACKAGE_DIR, PROJECT_ROOT
from workbench.sql import ENV_KEYS

HEADING = "## Environment variables"


def _documented() -> set[str]:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count(HEADING) == 1, f"README.md should have one {HEADING!r} section"
    section = readme.split(HEADING, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows, f"no table rows under {HEADING!r}"
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def _is_environ(node: ast.AST) -> bool:
    """``os.environ`` (or a bare ``environ`` imported from os)."""
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (isinstance(node, ast.Name)
                                                                          and node.id == "environ")


def _read_names(tree: ast.AST) -> set[str]:
    """Names read with os.environ.get("X"), os.getenv("X"), os.environ["X"] or "X" in os.environ."""
    found = set()
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Call) and node.args:
            f = node.func
            if (isinstance(f, ast.Attribute) and f.attr in ("get", "pop", "setdefault") and _is_environ(f.value)) or \
                    (isinstance(f, ast.Attribute) and f.attr == "getenv") or (isinstance(f, ast.Name) and f.id == "getenv"):
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_environ(node.value) and isinstance(node.ctx, ast.Load):
            key = node.slice
        elif isinstance(node, ast.Compare) and any(_is_environ(c) for c in node.comparators):
            key = node.left
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            found.add(key.value)
    return found


def _read_by_workbench() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for py in sorted(PACKAGE_DIR.rglob("*.py")):
        for name in _read_names(ast.parse(py.read_text(encoding="utf-8"))):
            out.setdefault(name, set()).add(py.relative_to(PROJECT_ROOT).as_posix())
    for name in ENV_KEYS:  # libpq settings, looked up by a variable key (workbench.sql.connect_args)
        out.setdefault(name, set()).add("workbench/sql.py (ENV_KEYS)")
    return out


def test_the_scan_sees_the_ways_code_reads_a_variable():
    code = ('import os\nos.environ.get("A")\nos.getenv("B", "x")\nos.environ["C"]\n"D" in os.environ\n'
            'os.environ["E"] = "set, not read"\n')
    assert _read_names(ast.parse(code)) == {"A", "B", "C", "D"}


def test_every_variable_the_workbench_reads_is_in_the_readme_table():
    documented = _documented()
    read = _read_by_workbench()
    assert {"WORKBENCH_HOME", "WORKBENCH_DUCKDB_MEMORY", "PGPASSWORD"} <= read.keys()
    missing = {name: files for name, files in read.items() if name not in documented}
    assert not missing, "read by workbench/ but not in README.md's environment table:\n  " + "\n  ".join(
        f"{name} ({', '.join(sorted(files))})" for name, files in sorted(missing.items()))
