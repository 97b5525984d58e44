"""Byte-level defects of a CSV input: every one ends as accepted rows or rejects with row
numbers, ``rows_read`` counts physical records, and the fast (pyarrow) and exact (csv
module) paths agree row for row. The fixtures are tiny and named for their defect."""

from __future__ import annotations

import functools
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import FIXTURES, edit_case
from workbench import sources
from workbench.case import load_case
from workbench.errors import InputError

SRC = FIXTURES / "sources"


@pytest.fixture(params=["fast", "exact"])
def path_kind(request, monkeypatch):
    """Run a test on the fast path (as cases are read) and on the exact path alone."""
    if request.param == "exact":
        monkeypatch.setitem(sources.READERS._items, "csv", functools.partial(sources._read_csv, exact=True))
    return request.param


def read(minimal_case, fixture, name="regulator_notices", **kw):
    dst = minimal_case.parent / "data" / fixture
    shutil.copy(SRC / fixture, dst)
    edit_case(minimal_case, **{f"inputs.{name}": f"data/{fixture}"})
    return sources.read_input(load_case(minimal_case), name, with_hash=False, **kw)


def counts(r):
    s = r.stats
    assert s.reconciles
    return s.rows_read, s.rows_accepted, s.rows_rejected


# fixture -> (rows_read, accepted, rejected), accepted source rows, rejected rows
CASES = {
    "regulator_notices_unclosed_quote.csv": ((6, 1, 5), [1], [2, 3, 4, 5, 6]),
    "regulator_notices_unclosed_quote_in_last_field.csv": ((4, 1, 3), [1], [2, 3, 4]),
    "regulator_notices_unclosed_quote_on_last_line.csv": ((2, 1, 1), [1], [2]),  # no final line break
    "regulator_notices_quote_closes_lines_later.csv": ((5, 2, 3), [1, 5], [2, 3, 4]),
    "regulator_notices_balanced_stray_quotes.csv": ((6, 2, 4), [1, 6], [2, 3, 4, 5]),
    "regulator_notices_nul_byte.csv": ((3, 2, 1), [1, 3], [2]),
    "regulator_notices_lone_carriage_return.csv": ((4, 3, 1), [1, 3, 4], [2]),
    "regulator_notices_mixed_line_endings.csv": ((4, 4, 0), [1, 2, 3, 4], []),
    "regulator_notices_blank_lines.csv": ((2, 2, 0), [1, 2], []),
    "regulator_notices_header_only.csv": ((0, 0, 0), [], []),
}


@pytest.mark.parametrize("fixture", CASES)
def test_defect_is_read_or_rejected_row_by_row(minimal_case, fixture, path_kind):
    r = read(minimal_case, fixture)
    expected, accepted, rejected = CASES[fixture]
    assert counts(r) == expected
    assert r.frame["source_row"].tolist() == accepted
    assert r.rejects["row"].tolist() == rejected


def test_unclosed_quote_rejects_each_swallowed_line_with_its_line(minimal_case, path_kind):
    r = read(minimal_case, "regulator_notices_unclosed_quote.csv")
    first, *rest = r.rejects["reason"].tolist()
    assert "opened on line 3 is never closed" in first
    assert rest == [f"swallowed by the broken record that starts on line 3 (line {n})" for n in (4, 5, 6, 7)]
    assert r.rejects["raw"].tolist()[1:] == [f"US-CA,attorney_general,AG {i},2017-09-0{i}T10:00:00Z,{i}"
                                              for i in (3, 4, 5, 6)]


def test_balanced_stray_quotes_are_caught_by_the_line_break(minimal_case, path_kind):
    """Two stray quotes leave a record with the right number of fields; the line break
    inside ``recipient`` (which holds none) shows the swallowed lines."""
    r = read(minimal_case, "regulator_notices_balanced_stray_quotes.csv")
    assert "a line break inside recipient" in r.rejects["reason"].iloc[0]


def test_nul_byte_names_the_value(minimal_case, path_kind):
    r = read(minimal_case, "regulator_notices_nul_byte.csv")
    (reason,) = r.rejects["reason"]
    assert reason == "recipient: expected text, got 'AG\\02' (holds a NUL byte)"
    assert r.rejects["field"].tolist() == ["recipient"]


def test_carriage_returns(minimal_case, path_kind):
    r = read(minimal_case, "regulator_notices_lone_carriage_return.csv")
    assert r.rejects["reason"].tolist() == ["a carriage return (CR) inside an unquoted field (line 3)"]
    assert r.frame["recipient"].tolist() == ["AG 1", "AG\r3", "AG 4"]  # a CR inside quotes is kept


def test_mixed_line_endings_keep_no_carriage_return(minimal_case, path_kind):
    r = read(minimal_case, "regulator_notices_mixed_line_endings.csv")
    assert r.frame["residents_reported"].tolist() == [1, 2, 3, 4]
    assert not r.frame["recipient"].str.contains("\r").any()


def test_line_break_in_a_free_text_column_is_one_row(minimal_case, path_kind):
    r = read(minimal_case, "notices_address_over_two_lines.csv", name="notices")
    assert counts(r) == (2, 2, 0)
    assert r.frame["recipient_address"].iloc[0] == "1 Main St\r\nSpringfield"
    assert r.frame["recipient_address"].isna().iloc[1]
    assert r.frame["source_row"].tolist() == [1, 2]


