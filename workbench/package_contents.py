"""What a regulator's package holds beyond the report's sections (issue 18, part 5).

A package (``RUN/regulators/<CODE>/``) is the audit report scoped to one jurisdiction
(:func:`workbench.report.regulator_context`). This module computes its own parts, from the
run's artifacts only:

* **which findings** concern the jurisdiction's residents (:func:`package_findings`): those
  whose ``jurisdiction`` is the code; those without one whose evidence counts people per
  jurisdiction (``people_by_jurisdiction``: letters, notices missing...) with the code among
  them, shown as "N of this jurisdiction's residents, of M in all"; the organisation-wide
  ones (insider trading, look-alike links, awards); and the data-quality findings on the
  inputs that hold residents' data and that the stage does not break down by jurisdiction
  (shown as such, never as a share it did not count);
* **the cover page** (:func:`cover`): to whom, about what, the organisation, the audit
  period, who ran it (case.yaml ``audit``; "not recorded" when absent), the run, the
  versions, not legal advice, and the ``workbench verify`` command of the package folder;
* **the obligations with their deadline arithmetic** (:func:`obligations`): one block per
  obligation (individuals, regulator, credit bureaus, media), from the notice-timeline
  table's columns; a number the table does not hold is "not modelled", never made up;
* **the residents list** (:func:`residents_frame`, :func:`write_residents_csv`): the late,
  missing and overdue residents from ``artifacts/20_notice_timelines.flagged_people.parquet``,
  person ids pseudonymised (:func:`workbench.masking.pseudonymise_id`) unless the case's
  ``mask_personal_data`` is false, as ``residents.csv`` (every row) and a table in the PDF
  (at most :data:`RESIDENTS_PDF_ROWS` rows, saying how many more the CSV holds);
* **the chart** of its residents' notices per day (:func:`notices_chart`);
* **the package's files** (:func:`package_files_table`): the entries of the folder's
  ``manifest.json`` when it exists, else the files written before the report documents;
* **the organisation annex** (:func:`annex_findings`, :data:`ANNEX_FOLDER`): what every
  package of a run shares (the organisation-wide findings and the residents' inputs' data
  quality in full, the method, the checks table)
  is laid out once per run as ``regulators/annex/annex.pdf`` (+ .html) and copied into each
  package as ``organisation_annex.pdf`` (+ .html), listed in its manifest; the package itself
  lists those findings in one compact table pointing at the annex's sections.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

#: Evidence key: people concerned per jurisdiction code (a finding about people in several).
PEOPLE_BY_JURISDICTION = "people_by_jurisdiction"
#: Older runs' letter findings count people per jurisdiction under this key.
_LEGACY_PEOPLE_KEY = "by_jurisdiction"
#: Findings without a jurisdiction that concern the organisation: in every package.
ORGANISATION_WIDE_CATEGORIES = frozenset({"insider_trading", "lookalike_link", "compensation"})
#: Inputs holding residents' data: a data-quality finding on one of them that the stage does
#: not break down by jurisdiction may concern any jurisdiction's residents, so every package has it.
RESIDENT_INPUTS = frozenset({"affected_people", "notices"})
#: The flagged people artifact of the notice-timeline stage (late, missing, overdue only).
FLAGGED_PEOPLE_ARTIFACT = "20_notice_timelines.flagged_people.parquet"
#: The per-day notices artifact (with a ``jurisdiction`` column since this module exists).
NOTICES_PER_DAY_ARTIFACT = "20_notice_timelines.notices_per_day.csv"
#: At most this many residents are listed in the package PDF; residents.csv holds them all.
RESIDENTS_PDF_ROWS = 1000
RESIDENTS_CSV = "residents.csv"
#: Columns of residents.csv, in order.
RESIDENT_COLUMNS: tuple[str, ...] = ("person_id", "data_owner", "status", "clock_start", "due_at", "sent_at",
                                     "days_late", "days_overdue")
NOT_RECORDED = "not recorded"
#: The package's own files and what each is.
PACKAGE_FILES: dict[str, str] = {
    "report.pdf": "this report (PDF)", "report.html": "this report (self-contained HTML)",
    "findings.json": "the findings of this package (the same as in the report)",
    RESIDENTS_CSV: "the late, missing and overdue residents (every row)",
}
#: Where a run's organisation annex is rendered once (relative to the run folder); it is not a
#: package (no manifest.json of its own): each package holds a copy (:data:`ANNEX_COPIES`).
ANNEX_FOLDER = "regulators/annex"
#: The annex documents in :data:`ANNEX_FOLDER`, by format.
ANNEX_FILES: dict[str, str] = {"html": "annex.html", "pdf": "annex.pdf"}
#: The annex's name in each package folder, by format.
ANNEX_COPIES: dict[str, str] = {"html": "organisation_annex.html", "pdf": "organisation_annex.pdf"}
PACKAGE_FILES.update({
    ANNEX_COPIES["pdf"]: "the organisation annex (PDF): the organisation-wide findings in full, the method and the "
                         "checks; the same file in every package of the run",
    ANNEX_COPIES["html"]: "the organisation annex (self-contained HTML); the same file in every package of the run",
})
#: Report documents being rendered: their own sha256 cannot be printed inside them.
_SELF = ("report.html", "report.pdf")


# --------------------------------------------------------------------------- findings

def people_by_jurisdiction(finding: Mapping[str, Any]) -> dict[str, int] | None:
    """The finding's people per jurisdiction (evidence), or None when it does not count them."""
    ev = finding.get("evidence") or {}
    by = ev.get(PEOPLE_BY_JURISDICTION, ev.get(_LEGACY_PEOPLE_KEY))
    if not isinstance(by, Mapping):
        return None
    out = {}
    for k, v in by.items():
        try:
            out[str(k)] = int(v)
        except (TypeError, ValueError):
            continue
    return out


