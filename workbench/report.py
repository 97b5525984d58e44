"""Turning a run's findings artifacts into the audit report, regulator packages and exports.

Everything here reads only what the stages left in the run folder (``artifacts/``, the
manifest) plus case.yaml for the organisation's name and incident dates; it never re-reads
the case's data. One call does it all and is what ``notebooks/90_audit_report.ipynb`` runs::

    from workbench.report import build_report
    result = build_report(run_dir, case_path)   # findings.json/.csv, report.html/.pdf, regulators/

Outputs in the run folder:

``findings.json``
    ``{"schema_version", "case_id", "generated_at", "findings": [...]}``; each finding has
    ``id, category, severity, title, detail, jurisdiction, subject, count, citation,
    evidence`` (see :data:`FINDINGS_SCHEMA`). Ids are derived from what identifies a
    finding, so they are stable across runs.
``findings.csv``
    The same rows (evidence as compact JSON); cells that a spreadsheet would run as a
    formula (starting ``=``, ``+``, ``-``, ``@``, tab or carriage return, and not a plain
    number) are prefixed ``'``, as in every CSV the workbench writes (:mod:`workbench.safecsv`).
``report.html`` / ``report.pdf``
    The audit report: self-contained HTML (inline CSS, charts as data: URIs, a CSP that
    forbids any request), every data value escaped; the PDF is rendered from the same HTML
    by WeasyPrint with a fetcher that refuses every URL but ``data:``.
``regulators/<jurisdiction>/``
    ``report.html``, ``report.pdf`` and ``findings.json`` for each jurisdiction with affected
    residents that the package selection asks for (:mod:`workbench.regulator_packages`:
    ``with-findings`` by default, ``all``, ``none`` or a list of codes): only that
    jurisdiction's residents, obligations and findings (plus the organisation-wide findings
    that concern no resident), personal data masked unless the case's
    ``mask_personal_data`` is false.
``regulators/index.json``
    The packages rendered, and every jurisdiction with residents that has none, with the
    reason and the command that renders them later (``workbench report RUN --packages ...``,
    :func:`add_packages`).

Formats are a registry (:data:`REPORT_FORMATS`: ``json``, ``csv``, ``html``, ``pdf``), so a new
export is one registered function.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import io
import json
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from workbench.assessment import Assessment
from workbench.evidence_tables import deadline_sentence, evidence_tables
from workbench.artifacts import atomic_write_text, read_assessed, read_findings, read_table
from workbench.basis import BASIS_KINDS
from workbench.findings import CATEGORIES, SCHEMA_VERSION, SEVERITIES, SEVERITY_RANK, UNITS, Finding
from workbench.masking import _mask_value, masked_dict
from workbench.paths import MANIFEST_NAME, TEMPLATES_DIR
from workbench.registry import Registry
from workbench.regulator_packages import INDEX_PATH, Candidate, PackagePlan, plan_packages, safe_dirname
from workbench.safecsv import rows_csv_text

log = logging.getLogger("workbench.report")

#: Version of the findings.json layout (the Finding record's schema version).
FINDINGS_SCHEMA_VERSION = SCHEMA_VERSION
#: Columns of findings.json rows and findings.csv, in order.
FINDING_FIELDS: tuple[str, ...] = ("id", "category", "severity", "title", "detail", "jurisdiction",
                                   "subject", "count", "unit", "citation", "basis", "evidence")
#: The documented schema of findings.json (JSON Schema, draft 2020-12).
FINDINGS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Breach Audit Workbench findings",
    "type": "object",
    "required": ["schema_version", "case_id", "generated_at", "findings"],
    "properties": {
        "schema_version": {"const": FINDINGS_SCHEMA_VERSION},
        "case_id": {"type": "string"},
        "generated_at": {"type": "string", "description": "UTC, ISO 8601: when the run that produced the findings started"},
        "jurisdiction": {"type": ["string", "null"], "description": "set in a regulator package: the jurisdiction it covers"},
        "masked": {"type": "boolean", "description": "true when personal data in the findings is masked"},
        "findings": {"type": "array", "items": {
            "type": "object",
            "required": list(FINDING_FIELDS),
            "properties": {
                "id": {"type": "string", "description": "stable: derived from category, check, jurisdiction and subject"},
                "category": {"enum": list(CATEGORIES)},
                "severity": {"enum": list(SEVERITIES)},
                "title": {"type": "string"}, "detail": {"type": "string"},
                "jurisdiction": {"type": ["string", "null"]}, "subject": {"type": ["string", "null"]},
                "count": {"type": "integer", "minimum": 0,
                          "description": "how many, in 'unit' (people, notices, rows...): add counts only within a unit"},
                "unit": {"enum": list(UNITS), "description": "what 'count' counts"},
                "citation": {"type": ["string", "null"], "description": "the statute or rule text, where one applies"},
                "basis": {"type": "object", "required": ["kind", "text", "ref"], "additionalProperties": False,
                          "description": "what the finding rests on; 'ref' is the anchor of its explanation in the "
                                         "report's method section (report.html#<ref>)",
                          "properties": {"kind": {"enum": list(BASIS_KINDS)}, "text": {"type": "string", "minLength": 1},
                                         "ref": {"type": "string", "pattern": "^basis-[a-z0-9-]+$"}}},
                "evidence": {"type": "object", "description": "small; 'check' names the check code"},
            }}},
        "assessed": {"type": "object", "description": "per stage, per check: whether it was assessed and, "
                     "if not, why (an absent or empty input...). Not assessed never means passed",
                     "additionalProperties": {"type": "object", "additionalProperties": {
                         "type": "object", "required": ["state", "reason"],
                         "properties": {"state": {"enum": ["assessed", "not_assessed"]},
                                        "reason": {"type": ["string", "null"]}}}}},
    },
}
#: Findings without a jurisdiction that concern the organisation, not residents: they go into
#: every regulator package. Which other findings a package holds (a share of their people,
#: data quality of the residents' inputs): :func:`workbench.package_contents.concerns`.
from workbench.package_contents import ANNEX_COPIES, ANNEX_FILES, ANNEX_FOLDER, ORGANISATION_WIDE_CATEGORIES  # noqa: E402
#: Stages the full audit runs; one without a findings artifact is listed as not assessed.
EXPECTED_STAGES: tuple[str, ...] = ("10_data_quality", "20_notice_timelines", "30_irregularities")
NOTICE_TABLE = ("20_notice_timelines", "jurisdictions")
#: Columns of the notice-timeline table shown in the full report (the artifact has many
#: more; a regulator package shows all of its one row, as field/value pairs).
NOTICE_COLUMNS: tuple[str, ...] = ("jurisdiction", "jurisdiction_name", "scope", "residents", "on_time", "late", "missing",
                                   "overdue", "not_assessed", "basis", "due_at", "citation", "regulator_status",
                                   "cra_status", "worst_severity")
#: At most this many columns of a table of unknown shape (wide tables make unreadable PDFs).
MAX_COLUMNS = 14
#: A table with more columns than this is laid out on landscape pages (the template's ``wide``).
WIDE_COLUMNS = 8
#: Paper sizes (CSS ``size``): US Letter for a US regulator, A4 for the others.
LETTER, A4 = "letter", "A4"


def page_size(scope: str | None, jurisdictions: Iterable[str] = ()) -> str:
    """US Letter for a US jurisdiction's package (and for a full report whose jurisdictions are
    all US), A4 otherwise."""
    codes = [scope] if scope else [j for j in jurisdictions if j != UNKNOWN_JURISDICTION]
    return LETTER if codes and all(str(c).startswith("US") for c in codes) else A4
UNKNOWN_JURISDICTION = "UNKNOWN"
UNKNOWN_UNIT = "unknown"
REPORT_STAGE = "90_audit_report"


# --------------------------------------------------------------------------- findings export

def gather_findings(run_dir: str | Path) -> list[Finding]:
    """Every finding of every stage of a run, most severe first, each shared fact stated once
    (:func:`workbench.ownership.fold`: the owner's finding carries the others in
    ``evidence["also_seen_by"]``). Two findings with the same id (a check reporting one
    thing twice) are both kept and logged."""
    from workbench.ownership import fold

    findings = fold(read_findings(run_dir), read_assessed(run_dir))
    dupes = [i for i, n in Counter(f.id for f in findings).items() if n > 1]
    if dupes:
        log.warning("%d finding id(s) reported more than once: %s", len(dupes), ", ".join(sorted(dupes)[:5]))
    return findings


def findings_document(case_id: str, rows: Sequence[dict[str, Any]], generated_at: str, *,
                      jurisdiction: str | None = None, masked: bool = False,
                      assessed: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The findings.json document for already published rows (``Finding.to_dict`` shape)
    and, per stage, which checks were assessed."""
    doc: dict[str, Any] = {"schema_version": FINDINGS_SCHEMA_VERSION, "case_id": case_id,
                           "generated_at": generated_at}
    if jurisdiction is not None:
        doc["jurisdiction"] = jurisdiction
    doc["masked"] = masked
    doc["findings"] = [{k: r.get(k) for k in FINDING_FIELDS} for r in rows]
    if assessed is not None:
        doc["assessed"] = {stage: {check: Assessment.from_json(a).to_json() for check, a in sorted(checks.items())}
                           for stage, checks in sorted(assessed.items())}
    return doc


