"""Each date format registers use is a named pattern; missing words are missing, with the reason."""

import datetime as dt

import pytest

from workbench.register.dates import DATE_PATTERNS, parse_date, parse_span

D = dt.date(2017, 9, 7)


@pytest.mark.parametrize("text, pattern", [
    ("2017-09-07", "iso_date"),
    ("2017-09-07T00:00:00.000", "iso_datetime"),
    ("09/07/2017", "us_slash"),
    ("9/7/2017", "us_slash"),
    ("09/07/2017 12:00:00 AM", "us_slash_time"),
    ("Sep 7, 2017", "month_name"),
    ("Sept. 7, 2017", "month_name"),
    ("September 7, 2017", "month_name"),
    ("Thursday, September 7, 2017", "weekday_month_name"),
])
def test_each_named_pattern_reads_its_format(text, pattern):
    assert parse_date(text) == parse_date(text)  # cached, same answer
    got = parse_date(text)
    assert (got.value, got.pattern, got.reason) == (D, pattern, "")


def test_every_pattern_has_a_test_above():
    tested = {"iso_date", "iso_datetime", "us_slash", "us_slash_time", "month_name", "weekday_month_name"}
    assert set(DATE_PATTERNS.names()) == tested


@pytest.mark.parametrize("text, reason", [("", "blank"), ("   ", "blank"), ("Unknown", "the register says 'Unknown'"),
                                          ("N/A", "the register says 'N/A'")])
def test_blank_and_unknown_are_missing_with_a_reason(text, reason):
    got = parse_date(text)
    assert got.value is None and got.reason == reason


@pytest.mark.parametrize("text", ["2017-13-45", "13/45/2017", "Smarch 7, 2017", "yesterday"])
def test_text_no_pattern_reads_is_an_error_naming_the_formats(text):
    with pytest.raises(ValueError, match="2017-09-07|Smarch|no date"):
        parse_date(text)


def test_a_mapping_can_restrict_the_patterns():
    with pytest.raises(ValueError, match="us_slash"):
        parse_date("2017-09-07", ("us_slash",))


def test_a_range_gives_its_first_and_last_day():
    s = parse_span("07/29/2017 - 07/30/2017")
    assert (s.start, s.end, s.pattern) == (dt.date(2017, 7, 29), dt.date(2017, 7, 30), "range of us_slash")
    assert parse_span("Sep 7, 2017 to Sep 9, 2017").end == dt.date(2017, 9, 9)


def test_a_list_gives_its_earliest_and_latest_day():
    s = parse_span("06/01/2026, 05/15/2026")
    assert (s.start, s.end) == (dt.date(2026, 5, 15), dt.date(2026, 6, 1))
    assert s.pattern == "list of 2 dates (us_slash)"


def test_a_single_month_name_date_is_not_split_at_its_comma():
    assert parse_span("Sep 7, 2017").start == parse_span("Sep 7, 2017").end == D


def test_a_range_ending_before_it_starts_is_an_error():
    with pytest.raises(ValueError, match="ends"):
        parse_span("07/30/2017 - 07/29/2017")


def test_a_range_with_an_unknown_end_keeps_the_start_and_says_so():
    s = parse_span("07/29/2017 - Unknown")
    assert s.start == dt.date(2017, 7, 29) and s.end is None and "unknown end" in s.reason
