"""The cheaper intake gives what the intake gave before, value for value and reject for reject.

The intake's typing (:func:`workbench.schemas.type_frame`), its jurisdiction mapping
(:func:`workbench.law.jurisdiction_codes`) and the way it writes the store were made
cheaper (issue 15). Their earlier versions are kept below, verbatim, as the reference:
the hostile values of ``test_reading_paths`` and the hostile files of
``tests/fixtures/sources`` through every reading path give the same accepted rows, the
same rejects with the same reasons, and the store the same Arrow types.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import FIXTURES, MINIMAL_CASE, edit_case
from tests.foundation.test_reading_paths import HOSTILE, TARGETS, _rows, _write_csv
from workbench import schemas, sources, values
from workbench.case import load_case
from workbench.errors import InputError
from workbench.law import jurisdiction_codes, jurisdiction_for
from workbench.schemas import CONVERTERS, REJECT_DTYPES, SCHEMAS, SHOWN_CHARS, _joined, _visible
from workbench.store import ARROW_TYPES, CaseStore, build_store


# --------------------------------------------------------------------------- the versions before (verbatim)

def _empty_rejects_before() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in REJECT_DTYPES.items()})


def type_frame_before(raw, schema, *, file, first_row, keep_extra=False):
    raw = raw.reset_index(drop=True)
    n = len(raw)
    rows = (pd.Series(np.arange(n, dtype="int64") + first_row)
            if isinstance(first_row, (int, np.integer)) else pd.Series(first_row).reset_index(drop=True))
    typed = {}
    reasons = pd.Series("", index=raw.index, dtype="object")
    first_field = pd.Series(None, index=raw.index, dtype="object")
    for col in schema.columns:
        if col.name not in raw.columns:
            typed[col.name] = CONVERTERS.get(col.kind)(pd.Series([None] * n, dtype="str"))[0]
            continue
        parsed = CONVERTERS.get(col.kind)(raw[col.name])
        typed[col.name] = parsed.values
        bad = parsed.bad.to_numpy(dtype=bool)
        if bad.any():
            shown = _visible(raw.loc[bad, col.name].astype("str").fillna("").str.slice(0, SHOWN_CHARS))
            msg = f"{col.name}: expected {schemas._EXPECTED[col.kind]}, got '" + shown + "'"
            if parsed.detail is not None:
                detail = parsed.detail[bad]
                msg = msg + detail.map(lambda d: f" ({d})" if isinstance(d, str) else "")
            sep = np.where(reasons[bad] == "", "", "; ")
            reasons[bad] = reasons[bad] + sep + msg.astype("object")
            first_field[bad & first_field.isna().to_numpy()] = col.name
    frame = pd.DataFrame(typed)
    if keep_extra:
        for col in raw.columns:
            if col not in typed:
                frame[col] = raw[col].to_numpy()
    frame["source_row"] = rows.to_numpy()
    bad_rows = (reasons != "").to_numpy()
    if not bad_rows.any():
        return frame, _empty_rejects_before()
    rejects = pd.DataFrame({
        "input": schema.name, "file": file, "row": rows[bad_rows].to_numpy(),
        "field": first_field[bad_rows].to_numpy(), "reason": reasons[bad_rows].to_numpy(),
        "raw": _joined(raw[bad_rows]).to_numpy(),
    }).astype(REJECT_DTYPES)
    return frame[~bad_rows].reset_index(drop=True), rejects


def _text_before(arr):
    import pyarrow.compute as pc

    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    t = pc.utf8_trim_whitespace(arr)
    t = pc.if_else(pc.equal(t, ""), pa.scalar(None, t.type), t)
    return t, values._Bytes(t).holding(0)


def _typing_before(m) -> None:
    """Type the way before, in a ``monkeypatch.context()``."""
    m.setattr(sources, "type_frame", type_frame_before)
    m.setattr(values, "_text", _text_before)


def jurisdiction_codes_before(country, region):
    import pyarrow.compute as pc

    def norm(s):
        arr = pa.array(s, type=pa.string(), from_pandas=True)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        return pc.fill_null(pc.utf8_upper(pc.utf8_trim_whitespace(arr)), "")

    keys = pc.binary_join_element_wise(norm(country), norm(region), "\x1f").dictionary_encode()
    codes = [jurisdiction_for(*(part or None for part in k.split("\x1f", 1))) for k in keys.dictionary.to_pylist()]
    distinct = sorted(set(codes))
    position = pa.array([distinct.index(c) for c in codes], type=pa.int32())
    mapped = pa.DictionaryArray.from_arrays(pc.take(position, keys.indices), pa.array(distinct, type=pa.string()))
    return pd.Series(mapped.to_pandas(), index=country.index, name="jurisdiction")


# --------------------------------------------------------------------------- helpers

def _read_both(case, name, monkeypatch):
    """``read_input`` with today's typing and with the typing before (or the same error)."""
    def read():
        try:
            return sources.read_input(case, name, with_hash=False)
        except InputError as err:
            return str(err)

    now = read()
    with monkeypatch.context() as m:
        _typing_before(m)
        before = read()
    return now, before


