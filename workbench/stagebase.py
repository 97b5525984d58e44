"""The stage contract: one stage base class, one result type, one registry.

A stage is a class with a :class:`StageName`, the store inputs it reads, and one hook to
fill in, ``run(store, case) -> StageResult`` (papermill's engines are the model). Stages
register themselves in :data:`STAGES` with :func:`register`; :func:`execute` opens the run
folder's case store (building it first when the intake has not run there), runs a stage,
and writes its findings, what it assessed and its tables as artifacts, the same way for
every stage. The report reads only those artifacts.

The stage modules import this module; :mod:`workbench.stages` imports them all and runs a
stage by name, so imports go one way.

Names, statuses and severities are defined once: :class:`StageName` here,
:class:`workbench.findings.Severity`, :class:`workbench.assessment.Assessment` for "assessed
or not assessed (reason)", :class:`workbench.timelines.NoticeStatus`.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from workbench.assessment import Assessment
from workbench.findings import Finding, sort_findings
from workbench.registry import Registry

log = logging.getLogger("workbench.stages")


class StageName(enum.StrEnum):
    """The stages of a run, in order; the value is the notebook's stem and the artifacts' prefix."""

    INTAKE = "00_case_overview"
    DATA_QUALITY = "10_data_quality"
    NOTICE_TIMELINES = "20_notice_timelines"
    IRREGULARITIES = "30_irregularities"
    REPORT = "90_audit_report"


#: Stages whose findings the report expects (one that wrote none is listed as not assessed).
CHECK_STAGES: tuple[StageName, ...] = (StageName.DATA_QUALITY, StageName.NOTICE_TIMELINES,
                                       StageName.IRREGULARITIES)


@dataclass
class StageResult:
    """What every stage hands on: findings, per check whether it was assessed, tables.

    ``view`` is the stage's own object for its notebook (charts, display tables); the
    report never reads it, only the artifacts :func:`save` writes.
    """

    stage: StageName
    findings: list[Finding] = field(default_factory=list)
    assessed: dict[str, Assessment] = field(default_factory=dict)
    tables: dict[str, Any] = field(default_factory=dict)
    view: Any = None

    def __post_init__(self) -> None:
        self.findings = sort_findings(self.findings)


class Stage:
    """The contract: subclasses set ``name`` (and ``inputs``) and fill in :meth:`run`.
    Keyword arguments of the constructor are the stage's own settings."""

    name: ClassVar[StageName]
    #: The store inputs the stage reads (documentation and the absent-input checks).
    inputs: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **options):
        if options:
            raise TypeError(f"stage {self.name} takes no options; got {', '.join(options)}")

    def run(self, store, case) -> StageResult:  # pragma: no cover - the hook
        raise NotImplementedError


#: Every stage, by name.
STAGES: Registry[type[Stage]] = Registry("stage")


def register(cls: type[Stage]) -> type[Stage]:
    """Class decorator: add a stage to :data:`STAGES` under its name."""
    STAGES.register(str(cls.name), cls)
    return cls


def save(result: StageResult, run_dir: str | Path) -> None:
    """Write a stage's findings (with what it assessed) and its tables as artifacts."""
    from workbench.artifacts import write_findings, write_table

    write_findings(run_dir, str(result.stage), result.findings, assessed=result.assessed)
    for name, table in result.tables.items():
        write_table(run_dir, str(result.stage), name, table)


def open_store(run_dir: str | Path, case_path: str | Path | None = None):
    """The run folder's case store. When there is none (a notebook run on its own, not by
    ``workbench run``), or it holds another case or an older case.yaml (a scratch folder
    reused for another case in JupyterLab), the intake builds it first from ``case_path``.
    Without ``case_path``, or when that file is gone, the store is taken as it is."""
    from workbench.preflight import check_case
    from workbench.store import CaseStore, StoreError, build_store

    try:
        store = CaseStore.open(run_dir)
    except StoreError:
        if case_path is None:
            raise
        log.info("no case store in %s: running the intake first", run_dir)
        return build_store(check_case(case_path), run_dir)
    if case_path is not None and Path(case_path).is_file() and not store.holds(case_path):
        log.warning("the case store in %s was built from another case or an older %s: running the intake again",
                    run_dir, Path(case_path).name)
        return build_store(check_case(case_path), run_dir)
    return store


def _start_hashes(run_dir: Path, case) -> dict[str, str | None] | None:
    """The inputs' sha256 the runner recorded when this run started (``manifest.json``), so
    the intake does not hash them again; None outside a run of the runner."""
    import json

    from workbench.paths import MANIFEST_NAME

    path = run_dir / MANIFEST_NAME
    if not path.is_file():
        return None
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("case_path") != str(case.path) or not doc.get("inputs"):
        return None
    return {name: (entry or {}).get("sha256") for name, entry in doc["inputs"].items()}


def execute(stage: Stage, case_path: str | Path | None, run_dir: str | Path) -> StageResult:
    """Run ``stage`` on the run folder's store and save its artifacts.

    The intake (:attr:`StageName.INTAKE`) builds the store from ``case_path``; every other
    stage reads the store only (``case_path`` is used just to build a missing store).
    :func:`workbench.stages.run` does this for a stage named.
    """
    from workbench.preflight import check_case
    from workbench.store import build_store

    run_dir = Path(run_dir)
    if stage.name is StageName.INTAKE:
        case = check_case(case_path)
        store = build_store(case, run_dir, hashes=_start_hashes(run_dir, case))
    else:
        store = open_store(run_dir, case_path)
    result = stage.run(store, store.case)
    save(result, run_dir)
    return result
