"""Data quality of every input with Great Expectations: the one module that imports it.

The rules are reviewed data: one suite per input in ``expectations/<input>.json``, each
expectation's ``meta`` holding a stable ``check`` name, a ``severity`` (our scale, not
GX's) and a one-line ``rationale``. Case-dependent values (discovery date, audit date, the
incident's data elements, valid US region codes) reach the suites as suite parameters
(``{"$PARAMETER": "as_of_date"}``), see :func:`suite_parameters`.

Validation runs through an *engine*, chosen by name from :data:`ENGINES`:

``pandas``
    the whole accepted frame of an input in one GX batch (small and medium cases).
``chunked``
    chunk by chunk from :func:`workbench.sources.iter_input`, counts summed exactly; the
    chunks of a large input are validated in worker processes (one per CPU) while this
    process reads the next ones and feeds the population store.
    Expectations whose ``meta.scope`` is ``population`` (uniqueness) are not valid per
    chunk; they run over the whole population in DuckDB (:mod:`workbench.population`) with
    the same semantics as GX, so the counts equal the ``pandas`` engine's.
``duckdb``
    the input typed once into a DuckDB file (:mod:`workbench.store`), then the suites
    run there as SQL by GX's SQL datasource (:func:`validate_duckdb`, the interface of the
    case store); the same counts and examples as ``chunked``. GX 1.24 needs two
    workarounds for DuckDB, applied only for it: :func:`_gx_duckdb_support`.
``sql``
    the suites pushed down to PostgreSQL for a database input (``chunked`` for a file).
``spark``
    the same suites through GX's Spark datasource (``local[2]`` by default; a cluster
    master URL is a parameter).

Results become findings (category ``data_quality``): one per failing expectation per
input, with exact unexpected counts and up to ``max_examples`` failing rows named by
business key and ``source_row``; rows that ``sources`` could not parse become findings
too. Raw validation results are kept as JSON evidence in ``<run_dir>/evidence/gx/`` with
personal values masked. GX Data Docs are never written: they load scripts from public
CDNs, and a run folder must open offline.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Callable, Iterable

import pandas as pd

from workbench import assessment
from workbench.case import INPUT_NAMES
from workbench.errors import WorkbenchError
from workbench.findings import SEVERITIES, Finding
from workbench.masking import mask_shape
from workbench.registry import Registry
from workbench.stagebase import Stage, StageName, StageResult, register

log = logging.getLogger("workbench.quality")

STAGE = "10_data_quality"
DEFAULT_MAX_EXAMPLES = 20
DEFAULT_SPARK_MASTER = "local[2]"
#: Columns whose values are personal data: masked in examples and in evidence files.
PERSONAL_COLUMNS: frozenset[str] = frozenset({
    "full_name", "email", "address_line", "city", "postal_code",
    "recipient_name", "recipient_address",
})
#: Expectation types that need the whole population and how many columns they span.
POPULATION_TYPES: frozenset[str] = frozenset({"expect_column_values_to_be_unique"})
#: Expectation types whose counts add up over chunks (row-level "map" expectations).
ROW_LEVEL_TYPES: frozenset[str] = frozenset({
    "expect_column_values_to_not_be_null", "expect_column_values_to_be_null",
    "expect_column_values_to_be_in_set", "expect_column_values_to_not_be_in_set",
    "expect_column_values_to_be_between", "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex", "expect_column_value_lengths_to_be_between",
    "expect_column_pair_values_a_to_be_greater_than_b", "expect_column_pair_values_to_be_equal",
})
_COLUMN_KWARGS = ("column", "column_A", "column_B")


class SuiteError(WorkbenchError):
    """An expectation suite file is malformed; the message names the file."""

    def __init__(self, file: str | Path, message: str):
        self.file = str(file)
        super().__init__(f"{self.file}: {message}")


# --------------------------------------------------------------------------- suites as data

@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation as reviewed in the suite file."""

    type: str
    kwargs: dict[str, Any]
    check: str
    severity: str
    rationale: str
    scope: str = "row"  # "row": valid per chunk; "population": needs every row at once

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column") or self.kwargs.get("column_A")

    @property
    def columns(self) -> list[str]:
        """Every column the expectation reads, including its row condition's."""
        cols = [self.kwargs[k] for k in _COLUMN_KWARGS if k in self.kwargs]
        cols += list(self.kwargs.get("column_list") or [])
        cond = self.kwargs.get("row_condition")
        if isinstance(cond, dict):
            cols += _condition_columns(cond)
        return cols

    @property
    def parameters(self) -> list[str]:
        """Names of the suite parameters it uses (``{"$PARAMETER": name}``)."""
        return [v["$PARAMETER"] for v in self.kwargs.values() if isinstance(v, dict) and "$PARAMETER" in v]


def _condition_columns(cond: dict) -> list[str]:
    out = []
    col = cond.get("column")
    if isinstance(col, dict) and "name" in col:
        out.append(col["name"])
    for sub in cond.get("conditions") or []:
        if isinstance(sub, dict):
            out += _condition_columns(sub)
    return out


@dataclass(frozen=True)
class SuiteSpec:
    """A suite file read and checked (without Great Expectations)."""

    input: str
    path: Path
    evidence_keys: tuple[str, ...]
    expectations: tuple[ExpectationSpec, ...]
    document: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def row_level(self) -> list[ExpectationSpec]:
        return [e for e in self.expectations if e.scope == "row"]

    def population_level(self) -> list[ExpectationSpec]:
        return [e for e in self.expectations if e.scope == "population"]

    @property
    def columns(self) -> set[str]:
        cols = set(self.evidence_keys)
        for e in self.expectations:
            cols.update(e.columns)
        return cols

    def gx_document(self, scope: str | None = None) -> dict[str, Any]:
        """The suite as GX reads it, optionally only the expectations of one scope."""
        exps = [x for x, spec in zip(self.document["expectations"], self.expectations)
                if scope is None or spec.scope == scope]
        return {"name": self.document["name"], "meta": dict(self.document.get("meta") or {}),
                "expectations": json.loads(json.dumps(exps))}


def expectations_dir() -> Path:
    from workbench.paths import EXPECTATIONS_DIR

    return EXPECTATIONS_DIR


