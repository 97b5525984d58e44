"""Data quality of every input with Great Expectations (GX).

The rules are reviewed data: one suite per input in ``expectations/<input>.json``, each
expectation's ``meta`` holding a stable ``check`` name, a ``severity`` (our five-level
scale, from which GX's own three-level ``severity`` field is set: :data:`GX_SEVERITY`) and
a one-line ``rationale``. Case-dependent values (discovery date, audit date, the
incident's data elements, valid US region codes) reach the suites as suite parameters
(``{"$PARAMETER": "as_of_date"}``), see :func:`suite_parameters`.

Validation runs through an *engine*, chosen by name from :data:`ENGINES` (``pandas``,
``chunked``, ``duckdb``, ``sql``, ``spark``: :mod:`workbench.quality.engines` says what each
does). Results become findings (category ``data_quality``): one per failing expectation per
input, with exact unexpected counts and up to ``max_examples`` failing rows named by
business key and ``source_row``; rows that ``sources`` could not parse become findings
too. Raw validation results are kept as JSON evidence in ``<run_dir>/evidence/gx/`` with
personal values masked. Each input's suite is a GX ``ValidationDefinition`` run by that
input's ``Checkpoint``; GX's Data Docs of those results are written to
``<run_dir>/data_docs/`` (masked, and self-contained: a run folder must open offline),
recorded in ``artifacts/10_data_quality.data_docs.json``.

One module per concept:

==========================  ====================================================================
``suites``                  suite files read and checked without GX; suite parameters of a case
``outcomes``                an expectation's outcome over an input; folding GX results into it
``gx``                      the one module of the workbench that imports Great Expectations
                            (and the DuckDB workarounds GX 1.24 needs)
``engines``                 the validation engines, one module each, and their registry
``validate``                the validation API: a frame, or every input of a case
``findings``                findings from validated inputs
``evidence``                raw results kept as JSON, capped, personal values masked
``datadocs``                GX's Data Docs of a run, made self-contained, and their record
``views``                   the stage's view: display tables and the failures figure
``stage``                   the data-quality stage (:class:`DataQualityStage`, :func:`run_stage`)
==========================  ====================================================================

This module only lists the public API; import from it (``from workbench import quality``)
or from the module that defines a name.
"""

from workbench.quality.engines import (
    DEFAULT_SPARK_MASTER, ENGINES, LARGE_INPUT_BYTES, MAX_WORKERS, Engine, EngineOptions, duckdb_url, spark_session,
    validate_duckdb,
)
from workbench.quality.evidence import PERSONAL_COLUMNS, mask_example, mask_text, write_evidence
from workbench.quality.findings import findings_for
from workbench.quality.gx import build_gx_suite, result_format
from workbench.quality.outcomes import DEFAULT_MAX_EXAMPLES, InputValidation, Outcome
from workbench.quality.stage import STAGE, DataQualityStage, choose_engine, run_stage
from workbench.quality.suites import (
    AGGREGATE_TYPES, GX_SEVERITY, POPULATION_TYPES, ROW_LEVEL_TYPES, SCOPES, ExpectationSpec, SuiteError, SuiteSpec, expectations_dir, load_suite_spec,
    load_suites, suite_parameters,
)
from workbench.quality.validate import validate_case, validate_frame
from workbench.quality.views import DataQuality, examples_table, failures_figure, outcomes_table, summary_table

__all__ = [
    "DEFAULT_MAX_EXAMPLES", "DEFAULT_SPARK_MASTER", "ENGINES", "GX_SEVERITY", "LARGE_INPUT_BYTES", "MAX_WORKERS", "PERSONAL_COLUMNS",
    "POPULATION_TYPES", "ROW_LEVEL_TYPES", "SCOPES", "STAGE", "AGGREGATE_TYPES", "DataQuality", "DataQualityStage", "Engine", "EngineOptions",
    "ExpectationSpec", "InputValidation", "Outcome", "SuiteError", "SuiteSpec", "build_gx_suite", "choose_engine",
    "duckdb_url", "examples_table", "expectations_dir", "failures_figure", "findings_for", "load_suite_spec",
    "load_suites", "mask_example", "mask_text", "outcomes_table", "result_format", "run_stage", "spark_session",
    "suite_parameters", "summary_table", "validate_case", "validate_duckdb", "validate_frame", "write_evidence",
]
