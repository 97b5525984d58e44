"""One fact, one finding, on a whole synthetic case: every planted defect (truth.json) is
stated by exactly one published finding, each with a unit and a basis; and the checker itself
catches a fact stated twice."""

from __future__ import annotations

import json

import pytest

from workbench.cli import main
from workbench.synth import generate_case

from .one_fact_once import KINDS, check, problems


@pytest.mark.slow
def test_a_small_synthetic_case_states_every_planted_defect_once(audited_synthetic_case):
    code, run_dir, case = audited_synthetic_case
    assert code == 0
    assert check(case.case_yaml.parent, run_dir) == []
    findings = json.loads((run_dir / "findings.json").read_text(encoding="utf-8"))["findings"]
    assert all(f["basis"]["text"] and f["basis"]["ref"].startswith("basis-") for f in findings)


TRUTH = {"defects": [
    {"kind": "notice_before_determination", "ids": ["P1"], "jurisdiction": None},
    {"kind": "insider_sale_in_window", "ids": ["Jordan A. Whitfield|2017-08-01", "Riley T. Okafor|2017-08-02"],
     "jurisdiction": None},
    {"kind": "control_government_link", "ids": ["M1"], "control": True, "jurisdiction": None},
]}


def _published(category, code, severity="medium", subject=None, jurisdiction=None):
    return {"id": f"{code}-{subject}", "category": category, "severity": severity, "subject": subject,
            "jurisdiction": jurisdiction, "unit": "people", "evidence": {"check": code},
            "basis": {"kind": "audit_standard", "text": "x", "ref": "basis-x"}}


def test_the_checker_accepts_each_fact_once_and_distinct_insiders_as_distinct_facts():
    findings = [_published("notice_letter", "notice_before_determination"),
                _published("insider_trading", "insider_sale_in_window", "high", "Whitfield Jordan A"),
                _published("insider_trading", "insider_sale_in_window", "high", "Okafor Riley T"),
                _published("lookalike_link", "third_party_link", "info", "ftc.gov")]
    assert problems(TRUTH, findings) == []


def test_the_checker_catches_one_fact_stated_twice_and_a_missing_one():
    findings = [_published("notice_letter", "notice_before_determination"),
                _published("data_quality", "dq.notices.sent_at_not_before_determination", subject="notices"),
                _published("insider_trading", "insider_sale_in_window", "high", "Whitfield Jordan A")]
    found = problems(TRUTH, findings)
    assert any("dq.notices.sent_at_not_before_determination" in p and "states no planted defect" in p for p in found)
    assert any("okafor" in p and "0 finding(s)" in p for p in found)


def test_every_planted_kind_of_the_generator_has_an_expected_finding(tmp_path):
    case = generate_case(tmp_path / "case", 200, seed=3)
    truth = json.loads((case.case_yaml.parent / "truth.json").read_text(encoding="utf-8"))
    assert {d["kind"] for d in truth["defects"] if not d.get("control")} <= set(KINDS)
