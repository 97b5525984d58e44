"""The clock and the rule: per jurisdiction, the rule in force at the clock start and the due moment.

Also the statuses a person can have (:class:`NoticeStatus`) and the audit moment
(:func:`audit_moment`) every status is judged at.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Iterable

import pandas as pd

from workbench.law import UNKNOWN_JURISDICTION, RuleBook, load_rulebook, substitute_permitted
from workbench.law.case_due import audit_moment, case_moment, engine_keywords, individual_due
from workbench.law.deadlines import rule_for_case


class NoticeStatus(enum.StrEnum):
    """A person's notice status (the table in this module's docstring says what each means)."""

    ON_TIME = "on_time"
    LATE = "late"
    OVERDUE = "overdue"
    MISSING = "missing"
    PENDING = "pending"
    NOT_REQUIRED = "not_required"
    NOT_ASSESSED = "not_assessed"


PERSON_STATUSES: tuple[str, ...] = tuple(s.value for s in NoticeStatus)

DAY_SECONDS = 86_400

#: Columns of the deadline table (:func:`individual_deadlines`): one row per jurisdiction
#: and set of exposed elements.
DEADLINE_COLUMNS = ["jurisdiction", "elements", "jurisdiction_name", "rule_version", "citation", "confidence",
                    "clock_event", "clock_start", "applies", "due_at", "basis", "reason",
                    "covered", "coverage_basis", "coverage_reason", "coverage_citation", "substitute_allowed",
                    "substitute_reason", "group_substitute_at", "group_substitute_covers"]


def _groups(case, codes: Iterable) -> list[tuple[str, str]]:
    """(code, element key) pairs: a plain code stands for the incident's own elements."""
    from workbench.exposure import elements_key

    out = set()
    for item in codes:
        code, key = (item, None) if isinstance(item, str) else item
        out.add((code, key if key is not None else elements_key(None, case.incident.data_elements)))
    return sorted(out)


def individual_deadlines(case, codes: Iterable, *, book: RuleBook | None = None) -> pd.DataFrame:
    """One row per jurisdiction and element set: the rule at its clock start, whether those
    elements make a person owed a notice there, and the individual due moment.

    ``codes`` holds jurisdiction codes (the incident's elements) or (code, element key)
    pairs (:func:`workbench.timelines.matching.elements_key`). Pure (no I/O beyond the
    cached law data). ``clock_start`` and ``due_at`` are UTC timestamps; ``applies`` is
    False where no individual notice is required (``basis``/``reason`` say why: below a
    threshold, a safe harbour, or elements that are not personal information under the
    definition in force on the clock-start date); ``covered`` is that definition's answer
    (None: cannot tell, then ``basis`` is ``not_assessed``). The case's law-enforcement delay
    and harm assessment for the code go to the engine (:func:`engine_keywords`).

    ``substitute_allowed`` is True only where the case's substitute facts (cost, people,
    contact details) meet the statute's conditions (:func:`workbench.law.substitute_permitted`),
    and ``substitute_reason`` says why or why not; ``group_substitute_at`` is the moment of the
    case's own substitute notice for the code (``substitute_notices``) where it counts (the
    conditions hold and it used the statute's methods), NaT otherwise; ``group_substitute_covers``
    is whom it reaches (``all``, ``people_without_contact``; None when the case gives none).
    """
    book = book or load_rulebook()
    rows = []
    for code, key in _groups(case, codes):
        rule, start = rule_for_case(book, code, case)
        if code == UNKNOWN_JURISDICTION or code not in book:
            rows.append({"jurisdiction": code, "elements": key, "jurisdiction_name": "unknown", "rule_version": None,
                         "citation": None, "confidence": None, "clock_event": None,
                         "clock_start": _utc(start), "applies": False, "due_at": None, "basis": "not_assessed",
                         "reason": "the person's country/region maps to no jurisdiction of the law data",
                         "covered": None, "coverage_basis": None, "coverage_reason": None,
                         "coverage_citation": None, "substitute_allowed": False,
                         "substitute_reason": "no law data applies, so no substitute notice counts",
                         "group_substitute_at": None, "group_substitute_covers": None})
            continue
        rows.append(_deadline_row(book, case, code, key, rule, start))
    frame = pd.DataFrame(rows, columns=DEADLINE_COLUMNS)
    for col in ("clock_start", "due_at", "group_substitute_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True).astype("datetime64[us, UTC]")
    frame["applies"] = frame["applies"].astype(bool)
    frame["substitute_allowed"] = frame["substitute_allowed"].astype(bool)
    frame["covered"] = frame["covered"].astype("boolean")
    return frame


def _deadline_row(book: RuleBook, case, code: str, key: str, rule, start: dt.datetime) -> dict:
    """The deadline of one jurisdiction for one element set (:func:`workbench.law.case_due.individual_due`)."""
    from workbench.casefacts import facts_for

    ind = individual_due(book, case, code, key, rule, start)
    due, cov = ind.due, ind.coverage
    return {"jurisdiction": code, "elements": key, "jurisdiction_name": book.name(code),
            "rule_version": due.rule_version, "citation": due.citation, "confidence": due.confidence,
            "clock_event": rule.clock_starts if rule is not None else None,
            "clock_start": _utc(start), "applies": ind.applies,
            "due_at": _utc(ind.due_at), "basis": ind.basis, "reason": ind.reason,
            "covered": ind.covered, "coverage_basis": cov.basis, "coverage_reason": cov.reason,
            "coverage_citation": cov.citation, **substitute_columns(case, rule, facts_for(case, code))}


def substitute_columns(case, rule, facts) -> dict:
    """``substitute_allowed``, ``substitute_reason``, ``group_substitute_at`` and
    ``group_substitute_covers`` of one deadline row: the case's substitute facts for the code
    against the statute's conditions and methods (pure)."""
    given = facts.substitute

    def row(allowed: bool, reason: str, at: dt.datetime | None = None) -> dict:
        return {"substitute_allowed": allowed, "substitute_reason": reason, "group_substitute_at": _utc(at),
                "group_substitute_covers": given.covers if given is not None else None}

    if rule is None or not rule.modelled:
        return row(False, "substitute notice not counted: the law data does not model the law in force")
    provision = rule.substitute_notice
    if given is None:
        if rule.regime and provision is not None:
            return row(False, "substitute notice not counted: the case records no cost, number or contact facts "
                              f"for {provision.citation}")
        return row(False, f"substitute notice not counted: {substitute_permitted(rule)[1]}")
    permitted, why = substitute_permitted(rule, cost_usd=given.cost_usd, people=given.people,
                                          lacks_contact=given.lacks_contact)
    if not permitted:
        return row(False, f"substitute notice not counted: {why}")
    used = ", ".join(m.replace("_", " ") for m in given.methods)
    needed = provision.methods_needed or len(provision.methods)
    if len(set(given.methods) & set(provision.methods)) < needed:
        return row(True, f"{why}; the case's substitute notice ({used}; {given.reference}) not counted: "
                         f"it lacks the required methods ({provision.methods_text})")
    whom = "everyone" if given.covers == "all" else "the people without a delivered direct notice"
    at = case_moment(case, given.given, end_of_date=True)
    return row(True, f"{why}; the case's substitute notice ({used}; {given.reference}) counts for {whom} "
                     f"from {at.isoformat()}", at)


def _utc(moment: dt.datetime | None) -> pd.Timestamp | None:
    return None if moment is None else pd.Timestamp(moment).tz_convert("UTC")
