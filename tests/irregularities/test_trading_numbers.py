"""Insider sales on small frames built here: plan defences, who is an insider, the look-back,
and numbers (holdings in filing order, loss avoided per reference close) a reader can redo."""

import datetime as dt

import pandas as pd
import pytest

from workbench.irregularities.trading import insider_sales, non_insider_sales

D = dt.date
DISCOVERED, DISCLOSED = D(2017, 8, 1), D(2017, 9, 7)


def row(name="Ceo Casey", day="2017-08-10", code="S", shares=1000.0, price=100.0, after=9000.0, plan="false",
        title="Chief Executive Officer", officer=True, director=False, ten=False, **extra):
    """One insider_trades row of the contract (plus optional Form 4 / CSV columns in ``extra``)."""
    return {"insider_name": name, "insider_title": title, "is_officer": officer, "is_director": director,
            "is_ten_percent_owner": ten, "transaction_date": pd.Timestamp(day), "transaction_code": code,
            "shares": float(shares), "price": price, "acquired_disposed": "A" if code in ("P", "A", "M") else "D",
            "shares_owned_after": after, "plan_10b5_1": plan, "filing_date": pd.Timestamp(day) + pd.Timedelta(days=2),
            **extra}


def frame(*rows):
    return pd.DataFrame(list(rows))


def closes(start, values):
    """share_prices with one close per weekday from ``start``."""
    days = pd.bdate_range(start, periods=len(values))
    return pd.DataFrame({"date": days, "close": values})


def run(trades, **kw):
    kw.setdefault("discovered", DISCOVERED)
    kw.setdefault("disclosed", DISCLOSED)
    return insider_sales(trades, **kw)


# --------------------------------------------------------------------------- trading plans

def test_plan_adopted_on_the_discovery_day_is_no_defence():
    (f,) = run(frame(row(plan="true", plan_adopted=pd.Timestamp("2017-08-01"))))
    assert (f.code, f.severity) == ("insider_sale_in_window", "high")
    assert "plan adopted after discovery (2017-08-01 on or after 2017-08-01)" in f.detail
    assert f.evidence["plan_defence"] == ["adopted_after_discovery"]


def test_plan_modified_after_discovery_is_no_defence():
    (f,) = run(frame(row(plan="true", plan_adopted=pd.Timestamp("2016-05-01"), plan_modified=pd.Timestamp("2017-08-03"))))
    assert f.severity == "high" and "plan modified after discovery (2017-08-03 on or after 2017-08-01)" in f.detail


def test_plan_without_adoption_date_keeps_medium_and_says_it_cannot_be_checked():
    (f,) = run(frame(row(plan="true")))
    assert (f.code, f.severity) == ("insider_sale_in_window_10b5_1", "medium")
    assert "adoption date not reported: whether it preceded discovery cannot be checked" in f.detail


def test_pre_2023_plan_has_no_cooling_off_even_for_a_trade_the_next_day():
    (f,) = run(frame(row(day="2017-08-01", plan="true", plan_adopted=pd.Timestamp("2017-07-31"))))
    assert (f.code, f.severity, f.evidence["plan_defence"]) == ("insider_sale_in_window_10b5_1", "medium", ["valid_plan"])


ADOPTED_2023 = D(2023, 3, 1)


@pytest.mark.parametrize("day,results,outcome,severity,words", [
    (89, None, "inside_cooling_off", "high", "inside the cooling-off period of 90 days required by 17 CFR 240.10b5-1(c)(1)(ii)(B)(1)"),
    (90, None, "inside_cooling_off", "high", "day 90"),                   # day 90 is still inside (the reading in the YAML)
    (91, None, "cooling_off_undetermined", "medium", "cooling-off not determinable"),
    (120, None, "cooling_off_undetermined", "medium", "the defence is unconfirmed"),
    (120, [D(2023, 5, 8)], "valid_plan", "medium", "the period ended 2023-05-30"),   # 10-Q early: 90 days rule
    (120, [D(2023, 7, 28)], "inside_cooling_off", "high", "the period ends 2023-06-29"),  # 10-Q late: capped at 120
    (121, None, "valid_plan", "medium", "after the 120-day maximum"),
])
def test_cooling_off_of_a_2023_plan_for_an_officer(day, results, outcome, severity, words):
    trade = ADOPTED_2023 + dt.timedelta(days=day)
    (f,) = run(frame(row(day=trade.isoformat(), plan="true", plan_adopted=pd.Timestamp(ADOPTED_2023))),
               discovered=D(2023, 3, 15), disclosed=D(2023, 12, 1), financial_results=results)
    assert (f.evidence["plan_defence"], f.severity) == ([outcome], severity)
    assert words in f.detail


