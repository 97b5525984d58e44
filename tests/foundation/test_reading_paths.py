"""One way to read a value: the same hostile columns through every reading path give
identical accepted values and identical rejects.

Paths: CSV on the fast path, CSV on the exact path (forced by a malformed last row, and
by the reader's ``exact`` switch), Parquet with text columns, Parquet with natively typed
columns, and the loaders of the timelines stage (DuckDB tables) and of the letters check.
The PostgreSQL path is in ``tests/sql/test_sql_hostile_values.py``.
"""

from __future__ import annotations

import csv
import functools
import shutil

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import MINIMAL_CASE, edit_case
from workbench import sources
from workbench.case import load_case

#: Values a careless reader guesses at, for every typed column (one row each).
HOSTILE = [
    "2017-09-07T14:00:00Z", "2017-09-07 14:00:00-04:00", "2017-09-07T14:00:00+0200", "2017-09-07T14:00:00+02",
    "2017-09-07T10:00:00-04:00", "2017-09-07", "2017-09-07T14:00", "2017-09-07t14:00:00.123456789z",
    "2017-09-07T00:00:00Z", "2016-02-29", "now", "today", "Today", "yesterday", "20170907", "09/07/2017",
    "07.09.2017", "17-09-07", "2017-9-7", "2017-09-07T25:00", "2017-09-07T24:00:00Z", "2017-09-07T23:59:60Z",
    "2017-02-29", "0000-01-01", "1e3", "12", "-12", "+7", "1,234", "1,234,567.89", "1,5", "1.234,5", "1 000",
    " 42 ", "12.0", "12.5", "007", "9223372036854775807", "9223372036854775808", str(2 ** 63 + 1),
    "-9223372036854775809", "99999999999999999999", "inf", "-Infinity", "nan", "0x1A", "true", "Yes", "F", "0",
    "maybe", "", "   ", "a\x00b", "١٢",
]

#: (input, column under test) -> a valid row to fill the other columns.
TARGETS = {
    ("notices", "sent_at"): {"notice_id": "N{i}", "person_id": "P{p}", "channel": "mail",
                             "sent_at": "2017-08-05T14:00:00Z", "recipient_name": "Ann Able",
                             "recipient_address": "1 Main St", "data_elements_described": "name|ssn",
                             "template_id": "T1", "links": "", "status": "sent"},
    ("regulator_notices", "residents_reported"): {"jurisdiction": "US-CA", "recipient_type": "attorney_general",
                                                  "recipient": "AG", "sent_at": "2017-09-01T10:00:00Z",
                                                  "residents_reported": "3"},
    ("insider_trades", "transaction_date"): {
        "insider_name": "Doe Jane", "insider_title": "CFO", "is_officer": "true", "is_director": "false",
        "transaction_date": "2017-08-02", "transaction_code": "S", "shares": "100", "price": "10.5",
        "acquired_disposed": "D", "shares_owned_after": "900", "plan_10b5_1": "false", "filing_date": "2017-08-04"},
    ("insider_trades", "shares"): None,       # same row as above
    ("insider_trades", "is_officer"): None,
    ("share_prices", "close"): {"date": "2017-09-01", "close": "141.5"},
}


def _row_template(name: str) -> dict:
    return next(v for (n, _), v in TARGETS.items() if n == name and v is not None)


def _rows(name: str, column: str) -> list[dict]:
    out = []
    for i, value in enumerate(HOSTILE, start=1):
        row = {k: v.format(i=i, p=1 + i % 3) for k, v in _row_template(name).items()}
        row[column] = value
        out.append(row)
    return out


def _data(tmp_path):
    """The data folder of a private copy of the minimal case."""
    folder = tmp_path / "case"
    if not folder.exists():
        shutil.copytree(MINIMAL_CASE, folder)
    return folder / "data"


def _case(tmp_path, name: str, filename: str) -> object:
    edit_case(_data(tmp_path).parent / "case.yaml", **{f"inputs.{name}": f"data/{filename}"})
    return load_case(_data(tmp_path).parent / "case.yaml")


def _write_csv(path, rows: list[dict], extra_line: str | None = None) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        if extra_line:
            f.write(extra_line)


def _read(case, name, *, exact=False):
    saved = sources.READERS.get("csv")
    sources.READERS.register("csv", functools.partial(sources._read_csv, exact=exact))
    try:
        return sources.read_input(case, name, with_hash=False)
    finally:
        sources.READERS.register("csv", saved)


def _same(a, b, *, raw: bool = True):
    pd.testing.assert_frame_equal(a.frame, b.frame)
    cols = ["row", "field", "reason"] + (["raw"] if raw else [])
    pd.testing.assert_frame_equal(a.rejects[cols].reset_index(drop=True), b.rejects[cols].reset_index(drop=True))
    assert (a.stats.rows_read, a.stats.rows_accepted, a.stats.rows_rejected) == \
        (b.stats.rows_read, b.stats.rows_accepted, b.stats.rows_rejected)


