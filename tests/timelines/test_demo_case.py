"""The demo case: exactly the planted late/missing notices and regulator defects per jurisdiction."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from workbench.case import load_case
from workbench.timelines import assess_case

from tests.timelines.test_synthetic_truth import KIND_TO_CODE



@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_case_yaml):
    path = tmp_path_factory.mktemp("demo") / "people.parquet"
    out = assess_case(load_case(demo_case_yaml), person_status_path=path)
    truth = json.loads((demo_case_yaml.parent / "truth.json").read_text())["defects"]
    return out, pd.read_parquet(path), truth


def test_planted_timeline_and_regulator_defects_are_reported_exactly(demo):
    out, _, truth = demo
    people_kinds = ("late_notice", "missing_notice", "not_owed_notice")  # count = people; regulator: one each
    planted = {(KIND_TO_CODE[d["kind"]], d["jurisdiction"], d["count"] if d["kind"] in people_kinds else None)
               for d in truth if d["kind"] in KIND_TO_CODE}
    found = {(f.code, f.jurisdiction, f.count if f.category == "notice_timeliness" else None)
             for f in out.findings if f.code in KIND_TO_CODE.values()}
    assert found == planted
    assert all(f.citation for f in out.findings if f.code in KIND_TO_CODE.values())


def test_credit_bureau_findings_come_only_from_an_early_notice_anchor(demo):
    """Minnesota wants the credit bureaus told within 48 hours after the individual notice; a
    letter planted before determination (a valid, early notice) starts that clock, so a CRA
    finding may follow from it - and from nothing else."""
    out, people, truth = demo
    early = next(d for d in truth if d["kind"] == "notice_before_determination")["ids"]
    early_at = people.set_index("person_id").loc[early, ["jurisdiction", "first_valid_notice"]]
    table = out.jurisdictions.set_index("jurisdiction")
    for f in out.findings:
        if f.category == "cra_notice":
            assert f.jurisdiction in set(early_at["jurisdiction"])
            assert table.loc[f.jurisdiction, "first_notice_at"] in set(early_at["first_valid_notice"])