@pytest.mark.parametrize("fixture, message", [
    ("regulator_notices_cr_line_endings.csv", "lone carriage returns"),
    ("regulator_notices_header_with_open_quote.csv", "header runs over several lines"),
    ("regulator_notices_truncated_utf8.csv", "not valid UTF-8 at line 3"),
])
def test_whole_file_defects_are_one_clear_error(minimal_case, fixture, message):
    with pytest.raises(InputError, match=message):
        read(minimal_case, fixture)


def _write(minimal_case, text: str):
    (minimal_case.parent / "data" / "reg.csv").write_text(text, encoding="utf-8", newline="")
    edit_case(minimal_case, **{"inputs.regulator_notices": "data/reg.csv"})
    return load_case(minimal_case)


HEADER = "jurisdiction,recipient_type,recipient,sent_at,residents_reported\n"


def _row(i: int, recipient: str | None = None) -> str:
    return f"US-CA,attorney_general,{recipient or f'AG {i}'},2017-09-0{i}T10:00:00Z,{i}\n"


def test_field_over_the_csv_module_limit_is_read(minimal_case, path_kind):
    long = "x" * (131_072 + 10)  # the csv module's default field_size_limit
    case = _write(minimal_case, HEADER + _row(1) + _row(2, f'"{long}"') + _row(3))
    r = sources.read_input(case, "regulator_notices", with_hash=False)
    assert counts(r) == (3, 3, 0) and r.frame["recipient"].str.len().tolist() == [4, len(long), 4]


def test_record_over_the_fast_block_falls_back_to_the_exact_path(minimal_case, monkeypatch):
    monkeypatch.setattr(sources, "FAST_BLOCK_BYTES", 1 << 12)
    case = _write(minimal_case, HEADER + _row(1) + _row(2, "y" * 10_000) + _row(3))
    r = sources.read_input(case, "regulator_notices", with_hash=False)
    assert counts(r) == (3, 3, 0) and r.frame["recipient"].str.len().tolist() == [4, 10_000, 4]


def test_record_over_the_exact_limit_is_rejected_line_by_line(minimal_case, monkeypatch, path_kind):
    """A quote left open over more than MAX_RECORD_CHARS: the lines it took are rejected
    and reading resumes at the next line (memory stays bounded)."""
    monkeypatch.setattr(sources, "MAX_RECORD_CHARS", 300)
    monkeypatch.setattr(sources, "FAST_BLOCK_BYTES", 150)
    rows = [_row(i % 9 + 1) for i in range(1, 16)]
    rows[1] = rows[1].replace("AG", '"AG', 1)  # opens in row 2, never closes
    case = _write(minimal_case, HEADER + "".join(rows))
    r = sources.read_input(case, "regulator_notices", with_hash=False)
    s = r.stats
    assert s.reconciles and s.rows_read == 15 and s.rows_accepted >= 1
    assert r.rejects["row"].iloc[0] == 2 and "longer than 300 characters" in r.rejects["reason"].iloc[0]
    assert sorted(r.frame["source_row"].tolist() + r.rejects["row"].tolist()) == list(range(1, 16))


def test_fast_path_reads_clean_files_alone(minimal_case, monkeypatch):
    def exact(*a, **k):
        raise AssertionError("the exact path ran on a clean file")
        yield

    monkeypatch.setattr(sources, "_read_csv_exact", exact)
    r = read(minimal_case, "regulator_notices_mixed_line_endings.csv")
    assert counts(r) == (4, 4, 0)


def test_selected_columns_give_the_same_structural_rejects(minimal_case, path_kind):
    r = read(minimal_case, "regulator_notices_balanced_stray_quotes.csv", columns=["jurisdiction"])
    assert counts(r) == (6, 2, 4) and r.rejects["row"].tolist() == [2, 3, 4, 5]


def test_no_csv_error_reaches_the_user(minimal_case, path_kind):
    """Whatever the bytes, a reader raises only InputError (never csv.Error)."""
    case = _write(minimal_case, HEADER + '"a"b"c,"\r\n\x00,\r"' * 50 + "\n" + _row(1))
    r = sources.read_input(case, "regulator_notices", with_hash=False)
    assert r.stats.reconciles and r.stats.rows_read >= 1


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=40).map(lambda b: b"a,b\n" + b.replace(b"\x00", b"")) |
       st.lists(st.sampled_from([b"\r", b"\n", b"\r\n", b"x", b","]), max_size=30).map(lambda p: b"a,b\n" + b"".join(p)),
       block=st.integers(1, 7))
def test_lone_carriage_returns_are_counted_across_blocks(tmp_path_factory, data, block):
    """The byte scan counts CRs not followed by LF (a CR ending the file ends its last
    line), whatever the block boundaries; non-UTF-8 bytes raise the named error."""
    import re
    from unittest import mock

    path = tmp_path_factory.mktemp("scan") / "f.csv"
    path.write_bytes(data)
    with mock.patch.object(sources, "_SCAN_BLOCK", block):
        try:
            facts = sources._scan_bytes(path)
        except InputError as err:
            assert "UTF-8" in str(err) or "carriage returns" in str(err) or "empty" in str(err)
            return
    assert facts.lone_cr == len(re.findall(rb"\r(?!\n)", data[:-1] if data.endswith(b"\r") else data))
    if facts.lone_cr:
        assert data[facts.first_lone_cr:facts.first_lone_cr + 1] == b"\r"
