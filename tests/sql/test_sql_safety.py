"""Databases read safely: what the parser misses, the server refuses; no password is written.

Every table here is owned by the auditor role the reader logs in as, so a write that got
through would succeed: each test fails if its guard is taken away.
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
import yaml

from tests.conftest import edit_case
from tests.sql import pgserver
from workbench import sources, sql, sqlguard
from workbench.case import Case, SqlInput, load_case
from workbench.errors import InputError
from workbench.overview import build_overview
from workbench.sources import SCHEMAS


@pytest.fixture
def prices(pg_env, db_schema) -> str:
    """``<schema>.prices`` (3 share prices) and ``<schema>.wipe()``, a function that deletes
    them, both owned by the auditor; returns the table's name."""
    table = f"{db_schema}.prices"
    pg_env.psql_admin(
        f"SET ROLE {pgserver.USER}; "
        f"CREATE TABLE {table} (date date, close double precision); "
        f"INSERT INTO {table} VALUES ('2017-09-01', 10.5), ('2017-09-05', 9.25), ('2017-09-06', 8.0); "
        f"CREATE FUNCTION {db_schema}.wipe() RETURNS int LANGUAGE plpgsql AS "
        f"$$BEGIN DELETE FROM {table}; RETURN 1; END$$",
        database=pgserver.DATABASE)
    return table


def _rows(pg, table: str) -> int | None:
    """Row count of ``table`` as the superuser sees it (None: the table is gone)."""
    out = pg.psql_admin(f"SELECT count(*) FROM pg_tables WHERE schemaname || '.' || tablename = '{table}'",
                        database=pgserver.DATABASE)
    if out.strip() == "0":
        return None
    return int(pg.psql_admin(f"SELECT count(*) FROM {table}", database=pgserver.DATABASE))


def _read(spec: SqlInput, name: str = "share_prices"):
    return list(sql.read_sql(spec, SCHEMAS[name], 100, sources.InputStats(name, "", "sql")))


def _no_parser(monkeypatch) -> None:
    """Let any query past the parser (the server-side guards must hold on their own)."""
    monkeypatch.setattr(sqlguard, "query_problems", lambda query: [])
    monkeypatch.setattr(sqlguard, "statement_text", lambda query: query)


def test_a_query_holding_a_function_that_writes_fails_at_the_server(pg_env, prices):
    query = f"SELECT date, close FROM {prices} WHERE {prices.split('.')[0]}.wipe() = 1"
    assert sqlguard.query_problems(query) == []  # nothing for a parser to see
    with pytest.raises(InputError, match="cannot execute DELETE in a read-only transaction"):
        _read(SqlInput(url=pg_env.url, query=query))
    assert _rows(pg_env, prices) == 3


def test_stacked_statements_the_parser_missed_are_refused_by_the_server(pg_env, prices, monkeypatch):
    _no_parser(monkeypatch)
    # closes the reader's subquery, commits, opens a writing transaction, drops the table
    query = (f"SELECT date, close FROM {prices}) AS q; COMMIT; BEGIN READ WRITE; DROP TABLE {prices}; COMMIT; "
             f"SELECT * FROM (SELECT date, close FROM {prices}")
    with pytest.raises(InputError, match="cannot insert multiple commands into a prepared statement"):
        _read(SqlInput(url=pg_env.url, query=query))
    assert _rows(pg_env, prices) == 3


def test_the_content_hash_copy_is_parsed_by_the_server_as_one_statement(pg_env, prices):
    """psycopg sends COPY as a simple query, which may carry several statements."""
    spec = SqlInput(url=pg_env.url, table=prices)
    engine = sql.make_engine(spec)
    try:
        with engine.connect() as conn:
            dbapi = conn.connection.driver_connection
            with pytest.raises(InputError, match="cannot insert multiple commands"):
                sql._parses_as_one_statement(dbapi, f"COPY (SELECT 1) TO STDOUT; DROP TABLE {prices}", spec,
                                             "share_prices")
    finally:
        engine.dispose()
    assert _rows(pg_env, prices) == 3


@contextmanager
def _reading_connection(url: str):
    """A connection of the reader's own engine (``sql.make_engine``), disposed afterwards."""
    engine = sql.make_engine(SqlInput(url=url, table="x"))
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def _show(conn, setting: str) -> str:
    return conn.exec_driver_sql(f"SHOW {setting}").scalar()


def test_the_reading_session_is_read_only_by_default(pg_env):
    with _reading_connection(pg_env.url) as conn:
        assert _show(conn, "default_transaction_read_only") == "on"
        assert _show(conn, "standard_conforming_strings") == "on"