def findings_csv_text(rows: Iterable[dict[str, Any]]) -> str:
    """findings.csv: the same rows as findings.json, evidence as compact JSON, formulas
    neutralised (:mod:`workbench.safecsv`)."""
    def cell(r: dict[str, Any], k: str) -> Any:
        v = r.get(k)
        if k in ("evidence", "basis"):  # objects: compact JSON
            return json.dumps(v or {}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return "" if v is None else v

    return rows_csv_text(FINDING_FIELDS, ([cell(r, k) for k in FINDING_FIELDS] for r in rows))


def findings_at_or_above(findings: Iterable[Finding], severity: str) -> list[Finding]:
    """Findings at least as severe as ``severity`` (for ``workbench run --fail-on``)."""
    if severity not in SEVERITY_RANK:
        from workbench.errors import UnknownNameError
        raise UnknownNameError("severity", severity, list(SEVERITIES))
    return [f for f in findings if SEVERITY_RANK[f.severity] <= SEVERITY_RANK[severity]]


# --------------------------------------------------------------------------- context

@dataclass
class Table:
    """A small table for the template: column names, rows of display strings, numeric columns."""

    columns: list[str]
    rows: list[list[str]]
    numeric: set[str] = field(default_factory=set)
    #: column -> the headline quantity its cells state (``data-quantity`` in the HTML, keyed by
    #: the ``key`` column's value): how a test checks every output states the same numbers
    quantities: dict[str, str] = field(default_factory=dict)
    key: str | None = None

    @classmethod
    def from_frame(cls, frame, *, mask: bool = False) -> "Table":
        import pandas as pd

        cols = [str(c) for c in frame.columns]
        numeric = {str(c) for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
                   and not pd.api.types.is_bool_dtype(frame[c])}
        rows = []
        for rec in frame.itertuples(index=False, name=None):
            row = []
            for c, v in zip(cols, rec):
                if v is None or (isinstance(v, float) and v != v) or v is pd.NA or v is pd.NaT:
                    row.append("")
                    continue
                if mask:
                    v = _mask_value(c, v if isinstance(v, (int, float, bool)) else str(v), set())
                row.append(f"{v:,}" if c in numeric and isinstance(v, int) and not isinstance(v, bool) else str(v))
            rows.append(row)
        return cls(cols, rows, numeric)

    def transposed(self) -> "Table":
        """Field/value pairs (one column per row of the original): for a one-jurisdiction table."""
        if len(self.rows) == 1:
            return Table(["field", "value"], [[c, v] for c, v in zip(self.columns, self.rows[0])], set())
        return Table(["field", *[r[0] for r in self.rows]],
                     [[c, *[r[i] for r in self.rows]] for i, c in enumerate(self.columns)], set())


@dataclass
class ReportContext:
    """What one report (the full one, or a regulator's) is made of. Built from artifacts only."""

    case_id: str
    organization: str
    incident: dict[str, Any]
    parameters: dict[str, Any]
    generated_at: str
    run: dict[str, Any]
    findings: list[dict[str, Any]]          # published rows, possibly masked
    assessed: dict[str, dict[str, Any]]
    people: Any = None                      # DataFrame jurisdiction, people (00 overview) or None
    notice_table: Any = None                # DataFrame (20 notice timelines) or None
    notices_per_day: Any = None             # DataFrame date, notices or None
    inputs: Any = None                      # DataFrame (00 overview input counts) or None
    scope: str | None = None                # jurisdiction of a regulator package
    masked: bool = False
    packages: dict[str, Any] | None = None  # the full report's regulators/index.json document
    data_docs: dict[str, Any] | None = None  # the data-quality stage's GX Data Docs record, or None
    headline: Any = None                    # workbench.headline.Headline: the run's headline numbers
    charts_data: dict[str, Any] = field(default_factory=dict)  # artifacts the report's charts draw
    run_dir: Path | None = None             # the run folder the artifacts were read from
    audit: dict[str, Any] | None = None     # case.yaml ``audit`` (who ran it), or None
    package: dict[str, Any] | None = None   # a package's own parts (workbench.package_contents.package_parts)
    #: Rendered HTML, so that the html and pdf formats draw the charts once (not copied by replace()).
    _html: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)


def _run_info(run_dir: Path) -> dict[str, Any]:
    path = run_dir / MANIFEST_NAME
    m = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    from importlib import metadata
    try:
        version = metadata.version("breach-audit-workbench")
    except metadata.PackageNotFoundError:
        version = "dev"
    run_id = m.get("run_id") or run_dir.name
    return {"run_id": run_id, "run_id_css": re.sub(r"[^A-Za-z0-9_.-]", "_", str(run_id)),
            "started_at": m.get("started_at"), "git_commit": (m.get("git") or {}).get("commit"),
            "law_data_version": m.get("law_data_version"), "workbench_version": version,
            "manifest": m}


def load_context(run_dir: str | Path, case_path: str | Path | None = None, *,
                 generated_at: str | None = None) -> ReportContext:
    """Read the artifacts of a run (and case.yaml, or the manifest's copy of the incident) into
    the context of the full report."""
    from workbench.manifest import iso, utc_now

    run_dir = Path(run_dir)
    run = _run_info(run_dir)
    manifest = run.pop("manifest")
    case = None
    if (run_dir / "store" / "case.json").is_file():  # the case as the run's intake validated it
        from workbench.store import CaseStore
        case = CaseStore.open(run_dir).case
    case_path = case_path or manifest.get("case_path")
    if case is None and case_path and Path(case_path).is_file():
        from workbench.case import load_case
        case = load_case(case_path)
    if case is not None:
        case_id, org = case.case_id, case.organization.name
        incident = case.incident.model_dump(mode="json")
        params = case.parameters.model_dump(mode="json")
        audit = case.audit.model_dump(mode="json") if getattr(case, "audit", None) is not None else None
    elif manifest:
        case_id, org = manifest["case_id"], manifest.get("organization", "(organisation not recorded)")
        incident, params = manifest.get("incident", {}), manifest.get("parameters", {})
        audit = manifest.get("audit")
    else:
        from workbench.errors import RunError
        raise RunError(f"{run_dir}: no manifest.json and no case.yaml given: cannot tell which case this is")
    findings = gather_findings(run_dir)
    from workbench.headline import headline_figures
    from workbench.report_charts import chart_data

    headline = headline_figures(run_dir)  # distinct people after intake: the one source of the counts
    return ReportContext(
        case_id=case_id, organization=org, incident=incident, parameters=params,
        generated_at=generated_at or run.get("started_at") or iso(utc_now()), run=run,
        findings=[f.to_dict() for f in findings], assessed=read_assessed(run_dir),
        people=headline.people_frame() if headline.people_source else None,
        headline=headline, charts_data=chart_data(run_dir),
        notice_table=read_table(run_dir, *NOTICE_TABLE),
        notices_per_day=read_table(run_dir, "00_case_overview", "notices_per_day"),
        inputs=read_table(run_dir, "00_case_overview", "inputs"),
        data_docs=_data_docs(run_dir), run_dir=run_dir, audit=audit,
    )


def _data_docs(run_dir: Path) -> dict[str, Any] | None:
    """The record of the run's GX Data Docs (``artifacts/10_data_quality.data_docs.json``,
    written by :mod:`workbench.quality.datadocs`) when its index exists in the run folder."""
    from workbench.artifacts import artifacts_dir
    from workbench.quality.datadocs import RECORD

    path = artifacts_dir(run_dir) / RECORD
    if not path.is_file():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    index = record.get("index")
    return record if isinstance(index, str) and (run_dir / index).is_file() else None


def jurisdictions_with_residents(ctx: ReportContext) -> list[str]:
    """Jurisdictions with at least one affected resident (``UNKNOWN`` excluded: no regulator).

    From the overview's people counts; without them, from the notice-timeline table's
    residents column; without either, from the findings' jurisdictions."""
    codes: set[str] = set()
    if ctx.people is not None and len(ctx.people):
        p = ctx.people
        codes = {str(j) for j, n in zip(p["jurisdiction"], p["people"]) if _count(n) > 0}
    elif ctx.notice_table is not None and "jurisdiction" in ctx.notice_table.columns:
        t = ctx.notice_table
        if "residents" in t.columns:
            codes = {str(j) for j, n in zip(t["jurisdiction"], t["residents"])
                     if str(n).strip() not in ("", "0", "<NA>", "nan")}
        else:
            codes = {str(j) for j in t["jurisdiction"].dropna()}
    else:
        codes = {f["jurisdiction"] for f in ctx.findings if f.get("jurisdiction")}
    return sorted(c for c in codes if c and c != UNKNOWN_JURISDICTION and c.lower() not in ("nan", "<na>"))