def load_suite_spec(name: str, directory: str | Path | None = None) -> SuiteSpec:
    """Read ``<directory>/<name>.json`` and check its shape and meta.

    Raises
    ------
    SuiteError
        naming the file, when it is missing, not JSON, or an expectation lacks a type,
        kwargs, a known severity, a rationale or a unique check name, or uses a type
        whose counts cannot be computed exactly (see :data:`ROW_LEVEL_TYPES`).
    """
    path = Path(directory or expectations_dir()) / f"{name}.json"
    if not path.is_file():
        raise SuiteError(path, "suite file not found")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise SuiteError(path, f"not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})") from None
    except UnicodeDecodeError as err:
        raise SuiteError(path, f"not UTF-8 text ({err.reason})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("expectations"), list):
        raise SuiteError(path, "expected an object with 'name', 'meta' and a list 'expectations'")
    if doc.get("name") != name:
        raise SuiteError(path, f"suite name {doc.get('name')!r} differs from the file name {name!r}")
    meta = doc.get("meta") or {}
    keys = meta.get("evidence_keys")
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        raise SuiteError(path, "meta.evidence_keys must list the business-key columns that name a failing row")
    specs, seen = [], set()
    for i, exp in enumerate(doc["expectations"]):
        where = f"expectations[{i}]"
        if not isinstance(exp, dict) or not isinstance(exp.get("type"), str) or not isinstance(exp.get("kwargs"), dict):
            raise SuiteError(path, f"{where}: needs 'type' (text) and 'kwargs' (object)")
        m = exp.get("meta") or {}
        check, severity, rationale = m.get("check"), m.get("severity"), m.get("rationale")
        if not isinstance(check, str) or not re.fullmatch(r"[a-z0-9_]+", check):
            raise SuiteError(path, f"{where} ({exp['type']}): meta.check must be a snake_case name, got {check!r}")
        if check in seen:
            raise SuiteError(path, f"{where}: meta.check {check!r} is used twice")
        seen.add(check)
        if severity not in SEVERITIES:
            raise SuiteError(path, f"{where} ({check}): meta.severity {severity!r} is not one of {', '.join(SEVERITIES)}")
        if not isinstance(rationale, str) or not rationale.strip() or "\n" in rationale:
            raise SuiteError(path, f"{where} ({check}): meta.rationale must be one non-empty line")
        scope = m.get("scope", "row")
        if scope == "population" and exp["type"] not in POPULATION_TYPES:
            raise SuiteError(path, f"{where} ({check}): scope 'population' is supported for {', '.join(sorted(POPULATION_TYPES))} only")
        if scope == "row" and exp["type"] not in ROW_LEVEL_TYPES:
            raise SuiteError(path, f"{where} ({check}): {exp['type']} is not a row-level expectation whose counts add up "
                                   f"over chunks; use one of {', '.join(sorted(ROW_LEVEL_TYPES))} or scope 'population'")
        if scope not in ("row", "population"):
            raise SuiteError(path, f"{where} ({check}): meta.scope must be 'row' or 'population', got {scope!r}")
        specs.append(ExpectationSpec(exp["type"], exp["kwargs"], check, severity, rationale, scope))
    return SuiteSpec(name, path, tuple(keys), tuple(specs), doc)


def load_suites(names: Iterable[str] | None = None, directory: str | Path | None = None) -> dict[str, SuiteSpec]:
    """Every suite (one per input name of the data contracts), checked."""
    from workbench.case import INPUT_NAMES

    return {n: load_suite_spec(n, directory) for n in (names or INPUT_NAMES)}


def _us_region_codes() -> list[str]:
    from workbench.law.jurisdictions import US_REGION_CODES

    return sorted(US_REGION_CODES)


def suite_parameters(case) -> dict[str, Any]:
    """Values the suites take from the case, by parameter name.

    Timestamps are compared at the day boundaries of the case's timezone (the timezone
    that decides a legal "day"), converted to UTC; plain dates as ISO dates.
    """
    import zoneinfo

    tz = zoneinfo.ZoneInfo(case.parameters.timezone)
    inc, as_of = case.incident, case.parameters.as_of

    def day_start_utc(d: date) -> str:
        return datetime.combine(d, time(0), tzinfo=tz).astimezone(zoneinfo.ZoneInfo("UTC")).isoformat()

    elements = sorted(set(inc.data_elements))
    alt = "|".join(re.escape(e) for e in elements)
    return {
        "discovered_start_utc": day_start_utc(inc.discovered),
        "determined_start_utc": day_start_utc(inc.determined or inc.discovered),
        "as_of_end_utc": day_start_utc(as_of + timedelta(days=1)),  # used with strict_max
        # naive datetimes, not dates: GX would parse "2018-03-01" as a date, which pandas
        # cannot compare with a Timestamp
        "discovered_date": datetime.combine(inc.discovered, time(0)).isoformat(),
        "as_of_date": datetime.combine(as_of, time(0)).isoformat(),
        "data_elements": elements,
        "data_elements_regex": rf"^(?:{alt})(?:\|(?:{alt}))*$",
        "us_region_codes": _us_region_codes(),
    }


# --------------------------------------------------------------------------- outcomes

@dataclass
class Outcome:
    """The aggregated result of one expectation over one input."""

    input: str
    check: str
    type: str
    column: str | None
    severity: str
    rationale: str
    scope: str
    element_count: int = 0
    unexpected_count: int = 0
    missing_count: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    @classmethod
    def empty(cls, input_name: str, spec: ExpectationSpec) -> "Outcome":
        return cls(input_name, spec.check, spec.type, spec.column, spec.severity, spec.rationale, spec.scope)

    @property
    def success(self) -> bool:
        return self.error is None and self.unexpected_count == 0

    def add(self, element_count: int, unexpected_count: int, missing_count: int,
            examples: list[dict[str, Any]], cap: int) -> None:
        """Fold one batch's result in: counts add exactly, examples up to ``cap``."""
        self.element_count += int(element_count or 0)
        self.unexpected_count += int(unexpected_count or 0)
        self.missing_count += int(missing_count or 0)
        room = cap - len(self.examples)
        if room > 0:
            self.examples.extend(examples[:room])

    def merge(self, other: "Outcome", cap: int) -> None:
        """Fold in the outcome of the same check over another batch (an error sticks)."""
        if other.error is not None:
            self.error = other.error
        self.add(other.element_count, other.unexpected_count, other.missing_count, other.examples, cap)

    def counts(self) -> tuple[str, str, int, int, int]:
        return (self.input, self.check, self.element_count, self.unexpected_count, self.missing_count)


@dataclass
class InputValidation:
    """One input validated: read statistics, rejects, outcomes and raw evidence."""

    input: str
    engine: str
    stats: dict[str, Any]
    rejects: pd.DataFrame
    outcomes: list[Outcome]
    raw_results: list[dict[str, Any]] = field(default_factory=list)
    rejects_total: int = 0

    def outcome(self, check: str) -> Outcome:
        return next(o for o in self.outcomes if o.check == check)


# --------------------------------------------------------------------------- GX plumbing

def _no_batch_fingerprints() -> None:
    """Stop GX fingerprinting every in-memory pandas batch.

    GX hashes each DataFrame batch under ``HASH_THRESHOLD`` bytes (pandas'
    ``hash_pandas_object`` over every cell, then md5) into a batch marker we never read:
    a third of the chunked engine's time at 10M people (every 500,000-row chunk is under
    the threshold). Inputs are identified by their file sha256 instead.
    """
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0


DUCKDB_DIALECT = "duckdb"
#: The GX metric modules that import ``get_dialect_regex_expression`` by name (GX 1.24.1):
#: each gets the DuckDB-aware wrapper of :func:`_gx_duckdb_support`.
_GX_REGEX_MODULES = tuple(f"great_expectations.expectations.metrics.{m}" for m in (
    "column_map_metrics.column_values_match_regex",
    "column_map_metrics.column_values_not_match_regex",
    "column_map_metrics.column_values_match_regex_list",
    "column_map_metrics.column_values_not_match_regex_list",
    "column_aggregate_metrics.column_values_match_regex_values",
    "column_aggregate_metrics.column_values_not_match_regex_values",
))
#: GX's own objects that :func:`_gx_duckdb_support` replaced, kept for the tests (which
#: check that GX still lacks DuckDB support, i.e. that the workaround is still needed).
_GX_ORIGINALS: dict[str, Any] = {}


class _DialectName(str):
    """A dialect name where GX expects a ``GXSqlDialect`` member: equal to the plain name
    (what ``get_connection`` compares) and with a ``value`` (what
    ``_dialect_requires_persisted_connection`` reads). GX's enum has no DuckDB member."""

    @property
    def value(self) -> str:
        return str(self)


def _duckdb_regex_expression(column, regex: str, dialect, positive: bool = True):
    """DuckDB's ``regexp_matches`` for GX's regex metrics; every other dialect to GX.

    ``regexp_matches(s, p)`` is true when ``p`` matches anywhere in ``s``: a search, as
    GX's pandas metric (``Series.astype(str).str.contains(regex)``), not DuckDB's ``~``
    (a full match). The pattern is RE2's dialect, which differs from Python's ``re`` in
    Unicode classes (``\\d``, ``\\w``, ``\\s`` are ASCII), in ``$`` (end of text only,
    never before a final newline: text values are stripped on reading, so none ends in
    one), and in having no look-arounds or back-references (DuckDB then raises, and the
    check is reported as not evaluated). The suites' patterns use none of these.
    """
    if getattr(dialect, "name", None) == DUCKDB_DIALECT:
        import sqlalchemy as sa

        found = sa.func.regexp_matches(column, sa.literal(regex))
        return found if positive else sa.not_(found)
    return _GX_ORIGINALS["get_dialect_regex_expression"](column, regex, dialect, positive)


def _gx_duckdb_support() -> None:
    """Make GX's SQL datasource work on DuckDB (through duckdb-engine); idempotent.

    Called by :func:`validate_duckdb` before it builds a SQL datasource for a ``duckdb://``
    URL; nothing else calls it. It works around two gaps of GX 1.24.1, neither of them
    DuckDB's:

    1. ``great_expectations/execution_engine/sqlalchemy_execution_engine.py``:
       ``SqlAlchemyExecutionEngine.get_connection`` keeps one open connection only for the
       dialects in ``_PERSISTED_CONNECTION_DIALECTS`` (sqlite, mssql, bigquery,
       databricks); for any other it closes the connection when ``execute_query``'s
       ``with`` block ends, before ``resolve_metric_bundle`` calls ``fetchall()``.
       duckdb-engine's result dies with its connection, so every metric fails with
       ``IndexError: list index out of range`` (GX issues 10738, 11579). Fix: DuckDB is
       added to that tuple, which ``_dialect_requires_persisted_connection`` also reads,
       so the engine is built on a ``StaticPool`` and keeps one connection, as for sqlite.
    2. ``great_expectations/expectations/metrics/util.py``:
       ``get_dialect_regex_expression`` has no branch for DuckDB, so
       ``expect_column_values_to_(not_)match_regex`` raise ``NotImplementedError``. Fix:
       :func:`_duckdb_regex_expression` answers for DuckDB and hands any other dialect to
       GX's function; it replaces the name in ``util`` and in the metric modules that
       imported it (:data:`_GX_REGEX_MODULES`).

    Other dialects are unaffected: the tuple keeps its members and GX's regex function
    still answers for them. When GX supports DuckDB itself (a native DuckDB engine is
    proposed in GX pull request 12084; the test ``test_gx_still_lacks_duckdb_support``
    fails once the SQL engine handles DuckDB), delete this function, its call in
    :func:`validate_duckdb`, ``_DialectName``, ``_duckdb_regex_expression``,
    ``_GX_REGEX_MODULES`` and ``_GX_ORIGINALS``.
    """
    if _GX_ORIGINALS:
        return
    import importlib

    from great_expectations.execution_engine import sqlalchemy_execution_engine as sa_engine
    from great_expectations.expectations.metrics import util

    original_regex = util.get_dialect_regex_expression
    modules = [importlib.import_module(m) for m in _GX_REGEX_MODULES]
    stale = [m.__name__ for m in modules if m.get_dialect_regex_expression is not original_regex]
    if stale:  # a GX release that moved things: fail loudly, never patch half
        raise WorkbenchError(f"Great Expectations changed its regex metrics ({', '.join(stale)}); "
                             "review quality._gx_duckdb_support for this version")
    _GX_ORIGINALS.update(persisted=sa_engine._PERSISTED_CONNECTION_DIALECTS,
                         get_dialect_regex_expression=original_regex)
    sa_engine._PERSISTED_CONNECTION_DIALECTS = (*sa_engine._PERSISTED_CONNECTION_DIALECTS,
                                                _DialectName(DUCKDB_DIALECT))
    for module in (util, *modules):
        module.get_dialect_regex_expression = _duckdb_regex_expression
    log.debug("GX: DuckDB keeps a persisted connection and has a regex expression")


class _Gx:
    """An ephemeral GX context with progress bars off and analytics disabled.

    Made on first use: importing GX takes about 9 s, which a process that only reads
    chunks for its workers (:class:`_ChunkPool`) never needs to pay.
    """

    def __init__(self, progress_bars: bool = False):
        self._progress_bars = progress_bars
        self._loaded: tuple[Any, Any] | None = None
        self._batch_defs: dict[tuple[str, str], Any] = {}
        self._suites: dict[tuple[str, str], Any] = {}

    def _load(self) -> tuple[Any, Any]:
        if self._loaded is None:
            os.environ["GX_ANALYTICS_ENABLED"] = "false"  # no network at run time
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig

            logging.getLogger("great_expectations").setLevel(logging.WARNING)
            _no_batch_fingerprints()
            context = gx.get_context(mode="ephemeral")
            context.variables.progress_bars = ProgressBarsConfig(globally=self._progress_bars)
            self._loaded = (gx, context)
        return self._loaded

    @property
    def gx(self):
        return self._load()[0]

    @property
    def context(self):
        return self._load()[1]

    def suite(self, spec: SuiteSpec, scope: str | None):
        key = (spec.input, scope or "all")
        if key not in self._suites:
            self._suites[key] = build_gx_suite(spec, scope, gx=self.gx)
        return self._suites[key]

    def batch_definition(self, kind: str, input_name: str, spark_config: dict | None = None):
        key = (kind, input_name)
        if key not in self._batch_defs:
            sources = self.context.data_sources
            ds_name = f"workbench_{kind}"
            try:
                ds = sources.get(ds_name)
            except Exception:  # GX raises its own KeyError subclass when absent
                ds = (sources.add_spark(ds_name, spark_config=spark_config or {}, persist=False)
                      if kind == "spark" else sources.add_pandas(ds_name))
            asset = ds.add_dataframe_asset(input_name)
            self._batch_defs[key] = asset.add_batch_definition_whole_dataframe(f"{input_name}_batch")
        return self._batch_defs[key]

    def validate(self, batch_def, dataframe, suite, params: dict, keys: list[str], cap: int):
        batch = batch_def.get_batch(batch_parameters={"dataframe": dataframe})
        return batch.validate(suite, expectation_parameters=params, result_format=result_format(keys, cap))


def result_format(keys: list[str], cap: int) -> dict[str, Any]:
    """GX's SUMMARY format: exact counts and the first ``cap`` failing rows named by ``keys``.

    COMPLETE would list every failing row (and a query naming them all), which we then cut
    to ``cap`` examples: at 10M people that cost a sixth of GX's time for nothing.
    """
    return {"result_format": "SUMMARY", "unexpected_index_column_names": keys, "partial_unexpected_count": cap}


def build_gx_suite(spec: SuiteSpec, scope: str | None = None, *, gx=None):
    """The GX ExpectationSuite of a suite file (optionally one scope only).

    Raises SuiteError naming the file when GX rejects an expectation.
    """
    if gx is None:
        os.environ["GX_ANALYTICS_ENABLED"] = "false"
        import great_expectations as gx
    gx_logger = logging.getLogger("great_expectations")
    previous = gx_logger.level
    gx_logger.setLevel(logging.CRITICAL)  # GX logs a traceback before raising; we raise a clear error instead
    try:
        return gx.ExpectationSuite(**spec.gx_document(scope))
    except Exception as err:  # GX raises pydantic and its own errors here
        msg = " ".join(str(err).split())
        raise SuiteError(spec.path, f"Great Expectations rejects the suite: {msg[:500]}") from None
    finally:
        gx_logger.setLevel(previous)


def _evidence_keys(spec: SuiteSpec) -> list[str]:
    return list(spec.evidence_keys) + ["source_row"]


def _plain(value: Any) -> Any:
    """A JSON-friendly scalar (timestamps as ISO text, NaN/NA as None)."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def _examples(result: dict, spec: ExpectationSpec, keys: list[str]) -> list[dict[str, Any]]:
    """Failing rows as {key..., source_row, column: value}, in file order (the first ones:
    SUMMARY results list only the first ``partial_unexpected_count``)."""
    rows = []
    for item in result.get("unexpected_index_list") or result.get("partial_unexpected_index_list") or []:
        if isinstance(item, dict):
            rows.append({k: _plain(v) for k, v in item.items()})
    rows.sort(key=lambda r: (r.get("source_row") is None, r.get("source_row") or 0))
    return rows


def _raised(info: Any) -> str | None:
    """The message of an exception GX caught, at the expectation or any metric level."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "expectation raised an exception")[:500]
    for value in info.values():
        msg = _raised(value) if isinstance(value, dict) else None
        if msg:
            return msg
    return None


def _fold_suite_result(result, spec: SuiteSpec, outcomes: dict[str, Outcome], cap: int) -> None:
    by_check = {e.check: e for e in spec.expectations}
    for r in result.results:
        check = (r.expectation_config.meta or {}).get("check")
        if check not in outcomes:
            continue
        out = outcomes[check]
        res = r.result or {}
        error = _raised(r.exception_info)
        if error is None and not r.success and res.get("unexpected_count") is None:
            error = "the expectation failed without counts (GX returned no unexpected_count)"
        if error is not None:
            out.error = error
            continue
        out.add(res.get("element_count", 0), res.get("unexpected_count", 0), res.get("missing_count", 0),
                _examples(res, by_check[check], _evidence_keys(spec)), cap)


# --------------------------------------------------------------------------- masking

mask_text = mask_shape  # one masking module: workbench.masking


def mask_example(example: dict[str, Any], personal: frozenset[str] = PERSONAL_COLUMNS) -> dict[str, Any]:
    return {k: (mask_text(v) if k in personal else v) for k, v in example.items()}


def _mask_result_dict(d: dict, column: str | None, cap: int, mask: bool) -> dict:
    """A validation result made safe to keep: lists capped, personal values masked."""
    res = dict(d.get("result") or {})
    personal = mask and column in PERSONAL_COLUMNS
    for key in ("partial_unexpected_list", "unexpected_list"):
        if key in res and isinstance(res[key], list):
            res[f"{key}_length"] = len(res[key])
            res[key] = [mask_text(v) if personal else v for v in res[key][:cap]]
    for key in ("partial_unexpected_index_list", "unexpected_index_list"):
        if key in res and isinstance(res[key], list):
            res[f"{key}_length"] = len(res[key])
            res[key] = [mask_example(x) if (mask and isinstance(x, dict)) else x for x in res[key][:cap]]
    if "partial_unexpected_counts" in res and personal:
        res["partial_unexpected_counts"] = [{"value": mask_text(c.get("value")), "count": c.get("count")}
                                            for c in res["partial_unexpected_counts"][:cap]]
    res.pop("unexpected_index_query", None)  # may embed every failing id
    out = dict(d)
    out["result"] = res
    return out


def _evidence_result(result, spec: SuiteSpec, cap: int, mask: bool, batch: dict[str, Any]) -> dict[str, Any]:
    doc = result.to_json_dict()
    by_check = {e.check: e for e in spec.expectations}
    cleaned = []
    for r in doc.get("results", []):
        check = ((r.get("expectation_config") or {}).get("meta") or {}).get("check")
        col = by_check[check].column if check in by_check else None
        cleaned.append(_mask_result_dict(r, col, cap, mask))
    doc["results"] = cleaned
    return {"batch": batch, "validation_result": json.loads(json.dumps(doc, default=_plain))}


# --------------------------------------------------------------------------- engines

@dataclass
class EngineOptions:
    """How to run an engine. ``spark_session`` lets a caller (or a test) reuse one session."""

    chunk_rows: int | None = None
    max_examples: int = DEFAULT_MAX_EXAMPLES
    spark_master: str = DEFAULT_SPARK_MASTER
    spark_session: Any = None
    #: Where the Spark engine stages accepted rows as Parquet (default: the system's temporary
    #: folder; on a cluster, storage the executors can read).
    spark_staging_dir: str | None = None
    #: Where the ``duckdb`` engine writes its temporary DuckDB file of an input (default:
    #: the system's temporary folder).
    store_dir: str | None = None
    mask_personal_data: bool = True
    progress_bars: bool = False
    #: Processes validating chunks for the ``chunked`` engine: ``None`` = one per CPU (at
    #: most :data:`MAX_WORKERS`), ``1`` = in this process. An input read in one chunk is
    #: always validated in this process.
    workers: int | None = None
    #: The run's case store (:class:`workbench.store.CaseStore`): when given, the pandas and
    #: chunked engines read its typed Parquet files instead of the raw inputs.
    case_store: Any = None

    def worker_count(self) -> int:
        if self.workers is not None:
            if self.workers < 1:
                raise WorkbenchError(f"quality workers: expected 1 or more, got {self.workers}")
            return self.workers
        env = os.environ.get("WORKBENCH_QUALITY_WORKERS")
        if env:
            if not env.isdigit() or int(env) < 1:
                raise WorkbenchError(f"WORKBENCH_QUALITY_WORKERS={env!r}: expected a whole number, 1 or more")
            return int(env)
        return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


#: Default ceiling on validation worker processes (each holds a chunk and a GX context).
MAX_WORKERS = 4

Engine = Callable[..., InputValidation]
#: Validation engines by name: ``pandas``, ``chunked``, ``duckdb``, ``spark``, ``sql``. Each is called
#: as ``engine(case, spec, params, store, options, gx, pool=...)``; ``pool`` (worker
#: processes, or None) is used by ``chunked`` only.
ENGINES: Registry[Engine] = Registry("quality engine")


def _rejects_summary(parts: list[pd.DataFrame]) -> pd.DataFrame:
    cols = ["input", "field", "reason_kind", "rows", "first_rows"]
    frames = [p for p in parts if len(p)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in cols})
    rej = pd.concat(frames, ignore_index=True)
    rej["field"] = rej["field"].fillna("(row)").astype("str")
    # the kind of a reason: without the value shown, nor the line numbers of broken records
    rej["reason_kind"] = (rej["reason"].astype("str").str.replace(r", got .*$", "", regex=True)
                          .str.replace(r"\b(lines?) \d+(-\d+)?", r"\1 N", regex=True).str.slice(0, 120))
    g = rej.groupby(["input", "field", "reason_kind"], dropna=False)
    out = g.agg(rows=("reason", "size"), first_rows=("row", lambda s: ",".join(str(int(x)) for x in s.dropna().head(10))))
    return out.reset_index()


