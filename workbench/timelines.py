"""Notice timelines against legal deadlines, per person and per regulator.

The question a regulator asks first: were my residents told in time, and was I told in
time? For every affected person this module finds the jurisdiction (``US-<region>`` for US
residents, ``EU-<country>`` for EU residents under the GDPR and that state's authority, the
country otherwise), the rule in force at the clock start the statute names, the due
moment, the first valid notice, and a status:

============== ==============================================================================
status         meaning
============== ==============================================================================
on_time        the first valid notice went out no later than the due moment
late           the first valid notice went out after the due moment (``days_late``, rounded up)
overdue        no notice at all, and the deadline passed before the audit date
missing        only notices that do not count (returned, bounced, or a substitute notice the
               rule does not allow), and the deadline passed before the audit date
pending        no valid notice yet, but the deadline falls after the audit date
not_required   the rule in force imposes no individual notice (no regime, safe harbour...);
               ``reason`` says which
not_assessed   the person could not be placed in a jurisdiction of the law data
============== ==============================================================================

``basis`` carries the engine's basis (``statutory``, ``assessment``...) and ``label`` the
status with " (assessment)" appended where the law sets no number and the case's
``assessment_days`` was applied: an audit yardstick, never law.

How it scales: clock starts are case-wide, so the law engine is asked once per
jurisdiction (a table of a few dozen rows); the people and notices never become Python
objects but DuckDB tables, joined and aggregated in SQL. They are filled chunk by chunk
from :func:`workbench.sources.iter_input` (only the columns needed), as Arrow tables of
typed values: the same parser, rows and rejects as every other stage, whatever the input
kind (CSV, Parquet, SQL), and DuckDB spills what does not fit in memory.

Regulator and credit-bureau (CRA) duties are judged per jurisdiction with the actual
resident count against the rule's threshold; a ``consumer_reporting_agency`` row with
jurisdiction ``US`` counts as nationwide for every US state, and for an EU member state a
supervisory-authority row with jurisdiction ``EU`` (the lead authority under the GDPR's
one-stop shop) counts as well as one naming the state itself.

How inputs that the data-quality stage flags are treated (each counted in ``stats``): a
duplicated person id counts once (its first row); rows without a person id are left out; a
person whose country and region the law data does not know is ``not_assessed``; a notice
dated after the audit moment (``parameters.as_of``) is not counted, since the audit judges
what had been sent by then (a far-future date is a data error, not a notice).

Public API::

    run_stage(case_path, run_dir)            # what notebook 20 calls; writes the artifacts
    assess_case(case)                        # read the case's inputs, return Timelines
    assess(case, people, notices, regulator_notices)          # the same on frames (pure)
    individual_deadlines(case, codes); match_notices(people, notices, deadlines, audit_at=...)
    regulator_table(case, summary, regulator_notices); timeline_findings(table)
    display_table(t); regulator_view(t); cumulative_figure(t); tile_map_figure(t); compliance_figure(t)
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from zoneinfo import ZoneInfo

import pandas as pd

from workbench import assessment
from workbench.assessment import Assessment
from workbench.findings import Finding
from workbench.stagebase import Stage, StageName, StageResult, execute, register
from workbench.law import UNKNOWN_JURISDICTION, RuleBook, jurisdiction_for, load_rulebook
from workbench.law.deadlines import rule_for_case

log = logging.getLogger("workbench.timelines")

STAGE = StageName.NOTICE_TIMELINES.value


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
#: Notice statuses that mean the person was not reached.
UNDELIVERED_STATUSES: tuple[str, ...] = ("returned", "bounced")
SUBSTITUTE_CHANNEL = "substitute"
REGULATOR_RECIPIENT_TYPES: tuple[str, ...] = ("attorney_general", "regulator", "supervisory_authority")
CRA_RECIPIENT_TYPE = "consumer_reporting_agency"
ASSESSMENT_NOTE = "assessment, not statutory"
DAY_SECONDS = 86_400

#: Columns of the per-jurisdiction deadline table (:func:`individual_deadlines`).
DEADLINE_COLUMNS = ["jurisdiction", "jurisdiction_name", "rule_version", "citation", "confidence",
                    "clock_event", "clock_start", "applies", "due_at", "basis", "reason",
                    "substitute_allowed"]


# ---------------------------------------------------------------- clock and rule

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


# ---------------------------------------------------------------- SQL matching

def _connect():
    from workbench.duck import connect

    return connect()


def _person_status_sql(audit_utc: pd.Timestamp) -> str:
    """SQL (over tables ``people``, ``notices``, ``deadlines``) for one lean row per person.

    ``people`` (person_id, c, r: normalised country and region) must hold one row per
    person id (:func:`_dedupe_people`); ``pair_deadlines`` maps (c, r) to the jurisdiction's
    deadline (:func:`_register_deadlines`); ``notices`` holds
    ``person_id``, ``sent_at``, ``delivered`` and ``substitute`` (see :data:`_NOTICE_COLUMNS_SQL`).
    """
    audit = audit_utc.strftime("%Y-%m-%d %H:%M:%S+00")
    return f"""
    WITH n AS (
        SELECT person_id,
               min(sent_at) FILTER (WHERE delivered AND NOT substitute) AS first_direct,
               min(sent_at) FILTER (WHERE delivered AND substitute) AS first_substitute,
               count(*) AS notice_rows
        FROM notices WHERE person_id IS NOT NULL AND sent_at IS NOT NULL AND sent_at <= TIMESTAMPTZ '{audit}'
        GROUP BY person_id),
    j AS (
        SELECT p.person_id, d.jurisdiction, d.basis, d.clock_start, d.due_at, d.applies,
               coalesce(n.notice_rows, 0) AS notice_rows,
               CASE WHEN d.substitute_allowed THEN least(n.first_direct, n.first_substitute)
                    ELSE n.first_direct END AS first_valid_notice
        FROM people p JOIN pair_deadlines d ON d.c = p.c AND d.r = p.r
                      LEFT JOIN n ON n.person_id = p.person_id),
    s AS (
        SELECT *,
            CASE WHEN applies IS NULL OR basis = 'not_assessed' THEN 'not_assessed'
                 WHEN NOT applies THEN 'not_required'
                 WHEN first_valid_notice IS NOT NULL AND first_valid_notice <= due_at THEN 'on_time'
                 WHEN first_valid_notice IS NOT NULL THEN 'late'
                 WHEN due_at < TIMESTAMPTZ '{audit}' AND notice_rows = 0 THEN 'overdue'
                 WHEN due_at < TIMESTAMPTZ '{audit}' THEN 'missing'
                 ELSE 'pending' END AS status
        FROM j)
    SELECT person_id, jurisdiction, first_valid_notice, status,
           CASE WHEN status = 'late'
                THEN CAST(ceil(epoch(first_valid_notice - due_at) / {DAY_SECONDS}) AS INTEGER) END AS days_late,
           CASE WHEN status IN ('overdue', 'missing')
                THEN CAST(ceil(epoch(TIMESTAMPTZ '{audit}' - due_at) / {DAY_SECONDS}) AS INTEGER) END AS days_overdue,
           CASE WHEN first_valid_notice IS NOT NULL
                THEN epoch(first_valid_notice - clock_start) / {DAY_SECONDS} END AS delay_days
    FROM s
    """


#: The per-person view published (Parquet in the run folder, :func:`match_notices`).
_PERSON_EXPORT_SQL = """
SELECT s.person_id, s.jurisdiction, d.rule_version, d.basis, d.clock_start, d.due_at, s.first_valid_notice,
       s.status,
       CASE WHEN d.basis = 'assessment' AND s.status IN ('on_time', 'late', 'overdue', 'missing', 'pending')
            THEN s.status || ' (assessment)' ELSE s.status END AS label,
       s.days_late, s.days_overdue, s.delay_days,
       CASE WHEN s.status IN ('not_required', 'not_assessed') THEN d.reason
            WHEN s.status = 'missing'
            THEN 'notices exist but none counts (returned, bounced, or a substitute notice the rule does not allow)'
       END AS reason