def package_candidates(ctx: ReportContext) -> list[Candidate]:
    """Each jurisdiction with affected residents (:func:`jurisdictions_with_residents`), with
    its residents and the number of findings that concern its residents in particular: its
    own, and those whose people it has a share of (letters...;
    :func:`workbench.package_contents.counts_for`). Those call for a package
    (``with-findings``); organisation-wide findings go into every package but call for none."""
    from workbench.package_contents import counts_for

    people = {}
    if ctx.people is not None:
        people = {str(j): _count(n) for j, n in zip(ctx.people["jurisdiction"], ctx.people["people"])}
    codes = jurisdictions_with_residents(ctx)
    return [Candidate(code, people.get(code), sum(1 for f in ctx.findings if counts_for(f, code))) for code in codes]


def _count(v: Any) -> int:
    """An integer count from a table cell (missing -> 0)."""
    try:
        return int(v)
    except (TypeError, ValueError):
        return 0


def regulator_context(ctx: ReportContext, jurisdiction: str, *, mask: bool) -> ReportContext:
    """The context of one regulator's package: every finding that concerns that
    jurisdiction's residents (:func:`workbench.package_contents.package_findings`: its own,
    those with a share of its people, the organisation-wide ones, the residents' inputs'
    data quality), its residents and obligations only, masked when ``mask``; and the
    package's own parts (cover page, deadline arithmetic, residents list, chart, files:
    :func:`workbench.package_contents.package_parts`)."""
    from workbench.package_contents import package_findings, package_parts

    chosen = package_findings(ctx.findings, jurisdiction)
    if mask:
        extra = ("package_share", "package_scope")
        rows = [{**masked_dict(Finding.from_dict({k: v for k, v in f.items() if k not in extra})),
                 **{k: f[k] for k in extra}} for f in chosen]
    else:
        rows = chosen

    def only(frame):
        if frame is None or "jurisdiction" not in frame.columns:
            return None if frame is None else frame.iloc[0:0]
        return frame[frame["jurisdiction"].astype("str") == jurisdiction].reset_index(drop=True)

    people, notice_rows = only(ctx.people), only(ctx.notice_table)
    residents = sum(_count(n) for n in people["people"]) if people is not None and len(people) else None
    package = package_parts(code=jurisdiction, run_dir=ctx.run_dir, folder=f"regulators/{safe_dirname(jurisdiction)}",
                            notice_rows=notice_rows, organization=ctx.organization, case_id=ctx.case_id,
                            incident=ctx.incident, parameters=ctx.parameters, run=ctx.run, audit=ctx.audit,
                            residents_people=residents, mask=mask, assessed=ctx.assessed)
    return replace(ctx, findings=rows, people=people, notice_table=notice_rows,
                   notices_per_day=None, inputs=None, scope=jurisdiction, masked=mask, package=package)


# --------------------------------------------------------------------------- charts

_SEV_COLOURS = {"critical": "#7f0000", "high": "#d62728", "medium": "#ff7f0e", "low": "#bcbd22", "info": "#7f7f7f"}


def _plain(text: Any) -> str:
    """Text for matplotlib without mathtext interpretation."""
    return str(text).replace("$", r"\$")


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def severity_chart(findings: Sequence[dict[str, Any]]) -> str | None:
    """Findings per severity, as a PNG data URI (None when there are no findings)."""
    if not findings:
        return None
    counts = Counter(f["severity"] for f in findings)
    return _severity_png(tuple(counts.get(s, 0) for s in SEVERITIES))


# The severity and category charts depend only on their counts: regulator packages with the same
# counts (organisation-wide findings and a few of their own) share one drawing instead of one each.
@functools.lru_cache(maxsize=256)
def _severity_png(per_severity: tuple[int, ...]) -> str:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 2.6))
    ax = fig.subplots()
    ax.bar(list(SEVERITIES), list(per_severity), color=[_SEV_COLOURS[s] for s in SEVERITIES])
    ax.set_ylabel("findings")
    ax.set_title("Findings per severity")
    fig.tight_layout()
    return _png(fig)


def category_chart(findings: Sequence[dict[str, Any]]) -> str | None:
    """Findings per category and severity (stacked bars), as a PNG data URI."""
    if not findings:
        return None
    counts = Counter((f["category"], f["severity"]) for f in findings)
    cats = [c for c in CATEGORIES if any(counts.get((c, s)) for s in SEVERITIES)]
    return _category_png(tuple((c, tuple(counts.get((c, s), 0) for s in SEVERITIES)) for c in cats))


@functools.lru_cache(maxsize=256)
def _category_png(per_category: tuple[tuple[str, tuple[int, ...]], ...]) -> str:
    """The category chart of :func:`category_chart` from (category, counts per severity) pairs."""
    from matplotlib.figure import Figure

    cats = [c for c, _ in per_category]
    fig = Figure(figsize=(7, 0.45 * len(cats) + 1.2))
    ax = fig.subplots()
    left = [0] * len(cats)
    for i, sev in enumerate(SEVERITIES):
        vals = [per_sev[i] for _, per_sev in per_category]
        ax.barh(cats, vals, left=left, color=_SEV_COLOURS[sev], label=sev)
        left = [a + b for a, b in zip(left, vals)]
    ax.invert_yaxis()
    ax.set_xlabel("findings")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("Findings per category")
    fig.tight_layout()
    return _png(fig)


def people_chart(people, top: int = 20) -> str | None:
    """Affected residents of the largest ``top`` jurisdictions, as a PNG data URI."""
    if people is None or not len(people):
        return None
    from matplotlib.figure import Figure

    data = people.sort_values("people", ascending=False).head(top).iloc[::-1]
    fig = Figure(figsize=(7, 0.28 * len(data) + 1.2))
    ax = fig.subplots()
    ax.barh([_plain(j) for j in data["jurisdiction"]], [_count(v) for v in data["people"]], color="#4c72b0")
    ax.set_xlabel("affected residents")
    ax.set_title(f"Affected residents per jurisdiction (top {len(data)})")
    fig.tight_layout()
    return _png(fig)


def timeline_chart(incident: dict[str, Any], as_of: str | None, notices_per_day=None) -> str | None:
    """Breach window, key dates and (when known) notices sent per day, as a PNG data URI."""
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    def day(v):
        return dt.date.fromisoformat(str(v)[:10]) if v else None

    fig = Figure(figsize=(9, 3.2))
    ax = fig.subplots()
    if notices_per_day is not None and len(notices_per_day):
        days = [day(d) for d in notices_per_day["date"]]
        ax.bar(days, [_count(n) for n in notices_per_day["notices"]], width=1.0, color="#4c72b0", label="notices per day")
    start, end = day(incident.get("breach_start")), day(incident.get("breach_end") or incident.get("discovered"))
    if start and end:
        ax.axvspan(start, end, color="#d62728", alpha=0.12, label="breach window")
    for label, key, colour in (("discovered", "discovered", "#d62728"), ("determined", "determined", "#ff7f0e"),
                               ("public disclosure", "public_disclosure", "#2ca02c")):
        if incident.get(key):
            ax.axvline(day(incident[key]), color=colour, linestyle="--", linewidth=1.2, label=f"{label} {incident[key]}")
    if as_of:
        ax.axvline(day(as_of), color="#7f7f7f", linestyle=":", linewidth=1.2, label=f"audit date {as_of}")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    ax.legend(fontsize=7, loc="upper right")
    ax.set_yticks([]) if notices_per_day is None or not len(notices_per_day) else ax.set_ylabel("notices")
    fig.autofmt_xdate()
    fig.tight_layout()
    return _png(fig)


@functools.lru_cache(maxsize=8)
def _incident_timeline(incident_json: str, as_of: str | None) -> str | None:
    """The timeline chart without notices (every regulator package has the same one): drawn once."""
    return timeline_chart(json.loads(incident_json), as_of, None)


