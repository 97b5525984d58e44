"""The vendor-breach scenario: its truth.json agrees with its files, and the timelines stage
finds exactly the planted defects (per finding code, data owner and jurisdiction, with
counts) and none of the negative controls."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml

from workbench.case import load_case
from workbench.cli import main
from workbench.errors import UnknownNameError, WorkbenchError
from workbench.synth import load_truth
from workbench.synth.scenarios import SCENARIOS, generate_scenario
from workbench.synth.vendor import COHORTS, generate_vendor_case
from workbench.timelines import assess_case

#: The finding codes the planted truth covers (every other code is explanatory or pending).
PROBLEM_CODES = {"late_notice", "missing_notice", "regulator_notice_missing", "regulator_notice_late",
                 "not_owed_notice"}
#: Subjects of the organisation's own regulator and CRA findings.
OWN_SUBJECTS = {"regulator": "", "consumer reporting agencies": ""}


@pytest.fixture(scope="module")
def vendor_case(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("vendor") / "case"
    assert main(["synth", "--scenario", "vendor", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def truth(vendor_case) -> dict:
    return load_truth(vendor_case)


def _csv(case: Path, name: str) -> list[dict]:
    with (case / "data" / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _planted(truth: dict) -> dict[tuple[str, str, str], int]:
    """(finding code, data owner, jurisdiction) -> count, for every planted defect."""
    out = {}
    for d in truth["defects"]:
        if d["kind"] in PROBLEM_CODES:
            # a regulator finding counts the residents the duty is about, not one id
            out[(d["kind"], d["data_owner"], d["jurisdiction"])] = d["count"] if d["id_field"] == "person_id" else None
    return out


def _owner_of(finding) -> str:
    """The data owner a finding is about: '' for the organisation, else its subject's owner id."""
    subject = finding.subject or ""
    if subject in OWN_SUBJECTS:
        return OWN_SUBJECTS[subject]
    return subject.split(": ", 1)[0]


# ---------------------------------------------------------------- the generator and its truth

def test_the_scenario_registry_names_both_scenarios():
    assert SCENARIOS.names() == ["equifax", "vendor"]
    with pytest.raises(UnknownNameError, match="known: equifax, vendor"):
        generate_scenario("moveit", "unused", people=None, seed=None)


@pytest.mark.parametrize("argv, message", [
    (["--scenario", "vendor", "--people", "300"], "drop --people"),
    ([], "needs --people"),
])
def test_options_a_scenario_cannot_honour_are_named(tmp_path, capsys, argv, message):
    assert main(["synth", *argv, "--out", str(tmp_path / "c")]) == 2
    assert message in capsys.readouterr().err


def test_same_seed_same_bytes_and_another_seed_the_same_truth(vendor_case, truth, tmp_path):
    again = generate_vendor_case(tmp_path / "again")
    assert _hashes(again.case_yaml.parent) == _hashes(vendor_case)
    other = generate_vendor_case(tmp_path / "other", seed=7)
    people_file = "data/affected_people.csv"
    assert _hashes(other.case_yaml.parent)[people_file] != _hashes(vendor_case)[people_file]
    assert _planted(load_truth(other.case_yaml.parent)) == _planted(truth)


def test_a_hand_made_case_is_not_overwritten(tmp_path):
    (tmp_path / "case.yaml").write_text("case_id: MINE\n")
    with pytest.raises(WorkbenchError, match="not written by the generator"):
        generate_vendor_case(tmp_path)


def test_every_person_is_in_one_cohort_with_the_cohorts_owner_and_notice(vendor_case, truth):
    people = {p["person_id"]: p for p in _csv(vendor_case, "affected_people.csv")}
    notices = _csv(vendor_case, "notices.csv")
    sent = {n["person_id"]: n["sent_at"][:10] for n in notices}
    assert len(sent) == len(notices)  # one notice at most per person
    seen: set[str] = set()
    for c in COHORTS:
        ids = truth["cohorts"][c.key]["ids"]
        assert len(ids) == c.size and not seen & set(ids)
        seen |= set(ids)
        for pid in ids:
            p = people[pid]
            assert (p["data_owner"], p["region"], p["data_elements"]) == (c.owner.id, c.region, c.elements)
            assert sent.get(pid) == (c.sent and c.sent.isoformat())
    assert seen == set(people) and 200 <= len(people) <= 500
    assert truth["rows"] == {"affected_people": len(people), "notices": len(notices), "regulator_notices": 3}


def test_the_truth_plants_each_defect_of_the_brief(truth):
    planted = _planted(truth)
    owners = {o for _, o, _ in planted}
    assert owners == {"", "acme-health", "shopmart"}
    for owner in ("acme-health", "shopmart"):  # late and missing individual notices for each owner
        assert {"late_notice", "missing_notice"} <= {k for k, o, _ in planted if o == owner}
    assert ("late_notice", "acme-health", "US-HIPAA") in planted
    assert ("not_owed_notice", "shopmart", "US-CO") in planted
    assert ("regulator_notice_late", "", "US-SEC-8K") in planted
    # the regulator notice of one state: missing for one owner, present (a control) for the other
    assert ("regulator_notice_missing", "acme-health", "US-NY") in planted
    controls = {(d["kind"], d["data_owner"], d["jurisdiction"]) for d in truth["defects"] if d["control"]}
    assert ("control_regulator_notice_present", "shopmart", "US-NY") in controls
    assert {("control_on_time", "shopmart", "US-WA"), ("control_on_time", "shopmart", "US-TX"),
            ("control_on_time", "acme-health", "US-FL")} <= controls
    # the declared count triggers a duty the sample alone would not
    assert ("regulator_notice_missing", "shopmart", "US-CA") in planted


