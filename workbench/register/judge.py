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


#: A resident count as the engine writes it into a reason ("600 residents", "600 affected").
_COUNT_IN_REASON = re.compile(r"(?<![\d,.])(\d+)(?= (?:residents|affected))")
_SLOT = "\x00"


def _count_slot(reason: str, rep: int | None) -> str:
    """The engine's reason for a bucket's representative count ``rep``, that count made a slot
    that each row of the bucket fills with its own count (every row of a bucket has a known count)."""
    if rep is None:
        return reason
    theirs = str(rep)
    return _COUNT_IN_REASON.sub(lambda m: _SLOT if m.group(1) == theirs else m.group(1), reason)


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
    disc = df["discovered"].to_numpy(dtype=object)
    det = df["determined"].to_numpy(dtype=object)
    ind = df["individual_notified"].to_numpy(dtype=object)
    res = df["residents_affected"].to_numpy(dtype="float64", na_value=np.nan)
    has_disc = np.array([d is not None and not pd.isna(d) for d in disc], dtype=bool)
    none = lambda v: None if v is None or pd.isna(v) else v  # noqa: E731

    # 1. the clock start of each distinct (discovered, determined) pair
    clocks: dict[tuple, tuple[dt.date, str, str, str]] = {}
    clock_of = np.empty(n, dtype=object)
    for p in np.flatnonzero(has_disc):
        key = (disc[p], none(det[p]))
        hit = clocks.get(key)
        if hit is None:
            hit = clocks[key] = _clock(book, code, key[0], key[1])
        clock_of[p] = hit

    # 2. one engine call per (clock date, resident bucket[, individual notice date])
    rules: dict[dt.date, tuple[Rule | None, tuple[int, ...], bool]] = {}
    dues: dict[tuple, int] = {}
    answers: list[tuple[Due, int | None]] = []
    due_ix = np.full(n, -1, dtype=np.int64)
    under = np.zeros(n, dtype=bool)
    for p in np.flatnonzero(has_disc):
        day = clock_of[p][0]
        info = rules.get(day)
        if info is None:
            rule = book.rule_in_force(code, day)
            relative = obligation == "regulator" and rule is not None and rule.regulator_relative is not None
            info = rules[day] = (rule, _thresholds(rule, obligation), relative)
        rule, ts, relative = info
        r = res[p]
        known = not math.isnan(r)
        bucket = sum((1 << i) for i, t in enumerate(ts) if r >= t) if known else -1
        sent_ind = none(ind[p]) if relative else None
        key = (day, bucket, sent_ind)
        i = dues.get(key)
        if i is None:
            rep = int(r) if known else None
            due = book.due(code, obligation, _localise(day, tz), residents=rep, assessment_days=assessment_days,
                           individual_sent_at=_localise(sent_ind, tz))
            i = dues[key] = len(answers)
            answers.append((due, rep))
        due_ix[p] = i
        if known and obligation == "regulator" and rule is not None and rule.regulator_threshold is not None:
            under[p] = r < rule.regulator_threshold

    # 3. spread the answers back (by index into the distinct answers) and decide the status
    def col(get, default=""):
        values = np.array([get(d) for d, _ in answers] + [default], dtype=object)
        return values[due_ix]  # -1: the default

    out = pd.DataFrame(index=df.index)
    out["jurisdiction"], out["obligation"] = code, obligation
    out["clock_event"] = [c[1] if c is not None else "" for c in clock_of]
    out["clock_source"] = [c[2] if c is not None else "none" for c in clock_of]
    out["clock_start"] = [c[0].isoformat() if c is not None else "" for c in clock_of]
    out["clock_note"] = [c[3] if c is not None else "" for c in clock_of]
    out["due_at"] = col(lambda d: d.due_at.isoformat() if d.due_at else "")
    out["basis"] = col(lambda d: d.basis)
    out["citation"] = col(lambda d: d.citation or "")
    out["rule_version"] = col(lambda d: d.rule_version or "")
    out["confidence"] = col(lambda d: d.confidence or "")
    # the engine's reason for each answer, with its representative count as a slot for the row's own
    templates = [_count_slot(d.reason, rep) for d, rep in answers]
    reasons = np.full(n, "", dtype=object)
    for p in np.flatnonzero(has_disc):
        t = templates[due_ix[p]]
        reasons[p] = t if _SLOT not in t else t.replace(_SLOT, str(int(res[p])))
    out["reason"] = reasons

    applies = col(lambda d: d.applies, False).astype(bool)
    assessed = col(lambda d: d.basis != "not_assessed", True).astype(bool)
    due_local = pd.to_datetime(pd.Series(col(lambda d: d.due_at.replace(tzinfo=None) if d.due_at else None, None)))
    end_of_day = col(lambda d: d.due_at is None or d.due_at.time() == END_OF_DAY, True).astype(bool)
    sent = pd.to_datetime(df["notified"], errors="coerce")
    no_sent = sent.isna().to_numpy()
    late_s = ((sent - due_local).dt.total_seconds() / 86400).to_numpy()
    same_day = (~end_of_day) & (sent.dt.date.to_numpy() == due_local.dt.date.to_numpy())
    is_late = ~no_sent & (np.nan_to_num(late_s, nan=0.0) > 0)
    conds = [~has_disc, ~assessed, ~applies & under, ~applies, no_sent, same_day, is_late]
    status = np.select(conds, ["not_determinable", "not_assessed", "under_threshold", "not_required",
                               "not_determinable", "not_determinable", "late"], default="on_time").astype(object)
    sent_txt = sent.dt.strftime("%Y-%m-%d").fillna("").to_numpy(dtype=object)
    days = np.where(is_late, np.ceil(np.nan_to_num(late_s, nan=0.0)), 0).astype(np.int64)
    why = np.select(conds, [
        "no discovery date (" + df["discovered_reason"].astype(str).to_numpy(dtype=object) + ")",
        reasons, reasons, reasons,
        "no notification date (" + df["notified_reason"].astype(str).to_numpy(dtype=object) + ")",
        np.full(n, "the notice is dated the day an hour-based deadline fell due and the register gives no time", dtype=object),
        "notified " + sent_txt + ", " + days.astype(str).astype(object) + " day(s) after the due moment",
    ], default="notified " + sent_txt + " on or before the due moment")
    out["status"], out["status_reason"] = status, why
    out["days_late"] = pd.array(np.where(status == "late", days, np.where(status == "on_time", 0, -1)), dtype="Int64")
    out.loc[~np.isin(status, ["late", "on_time"]), "days_late"] = pd.NA
    before = (sent < pd.to_datetime(df["discovered"], errors="coerce")).to_numpy(dtype=bool)
    out["date_check"] = np.where(before, "notified before discovered", "")
    stats = JudgeStats(n, int(has_disc.sum()), len({c[0] for c in clock_of if c is not None}), len(answers))
    return pd.concat([df, out[list(JUDGED_COLUMNS)]], axis=1), stats
