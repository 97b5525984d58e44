"""Issue 17's "done when", end to end on Form 4 XML: a chief executive sold under a plan
adopted after the company knew, two holders sold five days before the stated discovery
date, and a departing general counsel left with nothing (fixture README has the arithmetic)."""

import pytest

from tests.irregularities.conftest import FIXTURES

CASE = FIXTURES / "plan_after_discovery" / "case.yaml"


@pytest.fixture(scope="module")
def result():
    from workbench.case import load_case
    from workbench.irregularities.stage import run_stage

    return run_stage(load_case(CASE))


def test_the_findings_are_exactly_one_high_sale_one_look_back_warning_and_no_award(result):
    got = sorted((f.category, f.code, f.severity) for f in result.findings)
    assert got == [("insider_trading", "insider_sale_before_discovery", "low"),
                   ("insider_trading", "insider_sale_in_window", "high")]
    sale = next(f for f in result.findings if f.code == "insider_sale_in_window")
    assert sale.subject == "Quill Avery R" and "plan adopted after discovery" in sale.detail
    warning = next(f for f in result.findings if f.code == "insider_sale_before_discovery")
    assert "before the stated discovery date" in warning.detail and warning.count == 2
    assert result.assessed["compensation"].is_assessed  # assessed, and the $0 severance is no award


def test_every_number_of_the_insider_table_is_the_hand_computed_one(result):
    sale = next(f for f in result.findings if f.code == "insider_sale_in_window")
    ev = sale.evidence
    assert ev["shares_sold"] == 20_000
    assert ev["holdings_before"] == 120_000          # 88,000 + 12,000 + 20,000 by the family trust
    assert ev["share_of_holdings_sold"] == pytest.approx(20_000 / 120_000, abs=1e-4)
    table = result.tables["insider_sales"]
    ceo = table[table["insider"] == "Quill Avery R"]
    assert ceo["shares"].tolist() == [12_000, 8_000]  # filing order, not share count
    assert ceo["loss_avoided_first"].sum() == pytest.approx(316_400)
    assert ceo["loss_avoided_lowest"].sum() == pytest.approx(366_400)
    assert set(ceo["reference_close_first"]) == {38.0} and set(ceo["reference_close_lowest"]) == {35.5}


def test_with_a_market_index_the_loss_avoided_net_of_the_market_follows_the_event_study(tmp_path):
    # The same case with an index that moves on its own: the market model's CAR on the
    # disclosure window sets the loss net of the market, shares x close before x max(0, -CAR).
    import math
    import shutil

    import pandas as pd

    from tests.conftest import edit_case
    from workbench.case import load_case
    from workbench.irregularities.stage import run_stage

    folder = tmp_path / "case"
    shutil.copytree(CASE.parent, folder)
    days = pd.read_csv(folder / "share_prices.csv")["date"]
    index = [4000.0]
    for i in range(1, len(days)):
        index.append(index[-1] * (1 + 0.004 * math.sin(i)))
    pd.DataFrame({"date": days, "close": [round(x, 2) for x in index]}).to_csv(folder / "market_index.csv", index=False)
    edit_case(folder / "case.yaml", **{"inputs.market_index": "market_index.csv"})
    result = run_stage(load_case(folder / "case.yaml"))

    sale = next(f for f in result.findings if f.code == "insider_sale_in_window")
    loss = sale.evidence["loss_avoided"]
    study = loss["event_study"]
    assert study["event_day"] == "2023-07-20" and study["window_days"] == ["2023-07-20", "2023-07-21"]
    assert study["car"] < -0.2  # the 29 % fall of 2023-07-21 is not the market's
    expected = 20_000 * study["close_before"]["close"] * -study["car"]
    assert loss["net_of_market"] == pytest.approx(expected, abs=0.01)
    assert "Net of the market (market-model event study" in sale.detail
    ceo = result.tables["insider_sales"].query("insider == 'Quill Avery R'")
    assert ceo["loss_avoided_net_of_market"].sum() == pytest.approx(expected, abs=0.02)
    assert len(result.tables["event_study"]) == 2
    # the findings are still exactly the done-when ones
    assert sorted(f.code for f in result.findings) == ["insider_sale_before_discovery", "insider_sale_in_window"]


def test_without_a_market_index_the_net_loss_says_why(result):
    sale = next(f for f in result.findings if f.code == "insider_sale_in_window")
    assert sale.evidence["loss_avoided"]["net_of_market"] is None
    assert sale.evidence["loss_avoided"]["net_of_market_reason"] == "no market_index input in case.yaml"
