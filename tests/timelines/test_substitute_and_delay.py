"""The case side of law-enforcement delays and substitute notices: a documented delay moves
a deadline only where the law data says the statute allows one, and a substitute notice
counts only where the case's facts meet the statute's conditions (Cal. Civ. Code § 1798.82:
cost over $250,000, over 500,000 people, or insufficient contact details)."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.casefacts import facts_for
from workbench.errors import CaseError
from workbench.timelines import assess_case

from tests.timelines.helpers import write_case

DISCOVERED = {"discovered": "2026-01-05"}  # California SB 446 (30 days) is in force from 2026-01-01
AS_OF = "2026-06-01"
DUE_WITHOUT_DELAY = pd.Timestamp("2026-02-04T23:59:59Z")  # 30 calendar days after 2026-01-05

FBI_DELAY = {"laws": ["US"], "requested": "2026-01-10", "ended": "2026-02-09", "agency": "FBI",
             "reference": "FBI letter of 2026-01-10"}


def _substitute(**facts) -> dict:
    entry = {"laws": ["US-CA"], "given": "2026-01-20", "methods": ["email", "website", "statewide_media"],
             "cost_usd": 300_000, "people": 1_200, "lacks_contact": False, "reference": "press release"}
    return {"substitute_notices": [{**entry, **facts}]}


def _run(tmp_path, people, notices=(), case_keys=None):
    """The jurisdiction table and the per-person statuses (by person id) of a small case."""
    case = write_case(tmp_path, DISCOVERED, people, notices, as_of=AS_OF, case_keys=case_keys)
    out = assess_case(case, person_status_path=tmp_path / "people.parquet")
    people = pd.read_parquet(tmp_path / "people.parquet").set_index("person_id")
    return out, out.jurisdictions.set_index("jurisdiction"), people


# ---------------------------------------------------------------- law-enforcement delay

def test_a_documented_delay_moves_the_california_deadline_by_its_length(tmp_path):
    out, table, people = _run(tmp_path, [("CA1", "US", "CA")], [("CA1", "mail", "2026-03-01T10:00:00Z", "sent")],
                              {"law_enforcement_delays": [FBI_DELAY]})
    # 30 days of delay (2026-01-10 .. 2026-02-09): due 2026-03-06 instead of 2026-02-04
    assert table.loc["US-CA", "due_at"] == DUE_WITHOUT_DELAY + pd.Timedelta(days=30)
    assert "extended by the law-enforcement delay" in table.loc["US-CA", "reason"]
    assert "Cal. Civ. Code § 1798.82, law-enforcement delay subdivision" in table.loc["US-CA", "reason"]
    assert people.loc["CA1", "status"] == "on_time"


def test_without_the_delay_the_same_notice_is_late(tmp_path):
    _, table, people = _run(tmp_path, [("CA1", "US", "CA")], [("CA1", "mail", "2026-03-01T10:00:00Z", "sent")])
    assert table.loc["US-CA", "due_at"] == DUE_WITHOUT_DELAY
    assert people.loc["CA1", "status"] == "late"


def test_a_delay_in_a_state_without_a_delay_provision_in_the_data_moves_nothing(tmp_path):
    # Texas since 2023-09-01: 60 days from determination (2026-01-05 -> Fri 2026-03-06); its record
    # holds no law-enforcement delay provision (tests/law/test_law_enforcement_delay.py)
    _, table, people = _run(tmp_path, [("TX1", "US", "TX")], [("TX1", "mail", "2026-03-08T10:00:00Z", "sent")],
                            {"law_enforcement_delays": [FBI_DELAY]})
    assert table.loc["US-TX", "due_at"] == pd.Timestamp("2026-03-06T23:59:59Z")
    assert ("law-enforcement delay not applied: the law data does not record whether US-TX@2023-09-01 allows one"
            in table.loc["US-TX", "reason"])
    assert people.loc["TX1", "status"] == "late"


def test_a_delay_still_in_force_runs_until_the_audit_moment(tmp_path):
    delay = {k: v for k, v in FBI_DELAY.items() if k != "ended"}
    _, table, people = _run(tmp_path, [("CA1", "US", "CA")], [], {"law_enforcement_delays": [delay]})
    # requested 2026-01-10, still in force on the audit date 2026-06-01: 142 days of delay
    assert table.loc["US-CA", "due_at"] == DUE_WITHOUT_DELAY + pd.Timedelta(days=142)
    assert people.loc["CA1", "status"] == "pending"


@pytest.mark.parametrize("year, version", [(2013, "US-CA@2012-01-01"), (2019, "US-CA@2015-01-01")])
def test_before_sb_446_a_delay_moves_the_california_yardstick_by_its_length(tmp_path, year, version):
    # Before 2026 California set no number: the case's 30-day assessment yardstick (Mon 03-04 -> 04-03)
    # moves by the 20-day delay (03-06 .. 03-26) to 04-23, as § 1798.82(c) has let law enforcement
    # delay the notice since SB 1386 (2003); a notice on 04-15 is then on time, late without the delay.
    delay = {**FBI_DELAY, "requested": f"{year}-03-06", "ended": f"{year}-03-26"}
    notice = [("CA1", "mail", f"{year}-04-15T10:00:00Z", "sent")]
    results = {}
    for name, keys in (("with", {"law_enforcement_delays": [delay]}), ("without", None)):
        case = write_case(tmp_path / name, {"discovered": f"{year}-03-04"}, [("CA1", "US", "CA")], notice,
                          as_of=f"{year}-09-01", case_keys=keys)
        out = assess_case(case, person_status_path=tmp_path / name / "people.parquet")
        people = pd.read_parquet(tmp_path / name / "people.parquet").set_index("person_id")
        results[name] = out.jurisdictions.set_index("jurisdiction").loc["US-CA"], people.loc["CA1", "status"]
    (with_delay, status_with), (without, status_without) = results["with"], results["without"]
    assert with_delay["rule_version"] == version and with_delay["basis"] == "assessment"
    assert with_delay["due_at"] == pd.Timestamp(f"{year}-04-23T23:59:59Z")
    assert "Cal. Civ. Code § 1798.82(c)" in with_delay["reason"]
    assert status_with == "on_time"
    assert without["due_at"] == pd.Timestamp(f"{year}-04-03T23:59:59Z") and status_without == "late"


def test_the_ag_sample_notice_follows_the_delayed_individual_due_moment(tmp_path):
    keys = {"law_enforcement_delays": [FBI_DELAY], "declared_residents": {"US-CA": 600}}
    _, table, _ = _run(tmp_path, [("CA1", "US", "CA")], [], keys)
    # no individual notice sent: 15 days after the delayed individual due moment (2026-03-06), a
    # Saturday moved to Monday under Cal. Code Civ. Proc. § 12a (without the delay: 2026-02-19)
    assert table.loc["US-CA", "regulator_due_at"] == pd.Timestamp("2026-03-23T23:59:59Z")
    assert "anchored on the individual notice's due moment" in table.loc["US-CA", "regulator_reason"]


def test_a_harm_assessment_reaches_the_regulator_duty_too(tmp_path):
    harm = {"harm_assessments": [{"laws": ["US-FL"], "outcome": "harm_ruled_out", "date": "2026-01-20",
                                  "reference": "counsel memo"}], "declared_residents": {"US-FL": 600}}
    _, table, people = _run(tmp_path, [("FL1", "US", "FL")], [], harm)
    assert people.loc["FL1", "status"] == "not_required"
    assert not table.loc["US-FL", "regulator_required"]
    assert "harm assessment rules out" in table.loc["US-FL", "regulator_reason"]


# ---------------------------------------------------------------- substitute notice

def test_a_substitute_notice_whose_conditions_hold_reaches_everyone_on_time(tmp_path):
    out, _, people = _run(tmp_path, [("CA1", "US", "CA"), ("CA2", "US", "CA")], [], _substitute())
    row = out.deadlines.set_index("jurisdiction").loc["US-CA"]
    assert bool(row["substitute_allowed"])
    assert row["group_substitute_at"] == pd.Timestamp("2026-01-20T23:59:59Z")  # a date: the end of that day
    assert "cost of notice 300,000 is over 250,000" in row["substitute_reason"]
    assert list(people["status"]) == ["on_time", "on_time"]
    assert (people["first_valid_notice"] == pd.Timestamp("2026-01-20T23:59:59Z")).all()


def test_a_substitute_notice_below_the_cost_threshold_does_not_count(tmp_path):
    out, _, people = _run(tmp_path, [("CA1", "US", "CA"), ("CA2", "US", "CA")],
                          [("CA2", "mail", "2026-03-01T10:00:00Z", "sent")], _substitute(cost_usd=200_000))
    row = out.deadlines.set_index("jurisdiction").loc["US-CA"]
    assert not row["substitute_allowed"] and pd.isna(row["group_substitute_at"])
    assert (people.loc["CA1", "status"], people.loc["CA2", "status"]) == ("overdue", "late")
    expected = ("substitute notice not counted: substitute notice not permitted under Cal. Civ. Code § 1798.82 "
                "(substitute-notice clause): cost of notice 200,000 is not over 250,000; people to notify 1,200 is "
                "not over 500,000; contact information is sufficient")
    assert list(people["reason"]) == [expected, expected]


@pytest.mark.parametrize("cost, counted", [(250_000, False), (250_001, True)])
def test_cost_exactly_at_the_threshold_is_not_over_it(tmp_path, cost, counted):
    out, _, people = _run(tmp_path, [("CA1", "US", "CA")], [], _substitute(cost_usd=cost))
    row = out.deadlines.set_index("jurisdiction").loc["US-CA"]
    assert bool(row["substitute_allowed"]) is counted
    assert people.loc["CA1", "status"] == ("on_time" if counted else "overdue")
    assert (f"cost of notice {cost:,} is {'' if counted else 'not '}over 250,000") in row["substitute_reason"]


def test_insufficient_contact_details_alone_permit_the_substitute_notice(tmp_path):
    _, _, people = _run(tmp_path, [("CA1", "US", "CA")], [], _substitute(cost_usd=1_000, lacks_contact=True))
    assert people.loc["CA1", "status"] == "on_time"


def test_unknown_facts_do_not_make_a_substitute_notice_count(tmp_path):
    out, _, people = _run(tmp_path, [("CA1", "US", "CA")], [],
                          _substitute(cost_usd=None, people=None, lacks_contact=None))
    assert people.loc["CA1", "status"] == "overdue"
    assert "substitute notice not shown under Cal. Civ. Code § 1798.82" in people.loc["CA1", "reason"]


def test_a_substitute_notice_without_the_statutes_methods_does_not_count(tmp_path):
    out, _, people = _run(tmp_path, [("CA1", "US", "CA")], [], _substitute(methods=["website"]))
    row = out.deadlines.set_index("jurisdiction").loc["US-CA"]
    assert bool(row["substitute_allowed"]) and pd.isna(row["group_substitute_at"])  # conditions hold, methods not
    assert people.loc["CA1", "status"] == "overdue"
    assert "not counted: it lacks the required methods" in people.loc["CA1", "reason"]


def test_a_substitute_notice_for_people_without_contact_skips_people_reached_directly(tmp_path):
    notices = [("CA1", "mail", "2026-03-01T10:00:00Z", "sent"),       # reached directly, late
               ("CA2", "mail", "2026-01-15T10:00:00Z", "returned")]   # no working address
    _, _, people = _run(tmp_path, [("CA1", "US", "CA"), ("CA2", "US", "CA"), ("CA3", "US", "CA")], notices,
                        _substitute(covers="people_without_contact", lacks_contact=True))
    assert list(people["status"]) == ["late", "on_time", "on_time"]


def test_a_per_person_substitute_notice_without_the_case_facts_does_not_count(tmp_path):
    out, _, people = _run(tmp_path, [("CA1", "US", "CA")], [("CA1", "substitute", "2026-01-20T10:00:00Z", "sent")])
    row = out.deadlines.set_index("jurisdiction").loc["US-CA"]
    assert not row["substitute_allowed"]
    assert people.loc["CA1", "status"] == "missing"
    assert people.loc["CA1", "reason"] == ("substitute notice not counted: the case records no cost, number or "
                                           "contact facts for Cal. Civ. Code § 1798.82 (substitute-notice clause)")


def test_a_per_person_substitute_notice_counts_when_the_case_facts_meet_the_conditions(tmp_path):
    _, _, people = _run(tmp_path, [("CA1", "US", "CA")], [("CA1", "substitute", "2026-01-20T10:00:00Z", "sent")],
                        _substitute(given="2026-01-25"))
    assert people.loc["CA1", "status"] == "on_time"
    assert people.loc["CA1", "first_valid_notice"] == pd.Timestamp("2026-01-20T10:00:00Z")


# ---------------------------------------------------------------- case.yaml

def test_the_most_specific_entry_wins_for_delays_and_substitutes(tmp_path):
    keys = {"law_enforcement_delays": [FBI_DELAY, {**FBI_DELAY, "laws": ["US-CA"], "requested": "2026-01-12"}],
            **_substitute()}
    case = write_case(tmp_path, DISCOVERED, [("CA1", "US", "CA")], as_of=AS_OF, case_keys=keys)
    assert str(facts_for(case, "US-CA").delay.requested) == "2026-01-12"
    assert str(facts_for(case, "US-WA").delay.requested) == "2026-01-10"
    assert facts_for(case, "US-CA").substitute.cost_usd == 300_000 and facts_for(case, "US-WA").substitute is None


@pytest.mark.parametrize("keys, expected", [
    ({"law_enforcement_delays": [{**FBI_DELAY, "ended": "2026-01-09"}]},
     "law_enforcement_delays.0: ended 2026-01-09 is before requested 2026-01-10"),
    ({"law_enforcement_delays": [{**FBI_DELAY, "ended": "2026-07-01"}]},
     "law_enforcement_delays[0].ended: 2026-07-01 is after parameters.as_of 2026-06-01"),
    ({"law_enforcement_delays": [{**FBI_DELAY, "requested": "2025-12-01"}]},
     "law_enforcement_delays[0].requested: 2025-12-01 is before incident.breach_start"),
    ({"law_enforcement_delays": [{k: v for k, v in FBI_DELAY.items() if k != "reference"}]},
     "law_enforcement_delays.0.reference: required but missing"),
    ({"law_enforcement_delays": [FBI_DELAY, {**FBI_DELAY, "laws": ["US"]}]},
     "law_enforcement_delays[1]: US is already given by law_enforcement_delays[0]"),
    (_substitute(methods=["fax"]), "substitute_notices.0.methods: unknown method(s) fax; known: email, website"),
    (_substitute(covers="some"), "substitute_notices.0.covers"),
    (_substitute(cost_usd=-1), "substitute_notices.0.cost_usd"),
    (_substitute(given="2026-06-01"), "substitute_notices[0].given: 2026-06-01 is not before parameters.as_of"),
])
def test_bad_delay_and_substitute_facts_are_named(tmp_path, keys, expected):
    with pytest.raises(CaseError) as err:
        write_case(tmp_path, DISCOVERED, [("CA1", "US", "CA")], as_of=AS_OF, case_keys=keys)
    assert expected in str(err.value)