FROM person_status s LEFT JOIN deadlines d ON d.jurisdiction = s.jurisdiction
"""

#: How raw notice columns become the matching columns (text typed as workbench.sources does).
_NOTICE_COLUMNS_SQL = (
    "nullif(trim(CAST(person_id AS VARCHAR)), '') AS person_id, {sent} AS sent_at, "
    "coalesce(lower(trim(CAST(status AS VARCHAR))), 'sent') NOT IN ("
    + ", ".join(f"'{s}'" for s in UNDELIVERED_STATUSES) + ") AS delivered, "
    f"coalesce(lower(trim(CAST(channel AS VARCHAR))), '') = '{SUBSTITUTE_CHANNEL}' AS substitute")


def _dedupe_people(con) -> tuple[int, int]:
    """Keep the first row of every duplicated person id (data quality reports duplicates);
    drop rows without a person id (they cannot be matched to a notice). Returns the numbers
    of (duplicate rows, rows without id) dropped; both go into the stage's stats. ``people``
    is a plain projection of its source, so its rowid follows the file order."""
    con.execute("CREATE OR REPLACE TEMP TABLE people_dups AS SELECT person_id, min(rowid) AS keep "
                "FROM people GROUP BY person_id HAVING count(*) > 1")
    n = con.execute("SELECT count(*) FROM people_dups").fetchall()[0][0]
    if n:
        before = con.execute("SELECT count(*) FROM people").fetchall()[0][0]
        con.execute("DELETE FROM people WHERE person_id IN (SELECT person_id FROM people_dups) "
                    "AND rowid NOT IN (SELECT keep FROM people_dups)")
        n = before - con.execute("SELECT count(*) FROM people").fetchall()[0][0]
        log.info("%d duplicate person-id rows ignored (first row of each id kept)", n)
    no_id = con.execute("SELECT count(*) FROM people WHERE person_id IS NULL").fetchall()[0][0]
    if no_id:
        con.execute("DELETE FROM people WHERE person_id IS NULL")
        log.warning("%d affected-people rows without a person_id were left out of the timelines", no_id)
    return int(n), int(no_id)


def _register_deadlines(con, deadlines: pd.DataFrame) -> None:
    con.register("deadlines_frame", deadlines)
    con.execute("CREATE OR REPLACE TEMP TABLE deadlines AS SELECT jurisdiction, rule_version, basis, reason, "
                "CAST(clock_start AS TIMESTAMPTZ) AS clock_start, CAST(due_at AS TIMESTAMPTZ) AS due_at, "
                "applies, substitute_allowed FROM deadlines_frame")
    con.unregister("deadlines_frame")
    con.execute("CREATE OR REPLACE TEMP TABLE pair_deadlines AS SELECT m.c, m.r, d.* "
                "FROM jurisdiction_map m JOIN deadlines d ON d.jurisdiction = m.jurisdiction")
    missing = con.execute("SELECT count(*) FROM jurisdiction_map WHERE jurisdiction NOT IN "
                          "(SELECT jurisdiction FROM deadlines)").fetchall()[0][0]
    if missing:  # guardrail: every person's jurisdiction needs a deadline row
        from workbench.errors import GuardrailError
        raise GuardrailError(f"{missing} (country, region) pair(s) map to a jurisdiction with no deadline row")


def match_notices(people: pd.DataFrame, notices: pd.DataFrame, deadlines: pd.DataFrame, *,
                  audit_at: dt.datetime) -> pd.DataFrame:
    """Per-person timeline status (pure; for small tables and tests).

    Parameters
    ----------
    people
        ``person_id`` and ``jurisdiction``, in file order (a duplicated id keeps its first row).
    notices
        ``person_id``, ``channel``, ``sent_at`` (tz-aware), ``status``.
    deadlines
        :func:`individual_deadlines` for (at least) every jurisdiction in ``people``.
    audit_at
        The audit moment (:func:`audit_moment`).

    Returns
    -------
    pandas.DataFrame
        One row per person id, sorted by it: person_id, jurisdiction, rule_version, basis,
        clock_start, due_at, first_valid_notice, status, label, days_late, days_overdue,
        delay_days, reason.
    """
    con = _connect()
    try:
        _load_frames(con, people, notices)
        _register_deadlines(con, deadlines)
        con.execute("CREATE TEMP TABLE person_status AS "
                    + _person_status_sql(pd.Timestamp(audit_at).tz_convert("UTC")))
        return con.execute(f"SELECT * FROM ({_PERSON_EXPORT_SQL}) ORDER BY person_id").df()
    finally:
        con.close()


def _load_frames(con, people: pd.DataFrame, notices: pd.DataFrame) -> None:
    """Create the ``people`` and ``notices`` tables from frames (minimal columns)."""
    p = people.sort_values("source_row", kind="stable") if "source_row" in people.columns else people
    con.register("people_frame", p[["person_id", "jurisdiction"]])
    con.execute("CREATE OR REPLACE TEMP TABLE people AS SELECT nullif(trim(CAST(person_id AS VARCHAR)), '') AS person_id, "
                "coalesce(CAST(jurisdiction AS VARCHAR), '') AS c, '' AS r FROM people_frame")
    con.unregister("people_frame")
    con.execute("CREATE OR REPLACE TEMP TABLE jurisdiction_map AS SELECT DISTINCT c, r, "
                f"CASE WHEN c = '' THEN '{UNKNOWN_JURISDICTION}' ELSE c END AS jurisdiction FROM people")
    _dedupe_people(con)
    _notices_from(con, notices.reindex(columns=["person_id", "channel", "sent_at", "status"]))


def _notices_from(con, frame) -> None:
    """Create table ``notices`` from a frame or Arrow table with the notice columns."""
    con.register("notices_frame", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE notices AS SELECT "
                + _NOTICE_COLUMNS_SQL.format(sent="CAST(sent_at AS TIMESTAMPTZ)") + " FROM notices_frame")
    con.unregister("notices_frame")


def people_jurisdictions(people: pd.DataFrame) -> pd.DataFrame:
    """``person_id`` and ``jurisdiction`` for affected_people rows (``country``, ``region``),
    in the same order; the law package maps each distinct (country, region) pair once."""
    con = _connect()
    try:
        frame = people.reindex(columns=["person_id", "country", "region"])
        con.register("raw_people", frame)
        _map_jurisdictions(con, "SELECT person_id, country, region FROM raw_people")
        out = con.execute("SELECT p.person_id, m.jurisdiction FROM people p JOIN jurisdiction_map m "
                          "ON m.c = p.c AND m.r = p.r ORDER BY p.rowid").df()
        out.index = people.index
        return out
    finally:
        con.close()


def _map_jurisdictions(con, raw_select: str) -> None:
    """Build table ``people`` (person_id, c, r: normalised country and region, in input
    order) from a SELECT yielding person_id, country, region, and table
    ``jurisdiction_map`` (c, r, jurisdiction): each distinct pair mapped once through
    :func:`jurisdiction_for`. The pair is joined to its deadline only in the matching query,
    so the population is written once."""
    _create_people(con)
    _insert_people(con, raw_select)
    _map_pairs(con)


def _create_people(con) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE people (person_id VARCHAR, c VARCHAR, r VARCHAR)")


def _insert_people(con, raw_select: str) -> None:
    """Append people (person_id, country, region) in input order, normalised."""
    con.execute(f"""INSERT INTO people
        SELECT nullif(trim(CAST(person_id AS VARCHAR)), '') AS person_id,
               upper(trim(coalesce(CAST(country AS VARCHAR), ''))) AS c,
               upper(trim(coalesce(CAST(region AS VARCHAR), ''))) AS r
        FROM ({raw_select})""")


def _map_pairs(con) -> None:
    """Table ``jurisdiction_map``: every distinct (country, region) pair of ``people`` mapped once."""
    pairs = con.execute("SELECT DISTINCT c, r FROM people").df()
    pairs["jurisdiction"] = [jurisdiction_for(c or None, r or None) for c, r in zip(pairs["c"], pairs["r"])]
    con.register("jurisdiction_pairs", pairs)
    con.execute("CREATE OR REPLACE TEMP TABLE jurisdiction_map AS SELECT CAST(c AS VARCHAR) AS c, "
                "CAST(r AS VARCHAR) AS r, CAST(jurisdiction AS VARCHAR) AS jurisdiction FROM jurisdiction_pairs")
    con.unregister("jurisdiction_pairs")


# ---------------------------------------------------------------- per jurisdiction

#: Counts and extremes per jurisdiction: streaming aggregates, which DuckDB spills to disk.
_SUMMARY_SQL = """
SELECT jurisdiction,
       count(*) AS residents,
       count(*) FILTER (WHERE status = 'on_time') AS on_time,
       count(*) FILTER (WHERE status = 'late') AS late,
       count(*) FILTER (WHERE status IN ('overdue', 'missing')) AS missing,
       count(*) FILTER (WHERE status = 'overdue') AS overdue,
       count(*) FILTER (WHERE status = 'missing') AS undelivered_only,
       count(*) FILTER (WHERE status = 'pending') AS pending,
       count(*) FILTER (WHERE status = 'not_required') AS not_required,
       count(*) FILTER (WHERE status = 'not_assessed') AS not_assessed,
       max(days_late) AS days_late_max,
       max(days_overdue) AS days_overdue_max,
       min(first_valid_notice) AS first_notice_at,
       max(first_valid_notice) AS last_notice_at
