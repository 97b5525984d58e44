"""The fixed story of the synthetic case: organisation, timeline, people-free facts, defects.

Dates follow the public Equifax 2017 timeline; the organisation, its people and its
domains are fictional. Defect sizes are rates with a floor of one, so even a 200-person
case carries every planted defect.
"""

from __future__ import annotations

import datetime as dt

CASE_ID = "EXCB-2017-SYNTH"
ORG_NAME = "Example Credit Bureau Inc."
TICKER = "EXCB"
ISSUER_CIK = "0000012345"
OFFICIAL_DOMAINS = ("example-breach-2017.com", "example.com")

BREACH_START = dt.date(2017, 5, 13)
BREACH_END = dt.date(2017, 7, 30)
DISCOVERED = dt.date(2017, 7, 29)
DETERMINED = dt.date(2017, 8, 2)
PUBLIC_DISCLOSURE = dt.date(2017, 9, 7)
AS_OF = dt.date(2018, 3, 1)
DATA_ELEMENTS = ("name", "ssn", "date_of_birth", "address", "drivers_license", "payment_card")
#: Probability that a person's record held each element (name is always exposed; every US
#: record held an SSN, so every US person is owed a notice unless planted otherwise).
ELEMENT_PROBABILITY = {"ssn": 1.0, "date_of_birth": 0.93, "address": 0.85,
                       "drivers_license": 0.07, "payment_card": 0.004}
#: Places abroad whose 2017 national law covers only listed categories of data: every resident's
#: exposed data include the payment card there (drawn after the random elements, so no other
#: draw changes). BDSG (old) § 42a covers bank or credit card account data but not names,
#: addresses or dates of birth, so without the card no German resident would be owed a notice
#: and the clean notice to the German authority (EU_REGULATORS_2017) would not be owed either.
CARD_EXPOSED_PLACES = ("DE",)

# Notice letters.
OFFICIAL_LETTER_LINK = "https://www.example-breach-2017.com/enroll"
LOOKALIKE_LETTER_DOMAIN = "examp1e-breach-2017.com"
LOOKALIKE_LETTER_LINK = f"https://www.{LOOKALIKE_LETTER_DOMAIN}/enroll"
TEMPLATE_MAIL = "EXCB-2017-US-MAIL-1"
TEMPLATE_EMAIL = "EXCB-2017-US-EMAIL-1"
TEMPLATE_INTL = "EXCB-2017-INTL-MAIL-1"
#: The one template whose print run carried the look-alike link.
TEMPLATE_LOOKALIKE = "EXCB-2017-US-MAIL-2"
EMAIL_NOTICE_SHARE = 0.15
#: Clean notices go out between determined+1 and determined+7 days, 13:00-22:00 UTC
#: (business hours in every US timezone, so the calendar date is the same in all).
ON_TIME_FIRST_DAY = 1
ON_TIME_LAST_DAY = 7
SEND_HOUR_FROM, SEND_HOUR_TO = 13, 22
#: Late notices: 100-140 days after discovery (late under any 2017 deadline).
LATE_DAYS = (100, 140)

# Jurisdictions of the per-jurisdiction defects (law-data codes).
LATE_JURISDICTIONS = ("US-FL", "US-TX", "US-NY")
MISSING_JURISDICTIONS = ("US-IL", "US-PA")
#: Jurisdictions where some people's exposed elements are only name and address: personal
#: information under no US definition, so they are owed no notice (and get none).
NOT_PI_JURISDICTIONS = ("US-MI",)
NOT_PI_ELEMENTS = "address|name"
#: States with no regulator / attorney-general notice duty in force on 2017-07-29 (per the
#: project's reference law facts): a notice sent before determination there cannot also
#: make a regulator notice "after the first individual notice".
NO_REGULATOR_2017 = ("AL", "AZ", "AR", "CO", "DE", "DC", "GA", "ID", "IL", "KS", "KY", "MI",
                     "MN", "MS", "OH", "OK", "PA", "SD", "TN", "TX", "UT", "WV", "WI", "WY",
                     "GU", "VI")
#: Regulator defects: first candidate whose resident count allows it is used.
#: New York's AG notice is due whenever any resident is notified (GBL 899-aa, pre-SHIELD).
REGULATOR_MISSING_CANDIDATES = (("US-NY", 1), ("US-NJ", 1), ("US-MD", 1), ("US-MA", 1))
#: Florida: AG notice within 30 days of determination for 500+ Floridians (Fla. Stat.
#: 501.171(3), 2014); Louisiana: within 10 days of resident notice for any count.
REGULATOR_LATE_CANDIDATES = (("US-FL", 500), ("US-LA", 1), ("US-VT", 1))
REGULATOR_LATE_DAYS_AFTER_DISCOVERY = 75
REGULATOR_MISMATCH_CANDIDATES = (("US-CA", 2), ("US-GA", 2), ("US-OH", 2))
#: Clean regulator notices go out on the determination date, before any letter, which
#: satisfies every 2017 timing rule ("before notifying residents", "within 10 days"...).
REGULATOR_SENT_AT = dt.datetime(2017, 8, 2, 15, 0, tzinfo=dt.timezone.utc)
#: Member states whose national law (in the law data) required a supervisory-authority notice
#: in 2017 (BDSG (old) s. 42a, Wbp art. 34a; at any number where their harm test is not ruled
#: out): they get a clean notice at the same moment.
EU_REGULATORS_2017 = (("EU-DE", "competent German supervisory authority"),
                      ("EU-NL", "Autoriteit Persoonsgegevens"))
CRA_RECIPIENTS = ("Experian Information Solutions, Inc.", "TransUnion LLC",
                  "Equifax Information Services LLC")

#: Person-level defect rates, as a share of all people (general pool) or of the residents
#: of the jurisdiction (late/missing); every kind gets at least one.
RATES = {
    "invalid_email": 2e-4,
    "invalid_zip": 2e-4,
    "unknown_region": 1e-4,
    "duplicate_person_id": 5e-5,
    "late_notice": 0.02,
    "missing_notice": 0.01,
    "not_personal_information": 0.02,
    "duplicate_notice": 2e-4,
    "notice_to_unaffected": 5e-5,
    "fewer_data_elements": 2e-4,
    "misspelled_name": 2e-4,
    "notice_before_determination": 2e-4,
    "letter_lookalike_link": 1e-4,
    "control_name_case_accent": 2e-4,
}
#: Kinds drawn from the general pool of US residents (disjoint from each other).
GENERAL_KINDS = ("invalid_email", "invalid_zip", "unknown_region", "duplicate_notice",
                 "fewer_data_elements", "misspelled_name", "letter_lookalike_link",
                 "control_name_case_accent")
#: Region codes that are not US codes, used for the unknown_region defect.
NON_US_REGIONS = ("ON", "XX", "BC", "ZZ")

MIN_PEOPLE = 200