def _notebook_charts(ctx: ReportContext) -> dict[str, str | None]:
    """The notebooks' charts (:mod:`workbench.report_charts`), in the full report only."""
    from workbench import report_charts as rc

    if ctx.scope:
        return {"tile_map": None, "cumulative": None, "share_price": None}
    data = ctx.charts_data or {}
    out: dict[str, str | None] = {}
    fig = rc.tile_map(ctx.notice_table)
    out["tile_map"] = rc.png_data_uri(fig) if fig is not None else None
    inc = ctx.incident
    marks = {"discovered": inc.get("discovered"), "determined": inc.get("determined"),
             "audit date": ctx.parameters.get("as_of")}
    fig = rc.cumulative_notices(data.get("notices_per_day"), rc.deadline_rows(ctx.notice_table), marks)
    out["cumulative"] = rc.png_data_uri(fig) if fig is not None else None
    out["share_price"] = rc.share_price_uri(data, inc, f"{ctx.organization}: share price and insider trades")
    return out


# --------------------------------------------------------------------------- rendering

def _timeline(ctx: ReportContext) -> list[dict[str, Any]]:
    inc = ctx.incident
    discovered = dt.date.fromisoformat(str(inc["discovered"])[:10]) if inc.get("discovered") else None
    events = [(inc.get("breach_start"), "breach starts (first unauthorised access known)"),
              (inc.get("breach_end"), "breach ends"),
              (inc.get("discovered"), "breach discovered by the organisation"),
              (inc.get("determined"), "breach determined (confirmed)"),
              (inc.get("public_disclosure"), "public disclosure"),
              (ctx.parameters.get("as_of"), "audit date (as of): notices still missing are overdue")]
    npd = ctx.notices_per_day
    if npd is not None and len(npd):
        dates = sorted(str(d)[:10] for d in npd["date"])
        total = sum(_count(n) for n in npd["notices"])
        events += [(dates[0], f"first notice to a person sent ({total:,} notices in all)"),
                   (dates[-1], "last notice to a person sent")]
    out = []
    for when, what in events:
        if not when:
            continue
        d = dt.date.fromisoformat(str(when)[:10])
        out.append({"date": d.isoformat(), "event": what,
                    "days_after_discovery": (d - discovered).days if discovered else None})
    return sorted(out, key=lambda e: e["date"])


#: Categories whose findings state a deadline (the card writes its arithmetic).
DEADLINE_CATEGORIES = frozenset({"notice_timeliness", "regulator_notice", "cra_notice"})
#: How a card names what a finding's count counts.
UNIT_LABELS = {"people": "people concerned", UNKNOWN_UNIT: "count"}


def _unit_label(f: dict[str, Any]) -> str:
    unit = finding_unit(f)
    return UNIT_LABELS.get(unit, f"{unit} concerned".replace("_", " "))


#: Irregularity categories of the executive summary, in order.
IRREGULARITY_CATEGORIES: tuple[str, ...] = ("insider_trading", "lookalike_link", "notice_letter", "compensation")
#: Obligation kinds of the executive summary: label, status column (None: individuals, counted
#: per person), days-late column, people column.
DUTY_KINDS: tuple[tuple[str, str, str | None], ...] = (
    ("individuals", "Individuals", None), ("regulators", "Regulators", "regulator"),
    ("cras", "Consumer reporting agencies", "cra"), ("media", "Media", "media"))
#: The most severe findings the executive summary lists.
TOP_FINDINGS = 5
#: How many of the worst cases each obligation kind lists.
WORST_CASES = 3


def finding_unit(f: dict[str, Any]) -> str:
    """What a finding's ``count`` counts (``people``, ``notices``, ``messages``...): its ``unit``
    (:class:`workbench.findings.Unit`), else unknown. Counts are only ever added within a unit."""
    unit = f.get("unit")
    return str(getattr(unit, "value", unit)) if unit else UNKNOWN_UNIT


def scoped_count(f: dict[str, Any], scope: str | None) -> int:
    """A finding's count as a report adds it up: in a regulator package, a finding about people of
    several jurisdictions counts that jurisdiction's share (``people_by_jurisdiction``), never the
    whole; elsewhere its count."""
    if scope and not f.get("jurisdiction"):
        from workbench.package_contents import people_by_jurisdiction
        by = people_by_jurisdiction(f)
        if by is not None:
            return int(by.get(scope, 0))
    return int(f.get("count") or 0)


def _headline_people(ctx: ReportContext) -> tuple[int | None, str]:
    """Affected people of the report (distinct person ids; a package: its residents) and how counted."""
    h = ctx.headline
    if ctx.scope:
        if ctx.people is None:
            return None, "not counted"
        return sum(_count(n) for n in ctx.people["people"]), "distinct residents"
    if h is None or h.affected_people is None:
        return None, "not counted"
    return h.affected_people, "distinct people"


def _summary(ctx: ReportContext, counts: Counter, residents: int | None, not_assessed: int) -> list[str]:
    n = len(ctx.findings)
    parts = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts[s])
    inc = ctx.incident
    where = f" for residents of {ctx.scope}" if ctx.scope else ""
    paras = [f"This audit of {ctx.organization}'s handling of the breach discovered on {inc.get('discovered')} "
             f"recorded {n} finding{'s' if n != 1 else ''}{where}" + (f": {parts}." if parts else ".")]
    # affected people: the executive summary's first line (executive_summary, from workbench.headline)
    if inc.get("discovered") and inc.get("public_disclosure"):
        days = (dt.date.fromisoformat(str(inc["public_disclosure"])) - dt.date.fromisoformat(str(inc["discovered"]))).days
        paras.append(f"Public disclosure came {days} day{'s' if days != 1 else ''} after discovery "
                     f"({inc['discovered']} to {inc['public_disclosure']}).")
    serious = [f for f in ctx.findings if SEVERITY_RANK[f["severity"]] <= SEVERITY_RANK["high"]]
    people_concerned = sum(scoped_count(f, ctx.scope) for f in serious if finding_unit(f) == "people")
    if people_concerned:
        others = sum(1 for f in serious if finding_unit(f) != "people")
        paras.append(f"Critical and high findings counted in people concern {people_concerned:,} people in all "
                     "(a person can be counted by more than one finding)"
                     + (f"; {others} more count notices, messages, insiders or other units, not added here." if others else "."))
    if not_assessed:
        paras.append(f"{not_assessed} check{'s were' if not_assessed != 1 else ' was'} not assessed "
                     "(input missing or stage not run): see Method and limitations. "
                     "Not assessed never means passed.")
    return paras


def _num(v: Any) -> int | None:
    try:
        if v is None or (isinstance(v, float) and v != v) or str(v).strip() in ("", "<NA>", "nan"):
            return None
        return int(float(v))
    except (TypeError, ValueError):
        return None


def _duty_rows(ctx: ReportContext) -> list[dict[str, Any]]:
    """Per obligation kind: duties met, late, missing (overdue among them), pending, and the worst cases."""
    frame = ctx.notice_table
    if frame is None or not len(frame) or "jurisdiction" not in frame.columns:
        return []
    recs = [r for r in frame.to_dict("records") if str(r.get("jurisdiction")) != UNKNOWN_JURISDICTION]
    out = []
    for key, label, col in DUTY_KINDS:
        if col is None:
            tally = {s: sum(_num(r.get(s)) or 0 for r in recs) for s in ("on_time", "late", "missing", "overdue", "pending")}
            cases = []
            for r in recs:
                for status, days_col in (("missing", "days_overdue_max"), ("late", "days_late_max")):
                    n = _num(r.get(status)) or 0
                    if n:
                        cases.append({"jurisdiction": str(r["jurisdiction"]), "status": status,
                                      "days_late": _num(r.get(days_col)) or 0, "people": n})
            unit = "notices owed (person × law)"
        else:
            status_col = f"{col}_status"
            if status_col not in frame.columns:
                continue
            statuses = Counter(str(r.get(status_col)) for r in recs if isinstance(r.get(status_col), str))
            if not any(statuses[s] for s in ("on_time", "late", "missing", "pending")):
                continue
            tally = {"on_time": statuses["on_time"], "late": statuses["late"], "missing": statuses["missing"],
                     "overdue": statuses["missing"], "pending": statuses["pending"]}
            cases = []
            for r in recs:
                if r.get(status_col) in ("late", "missing"):
                    people = _num(r.get("media_residents")) if col == "media" else _num(r.get("threshold_residents"))
                    cases.append({"jurisdiction": str(r["jurisdiction"]), "status": r[status_col],
                                  "days_late": _num(r.get(f"{col}_days_late")) or 0,
                                  "people": people if people is not None else _num(r.get("residents")) or 0})
            unit = "jurisdictions"
        cases.sort(key=lambda c: (c["status"] != "missing", -c["days_late"], -c["people"], c["jurisdiction"]))
        out.append({"kind": key, "label": label, "unit": unit, **tally, "worst": cases[:WORST_CASES],
                    "cases": len(cases)})
    return out


