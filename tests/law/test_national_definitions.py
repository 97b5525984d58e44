"""A member state's own pre-GDPR definition wins on its dates; the GDPR record applies after.

Germany, BDSG (old) § 42a (2009-09-01 .. 2018-05-24): only listed categories (special categories
of § 3(9), offences, bank or credit card accounts...). Netherlands, Wbp art. 34a (2016-01-01 ..
2018-05-24): any personal data, under the Wbp's own citation. From 2018-05-25: GDPR Art. 4(1).
"""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

from workbench.errors import LawDataError
from workbench.law import load_rulebook
from workbench.paths import LAW_DATA_DIR
from workbench.timelines import assess_case

from tests.timelines.helpers import write_case

BOOK = load_rulebook()
D = dt.date
BDSG = "BDSG (old) § 42a"
GDPR = "Regulation (EU) 2016/679"


@pytest.mark.parametrize("code, on, citation", [
    ("EU-DE", D(2009, 9, 1), BDSG),
    ("EU-DE", D(2018, 5, 24), BDSG),
    ("EU-DE", D(2018, 5, 25), GDPR),
    ("EU-NL", D(2016, 1, 1), "Wbp art. 1(a)"),
    ("EU-NL", D(2018, 5, 24), "Wbp art. 1(a)"),
    ("EU-NL", D(2018, 5, 25), GDPR),
    ("EU-FR", D(2017, 1, 1), GDPR),          # no national record: the EU copy, dated or not
])
def test_the_record_in_force_on_the_day_is_chosen(code, on, citation):
    assert BOOK.definition(code, on).citation.startswith(citation)


def test_without_a_day_the_general_record_is_given():
    assert BOOK.definition("EU-DE").citation.startswith(GDPR)


def test_names_and_addresses_are_no_listed_category_under_42a():
    cov = BOOK.coverage("EU-DE", ["name", "address"], D(2017, 3, 1))
    assert cov.covered is False and cov.basis == "definition"
    assert f"are not personal information under {BDSG}" in cov.reason


@pytest.mark.parametrize("element", ["account_number", "payment_card", "medical", "special_category",
                                     "criminal_offences"])
def test_listed_categories_are_covered_under_42a(element):
    cov = BOOK.coverage("EU-DE", ["name", element], D(2017, 3, 1))
    assert cov.covered is True and not cov.conditional and BDSG in cov.reason


def test_health_insurance_counts_only_where_it_reveals_health():
    cov = BOOK.coverage("EU-DE", ["name", "health_insurance"], D(2017, 3, 1))
    assert cov.covered is True and cov.conditional and "health" in cov.reason


def test_biometric_data_are_not_in_the_old_special_categories():
    assert BOOK.coverage("EU-DE", ["name", "biometric"], D(2017, 3, 1)).covered is False


def test_after_the_gdpr_names_alone_are_personal_data_in_germany():
    cov = BOOK.coverage("EU-DE", ["name"], D(2019, 3, 1))
    assert cov.covered is True and cov.basis == "any_personal_data" and cov.citation.startswith(GDPR)


def test_the_dutch_duty_covers_any_personal_data_under_the_wbp():
    cov = BOOK.coverage("EU-NL", ["name", "address"], D(2017, 3, 1))
    assert cov.covered is True and cov.basis == "any_personal_data" and "Wbp" in cov.reason


def test_the_new_elements_make_nothing_personal_information_in_a_us_state():
    assert BOOK.coverage("US-CA", ["name", "special_category", "criminal_offences"], D(2020, 1, 1)).covered is False


# ---------------------------------------------------------------- the loader

def _with(tmp_path, old, new):
    folder = tmp_path / "data"
    shutil.copytree(LAW_DATA_DIR, folder)
    path = folder / "pi_definitions.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def test_overlapping_dated_records_are_refused(tmp_path):
    nl = "  - code: EU-NL\n    term: \"persoonsgegevens (personal data)\"\n"
    folder = _with(tmp_path, nl, nl.replace("EU-NL", "EU-DE"))
    with pytest.raises(LawDataError, match="overlaps the one at line") as err:
        load_rulebook(folder)
    assert err.value.file.endswith("pi_definitions.yaml") and err.value.line


def test_a_dated_record_that_ends_before_it_starts_is_refused(tmp_path):
    folder = _with(tmp_path, "    since: 2016-01-01\n    until: 2018-05-25\n",
                   "    since: 2016-01-01\n    until: 2015-01-01\n")
    with pytest.raises(LawDataError, match="until: 2015-01-01 is not after since 2016-01-01"):
        load_rulebook(folder)


# ---------------------------------------------------------------- a German case, before and after the GDPR

def _german_case(tmp_path, discovered, elements):
    case = write_case(tmp_path, {"discovered": discovered, "determined": discovered, "data_elements": elements},
                      [("DE1", "DE", "", "|".join(elements))], as_of=f"{discovered[:4]}-12-31")
    out = assess_case(case, person_status_path=tmp_path / "people.parquet")
    people = pd.read_parquet(tmp_path / "people.parquet").set_index("person_id")
    return out.jurisdictions.set_index("jurisdiction").loc["EU-DE"], people.loc["DE1"]


def test_a_2017_breach_of_names_and_addresses_is_owed_no_notice_under_42a(tmp_path):
    row, person = _german_case(tmp_path, "2017-03-01", ["name", "address"])
    assert row["rule_version"] == "EU-DE@2009-09-01"
    assert person["status"] == "not_required"
    assert BDSG in person["reason"] and "not personal information" in person["reason"]


def test_a_2017_breach_of_bank_account_data_is_owed_notice(tmp_path):
    row, person = _german_case(tmp_path, "2017-03-01", ["name", "account_number"])
    assert row["rule_version"] == "EU-DE@2009-09-01"
    assert person["status"] == "overdue"             # owed, and no notice was sent
    assert pd.notna(row["due_at"])


def test_a_2019_breach_of_names_is_judged_by_the_gdpr_record(tmp_path):
    row, person = _german_case(tmp_path, "2019-03-01", ["name"])
    assert row["rule_version"].startswith("EU-DE@2018-05-25")
    assert person["status"] == "overdue"             # owed, and no notice was sent
    assert pd.notna(row["due_at"])
