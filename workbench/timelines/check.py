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
from workbench.owners import ORGANISATION, owner_case, owner_names, unknown_owner_reason as _unknown_owner
from workbench.timelines.laws import filing_laws, law_plan, not_modelled_roles
from workbench.timelines.findings import timeline_findings
from workbench.timelines.matching import (
    _PERSON_EXPORT_SQL, _connect, _load_frames, fold_people, _person_status_sql, _register_deadlines, owner_groups,
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
    flagged_people_path: Path | None = None  # late, missing and overdue people only (FLAGGED_PEOPLE_SQL)

    def sorted_table(self) -> pd.DataFrame:
        """The per-jurisdiction table, most severe problems first."""
        from workbench.findings import SEVERITY_RANK

        t = self.jurisdictions.copy()
        worst: dict[tuple[str, str], int] = {}
        for f in self.findings:
            if f.jurisdiction:
                key = (f.evidence.get("data_owner", ORGANISATION), f.jurisdiction)
                worst[key] = min(worst.get(key, 99), SEVERITY_RANK[f.severity])
        keys = list(zip(t["data_owner"].fillna(ORGANISATION), t["jurisdiction"]))
        t["worst_severity"] = [_severity_name(worst.get(k)) for k in keys]
        t["_rank"] = [worst.get(k, 99) for k in keys]
        return t.sort_values(["_rank", "residents", "jurisdiction"], ascending=[True, False, True]).drop(
            columns="_rank").reset_index(drop=True)


def _severity_name(rank: int | None) -> str:
    from workbench.findings import SEVERITIES

    return SEVERITIES[rank] if rank is not None else "none"


JURISDICTION_COLUMNS = [
    "data_owner", "jurisdiction", "jurisdiction_name", "scope", "residents", "home_residents", "on_time", "late", "missing", "overdue", "undelivered_only",
    "pending", "not_required", "not_assessed", "notifiable", "not_personal_information", "declared_residents",
    "threshold_residents", "threshold_residents_source", "basis", "due_at", "clock_event", "clock_start", "rule_version",
    "citation", "reason", "delay_median_days", "delay_p95_days", "days_late_median", "days_late_max",
    "days_overdue_max", "first_notice_at", "last_notice_at",
    "regulator_required", "regulator_threshold", "regulator_name", "regulator_condition", "regulator_due_at",
    "regulator_basis", "regulator_sent_at", "regulator_status", "regulator_days_late", "residents_reported",
    "residents_reported_matches", "regulator_filing_log", "regulator_counts_reported", "regulator_citation",
    "regulator_reason",
    "cra_required", "cra_threshold", "cra_due_at", "cra_basis", "cra_sent_at", "cra_recipients", "cra_status",
    "cra_days_late", "cra_citation", "cra_reason",
    "media_required", "media_threshold", "media_regime", "media_residents", "media_due_at", "media_basis",
    "media_sent_at", "media_notices", "media_status", "media_days_late", "media_citation", "media_reason",
]


def _assess_connection(con, case, *, regulator_notices: pd.DataFrame | None, book: RuleBook,
                       regulator_assessed: bool, person_status_path: Path | None = None,
                       flagged_people_path: Path | None = None) -> Timelines:
    """Everything after tables ``people`` (person_id, c, r, x, o, in file order or with the order
    in ``k``), ``jurisdiction_map``,
    ``element_map`` and ``notices`` (person_id, sent_at, delivered, substitute) exist in ``con``."""
    audit_at = audit_moment(case)
    duplicates, no_id = fold_people(con, pd.Timestamp(audit_at).tz_convert("UTC"))
    owners = {o: _owner_laws(case, o, pairs, book) for o, pairs in owner_groups(con).items()}
    plan = pd.concat([x.plan for x in owners.values()], ignore_index=True) if owners else law_plan(case, [])
    deadlines = (pd.concat([x.deadlines for x in owners.values()], ignore_index=True) if owners
                 else individual_deadlines(case, [], book=book).assign(data_owner=ORGANISATION))
    _register_deadlines(con, deadlines, plan)
    people = int(con.execute("SELECT count(*) FROM people").fetchall()[0][0])
    con.execute("CREATE OR REPLACE TEMP VIEW person_status AS "
                + _person_status_sql(pd.Timestamp(audit_at).tz_convert("UTC")))
    summary = _summary(con)
    per_day = con.execute("""
        SELECT CAST(timezone(?, first_valid_notice) AS DATE) AS date,
               split_part(jurisdiction, '-', 1) AS family, jurisdiction, count(*) AS notices
        FROM person_status WHERE first_valid_notice IS NOT NULL AND scope = 'residence'
        GROUP BY ALL ORDER BY 1, 2""",
                          [case.parameters.timezone]).df()
    if person_status_path is not None:
        person_status_path.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY ({_PERSON_EXPORT_SQL}) TO '{_sql_path(person_status_path)}' (FORMAT PARQUET)")
    if flagged_people_path is not None:
        flagged_people_path.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"COPY ({FLAGGED_PEOPLE_SQL}) TO '{_sql_path(flagged_people_path)}' (FORMAT PARQUET)")
    counted = dict(con.execute("SELECT o, count(*) FROM people GROUP BY o").fetchall())
    summary = pd.concat([_owner_rows(summary, case, o, x, int(counted.get(o, 0))) for o, x in owners.items()]
                        or [summary.assign(scope=pd.Series(dtype="str"))], ignore_index=True)
    table = summary.merge(_one_per_jurisdiction(deadlines).drop(columns=["applies", "substitute_allowed"]),
                          on=KEY, how="left", validate="one_to_one")
    reg = regulator_table(case, summary, regulator_notices, book=book, audit_at=audit_at)
    if len(reg.columns) > 2:
        table = table.merge(reg, on=KEY, how="left", validate="one_to_one")
    if len(table) != len(summary):
        from workbench.errors import GuardrailError
        raise GuardrailError(f"per-jurisdiction table has {len(table)} rows, summary {len(summary)}")
    table = table.reindex(columns=JURISDICTION_COLUMNS)
    for col in ("residents", "home_residents", "on_time", "late", "missing", "overdue", "undelivered_only", "pending",
                "not_required", "not_assessed", "notifiable", "not_personal_information"):
        table[col] = table[col].fillna(0).astype("int64")
    not_owed = _not_owed(con, deadlines)
    findings = timeline_findings(table, regulator_assessed=regulator_assessed, not_owed=not_owed,
                                 owners=owner_names(case))
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
    for o in owners:
        view = owner_case(case, o)
        for role, why in (not_modelled_roles(view) if view is not None else {}).items():
            who = "" if o == ORGANISATION else f" of data owner {o}"
            assessed[f"role:{role}{'' if o == ORGANISATION else '@' + o}"] = assessment.not_assessed(
                f"declared role {role}{who}: {why}")
        if view is None:
            assessed[f"data_owner:{o}"] = assessment.not_assessed(_unknown_owner(o))
    return Timelines(table, findings, per_day, deadlines, assessed, stats, person_status_path, case,
                     flagged_people_path)


