"""Every person under every law that judges them: the law of where they live, its overlays
(Quebec, CERT-In) and the sector regimes of the organisation's declared roles."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.errors import CaseError
from workbench.timelines import assess_case

from tests.timelines.helpers import write_case


def _table(case):
    out = assess_case(case)
    return out, out.jurisdictions.set_index("jurisdiction")


def test_a_quebec_resident_is_judged_under_pipeda_and_quebec_law(tmp_path):
    case = write_case(tmp_path, {"discovered": "2023-10-02"}, [("QC1", "CA", "QC"), ("ON1", "CA", "ON")],
                      [("QC1", "mail", "2023-10-20T12:00:00Z", "sent"), ("ON1", "mail", "2023-10-20T12:00:00Z", "sent")],
                      regulator=[], as_of="2024-03-01")
    out, t = _table(case)
    # the Quebec resident counts once where they live (CA-QC), and again under PIPEDA (CA)
    assert t.loc["CA-QC", "scope"] == "residence" and t.loc["CA-QC", "residents"] == 1
    assert t.loc["CA", "residents"] == 2
    people = assess_case(case, person_status_path=tmp_path / "p.parquet")
    rows = pd.read_parquet(people.person_status_path)
    assert sorted(zip(rows["person_id"], rows["jurisdiction"], rows["scope"])) == [
        ("ON1", "CA", "residence"), ("QC1", "CA", "overlay"), ("QC1", "CA-QC", "residence")]
    assert out.stats["people"] == 2


def test_a_hipaa_covered_entity_owes_each_patient_notice_within_60_days(tmp_path):
    # 45 CFR 164.404(b): no later than 60 calendar days after discovery (2019-03-01 -> 2019-04-30)
    case = write_case(tmp_path, {"discovered": "2019-03-01"}, [("P1", "US", "CA"), ("P2", "US", "TX")],
                      [("P1", "mail", "2019-05-03T12:00:00Z", "sent"), ("P2", "mail", "2019-04-20T12:00:00Z", "sent")],
                      regulator=[], as_of="2019-09-01",
                      case_keys={"organization": {"name": "Clinic", "roles": ["hipaa_covered_entity"]}})
    out, t = _table(case)
    hipaa = t.loc["US-HIPAA"]
    assert hipaa["scope"] == "sector" and hipaa["residents"] == 2
    assert hipaa["due_at"] == pd.Timestamp("2019-04-30T23:59:59Z")
    assert (hipaa["late"], hipaa["on_time"]) == (1, 1)
    late = [f for f in out.findings if f.code == "late_notice" and f.jurisdiction == "US-HIPAA"]
    assert len(late) == 1 and late[0].count == 1 and "164.4" in late[0].citation
    # fewer than 500 affected: HHS is told within 60 days after the end of the calendar year
    assert t.loc["US-HIPAA", "regulator_due_at"] == pd.Timestamp("2020-02-29T23:59:59Z")
    assert out.stats["people"] == 2 and t.loc[["US-CA", "US-TX"], "residents"].sum() == 2
    # one patient per State is not the more than 500 residents of a State that call for media notice
    assert t.loc[["US-CA", "US-TX"], "media_required"].tolist() == [False, False]
    assert "below the media threshold" in t.loc["US-CA", "media_reason"]


def test_a_hipaa_covered_entity_tells_the_media_of_a_state_with_more_than_500_residents(tmp_path):
    # 45 CFR 164.406: more than 500 residents of a State -> prominent media outlets serving it,
    # no later than 60 calendar days after discovery (2019-03-01 -> 2019-04-30); per State, on its residents
    keys = {"organization": {"name": "Clinic", "roles": ["hipaa_covered_entity"]},
            "declared_residents": {"US-TX": 501, "US-CA": 500}}
    case = write_case(tmp_path, {"discovered": "2019-03-01"}, [("P1", "US", "CA"), ("P2", "US", "TX")],
                      [("P1", "mail", "2019-04-20T12:00:00Z", "sent"), ("P2", "mail", "2019-04-20T12:00:00Z", "sent")],
                      regulator=[("US-TX", "media", "Houston Chronicle", "2019-05-15T12:00:00Z", "")],
                      as_of="2019-09-01", case_keys=keys)
    out, t = _table(case)
    assert (t.loc["US-TX", "media_required"], t.loc["US-CA", "media_required"]) == (True, False)
    assert t.loc["US-TX", "media_due_at"] == pd.Timestamp("2019-04-30T23:59:59Z")
    assert (t.loc["US-TX", "media_status"], t.loc["US-TX", "media_days_late"]) == ("late", 15)
    late = [f for f in out.findings if f.code == "media_notice_late"]
    assert [(f.jurisdiction, f.count, f.subject) for f in late] == [("US-TX", 501, "media")]
    assert "164.4" in late[0].citation and "media outlets serving" in late[0].title
    assert not [f for f in out.findings if f.code.startswith("media_notice") and f.jurisdiction == "US-CA"]
    assert not any(k.endswith("media_notice") for k in out.assessed)  # judged, no longer "not assessed"


def test_law_deadlines_lists_the_media_notice_per_state_as_the_audit_judges_it(tmp_path):
    from workbench.law import load_rulebook
    from workbench.law.deadlines import obligations_for

    keys = {"organization": {"name": "Clinic", "roles": ["hipaa_covered_entity"]}}
    case = write_case(tmp_path, {"discovered": "2019-03-01"}, [("P1", "US", "TX")], as_of="2019-09-01",
                      case_keys=keys)
    obligations = obligations_for(load_rulebook(), case, {"US-TX": 900, "US-CA": 40})
    media = [(o.code, o.residents, o.due.due_at.date().isoformat()) for o in obligations if o.obligation == "media"]
    assert media == [("US-TX", 900, "2019-04-30")]


def test_an_sec_registrant_files_item_1_05_within_four_business_days_of_materiality(tmp_path):
    # Form 8-K Item 1.05: four business days after the materiality determination (Thu 2024-02-01 -> Wed 02-07)
    keys = {"organization": {"name": "Issuer", "roles": ["sec_registrant"]},
            "clocks": [{"laws": ["US-SEC-8K"], "event": "materiality_determination", "at": "2024-02-01"}]}
    case = write_case(tmp_path, {"discovered": "2024-01-15"}, [("P1", "US", "NY")],
                      [("P1", "mail", "2024-01-30T12:00:00Z", "sent")],
                      regulator=[("US-SEC-8K", "regulator", "SEC", "2024-02-09T15:00:00Z", "")],
                      as_of="2024-06-01", case_keys=keys)
    out, t = _table(case)
    sec = t.loc["US-SEC-8K"]
    assert sec["scope"] == "sector" and sec["residents"] == 1
    assert sec["regulator_due_at"] == pd.Timestamp("2024-02-07T23:59:59Z")
    assert sec["regulator_status"] == "late" and sec["regulator_days_late"] == 2
    assert sec["not_required"] == 0 and sec["late"] == 0  # nobody is owed an Item 1.05 notice


def test_a_role_the_law_data_does_not_model_is_not_assessed(tmp_path):
    case = write_case(tmp_path, {"discovered": "2019-03-01"}, [("P1", "US", "CA")], as_of="2019-09-01",
                      case_keys={"organization": {"name": "Vendor", "roles": ["hipaa_business_associate"]}})
    out = assess_case(case)
    state = out.assessed["role:hipaa_business_associate"]
    assert not state.is_assessed and "164.410" in state.reason


def test_an_unknown_role_is_named(tmp_path):
    with pytest.raises(CaseError, match="unknown role.*hipaa_entity.*known: .*hipaa_covered_entity"):
        write_case(tmp_path, {"discovered": "2019-03-01"}, [("P1", "US", "CA")], as_of="2019-09-01",
                   case_keys={"organization": {"name": "X", "roles": ["hipaa_entity"]}})


def test_law_deadlines_lists_the_regimes_of_the_declared_roles(tmp_path):
    from workbench.law import load_rulebook
    from workbench.law.deadlines import obligations_for

    keys = {"organization": {"name": "Issuer", "roles": ["sec_registrant"]},
            "clocks": [{"laws": ["US-SEC-8K"], "event": "materiality_determination", "at": "2024-02-01"}]}
    case = write_case(tmp_path, {"discovered": "2024-01-15"}, [("P1", "US", "NY")], as_of="2024-06-01",
                      case_keys=keys)
    obligations = obligations_for(load_rulebook(), case, {"US-NY": 1})
    sec = [o for o in obligations if o.code == "US-SEC-8K"]
    assert [o.obligation for o in sec] == ["regulator"]
    assert sec[0].due.due_at.date().isoformat() == "2024-02-07"


@pytest.mark.parametrize("declared, required", [(None, False), (1200, True)])
def test_a_sample_people_table_still_triggers_the_duty_of_the_declared_count(tmp_path, declared, required):
    # California: the Attorney General is told when more than 500 residents are notified
    # (Cal. Civ. Code § 1798.82(f)); the table holds a sample of 3, the organisation counted 1,200.
    keys = {"declared_residents": {"US-CA": declared}} if declared else {}
    case = write_case(tmp_path, {"discovered": "2019-03-01"}, [("P1", "US", "CA"), ("P2", "US", "CA"),
                                                               ("P3", "US", "CA")],
                      regulator=[], as_of="2019-09-01", case_keys=keys)
    out, t = _table(case)
    row = t.loc["US-CA"]
    assert row["residents"] == 3 and bool(row["regulator_required"]) is required
    assert row["threshold_residents"] == (declared or 3)
    assert row["threshold_residents_source"] == ("declared" if declared else "people table")
    missing = [f for f in out.findings if f.code == "regulator_notice_missing" and f.jurisdiction == "US-CA"]
    assert len(missing) == (1 if required else 0)


def test_a_declared_jurisdiction_absent_from_the_sample_is_still_judged(tmp_path):
    case = write_case(tmp_path, {"discovered": "2019-03-01"}, [("P1", "US", "CA")], regulator=[],
                      as_of="2019-09-01", case_keys={"declared_residents": {"US-WA": 900}})
    out, t = _table(case)
    assert t.loc["US-WA", "residents"] == 0 and t.loc["US-WA", "threshold_residents"] == 900
    assert bool(t.loc["US-WA", "regulator_required"])  # RCW 19.255.010: AG when more than 500 residents


@pytest.mark.parametrize("roles, basis", [([], "not_assessed"), (["information_broker"], "assessment")])
def test_georgia_binds_only_information_brokers_and_agencies(tmp_path, roles, basis):
    # O.C.G.A. § 10-1-912(a): "any information broker or data collector"; an ordinary business owes no
    # Georgia notice, and one that does not say what it is gets "not assessed", never a deadline.
    keys = {"organization": {"name": "Org", "roles": roles}}
    case = write_case(tmp_path, {"discovered": "2019-03-01"}, [("G1", "US", "GA")], [], regulator=[],
                      as_of="2019-09-01", case_keys=keys)
    out, t = _table(case)
    row = t.loc["US-GA"]
    assert row["basis"] == basis
    if not roles:
        assert row["not_assessed"] == 1 and "binds only holders that are information_broker" in row["reason"]
        assert not [f for f in out.findings if f.jurisdiction == "US-GA" and f.code == "missing_notice"]
    else:
        assert row["missing"] == 1  # the broker owed its Georgia resident a notice and sent none