def _assert_same(now, before):
    if isinstance(before, str):
        assert now == before
        return
    pd.testing.assert_frame_equal(now.frame, before.frame)
    pd.testing.assert_frame_equal(now.rejects, before.rejects)
    assert (now.stats.rows_read, now.stats.rows_accepted, now.stats.rows_rejected) == \
        (before.stats.rows_read, before.stats.rows_accepted, before.stats.rows_rejected)


def _private_case(tmp_path) -> Path:
    folder = tmp_path / "case"
    shutil.copytree(MINIMAL_CASE, folder)
    return folder / "case.yaml"


# --------------------------------------------------------------------------- typing

@pytest.mark.parametrize("target", list(TARGETS), ids=lambda t: f"{t[0]}.{t[1]}")
@pytest.mark.parametrize("fmt", ["csv", "parquet-text"])
def test_hostile_values_type_as_before(target, fmt, tmp_path, monkeypatch):
    name, column = target
    rows = _rows(name, column)
    case_yaml = _private_case(tmp_path)
    data = case_yaml.parent / "data"
    if fmt == "csv":
        _write_csv(data / "hostile.csv", rows)
    else:
        pq.write_table(pa.Table.from_pylist(rows, schema=pa.schema([(c, pa.string()) for c in rows[0]])),
                       data / "hostile.parquet")
    edit_case(case_yaml, **{f"inputs.{name}": f"data/hostile.{fmt.split('-')[0]}"})
    now, before = _read_both(load_case(case_yaml), name, monkeypatch)
    assert len(before.rejects) >= 8  # the fixture is hostile: the check compares rejects, not two empty tables
    _assert_same(now, before)


#: Fixture file prefix -> the input it is.
_PREFIX = {"people_": "affected_people", "notices_": "notices", "regulator_notices_": "regulator_notices",
           "trades_": "insider_trades"}


def _fixture_input(path: Path) -> str:
    return next(v for k, v in sorted(_PREFIX.items(), key=lambda kv: -len(kv[0])) if path.name.startswith(k))


@pytest.mark.parametrize("fixture", sorted((FIXTURES / "sources").glob("*.csv")), ids=lambda p: p.stem)
def test_hostile_files_type_as_before(fixture, tmp_path, monkeypatch):
    name = _fixture_input(fixture)
    case_yaml = _private_case(tmp_path)
    shutil.copy(fixture, case_yaml.parent / "data" / fixture.name)
    edit_case(case_yaml, **{f"inputs.{name}": f"data/{fixture.name}"})
    _assert_same(*_read_both(load_case(case_yaml), name, monkeypatch))


