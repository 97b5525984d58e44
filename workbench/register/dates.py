"""The date formats registers use, each a named pattern, and the ranges and lists they write.

A register cell is read by :func:`parse_date` (one date) or :func:`parse_span` (a breach's
dates: one date, a range ``07/29/2017 - 07/30/2017`` or a list ``05/15/2026, 06/01/2026``).
Every answer says which pattern read it; a blank cell or a word such as ``Unknown`` is
*missing*, with the reason, never a date; text that no pattern reads is an error the
reader turns into a reject naming the row, the field and the patterns it tried.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from workbench.registry import Registry

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}


@dataclass(frozen=True)
class DatePattern:
    """A named date format: ``example`` is what it reads, ``read`` turns a regex match into a date."""

    name: str
    example: str
    regex: re.Pattern
    read: Callable[[re.Match], dt.date]


#: pattern name -> DatePattern (tried in name order; each must match the whole cell, so order cannot change an answer).
DATE_PATTERNS: Registry[DatePattern] = Registry("date pattern")


def _pattern(name: str, example: str, regex: str):
    def deco(fn: Callable[[re.Match], dt.date]) -> Callable[[re.Match], dt.date]:
        DATE_PATTERNS.register(name, DatePattern(name, example, re.compile(regex, re.IGNORECASE), fn))
        return fn
    return deco


def _month(word: str) -> int:
    try:
        return _MONTHS[word[:3].lower()]
    except KeyError:
        raise ValueError(f"not a month name: {word!r}") from None


@_pattern("iso_date", "2017-09-07", r"(\d{4})-(\d{2})-(\d{2})")
def _iso_date(m: re.Match) -> dt.date:
    return dt.date(int(m[1]), int(m[2]), int(m[3]))


@_pattern("iso_datetime", "2017-09-07T00:00:00.000 (the date as written; time and offset ignored)",
          r"(\d{4})-(\d{2})-(\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")
def _iso_datetime(m: re.Match) -> dt.date:
    return dt.date(int(m[1]), int(m[2]), int(m[3]))


@_pattern("us_slash", "09/07/2017 or 9/7/2017 (month first)", r"(\d{1,2})/(\d{1,2})/(\d{4})")
def _us_slash(m: re.Match) -> dt.date:
    return dt.date(int(m[3]), int(m[1]), int(m[2]))


@_pattern("us_slash_time", "09/07/2017 12:00:00 AM (month first; time ignored)",
          r"(\d{1,2})/(\d{1,2})/(\d{4})\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?")
def _us_slash_time(m: re.Match) -> dt.date:
    return dt.date(int(m[3]), int(m[1]), int(m[2]))


@_pattern("month_name", "Sep 7, 2017 / Sept. 7, 2017 / September 7, 2017",
          r"([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})")
def _month_name(m: re.Match) -> dt.date:
    return dt.date(int(m[3]), _month(m[1]), int(m[2]))


@_pattern("weekday_month_name", "Saturday, March 28, 2026",
          r"(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})")
def _weekday_month_name(m: re.Match) -> dt.date:
    return dt.date(int(m[3]), _month(m[1]), int(m[2]))


#: Cell texts that mean "no date" (compared case-insensitively, after trimming).
MISSING_WORDS: frozenset[str] = frozenset({
    "unknown", "not known", "n/a", "na", "none", "not provided", "not available", "tbd", "pending", "-", "--",
    "unk", "null", "nan",
})
#: What separates the two ends of a range (tried in order).
RANGE_SEPARATORS = re.compile(r"\s+(?:-|–|—|to|through|thru)\s+", re.IGNORECASE)
#: What separates the dates of a list.
LIST_SEPARATORS = re.compile(r"\s*(?:;|\n|,(?!\s*\d{4}\b))\s*")


@dataclass(frozen=True)
class DateValue:
    """A date read from a cell, or None with the reason it is missing."""

    value: dt.date | None
    pattern: str  # the DatePattern name, "" when missing
    reason: str = ""  # why it is missing ("" when there is a date)


@dataclass(frozen=True)
class Span:
    """A breach's dates: first and last day (equal for one date), or None with the reason."""

    start: dt.date | None
    end: dt.date | None
    pattern: str  # "<pattern>", "range of <pattern>", "list of N dates (<patterns>)"
    reason: str = ""


def _missing(text: str) -> str | None:
    t = text.strip()
    if not t:
        return "blank"
    if t.lower() in MISSING_WORDS:
        return f"the register says {t!r}"
    return None


@lru_cache(maxsize=65536)
def parse_date(text: str, patterns: tuple[str, ...] | None = None) -> DateValue:
    """One date from ``text``, trying ``patterns`` (names of :data:`DATE_PATTERNS`; all by default).

    Blank and :data:`MISSING_WORDS` give a missing value with its reason; anything else that
    no pattern reads raises ValueError listing the patterns tried. Cached: registers repeat dates.
    """
    why = _missing(text)
    if why:
        return DateValue(None, "", why)
    t = " ".join(text.split())
    names = patterns or tuple(DATE_PATTERNS)
    for name in names:
        p = DATE_PATTERNS.get(name)
        m = p.regex.fullmatch(t)
        if m:
            try:
                return DateValue(p.read(m), name)
            except ValueError as err:
                raise ValueError(f"{text!r} looks like {name} ({p.example}) but is no date: {err}") from None
    raise ValueError(f"{text!r} is not a date in any of the formats " + "; ".join(
        f"{n} ({DATE_PATTERNS.get(n).example})" for n in names))


@lru_cache(maxsize=65536)
def parse_span(text: str, patterns: tuple[str, ...] | None = None) -> Span:
    """A breach's dates: one date, a range (``A - B``, ``A to B``) or a list (``A, B``; ``A; B``).

    A list or range gives its earliest and latest day. An end before its start raises ValueError.
    """
    why = _missing(text)
    if why:
        return Span(None, None, "", why)
    try:
        one = parse_date(text, patterns)
        return Span(one.value, one.value, one.pattern)
    except ValueError:
        pass
    parts = RANGE_SEPARATORS.split(text.strip())
    if len(parts) == 2:
        a, b = (parse_date(p, patterns) for p in parts)
        if a.value is None or b.value is None:
            known = a if a.value is not None else b
            if known.value is None:
                return Span(None, None, "", "range with both ends unknown")
            return Span(a.value, b.value, f"range of {known.pattern}",
                        f"range with an unknown {'end' if b.value is None else 'start'}")
        if b.value < a.value:
            raise ValueError(f"{text!r}: the range ends ({b.value}) before it starts ({a.value})")
        return Span(a.value, b.value, f"range of {a.pattern}" + ("" if a.pattern == b.pattern else f"/{b.pattern}"))
    items = [p for p in LIST_SEPARATORS.split(text.strip()) if p]
    if len(items) > 1:
        try:
            values = [parse_date(p, patterns) for p in items]
        except ValueError as err:
            raise ValueError(f"{text!r} is not a date, a range or a list of dates: {err}") from None
        days = [v.value for v in values if v.value is not None]
        if not days:
            return Span(None, None, "", "list of unknown dates")
        kinds = "/".join(sorted({v.pattern for v in values if v.pattern}))
        return Span(min(days), max(days), f"list of {len(items)} dates ({kinds})")
    parse_date(text, patterns)  # raises the single-date error
    raise AssertionError("unreachable")  # pragma: no cover
