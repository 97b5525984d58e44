"""Per jurisdiction: counts and quantiles of the person statuses, and the regulator and CRA duties.

Regulator and credit-bureau (CRA) duties are judged per jurisdiction with the actual
resident count against the rule's threshold; a ``consumer_reporting_agency`` row with
jurisdiction ``US`` counts as nationwide for every US state, and for an EU member state a
supervisory-authority row with jurisdiction ``EU`` (the lead authority under the GDPR's
one-stop shop) counts as well as one naming the state itself.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from typing import Any

import pandas as pd

from workbench.casefacts import facts_for
from workbench.owners import ORGANISATION, owner_case
from workbench.law import UNKNOWN_JURISDICTION, RuleBook, load_rulebook
from workbench.law.deadlines import media_dues, rule_for_case
from workbench.timelines.clock import DAY_SECONDS, _utc, audit_moment
from workbench.timelines.clock import engine_keywords  # the case's delay and harm facts for due()

log = logging.getLogger("workbench.timelines")

REGULATOR_RECIPIENT_TYPES: tuple[str, ...] = ("attorney_general", "regulator", "supervisory_authority")

CRA_RECIPIENT_TYPE = "consumer_reporting_agency"
#: A notice to the press serving a State (HIPAA's media notice, 45 CFR § 164.406).
MEDIA_RECIPIENT_TYPE = "media"

#: Counts and extremes per jurisdiction: streaming aggregates, which DuckDB spills to disk.
_SUMMARY_SQL = """
SELECT data_owner, jurisdiction,
       count(*) AS residents,
       count(*) FILTER (WHERE scope = 'residence') AS home_residents,
       count(*) FILTER (WHERE status = 'on_time') AS on_time,
       count(*) FILTER (WHERE status = 'late') AS late,
       count(*) FILTER (WHERE status IN ('overdue', 'missing')) AS missing,
       count(*) FILTER (WHERE status = 'overdue') AS overdue,
       count(*) FILTER (WHERE status = 'missing') AS undelivered_only,
       count(*) FILTER (WHERE status = 'pending') AS pending,
       count(*) FILTER (WHERE status = 'not_required') AS not_required,
       count(*) FILTER (WHERE status = 'not_assessed') AS not_assessed,
       count(*) FILTER (WHERE covered IS NOT FALSE) AS notifiable,
       count(*) FILTER (WHERE covered = false) AS not_personal_information,
       max(days_late) AS days_late_max,
       max(days_overdue) AS days_overdue_max,
       min(first_valid_notice) AS first_notice_at,
       max(first_valid_notice) AS last_notice_at
FROM person_status GROUP BY data_owner, jurisdiction
"""

#: Exact quantiles per jurisdiction, for the jurisdictions in list parameter ``$codes``.
#: Quantiles are holistic: DuckDB keeps every value of every group in memory and cannot
#: spill them (150M people: 2.4 GB for the delay quantiles alone), so they run in batches
#: of jurisdictions (:func:`quantile_batches`).
_QUANTILES_SQL = """
SELECT data_owner, jurisdiction,
       median(delay_days) AS delay_median_days,
       quantile_cont(delay_days, 0.95) AS delay_p95_days,
       median(days_late) AS days_late_median
