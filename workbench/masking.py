"""Masking personal data for reports that leave the auditor's hands (regulator packages).

Rules, chosen so that a regulator can still follow a finding without seeing a person:

* a person's name becomes initials (``Jane Q. Public`` -> ``J. Q. P.``);
* an e-mail address keeps its first character and its domain (``jane@example.com`` ->
  ``j***@example.com``; the domain matters for look-alike and delivery findings);
* a postal address or phone number becomes ``[masked]``;
* identifiers (person_id, notice_id, message ids) are kept: they are pseudonymous and are
  how a regulator asks the organisation about a case.
* except in a package's residents list (``residents.csv``), which names every late, missing
  and overdue resident of a jurisdiction with their dates: there a person id becomes a
  keyed pseudonym (:func:`pseudonymise_id`: ``p-`` and 12 hex digits of
  sha256(case_id, id)), which the organisation can recompute from its own ids to answer a
  regulator, and a reader cannot turn back into the id.

Public-record findings are not masked: the names and titles of reporting owners are
published by the SEC in their Form 4 filings (Exchange Act § 16(a)), so an insider-trading
finding is the same in a package as in the full report (:data:`PUBLIC_RECORD_CATEGORIES`).
An award's recipient stays masked: compensation data may come from internal records, not
only from a proxy statement.

Names inside free text cannot be found reliably, so :func:`mask_finding` replaces the
names it *knows* (the subject of a person-named finding, name-like evidence values)
wherever they occur in the title and detail, and masks every e-mail address in any text.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from workbench.findings import Finding

#: Evidence keys whose values are a person's name.
NAME_KEYS = frozenset({"name", "full_name", "recipient_name", "insider_name", "person", "person_name",
                       "executive", "reporting_owner", "names"})
#: Evidence keys whose values are an e-mail address (or an address that may be one).
EMAIL_KEYS = frozenset({"email", "emails", "recipient_email"})
#: Evidence keys whose values are a postal address, phone number or similar: fully masked.
OPAQUE_KEYS = frozenset({"address", "address_line", "recipient_address", "street", "phone",
                         "postal_code", "date_of_birth", "ssn", "raw"})
#: Categories whose ``subject`` is a person's name (an insider, an award recipient).
NAME_SUBJECT_CATEGORIES = frozenset({"insider_trading", "compensation"})
#: Categories built only from public records, never masked: category -> why.
PUBLIC_RECORD_CATEGORIES: dict[str, str] = {
    "insider_trading": "reporting owners' names, titles and trades are public in their SEC Form 4 filings "
                       "(Securities Exchange Act of 1934 § 16(a); EDGAR)",
}

MASK = "[masked]"
_EMAIL = re.compile(r"\b([A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")


def mask_shape(value: Any) -> Any:
    """Keep the first character of each run of letters or digits, star the rest.

    For failing values in data-quality evidence: ``jane.doe@@example.com`` ->
    ``j***.d**@@e******.c**`` keeps the shape of the defect visible, not the person.
    """
    if value is None or not isinstance(value, str):
        return value
    return re.sub(r"(?<=[^\W_])[^\W_]", "*", value)


def pseudonymise_id(value: str | None, key: str) -> str | None:
    """A person id's pseudonym in a regulator package: ``p-`` + the first 12 hex digits of
    sha256 of ``key`` (the case id), a unit separator and the id. Stable across runs of a
    case, different across cases; None stays None."""
    if value is None:
        return None
    import hashlib

    return "p-" + hashlib.sha256(f"{key}\x1f{value}".encode("utf-8")).hexdigest()[:12]


def mask_name(name: str | None) -> str | None:
    """Initials of a name: ``"Jane Q. Public"`` -> ``"J. Q. P."``; empty stays empty."""
    if name is None:
        return None
    parts = [p for p in re.split(r"[\s,]+", str(name).strip()) if p]
    initials = [p[0].upper() + "." for p in parts if p[0].isalnum()]
    return " ".join(initials) if initials else ("" if not str(name).strip() else MASK)


def mask_email(email: str | None) -> str | None:
    """``jane@example.com`` -> ``j***@example.com``; text that is not an address is masked whole."""
    if email is None:
        return None
    text = str(email).strip()
    if not text:
        return text
    m = _EMAIL.fullmatch(text)
    return f"{m.group(1)}***@{m.group(2)}" if m else MASK


def mask_emails_in_text(text: str | None) -> str | None:
    """Every e-mail address inside free text, masked as :func:`mask_email` does."""
    if text is None:
        return None
    return _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", str(text))


def _mask_value(key: str, value: Any, names: set[str]) -> Any:
    k = key.lower()
    if isinstance(value, dict):
        return {kk: _mask_value(kk, vv, names) for kk, vv in value.items()}
    if isinstance(value, list):
        return [_mask_value(key, v, names) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if k in NAME_KEYS:
        names.add(str(value))
        return mask_name(str(value))
    if k in EMAIL_KEYS:
        return mask_email(str(value))
    if k in OPAQUE_KEYS:
        return MASK
    return mask_emails_in_text(str(value)) if isinstance(value, str) else value


def _replace_names(text: str | None, names: Iterable[str]) -> str | None:
    if text is None:
        return None
    for name in sorted({n for n in names if n and n.strip()}, key=len, reverse=True):
        text = text.replace(name, mask_name(name) or MASK)
    return mask_emails_in_text(text)


def mask_finding(f: Finding) -> Finding:
    """A copy of ``f`` with personal data masked (ids kept, names -> initials, e-mails masked).

    The finding's id is unchanged when its subject is an id; for person-named subjects the
    masked copy gets a different derived id, so callers that need the original id should
    take it before masking (see :func:`masked_dict`).
    """
    if f.category in PUBLIC_RECORD_CATEGORIES:
        return f
    names: set[str] = set()
    evidence = {k: _mask_value(k, v, names) for k, v in f.evidence.items()}
    subject = f.subject
    if subject and f.category in NAME_SUBJECT_CATEGORIES:
        names.add(subject)
        subject = mask_name(subject)
    elif subject:
        subject = mask_emails_in_text(subject)
    return Finding(category=f.category, code=f.code, severity=f.severity,
                   title=_replace_names(f.title, names) or "", detail=_replace_names(f.detail, names) or "",
                   jurisdiction=f.jurisdiction, subject=subject, count=f.count,
                   citation=f.citation, evidence=evidence, unit=f.unit)


def masked_dict(f: Finding) -> dict[str, Any]:
    """The published dict of a masked finding, keeping the original finding's id."""
    d = mask_finding(f).to_dict()
    d["id"] = f.id
    return d
