"""A last day on a weekend or holiday moves only where the jurisdiction's own rule says so.

Worked by hand from the statutes: Texas gives 60 days (Bus. & Com. Code § 521.053) and
moves a Saturday, Sunday or legal holiday to the next day that is not (Gov't Code § 311.014(b)).
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from workbench.errors import LawDataError
from workbench.law import Deadline, load_rulebook
from workbench.law.units import roll_over
from workbench.paths import LAW_DATA_DIR

CHI = ZoneInfo("America/Chicago")
LA = ZoneInfo("America/Los_Angeles")
BOOK = load_rulebook()


def eod(y, m, d, tz):
    return dt.datetime(y, m, d, 23, 59, 59, tzinfo=tz)


def test_texas_saturday_moves_to_monday():
    # 2024-01-02 + 60 days = Saturday 2024-03-02 (leap year)
    due = BOOK.due("US-TX", "individual", dt.datetime(2024, 1, 2, tzinfo=CHI), assessment_days=30)
    assert due.due_at == eod(2024, 3, 4, CHI)
    assert "moved from SAT 2024-03-02 to MON 2024-03-04 under Tex. Gov't Code § 311.014(b)" in due.reason


def test_texas_holiday_moves_to_the_next_day():
    # 2024-03-28 + 60 days = Memorial Day, Monday 2024-05-27
    due = BOOK.due("US-TX", "individual", dt.datetime(2024, 3, 28, tzinfo=CHI), assessment_days=30)
    assert due.due_at == eod(2024, 5, 28, CHI)
    assert "moved from MON 2024-05-27 to TUE 2024-05-28" in due.reason


def test_texas_weekday_is_not_touched():
    # 2024-01-04 + 60 days = Monday 2024-03-04
    due = BOOK.due("US-TX", "individual", dt.datetime(2024, 1, 4, tzinfo=CHI), assessment_days=30)
    assert due.due_at == eod(2024, 3, 4, CHI) and "moved" not in due.reason


def test_state_without_a_rollover_record_does_not_move():
    # Florida: 30 days (§ 501.171(4)(a)); 2024-02-01 + 30 = Saturday 2024-03-02; no computation-of-time record
    ny = ZoneInfo("America/New_York")
    assert BOOK.time_rule("US-FL") is None
    due = BOOK.due("US-FL", "individual", dt.datetime(2024, 2, 1, tzinfo=ny), assessment_days=30)
    assert due.due_at == eod(2024, 3, 2, ny)
    assert "not moved: no rollover rule for US-FL is in the law data" in due.reason


def test_washington_saturday_moves_to_monday():
    # RCW 19.255.010: 30 days; 2024-02-01 + 30 = Saturday 2024-03-02; RCW 1.12.040 excludes a last
    # day that is "a holiday, Saturday, or Sunday"
    due = BOOK.due("US-WA", "individual", dt.datetime(2024, 2, 1, tzinfo=LA), assessment_days=30)
    assert due.due_at == eod(2024, 3, 4, LA)
    assert "moved from SAT 2024-03-02 to MON 2024-03-04 under RCW 1.12.040" in due.reason


def test_washington_friday_is_not_touched():
    # 2024-01-31 + 30 = Friday 2024-03-01
    due = BOOK.due("US-WA", "individual", dt.datetime(2024, 1, 31, tzinfo=LA), assessment_days=30)
    assert due.due_at == eod(2024, 3, 1, LA) and "moved" not in due.reason


def test_illinois_fixed_period_would_move_past_the_weekend():
    # Illinois sets no number today; a 30-day version of its rule shows 5 ILCS 70/1.11 at work:
    # 2024-02-01 + 30 = Saturday 2024-03-02; Sunday, and Monday 2024-03-04 is Casimir Pulaski Day
    # (an Illinois holiday in the calendar), are excluded too -> Tuesday 2024-03-05
    rule = replace(BOOK.current("US-IL"), individual_deadline=Deadline(30, "calendar_days"))
    due = BOOK.due(rule, "individual", dt.datetime(2024, 2, 1, tzinfo=CHI), assessment_days=30)
    assert due.due_at == eod(2024, 3, 5, CHI)
    assert "moved from SAT 2024-03-02 to TUE 2024-03-05 under 5 ILCS 70/1.11" in due.reason


def test_iowa_is_not_recorded():
    # Iowa Code § 4.1(34) was not read in full (docs/research/us_states_review.md): no record, no move
    assert BOOK.time_rule("US-IA") is None


def test_state_whose_rule_is_none_does_not_move():
    # Oregon: 45 days; 2024-01-17 + 45 = Saturday 2024-03-02; ORS 174.120 covers procedure statutes only
    due = BOOK.due("US-OR", "individual", dt.datetime(2024, 1, 17, tzinfo=LA), assessment_days=30)
    assert due.due_at == eod(2024, 3, 2, LA)
    assert "not moved under ORS 174.120(1)" in due.reason


def test_hours_never_move():
    # a 72-hour version of the Texas rule: Wednesday 00:00 + 72 h = Saturday 00:00, and it stays there
    rule = replace(BOOK.current("US-TX"), individual_deadline=Deadline(72, "hours"))
    due = BOOK.due(rule, "individual", dt.datetime(2024, 2, 28, tzinfo=CHI), assessment_days=30)
    assert due.due_at == dt.datetime(2024, 3, 2, tzinfo=CHI)
    assert "moved" not in due.reason


def test_assessment_yardstick_never_moves():
    # Pennsylvania sets no number; 2024-02-01 + 30 assessment days = Saturday 2024-03-02
    ny = ZoneInfo("America/New_York")
    due = BOOK.due("US-PA", "individual", dt.datetime(2024, 2, 1, tzinfo=ny), assessment_days=30)
    assert due.basis == "assessment" and due.due_at == eod(2024, 3, 2, ny)


@pytest.mark.parametrize("rollover,calendar,day,expected", [
    ("next_business_day", "US-TX", dt.date(2024, 3, 2), dt.date(2024, 3, 4)),
    ("next_business_day", "US-TX", dt.date(2024, 3, 4), dt.date(2024, 3, 4)),
    ("none", "US-TX", dt.date(2024, 3, 2), dt.date(2024, 3, 2)),
    # Ohio § 1.14: only Sunday or a holiday moves; Friday 2025-07-04 -> Saturday 2025-07-05
    ("next_day_not_sunday_or_holiday", "US-OH", dt.date(2025, 7, 4), dt.date(2025, 7, 5)),
    ("next_day_not_sunday_or_holiday", "US-OH", dt.date(2024, 3, 2), dt.date(2024, 3, 2)),
    ("next_day_not_sunday_or_holiday", "US-OH", dt.date(2024, 3, 3), dt.date(2024, 3, 4)),
    # M.G.L. c. 4 § 9: Sunday or holiday -> next business day; Saturday stays
    ("sunday_or_holiday_to_next_business_day", "US-MA", dt.date(2025, 7, 4), dt.date(2025, 7, 7)),
    ("sunday_or_holiday_to_next_business_day", "US-MA", dt.date(2024, 3, 2), dt.date(2024, 3, 2)),
    ("sunday_or_holiday_to_next_business_day", "US-MA", dt.date(2024, 3, 3), dt.date(2024, 3, 4)),
    # O.C.G.A. § 1-3-1(d)(3): Saturday or Sunday -> the following Monday, even a holiday Monday
    ("weekend_to_monday_holiday_to_next_day", "US-GA", dt.date(2024, 3, 2), dt.date(2024, 3, 4)),
    ("weekend_to_monday_holiday_to_next_day", "US-GA", dt.date(2024, 3, 3), dt.date(2024, 3, 4)),
    ("weekend_to_monday_holiday_to_next_day", "US-GA", dt.date(2024, 5, 25), dt.date(2024, 5, 27)),  # Memorial Day
    # a holiday -> the next day; a Friday holiday -> the Monday after
    ("weekend_to_monday_holiday_to_next_day", "US-GA", dt.date(2024, 5, 27), dt.date(2024, 5, 28)),
    ("weekend_to_monday_holiday_to_next_day", "US-GA", dt.date(2025, 7, 4), dt.date(2025, 7, 7)),
    ("weekend_to_monday_holiday_to_next_day", "US-GA", dt.date(2024, 3, 4), dt.date(2024, 3, 4)),
    # one step only: Thanksgiving -> Friday 2024-11-29, though the calendar's "State Holiday" too
    ("weekend_to_monday_holiday_to_next_day", "US-GA", dt.date(2024, 11, 28), dt.date(2024, 11, 29)),
])
def test_rollover_rules(rollover, calendar, day, expected):
    assert roll_over(day, rollover, calendar) == expected


def test_every_time_rule_is_cited_and_known():
    assert {"US-TX", "US-CA", "US-NY", "US-PA", "US-OR"} <= set(BOOK.time_rules)
    for t in BOOK.time_rules.values():
        assert t.citation and t.source and t.confidence in ("medium", "low"), t.code
        assert t.code in BOOK, t.code


def _copy_with(tmp_path, old, new):
    folder = tmp_path / "data"
    shutil.copytree(LAW_DATA_DIR, folder)
    path = folder / "time_computation.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def test_unknown_rollover_is_refused_with_file_and_line(tmp_path):
    folder = _copy_with(tmp_path, "rollover: next_business_day", "rollover: next_full_moon")
    with pytest.raises(LawDataError, match="unknown rollover rule") as err:
        load_rulebook(folder)
    assert err.value.file.endswith("time_computation.yaml") and err.value.line


def test_duplicate_time_rule_is_refused(tmp_path):
    folder = _copy_with(tmp_path, "  - code: US-CO\n", "  - code: US-CA\n")
    with pytest.raises(LawDataError, match="listed twice"):
        load_rulebook(folder)


def test_time_rules_are_part_of_the_version_hash(tmp_path):
    folder = _copy_with(tmp_path, "family: time_computation", "family: time_computation  # reviewed")
    assert load_rulebook(folder).version_hash != BOOK.version_hash
