"""`workbench synth --to-db URL`: a synthetic case loaded into PostgreSQL from the command line."""

from __future__ import annotations

import pytest

from workbench.case import SqlInput, load_case
from workbench.cli import main
from workbench.sources import read_input


def test_synth_to_db_loads_the_case_and_writes_a_case_reading_from_it(pg_env, db_schema, tmp_path, capsys):
    out = tmp_path / "case"
    code = main(["synth", "--people", "200", "--out", str(out), "--to-db", pg_env.url, "--db-schema", db_schema])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert f"affected_people    -> {db_schema}.affected_people" in printed.out
    assert pg_env.password not in printed.out + printed.err
    db_case = load_case(out / "case.postgres.yaml")
    spec = db_case.input_spec("notices")
    assert isinstance(spec, SqlInput) and spec.url == pg_env.url
    files, db = read_input(load_case(out / "case.yaml"), "notices"), read_input(db_case, "notices")
    assert db.stats.rows_read == files.stats.rows_read > 0


def test_synth_to_db_with_a_wrong_password_is_a_clear_error(pg, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "not-the-Right-one")
    code = main(["synth", "--people", "200", "--out", str(tmp_path / "c"), "--to-db", pg.url])
    err = capsys.readouterr().err
    assert code == 2 and "authentication failed for user 'auditor'" in err
    assert "not-the-Right-one" not in err


@pytest.mark.parametrize("url", ["postgresql://auditor:Secret99@127.0.0.1/breach",
                                 "postgresql://auditor@127.0.0.1/breach?PassWord=Secret99",
                                 "postgresql://auditor@127.0.0.1/breach?options=-c%20password%3DSecret99"])
def test_synth_to_db_refuses_a_password_in_the_url(tmp_path, capsys, url):
    code = main(["synth", "--people", "200", "--out", str(tmp_path / "c"), "--to-db", url])
    err = capsys.readouterr().err
    assert code == 2 and "PGPASSWORD" in err and "Secret99" not in err
