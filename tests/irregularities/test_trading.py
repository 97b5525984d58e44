import datetime as dt

import pandas as pd
import pytest

from workbench.errors import InputError
from workbench.form4 import CONTRACT_COLUMNS, Form4Error, read_form4
from workbench.irregularities.trading import insider_sales, price_chart

FORM4 = "form4"
DISCOVERED, DISCLOSED = dt.date(2017, 8, 1), dt.date(2017, 9, 7)


def one(fixtures, name):
    frame, errors = read_form4(fixtures / FORM4 / name)
    assert errors == []
    return frame


def test_plain_sale_is_parsed_with_contract_columns(fixtures):
    f = one(fixtures, "form4_plain_sale.xml")
    assert set(CONTRACT_COLUMNS) <= set(f.columns)
    r = f.iloc[0]
    assert (r.insider_name, r.insider_title, bool(r.is_officer), bool(r.is_director)) == (
        "Doe Jane", "Chief Financial Officer", True, False)
    assert (r.transaction_code, r.shares, r.price, r.acquired_disposed, r.shares_owned_after) == ("S", 1000, 50.25, "D", 9000)
    assert r.transaction_date == pd.Timestamp("2017-08-10") and r.filing_date == pd.Timestamp("2017-08-14")
    assert pd.isna(r.plan_10b5_1) and not r.is_derivative and r.issuer_ticker == "EXCB"
    assert f["transaction_date"].dtype == "datetime64[us]"


def test_exercise_and_sale_reads_both_tables(fixtures):
    f = one(fixtures, "form4_exercise_and_sale.xml")
    assert sorted(zip(f.is_derivative, f.transaction_code, f.acquired_disposed)) == [
        (False, "M", "A"), (False, "S", "D"), (True, "M", "D")]


def test_derivative_only_filing_gives_no_finding(fixtures):
    f = one(fixtures, "form4_derivative_only.xml")
    assert f["is_derivative"].all() and len(f) == 1
    assert insider_sales(f, discovered=DISCOVERED, disclosed=DISCLOSED) == []


@pytest.mark.parametrize("name,plan,footnote", [
    ("form4_with_10b5_1_checkbox.xml", True, False),
    ("form4_with_10b5_1_footnote.xml", True, True),
    ("form4_weighted_price_footnote_no_plan.xml", False, False),
    ("form4_plain_sale.xml", None, False),
])
def test_plan_10b5_1_from_checkbox_or_footnote(fixtures, name, plan, footnote):
    r = one(fixtures, name).iloc[0]
    assert (None if pd.isna(r.plan_10b5_1) else bool(r.plan_10b5_1)) is plan
    assert bool(r.footnote_10b5_1) is footnote


def test_amendment_replaces_the_original(fixtures):
    f, _ = read_form4([fixtures / FORM4 / "form4_amendment_original.xml", fixtures / FORM4 / "form4_amendment_4a.xml"])
    assert sorted(f["is_amendment"].tolist()) == [False, True]
    (finding,) = insider_sales(f, discovered=DISCOVERED, disclosed=DISCLOSED)
    assert finding.evidence["shares_sold"] == 1200 and finding.count == 1


def test_multiple_reporting_owners_each_get_the_transaction(fixtures):
    """The reader gives each owner the row; the trust, neither officer, director nor 10% owner
    (every flag 0), is no insider: its copy of the sale is left out, and counted."""
    from workbench.irregularities.trading import non_insider_sales

    f = one(fixtures, "form4_multiple_reporting_owners.xml")
    assert sorted(f["insider_name"]) == ["Poe Alan", "Poe Family Trust"] and (f["owner_count"] == 2).all()
    subjects = sorted(x.subject for x in insider_sales(f, discovered=DISCOVERED, disclosed=DISCLOSED))
    assert subjects == ["Poe Alan"] and non_insider_sales(f) == 1


