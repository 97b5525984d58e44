"""Free-text data types -> data elements through the reviewed synonym table; the rest listed."""

import pytest

from workbench.law.elements import ELEMENTS
from workbench.register.datatypes import load_synonyms, normalise_data_types


@pytest.mark.parametrize("text, elements", [
    ("Social Security Number", ("ssn",)),
    ("SSN", ("ssn",)),
    ("Driver's License", ("drivers_license",)),
    ("Name and SSN", ("name", "ssn")),
    ("Username and Password", ("username_password",)),
    ("Medical Information; Health Insurance Information", ("medical", "health_insurance")),
    ("Passport Number | Date of Birth", ("date_of_birth", "passport")),
])
def test_register_phrases_map_to_elements(text, elements):
    got = normalise_data_types(text)
    assert got.elements == elements and got.unmatched == ()


def test_a_broad_category_maps_to_several_elements_and_is_marked_broad():
    got = normalise_data_types("Financial Information")
    assert set(got.elements) == {"account_number", "payment_card", "access_code"} and got.broad


def test_unmatched_terms_are_listed_not_guessed():
    got = normalise_data_types("SSN, shoe size, Favourite colour and SSN")
    assert got.elements == ("ssn",)
    assert got.unmatched == ("shoe size", "Favourite colour")


def test_the_table_names_only_vocabulary_elements():
    table = load_synonyms()
    used = {e for v in [*table.exact.values(), *table.broad.values()] for e in v}
    assert used <= set(ELEMENTS) and len(table.exact) > 50