def test_a_ten_percent_owner_has_the_30_day_cooling_off():
    trade = ADOPTED_2023 + dt.timedelta(days=31)
    (f,) = run(frame(row(day=trade.isoformat(), plan="true", plan_adopted=pd.Timestamp(ADOPTED_2023), title=None,
                         officer=False, director=False, ten=True)), discovered=D(2023, 3, 15), disclosed=D(2023, 12, 1))
    assert f.evidence["plan_defence"] == ["valid_plan"] and "(10% owner)" in f.detail


# --------------------------------------------------------------------------- who is an insider

def test_ten_percent_owner_only_is_an_insider_named_by_role():
    (f,) = run(frame(row(name="Big Fund LP", title=None, officer=False, director=False, ten=True)))
    assert f.subject == "Big Fund LP" and "Big Fund LP (10% owner) sold" in f.detail


def test_all_role_flags_false_is_no_insider_sale_and_is_counted():
    trades = frame(row(name="Other Owner", title=None, officer=False, director=False, ten=False))
    assert run(trades) == [] and non_insider_sales(trades) == 1


def test_role_flags_not_given_keep_the_sale_and_say_the_role_is_unknown():
    trades = frame(row(title=None)).drop(columns=["is_officer", "is_director", "is_ten_percent_owner"])
    (f,) = run(trades)
    assert "(role not reported)" in f.detail and non_insider_sales(trades) == 0


# --------------------------------------------------------------------------- holdings in filing order

def test_two_sales_one_day_follow_filing_order_not_share_count():
    """Filed first: 500 shares leaving 9,500; then 300 leaving 9,200. Holdings before the first
    sale = 9,500 + 500 = 10,000 (a sort by shares would pick 300 + 9,200 + 500 = 10,300 or so)."""
    trades = frame(
        row(shares=300, after=9200.0, document_id="0001-17-000001", transaction_index=2),
        row(shares=500, after=9500.0, document_id="0001-17-000001", transaction_index=1))
    (f,) = run(trades)
    assert f.evidence["holdings_before"] == 10_000 and f.evidence["share_of_holdings_sold"] == 0.08
    assert f.evidence["holdings_first_sale"].endswith("0001-17-000001 #1")
    assert [s["shares"] for s in f.evidence["sales"]] == [500, 300]          # listed in filing order
    assert "8.0% of the 10,000 shares held before the first sale" in f.detail


def test_csv_rows_follow_source_row():
    trades = frame(row(shares=300, after=9200.0, source_row=3), row(shares=500, after=9500.0, source_row=2))
    (f,) = run(trades)
    assert f.evidence["holdings_before"] == 10_000 and f.evidence["holdings_first_sale"] == "row 2"


def test_indirect_holdings_on_other_lines_count_in_holdings_before():
    (f,) = run(frame(row(shares=1000, after=4000.0, shares_owned_other_lines=5000.0, direct_indirect="I",
                         nature_of_ownership="By Trust")))
    assert f.evidence["holdings_before"] == 10_000 and f.evidence["share_of_holdings_sold"] == 0.1
    assert f.evidence["holdings_note"] is None
    sale = f.evidence["sales"][0]
    assert (sale["shares_owned_other_lines"], sale["nature_of_ownership"], sale["holdings_before"]) == (5000, "By Trust", 10_000)


def test_other_lines_not_given_say_the_share_is_of_this_line_only():
    (f,) = run(frame(row(shares=1000, after=9000.0)))
    assert f.evidence["holdings_before"] == 10_000
    assert "not reported: measured against this line only" in f.evidence["holdings_note"]
    assert "measured against this line only" in f.detail


# --------------------------------------------------------------------------- loss avoided

PRICES = closes("2017-09-08", [100.0, 95.0, 80.0, 85.0, 90.0, 91.0, 92.0, 93.0, 94.0, 96.0, 60.0])


