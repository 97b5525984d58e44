"""The whole register at a glance: pure tables on judged registers (issue 20, point 3).

Every function takes the judged-register table (``RegisterAudit.judged``, or
``judged_register.csv`` read back: dates may be ``datetime.date`` or ISO text) and returns a
new table; nothing is read or written, no clock is consulted, inputs are not changed.

- :func:`late_per_year`: per year, late notices (count, share of the judged, median and
  maximum days late, by basis) beside the rows that could not be judged;
- :func:`statutory_changes`: the versions of the code that took effect inside the
  register's period, and which modelled fields changed;
- :func:`repeat_late_filers` / :func:`late_by_sector`: who files late more than once;
- :func:`delay_per_year`: days from discovery to notice, median and percentiles per year;
- :func:`filed_more_than_once`: incidents with amendments or duplicates;
- :func:`across_registers`: the same incident in several registers, with the gap between the
  first and the last notified State.

The **year** of a row is the year of its notification date, else of its discovery date, else
``unknown`` (rejected rows: ``unknown``): the same year as ``summary.json`` ``status_by_year``,
so a count here equals the count there. Not legal advice.
"""

from __future__ import annotations

import datetime as dt
from typing import Mapping

import pandas as pd

from workbench.law.rulebook import RuleBook

UNKNOWN_YEAR = "unknown"
YEAR_MEANS = "the year of the notification date, else of the discovery date, else unknown"
#: Filings that are a later copy of an incident's first filing (not counted as notices of their own).
LATER_FILINGS: frozenset[str] = frozenset({"amendment", "duplicate"})
#: Rule fields whose change between versions :func:`statutory_changes` reports, with their words.
CHANGE_FIELDS: dict[str, str] = {
    "regime": "breach-notice law in force",
    "modelled": "modelled by the law data",
    "individual_required": "notice to individuals required",
    "individual_deadline": "individual notice deadline",
    "clock_starts": "clock starts at",
    "regulator_threshold": "regulator notice threshold (residents)",
    "regulator_deadline": "regulator notice deadline",
    "regulator_relative": "regulator notice timed against the individual notice",
    "regulator_annual_log_below": "annual log below (residents)",
    "cra_threshold": "consumer reporting agency threshold",
    "risk_of_harm_exception": "risk-of-harm exception",
    "encryption_safe_harbor": "encryption safe harbour",
    "individual_conditions": "individual notice conditions",
    "regulator_conditions": "regulator notice conditions",
    "media_threshold": "media notice threshold",
    "media_deadline": "media notice deadline",
}
QUANTILES: dict[str, float] = {"median": 0.5, "p75": 0.75, "p90": 0.9}


def _day(series: pd.Series) -> pd.Series:
    """A date column (date objects, ISO text, blanks) as datetime64 (NaT where missing)."""
    return pd.to_datetime(series.astype("string").str.slice(0, 10), errors="coerce", format="%Y-%m-%d")


def row_year(judged: pd.DataFrame) -> pd.Series:
    """The year of each row (text): notification date, else discovery date, else ``unknown``."""
    sent, disc = _day(judged["notified"]), _day(judged["discovered"])
    year = sent.dt.year.where(sent.notna(), disc.dt.year)
    out = year.astype("Int64").astype("string").fillna(UNKNOWN_YEAR)
    if "status" in judged:
        out = out.mask(judged["status"] == "rejected", UNKNOWN_YEAR)
    return out.astype(object)


def _first_filings(judged: pd.DataFrame) -> pd.Series:
    """True for a row that is a notice of its own (not an amendment or duplicate of another)."""
    return ~judged["filing"].fillna("").isin(LATER_FILINGS)


def _days(judged: pd.DataFrame) -> pd.Series:
    return pd.to_numeric(judged["days_late"], errors="coerce")


