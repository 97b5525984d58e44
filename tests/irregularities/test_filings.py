"""Form 4/A amendments merged transaction by transaction, and late Form 4 filings
(Exchange Act s.16(a)(2)(C); Rule 16a-3(g)), each rule with a case at its edge."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from workbench.form4 import read_form4
from workbench.irregularities.filings import (LATE_COLUMNS, form4_deadline, form4_timeliness, late_form4_filings,
                                              merge_amendments)

D = dt.date
ORIGINAL = "0000000001-17-000001_original_two_same_day_sales.xml"
RESTATES_ONE = "0000000001-17-000002_4a_restates_one_of_two_sales.xml"
SECOND = "0000000001-17-000003_4a_second_amendment.xml"
NO_DATE = "0000000001-17-000004_4a_without_date_of_original_submission.xml"
ADDS = "0000000001-17-000005_4a_adds_a_missed_sale.xml"


def filings(fixtures, *names):
    frame, errors = read_form4([fixtures / "form4_amendments" / n for n in names])
    assert errors == []
    return frame


def shares(frame):
    return sorted(zip(frame["transaction_date"].dt.date, frame["shares"]))


# --------------------------------------------------------------------------- amendments


def test_amendment_restating_one_of_two_same_day_sales_keeps_the_other(fixtures):
    merged, notes = merge_amendments(filings(fixtures, ORIGINAL, RESTATES_ONE))
    assert shares(merged) == [(D(2017, 8, 10), 150), (D(2017, 8, 10), 200)]
    restated = merged[merged["amended_by"].notna()]
    assert restated["document_id"].tolist() == ["0000000001-17-000002"]
    assert (merged["first_filed"] == pd.Timestamp("2017-08-14")).all()   # first reported in the original
    assert "1 transaction row(s) restated, 0 added" in notes[0]


def test_amendment_without_date_of_original_submission_finds_the_earlier_filing_of_those_dates(fixtures):
    merged, notes = merge_amendments(filings(fixtures, ORIGINAL, NO_DATE))
    assert shares(merged) == [(D(2017, 8, 10), 170), (D(2017, 8, 10), 200)]
    assert "1 Form 4/A amendment(s) applied" in notes[0]


def test_two_successive_amendments_apply_in_filing_order(fixtures):
    merged, _ = merge_amendments(filings(fixtures, SECOND, ORIGINAL, RESTATES_ONE))   # given out of order
    assert shares(merged) == [(D(2017, 8, 10), 160), (D(2017, 8, 10), 210)]
    assert set(merged["amended_by"]) == {"0000000001-17-000003"}


def test_amendment_adding_a_missed_transaction_adds_it_and_says_so(fixtures):
    merged, notes = merge_amendments(filings(fixtures, ORIGINAL, ADDS))
    assert shares(merged) == [(D(2017, 8, 9), 50), (D(2017, 8, 10), 100), (D(2017, 8, 10), 200)]
    added = merged[merged["transaction_date"] == pd.Timestamp("2017-08-09")]
    assert added["first_filed"].tolist() == [pd.Timestamp("2017-08-22")]   # first reported by the 4/A
    assert any("2017-08-09" in n and "added" in n for n in notes)


def test_amendment_with_no_original_is_kept_and_noted(fixtures):
    merged, notes = merge_amendments(filings(fixtures, RESTATES_ONE))
    assert shares(merged) == [(D(2017, 8, 10), 150)]
    assert any("no original filing found" in n for n in notes)


def test_no_amendment_leaves_the_rows_as_they_are(fixtures):
    frame = filings(fixtures, ORIGINAL)
    merged, notes = merge_amendments(frame)
    assert notes == [] and shares(merged) == shares(frame) and merged["amended_by"].isna().all()


def test_a_joint_filing_keeps_one_row_per_owner_and_one_transaction_each(fixtures):
    frame, _ = read_form4(fixtures / "form4" / "form4_multiple_reporting_owners.xml")
    merged, _ = merge_amendments(frame)
    assert len(merged) == len(frame) == 2
    assert merged.drop_duplicates(["document_id", "transaction_index"]).shape[0] == 1


def test_the_existing_amendment_fixture_still_counts_once(fixtures):
    frame, _ = read_form4([fixtures / "form4" / "form4_amendment_original.xml", fixtures / "form4" / "form4_amendment_4a.xml"])
    merged, _ = merge_amendments(frame)
    assert merged["shares"].tolist() == [1200]


def test_inputs_are_not_mutated(fixtures):
    frame = filings(fixtures, ORIGINAL, RESTATES_ONE)
    before = frame.copy()
    merge_amendments(frame)
    pd.testing.assert_frame_equal(frame, before)


# --------------------------------------------------------------------------- deadlines


@pytest.mark.parametrize("trade,deemed,deadline", [
    (D(2017, 8, 10), None, D(2017, 8, 14)),            # Thursday -> Monday (weekend skipped)
    (D(2017, 10, 6), None, D(2017, 10, 11)),           # Columbus Day (federal; NYSE open) is no business day
    (D(2017, 6, 30), None, D(2017, 7, 5)),             # over Independence Day
    (D(2017, 8, 7), D(2017, 8, 9), D(2017, 8, 11)),    # counted from the deemed execution date
    (D(2017, 8, 7), D(2017, 8, 15), D(2017, 8, 14)),   # deemed date capped at the 3rd business day (8-10)
    (D(2017, 8, 7), D(2017, 8, 1), D(2017, 8, 9)),     # a deemed date before the trade is not used
])
def test_form4_deadline(trade, deemed, deadline):
    assert form4_deadline(trade, deemed)[0] == deadline


def late(fixtures, name):
    frame, errors = read_form4(fixtures / "form4_late" / name)
    assert errors == []
    return late_form4_filings(frame)


def test_filed_on_the_second_business_day_is_on_time(fixtures):
    assert late(fixtures, "form4_filed_on_the_second_business_day.xml") == []


def test_filed_a_business_day_late_is_a_low_finding(fixtures):
    (f,) = late(fixtures, "form4_filed_a_business_day_late.xml")
    assert (f.category, f.code, f.severity, f.subject, f.count) == ("insider_trading", "form4_filed_late", "low",
                                                                      "Late Larry", 1)
    (row,) = f.evidence["late"]
    assert (row["date"], row["deadline"], row["filing_date"], row["business_days_late"]) == (
        "2017-08-10", "2017-08-14", "2017-08-15", 1)
    assert row["document"] == "form4_filed_a_business_day_late" and "16a-3(g)" in f.citation


def test_a_federal_holiday_is_not_a_business_day(fixtures):
    assert late(fixtures, "form4_over_columbus_day.xml") == []


def test_deemed_execution_date_moves_the_deadline(fixtures):
    frame, _ = read_form4(fixtures / "form4_late" / "form4_with_deemed_execution_date.xml")
    assert late_form4_filings(frame) == []
    (f,) = late_form4_filings(frame.assign(deemed_execution_date=pd.NaT))   # without it: 2 business days late
    assert f.evidence["late"][0]["business_days_late"] == 2


def contract_rows(**cols):
    base = {"insider_name": "Jane Doe", "transaction_date": pd.Timestamp("2017-08-10"), "transaction_code": "S",
            "shares": 100.0, "acquired_disposed": "D", "filing_date": pd.Timestamp("2017-08-14")}
    n = max((len(v) for v in cols.values() if isinstance(v, list)), default=1)
    return pd.DataFrame({k: v if isinstance(v, list) else [v] * n for k, v in {**base, **cols}.items()})


def test_rows_with_no_filing_date_are_not_judged_and_counted():
    t = form4_timeliness(contract_rows(filing_date=[pd.NaT, pd.Timestamp("2017-08-16")]))
    (f,) = t.findings
    assert f.count == 1 and f.evidence["not_judged_no_filing_date"] == 1 and "not judged" in f.detail
    assert any("1 transaction(s) with no filing date" in n for n in t.notes)
    assert list(t.table.columns) == LATE_COLUMNS and t.table["business_days_late"].tolist() == [2]


def test_a_filing_dated_on_a_weekend_counts_from_the_next_business_day():
    (f,) = late_form4_filings(contract_rows(filing_date=pd.Timestamp("2017-08-19")))   # Saturday
    assert f.evidence["late"][0]["business_days_late"] == 5   # deemed filed Monday 8-21: 15..18, 21


def test_a_gift_before_2023_may_wait_for_form_5_and_is_counted_not_judged():
    t = form4_timeliness(contract_rows(transaction_code=["G", "G"],
                                       transaction_date=[pd.Timestamp("2017-08-10"), pd.Timestamp("2023-08-10")],
                                       filing_date=[pd.Timestamp("2017-12-01"), pd.Timestamp("2023-12-01")]))
    (f,) = t.findings
    assert [r["date"] for r in f.evidence["late"]] == ["2023-08-10"]
    assert any("code G not judged" in n and "confidence: medium" in n for n in t.notes)


def test_a_restated_transaction_is_judged_by_its_first_report(fixtures):
    assert late_form4_filings(filings(fixtures, ORIGINAL, RESTATES_ONE)) == []
    (f,) = late_form4_filings(filings(fixtures, ORIGINAL, ADDS))   # the missed sale, first reported on 8-22
    assert [(r["date"], r["filing_date"]) for r in f.evidence["late"]] == [("2017-08-09", "2017-08-22")]


def test_the_synthetic_demo_files_every_form4_on_time(tmp_path):
    from workbench.synth import market

    rows = market.trade_rows(market.share_prices(2017))
    trades = pd.DataFrame({"insider_name": [r["insider_name"] for r in rows],
                           "transaction_date": [pd.Timestamp(r["transaction_date"]) for r in rows],
                           "transaction_code": [r["transaction_code"] for r in rows],
                           "filing_date": [pd.Timestamp(r["filing_date"]) for r in rows]})
    assert late_form4_filings(trades) == []


def test_rows_with_no_transaction_date_or_code_are_counted_not_fatal():
    t = form4_timeliness(contract_rows(transaction_date=[pd.NaT, pd.Timestamp("2017-08-10")],
                                       transaction_code=[pd.NA, None]))
    assert t.findings == [] and any("1 transaction(s) with no transaction date" in n for n in t.notes)


def test_a_joint_filing_keeps_every_owners_rows_when_another_filing_is_amended(fixtures):
    # one document, two reporting owners (an insider and his trust): each owner's row stays,
    # even when an unrelated 4/A of another insider is applied in the same frame
    from workbench.form4 import read_form4

    frame, _ = read_form4(fixtures / "form4")
    merged, notes = merge_amendments(frame)
    joint = merged[merged["document_id"] == "form4_multiple_reporting_owners"]
    assert sorted(joint["insider_name"]) == ["Poe Alan", "Poe Family Trust"]
    assert notes[0].startswith("1 Form 4/A amendment(s) applied")
    assert len(merged) == len(frame) - 1  # the one restated row replaces its original