def concerns(finding: Mapping[str, Any], code: str) -> str | None:
    """Why ``finding`` belongs in ``code``'s package ("own", "share", "organisation",
    "inputs"), or None when it does not."""
    if finding.get("jurisdiction"):
        return "own" if finding["jurisdiction"] == code else None
    by = people_by_jurisdiction(finding)
    if by is not None and by:
        return "share" if by.get(code, 0) > 0 else None
    if finding.get("category") in ORGANISATION_WIDE_CATEGORIES:
        return "organisation"
    if finding.get("category") == "data_quality" and finding.get("subject") in RESIDENT_INPUTS:
        return "inputs"
    return None


def is_organisation_wide(finding: Mapping[str, Any]) -> bool:
    """Whether the finding concerns the organisation, not particular residents (insider
    trading, look-alike links, awards without a jurisdiction or people per jurisdiction): the
    same in every package, stated in full once, in the organisation annex."""
    return not finding.get("jurisdiction") and concerns(finding, "") == "organisation"


#: Why a finding is the same in every package (:func:`concerns`), so stated in full once, in the annex.
SHARED_CONCERNS = ("organisation", "inputs")


def in_annex(finding: Mapping[str, Any]) -> bool:
    """Whether the finding is the same in every package, so stated in full in the organisation
    annex: organisation-wide (:func:`is_organisation_wide`), or the data quality of an input
    holding every jurisdiction's residents that the stage does not count per jurisdiction
    (``inputs``). A package keeps its own findings and its share of others in full."""
    return not finding.get("jurisdiction") and concerns(finding, "") in SHARED_CONCERNS


def annex_findings(findings: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The findings of the organisation annex (:func:`in_annex`), in their order, each with
    ``package_scope`` (what it concerns) and no ``package_share``."""
    return [{**f, "package_share": None, "package_scope": _SCOPE_LABELS[concerns(f, "")]} for f in findings
            if in_annex(f)]


def counts_for(finding: Mapping[str, Any], code: str) -> bool:
    """Whether the finding concerns ``code``'s residents in particular (it calls for a
    package under ``with-findings``): its own, or a share of its people."""
    return concerns(finding, code) in ("own", "share")


def share_text(finding: Mapping[str, Any], code: str) -> str | None:
    """How the finding concerns the package's residents, for the report."""
    why = concerns(finding, code)
    if why == "share":
        here = people_by_jurisdiction(finding).get(code, 0)
        total = int(finding.get("count") or sum(people_by_jurisdiction(finding).values()))
        return f"{here:,} of this jurisdiction's residents, of {total:,} in all"
    if why == "organisation":
        return "organisation-wide: concerns the organisation, not particular residents"
    if why == "inputs":
        return ("data quality of the input " + str(finding.get("subject")) + ", which holds this jurisdiction's "
                "residents among others; the stage counts failing rows per input, not per jurisdiction")
    return None