def _chunks(case, name: str, opts: EngineOptions):
    """The input's typed chunks: from the case store when there is one (read once, by the
    intake), else read now through :mod:`workbench.sources`."""
    from workbench import sources

    if opts.case_store is not None:
        yield from _store_chunks(opts.case_store, name, opts.chunk_rows or sources.DEFAULT_CHUNK_ROWS)
        return
    kwargs = {"chunk_rows": opts.chunk_rows} if opts.chunk_rows else {}
    yield from sources.iter_input(case, name, **kwargs)


def _store_chunks(store, name: str, chunk_rows: int):
    """Chunks of a store input in the shape :func:`workbench.sources.iter_input` yields: the
    typed frame, the rejects (all of them with the last chunk) and the input's read counts."""
    from workbench.sources import ReadResult

    stats = store.record(name).input_stats()
    parts = list(store.batches(name, batch_rows=chunk_rows)) or [store.frame(name)]
    for i, frame in enumerate(parts):
        rejects = store.rejects(name, limit=None if i == len(parts) - 1 else 0)
        yield ReadResult(name, frame, rejects, stats)


def _validate_one(gx: _Gx, spec: SuiteSpec, scope: str | None, params: dict, frame: pd.DataFrame,
                  batch: dict[str, Any], cap: int, mask: bool) -> tuple[dict[str, Outcome], dict[str, Any]]:
    """One batch through GX: its outcomes per check and its evidence (masked, capped)."""
    outcomes = {e.check: Outcome.empty(spec.input, e) for e in spec.expectations}
    result = gx.validate(gx.batch_definition("pandas", spec.input), frame, gx.suite(spec, scope), params,
                         _evidence_keys(spec), cap)
    _fold_suite_result(result, spec, outcomes, cap)
    return outcomes, _evidence_result(result, spec, cap, mask, batch)


