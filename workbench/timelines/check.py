"""The whole check: deadlines, statuses, the per-jurisdiction table and its findings, as :class:`Timelines`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench import assessment
from workbench.assessment import Assessment
from workbench.findings import Finding
from workbench.law import UNKNOWN_JURISDICTION, RuleBook, load_rulebook
from workbench.exposure import elements_key
from workbench.timelines.clock import audit_moment, individual_deadlines
from workbench.timelines.laws import filing_laws, law_plan, not_modelled_roles
from workbench.timelines.findings import timeline_findings
from workbench.timelines.matching import (
    _PERSON_EXPORT_SQL, _connect, _dedupe_people, _load_frames, _person_status_sql, _register_deadlines, groups,
    people_jurisdictions,
)
from workbench.timelines.per_jurisdiction import _summary, regulator_table


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


JURISDICTION_COLUMNS = [
    "jurisdiction", "jurisdiction_name", "scope", "residents", "home_residents", "on_time", "late", "missing", "overdue", "undelivered_only",
    "pending", "not_required", "not_assessed", "notifiable", "not_personal_information", "declared_residents",
    "threshold_residents", "threshold_residents_source", "basis", "due_at", "clock_event", "clock_start", "rule_version",
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
    """Everything after tables ``people`` (person_id, c, r, x, in file order), ``jurisdiction_map``,
    ``element_map`` and ``notices`` (person_id, sent_at, delivered, substitute) exist in ``con``."""
    duplicates, no_id = _dedupe_people(con)
    plan = law_plan(case, groups(con))
    filing = filing_laws(case)
    own = elements_key(None, case.incident.data_elements)
    deadlines = individual_deadlines(case, set(zip(plan["jurisdiction"], plan["elements"])) | {(c, own) for c in filing},
                                     book=book)
    _register_deadlines(con, deadlines, plan)
    people = int(con.execute("SELECT count(*) FROM people").fetchall()[0][0])
    audit_at = audit_moment(case)
    con.execute("CREATE OR REPLACE TEMP TABLE person_status AS "
                + _person_status_sql(pd.Timestamp(audit_at).tz_convert("UTC")))
    summary = _summary(con)
    per_day = con.execute("""
        SELECT CAST(timezone(?, first_valid_notice) AS DATE) AS date,
               split_part(jurisdiction, '-', 1) AS family, count(*) AS notices
        FROM person_status WHERE first_valid_notice IS NOT NULL AND scope = 'residence'
        GROUP BY ALL ORDER BY 1, 2""",
                          [case.parameters.timezone]).df()
    if person_status_path is not None:
        person_status_path.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY ({_PERSON_EXPORT_SQL}) TO '{_sql_path(person_status_path)}' (FORMAT PARQUET)")
    summary = _with_declared(_with_filings(summary, filing, people), case)
    brought = dict(zip(plan["jurisdiction"], plan["scope"])) | {c: "sector" for c in filing}
    summary["scope"] = [("residence" if n and n > 0 else brought.get(j, "residence"))
                        for j, n in zip(summary["jurisdiction"], summary["home_residents"].fillna(0))]
    table = summary.merge(_one_per_jurisdiction(deadlines).drop(columns=["applies", "substitute_allowed"]),
                          on="jurisdiction", how="left", validate="one_to_one")
    reg = regulator_table(case, summary, regulator_notices, book=book, audit_at=audit_at)
    if len(reg.columns) > 1:
        table = table.merge(reg, on="jurisdiction", how="left", validate="one_to_one")
    if len(table) != len(summary):
        from workbench.errors import GuardrailError
        raise GuardrailError(f"per-jurisdiction table has {len(table)} rows, summary {len(summary)}")
    table = table.reindex(columns=JURISDICTION_COLUMNS)
    for col in ("residents", "home_residents", "on_time", "late", "missing", "overdue", "undelivered_only", "pending",
                "not_required", "not_assessed", "notifiable", "not_personal_information"):
        table[col] = table[col].fillna(0).astype("int64")
    not_owed = _not_owed(con, deadlines)
    findings = timeline_findings(table, regulator_assessed=regulator_assessed, not_owed=not_owed)
    after_audit = con.execute("SELECT count(*) FROM notices WHERE sent_at > ?",
                              [pd.Timestamp(audit_at).tz_convert("UTC")]).fetchall()[0][0]
    stats = {"people": people,
             "notice_rows": int(con.execute("SELECT count(*) FROM notices").fetchall()[0][0]),
             "notices_after_audit_date_ignored": int(after_audit),
             "jurisdictions": len(table), "duplicate_person_rows_ignored": duplicates,
             "people_without_id_ignored": no_id}
    reg_state = assessment.assessed() if regulator_assessed else assessment.input_absent("regulator_notices")
    assessed = {"individual_notice_timeliness": assessment.assessed(), "regulator_notice": reg_state,
                "cra_notice": reg_state}
    for role, why in not_modelled_roles(case).items():
        assessed[f"role:{role}"] = assessment.not_assessed(f"declared role {role}: {why}")
    return Timelines(table, findings, per_day, deadlines, assessed, stats, person_status_path, case)


def _one_per_jurisdiction(deadlines: pd.DataFrame) -> pd.DataFrame:
    """The deadline row that stands for a jurisdiction in its table row: one whose elements
    make a person owed a notice when there is one (the due moment does not depend on the
    elements, only whether it applies)."""
    if deadlines.empty:
        return deadlines.drop(columns=["elements"])
    order = deadlines.assign(_a=~deadlines["applies"], _c=deadlines["covered"].fillna(True).map(lambda v: not v))
    order = order.sort_values(["jurisdiction", "_a", "_c", "elements"], kind="stable")
    return order.drop_duplicates("jurisdiction").drop(columns=["_a", "_c", "elements"]).reset_index(drop=True)


def _not_owed(con, deadlines: pd.DataFrame) -> pd.DataFrame:
    """People not owed a notice because their exposed elements are not personal information
    where they live, or whose elements cannot be judged (outside the vocabulary):
    jurisdiction, elements, covered (False or NA), people, reason, citation (one row per element set)."""
    counts = con.execute("SELECT jurisdiction, elements, covered, count(*) AS people FROM person_status "
                         f"WHERE covered IS NOT TRUE AND jurisdiction <> '{UNKNOWN_JURISDICTION}' GROUP BY ALL").df()
    if counts.empty:
        return counts.assign(reason=pd.Series(dtype="str"), citation=pd.Series(dtype="str"))
    counts["covered"] = counts["covered"].astype("boolean")
    reasons = deadlines[["jurisdiction", "elements", "coverage_reason", "coverage_citation"]].rename(
        columns={"coverage_reason": "reason", "coverage_citation": "citation"})
    return counts.merge(reasons, on=["jurisdiction", "elements"], how="left", validate="one_to_one").sort_values(
        ["jurisdiction", "people"], ascending=[True, False], kind="stable").reset_index(drop=True)


def _with_filings(summary: pd.DataFrame, codes: list[str], people: int) -> pd.DataFrame:
    """Rows for the filing-only regimes of the declared roles (SEC Item 1.05, NYDFS...): no
    person is owed their notice; the filing is judged once on the number of people."""
    codes = [c for c in codes if c not in set(summary["jurisdiction"])]
    if not codes:
        return summary
    rows = pd.DataFrame({"jurisdiction": codes, "residents": people, "notifiable": people})
    return pd.concat([summary, rows], ignore_index=True).reindex(columns=summary.columns)


def _with_declared(summary: pd.DataFrame, case) -> pd.DataFrame:
    """Rows for jurisdictions the case declares residents of but whose people are not in the
    table (a sample): their regulator duties are judged on the declared count."""
    declared = getattr(case, "declared_residents", None) or {}
    extra = sorted(set(declared) - set(summary["jurisdiction"]))
    if not extra:
        return summary
    rows = pd.DataFrame({"jurisdiction": extra})
    return pd.concat([summary, rows], ignore_index=True).reindex(columns=summary.columns)


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
        _load_frames(con, people, notices, case.incident.data_elements)
        return _assess_connection(con, case, regulator_notices=regulator_notices, book=book,
                                  regulator_assessed=regulator_notices is not None)
    finally:
        con.close()