#: What a package's finding without a jurisdiction concerns (its "jurisdiction" line).
_SCOPE_LABELS = {"share": "(residents of several jurisdictions)", "inputs": "(the case's inputs)",
                 "organisation": "(organisation-wide)"}


def package_findings(findings: Iterable[Mapping[str, Any]], code: str) -> list[dict[str, Any]]:
    """The findings of ``code``'s package, in their order, each with ``package_share`` (how it
    concerns the jurisdiction's residents; None for its own findings) and ``package_scope``
    (what one without a jurisdiction concerns)."""
    out = []
    for f in findings:
        why = concerns(f, code)
        if why:
            out.append({**f, "package_share": share_text(f, code), "package_scope": _SCOPE_LABELS.get(why)})
    return out


# --------------------------------------------------------------------------- cover page

def _first(frame, col: str) -> Any:
    if frame is None or col not in getattr(frame, "columns", ()) or not len(frame):
        return None
    for v in frame[col]:
        if v is not None and not (isinstance(v, float) and v != v) and str(v).strip() not in ("", "nan", "<NA>"):
            return v
    return None


def _day(v: Any) -> str | None:
    return str(v)[:10] if v not in (None, "") and str(v)[:4].isdigit() else None


def verify_command(code_folder: str) -> str:
    """The command that verifies a package folder (``workbench verify regulators/US-CA``)."""
    return f"workbench verify {code_folder}"


def cover(*, code: str, organization: str, case_id: str, incident: Mapping[str, Any], parameters: Mapping[str, Any],
          run: Mapping[str, Any], audit: Mapping[str, Any] | None, notice_rows, folder: str) -> dict[str, Any]:
    """The cover page's fields: every one filled ("not recorded" when the case does not say)."""
    regulator = _first(notice_rows, "regulator_name")
    name = _first(notice_rows, "jurisdiction_name")
    to = str(regulator) if regulator else (f"{name} ({code})" if name and name != "unknown" else code)
    starts = [d for d in (_day(incident.get("breach_start")), _day(incident.get("discovered"))) if d]
    period_start = min(starts) if starts else None
    as_of = _day(parameters.get("as_of"))
    audit = audit or {}
    inc = []
    for key, label in (("breach_start", "breach started"), ("breach_end", "ended"), ("discovered", "discovered"),
                       ("determined", "determined"), ("public_disclosure", "publicly disclosed")):
        if _day(incident.get(key)):
            inc.append(f"{label} {_day(incident.get(key))}")
    return {
        "to": to,
        "to_source": "the law data's regulator for the notice" if regulator else "no regulator named by the law data: "
                     "the jurisdiction",
        "jurisdiction": code,
        "about": (f"The notification of the personal-data breach at {organization} to the residents of "
                  f"{name if name and name != 'unknown' else code} and to its authorities"),
        "incident": "; ".join(inc) or NOT_RECORDED,
        "organization": organization, "case_id": case_id,
        "audit_period": (f"{period_start} to {as_of} (the audit date, as of)" if period_start and as_of
                         else NOT_RECORDED),
        "auditor": audit.get("auditor") or NOT_RECORDED, "firm": audit.get("firm") or NOT_RECORDED,
        "run_id": run.get("run_id") or NOT_RECORDED,
        "workbench_version": run.get("workbench_version") or NOT_RECORDED,
        "git_commit": run.get("git_commit") or NOT_RECORDED,
        "law_data_version": run.get("law_data_version") or NOT_RECORDED,
        "verify": verify_command(folder),
        "folder": folder,
    }


# --------------------------------------------------------------------------- obligations

#: The obligations of a notice-table row: role, title, column prefix ('' = individuals).
ROLES: tuple[tuple[str, str, str], ...] = (
    ("individuals", "Notice to affected residents", ""),
    ("regulator", "Notice to the regulator", "regulator_"),
    ("cra", "Notice to consumer reporting agencies", "cra_"),
    ("media", "Notice to the media", "media_"),
)
_PERIOD = re.compile(r"within (\d+) (calendar days|business days|days|hours)|assessment_days=(\d+)")