FROM person_status GROUP BY jurisdiction
"""

#: Exact quantiles per jurisdiction, for the jurisdictions in list parameter ``$codes``.
#: Quantiles are holistic: DuckDB keeps every value of every group in memory and cannot
#: spill them (150M people: 2.4 GB for the delay quantiles alone), so they run in batches
#: of jurisdictions (:func:`quantile_batches`).
_QUANTILES_SQL = """
SELECT jurisdiction,
       median(delay_days) AS delay_median_days,
       quantile_cont(delay_days, 0.95) AS delay_p95_days,
       median(days_late) AS days_late_median
FROM person_status WHERE list_contains($codes, jurisdiction) GROUP BY jurisdiction
"""

#: Memory per person a batch of :data:`_QUANTILES_SQL` may hold: three 8-byte values, with
#: room for the value vectors' growth and the sort that picks the quantile.
QUANTILE_BYTES_PER_ROW = 64

#: Column order of the summary (counts, then quantiles, then extremes).
_SUMMARY_COLUMNS = ["jurisdiction", "residents", "on_time", "late", "missing", "overdue", "undelivered_only",
                    "pending", "not_required", "not_assessed", "delay_median_days", "delay_p95_days",
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
    residents = dict(zip(counts["jurisdiction"], counts["residents"].astype("int64")))
    parts = [con.execute(_QUANTILES_SQL, {"codes": codes}).df() for codes in quantile_batches(residents, max_rows)]
    if len(parts) > 1:
        log.info("quantiles of %d jurisdictions computed in %d batches", len(residents), len(parts))
    quantiles = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["jurisdiction", "delay_median_days", "delay_p95_days", "days_late_median"])
    out = counts.merge(quantiles, on="jurisdiction", how="left", validate="one_to_one")
    if len(out) != len(counts):
        from workbench.errors import GuardrailError
        raise GuardrailError(f"summary has {len(out)} rows after adding the quantiles, {len(counts)} before")
    return out.reindex(columns=_SUMMARY_COLUMNS)


@dataclass
class Timelines:
    """The outcome of the stage: per-jurisdiction table, findings, and chart data."""

    jurisdictions: pd.DataFrame          # one row per jurisdiction (see JURISDICTION_COLUMNS)
    findings: list[Finding]
    notices_per_day: pd.DataFrame        # date, jurisdiction family, first valid notices that day
    deadlines: pd.DataFrame              # individual_deadlines() of the jurisdictions present
    assessed: dict[str, Assessment]
    stats: dict[str, Any] = field(default_factory=dict)
    person_status_path: Path | None = None
    case: Any = None                     # the Case judged (dates for the charts)

    def sorted_table(self) -> pd.DataFrame:
        """The per-jurisdiction table, most severe problems first."""
        from workbench.findings import SEVERITY_RANK

        t = self.jurisdictions.copy()
        worst = {}
        for f in self.findings:
            if f.jurisdiction:
                worst[f.jurisdiction] = min(worst.get(f.jurisdiction, 99), SEVERITY_RANK[f.severity])
        t["worst_severity"] = t["jurisdiction"].map(lambda j: _severity_name(worst.get(j)))
        t["_rank"] = t["jurisdiction"].map(lambda j: worst.get(j, 99))
        return t.sort_values(["_rank", "residents", "jurisdiction"], ascending=[True, False, True]).drop(
            columns="_rank").reset_index(drop=True)


def _severity_name(rank: int | None) -> str:
    from workbench.findings import SEVERITIES

    return SEVERITIES[rank] if rank is not None else "none"


def obligation_status(due, sent_at: pd.Timestamp | None, audit_at: dt.datetime) -> tuple[str, int | None]:
    """Status of a regulator or CRA obligation: not_required, on_time, late (with days),
    missing (due passed before the audit date), pending, or sent_not_required."""
    if not due.applies:
        return ("sent_not_required" if sent_at is not None else "not_required"), None
    if sent_at is None:
        return ("missing", _ceil_days(audit_at - due.due_at)) if due.due_at < audit_at else ("pending", None)
    if sent_at <= due.due_at:
        return "on_time", None
    return "late", _ceil_days(sent_at - due.due_at)


def _ceil_days(delta: dt.timedelta) -> int:
    return int(math.ceil(delta.total_seconds() / DAY_SECONDS))


def _notice_groups(reg: pd.DataFrame) -> dict[tuple[str, str], dict[str, Any]]:
    """Regulator-notice rows grouped once by (kind, jurisdiction): kind ``regulator`` or
    ``cra``; first sent moment, the latest row's residents_reported, rows, recipients."""
    if reg is None or len(reg) == 0:
        return {}
    frame = pd.DataFrame({
        "j": reg["jurisdiction"].astype("str").str.strip().str.upper(),
        "t": reg["recipient_type"].astype("str").str.strip().str.lower(),
        "recipient": reg["recipient"].astype("str").str.strip().str.lower() if "recipient" in reg.columns else "",
        "sent_at": reg["sent_at"], "reported": reg["residents_reported"],
    })
    frame = frame[frame["sent_at"].notna()]
    frame["kind"] = frame["t"].map(lambda t: "regulator" if t in REGULATOR_RECIPIENT_TYPES
                                   else "cra" if t == CRA_RECIPIENT_TYPE else None)
    frame = frame[frame["kind"].notna()].sort_values("sent_at", kind="stable")
    out = {}
    for (kind, j), g in frame.groupby(["kind", "j"], sort=False):
        out[(kind, j)] = {"first": g["sent_at"].iloc[0], "last": g["sent_at"].iloc[-1],
                          "reported": None if pd.isna(g["reported"].iloc[-1]) else int(g["reported"].iloc[-1]),
                          "rows": len(g), "recipients": set(g["recipient"])}
    return out


