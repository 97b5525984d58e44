"""The rule in force at the clock start the statute names, when the law changed in between."""

from __future__ import annotations

import pandas as pd

from workbench.law import load_rulebook
from workbench.law.deadlines import rule_for_case
from workbench.timelines import assess_case

from tests.timelines.helpers import write_case


def _row(case, code):
    return assess_case(case).jurisdictions.set_index("jurisdiction").loc[code]


def test_law_taking_effect_between_discovery_and_determination_applies(tmp_path):
    # Alabama had no statute until 2018-06-01; its law counts 45 days from determination.
    case = write_case(tmp_path, {"discovered": "2018-05-20", "determined": "2018-06-05"},
                      [("AL1", "US", "AL")], [("AL1", "mail", "2018-07-25T12:00:00Z", "sent")])
    rule, start = rule_for_case(load_rulebook(), "US-AL", case)
    assert rule.version == "US-AL@2018-06-01" and start.date().isoformat() == "2018-06-05"
    row = _row(case, "US-AL")
    assert row["due_at"] == pd.Timestamp("2018-07-20T23:59:59Z")
    assert row["late"] == 1 and row["days_late_max"] == 5


def test_same_person_judged_by_the_old_law_when_discovered_before_the_change(tmp_path):
    # Washington: 45 days from discovery until 2020-03-01, 30 days after. The same notice date
    # is on time for a breach discovered 2020-02-20 and late for one discovered 2020-03-02.
    notice = [("WA1", "mail", "2020-04-03T12:00:00Z", "sent")]
    old = write_case(tmp_path / "old", {"discovered": "2020-02-20", "determined": "2020-03-05"},
                     [("WA1", "US", "WA")], notice, as_of="2020-09-01")
    new = write_case(tmp_path / "new", {"discovered": "2020-03-02", "determined": "2020-03-05"},
                     [("WA1", "US", "WA")], notice, as_of="2020-09-01")
    r_old, r_new = _row(old, "US-WA"), _row(new, "US-WA")
    assert r_old["rule_version"] == "US-WA@2015-07-24" and r_old["on_time"] == 1
    # 2020-02-20 + 45 days = Sunday 2020-04-05, excluded under RCW 1.12.040 ("holiday, Saturday, or Sunday")
    assert r_old["due_at"] == pd.Timestamp("2020-04-06T23:59:59Z")
    assert r_new["rule_version"] == "US-WA@2020-03-01" and r_new["late"] == 1
    assert r_new["due_at"] == pd.Timestamp("2020-04-01T23:59:59Z")


def test_version_chosen_at_its_own_determination_clock(tmp_path):
    # Maryland's 2018 version (45 days after the investigation) took effect 2018-01-01; a breach
    # discovered in 2017 but determined in January 2018 is judged by it.
    case = write_case(tmp_path, {"discovered": "2017-12-20", "determined": "2018-01-05"},
                      [("MD1", "US", "MD")], [("MD1", "mail", "2018-02-25T12:00:00Z", "sent")])
    row = _row(case, "US-MD")
    assert row["rule_version"] == "US-MD@2018-01-01"
    assert row["clock_start"] == pd.Timestamp("2018-01-05T00:00:00Z")
    assert row["due_at"] == pd.Timestamp("2018-02-19T23:59:59Z")
    assert row["late"] == 1