def test_a_gain_is_no_loss_avoided_and_the_lowest_close_is_named():
    """Sold at 90: against the first close (100) a gain, so 0; against the lowest of 10 trading
    days (80 on 2017-09-12; the 11th day's 60 is outside) 1,000 x (90 - 80) = 10,000."""
    (f,) = run(frame(row(price=90.0)), prices=PRICES)
    sale = f.evidence["sales"][0]
    assert (sale["reference_close_first"], sale["reference_close_first_date"], sale["loss_avoided_first"]) == (
        100.0, "2017-09-08", 0.0)
    assert (sale["reference_close_lowest"], sale["reference_close_lowest_date"], sale["loss_avoided_lowest"]) == (
        80.0, "2017-09-12", 10_000.0)
    loss = f.evidence["loss_avoided"]
    assert loss["first"]["usd"] == 0 and loss["lowest"]["usd"] == 10_000 and loss["lowest"]["trading_days"] == 10
    assert "net_of_market" in loss and loss["net_of_market"] is None
    assert "no loss avoided against the close $100.00 of 2017-09-08" in f.detail
    assert "loss avoided $10,000 against the close $80.00 of 2017-09-12" in f.detail


def test_lowest_close_needs_its_trading_days():
    (f,) = run(frame(row(price=90.0)), prices=PRICES.iloc[:4], lowest_close_days=10)
    low = f.evidence["loss_avoided"]["lowest"]
    assert low["usd"] is None and "has 4 close(s) after 2017-09-07" in low["reason"]
    assert f.evidence["loss_avoided"]["first"]["usd"] == 0


def test_put_purchase_counts_as_a_sale_with_its_value_less_premium():
    """1,000 puts on 1,000 shares at strike 140, premium 2: at the first close 100,
    1,000 x (140 - 100) - 1,000 x 2 = 38,000."""
    put = row(code="P", shares=1000, price=2.0, after=1000.0, is_derivative=True, security_title="Put Option (right to sell)",
              underlying_shares=1000.0, exercise_price=140.0, underlying_title="Common Stock")
    (f,) = run(frame(put), prices=PRICES)
    sale = f.evidence["sales"][0]
    assert (sale["kind"], sale["underlying_shares"], sale["loss_avoided_first"]) == ("put_purchase", 1000, 38_000.0)
    assert "1 put purchase(s) on 1,000 underlying shares, counted as sales" in f.detail


def test_call_sale_counts_as_a_sale_without_a_loss_estimate():
    call = row(code="S", shares=10, price=5.0, after=0.0, is_derivative=True, security_title="Call Option (obligation to sell)",
               underlying_shares=1000.0)
    (f,) = run(frame(call), prices=PRICES)
    sale = f.evidence["sales"][0]
    assert sale["kind"] == "call_sale" and sale["loss_avoided_first"] is None
    assert "call sale's loss avoided is not estimated" in sale["loss_avoided_note"]


def test_a_derivative_purchase_that_is_no_put_is_not_a_sale():
    assert run(frame(row(code="P", is_derivative=True, security_title="Call Option"))) == []


# --------------------------------------------------------------------------- look-back

def test_sale_the_day_before_discovery_is_one_low_look_back_finding():
    (f,) = run(frame(row(day="2017-07-31")))
    assert (f.code, f.severity, f.subject) == ("insider_sale_before_discovery", "low", None)
    assert f.detail.startswith("1 insider(s) sold shares for $100,000 in the 30 days before the stated discovery date "
                               "2017-08-01 (2017-07-02 .. 2017-07-31): question whether the company knew earlier")
    assert f.evidence["insiders"][0]["insider"] == "Ceo Casey" and f.evidence["sales"][0]["insider"] == "Ceo Casey"


@pytest.mark.parametrize("days_before,flagged", [(30, True), (31, False)])
def test_look_back_bounds(days_before, flagged):
    day = DISCOVERED - dt.timedelta(days=days_before)
    assert bool(run(frame(row(day=day.isoformat())))) is flagged


def test_look_back_is_configurable_and_a_valid_plan_is_exempt():
    day = (DISCOVERED - dt.timedelta(days=40)).isoformat()
    assert run(frame(row(day=day)), look_back_days=30) == []
    assert len(run(frame(row(day=day)), look_back_days=45)) == 1
    planned = row(day="2017-07-31", plan="true", plan_adopted=pd.Timestamp("2017-01-03"))
    assert run(frame(planned)) == []


def test_inputs_are_not_mutated():
    trades = frame(row(shares=300, after=9200.0, transaction_index=2, document_id="x"),
                   row(day="2017-07-31", shares=500, after=9500.0, transaction_index=1, document_id="y"))
    before = trades.copy()
    run(trades, prices=PRICES)
    pd.testing.assert_frame_equal(trades, before)