def _merge_groups(groups: dict, kind: str, codes: list[str]) -> dict[str, Any]:
    """The notices of ``kind`` addressed to any of ``codes`` (e.g. US-FL and nationwide US)."""
    found = [groups[(kind, c)] for c in codes if (kind, c) in groups]
    if not found:
        return {"first": None, "reported": None, "rows": 0, "recipients": set()}
    latest = max(found, key=lambda g: g["last"])
    return {"first": min(g["first"] for g in found), "reported": latest["reported"],
            "rows": sum(g["rows"] for g in found), "recipients": set().union(*(g["recipients"] for g in found))}


def regulator_table(case, summary: pd.DataFrame, regulator_notices: pd.DataFrame | None, *,
                    book: RuleBook | None = None, audit_at: dt.datetime | None = None) -> pd.DataFrame:
    """Regulator and CRA duties per jurisdiction, judged on the actual resident count.

    ``summary`` needs ``jurisdiction``, ``residents`` and ``first_notice_at`` (the first
    valid individual notice there, for duties timed against it). ``regulator_notices`` is
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
        code, residents = rec.jurisdiction, int(rec.residents)
        row: dict[str, Any] = {"jurisdiction": code}
        if code == UNKNOWN_JURISDICTION or code not in book:
            rows.append(row)
            continue
        rule, start = rule_for_case(book, code, case)
        first_ind = rec.first_notice_at if pd.notna(rec.first_notice_at) else None
        kw = dict(residents=residents, assessment_days=case.parameters.assessment_days,
                  encrypted=case.incident.encrypted,
                  individual_sent_at=None if first_ind is None else pd.Timestamp(first_ind).to_pydatetime())
        target = rule if rule is not None else code
        # regulator
        due = book.due(target, "regulator", start, **kw)
        mine = _merge_groups(groups, "regulator", [code] + (["EU"] if code.startswith("EU-") else []))
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
        })
        # consumer reporting agencies
        cdue = book.due(target, "cra", start, **kw)
        cra = _merge_groups(groups, "cra", [code] + (["US"] if code.startswith("US-") else []))
        cfirst = cra["first"]
        cstatus, cdays = obligation_status(cdue, cfirst, audit_at)
        row.update({
            "cra_required": bool(cdue.applies), "cra_threshold": getattr(rule, "cra_threshold", None),
            "cra_due_at": _utc(cdue.due_at), "cra_basis": cdue.basis, "cra_reason": cdue.reason,
            "cra_citation": cdue.citation, "cra_sent_at": cfirst,
            "cra_recipients": len(cra["recipients"]),
            "cra_status": cstatus, "cra_days_late": cdays,
        })
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- findings

def severity_for(count: int, days: int | None, *, assessment: bool = False) -> str:
    """Severity from the size of a problem and its lateness.

    size: 10+ people 1 point, 1,000+ 2, 100,000+ 3; lateness: 30+ days 1 point, 90+ days 2.
    Points 0-1 low, 2 medium, 3 high, 4+ critical; a deadline that is only an assessment
    (the law sets no number) drops one level.
    """
    size = 3 if count >= 100_000 else 2 if count >= 1_000 else 1 if count >= 10 else 0
    late = 0 if days is None else 2 if days >= 90 else 1 if days >= 30 else 0
    score = size + late - (1 if assessment else 0)
    return "critical" if score >= 4 else "high" if score == 3 else "medium" if score == 2 else "low"


def _basis_note(basis: str | None) -> str:
    return f" The deadline is an {ASSESSMENT_NOTE}: the law sets no number, so the case's assessment_days was applied." \
        if basis == "assessment" else ""


def _n(x) -> int:
    return 0 if x is None or pd.isna(x) else int(x)


def timeline_findings(table: pd.DataFrame, *, regulator_assessed: bool = True) -> list[Finding]:
    """One finding per jurisdiction and problem (never per person), each with its citation.

    ``table`` is the per-jurisdiction table of :func:`assess` (deadline, counts and the
    regulator/CRA columns).
    """
    out: list[Finding] = []
    for r in table.to_dict("records"):
        code, name = r["jurisdiction"], r.get("jurisdiction_name") or r["jurisdiction"]
        residents = _n(r.get("residents"))
        basis, cite = r.get("basis"), r.get("citation")
        assess = basis == "assessment"
        citation = f"{cite} ({ASSESSMENT_NOTE})" if assess and cite else cite
        due = r.get("due_at")
        due_text = pd.Timestamp(due).isoformat() if pd.notna(due) else "-"
        ev = {"residents": residents, "due_at": due_text, "basis": basis, "rule_version": r.get("rule_version"),
              "clock_event": r.get("clock_event")}
        if code == UNKNOWN_JURISDICTION:
            out.append(Finding("notice_timeliness", "jurisdiction_unknown", "info",
                               f"{residents} affected people could not be placed in a jurisdiction",
                               f"{residents} people have a country/region that maps to no jurisdiction of the law "
                               "data; their notice timeliness was not assessed (see the data-quality stage).",
                               jurisdiction=code, count=residents, evidence={"residents": residents}))
            continue
        late = _n(r.get("late"))
        if late:
            med, mx = _n(r.get("days_late_median")), _n(r.get("days_late_max"))
            out.append(Finding(
                "notice_timeliness", "late_notice", severity_for(late, med, assessment=assess),
                f"{name}: {late} of {residents} residents notified late",
                f"{late} residents of {name} ({code}) received their first valid notice after the due moment "
                f"{due_text} (median {med} days late, at most {mx}).{_basis_note(basis)}",
                jurisdiction=code, count=late, citation=citation,
                evidence={**ev, "late": late, "days_late_median": med, "days_late_max": mx}))
        missing = _n(r.get("missing"))
        if missing:
            over = _n(r.get("days_overdue_max"))
            und = _n(r.get("undelivered_only"))
            extra = f" {und} of them had only returned/bounced or non-qualifying notices." if und else ""
            out.append(Finding(
                "notice_timeliness", "missing_notice", severity_for(missing, over, assessment=assess),
                f"{name}: {missing} of {residents} residents never validly notified",
                f"{missing} residents of {name} ({code}) had no valid notice by the audit date although it was "
                f"due {due_text} ({over} days before the audit date).{extra}{_basis_note(basis)}",
                jurisdiction=code, count=missing, citation=citation,
                evidence={**ev, "missing": missing, "no_notice_at_all": _n(r.get("overdue")),
                          "undelivered_only": und, "days_overdue": over}))
        pending = _n(r.get("pending"))
        if pending:
            out.append(Finding(
                "notice_timeliness", "pending_notice", "info",
                f"{name}: {pending} residents not yet notified, deadline after the audit date",
                f"{pending} residents of {name} ({code}) have no valid notice yet; the deadline {due_text} falls "
                f"after the audit date.{_basis_note(basis)}",
                jurisdiction=code, count=pending, citation=citation, evidence={**ev, "pending": pending}))
        out += _regulator_findings(r, name, residents, regulator_assessed)
    return out


def _regulator_findings(r: dict, name: str, residents: int, assessed: bool) -> list[Finding]:
    out: list[Finding] = []
    code = r["jurisdiction"]
    for kind, category in (("regulator", "regulator_notice"), ("cra", "cra_notice")):
        status = r.get(f"{kind}_status")
        if not isinstance(status, str) or not assessed:
            continue
        basis = r.get(f"{kind}_basis")
        cite = r.get(f"{kind}_citation")
        assess = basis == "assessment"
        citation = f"{cite} ({ASSESSMENT_NOTE})" if assess and cite else cite
        due = r.get(f"{kind}_due_at")
        due_text = pd.Timestamp(due).isoformat() if pd.notna(due) else "-"
        who = (r.get("regulator_name") or "the regulator") if kind == "regulator" else \
            "the nationwide consumer reporting agencies"
        subject = "regulator" if kind == "regulator" else "consumer reporting agencies"  # stable finding ids
        cond = r.get("regulator_condition") if kind == "regulator" else None
        cond_text = f" The duty applies only where {cond}." if isinstance(cond, str) and cond else ""
        threshold = r.get(f"{kind}_threshold")
        ev = {"residents": residents, "threshold": None if pd.isna(threshold) else int(threshold),
              "due_at": due_text, "basis": basis, "reason": r.get(f"{kind}_reason")}
        days = r.get(f"{kind}_days_late")
        days = None if days is None or pd.isna(days) else int(days)
        if status == "missing":
            sev = severity_for(residents, days, assessment=assess or bool(cond_text))
            out.append(Finding(category, f"{kind}_notice_missing", sev,
                               f"{name}: notice to {who} required but not found",
                               f"{residents} residents of {name} ({code}) were affected; notice to {who} was due "
                               f"{due_text} and none was found by the audit date ({days} days overdue)."
                               f"{cond_text}{_basis_note(basis)}",
                               jurisdiction=code, subject=subject,
                               count=residents, citation=citation, evidence={**ev, "days_overdue": days}))
        elif status == "late":
            sent = pd.Timestamp(r.get(f"{kind}_sent_at")).isoformat()
            out.append(Finding(category, f"{kind}_notice_late", severity_for(residents, days, assessment=assess),
                               f"{name}: notice to {who} sent {days} days late",
                               f"Notice to {who} for {residents} residents of {name} ({code}) was due {due_text} "
                               f"and first sent {sent}, {days} days late.{cond_text}{_basis_note(basis)}",
                               jurisdiction=code, subject=subject,
                               count=residents, citation=citation,
                               evidence={**ev, "sent_at": sent, "days_late": days}))
        elif status == "pending":
            out.append(Finding(category, f"{kind}_notice_pending", "info",
                               f"{name}: notice to {who} not yet due",
                               f"Notice to {who} for {residents} residents of {name} ({code}) is due {due_text}, "
                               f"after the audit date; none found yet.{_basis_note(basis)}",
                               jurisdiction=code, subject=subject,
                               count=residents, citation=citation, evidence=ev))
        if kind == "regulator" and r.get("residents_reported_matches") is False:
            reported = int(r["residents_reported"])
            diff = abs(reported - residents)
            sev = "medium" if diff >= max(10, 0.1 * residents) else "low"
            out.append(Finding("regulator_notice", "residents_reported_mismatch", sev,
                               f"{name}: regulator told {reported} residents, {residents} were affected",
                               f"The latest notice to {who} for {name} ({code}) reports {reported} affected "
                               f"residents; the affected-people table holds {residents} ({reported - residents:+d}).",
                               jurisdiction=code, subject="regulator", count=diff,
                               citation=r.get("regulator_citation") or r.get("citation"),
                               evidence={"residents": residents, "residents_reported": reported}))
    return out


# ---------------------------------------------------------------- the whole check

JURISDICTION_COLUMNS = [
    "jurisdiction", "jurisdiction_name", "residents", "on_time", "late", "missing", "overdue", "undelivered_only",
    "pending", "not_required", "not_assessed", "basis", "due_at", "clock_event", "clock_start", "rule_version",
    "citation", "reason", "delay_median_days", "delay_p95_days", "days_late_median", "days_late_max",
    "days_overdue_max", "first_notice_at", "last_notice_at",
    "regulator_required", "regulator_threshold", "regulator_name", "regulator_condition", "regulator_due_at",
    "regulator_basis", "regulator_sent_at", "regulator_status", "regulator_days_late", "residents_reported",
    "residents_reported_matches", "regulator_citation", "regulator_reason",
    "cra_required", "cra_threshold", "cra_due_at", "cra_basis", "cra_sent_at", "cra_recipients", "cra_status",
    "cra_days_late", "cra_citation", "cra_reason",
]


def _assess_connection(con, case, *, regulator_notices: pd.DataFrame | None, book: RuleBook,
                       regulator_assessed: bool, person_status_path: Path | None = None) -> Timelines:
    """Everything after tables ``people`` (person_id, c, r, in file order), ``jurisdiction_map`` and
    ``notices`` (person_id, sent_at, delivered, substitute) exist in ``con``."""
    duplicates, no_id = _dedupe_people(con)
    codes = [c for (c,) in con.execute("SELECT DISTINCT jurisdiction FROM jurisdiction_map").fetchall()]
    deadlines = individual_deadlines(case, codes, book=book)
    _register_deadlines(con, deadlines)
    audit_at = audit_moment(case)
    con.execute("CREATE OR REPLACE TEMP TABLE person_status AS "
                + _person_status_sql(pd.Timestamp(audit_at).tz_convert("UTC")))
    summary = _summary(con)
    per_day = con.execute("""
        SELECT CAST(timezone(?, first_valid_notice) AS DATE) AS date,
               split_part(jurisdiction, '-', 1) AS family, count(*) AS notices
        FROM person_status WHERE first_valid_notice IS NOT NULL GROUP BY ALL ORDER BY 1, 2""",
                          [case.parameters.timezone]).df()
    if person_status_path is not None:
        person_status_path.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY ({_PERSON_EXPORT_SQL}) TO '{_sql_path(person_status_path)}' (FORMAT PARQUET)")
    table = summary.merge(deadlines.drop(columns=["applies", "substitute_allowed"]), on="jurisdiction",
                          how="left", validate="one_to_one")
    reg = regulator_table(case, summary, regulator_notices, book=book, audit_at=audit_at)
    if len(reg.columns) > 1:
        table = table.merge(reg, on="jurisdiction", how="left", validate="one_to_one")
    if len(table) != len(summary):
        from workbench.errors import GuardrailError
        raise GuardrailError(f"per-jurisdiction table has {len(table)} rows, summary {len(summary)}")
    table = table.reindex(columns=JURISDICTION_COLUMNS)
    for col in ("residents", "on_time", "late", "missing", "overdue", "undelivered_only", "pending",
                "not_required", "not_assessed"):
        table[col] = table[col].fillna(0).astype("int64")
    findings = timeline_findings(table, regulator_assessed=regulator_assessed)
    after_audit = con.execute("SELECT count(*) FROM notices WHERE sent_at > ?",
                              [pd.Timestamp(audit_at).tz_convert("UTC")]).fetchall()[0][0]
    stats = {"people": int(table["residents"].sum()),
             "notice_rows": int(con.execute("SELECT count(*) FROM notices").fetchall()[0][0]),
             "notices_after_audit_date_ignored": int(after_audit),
             "jurisdictions": len(table), "duplicate_person_rows_ignored": duplicates,
             "people_without_id_ignored": no_id}
    reg_state = assessment.assessed() if regulator_assessed else assessment.input_absent("regulator_notices")
    assessed = {"individual_notice_timeliness": assessment.assessed(), "regulator_notice": reg_state,
                "cra_notice": reg_state}
    return Timelines(table, findings, per_day, deadlines, assessed, stats, person_status_path, case)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def assess(case, people: pd.DataFrame, notices: pd.DataFrame | None,
           regulator_notices: pd.DataFrame | None, *, book: RuleBook | None = None) -> Timelines:
    """The whole check on frames (pure): people (person_id, country, region), in file order,
    notices (person_id, channel, sent_at, status; None = no notices input), regulator notices.

    Without a notices input no person has a notice: the individual check is then reported
    "not assessed" by :func:`run_stage`; this function still computes deadlines and statuses.
    """
    book = book or load_rulebook()
    con = _connect()
    try:
        if "jurisdiction" not in people.columns:
            people = people_jurisdictions(people)
        if notices is None:
            notices = pd.DataFrame({"person_id": pd.Series(dtype="str"), "channel": pd.Series(dtype="str"),
                                    "sent_at": pd.Series(dtype="datetime64[us, UTC]"),
                                    "status": pd.Series(dtype="str")})
        _load_frames(con, people, notices)
        return _assess_connection(con, case, regulator_notices=regulator_notices, book=book,
                                  regulator_assessed=regulator_notices is not None)
    finally:
        con.close()


# ---------------------------------------------------------------- loading a case

#: The columns each loaded input needs (only these are read and typed).
PEOPLE_COLUMNS = ["person_id", "country", "region"]
NOTICE_COLUMNS = ["person_id", "channel", "sent_at", "status"]


def _load_sources(con, case, chunk_rows: int) -> dict[str, Any]:
    """Fill ``people``/``notices`` chunk by chunk from :func:`workbench.sources.iter_input`:
    each chunk's typed values go to DuckDB as an Arrow table (no Python object per row),
    so memory holds one chunk and DuckDB spills the rest. Rows the reader rejects are
    counted (``people_rejected``, ``notices_rejected``), never matched."""
    import pyarrow as pa

    from workbench.sources import iter_input

    stats: dict[str, Any] = {"engine": "sources", "people_rejected": 0}
    _create_people(con)
    for part in iter_input(case, "affected_people", chunk_rows=chunk_rows, with_hash=False, columns=PEOPLE_COLUMNS):
        con.register("chunk", pa.Table.from_pandas(part.frame[PEOPLE_COLUMNS], preserve_index=False))
        _insert_people(con, "SELECT * FROM chunk")
        con.unregister("chunk")
        stats["people_rejected"] = part.stats.rows_rejected
    _map_pairs(con)
    con.execute("CREATE OR REPLACE TEMP TABLE notices (person_id VARCHAR, sent_at TIMESTAMPTZ, "
                "delivered BOOLEAN, substitute BOOLEAN)")
    if case.input_spec("notices") is not None:
        for part in iter_input(case, "notices", chunk_rows=chunk_rows, with_hash=False, columns=NOTICE_COLUMNS):
            con.register("chunk", pa.Table.from_pandas(part.frame[NOTICE_COLUMNS], preserve_index=False))
            con.execute("INSERT INTO notices SELECT "
                        + _NOTICE_COLUMNS_SQL.format(sent="CAST(sent_at AS TIMESTAMPTZ)") + " FROM chunk")
            con.unregister("chunk")
            stats["notices_rejected"] = part.stats.rows_rejected
    return stats


def _load_store(con, store) -> dict[str, Any]:
    """Fill ``people``/``notices`` from the case store: one query each over its typed Parquet
    files, people with the jurisdiction the intake mapped (in input order, so a duplicated
    id keeps its first row)."""
    store.connect(con)
    stats: dict[str, Any] = {"engine": "store", "people_rejected": store.record("affected_people").rows_rejected}
    con.execute("CREATE OR REPLACE TEMP TABLE people AS SELECT nullif(trim(person_id), '') AS person_id, "
                f"coalesce(CAST(jurisdiction AS VARCHAR), '{UNKNOWN_JURISDICTION}') AS c, '' AS r "
                "FROM store.affected_people ORDER BY source_row")
    con.execute("CREATE OR REPLACE TEMP TABLE jurisdiction_map AS SELECT DISTINCT c, r, c AS jurisdiction FROM people")
    con.execute("CREATE OR REPLACE TEMP TABLE notices (person_id VARCHAR, sent_at TIMESTAMPTZ, "
                "delivered BOOLEAN, substitute BOOLEAN)")
    if store.has("notices"):
        con.execute("INSERT INTO notices SELECT " + _NOTICE_COLUMNS_SQL.format(sent="sent_at")
                    + " FROM store.notices")
        stats["notices_rejected"] = store.record("notices").rows_rejected
    return stats


def assess_store(store, *, book: RuleBook | None = None, person_status_path: str | Path | None = None) -> Timelines:
    """The whole check on a run's case store (what the stage runs)."""
    case = store.case
    book = book or load_rulebook()
    if not store.has("affected_people"):
        return _without_people(case, book)
    con = _connect()
    try:
        stats = _load_store(con, store)
        reg = store.frame("regulator_notices") if store.has("regulator_notices") else None
        if reg is not None:
            stats["regulator_notices_rejected"] = store.record("regulator_notices").rows_rejected
        return _finish(con, case, stats, reg, book, person_status_path)
    finally:
        con.close()


