"""Form 4 depth: ownership lines and holdings, derivative terms, footnoted prices, plan dates,
and the same columns given by a CSV (issue 17, points 1, 2 and 5 of the reader)."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

from workbench.form4 import FORM4_COLUMNS, read_form4
from workbench.schemas import SCHEMAS

DEPTH = "form4_depth"


def read(fixtures, name):
    frame, errors = read_form4(fixtures / DEPTH / name)
    assert errors == []
    return frame


def test_other_ownership_lines_sum_holding_rows_and_the_last_transaction_of_each_line(fixtures):
    f = read(fixtures, "form4_indirect_lines_and_holdings.xml")
    shares = f[~f["is_derivative"]]
    # direct line ends at 8,000 (its last transaction); By Trust at 4,000; By Spouse holds 500
    assert shares["shares_owned_other_lines"].tolist() == [4500, 8500, 4500]
    assert shares["nature_of_ownership"].tolist()[1] == "By Trust" and pd.isna(shares["nature_of_ownership"].iloc[0])
    # another security's holding (Series B Preferred, 75) is not added to the common stock


def test_holding_rows_are_not_transactions(fixtures):
    f = read(fixtures, "form4_indirect_lines_and_holdings.xml")
    assert len(f) == 4 and f["transaction_code"].notna().all()   # 3 sales, 1 option exercise; no holding row
    assert f["transaction_index"].tolist() == [1, 2, 3, 4]


def test_derivative_rows_carry_their_terms_and_no_other_lines(fixtures):
    f = read(fixtures, "form4_indirect_lines_and_holdings.xml")
    (opt,) = f[f["is_derivative"]].itertuples()
    assert (opt.exercise_price, opt.underlying_title, opt.underlying_shares) == (20.0, "Common Stock", 1000)
    assert (opt.exercise_date, opt.expiration_date) == (pd.Timestamp("2015-02-05"), pd.Timestamp("2024-02-05"))
    assert pd.isna(opt.shares_owned_other_lines)


def test_a_filing_with_one_line_reports_zero_other_holdings(fixtures):
    f = read(fixtures, "form4_plan_date_in_remarks.xml")
    assert f["shares_owned_other_lines"].tolist() == [0]


def test_weighted_average_price_read_from_its_footnote_when_the_table_gives_none(fixtures):
    first, second = read(fixtures, "form4_price_only_in_footnotes.xml").itertuples()
    assert (first.price, first.price_source, first.price_low, first.price_high) == (141.23, "footnote", 140.90, 141.60)
    # the second footnote names no price: missing, never guessed
    assert pd.isna(second.price) and pd.isna(second.price_source) and pd.isna(second.price_low)


def test_table_price_kept_and_range_read_from_the_synthetic_footnote(fixtures):
    frame, errors = read_form4(fixtures.parent / "synth" / "form4_with_10b5_1_checkbox.xml")
    (r,) = frame.itertuples()
    assert errors == [] and (r.price, r.price_source, r.price_low, r.price_high) == (145.09, "table", 144.74, 145.50)
    assert r.plan_adopted == pd.Timestamp("2017-03-06") and pd.isna(r.plan_modified)


def test_deemed_execution_date_is_read(fixtures):
    f = read(fixtures, "form4_price_only_in_footnotes.xml")
    assert pd.isna(f["deemed_execution_date"].iloc[0]) and f["deemed_execution_date"].iloc[1] == pd.Timestamp("2017-08-11")


def test_plan_adoption_and_modification_from_the_transaction_footnote(fixtures):
    r = read(fixtures, "form4_price_only_in_footnotes.xml").iloc[0]
    assert (r.plan_adopted, r.plan_modified) == (pd.Timestamp("2017-03-06"), pd.Timestamp("2017-06-01"))


def test_plan_adoption_from_the_remarks_of_a_2023_filing(fixtures):
    r = read(fixtures, "form4_plan_date_in_remarks.xml").iloc[0]
    assert bool(r.plan_10b5_1) and r.plan_adopted == pd.Timestamp("2023-05-01")


def test_plan_adopted_in_a_month_is_missing_with_its_words_kept(fixtures):
    r = read(fixtures, "form4_plan_adopted_in_a_month.xml").iloc[0]
    assert pd.isna(r.plan_adopted) and "in May 2023" in r.plan_date_text


def test_every_new_column_is_read_and_in_the_contract():
    new = ["nature_of_ownership", "shares_owned_other_lines", "exercise_price", "underlying_shares", "exercise_date",
           "expiration_date", "underlying_title", "deemed_execution_date", "price_source", "price_low", "price_high",
           "plan_adopted", "plan_modified"]
    schema = SCHEMAS["insider_trades"]
    assert set(new) <= set(FORM4_COLUMNS) and set(new) <= set(schema.names)
    assert not set(new) & set(schema.required)


@pytest.fixture
def case_with_trades_csv(tmp_path, fixtures):
    from tests.conftest import MINIMAL_CASE, edit_case
    from workbench.case import load_case

    folder = tmp_path / "case"
    shutil.copytree(MINIMAL_CASE, folder)
    shutil.copy(fixtures / DEPTH / "insider_trades_with_optional_columns.csv", folder / "data" / "insider_trades.csv")
    edit_case(folder / "case.yaml", **{"inputs.insider_trades": "data/insider_trades.csv"})
    return load_case(folder / "case.yaml")


def test_a_csv_gives_the_optional_columns_and_the_store_keeps_them(case_with_trades_csv, tmp_path):
    from workbench.store import build_store

    store = build_store(case_with_trades_csv, tmp_path / "run", names=["insider_trades"])
    f = store.frame("insider_trades")
    assert store.record("insider_trades").rows_rejected == 0 and len(f) == 3
    assert f["plan_adopted"].tolist()[:2] == [pd.Timestamp("2017-03-06")] * 2 and pd.isna(f["plan_adopted"].iloc[2])
    assert f["nature_of_ownership"].iloc[1] == "By Trust" and f["shares_owned_other_lines"].iloc[0] == 4500
    assert f["is_derivative"].tolist() == [False, False, True] and f["exercise_price"].iloc[2] == 20.0
    assert f["expiration_date"].iloc[2] == pd.Timestamp("2024-02-05")
    # optional columns the CSV leaves out are there, missing
    assert f["deemed_execution_date"].isna().all() and f["document_id"].isna().all()


def test_a_csv_without_the_optional_columns_still_reads(minimal_case, tmp_path):
    from tests.conftest import edit_case
    from workbench.case import load_case
    from workbench.sources import read_input

    data = minimal_case.parent / "data" / "insider_trades.csv"
    data.write_text("insider_name,transaction_date,transaction_code,shares,acquired_disposed\n"
                    "Jane Doe,2017-08-10,S,100,D\n")
    edit_case(minimal_case, **{"inputs.insider_trades": "data/insider_trades.csv"})
    read = read_input(load_case(minimal_case), "insider_trades", with_hash=False)
    assert read.stats.rows_accepted == 1 and read.frame["plan_adopted"].isna().all()
    assert dt.date(2017, 8, 10) == read.frame["transaction_date"].iloc[0].date()


def test_the_stage_reports_late_form4_filings_with_their_table(case_with_trades_csv):
    from workbench.irregularities.stage import TABLE_COLUMNS, run_stage

    result = run_stage(case_with_trades_csv)
    late = [f for f in result.by_check["insider_trading"] if f.code == "form4_filed_late"]
    assert [(f.subject, f.count) for f in late] == [("Jane Doe", 1)]
    table = result.view("late_form4_filings")
    assert list(table.columns) == TABLE_COLUMNS["late_form4_filings"]
    assert table[["date", "deadline", "filing_date", "business_days_late"]].values.tolist() == [
        ["2017-08-10", "2017-08-14", "2017-08-21", 5]]
    assert "1 transaction(s) with no filing date" in result.assessed["insider_trading"].reason
