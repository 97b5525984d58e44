"""Reading inputs: typed columns, rejects with row numbers and reasons, reconciliation."""

from __future__ import annotations

import hashlib
import shutil

import pandas as pd
import pytest

from tests.conftest import FIXTURES, edit_case
from workbench.case import load_case
from workbench.errors import InputError
from workbench.sources import file_sha256, iter_input, read_input

SRC = FIXTURES / "sources"


def _case_with(minimal_case, name, fixture):
    dst = minimal_case.parent / "data" / fixture
    shutil.copy(SRC / fixture, dst)
    edit_case(minimal_case, **{f"inputs.{name}": f"data/{fixture}"})
    return load_case(minimal_case)


def test_minimal_inputs_typed(minimal_case):
    case = load_case(minimal_case)
    notices = read_input(case, "notices")
    assert str(notices.frame["sent_at"].dtype) == "datetime64[us, UTC]"
    assert notices.frame["notice_id"].tolist() == ["N1", "N2", "N3"]
    assert notices.stats.rows_read == 3 and notices.stats.rows_rejected == 0
    people = read_input(case, "affected_people").frame
    assert people.loc[people.person_id == "P3", "full_name"].item() == "Chloé Dupont"
    assert pd.isna(people.loc[people.person_id == "P2", "email"].item())  # empty -> missing


def test_wrong_field_counts_are_rejected_with_row_numbers(minimal_case):
    r = read_input(_case_with(minimal_case, "affected_people", "people_wrong_field_counts.csv"), "affected_people")
    assert r.frame["person_id"].tolist() == ["P1", "P4"]
    assert r.frame["source_row"].tolist() == [1, 4]
    assert r.rejects["row"].tolist() == [2, 3]
    assert all("wrong number of fields" in x for x in r.rejects["reason"])
    assert r.stats.rows_read == 4 == r.stats.rows_accepted + r.stats.rows_rejected


def test_bad_dates_are_rejected_not_dropped(minimal_case):
    r = read_input(_case_with(minimal_case, "notices", "notices_with_bad_dates.csv"), "notices")
    assert r.frame["notice_id"].tolist() == ["N1", "N4"]
    assert r.rejects["row"].tolist() == [2, 3]
    assert set(r.rejects["field"]) == {"sent_at"}
    assert "'2017-13-45'" in r.rejects["reason"].iloc[0]
    assert r.stats.reconciles


def test_non_numeric_and_non_boolean_values_rejected(minimal_case):
    (minimal_case.parent / "data" / "trades.csv").write_text((SRC / "trades_non_numeric_shares.csv").read_text())
    edit_case(minimal_case, **{"inputs.insider_trades": "data/trades.csv"})
    r = read_input(load_case(minimal_case), "insider_trades")
    assert r.frame["insider_name"].tolist() == ["A Exec"]
    reasons = dict(zip(r.rejects["row"], r.rejects["reason"]))
    assert "shares: expected a number, got 'lots'" in reasons[2]
    assert "is_officer: expected true or false, got 'maybe'" in reasons[3]
    assert "price: expected a number" in reasons[3]  # 1e400 overflows to infinity
    assert r.frame["is_officer"].tolist() == [True]


def test_multiline_field_then_short_row(minimal_case):
    r = read_input(_case_with(minimal_case, "notices", "notices_multiline_then_short_row.csv"), "notices")
    assert r.frame["recipient_address"].tolist() == ["1 Main St\nSpringfield"]
    assert r.rejects["row"].tolist() == [2, 3]
    assert "line 4" in r.rejects["reason"].iloc[0]  # the record after a two-line record


def test_missing_required_column_is_named(minimal_case):
    with pytest.raises(InputError, match="missing required column.*full_name"):
        read_input(_case_with(minimal_case, "affected_people", "people_missing_full_name.csv"), "affected_people")


def test_empty_file_error(minimal_case):
    with pytest.raises(InputError, match="people_empty.csv: the file is empty"):
        read_input(_case_with(minimal_case, "affected_people", "people_empty.csv"), "affected_people")


def test_latin1_file_error_names_line(minimal_case):
    with pytest.raises(InputError, match=r"people_latin1.csv: not valid UTF-8 at line 3.*Latin-1"):
        read_input(_case_with(minimal_case, "affected_people", "people_latin1.csv"), "affected_people")


def test_utf8_bom_is_read_and_recorded(minimal_case):
    r = read_input(_case_with(minimal_case, "affected_people", "people_utf8_bom.csv"), "affected_people")
    assert r.frame["person_id"].tolist() == ["P1"]
    assert r.stats.encoding == "utf-8-sig"