def assess_case(case, *, engine: str = "auto", chunk_rows: int = 500_000, book: RuleBook | None = None,
                person_status_path: str | Path | None = None) -> Timelines:
    """Read the case's people and notices (bounded Python memory) and run the whole check.

    Parameters
    ----------
    engine
        ``auto`` or ``sources``: the inputs are always read through
        :mod:`workbench.sources` (any input kind, one parser); the raw-file DuckDB scan is
        gone (it typed timestamps its own way, and disagreed with the sources on 7 of 25
        timestamp forms).
    person_status_path
        Where to write the per-person statuses as Parquet (None: not written).
    """
    from workbench.sources import read_input

    if engine not in ("auto", "sources"):
        from workbench.errors import UnknownNameError
        raise UnknownNameError("timelines engine", engine, ["auto", "sources"])
    book = book or load_rulebook()
    if case.input_spec("affected_people") is None:
        return _without_people(case, book)
    con = _connect()
    try:
        stats = _load_sources(con, case, chunk_rows)
        reg = None
        if case.input_spec("regulator_notices") is not None:
            read = read_input(case, "regulator_notices", with_hash=False)
            reg, stats["regulator_notices_rejected"] = read.frame, read.stats.rows_rejected
        return _finish(con, case, stats, reg, book, person_status_path)
    finally:
        con.close()


