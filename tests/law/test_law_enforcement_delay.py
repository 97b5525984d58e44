"""A law-enforcement delay extends the deadline only where the rule's data allows one.

California (SB 446): 30 calendar days; Civ. Code § 1798.82 lets law enforcement delay the
notice. Model: the deadline is extended by the delay's length (README "Law-enforcement delay").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from workbench.law import Deadline, load_rulebook
from workbench.law.model import LawEnforcementDelay

LA = ZoneInfo("America/Los_Angeles")
BOOK = load_rulebook()
START = dt.datetime(2026, 2, 2, tzinfo=LA)            # Monday; + 30 days = Wednesday 2026-03-04
NINE_DAYS = (dt.datetime(2026, 2, 10, 9, tzinfo=LA), dt.datetime(2026, 2, 19, 9, tzinfo=LA))


def eod(y, m, d, tz=LA):
    return dt.datetime(y, m, d, 23, 59, 59, tzinfo=tz)


def test_california_without_delay():
    assert BOOK.due("US-CA", "individual", START, assessment_days=30).due_at == eod(2026, 3, 4)


def test_california_delay_extends_the_individual_deadline():
    due = BOOK.due("US-CA", "individual", START, assessment_days=30, law_enforcement_delay=NINE_DAYS)
    assert due.due_at == eod(2026, 3, 13)                 # 2026-03-04 + 9 days, a Friday
    assert due.basis == "statutory"
    assert "extended by the law-enforcement delay (9 days" in due.reason and "§ 1798.82" in due.reason


def test_extended_last_day_on_a_weekend_then_rolls_over():
    ten_days = (NINE_DAYS[0], NINE_DAYS[1] + dt.timedelta(days=1))
    due = BOOK.due("US-CA", "individual", START, assessment_days=30, law_enforcement_delay=ten_days)
    assert due.due_at == eod(2026, 3, 16)                 # Saturday 2026-03-14 -> Monday (CCP § 12a)
    assert "moved from SAT 2026-03-14 to MON 2026-03-16" in due.reason


def test_rule_whose_data_says_none_does_not_move():
    rule = replace(BOOK.current("US-CA"),
                   law_enforcement_delay=LawEnforcementDelay("none", "fixture: a statute without a delay clause"))
    due = BOOK.due(rule, "individual", START, assessment_days=30, law_enforcement_delay=NINE_DAYS)
    assert due.due_at == eod(2026, 3, 4)
    assert "law-enforcement delay not applied: the rule makes no provision for one" in due.reason


def test_rule_without_delay_data_does_not_move_and_says_so():
    tx = ZoneInfo("America/Chicago")
    assert BOOK.current("US-TX").law_enforcement_delay is None
    start = dt.datetime(2024, 1, 3, tzinfo=tx)
    delay = (dt.datetime(2024, 1, 10, tzinfo=tx), dt.datetime(2024, 1, 20, tzinfo=tx))
    plain = BOOK.due("US-TX", "individual", start, assessment_days=30)
    due = BOOK.due("US-TX", "individual", start, assessment_days=30, law_enforcement_delay=delay)
    assert due.due_at == plain.due_at
    assert "does not record whether US-TX@2023-09-01 allows one" in due.reason


def test_request_after_the_deadline_is_not_applied():
    late = (dt.datetime(2026, 3, 10, tzinfo=LA), dt.datetime(2026, 3, 20, tzinfo=LA))
    due = BOOK.due("US-CA", "individual", START, assessment_days=30, law_enforcement_delay=late)
    assert due.due_at == eod(2026, 3, 4) and "requested after the deadline had passed" in due.reason


def test_delay_of_an_assessment_deadline_stays_an_assessment():
    # Hawaii sets no number: 30 assessment days from 2024-01-02 = 2024-02-01, plus a 5-day delay
    hi = ZoneInfo("Pacific/Honolulu")
    delay = (dt.datetime(2024, 1, 5, tzinfo=hi), dt.datetime(2024, 1, 10, tzinfo=hi))
    due = BOOK.due("US-HI", "individual", dt.datetime(2024, 1, 2, tzinfo=hi), assessment_days=30,
                   law_enforcement_delay=delay)
    assert due.basis == "assessment" and due.due_at == eod(2024, 2, 6, hi)
    assert "§ 487N-2(c)" in due.reason


def test_period_after_the_delay_ends_applies_when_later():
    rule = replace(BOOK.current("US-CA"), law_enforcement_delay=LawEnforcementDelay(
        "tolls", "fixture: notice within 30 days after law enforcement allows it", after=Deadline(30, "calendar_days")))
    due = BOOK.due(rule, "individual", START, assessment_days=30, law_enforcement_delay=NINE_DAYS)
    assert due.due_at == eod(2026, 3, 23)                 # 2026-02-19 + 30 days (later than 2026-03-13)
    assert "due within 30 calendar days after the law-enforcement delay ended" in due.reason


def test_maine_notice_is_due_seven_business_days_after_the_delay_ends():
    # 10 M.R.S. § 1348: 30 days, or 7 business days after law enforcement clears the notice
    me = ZoneInfo("America/New_York")
    start = dt.datetime(2024, 1, 2, tzinfo=me)
    delay = (dt.datetime(2024, 1, 10, tzinfo=me), dt.datetime(2024, 2, 20, tzinfo=me))
    due = BOOK.due("US-ME", "individual", start, assessment_days=30, law_enforcement_delay=delay)
    assert due.due_at == eod(2024, 2, 29, me)             # Feb 21-23, 26-29: the 7th business day
    assert "due within 7 business days after the law-enforcement delay ended" in due.reason
    short = (dt.datetime(2024, 1, 3, tzinfo=me), dt.datetime(2024, 1, 4, tzinfo=me))
    assert BOOK.due("US-ME", "individual", start, assessment_days=30,
                    law_enforcement_delay=short).due_at == eod(2024, 2, 1, me)   # never shortened


def test_delay_covers_the_regulator_only_where_the_statute_says_so():
    fixed = replace(BOOK.current("US-CA"), regulator_name="fixture AG", regulator_threshold=1,
                    regulator_deadline=Deadline(30, "calendar_days"), regulator_relative=None)
    due = BOOK.due(fixed, "regulator", START, assessment_days=30, law_enforcement_delay=NINE_DAYS)
    assert due.due_at == eod(2026, 3, 4) and "covers the notice to individuals only" in due.reason
    both = replace(fixed, law_enforcement_delay=replace(fixed.law_enforcement_delay, scope="all"))
    assert BOOK.due(both, "regulator", START, assessment_days=30,
                    law_enforcement_delay=NINE_DAYS).due_at == eod(2026, 3, 13)


@pytest.mark.parametrize("delay,message", [
    ((dt.datetime(2026, 2, 10), dt.datetime(2026, 2, 19)), "timezone-aware"),
    ((NINE_DAYS[1], NINE_DAYS[0]), "ends before it was requested"),
])
def test_bad_delay_is_refused(delay, message):
    with pytest.raises(ValueError, match=message):
        BOOK.due("US-CA", "individual", START, assessment_days=30, law_enforcement_delay=delay)


def test_every_california_version_carries_the_delay_clause():
    # § 1798.82(c) exists since SB 1386 (operative 2003-07-01); the data's versions start in 2012
    versions = BOOK.history("US-CA")
    assert [v.version for v in versions] == ["US-CA@2012-01-01", "US-CA@2015-01-01", "US-CA@2026-01-01"]
    for v in versions:
        assert v.law_enforcement_delay is not None and v.law_enforcement_delay.effect == "tolls", v.version
        assert "1798.82" in v.law_enforcement_delay.text and v.law_enforcement_delay.source, v.version
    assert "promptly after" in versions[1].law_enforcement_delay.text      # AB 1710 (2014)
    assert "promptly" not in versions[0].law_enforcement_delay.text


def test_a_2019_california_yardstick_moves_by_the_delay():
    # no number before SB 446: 30 assessment days from Mon 2019-03-04 = 2019-04-03, plus 9 days
    start = dt.datetime(2019, 3, 4, tzinfo=LA)
    nine = (dt.datetime(2019, 3, 6, 9, tzinfo=LA), dt.datetime(2019, 3, 15, 9, tzinfo=LA))
    due = BOOK.due("US-CA", "individual", start, assessment_days=30, law_enforcement_delay=nine)
    assert due.basis == "assessment" and due.rule_version == "US-CA@2015-01-01"
    assert due.due_at == eod(2019, 4, 12)
    assert BOOK.due("US-CA", "individual", start, assessment_days=30).due_at == eod(2019, 4, 3)

