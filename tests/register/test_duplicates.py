"""A duplicated incident and its amendment: flagged and linked to the first filing."""

from pathlib import Path

import pytest

from workbench.register.duplicates import flag_duplicates, organisation_key
from workbench.register.mapping import load_mapping
from workbench.register.read import read_register

FIX = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize("name", ["Acme Health, Inc.", "ACME HEALTH INC", "The Acme Health Co.", "Acme Health LLC",
                                  "acme health corp", "Acme  Health, L.L.C."])
def test_names_are_normalised_for_case_punctuation_and_legal_suffixes(name):
    assert organisation_key(name) == "acme health"


def test_a_name_that_is_only_a_suffix_word_is_kept():
    assert organisation_key("Co") == "co"


def test_a_duplicated_incident_and_an_amendment_are_linked_to_the_first_filing():
    r = read_register(FIX / "register_with_a_duplicated_incident.csv", load_mapping("generic"))
    d = flag_duplicates(r.accepted).set_index("source_row")
    assert d.loc[2, "filing"] == "first_filing" and d.loc[2, "filings_in_incident"] == 3
    assert d.loc[3, "filing"] == "amendment" and d.loc[3, "duplicate_of"] == 2
    assert d.loc[4, "filing"] == "duplicate" and d.loc[4, "duplicate_of"] == 2
    assert d.loc[2, "incident_id"] == d.loc[3, "incident_id"] == d.loc[4, "incident_id"] == "I2"


def test_same_name_other_breach_dates_is_another_incident():
    r = read_register(FIX / "register_with_a_duplicated_incident.csv", load_mapping("generic"))
    d = flag_duplicates(r.accepted).set_index("source_row")
    assert d.loc[5, "filing"] == "single" and d.loc[5, "incident_id"] == "I5"


def test_a_row_without_breach_dates_is_not_checked_never_single():
    r = read_register(FIX / "register_with_a_duplicated_incident.csv", load_mapping("generic"))
    d = flag_duplicates(r.accepted).set_index("source_row")
    assert d.loc[6, "filing"] == "not_checked" and d.loc[6, "incident_id"] == ""
