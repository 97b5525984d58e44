import datetime as dt

import pandas as pd
import pytest

from workbench.irregularities.compensation import awards_in_window, counts_note, row_counts, severity_for
from tests.irregularities.conftest import FIXTURES

DISCOVERED, DISCLOSED = dt.date(2017, 7, 29), dt.date(2017, 9, 7)


def comp():
    f = pd.read_csv(FIXTURES / "compensation_awards.csv")
    return f.assign(award_date=pd.to_datetime(f["award_date"]))


def rows(*items) -> pd.DataFrame:
    """A compensation table of (person, kind, amount[, prior annual pay]) awarded on 2017-10-02."""
    return pd.DataFrame([{"person": i[0], "title": "Executive", "award_date": pd.Timestamp("2017-10-02"),
                          "kind": i[1], "amount_usd": i[2], "prior_annual_pay_usd": i[3] if len(i) > 3 else None}
                         for i in items])


def awards(frame):
    return awards_in_window(frame, discovered=DISCOVERED, disclosed=DISCLOSED, window_days=365)


def test_awards_between_discovery_and_a_year_after_disclosure():
    by = {f.subject: f for f in awards(comp())}
    # the February 2017 bonus is before discovery, the October 2018 one after the window, salary is no
    # award, and the general counsel's $0 severance pays nothing
    assert set(by) == {"Richard Roe", "Jane Doe"}
    roe = by["Richard Roe"]
    assert (roe.severity, roe.count, roe.evidence["total_usd"]) == ("high", 2, 42_400_000)
    assert roe.evidence["awards"][0]["days_after_disclosure"] == 19
    assert (roe.evidence["prior_annual_pay_usd"], roe.evidence["ratio_to_prior_pay"]) == (None, None)
    assert by["Jane Doe"].severity == "medium" and by["Jane Doe"].category == "compensation"
    assert counts_note(comp()) == "1 row(s) with no payment are not awards; 1 salary row(s) are not awards"


def test_the_wording_says_what_when_and_how_long_after_discovery_and_disclosure():
    roe = next(f for f in awards(comp()) if f.subject == "Richard Roe")
    assert roe.detail.startswith(
        "Richard Roe (Chief Executive Officer) was awarded equity of $24,000,000 on 2017-09-26, 59 days after "
        "discovery (2017-07-29) and 19 days after public disclosure (2017-09-07); retirement of $18,400,000 on "
        "2017-09-26, 59 days after discovery (2017-07-29) and 19 days after public disclosure (2017-09-07). "
        "Total $42,400,000 in 2 award(s)")
    early = awards(rows(("Ann Able", "bonus", 500_000)).assign(award_date=pd.Timestamp("2017-08-30")))
    assert "32 days after discovery (2017-07-29) and 8 days before public disclosure (2017-09-07)" in early[0].detail


def test_window_length_is_a_parameter():
    findings = awards_in_window(comp(), discovered=DISCOVERED, disclosed=DISCLOSED, window_days=30)
    assert [f.subject for f in findings] == ["Richard Roe"]
    assert awards_in_window(comp().iloc[:0], discovered=DISCOVERED, disclosed=None) == []


def test_a_departing_general_counsel_left_with_nothing_has_no_award():
    frame = rows(("Mary Major", "severance", 0), ("Mary Major", "retirement", None))
    assert awards(frame) == []
    assert row_counts(frame) == {"no_payment": 2}
    assert counts_note(frame) == "2 row(s) with no payment are not awards"


def test_forfeitures_and_clawbacks_are_not_awards_and_are_counted():
    frame = rows(("Richard Roe", "forfeiture", 5_000_000), ("Richard Roe", "clawback", 2_000_000),
                 ("Richard Roe", "Clawback ", 1_000_000))
    assert awards(frame) == []
    assert row_counts(frame) == {"forfeiture": 1, "clawback": 2}
    assert counts_note(frame) == "1 forfeiture row(s) are not awards; 2 clawback row(s) are not awards"


