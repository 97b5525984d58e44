"""Findings of the notice timelines: one per jurisdiction and problem (never per person), cited."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from workbench.findings import Finding, Unit
from workbench.owners import ORGANISATION
from workbench.law import UNKNOWN_JURISDICTION
from workbench.severity import Exposure, severity


ASSESSMENT_NOTE = "assessment, not statutory"


def severity_for(count: int, days: int | None, *, assessment: bool = False) -> str:
    """Severity of a notice not given on time, by the one model (:mod:`workbench.severity`):
    a statutory deadline is statutory exposure, an assessed one (the law sets no number, or
    the duty is conditional) assessment exposure; ``count`` people concerned, ``days`` late
    or overdue (continuous: one more person or day never moves it by more than one level)."""
    return severity(Exposure.ASSESSMENT if assessment else Exposure.STATUTORY, people=count, days_late=days or 0)


def _basis_note(basis: str | None) -> str:
    return f" The deadline is an {ASSESSMENT_NOTE}: the law sets no number, so the case's assessment_days was applied." \
        if basis == "assessment" else ""


def _n(x) -> int:
    return 0 if x is None or pd.isna(x) else int(x)


def timeline_findings(table: pd.DataFrame, *, regulator_assessed: bool = True,
                      not_owed: pd.DataFrame | None = None, owners: dict[str, str] | None = None) -> list[Finding]:
    """One finding per jurisdiction (and data owner) and problem (never per person), each with its citation.

    ``table`` is the per-jurisdiction table of :func:`assess` (deadline, counts and the
    regulator/CRA columns); ``not_owed`` the people whose exposed elements make them owed
    no notice (or cannot be judged), per jurisdiction and element set; ``owners`` the data
    owners' names by id. A data owner's findings name it in the title and carry its id in
    ``subject`` (so each owner's finding has its own id); the organisation's own have none.
    """
    out: list[Finding] = []
    owed_groups = {} if not_owed is None else {
        (o, j): g for (o, j), g in not_owed.assign(data_owner=not_owed.get("data_owner", ORGANISATION))
        .groupby(["data_owner", "jurisdiction"], sort=False)}
    for r in table.to_dict("records"):
        first = len(out)
        owner = r.get("data_owner") or ORGANISATION
        _row_findings(out, r, owed_groups.get((owner, r["jurisdiction"])), regulator_assessed)
        if owner != ORGANISATION:
            out[first:] = [_for_owner(f, owner, (owners or {}).get(owner, owner)) for f in out[first:]]
    return out


def _for_owner(f: Finding, owner: str, name: str) -> Finding:
    """A finding of a data owner's people: its name in the title, its id in the subject."""
    return replace(f, title=f"{name}: {f.title}", subject=owner if not f.subject else f"{owner}: {f.subject}",
                   evidence={**f.evidence, "data_owner": owner})


def _people_word(r: dict) -> str:
    """What the people of a row are: residents of a place, or the people a sector regime
    (HIPAA...) owes a notice wherever they live."""
    return "affected people" if r.get("scope") == "sector" else "residents"


def _moment(v) -> str | None:
    return pd.Timestamp(v).isoformat() if v is not None and pd.notna(v) else None


def _row_findings(out: list[Finding], r: dict, owed: pd.DataFrame | None, regulator_assessed: bool) -> None:
    """The findings of one row of the per-jurisdiction table, appended to ``out``."""
    code, name = r["jurisdiction"], r.get("jurisdiction_name") or r["jurisdiction"]
    word = _people_word(r)
    residents = _n(r.get("residents"))
    basis, cite = r.get("basis"), r.get("citation")
    assess = basis == "assessment"
    citation = f"{cite} ({ASSESSMENT_NOTE})" if assess and cite else cite
    due = r.get("due_at")
    due_text = pd.Timestamp(due).isoformat() if pd.notna(due) else "-"
    start = r.get("clock_start")
    ev = {"residents": residents, "due_at": due_text, "basis": basis, "rule_version": r.get("rule_version"),
          "clock_event": r.get("clock_event"),
          # the deadline arithmetic the report states (clock start + period = due)
          "clock_start": pd.Timestamp(start).isoformat() if start is not None and pd.notna(start) else None}
    if code == UNKNOWN_JURISDICTION:
        out.append(Finding("notice_timeliness", "jurisdiction_unknown", severity(Exposure.INFORMATIONAL),
                           f"{residents} affected people could not be placed in a jurisdiction",
                           f"{residents} people have a country/region that maps to no jurisdiction of the law "
                           "data; their notice timeliness was not assessed (see the data-quality stage).",
                           jurisdiction=code, count=residents, unit=Unit.PEOPLE, evidence={"residents": residents}))
        return
    if owed is not None:
        out += _not_owed_findings(r, name, residents, owed)
    late = _n(r.get("late"))
    if late:
        med, mx = _n(r.get("days_late_median")), _n(r.get("days_late_max"))
        out.append(Finding(
            "notice_timeliness", "late_notice", severity_for(late, med, assessment=assess),
            f"{name}: {late} of {residents} {word} notified late",
            f"{late} {word} of {name} ({code}) received their first valid notice after the due moment "
            f"{due_text} (median {med} days late, at most {mx}).{_basis_note(basis)}",
            jurisdiction=code, count=late, unit=Unit.PEOPLE, citation=citation,
            evidence={**ev, "late": late, "days_late_median": med, "days_late_max": mx,
                      "first_sent": _moment(r.get("first_notice_at")), "last_sent": _moment(r.get("last_notice_at"))}))
    missing = _n(r.get("missing"))
    if missing:
        over = _n(r.get("days_overdue_max"))
        und = _n(r.get("undelivered_only"))
        extra = f" {und} of them had only returned/bounced or non-qualifying notices." if und else ""
        out.append(Finding(
            "notice_timeliness", "missing_notice", severity_for(missing, over, assessment=assess),
            f"{name}: {missing} of {residents} {word} never validly notified",
            f"{missing} {word} of {name} ({code}) had no valid notice by the audit date although it was "
            f"due {due_text} ({over} days before the audit date).{extra}{_basis_note(basis)}",
            jurisdiction=code, count=missing, unit=Unit.PEOPLE, citation=citation,
            evidence={**ev, "missing": missing, "no_notice_at_all": _n(r.get("overdue")),
                      "undelivered_only": und, "days_overdue": over}))
    pending = _n(r.get("pending"))
    if pending:
        out.append(Finding(
            "notice_timeliness", "pending_notice", severity(Exposure.INFORMATIONAL),
            f"{name}: {pending} {word} not yet notified, deadline after the audit date",
            f"{pending} {word} of {name} ({code}) have no valid notice yet; the deadline {due_text} falls "
            f"after the audit date.{_basis_note(basis)}",
            jurisdiction=code, count=pending, unit=Unit.PEOPLE, citation=citation, evidence={**ev, "pending": pending}))
    threshold_count = r.get("threshold_residents")
    out += _regulator_findings(r, name, residents if threshold_count is None or pd.isna(threshold_count)
                               else int(threshold_count), regulator_assessed)


def _not_owed_findings(r: dict, name: str, residents: int, groups: pd.DataFrame) -> list[Finding]:
    """Residents owed no notice because of what was exposed (``not_owed_notice``), and those
    whose elements cannot be judged (``elements_not_assessed``): info findings that explain
    a count, one per jurisdiction, the reason of each element set in the evidence."""
    code = r["jurisdiction"]
    out = []
    for check, part in (("not_owed_notice", groups[groups["covered"].eq(False).fillna(False)]),
                        ("elements_not_assessed", groups[groups["covered"].isna()])):
        if part.empty:
            continue
        part = part.sort_values("people", ascending=False, kind="stable")
        total, top = int(part["people"].sum()), part.iloc[0]
        title = (f"{name}: {total} of {residents} residents not owed a notice for what was exposed"
                 if check == "not_owed_notice" else
                 f"{name}: {total} of {residents} residents' exposed elements could not be judged")
        more = f" (and {len(part) - 1} other element set(s), see the evidence)" if len(part) > 1 else ""
        out.append(Finding(
            "notice_timeliness", check, severity(Exposure.INFORMATIONAL), title,
            f"{total} residents of {name} ({code}) are not held to a notice deadline: {top['reason']}{more}.",
            jurisdiction=code, count=total, unit=Unit.PEOPLE, citation=top["citation"] if isinstance(top["citation"], str) else None,
            evidence={"residents": residents, "by_elements": [
                {"elements": g["elements"], "people": int(g["people"]), "reason": g["reason"]}
                for g in part.head(20).to_dict("records")]}))
    return out


def _regulator_findings(r: dict, name: str, residents: int, assessed: bool) -> list[Finding]:
    out: list[Finding] = []
    code = r["jurisdiction"]
    for kind, category in (("regulator", "regulator_notice"), ("cra", "cra_notice"), ("media", "regulator_notice")):
        status = r.get(f"{kind}_status")
        n = residents
        if not isinstance(status, str) or not assessed:
            continue
        basis = r.get(f"{kind}_basis")
        cite = r.get(f"{kind}_citation")
        assess = basis == "assessment"
        citation = f"{cite} ({ASSESSMENT_NOTE})" if assess and cite else cite
        due = r.get(f"{kind}_due_at")
        due_text = pd.Timestamp(due).isoformat() if pd.notna(due) else "-"
        who = {"regulator": r.get("regulator_name") or "the regulator",
               "cra": "the nationwide consumer reporting agencies",
               "media": f"prominent media outlets serving {name} ({r.get('media_regime')})"}[kind]
        subject = {"regulator": "regulator", "cra": "consumer reporting agencies",
                   "media": "media"}[kind]  # stable finding ids
        if kind == "media" and r.get("media_residents") is not None and not pd.isna(r.get("media_residents")):
            n = int(r["media_residents"])  # the regime counts every affected resident of the State
        cond = r.get("regulator_condition") if kind == "regulator" else None
        cond_text = f" The duty applies only where {cond}." if isinstance(cond, str) and cond else ""
        threshold = r.get(f"{kind}_threshold")
        ev = {"residents": n, "threshold": None if pd.isna(threshold) else int(threshold),
              "due_at": due_text, "basis": basis, "reason": r.get(f"{kind}_reason")}
        days = r.get(f"{kind}_days_late")
        days = None if days is None or pd.isna(days) else int(days)
        if status == "missing":
            sev = severity_for(n, days, assessment=assess or bool(cond_text))
            out.append(Finding(category, f"{kind}_notice_missing", sev,
                               f"{name}: notice to {who} required but not found",
                               f"{n} residents of {name} ({code}) were affected; notice to {who} was due "
                               f"{due_text} and none was found by the audit date ({days} days overdue)."
                               f"{cond_text}{_basis_note(basis)}",
                               jurisdiction=code, subject=subject,
                               count=n, unit=Unit.PEOPLE, citation=citation, evidence={**ev, "days_overdue": days}))
        elif status == "late":
            sent = pd.Timestamp(r.get(f"{kind}_sent_at")).isoformat()
            out.append(Finding(category, f"{kind}_notice_late", severity_for(n, days, assessment=assess),
                               f"{name}: notice to {who} sent {days} days late",
                               f"Notice to {who} for {n} residents of {name} ({code}) was due {due_text} "
                               f"and first sent {sent}, {days} days late.{cond_text}{_basis_note(basis)}",
                               jurisdiction=code, subject=subject,
                               count=n, unit=Unit.PEOPLE, citation=citation,
                               evidence={**ev, "sent_at": sent, "days_late": days}))
        elif status == "pending":
            out.append(Finding(category, f"{kind}_notice_pending", severity(Exposure.INFORMATIONAL),
                               f"{name}: notice to {who} not yet due",
                               f"Notice to {who} for {n} residents of {name} ({code}) is due {due_text}, "
                               f"after the audit date; none found yet.{_basis_note(basis)}",
                               jurisdiction=code, subject=subject,
                               count=n, unit=Unit.PEOPLE, citation=citation, evidence=ev))
        log = r.get("regulator_filing_log") if kind == "regulator" else None
        log = log if isinstance(log, str) and log else None
        if kind == "regulator" and r.get("residents_reported_matches") is False:
            reported = int(r["residents_reported"])
            diff = abs(reported - n)
            # a count told to the regulator that is wrong: an assessment of the statutory duty to
            # report the number, by the people miscounted (one model, no 10 % cliff)
            sev = severity(Exposure.ASSESSMENT, people=diff)
            source = r.get("threshold_residents_source") or "people table"
            against = ("the organisation's declared count" if source == "declared"
                       else "the affected-people table (residents whose exposed elements are personal information there)")
            out.append(Finding("regulator_notice", "residents_reported_mismatch", sev,
                               f"{name}: regulator told {reported} residents, {n} were affected",
                               f"The latest notice to {who} for {name} ({code}) reports {reported} affected "
                               f"residents; {against} holds {n} ({reported - n:+d})."
                               + (f" Filings: {log}." if log else ""),
                               jurisdiction=code, subject="regulator", count=diff, unit=Unit.PEOPLE,
                               citation=r.get("regulator_citation") or r.get("citation"),
                               evidence={"residents": n, "residents_reported": reported,
                                         "compared_with": source, "filings": log}))
        counts = r.get("regulator_counts_reported") if kind == "regulator" else None
        if isinstance(counts, str) and len(set(counts.split(","))) > 1:
            out.append(Finding("regulator_notice", "regulator_count_revised", severity(Exposure.INFORMATIONAL),
                               f"{name}: the count told to {who} changed between filings",
                               f"{who} for {name} ({code}) was told different numbers of affected residents "
                               f"over {len(counts.split(','))} filings: {log}. The latest is judged against the "
                               "true count; the earlier ones are the record of what the regulator knew when.",
                               jurisdiction=code, subject="regulator", count=len(counts.split(",")),
                               unit=Unit.FILINGS,
                               citation=r.get("regulator_citation") or r.get("citation"),
                               evidence={"filings": log, "counts": [int(x) for x in counts.split(",")]}))
    return out
