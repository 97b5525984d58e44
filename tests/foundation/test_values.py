"""The one parser per kind (workbench.values): its documented rules, value by value, and
property tests against a plain-Python reference."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.values import CONVERTERS, DECIMAL_PATTERN, TIMESTAMP_PATTERN, WHOLE_PATTERN

BAD = "bad"
UTC = dt.timezone.utc


def parse(kind: str, values: list) -> list:
    """Each value parsed: its typed value, None when missing, or BAD."""
    p = CONVERTERS.get(kind)(values if isinstance(values, pd.Series) else pd.Series(values, dtype="object"))
    out = []
    for v, bad in zip(p.values, p.bad):
        out.append(BAD if bad else None if pd.isna(v) else v)
    return out


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC") if pd.Timestamp(text).tzinfo else pd.Timestamp(text, tz="UTC")


TIMESTAMPS = [
    ("2017-09-07T14:00:00Z", ts("2017-09-07T14:00:00Z")),
    ("2017-09-07 14:00:00-04:00", ts("2017-09-07T18:00:00Z")),
    ("2017-09-07T14:00:00+0200", ts("2017-09-07T12:00:00Z")),
    ("2017-09-07T14:00:00+02", ts("2017-09-07T12:00:00Z")),
    ("2017-09-07T14:00:00+05:30", ts("2017-09-07T08:30:00Z")),
    ("2017-09-07t14:00z", ts("2017-09-07T14:00:00Z")),
    ("2017-09-07T14:00", ts("2017-09-07T14:00:00Z")),            # no offset: UTC
    ("2017-09-07", ts("2017-09-07T00:00:00Z")),                   # date only: midnight UTC
    ("  2017-09-07T14:00:00Z  ", ts("2017-09-07T14:00:00Z")),     # trimmed
    ("2017-09-07T14:00:00.5Z", ts("2017-09-07T14:00:00.5Z")),
    ("2017-09-07T14:00:00.123456789Z", ts("2017-09-07T14:00:00.123456Z")),  # floored to the microsecond
    ("2016-02-29T23:59:59Z", ts("2016-02-29T23:59:59Z")),
    ("0001-01-01T00:00:00Z", pd.Timestamp("0001-01-01", tz="UTC")),
    ("9999-12-31T23:59:59Z", pd.Timestamp("9999-12-31T23:59:59", tz="UTC")),
    ("", None), ("   ", None), (None, None),
    ("now", BAD), ("today", BAD), ("NOW", BAD), ("yesterday", BAD), ("tomorrow", BAD), ("3 days ago", BAD),
    ("09/07/2017", BAD), ("07.09.2017", BAD), ("9/7/17", BAD), ("17-09-07", BAD), ("2017/09/07", BAD),
    ("20170907", BAD), ("20170907T140000Z", BAD), ("2017-9-7", BAD), ("2017-09-07T4:00", BAD),
    ("2017-09-07T25:00", BAD), ("2017-09-07T24:00:00Z", BAD), ("2017-09-07T23:59:60Z", BAD),
    ("2017-09-07T14:60", BAD), ("2017-02-29", BAD), ("2017-04-31", BAD), ("2017-13-01", BAD), ("2017-00-10", BAD),
    ("0000-01-01", BAD), ("2017-09-07T14", BAD), ("2017-09-07T", BAD), ("2017-09-07T14:00:00+24:00", BAD),
    ("2017-09-07T14:00:00+02:60", BAD), ("2017-09-07T14:00:00.Z", BAD), ("2017-09-07T14:00:00.1234567890Z", BAD),
    ("2017-09-07T14:00.5Z", BAD), ("2017-09-07  14:00", BAD), ("2017-09-07T14:00:00 Z", BAD),
    ("2017-09-07T14:00:00UTC", BAD), ("2017-09-07T14:00:00+2", BAD), ("Sep 7 2017", BAD), ("7 September 2017", BAD),
    ("1e3", BAD), ("1504792800", BAD), ("12345678901234567890", BAD), ("2017-09-07\x00", BAD),
    ("２０１７-09-07", BAD), ("2017-09-07T14:00:00Z\n2017", BAD),
]


@pytest.mark.parametrize("text, expected", TIMESTAMPS)
def test_timestamp_rules(text, expected):
    assert parse("timestamp", [text]) == [expected]


def test_mixed_offsets_in_one_column_go_to_utc():
    got = parse("timestamp", ["2017-09-07T10:00:00-04:00", "2017-09-07T16:00:00+0200", "2017-09-07T14:00:00Z",
                              "2017-09-07T19:30:00+05:30"])
    assert got == [ts("2017-09-07T14:00:00Z")] * 4


DATES = [
    ("2017-09-07", pd.Timestamp("2017-09-07")), ("2017-09-07 00:00:00", pd.Timestamp("2017-09-07")),
    ("2017-09-07T00:00Z", pd.Timestamp("2017-09-07")), ("2017-09-07T00:00:00.000+00:00", pd.Timestamp("2017-09-07")),
    ("2017-09-07T14:00:00Z", BAD), ("2017-09-07T00:00:00-04:00", BAD), ("2017-02-29", BAD), ("today", BAD),
    ("09/07/2017", BAD), ("2017-9-7", BAD), ("20170907", BAD), ("", None),
]


@pytest.mark.parametrize("text, expected", DATES)
def test_date_rules(text, expected):
    assert parse("date", [text]) == [expected]


NUMBERS = [
    ("12", 12.0), ("-12", -12.0), ("+12", 12.0), ("0.5", 0.5), ("12.50", 12.5), ("1,234", 1234.0),
    ("1,234,567.89", 1234567.89), (" 42 ", 42.0), ("007", 7.0), ("", None),
    ("1e3", 1000.0), ("1.5E-05", 1.5e-05), ("-2e+20", -2e20), ("9.223372036854776e+18", 9.223372036854776e18),
    ("1e400", BAD), (".5e3", BAD), ("1,000e3", BAD), ("1e3.5", BAD), ("1e", BAD),
    ("1,5", BAD), ("1.234,5", BAD), ("1,23,456", BAD), ("12,34", BAD), ("inf", BAD),
    ("-Infinity", BAD), ("nan", BAD), ("NaN", BAD), ("0x1A", BAD), ("1 000", BAD), ("1_000", BAD), (".5", BAD),
    ("5.", BAD), ("--5", BAD), ("5-", BAD), ("$5", BAD), ("5%", BAD), ("1" + "0" * 400, BAD), ("١٢", BAD),
    ("12\x00", BAD), ("lots", BAD),
]


@pytest.mark.parametrize("text, expected", NUMBERS)
def test_float_rules(text, expected):
    assert parse("float", [text]) == [expected]


INTS = [
    ("12", 12), ("-12", -12), ("1,234", 1234), ("12.0", 12), ("12.000", 12), ("007", 7), ("-0", 0),
    ("9223372036854775807", 2 ** 63 - 1), ("-9223372036854775808", -(2 ** 63)),
    ("9,223,372,036,854,775,807", 2 ** 63 - 1), ("9007199254740993", 2 ** 53 + 1),  # exact, not through a float
    ("9223372036854775808", BAD), ("-9223372036854775809", BAD), ("9223372036854775809", BAD),
    ("99999999999999999999999", BAD), ("12.5", BAD), ("1e3", BAD), ("inf", BAD), ("0x10", BAD), ("", None),
]


@pytest.mark.parametrize("text, expected", INTS)
def test_int_rules(text, expected):
    assert parse("int", [text]) == [expected]


def test_int_overflow_has_its_reason():
    p = CONVERTERS.get("int")(pd.Series([str(2 ** 63 + 1)], dtype="str"))
    assert p.bad.tolist() == [True] and "64-bit" in p.detail.iloc[0]


@pytest.mark.parametrize("text, expected", [
    ("true", True), ("T", True), ("yes", True), ("Y", True), ("1", True), ("false", False), ("F", False),
    ("no", False), ("n", False), ("0", False), (" TRUE ", True), ("", None), ("maybe", BAD), ("2", BAD),
    ("1.0", BAD), ("tru", BAD), ("true\x00", BAD)])
def test_bool_rules(text, expected):
    assert parse("bool", [text]) == [expected]


def test_text_is_trimmed_and_nul_is_bad():
    assert parse("str", ["  Ann  ", "", None, "a\x00b", "Chloé"]) == ["Ann", None, None, BAD, "Chloé"]


# --------------------------------------------------------------------------- native types

def test_native_timestamps_dates_and_numbers():
    aware = pd.Series(pd.to_datetime(["2017-09-07T10:00:00-04:00", None], utc=True).tz_convert("America/New_York"))
    assert parse("timestamp", aware) == [ts("2017-09-07T14:00:00Z"), None]
    naive_ns = pd.Series(pd.to_datetime(["2017-09-07T14:00:00.123456789"]))
    assert parse("timestamp", naive_ns) == [ts("2017-09-07T14:00:00.123456Z")]  # naive is UTC, floored
    dates = pd.Series(pd.array([dt.date(2017, 9, 7), None], dtype=pd.ArrowDtype(pa.date32())))
    assert parse("timestamp", dates) == [ts("2017-09-07T00:00:00Z"), None]
    assert parse("date", dates) == [pd.Timestamp("2017-09-07"), None]
    assert parse("date", pd.Series(pd.to_datetime(["2017-09-07T14:00"]))) == [BAD]  # a time in a date column
    assert parse("timestamp", pd.Series([1504792800, 5])) == [BAD, BAD]
    floats = pd.Series(pd.arrays.ArrowExtensionArray(pa.array([1.5, float("nan"), None, float("inf")])))
    assert parse("float", floats) == [1.5, BAD, None, BAD]  # Arrow NaN is a value: bad
    assert parse("float", pd.Series([1.5, np.nan])) == [1.5, None]  # numpy NaN: pandas' missing
    assert parse("int", pd.Series([3.0, 3.5, 2.0 ** 63])) == [3, BAD, BAD]
    big = pd.Series(pd.arrays.ArrowExtensionArray(pa.array([2 ** 63 + 1, 5], pa.uint64())))
    assert parse("int", big) == [BAD, 5]
    assert parse("bool", pd.Series([True, False, None], dtype="boolean")) == [True, False, None]
    assert parse("str", pd.Series([12, 7])) == ["12", "7"]


def test_parsers_keep_the_index():
    s = pd.Series(["2017-09-07", "x"], index=[10, 3], dtype="str")
    for kind in CONVERTERS:
        p = CONVERTERS.get(kind)(s)
        assert list(p.values.index) == [10, 3] and list(p.bad.index) == [10, 3]


# --------------------------------------------------------------------------- properties

_GROUPS = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?"
    r"([Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?)?", re.ASCII)


def reference(text: str):
    """The timestamp grammar in plain Python: the UTC moment, or None when bad."""
    m = _GROUPS.fullmatch(text)
    if not m:
        return None
    y, mo, d, hh, mi, ss, frac, zone = m.groups()
    try:
        moment = dt.datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0),
                             int((frac or "").ljust(6, "0")[:6]))
    except ValueError:
        return None
    offset = dt.timedelta(0)
    if zone and zone not in "Zz":
        oh, om = int(zone[1:3]), int(zone[-2:]) if len(zone) > 3 else 0
        if oh > 23 or om > 59:
            return None
        offset = dt.timedelta(hours=oh, minutes=om) * (-1 if zone[0] == "-" else 1)
    return pd.Timestamp(moment.replace(tzinfo=UTC) - offset)


def _two(lo: int, hi: int):
    return st.integers(lo, hi).map(lambda v: f"{v:02d}")


_fraction = st.one_of(st.just(""), st.text("0123456789", max_size=11).map(lambda f: "." + f))
_seconds = st.one_of(st.just(""), st.builds(lambda sec, f: f":{sec}{f}", _two(0, 61), _fraction))
_offset = st.builds(lambda sign, h, m, colon: f"{sign}{h}{colon if m else ''}{m}",
                    st.sampled_from("+-"), _two(0, 25), st.one_of(st.just(""), _two(0, 61)), st.sampled_from(["", ":"]))
_zone = st.one_of(st.just(""), st.sampled_from(["Z", "z"]), _offset)
_time = st.one_of(st.just(""), st.builds(lambda sep, h, mi, sec, zone: f"{sep}{h}:{mi}{sec}{zone}",
                                         st.sampled_from("Tt "), _two(0, 25), _two(0, 61), _seconds, _zone))
moments = st.builds(lambda y, mo, d, time: f"{y:04d}-{mo}-{d}{time}",
                    st.integers(0, 9999), _two(0, 13), _two(0, 32), _time)


@settings(max_examples=600, deadline=None)
@given(st.lists(moments | st.text(alphabet="0123456789-:.TtZz+ x", max_size=30), min_size=1, max_size=40))
def test_timestamp_parser_matches_the_python_reference(texts):
    texts = [t.strip() for t in texts]
    got = CONVERTERS.get("timestamp")(pd.Series(texts, dtype="str"))
    for text, value, bad in zip(texts, got.values, got.bad):
        want = reference(text)
        if not text:
            assert not bad and pd.isna(value)
        elif want is None:
            assert bad, text
        else:
            assert not bad and value == want, text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="0123456789,.-+e ", max_size=25) | st.integers(-2 ** 70, 2 ** 70).map(str),
                min_size=1, max_size=30))
def test_number_parsers_match_the_python_reference(texts):
    texts = [t.strip() for t in texts]
    floats = CONVERTERS.get("float")(pd.Series(texts, dtype="str"))
    ints = CONVERTERS.get("int")(pd.Series(texts, dtype="str"))
    for text, f, fbad, i, ibad in zip(texts, floats.values, floats.bad, ints.values, ints.bad):
        if not text:
            assert not fbad and not ibad
            continue
        if re.fullmatch(DECIMAL_PATTERN, text):
            want = float(text.replace(",", ""))
            assert (fbad and not np.isfinite(want)) or (not fbad and f == want), text
        else:
            assert fbad, text
        if re.fullmatch(WHOLE_PATTERN, text) and -2 ** 63 <= int(text.replace(",", "").split(".")[0]) < 2 ** 63:
            assert not ibad and i == int(text.replace(",", "").split(".")[0]), text
        else:
            assert ibad, text


def test_patterns_are_the_documented_grammar():
    assert re.fullmatch(TIMESTAMP_PATTERN, "2017-09-07T14:00:00.123+02:00")
    assert not re.fullmatch(TIMESTAMP_PATTERN, "2017-09-07T14Z")