def _val(row: Mapping[str, Any], col: str) -> Any:
    v = row.get(col)
    if v is None or (isinstance(v, float) and v != v) or str(v).strip() in ("", "nan", "<NA>", "NaT", "None"):
        return None
    return v


def _num(v: Any) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{int(f):,}" if f == int(f) else f"{f:,.1f}"


def period_of(reason: str | None) -> str | None:
    """The rule's period as its reviewed text states it ("30 calendar days"), else None."""
    m = _PERIOD.search(reason or "")
    if not m:
        return None
    if m.group(3):
        return f"{m.group(3)} calendar days (assessment yardstick, not law)"
    unit = "calendar days" if m.group(2) == "days" else m.group(2)
    return f"{m.group(1)} {unit}"


def _arithmetic(start_event: Any, start: Any, period: str | None, due: Any, basis: Any, reason: Any) -> str:
    """"clock start (event, date) + N days = due date", or what is not modelled and why."""
    if due is None:
        why = reason or (f"basis {basis}" if basis else "the notice-timeline table gives no due date")
        return f"no due date: {why}"
    start_text = f"clock start ({start_event or 'event not recorded'}, {_day(start) or 'date not recorded'})"
    if period:
        return f"{start_text} + {period} = due {due}"
    return (f"due {due} (the rule's text states no fixed number of days from a clock start: not modelled as a period; "
            "see rule)")


def obligations(notice_rows) -> list[dict[str, Any]]:
    """One block per obligation of each notice-table row of the jurisdiction (a vendor case
    has one row per data owner): the deadline arithmetic, the notices sent, days late,
    status and citation. Empty when the table has no row for it."""
    if notice_rows is None or not len(notice_rows):
        return []
    blocks = []
    for row in notice_rows.to_dict(orient="records"):
        owner = _val(row, "data_owner")
        for role, title, p in ROLES:
            if p and _val(row, f"{p}status") is None and _val(row, f"{p}required") is None:
                continue  # the stage models no such obligation here (no media column, no row)
            basis, reason = _val(row, f"{p}basis" if p else "basis"), _val(row, f"{p}reason" if p else "reason")
            due = _val(row, f"{p}due_at")
            lines: list[tuple[str, str]] = []
            if p:
                lines.append(("required", {True: "yes", False: "no"}.get(_val(row, f"{p}required"), "not assessed")
                              + (f" (threshold {_num(_val(row, f'{p}threshold'))} residents)"
                                 if _val(row, f"{p}threshold") is not None else "")))
                lines.append(("deadline", _arithmetic(None, None, period_of(reason), due, basis, reason)
                              if due is not None else f"no due date: {reason or 'not assessed'}"))
                lines.append(("sent", str(_val(row, f"{p}sent_at") or "no notice recorded")))
                days = _val(row, f"{p}days_late")
                unsent = _val(row, f"{p}status") == "missing"
                lines.append(("days late", (_num(days) + (" (none sent: counted to the audit date)" if unsent else ""))
                              if days is not None else "none" if due is not None else "not applicable (no due date)"))
                if p == "regulator" and _val(row, "regulator_filing_log"):
                    lines.append(("filings", str(row["regulator_filing_log"])))
            else:
                lines.append(("deadline", _arithmetic(_val(row, "clock_event"), _val(row, "clock_start"),
                                                      period_of(reason), due, basis, reason)))
                lines.append(("notices sent", f"first {_val(row, 'first_notice_at') or 'none'}; last "
                                              f"{_val(row, 'last_notice_at') or 'none'}"))
                counts = ", ".join(f"{_num(_val(row, c) or 0)} {c.replace('_', ' ')}" for c in
                                   ("on_time", "late", "overdue", "undelivered_only", "pending", "not_required",
                                    "not_assessed"))
                lines.append(("residents", f"{_num(_val(row, 'residents') or 0)}: {counts}"))
                late_max, late_med = _val(row, "days_late_max"), _val(row, "days_late_median")
                lines.append(("days late", f"max {_num(late_max)}, median {_num(late_med)}" if late_max is not None
                              else "none late" if due is not None else "not assessed"))
                if _val(row, "days_overdue_max") is not None:
                    lines.append(("days overdue", f"max {_num(row['days_overdue_max'])} (at the audit date)"))
            status = (_val(row, f"{p}status") if p else _individual_status(row, due))
            lines.append(("status", str(status or "not assessed")))
            lines.append(("basis", str(basis or "not assessed")
                          + (f"; rule version {_val(row, 'rule_version')}" if _val(row, "rule_version") else "")))
            lines.append(("citation", str(_val(row, f"{p}citation" if p else "citation")
                                          or "no citation: no law modelled for this obligation")))
            if reason:
                lines.append(("rule", str(reason)))
            blocks.append({"role": role, "title": title + (f" (data owner {owner})" if owner else ""), "lines": lines})
    return blocks