_WORKER_GX: _Gx | None = None


def _worker_init() -> None:
    global _WORKER_GX
    _WORKER_GX = _Gx()


def _worker_validate(*args) -> tuple[dict[str, Outcome], dict[str, Any]]:
    return _validate_one(_WORKER_GX, *args)


def _worker_ready() -> bool:
    return _WORKER_GX is not None


#: An input file at least this large is validated in worker processes from its first
#: chunk on, the workers being started (and importing GX) while it is opened.
LARGE_INPUT_BYTES = 64 * 2**20


def _is_large(case, name: str, opts: EngineOptions | None = None) -> bool:
    if opts is not None and opts.case_store is not None:
        path = opts.case_store.parquet(name)
    else:
        path = case.input_path(name)
    return path is not None and path.is_file() and path.stat().st_size >= LARGE_INPUT_BYTES


class _ChunkPool:
    """Worker processes that validate chunks while this process reads the next ones.

    Started for a large input (:data:`LARGE_INPUT_BYTES`) or on the first input that
    arrives in more than one chunk, and shared by every input of a case; each worker keeps
    one GX context. Once started, every chunk goes to the workers, so this process never
    imports GX. Results are folded in chunk order, so counts, examples and evidence are
    those of the in-process path. At most ``workers + 1`` chunks are in flight, which
    bounds memory.
    """

    def __init__(self, workers: int):
        self.workers = workers
        self._pool = None

    @property
    def started(self) -> bool:
        return self._pool is not None

    def start(self) -> None:
        """Start the workers now (they import GX in parallel with this process's reading)."""
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn, not fork: this process holds DuckDB and Arrow threads
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_worker_init)
            for _ in range(self.workers):
                self._pool.submit(_worker_ready)

    def submit(self, *args):
        self.start()
        return self._pool.submit(_worker_validate, *args)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _validate_chunks(case, spec: SuiteSpec, params: dict, store, opts: EngineOptions, *,
                     engine: str, gx: _Gx, scope: str | None, pool: _ChunkPool | None = None) -> InputValidation:
    """Validate chunk by chunk (the whole frame being one chunk for ``pandas``), in worker
    processes when ``pool`` is given and the input has more than one chunk."""
    from collections import deque

    outcomes = {e.check: Outcome.empty(spec.input, e) for e in spec.expectations}
    raw, rejects, stats = [], [], {}
    keys = _evidence_keys(spec)
    cap, mask = opts.max_examples, opts.mask_personal_data
    whole = engine == "pandas"
    parts = _chunks(case, spec.input, opts)
    if whole:  # one frame: concatenate accepted rows, keep rejects per part
        collected, last = [], None
        for part in parts:
            collected.append(part.frame)
            rejects.append(part.rejects)
            last = part
        frame = pd.concat(collected, ignore_index=True) if len(collected) > 1 else collected[0]
        parts = [_Part(frame, last.stats)]

    def fold(done: tuple[dict[str, Outcome], dict[str, Any]]) -> None:
        chunk_outcomes, evidence = done
        for check, o in chunk_outcomes.items():
            outcomes[check].merge(o, cap)
        raw.append(evidence)

    waiting: deque = deque()  # (args of a chunk not yet submitted | a future), in chunk order
    if pool is not None and not whole and _is_large(case, spec.input, opts):
        pool.start()
    in_pool = pool is not None and not whole and pool.started
    for i, part in enumerate(parts):
        if not whole:
            rejects.append(part.rejects)
        frame = part.frame
        stats = part.stats.as_dict()
        if store is not None:
            store.add(spec.input, frame)
        if len(frame) == 0:
            continue
        batch = {"chunk": i, "rows": len(frame), "first_source_row": int(frame["source_row"].iloc[0]),
                 "last_source_row": int(frame["source_row"].iloc[-1])}
        args = (spec, scope, params, frame, batch, cap, mask)
        if pool is None or whole:
            fold(_validate_one(gx, *args))
            continue
        if not in_pool and waiting:  # a second chunk: worth the workers
            in_pool = True
            waiting.append(pool.submit(*waiting.popleft()))
        waiting.append(pool.submit(*args) if in_pool else args)
        while len(waiting) > pool.workers + 1:
            fold(waiting.popleft().result())
    while waiting:
        item = waiting.popleft()
        fold(item.result() if in_pool else _validate_one(gx, *item))
    if scope == "row" and store is not None:
        for e in spec.population_level():
            pop = store.column_uniqueness(spec.input, e.column, keys, cap=opts.max_examples)
            o = outcomes[e.check]
            o.add(pop["element_count"], pop["unexpected_count"], pop["missing_count"], pop["examples"], opts.max_examples)
            raw.append({"batch": {"population": True, "engine": "duckdb", "check": e.check},
                        "result": {k: v for k, v in pop.items() if k != "examples"} | {
                            "examples": [mask_example(x) if opts.mask_personal_data else x for x in pop["examples"]]}})
    rej_total = sum(len(r) for r in rejects)
    return InputValidation(spec.input, engine, stats, _rejects_summary(rejects), list(outcomes.values()), raw, rej_total)