def test_an_unknown_kind_is_counted_and_said_not_dropped():
    frame = rows(("Pat Ceo", "golden_parachute", 9_000_000), ("Pat Ceo", None, 1_000), ("Pat Ceo", "bonus", 50_000))
    [found] = awards(frame)
    assert found.evidence["kinds"] == ["bonus"] and found.severity == "low"
    assert row_counts(frame) == {"unknown_kind": 2}
    assert counts_note(frame) == ("2 row(s) of unknown kind ((missing), golden_parachute) not assessed; known kinds: "
                                  "bonus, equity, severance, retirement, forfeiture, clawback, salary")


@pytest.mark.parametrize("amount, severity", [(1_000_000, "high"), (999_999, "medium"), (250_000, "medium"),
                                              (249_999, "low")])
def test_severity_against_prior_annual_pay_at_its_edges(amount, severity):
    [found] = awards(rows(("Pat Ceo", "severance", amount, 1_000_000)))
    assert found.severity == severity
    assert found.evidence["prior_annual_pay_usd"] == 1_000_000
    assert found.evidence["ratio_to_prior_pay"] == pytest.approx(amount / 1_000_000)


def test_prior_pay_is_the_largest_of_the_persons_rows_and_is_said():
    frame = rows(("Pat Ceo", "retirement", 18_400_000), ("Pat Ceo", "salary", 1_500_000, 20_000_000),
                 ("Pat Ceo", "bonus", 600_000, 18_000_000))
    [found] = awards(frame)
    assert found.evidence["prior_annual_pay_usd"] == 20_000_000
    assert found.evidence["ratio_to_prior_pay"] == 0.95 and found.severity == "medium"  # not high by kind alone
    assert "Total $19,000,000 in 2 award(s)" in found.detail
    assert "0.95 times the prior annual pay of $20,000,000" in found.detail


@pytest.mark.parametrize("total, severity", [(1_000_000, "high"), (999_999.99, "medium"), (100_000, "medium"),
                                             (99_999, "low")])
def test_severity_by_amount_without_prior_pay(total, severity):
    assert severity_for(total, None)[0] == severity
    assert awards(rows(("Pat Ceo", "retirement", total)))[0].severity == severity


def test_the_stage_says_what_is_not_an_award(minimal_case):
    """Through the stage (the case store types the optional prior pay column): the note counts
    every row that is not an award; the one real award is rated against prior pay."""
    from tests.conftest import edit_case
    from workbench.case import load_case
    from workbench.irregularities.stage import run_stage

    (minimal_case.parent / "data" / "compensation.csv").write_text(
        "person,title,award_date,kind,amount_usd,prior_annual_pay_usd\n"
        "Mary Major,General Counsel,2017-10-15,severance,0,450000\n"
        "Richard Roe,Chief Executive Officer,2017-10-01,clawback,2000000,\n"
        "Richard Roe,Chief Executive Officer,2017-10-01,bonus,500000,1500000\n"
        "Richard Roe,Chief Executive Officer,2017-10-01,golden_parachute,9000000,\n")
    edit_case(minimal_case, **{"inputs.compensation": "data/compensation.csv"})
    result = run_stage(load_case(minimal_case))
    [found] = result.by_check["compensation"]
    assert (found.subject, found.severity, found.evidence["ratio_to_prior_pay"]) == ("Richard Roe", "medium", 1 / 3)
    assert result.assessed["compensation"].is_assessed
    assert result.assessed["compensation"].reason == (
        "1 row(s) with no payment are not awards; 1 clawback row(s) are not awards; 1 row(s) of unknown kind "
        "(golden_parachute) not assessed; known kinds: bonus, equity, severance, retirement, forfeiture, clawback, "
        "salary")
    assert list(result.tables["awards_in_window"]["person"]) == ["Richard Roe"]