def _individual_status(row: Mapping[str, Any], due: Any) -> str:
    if due is None:
        return "not assessed" if _val(row, "basis") in (None, "not_assessed") else str(_val(row, "basis"))
    late, missing = int(_val(row, "late") or 0), int(_val(row, "missing") or 0)
    if not late and not missing:
        return "on time" if int(_val(row, "on_time") or 0) else "no notice due yet"
    return f"{late:,} late, {missing:,} missing or overdue"


# --------------------------------------------------------------------------- residents

def flagged_expected(notice_rows) -> int | None:
    """Late + missing + overdue residents by the notice table (its ``missing`` counts the
    overdue too): the number of rows the residents list must have."""
    if notice_rows is None or not len(notice_rows) or "late" not in notice_rows.columns:
        return None
    return int(notice_rows["late"].fillna(0).sum() + notice_rows["missing"].fillna(0).sum())


def _flagged_path(run_dir: Path) -> Path:
    return Path(run_dir) / "artifacts" / FLAGGED_PEOPLE_ARTIFACT


def _residents_sql(mask: bool) -> str:
    """The residents list of one jurisdiction (parameters: the Parquet path, the key, the code)
    from the flagged people: DuckDB reads only that jurisdiction's rows; dates as days; ids as
    :func:`workbench.masking.pseudonymise_id` computes them (sha256 in SQL) when ``mask``."""
    pid = ("'p-' || substr(sha256(CAST($key AS VARCHAR) || chr(31) || CAST(person_id AS VARCHAR)), 1, 12)" if mask
           else "CAST(person_id AS VARCHAR)")
    return (f"SELECT {pid} AS person_id, nullif(CAST(data_owner AS VARCHAR), '') AS data_owner, status, "
            "strftime(clock_start, '%Y-%m-%d') AS clock_start, strftime(due_at, '%Y-%m-%d') AS due_at, "
            "strftime(sent_at, '%Y-%m-%d') AS sent_at, days_late, days_overdue "
            "FROM read_parquet($path) WHERE jurisdiction = $code ORDER BY status, due_at, person_id")


def residents_frame(run_dir: Path, code: str, *, mask: bool, key: str, limit: int | None = None):
    """The flagged residents of ``code`` (at most ``limit`` rows, for the PDF) and their
    number, or (None, None) when the stage wrote no flagged-people artifact (the reason is
    the caller's to say). Bounded memory: only ``limit`` rows become a DataFrame."""
    from workbench.duck import connect

    path = _flagged_path(run_dir)
    if not path.is_file():
        return None, None
    con = connect()
    try:
        params = {"path": str(path), "code": code}
        total = con.execute("SELECT count(*) FROM read_parquet($path) WHERE jurisdiction = $code", params).fetchone()[0]
        sql = _residents_sql(mask) + (f" LIMIT {int(limit)}" if limit is not None else "")
        frame = con.execute(sql, {**params, **({"key": key} if mask else {})}).df()
    finally:
        con.close()
    return frame[list(RESIDENT_COLUMNS)], int(total)


def write_residents_csv(folder: Path, run_dir: Path, code: str, *, mask: bool, key: str,
                        batch_rows: int = 100_000) -> Path:
    """``residents.csv``: every flagged resident of ``code``, streamed from DuckDB in batches
    (a jurisdiction of millions never is one DataFrame), every cell through
    :mod:`workbench.safecsv`, written atomically."""
    from workbench.duck import connect
    from workbench.safecsv import SafeWriter

    path = Path(folder) / RESIDENTS_CSV
    tmp = path.with_name(f".{path.name}.tmp")
    con = connect()
    try:
        params = {"path": str(_flagged_path(run_dir)), "code": code, **({"key": key} if mask else {})}
        cur = con.execute(_residents_sql(mask), params)
        with tmp.open("w", encoding="utf-8", newline="") as f:
            w = SafeWriter(f)
            w.writerow(RESIDENT_COLUMNS)
            while True:
                rows = cur.fetchmany(batch_rows)
                if not rows:
                    break
                w.writerows([_cell(v) for v in r] for r in rows)
    finally:
        con.close()
    tmp.replace(path)
    return path


