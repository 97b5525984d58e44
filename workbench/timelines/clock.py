"""The clock and the rule: per jurisdiction, the rule in force at the clock start and the due moment.

Also the statuses a person can have (:class:`NoticeStatus`) and the audit moment
(:func:`audit_moment`) every status is judged at.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Iterable
from zoneinfo import ZoneInfo

import pandas as pd

from workbench.law import UNKNOWN_JURISDICTION, RuleBook, load_rulebook
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

#: Columns of the per-jurisdiction deadline table (:func:`individual_deadlines`).
DEADLINE_COLUMNS = ["jurisdiction", "jurisdiction_name", "rule_version", "citation", "confidence",
                    "clock_event", "clock_start", "applies", "due_at", "basis", "reason",
                    "substitute_allowed"]


def individual_deadlines(case, codes: Iterable[str], *, book: RuleBook | None = None) -> pd.DataFrame:
    """One row per jurisdiction code: the rule at its clock start and the individual due moment.

    Pure (no I/O beyond the cached law data). ``clock_start`` and ``due_at`` are UTC
    timestamps; ``applies`` is False where no individual notice is required (then
    ``basis``/``reason`` say why); ``substitute_allowed`` is True only where the rule's data
    records a substitute-notice provision.
    """
    book = book or load_rulebook()
    rows = []
    for code in sorted(set(codes)):
        rule, start = rule_for_case(book, code, case)
        if code == UNKNOWN_JURISDICTION or code not in book:
            rows.append({"jurisdiction": code, "jurisdiction_name": "unknown", "rule_version": None,
                         "citation": None, "confidence": None, "clock_event": None,
                         "clock_start": _utc(start), "applies": False, "due_at": None, "basis": "not_assessed",
                         "reason": "the person's country/region maps to no jurisdiction of the law data",
                         "substitute_allowed": False})
            continue
        due = book.due(rule if rule is not None else code, "individual", start,
                       assessment_days=case.parameters.assessment_days, encrypted=case.incident.encrypted)
        rows.append({"jurisdiction": code, "jurisdiction_name": book.name(code),
                     "rule_version": due.rule_version, "citation": due.citation, "confidence": due.confidence,
                     "clock_event": rule.clock_starts if rule is not None else None,
                     "clock_start": _utc(start), "applies": bool(due.applies),
                     "due_at": _utc(due.due_at) if due.due_at else None, "basis": due.basis, "reason": due.reason,
                     "substitute_allowed": bool(rule is not None and rule.substitute_notice)})
    frame = pd.DataFrame(rows, columns=DEADLINE_COLUMNS)
    for col in ("clock_start", "due_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True).astype("datetime64[us, UTC]")
    frame["applies"] = frame["applies"].astype(bool)
    frame["substitute_allowed"] = frame["substitute_allowed"].astype(bool)
    return frame


def audit_moment(case) -> dt.datetime:
    """The audit date as a moment: local midnight of ``parameters.as_of`` (deadlines before
    it have passed "before the audit date")."""
    return dt.datetime.combine(case.parameters.as_of, dt.time(0, 0), tzinfo=ZoneInfo(case.parameters.timezone))


def _utc(moment: dt.datetime | None) -> pd.Timestamp | None:
    return None if moment is None else pd.Timestamp(moment).tz_convert("UTC")