@dataclass
class _Part:
    frame: pd.DataFrame
    stats: Any


@ENGINES.register("pandas")
def _pandas_engine(case, spec: SuiteSpec, params: dict, store, opts: EngineOptions, gx: _Gx,
                   pool=None) -> InputValidation:
    """The whole accepted frame of the input in one GX batch."""
    return _validate_chunks(case, spec, params, store, opts, engine="pandas", gx=gx, scope=None)


@ENGINES.register("chunked")
def _chunked_engine(case, spec: SuiteSpec, params: dict, store, opts: EngineOptions, gx: _Gx,
                    pool: _ChunkPool | None = None) -> InputValidation:
    """Chunk by chunk; population-scope expectations in DuckDB over every chunk."""
    if store is None:
        raise WorkbenchError("the chunked engine needs a population store for uniqueness checks")
    return _validate_chunks(case, spec, params, store, opts, engine="chunked", gx=gx, scope="row", pool=pool)


def spark_session(master: str = DEFAULT_SPARK_MASTER, app_name: str = "breach-audit-workbench"):
    """A SparkSession for GX's Spark datasource: UTC session time, no UI, no console progress."""
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master(master).appName(app_name)
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .config("spark.sql.shuffle.partitions", "4")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def _spark_schema(name: str):
    from pyspark.sql import types as T

    from workbench.sources import SCHEMAS

    kinds = {"str": T.StringType(), "timestamp": T.TimestampType(), "date": T.TimestampType(),
             "int": T.LongType(), "float": T.DoubleType(), "bool": T.BooleanType()}
    fields = [T.StructField(c.name, kinds[c.kind], True) for c in SCHEMAS[name].columns]
    return T.StructType(fields + [T.StructField("source_row", T.LongType(), False)])


def _arrow_schema(spark_schema):
    """The Arrow schema whose Parquet files Spark reads as ``spark_schema`` (timestamps in
    UTC, microseconds: Spark's resolution)."""
    import pyarrow as pa
    from pyspark.sql import types as T

    kinds = {T.StringType: pa.string(), T.TimestampType: pa.timestamp("us", tz="UTC"), T.LongType: pa.int64(),
             T.DoubleType: pa.float64(), T.BooleanType: pa.bool_()}
    return pa.schema([pa.field(f.name, kinds[type(f.dataType)], f.nullable) for f in spark_schema.fields])


