"""Property: any date written in a register format reads back as itself (hypothesis)."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from workbench.register.dates import parse_date, parse_span

DAYS = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 12, 31))
WRITERS = {
    "iso_date": lambda d: d.isoformat(),
    "iso_datetime": lambda d: f"{d.isoformat()}T00:00:00.000",
    "us_slash": lambda d: f"{d.month}/{d.day}/{d.year}",
    "us_slash_time": lambda d: f"{d.month:02d}/{d.day:02d}/{d.year} 12:00:00 AM",
    "month_name": lambda d: d.strftime("%b ") + f"{d.day}, {d.year}",
    "weekday_month_name": lambda d: d.strftime("%A, %B ") + f"{d.day}, {d.year}",
}


@given(DAYS, st.sampled_from(sorted(WRITERS)))
def test_a_written_date_reads_back_with_its_pattern(day, name):
    got = parse_date(WRITERS[name](day))
    assert (got.value, got.pattern) == (day, name)


@given(DAYS, st.integers(0, 400), st.sampled_from(sorted(WRITERS)))
def test_a_range_reads_back_as_its_ends(day, length, name):
    end = day + dt.timedelta(days=length)
    s = parse_span(f"{WRITERS[name](day)} - {WRITERS[name](end)}")
    assert (s.start, s.end) == (day, end)