@pytest.mark.parametrize("name,words", [
    ("form4_malformed.xml", "malformed XML"),
    ("form4_billion_laughs.xml", "hostile XML"),
    ("form4_external_entity.xml", "hostile XML"),
])
def test_bad_files_give_a_named_error_and_the_rest_is_read(fixtures, name, words):
    frame, errors = read_form4([fixtures / FORM4 / name, fixtures / FORM4 / "form4_plain_sale.xml"])
    assert len(frame) == 1
    (err,) = errors
    assert isinstance(err, Form4Error) and isinstance(err, InputError)
    assert name in str(err) and words in str(err)


def test_folder_reads_every_file(fixtures):
    frame, errors = read_form4(fixtures / FORM4)
    assert len(errors) == 3 and frame["file"].nunique() == 11


def test_window_flags_sales_only(fixtures):
    frame, _ = read_form4(fixtures / FORM4)
    findings = insider_sales(frame, discovered=DISCOVERED, disclosed=DISCLOSED)
    got = {(f.subject, f.code, f.count) for f in findings}
    assert got == {
        ("Doe Jane", "insider_sale_in_window", 2),           # plain sale + corrected 4/A sale
        ("Doe Jane", "insider_sale_in_window_10b5_1", 1),    # checkbox
        ("Poe Alan", "insider_sale_in_window", 1),           # joint filing (the trust is no insider)
        ("Poe Alan", "insider_sale_in_window_10b5_1", 1),    # footnote
        ("Roe Richard", "insider_sale_in_window", 2),        # exercise-and-sale + no-plan sale
    }
    assert len({f.id for f in findings}) == len(findings)
    roe = next(f for f in findings if f.subject == "Roe Richard")
    assert roe.evidence["exercise_and_sale"] is True and roe.severity == "high"
    assert roe.evidence["plan_10b5_1"] == "mixed"
    jane = next(f for f in findings if f.subject == "Doe Jane" and f.code == "insider_sale_in_window")
    assert jane.evidence["prior_12m_sales"]["count"] == 1      # the June sale, outside the window
    assert jane.evidence["value_usd"] == pytest.approx(1000 * 50.25 + 1200 * 47.0)
    planned = [f for f in findings if f.code.endswith("10b5_1")]
    assert all(f.severity == "medium" for f in planned)


def test_window_bounds_come_from_the_case_parameters(fixtures):
    frame, _ = read_form4(fixtures / FORM4 / "form4_sale_outside_window.xml")   # 2017-06-15
    assert insider_sales(frame, discovered=DISCOVERED, disclosed=DISCLOSED) == []
    assert len(insider_sales(frame, discovered=DISCOVERED, disclosed=DISCLOSED, before_days=60)) == 1
    late = frame.assign(transaction_date=pd.Timestamp("2017-09-20"))
    assert insider_sales(late, discovered=DISCOVERED, disclosed=DISCLOSED) == []
    assert len(insider_sales(late, discovered=DISCOVERED, disclosed=DISCLOSED, after_days=13)) == 1


def test_purchase_in_window_is_not_flagged(fixtures):
    assert insider_sales(one(fixtures, "form4_purchase_in_window.xml"), discovered=DISCOVERED, disclosed=DISCLOSED) == []


def test_contract_csv_form_with_text_plan_flags():
    trades = pd.DataFrame({
        "insider_name": ["A", "B", "C"], "insider_title": ["CEO", "CFO", None],
        "is_officer": [True, True, False], "is_director": [False, False, True],
        "transaction_date": pd.to_datetime(["2017-08-05", "2017-08-06", "2017-08-07"]),
        "transaction_code": ["S", "S", "P"], "shares": [10.0, 20.0, 5.0], "price": [100.0, 100.0, 90.0],
        "acquired_disposed": ["D", "D", "A"], "shares_owned_after": [90.0, 80.0, 5.0],
        "plan_10b5_1": ["false", "true", "unknown"], "filing_date": pd.to_datetime(["2017-08-07"] * 3)})
    before = trades.copy()
    got = {(f.subject, f.code) for f in insider_sales(trades, discovered=DISCOVERED, disclosed=DISCLOSED)}
    assert got == {("A", "insider_sale_in_window"), ("B", "insider_sale_in_window_10b5_1")}
    pd.testing.assert_frame_equal(trades, before)   # inputs not mutated


