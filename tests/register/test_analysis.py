"""The register at a glance (workbench.register.analysis): tiny judged frames, known answers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from workbench.law.rulebook import load_rulebook
from workbench.register import analysis as an

FIXTURES = Path(__file__).parent / "fixtures"
D = dt.date


def judged(*rows: dict) -> pd.DataFrame:
    """A judged register of ``rows``, each naming only what its scenario needs."""
    base = {"organisation": "Acme Inc", "organisation_key": "acme", "status": "on_time", "basis": "statutory",
            "days_late": 0, "discovered": D(2020, 1, 1), "notified": D(2020, 1, 20), "filing": "single",
            "incident_id": "", "filings_in_incident": 1, "breach_start": D(2019, 12, 1), "breach_end": D(2019, 12, 2),
            "sector": "", "status_reason": ""}
    return pd.DataFrame([{**base, "source_row": i + 2, **r} for i, r in enumerate(rows)])


def test_late_per_year_counts_share_days_and_basis_and_lists_the_undeterminable():
    df = judged({"status": "late", "days_late": 10}, {"status": "late", "days_late": 30, "basis": "assessment"},
                {}, {"status": "not_determinable", "days_late": None, "discovered": None},
                {"status": "late", "days_late": 5, "notified": D(2021, 3, 1)},
                {"status": "rejected", "days_late": None, "notified": None, "discovered": None})
    t = an.late_per_year(df).set_index("year")
    assert list(t.index) == ["2020", "2021", "unknown"]
    y = t.loc["2020"]
    assert (y["rows"], y["judged"], y["late"], y["late_share"]) == (4, 3, 2, round(2 / 3, 4))
    assert (y["late_statutory"], y["late_assessment"], y["median_days_late"], y["max_days_late"]) == (1, 1, 20.0, 30)
    assert y["not_determinable"] == 1 and t.loc["unknown", "rejected"] == 1


def test_late_first_filings_leave_out_amendments():
    df = judged({"status": "late", "days_late": 3, "filing": "first_filing"},
                {"status": "late", "days_late": 9, "filing": "amendment"})
    y = an.late_per_year(df).iloc[0]
    assert (y["late"], y["late_first_filings"]) == (2, 1)


def test_the_year_is_the_notification_year_else_the_discovery_year():
    df = judged({"notified": D(2021, 1, 2)}, {"notified": None, "discovered": D(2019, 5, 5)},
                {"notified": None, "discovered": None})
    assert an.row_year(df).tolist() == ["2021", "2019", "unknown"]


def test_iso_text_dates_read_back_from_the_csv_give_the_same_years():
    df = judged({"notified": "2021-01-02", "discovered": "2020-12-01"}, {"notified": "", "discovered": "2019-05-05"})
    assert an.row_year(df).tolist() == ["2021", "2019"]


def test_the_washington_2020_change_is_found_inside_the_period_with_what_changed():
    book = load_rulebook()
    t = an.statutory_changes(book, "US-WA", (D(2019, 1, 1), D(2021, 1, 1)))
    assert t["version"].tolist() == ["US-WA@2020-03-01"]
    assert "individual notice deadline: 45 calendar days -> 30 calendar days" in t.loc[0, "changed"]
    assert t.loc[0, "citation"]
    assert an.statutory_changes(book, "US-WA", (D(2021, 1, 1), D(2022, 1, 1))).empty


def test_the_period_spans_discovery_and_notification_dates():
    df = judged({"discovered": D(2018, 2, 1), "notified": D(2018, 3, 1)}, {"notified": D(2022, 7, 7)})
    assert an.register_period(df) == (D(2018, 2, 1), D(2022, 7, 7))


def test_repeat_late_filers_count_incidents_not_amendments():
    df = judged({"status": "late", "days_late": 4, "sector": "Health"},
                {"status": "late", "days_late": 8, "notified": D(2021, 5, 1), "organisation": "ACME INC"},
                {"status": "late", "days_late": 2, "organisation": "Once LLC", "organisation_key": "once"},
                {"status": "late", "days_late": 2, "organisation": "Once LLC", "organisation_key": "once",
                 "filing": "amendment"})
    t = an.repeat_late_filers(df)
    assert t["organisation_key"].tolist() == ["acme"]
    r = t.iloc[0]
    assert (r["late_notices"], r["max_days_late"], r["last_late"], r["sectors"]) == (2, 8, "2021-05-01", "Health")


def test_sectors_only_where_the_register_gives_them():
    assert an.late_by_sector(judged({})).empty
    df = judged({"sector": "Health", "status": "late", "days_late": 3}, {"sector": "Health"}, {"sector": ""})
    t = an.late_by_sector(df).set_index("sector")
    assert t.loc["Health", "late"] == 1 and t.loc["Health", "late_share"] == 0.5 and t.loc["(no sector)", "notices"] == 1


def test_delay_per_year_gives_median_and_percentiles_and_counts_the_unmeasured():
    df = judged(*({"notified": D(2020, 1, 1) + dt.timedelta(days=d)} for d in (0, 10, 20, 30, 40)),
                {"discovered": None})
    df.loc[:4, "discovered"] = D(2020, 1, 1)
    y = an.delay_per_year(df).iloc[0]
    assert (y["measured"], y["not_measured"], y["median"], y["p75"], y["p90"], y["max"]) == (5, 1, 20.0, 30.0, 36.0, 40)


def test_filed_more_than_once_lists_the_amendment_and_the_gap():
    df = judged({"incident_id": "I2", "filing": "first_filing", "filings_in_incident": 2},
                {"incident_id": "I2", "filing": "amendment", "filings_in_incident": 2, "notified": D(2020, 2, 19)},
                {"organisation_key": "other"})
    t = an.filed_more_than_once(df)
    assert len(t) == 1
    r = t.iloc[0]
    assert (r["first_row"], r["later_rows"], r["amendments"], r["days_between"]) == (2, "3", 1, 30)


def test_the_same_incident_across_registers_with_the_gap_between_first_and_last_state():
    wa = judged({"organisation": "Acme, Inc.", "notified": D(2020, 1, 10)}, {"organisation_key": "lonely"})
    ny = judged({"organisation": "ACME INC", "notified": D(2020, 3, 10)})
    ca = judged({"notified": None, "status": "not_determinable"})
    other_dates = judged({"breach_start": D(2018, 1, 1)})
    t = an.across_registers({"US-WA": wa, "US-NY": ny, "US-CA": ca, "US-NJ": other_dates})
    assert len(t) == 1
    r = t.iloc[0]
    assert r["jurisdictions"] == "US-CA; US-NY; US-WA" and r["gap_days"] == 60 and r["not_dated"] == 1
    assert (r["first_jurisdiction"], r["last_jurisdiction"]) == ("US-WA", "US-NY")


def test_rows_without_breach_dates_are_never_matched_across_registers():
    t = an.across_registers({"US-WA": judged({"breach_start": None}), "US-NY": judged({"breach_start": None})})
    assert t.empty


def test_not_determinable_rows_are_listed_with_their_reason():
    df = judged({}, {"status": "not_determinable", "status_reason": "no discovery date (Unknown)", "discovered": None})
    t = an.not_determinable(df)
    assert t[["source_row", "status_reason", "discovered"]].values.tolist() == [[3, "no discovery date (Unknown)", ""]]


def test_the_counts_equal_summary_json_for_a_real_audit():
    from workbench.register import audit_register

    audit = audit_register(FIXTURES / "tiny_register.csv", "US-WA")
    t = an.late_per_year(audit.judged).set_index("year")
    for year, counts in audit.summary["status_by_year"].items():
        for status, n in counts.items():
            assert t.loc[year, status if status != "on_time" else "on_time"] == n, (year, status)
    assert int(t["late_first_filings"].sum()) == audit.summary["findings"]["late_notice_findings"]
    assert len(an.not_determinable(audit.judged)) == sum(audit.summary["status_counts"][s] for s in
                                                          ("not_determinable", "not_assessed", "rejected"))