FROM person_status WHERE list_contains($codes, jurisdiction) GROUP BY data_owner, jurisdiction
"""

#: Memory per person a batch of :data:`_QUANTILES_SQL` may hold: three 8-byte values, with
#: room for the value vectors' growth and the sort that picks the quantile.
QUANTILE_BYTES_PER_ROW = 64

#: Column order of the summary (counts, then quantiles, then extremes).
_SUMMARY_COLUMNS = ["data_owner", "jurisdiction", "residents", "home_residents", "on_time", "late", "missing", "overdue", "undelivered_only",
                    "pending", "not_required", "not_assessed", "notifiable", "not_personal_information",
                    "delay_median_days", "delay_p95_days",
                    "days_late_median", "days_late_max", "days_overdue_max", "first_notice_at", "last_notice_at"]


def quantile_batches(residents: dict[str, int], max_rows: int) -> list[list[str]]:
    """Jurisdictions grouped so that each group holds at most ``max_rows`` people, in code
    order (a jurisdiction larger than ``max_rows`` is a group of its own)."""
    batches: list[list[str]] = []
    rows = 0
    for code in sorted(residents):
        n = residents[code]
        if batches and rows + n <= max_rows:
            batches[-1].append(code)
            rows += n
        else:
            batches.append([code])
            rows = n
    return batches


def _summary(con, max_rows: int | None = None) -> pd.DataFrame:
    """Per-jurisdiction counts and quantiles of table ``person_status``, in bounded memory:
    the quantiles of a batch of jurisdictions hold at most a quarter of DuckDB's memory limit."""
    from workbench.duck import memory_limit_bytes

    counts = con.execute(_SUMMARY_SQL).df()
    max_rows = max_rows or max(1, memory_limit_bytes(con) // 4 // QUANTILE_BYTES_PER_ROW)
    residents = counts.groupby("jurisdiction")["residents"].sum().astype("int64").to_dict()
    parts = [con.execute(_QUANTILES_SQL, {"codes": codes}).df() for codes in quantile_batches(residents, max_rows)]
    if len(parts) > 1:
        log.info("quantiles of %d jurisdictions computed in %d batches", len(residents), len(parts))
    quantiles = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["data_owner", "jurisdiction", "delay_median_days", "delay_p95_days", "days_late_median"])
    out = counts.merge(quantiles, on=["data_owner", "jurisdiction"], how="left", validate="one_to_one")
    if len(out) != len(counts):
        from workbench.errors import GuardrailError
        raise GuardrailError(f"summary has {len(out)} rows after adding the quantiles, {len(counts)} before")
    return out.reindex(columns=_SUMMARY_COLUMNS)


def obligation_status(due, sent_at: pd.Timestamp | None, audit_at: dt.datetime) -> tuple[str, int | None]:
    """Status of a regulator or CRA obligation: not_required, on_time, late (with days),
    missing (due passed before the audit date), pending, sent_not_required, or not_assessed
    (the law data does not model the jurisdiction on the case's dates)."""
    if due.basis == "not_assessed":
        return "not_assessed", None
    if not due.applies:
        return ("sent_not_required" if sent_at is not None else "not_required"), None
    if sent_at is None:
        return ("missing", _ceil_days(audit_at - due.due_at)) if due.due_at < audit_at else ("pending", None)
    if sent_at <= due.due_at:
        return "on_time", None
    return "late", _ceil_days(sent_at - due.due_at)


def _ceil_days(delta: dt.timedelta) -> int:
    return int(math.ceil(delta.total_seconds() / DAY_SECONDS))


def _notice_groups(reg: pd.DataFrame) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Regulator-notice rows grouped once by (data owner, kind, jurisdiction): kind
    ``regulator``, ``cra`` or ``media``; first sent moment, the latest row's residents_reported, rows,
    recipients. A row without ``data_owner`` is the organisation's own filing."""
    if reg is None or len(reg) == 0:
        return {}
    frame = pd.DataFrame({
        "j": reg["jurisdiction"].astype("str").str.strip().str.upper(),
        "t": reg["recipient_type"].astype("str").str.strip().str.lower(),
        "recipient": reg["recipient"].astype("str").str.strip().str.lower() if "recipient" in reg.columns else "",
        "sent_at": reg["sent_at"], "reported": reg["residents_reported"],
        "o": (reg["data_owner"].astype("str").str.strip().where(reg["data_owner"].notna(), ORGANISATION)
              if "data_owner" in reg.columns else ORGANISATION),
    })
    frame = frame[frame["sent_at"].notna()]
    frame["kind"] = frame["t"].map(lambda t: "regulator" if t in REGULATOR_RECIPIENT_TYPES
                                   else "cra" if t == CRA_RECIPIENT_TYPE
                                   else "media" if t == MEDIA_RECIPIENT_TYPE else None)
    frame = frame[frame["kind"].notna()].sort_values("sent_at", kind="stable")
    out = {}
    for (o, kind, j), g in frame.groupby(["o", "kind", "j"], sort=False):
        out[(o, kind, j)] = {"first": g["sent_at"].iloc[0], "last": g["sent_at"].iloc[-1],
                          "reported": None if pd.isna(g["reported"].iloc[-1]) else int(g["reported"].iloc[-1]),
                          "rows": len(g), "recipients": set(g["recipient"]),
                          "filings": [(pd.Timestamp(t), None if pd.isna(n) else int(n))
                                      for t, n in zip(g["sent_at"], g["reported"])]}
    return out