def test_equifax_2017_public_facts(fixtures):
    frame, errors = read_form4(fixtures / "equifax_2017" / "form4")
    prices = pd.read_csv(fixtures / "equifax_2017" / "share_prices.csv", parse_dates=["date"])
    findings = insider_sales(frame, discovered=dt.date(2017, 7, 29), disclosed=dt.date(2017, 9, 7), prices=prices)
    assert errors == [] and len(findings) == 3
    assert {f.subject.split()[0] for f in findings} == {"Gamble", "Loughran", "Ploder"}
    assert all(f.category == "insider_trading" and f.severity == "high" for f in findings)
    total = sum(f.evidence["value_usd"] for f in findings)
    assert total == pytest.approx(1_780_931, abs=5)       # "about $1.8 million"
    gamble = next(f for f in findings if f.subject.startswith("Gamble"))
    # LA Times: "Gamble alone would be out nearly $150,000" at Friday's close of $123.23
    assert 140_000 < gamble.evidence["loss_avoided_usd"] < 150_000
    assert next(f for f in findings if f.subject.startswith("Loughran")).evidence["exercise_and_sale"] is True


def test_chart_marks_trades(fixtures):
    frame, _ = read_form4(fixtures / "equifax_2017" / "form4")
    prices = pd.DataFrame({"date": pd.date_range("2017-07-20", "2017-09-15"), "close": 140.0})
    fig = price_chart(prices, frame, discovered=dt.date(2017, 7, 29), disclosed=dt.date(2017, 9, 7))
    ax = fig.axes[0]
    assert len(ax.collections[0].get_offsets()) == 3          # three sales, derivative rows left out
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "insider sale" in labels and any("disclosed" in x for x in labels)
    import matplotlib.pyplot as plt

    plt.close(fig)


# --------------------------------------------------------------------------- invalid values are rejects

def test_invalid_transaction_date_is_a_reject_with_its_reason(fixtures):
    """A sale with a date that does not exist is never silently dropped: the transaction
    is a Form4Error naming file, row and field; the filing's other transaction is read."""
    frame, errors = read_form4(fixtures / "form4_rejects" / "form4_with_invalid_transaction_date.xml")
    assert frame["shares"].tolist() == [400]
    (err,) = errors
    assert err.row == 1 and err.field == "transaction_date"
    assert "form4_with_invalid_transaction_date.xml" in str(err)
    assert "transaction_date: expected an ISO 8601 date such as 2017-09-07, got '2017-02-30'" in str(err)


def test_unreadable_shares_are_a_reject(fixtures):
    frame, errors = read_form4(fixtures / "form4_rejects" / "form4_with_unreadable_shares.xml")
    assert frame.empty and errors[0].field == "shares" and "'1,0,00'" in str(errors[0])


def test_edgar_dates_with_a_timezone_keep_their_calendar_date(fixtures):
    frame, errors = read_form4(fixtures / "form4_rejects" / "form4_with_timezone_dates.xml")
    (r,) = frame.itertuples()
    assert errors == [] and r.transaction_date == pd.Timestamp("2017-08-10") and r.filing_date == pd.Timestamp("2017-08-14")


def test_a_case_counts_the_rejected_sale(minimal_case_with_form4):
    from workbench.irregularities.stage import run_stage
    from workbench.sources import read_input

    case = minimal_case_with_form4
    read = read_input(case, "insider_trades", with_hash=False)
    assert (read.stats.rows_read, read.stats.rows_accepted, read.stats.rows_rejected) == (2, 1, 1)
    assert read.rejects["row"].tolist() == [1] and read.rejects["field"].tolist() == ["transaction_date"]
    assert read.rejects["file"].iloc[0].endswith("form4_with_invalid_transaction_date.xml")
    result = run_stage(case)
    (error,) = result.form4_errors
    assert "row 1" in error and "2017-02-30" in error
