"""The data-quality stage: every input's suite and the checks across inputs, evidence kept."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from workbench import assessment
from workbench.case import INPUT_NAMES
from workbench.quality.engines import DEFAULT_SPARK_MASTER, EngineOptions
from workbench.quality.engines.base import _rejects_summary
from workbench.quality.evidence import write_evidence
from workbench.quality.findings import findings_for
from workbench.quality.gx import _Gx
from workbench.quality.suites import load_suites, suite_parameters
from workbench.quality.validate import validate_case
from workbench.quality.views import DataQuality, examples_table, outcomes_table, summary_table
from workbench.stagebase import Stage, StageName, StageResult, register

log = logging.getLogger("workbench.quality")

STAGE = "10_data_quality"


def choose_engine(case, engine: str) -> str:
    """``auto`` outside a run's case store (a caller with a case only): checks pushed down
    to the database when an input is SQL, else ``chunked``. In a run the data-quality
    stage (:class:`DataQualityStage`) reads the case store, and ``auto`` is ``duckdb``.

    Any other name in :data:`ENGINES` is taken as given.
    """
    if engine != "auto":
        return engine
    from workbench.case import INPUT_NAMES, SqlInput

    return "sql" if any(isinstance(case.input_spec(n), SqlInput) for n in INPUT_NAMES) else "chunked"


def _suite_assessment(name: str, stats: dict[str, Any]) -> assessment.Assessment:
    """A suite on an input of no accepted rows holds vacuously: say so, never a plain pass."""
    if stats.get("rows_accepted", 1):
        return assessment.assessed()
    if stats.get("rows_read"):
        return assessment.input_empty(name, stats["rows_read"])
    return assessment.assessed(f"input {name} has zero rows: its expectations hold vacuously")


def write_data_docs(gx: _Gx, run_dir: str | Path, validations, *, cap: int, mask: bool) -> Path:
    """The run's Data Docs (``<run_dir>/data_docs/``, from the results already produced) and
    their record ``artifacts/10_data_quality.data_docs.json``, whose ``index`` the report links."""
    import json
    import time

    from workbench.artifacts import artifacts_dir, atomic_write_text
    from workbench.quality.datadocs import RECORD, build_site

    t0 = time.perf_counter()
    record = build_site(gx, run_dir, validations, cap=cap, mask=mask)
    path = artifacts_dir(run_dir) / RECORD
    atomic_write_text(path, json.dumps(record, indent=1) + "\n")
    log.info("Data Docs: %s (%d pages) in %.1f s", record["index"], len(record["pages"]), time.perf_counter() - t0)
    return path


def run_stage(case, run_dir: str | Path, engine: str = "auto", *, spark_master: str = DEFAULT_SPARK_MASTER,
              options: EngineOptions | None = None, expectations: str | Path | None = None) -> DataQuality:
    """Validate every input, run the whole-population checks, keep the evidence.

    Parameters
    ----------
    case : workbench.case.Case, or the path of a case.yaml
    run_dir : the run folder; evidence goes to ``<run_dir>/evidence/gx/``, GX's Data Docs to
        ``<run_dir>/data_docs/`` (recorded in ``artifacts/10_data_quality.data_docs.json``).
    engine : a name in :data:`ENGINES` (``chunked`` keeps memory bounded), or ``auto``
        (:func:`choose_engine`: ``sql`` when an input is a database table, else ``chunked``).
    spark_master : Spark master URL for the ``spark`` engine (``local[2]``, ``spark://host:7077``...).
    options : chunk size, example cap...; overrides ``spark_master`` and the case's masking.

    Returns
    -------
    DataQuality
        findings (category ``data_quality``), ``assessed`` per check, display tables.
    """
    from workbench.case import INPUT_NAMES
    from workbench.population import PopulationStore, cross_input_findings, jurisdiction_counts

    if isinstance(case, (str, Path)):
        from workbench.case import load_case

        case = load_case(case)
    engine = choose_engine(case, engine)
    opts = options or EngineOptions(mask_personal_data=case.parameters.mask_personal_data, spark_master=spark_master)
    declared = [n for n in INPUT_NAMES if case.input_spec(n) is not None]
    specs = load_suites(declared, expectations)
    gx = _Gx(progress_bars=opts.progress_bars)
    with PopulationStore(specs) as store:
        validations = validate_case(case, engine, names=declared, options=opts, store=store,
                                    expectations=expectations, gx=gx)
        cross = cross_input_findings(store, case, max_examples=opts.max_examples)
        juris = jurisdiction_counts(store)
    findings = findings_for(validations, mask=opts.mask_personal_data) + cross.findings
    rows = {v.input: v.stats for v in validations}
    assessed = {f"suite:{n}": (assessment.input_absent(n) if n not in declared else
                               _suite_assessment(n, rows.get(n) or {}))
                for n in INPUT_NAMES}
    assessed.update(cross.assessed)
    params = suite_parameters(case)
    files = write_evidence(run_dir, validations, params)
    files.append(cross.write(run_dir))
    files.append(write_data_docs(gx, run_dir, validations, cap=opts.max_examples, mask=opts.mask_personal_data))
    rejects = pd.concat([v.rejects for v in validations if len(v.rejects)], ignore_index=True) \
        if any(len(v.rejects) for v in validations) else _rejects_summary([])
    log.info("data quality (%s engine): %d inputs, %d findings", engine, len(validations), len(findings))
    return DataQuality(findings, assessed, summary_table(validations), outcomes_table(validations),
                       examples_table(validations, mask=opts.mask_personal_data), rejects, juris, files, validations)


@register
class DataQualityStage(Stage):
    """10: every input's suite, and the checks across inputs, on the case store."""

    name = StageName.DATA_QUALITY
    inputs = INPUT_NAMES

    def __init__(self, engine: str = "auto", spark_master: str = DEFAULT_SPARK_MASTER):
        self.engine, self.spark_master = engine, spark_master

    def run(self, store, case) -> StageResult:
        opts = EngineOptions(mask_personal_data=case.parameters.mask_personal_data, spark_master=self.spark_master,
                             case_store=store)
        # the store holds every input, SQL ones included: "auto" runs the suites as SQL in its DuckDB file
        engine = "duckdb" if self.engine in ("auto", "sql") else self.engine
        dq = run_stage(case, store.run_dir, engine=engine, options=opts)
        return StageResult(self.name, dq.findings, dq.assessed, dq.tables(), view=dq)