def test_chunks_give_same_rows_and_numbers(minimal_case, tmp_path):
    lines = ["notice_id,person_id,channel,sent_at,recipient_name,recipient_address,data_elements_described,template_id,links,status"]
    for i in range(1, 1001):
        sent = "bad" if i % 97 == 0 else "2017-08-05T10:00:00Z"
        extra = ",x" if i % 251 == 0 else ""
        lines.append(f"N{i},P{i},mail,{sent},Name {i},,name,T1,,sent{extra}")
    (minimal_case.parent / "data" / "many.csv").write_text("\n".join(lines) + "\n")
    edit_case(minimal_case, **{"inputs.notices": "data/many.csv"})
    case = load_case(minimal_case)
    parts = list(iter_input(case, "notices", chunk_rows=128))
    accepted = pd.concat([p.frame for p in parts])
    rejected = pd.concat([p.rejects for p in parts])
    expected_bad = sorted({i for i in range(1, 1001) if i % 97 == 0 or i % 251 == 0})
    assert sorted(rejected["row"].tolist()) == expected_bad
    assert len(accepted) + len(rejected) == 1000 == parts[-1].stats.rows_read
    assert (accepted["notice_id"].str.slice(1).astype(int) == accepted["source_row"]).all()


def test_parquet_input(minimal_case):
    case = load_case(minimal_case)
    people = read_input(case, "affected_people").frame.drop(columns="source_row")
    people.to_parquet(minimal_case.parent / "data" / "people.parquet")
    edit_case(minimal_case, **{"inputs.affected_people": "data/people.parquet"})
    again = read_input(load_case(minimal_case), "affected_people")
    pd.testing.assert_frame_equal(again.frame.drop(columns="source_row"), people)


def test_sha256_of_file_and_folder(tmp_path):
    f = tmp_path / "a.txt"
    f.write_bytes(b"abc")
    assert file_sha256(f) == hashlib.sha256(b"abc").hexdigest()
    d = tmp_path / "d"
    d.mkdir()
    (d / "x.xml").write_bytes(b"1")
    h1 = file_sha256(d)
    (d / "x.xml").write_bytes(b"2")
    assert file_sha256(d) != h1


def test_form4_folder_keeps_provenance_and_rejects_bad_files(minimal_case):
    folder = minimal_case.parent / "data" / "form4"
    folder.mkdir()
    for name in ["form4_sale_in_window.xml", "form4_with_10b5_1_checkbox.xml"]:
        shutil.copy(FIXTURES / "synth" / name, folder / name)
    (folder / "broken.xml").write_text("<ownershipDocument><unclosed>")
    edit_case(minimal_case, **{"inputs.insider_trades": "data/form4/"})
    r = read_input(load_case(minimal_case), "insider_trades")
    assert len(r.frame) == 2 and {"is_derivative", "accession", "file"} <= set(r.frame.columns)
    assert r.frame["transaction_code"].tolist() == ["S", "S"]
    assert len(r.rejects) == 1 and "broken.xml" in r.rejects["reason"].iloc[0]
    assert r.stats.rows_read == 3 and r.stats.reconciles


def test_reading_selected_columns_keeps_rejects_and_counts(minimal_case):
    case = _case_with(minimal_case, "notices", "notices_with_bad_dates.csv")
    r = read_input(case, "notices", columns=["notice_id", "sent_at"])
    assert list(r.frame.columns) == ["notice_id", "sent_at", "source_row"]
    assert r.rejects["row"].tolist() == [2, 3] and r.stats.reconciles
    r2 = read_input(case, "notices", columns=["notice_id", "channel"])  # sent_at not read: nothing to reject
    assert len(r2.frame) == 4 and r2.stats.rows_rejected == 0
    people = read_input(_case_with(minimal_case, "affected_people", "people_wrong_field_counts.csv"),
                        "affected_people", columns=["person_id"])
    assert people.frame["person_id"].tolist() == ["P1", "P4"] and people.rejects["row"].tolist() == [2, 3]
    with pytest.raises(ValueError, match="unknown column"):
        read_input(case, "notices", columns=["nope"])


def test_parquet_chunks_do_not_accumulate_in_memory(minimal_case):
    """Reading a Parquet input row group by row group holds about one row group, whatever
    the file's size. With pyarrow's pre-buffering, iter_batches kept the bytes of row
    groups already read (it shows with 500,000-row groups, as the generator writes), and
    memory grew with the file: 3 GB at 150M people."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows, groups = 500_000, 12
    people = read_input(load_case(minimal_case), "affected_people").frame
    one = pa.Table.from_pandas(people.iloc[[0]].drop(columns=["source_row"]), preserve_index=False)
    table = pa.concat_tables([one] * rows).combine_chunks()
    ids = np.char.add("P", np.random.default_rng(1).integers(0, 2**62, rows).astype("U19"))  # incompressible
    table = table.set_column(table.schema.get_field_index("person_id"), "person_id", pa.array(ids))
    path = minimal_case.parent / "data" / "people.parquet"
    with pq.ParquetWriter(path, table.schema, compression="zstd") as w:
        for _ in range(groups):
            w.write_table(table, row_group_size=rows)
    edit_case(minimal_case, **{"inputs.affected_people": "data/people.parquet"})
    held = []
    for part in iter_input(load_case(minimal_case), "affected_people", chunk_rows=rows, columns=["person_id"],
                           with_hash=False):
        assert len(part.frame) == rows
        del part
        held.append(pa.total_allocated_bytes())
    assert len(held) == groups
    group_bytes = pq.ParquetFile(path).metadata.row_group(0).column(0).total_compressed_size
    assert held[-1] - held[1] < 2 * group_bytes, (held, group_bytes)