@pytest.fixture(params=[t for t in TARGETS], ids=lambda t: f"{t[0]}.{t[1]}")
def hostile(request, tmp_path, monkeypatch):
    """A case whose input ``name`` holds every hostile value in ``column``, read on the
    fast CSV path (which must read it alone)."""
    name, column = request.param
    rows = _rows(name, column)
    _write_csv(_data(tmp_path) / "clean.csv", rows)
    case = _case(tmp_path, name, "clean.csv")
    real_exact = sources._read_csv_exact

    def no_exact(*a, **k):
        raise AssertionError("the fast path gave up on a structurally clean file")
    monkeypatch.setattr(sources, "_read_csv_exact", no_exact)
    fast = _read(case, name)
    monkeypatch.setattr(sources, "_read_csv_exact", real_exact)
    return name, column, rows, fast


def test_the_fast_path_reads_them_with_the_documented_rules(hostile):
    name, column, rows, fast = hostile
    assert fast.stats.reconciles and fast.stats.rows_read == len(HOSTILE)
    assert fast.rejects.empty or set(fast.rejects["field"]) == {column}
    bad = set(fast.rejects["row"])
    for word in ("now", "today", "09/07/2017", "inf", "nan", "1,5", "0x1A", "a\x00b"):
        assert HOSTILE.index(word) + 1 in bad, word  # rejected for every kind


def test_exact_path_forced_by_a_malformed_row_agrees(hostile, tmp_path):
    name, column, rows, fast = hostile
    _write_csv(_data(tmp_path) / "broken.csv", rows, extra_line="only,three,fields\n")
    broken = _read(_case(tmp_path, name, "broken.csv"), name)
    last = len(HOSTILE) + 1
    assert broken.rejects["row"].iloc[-1] == last and "wrong number of fields" in broken.rejects["reason"].iloc[-1]
    broken.rejects = broken.rejects[broken.rejects["row"] != last]
    broken.stats.rows_read -= 1
    broken.stats.rows_rejected -= 1
    _same(fast, broken)


def test_exact_path_switch_agrees(hostile, tmp_path):
    name, column, rows, fast = hostile
    _same(fast, _read(_case(tmp_path, name, "clean.csv"), name, exact=True))


def test_parquet_text_columns_agree(hostile, tmp_path):
    name, column, rows, fast = hostile
    table = pa.Table.from_pylist(rows, schema=pa.schema([(c, pa.string()) for c in rows[0]]))
    pq.write_table(table, _data(tmp_path) / "text.parquet")
    _same(fast, _read(_case(tmp_path, name, "text.parquet"), name))


def test_parquet_native_columns_give_the_accepted_values(hostile, tmp_path):
    """The accepted values written with their native types read back the same."""
    name, column, rows, fast = hostile
    typed = fast.frame.drop(columns="source_row")
    pq.write_table(pa.Table.from_pandas(typed, preserve_index=False), _data(tmp_path) / "native.parquet")
    again = _read(_case(tmp_path, name, "native.parquet"), name)
    assert again.rejects.empty
    pd.testing.assert_frame_equal(again.frame.drop(columns="source_row"), typed)


def test_timelines_and_letters_load_the_same_values(tmp_path):
    """sent_at through the timelines loader (DuckDB table), the case store, and the letters
    loader fed from the store."""
    from workbench.duck import connect
    from workbench.irregularities.letters import _relation
    from workbench.store import build_store
    from workbench.timelines.loading import _load_sources

    rows = _rows("notices", "sent_at")
    _write_csv(_data(tmp_path) / "clean.csv", rows)
    case = _case(tmp_path, "notices", "clean.csv")
    want = _read(case, "notices")
    accepted = want.frame.set_index("notice_id")["sent_at"].sort_index()
    con = connect()
    try:
        stats = _load_sources(con, case, chunk_rows=7)  # many chunks
        got = con.execute("SELECT sent_at FROM notices ORDER BY sent_at").df()["sent_at"]
        assert stats["notices_rejected"] == want.stats.rows_rejected == len(want.rejects)
        assert got.tolist() == accepted.sort_values().tolist()
        store = build_store(case, tmp_path / "run", chunk_rows=7)
        _relation(con, store.batches("notices", batch_rows=7), "n")
        letters = con.execute("SELECT notice_id, sent_at FROM n ORDER BY notice_id").df().set_index("notice_id")
        assert letters["sent_at"].tolist() == accepted.tolist()
        assert store.record("notices").rows_rejected == want.stats.rows_rejected
    finally:
        con.close()


def test_native_hostile_columns(tmp_path):
    """Natively typed Parquet values that are not what the contract holds are rejects too."""
    table = pa.table({
        "jurisdiction": pa.array(["US-CA"] * 5), "recipient_type": pa.array(["attorney_general"] * 5),
        "recipient": pa.array(["AG"] * 5),
        "sent_at": pa.array([pd.Timestamp("2017-09-07T10:00", tz="America/New_York")] * 4 + [None],
                            pa.timestamp("ns", tz="America/New_York")),
        "residents_reported": pa.array([3, 2 ** 63 + 1, None, 7, 8], pa.uint64()),
    })
    pq.write_table(table, _data(tmp_path) / "reg.parquet")
    r = _read(_case(tmp_path, "regulator_notices", "reg.parquet"), "regulator_notices")
    assert r.frame["residents_reported"].tolist()[0] == 3 and r.rejects["row"].tolist() == [2]
    assert "64-bit" in r.rejects["reason"].iloc[0]
    assert r.frame["sent_at"].iloc[0] == pd.Timestamp("2017-09-07T14:00", tz="UTC")
