"""Judge each accepted notice of a register against the rule in force at its clock start.

Pure: takes the accepted table (:func:`workbench.register.read.read_register`), the
jurisdiction code, the mapping and the rule book, and returns the table with the judgement
columns added (no I/O, no clock). The deadlines come from ``RuleBook.due``; nothing here
computes a deadline. Rows are grouped so that the engine is asked once per distinct
(clock date, resident bucket[, individual notice date]) - a *resident bucket* is the set of
the rule's count thresholds a row's resident count meets, which is all the engine reads
from the count - and the answer is spread back to the rows (:class:`JudgeStats` counts the calls).

Statuses (:data:`STATUSES`): ``on_time``, ``late``, ``under_threshold`` (a regulator notice
below the rule's threshold), ``not_required`` (the rule in force imposes no such notice, or
no breach-notice law was in force), ``not_determinable`` (no discovery date, no notification
date, or a date-only notice on the day an hour-based deadline falls due; ``status_reason``
says which), ``not_assessed`` (the law data does not model that date). A row without a
discovery date is never on time. Not legal advice.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.law.model import Due, Rule
from workbench.law.rulebook import RuleBook
from workbench.law.units import CLOCK_EVENTS, END_OF_DAY
from workbench.register.mapping import RegisterMapping

#: Every status a judged row can have (``rejected`` is given by the reader's rejects).
STATUSES: tuple[str, ...] = ("on_time", "late", "under_threshold", "not_required", "not_determinable",
                             "not_assessed", "rejected")
#: Columns the judge adds, in order.
JUDGED_COLUMNS: tuple[str, ...] = (
    "jurisdiction", "obligation", "status", "status_reason", "days_late", "rule_version", "clock_event",
    "clock_source", "clock_start", "clock_note", "due_at", "basis", "citation", "confidence", "reason", "date_check")
#: How the clock start was chosen (``clock_source``).
CLOCK_SOURCES: dict[str, str] = {
    "discovered": "the register's discovery date, the event the rule's clock starts at",
    "determined": "the register's determination date, the event the rule's clock starts at",
    "discovered_for_determination": "the rule's clock starts at a later event (determination, end of the "
                                    "investigation...) that the register does not give: its discovery date was "
                                    "used, the earliest and so strictest reading",
    "none": "no discovery date: no clock start",
}


@dataclass(frozen=True)
class JudgeStats:
    """How much engine work judging took: rows, distinct clock dates, engine calls."""

    rows: int
    judged_rows: int  # rows with a clock start
    clock_dates: int
    engine_calls: int


def _thresholds(rule: Rule | None, obligation: str) -> tuple[int, ...]:
    """The count thresholds of ``rule`` the engine compares residents with for ``obligation``."""
    if rule is None or not rule.regime or not rule.modelled:
        return ()
    if obligation == "regulator":
        ts = [rule.regulator_threshold, rule.regulator_annual_log_below,
              *(c.count for c in rule.regulator_conditions if c.kind == "count")]
    else:
        ts = [c.count for c in rule.individual_conditions if c.kind == "count"]
    return tuple(sorted({t for t in ts if t is not None}))


def _clock(book: RuleBook, code: str, discovered: dt.date, determined: dt.date | None) -> tuple[dt.date, str, str, str]:
    """(clock date, clock event, clock source, note) for one discovery/determination pair."""
    first = book.rule_in_force(code, discovered)
    event = (first.clock_starts if first is not None and first.regime else None) or ""
    if not event or CLOCK_EVENTS.get(event).case_event == "discovery":
        return discovered, event or "discovery", "discovered", ""
    words = CLOCK_EVENTS.get(event).description
    if determined is not None:
        return determined, event, "determined", f"the rule's clock starts at {event} ({words}): the register's determination date was used"
    return discovered, event, "discovered_for_determination", (
        f"the rule's clock starts at {event} ({words}); the register gives discovery only, so the discovery "
        "date was used (the earliest, strictest reading: a notice judged late may be on time from the real "
        f"{event} date)")


def _localise(day: dt.date | None, tz) -> dt.datetime | None:
    return None if day is None or pd.isna(day) else dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)


def _with_count(reason: str, rep: int | None, actual: int | None) -> str:
    """The engine's reason for the bucket's representative count, told with the row's own count."""
    if rep is None or actual is None or rep == actual:
        return reason
    return re.sub(rf"\b{rep}\b(?= (?:residents|affected))", str(actual), reason)