def test_every_reading_transaction_begins_read_only_whatever_the_session_says(pg_env):
    with _reading_connection(pg_env.url) as conn:
        conn.exec_driver_sql("SELECT set_config('default_transaction_read_only', 'off', false)")
        conn.commit()
        assert _show(conn, "default_transaction_read_only") == "off"
        assert _show(conn, "transaction_read_only") == "on"


def test_url_options_come_first_so_the_read_only_session_holds(pg_env):
    """The reader itself (not only case check) keeps its settings over a URL's options."""
    url = f"{pg_env.url}?options=-c%20default_transaction_read_only%3Doff%20-c%20search_path%3Dpg_catalog"
    with _reading_connection(url) as conn:
        assert _show(conn, "default_transaction_read_only") == "on"
        assert _show(conn, "search_path") == "pg_catalog"


def test_the_gx_engine_gets_the_same_read_only_session(pg_env, prices):
    spec = SqlInput(url=pg_env.url, table=prices)
    source = sql.validation_source(spec, SCHEMAS["share_prices"], [])
    assert source.query is not None
    engine = sa.create_engine(source.connection_string, **source.engine_kwargs)  # as GX's add_postgres does
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW default_transaction_read_only").scalar() == "on"
            conn.exec_driver_sql("SELECT set_config('default_transaction_read_only', 'off', false)")
            conn.commit()
            assert conn.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
            with pytest.raises(sa.exc.DBAPIError, match="read-only transaction"):
                conn.exec_driver_sql(f"SELECT {prices.split('.')[0]}.wipe()")
    finally:
        engine.dispose()
    assert _rows(pg_env, prices) == 3


def test_the_reader_refuses_an_unsafe_query_before_connecting(pg_env, prices):
    with pytest.raises(InputError) as err:
        _read(SqlInput(url=pg_env.url, query=f"SELECT date, close FROM {prices}; DELETE FROM {prices}"))
    assert err.value.field == "query" and "refused: query holds 2 statements" in str(err.value)
    assert _rows(pg_env, prices) == 3


# --------------------------------------------------------------------------- no password written

def _unchecked_case(folder, url: str, table: str) -> Case:
    """A case whose share_prices URL was never through load_case's checks (made in code)."""
    data = yaml.safe_load((folder / "case.yaml").read_text())
    data["inputs"]["share_prices"] = {"url": url, "table": table}
    case = Case.model_validate(data)
    case._path = folder / "case.yaml"
    return case


def test_a_password_in_the_url_is_refused_by_the_reader_and_written_nowhere(pg, prices, minimal_case,
                                                                             monkeypatch, caplog):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")  # the URL is the only place the password is
    caplog.set_level(logging.DEBUG)
    url = f"{pg.url}?PASSWORD={pg.password}"
    case = _unchecked_case(minimal_case.parent, url, prices)
    with pytest.raises(InputError) as err:
        list(sources.iter_input(case, "share_prices"))
    assert "refused: url contains a password" in str(err.value) and pg.password not in str(err.value)
    manifest = sources.input_hashes(case)["share_prices"]
    assert manifest["url"] == pg.url and manifest["sha256"] is None
    assert pg.password not in json.dumps(manifest) and pg.password not in caplog.text
    assert _rows(pg, prices) == 3


def test_reading_with_the_password_from_dotenv_writes_it_nowhere(pg, prices, minimal_case, monkeypatch,
                                                                 caplog, tmp_path):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")
    (minimal_case.parent / ".env").write_text(f"PGPASSWORD={pg.password}\n")
    (minimal_case.parent / ".env").chmod(0o600)
    caplog.set_level(logging.DEBUG)  # SQLAlchemy and psycopg log at DEBUG too
    share_prices = {"url": f"{pg.url}?sslmode=disable&application_name=audit", "table": prices}
    run_dir = tmp_path / "run"
    build_overview(load_case(edit_case(minimal_case, **{"inputs.share_prices": share_prices})), run_dir)
    inputs_csv = (run_dir / "artifacts" / "00_case_overview.inputs.csv").read_text()
    assert f"{pg.url}?application_name=audit&sslmode=disable table {prices}" in inputs_csv  # InputStats.path
    # a query that fails: its message goes to the manifest and the log
    case = load_case(edit_case(minimal_case, **{"inputs.notices": {"url": pg.url, "query": f"SELECT * FROM {prices}_x"}}))
    with pytest.raises(InputError) as err:
        sources.read_input(case, "notices")
    manifest = json.dumps(sources.input_hashes(case))
    assert '"rows": 3' in manifest and "does not exist" in manifest
    written = [p.read_bytes() for p in run_dir.rglob("*") if p.is_file()]  # the store's Parquet files too
    assert len(written) >= 3 and all(pg.password.encode() not in data for data in written)
    assert pg.password not in manifest and pg.password not in str(err.value) and pg.password not in caplog.text