def test_a_column_the_input_lacks_types_as_before(monkeypatch):
    """Optional columns absent from the file (``data_owner``, most of a trade's detail):
    every kind's missing column, typed the cheap way, equals the one typed before."""
    schema = schemas._schema("every_kind", None, "name:str! s:str t:timestamp d:date i:int f:float b:bool")
    raw = pd.DataFrame({"name": ["Doe Jane", " ", "x\x00"]}, dtype="str")
    now, rej_now = schemas.type_frame(raw, schema, file="f.csv", first_row=1)
    with monkeypatch.context() as m:
        _typing_before(m)
        before, rej_before = type_frame_before(raw, schema, file="f.csv", first_row=1)
    assert {c.kind for c in schema.columns if c.name != "name"} == set(ARROW_TYPES)
    pd.testing.assert_frame_equal(now, before)
    pd.testing.assert_frame_equal(rej_now, rej_before)
    assert list(rej_now["row"]) == [3]


@pytest.mark.parametrize("texts", [
    ["plain", "ascii", "only"], [" lead", "plain"], ["plain", "trail "], ["mid dle", "\nlf"], ["\u00a0nbsp", "em\u2003", "caf\u00e9", "\u00e9t\u00e9"],
    ["", "x", None, "   ", "\t"], ["a\x00b", "\x00", "ok\x00 "], ["\x1fu", "v\x7f", "~!"], [None, None], []],
    ids=["ascii", "leading", "trailing", "inside-and-lf", "unicode", "empty-and-null", "nul", "control", "all-null", "no-rows"])
@pytest.mark.parametrize("backing", ["str", "arrow-string", "arrow-large-string", "sliced"])
def test_text_is_trimmed_and_checked_as_before(texts, backing):
    """The text step skips a kernel only where it would change nothing."""
    values_in = ["pad"] + texts + ["pad"] if backing == "sliced" else texts
    arr = pa.array(values_in, type=pa.large_string() if backing == "arrow-large-string" else pa.string())
    if backing == "sliced":
        arr = arr.slice(1, len(texts))
    elif backing == "str":
        arr = values.to_arrow(pd.Series(texts, dtype="str"))
    now, nul_now = values._text(arr)
    before, nul_before = _text_before(arr)
    assert now.to_pylist() == before.to_pylist() and now.type == before.type
    assert nul_now.tolist() == nul_before.tolist()


# --------------------------------------------------------------------------- jurisdictions

def test_jurisdictions_map_as_before():
    rng = np.random.default_rng(15)
    countries = ["US", "us", " US ", "USA", "GB", "UK", "DE", "de ", "EL", "PR", "CA", "ca", "XX", "", "  ", None,
                 "U\x1fS", "\u00a0FR\u2003"]
    regions = ["CA", "ca", "US-CA", " NY", "QC", "qc ", "AB", "zz", "", None, "\x00"]
    frame = pd.DataFrame({"country": rng.choice(np.array(countries, dtype=object), 3000),
                          "region": rng.choice(np.array(regions, dtype=object), 3000)}, index=np.arange(3000) * 7)
    for country, region in [(frame["country"], frame["region"]),
                            (frame["country"].astype("str"), frame["region"].astype("str")),
                            (frame["country"].astype(pd.ArrowDtype(pa.string())), frame["region"]),
                            (frame["country"].iloc[:0], frame["region"].iloc[:0])]:
        now = jurisdiction_codes(country, region)
        pd.testing.assert_series_equal(now, jurisdiction_codes_before(country, region))
    assert now.dtype == "category"


# --------------------------------------------------------------------------- the store