def judge_register(accepted: pd.DataFrame, code: str, mapping: RegisterMapping, book: RuleBook, *,
                   assessment_days: int = 30) -> tuple[pd.DataFrame, JudgeStats]:
    """Judge every accepted row for ``code``; returns (table with :data:`JUDGED_COLUMNS`, stats).

    The obligation judged is the one the mapping says the ``notified`` column evidences.
    Dates are local days in the mapping's timezone: a clock start is local midnight, a notice
    sent on a day counts from that day's start, so a notice sent on the last day of a
    day-counted deadline is on time and ``days_late`` counts whole days after it.
    """
    book.history(code)  # an unknown code raises, listing the known ones
    obligation = mapping.notified_obligation
    tz = mapping.tz
    df = accepted.reset_index(drop=True)
    n = len(df)
    out = pd.DataFrame(index=df.index, columns=list(JUDGED_COLUMNS), dtype=object)
    out["jurisdiction"], out["obligation"] = code, obligation
    out["clock_source"], out["days_late"] = "none", pd.NA
    out["date_check"] = ""

    disc = df["discovered"]
    has_disc = disc.notna().to_numpy()
    det = df["determined"].where(df["determined"].notna(), None)
    ind = df["individual_notified"].where(df["individual_notified"].notna(), None)
    residents = df["residents_affected"]

    # 1. the clock start of each distinct (discovered, determined) pair
    clock_date = pd.Series([None] * n, index=df.index, dtype=object)
    pairs = pd.DataFrame({"d": disc, "t": det})[has_disc]
    for (d, t), idx in pairs.groupby(["d", "t"], dropna=False, sort=False).groups.items():
        t = None if t is None or pd.isna(t) else t
        day, event, source, note = _clock(book, code, d, t)
        clock_date.loc[idx] = day
        out.loc[idx, "clock_event"], out.loc[idx, "clock_source"], out.loc[idx, "clock_note"] = event, source, note
        out.loc[idx, "clock_start"] = day.isoformat()

    # 2. one engine call per (clock date, resident bucket[, individual notice date])
    dues: dict[tuple, tuple[Due, int | None]] = {}
    due_of = np.empty(n, dtype=object)
    rep_of = np.empty(n, dtype=object)
    under = np.zeros(n, dtype=bool)
    res_np = residents.to_numpy(dtype="float64", na_value=np.nan)
    judged = pd.Series(clock_date[has_disc])
    for day, idx in judged.groupby(judged, sort=False).groups.items():
        rule = book.rule_in_force(code, day)
        ts = _thresholds(rule, obligation)
        pos = df.index.get_indexer(idx)
        r = res_np[pos]
        bucket = np.full(len(pos), -1, dtype=np.int64)
        known = ~np.isnan(r)
        bucket[known] = sum(((r[known] >= t).astype(np.int64) << i) for i, t in enumerate(ts)) if ts else 0
        relative = obligation == "regulator" and rule is not None and rule.regulator_relative is not None
        ind_part = ind.iloc[pos].tolist() if relative else [None] * len(pos)
        start = _localise(day, tz)
        if obligation == "regulator" and rule is not None and rule.regulator_threshold is not None:
            under[pos] = known & (r < rule.regulator_threshold)
        for j, p in enumerate(pos):
            key = (day, int(bucket[j]), ind_part[j])
            hit = dues.get(key)
            if hit is None:
                rep = None if bucket[j] < 0 else int(r[j])
                due = book.due(code, obligation, start, residents=rep, assessment_days=assessment_days,
                               individual_sent_at=_localise(ind_part[j], tz))
                hit = dues[key] = (due, rep)
            due_of[p], rep_of[p] = hit

    # 3. spread the answers back and decide the status
    status = np.full(n, "", dtype=object)
    why = np.full(n, "", dtype=object)
    sent_local = pd.to_datetime(df["notified"], errors="coerce")
    for p in np.flatnonzero(has_disc):
        due: Due = due_of[p]
        own = None if pd.isna(residents.iat[p]) else int(residents.iat[p])
        out.iat[p, out.columns.get_loc("reason")] = _with_count(due.reason, rep_of[p], own)
        out.iat[p, out.columns.get_loc("due_at")] = due.due_at.isoformat() if due.due_at else ""
        out.iat[p, out.columns.get_loc("basis")] = due.basis
        out.iat[p, out.columns.get_loc("citation")] = due.citation or ""
        out.iat[p, out.columns.get_loc("rule_version")] = due.rule_version or ""
        out.iat[p, out.columns.get_loc("confidence")] = due.confidence or ""
        if due.basis == "not_assessed":
            status[p], why[p] = "not_assessed", due.reason
        elif not due.applies:
            status[p] = "under_threshold" if under[p] else "not_required"
            why[p] = out.iat[p, out.columns.get_loc("reason")]
        elif pd.isna(sent_local.iat[p]):
            status[p], why[p] = "not_determinable", f"no notification date ({df['notified_reason'].iat[p]})"
        else:
            due_local = due.due_at.replace(tzinfo=None)
            sent = sent_local.iat[p].to_pydatetime()
            if due_local.time() != END_OF_DAY and sent.date() == due_local.date():
                status[p], why[p] = "not_determinable", ("the notice is dated the day an hour-based deadline fell "
                                                         "due and the register gives no time")
            elif sent <= due_local:
                status[p], why[p] = "on_time", f"notified {sent.date()} on or before the due moment"
                out.iat[p, out.columns.get_loc("days_late")] = 0
            else:
                late = math.ceil((sent - due_local).total_seconds() / 86400)
                status[p], why[p] = "late", f"notified {sent.date()}, {late} day(s) after the due moment"
                out.iat[p, out.columns.get_loc("days_late")] = late
    nodisc = ~has_disc
    status[nodisc] = "not_determinable"
    why[nodisc] = ["no discovery date (" + str(x) + ")" for x in df["discovered_reason"].to_numpy()[nodisc]]
    out["status"], out["status_reason"] = status, why
    before = (pd.to_datetime(df["notified"], errors="coerce") < pd.to_datetime(disc, errors="coerce")).fillna(False)
    out.loc[before.to_numpy(dtype=bool), "date_check"] = "notified before discovered"
    out = out.fillna({c: "" for c in JUDGED_COLUMNS if c != "days_late"})
    stats = JudgeStats(n, int(has_disc.sum()), int(judged.nunique()), len(dues))
    return pd.concat([df, out], axis=1), stats