@ENGINES.register("spark")
def _spark_engine(case, spec: SuiteSpec, params: dict, store, opts: EngineOptions, gx: _Gx,
                  pool=None) -> InputValidation:
    """The same suite through GX's Spark datasource over the whole input.

    Accepted rows come from :mod:`workbench.sources` (so rejects and typing are the same
    as the other engines), chunk by chunk into Parquet files in a staging folder that
    Spark then reads: nothing is held in the driver (``createDataFrame`` from pandas kept
    every chunk in the driver's heap, which ran out of memory at 10M people with 4 GB).
    On a cluster, ``EngineOptions.spark_staging_dir`` must be storage the executors see.
    """
    import tempfile

    import pyarrow as pa
    import pyarrow.parquet as pq

    spark = opts.spark_session or spark_session(opts.spark_master)
    outcomes = {e.check: Outcome.empty(spec.input, e) for e in spec.expectations}
    schema = _spark_schema(spec.input)
    arrow = _arrow_schema(schema)
    rejects, stats, staged = [], {}, 0
    # removed at the end, or by its finalizer if validation raises
    staging = tempfile.TemporaryDirectory(prefix=f"workbench-spark-{spec.input}-", dir=opts.spark_staging_dir)
    for part in _chunks(case, spec.input, opts):
        rejects.append(part.rejects)
        stats = part.stats.as_dict()
        if store is not None:
            store.add(spec.input, part.frame)
        if len(part.frame):
            table = pa.Table.from_pandas(part.frame[schema.fieldNames()], schema=arrow, preserve_index=False,
                                         safe=False)  # nanoseconds to Spark's microseconds
            pq.write_table(table, Path(staging.name) / f"part-{staged:05d}.parquet")
            staged += 1
    sdf = spark.read.schema(schema).parquet(staging.name) if staged else None
    raw = []
    if sdf is not None:
        from pyspark import StorageLevel

        # GX runs every expectation as its own Spark job: without a cache each one would
        # ship the chunks from the driver again. Memory first, spilling to local disk.
        sdf = sdf.persist(StorageLevel.MEMORY_AND_DISK)
        try:
            sdf.count()
            bd = gx.batch_definition("spark", spec.input, {"spark.master": opts.spark_master})
            result = gx.validate(bd, sdf, gx.suite(spec, None), params, _evidence_keys(spec), opts.max_examples)
        finally:
            sdf.unpersist()
        _fold_suite_result(result, spec, outcomes, opts.max_examples)
        raw.append(_evidence_result(result, spec, opts.max_examples, opts.mask_personal_data,
                                    {"engine": "spark", "master": opts.spark_master}))
    staging.cleanup()
    return InputValidation(spec.input, "spark", stats, _rejects_summary(rejects), list(outcomes.values()), raw,
                           sum(len(r) for r in rejects))


@ENGINES.register("sql")
def _sql_engine(case, spec: SuiteSpec, params: dict, store, opts: EngineOptions, gx: _Gx,
                pool=None) -> InputValidation:
    """The suite run inside PostgreSQL through GX's SQL datasource (checks pushed down).

    The input is still streamed once through :mod:`workbench.sources` (server-side
    cursor) for its rejects, read statistics and the population store of the cross-input
    checks; the expectations, uniqueness included, then run as SQL over the whole table in
    one batch, on the typed columns, without the rejected rows. A file input, or a table
    whose column types do not hold the contract's kinds, is validated by ``chunked``.
    """
    from workbench import sql
    from workbench.case import SqlInput
    from workbench.sources import SCHEMAS

    sql_spec = case.input_spec(spec.input)
    if not isinstance(sql_spec, SqlInput):
        return _chunked_engine(case, spec, params, store, opts, gx)
    bound = sql.bind(sql_spec, case)
    probe = sql.validation_source(bound, SCHEMAS[spec.input], [])
    if probe.query is None:  # decided before reading: the population store must see each row once
        log.warning("%s: %s; validating it with the chunked engine", spec.input, probe.reason)
        return _chunked_engine(case, spec, params, store, opts, gx)
    rejects, stats, rejected_rows = [], {}, []
    for part in _chunks(case, spec.input, opts):
        rejects.append(part.rejects)
        rejected_rows += [int(r) for r in part.rejects["row"].dropna()]
        stats = part.stats.as_dict()
        if store is not None:
            store.add(spec.input, part.frame)
    source = sql.validation_source(bound, SCHEMAS[spec.input], rejected_rows) if rejected_rows else probe
    outcomes = {e.check: Outcome.empty(spec.input, e) for e in spec.expectations}
    ds_name = f"workbench_sql_{spec.input}"
    try:
        gx.context.data_sources.delete(ds_name)
    except Exception:  # absent: nothing to replace
        pass
    # the reader's read-only session and transactions, one statement per message
    ds = gx.context.data_sources.add_postgres(ds_name, connection_string=source.connection_string,
                                              kwargs=source.engine_kwargs)
    bd = ds.add_query_asset(spec.input, query=source.query).add_batch_definition_whole_table(f"{spec.input}_table")
    result = bd.get_batch().validate(gx.suite(spec, None), expectation_parameters=params,
                                     result_format=result_format(_evidence_keys(spec), opts.max_examples))
    _fold_suite_result(result, spec, outcomes, opts.max_examples)
    raw = [_evidence_result(result, spec, opts.max_examples, opts.mask_personal_data,
                            {"engine": "sql", "source": stats.get("path")})]
    return InputValidation(spec.input, "sql", stats, _rejects_summary(rejects), list(outcomes.values()), raw,
                           sum(len(r) for r in rejects))


def duckdb_url(db_path: str | Path) -> str:
    """The SQLAlchemy URL (duckdb-engine) of a DuckDB file."""
    from sqlalchemy.engine import URL

    return URL.create("duckdb", database=Path(db_path).resolve().as_posix()).render_as_string(hide_password=False)


def _duckdb_connect_args() -> dict[str, Any]:
    """duckdb-engine's connection arguments: read-only, the workbench's memory limit,
    spill folder and UTC (so timestamps in examples read as in the other engines)."""
    from workbench.duck import settings

    # duckdb-engine passes the settings DuckDB lists to duckdb.connect(), which refuses
    # TimeZone there (an ICU setting); a name it does not find (lower case) it SETs after
    # connecting, which DuckDB accepts (setting names are case-insensitive)
    return {"read_only": True, "config": {k.lower(): v for k, v in settings().items()}}


