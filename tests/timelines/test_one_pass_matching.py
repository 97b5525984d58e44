"""The one-pass person matching (:func:`workbench.timelines.matching.fold_people`) gives exactly
what the join-based engine it replaced gave: the old queries are kept here, frozen, and both
run on the same small cases (duplicated ids with different laws, rows without an id, notices
to nobody, returned, substitute, undated and after-the-audit notices, every status)."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from workbench.case import load_case
from workbench.sources import read_input
from workbench.timelines import audit_moment, element_groups, individual_deadlines, match_notices, people_jurisdictions
from workbench.timelines.clock import DAY_SECONDS
from workbench.timelines.matching import _connect, _load_frames, _register_deadlines

from tests.timelines.helpers import FIXTURES

log = logging.getLogger("tests.timelines.old_engine")
STATUSES_CASE = FIXTURES / "statuses_2017" / "case.yaml"


# ------------------------------------------------------------------ the engine of before, frozen

def old_dedupe_people(con) -> tuple[int, int]:
    """Keep the first row of every duplicated person id (data quality reports duplicates);
    drop rows without a person id (they cannot be matched to a notice). Returns the numbers
    of (duplicate rows, rows without id) dropped; both go into the stage's stats. ``people``
    is a plain projection of its source, so its rowid follows the file order."""
    con.execute("CREATE OR REPLACE TEMP TABLE people_dups AS SELECT person_id, min(rowid) AS keep "
                "FROM people GROUP BY person_id HAVING count(*) > 1")
    n = con.execute("SELECT count(*) FROM people_dups").fetchall()[0][0]
    if n:
        before = con.execute("SELECT count(*) FROM people").fetchall()[0][0]
        con.execute("DELETE FROM people WHERE person_id IN (SELECT person_id FROM people_dups) "
                    "AND rowid NOT IN (SELECT keep FROM people_dups)")
        n = before - con.execute("SELECT count(*) FROM people").fetchall()[0][0]
        log.info("%d duplicate person-id rows ignored (first row of each id kept)", n)
    no_id = con.execute("SELECT count(*) FROM people WHERE person_id IS NULL").fetchall()[0][0]
    if no_id:
        con.execute("DELETE FROM people WHERE person_id IS NULL")
        log.warning("%d affected-people rows without a person_id were left out of the timelines", no_id)
    return int(n), int(no_id)



def old_person_status_sql(audit_utc: pd.Timestamp) -> str:
    """SQL (over tables ``people``, ``notices``, ``deadlines``) for one lean row per person.

    ``people`` (person_id, c, r: normalised country and region, x: the person's raw
    data_elements, '' for the incident's list) must hold one row per person id
    (:func:`_dedupe_people`); ``pair_deadlines`` maps (c, r, x) to the deadline of the
    jurisdiction for those elements (:func:`_register_deadlines`); ``notices`` holds
    ``person_id``, ``sent_at``, ``delivered`` and ``substitute`` (see :data:`_NOTICE_COLUMNS_SQL`).
    """
    audit = audit_utc.strftime("%Y-%m-%d %H:%M:%S+00")
    return f"""
    WITH n AS (
        SELECT person_id,
               min(sent_at) FILTER (WHERE delivered AND NOT substitute) AS first_direct,
               min(sent_at) FILTER (WHERE delivered AND substitute) AS first_substitute,
               count(*) AS notice_rows
        FROM notices WHERE person_id IS NOT NULL AND sent_at IS NOT NULL AND sent_at <= TIMESTAMPTZ '{audit}'
        GROUP BY person_id),
    j AS (
        SELECT p.person_id, d.data_owner, d.jurisdiction, d.scope, d.elements, d.covered, d.basis, d.clock_start,
               d.due_at, d.applies,
               coalesce(n.notice_rows, 0) AS notice_rows,
               least(CASE WHEN d.substitute_allowed THEN least(n.first_direct, n.first_substitute)
                          ELSE n.first_direct END,
                     CASE WHEN d.group_substitute_covers = 'all' OR n.first_direct IS NULL
                          THEN d.group_substitute_at END) AS first_valid_notice
        FROM people p JOIN pair_deadlines d ON d.c = p.c AND d.r = p.r AND d.x = p.x AND d.o = p.o
                      LEFT JOIN n ON n.person_id = p.person_id),
    s AS (
        SELECT *,
            CASE WHEN applies IS NULL OR basis = 'not_assessed' THEN 'not_assessed'
                 WHEN NOT applies THEN 'not_required'
                 WHEN first_valid_notice IS NOT NULL AND first_valid_notice <= due_at THEN 'on_time'
                 WHEN first_valid_notice IS NOT NULL THEN 'late'
                 WHEN due_at < TIMESTAMPTZ '{audit}' AND notice_rows = 0 THEN 'overdue'
                 WHEN due_at < TIMESTAMPTZ '{audit}' THEN 'missing'
                 ELSE 'pending' END AS status
        FROM j)
    SELECT person_id, data_owner, jurisdiction, scope, elements, covered, first_valid_notice, status,
           CASE WHEN status = 'late'
                THEN CAST(ceil(epoch(first_valid_notice - due_at) / {DAY_SECONDS}) AS INTEGER) END AS days_late,
           CASE WHEN status IN ('overdue', 'missing')
                THEN CAST(ceil(epoch(TIMESTAMPTZ '{audit}' - due_at) / {DAY_SECONDS}) AS INTEGER) END AS days_overdue,
           CASE WHEN first_valid_notice IS NOT NULL
                THEN epoch(first_valid_notice - clock_start) / {DAY_SECONDS} END AS delay_days
    FROM s
    """



#: The per-person view published (Parquet in the run folder, :func:`match_notices`).
OLD_PERSON_EXPORT_SQL = """
SELECT s.person_id, s.data_owner, s.jurisdiction, s.scope, s.elements, d.rule_version, d.basis, d.clock_start, d.due_at, s.first_valid_notice,
       s.status,
       CASE WHEN d.basis = 'assessment' AND s.status IN ('on_time', 'late', 'overdue', 'missing', 'pending')
            THEN s.status || ' (assessment)' ELSE s.status END AS label,
       s.days_late, s.days_overdue, s.delay_days,
       CASE WHEN s.status IN ('not_required', 'not_assessed') THEN d.reason
            WHEN s.status IN ('late', 'overdue', 'missing', 'pending')
                 AND (d.group_substitute_covers IS NOT NULL AND d.group_substitute_at IS NULL
                      OR NOT d.substitute_allowed
                         AND s.person_id IN (SELECT person_id FROM notices WHERE substitute AND delivered))
            THEN d.substitute_reason
            WHEN s.status = 'missing'
            THEN 'notices exist but none counts (returned, bounced, or a substitute notice the rule does not allow)'
       END AS reason
FROM person_status s LEFT JOIN deadlines d
     ON d.data_owner = s.data_owner AND d.jurisdiction = s.jurisdiction AND d.elements = s.elements
"""



def old_match_notices(people, notices, deadlines, *, audit_at, incident_elements=()) -> pd.DataFrame:
    """``match_notices`` as it was: dedupe by DELETE, notices aggregated, then joined to people."""
    con = _connect()
    try:
        _load_frames(con, people, notices, incident_elements)
        old_dedupe_people(con)
        _register_deadlines(con, deadlines)
        con.execute("CREATE TEMP TABLE person_status AS "
                    + old_person_status_sql(pd.Timestamp(audit_at).tz_convert("UTC")))
        return con.execute(f"SELECT * FROM ({OLD_PERSON_EXPORT_SQL}) ORDER BY person_id").df()
    finally:
        con.close()


# ------------------------------------------------------------------ the cases

def _statuses_inputs():
    case = load_case(STATUSES_CASE)
    return case, read_input(case, "affected_people").frame, read_input(case, "notices").frame


def _with_awkward_rows(people: pd.DataFrame, notices: pd.DataFrame):
    """The fixture plus: a duplicated id whose second row lives elsewhere (the first row
    must win), an id twice in a row, a row without an id, a notice to nobody, an undated
    notice, one after the audit date and a delivered substitute notice to a reached person."""
    first = people.iloc[0]
    dup_elsewhere = first.copy()
    dup_elsewhere["country"], dup_elsewhere["region"] = "US", "WA"
    no_id = first.copy()
    no_id["person_id"] = None
    twin = people.iloc[1].copy()
    people = pd.concat([people, pd.DataFrame([dup_elsewhere, twin, no_id])], ignore_index=True)
    n0 = notices.iloc[0]
    extra = []
    for pid, sent, channel, status in [("NOBODY-1", "2017-08-10T10:00:00Z", "mail", "sent"),
                                       (first["person_id"], None, "mail", "sent"),
                                       (people.iloc[1]["person_id"], "2030-01-01T00:00:00Z", "mail", "sent"),
                                       (people.iloc[2]["person_id"], "2017-08-12T10:00:00Z", "substitute", "sent"),
                                       (None, "2017-08-12T10:00:00Z", "mail", "sent")]:
        row = n0.copy()
        row["person_id"], row["channel"], row["status"] = pid, channel, status
        row["sent_at"] = pd.Timestamp(sent) if sent else pd.NaT
        extra.append(row)
    notices = pd.concat([notices, pd.DataFrame(extra)], ignore_index=True)
    return people, notices


@pytest.mark.parametrize("awkward", [False, True], ids=["fixture", "fixture_with_awkward_rows"])
def test_one_pass_matching_equals_the_join_based_engine(awkward):
    case, people, notices = _statuses_inputs()
    if awkward:
        people, notices = _with_awkward_rows(people, notices)
    people = people_jurisdictions(people)
    deadlines = individual_deadlines(case, element_groups(people, case.incident.data_elements))
    args = dict(audit_at=audit_moment(case), incident_elements=case.incident.data_elements)
    new = match_notices(people, notices, deadlines, **args)
    old = old_match_notices(people, notices, deadlines, **args)
    assert len(new) == len(old) == people["person_id"].dropna().nunique()
    pd.testing.assert_frame_equal(new.reset_index(drop=True), old.reset_index(drop=True), check_dtype=False)
