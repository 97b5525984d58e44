"""A register audit end to end: read, judge, flag duplicates, findings and summary; then write.

:func:`assess` is pure (a read register in, a :class:`RegisterAudit` out); :func:`write_audit`
writes its five files; :func:`audit_register` does both for the CLI. Outputs (docs/register.md):

- ``judged_register.csv``: every input row, accepted or rejected, with its status;
- ``rejects.csv``: the rejected rows with row, field, value, reason and what was expected;
- ``other_jurisdictions.csv``: the individual notice judged in each other code a row names
  (``residents_elsewhere``; :mod:`workbench.register.elsewhere`);
- ``findings.json``: one finding per late notice (first filings only; amendments and
  duplicates point to their first filing), in the workbench's Finding shape, and one
  data-quality finding when rows were rejected;
- ``summary.json``: counts per status and per status per year, the reconciliation
  (read = accepted + rejected), incidents, unmatched data types, engine calls, provenance.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbench.basis import basis_for
from workbench.findings import SCHEMA_VERSION, Finding, Unit, sort_findings
from workbench.severity import Exposure, gravity_of_level, reviewed_severity, severity
from workbench.law.rulebook import RuleBook, load_rulebook
from workbench.register.duplicates import DUPLICATE_COLUMNS, flag_duplicates
from workbench.register.elsewhere import judge_elsewhere
from workbench.register.judge import CLOCK_SOURCES, JUDGED_COLUMNS, STATUSES, JudgeStats, judge_register
from workbench.register.mapping import RegisterMapping, load_mapping
from workbench.register.read import ACCEPTED_COLUMNS, RegisterRead, read_register

NOT_LEGAL_ADVICE = ("Computed by the Breach Audit Workbench from its reviewed law data; not legal advice. "
                    "'assessment' deadlines are audit yardsticks, not law; a clock labelled "
                    "discovered_for_determination is the strictest reading of a register without determination dates.")
#: Output files, by role.
OUTPUT_FILES: dict[str, str] = {"judged": "judged_register.csv", "rejects": "rejects.csv",
                                "elsewhere": "other_jurisdictions.csv",
                                "findings": "findings.json", "summary": "summary.json"}
#: Columns of judged_register.csv, in order.
REGISTER_COLUMNS: tuple[str, ...] = (
    *ACCEPTED_COLUMNS[:1], "accepted", *ACCEPTED_COLUMNS[1:], *JUDGED_COLUMNS, *DUPLICATE_COLUMNS, "reject_field")
FINDING_CODE = "register_late_notice"
#: A register row is one late notice with no count of people: reviewed as medium the first day
#: late under a statutory deadline, raised by the days late (:mod:`workbench.severity`).
LATE_GRAVITY = gravity_of_level("medium", Exposure.STATUTORY)
CATEGORY_OF: dict[str, str] = {"regulator": "regulator_notice", "individual": "notice_timeliness"}


@dataclass
class RegisterAudit:
    """Everything one audit of a register found (pure data; :func:`write_audit` writes it)."""

    judged: pd.DataFrame  # every row, accepted or rejected
    rejects: pd.DataFrame
    findings: list[Finding]
    summary: dict
    stats: JudgeStats
    elsewhere: pd.DataFrame  # one row per (register row, other code it names)


def _year(row_notified, row_discovered) -> str:
    for d in (row_notified, row_discovered):
        if d is not None and not pd.isna(d):
            return str(d.year)
    return "unknown"


def _late_findings(judged: pd.DataFrame, mapping: RegisterMapping, later_filings: dict[int, int]) -> list[Finding]:
    fields = ["jurisdiction", "obligation", "basis", "clock_source", "organisation", "days_late", "source_row", "discovered",
              "notified", "due_at", "rule_version", "reason", "clock_note", "citation", "record_id", "confidence",
              "incident_id", "letter_url"]
    late = judged.loc[(judged["status"] == "late") & ~judged["filing"].isin(["amendment", "duplicate"]), fields]
    out = []
    for r in late.itertuples(index=False):
        strict = r.basis == "statutory" and r.clock_source in ("discovered", "determined")
        later = int(later_filings.get(r.source_row, 0))
        out.append(Finding(
            category=CATEGORY_OF[r.obligation], code=FINDING_CODE,
            severity=severity(Exposure.STATUTORY if strict else Exposure.ASSESSMENT, days_late=int(r.days_late),
                              gravity=LATE_GRAVITY),
            title=f"{r.organisation}: {r.obligation} notice {r.days_late} day(s) late",
            detail=(f"Register row {r.source_row}: discovered {r.discovered}, notified {r.notified} "
                    f"({_means(r.obligation, mapping)}); due {r.due_at} under {r.rule_version} "
                    f"({r.basis}): {r.reason}" + (f". Clock: {r.clock_note}" if r.clock_note else "")
                    + (f". {later} later filing(s) of the same incident" if later else "")),
            jurisdiction=r.jurisdiction, subject=f"row {r.source_row}: {r.organisation}", count=int(r.days_late),
            unit=Unit.DAYS, citation=r.citation or None,
            evidence={"source_row": int(r.source_row), "record_id": r.record_id, "organisation": r.organisation,
                      "discovered": _iso(r.discovered), "notified": _iso(r.notified), "due_at": r.due_at,
                      "days_late": int(r.days_late), "rule_version": r.rule_version, "basis": r.basis,
                      "clock_source": r.clock_source, "confidence": r.confidence, "incident_id": r.incident_id,
                      "letter_url": r.letter_url, "count_unit": "days late"}))
    return out


def _means(obligation: str, mapping: RegisterMapping) -> str:
    """What the row's notified date is: the mapping's words, or the individual-notice date elsewhere."""
    if obligation == mapping.notified_obligation:
        return mapping.notified_means or obligation
    return "the register's individual-notice date"


def _iso(day) -> str:
    return "" if day is None or pd.isna(day) else day.isoformat()


def _reject_finding(rejects: pd.DataFrame, code: str, path: str) -> list[Finding]:
    if rejects.empty:
        return []
    return [Finding(category="data_quality", code="register_rows_rejected",
                    severity=reviewed_severity("medium"),
                    title=f"{len(rejects)} register row(s) could not be read",
                    detail=f"{path}: rows rejected (rejects.csv has row, field, reason): "
                           + "; ".join(f"row {r.source_row}: {r.reason}" for r in rejects.head(5).itertuples()),
                    jurisdiction=code, subject=Path(path).name, count=len(rejects), unit=Unit.ROWS,
                    evidence={"rows": [int(x) for x in rejects["source_row"].head(20)], "count_unit": "rows"})]


def assess(read: RegisterRead, code: str, book: RuleBook, *, assessment_days: int = 30) -> RegisterAudit:
    """Judge a read register for ``code`` (pure): judged table, rejects, findings, summary."""
    mapping = read.mapping
    judged, stats = judge_register(read.accepted, code, mapping, book, assessment_days=assessment_days)
    judged = flag_duplicates(judged)
    judged.insert(1, "accepted", True)
    judged["reject_field"] = ""
    rej = read.rejects
    rejected = pd.DataFrame({"source_row": rej["source_row"], "accepted": False, "status": "rejected",
                             "status_reason": rej["reason"], "reject_field": rej["field"],
                             "jurisdiction": code, "obligation": mapping.notified_obligation})
    whole = pd.concat([judged, rejected], ignore_index=True) if len(rejected) else judged
    whole = whole.sort_values("source_row", kind="stable").reset_index(drop=True)[list(REGISTER_COLUMNS)]
    later = judged["duplicate_of"].dropna().astype("int64").value_counts().to_dict()
    elsewhere, _ = judge_elsewhere(read.accepted, mapping, book, assessment_days=assessment_days)
    own = judged[["source_row", "filing", "incident_id", "record_id", "letter_url", "clock_note"]]
    ew = elsewhere.drop(columns=["clock_note"]).merge(own, on="source_row", how="left", validate="many_to_one")
    ew["notified"] = ew["individual_notified"]
    findings = sort_findings([*_late_findings(judged, mapping, later), *_late_findings(ew, mapping, later),
                              *_reject_finding(rej, code, read.path)])

    years: dict[str, Counter] = {}
    for y, s in zip((_year(a, b) for a, b in zip(judged["notified"], judged["discovered"])), judged["status"]):
        years.setdefault(y, Counter())[s] += 1
    if len(rej):
        years.setdefault("unknown", Counter())["rejected"] += len(rej)
    counts = Counter(whole["status"])
    unmatched = Counter(t for cell in judged["unmatched_data_types"] if cell for t in cell.split(";"))
    filings = Counter(judged["filing"])
    summary = {
        "disclaimer": NOT_LEGAL_ADVICE,
        "register": {"path": read.path, "sha256": read.sha256},
        "jurisdiction": code, "obligation": mapping.notified_obligation, "notified_means": mapping.notified_means,
        "mapping": mapping.to_dict(), "absent_columns": read.absent_columns,
        "law_data_version": book.version_hash, "assessment_days": assessment_days,
        "rows": {"read": read.read, "accepted": len(read.accepted), "rejected": len(rej),
                 "reconciles": read.reconciles and len(whole) == read.read},
        "status_counts": {s: int(counts.get(s, 0)) for s in STATUSES},
        "status_by_year": {y: {s: int(c[s]) for s in STATUSES if c[s]} for y, c in sorted(years.items())},
        "year_means": "the year of the notification date, else of the discovery date, else unknown (rejects: unknown)",
        "late_days": _quantiles(judged.loc[judged["status"] == "late", "days_late"]),
        "clock_sources": {k: int((judged["clock_source"] == k).sum()) for k in CLOCK_SOURCES},
        "incidents": {"filings": len(judged), "incidents": int(judged.loc[judged["incident_id"] != "", "incident_id"].nunique()),
                      **{k: int(filings.get(k, 0)) for k in ("single", "first_filing", "amendment", "duplicate", "not_checked")}},
        "data_types": {"rows_with_unmatched": int((judged["unmatched_data_types"] != "").sum()),
                       "rows_with_broad_category": int(judged["data_elements_broad"].astype(bool).sum()),
                       "unmatched_terms": dict(unmatched.most_common())},
        "engine": {"judged_rows": stats.judged_rows, "distinct_clock_dates": stats.clock_dates,
                   "engine_calls": stats.engine_calls},
        "findings": {"count": len(findings), "late_notice_findings": sum(f.code == FINDING_CODE for f in findings)},
        "other_jurisdictions": {c: dict(Counter(g["status"])) for c, g in elsewhere.groupby("jurisdiction")},
        "other_jurisdictions_mean": "the individual notice judged in each code the register's residents_elsewhere names, "
                                    "on its individual_notified date",
    }
    return RegisterAudit(whole, rej, findings, summary, stats, elsewhere)


def _quantiles(days: pd.Series) -> dict:
    d = pd.to_numeric(days, errors="coerce").dropna()
    if d.empty:
        return {"count": 0}
    return {"count": int(len(d)), "median": float(d.median()), "p90": float(d.quantile(0.9)), "max": int(d.max()),
            "unit": "days"}


def finding_dict(f: Finding) -> dict:
    """``f.to_dict()`` for a register finding, built directly: its evidence is already plain
    JSON (text and whole numbers), so the deep copy and JSON round trip of ``to_dict`` (a
    third of the write time at 100,000 rows) are skipped. A test holds it equal to ``to_dict``."""
    return {"id": f.id, "category": f.category, "severity": f.severity, "title": f.title, "detail": f.detail,
            "jurisdiction": f.jurisdiction, "subject": f.subject, "count": int(f.count), "unit": str(f.unit),
            "citation": f.citation, "basis": basis_for(f).to_json(),
            "evidence": {"check": f.code, **dict(sorted(f.evidence.items()))}}


def _cell_text(series: pd.Series) -> list:
    """One column as the text a CSV cell holds: missing values empty, dates ISO, numbers as written."""
    if pd.api.types.is_bool_dtype(series):
        return series.map({True: "True", False: "False"}).fillna("").tolist()
    return ["" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in series.tolist()]


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    """Write a table through workbench.safecsv (every cell neutralised), column by column."""
    from workbench.safecsv import SafeWriter

    cols = [_cell_text(frame[c]) for c in frame.columns]
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = SafeWriter(fh)
        w.writerow(list(frame.columns))
        w.writerows(zip(*cols))
    tmp.replace(path)


def write_audit(audit: RegisterAudit, out: str | Path) -> dict[str, Path]:
    """Write the output files into ``out`` (created); returns role -> path."""
    from workbench.artifacts import atomic_write_text

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {role: folder / name for role, name in OUTPUT_FILES.items()}
    _write_csv(paths["judged"], audit.judged)
    _write_csv(paths["rejects"], audit.rejects)
    _write_csv(paths["elsewhere"], audit.elsewhere)
    head = {"schema_version": SCHEMA_VERSION, "stage": "register", "jurisdiction": audit.summary["jurisdiction"],
            "disclaimer": NOT_LEGAL_ADVICE}
    # one finding per line: readable, and written by json's C encoder (indent would use the Python one)
    items = ",\n".join("  " + json.dumps(finding_dict(f), ensure_ascii=False, default=str) for f in audit.findings)
    text = json.dumps(head, indent=2, ensure_ascii=False)[:-2] + ',\n  "findings": [\n' + items + "\n  ]\n}\n"
    atomic_write_text(paths["findings"], text)
    atomic_write_text(paths["summary"], json.dumps(audit.summary, indent=2, ensure_ascii=False, default=str) + "\n")
    return paths


def audit_register(path: str | Path, code: str, *, mapping: str | Path | RegisterMapping | None = None,
                   out: str | Path | None = None, book: RuleBook | None = None,
                   assessment_days: int = 30) -> RegisterAudit:
    """Read ``path`` through ``mapping`` (a built-in name, a MAP.yaml, or a mapping; default
    ``generic``), judge it for ``code`` and, with ``out``, write the outputs there."""
    m = mapping if isinstance(mapping, RegisterMapping) else load_mapping(mapping)
    book = book or load_rulebook()
    book.history(code)  # an unknown code fails before the file is read
    audit = assess(read_register(path, m), code, book, assessment_days=assessment_days)
    if out is not None:
        write_audit(audit, out)
    return audit
