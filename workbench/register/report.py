"""The regulator's own report of a register audit: HTML, PDF and findings.csv (issue 20, point 4).

Reads only a :class:`~workbench.register.overview.RegisterView` (the audit and its tables),
never the register again. Rendering reuses the audit report's machinery by import:
:class:`workbench.report.Table` for tables, :func:`workbench.report.html_to_pdf` (WeasyPrint,
only ``data:`` URLs fetched) for the PDF, :func:`workbench.render.external_references` to
refuse HTML that would load anything. Outputs, beside the audit's files:

``register_report.html`` / ``register_report.pdf``
    cover (jurisdiction, register, period, rows read/accepted/rejected, law-data version),
    the figures and tables of :mod:`workbench.register.analysis`, every late notice with its
    deadline arithmetic and citation, the rows not judged counted and listed with their
    reason, and the not-legal-advice statement. Every figure says its basis.
``findings.csv``
    the rows of findings.json (evidence as compact JSON, formulas neutralised).

Not legal advice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from workbench.paths import TEMPLATES_DIR
from workbench.register import charts
from workbench.register.audit import NOT_LEGAL_ADVICE, finding_dict
from workbench.register.overview import Overview, RegisterView, folder_of, key_figures

REPORT_FILES: dict[str, str] = {"html": "register_report.html", "pdf": "register_report.pdf", "csv": "findings.csv"}
#: Columns of the late-notice list: the deadline arithmetic of each.
LATE_COLUMNS: tuple[str, ...] = ("source_row", "organisation", "filing", "arithmetic", "days_late", "basis", "reason",
                                 "citation", "due_at")


def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR / "register")), autoescape=True,
                              undefined=jinja2.StrictUndefined)


def _table(frame: pd.DataFrame):
    from workbench.report import Table

    return Table.from_frame(frame)


def late_notices(judged: pd.DataFrame) -> pd.DataFrame:
    """Every late row with its arithmetic: clock start (and what started it), the rule version
    and its deadline in the engine's words, the due moment, the notice date, the days late."""
    late = judged[judged["status"] == "late"]
    sent = [d.isoformat() if hasattr(d, "isoformat") else str(d) for d in late["notified"]]
    out = late.reindex(columns=[c for c in LATE_COLUMNS if c != "arithmetic"]).copy()
    out.insert(3, "arithmetic", [
        f"clock {c} ({src}) + deadline of {v} = due {str(due)[:10]}; notified {n}: {d} day(s) late"
        for c, src, v, due, n, d in zip(late["clock_start"], late["clock_source"], late["rule_version"], late["due_at"],
                                        sent, late["days_late"])])
    return out.reset_index(drop=True)


def report_variables(v: RegisterView, *, across: pd.DataFrame | None = None, generated_at: str = "") -> dict[str, Any]:
    """What the template shows for one register (pure)."""
    s = v.audit.summary
    fig = key_figures(v)
    return {
        "title": f"Register audit: {v.code} {s['obligation']} notices",
        "code": v.code, "summary": s, "disclaimer": NOT_LEGAL_ADVICE, "generated_at": generated_at,
        "period": [d.isoformat() for d in v.period] if v.period else None,
        "figures": fig,
        "late_per_year": v.late_per_year.to_dict("records"),
        "late_chart": charts.data_uri(charts.late_chart(v.late_per_year, v.changes, code=v.code)),
        "delay_chart": charts.data_uri(charts.delay_chart(v.delays, code=v.code)),
        "status_counts": s["status_counts"],
        "tables": {"changes": _table(v.changes), "repeat": _table(v.repeat_late_filers),
                   "sectors": _table(v.late_by_sector), "delay": _table(v.delay_per_year),
                   "twice": _table(v.filed_more_than_once), "late": _table(late_notices(v.audit.judged)),
                   "not_judged": _table(v.not_determinable),
                   "across": _table(across) if across is not None and len(across) else None},
        "has_sector": bool(len(v.late_by_sector)),
        "other_jurisdictions": s.get("other_jurisdictions", {}),
    }


def render_html(v: RegisterView, **kwargs) -> str:
    """The report as one self-contained HTML document (escaped; refuses any external reference)."""
    from workbench.render import external_references

    html = _environment().get_template("register_report.html.j2").render(**report_variables(v, **kwargs))
    bad = external_references(html)
    if bad:
        raise ValueError(f"register report HTML would load external resources: {bad[:3]}")
    return html


def findings_csv(v: RegisterView) -> str:
    """findings.csv: the findings.json rows of the audit (:func:`workbench.report.findings_csv_text`)."""
    from workbench.report import findings_csv_text

    return findings_csv_text(finding_dict(f) for f in v.audit.findings)


def write_report(v: RegisterView, folder: str | Path, *, pdf: bool = True, across: pd.DataFrame | None = None,
                 generated_at: str = "") -> dict[str, Path]:
    """Write findings.csv, register_report.html and (with ``pdf``) register_report.pdf into ``folder``."""
    from workbench.artifacts import atomic_write_text
    from workbench.report import html_to_pdf

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"csv": folder / REPORT_FILES["csv"], "html": folder / REPORT_FILES["html"]}
    atomic_write_text(paths["csv"], findings_csv(v))
    html = render_html(v, across=across, generated_at=generated_at)
    atomic_write_text(paths["html"], html)
    if pdf:
        paths["pdf"] = html_to_pdf(html, folder / REPORT_FILES["pdf"])
    return paths


def write_reports(ov: Overview, out: str | Path, *, pdf: bool = True, generated_at: str = "") -> dict[str, dict[str, Path]]:
    """:func:`write_report` for every register of ``ov``, each into its own output folder
    (:func:`~workbench.register.overview.folder_of`), the cross-register table in each report."""
    across = ov.across if len(ov.views) > 1 else None
    return {v.code: write_report(v, folder_of(ov, v, out), pdf=pdf, across=across, generated_at=generated_at)
            for v in ov.views}
