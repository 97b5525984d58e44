"""A finding's evidence as small readable tables (the report's finding cards), not JSON.

findings.json keeps the evidence as data; the report shows it as:

* scalars as field/value rows of one definition table (dates and moments formatted
  ``2017-08-28`` / ``2017-08-28 23:59 UTC``, numbers with thousands separators);
* a dict nested one level flattened into that table (``loss_avoided.first.close`` is
  ``loss avoided: first``; deeper values are shown compactly);
* a list of dicts as a table of its own with the union of their columns;
* a list of scalars as one comma-separated value;
* long lists capped at :data:`MAX_ROWS` rows / :data:`MAX_ITEMS` items, with "and N more".

:func:`deadline_sentence` writes the deadline arithmetic of a timeliness finding
("clock start 2017-07-29 (discovery) + 30 calendar days = due 2017-08-28; sent 2017-08-03 –
2017-12-16; at most 110 days late") from the evidence fields the notice-timeline stage writes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

#: At most this many rows of a list of records, and items of a list of scalars.
MAX_ROWS = 8
MAX_ITEMS = 10
#: Evidence keys not shown as rows (the card states them elsewhere).
HIDDEN = frozenset({"check", "also_seen_by"})

_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class EvidenceTable:
    """One small table: ``kind`` "fields" (two columns: field, value) or "records"."""

    kind: str
    columns: list[str]
    rows: list[list[str]]
    title: str | None = None
    more: int = 0                      # rows left off
    numeric: set[str] = field(default_factory=set)


def label(key: str) -> str:
    return str(key).replace("_", " ")


def _moment(text: str) -> str:
    try:
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if t.tzinfo is not None:
        t = t.astimezone(dt.timezone.utc)
        return t.strftime("%Y-%m-%d") if t.time() == dt.time(0) else t.strftime("%Y-%m-%d %H:%M UTC")
    return t.strftime("%Y-%m-%d") if t.time() == dt.time(0) else t.strftime("%Y-%m-%d %H:%M")


def fmt(value: Any) -> str:
    """One value as display text."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:
            return "—"
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.2f}"
    if isinstance(value, (dt.datetime, dt.date)):
        return _moment(value.isoformat())
    if isinstance(value, str):
        s = value.strip()
        if _MOMENT.match(s):
            return _moment(s)
        return value
    if isinstance(value, dict):
        return "; ".join(f"{label(k)}: {fmt(v)}" for k, v in value.items()) or "—"
    if isinstance(value, (list, tuple)):
        return _items(list(value))
    return str(value)


def _items(values: list[Any]) -> str:
    if not values:
        return "none"
    shown = ", ".join(fmt(v) for v in values[:MAX_ITEMS])
    return shown + (f" and {len(values) - MAX_ITEMS} more" if len(values) > MAX_ITEMS else "")


def _records(key: str, values: list[dict[str, Any]]) -> EvidenceTable:
    cols: list[str] = []
    for rec in values:
        for k in rec:
            if k not in cols:
                cols.append(k)
    rows = [[fmt(rec.get(c)) for c in cols] for rec in values[:MAX_ROWS]]
    numeric = {label(c) for c in cols if all(isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool)
                                             for r in values[:MAX_ROWS] if r.get(c) is not None)
               and any(r.get(c) is not None for r in values[:MAX_ROWS])}
    return EvidenceTable("records", [label(c) for c in cols], rows, title=label(key),
                         more=max(0, len(values) - MAX_ROWS), numeric=numeric)


def evidence_tables(evidence: dict[str, Any] | None) -> list[EvidenceTable]:
    """The evidence of one finding as small tables: a field/value table first (when there are
    scalars), then one table per list of records."""
    fields: list[list[str]] = []
    tables: list[EvidenceTable] = []
    for key, value in (evidence or {}).items():
        if key in HIDDEN:
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            tables.append(_records(key, value))
        elif isinstance(value, dict) and value and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                       for v in value.values()) and len(value) > 3:
            # a count per key (by_jurisdiction...): a table of its own, largest first
            items = sorted(value.items(), key=lambda kv: (-kv[1], str(kv[0])))
            tables.append(EvidenceTable("records", [label(key).removeprefix("by ") or "key", "count"],
                                        [[str(k), fmt(v)] for k, v in items[:MAX_ROWS]], title=label(key),
                                        more=max(0, len(items) - MAX_ROWS), numeric={"count"}))
        elif isinstance(value, dict):
            if not value:
                fields.append([label(key), "—"])
            for k, v in value.items():  # flattened one level
                fields.append([f"{label(key)}: {label(k)}", fmt(v)])
        else:
            fields.append([label(key), fmt(value)])
    if fields:
        tables.insert(0, EvidenceTable("fields", ["field", "value"], fields))
    return tables


def _day(value: Any) -> str | None:
    if value is None or value == "-" or value == "":
        return None
    try:
        t = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t.date().isoformat()


def deadline_sentence(evidence: dict[str, Any] | None) -> str | None:
    """The deadline arithmetic of a timeliness finding, or None when the evidence has no due date.

    ``clock_start`` + the period (``period_days`` or, without it, the calendar days from the
    clock start to ``due_at``) = due; then what was sent (``first_sent``/``last_sent`` or
    ``sent_at``) and how late (``days_late_max``, ``days_late``, ``days_overdue``)."""
    ev = evidence or {}
    due = _day(ev.get("due_at"))
    if not due:
        return None
    parts = []
    start = _day(ev.get("clock_start"))
    if start:
        days = ev.get("period_days")
        if days is None:
            days = (dt.date.fromisoformat(due) - dt.date.fromisoformat(start)).days
        unit = label(ev.get("period_unit") or "calendar_days")
        event = f" ({label(ev['clock_event'])})" if ev.get("clock_event") else ""
        parts.append(f"clock start {start}{event} + {days} {unit} = due {due}")
    else:
        parts.append(f"due {due}")
    if ev.get("basis") == "assessment":
        parts[-1] += " (assessment yardstick, not law)"
    first, last = _day(ev.get("first_sent")), _day(ev.get("last_sent"))
    sent = _day(ev.get("sent_at"))
    if first and last and first != last:
        parts.append(f"sent {first} – {last}")
    elif first or sent:
        parts.append(f"sent {first or sent}")
    if ev.get("days_late_max") is not None:
        parts.append(f"max {fmt(ev['days_late_max'])} days late")
    elif ev.get("days_late") is not None:
        parts.append(f"{fmt(ev['days_late'])} days late")
    if ev.get("days_overdue") is not None:
        parts.append(f"not sent: {fmt(ev['days_overdue'])} days overdue at the audit date")
    return "; ".join(parts)