def test_the_store_of_hostile_inputs_holds_the_rows_and_types_of_before(tmp_path, monkeypatch):
    """People with hostile places and names, notices with hostile moments: the store holds
    exactly the rows typed the way before, in the contract's Arrow types, and each
    person's jurisdiction as the mapping before gave it."""
    case_yaml = _private_case(tmp_path)
    data = case_yaml.parent / "data"
    _write_csv(data / "notices.csv", _rows("notices", "sent_at"))
    people = pd.read_csv(data / "affected_people.csv", dtype="str", keep_default_na=False)
    places = [(" us ", "ca"), ("US", "US-NY"), ("de", ""), ("", "CA"), ("GB ", None), ("CA", " qc"), ("US", "a\x00b")]
    people = pd.concat([people.iloc[[i % len(people)]] for i in range(len(places) * 3)], ignore_index=True)
    people["person_id"] = [f"P{i}" for i in range(len(people))]
    people["country"] = [places[i % len(places)][0] for i in range(len(people))]
    people["region"] = [places[i % len(places)][1] or "" for i in range(len(people))]
    people.loc[4, "full_name"] = "  \u00a0Ann\u2003 "
    people.loc[5, "full_name"] = "nul\x00name"
    people.to_csv(data / "affected_people.csv", index=False)
    case = load_case(case_yaml)
    store = build_store(case, tmp_path / "run", names=["affected_people", "notices"])
    for name in ("affected_people", "notices"):
        with monkeypatch.context() as m:
            _typing_before(m)
            before = sources.read_input(case, name, with_hash=False)
        assert len(before.rejects) >= 1
        stored = store.frame(name)
        expected = before.frame.astype({"source_row": "Int64"})  # as the store reads integers back
        if name == "affected_people":
            expected = expected.assign(jurisdiction=jurisdiction_codes_before(
                expected["country"], expected["region"]).astype("str"))
            assert stored["jurisdiction"].notna().all() and stored["jurisdiction"].nunique() >= 4
        pd.testing.assert_frame_equal(stored, expected)
        rec = store.record(name)
        assert (rec.rows_read, rec.rows_accepted, rec.rows_rejected) == \
            (before.stats.rows_read, before.stats.rows_accepted, before.stats.rows_rejected)
        rej = store.rejects(name)
        assert list(rej["row"]) == list(before.rejects["row"]) and list(rej["reason"]) == list(before.rejects["reason"])
        types = {f.name: f.type for f in pq.read_schema(store.parquet(name))}
        contract = {c.name: ARROW_TYPES[c.kind] for c in SCHEMAS[name].columns}
        assert types == {**contract, "source_row": pa.int64(),
                         **({"jurisdiction": pa.string()} if name == "affected_people" else {})}


def test_the_writer_keeps_a_dictionary_for_few_distinct_values_and_statistics_off_text(tmp_path):
    from workbench.store import STORE_DICTIONARY_SHARE, writer_options

    n = 2000
    few = int(STORE_DICTIONARY_SHARE * n)  # at the share: still a dictionary
    table = pa.table({"person_id": [f"P{i}" for i in range(n)], "country": [f"C{i % few}" for i in range(n)],
                      "near": [f"N{i % (few + 1)}" for i in range(n)],
                      "sent_at": pa.array([0] * n, pa.timestamp("us", tz="UTC")),
                      "flag": pa.array([True] * n), "form4_note": pa.nulls(n),  # a reader's all-null extra column
                      "source_row": pa.array(range(1, n + 1), pa.int64())})
    options = writer_options(table)
    assert options == {"use_dictionary": ["country", "sent_at"],
                       "write_statistics": ["sent_at", "flag", "form4_note", "source_row"]}
    pq.write_table(table, tmp_path / "t.parquet", **options)
    meta = pq.ParquetFile(tmp_path / "t.parquet").metadata.row_group(0)
    cols = {meta.column(i).path_in_schema: meta.column(i) for i in range(meta.num_columns)}
    assert "RLE_DICTIONARY" in cols["country"].encodings and "RLE_DICTIONARY" not in cols["person_id"].encodings
    assert cols["source_row"].is_stats_set and not cols["person_id"].is_stats_set
    assert pq.read_table(tmp_path / "t.parquet").equals(table)
    assert writer_options(table.slice(0, 0))["use_dictionary"] == []