LATE_PER_YEAR_COLUMNS: tuple[str, ...] = (
    "year", "rows", "judged", "on_time", "late", "late_share", "late_statutory", "late_assessment",
    "median_days_late", "max_days_late", "late_first_filings", "not_determinable", "not_assessed",
    "under_threshold", "not_required", "rejected")


def late_per_year(judged: pd.DataFrame) -> pd.DataFrame:
    """Late notices per year (:data:`LATE_PER_YEAR_COLUMNS`), oldest first, ``unknown`` last.

    ``judged`` = on time + late (the rows with an answer); ``late_share`` = late / judged;
    ``late`` counts every late filing (as ``summary.json`` ``status_by_year``),
    ``late_first_filings`` only the first filing of each incident (as the findings);
    ``late_statutory`` / ``late_assessment`` split the late by the basis of their deadline
    (statute, or the audit's assessment yardstick). The rows that could not be judged are
    counted beside them, never left out.
    """
    df = judged.assign(_year=row_year(judged), _days=_days(judged), _first=_first_filings(judged))
    rows = []
    for year, g in df.groupby("_year", sort=False):
        st = g["status"]
        late = g[st == "late"]
        n_judged = int(st.isin(["on_time", "late"]).sum())
        rows.append({
            "year": year, "rows": len(g), "judged": n_judged, "on_time": int((st == "on_time").sum()),
            "late": len(late), "late_share": round(len(late) / n_judged, 4) if n_judged else None,
            "late_statutory": int((late["basis"] == "statutory").sum()),
            "late_assessment": int((late["basis"] == "assessment").sum()),
            "median_days_late": float(late["_days"].median()) if len(late) else None,
            "max_days_late": int(late["_days"].max()) if len(late) else None,
            "late_first_filings": int(late["_first"].sum()),
            **{s: int((st == s).sum()) for s in ("not_determinable", "not_assessed", "under_threshold", "not_required",
                                                  "rejected")},
        })
    out = pd.DataFrame(rows, columns=list(LATE_PER_YEAR_COLUMNS)).astype({"max_days_late": "Int64"})
    out["_k"] = out["year"].map(lambda y: (y == UNKNOWN_YEAR, y))
    return out.sort_values("_k").drop(columns="_k").reset_index(drop=True)


def register_period(judged: pd.DataFrame) -> tuple[dt.date, dt.date] | None:
    """(first, last) day of the register: the earliest and latest discovery or notification date."""
    days = pd.concat([_day(judged["discovered"]), _day(judged["notified"])]).dropna()
    if days.empty:
        return None
    return days.min().date(), days.max().date()


def _value(v) -> str:
    if v is None:
        return "none"
    if isinstance(v, tuple):
        return "; ".join(str(x) for x in v) or "none"
    return str(v)


def statutory_changes(book: RuleBook, code: str, period: tuple[dt.date, dt.date] | None) -> pd.DataFrame:
    """Versions of ``code`` that took effect inside ``period`` (first and last day included):
    ``effective_from``, ``version``, ``previous``, ``changed`` (which of :data:`CHANGE_FIELDS`
    changed, old -> new), ``citation``. Empty when no version starts inside the period."""
    cols = ["effective_from", "version", "previous", "changed", "citation"]
    if period is None:
        return pd.DataFrame(columns=cols)
    first, last = period
    versions = book.history(code)
    rows = []
    for prev, rule in zip(versions, versions[1:]):
        if rule.effective_from is None or not first <= rule.effective_from <= last:
            continue
        diffs = [f"{words}: {_value(getattr(prev, f))} -> {_value(getattr(rule, f))}"
                 for f, words in CHANGE_FIELDS.items() if getattr(prev, f) != getattr(rule, f)]
        rows.append({"effective_from": rule.effective_from, "version": rule.version, "previous": prev.version,
                     "changed": "; ".join(diffs) or "no modelled field changed (text or citation only)",
                     "citation": rule.citation})
    return pd.DataFrame(rows, columns=cols)


