"""Definitions of personal information: which exposed data makes a person owed a notice.

The expectations come from the statutes' own words (as quoted by the sources in
``workbench/law/data/pi_definitions.yaml``); each test names the provision it relies on.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from workbench import case
from workbench.errors import LawDataError, UnknownNameError
from workbench.law import UNKNOWN_JURISDICTION, US_REGION_CODES, load_rulebook
from workbench.law.definitions import COVERAGE_BASES, evaluate
from workbench.law.elements import DATA_ELEMENTS, ELEMENTS
from workbench.paths import LAW_DATA_DIR

BOOK = load_rulebook()
D = dt.date
US_CODES = sorted(f"US-{r}" for r in US_REGION_CODES)
ORIGINAL_ELEMENTS = ("name", "ssn", "date_of_birth", "address", "drivers_license", "state_id", "passport",
                     "payment_card", "account_number", "email", "phone", "username_password", "medical",
                     "health_insurance", "biometric", "tax_id", "dispute_documents")


# ---------------------------------------------------------------- vocabulary and coverage of the data

def test_one_vocabulary_keeps_every_original_name():
    assert case.DATA_ELEMENTS is DATA_ELEMENTS
    assert set(ORIGINAL_ELEMENTS) <= set(DATA_ELEMENTS)
    assert {"access_code", "military_id", "tribal_id", "gov_id_other", "genetic"} <= set(DATA_ELEMENTS)
    assert all(ELEMENTS[e].strip() for e in DATA_ELEMENTS)


def test_every_us_jurisdiction_has_a_cited_definition():
    for code in US_CODES:
        d = BOOK.definition(code)
        assert d is not None, code
        assert d.citation and d.source and d.confidence in ("high", "medium", "low"), code
        assert d.triggers and not d.any_personal_data, code
        assert all(t.elements <= set(ELEMENTS) for t in d.triggers), code


def test_eu_definition_applies_to_every_member_state():
    for country in BOOK.member_states:
        d = BOOK.definition(f"EU-{country}")
        assert d is not None and d.any_personal_data and d.citation == BOOK.definition("EU").citation


# ---------------------------------------------------------------- the day an element entered a definition

@pytest.mark.parametrize("code,elements,first_day,provision", [
    # Cal. Civ. Code § 1798.82(h), AB 825 (2021): genetic data, in force 2022-01-01
    ("US-CA", ["name", "genetic"], D(2022, 1, 1), "AB 825"),
    # N.Y. Gen. Bus. Law § 899-aa: medical and health insurance information from 2025-03-21
    ("US-NY", ["name", "medical"], D(2025, 3, 21), "S2659B/A8872A"),
    ("US-NY", ["name", "health_insurance"], D(2025, 3, 21), "S2376B/A4737B"),
    # Cal. Civ. Code § 1798.82(h)(2), SB 46 (2013): user name or e-mail with password, from 2014-01-01
    ("US-CA", ["username_password"], D(2014, 1, 1), "SB 46"),
])
def test_element_enters_the_definition_on_its_day(code, elements, first_day, provision):
    before = BOOK.coverage(code, elements, first_day - dt.timedelta(days=1))
    on = BOOK.coverage(code, elements, first_day)
    assert before.covered is False and before.basis == "definition", provision
    assert "are not personal information" in before.reason
    assert on.covered is True and on.basis == "definition", provision
    assert str(first_day) in on.reason and on.citation in on.reason


def test_pennsylvania_narrowed_medical_information_in_2024():
    # Act 33 of 2024 (eff. 2024-09-26): "medical information in the possession of a State agency or contractor"
    assert BOOK.coverage("US-PA", ["name", "medical"], D(2024, 9, 25)).conditional is False
    later = BOOK.coverage("US-PA", ["name", "medical"], D(2024, 9, 26))
    assert later.covered is True and later.conditional and "State agency" in later.reason


# ---------------------------------------------------------------- combinations

def test_username_and_password_alone_is_personal_information_in_california():
    # SB 46: "a user name or email address, in combination with a password or security question and answer"
    # stands on its own, outside "first name or first initial and last name in combination with"
    cov = BOOK.coverage("US-CA", ["username_password"], D(2020, 6, 1))
    assert cov.covered is True and not cov.conditional
    assert cov.trigger.elements == frozenset({"username_password"})
    assert cov.reason.startswith("username_password: personal information under Cal. Civ. Code")


@pytest.mark.parametrize("on", [D(2012, 6, 1), D(2019, 1, 1), D(2026, 1, 1)])
def test_a_name_alone_is_not_personal_information_anywhere_in_the_us(on):
    for code in US_CODES:
        cov = BOOK.coverage(code, ["name"], on)
        assert cov.covered is not True, (code, on, cov.reason)


def test_name_and_ssn_is_personal_information_with_the_reason():
    cov = BOOK.coverage("US-CA", ["ssn", "name"], D(2015, 3, 2))
    assert cov.covered is True and cov.basis == "definition" and not cov.conditional
    assert cov.reason.startswith("name + ssn: personal information under Cal. Civ. Code § 1798.82")
    assert cov.confidence == "high"


def test_contact_details_are_not_personal_information_in_california():
    cov = BOOK.coverage("US-CA", ["email", "phone"], D(2015, 3, 2))
    assert cov.covered is False
    assert cov.reason == ("elements exposed (email, phone) are not personal information under "
                          f"{BOOK.definition('US-CA').citation} on 2015-03-02")


def test_conditional_trigger_names_its_condition():
    # O.C.G.A. § 10-1-911(6): an account number counts "if circumstances exist wherein such a number could
    # be used without additional identifying information, access codes, or passwords"; and § 10-1-912 binds
    # only information brokers and data collectors
    cov = BOOK.coverage("US-GA", ["name", "account_number"], D(2020, 1, 1))
    assert cov.covered is True and cov.conditional
    assert "could be used without additional identifying information" in cov.reason
    assert "information broker" in cov.reason


def test_an_unconditional_trigger_wins_over_a_conditional_one():
    # N.Y. § 899-aa from 2019-10-23: account number alone only "if circumstances exist wherein such number
    # could be used to access an individual's financial account without" a code; with the code: always
    alone = BOOK.coverage("US-NY", ["name", "account_number"], D(2020, 1, 1))
    with_code = BOOK.coverage("US-NY", ["name", "account_number", "access_code"], D(2020, 1, 1))
    assert alone.covered is True and alone.conditional
    assert with_code.covered is True and not with_code.conditional


def test_new_york_identifier_can_stand_in_for_the_name():
    # § 899-aa(1)(a): "personal information" is information which "because of name, number, personal mark,
    # or other identifier, can be used to identify" the person
    cov = BOOK.coverage("US-NY", ["email", "ssn"], D(2020, 1, 1))
    assert cov.covered is True and cov.conditional and "standing in for the name" in cov.reason


# ---------------------------------------------------------------- safe harbours

def test_encryption_safe_harbour_with_and_without_key_compromise():
    # N.Y. § 899-aa(1)(b): "not encrypted, or encrypted with an encryption key that has also been accessed
    # or acquired"; Alaska § 45.48.090(7): "encrypted and the encryption key has been accessed or acquired"
    for code in ("US-NY", "US-AK"):
        safe = BOOK.coverage(code, ["name", "ssn"], D(2020, 1, 1), encrypted=True)
        voided = BOOK.coverage(code, ["name", "ssn"], D(2020, 1, 1), encrypted=True, key_compromised=True)
        assert safe.covered is False and safe.basis == "safe_harbor", code
        assert voided.covered is True and voided.basis == "definition" and "key" in voided.reason, code


def test_unsourced_key_proviso_cannot_be_told():
    # Alabama's key-compromise proviso was not read: encrypted data with the key taken is "cannot tell"
    cov = BOOK.coverage("US-AL", ["name", "ssn"], D(2020, 1, 1), encrypted=True, key_compromised=True)
    assert cov.covered is None and cov.basis == "safe_harbor" and "not sourced" in cov.reason


def test_tennessee_had_no_encryption_safe_harbour_in_2016():
    # SB 2005 (eff. 2016-07-01) removed the safe harbour, SB 547 (eff. 2017-04-04) restored it
    assert BOOK.coverage("US-TN", ["name", "ssn"], D(2016, 6, 30), encrypted=True).covered is False
    gap = BOOK.coverage("US-TN", ["name", "ssn"], D(2016, 8, 1), encrypted=True)
    assert gap.covered is True and "no safe harbour" in gap.reason
    assert BOOK.coverage("US-TN", ["name", "ssn"], D(2017, 4, 4), encrypted=True).covered is False


def test_redaction_is_a_safe_harbour_only_where_the_statute_says_so():
    # Alaska § 45.48.090(7): "not encrypted or redacted"; Cal. § 1798.82 names encryption only
    assert BOOK.coverage("US-AK", ["name", "ssn"], D(2020, 1, 1), redacted=True).covered is False
    ca = BOOK.coverage("US-CA", ["name", "ssn"], D(2020, 1, 1), redacted=True)
    assert ca.covered is True and "redaction is no safe harbour" in ca.reason


def test_gdpr_covers_any_personal_data_and_encryption_spares_only_the_data_subject():
    cov = BOOK.coverage("EU-DE", ["email"], D(2020, 1, 1))
    assert cov.covered is True and cov.basis == "any_personal_data" and "Art. 4(1)" in cov.reason
    enc = BOOK.coverage("EU-DE", ["email"], D(2020, 1, 1), encrypted=True)
    assert enc.covered is False and enc.basis == "safe_harbor" and "Art. 34(3)(a)" in enc.reason


# ---------------------------------------------------------------- what cannot be told

def test_unknown_elements_cannot_be_told_unless_known_ones_decide():
    cov = BOOK.coverage("US-CA", ["name", "shoe_size"], D(2020, 1, 1))
    assert cov.covered is None and cov.basis == "unknown_elements" and "shoe_size" in cov.reason
    assert BOOK.coverage("US-CA", ["name", "ssn", "shoe_size"], D(2020, 1, 1)).covered is True


def test_code_without_definition_treats_every_exposed_person_as_owed_notice():
    cov = BOOK.coverage("US-HIPAA", ["name"], D(2020, 1, 1))
    assert cov.covered is True and cov.basis == "no_definition"
    assert "holds no definition" in cov.reason and "treated as owed notice" in cov.reason


def test_unknown_code_is_an_error_but_unknown_jurisdiction_has_no_definition():
    with pytest.raises(UnknownNameError):
        BOOK.coverage("US-XX", ["name", "ssn"], D(2020, 1, 1))
    assert BOOK.coverage(UNKNOWN_JURISDICTION, ["name"], D(2020, 1, 1)).basis == "no_definition"


def test_unsourced_start_date_cannot_be_told():
    # Ind. Code § 24-4.9-2-10 as amended by P.L.98-2024: the act's effective date was not read
    cov = BOOK.coverage("US-IN", ["age_verification_data"], D(2025, 1, 1))
    assert cov.covered is None and "not sourced" in cov.reason


def test_a_date_before_the_law_data_cannot_be_told():
    cov = BOOK.coverage("US-CA", ["name", "ssn"], D(2011, 6, 1))
    assert cov.covered is None and "2012-01-01" in cov.reason


def test_every_answer_has_a_known_basis():
    for code in US_CODES + ["EU", "GB", "US-HIPAA"]:
        for elements in (["name"], ["name", "ssn"], ["username_password"], ["email", "zzz"]):
            assert BOOK.coverage(code, elements, D(2023, 5, 1)).basis in COVERAGE_BASES


def test_evaluation_is_cached_per_code_element_set_and_date():
    evaluate.cache_clear()
    for _ in range(1000):
        BOOK.coverage("US-WA", ["ssn", "name"], D(2021, 1, 1))
        BOOK.coverage("US-WA", ("name", "ssn"), D(2021, 1, 1))
    info = evaluate.cache_info()
    assert info.misses == 1 and info.hits == 1999


# ---------------------------------------------------------------- the loader's errors

def _broken(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    copy = tmp_path / "data"
    shutil.copytree(LAW_DATA_DIR, copy)
    path = copy / "pi_definitions.yaml"
    text = path.read_text(encoding="utf-8")
    at = text.index(old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy, text.count("\n", 0, at) + 1  # the line of the edit


@pytest.mark.parametrize("old,new,message", [
    ("{all: [name, genetic], since: 2022-01-01}", "{all: [name, genome], since: 2022-01-01}",
     "unknown data element 'genome'"),
    ("{all: [name, genetic], since: 2022-01-01}", "{all: [name, genetic], since: 2011-12-31}",
     "before the code's first rule version"),
    ("{all: [name, genetic], since: 2022-01-01}", "{all: [name, genetic], since: 2022-01-01, until: 2021-01-01}",
     "is not after since"),
    ("{all: [name, genetic], since: 2022-01-01}", "{all: [name, genetic], from: 2022-01-01}", "unknown key"),
    ("  - code: US-CA\n", "  - code: US-ZZ\n", "no rule versions for this code"),
    ("  - code: US-WY\n", "  - code: US-CA\n", "a second definition record"),
])
def test_broken_definitions_fail_with_file_and_line(tmp_path, old, new, message):
    folder, line = _broken(tmp_path, old, new)
    with pytest.raises(LawDataError, match=message) as err:
        load_rulebook(folder)
    assert err.value.file.endswith("pi_definitions.yaml")
    assert err.value.line == line
    assert f"pi_definitions.yaml:{line}:" in str(err.value)


def test_encryption_safe_harbour_must_agree_with_the_rule_in_force(tmp_path):
    # us_states.yaml: Tennessee's 2016-07-01 version has encryption_safe_harbor: false
    old = "{since: 2016-07-01, until: 2017-04-04, encryption: false"
    folder, line = _broken(tmp_path, old, old.replace("encryption: false", "encryption: true"))
    with pytest.raises(LawDataError, match="US-TN@2016-07-01 says encryption_safe_harbor: false") as err:
        load_rulebook(folder)
    assert err.value.line == line