def _cell(v: Any) -> Any:
    """A residents-list value as written: missing -> empty, whole numbers without a decimal point."""
    import pandas as pd

    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, float) and v == int(v):
        return int(v)
    return v


# --------------------------------------------------------------------------- chart

def notices_per_day(run_dir: Path, code: str):
    """The jurisdiction's residents' first valid notices per day (date, notices), or None
    when the run's artifact has no jurisdiction column (a run from before it had one)."""
    import pandas as pd

    path = Path(run_dir) / "artifacts" / NOTICES_PER_DAY_ARTIFACT
    if not path.is_file():
        return None
    frame = pd.read_csv(path, dtype={"jurisdiction": "string"})
    if "jurisdiction" not in frame.columns:
        return None
    mine = frame[frame["jurisdiction"] == code]
    return mine.groupby("date", as_index=False)["notices"].sum().sort_values("date", ignore_index=True)


def notices_chart(per_day, *, code: str, due_at: Any, residents: int | None) -> str | None:
    """Cumulative notices to the jurisdiction's residents per day, the due date a vertical
    line and the residents a horizontal one: a PNG data URI (None without notices)."""
    if per_day is None or not len(per_day):
        return None
    import datetime as dt

    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    days = [dt.date.fromisoformat(str(d)[:10]) for d in per_day["date"]]
    total, cum = 0, []
    for n in per_day["notices"]:
        total += int(n)
        cum.append(total)
    fig = Figure(figsize=(8, 3.2))
    ax = fig.subplots()
    ax.step(days, cum, where="post", color="#4c72b0", label="residents notified (cumulative)")
    if residents:
        ax.axhline(residents, color="#555555", linestyle=":", linewidth=1.2, label=f"residents {residents:,}")
    if _day(due_at):
        due = dt.date.fromisoformat(_day(due_at))
        ax.axvline(due, color="#d62728", linestyle="--", linewidth=1.2, label=f"due {due}")
    ax.set_ylabel("residents notified")
    ax.set_title(f"{code}: notices to residents over time".replace("$", r"\$"))  # no mathtext
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    ax.legend(fontsize=7, loc="lower right")
    fig.autofmt_xdate()
    fig.tight_layout()
    buf = io.BytesIO()  # as workbench.report's charts: PNG, no software tag, a data: URI
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


# --------------------------------------------------------------------------- the package's files

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _manifest_entries(doc: Any) -> dict[str, str | None]:
    """{file: sha256} from a package manifest of any of the shapes a manifest may take:
    ``{"files": {name: {"sha256"}}}``, ``{"files": [{"path", "sha256"}]}`` or ``outputs`` alike."""
    out: dict[str, str | None] = {}
    if not isinstance(doc, Mapping):
        return out
    for key in ("files", "outputs", "entries"):
        entries = doc.get(key)
        if isinstance(entries, Mapping):
            for name, e in entries.items():
                out[str(name)] = e.get("sha256") if isinstance(e, Mapping) else (e if isinstance(e, str) else None)
        elif isinstance(entries, list):
            for e in entries:
                if isinstance(e, Mapping) and (e.get("path") or e.get("name")):
                    out[str(e.get("path") or e.get("name"))] = e.get("sha256")
    return out