def test_regulator_notices_name_their_data_owner(vendor_case):
    rows = {(r["data_owner"], r["jurisdiction"]) for r in _csv(vendor_case, "regulator_notices.csv")}
    assert rows == {("", "US-SEC-8K"), ("shopmart", "US-NY"), ("acme-health", "US-HIPAA")}


# ---------------------------------------------------------------- the audit against the truth

def test_the_case_passes_case_check(vendor_case, capsys):
    assert main(["case", "check", str(vendor_case / "case.yaml")]) == 0
    assert "EFTC-2023-VENDOR" in capsys.readouterr().out


@pytest.fixture(scope="module")
def audit(vendor_case, tmp_path_factory):
    path = tmp_path_factory.mktemp("vendor-audit") / "people.parquet"
    out = assess_case(load_case(vendor_case / "case.yaml"), person_status_path=path)
    return out, pd.read_parquet(path)


def test_timelines_findings_equal_the_planted_defects(audit, truth):
    out, _ = audit
    found = {(f.code, _owner_of(f), f.jurisdiction): f.count for f in out.findings if f.code in PROBLEM_CODES}
    planted = _planted(truth)
    assert set(found) == set(planted)  # recall and precision 100 %, per code, owner and jurisdiction
    for key, count in planted.items():
        if count is not None:
            assert found[key] == count, key


def test_the_table_has_one_row_per_owner_and_jurisdiction(audit, truth):
    out, _ = audit
    t = out.jurisdictions
    assert not t.duplicated(["data_owner", "jurisdiction"]).any()
    rows = t.set_index(["data_owner", "jurisdiction"])
    assert rows.loc[("shopmart", "US-NY"), "regulator_status"] == "on_time"
    assert rows.loc[("acme-health", "US-NY"), "regulator_status"] == "missing"
    assert rows.loc[("acme-health", "US-HIPAA"), "regulator_status"] == "on_time"
    assert rows.loc[("", "US-SEC-8K"), "regulator_status"] == "late"
    # ShopMart's table holds a sample of Californians; its declared count triggers the AG duty
    assert rows.loc[("shopmart", "US-CA"), "residents"] < 500 and bool(rows.loc[("shopmart", "US-CA"),
                                                                               "regulator_required"])
    assert t["home_residents"].sum() == sum(c.size for c in COHORTS)


def test_the_negative_controls_are_on_time(audit, truth):
    _, people = audit
    for d in truth["defects"]:
        if d["kind"] == "control_on_time":
            mine = people[people["person_id"].isin(d["ids"]) & (people["jurisdiction"] == d["jurisdiction"])]
            assert len(mine) == d["count"] and set(mine["status"]) == {"on_time"}, (d["data_owner"], d["jurisdiction"])


def test_planted_people_have_the_planted_status(audit, truth):
    _, people = audit
    status = {"late_notice": {"late"}, "missing_notice": {"overdue", "missing"}, "not_owed_notice": {"not_required"}}
    for d in truth["defects"]:
        if d["kind"] in status:
            mine = people[people["person_id"].isin(d["ids"]) & (people["jurisdiction"] == d["jurisdiction"])]
            assert len(mine) == d["count"] and set(mine["status"]) <= status[d["kind"]], d["kind"]


def _edited(vendor_case: Path, tmp_path: Path, edit) -> Path:
    folder = tmp_path / "case"
    shutil.copytree(vendor_case, folder)
    doc = yaml.safe_load((folder / "case.yaml").read_text())
    edit({o["id"]: o for o in doc["data_owners"]})
    (folder / "case.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return folder / "case.yaml"


def _vendor_clock(owners):
    owners["acme-health"].update(discovered="2023-12-18", determined="2024-01-02")


@pytest.mark.parametrize("edit, expected", [
    (lambda owners: owners["shopmart"].pop("law_enforcement_delays"), ("late_notice", "shopmart", "US-WA", 22)),
    (lambda owners: owners["shopmart"].pop("substitute_notices"), ("missing_notice", "shopmart", "US-TX", 26)),
    (_vendor_clock, ("late_notice", "acme-health", "US-FL", 43)),
], ids=["without-the-delay", "without-the-substitute", "on-the-vendors-clock"])
def test_each_control_is_on_time_only_because_of_its_fact(vendor_case, tmp_path, edit, expected):
    out = assess_case(load_case(_edited(vendor_case, tmp_path, edit)))
    found = {(f.code, _owner_of(f), f.jurisdiction): f.count for f in out.findings}
    assert found.get(expected[:3]) == expected[3]


def test_truth_json_is_plain_json(vendor_case):
    assert json.loads((vendor_case / "truth.json").read_text())["scenario"] == "vendor"
    assert Counter(d["kind"] for d in load_truth(vendor_case)["defects"])["late_notice"] == 3


def test_data_quality_finds_only_the_people_without_a_letter(vendor_case, tmp_path):
    """Sector codes (US-SEC-8K, US-HIPAA) are well-formed jurisdictions; the only data-quality
    fact is the people with no notice row (missing, not owed one, or reached by substitute)."""
    from workbench.quality import run_stage

    out = run_stage(vendor_case / "case.yaml", tmp_path)
    found = {f.code: f.count for f in out.findings if f.severity != "info" or f.code.startswith("dq.")}
    assert found == {"dq.population.person_without_notice": sum(c.size for c in COHORTS if c.sent is None)}
