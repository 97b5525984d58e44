"""The case store's first cut: each input read once through sources, typed, in one DuckDB
file with its read statistics and rejects; the population store takes its keys from it."""

from __future__ import annotations

import duckdb
import pytest

from workbench import sources
from workbench.store import READS_TABLE, REJECTS_TABLE, read_intake, write_duckdb


@pytest.fixture(scope="module")
def planted_store(planted_case, tmp_path_factory):
    db = tmp_path_factory.mktemp("store") / "case.duckdb"
    return db, write_duckdb(planted_case, db, chunk_rows=4)  # notices (11 rows) in three chunks


def test_every_declared_input_is_a_table_of_its_accepted_rows_in_file_order(planted_case, planted_store):
    db, tables = planted_store
    assert set(tables) == set(planted_case.declared_inputs())
    con = duckdb.connect(str(db), read_only=True)
    try:
        for name, table in tables.items():
            read = sources.read_input(planted_case, name)
            stored = con.execute(f'SELECT * FROM "{table}"').df()
            assert list(stored.columns) == list(read.frame.columns), name
            assert stored["source_row"].tolist() == read.frame["source_row"].tolist(), name
        types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                 "WHERE table_name = 'notices'").fetchall())
        assert types["sent_at"] == "TIMESTAMP WITH TIME ZONE" and types["notice_id"] == "VARCHAR"
        assert types["source_row"] == "BIGINT"
        assert con.execute(f"SELECT count(*) FROM {REJECTS_TABLE} WHERE input = 'notices'").fetchone()[0] == 1
        assert con.execute(f"SELECT count(*) FROM {READS_TABLE}").fetchone()[0] == len(tables)
    finally:
        con.close()


def test_stats_and_rejects_read_back_as_the_reader_gave_them(planted_case, planted_store):
    db, tables = planted_store
    stored = read_intake(db, tables)
    for name in tables:
        read = sources.read_input(planted_case, name)
        assert stored[name].stats == read.stats.as_dict(), name
        assert stored[name].rejects["row"].tolist() == read.rejects["row"].tolist(), name
        assert stored[name].rejects["reason"].tolist() == read.rejects["reason"].tolist(), name


def test_writing_again_replaces_an_input(planted_case, tmp_path):
    db = tmp_path / "case.duckdb"
    write_duckdb(planted_case, db, ["notices"])
    write_duckdb(planted_case, db, ["notices", "share_prices"])
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM notices").fetchone()[0] == 10
        assert con.execute(f"SELECT count(*) FROM {REJECTS_TABLE}").fetchone()[0] == 1
        assert con.execute(f"SELECT count(*) FROM {READS_TABLE}").fetchone()[0] == 2
    finally:
        con.close()


def test_a_table_made_otherwise_is_described_by_its_row_count(tmp_path):
    db = tmp_path / "other.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE prices AS SELECT range AS source_row FROM range(1, 4)")
    con.close()
    info = read_intake(db, {"share_prices": "prices"})["share_prices"]
    assert (info.stats["rows_read"], info.stats["rows_accepted"], info.stats["rows_rejected"]) == (3, 3, 0)
    assert len(info.rejects) == 0


def test_population_store_takes_key_columns_from_the_store(planted_case, planted_store):
    from workbench import quality
    from workbench.population import PopulationStore

    db, tables = planted_store
    specs = quality.load_suites(tables)
    with PopulationStore(specs) as by_table, PopulationStore(specs) as by_chunk:
        for name, table in tables.items():
            by_table.add_duckdb_table(name, db, table)
            for part in sources.iter_input(planted_case, name):
                by_chunk.add(name, part.frame)
        for name in tables:
            q = f'SELECT * FROM "{name}" ORDER BY source_row'
            assert by_table.con.execute(q).fetchall() == by_chunk.con.execute(q).fetchall(), name
