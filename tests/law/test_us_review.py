"""US law data from the review of 2026-12-02, checked against the statutes' own numbers.

Florida § 817.5681 (2005-2014): notice "no later than 45 days following the determination of
the breach". Iowa ch. 715C from 2008-07-01 (SF 2308) and Vermont from 2007-01-01: no number,
no regulator notice. Arizona (A.R.S. §§ 1-243, 1-303): a last day on a Sunday or holiday moves
to the next business day, a Saturday does not. Maryland § 14-3504(d)(2): notice within 30 days
after law enforcement says it will not impede the investigation. Days worked out by hand.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from workbench.law import load_rulebook
from workbench.law.substitute import substitute_permitted

BOOK = load_rulebook()
NY = ZoneInfo("America/New_York")
CHI = ZoneInfo("America/Chicago")
PHX = ZoneInfo("America/Phoenix")


def eod(y, m, d, tz):
    return dt.datetime(y, m, d, 23, 59, 59, tzinfo=tz)


def test_florida_2010_breach_is_due_45_days_after_determination_under_817_5681():
    # determined Monday 2010-03-01; + 45 days = Thursday 2010-04-15
    due = BOOK.due("US-FL", "individual", dt.datetime(2010, 3, 1, tzinfo=NY), assessment_days=30)
    assert due.rule_version == "US-FL@2005-07-01" and due.basis == "statutory"
    assert due.due_at == eod(2010, 4, 15, NY) and "817.5681" in due.citation
    assert BOOK.rule_in_force("US-FL", dt.date(2014, 7, 1)).version == "US-FL@2014-07-01"


def test_florida_2010_definition_and_no_regulator_notice():
    cov = BOOK.coverage("US-FL", ["name", "ssn"], dt.date(2010, 3, 1))
    assert cov.covered is True and cov.trigger.until == dt.date(2014, 7, 1)
    assert BOOK.coverage("US-FL", ["name", "passport"], dt.date(2010, 3, 1)).covered is False
    reg = BOOK.due("US-FL", "regulator", dt.datetime(2010, 3, 1, tzinfo=NY), assessment_days=30)
    assert not reg.applies


def test_iowa_2009_breach_has_a_regime_without_a_number_or_regulator():
    start = dt.datetime(2009, 5, 4, tzinfo=CHI)
    due = BOOK.due("US-IA", "individual", start, assessment_days=30)
    assert due.rule_version == "US-IA@2008-07-01" and due.basis == "assessment"
    assert not BOOK.due("US-IA", "regulator", start, assessment_days=30).applies
    assert BOOK.coverage("US-IA", ["name", "biometric"], dt.date(2009, 5, 4)).covered is True
    assert BOOK.rule_in_force("US-IA", dt.date(2008, 6, 30)) is None      # before SF 2308: not modelled


def test_vermont_2008_breach_has_no_45_day_limit_yet():
    start = dt.datetime(2008, 6, 2, tzinfo=NY)
    due = BOOK.due("US-VT", "individual", start, assessment_days=30)
    assert due.rule_version == "US-VT@2007-01-01" and due.basis == "assessment"
    assert not BOOK.due("US-VT", "regulator", start, assessment_days=30).applies
    later = BOOK.due("US-VT", "individual", dt.datetime(2013, 6, 3, tzinfo=NY), assessment_days=30)
    assert later.basis == "statutory" and later.due_at == eod(2013, 7, 18, NY)   # Act 109: 45 days


def test_arizona_sunday_moves_and_saturday_does_not():
    # 45 days: 2024-03-06 -> Saturday 2024-04-20 (stays); 2024-03-07 -> Sunday 2024-04-21 (Monday)
    sat = BOOK.due("US-AZ", "individual", dt.datetime(2024, 3, 6, tzinfo=PHX), assessment_days=30)
    assert sat.due_at == eod(2024, 4, 20, PHX)
    sun = BOOK.due("US-AZ", "individual", dt.datetime(2024, 3, 7, tzinfo=PHX), assessment_days=30)
    assert sun.due_at == eod(2024, 4, 22, PHX)
    assert "moved from SUN 2024-04-21 to MON 2024-04-22" in sun.reason and "1-243" in sun.reason


def test_maryland_notice_due_30_days_after_law_enforcement_clears_it():
    # § 14-3504 (2018): 45 days after the investigation (2019-01-02 -> Saturday 2019-02-16);
    # delayed 2019-01-10 .. 2019-03-01: 30 days after the delay ends = 2019-03-31
    start = dt.datetime(2019, 1, 2, tzinfo=NY)
    assert BOOK.due("US-MD", "individual", start, assessment_days=30).due_at == eod(2019, 2, 16, NY)
    delay = (dt.datetime(2019, 1, 10, tzinfo=NY), dt.datetime(2019, 3, 1, tzinfo=NY))
    due = BOOK.due("US-MD", "individual", start, assessment_days=30, law_enforcement_delay=delay)
    assert due.due_at == eod(2019, 3, 31, NY)
    assert "due within 30 calendar days after the law-enforcement delay ended" in due.reason


def test_washington_delay_extends_the_30_days():
    # RCW 19.255.010 (2020): 30 days; 2024-01-02 -> 2024-02-01, plus a 10-day delay -> Sunday
    # 2024-02-11, excluded under RCW 1.12.040 -> Monday 2024-02-12
    la = ZoneInfo("America/Los_Angeles")
    delay = (dt.datetime(2024, 1, 8, tzinfo=la), dt.datetime(2024, 1, 18, tzinfo=la))
    due = BOOK.due("US-WA", "individual", dt.datetime(2024, 1, 2, tzinfo=la), assessment_days=30,
                   law_enforcement_delay=delay)
    assert due.due_at == eod(2024, 2, 12, la) and "19.255.010(3)" in due.reason
    assert "moved from SUN 2024-02-11 to MON 2024-02-12 under RCW 1.12.040" in due.reason


def test_new_delay_records_say_where_they_come_from():
    rule = BOOK.rule_in_force("US-IA", dt.date(2009, 1, 1))
    assert rule.law_enforcement_delay.effect == "tolls" and "715C.2(3)" in rule.law_enforcement_delay.text
    later = BOOK.current("US-PA").law_enforcement_delay
    assert later.confidence == "low" and "predates this version" in later.text


def test_georgia_scope_is_stated_and_massachusetts_substitute_notice():
    assert "information broker or a data collector" in BOOK.current("US-GA").individual_standard
    ma = BOOK.current("US-MA")
    assert "93H, § 1(a)" in ma.substitute_notice.citation
    assert substitute_permitted(ma, cost_usd=250_001)[0] is True
    assert substitute_permitted(ma, cost_usd=250_000, people=500_000, lacks_contact=False)[0] is False
    assert substitute_permitted(ma, people=500_001)[0] is True