def _one_per_jurisdiction(deadlines: pd.DataFrame) -> pd.DataFrame:
    """The deadline row that stands for a jurisdiction in its table row: one whose elements
    make a person owed a notice when there is one (the due moment does not depend on the
    elements, only whether it applies)."""
    if deadlines.empty:
        return deadlines.drop(columns=["elements"])
    order = deadlines.assign(_a=~deadlines["applies"], _c=deadlines["covered"].fillna(True).map(lambda v: not v))
    order = order.sort_values([*KEY, "_a", "_c", "elements"], kind="stable")
    return order.drop_duplicates(KEY).drop(columns=["_a", "_c", "elements"]).reset_index(drop=True)


def _not_owed(con, deadlines: pd.DataFrame) -> pd.DataFrame:
    """People not owed a notice because their exposed elements are not personal information
    where they live, or whose elements cannot be judged (outside the vocabulary):
    jurisdiction, elements, covered (False or NA), people, reason, citation (one row per element set)."""
    counts = con.execute("SELECT data_owner, jurisdiction, elements, covered, count(*) AS people FROM person_status "
                         f"WHERE covered IS NOT TRUE AND jurisdiction <> '{UNKNOWN_JURISDICTION}' GROUP BY ALL").df()
    if counts.empty:
        return counts.assign(reason=pd.Series(dtype="str"), citation=pd.Series(dtype="str"))
    counts["covered"] = counts["covered"].astype("boolean")
    reasons = deadlines[[*KEY, "elements", "coverage_reason", "coverage_citation"]].rename(
        columns={"coverage_reason": "reason", "coverage_citation": "citation"})
    return counts.merge(reasons, on=[*KEY, "elements"], how="left", validate="one_to_one").sort_values(
        [*KEY, "people"], ascending=[True, True, False], kind="stable").reset_index(drop=True)