def _irregularity_rows(ctx: ReportContext) -> list[dict[str, Any]]:
    """Per irregularity category: findings, and their counts added per unit (never across units)."""
    rows = []
    for cat in IRREGULARITY_CATEGORIES:
        found = [f for f in ctx.findings if f["category"] == cat]
        if not found:
            continue
        per_unit: Counter = Counter()
        unknown = 0
        for f in found:
            unit = finding_unit(f)
            if unit == UNKNOWN_UNIT:
                unknown += 1
            else:
                per_unit[unit] += scoped_count(f, ctx.scope)
        sev = Counter(f["severity"] for f in found)
        rows.append({"category": cat, "description": CATEGORIES.get(cat, ""), "findings": len(found),
                     "severities": ", ".join(f"{sev[s]} {s}" for s in SEVERITIES if sev[s]),
                     "units": [{"unit": u, "count": n} for u, n in sorted(per_unit.items())],
                     "unknown_unit": unknown})
    return rows


def _not_assessed_rows(assessed_rows: list[dict[str, Any]], missing: list[str]) -> list[dict[str, str]]:
    rows = [{"what": f"{r['stage']} {r['check']}", "why": r["reason"] or "no reason recorded"}
            for r in assessed_rows if r["not_assessed"]]
    rows += [{"what": s, "why": "stage did not run or wrote no findings artifact"} for s in missing]
    return rows


def executive_summary(ctx: ReportContext, assessed_rows: list[dict[str, Any]], missing: list[str]) -> dict[str, Any]:
    """The one-screen summary: who was affected where, duties met/late/missed with the worst
    cases, irregularities per kind (counts per unit), and what was not assessed and why."""
    people, how = _headline_people(ctx)
    top = []
    if ctx.people is not None:
        top = [{"jurisdiction": str(j), "people": _count(n)} for j, n in
               sorted(zip(ctx.people["jurisdiction"], ctx.people["people"]), key=lambda jn: (-_count(jn[1]), str(jn[0])))[:5]]
    h = ctx.headline
    if people is not None:
        why = None
    elif not ctx.scope and h is not None and h.affected_rows is not None:
        why = (f"{h.affected_rows:,} rows in the people table, not counted as distinct people (this run's "
               "overview did not count distinct person ids)")
    else:
        why = ("the case overview wrote no count of affected people: the case has no affected_people input, "
               "or the overview did not run")
    return {"people": people, "people_how": how, "people_not_counted": why, "jurisdictions": 0 if ctx.people is None else len(ctx.people),
            "rows": None if ctx.scope or h is None else h.affected_rows,
            "duplicates": None if ctx.scope or h is None else h.duplicate_rows,
            "top": top, "duties": _duty_rows(ctx), "irregularities": _irregularity_rows(ctx),
            "not_assessed": _not_assessed_rows(assessed_rows, missing)}


def _assessed_rows(ctx: ReportContext) -> tuple[list[dict[str, Any]], list[str]]:
    rows = []
    for stage, checks in sorted(ctx.assessed.items()):
        for check, status in sorted((checks or {}).items()):
            a = Assessment.from_json(status)
            rows.append({"stage": stage, "check": check, "status": str(a), "not_assessed": not a.is_assessed,
                         "reason": getattr(a, "reason", None)})
    missing = [s for s in EXPECTED_STAGES if s not in ctx.assessed]
    return rows, missing


def _jurisdiction_summary(ctx: ReportContext) -> Table:
    """Affected residents (distinct people, :mod:`workbench.headline`) and findings per
    jurisdiction (notices late and missing are the notice table's, below it)."""
    people = {}
    if ctx.people is not None:
        people = {str(j): _count(n) for j, n in zip(ctx.people["jurisdiction"], ctx.people["people"])}
    by = {}
    for f in ctx.findings:
        j = f.get("jurisdiction")
        if j:
            by.setdefault(j, Counter())[f["severity"]] += 1
    codes = sorted(set(people) | set(by), key=lambda j: (-people.get(j, 0), j))
    if ctx.scope:
        codes = [c for c in codes if c == ctx.scope]
    cols = ["jurisdiction", "affected residents", *[f"{s} findings" for s in SEVERITIES]]
    rows = [[j, f"{people[j]:,}" if j in people else "not counted",
             *[str(by.get(j, Counter())[s]) for s in SEVERITIES]] for j in codes]
    return Table(cols, rows, set(cols[1:]), {"affected residents": "residents"}, "jurisdiction")


def _notice_table(ctx: ReportContext) -> Table | None:
    """The notice-timeline table: chosen columns in the full report, every field in a package."""
    frame = ctx.notice_table
    if frame is None:
        return None
    if ctx.scope:
        return Table.from_frame(frame, mask=ctx.masked).transposed()
    chosen = [c for c in NOTICE_COLUMNS if c in frame.columns]
    if "data_owner" in frame.columns and frame["data_owner"].astype("string").fillna("").str.strip().ne("").any():
        chosen = ["data_owner", *chosen]  # a vendor breach: each owner's rows are its own
    cols = chosen if len(chosen) >= 3 else list(frame.columns)[:MAX_COLUMNS]
    table = Table.from_frame(frame[cols], mask=ctx.masked)
    if "jurisdiction" in cols:
        table.key = "jurisdiction"
        table.quantities = {c: q for c, q in (("residents", "law_residents"), ("late", "late"), ("missing", "missing"))
                            if c in cols}
    return table


LIMITATIONS = (
    "The audit sees only the data supplied for the case; a notice or record missing from the inputs is treated as not sent.",
    "Checks whose inputs are absent are reported as not assessed, never as passed.",
    "Deadlines come from the workbench's reviewed law data in force on the relevant date; rows marked with low "
    "confidence there, and deadlines labelled 'assessment' (statutes without a number), are yardsticks for the audit, not law.",
    "Look-alike domain and notice-letter findings are screening results that call for human review.",
    "Personal-data masking in regulator packages masks known name, e-mail and address fields and e-mail addresses in text; "
    "a name typed into free text by a check cannot always be recognised. Insider-trading findings are public records "
    "(reporting owners' names and trades as filed on SEC Form 4) and are shown unmasked.",
    "This report is not legal advice.",
)