def _late_notices(judged: pd.DataFrame) -> pd.DataFrame:
    """Late first filings (amendments and duplicates are copies of a notice, not notices of their own)."""
    return judged[(judged["status"] == "late") & _first_filings(judged)].assign(_days=lambda d: _days(d))


def repeat_late_filers(judged: pd.DataFrame, *, at_least: int = 2) -> pd.DataFrame:
    """Organisations (normalised name) with ``at_least`` late notices (first filings), most first:
    ``organisation`` (the name as most often written), ``organisation_key``, ``late_notices``,
    ``notices`` (their first filings in all), ``first_late``/``last_late`` (notification dates),
    ``median_days_late``, ``max_days_late``, ``sectors``."""
    cols = ["organisation", "organisation_key", "late_notices", "notices", "first_late", "last_late",
            "median_days_late", "max_days_late", "sectors"]
    late = _late_notices(judged)
    counts = late["organisation_key"].value_counts()
    keys = counts[counts >= at_least].index
    if not len(keys):
        return pd.DataFrame(columns=cols)
    filings = judged[_first_filings(judged) & judged["organisation_key"].isin(keys)]
    rows = []
    for key in keys:
        g = late[late["organisation_key"] == key]
        sent = _day(g["notified"])
        sectors = sorted({s for s in g.get("sector", pd.Series(dtype=object)).fillna("") if s})
        rows.append({"organisation": g["organisation"].mode().iloc[0], "organisation_key": key,
                     "late_notices": len(g), "notices": int((filings["organisation_key"] == key).sum()),
                     "first_late": sent.min().date().isoformat(), "last_late": sent.max().date().isoformat(),
                     "median_days_late": float(g["_days"].median()), "max_days_late": int(g["_days"].max()),
                     "sectors": "; ".join(sectors)})
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["late_notices", "max_days_late", "organisation_key"],
                           ascending=[False, False, True]).reset_index(drop=True)


def late_by_sector(judged: pd.DataFrame) -> pd.DataFrame:
    """Per sector the register gives: ``notices`` (first filings), ``judged``, ``late``,
    ``late_share``, ``organisations_late_twice`` (organisations with 2+ late notices),
    ``median_days_late``. Rows without a sector are one line, ``(no sector)``; a register
    without a sector column gives an empty table."""
    cols = ["sector", "notices", "judged", "late", "late_share", "organisations_late_twice", "median_days_late"]
    if "sector" not in judged or not (judged["sector"].fillna("") != "").any():
        return pd.DataFrame(columns=cols)
    df = judged[_first_filings(judged) & (judged["status"] != "rejected")].copy()
    df["sector"] = df["sector"].fillna("").replace("", "(no sector)")
    df["_days"] = _days(df)
    rows = []
    for sector, g in df.groupby("sector"):
        late = g[g["status"] == "late"]
        n = int(g["status"].isin(["on_time", "late"]).sum())
        twice = late["organisation_key"].value_counts()
        rows.append({"sector": sector, "notices": len(g), "judged": n, "late": len(late),
                     "late_share": round(len(late) / n, 4) if n else None,
                     "organisations_late_twice": int((twice >= 2).sum()),
                     "median_days_late": float(late["_days"].median()) if len(late) else None})
    return pd.DataFrame(rows, columns=cols).sort_values(["late", "sector"], ascending=[False, True]).reset_index(drop=True)


DELAY_COLUMNS: tuple[str, ...] = ("year", "notices", "measured", "not_measured", "median", "p75", "p90", "max",
                                  "notified_before_discovery")


