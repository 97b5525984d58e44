"""Property: corrupt bytes of a valid CSV at random; no row vanishes.

Whatever the damage, reading either refuses the whole file with an InputError (not UTF-8,
a broken header...) or reconciles, ``rows_read == rows_accepted + rows_rejected``, with
``rows_read`` at least the number of physical records left intact (a record swallowed by
a stray quote is counted, never lost), and the fast and exact CSV paths agree on every
accepted value and every reject.
"""

from __future__ import annotations

import functools

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import MINIMAL_CASE, edit_case
from workbench import sources
from workbench.case import load_case
from workbench.errors import InputError

HEADER = b"jurisdiction,recipient_type,recipient,sent_at,residents_reported\n"
LINES = [f"US-{s},attorney_general,AG {s},2017-09-{d:02d}T1{d % 10}:00:00{z},{d * 7}\n".encode()
         for s, d, z in [("CA", 1, "Z"), ("NY", 2, "-04:00"), ("TX", 3, "+0200"), ("FL", 4, "Z"), ("WA", 5, ""),
                         ("OR", 6, "Z"), ("NV", 7, "+01:00"), ("AZ", 8, "Z"), ("UT", 9, "Z"), ("ID", 10, "Z")]]
VALID = HEADER + b"".join(LINES)
#: Bytes that break CSV structure, plus plain ones and one of a multi-byte character.
NASTY = [b'"', b",", b"\n", b"\r", b"\x00", b" ", b"a", b"1", b"-", b":", b"\r\n", b'""', b"\xc3\xa9", b""]


@st.composite
def corruptions(draw):
    """Up to five edits (replace, insert or delete) after the header; sometimes the file
    also loses its final line break."""
    edits = draw(st.lists(st.tuples(st.integers(len(HEADER), len(VALID) - 1),
                                    st.sampled_from(["replace", "insert", "delete"]),
                                    st.sampled_from(NASTY) | st.binary(min_size=1, max_size=2)),
                          min_size=1, max_size=5))
    if draw(st.booleans()):
        edits.append((len(VALID) - 1, "delete", b""))
    return sorted(edits, reverse=True)  # edit from the end, so earlier positions stay valid


def corrupt(edits) -> tuple[bytes, set[int]]:
    """The corrupted bytes and the original byte positions touched."""
    data, touched = bytearray(VALID), set()
    for pos, how, new in edits:
        if how == "replace":
            data[pos:pos + 1] = new
        elif how == "insert":
            data[pos:pos] = new
        else:
            data[pos:pos + 1] = b""
        touched |= {pos - 1, pos}  # an insertion touches both neighbours' boundary
    return bytes(data), touched


def intact_records(touched: set[int]) -> int:
    """Original data lines whose bytes, line ending and preceding line ending are untouched."""
    n, start = 0, len(HEADER)
    for line in LINES:
        end = start + len(line)  # [start, end): the line and its LF
        if not any(start - 1 <= p < end for p in touched):
            n += 1
        start = end
    return n


def _read(case, exact: bool):
    sources.READERS.register("csv", functools.partial(sources._read_csv, exact=exact))
    try:
        return sources.read_input(case, "regulator_notices", with_hash=False)
    finally:
        sources.READERS.register("csv", sources._read_csv)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=corruptions())
def test_corrupted_bytes_never_lose_a_record(tmp_path_factory, edits):
    folder = tmp_path_factory.mktemp("corrupt")
    case_dir = folder / "case"
    import shutil

    shutil.copytree(MINIMAL_CASE, case_dir)
    data, touched = corrupt(edits)
    (case_dir / "data" / "reg.csv").write_bytes(data)
    edit_case(case_dir / "case.yaml", **{"inputs.regulator_notices": "data/reg.csv"})
    case = load_case(case_dir / "case.yaml")
    try:
        fast = _read(case, exact=False)
    except InputError:
        try:
            _read(case, exact=True)
        except InputError:
            return  # refused as a whole, the same way by both paths
        raise AssertionError("only the fast path refused the file")
    exact = _read(case, exact=True)
    s = fast.stats
    assert s.rows_read == s.rows_accepted + s.rows_rejected
    assert s.rows_read >= intact_records(touched)
    assert sorted(fast.frame["source_row"].tolist() + fast.rejects["row"].tolist()) == list(range(1, s.rows_read + 1))
    pd.testing.assert_frame_equal(fast.frame, exact.frame)
    pd.testing.assert_frame_equal(fast.rejects, exact.rejects)
    assert exact.stats.as_dict() == s.as_dict()


def test_the_valid_file_reads_whole(tmp_path):
    import shutil

    shutil.copytree(MINIMAL_CASE, tmp_path / "case")
    (tmp_path / "case" / "data" / "reg.csv").write_bytes(VALID)
    edit_case(tmp_path / "case" / "case.yaml", **{"inputs.regulator_notices": "data/reg.csv"})
    r = _read(load_case(tmp_path / "case" / "case.yaml"), exact=False)
    assert (r.stats.rows_read, r.stats.rows_accepted) == (10, 10) and intact_records(set()) == 10