def _finding_cards(findings: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The findings per severity, in the report's order, each with what its card shows
    (unit label, evidence tables, deadline sentence, basis link, also seen by)."""
    by_sev: dict[str, list[dict[str, Any]]] = {s: [] for s in SEVERITIES}
    for f in sorted(findings, key=lambda f: (SEVERITY_RANK[f["severity"]], f["category"],
                                             f.get("jurisdiction") or "", f.get("subject") or "", f["id"])):
        ev = {k: v for k, v in (f.get("evidence") or {}).items()}
        seen = [f"{s['stage']} {s['check']} ({s['severity']}): {s['count']:,}"
                + (f", {s['count_in_jurisdiction']:,} here" if s.get("count_in_jurisdiction") is not None else "")
                for s in ev.pop("also_seen_by", [])]
        basis = f.get("basis") if isinstance(f.get("basis"), dict) else None
        by_sev[f["severity"]].append({**f, "count": int(f.get("count") or 0), "also_seen_by": seen,
                                      "unit_label": _unit_label(f),
                                      "evidence_tables": evidence_tables(ev),
                                      "deadline": deadline_sentence(ev) if f["category"] in DEADLINE_CATEGORIES else None,
                                      "basis_link": basis if basis and basis.get("ref") and basis.get("text") else None})
    return by_sev


def _organisation_rows(by_sev: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """A package's findings that are the same in every package (organisation-wide, the residents'
    inputs' data quality: :func:`workbench.package_contents.in_annex`): the compact table pointing
    at the annex, in the report's order; taken out of ``by_sev``'s cards (in full in the annex)."""
    from workbench.package_contents import in_annex

    rows = []
    for sev in SEVERITIES:
        rows += [f for f in by_sev[sev] if in_annex(f)]
        by_sev[sev] = [f for f in by_sev[sev] if not in_annex(f)]
    return rows


def report_variables(ctx: ReportContext) -> dict[str, Any]:
    """Everything the template needs, computed from the context (charts included)."""
    counts = Counter(f["severity"] for f in ctx.findings)
    by_sev = _finding_cards(ctx.findings)
    # a package states its organisation-wide findings in one table; the annex has them in full
    organisation = _organisation_rows(by_sev) if ctx.scope else []
    residents, _how = _headline_people(ctx)
    assessed_rows, missing = _assessed_rows(ctx)
    not_assessed = sum(r["not_assessed"] for r in assessed_rows) + len(missing)
    timeline = (_incident_timeline(json.dumps(ctx.incident, sort_keys=True, default=str), ctx.parameters.get("as_of"))
                if ctx.notices_per_day is None else
                timeline_chart(ctx.incident, ctx.parameters.get("as_of"), ctx.notices_per_day))
    # a package's severity counts are in its summary; its one chart of its own is its residents'
    # notices against the deadline (package_contents.notices_chart), so it draws no count charts
    charts = {"timeline": timeline,
              "severity": severity_chart(ctx.findings) if not ctx.scope else None,
              "category": category_chart(ctx.findings) if not ctx.scope else None,
              "people": people_chart(ctx.people) if not ctx.scope else None}
    charts.update(_notebook_charts(ctx))
    chart_list = [{"src": charts[k], "alt": alt, "caption": cap, "id": f"chart-{k}"} for k, alt, cap in (
        ("tile_map", "US tile map of affected residents", "Affected residents per US state (distinct people under each "
         "state's law) and the share notified on time; a black edge marks a regulator, credit-bureau or media notice "
         "late or missing."),
        ("cumulative", "Cumulative notices against deadlines", "People with a valid notice over time, per law family, "
         "against each individual deadline (dashed: red statutory, orange assessment yardstick)."),
        ("share_price", "Share price with insider trades", "The share price with the insiders' sales (red) and "
         "purchases (green), discovery and disclosure, as the irregularities stage drew it."),
        ("severity", "Findings per severity", "Number of findings at each severity."),
        ("category", "Findings per category", "Findings per category, stacked by severity."),
        ("people", "Affected residents per jurisdiction", "Affected residents of the largest jurisdictions."),
    ) if charts[k]]
    title = (f"Breach notification audit: {ctx.organization} — report for {ctx.scope}" if ctx.scope
             else f"Breach notification audit: {ctx.organization}")
    return {
        "title": title, "organization": ctx.organization, "case_id": ctx.case_id, "scope": ctx.scope,
        "generated_at": ctx.generated_at, "run": ctx.run, "parameters": ctx.parameters, "masked": ctx.masked,
        "severities": SEVERITIES, "severity_counts": {s: counts.get(s, 0) for s in SEVERITIES},
        "findings": ctx.findings, "findings_by_severity": by_sev, "categories": CATEGORIES,
        "top_findings": [f for s in SEVERITIES[:2] for f in by_sev[s]][:TOP_FINDINGS],
        "summary": _summary(ctx, counts, residents, not_assessed), "timeline": _timeline(ctx),
        "executive": executive_summary(ctx, assessed_rows, missing),
        "jurisdiction_summary": _jurisdiction_summary(ctx),
        "notice_table": _notice_table(ctx),
        "inputs_table": None if ctx.inputs is None else Table.from_frame(ctx.inputs[[c for c in (
            "name", "kind", "rows_read", "rows_accepted", "rows_rejected", "sha256") if c in ctx.inputs.columns]]),
        "assessed_rows": assessed_rows, "missing_stages": missing,
        "charts": charts, "chart_list": chart_list, "limitations": LIMITATIONS,
        "packages": None if ctx.scope else ctx.packages,
        "data_docs": None if ctx.scope else ctx.data_docs,
        "page_size": page_size(ctx.scope, jurisdictions_with_residents(ctx)), "wide_columns": WIDE_COLUMNS,
        "package": ctx.package if ctx.scope else None,
        "annex": None, "organisation_findings": organisation,
        "annex_copies": ANNEX_COPIES,
    }


def annex_context(ctx: ReportContext, *, mask: bool) -> ReportContext:
    """The organisation annex's context: the findings every package shares
    (:func:`workbench.package_contents.annex_findings`: organisation-wide, the residents' inputs'
    data quality), masked like the packages when ``mask``; no residents, no per-jurisdiction
    table (those are each package's own)."""
    from workbench.package_contents import annex_findings

    chosen = annex_findings(ctx.findings)
    extra = ("package_share", "package_scope")
    rows = ([{**masked_dict(Finding.from_dict({k: v for k, v in f.items() if k not in extra})),
              **{k: f[k] for k in extra}} for f in chosen] if mask else chosen)
    return replace(ctx, findings=rows, people=None, notice_table=None, notices_per_day=None, inputs=None,
                   scope=None, masked=mask, package=None, packages=None, data_docs=None)


def annex_variables(actx: ReportContext, jurisdictions: Sequence[str] = ()) -> dict[str, Any]:
    """What the template needs for the organisation annex (``annex`` set): the header, the
    shared findings in full, and the method section with the checks table."""
    assessed_rows, missing = _assessed_rows(actx)
    by_sev = _finding_cards(actx.findings)
    return {
        "title": f"Breach notification audit: {actx.organization} — organisation annex",
        "organization": actx.organization, "case_id": actx.case_id, "scope": None,
        "generated_at": actx.generated_at, "run": actx.run, "parameters": actx.parameters, "masked": actx.masked,
        "severities": SEVERITIES, "findings": actx.findings, "findings_by_severity": by_sev, "categories": CATEGORIES,
        "assessed_rows": assessed_rows, "missing_stages": missing, "inputs_table": None, "data_docs": None,
        "limitations": LIMITATIONS, "packages": None, "package": None,
        "page_size": page_size(None, jurisdictions), "wide_columns": WIDE_COLUMNS,
        "annex": {"folder": ANNEX_FOLDER, "copies": ANNEX_COPIES}, "organisation_findings": [],
        "annex_copies": ANNEX_COPIES,
    }


def render_annex_html(ctx: ReportContext, *, mask: bool) -> str:
    """The organisation annex as one self-contained HTML document (laid out once per run)."""
    from workbench.render import external_references

    html = _environment().get_template("report.html.j2").render(
        **annex_variables(annex_context(ctx, mask=mask), jurisdictions_with_residents(ctx)))
    bad = external_references(html)
    if bad:
        raise ValueError(f"annex HTML would load external resources: {bad[:3]}")
    return html


_BREAK_AFTER = re.compile(r"([_/])")


def breakable(value: Any):
    """A table cell's text, escaped, with a line-break opportunity (``<wbr>``) after each
    underscore and slash: ``sent_not_required`` may wrap in a narrow column instead of pushing
    the table off the page, and its text stays the same when read or copied."""
    from jinja2.utils import markupsafe  # jinja2's own dependency, as jinja2 exposes it

    Markup, escape = markupsafe.Markup, markupsafe.escape

    return Markup(_BREAK_AFTER.sub(r"\1<wbr>", str(escape(value))))


def _environment():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR / "report")),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=False, lstrip_blocks=False)
    env.filters["breakable"] = breakable
    return env


def render_html(ctx: ReportContext) -> str:
    """The report as one self-contained HTML document (escaped, no external reference)."""
    from workbench.render import external_references

    if "html" in ctx._html:
        return ctx._html["html"]
    html = _environment().get_template("report.html.j2").render(**report_variables(ctx))
    bad = external_references(html)
    if bad:  # a template change that would make the file load something: refuse to write it
        raise ValueError(f"report HTML would load external resources: {bad[:3]}")
    ctx._html["html"] = html
    return html


#: Bumped whenever :func:`html_to_pdf` renders the same HTML differently (options, fetcher...):
#: a PDF rendered by another version is never reused (:func:`pdf_is_current`).
PDF_RENDER_VERSION = 1
#: The PDF's Keywords entry that records what it was rendered from (:func:`render_key`).
RENDER_KEY_PREFIX = "workbench-render-sha256:"


def _quiet_weasyprint() -> None:
    # before the import: weasyprint logs its progress (at INFO, on a logger of its own) while
    # it parses its built-in stylesheets on first import
    for name in ("weasyprint", "weasyprint.progress", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)


def render_key(html: str) -> str:
    """sha256 of the exact HTML, the WeasyPrint version and :data:`PDF_RENDER_VERSION`: what a
    PDF rendered by :func:`html_to_pdf` records in its Keywords, so that the same HTML is not
    laid out again (:func:`pdf_is_current`)."""
    import hashlib

    _quiet_weasyprint()
    import weasyprint

    renderer = f"weasyprint {weasyprint.__version__}; workbench pdf {PDF_RENDER_VERSION}\0"
    return hashlib.sha256(renderer.encode() + html.encode("utf-8")).hexdigest()


def pdf_render_key(path: Path) -> str | None:
    """The render key recorded in a PDF written by :func:`html_to_pdf`, or None (no file, not
    a PDF, no key, unreadable)."""
    try:
        if not path.is_file():
            return None
        import pypdf

        keywords = (pypdf.PdfReader(path).metadata or {}).get("/Keywords")
    except Exception as err:  # noqa: BLE001 - anything unreadable is re-rendered
        log.debug("%s: no render key (%s)", path, err)
        return None
    keywords = str(keywords or "")
    return keywords[len(RENDER_KEY_PREFIX):] if keywords.startswith(RENDER_KEY_PREFIX) else None


def pdf_is_current(html: str, path: Path) -> bool:
    """True when ``path`` is a PDF that :func:`html_to_pdf` rendered from exactly this HTML with
    this renderer: a re-run of the report (``workbench report``, a scheduled run into the same
    folder) keeps it instead of laying the document out again. Any other HTML, WeasyPrint
    version or render version, or a PDF without the key, is rendered anew."""
    return pdf_render_key(path) == render_key(html)