def _merge_groups(groups: dict, kind: str, codes: list[str], owner: str = ORGANISATION) -> dict[str, Any]:
    """The notices of ``kind`` of data owner ``owner`` addressed to any of ``codes`` (e.g.
    US-FL and nationwide US)."""
    found = [groups[(owner, kind, c)] for c in codes if (owner, kind, c) in groups]
    if not found:
        return {"first": None, "reported": None, "rows": 0, "recipients": set(), "filings": []}
    latest = max(found, key=lambda g: g["last"])
    return {"first": min(g["first"] for g in found), "reported": latest["reported"],
            "rows": sum(g["rows"] for g in found), "recipients": set().union(*(g["recipients"] for g in found)),
            "filings": sorted(f for g in found for f in g["filings"])}


def filing_log(filings: list[tuple[pd.Timestamp, int | None]], due_at) -> str:
    """Every filing to one regulator, oldest first, as text: its date, its declared count, and
    whether it came by the due moment ("2023-06-15 (700, on time); 2023-07-02 (900, update)")."""
    parts = []
    for i, (at, n) in enumerate(filings):
        when = "update" if i else ("on time" if due_at is not None and not pd.isna(due_at) and at <= due_at
                                    else "late" if due_at is not None and not pd.isna(due_at) else "original")
        parts.append(f"{at.date().isoformat()} ({'count not given' if n is None else f'{n:,}'}, {when})")
    return "; ".join(parts)


