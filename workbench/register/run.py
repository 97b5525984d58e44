"""A regulator's run over one or more registers, the notebook's one call: audits, tables,
report, and last the run's manifest (:data:`MANIFEST_FILE`).

The run folder (``out``) then holds each register's outputs (docs/register.md, sections 4 and
6), with ``report`` its findings.csv and register_report.html/.pdf, and
``register_manifest.json``: parameters, each register's sha256 and mapping, law-data
version, package versions, git commit, times, every file written. It is not the case
runner's ``manifest.json``, whose shape differs. Not legal advice.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

from workbench.register.overview import Overview, audit_registers, split_list

#: Provenance of a register run.
MANIFEST_FILE = "register_manifest.json"


def run_registers(paths: str | Sequence[str], codes: str | Sequence[str], mappings: str | Sequence[str] = "generic",
                  *, out: str | Path | None = None, assessment_days: int = 30, report: bool = True,
                  pdf: bool = True) -> Overview:
    """:func:`~workbench.register.overview.audit_registers`, then (with ``out``) the reports
    (with ``report``; the PDFs with ``pdf``) and the manifest."""
    from workbench.manifest import utc_now

    started = utc_now()
    ov = audit_registers(paths, codes, mappings, out=out, assessment_days=assessment_days)
    if out:
        root = Path(out)
        if report:
            from workbench.register.report import write_reports

            write_reports(ov, root, pdf=pdf)
        parameters = {"register_paths": split_list(paths), "jurisdictions": split_list(codes),
                      "mappings": split_list(mappings), "assessment_days": assessment_days, "report": report, "pdf": pdf}
        write_manifest(ov, root, parameters, started)
    return ov


def write_manifest(ov: Overview, root: Path, parameters: dict, started) -> Path:
    """:data:`MANIFEST_FILE`: parameters, each register's sha256 and mapping, law-data version,
    package versions, git commit, times, and every file written under ``root``."""
    from workbench.artifacts import atomic_write_text
    from workbench.manifest import git_state, iso, package_versions, utc_now

    doc = {"kind": "register_audit", "status": "completed", "parameters": parameters,
           "inputs": [{"path": v.audit.summary["register"]["path"], "sha256": v.audit.summary["register"]["sha256"],
                       "jurisdiction": v.code, "mapping": v.audit.summary["mapping"].get("name"),
                       "mapping_confidence": v.audit.summary["mapping"].get("confidence"),
                       "rows": v.audit.summary["rows"]} for v in ov.views],
           "law_data_version": ov.views[0].audit.summary["law_data_version"] if ov.views else None,
           "git": git_state(), "packages": package_versions(), "started_at": iso(started), "finished_at": iso(utc_now()),
           "outputs": sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.name != MANIFEST_FILE),
           "disclaimer": ov.views[0].audit.summary["disclaimer"] if ov.views else ""}
    path = root / MANIFEST_FILE
    atomic_write_text(path, json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")
    return path