def validate_duckdb(db_path: str | Path, tables: dict[str, str], specs: dict[str, SuiteSpec],
                    params: dict[str, Any], opts: EngineOptions | None = None, *, gx: _Gx | None = None,
                    population=None, reads: dict[str, tuple[dict[str, Any], pd.DataFrame]] | None = None
                    ) -> list[InputValidation]:
    """Validate inputs stored in a DuckDB file with GX's SQL datasource (checks as SQL).

    The file (the case store's ``store/case.duckdb``, :class:`workbench.store.CaseStore`) is
    opened read-only; each suite, uniqueness included, runs over its whole table in one
    batch. Outcomes, examples (the first ``max_examples`` failing rows by business key and
    ``source_row``, in file order) and evidence have the shapes, and the values, of the
    ``chunked`` engine's.

    Parameters
    ----------
    db_path : the DuckDB file. No process may be writing to it, and no connection of this
        process may hold it open (DuckDB refuses a second configuration of one file).
    tables : input name -> table or view name in the file.
    specs : input name -> suite (:func:`load_suite_spec`), for every input of ``tables``.
    reads : input name -> (read statistics as :meth:`InputStats.as_dict`, rejected rows), as
        the intake recorded them; an input without one is described by its row count.
    params : suite parameters (:func:`suite_parameters`).
    opts : example cap, masking of evidence, progress bars.
    gx : a GX context to reuse (one is made when not given).
    population : a :class:`workbench.population.PopulationStore` to fill with the key
        columns of every table, for the cross-input checks.

    Returns
    -------
    list of InputValidation, in the order of ``tables``, engine ``duckdb``.
    """
    import time as _time

    opts = opts or EngineOptions()
    gx = gx or _Gx(progress_bars=opts.progress_bars)
    cap = opts.max_examples
    reads = {**_row_counts(db_path, {n: t for n, t in tables.items() if n not in (reads or {})}), **(reads or {})}
    if population is not None:
        for name, table in tables.items():
            population.add_duckdb_table(name, db_path, table)
    _gx_duckdb_support()
    sources = gx.context.data_sources
    ds_name = "workbench_duckdb"
    try:
        sources.delete(ds_name)
    except Exception:  # absent: nothing to replace
        pass
    ds = sources.add_sql(ds_name, connection_string=duckdb_url(db_path), kwargs={"connect_args": _duckdb_connect_args()})
    out = []
    try:
        for name, table in tables.items():
            spec, (stats, rejects) = specs[name], reads[name]
            outcomes = {e.check: Outcome.empty(name, e) for e in spec.expectations}
            raw = []
            if stats.get("rows_accepted"):  # as chunked: no batch for an input of no rows
                t0 = _time.perf_counter()
                bd = ds.add_table_asset(name, table_name=table).add_batch_definition_whole_table(f"{name}_table")
                result = bd.get_batch().validate(gx.suite(spec, None), expectation_parameters=params,
                                                 result_format=result_format(_evidence_keys(spec), cap))
                _fold_suite_result(result, spec, outcomes, cap)
                raw.append(_evidence_result(result, spec, cap, opts.mask_personal_data,
                                            {"engine": "duckdb", "table": table}))
                log.info("%s: suite run in DuckDB in %.1f s", name, _time.perf_counter() - t0)
            out.append(InputValidation(name, "duckdb", stats, _rejects_summary([rejects]),
                                       list(outcomes.values()), raw, len(rejects)))
    finally:  # release the file: both of GX's engines hold a connection to it
        ds.get_execution_engine().close()
        ds.get_engine().dispose()
        sources.delete(ds_name)
    return out


def _row_counts(db_path: str | Path, tables: dict[str, str]) -> dict[str, tuple[dict[str, Any], pd.DataFrame]]:
    """Reads of tables made by other means than the intake: every row accepted, none rejected."""
    import duckdb

    from workbench.sources import empty_rejects

    if not tables:
        return {}
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        out = {}
        for name, table in tables.items():
            n = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            out[name] = ({"name": name, "path": f"{db_path}:{table}", "kind": "duckdb",
                          "rows_read": n, "rows_accepted": n, "rows_rejected": 0}, empty_rejects())
        return out
    finally:
        con.close()


def _store_reads(case_store, names) -> dict[str, tuple[dict[str, Any], pd.DataFrame]]:
    return {n: (case_store.record(n).input_stats().as_dict(), case_store.rejects(n)) for n in names}


@ENGINES.register("duckdb")
def _duckdb_engine(case, spec: SuiteSpec, params: dict, store, opts: EngineOptions, gx: _Gx,
                   pool=None) -> InputValidation:
    """The suite run as SQL in the case store's DuckDB file (:func:`validate_duckdb`).

    Without a case store (a caller outside a run), the input is first read into a
    temporary one, in ``EngineOptions.store_dir`` (default: the system's temporary folder).
    """
    import tempfile

    from workbench.store import build_store

    def run(case_store) -> InputValidation:
        return validate_duckdb(case_store.duckdb_path, {spec.input: spec.input}, {spec.input: spec}, params, opts,
                               gx=gx, population=store, reads=_store_reads(case_store, [spec.input]))[0]

    if opts.case_store is not None:
        return run(opts.case_store)
    with tempfile.TemporaryDirectory(prefix=f"workbench-store-{spec.input}-", dir=opts.store_dir) as folder:
        return run(build_store(case, folder, names=[spec.input], chunk_rows=opts.chunk_rows or 500_000))


# --------------------------------------------------------------------------- validation API

def validate_frame(frame: pd.DataFrame, spec: SuiteSpec, params: dict[str, Any], *,
                   max_examples: int = DEFAULT_MAX_EXAMPLES, gx: _Gx | None = None) -> list[Outcome]:
    """Validate one in-memory frame with every expectation of a suite (pandas engine).

    A pure check on a frame: no files read or written. Population-scope expectations see
    only this frame, which is the whole population when the frame is.
    """
    gx = gx or _Gx()
    outcomes = {e.check: Outcome.empty(spec.input, e) for e in spec.expectations}
    if len(frame):
        frame = frame if "source_row" in frame.columns else frame.assign(source_row=range(1, len(frame) + 1))
        result = gx.validate(gx.batch_definition("pandas", spec.input), frame, gx.suite(spec, None),
                             params, _evidence_keys(spec), max_examples)
        _fold_suite_result(result, spec, outcomes, max_examples)
    return list(outcomes.values())


def validate_case(case, engine: str = "chunked", *, names: Iterable[str] | None = None,
                  options: EngineOptions | None = None, store=None,
                  expectations: str | Path | None = None) -> list[InputValidation]:
    """Validate every declared input of a case (or ``names``) with the named engine.

    ``store`` is a :class:`workbench.population.PopulationStore` that the engine feeds
    with the key columns of every row read; one is made (and closed) when not given.
    """
    from workbench.population import PopulationStore

    run_engine = ENGINES.get(engine)
    opts = options or EngineOptions(mask_personal_data=case.parameters.mask_personal_data)
    wanted = [n for n in (names or case.declared_inputs()) if case.input_spec(n) is not None]
    specs = load_suites(wanted, expectations)
    params = suite_parameters(case)
    gx = _Gx(progress_bars=opts.progress_bars)
    own_store = store is None
    store = store or PopulationStore(specs)
    workers = opts.worker_count()
    pool = _ChunkPool(workers) if workers > 1 else None  # engines that cannot use it ignore it
    try:
        return [run_engine(case, specs[n], params, store, opts, gx, pool=pool) for n in wanted]
    finally:
        if pool is not None:
            pool.close()
        if own_store:
            store.close()


# --------------------------------------------------------------------------- findings

def _pct(n: int, d: int) -> float:
    return round(100.0 * n / d, 4) if d else 0.0


