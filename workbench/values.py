"""Reading a value: one parser per column kind, used by every reader, stage and engine.

Every input value becomes a typed value here and nowhere else: CSV text (fast and exact
paths), Parquet columns (text or natively typed), PostgreSQL text output, Form 4 XML text,
and through them the timelines and letters loaders and every quality engine. A value that
does not follow its kind's grammar is *bad*: its row is rejected with a reason, never
guessed at. Parsing is vectorised (Arrow kernels and numpy over Arrow buffers); Python
runs only for the explanation of bad values.

Text is first trimmed of leading and trailing white space; empty text is a missing value
(null), never bad. Text holding a NUL character (U+0000) is bad for every kind: it is
corruption (a binary or UTF-16 file, a padded block), not data. A bad value's reason says
what was expected and, where a rule knows it, why the value is not that (``a relative
word``, ``outside the 64-bit integer range``...).

timestamp
    ISO 8601 / RFC 3339, extended format only::

        YYYY-MM-DD                                   date only: midnight UTC
        YYYY-MM-DD[T| ]hh:mm[:ss[.f]][zone]           f: 1 to 9 digits after a point
        zone: Z | +hh:mm | +hhmm | +hh  (or -)        none: the moment is UTC

    ``T`` and ``Z`` may be lower case. Each value carries its own offset, so a column
    mixing offsets (``-04:00``, ``+0200``, ``Z``) is converted to UTC value by value.
    Years 0001-9999 with four digits; month, day, hour, minute, second zero-padded to two
    digits and in range (hour 00-23: ``24:00`` is rejected; second 00-59: a leap second
    ``:60`` is rejected, no UTC timestamp type holds it); the day must exist in that month
    (``2017-02-29`` is rejected, ``2016-02-29`` read); an offset below 24 hours. Digits of
    the fraction beyond the microsecond are dropped (the moment is floored to the
    microsecond, as for natively typed nanosecond columns). Rejected, among others:
    relative words (``now``, ``today``: pandas would read them as the clock of the
    machine), locale forms (``09/07/2017``, ``07.09.2017``: day/month order ambiguous),
    two-digit years, the basic format (``20170907``), unpadded fields (``2017-9-7``), an
    hour without minutes, numbers (``1e3``, epoch seconds), anything else pandas would
    guess at. Natively typed columns: a timezone-aware timestamp is converted to UTC, a
    naive one is UTC, a date is midnight UTC; numbers and booleans are bad.
date
    ``YYYY-MM-DD`` (same ranges as above); a timestamp at exactly midnight with no offset or
    a zero one (``2017-09-07 00:00:00``, ``2017-09-07T00:00Z``: how spreadsheets export
    dates) is read as that date; any other time or offset is bad (a date column holding a
    moment). Natively typed: a date; a timestamp only at midnight UTC.
float
    Decimal: optional sign, digits, optional ``.`` and digits (``-12``, ``0.5``, ``12.50``).
    A comma is a thousands separator, and only in groups of three (``1,234,567.89``;
    ``1,5`` and ``1.234,5`` are rejected): amounts and share counts in these inputs follow
    the US convention of SEC filings. A decimal exponent is read (``1.5e-05``, ``1e+20``,
    no thousands separators then): it is how PostgreSQL, Python and JSON write a double,
    and it is exact. Rejected: ``inf``, ``nan``, hex (``0x1A``), spaces, underscores or
    quotes inside (``1 000``, ``1_000``), a bare ``.5`` or ``5.``, currency signs and
    percentages, non-ASCII digits, values beyond the float range (``1e400``). Natively
    typed: integers and decimals are converted, NaN and infinities are bad, booleans bad.
int
    A whole number: digits (thousands groups allowed), optionally followed by a fraction
    of zeros only (``12.0``), no exponent (``1e3`` is rejected: whole numbers are written
    with their digits, and spreadsheets print rounded ones that way), within the 64-bit
    range -9223372036854775808 .. 9223372036854775807 exactly (never through a float:
    ``9223372036854775809`` is rejected with that reason, not rounded). Natively typed:
    integers in range (a ``uint64`` beyond it is bad); a float only when whole and in range.
bool
    ``true t yes y 1`` and ``false f no n 0``, any case. Natively typed booleans as they
    are; integers 0 and 1.
str
    Trimmed text; other native types are written as text.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from workbench.registry import Registry

INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1


class Parsed(NamedTuple):
    """A column typed: values (bad ones missing), the mask of bad values, and for bad values
    a short explanation where one is known (``detail``, None elsewhere)."""

    values: pd.Series
    bad: pd.Series
    detail: pd.Series | None = None


#: What each kind expects, as a reject reason says it.
EXPECTED = {"timestamp": "an ISO 8601 timestamp such as 2017-09-07T14:00:00Z",
            "date": "an ISO 8601 date such as 2017-09-07", "float": "a number",
            "int": "a whole number", "bool": "true or false", "str": "text"}


# --------------------------------------------------------------------------- Arrow plumbing

def to_arrow(s: pd.Series) -> pa.Array:
    """The values of ``s`` as one Arrow array (zero-copy for Arrow-backed series).

    NaN of a numpy float column is a missing value (pandas' convention); NaN held by an
    Arrow-backed column is a NaN value (and a bad number).
    """
    values = s.array
    try:
        arr = pa.array(values if hasattr(values, "__arrow_array__") else s, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed Python objects: read them as text
        arr = pa.array(s.astype("str").array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    return arr


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _text(arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Trimmed text with empty text as null, and the mask of values holding a NUL.

    Each kernel runs only where it changes something (each would copy the whole column):
    the trim when some value begins or ends with a byte other than printable ASCII (white
    space, a control character, or any non-ASCII character, which may be Unicode white
    space), the nulling when some value is empty."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    b = _Bytes(arr)
    filled = b.length > 0
    if filled.any():
        first, last = b.at(0)[filled], b.from_end(1)[filled]
        if ((first < 0x21) | (first > 0x7E) | (last < 0x21) | (last > 0x7E)).any():
            arr = pc.utf8_trim_whitespace(arr)
            b = _Bytes(arr)
    valid = _np_bool(pc.is_valid(arr))
    if ((b.length == 0) & valid).any():
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
        b = _Bytes(arr)
        valid = _np_bool(pc.is_valid(arr))
    return arr, b.holding(0) & valid


def _np_bool(a) -> np.ndarray:
    """A boolean Arrow array as numpy, nulls as False."""
    return np.asarray(pc.fill_null(a, False).to_numpy(zero_copy_only=False), dtype=bool)


def _pandas(arr: pa.Array, index: pd.Index) -> pd.Series:
    """An Arrow array as a series on ``index`` (positions, never label alignment)."""
    return pd.Series(arr.to_pandas().array, index=index)


class _Bytes:
    """The bytes of every value of a string array, read straight from its Arrow buffers:
    fixed-position parsing with no Python object per value. ``at(j)`` is byte ``j`` of
    each value and ``from_end(k)`` byte ``length - k``; both are garbage (a neighbour's
    byte or padding) where the value is shorter, so callers gate them on ``length``."""

    PAD = 48

    def __init__(self, arr: pa.Array):
        odt = np.int64 if pa.types.is_large_string(arr.type) else np.int32
        bufs = arr.buffers()
        n = len(arr)
        offsets = (np.frombuffer(bufs[1], dtype=odt, count=n + 1, offset=arr.offset * np.dtype(odt).itemsize)
                   if n else np.zeros(1, dtype=odt))
        self.start = offsets[:-1].astype(np.int64) + self.PAD
        self.length = (offsets[1:] - offsets[:-1]).astype(np.int64)
        raw = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None and bufs[2].size else np.zeros(0, np.uint8)
        self.raw = raw
        self._data = None

    @property
    def data(self) -> np.ndarray:
        if self._data is None:  # padded on both sides, so no index needs clipping
            self._data = np.concatenate([np.zeros(self.PAD, np.uint8), self.raw, np.zeros(self.PAD, np.uint8)])
        return self._data

    def at(self, j: int) -> np.ndarray:
        return self.data[self.start + j]

    def from_end(self, k: int) -> np.ndarray:
        return self.data[self.start + self.length - k]

    def holding(self, byte: int) -> np.ndarray:
        """Mask of the values holding ``byte`` somewhere."""
        out = np.zeros(len(self.length), dtype=bool)
        hits = np.flatnonzero(self.raw == byte) if len(self.raw) and len(out) else np.zeros(0, np.int64)
        if len(hits):
            starts = self.start - self.PAD
            row = np.searchsorted(starts, hits, side="right") - 1
            inside = (row >= 0) & (hits < starts[np.maximum(row, 0)] + self.length[np.maximum(row, 0)])
            out[row[inside]] = True
        return out


# --------------------------------------------------------------------------- timestamps

#: The timestamp grammar (structure only; ranges are checked on the numbers).
TIMESTAMP_PATTERN = (r"^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?"
                     r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)?$")
_US_PER_DAY = 86_400_000_000


def _days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    y = y - (m <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def _days_in_month(y: np.ndarray, m: np.ndarray) -> np.ndarray:
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    table = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    return table[np.clip(m, 0, 12)] + ((m == 2) & leap)


class _Moments(NamedTuple):
    micros: np.ndarray      # microseconds since the epoch, UTC
    ok: np.ndarray          # follows the grammar and every field is in range
    time_us: np.ndarray     # the local time of day as written, in microseconds
    offset_min: np.ndarray  # the offset as written, in minutes
    shaped: np.ndarray      # follows the grammar (fields perhaps out of range)
    fields: dict            # y, mo, dd, hh, mi, ss, oh, om as written


def _parse_moments(t: pa.Array) -> _Moments:
    """Parse trimmed ISO 8601 text (see the module docstring); vectorised over the bytes:
    :data:`TIMESTAMP_PATTERN` checked position by position, then the fields read."""
    b = _Bytes(t)
    L = b.length
    n = len(L)
    cache: dict[int, np.ndarray] = {}

    def at(j: int) -> np.ndarray:
        if j not in cache:
            cache[j] = b.at(j)
        return cache[j]

    isd = lambda c: (c >= 48) & (c <= 57)  # noqa: E731
    d = lambda j: at(j).astype(np.int32) - 48  # noqa: E731
    two = lambda j: d(j) * 10 + d(j + 1)  # noqa: E731
    shaped = (L >= 10) & (L <= 35) & (at(4) == ord("-")) & (at(7) == ord("-"))
    for j in (0, 1, 2, 3, 5, 6, 8, 9):
        shaped &= isd(at(j))
    has_time = L > 10
    sep = at(10)
    time_ok = ((sep == ord("T")) | (sep == ord("t")) | (sep == ord(" "))) & (L >= 16) & (at(13) == ord(":"))
    for j in (11, 12, 14, 15):
        time_ok &= isd(at(j))
    shaped &= ~has_time | time_ok
    has_sec = has_time & (L >= 19) & (at(16) == ord(":")) & isd(at(17)) & isd(at(18))
    # the zone sits at the end: Z, or a sign 6 (+hh:mm), 5 (+hhmm) or 3 (+hh) bytes from it
    e = {k: b.from_end(k) for k in range(1, 7)}
    pm = lambda c: (c == ord("+")) | (c == ord("-"))  # noqa: E731
    zlen = np.where(has_time & ((e[1] == ord("Z")) | (e[1] == ord("z"))), 1, 0)
    for k in (6, 5, 3):
        zlen = np.where((zlen == 0) & has_time & (L - k >= 16) & pm(e[k]), k, zlen)
    zone_ok = ((zlen == 0) | (zlen == 1)
               | ((zlen == 3) & isd(e[2]) & isd(e[1]))
               | ((zlen == 5) & isd(e[4]) & isd(e[3]) & isd(e[2]) & isd(e[1]))
               | ((zlen == 6) & isd(e[5]) & isd(e[4]) & (e[3] == ord(":")) & isd(e[2]) & isd(e[1])))
    has_frac = has_sec & (L >= 21) & (at(19) == ord("."))
    k = np.where(has_frac, L - zlen - 20, 0)  # digits of the fraction
    frac_ok = ~has_frac | ((k >= 1) & (k <= 9))
    frac = np.zeros(n, dtype=np.int64)
    if has_frac.any():
        for j in range(9):
            frac_ok &= (j >= k) | isd(b.at(20 + j))
        for j in range(6):
            frac += np.where(j < k, d(20 + j), 0) * 10 ** (5 - j)
    end = np.where(~has_time, 10, np.where(has_frac, 20 + k, np.where(has_sec, 19, 16)))
    shaped &= zone_ok & frac_ok & (L - zlen == end)
    y = d(0) * 1000 + d(1) * 100 + two(2)
    mo, dd = two(5), two(8)
    hh = np.where(has_time, two(11), 0)
    mi = np.where(has_time, two(14), 0)
    ss = np.where(has_sec, two(17), 0)
    sign_byte = np.select([zlen == 6, zlen == 5, zlen == 3], [e[6], e[5], e[3]], 0)
    sign = np.where(sign_byte == ord("-"), -1, 1).astype(np.int32)
    dig = lambda c: c.astype(np.int32) - 48  # noqa: E731
    oh = np.select([zlen == 6, zlen == 5, zlen == 3],
                   [dig(e[5]) * 10 + dig(e[4]), dig(e[4]) * 10 + dig(e[3]), dig(e[2]) * 10 + dig(e[1])], 0)
    om = np.where((zlen == 6) | (zlen == 5), dig(e[2]) * 10 + dig(e[1]), 0)
    ok = shaped & (y >= 1) & (mo >= 1) & (mo <= 12) & (dd >= 1) & (dd <= _days_in_month(y, mo))
    ok &= (hh <= 23) & (mi <= 59) & (ss <= 59) & (oh <= 23) & (om <= 59)
    days = _days_from_civil(np.where(ok, y, 1970), np.where(ok, mo, 1), np.where(ok, dd, 1)).astype(np.int64)
    time_us = ((hh * 60 + mi) * 60 + ss).astype(np.int64) * 1_000_000 + frac
    offset = sign * (oh * 60 + om)
    micros = days * _US_PER_DAY + time_us - offset.astype(np.int64) * 60_000_000
    fields = {"y": y, "mo": mo, "dd": dd, "hh": hh, "mi": mi, "ss": ss, "oh": oh, "om": om}
    return _Moments(np.where(ok, micros, 0), ok, time_us, offset, shaped, fields)


# Explanations of bad values (first matching rule wins); RE2 patterns, run only on bad values.
_NUL_RULE = "holds a NUL byte"
_TIMESTAMP_RULES: list[tuple[str, str]] = [
    (r"(?i)^(now|today|tonight|yesterday|tomorrow|noon|midnight|epoch|(last|next|this)\s+\w+|"
     r"[+-]?\d+\s*(second|minute|hour|day|week|month|year)s?(\s+ago)?)$",
     "a relative word, not a moment: its value would depend on when the file is read"),
    (r"^\d{2}-\d{2}-\d{2}([Tt ].*)?$", "two-digit years are ambiguous"),
    (r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}(\s.*)?$", "a locale form whose day/month order is ambiguous; write YYYY-MM-DD"),
    (r"^\d{4}/\d{1,2}/\d{1,2}(\s.*)?$", "write the date with dashes: YYYY-MM-DD"),
    (r"^\d{8}([Tt]\d{2,6}([.,]\d+)?)?([Zz]|[+-]\d{2,4})?$", "the compact form is not read; write YYYY-MM-DD"),
    (r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$", "a number, not a date"),
]
_LOOSE_RULE = (r"^\d{4}-\d{1,2}-\d{1,2}([Tt ].*)?$",
               "month, day, hour, minute and second need two digits each (YYYY-MM-DD hh:mm:ss)")
_NUMBER_RULES: list[tuple[str, str]] = [
    (r"(?i)^[+-]?(inf|infinity|nan|na|n/a|null|none)$", "not a number"),
    (r"^[+-]?0[xXoObB][0-9a-fA-F_]+$", "hexadecimal, octal and binary forms are not read"),
    (r"^[+-]?(\d{1,3}(\.\d{3})+(,\d+)?|\d+,\d{1,2})$",
     "looks like a decimal comma; write 1234.56 (a comma only separates thousands)"),
    (r"^[+-]?[\d,]+(\.\d+)?$", "thousands separators must group three digits (1,234,567)"),
    (r"^[+-]?\d+([\s_']\d+)+(\.\d+)?$", "digits separated by spaces, underscores or quotes"),
    (r"^[+-]?(\.\d+|\d+\.)([eE][+-]?\d+)?$", "write a digit on both sides of the decimal point"),
]
_WHOLE_EXPONENT = (r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$", "exponent notation is not read for whole numbers; write the digits")


def _explain(t: pa.Array, bad: np.ndarray, index: pd.Index,
             rules: list[tuple[str | np.ndarray, str]]) -> pd.Series | None:
    """For each bad value the message of the first rule it matches (a pattern, or a mask
    over all values), None when none does. Vectorised: one kernel per rule."""
    if not bad.any():
        return None
    rows = np.flatnonzero(bad)
    sub = t.take(pa.array(rows))
    detail = np.full(len(rows), None, dtype=object)
    unset = np.ones(len(rows), dtype=bool)
    for rule, message in rules:
        hit = (_np_bool(pc.match_substring_regex(sub, rule)) if isinstance(rule, str) else rule[rows]) & unset
        detail[hit] = message
        unset &= ~hit
        if not unset.any():
            break
    out = _no_detail(index)
    out.iloc[rows] = detail
    return out


def _no_detail(index: pd.Index) -> pd.Series:
    return pd.Series(np.full(len(index), None, dtype=object), index=index)


def _nul_detail(nul: np.ndarray, index: pd.Index) -> pd.Series | None:
    if not nul.any():
        return None
    out = _no_detail(index)
    out[nul] = _NUL_RULE
    return out


def _detail_for(mask: np.ndarray, message: str, index: pd.Index) -> pd.Series | None:
    if not mask.any():
        return None
    out = _no_detail(index)
    out[mask] = message
    return out


def _moment_rules(m: _Moments, nul: np.ndarray) -> list[tuple[str | np.ndarray, str]]:
    """Rules explaining bad timestamps and dates, the range ones read from the parse."""
    f = m.fields
    shaped = m.shaped
    return ([(nul, _NUL_RULE)] + _TIMESTAMP_RULES + [
        (shaped & (f["y"] == 0), "year 0000 does not exist"),
        (shaped & ((f["mo"] < 1) | (f["mo"] > 12)), "the month does not exist"),
        (shaped & ((f["dd"] < 1) | (f["dd"] > _days_in_month(f["y"], f["mo"]))), "that day does not exist in that month"),
        (shaped & (f["hh"] == 24), "hour 24 is out of range (24:00 is written 00:00 of the next day)"),
        (shaped & (f["hh"] > 24), "the hour is out of range"),
        (shaped & (f["mi"] > 59), "the minute is out of range"),
        (shaped & (f["ss"] == 60), "a leap second (:60) cannot be represented"),
        (shaped & (f["ss"] > 60), "the second is out of range"),
        (shaped & ((f["oh"] > 23) | (f["om"] > 59)), "the offset is out of range"),
        _LOOSE_RULE])


def _native_micros(arr: pa.Array) -> np.ndarray:
    """Microseconds since the epoch (UTC) of a natively typed timestamp or date column."""
    if pa.types.is_date(arr.type):
        days = pc.cast(arr, pa.date32()).cast(pa.int32())
        return np.asarray(days.fill_null(0).to_numpy(), dtype=np.int64) * _US_PER_DAY
    unit = arr.type.unit
    raw = np.asarray(pc.cast(arr, pa.int64()).fill_null(0).to_numpy(), dtype=np.int64)
    if unit == "s":
        return raw * 1_000_000
    if unit == "ms":
        return raw * 1_000
    if unit == "ns":
        return np.floor_divide(raw, 1_000)
    return raw


def _utc_series(micros: np.ndarray, valid: np.ndarray, index: pd.Index) -> pd.Series:
    values = micros.astype("datetime64[us]")
    values[~valid] = np.datetime64("NaT")
    return pd.Series(pd.DatetimeIndex(values).tz_localize("UTC"), index=index)


def _date_series(micros: np.ndarray, valid: np.ndarray, index: pd.Index) -> pd.Series:
    values = micros.astype("datetime64[us]")
    values[~valid] = np.datetime64("NaT")
    return pd.Series(values, index=index)


def _not_text(arr: pa.Array, index: pd.Index, empty: pd.Series, what: str) -> Parsed:
    """A natively typed column of another kind (numbers for a timestamp...): every value bad."""
    bad = _np_bool(pc.is_valid(arr))
    return Parsed(empty, pd.Series(bad, index=index), _detail_for(bad, what, index))


def to_timestamp(s: pd.Series) -> Parsed:
    """Timestamps in UTC (``datetime64[us, UTC]``); see the module docstring for the grammar."""
    arr = to_arrow(s)
    idx, n = s.index, len(s)
    none = np.zeros(n, bool)
    if pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type):
        return Parsed(_utc_series(_native_micros(arr), _np_bool(pc.is_valid(arr)), idx), pd.Series(none, index=idx))
    if not _is_text(arr.type):
        return _not_text(arr, idx, _utc_series(np.zeros(n, np.int64), none, idx), f"a {arr.type} value, not a timestamp")
    t, nul = _text(arr)
    m = _parse_moments(t)
    ok = m.ok & ~nul
    bad = _np_bool(pc.is_valid(t)) & ~ok
    return Parsed(_utc_series(m.micros, ok, idx), pd.Series(bad, index=idx), _explain(t, bad, idx, _moment_rules(m, nul)))


def to_date(s: pd.Series) -> Parsed:
    """Calendar dates (``datetime64[us]``, naive); see the module docstring."""
    arr = to_arrow(s)
    idx, n = s.index, len(s)
    none = np.zeros(n, bool)
    if pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type):
        micros = _native_micros(arr)
        valid = _np_bool(pc.is_valid(arr))
        bad = valid & (micros % _US_PER_DAY != 0)
        return Parsed(_date_series(micros, valid & ~bad, idx), pd.Series(bad, index=idx),
                      _detail_for(bad, "a date column holding a time", idx))
    if not _is_text(arr.type):
        return _not_text(arr, idx, _date_series(np.zeros(n, np.int64), none, idx), f"a {arr.type} value, not a date")
    t, nul = _text(arr)
    m = _parse_moments(t)
    ok = m.ok & ~nul & (m.time_us == 0) & (m.offset_min == 0)
    bad = _np_bool(pc.is_valid(t)) & ~ok
    rules = _moment_rules(m, nul)
    rules.insert(-1, (m.ok, "a date column holding a time or an offset"))
    return Parsed(_date_series(m.micros, ok, idx), pd.Series(bad, index=idx), _explain(t, bad, idx, rules))


# --------------------------------------------------------------------------- numbers

_GROUPED = r"(?:\d+|\d{1,3}(?:,\d{3})+)"
#: Decimal numbers: thousands groups allowed, or else an exponent.
DECIMAL_PATTERN = rf"^[+-]?(?:{_GROUPED}(?:\.\d+)?|\d+(?:\.\d+)?[eE][+-]?\d+)$"
#: Whole numbers (a fraction of zeros only).
WHOLE_PATTERN = rf"^[+-]?{_GROUPED}(?:\.0+)?$"


def _float_values(values: np.ndarray, valid: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(pd.arrays.FloatingArray(np.where(valid, values, 0.0).astype("float64"), ~valid), index=index)


def _int_values(values: np.ndarray, valid: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(pd.arrays.IntegerArray(np.where(valid, values, 0).astype("int64"), ~valid), index=index)


def _decimal_text(t: pa.Array, pattern: str) -> tuple[np.ndarray, pa.Array]:
    """Which values follow ``pattern``, and the text without thousands separators
    (``"0"`` where the pattern does not match, so casts never fail)."""
    ok = _np_bool(pc.match_substring_regex(t, pattern))
    clean = pc.replace_substring(t, ",", "") if _Bytes(t).holding(ord(",")).any() else t
    return ok, pc.if_else(pa.array(ok), clean, pa.scalar("0", t.type))


def to_float(s: pd.Series) -> Parsed:
    """Numbers as ``Float64`` (see the module docstring)."""
    arr = to_arrow(s)
    idx, n = s.index, len(s)
    none = np.zeros(n, bool)
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type):
        valid = _np_bool(pc.is_valid(arr))
        f = np.asarray(pc.cast(arr, pa.float64(), safe=False).fill_null(0.0).to_numpy(), dtype="float64")
        bad = valid & ~np.isfinite(f)
        return Parsed(_float_values(f, valid & ~bad, idx), pd.Series(bad, index=idx),
                      _detail_for(bad, "NaN and infinities are not numbers", idx))
    if not _is_text(arr.type):
        return _not_text(arr, idx, _float_values(np.zeros(n), none, idx), f"a {arr.type} value, not a number")
    t, nul = _text(arr)
    ok, clean = _decimal_text(t, DECIMAL_PATTERN)
    ok &= ~nul
    f = np.asarray(pc.cast(clean, pa.float64()).fill_null(0.0).to_numpy(), dtype="float64")
    huge = ok & ~np.isfinite(f)
    ok &= ~huge
    bad = _np_bool(pc.is_valid(t)) & ~ok
    rules = [(nul, _NUL_RULE), (huge, "beyond the range of a 64-bit float")] + _NUMBER_RULES
    return Parsed(_float_values(f, ok, idx), pd.Series(bad, index=idx), _explain(t, bad, idx, rules))


def to_int(s: pd.Series) -> Parsed:
    """Whole numbers as ``Int64``, exact over the whole 64-bit range (see the module docstring)."""
    arr = to_arrow(s)
    idx, n = s.index, len(s)
    none = np.zeros(n, bool)
    out_of_range = "outside the 64-bit integer range -9223372036854775808 to 9223372036854775807"
    if pa.types.is_integer(arr.type):
        valid = _np_bool(pc.is_valid(arr))
        big = (_np_bool(pc.greater(arr, pa.scalar(INT64_MAX, pa.uint64()))) if pa.types.is_unsigned_integer(arr.type)
               else none)
        vals = np.asarray(pc.cast(pc.if_else(pa.array(big), pa.scalar(0, arr.type), arr), pa.int64())
                          .fill_null(0).to_numpy(), dtype=np.int64)
        return Parsed(_int_values(vals, valid & ~big, idx), pd.Series(big, index=idx), _detail_for(big, out_of_range, idx))
    if pa.types.is_floating(arr.type) or pa.types.is_decimal(arr.type):
        valid = _np_bool(pc.is_valid(arr))
        f = np.asarray(pc.cast(arr, pa.float64(), safe=False).fill_null(0.0).to_numpy(), dtype="float64")
        with np.errstate(invalid="ignore"):
            ok = valid & np.isfinite(f) & (f == np.round(f)) & (f >= -2.0 ** 63) & (f < 2.0 ** 63)
        bad = valid & ~ok
        return Parsed(_int_values(np.where(ok, f, 0).astype(np.int64), ok, idx), pd.Series(bad, index=idx),
                      _detail_for(bad, "not a whole number in the 64-bit range", idx))
    if not _is_text(arr.type):
        return _not_text(arr, idx, _int_values(np.zeros(n, np.int64), none, idx), f"a {arr.type} value, not a number")
    t, nul = _text(arr)
    ok, digits = _decimal_text(t, WHOLE_PATTERN)
    ok &= ~nul
    if _Bytes(digits).holding(ord(".")).any():
        digits = pc.replace_substring_regex(digits, r"\.0+$", "")
    digits = pc.utf8_ltrim(digits, "+")
    f = np.asarray(pc.cast(digits, pa.float64()).fill_null(0.0).to_numpy(), dtype="float64")
    small = ok & (np.abs(f) < 9.0e18)
    vals = np.array(pc.cast(pc.if_else(pa.array(small), digits, pa.scalar("0", t.type)), pa.int64())
                    .fill_null(0).to_numpy(), dtype=np.int64)
    wide = np.zeros(n, bool)
    large = np.flatnonzero(ok & ~small)
    for i, text in zip(large, digits.take(pa.array(large, type=pa.int64())).to_pylist()):
        v = int(text)  # near or beyond the 64-bit bounds: decided exactly, never through a float
        if INT64_MIN <= v <= INT64_MAX:
            vals[i] = v
        else:
            ok[i], wide[i] = False, True
    bad = _np_bool(pc.is_valid(t)) & ~ok
    decimal = _np_bool(pc.match_substring_regex(t, DECIMAL_PATTERN))
    rules = [(nul, _NUL_RULE), (wide, out_of_range), _WHOLE_EXPONENT, (decimal, "not a whole number")] + _NUMBER_RULES
    return Parsed(_int_values(vals, ok, idx), pd.Series(bad, index=idx), _explain(t, bad, idx, rules))


# --------------------------------------------------------------------------- booleans and text

TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")


def to_bool(s: pd.Series) -> Parsed:
    """Booleans as ``boolean`` from the vocabulary of the module docstring."""
    arr = to_arrow(s)
    idx = s.index
    if pa.types.is_boolean(arr.type):
        values = np.asarray(arr.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
        out = pd.arrays.BooleanArray(values, ~_np_bool(pc.is_valid(arr)))
        return Parsed(pd.Series(out, index=idx), pd.Series(False, index=idx))
    if pa.types.is_null(arr.type):
        return Parsed(pd.Series(pd.NA, index=idx, dtype="boolean"), pd.Series(False, index=idx))
    if not _is_text(arr.type):
        arr = pc.cast(arr, pa.string()) if (pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type)) \
            else to_arrow(s.astype("str"))
    t, nul = _text(arr)
    low = pc.utf8_lower(t)
    yes = _np_bool(pc.is_in(low, value_set=pa.array(TRUE_WORDS))) & ~nul
    no = _np_bool(pc.is_in(low, value_set=pa.array(FALSE_WORDS))) & ~nul
    present = _np_bool(pc.is_valid(t))
    out = pd.arrays.BooleanArray(yes, ~(yes | no))
    bad = present & ~(yes | no)
    return Parsed(pd.Series(out, index=idx), pd.Series(bad, index=idx), _nul_detail(nul, idx))


def to_str(s: pd.Series) -> Parsed:
    """Trimmed text (``str``), empty text missing; a value holding a NUL is bad."""
    arr = to_arrow(s)
    idx = s.index
    if pa.types.is_null(arr.type):
        return Parsed(pd.Series(None, index=idx, dtype="str"), pd.Series(False, index=idx))
    if not _is_text(arr.type):  # numbers, dates...: written as pandas writes them
        arr = to_arrow(s.astype("str"))
    t, nul = _text(arr)
    out = _pandas(t, idx).astype("str")
    return Parsed(out, pd.Series(nul, index=idx), _nul_detail(nul, idx))


#: Column kind -> parser returning :class:`Parsed` (typed series, bad mask, detail).
CONVERTERS: Registry[Callable[[pd.Series], Parsed]] = Registry("column kind")
for _k, _f in {"str": to_str, "timestamp": to_timestamp, "date": to_date,
               "float": to_float, "int": to_int, "bool": to_bool}.items():
    CONVERTERS.register(_k, _f)