def _with_render_key(html: str, key: str) -> str:
    """The HTML WeasyPrint renders: with a ``keywords`` meta (the PDF's Keywords) of ``key``."""
    meta = f'<meta name="keywords" content="{RENDER_KEY_PREFIX}{key}">'
    head = re.search(r"<head[^>]*>", html, flags=re.I)
    return html[:head.end()] + meta + html[head.end():] if head else meta + html


def html_to_pdf(html: str, path: Path) -> Path:
    """Render HTML to PDF with WeasyPrint; only ``data:`` URLs may be fetched (no network, no
    files). The PDF's Keywords record :func:`render_key` of the HTML (see :func:`pdf_is_current`)."""
    _quiet_weasyprint()
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    pdf = HTML(string=_with_render_key(html, render_key(html)), base_url=None,
               url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(pdf)
    tmp.replace(path)
    return path


# --------------------------------------------------------------------------- format registry

FormatWriter = Callable[[ReportContext, Path], Path]
#: Report formats by name: each writes one file for a context into a folder and returns it.
REPORT_FORMATS: Registry[FormatWriter] = Registry("report format")
DEFAULT_FORMATS: tuple[str, ...] = ("json", "csv", "html", "pdf")
REGULATOR_FORMATS: tuple[str, ...] = ("json", "html", "pdf")


@REPORT_FORMATS.register("json")
def write_json(ctx: ReportContext, folder: Path) -> Path:
    """findings.json (documented in :data:`FINDINGS_SCHEMA`)."""
    doc = findings_document(ctx.case_id, ctx.findings, ctx.generated_at, jurisdiction=ctx.scope, masked=ctx.masked,
                            assessed=ctx.assessed)
    path = folder / "findings.json"
    atomic_write_text(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return path


@REPORT_FORMATS.register("csv")
def write_csv(ctx: ReportContext, folder: Path) -> Path:
    """findings.csv: the findings.json rows, formula cells neutralised."""
    path = folder / "findings.csv"
    atomic_write_text(path, findings_csv_text(ctx.findings))
    return path


@REPORT_FORMATS.register("html")
def write_html(ctx: ReportContext, folder: Path) -> Path:
    path = folder / "report.html"
    atomic_write_text(path, render_html(ctx))
    return path


@REPORT_FORMATS.register("pdf")
def write_pdf(ctx: ReportContext, folder: Path) -> Path:
    return html_to_pdf(render_html(ctx), folder / "report.pdf")


# --------------------------------------------------------------------------- one call

def _workers() -> int:
    import os

    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)))


class _PdfRenderer:
    """Renders (html, path) PDF jobs as they are submitted: in a spawn-started process pool
    when more than one job is expected and ``workers`` > 1, else in this process. The pool
    starts with the first job, so WeasyPrint's layout of one document overlaps this process
    drawing the charts and HTML of the next (submit the largest, the full report, first).
    :meth:`close` waits for every job; jobs a broken pool could not finish (a ``__main__``
    that spawned workers cannot import...) are rendered in this process. A PDF already
    rendered from the same HTML by the same renderer (:func:`pdf_is_current`) is kept, not
    rendered again."""

    def __init__(self, workers: int, expected: int):
        self.workers = max(1, min(workers, expected))
        self.pool = None
        self.jobs: list[tuple[str, Path, Any]] = []
        self.reused: list[Path] = []  # PDFs already rendered from the same HTML (pdf_is_current)

    def submit(self, html: str, path: Path) -> Path:
        if pdf_is_current(html, path):  # rendered before from this very HTML: kept
            self.reused.append(path)
            return path
        if self.workers <= 1:
            html_to_pdf(html, path)
            return path
        if self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"))
        self.jobs.append((html, path, self.pool.submit(html_to_pdf, html, path)))
        return path

    def close(self) -> None:
        if self.pool is None:
            return
        from concurrent.futures.process import BrokenProcessPool

        unfinished: list[tuple[str, Path]] = []
        try:
            for html, path, future in self.jobs:
                try:
                    future.result()
                except BrokenProcessPool as err:
                    if not unfinished:
                        log.warning("PDF worker processes failed (%s); rendering the rest in this process", err)
                    unfinished.append((html, path))
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        for html, path in unfinished:
            html_to_pdf(html, path)


@dataclass
class ReportResult:
    """What :func:`build_report` wrote: paths relative to the run folder, and the findings."""

    run_dir: Path
    findings: list[Finding]
    outputs: dict[str, Path]
    regulators: dict[str, Path]
    context: ReportContext
    plan: PackagePlan | None = None
    #: Files :func:`add_packages` wrote (the ones its caller records in the manifest).
    written: list[Path] = field(default_factory=list)

    def summary_frame(self):
        """Findings per severity and category (for the notebook)."""
        import pandas as pd

        rows = Counter((f.severity, f.category) for f in self.findings)
        frame = pd.DataFrame([{"severity": s, "category": c, "findings": n} for (s, c), n in rows.items()],
                             columns=["severity", "category", "findings"])
        return frame.sort_values(["severity", "category"], key=lambda col: col.map(SEVERITY_RANK) if col.name == "severity" else col,
                                 ignore_index=True)

    def regulators_frame(self):
        """One row per jurisdiction with residents: residents, its own findings, and the
        package folder, or why it has none (``not_rendered``)."""
        import pandas as pd

        people = {}
        if self.context.people is not None:
            people = {str(j): _count(n) for j, n in zip(self.context.people["jurisdiction"], self.context.people["people"])}
        rows = [{"jurisdiction": j, "residents": people.get(j),
                 "findings": sum(1 for f in self.findings if f.jurisdiction == j),
                 "folder": p.relative_to(self.run_dir).as_posix(), "not_rendered": None} for j, p in self.regulators.items()]
        for n in (self.plan.not_rendered if self.plan else ()):
            rows.append({"jurisdiction": n.code, "residents": n.residents, "findings": n.findings,
                         "folder": None, "not_rendered": n.reason})
        return pd.DataFrame(rows, columns=["jurisdiction", "residents", "findings", "folder", "not_rendered"])


def _selection_source(packages: Any, ctx: ReportContext) -> tuple[Any, str]:
    """The selection to apply and where it came from: the argument, else case.yaml's
    ``parameters.report_packages``, else the default."""
    if packages is not None:
        return packages, "the packages option (--packages)"
    if ctx.parameters.get("report_packages") is not None:
        return ctx.parameters["report_packages"], "case.yaml's parameters.report_packages"
    return None, "the default"


def _read_index(run_dir: Path) -> dict[str, Any] | None:
    path = run_dir / INDEX_PATH
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        log.warning("%s unreadable (%s): written anew", path, err)
        return None


def _write_annex(ctx: ReportContext, run_dir: Path, regulator_formats: Sequence[str], mask: bool,
                 pdfs: "_PdfRenderer", written: list[Path]) -> dict[str, Path]:
    """The organisation annex, laid out once per run in :data:`ANNEX_FOLDER` (its PDF queued
    on ``pdfs``, before the packages'): by format, the path of each document written."""
    docs = [n for n in ("html", "pdf") if n in regulator_formats]
    if not docs:
        return {}
    html = render_annex_html(ctx, mask=mask)
    folder = run_dir / ANNEX_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    if "html" in docs:
        out["html"] = folder / ANNEX_FILES["html"]
        atomic_write_text(out["html"], html)
    if "pdf" in docs:
        out["pdf"] = pdfs.submit(html, folder / ANNEX_FILES["pdf"])
    written.extend(out.values())
    return out