def findings_for(validations: Iterable[InputValidation], *, mask: bool = True) -> list[Finding]:
    """Findings (category ``data_quality``) from validated inputs.

    One per failing expectation per input, one per input with rows that could not be
    parsed, one per expectation that could not be evaluated.
    """
    out = []
    for v in validations:
        if v.rejects_total:
            s = v.stats
            by_field = {f"{r.field}: {r.reason_kind}": int(r.rows) for r in v.rejects.itertuples()}
            out.append(Finding(
                category="data_quality", code=f"dq.{v.input}.rows_rejected", severity="high",
                title=f"{v.input}: {v.rejects_total} row(s) could not be parsed",
                detail=(f"{s.get('rows_read')} rows read = {s.get('rows_accepted')} accepted + "
                        f"{s.get('rows_rejected')} rejected; rejected rows are kept in the rejects table and "
                        "are not assessed by any other check."),
                subject=v.input, count=v.rejects_total,
                evidence={"rows_read": s.get("rows_read"), "rows_accepted": s.get("rows_accepted"),
                          "rows_rejected": s.get("rows_rejected"), "by_field": by_field,
                          "first_rows": sorted({int(x) for r in v.rejects.itertuples()
                                                for x in str(r.first_rows).split(",") if x})[:DEFAULT_MAX_EXAMPLES],
                          "file_sha256": s.get("sha256")}))
        for o in v.outcomes:
            if o.error:
                out.append(Finding(
                    category="data_quality", code=f"dq.{v.input}.{o.check}.not_evaluated", severity=o.severity,
                    title=f"{v.input}: check '{o.check}' could not be evaluated",
                    detail=f"{o.rationale} The expectation raised an error: {o.error}",
                    subject=v.input, count=0, evidence={"expectation": o.type, "column": o.column, "engine": v.engine}))
            elif o.unexpected_count:
                examples = [mask_example(x) if mask else x for x in o.examples]
                out.append(Finding(
                    category="data_quality", code=f"dq.{v.input}.{o.check}", severity=o.severity,
                    title=f"{v.input}: {o.unexpected_count} row(s) fail '{o.check}'",
                    detail=(f"{o.rationale} {o.unexpected_count} of {o.element_count} rows "
                            f"({_pct(o.unexpected_count, o.element_count)}%) fail {o.type} on {o.column}."),
                    subject=v.input, count=o.unexpected_count,
                    evidence={"expectation": o.type, "column": o.column, "element_count": o.element_count,
                              "unexpected_count": o.unexpected_count, "missing_count": o.missing_count,
                              "unexpected_percent": _pct(o.unexpected_count, o.element_count),
                              "examples": examples, "examples_capped": o.unexpected_count > len(examples),
                              "engine": v.engine, "evidence_file": f"evidence/gx/{v.input}.json"}))
    return out


# --------------------------------------------------------------------------- evidence

def write_evidence(run_dir: str | Path, validations: Iterable[InputValidation], params: dict[str, Any]) -> list[Path]:
    """Raw validation results, one JSON file per input under ``evidence/gx/`` (no Data Docs)."""
    from workbench.artifacts import atomic_write_text

    folder = Path(run_dir) / "evidence" / "gx"
    paths = []
    for v in validations:
        doc = {"input": v.input, "engine": v.engine, "read": v.stats, "suite_parameters": params,
               "outcomes": [{"check": o.check, "type": o.type, "column": o.column, "severity": o.severity,
                             "scope": o.scope, "element_count": o.element_count,
                             "unexpected_count": o.unexpected_count, "missing_count": o.missing_count,
                             "success": o.success, "error": o.error} for o in v.outcomes],
               "batches": v.raw_results}
        path = folder / f"{v.input}.json"
        atomic_write_text(path, json.dumps(doc, indent=1, default=_plain, ensure_ascii=False) + "\n")
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- display tables

def summary_table(validations: Iterable[InputValidation]) -> pd.DataFrame:
    """Per input: rows read / accepted / rejected (reconciled), expectations passed and failed."""
    rows = []
    for v in validations:
        s = v.stats
        rows.append({"input": v.input, "engine": v.engine, "rows_read": s.get("rows_read", 0),
                     "rows_accepted": s.get("rows_accepted", 0), "rows_rejected": s.get("rows_rejected", 0),
                     "reconciles": s.get("rows_read", 0) == s.get("rows_accepted", 0) + s.get("rows_rejected", 0),
                     "expectations": len(v.outcomes), "passed": sum(o.success for o in v.outcomes),
                     "failed": sum(not o.success for o in v.outcomes),
                     "unexpected_rows": sum(o.unexpected_count for o in v.outcomes)})
    return pd.DataFrame(rows)


def outcomes_table(validations: Iterable[InputValidation]) -> pd.DataFrame:
    """One row per expectation per input with its exact counts."""
    rows = [{"input": o.input, "check": o.check, "severity": o.severity, "expectation": o.type,
             "column": o.column, "scope": o.scope, "element_count": o.element_count,
             "unexpected_count": o.unexpected_count, "missing_count": o.missing_count,
             "unexpected_percent": _pct(o.unexpected_count, o.element_count),
             "success": o.success, "error": o.error}
            for v in validations for o in v.outcomes]
    return pd.DataFrame(rows)


def examples_table(validations: Iterable[InputValidation], *, mask: bool = True, per_check: int = 5) -> pd.DataFrame:
    """Failing rows by business key, personal values masked."""
    rows = []
    for v in validations:
        for o in v.outcomes:
            for ex in o.examples[:per_check]:
                ex = mask_example(ex) if mask else ex
                keys = {k: ex.get(k) for k in ex if k != o.column}
                rows.append({"input": v.input, "check": o.check, "severity": o.severity,
                             "row": json.dumps(keys, default=str, ensure_ascii=False),
                             "value": None if o.column not in ex else str(ex[o.column])})
    return pd.DataFrame(rows, columns=["input", "check", "severity", "row", "value"])


# --------------------------------------------------------------------------- the stage

@dataclass
class DataQuality:
    """What the data-quality stage found, as its notebook shows it (the stage's view)."""

    findings: list[Finding]
    assessed: dict[str, assessment.Assessment]
    summary: pd.DataFrame
    outcomes: pd.DataFrame
    examples: pd.DataFrame
    rejects: pd.DataFrame
    jurisdictions: pd.DataFrame
    evidence_files: list[Path]
    validations: list[InputValidation] = field(repr=False, default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables the report shows, by artifact name (every figure has its numbers here)."""
        return {"summary": self.summary, "outcomes": self.outcomes, "examples": self.examples,
                "rejects": self.rejects, "jurisdictions": self.jurisdictions}


def failures_figure(result: DataQuality, top: int = 30):
    """Unexpected rows per failing expectation, most severe first (log scale when counts
    span orders of magnitude)."""
    import matplotlib.pyplot as plt

    from workbench.findings import SEVERITY_RANK

    o = result.outcomes
    failed = o[o["unexpected_count"] > 0].copy() if len(o) else o
    fig, ax = plt.subplots(figsize=(9, max(2.5, 0.3 * min(len(failed), top) + 1)))
    if not len(failed):
        ax.text(0.5, 0.5, "every expectation passed", ha="center", va="center")
        ax.set_axis_off()
        return fig
    failed["rank"] = failed["severity"].map(SEVERITY_RANK)
    failed = failed.sort_values(["rank", "unexpected_count"], ascending=[True, False]).head(top).iloc[::-1]
    colours = {"critical": "#8b0000", "high": "#d62728", "medium": "#ff7f0e", "low": "#bcbd22", "info": "#7f7f7f"}
    ax.barh(failed["input"] + " · " + failed["check"], failed["unexpected_count"],
            color=[colours[s] for s in failed["severity"]])
    counts = failed["unexpected_count"]
    if counts.max() > 100 * counts.min():  # counts spanning orders of magnitude
        ax.set_xscale("log")
        ax.set_xlim(left=0.5)
        ax.set_xlabel("rows failing (log scale)")
    else:
        ax.set_xlabel("rows failing")
    from matplotlib.patches import Patch

    shown = [s for s in colours if s in set(failed["severity"])]
    ax.legend(handles=[Patch(color=colours[s], label=s) for s in shown], title="severity", loc="lower right")
    ax.set_title("Failing expectations, coloured by severity")
    fig.tight_layout()
    return fig


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


def run_stage(case, run_dir: str | Path, engine: str = "auto", *, spark_master: str = DEFAULT_SPARK_MASTER,
              options: EngineOptions | None = None, expectations: str | Path | None = None) -> DataQuality:
    """Validate every input, run the whole-population checks, keep the evidence.

    Parameters
    ----------
    case : workbench.case.Case, or the path of a case.yaml
    run_dir : the run folder; evidence goes to ``<run_dir>/evidence/gx/``.
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
    with PopulationStore(specs) as store:
        validations = validate_case(case, engine, names=declared, options=opts, store=store,
                                    expectations=expectations)
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