def delay_per_year(judged: pd.DataFrame) -> pd.DataFrame:
    """Days from discovery to notice per year (first filings; :data:`DELAY_COLUMNS`).

    ``measured`` rows have both dates; ``not_measured`` lack one (counted, not dropped);
    ``notified_before_discovery`` counts the negative delays (kept in the percentiles:
    the register says so)."""
    df = judged[_first_filings(judged) & (judged["status"] != "rejected")]
    delay = (_day(df["notified"]) - _day(df["discovered"])).dt.days
    df = df.assign(_year=row_year(df), _delay=delay)
    rows = []
    for year, g in df.groupby("_year"):
        d = g["_delay"].dropna()
        q = {k: (float(d.quantile(p)) if len(d) else None) for k, p in QUANTILES.items()}
        rows.append({"year": year, "notices": len(g), "measured": len(d), "not_measured": int(g["_delay"].isna().sum()),
                     **q, "max": int(d.max()) if len(d) else None, "notified_before_discovery": int((d < 0).sum())})
    out = pd.DataFrame(rows, columns=list(DELAY_COLUMNS)).astype({"max": "Int64"})
    out["_k"] = out["year"].map(lambda y: (y == UNKNOWN_YEAR, y))
    return out.sort_values("_k").drop(columns="_k").reset_index(drop=True)


def delays(judged: pd.DataFrame) -> pd.DataFrame:
    """(year, days) for every first filing with both dates: the points behind :func:`delay_per_year`."""
    df = judged[_first_filings(judged) & (judged["status"] != "rejected")]
    d = (_day(df["notified"]) - _day(df["discovered"])).dt.days
    out = pd.DataFrame({"year": row_year(df), "days": d}).dropna()
    out["days"] = out["days"].astype("int64")
    return out.reset_index(drop=True)


def filed_more_than_once(judged: pd.DataFrame) -> pd.DataFrame:
    """Incidents with more than one filing: ``incident_id``, ``organisation``, breach dates,
    ``filings``, ``first_row``, ``later_rows`` (amendments and duplicates), ``first_notified``,
    ``last_notified``, ``days_between`` and the ``statuses`` of the filings in row order."""
    cols = ["incident_id", "organisation", "breach_start", "breach_end", "filings", "first_row", "later_rows",
            "amendments", "duplicates", "first_notified", "last_notified", "days_between", "statuses"]
    n = pd.to_numeric(judged["filings_in_incident"], errors="coerce")
    df = judged[n > 1].sort_values("source_row", kind="stable")
    if df.empty:
        return pd.DataFrame(columns=cols)
    df = df.assign(_sent=_day(df["notified"]), _later=df["filing"].isin(LATER_FILINGS), _row=df["source_row"].astype(str))
    g = df.groupby("incident_id", sort=False)
    first = df[~df["_later"]].groupby("incident_id", sort=False).head(1).set_index("incident_id")
    later = df[df["_later"]].groupby("incident_id", sort=False)
    out = pd.DataFrame({"filings": g.size(), "first_notified": g["_sent"].min(), "last_notified": g["_sent"].max(),
                        "statuses": g["status"].agg("; ".join)})
    out["organisation"] = first["organisation"]
    out["breach_start"] = first["breach_start"].map(_iso)
    out["breach_end"] = first["breach_end"].map(_iso)
    out["first_row"] = first["source_row"].astype("int64")
    out["later_rows"] = later["_row"].agg("; ".join)
    out["amendments"] = later["filing"].agg(lambda f: int((f == "amendment").sum()))
    out["duplicates"] = later["filing"].agg(lambda f: int((f == "duplicate").sum()))
    out = out.fillna({"later_rows": "", "amendments": 0, "duplicates": 0})
    out["days_between"] = (out["last_notified"] - out["first_notified"]).dt.days.astype("Int64")
    for c in ("first_notified", "last_notified"):
        out[c] = out[c].dt.strftime("%Y-%m-%d").fillna("")
    out = out.astype({"amendments": "int64", "duplicates": "int64"})
    return out.rename_axis("incident_id").reset_index()[cols]


def _iso(v) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    return v.isoformat() if hasattr(v, "isoformat") else str(v)[:10]