def regulator_table(case, summary: pd.DataFrame, regulator_notices: pd.DataFrame | None, *,
                    book: RuleBook | None = None, audit_at: dt.datetime | None = None) -> pd.DataFrame:
    """Regulator and CRA duties per jurisdiction, judged on the actual resident count.

    ``summary`` needs ``jurisdiction``, ``residents``, ``notifiable`` (the residents whose
    exposed elements are personal information there) and ``first_notice_at`` (the first
    valid individual notice there, for duties timed against it). Thresholds and the check
    of reported counts use the case's ``declared_residents`` for the code when given (the
    people table may be a sample), else the notifiable residents. ``regulator_notices`` is
    the input frame, or None when the case has none (then every required notice is
    "missing" or "pending", and the stage marks the check "not assessed").
    """
    book = book or load_rulebook()
    audit_at = audit_at or audit_moment(case)
    reg = regulator_notices if regulator_notices is not None else pd.DataFrame(
        columns=["jurisdiction", "recipient_type", "recipient", "sent_at", "residents_reported"])
    groups = _notice_groups(reg)
    rows = []
    for rec in summary.itertuples(index=False):  # one iteration per jurisdiction, not per person
        code, owner = rec.jurisdiction, getattr(rec, "data_owner", ORGANISATION)
        view = owner_case(case, owner)
        if view is None:  # an owner the case does not declare: its filings are not assessed
            rows.append({"data_owner": owner, "jurisdiction": code})
            continue
        declared = view.declared_residents.get(code) if getattr(view, "declared_residents", None) else None
        notifiable = getattr(rec, "notifiable", rec.residents)
        notifiable = 0 if notifiable is None or pd.isna(notifiable) else int(notifiable)
        residents = declared if declared is not None else notifiable
        row: dict[str, Any] = {"data_owner": owner, "jurisdiction": code, "declared_residents": declared, "threshold_residents": residents,
                               "threshold_residents_source": "declared" if declared is not None else "people table"}
        if code == UNKNOWN_JURISDICTION or code not in book:
            rows.append(row)
            continue
        rule, start = rule_for_case(book, code, view)
        first_ind = rec.first_notice_at if pd.notna(rec.first_notice_at) else None
        kw = dict(residents=residents, assessment_days=view.parameters.assessment_days,
                  encrypted=view.incident.encrypted,
                  individual_sent_at=None if first_ind is None else pd.Timestamp(first_ind).to_pydatetime(),
                  **engine_keywords(view, facts_for(view, code)))
        target = rule if rule is not None else code
        # regulator
        due = book.due(target, "regulator", start, **kw)
        mine = _merge_groups(groups, "regulator", [code] + (["EU"] if code.startswith("EU-") else []), owner)
        first, reported = mine["first"], mine["reported"]
        status, days = obligation_status(due, first, audit_at)
        row.update({
            "regulator_required": bool(due.applies), "regulator_threshold": getattr(rule, "regulator_threshold", None),
            "regulator_name": getattr(rule, "regulator_name", None),
            "regulator_condition": getattr(rule, "regulator_condition", None),
            "regulator_due_at": _utc(due.due_at), "regulator_basis": due.basis, "regulator_reason": due.reason,
            "regulator_citation": due.citation, "regulator_sent_at": first, "regulator_notices": mine["rows"],
            "regulator_status": status, "regulator_days_late": days, "residents_reported": reported,
            "residents_reported_matches": None if reported is None else reported == residents,
            "regulator_filing_log": filing_log(mine["filings"], _utc(due.due_at)) or None,
            "regulator_counts_reported": ",".join(str(n) for _, n in mine["filings"] if n is not None) or None,
        })
        # consumer reporting agencies
        cdue = book.due(target, "cra", start, **kw)
        cra = _merge_groups(groups, "cra", [code] + (["US"] if code.startswith("US-") else []), owner)
        cfirst = cra["first"]
        cstatus, cdays = obligation_status(cdue, cfirst, audit_at)
        row.update({
            "cra_required": bool(cdue.applies), "cra_threshold": getattr(rule, "cra_threshold", None),
            "cra_due_at": _utc(cdue.due_at), "cra_basis": cdue.basis, "cra_reason": cdue.reason,
            "cra_citation": cdue.citation, "cra_sent_at": cfirst,
            "cra_recipients": len(cra["recipients"]),
            "cra_status": cstatus, "cra_days_late": cdays,
        })
        row.update(_media_columns(book, view, code, rec, declared, groups, owner, audit_at))
        rows.append(row)
    return pd.DataFrame(rows)


def _media_columns(book: RuleBook, view, code: str, rec, declared: int | None, groups: dict, owner: str,
                   audit_at: dt.datetime) -> dict[str, Any]:
    """The per-State media notice of the owner's sector regimes (HIPAA) for State ``code``,
    judged on every affected resident of the State (the regime's own data, not the State
    law's definition), or the case's declared count for the State."""
    state_residents = declared if declared is not None else int(rec.residents or 0)
    dues = media_dues(book, view, code, state_residents)
    if not dues:
        return {}
    rule, _start, due = dues[0]  # one sector regime with a media duty is modelled (HIPAA)
    mine = _merge_groups(groups, "media", [code], owner)
    status, days = obligation_status(due, mine["first"], audit_at)
    return {"media_required": bool(due.applies), "media_threshold": rule.media_threshold,
            "media_regime": rule.code, "media_residents": state_residents,
            "media_due_at": _utc(due.due_at), "media_basis": due.basis, "media_reason": due.reason,
            "media_citation": due.citation, "media_sent_at": mine["first"], "media_notices": mine["rows"],
            "media_status": status, "media_days_late": days}
