"""A database input that changes during a run fails the run, as a file input does: its
ordered content digest is taken at the start and again at the end."""

from __future__ import annotations

import pytest

from tests.conftest import make_notebook
from tests.sql import pgserver
from workbench import runner, sql, sqlload
from workbench.case import load_case
from workbench.manifest import read_manifest
from workbench.runner import run_case
from workbench.status import RunStatus

pytestmark = pytest.mark.slow


def test_a_table_changed_during_the_run_fails_it(pg_env, sql_case, db_schema, tmp_path, monkeypatch):
    res = sqlload.load_case_folder(sql_case, pg_env.url, schema=db_schema)

    def someone_updates_the_table(case, run_dir):
        pg_env.psql_admin(f"UPDATE {db_schema}.affected_people SET city = 'Fresno' WHERE person_id = 'P1'",
                          database=pgserver.DATABASE)

    monkeypatch.setattr(runner, "POST_RUN_HOOKS", [someone_updates_the_table])
    quick = tmp_path / "nb_quick"
    make_notebook(quick, "10_quick.ipynb", "x = 1")
    result = run_case(res.case_yaml, tmp_path / "reports", notebooks=sorted(quick.glob("*.ipynb")))
    assert result.status == RunStatus.FAILED
    m = read_manifest(result.run_dir)
    start = m["inputs"]["affected_people"]["sha256"]
    assert m["error"]["ename"] == "InputChangedError"
    assert m["error"]["evalue"] == (f"input_changed: affected_people (sha256 at start {start[:12]}, at end "
                                    f"{sql.manifest_entry(load_case(res.case_yaml), 'affected_people')['sha256'][:12]})")
