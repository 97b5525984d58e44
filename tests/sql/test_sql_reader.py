"""Reading case inputs from PostgreSQL: same frames as files, clear errors, bounded memory."""

from __future__ import annotations

import json
import tracemalloc

import pandas as pd
import pytest
import yaml

from tests.sql import pgserver
from workbench.sources import LETTER_INPUTS
from workbench import sources, sql, sqlload
from workbench.case import SqlInput, load_case
from workbench.errors import InputError
from workbench.sources import SCHEMAS, read_input


def _sorted(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    cols = SCHEMAS[name].names
    out = frame.drop(columns="source_row")
    return out.sort_values(cols, key=lambda s: s.astype("str"), na_position="first").reset_index(drop=True)


@pytest.fixture
def loaded(pg_env, sql_case, db_schema):
    """The all-inputs case loaded into its own schema: (file case, database case)."""
    res = sqlload.load_case_folder(sql_case, pg_env.url, schema=db_schema)
    return load_case(sql_case / "case.yaml"), load_case(res.case_yaml), res


@pytest.mark.parametrize("name", [n for n in SCHEMAS if n not in LETTER_INPUTS])  # letters are files only
def test_file_and_database_give_identical_frames_and_rejects(loaded, name):
    file_case, db_case, _ = loaded
    f, d = read_input(file_case, name), read_input(db_case, name)
    pd.testing.assert_frame_equal(_sorted(f.frame, name), _sorted(d.frame, name))
    assert list(d.frame.dtypes) == list(f.frame.dtypes)
    # every value-level reject comes back; a malformed CSV line (wrong field count) has no table form
    value_rejects = f.rejects[~f.rejects["reason"].str.startswith("wrong number of fields")]
    assert sorted(d.rejects["reason"]) == sorted(value_rejects["reason"])
    assert d.stats.kind == "sql" and d.stats.reconciles
    assert d.frame["source_row"].tolist() == sorted(d.frame["source_row"])


def test_the_loaded_case_points_at_tables_without_password(loaded, pg):
    _, db_case, res = loaded
    text = res.case_yaml.read_text()
    assert pg.password not in text
    spec = db_case.input_spec("notices")
    assert isinstance(spec, SqlInput) and spec.table.endswith(".notices")
    tables = {t.input: t for t in res.tables}
    assert tables["notices"].text_columns == ["sent_at"]  # one value is not a timestamp
    assert tables["notices"].not_loaded == 1  # the line with an extra field
    assert tables["affected_people"].text_columns == [] and tables["affected_people"].rows == 7


def test_a_query_input_reads_its_rows(loaded, db_schema):
    _, db_case, _ = loaded
    data = yaml.safe_load(db_case.path.read_text())
    data["inputs"]["affected_people"] = {"url": data["inputs"]["affected_people"]["url"],
                                         "query": f"SELECT * FROM {db_schema}.affected_people WHERE country = 'US';"}
    db_case.path.write_text(yaml.safe_dump(data))
    r = read_input(load_case(db_case.path), "affected_people")
    assert sorted(r.frame["person_id"]) == ["P1", "P2", "P4", "P4", "P5", "P6"]


def test_reading_is_chunked_through_a_server_side_cursor(pg_env, db_schema):
    pg_env.psql_admin(
        f"CREATE TABLE {db_schema}.share_prices AS SELECT DATE '2000-01-01' + i AS date, i * 1.5 AS close "
        f"FROM generate_series(1, 100000) AS i; GRANT SELECT ON {db_schema}.share_prices TO {pgserver.USER}",
        database=pgserver.DATABASE)
    spec = SqlInput(url=pg_env.url, table=f"{db_schema}.share_prices")
    stats = sources.InputStats("share_prices", "", "sql")
    warm = sql.read_sql(spec, SCHEMAS["share_prices"], 5_000, sources.InputStats("share_prices", "", "sql"))
    next(warm)  # first-call imports and caches are not what this test measures
    warm.close()
    tracemalloc.start()
    sizes = []
    try:
        for frame, first_row in sql.read_sql(spec, SCHEMAS["share_prices"], 5_000, stats):
            sizes.append(len(frame))
            assert first_row == 1 + 5_000 * (len(sizes) - 1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sizes == [5_000] * 20 and stats.rows_read == 100_000
    # all 100k rows fetched at once take over 20 MB as Python objects; one chunk about 1 MB
    assert peak < 8_000_000, peak


@pytest.fixture
def people_spec(loaded, db_schema, pg):
    return SqlInput(url=pg.url, table=f"{db_schema}.affected_people")


def _one_error(spec, name="affected_people") -> InputError:
    with pytest.raises(InputError) as info:
        list(sql.read_sql(spec, SCHEMAS[name], 1000, sources.InputStats(name, "", "sql")))
    return info.value


def test_missing_table_names_the_input_and_table(pg_env, db_schema):
    err = _one_error(SqlInput(url=pg_env.url, table=f"{db_schema}.no_such_table"))
    assert "input affected_people" in str(err) and "no_such_table" in str(err) and "not found" in str(err)


def test_missing_column_names_the_column(pg_env, db_schema):
    pg_env.psql_admin(f"CREATE TABLE {db_schema}.people (person_id text, email text, region text, country text, "
                      f"data_elements text); GRANT SELECT ON {db_schema}.people TO {pgserver.USER}",
                      database=pgserver.DATABASE)
    err = _one_error(SqlInput(url=pg_env.url, table=f"{db_schema}.people"))
    assert err.field == "full_name" and "missing required column(s) full_name" in str(err)
    assert "input affected_people" in str(err)


def test_connection_refused_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "s3cret-not-shown")
    port = pgserver.free_port()
    err = _one_error(SqlInput(url=f"postgresql+psycopg://auditor@127.0.0.1:{port}/breach", table="affected_people"))
    assert f"connection refused by 127.0.0.1:{port}" in str(err)
    assert "s3cret-not-shown" not in str(err) and "\n" not in str(err)


def test_wrong_password_is_one_clear_error_without_the_password(pg, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "Wrong-Pa55word")
    err = _one_error(SqlInput(url=pg.url, table="affected_people"))
    assert "authentication failed for user 'auditor'" in str(err) and "input affected_people" in str(err)
    assert "Wrong-Pa55word" not in str(err) and "\n" not in str(err)


def test_a_failing_query_names_the_input(pg_env):
    err = _one_error(SqlInput(url=pg_env.url, query="SELECT * FROM nowhere_at_all"), name="notices")
    assert "input notices: the query failed" in str(err) and "nowhere_at_all" in str(err)


def test_credentials_from_a_dotenv_file_beside_case_yaml(loaded, pg, monkeypatch):
    _, db_case, _ = loaded
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", "/nonexistent")  # no ~/.pgpass of the machine's user either
    with pytest.raises(InputError, match="none was given"):
        read_input(db_case, "share_prices")
    (db_case.folder / ".env").write_text(f"# local secrets\nexport PGPASSWORD='{pg.password}'\nOTHER=x\n")
    (db_case.folder / ".env").chmod(0o600)
    assert read_input(db_case, "share_prices").stats.rows_accepted == 5


def test_credentials_from_a_pgpass_file(loaded, pg, monkeypatch, tmp_path):
    _, db_case, _ = loaded
    monkeypatch.delenv("PGPASSWORD", raising=False)
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:{pg.port}:{pg.database}:{pg.user}:{pg.password}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    assert read_input(db_case, "share_prices").stats.rows_accepted == 5


def test_manifest_entry_has_rows_and_hash_and_no_credentials(loaded, pg):
    _, db_case, _ = loaded
    hashes = sources.input_hashes(db_case)
    text = json.dumps(hashes)
    assert pg.password not in text
    entry = hashes["affected_people"]
    assert entry["rows"] == 7 and len(entry["sha256"]) == 64
    assert entry["url"] == pg.url and entry["table"].endswith(".affected_people")
    assert hashes["notices"]["rows"] == 5  # the table holds 5 rows (one of them a reject when typed)


def test_content_hash_ignores_physical_order_and_sees_any_change(loaded, pg, db_schema):
    _, db_case, _ = loaded
    spec = sql.bind(db_case.input_spec("affected_people"), db_case)
    before = sql.content_digest(spec, SCHEMAS["affected_people"])
    t = f"{db_schema}.affected_people"
    pg.psql_admin(f"CREATE TABLE {t}_r AS SELECT * FROM {t} ORDER BY person_id DESC; "
                  f"TRUNCATE {t}; INSERT INTO {t} SELECT * FROM {t}_r", database=pgserver.DATABASE)
    assert sql.content_digest(spec, SCHEMAS["affected_people"])["sha256"] == before["sha256"]
    pg.psql_admin(f"UPDATE {t} SET city = 'Fresno' WHERE person_id = 'P1'", database=pgserver.DATABASE)
    after = sql.content_digest(spec, SCHEMAS["affected_people"])
    assert after["sha256"] != before["sha256"] and after["rows"] == before["rows"]


def test_manifest_records_an_unreachable_database_instead_of_failing(minimal_case, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "hidden-pw-123")
    data = yaml.safe_load(minimal_case.read_text())
    data["inputs"]["notices"] = {"url": f"postgresql://auditor@127.0.0.1:{pgserver.free_port()}/breach",
                                 "table": "notices"}
    minimal_case.write_text(yaml.safe_dump(data))
    entry = sources.input_hashes(load_case(minimal_case))["notices"]
    assert entry["sha256"] is None and "connection refused" in entry["error"]
    assert "hidden-pw-123" not in json.dumps(entry)


@pytest.mark.parametrize("url, shown", [
    ("postgresql+psycopg://auditor:pw@db.example:5432/breach", "postgresql+psycopg://auditor@db.example:5432/breach"),
    ("postgresql://db.example/breach", "postgresql://db.example/breach"),
    ("postgresql://u:p%40ss@h/db?sslmode=require", "postgresql://u@h/db?sslmode=require"),
])
def test_redact_url_drops_the_password(url, shown):
    assert sql.redact_url(url) == shown


def test_dotenv_parsing_keeps_only_libpq_keys(tmp_path):
    env = tmp_path / ".env"
    env.write_text('PGUSER=auditor\nexport PGPASSWORD="a b=c"\nAWS_SECRET=nope\n# PGHOST=x\nbroken line\n')
    assert sql.read_env_file(env) == {"PGUSER": "auditor", "PGPASSWORD": "a b=c"}


def test_reading_some_columns_keeps_the_row_numbers(loaded, db_schema, pg):
    spec = SqlInput(url=pg.url, table=f"{db_schema}.notices")
    full = list(sql.read_sql(spec, SCHEMAS["notices"], 100, sources.InputStats("notices", "", "sql")))[0][0]
    some = list(sql.read_sql(spec, SCHEMAS["notices"], 100, sources.InputStats("notices", "", "sql"),
                             columns=["person_id", "sent_at"]))[0][0]
    assert list(some.columns) == ["person_id", "sent_at"]
    pd.testing.assert_frame_equal(some, full[["person_id", "sent_at"]])