def _place(src: Path, dst: Path) -> Path:
    """``dst`` becomes the same file as ``src``: a hard link where the file system allows it,
    else a copy (replaced atomically either way, so an earlier copy is never half overwritten)."""
    import os
    import shutil

    tmp = dst.with_name(f".{dst.name}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(src, tmp)
    except OSError:
        shutil.copyfile(src, tmp)
    tmp.replace(dst)
    return dst


def _place_annex(annex: dict[str, Path], folder: Path, formats: Sequence[str], written: list[Path]) -> None:
    """Copy the run's annex documents of ``formats`` into a package folder (``organisation_annex.*``)."""
    for name in formats:
        if name in annex:
            if not annex[name].is_file():  # its layout failed (logged by the renderer): the manifest shows it missing
                log.warning("%s: not written, so not copied into %s", annex[name], folder)
                continue
            written.append(_place(annex[name], folder / ANNEX_COPIES[name]))


def _write_packages(ctx: ReportContext, run_dir: Path, codes: Sequence[str], regulator_formats: Sequence[str],
                    mask: bool, write: Callable[[str, ReportContext, Path], Path], written: list[Path],
                    annex: dict[str, Path] | None = None) -> dict[str, Path]:
    """Each code's package folder; the paths of the files written (or queued) are added to
    ``written``. ``annex``: the run's organisation annex documents; its HTML is copied into
    each folder before the package's documents (their files table hashes it), its PDF, still
    being laid out, is listed as pending (copied in by :func:`_place_annex` once it is there)."""
    from workbench.package_contents import package_files_table, write_residents_csv

    annex = annex or {}
    pending = [ANNEX_COPIES["pdf"]] if "pdf" in annex else []
    packages: dict[str, Path] = {}
    for code in codes:
        rctx = regulator_context(ctx, code, mask=mask)
        folder = run_dir / "regulators" / safe_dirname(code)
        folder.mkdir(parents=True, exist_ok=True)
        # residents.csv and findings.json first, so that the report's table of the package's
        # files carries their sha256 (the report documents' own are in the folder's manifest)
        source = rctx.package.get("residents_source") if rctx.package else None
        if source is not None:
            written.append(write_residents_csv(folder, **source))
        else:
            (folder / "residents.csv").unlink(missing_ok=True)  # never one left from an earlier render
        for name in ANNEX_COPIES:  # never a copy left from an earlier render: placed anew
            if name not in annex:
                (folder / ANNEX_COPIES[name]).unlink(missing_ok=True)
        _place_annex(annex, folder, ["html"], written)
        documents = [n for n in regulator_formats if n in ("html", "pdf")]
        for name in [n for n in regulator_formats if n not in documents] + documents:
            if name in documents and rctx.package is not None:
                rctx.package["files"] = package_files_table(folder, from_manifest=False, pending=pending)
            written.append(write(name, rctx, folder))
        packages[code] = folder
    return packages


def _write_package_manifests(ctx: ReportContext, packages: dict[str, Path], files: list[Path], since_ns: int,
                             written: list[Path]) -> None:
    """Each package folder's own ``manifest.json`` (:func:`workbench.manifest.write_package_manifest`)
    of the ``files`` rendered into it since ``since_ns``, written once they (PDFs included)
    are all there; the manifests' paths are added to ``written``."""
    from workbench.manifest import write_package_manifest

    for code, folder in packages.items():
        written.append(write_package_manifest(folder, case_id=ctx.case_id, run_id=str(ctx.run.get("run_id")),
                                              package=code, generated_at=ctx.generated_at, since_ns=since_ns,
                                              written=[p for p in files if p is not None and Path(p).parent == folder]))


def _writer(pdfs: _PdfRenderer) -> Callable[[str, ReportContext, Path], Path]:
    """Write one format into a folder; PDFs go to ``pdfs`` (a process pool, see :class:`_PdfRenderer`)."""
    def write(name: str, c: ReportContext, folder: Path) -> Path:
        if name == "pdf":
            return pdfs.submit(render_html(c), folder / "report.pdf")
        return REPORT_FORMATS.get(name)(c, folder)
    return write


def build_report(run_dir: str | Path, case_path: str | Path | None = None, *,
                 formats: Sequence[str] = DEFAULT_FORMATS, packages: Any = None, regulators: bool = True,
                 regulator_formats: Sequence[str] = REGULATOR_FORMATS, mask_personal_data: bool | None = None,
                 generated_at: str | None = None, workers: int | None = None) -> ReportResult:
    """Gather a run's findings and write findings.json/.csv, report.html/.pdf, the selected
    regulator packages and ``regulators/index.json``.

    Parameters
    ----------
    run_dir
        The run folder (its ``artifacts/`` hold the stages' findings and tables).
    case_path
        The case.yaml (organisation name, incident dates, ``mask_personal_data``); defaults
        to the one recorded in the run's manifest.
    formats
        Names from :data:`REPORT_FORMATS` for the full report.
    packages
        Which regulator packages to render (:class:`~workbench.regulator_packages.PackageSelection`):
        ``"with-findings"``, ``"all"``, ``"none"``, or codes (``"US-CA,US-TX"`` or a list).
        Default: case.yaml's ``parameters.report_packages`` (itself ``with-findings`` by
        default). A code without residents in the run raises
        :class:`~workbench.regulator_packages.UnknownPackageError` before anything is written.
    regulators
        False is ``packages="none"`` (kept for callers that predate ``packages``).
    regulator_formats
        Names from :data:`REPORT_FORMATS` for each regulator package.
    mask_personal_data
        Override the case's parameter (default: the case's ``mask_personal_data``).
    generated_at
        Timestamp written into findings.json (default: when the run started, so that
        rebuilding the report of a run gives the same file).
    workers
        Processes rendering PDFs (WeasyPrint takes seconds per document; a case with
        dozens of jurisdictions has dozens). Default: the CPU count, at most 4; 1 renders
        in this process.
    """
    run_dir = Path(run_dir)
    ctx = load_context(run_dir, case_path, generated_at=generated_at)
    selection, source = _selection_source("none" if not regulators else packages, ctx)
    plan = plan_packages(package_candidates(ctx), selection, source=source)  # raises before any rendering
    index = plan.to_json(str(run_dir))
    ctx.packages = index
    # only the selected packages' PDFs are rendered, the full report's first (the largest)
    pdfs = _PdfRenderer(_workers() if workers is None else workers,
                        ("pdf" in formats) + (len(plan.rendered) + bool(plan.rendered)) * ("pdf" in regulator_formats))
    write = _writer(pdfs)
    mask = ctx.parameters.get("mask_personal_data", True) if mask_personal_data is None else mask_personal_data
    since, package_files, annex_files = time.time_ns(), [], []
    try:
        outputs = {name: write(name, ctx, run_dir) for name in formats}
        annex = _write_annex(ctx, run_dir, regulator_formats, bool(mask), pdfs, annex_files) if plan.rendered else {}
        rendered = _write_packages(ctx, run_dir, plan.rendered, regulator_formats, bool(mask), write, package_files,
                                   annex)
    finally:
        pdfs.close()
    for folder in rendered.values():
        _place_annex(annex, folder, ["pdf"], package_files)
    _write_package_manifests(ctx, rendered, package_files, since, [])
    atomic_write_text(run_dir / INDEX_PATH, json.dumps(index, indent=2, ensure_ascii=False) + "\n")
    log.info("report: %d finding(s), %d regulator package(s) in %s (--packages %s); %d jurisdiction(s) with "
             "residents without one; %d PDF(s) kept (rendered before from the same HTML)", len(ctx.findings),
             len(rendered), run_dir, plan.selection, len(plan.not_rendered), len(pdfs.reused))
    return ReportResult(run_dir, [Finding.from_dict(f) for f in ctx.findings], outputs, rendered, ctx, plan)


def add_packages(run_dir: str | Path, packages: Any, case_path: str | Path | None = None, *,
                 regulator_formats: Sequence[str] = REGULATOR_FORMATS, mask_personal_data: bool | None = None,
                 workers: int | None = None) -> ReportResult:
    """Render regulator packages into a run folder whose report is already built, and only
    those: ``regulators/<code>/`` for each code selected, and ``regulators/index.json``
    (packages already rendered stay listed). The full report and findings.json are not
    rewritten. :func:`workbench.amend.add_packages_to_run` also records the new files in
    the run's manifest (``workbench report RUN --packages ...``)."""
    run_dir = Path(run_dir)
    ctx = load_context(run_dir, case_path)
    plan = plan_packages(package_candidates(ctx), packages, source="workbench report --packages")
    index = plan.to_json(str(run_dir), previous=_read_index(run_dir))
    pdfs = _PdfRenderer(_workers() if workers is None else workers,
                        (len(plan.rendered) + bool(plan.rendered)) * ("pdf" in regulator_formats))
    mask = ctx.parameters.get("mask_personal_data", True) if mask_personal_data is None else mask_personal_data
    written: list[Path] = []
    since = time.time_ns()
    try:
        # the annex as the first build laid it out is kept (same HTML: its PDF is not laid out again)
        annex = _write_annex(ctx, run_dir, regulator_formats, bool(mask), pdfs, written) if plan.rendered else {}
        rendered = _write_packages(ctx, run_dir, plan.rendered, regulator_formats, bool(mask), _writer(pdfs), written,
                                   annex)
    finally:
        pdfs.close()
    for folder in rendered.values():
        _place_annex(annex, folder, ["pdf"], written)
    _write_package_manifests(ctx, rendered, list(written), since, written)
    atomic_write_text(run_dir / INDEX_PATH, json.dumps(index, indent=2, ensure_ascii=False) + "\n")
    written.append(run_dir / INDEX_PATH)
    log.info("report: %d regulator package(s) added to %s (--packages %s)", len(rendered), run_dir, plan.selection)
    return ReportResult(run_dir, [Finding.from_dict(f) for f in ctx.findings], {}, rendered, ctx, plan, written)
