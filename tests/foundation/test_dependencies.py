"""Install what a user needs, no more: every import declared, the engines' and sources' extras
named when a case asks for them and they are not installed."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib

import pytest

from tests.conftest import edit_case
from workbench.case import load_case
from workbench.cli import main
from workbench.errors import CaseError, InputError, WorkbenchError
from workbench.extras import DISTRIBUTION, EXTRAS
from workbench.paths import PACKAGE_DIR, PROJECT_ROOT

PROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
PG_URL = "postgresql+psycopg://auditor@localhost/breach"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.lower())


def _requirement_name(req: str) -> str:
    return _norm(re.split(r"[<>=!~ \[;]", req, maxsplit=1)[0])


def _declared() -> dict[str, str]:
    """Distribution -> where pyproject declares it (``dependencies`` or ``[extra]``)."""
    out = {_requirement_name(r): "dependencies" for r in PROJECT["dependencies"]}
    for extra, reqs in PROJECT["optional-dependencies"].items():
        for r in reqs:
            out.setdefault(_requirement_name(r), f"[{extra}]")
    return out


def _imported_top_level_names() -> dict[str, set[str]]:
    """Top-level module name -> the workbench files importing it (at any depth), stdlib and
    workbench itself left out."""
    names: dict[str, set[str]] = {}
    for py in sorted(PACKAGE_DIR.rglob("*.py")):
        if "bundled" in py.parts:
            continue
        for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found = [node.module]
            else:
                continue
            for name in found:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "workbench":
                    names.setdefault(top, set()).add(py.relative_to(PROJECT_ROOT).as_posix())
    return names


def test_every_import_in_workbench_is_declared_in_pyproject():
    declared = _declared()
    distributions = importlib.metadata.packages_distributions()
    missing = []
    for module, files in sorted(_imported_top_level_names().items()):
        dists = {_norm(d) for d in distributions.get(module, [module])}
        if not dists & declared.keys():
            missing.append(f"{module} (distribution {', '.join(sorted(dists))}; imported by {', '.join(sorted(files))})")
    assert not missing, "imported by workbench/ but not declared in pyproject.toml:\n  " + "\n  ".join(missing)


def test_pyspark_and_the_postgresql_driver_are_extras_that_dev_pulls_in():
    core = {_requirement_name(r) for r in PROJECT["dependencies"]}
    assert not core & {"pyspark", "psycopg", "pglast"}, "a plain install needs neither Spark nor PostgreSQL"
    extras = PROJECT["optional-dependencies"]
    assert {_requirement_name(r) for r in extras["spark"]} == {"pyspark"}
    assert {_requirement_name(r) for r in extras["postgres"]} == {"psycopg", "pglast"}
    assert f"{DISTRIBUTION}[spark,postgres]" in extras["dev"], "make test and CI install .[dev]: the tests need both"
    assert PROJECT["name"] == DISTRIBUTION
    for name in EXTRAS:
        assert name in extras, f"workbench.extras names [{name}], which pyproject.toml does not declare"


def _without(monkeypatch, *modules: str) -> None:
    """As if these packages were not installed (an import or find_spec of them fails)."""
    for m in modules:
        monkeypatch.setitem(sys.modules, m, None)


def test_case_check_of_a_postgresql_source_without_the_driver_names_the_postgres_extra(minimal_case, monkeypatch,
                                                                                      capsys):
    edit_case(minimal_case, **{"inputs.notices": {"url": PG_URL, "query": "SELECT * FROM notices"}})
    _without(monkeypatch, "psycopg")
    assert main(["case", "check", str(minimal_case)]) == 2
    err = capsys.readouterr().err
    assert (f"inputs.notices: a postgresql+psycopg:// source needs the PostgreSQL driver: "
            f"pip install '{DISTRIBUTION}[postgres]'") in err
    assert "psycopg" in err.rsplit("not installed:", 1)[1]


def test_a_query_without_pglast_is_the_same_one_problem_not_a_crash(minimal_case, monkeypatch):
    edit_case(minimal_case, **{"inputs.notices": {"url": PG_URL, "query": "SELECT * FROM notices"}})
    _without(monkeypatch, "pglast")
    with pytest.raises(CaseError) as err:
        load_case(minimal_case)
    assert [p for p in err.value.problems if "[postgres]" in p] == [
        f"inputs.notices: a postgresql+psycopg:// source needs the PostgreSQL driver: "
        f"pip install '{DISTRIBUTION}[postgres]' (not installed: pglast)"]


def test_a_file_case_needs_no_extra(minimal_case, monkeypatch):
    _without(monkeypatch, "psycopg", "pglast", "pyspark")
    assert load_case(minimal_case).case_id


def test_reading_a_database_without_the_driver_is_an_input_error_naming_the_extra(monkeypatch):
    from workbench.case import SqlInput
    from workbench.sql import make_engine

    _without(monkeypatch, "psycopg")
    with pytest.raises(InputError, match=re.escape(f"pip install '{DISTRIBUTION}[postgres]'")):
        make_engine(SqlInput(url=PG_URL, table="notices"))


def test_the_spark_engine_without_pyspark_is_a_case_error_naming_the_spark_extra(minimal_case, monkeypatch):
    from workbench.quality import validate_case

    _without(monkeypatch, "pyspark")
    with pytest.raises(CaseError, match=re.escape(f"engine spark: the spark engine needs pyspark (and Java 17): "
                                                  f"pip install '{DISTRIBUTION}[spark]'")) as err:
        validate_case(load_case(minimal_case), "spark")
    assert err.value.path == str(minimal_case)


def test_a_spark_session_without_pyspark_names_the_spark_extra(monkeypatch):
    from workbench.quality import spark_session

    _without(monkeypatch, "pyspark")
    with pytest.raises(WorkbenchError, match=re.escape("[spark]")):
        spark_session()
