"""The project's layout, packaging and notebook hygiene (docs/style.md, principles 1, 2, 7, 10)."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from workbench.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_top_level_layout():
    for name in ["notebooks", "workbench", "expectations", "reports", "tests", "cases", "benchmarks"]:
        assert (ROOT / name).is_dir(), name
    for name in ["environment.yml", "pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "Makefile", ".ci/run"]:
        assert (ROOT / name).is_file(), name
    assert (ROOT / "cases" / "demo" / "case.yaml").is_file()


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make demo" in readme
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), re.MULTILINE)


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.lower())


CONDA_NAMES = {"python-duckdb": "duckdb"}
#: conda packages that are not Python distributions (pip cannot install them).
CONDA_ONLY = {"openjdk"}  # Java 17 for the [spark] extra


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_deps = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    pip_names = {_norm(re.split(r"[<>=!~ \[;]", d, maxsplit=1)[0]) for d in pip_deps} - {_norm(project["name"])}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_names = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            conda_names |= {_norm(re.split(r"[<>=!~ \[;]", d, maxsplit=1)[0]) for d in dep["pip"] if not d.startswith("-")}
        else:
            n = _norm(re.split(r"[<>=!~ ]", dep, maxsplit=1)[0])
            conda_names.add(CONDA_NAMES.get(n, n))
    assert CONDA_ONLY <= conda_names, f"environment.yml should list {CONDA_ONLY - conda_names}"
    conda_names -= {"python", "pip"} | CONDA_ONLY
    assert pip_names == conda_names, f"only in pyproject: {pip_names - conda_names}; only in environment.yml: {conda_names - pip_names}"


def test_only_quality_gx_imports_great_expectations():
    offenders = []
    for py in (ROOT / "workbench").rglob("*.py"):
        tree = ast.parse(py.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] == "great_expectations" for n in names):
                offenders.append(py.relative_to(ROOT).as_posix())
    assert set(offenders) == {"workbench/quality/gx.py"}, offenders


def test_notebooks_are_numbered_in_tens():
    assert NOTEBOOKS, "no notebooks"
    for nb in NOTEBOOKS:
        assert re.fullmatch(r"\d0_[a-z0-9_]+\.ipynb", nb.name), nb.name


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_hygiene(nb_path: Path):
    nb = json.loads(nb_path.read_text())
    cells = nb["cells"]
    assert cells[0]["cell_type"] == "markdown", "first cell states the question, inputs and outputs"
    first = "".join(cells[0]["source"])
    assert "Question" in first and "Reads" in first and "Writes" in first
    code = [c for c in cells if c["cell_type"] == "code"]
    assert "parameters" in code[0].get("metadata", {}).get("tags", []), "first code cell is tagged parameters"
    params = ast.parse("".join(code[0]["source"]))
    for stmt in params.body:  # literals only
        assert isinstance(stmt, (ast.Assign, ast.AnnAssign)) and isinstance(stmt.value, ast.Constant), ast.dump(stmt)
    names = {t.id for s in params.body for t in ([s.target] if isinstance(s, ast.AnnAssign) else s.targets)}
    assert {"case_path", "run_dir"} <= names
    for c in code:
        src = "".join(c["source"])
        tree = ast.parse(src)
        assert not any(isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)) for n in ast.walk(tree)), \
            f"{nb_path.name}: no def/class in notebooks"
        assert "sys.path" not in src
        assert not c.get("outputs") and c.get("execution_count") is None, f"{nb_path.name}: committed with outputs"


def test_reports_folder_is_ignored_by_git():
    ignore = (ROOT / ".gitignore").read_text()
    assert "reports/*" in ignore and "cases/demo/data/" in ignore


#: Writers that bypass workbench.safecsv's formula neutralising, found by name.
_CSV_WRITER_ATTRS = {"to_csv", "write_csv", "CSVWriter"}
#: Files allowed to write CSV directly, with the reason.
_CSV_WRITERS_ALLOWED = {
    "workbench/safecsv.py": "the one CSV writer",
    "workbench/synth/generate.py": "writes synthetic case inputs as a data holder would export them, not workbench output",
}


def _direct_csv_writes(source: str) -> list[str]:
    hits = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            f = node.func
            if f.attr in _CSV_WRITER_ATTRS or (f.attr in ("writer", "DictWriter") and
                                               isinstance(f.value, ast.Name) and f.value.id == "csv"):
                hits.append(f"line {node.lineno}: .{f.attr}(")
        elif isinstance(node, ast.ImportFrom) and node.module in ("csv", "pyarrow.csv"):
            hits += [f"line {node.lineno}: from {node.module} import {a.name}" for a in node.names
                     if a.name in ("writer", "DictWriter", "write_csv", "CSVWriter", "*")]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                re.search(r"FORMAT\s*\(?\s*'?CSV\b", node.value, re.IGNORECASE):
            hits.append(f"line {node.lineno}: COPY ... (FORMAT CSV)")
    return hits


def test_the_direct_csv_scan_finds_each_kind_of_writer():
    assert len(_direct_csv_writes("import csv\ncsv.writer(f)\ncsv.DictWriter(f, [])\ndf.to_csv('x')\n"
                                  "from pyarrow.csv import write_csv\ncon.execute(\"COPY t TO 'x' (FORMAT CSV)\")")) == 5
    assert _direct_csv_writes("import csv\ncsv.reader(f)\nto_csv(obligations)\nwrite_table(d, s, n, f)") == []


def test_every_csv_is_written_through_safecsv():
    """Every CSV the workbench writes goes through workbench.safecsv (formula cells neutralised)."""
    offenders = {}
    for py in sorted((ROOT / "workbench").rglob("*.py")):
        rel = py.relative_to(ROOT).as_posix()
        if rel not in _CSV_WRITERS_ALLOWED and (hits := _direct_csv_writes(py.read_text())):
            offenders[rel] = hits
    for nb in NOTEBOOKS:
        src = "\n".join("".join(c["source"]) for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code")
        if hits := _direct_csv_writes(src):
            offenders[nb.relative_to(ROOT).as_posix()] = hits
    assert not offenders, f"write CSV with workbench.safecsv instead: {offenders}"


#: A docs/ file named in code or documentation (not the path part of a web address).
_DOC_REFERENCE = re.compile(r"(?<![\w./-])docs/[\w./-]+\.(?:md|csv|json|yaml)")


def test_every_doc_the_code_cites_is_in_the_repository():
    """A comment or docstring that sends the reader to docs/... names a file of this repository."""
    texts = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "workbench").rglob("*.py"),
             *(ROOT / "workbench").rglob("*.md"), *(ROOT / "tests").rglob("*.py"), *NOTEBOOKS]
    cited = {(m.group(0), p.relative_to(ROOT).as_posix()) for p in texts
             for m in _DOC_REFERENCE.finditer(p.read_text(encoding="utf-8"))}
    assert cited, "the scan found no reference at all"
    missing = sorted((ref, where) for ref, where in cited if not (ROOT / ref).is_file())
    assert not missing, f"cited but not in the repository: {missing}"
    assert (ROOT / "docs" / "style.md").is_file(), "the style guide this test file cites"