def _finish(con, case, stats: dict[str, Any], reg: pd.DataFrame | None, book: RuleBook,
            person_status_path: str | Path | None) -> Timelines:
    """Everything after ``people`` and ``notices`` are loaded, and what was not assessed."""
    out = _assess_connection(con, case, regulator_notices=reg, book=book, regulator_assessed=reg is not None,
                             person_status_path=Path(person_status_path) if person_status_path else None)
    out.stats.update(stats)
    out.case = case
    if case.input_spec("notices") is None:
        out.assessed["individual_notice_timeliness"] = assessment.input_absent("notices")
        out.findings = [f for f in out.findings if f.category != "notice_timeliness"]
    elif out.stats["notice_rows"] == 0 and stats.get("notices_rejected"):
        # every notice row was rejected: "nobody was told" would be an alarm made of a parse error
        out.assessed["individual_notice_timeliness"] = assessment.input_empty("notices", stats["notices_rejected"])
        out.findings = [f for f in out.findings if f.category != "notice_timeliness"]
    if reg is not None and len(reg) == 0 and stats.get("regulator_notices_rejected"):
        state = assessment.input_empty("regulator_notices", stats["regulator_notices_rejected"])
        out.assessed["regulator_notice"] = out.assessed["cra_notice"] = state
        out.findings = [f for f in out.findings if f.category not in ("regulator_notice", "cra_notice")]
    if out.stats["people"] == 0:  # header-only or every row rejected: nobody to hold a deadline to
        reason = ("input affected_people has no accepted rows: no resident to count or to notify"
                  + (f" ({stats['people_rejected']} rejected)" if stats.get("people_rejected") else ""))
        out.assessed = {k: assessment.not_assessed(reason) for k in out.assessed}
        out.findings = []
    return out