def package_files_table(folder: str | Path, *, from_manifest: bool = True,
                        pending: Sequence[str] = ()) -> dict[str, Any]:
    """The package's files with their sha256: the entries of ``manifest.json`` in the
    folder when it exists and ``from_manifest`` (``source: manifest``), else the files
    written so far, hashed here (``source: folder``; the report documents being rendered
    cannot carry their own sha256: the folder's manifest, written after them, records it).
    Tolerates an absent or unreadable manifest (``note`` says so).

    Order when a package is rendered (:func:`workbench.report._write_packages`):
    residents.csv, findings.json, then this table (``from_manifest=False``: a manifest
    left from an earlier render would be stale), then report.html and report.pdf; the
    folder's manifest.json is written after them all. ``pending``: files placed in the folder
    after the documents (the organisation annex's PDF, copied once it is laid out), listed as
    recorded in the manifest."""
    folder = Path(folder)
    manifest = folder / "manifest.json"
    note, entries = None, {}
    if from_manifest and manifest.is_file():
        try:
            entries = _manifest_entries(json.loads(manifest.read_text(encoding="utf-8")))
        except (OSError, ValueError) as err:
            note = f"manifest.json unreadable ({err}): files hashed from the folder"
    source = "manifest" if entries else "folder"
    rows = []
    if entries:
        for name, sha in sorted(entries.items()):
            rows.append({"file": name, "what": PACKAGE_FILES.get(Path(name).name, ""), "sha256": sha or "not recorded"})
    else:
        names = sorted({p.name for p in folder.glob("*") if p.is_file() and not p.name.startswith(".")
                        and p.name != "manifest.json"} | set(_SELF) | set(pending))
        for name in names:
            path = folder / name
            sha = ("recorded in manifest.json (written after this document)" if name in _SELF
                   else "recorded in manifest.json (copied into this folder after this document)" if name in pending
                   else _sha256(path) if path.is_file() else "not written")
            rows.append({"file": name, "what": PACKAGE_FILES.get(name, ""), "sha256": sha})
    return {"source": source, "rows": rows, "note": note}


def package_parts(*, code: str, run_dir: Path | None, folder: str, notice_rows, organization: str, case_id: str,
                  incident: Mapping[str, Any], parameters: Mapping[str, Any], run: Mapping[str, Any],
                  audit: Mapping[str, Any] | None, residents_people: int | None, mask: bool,
                  assessed: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """Everything the package's own blocks show (the template's ``package``), and the
    arguments of :func:`write_residents_csv` for the caller (``residents_source``, None when not assessed)."""
    from workbench.assessment import Assessment

    parts: dict[str, Any] = {"cover": cover(code=code, organization=organization, case_id=case_id, incident=incident,
                                            parameters=parameters, run=run, audit=audit, notice_rows=notice_rows,
                                            folder=folder),
                             "obligations": obligations(notice_rows), "pdf_rows_limit": RESIDENTS_PDF_ROWS,
                             "residents_csv": RESIDENTS_CSV, "masked": mask}
    state = ((assessed or {}).get("20_notice_timelines") or {}).get("individual_notice_timeliness")
    frame, why = None, None
    if state is not None and not Assessment.from_json(state).is_assessed:
        why = f"not assessed: {Assessment.from_json(state).reason}"
    elif run_dir is None:
        why = "not assessed: no run folder to read the notice-timeline stage's flagged people from"
    else:
        frame, total = residents_frame(run_dir, code, mask=mask, key=case_id, limit=RESIDENTS_PDF_ROWS)
        if frame is None:
            why = (f"not assessed: the notice-timeline stage wrote no artifacts/{FLAGGED_PEOPLE_ARTIFACT} in this run "
                   "(it did not run, had no affected people, or predates the residents list)")
    parts["residents_reason"] = why
    #: what the caller passes to write_residents_csv (None: no list to write)
    parts["residents_source"] = (None if frame is None else
                                 {"run_dir": run_dir, "code": code, "mask": mask, "key": case_id})
    parts["residents_expected"] = flagged_expected(notice_rows)
    if frame is not None:
        parts["residents_total"] = total
        parts["residents_rows"] = [[str(_cell(v)) for v in r] for r in frame.itertuples(index=False, name=None)]
        parts["residents_more"] = max(0, total - len(frame))
        parts["residents_columns"] = list(RESIDENT_COLUMNS)
    due = _first(notice_rows, "due_at")
    per_day = notices_per_day(run_dir, code) if run_dir is not None else None
    parts["chart"] = notices_chart(per_day, code=code, due_at=due, residents=residents_people)
    parts["chart_reason"] = (None if parts["chart"] else
                             "not drawn: the run's notices_per_day artifact has no jurisdiction column "
                             "(a run from before per-jurisdiction counts)" if per_day is None else
                             "no notice to a resident of this jurisdiction was sent by the audit date")
    parts["files"] = package_files_table(run_dir / folder, from_manifest=False) if run_dir is not None else {
        "source": "folder", "rows": [], "note": "no run folder"}
    return parts
