"""Each check owned once: one stage per finding category, and a fact several checks see is
one finding (``workbench.ownership``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import assessment, ownership, stages
from workbench.artifacts import read_assessed, read_findings
from workbench.findings import CATEGORIES, Finding
from workbench.report import gather_findings
from workbench.stages import StageName

ASSESSED = {"20_notice_timelines": {"individual_notice_timeliness": assessment.assessed()},
            "30_irregularities": {"notice_letters": assessment.assessed()},
            "10_data_quality": {"population:person_without_notice": assessment.assessed()}}


def overdue(jurisdiction: str, count: int) -> Finding:
    return Finding("notice_timeliness", "missing_notice", "high", f"{jurisdiction}: {count} never notified", "-",
                   jurisdiction=jurisdiction, count=count)


def letters_missing(by_jurisdiction: dict[str, int]) -> Finding:
    return Finding("notice_letter", "missing_notice", "high", "Affected people with no notice", "-",
                   count=sum(by_jurisdiction.values()), evidence={"by_jurisdiction": by_jurisdiction})


def dq_missing(by_jurisdiction: dict[str, int]) -> Finding:
    return Finding("data_quality", "dq.population.person_without_notice", "medium", "no notice record", "-",
                   subject="affected_people", count=sum(by_jurisdiction.values()),
                   evidence={"by_jurisdiction": by_jurisdiction})


UNRELATED = Finding("compensation", "award_in_crisis_window", "high", "award", "-", subject="CEO", count=1)


def test_every_category_has_one_owning_stage():
    assert set(ownership.CATEGORY_OWNERS) == set(CATEGORIES)
    for fact in ownership.facts():
        for check in fact.checks():
            assert check.category in CATEGORIES, (fact.name, check)
            assert check.stage in stages.CHECK_STAGES
        assert fact.owners and fact.attached, fact.name


def test_an_owner_finding_carries_the_checks_that_saw_the_same_fact():
    found = [overdue("US-CA", 7), overdue("US-TX", 3), letters_missing({"US-CA": 7, "US-TX": 3}),
             dq_missing({"US-CA": 7, "US-TX": 3}), UNRELATED]
    out = ownership.fold(found, ASSESSED)
    assert sorted((f.category, f.code) for f in out) == [
        ("compensation", "award_in_crisis_window"), ("notice_timeliness", "missing_notice"),
        ("notice_timeliness", "missing_notice")]
    ca = next(f for f in out if f.jurisdiction == "US-CA")
    assert ca.evidence["fact"] == "person_without_notice"
    seen = {s["check"]: s for s in ca.evidence["also_seen_by"]}
    assert set(seen) == {"missing_notice", "dq.population.person_without_notice"}
    assert seen["missing_notice"]["stage"] == "30_irregularities"
    assert seen["dq.population.person_without_notice"]["count"] == 10
    assert seen["dq.population.person_without_notice"]["count_in_jurisdiction"] == 7
    assert seen["missing_notice"]["finding"] == letters_missing({"US-CA": 7, "US-TX": 3}).id


def test_an_attached_finding_goes_only_to_the_jurisdictions_it_concerns():
    out = ownership.fold([overdue("US-CA", 7), overdue("US-TX", 3), letters_missing({"US-CA": 7})], ASSESSED)
    tx = next(f for f in out if f.jurisdiction == "US-TX")
    assert "also_seen_by" not in tx.evidence
    assert len(next(f for f in out if f.jurisdiction == "US-CA").evidence["also_seen_by"]) == 1


def test_when_the_owner_judged_the_fact_and_found_nothing_the_others_are_information():
    """Everyone without a notice is not yet due one: the letters' alarm is not a defect."""
    out = ownership.fold([letters_missing({"US-CA": 4}), UNRELATED], ASSESSED)
    letter = next(f for f in out if f.category == "notice_letter")
    assert letter.severity == "info"
    assert letter.evidence["owner_found_nothing"]["check"] == "missing_notice"
    assert "high" in letter.evidence["owner_found_nothing"]["note"]


def test_when_the_owner_did_not_run_the_first_attached_check_owns_the_fact():
    not_run = {"30_irregularities": {"notice_letters": assessment.assessed()},
               "20_notice_timelines": {"individual_notice_timeliness": assessment.input_absent("notices")}}
    out = ownership.fold([letters_missing({"US-CA": 4}), dq_missing({"US-CA": 4})], not_run)
    assert [(f.category, f.severity) for f in out] == [("notice_letter", "high")]
    assert out[0].evidence["also_seen_by"][0]["check"] == "dq.population.person_without_notice"


def test_a_lone_finding_of_a_shared_fact_is_kept_as_it_is():
    lone = dq_missing({"US-CA": 4})
    assert ownership.fold([lone], {}) == [lone]


@pytest.fixture(scope="module")
def audited(tmp_path_factory) -> Path:
    """A 2,000-person synthetic case (it plants missing notices and notices to unaffected
    people) through every check stage, as the notebooks run them."""
    from workbench.synth import generate_case

    folder = tmp_path_factory.mktemp("owned")
    case_yaml = generate_case(folder / "case", 2_000, seed=5).case_yaml
    run_dir = folder / "run"
    for name in (StageName.INTAKE, *stages.CHECK_STAGES):
        stages.run(name, case_yaml, run_dir)
    return run_dir


