"""Artifacts a notebook leaves in its run folder, and reading them back.

Each check notebook writes ``artifacts/<stage>.findings.json`` (its findings in the
published shape) and may write tables (``artifacts/<stage>.<name>.csv``) that the report
notebook shows. The report notebook reads only these files.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

from workbench.assessment import Assessment
from workbench.assessment import to_json as assessments_json
from workbench.findings import SCHEMA_VERSION, Finding, sort_findings
from workbench.paths import ARTIFACTS_SUBDIR
from workbench.safecsv import frame_csv_text


def artifacts_dir(run_dir: str | Path) -> Path:
    d = Path(run_dir) / ARTIFACTS_SUBDIR
    d.mkdir(parents=True, exist_ok=True)
    return d


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file so that a reader never sees it half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; reports are meant to be read
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_findings(run_dir: str | Path, stage: str, findings: Iterable[Finding],
                   *, assessed: dict[str, Any] | None = None) -> Path:
    """Write one stage's findings. ``assessed`` says, per check, whether it ran
    (:class:`workbench.assessment.Assessment`, or its text form)."""
    items = sort_findings(findings)
    doc = {"schema_version": SCHEMA_VERSION, "stage": stage,
           "assessed": assessments_json(assessed or {}), "findings": [f.to_dict() for f in items]}
    path = artifacts_dir(run_dir) / f"{stage}.findings.json"
    atomic_write_text(path, json.dumps(doc, indent=2, sort_keys=False, ensure_ascii=False) + "\n")
    return path


def read_findings(run_dir: str | Path) -> list[Finding]:
    """Every finding written by any stage of a run."""
    out: list[Finding] = []
    for path in sorted(artifacts_dir(run_dir).glob("*.findings.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        out += [Finding.from_dict(d) for d in doc["findings"]]
    return sort_findings(out)


def read_assessed(run_dir: str | Path) -> dict[str, dict[str, Assessment]]:
    """Per stage, per check, whether it was assessed (and if not, why)."""
    out = {}
    for path in sorted(artifacts_dir(run_dir).glob("*.findings.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        out[doc.get("stage", path.name.split(".")[0])] = {
            check: Assessment.from_json(v) for check, v in (doc.get("assessed") or {}).items()}
    return out


def write_table(run_dir: str | Path, stage: str, name: str, frame) -> Path:
    """Write a table a later notebook (the report) shows; CSV, UTF-8, formulas neutralised."""
    path = artifacts_dir(run_dir) / f"{stage}.{name}.csv"
    atomic_write_text(path, frame_csv_text(frame))
    return path


def read_table(run_dir: str | Path, stage: str, name: str):
    import pandas as pd

    path = artifacts_dir(run_dir) / f"{stage}.{name}.csv"
    return pd.read_csv(path, dtype_backend="numpy_nullable") if path.exists() else None
