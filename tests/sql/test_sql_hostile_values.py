"""The PostgreSQL reading path gives the accepted values and rejects of the file paths
(see tests/foundation/test_reading_paths.py): the same hostile column loaded as text, and
the accepted values loaded with their PostgreSQL types, read back through the same parser."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest

from tests.conftest import MINIMAL_CASE, edit_case
from tests.foundation.test_reading_paths import HOSTILE, _rows, _write_csv
from workbench import sqlload
from workbench.case import load_case
from workbench.sources import read_input

#: PostgreSQL text cannot hold a NUL character, so that value has no table form.
TABLE_HOSTILE = [v for v in HOSTILE if "\x00" not in v]


@pytest.mark.parametrize("name, column", [("notices", "sent_at"), ("regulator_notices", "residents_reported"),
                                          ("insider_trades", "transaction_date"), ("insider_trades", "shares")])
def test_database_reads_the_hostile_column_as_the_file_does(pg_env, db_schema, tmp_path, name, column):
    folder = tmp_path / "case"
    shutil.copytree(MINIMAL_CASE, folder)
    rows = [r for r in _rows(name, column) if r[column] in TABLE_HOSTILE]
    _write_csv(folder / "data" / "hostile.csv", rows)
    edit_case(folder / "case.yaml", **{f"inputs.{name}": "data/hostile.csv"})
    file_case = load_case(folder / "case.yaml")
    res = sqlload.load_case_folder(folder, pg_env.url, schema=db_schema)
    db_case = load_case(res.case_yaml)
    f, d = read_input(file_case, name, with_hash=False), read_input(db_case, name, with_hash=False)
    key = lambda t: t.drop(columns="source_row").astype("str").sort_values(list(t.columns[:-1])).reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(key(f.frame), key(d.frame))
    # the loader stores text trimmed (" 42 " as "42"), so a reason shows the value trimmed
    trimmed = lambda r: sorted(re.sub(r"got '\s*(.*?)\s*'", r"got '\1'", x) for x in r["reason"])  # noqa: E731
    assert trimmed(d.rejects) == trimmed(f.rejects)
    assert (d.stats.rows_read, d.stats.rows_accepted, d.stats.rows_rejected) == \
        (f.stats.rows_read, f.stats.rows_accepted, f.stats.rows_rejected)


@pytest.mark.parametrize("name, column", [("notices", "sent_at"), ("regulator_notices", "residents_reported"),
                                          ("insider_trades", "shares")])
def test_database_types_give_back_the_accepted_values(pg_env, db_schema, tmp_path, name, column):
    """Only the accepted values, loaded as TIMESTAMPTZ / BIGINT / DOUBLE PRECISION: their
    PostgreSQL text output parses to the very same values."""
    folder = tmp_path / "case"
    shutil.copytree(MINIMAL_CASE, folder)
    _write_csv(folder / "data" / "hostile.csv", [r for r in _rows(name, column) if r[column] in TABLE_HOSTILE])
    edit_case(folder / "case.yaml", **{f"inputs.{name}": "data/hostile.csv"})
    accepted = read_input(load_case(folder / "case.yaml"), name, with_hash=False).frame
    rows = [r for r in _rows(name, column) if r[column] in TABLE_HOSTILE]
    keep = set(accepted["source_row"])
    _write_csv(folder / "data" / "hostile.csv", [r for i, r in enumerate(rows, start=1) if i in keep])
    res = sqlload.load_case_folder(folder, pg_env.url, schema=db_schema)
    assert {t.input: t.text_columns for t in res.tables}[name] == []  # natively typed in the database
    d = read_input(load_case(res.case_yaml), name, with_hash=False)
    key = lambda t: t.drop(columns="source_row").sort_values(column).reset_index(drop=True)  # noqa: E731
    assert d.rejects.empty
    pd.testing.assert_frame_equal(key(accepted), key(d.frame), check_like=True)
