"""Expectations that aggregate a whole input (a row count, a column mean) are accepted:
judged once per input by every engine; a failing one is a finding with its observed value."""

from __future__ import annotations

import pytest

from workbench import quality

from .conftest import FIXTURES

AGGREGATES = FIXTURES / "aggregate_suites"
ENGINES = ["pandas", "chunked", "duckdb"]


def _validate(case, engine: str, scenario: str):
    # 2-row chunks: the chunked engine sees 3 chunks, and must still judge the whole input
    opts = quality.EngineOptions(chunk_rows=2, workers=1)
    return quality.validate_case(case, engine, names=["share_prices"], options=opts,
                                 expectations=AGGREGATES / scenario)[0]


def test_aggregate_types_default_to_their_own_scope():
    spec = quality.load_suite_spec("share_prices", AGGREGATES / "share_prices_too_few_and_too_cheap")
    assert {e.check: e.scope for e in spec.expectations} == {
        "close_positive": "row", "enough_trading_days": "aggregate", "close_mean_plausible": "aggregate"}


@pytest.mark.parametrize("engine", ENGINES)
def test_failing_aggregates_are_findings_with_their_observed_values(planted_case, engine):
    v = _validate(planted_case, engine, "share_prices_too_few_and_too_cheap")
    rows, mean = v.outcome("enough_trading_days"), v.outcome("close_mean_plausible")
    assert (rows.success, rows.observed_value, rows.expected) == (False, 5, {"min_value": 10, "max_value": 1000})
    assert (mean.success, mean.observed_value) == (False, pytest.approx(100.734))
    assert v.outcome("close_positive").counts() == ("share_prices", "close_positive", 5, 1, 0)  # the day at 0
    found = {f.code: f for f in quality.findings_for([v])}
    assert set(found) == {"dq.share_prices.close_positive", "dq.share_prices.enough_trading_days",
                          "dq.share_prices.close_mean_plausible"}
    f = found["dq.share_prices.enough_trading_days"]
    assert (f.severity, f.count, f.evidence["observed_value"]) == ("medium", 1, 5)
    assert "observed 5" in f.title and "at least 10 and at most 1000" in f.detail
    assert found["dq.share_prices.close_mean_plausible"].evidence["observed_value"] == pytest.approx(100.734)


@pytest.mark.parametrize("engine", ENGINES)
def test_holding_aggregates_make_no_finding(planted_case, engine):
    v = _validate(planted_case, engine, "share_prices_enough_and_plausible")
    assert v.outcome("enough_trading_days").success and v.outcome("enough_trading_days").observed_value == 5
    assert v.outcome("close_mean_plausible").success
    assert [f.code for f in quality.findings_for([v])] == ["dq.share_prices.close_positive"]


def test_an_aggregate_type_cannot_be_judged_per_row(tmp_path):
    import json

    doc = json.loads((AGGREGATES / "share_prices_enough_and_plausible" / "share_prices.json").read_text())
    doc["expectations"][1]["meta"]["scope"] = "row"
    (tmp_path / "share_prices.json").write_text(json.dumps(doc))
    with pytest.raises(quality.SuiteError, match="share_prices.json: .*not a row-level expectation"):
        quality.load_suite_spec("share_prices", tmp_path)