def _without_people(case, book: RuleBook) -> Timelines:
    """No affected_people input: no resident to hold a deadline to, so nothing is assessed
    (never "not required": the case does not say whom the breach concerned)."""
    empty = pd.DataFrame({"person_id": pd.Series(dtype="str"), "jurisdiction": pd.Series(dtype="str")})
    out = assess(case, empty, None, None, book=book)
    reason = assessment.input_absent("affected_people")
    out.assessed = {k: reason for k in out.assessed}
    out.findings = []
    return out


@register
class NoticeTimelinesStage(Stage):
    """20: every person, regulator and credit bureau notice against the law in force.

    ``person_status``: also write the per-person statuses (``artifacts/20_notice_timelines.
    person_status.parquet``; one row per person, a fifth of the stage's time at scale).
    """

    name = StageName.NOTICE_TIMELINES
    inputs = ("affected_people", "notices", "regulator_notices")

    def __init__(self, person_status: bool = True):
        self.person_status = person_status

    def run(self, store, case) -> StageResult:
        from workbench.artifacts import artifacts_dir

        path = artifacts_dir(store.run_dir) / f"{STAGE}.person_status.parquet" if self.person_status else None
        out = assess_store(store, person_status_path=path)
        return StageResult(self.name, out.findings, out.assessed,
                           {"jurisdictions": out.sorted_table(), "notices_per_day": out.notices_per_day}, view=out)


def run_stage(case_path: str | Path, run_dir: str | Path, *, person_status: bool = True) -> Timelines:
    """What the notebook calls: the stage on the run folder's case store (built first when
    the intake has not run there); findings and tables are written as artifacts."""
    return execute(NoticeTimelinesStage(person_status=person_status), case_path, run_dir).view


# ---------------------------------------------------------------- views and charts

#: Columns of the per-jurisdiction table shown first (the CSV artifact keeps them all).
DISPLAY_COLUMNS = ["jurisdiction", "jurisdiction_name", "worst_severity", "residents", "on_time", "late", "missing",
                   "pending", "not_required", "basis", "due_at", "delay_median_days", "delay_p95_days",
                   "regulator_status", "regulator_sent_at", "residents_reported", "cra_status", "citation"]

