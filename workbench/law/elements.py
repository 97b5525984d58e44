"""The one vocabulary of exposed data elements (name -> what it means).

A case names the elements an incident exposed (``incident.data_elements``) and the law
data's definitions of personal information (``workbench/law/data/pi_definitions.yaml``)
combine them into triggers; both use only these names. The first seventeen are the
workbench's original vocabulary; the rest were added for the statutes' own elements
(research notes: ``docs/research/us_pi_definitions.md``); the last two for categories of
the EU member states' own laws before the GDPR (Germany's BDSG (old) § 42a), which no US
definition names.
"""

from __future__ import annotations

from types import MappingProxyType

#: name -> description of every data element a case or a definition may name.
ELEMENTS: MappingProxyType[str, str] = MappingProxyType({
    "name": "first name or first initial and last name (a definition's name_means may widen it)",
    "ssn": "Social Security number (some states: only when not truncated)",
    "date_of_birth": "full date of birth",
    "address": "postal or residential address",
    "drivers_license": "driver's licence, operator's licence or driver authorization card number",
    "state_id": "state (non-driver) identification card number",
    "passport": "passport number",
    "payment_card": "credit or debit card number",
    "account_number": "financial account number (bank, deposit, savings, checking)",
    "email": "e-mail address (on its own, without a password)",
    "phone": "telephone number",
    "username_password": "user name or e-mail address with the password or security question and answer "
                         "that permits access to an online account",
    "medical": "medical history, mental or physical condition, diagnosis or treatment (wording varies by statute)",
    "health_insurance": "health insurance policy or subscriber number or an insurer's unique identifier",
    "biometric": "unique biometric data (fingerprint, voice print, retina or iris image...); "
                 "several statutes only when used to authenticate",
    "tax_id": "taxpayer identification number (TIN, ITIN)",
    "dispute_documents": "documents of a dispute or claim filed by the person",
    # --- added for the statutes' own elements
    "access_code": "security code, access code, PIN or password that permits access to a financial account "
                   "(a card's CVV, an online-banking password)",
    "tribal_id": "tribal identification card number",
    "military_id": "military identification number",
    "gov_id_other": "other unique identification number issued on a government document or created or "
                    "collected by a government body",
    "irs_ip_pin": "identity protection PIN issued by the IRS",
    "electronic_identifier": "unique electronic identifier or routing code (of a financial account)",
    "genetic": "genetic data or DNA profile",
    "mothers_maiden_name": "mother's maiden name (a parent's surname before marriage)",
    "digital_signature": "digitized or electronic signature, or a private key used to sign or authenticate "
                         "an electronic record",
    "employee_id": "identification number assigned by the person's employer",
    "birth_marriage_certificate": "birth or marriage certificate",
    "security_token": "shared secrets or security tokens known to be used for data-based authentication",
    "geolocation": "information on the person's geolocation",
    "alpr_data": "information collected through an automated license plate recognition system",
    "tax_records": "tax information (returns, tax records)",
    "work_evaluations": "work-related evaluations",
    "age_verification_data": "information collected by a website operator to verify a visitor's age",
    # --- added for the EU member states' own pre-GDPR laws (BDSG (old) § 42a)
    "special_category": "racial or ethnic origin, political opinions, religious or philosophical beliefs, "
                        "trade-union membership, sex life or sexual orientation (special categories of "
                        "personal data other than health, genetic and biometric data)",
    "criminal_offences": "data on criminal or administrative offences, convictions, or the suspicion of them",
})

#: The element names, in vocabulary order (what ``workbench.case`` validates against).
DATA_ELEMENTS: tuple[str, ...] = tuple(ELEMENTS)


def describe(element: str) -> str | None:
    """What ``element`` means, or None when it is not in the vocabulary."""
    return ELEMENTS.get(element)
