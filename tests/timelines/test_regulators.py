"""Regulator and credit-bureau duties: thresholds at their edges, timing, resident counts."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.case import load_case
from workbench.timelines import assess_case, regulator_table, timeline_findings

from tests.timelines.helpers import FIXTURES, write_case

CASE = load_case(FIXTURES / "statuses_2017" / "case.yaml")  # as_of 2017-09-05, determined 2017-08-02
REG_COLUMNS = ["jurisdiction", "recipient_type", "recipient", "sent_at", "residents_reported"]


def _summary(code: str, residents: int, first_notice: str | None = "2017-08-10T15:00:00Z") -> pd.DataFrame:
    return pd.DataFrame({"jurisdiction": [code], "residents": [residents],
                         "first_notice_at": [pd.Timestamp(first_notice) if first_notice else pd.NaT]})


def _reg(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=REG_COLUMNS)
    frame["sent_at"] = pd.to_datetime(frame["sent_at"], utc=True)
    return frame


@pytest.mark.parametrize("residents, required", [(499, False), (500, True), (501, True)])
def test_florida_attorney_general_threshold_500(residents, required):
    row = regulator_table(CASE, _summary("US-FL", residents), _reg([])).iloc[0]
    assert bool(row["regulator_required"]) is required
    assert row["regulator_status"] == ("missing" if required else "not_required")
    if required:  # 30 days after determination, passed before the 2017-09-05 audit date
        assert row["regulator_due_at"] == pd.Timestamp("2017-09-01T23:59:59Z")


@pytest.mark.parametrize("residents, required", [(1000, False), (1001, True)])
def test_florida_credit_bureau_threshold_1001_and_nationwide_row(residents, required):
    reg = _reg([("US", "consumer_reporting_agency", "Experian", "2017-08-11T12:00:00Z", 5000)])
    row = regulator_table(CASE, _summary("US-FL", residents), reg).iloc[0]
    assert bool(row["cra_required"]) is required
    assert row["cra_status"] == ("on_time" if required else "sent_not_required")
    assert row["cra_recipients"] == 1


def test_credit_bureau_row_for_the_us_does_not_count_abroad():
    reg = _reg([("US", "consumer_reporting_agency", "Experian", "2017-08-11T12:00:00Z", 5000)])
    row = regulator_table(CASE, _summary("EU-IE", 5000), reg).iloc[0]
    assert row["cra_recipients"] == 0


def test_regulator_notice_after_individual_notice_is_late_where_due_before():
    # New Jersey: the State Police must hear before residents are told.
    reg = _reg([("US-NJ", "regulator", "NJ State Police", "2017-08-12T12:00:00Z", 1)])
    row = regulator_table(CASE, _summary("US-NJ", 1), reg).iloc[0]
    assert row["regulator_status"] == "late" and row["regulator_days_late"] == 2
    assert row["residents_reported_matches"]


def test_residents_reported_mismatch_gives_one_finding_with_the_difference():
    out = assess_case(CASE)
    vt = out.jurisdictions.set_index("jurisdiction").loc["US-VT"]
    assert vt["regulator_status"] == "on_time" and vt["residents_reported"] == 3 and not vt["residents_reported_matches"]
    found = [f for f in out.findings if f.code == "residents_reported_mismatch"]
    assert [(f.jurisdiction, f.count, f.evidence["residents_reported"]) for f in found] == [("US-VT", 2, 3)]
    assert found[0].citation.startswith("9 V.S.A.")


def test_latest_regulator_notice_carries_the_reported_count():
    reg = _reg([("US-VT", "attorney_general", "VT AG", "2017-08-09T12:00:00Z", 3),
                ("US-VT", "attorney_general", "VT AG", "2017-08-20T12:00:00Z", 1)])
    row = regulator_table(CASE, _summary("US-VT", 1), reg).iloc[0]
    assert row["regulator_status"] == "on_time" and row["residents_reported"] == 1 and row["residents_reported_matches"]


def test_regulator_findings_are_per_jurisdiction_with_citation():
    reg = _reg([])
    table = regulator_table(CASE, _summary("US-FL", 250_000), reg)
    table["residents"] = 250_000
    table["jurisdiction_name"] = "Florida"
    found = {f.code: f for f in timeline_findings(table)}
    assert set(found) == {"regulator_notice_missing", "cra_notice_missing"}
    assert found["regulator_notice_missing"].citation == "Fla. Stat. § 501.171"
    assert found["regulator_notice_missing"].severity == "high"  # 100k+ residents, 4 days overdue
    assert found["cra_notice_missing"].category == "cra_notice"


def test_gdpr_72_hours_from_the_moment_of_awareness(tmp_path):
    incident = {"discovered": "2018-06-04", "discovered_at": "2018-06-04T10:30:00+00:00", "determined": "2018-06-05"}
    people = [("IE1", "IE", ""), ("IE2", "IE", ""), ("FR1", "FR", "")]
    notices = [("IE1", "email", "2018-06-20T09:00:00Z", "sent"), ("IE2", "mail", "2018-07-10T09:00:00Z", "sent"),
               ("FR1", "mail", "2018-06-20T09:00:00Z", "sent")]
    regs = [("EU-IE", "supervisory_authority", "Data Protection Commission", "2018-06-07T10:29:00Z", 2),
            ("EU-FR", "supervisory_authority", "CNIL", "2018-06-07T10:31:00Z", 1)]
    out = assess_case(write_case(tmp_path, incident, people, notices, regs))
    t = out.jurisdictions.set_index("jurisdiction")
    assert t.loc["EU-IE", "regulator_due_at"] == pd.Timestamp("2018-06-07T10:30:00Z")
    assert t.loc["EU-IE", "regulator_status"] == "on_time"
    assert t.loc["EU-FR", "regulator_status"] == "late" and t.loc["EU-FR", "regulator_days_late"] == 1
    # individuals: "without undue delay" -> assessment_days (30) from awareness, labelled as such
    assert t.loc["EU-IE", "basis"] == "assessment" and t.loc["EU-IE", "late"] == 1 and t.loc["EU-IE", "on_time"] == 1
    late = [f for f in out.findings if f.code == "late_notice"]
    assert late and "assessment, not statutory" in late[0].citation and "assessment, not statutory" in late[0].detail
    reg_late = [f for f in out.findings if f.code == "regulator_notice_late"]
    assert [f.jurisdiction for f in reg_late] == ["EU-FR"] and reg_late[0].citation.startswith("Regulation (EU) 2016/679")


def test_gdpr_lead_authority_row_counts_for_member_states(tmp_path):
    incident = {"discovered": "2018-06-04", "discovered_at": "2018-06-04T10:30:00+00:00", "determined": "2018-06-05"}
    out = assess_case(write_case(tmp_path, incident, [("DE1", "DE", "")],
                                 [("DE1", "mail", "2018-06-20T09:00:00Z", "sent")],
                                 [("EU", "supervisory_authority", "lead authority", "2018-06-06T09:00:00Z", 1)]))
    assert out.jurisdictions.set_index("jurisdiction").loc["EU-DE", "regulator_status"] == "on_time"