#: The people a regulator package lists (``artifacts/20_notice_timelines.flagged_people.parquet``):
#: late, missing (notices exist, none counts) and overdue (no notice) only, one row each,
#: with the deadline they were held to. One streaming filter and join in DuckDB (a few
#: seconds at 150M people, rows for the flagged only); unmasked: the run folder is the auditor's.
FLAGGED_STATUSES: tuple[str, ...] = ("late", "missing", "overdue")
FLAGGED_PEOPLE_SQL = f"""
SELECT s.person_id, s.data_owner, s.jurisdiction, s.status, d.clock_start, d.due_at,
       s.first_valid_notice AS sent_at, s.days_late, s.days_overdue
FROM person_status s LEFT JOIN deadlines d
     ON d.data_owner = s.data_owner AND d.jurisdiction = s.jurisdiction AND d.elements = s.elements
WHERE s.status IN ({", ".join(f"'{x}'" for x in FLAGGED_STATUSES)})
ORDER BY s.jurisdiction, s.status, s.person_id
"""


#: What identifies a row of the per-jurisdiction table: the data owner ('' for the organisation) and the law.
KEY = ["data_owner", "jurisdiction"]


@dataclass
class _OwnerLaws:
    """One data owner's laws: who is judged under which law (plan), the deadlines, the filings."""

    plan: pd.DataFrame
    deadlines: pd.DataFrame
    filings: list[str]


def _owner_laws(case, owner: str, pairs: list[tuple[str, str]], book: RuleBook) -> _OwnerLaws:
    """The laws that judge one owner's people, on the owner's own clock and roles
    (:func:`workbench.owners.owner_case`); an undeclared owner's people are not assessed."""
    view = owner_case(case, owner)
    if view is None:
        plan = law_plan(case.model_copy(update={"organization": case.organization.model_copy(
            update={"roles": []})}), pairs)
        plan = plan[plan["scope"] == "residence"]
        deadlines = individual_deadlines(case, set(zip(plan["jurisdiction"], plan["elements"])), book=book)
        deadlines = deadlines.assign(applies=False, due_at=pd.NaT, basis="not_assessed",
                                     reason=_unknown_owner(owner), covered=pd.NA)
        return _OwnerLaws(plan.assign(data_owner=owner), deadlines.assign(data_owner=owner), [])
    plan = law_plan(view, pairs)
    filing = filing_laws(view)
    own = elements_key(None, view.incident.data_elements)
    deadlines = individual_deadlines(view, set(zip(plan["jurisdiction"], plan["elements"])) | {(c, own) for c in filing},
                                     book=book)
    return _OwnerLaws(plan.assign(data_owner=owner), deadlines.assign(data_owner=owner), filing)


def _owner_rows(summary: pd.DataFrame, case, owner: str, laws: _OwnerLaws, people: int) -> pd.DataFrame:
    """One owner's rows of the summary, with its filing-only regimes, its declared counts and
    the scope of each law."""
    mine = summary[summary["data_owner"] == owner].drop(columns=["data_owner"])
    view = owner_case(case, owner) or case
    mine = _with_declared(_with_filings(mine, laws.filings, people), view if owner_case(case, owner) else None)
    brought = dict(zip(laws.plan["jurisdiction"], laws.plan["scope"])) | {c: "sector" for c in laws.filings}
    mine["scope"] = [("residence" if n and n > 0 else brought.get(j, "residence"))
                     for j, n in zip(mine["jurisdiction"], mine["home_residents"].fillna(0))]
    return mine.assign(data_owner=owner)


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
    declared = (getattr(case, "declared_residents", None) or {}) if case is not None else {}
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
