"""Issue 17's "done when", at the level of the check: the chief executive sold under a plan
adopted after the company knew, two holders sold five days before the stated discovery date.
(The award part and a Form 4 XML end-to-end version belong to the integration.)"""

import datetime as dt

import pandas as pd

from tests.irregularities.test_trading_numbers import PRICES, frame, row
from workbench.irregularities.trading import insider_sales

DISCOVERED, DISCLOSED = dt.date(2017, 8, 1), dt.date(2017, 9, 7)


def test_plan_after_discovery_and_sales_just_before_it_are_exactly_two_findings():
    five_days_before = (DISCOVERED - dt.timedelta(days=5)).isoformat()
    trades = frame(
        row(name="Chief Casey", title="Chief Executive Officer", day="2017-08-15", shares=20_000, price=140.0,
            after=180_000.0, plan="true", plan_adopted=pd.Timestamp("2017-08-04")),
        row(name="Holder One", title="Chief Financial Officer", day=five_days_before, shares=3_000, price=141.0,
            after=27_000.0),
        row(name="Holder Two", title=None, officer=False, director=True, day=five_days_before, shares=1_000,
            price=141.0, after=4_000.0))
    findings = insider_sales(trades, discovered=DISCOVERED, disclosed=DISCLOSED, prices=PRICES)
    assert sorted((f.code, f.severity) for f in findings) == [
        ("insider_sale_before_discovery", "low"), ("insider_sale_in_window", "high")]
    (high,) = [f for f in findings if f.severity == "high"]
    assert high.subject == "Chief Casey" and "plan adopted after discovery" in high.detail
    # every number recomputed by hand from the rows above
    assert high.evidence["holdings_before"] == 180_000 + 20_000
    assert high.evidence["share_of_holdings_sold"] == 0.1
    assert high.evidence["loss_avoided"]["first"]["usd"] == 20_000 * (140.0 - 100.0)
    assert high.evidence["loss_avoided"]["lowest"]["usd"] == 20_000 * (140.0 - 80.0)
    (look,) = [f for f in findings if f.severity == "low"]
    assert look.detail.startswith("2 insider(s) sold shares for $564,000 in the 30 days before the stated discovery date")
    assert [p["insider"] for p in look.evidence["insiders"]] == ["Holder One", "Holder Two"]
