"""A case's questions to the deadline engine, asked the same way by every caller.

The audit's timelines stage and ``workbench law deadlines`` must give the same answer on
the same case, so the few pure steps between a case and :meth:`RuleBook.due` live here:
the case's moments (:func:`case_moment`, :func:`audit_moment`), its per-law facts as engine
keywords (:func:`engine_keywords`: harm assessment, law-enforcement delay) and a law's
individual notice for one set of exposed elements (:func:`individual_due`: the engine's
due moment, then whether those elements are personal information there).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from workbench.exposure import elements_of
from workbench.law.definitions import Coverage
from workbench.law.model import Due
from workbench.law.rulebook import RuleBook
from workbench.law.units import end_of_day


def case_moment(case, value: dt.date | dt.datetime, *, end_of_date: bool = False) -> dt.datetime:
    """A case fact as an aware moment in the case timezone: a date is local midnight, or the
    end of that local day with ``end_of_date`` (a notice given "on" a date: the strictest reading)."""
    tz = ZoneInfo(case.parameters.timezone)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
    return end_of_day(value, tz) if end_of_date else dt.datetime.combine(value, dt.time(0, 0), tzinfo=tz)


def audit_moment(case) -> dt.datetime:
    """The audit date as a moment: local midnight of ``parameters.as_of`` (deadlines before
    it have passed "before the audit date")."""
    return dt.datetime.combine(case.parameters.as_of, dt.time(0, 0), tzinfo=ZoneInfo(case.parameters.timezone))


def engine_keywords(case, facts) -> dict:
    """The case's facts for one law as ``RuleBook.due`` keywords: ``harm_ruled_out`` always,
    ``law_enforcement_delay`` (requested, ended) when the case records a delay for the law
    (a delay still in force runs until the audit moment)."""
    kw = {"harm_ruled_out": facts.harm_ruled_out,
          "roles": tuple(getattr(case.organization, "roles", None) or ())}
    delay = facts.delay
    if delay is not None:
        requested = case_moment(case, delay.requested)
        ended = case_moment(case, delay.ended) if delay.ended is not None else max(audit_moment(case), requested)
        kw["law_enforcement_delay"] = (requested, ended)
    return kw


@dataclass(frozen=True)
class IndividualDue:
    """A law's individual notice for one set of exposed elements.

    ``due`` is the engine's answer; ``applies``/``basis``/``reason`` are after the coverage
    test (elements that are not personal information there: ``not_required`` with the
    coverage reason; cannot tell: ``not_assessed``); ``covered`` is the definition's answer
    (None where no law is in force, or it cannot tell).
    """

    elements: str
    due: Due
    applies: bool
    basis: str
    reason: str
    covered: bool | None
    coverage: Coverage

    @property
    def due_at(self) -> dt.datetime | None:
        return self.due.due_at if self.applies else None

    def rank(self) -> tuple:
        """Which element set stands for a law: one owed a notice first, then one covered."""
        return (not self.applies, self.covered is False, self.elements)


def individual_due(book: RuleBook, case, code: str, key: str, rule, start: dt.datetime) -> IndividualDue:
    """The individual notice of ``code`` for people whose exposed elements are ``key``
    (:func:`workbench.exposure.elements_key`), on the rule in force and its clock start (pure)."""
    from workbench.casefacts import facts_for

    inc = case.incident
    cov = book.coverage(code, elements_of(key), start.date(), encrypted=inc.encrypted,
                        redacted=getattr(inc, "redacted", False),
                        key_compromised=getattr(inc, "encryption_key_compromised", False))
    due = book.due(rule if rule is not None else code, "individual", start,
                   assessment_days=case.parameters.assessment_days,
                   encrypted=inc.encrypted and not getattr(inc, "encryption_key_compromised", False),
                   **engine_keywords(case, facts_for(case, code)))
    applies, basis, reason = bool(due.applies), due.basis, due.reason
    # ``covered``: are the elements personal information under the law in force? Not asked
    # where no law is in force; a safe harbour protects personal information (covered).
    covered = None if rule is None or not rule.regime else True if cov.basis == "safe_harbor" else cov.covered
    if applies and cov.basis == "safe_harbor" or applies and covered is False:
        applies, basis, reason = False, "not_required", cov.reason
    elif applies and covered is None:
        applies, basis, reason = False, "not_assessed", cov.reason
    elif applies and cov.conditional:
        reason = f"{reason}; {cov.reason}"
    return IndividualDue(key, due, applies, basis, reason, covered, cov)
