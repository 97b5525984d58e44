"""Hand-worked deadline examples, each computed by hand from the statute's words.

Convention (README beside the law data): day 0 is the clock-start date in the case
timezone; a day-counted deadline ends at 23:59:59 local time on day N.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from workbench.law import load_rulebook

LA = ZoneInfo("America/Los_Angeles")
NY = ZoneInfo("America/New_York")
DUBLIN = ZoneInfo("Europe/Dublin")
CHI = ZoneInfo("America/Chicago")


@pytest.fixture(scope="module")
def book():
    return load_rulebook()


def eod(y, m, d, tz):
    return dt.datetime(y, m, d, 23, 59, 59, tzinfo=tz)


# (case, code, obligation, clock start, residents, expected due, expected basis, expected version)
EXAMPLES = [
    # Washington HB 1078: 45 calendar days from discovery; 2020-02-28 + 45 days = 2020-04-13 (leap year).
    ("WA 45 days before HB 1071", "US-WA", "individual", dt.datetime(2020, 2, 28, tzinfo=LA), 600,
     eod(2020, 4, 13, LA), "statutory", "US-WA@2015-07-24"),
    # Washington HB 1071 from 2020-03-01: 30 days; 2020-03-02 + 30 = 2020-04-01.
    ("WA 30 days after HB 1071", "US-WA", "individual", dt.datetime(2020, 3, 2, tzinfo=LA), 600,
     eod(2020, 4, 1, LA), "statutory", "US-WA@2020-03-01"),
    ("WA AG 30 days after HB 1071", "US-WA", "regulator", dt.datetime(2020, 3, 2, tzinfo=LA), 501,
     eod(2020, 4, 1, LA), "statutory", "US-WA@2020-03-01"),
    # SEC Item 1.05: 4 business days after the materiality determination on Wed 2024-07-03;
    # Thu 4 July is a federal holiday: Fri 5 (1), Mon 8 (2), Tue 9 (3), Wed 10 (4).
    ("SEC 8-K across Independence Day", "US-SEC-8K", "regulator", dt.datetime(2024, 7, 3, 16, 0, tzinfo=NY), None,
     eod(2024, 7, 10, NY), "statutory", "US-SEC-8K@2023-12-18"),
    # Vermont: AG preliminary notice within 14 business days of discovery (Fri 2024-02-23);
    # Town Meeting Day (Tue 2024-03-05) is a Vermont holiday, so the 14th business day is Fri 03-15.
    ("VT 14 business days across Town Meeting Day", "US-VT", "regulator", dt.datetime(2024, 2, 23, tzinfo=NY), 10,
     eod(2024, 3, 15, NY), "statutory", "US-VT@2012-05-08"),
    # GDPR Art. 33: 72 hours from awareness 2024-03-30 09:00 Dublin (UTC+0); clocks go forward
    # 2024-03-31, so 72 real hours later is 2024-04-02 09:00 UTC = 10:00 Irish Summer Time.
    ("GDPR 72 hours across DST", "EU-IE", "regulator", dt.datetime(2024, 3, 30, 9, 0, tzinfo=DUBLIN), 3,
     dt.datetime(2024, 4, 2, 10, 0, tzinfo=DUBLIN), "statutory", "EU-IE@2018-05-25"),
    # California before SB 446: "most expedient time possible and without unreasonable delay" - no number,
    # so assessment_days (30) applies: 2017-07-29 + 30 = 2017-08-28, labelled assessment.
    ("CA no number -> assessment", "US-CA", "individual", dt.datetime(2017, 7, 29, tzinfo=LA), 15000,
     eod(2017, 8, 28, LA), "assessment", "US-CA@2015-01-01"),
    # Texas SB 768 (from 2023-09-01): AG within 30 days of determination, at least 250 Texans.
    ("TX AG 30 days", "US-TX", "regulator", dt.datetime(2024, 1, 10, tzinfo=CHI), 250,
     eod(2024, 2, 9, CHI), "statutory", "US-TX@2023-09-01"),
]


@pytest.mark.parametrize("case,code,obligation,start,residents,expected,basis,version", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_hand_worked_examples(book, case, code, obligation, start, residents, expected, basis, version):
    due = book.due(code, obligation, start, residents=residents, assessment_days=30)
    assert due.applies
    assert due.due_at == expected
    assert due.due_at.utcoffset() == expected.utcoffset()
    assert due.basis == basis
    assert due.rule_version == version
    assert due.citation


def test_72_hours_are_real_hours_across_dst(book):
    start = dt.datetime(2024, 3, 30, 9, 0, tzinfo=DUBLIN)
    due = book.due("EU-IE", "regulator", start, assessment_days=30)
    # Same-tzinfo subtraction in Python is wall-clock arithmetic, so compare in UTC.
    assert due.due_at.astimezone(dt.timezone.utc) - start.astimezone(dt.timezone.utc) == dt.timedelta(hours=72)
    assert due.due_at.hour == 10  # wall clock moved


@pytest.mark.parametrize("code,residents,applies", [
    ("US-WA", 499, False), ("US-WA", 500, False), ("US-WA", 501, True),   # "more than 500"
    ("US-CO", 499, False), ("US-CO", 500, True), ("US-CO", 501, True),    # "500 or more"
])
def test_threshold_edges(book, code, residents, applies):
    start = dt.datetime(2023, 6, 1, tzinfo=NY)
    due = book.due(code, "regulator", start, residents=residents, assessment_days=30)
    assert due.applies is applies
    assert due.basis == ("statutory" if applies else "not_required")


def test_assessment_is_never_called_statutory(book):
    due = book.due("US-CA", "individual", dt.datetime(2017, 7, 29, tzinfo=LA), assessment_days=45)
    assert due.basis == "assessment"
    assert "not law" in due.reason
    assert due.due_at == eod(2017, 9, 12, LA)


def test_encryption_safe_harbour(book):
    start = dt.datetime(2022, 5, 1, tzinfo=LA)
    due = book.due("US-WA", "individual", start, residents=1000, assessment_days=30, encrypted=True)
    assert (due.applies, due.basis) == (False, "not_required")
    # GDPR: encryption waives only the notice to individuals (Art. 34(3)(a)), not Art. 33.
    assert book.due("EU-FR", "individual", start, assessment_days=30, encrypted=True).basis == "not_required"
    assert book.due("EU-FR", "regulator", start, assessment_days=30, encrypted=True).applies


def test_no_regime_before_a_law_existed(book):
    due = book.due("US-AL", "individual", dt.datetime(2017, 7, 29, tzinfo=CHI), assessment_days=30)
    assert (due.applies, due.basis) == (False, "no_regime")
    assert due.rule_version == "US-AL@origin"


def test_relative_timing_uses_individual_notice(book):
    # Iowa: AG within 5 business days after notifying consumers, if more than 500 Iowans.
    # Consumers notified Fri 2024-11-08; Mon 11-11 is Veterans Day (an Iowa holiday):
    # Tue 12 (1), Wed 13 (2), Thu 14 (3), Fri 15 (4), Mon 18 (5).
    start = dt.datetime(2024, 10, 20, tzinfo=CHI)
    sent = dt.datetime(2024, 11, 8, 15, 0, tzinfo=CHI)
    due = book.due("US-IA", "regulator", start, residents=501, assessment_days=30, individual_sent_at=sent)
    assert (due.due_at, due.basis) == (eod(2024, 11, 18, CHI), "statutory")
    assert not book.due("US-IA", "regulator", start, residents=500, assessment_days=30).applies


def test_rule_in_force_switches_on_effective_date(book):
    assert book.rule_in_force("US-WA", dt.date(2020, 2, 29)).individual_deadline.amount == 45
    assert book.rule_in_force("US-WA", dt.date(2020, 3, 1)).individual_deadline.amount == 30
    assert book.rule_in_force("US-AK", dt.date(2001, 1, 1)) is None