#: US tile-grid map: code -> (row, column). 50 states and DC, territories on the last row.
US_TILES: dict[str, tuple[int, int]] = {
    "AK": (0, 0), "ME": (0, 11), "VT": (1, 10), "NH": (1, 11),
    "WA": (2, 1), "ID": (2, 2), "MT": (2, 3), "ND": (2, 4), "MN": (2, 5), "IL": (2, 6), "WI": (2, 7),
    "MI": (2, 8), "NY": (2, 9), "RI": (2, 10), "MA": (2, 11),
    "OR": (3, 1), "NV": (3, 2), "WY": (3, 3), "SD": (3, 4), "IA": (3, 5), "IN": (3, 6), "OH": (3, 7),
    "PA": (3, 8), "NJ": (3, 9), "CT": (3, 10),
    "CA": (4, 1), "UT": (4, 2), "CO": (4, 3), "NE": (4, 4), "MO": (4, 5), "KY": (4, 6), "WV": (4, 7),
    "VA": (4, 8), "MD": (4, 9), "DE": (4, 10),
    "AZ": (5, 2), "NM": (5, 3), "KS": (5, 4), "AR": (5, 5), "TN": (5, 6), "NC": (5, 7), "SC": (5, 8), "DC": (5, 9),
    "OK": (6, 4), "LA": (6, 5), "MS": (6, 6), "AL": (6, 7), "GA": (6, 8),
    "HI": (7, 0), "TX": (7, 4), "FL": (7, 9), "GU": (8, 0), "PR": (8, 10), "VI": (8, 11),
}


def display_table(t: Timelines) -> pd.DataFrame:
    """The per-jurisdiction table, most severe first, with the columns a reader needs first."""
    return t.sorted_table()[DISPLAY_COLUMNS]


def regulator_view(t: Timelines) -> pd.DataFrame:
    """Regulator and credit-bureau duties of the jurisdictions where one applies or a notice was sent."""
    cols = ["jurisdiction", "residents", "regulator_required", "regulator_threshold", "regulator_due_at",
            "regulator_sent_at", "regulator_status", "regulator_days_late", "residents_reported",
            "residents_reported_matches", "cra_required", "cra_due_at", "cra_sent_at", "cra_status", "cra_recipients"]
    t2 = t.sorted_table()
    keep = (t2["regulator_required"].fillna(False).astype(bool) | t2["cra_required"].fillna(False).astype(bool)
            | t2["regulator_status"].eq("sent_not_required") | t2["cra_status"].eq("sent_not_required"))
    return t2.loc[keep, cols].reset_index(drop=True)


def _compliance_share(table: pd.DataFrame) -> pd.Series:
    due = table["on_time"] + table["late"] + table["missing"]
    return (table["on_time"] / due.where(due > 0)).rename("on_time_share")


def cumulative_figure(t: Timelines, case=None, *, max_marks: int = 12):
    """Cumulative first valid notices over time, with each distinct individual deadline marked."""
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    case = case if case is not None else t.case
    fig, ax = plt.subplots(figsize=(11, 4.5))
    per_day = t.notices_per_day
    if len(per_day):
        wide = per_day.pivot_table(index="date", columns="family", values="notices", aggfunc="sum").fillna(0)
        wide.index = pd.to_datetime(wide.index)
        cum = wide.sort_index().cumsum()
        for family in cum.columns:
            ax.step(cum.index, cum[family], where="post", label=f"{family} residents notified")
    dl = t.deadlines[t.deadlines["applies"] & t.deadlines["due_at"].notna()]
    marks = dl.groupby(dl["due_at"].dt.date)["jurisdiction"].apply(list).sort_index()
    colours = {"statutory": "#d62728", "assessment": "#ff7f0e"}
    basis = dl.groupby(dl["due_at"].dt.date)["basis"].agg(lambda b: "statutory" if (b == "statutory").any() else "assessment")
    for i, (day, codes) in enumerate(marks.items()):
        if i >= max_marks:
            break
        label = ", ".join(codes[:4]) + (f" +{len(codes) - 4}" if len(codes) > 4 else "")
        ax.axvline(pd.Timestamp(day), color=colours.get(basis[day], "#7f7f7f"), linestyle="--", linewidth=0.9)
        ax.annotate(f"due {day}: {label}", (pd.Timestamp(day), 1.0), xycoords=("data", "axes fraction"),
                    rotation=90, va="top", ha="right", fontsize=7, color=colours.get(basis[day], "#7f7f7f"))
    if case is not None:
        for label, day in (("discovered", case.incident.discovered), ("determined", case.incident.determined),
                           ("audit date", case.parameters.as_of)):
            if day:
                ax.axvline(pd.Timestamp(day), color="#555555", linewidth=1.2)
                ax.annotate(label, (pd.Timestamp(day), 0.02), xycoords=("data", "axes fraction"), rotation=90,
                            fontsize=7, ha="right", va="bottom", color="#555555")
    ax.set_ylabel("people with a valid notice (cumulative)")
    ax.set_title("Notices over time; dashed lines: individual deadlines (red statutory, orange assessment)")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="center right", fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def tile_map_figure(t: Timelines):
    """US tile-grid map: share of residents notified on time (where a notice was due);
    a thick black edge marks a regulator or credit-bureau problem."""
    import matplotlib.pyplot as plt
    from matplotlib import colormaps

    table = t.jurisdictions.set_index("jurisdiction")
    share = _compliance_share(t.jurisdictions.set_index("jurisdiction"))
    cmap = colormaps["RdYlGn"]
    fig, ax = plt.subplots(figsize=(11, 6.5))
    for state, (row, col) in US_TILES.items():
        code = f"US-{state}"
        value = share.get(code)
        present = code in table.index
        colour = "#eeeeee" if not present else "#bdbdbd" if value is None or pd.isna(value) else cmap(float(value))
        problem = present and any(table.loc[code, c] in ("missing", "late") for c in ("regulator_status", "cra_status")
                                  if c in table.columns)
        ax.add_patch(plt.Rectangle((col, -row), 0.92, 0.92, facecolor=colour,
                                   edgecolor="black" if problem else "white", linewidth=2.5 if problem else 1))
        text = state if value is None or pd.isna(value) else f"{state}\n{value:.0%}"
        ax.text(col + 0.46, -row + 0.46, text, ha="center", va="center", fontsize=8)
    ax.set_xlim(-0.2, 12.2)
    ax.set_ylim(-8.2, 1.1)
    ax.set_aspect("equal")
    ax.axis("off")
    sm = plt.cm.ScalarMappable(cmap=cmap, norm=plt.Normalize(0, 1))
    fig.colorbar(sm, ax=ax, fraction=0.025, label="share notified on time")
    ax.set_title("Residents notified on time, by state (grey: no notice due; black edge: regulator/CRA problem)")
    fig.tight_layout()
    return fig


def compliance_figure(t: Timelines, top: int = 30):
    """Per-jurisdiction stacked bars: on time, late, missing, pending, not required (largest ``top``)."""
    import matplotlib.pyplot as plt

    data = t.jurisdictions.sort_values("residents", ascending=False).head(top).iloc[::-1]
    parts = [("on_time", "#2ca02c"), ("late", "#ff7f0e"), ("missing", "#d62728"), ("pending", "#9467bd"),
             ("not_required", "#c7c7c7"), ("not_assessed", "#7f7f7f")]
    fig, ax = plt.subplots(figsize=(9, max(3, 0.28 * len(data))))
    left = pd.Series(0, index=data.index, dtype="float64")
    for col, colour in parts:
        ax.barh(data["jurisdiction"], data[col], left=left, color=colour, label=col.replace("_", " "))
        left = left + data[col]
    ax.set_xlabel("affected residents")
    ax.set_title(f"Notice status per jurisdiction (largest {len(data)})")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
