import datetime as dt

import pandas as pd

from workbench.irregularities.compensation import awards_in_window
from tests.irregularities.conftest import FIXTURES


def comp():
    f = pd.read_csv(FIXTURES / "compensation_awards.csv")
    return f.assign(award_date=pd.to_datetime(f["award_date"]))


def test_awards_between_discovery_and_a_year_after_disclosure():
    findings = awards_in_window(comp(), discovered=dt.date(2017, 7, 29), disclosed=dt.date(2017, 9, 7), window_days=365)
    by = {f.subject: f for f in findings}
    # the February 2017 bonus is before discovery, the October 2018 one after the window, salary is no award
    assert set(by) == {"Richard Roe", "Jane Doe"}
    roe = by["Richard Roe"]
    assert (roe.severity, roe.count, roe.evidence["total_usd"]) == ("high", 2, 42_400_000)
    assert roe.evidence["awards"][0]["days_after_disclosure"] == 19
    assert by["Jane Doe"].severity == "medium" and by["Jane Doe"].category == "compensation"


def test_window_length_is_a_parameter():
    findings = awards_in_window(comp(), discovered=dt.date(2017, 7, 29), disclosed=dt.date(2017, 9, 7), window_days=30)
    assert [f.subject for f in findings] == ["Richard Roe"]
    assert awards_in_window(comp().iloc[:0], discovered=dt.date(2017, 7, 29), disclosed=None) == []