def _one(findings, category, code) -> Finding:
    hits = [f for f in findings if f.category == category and f.code == code]
    assert len(hits) == 1, (category, code, hits)
    return hits[0]


def test_each_stage_writes_only_the_categories_it_owns(audited):
    import json

    for path in sorted((audited / "artifacts").glob("*.findings.json")):
        doc = json.loads(path.read_text())
        for f in doc["findings"]:
            assert ownership.owner_stage(f["category"]) == doc["stage"], (path.name, f["category"])


def test_the_checks_that_see_one_fact_count_the_same_people(audited):
    """One fact, one number: people with no notice at all, notices to unknown people."""
    raw = read_findings(audited)
    dq_people = _one(raw, "data_quality", "dq.population.person_without_notice")
    letters_people = _one(raw, "notice_letter", "missing_notice")
    assert dq_people.count == letters_people.count > 0
    assert dq_people.evidence["by_jurisdiction"] == letters_people.evidence["by_jurisdiction"]
    dq_unknown = _one(raw, "data_quality", "dq.population.notice_unknown_person")
    letters_unknown = _one(raw, "notice_letter", "notice_to_unaffected")
    assert dq_unknown.count == letters_unknown.evidence["rows"] > 0


def test_the_published_findings_state_each_shared_fact_once(audited):
    published = gather_findings(audited)
    codes = {(f.category, f.code) for f in published}
    assert ("data_quality", "dq.population.person_without_notice") not in codes
    assert ("notice_letter", "missing_notice") not in codes
    assert ("data_quality", "dq.population.notice_unknown_person") not in codes
    unaffected = _one(published, "notice_letter", "notice_to_unaffected")
    assert unaffected.evidence["also_seen_by"][0]["check"] == "dq.population.notice_unknown_person"
    owners = [f for f in published if f.category == "notice_timeliness" and f.code == "missing_notice"]
    assert owners and all(f.evidence["fact"] == "person_without_notice" for f in owners
                          if "also_seen_by" in f.evidence)
    # nothing is lost: every attached finding is recorded on at least one owner
    attached_ids = {s["finding"] for f in published for s in f.evidence.get("also_seen_by", [])}
    raw = read_findings(audited)
    folded_away = {f.id for f in raw} - {f.id for f in published}
    assert folded_away and folded_away <= attached_ids
    assert read_assessed(audited)["20_notice_timelines"]["individual_notice_timeliness"].is_assessed


def test_the_report_shows_which_checks_also_saw_a_fact(audited):
    from workbench.report import build_report

    out = build_report(audited, None, formats=("html",), regulators=False)
    assert {f.id for f in out.findings} == {f.id for f in gather_findings(audited)}
    html = (audited / out.outputs["html"]).read_text(encoding="utf-8")
    assert "also seen by" in html
    assert "dq.population.person_without_notice" in html


def _region_invalid(rows: int) -> Finding:
    return Finding("data_quality", "dq.affected_people.us_region_valid", "high", f"{rows} rows fail", "-",
                   subject="affected_people", count=rows)


def _not_placed(people: int) -> Finding:
    return Finding("notice_timeliness", "jurisdiction_unknown", "info", f"{people} not placed", "-",
                   jurisdiction="UNKNOWN", count=people, evidence={"residents": people})


def test_a_person_with_an_invalid_region_is_one_finding_the_data_quality_one():
    """The region a US person gives is no state: data quality states it; the timeline stage's
    'could not be placed' is the same people and attaches to it."""
    assessed = {"10_data_quality": {"suite:affected_people": assessment.assessed()},
                "20_notice_timelines": {"individual_notice_timeliness": assessment.assessed()}}
    out = ownership.fold([_region_invalid(5), _not_placed(5), UNRELATED], assessed)
    assert sorted(f.code for f in out) == ["award_in_crisis_window", "dq.affected_people.us_region_valid"]
    owner = next(f for f in out if f.category == "data_quality")
    assert owner.evidence["fact"] == "person_without_jurisdiction"
    assert [(s["check"], s["count"]) for s in owner.evidence["also_seen_by"]] == [("jurisdiction_unknown", 5)]


def test_people_not_placed_for_another_reason_stay_when_data_quality_found_nothing():
    """No region failure (a country the law data does not cover): the timeline finding stays, at info."""
    assessed = {"10_data_quality": {"suite:affected_people": assessment.assessed()}}
    out = ownership.fold([_not_placed(3)], assessed)
    assert [(f.code, f.severity) for f in out] == [("jurisdiction_unknown", "info")]
    assert out[0].evidence["owner_found_nothing"]["check"] == "dq.affected_people.us_region_valid"


def test_a_notice_before_determination_is_one_finding_the_letters_one():
    before = Finding("notice_letter", "notice_before_determination", "medium", "before", "-", count=4,
                     evidence={"rows": 4, "people": 4})
    dq = Finding("data_quality", "dq.notices.sent_at_not_before_determination", "medium", "rows fail", "-",
                 subject="notices", count=4)
    out = ownership.fold([before, dq], {})
    assert [f.code for f in out] == ["notice_before_determination"]
    assert out[0].evidence["also_seen_by"][0]["check"] == "dq.notices.sent_at_not_before_determination"
