"""One person per status, on the named fixture case statuses_2017 (law in force in 2017)."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.case import load_case
from workbench.sources import read_input
from workbench.timelines import (
    PERSON_STATUSES, assess_case, audit_moment, element_groups, individual_deadlines, match_notices,
    people_jurisdictions,
)

from tests.conftest import edit_case
from tests.timelines.helpers import FIXTURES

STATUSES_CASE = FIXTURES / "statuses_2017" / "case.yaml"

EXPECTED = {  # person_id -> (jurisdiction, status, label, days_late, days_overdue)
    "FL-ONTIME": ("US-FL", "on_time", "on_time", None, None),
    "FL-LATE": ("US-FL", "late", "late", 3, None),
    "FL-OVERDUE": ("US-FL", "overdue", "overdue", None, 4),
    "FL-RETURNED": ("US-FL", "missing", "missing", None, 4),
    # The Florida record carries the substitute-notice provision of s. 501.171, but the case
    # records no cost, number or contact facts, so the website notice does not count.
    "FL-SUBSTITUTE": ("US-FL", "missing", "missing", None, 4),
    "FL-BOUNCE-THEN-MAIL": ("US-FL", "on_time", "on_time", None, None),
    "FL-EARLY": ("US-FL", "on_time", "on_time", None, None),
    "WA-PENDING": ("US-WA", "pending", "pending", None, None),
    "CA-LATE-ASSESSMENT": ("US-CA", "late", "late (assessment)", 3, None),
    "AL-NO-LAW": ("US-AL", "not_required", "not_required", None, None),
    "IE-BEFORE-GDPR": ("EU-IE", "not_assessed", "not_assessed", None, None),  # Irish law before the GDPR: not modelled
    "US-REGION-ZZ": ("UNKNOWN", "not_assessed", "not_assessed", None, None),
    "VT-ONTIME": ("US-VT", "on_time", "on_time", None, None),
    "NJ-ONTIME": ("US-NJ", "on_time", "on_time (assessment)", None, None),
}


@pytest.fixture(scope="module")
def statuses() -> pd.DataFrame:
    case = load_case(STATUSES_CASE)
    people = people_jurisdictions(read_input(case, "affected_people").frame)
    deadlines = individual_deadlines(case, element_groups(people, case.incident.data_elements))
    return match_notices(people, read_input(case, "notices").frame, deadlines, audit_at=audit_moment(case),
                         incident_elements=case.incident.data_elements).set_index("person_id")


@pytest.mark.parametrize("person_id", sorted(EXPECTED))
def test_each_person_gets_the_expected_status(statuses, person_id):
    jur, status, label, late, overdue = EXPECTED[person_id]
    row = statuses.loc[person_id]
    assert (row["jurisdiction"], row["status"], row["label"]) == (jur, status, label)
    assert (None if pd.isna(row["days_late"]) else int(row["days_late"])) == late
    assert (None if pd.isna(row["days_overdue"]) else int(row["days_overdue"])) == overdue


def test_every_status_is_covered_by_the_fixture(statuses):
    assert set(statuses["status"]) == set(PERSON_STATUSES)


def test_first_valid_notice_skips_bounced_mail(statuses):
    assert statuses.loc["FL-BOUNCE-THEN-MAIL", "first_valid_notice"] == pd.Timestamp("2017-08-20T15:00:00Z")
    assert pd.isna(statuses.loc["FL-RETURNED", "first_valid_notice"])


def test_due_moment_follows_the_statute_and_the_assessment(statuses):
    # Florida: 30 days after determination (2017-08-02); California sets no number: 30 days after discovery.
    assert statuses.loc["FL-LATE", "due_at"] == pd.Timestamp("2017-09-01T23:59:59Z")
    assert statuses.loc["FL-LATE", "basis"] == "statutory"
    assert statuses.loc["CA-LATE-ASSESSMENT", "due_at"] == pd.Timestamp("2017-08-28T23:59:59Z")
    assert statuses.loc["CA-LATE-ASSESSMENT", "basis"] == "assessment"


def test_not_required_and_not_assessed_carry_a_reason(statuses):
    assert "no breach-notice law in force" in statuses.loc["AL-NO-LAW", "reason"]
    assert "maps to no jurisdiction" in statuses.loc["US-REGION-ZZ", "reason"]
    assert "none counts" in statuses.loc["FL-RETURNED", "reason"]
    assert statuses.loc["FL-SUBSTITUTE", "reason"] == ("substitute notice not counted: the case records no cost, "
                                                       "number or contact facts for Fla. Stat. § 501.171 "
                                                       "(substitute-notice clause)")


def test_encrypted_data_falls_under_the_safe_harbour(tmp_path):
    import shutil

    shutil.copytree(STATUSES_CASE.parent, tmp_path / "c")
    case = load_case(edit_case(tmp_path / "c" / "case.yaml", **{"incident.encrypted": True}))
    out = assess_case(case)
    fl = out.jurisdictions.set_index("jurisdiction").loc["US-FL"]
    assert fl["not_required"] == 7 and fl["late"] == 0 and fl["missing"] == 0
    assert "safe harbour" in fl["reason"]
    assert not [f for f in out.findings if f.jurisdiction == "US-FL" and f.category == "notice_timeliness"]


def test_duplicate_person_id_counts_once_with_its_first_row(tmp_path):
    from tests.timelines.helpers import write_case

    case = write_case(tmp_path, {"discovered": "2017-07-29", "determined": "2017-08-02"},
                      [("P1", "US", "FL"), ("P2", "US", "FL"), ("P1", "US", "TX")],
                      [("P1", "mail", "2017-08-10T12:00:00Z", "sent"), ("P2", "mail", "2017-08-10T12:00:00Z", "sent")],
                      as_of="2018-03-01")
    out = assess_case(case)
    table = out.jurisdictions.set_index("jurisdiction")
    assert table.loc["US-FL", "residents"] == 2 and "US-TX" not in table.index
    assert out.stats["duplicate_person_rows_ignored"] == 1


def test_without_a_notices_input_individual_timeliness_is_not_assessed(tmp_path):
    import shutil

    import yaml

    shutil.copytree(STATUSES_CASE.parent, tmp_path / "c")
    path = tmp_path / "c" / "case.yaml"
    doc = yaml.safe_load(path.read_text())
    del doc["inputs"]["notices"]
    path.write_text(yaml.safe_dump(doc))
    out = assess_case(load_case(path))
    assert not out.assessed["individual_notice_timeliness"].is_assessed
    assert not [f for f in out.findings if f.category == "notice_timeliness"]
    assert out.assessed["regulator_notice"].is_assessed


def test_rows_without_person_id_are_counted_not_matched(tmp_path):
    from tests.timelines.helpers import write_case

    case = write_case(tmp_path, {"discovered": "2017-07-29", "determined": "2017-08-02"},
                      [("P1", "US", "FL"), ("", "US", "FL")],
                      [("P1", "mail", "2017-08-10T12:00:00Z", "sent")], as_of="2018-03-01")
    out = assess_case(case)
    assert out.stats["people_without_id_ignored"] == 1
    assert out.jurisdictions.set_index("jurisdiction").loc["US-FL", "residents"] == 1


def test_a_notice_dated_after_the_audit_date_is_not_counted(tmp_path):
    """A far-future sent_at (data quality flags it) does not make a person 'late by decades'."""
    from tests.timelines.helpers import write_case

    case = write_case(tmp_path, {"discovered": "2017-07-29"}, [("P1", "US", "FL"), ("P2", "US", "FL")],
                      [("P1", "mail", "2099-01-01T00:00:00Z", "sent"), ("P2", "mail", "2017-08-10T12:00:00Z", "sent")],
                      as_of="2018-03-01")
    out = assess_case(case)
    row = out.jurisdictions.set_index("jurisdiction").loc["US-FL"]
    assert (row["on_time"], row["late"], row["overdue"]) == (1, 0, 1)
    assert out.stats["notices_after_audit_date_ignored"] == 1
    assert row["days_late_max"] is None or pd.isna(row["days_late_max"])
