"""One clock per law: a case gives a law its own clock-start fact (GDPR awareness later
than the first alert), and only that law's deadlines move."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.casefacts import facts_for, specificity
from workbench.errors import CaseError
from workbench.timelines import assess_case

from tests.timelines.helpers import write_case

AWARE = {"clocks": [{"laws": ["EU"], "event": "awareness", "at": "2018-11-20T10:00:00",
                     "reference": "DPO log: forensic report received"}]}


def test_gdpr_awareness_moves_only_the_eu_clock(tmp_path):
    case = write_case(tmp_path, {"discovered": "2018-11-01"},
                      [("IE1", "IE", ""), ("CA1", "US", "CA")], [],
                      regulator=[], as_of="2019-03-01", case_keys=AWARE)
    t = assess_case(case).jurisdictions.set_index("jurisdiction")
    # Art. 33: 72 hours from awareness (2018-11-20 10:00 UTC), not from discovery
    assert t.loc["EU-IE", "clock_start"] == pd.Timestamp("2018-11-20T10:00:00Z")
    assert t.loc["EU-IE", "regulator_due_at"] == pd.Timestamp("2018-11-23T10:00:00Z")
    # California keeps the incident's discovery date
    assert t.loc["US-CA", "clock_start"] == pd.Timestamp("2018-11-01T00:00:00Z")


def test_without_the_clock_the_eu_clock_starts_at_discovery(tmp_path):
    case = write_case(tmp_path, {"discovered": "2018-11-01"}, [("IE1", "IE", "")], [],
                      regulator=[], as_of="2019-03-01")
    t = assess_case(case).jurisdictions.set_index("jurisdiction")
    assert t.loc["EU-IE", "regulator_due_at"] == pd.Timestamp("2018-11-04T00:00:00Z")


def test_the_most_specific_scope_wins(tmp_path):
    keys = {"clocks": [{"laws": ["all"], "event": "determination", "at": "2018-11-05"},
                       {"laws": ["US"], "event": "determination", "at": "2018-11-06"},
                       {"laws": ["US-MD"], "event": "determination", "at": "2018-11-07"}]}
    case = write_case(tmp_path, {"discovered": "2018-11-01"}, [("MD1", "US", "MD")], as_of="2019-03-01",
                      case_keys=keys)
    assert facts_for(case, "US-MD").clocks["determination"].at.isoformat() == "2018-11-07"
    assert facts_for(case, "US-VA").clocks["determination"].at.isoformat() == "2018-11-06"
    assert facts_for(case, "EU-IE").clocks["determination"].at.isoformat() == "2018-11-05"
    assert (specificity(["US"], "US-MD"), specificity(["EU"], "EU"), specificity(["GB"], "US-MD")) == (1, 2, None)


@pytest.mark.parametrize("keys, expected", [
    ({"clocks": [{"laws": ["EU"], "event": "awareness", "at": "2018-11-20"},
                 {"laws": ["EU"], "event": "awareness", "at": "2018-11-21"}]}, "clocks[1]: awareness for EU"),
    ({"clocks": [{"laws": ["EU"], "event": "noticed", "at": "2018-11-20"}]}, "unknown clock-start event 'noticed'"),
    ({"clocks": [{"laws": ["california"], "event": "discovery", "at": "2018-11-20"}]}, "is not a law-data code"),
    ({"declared_residents": {"US-ZZ": 10}}, "unknown jurisdiction code 'US-ZZ'"),
    ({"declared_residents": {"US-CA": -1}}, "expected a whole number"),
    ({"harm_assessments": [{"laws": ["SG"], "outcome": "harm_ruled_out", "date": "2018-11-20"}]}, "reference"),
])
def test_bad_per_law_facts_are_named(tmp_path, keys, expected):
    with pytest.raises(CaseError) as err:
        write_case(tmp_path, {"discovered": "2018-11-01"}, [("MD1", "US", "MD")], as_of="2019-03-01", case_keys=keys)
    assert expected in str(err.value)
