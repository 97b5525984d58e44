"""The market-model event study on series built here: a stock that is 0.001 + 1.5 x the
market plus small deterministic noise, with a planted abnormal fall after disclosure."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from workbench.irregularities.event_study import loss_avoided_net_of_market, market_model

DISCLOSED = dt.date(2017, 9, 7)  # a Thursday
ALPHA, BETA = 0.001, 1.5
DAYS = pd.bdate_range("2017-01-02", "2017-09-29")
DAY0 = list(DAYS).index(pd.Timestamp(DISCLOSED))


def series(day1_abnormal: float = -0.10, day1_market: float | None = None, market_flat: bool = False):
    """(share_prices, market_index) frames: returns on each business day, closes from 100 / 2,000."""
    t = np.arange(len(DAYS))
    r_m = np.zeros(len(t)) if market_flat else 0.01 * np.sin(0.7 * t) + 0.004 * np.cos(2.3 * t)
    noise = 0.0005 * np.sin(5.1 * t + 1.0)
    r_s = ALPHA + BETA * r_m + noise
    if day1_market is not None:
        r_m[DAY0 + 1] = day1_market
        r_s[DAY0 + 1] = day1_market
    else:
        r_s[DAY0 + 1] += day1_abnormal
    r_s[0] = r_m[0] = 0.0
    prices = pd.DataFrame({"date": DAYS, "close": 100 * np.cumprod(1 + r_s)})
    index = pd.DataFrame({"date": DAYS, "close": 2000 * np.cumprod(1 + r_m)})
    return prices, index


def test_alpha_and_beta_are_recovered_and_the_planted_fall_is_the_car():
    prices, index = series()
    study = market_model(prices, index, disclosed=DISCLOSED)
    assert study.computable and study.reason is None
    assert study.event_day == DISCLOSED and study.window_days == [DISCLOSED, dt.date(2017, 9, 8)]
    assert study.alpha == pytest.approx(ALPHA, abs=2e-4) and study.beta == pytest.approx(BETA, abs=0.02)
    assert study.r_squared > 0.99 and study.n_estimation == 120
    # 120 returns ending 10 trading days before day 0: the last is on 2017-08-23
    assert study.estimation_end == dt.date(2017, 8, 23)
    assert study.estimation_start == DAYS[DAY0 - 11 - 119].date()
    assert study.car == pytest.approx(-0.10, abs=0.003)
    assert [r["date"] for r in study.rows] == study.window_days
    day1 = study.rows[1]
    assert day1["abnormal_return"] == pytest.approx(day1["stock_return"] - day1["expected_return"])
    assert study.t_stat == pytest.approx(study.car / (study.residual_sd * math.sqrt(2)))
    assert study.t_stat < -50  # a 10 % fall against noise of 0.05 %
    assert study.gaps == 0 and study.notes == []


def test_loss_avoided_net_of_the_market_by_hand():
    prices, index = series()
    study = market_model(prices, index, disclosed=DISCLOSED)
    before = float(prices.loc[prices["date"] == pd.Timestamp("2017-09-06"), "close"].iloc[0])
    assert study.close_before == {"date": dt.date(2017, 9, 6), "close": pytest.approx(before)}
    loss = loss_avoided_net_of_market(1_000, study)
    assert loss["usd"] == pytest.approx(1_000 * before * -study.car, abs=0.01)
    assert loss["usd"] == pytest.approx(1_000 * before * 0.10, rel=0.03)
    assert loss["reason"] is None and loss["formula"].startswith("shares x close before the window x max(0, -CAR)")


def test_a_market_that_fell_as_much_as_the_stock_leaves_nothing_net():
    prices, index = series(day1_market=-0.10)  # both fall 10 %: beta 1.5 predicted a deeper fall
    study = market_model(prices, index, disclosed=DISCLOSED)
    assert study.car > 0
    loss = loss_avoided_net_of_market(1_000, study)
    assert (loss["usd"], loss["reason"]) == (0.0, "no abnormal decline")


def test_a_weekend_disclosure_has_day_zero_on_monday():
    prices, index = series()
    study = market_model(prices, index, disclosed=dt.date(2017, 9, 9))  # a Saturday
    assert study.event_day == dt.date(2017, 9, 11)
    assert study.window_days == [dt.date(2017, 9, 11), dt.date(2017, 9, 12)]


def test_a_day_missing_in_one_series_is_skipped_and_counted():
    prices, index = series()
    index = index[index["date"] != pd.Timestamp("2017-08-01")]  # an estimation day
    prices = prices[prices["date"] != pd.Timestamp("2017-09-06")]  # the day before day 0
    study = market_model(prices, index, disclosed=DISCLOSED)
    assert study.computable and study.gaps == 2
    assert study.notes == ["2 day(s) with a close in only one series skipped (the return spans each)"]
    # day 0's return spans the gap: from the close of 2017-09-05
    p = prices.set_index("date")["close"]
    assert study.rows[0]["stock_return"] == pytest.approx(p[pd.Timestamp(DISCLOSED)] / p[pd.Timestamp("2017-09-05")] - 1)
    assert study.close_before["date"] == dt.date(2017, 9, 5)
    assert study.car == pytest.approx(-0.10, abs=0.01)


def test_a_close_of_zero_is_left_out_and_said():
    prices, index = series()
    index.loc[index["date"] == pd.Timestamp("2017-07-03"), "close"] = 0.0
    study = market_model(prices, index, disclosed=DISCLOSED)
    assert study.computable and study.non_positive_closes == 1 and study.gaps == 1
    assert "1 close(s) of zero or less left out" in study.notes and math.isfinite(study.beta)


def test_a_conflicting_close_in_the_estimation_window_is_left_out_and_said():
    prices, index = series()
    twice = pd.DataFrame({"date": [pd.Timestamp("2017-07-03")], "close": [1.0]})
    study = market_model(pd.concat([prices, twice]), index, disclosed=DISCLOSED)
    assert study.computable and study.conflicting_dates == [dt.date(2017, 7, 3)]
    assert "1 date(s) with conflicting closes left out: 2017-07-03" in study.notes


@pytest.mark.parametrize("case, reason", [
    ("no_prices", "no share prices"),
    ("no_index", "no market index"),
    ("too_few_returns", "only 20 return(s) with both closes in the estimation window ending 10 trading day(s) "
                        "before the event window; at least 30 needed"),
    ("disclosed_after_the_series", "no trading day with a close in both series on or after 2017-10-02"),
    ("window_past_the_series", "window days missing: the window (0, 1) needs 1 trading day(s) after 2017-09-29 "
                               "with a close in both series, the series have 0"),
    ("conflicting_close_on_day_1", "share_prices gives different closes for 2017-09-08, which the event window "
                                   "needs"),
    ("flat_market", "the market index did not move over the estimation window (zero variance): beta cannot be "
                    "estimated"),
])
def test_what_cannot_be_computed_says_why(case, reason):
    prices, index = series(market_flat=case == "flat_market")
    disclosed = {"disclosed_after_the_series": dt.date(2017, 10, 2),
                 "window_past_the_series": dt.date(2017, 9, 29)}.get(case, DISCLOSED)
    if case == "no_prices":
        prices = None
    if case == "no_index":
        index = index.iloc[:0]
    if case == "too_few_returns":  # 20 returns before the gap, 10-day gap, window
        prices = prices[prices["date"] >= DAYS[DAY0 - 31]]
    if case == "conflicting_close_on_day_1":
        prices = pd.concat([prices, pd.DataFrame({"date": [pd.Timestamp("2017-09-08")], "close": [1.0]})])
    study = market_model(prices, index, disclosed=disclosed)
    assert (study.computable, study.reason) == (False, reason)
    assert study.car is None and study.alpha is None
    loss = loss_avoided_net_of_market(1_000, study)
    assert (loss["usd"], loss["reason"]) == (None, reason)


def test_bad_parameters_and_frames_are_errors_that_say_what_is_expected():
    prices, index = series()
    with pytest.raises(ValueError, match=r"event window \(2, 1\): its first day is after its last"):
        market_model(prices, index, disclosed=DISCLOSED, window=(2, 1))
    with pytest.raises(ValueError, match="market_index: missing column\\(s\\) close \\(expected columns date, close\\)"):
        market_model(prices, index.rename(columns={"close": "level"}), disclosed=DISCLOSED)


def test_evidence_is_json_ready():
    import json

    prices, index = series()
    doc = market_model(prices, index, disclosed=DISCLOSED).as_dict()
    assert json.loads(json.dumps(doc))["window_days"] == ["2017-09-07", "2017-09-08"]
