"""A real PostgreSQL server for the SQL tests, started once per test session.

The server binaries come from Debian's ``postgresql`` package (``.ci/run`` installs it
when absent). Without them the SQL tests are skipped with the reason, except under CI
(``CI`` set), where a missing server is an error: CI must test the database route.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.sql import pgserver

SQL_FIXTURES = Path(__file__).parents[1] / "fixtures" / "sql"


@pytest.fixture(scope="session")
def pg():
    """The running server (``pg.url`` has no password; ``pg.password`` is the auditor's)."""
    try:
        server = pgserver.start()
    except pgserver.PgUnavailable as err:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {err}")
        pytest.skip(str(err))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_env(pg, monkeypatch):
    """The auditor's password in PGPASSWORD (the libpq way), nothing else."""
    monkeypatch.setenv("PGPASSWORD", pg.password)
    return pg


@pytest.fixture
def db_schema(pg, request):
    """A fresh PostgreSQL schema per test (tests share one server and database)."""
    name = "t_" + "".join(ch if ch.isalnum() else "_" for ch in request.node.name.lower())[:50]
    pg.psql_admin(f"DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name} AUTHORIZATION {pgserver.USER}",
                  database=pgserver.DATABASE)
    return name


@pytest.fixture
def sql_case(tmp_path) -> Path:
    """A private copy of the all-inputs case with planted defects; returns its folder."""
    dst = tmp_path / "case"
    shutil.copytree(SQL_FIXTURES / "case_all_inputs_with_defects", dst)
    return dst