ACROSS_COLUMNS: tuple[str, ...] = (
    "organisation", "organisation_key", "breach_start", "breach_end", "jurisdictions", "registers", "first_notified",
    "first_jurisdiction", "last_notified", "last_jurisdiction", "gap_days", "not_dated", "statuses")


def across_registers(judged_by_code: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The same incident in several registers (:data:`ACROSS_COLUMNS`), largest gap first.

    An incident is (normalised organisation name, first and last breach day): equal in two or
    more registers (keys given by jurisdiction code). Within one register its first filing
    (earliest notified) stands for it. ``gap_days`` is the days between the first and the
    last State notified; ``not_dated`` counts registers where its notice has no date (they
    take no part in the gap). Rows without breach dates are never matched.
    """
    keys = ["organisation_key", "breach_start", "breach_end"]
    parts = []
    for code, judged in judged_by_code.items():
        df = judged[_first_filings(judged) & (judged["status"] != "rejected")]
        start, end = _day(df["breach_start"]), _day(df["breach_end"])
        parts.append(pd.DataFrame({
            "code": code, "organisation": df["organisation"], "organisation_key": df["organisation_key"],
            "breach_start": start, "breach_end": end.where(end.notna(), start), "notified": _day(df["notified"]),
            "status": df["status"]}).dropna(subset=["breach_start"]))
    if not parts:
        return pd.DataFrame(columns=list(ACROSS_COLUMNS))
    rows = pd.concat(parts, ignore_index=True).sort_values(["notified", "code"], na_position="last", kind="stable")
    per = rows.drop_duplicates(["code", *keys])  # the first filing of the incident in each register
    per = per[per.groupby(keys)["code"].transform("size") >= 2]
    if per.empty:
        return pd.DataFrame(columns=list(ACROSS_COLUMNS))
    by_code = per.sort_values("code", kind="stable").assign(_st=lambda d: d["code"] + ": " + d["status"])
    g = by_code.groupby(keys)
    out = pd.DataFrame({"jurisdictions": g["code"].agg("; ".join), "registers": g.size(),
                        "not_dated": g["notified"].agg(lambda s: int(s.isna().sum())), "statuses": g["_st"].agg("; ".join)})
    out["organisation"] = per.groupby(keys)["organisation"].first()
    dated = per.dropna(subset=["notified"]).groupby(keys)
    first, last = dated.head(1).set_index(keys), dated.tail(1).set_index(keys)
    out["first_notified"], out["first_jurisdiction"] = first["notified"], first["code"]
    out["last_notified"], out["last_jurisdiction"] = last["notified"], last["code"]
    out["gap_days"] = (out["last_notified"] - out["first_notified"]).dt.days.where(dated.size().reindex(out.index) > 1)
    out["gap_days"] = out["gap_days"].astype("Int64")
    for c in ("first_notified", "last_notified"):
        out[c] = out[c].dt.strftime("%Y-%m-%d").fillna("")
    out = out.fillna({"first_jurisdiction": "", "last_jurisdiction": ""}).reset_index()
    for c in ("breach_start", "breach_end"):
        out[c] = out[c].dt.strftime("%Y-%m-%d")
    out = out[list(ACROSS_COLUMNS)]
    return out.sort_values(["gap_days", "organisation_key"], ascending=[False, True], na_position="last").reset_index(drop=True)


def not_determinable(judged: pd.DataFrame) -> pd.DataFrame:
    """The rows that got no answer (``not_determinable``, ``not_assessed``) and the rejected ones,
    each with its reason: what the report lists so that nothing is hidden."""
    cols = ["source_row", "organisation", "status", "status_reason", "discovered", "notified"]
    df = judged[judged["status"].isin(["not_determinable", "not_assessed", "rejected"])]
    out = df.reindex(columns=cols).copy()
    for c in ("discovered", "notified"):
        out[c] = out[c].map(_iso)
    out["organisation"] = out["organisation"].fillna("")
    return out.reset_index(drop=True)
