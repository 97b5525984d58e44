"""Each notice judged against the rule in force at its clock start, through the RuleBook."""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from workbench.law import load_rulebook
from workbench.register.judge import STATUSES, judge_register
from workbench.register.mapping import load_mapping
from workbench.register.read import read_register

FIX = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def wa():
    m = load_mapping("generic")
    r = read_register(FIX / "wa_notices_around_the_2020_03_01_change.csv", m)
    judged, stats = judge_register(r.accepted, "US-WA", m, load_rulebook())
    return judged.set_index("organisation"), stats


def test_the_day_before_the_new_deadline_took_effect_gets_45_days(wa):
    row = wa[0].loc["Day Before Inc"]
    assert row["rule_version"] == "US-WA@2015-07-24"
    assert row["due_at"].startswith("2020-04-14") and row["status"] == "on_time" and row["days_late"] == 0
    assert row["citation"] and row["basis"] == "statutory"


def test_the_day_after_gets_30_days_and_is_late(wa):
    row = wa[0].loc["Day After Inc"]
    assert row["rule_version"] == "US-WA@2020-03-01"
    assert row["due_at"].startswith("2020-03-31") and row["status"] == "late" and row["days_late"] == 10


def test_below_the_ag_threshold_is_under_threshold(wa):
    row = wa[0].loc["Small Co"]
    assert row["status"] == "under_threshold" and "below the regulator threshold" in row["status_reason"]


def test_a_row_without_a_discovery_date_is_not_determinable_never_on_time(wa):
    row = wa[0].loc["No Discovery LLC"]
    assert row["status"] == "not_determinable" and row["status_reason"] == "no discovery date (the register says 'Unknown')"
    assert row["due_at"] == "" and pd.isna(row["days_late"])


def test_a_row_without_a_notification_date_is_not_determinable_with_its_due_moment(wa):
    row = wa[0].loc["No Notice Date Corp"]
    assert row["status"] == "not_determinable" and row["status_reason"].startswith("no notification date")
    assert row["due_at"].startswith("2020-03-31")


def test_a_date_the_law_data_does_not_model_is_not_assessed_never_not_required(wa):
    row = wa[0].loc["Before The Data Inc"]
    assert row["status"] == "not_assessed" and "not modelled" in row["status_reason"]


def test_an_unknown_count_is_judged_with_the_threshold_assumed_met_and_says_so(wa):
    row = wa[0].loc["Unknown Count Co"]
    assert row["status"] == "on_time" and "assumed met" in row["reason"]


def test_rows_of_one_bucket_share_one_engine_call_but_keep_their_own_count(wa):
    judged, stats = wa
    # clock dates: 2020-02-29, 2020-03-01, 2001-03-01; buckets on 2020-03-01: met, below, unknown
    assert (stats.clock_dates, stats.engine_calls) == (3, 5)
    assert "612 residents meets the threshold" in judged.loc["Day After Inc", "reason"]
    assert "700 residents meets the threshold" in judged.loc["No Notice Date Corp", "reason"]


def test_every_status_is_a_known_one(wa):
    assert set(wa[0]["status"]) <= set(STATUSES)


def test_a_determination_clock_with_only_discovery_given_is_labelled(tmp_path):
    # Maryland: investigation_complete until 2022-09-30, discovery from 2022-10-01 (us_states.yaml)
    p = tmp_path / "md_clock_change.csv"
    p.write_text("organisation,discovered,notified,residents_affected\n"
                 "Before,2022-09-30,2022-10-20,10\nAfter,2022-10-01,2022-10-20,10\n")
    m = load_mapping("generic")
    judged, _ = judge_register(read_register(p, m).accepted, "US-MD", m, load_rulebook())
    before, after = judged.set_index("organisation").loc["Before"], judged.set_index("organisation").loc["After"]
    assert before["clock_source"] == "discovered_for_determination" and "strictest" in before["clock_note"]
    assert before["clock_event"] == "investigation_complete"
    assert after["clock_source"] == "discovered" and after["clock_event"] == "discovery"


def test_a_determination_date_given_by_the_register_starts_that_clock(tmp_path):
    p = tmp_path / "md_with_determination.csv"
    p.write_text("organisation,discovered,determined,notified,residents_affected\n"
                 "Acme,2021-01-04,2021-02-01,2021-03-10,10\n")
    m = load_mapping("generic")
    row = judge_register(read_register(p, m).accepted, "US-MD", m, load_rulebook())[0].iloc[0]
    assert row["clock_source"] == "determined" and row["clock_start"] == "2021-02-01"


def test_a_notice_dated_before_discovery_is_flagged(tmp_path):
    p = tmp_path / "notified_before_discovered.csv"
    p.write_text("organisation,discovered,notified,residents_affected\nAcme,2021-03-01,2021-02-01,600\n")
    m = load_mapping("generic")
    row = judge_register(read_register(p, m).accepted, "US-WA", m, load_rulebook())[0].iloc[0]
    assert row["date_check"] == "notified before discovered" and row["status"] == "on_time"


def test_an_unknown_jurisdiction_is_an_error_listing_the_codes():
    from workbench.errors import UnknownNameError

    m = load_mapping("generic")
    empty = read_register(FIX / "wa_notices_around_the_2020_03_01_change.csv", m).accepted.head(0)
    with pytest.raises(UnknownNameError, match="US-WA"):
        judge_register(empty, "US-ZZ", m, load_rulebook())


def test_a_regulator_notice_timed_after_the_individual_notice_uses_the_registers_individual_date(tmp_path):
    # California from 2026-01-01: the AG sample copy within 15 days after the individual notice (SB 446)
    p = tmp_path / "ca_2026_relative_ag_notice.csv"
    p.write_text("organisation,discovered,individual_notified,notified,residents_affected\n"
                 "On Time,2026-02-01,2026-02-20,2026-03-09,900\nLate,2026-02-01,2026-02-20,2026-03-12,900\n"
                 "Earlier Letters,2026-02-01,2026-02-10,2026-03-09,900\n")
    m = load_mapping("generic")
    judged, stats = judge_register(read_register(p, m).accepted, "US-CA", m, load_rulebook())
    j = judged.set_index("organisation")
    assert j.loc["On Time", "status"] == "on_time" and j.loc["On Time", "due_at"].startswith("2026-03-09")
    assert "moved from SAT 2026-03-07" in j.loc["On Time", "reason"]  # the law data's rollover, from the engine
    assert j.loc["Late", "status"] == "late" and j.loc["Late", "days_late"] == 3
    assert j.loc["Earlier Letters", "status"] == "late"  # due 2026-02-25 from its own individual notice
    assert stats.engine_calls == 2  # one per individual notice date


def test_a_date_only_notice_on_the_day_an_hour_deadline_falls_due_is_not_determinable(tmp_path):
    p = tmp_path / "gdpr_72_hours.csv"
    p.write_text("organisation,discovered,notified,residents_affected\n"
                 "Same Day,2021-01-04,2021-01-07,900\nDay After,2021-01-04,2021-01-08,900\n"
                 "Day Before,2021-01-04,2021-01-06,900\n")
    m = load_mapping("generic")
    j = judge_register(read_register(p, m).accepted, "EU-IE", m, load_rulebook())[0].set_index("organisation")
    assert j.loc["Same Day", "status"] == "not_determinable" and "gives no time" in j.loc["Same Day", "status_reason"]
    assert j.loc["Day After", "status"] == "late" and j.loc["Day After", "days_late"] == 1
    assert j.loc["Day Before", "status"] == "on_time"
