"""The Rule 10b5-1 plan rules are reviewed data: cited, sourced, dated, validated on load."""

import copy
import datetime as dt

import pytest
import yaml

from workbench.case import Organization, TradingWindow
from workbench.irregularities.plans import (
    OUTCOMES, PLANS_FILE, PlanRulesError, get, load_plan_rules, parse_plan_rules, plan_defence,
)

RAW = yaml.safe_load(PLANS_FILE.read_text())


def test_every_rule_carries_citation_source_and_confidence():
    rules = load_plan_rules()
    for r in (rules.adoption_before_awareness, rules.modification, *rules.cooling_off):
        assert r.citation.startswith("17 CFR 240.10b5-1") and r.source and r.confidence in ("high", "medium")
    assert rules.cooling_off_for(dt.date(2023, 2, 26), "officers_directors").min_days == 0
    d_o = rules.cooling_off_for(dt.date(2023, 2, 27), "officers_directors")
    assert (d_o.min_days, d_o.max_days, d_o.alternative_business_days_after_results) == (90, 120, 2)
    assert rules.cooling_off_for(dt.date(2023, 2, 27), "other").min_days == 30


@pytest.mark.parametrize("edit,words", [
    (lambda d: d["cooling_off"][1].pop("citation"), "cooling_off[1]: missing key(s) citation"),
    (lambda d: d["cooling_off"][2].update(source=" "), "cooling_off[2].source: empty"),
    (lambda d: d["cooling_off"][0].update(confidence="sure"), "cooling_off[0].confidence: 'sure'"),
    (lambda d: d["cooling_off"][1].update(effective_from="2023-02-20"), "overlap for officers_directors"),
    (lambda d: d["cooling_off"][1].update(persons=["issuers"]), "cooling_off[1].persons"),
    (lambda d: d["cooling_off"][1].update(min_days=-1), "cooling_off[1].min_days: -1"),
    (lambda d: d["modification"].update(effective_from="27 Feb"), "modification.effective_from: not a date"),
])
def test_a_bad_rules_file_names_the_record(edit, words):
    data = copy.deepcopy(RAW)
    edit(data)
    with pytest.raises(PlanRulesError) as err:
        parse_plan_rules(data, "trading_plans.yaml")
    assert "trading_plans.yaml" in str(err.value) and words in str(err.value)


def test_outcomes_are_a_registry_with_severities():
    assert {o.severity for o in OUTCOMES.values()} == {"high", "medium"}
    assert get("valid_plan").defended and not get("adopted_after_discovery").defended
    with pytest.raises(KeyError, match="known: no_plan"):
        get("excellent_plan")


def test_role_unknown_and_rules_differ_is_undetermined():
    got = plan_defence(plan="plan", adopted=dt.date(2023, 3, 1), modified=None, trade=dt.date(2023, 4, 15),
                       discovered=dt.date(2023, 6, 1), persons=("officers_directors", "other"))
    assert got.outcome == "cooling_off_undetermined" and "role is not reported" in got.reason


def test_case_parameters_for_the_window_and_the_issuers_filings():
    assert (TradingWindow().look_back_days, TradingWindow().lowest_close_trading_days) == (30, 10)
    org = Organization(name="X", financial_results_filed=["2023-05-08"])
    assert org.financial_results_filed == [dt.date(2023, 5, 8)] and Organization(name="X").financial_results_filed is None
