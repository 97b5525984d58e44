"""The insider-trading check through the stage: case.yaml parameters, the CSV form's role
flags, the note that counts what was left out, and a table a reader can recompute."""

import textwrap

import pandas as pd

from workbench.case import load_case
from workbench.irregularities.stage import TABLE_COLUMNS, run_stage

TRADES = """\
insider_name,insider_title,is_officer,is_director,is_ten_percent_owner,transaction_date,transaction_code,shares,price,acquired_disposed,shares_owned_after,plan_10b5_1,filing_date
Big Fund LP,,false,false,true,2017-08-10,S,1000,140.0,D,9000,false,2017-08-12
Some Trust,,false,false,false,2017-08-10,S,500,140.0,D,100,false,2017-08-12
Early Seller,Chief Financial Officer,true,false,false,2017-07-20,S,200,145.0,D,800,false,2017-07-22
"""


def _case(tmp_path, window: str) -> "load_case":
    folder = tmp_path / "case"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "insider_trades.csv").write_text(TRADES)
    days = pd.bdate_range("2017-07-03", "2017-09-29")
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "close": [150.0 if d <= pd.Timestamp("2017-09-07") else 120.0
                                                               for d in days]}).to_csv(folder / "data" / "share_prices.csv", index=False)
    (folder / "case.yaml").write_text(textwrap.dedent(f"""\
        case_id: TRADES-STAGE
        organization: {{name: Example Corp, ticker: EXC, financial_results_filed: [2017-08-03]}}
        incident: {{breach_start: 2017-05-13, discovered: 2017-07-29, public_disclosure: 2017-09-07}}
        inputs: {{insider_trades: data/insider_trades.csv, share_prices: data/share_prices.csv}}
        parameters:
          as_of: 2018-03-01
          trading_window: {window}
        """))
    return load_case(folder / "case.yaml")


def test_stage_runs_the_window_the_look_back_and_counts_the_non_insider(tmp_path):
    result = run_stage(_case(tmp_path, "{look_back_days: 30, lowest_close_trading_days: 5}"))
    found = sorted((f.code, f.severity, f.subject) for f in result.by_check["insider_trading"])
    assert found == [("insider_sale_before_discovery", "low", None), ("insider_sale_in_window", "high", "Big Fund LP")]
    note = result.assessed["insider_trading"].reason
    assert "1 sale row(s) of reporting persons who are neither officer, director nor 10% owner left out" in note
    table = result.tables["insider_sales"]
    assert list(table.columns) == TABLE_COLUMNS["insider_sales"]
    fund = table[table["insider"] == "Big Fund LP"].iloc[0]
    assert (fund["holdings_before"], fund["reference_close_first"], fund["loss_avoided_first"]) == (10_000, 120.0, 20_000.0)
    assert fund["reference_close_lowest_date"] == "2017-09-08" and fund["plan_defence"] == "no_plan"
    early = table[table["insider"] == "Early Seller"].iloc[0]
    assert early["check"] == "insider_sale_before_discovery" and early["filing_order"] == "row 3"


def test_look_back_can_be_turned_off(tmp_path):
    result = run_stage(_case(tmp_path, "{look_back_days: 0}"))
    assert [f.code for f in result.by_check["insider_trading"]] == ["insider_sale_in_window"]
