"""The data-quality stage pushes checks down to the database when an input is SQL."""

from __future__ import annotations

from tests.conftest import edit_case
from workbench.case import load_case
from workbench.quality import choose_engine


def test_auto_engine_is_chunked_for_files_and_sql_for_database_inputs(minimal_case):
    case = load_case(minimal_case)
    assert choose_engine(case, "auto") == "chunked"
    assert choose_engine(case, "spark") == "spark"
    assert choose_engine(case, "duckdb") == "duckdb"
    edit_case(minimal_case, **{"inputs.notices": {"url": "postgresql+psycopg://auditor@localhost/breach",
                                                  "table": "notices"}})
    assert choose_engine(load_case(minimal_case), "auto") == "sql"
