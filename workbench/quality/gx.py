"""Great Expectations plumbing: the one module of the workbench that imports GX.

An ephemeral context made on first use (:class:`_Gx`), the suites built as GX objects
(:func:`build_gx_suite`), the result format the engines ask for (:func:`result_format`),
and the workarounds GX 1.24 needs for DuckDB (:func:`_gx_duckdb_support`, applied only on
the way to a DuckDB datasource; its docstring says what to delete when GX supports DuckDB).
The engines (:mod:`workbench.quality.engines`) reach GX only through these.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.quality.suites import SuiteError, SuiteSpec

log = logging.getLogger("workbench.quality")


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

    Called by :func:`workbench.quality.engines.duckdb_sql.validate_duckdb` before it builds a
    SQL datasource for a ``duckdb://`` URL; nothing else calls it. It works around two gaps of
    GX 1.24.1, neither of them DuckDB's:

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
    :func:`workbench.quality.engines.duckdb_sql.validate_duckdb`, ``_DialectName``,
    ``_duckdb_regex_expression``, ``_GX_REGEX_MODULES`` and ``_GX_ORIGINALS`` (all in this
    module), and the tests of the workaround in ``tests/quality/test_duckdb_engine.py``.
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
                             "review workbench.quality.gx._gx_duckdb_support for this version")
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
    chunks for its workers (:class:`workbench.quality.engines.chunked._ChunkPool`) never needs
    to pay.

    Every batch is validated as GX's users know it: the input's suite and batch definition
    are a ``ValidationDefinition``, run by that input's ``Checkpoint`` (:meth:`validate`).
    One Checkpoint per input, not per run: a Checkpoint passes the same ``batch_parameters``
    to each of its validation definitions, and each input's batch (its frame, or its chunk)
    is its own. Each run's result stays in the context's (in-memory) validation results
    store and in :attr:`results`, from which Data Docs are rendered without validating again
    (:meth:`build_data_docs`).
    """

    def __init__(self, progress_bars: bool = False):
        self._progress_bars = progress_bars
        self._loaded: tuple[Any, Any] | None = None
        self._batch_defs: dict[tuple[str, str], Any] = {}
        self._suites: dict[tuple[str, str], Any] = {}
        self._checkpoints: dict[tuple[int, str, str], tuple[Any, Any]] = {}
        #: (input name, GX ValidationResultIdentifier, ExpectationSuiteValidationResult) of
        #: every Checkpoint run in this process, in order.
        self.results: list[tuple[str, Any, Any]] = []

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

    def suite(self, spec: SuiteSpec, scope: str | tuple[str, ...] | None):
        """The GX suite of ``spec`` (one scope only, or a tuple of scopes, when given), added
        to the context once.

        A scoped suite is named ``<input>.<scope>`` (``<input>.row_aggregate`` for a tuple)
        so that it never replaces the whole one.
        """
        label = scope if scope is None or isinstance(scope, str) else "_".join(scope)
        key = (spec.input, label or "all")
        if key not in self._suites:
            suite = build_gx_suite(spec, scope, gx=self.gx)
            if label is not None:
                suite.name = f"{spec.input}.{label}"
            self._suites[key] = self.context.suites.add(suite)
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

    def checkpoint(self, input_name: str, batch_def, suite, keys: list[str], cap: int, fmt: dict | None = None):
        """The input's Checkpoint: one ValidationDefinition (``suite`` on ``batch_def``),
        the workbench's :func:`result_format` (or ``fmt``), no actions. Made once per batch
        definition."""
        key = (id(batch_def), suite.name, input_name)
        if key not in self._checkpoints:
            gx, context = self._load()
            name = f"{input_name}.{suite.name}.{len(self._checkpoints)}"  # unique: a datasource may be re-made
            vd = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch_def, suite=suite))
            checkpoint = context.checkpoints.add(gx.Checkpoint(
                name=name, validation_definitions=[vd], result_format=fmt or result_format(keys, cap)))
            self._checkpoints[key] = (batch_def, checkpoint)  # the batch definition held: its id stays its own
        return self._checkpoints[key][1]

    def validate(self, input_name: str, batch_def, suite, params: dict, keys: list[str], cap: int, *,
                 dataframe=None, fmt: dict | None = None, keep: bool = True):
        """Run the input's Checkpoint on one batch (``dataframe``, or the batch definition's
        whole table) and return its one ExpectationSuiteValidationResult (kept in
        :attr:`results` unless ``keep`` is false; then also its identifier)."""
        from great_expectations.core.run_identifier import RunIdentifier

        checkpoint = self.checkpoint(input_name, batch_def, suite, keys, cap, fmt)
        run = checkpoint.run(batch_parameters=None if dataframe is None else {"dataframe": dataframe},
                             expectation_parameters=params,
                             run_id=RunIdentifier(run_name=input_name, run_time=_utc_now()))
        (identifier, result), = run.run_results.items()
        if not keep:
            return identifier, result
        self.results.append((input_name, identifier, result))
        return result

    def validate_counts_then_examples(self, spec: SuiteSpec, scope, batch_def, params: dict, keys: list[str],
                                      cap: int):
        """Run the input's Checkpoint for counts only, then ask GX for the examples of the
        expectations that failed; return (and keep) the one suite result of both.

        The Checkpoint runs ``spec`` (``scope``) with :data:`COUNTS_ONLY`: every count, no
        example query (GX's SUMMARY format runs two queries per expectation for its
        examples, each a scan of the whole table when nothing fails). The row expectations
        with unexpected rows are then validated again by GX on the same batch with the
        workbench's :func:`result_format` (their counts from GX's metric cache,
        :class:`_bundled_metrics_from_cache`, and the first ``cap`` failing rows, queried);
        each of their results replaces its counts-only one in the
        Checkpoint's result, whose ``meta["workbench_examples"]`` names them. Every result
        in it is GX's. Used on SQL batches (the ``duckdb`` engine), where a query is a scan.
        """
        identifier, result = self.validate(spec.input, batch_def, self.suite(spec, scope), params, keys, cap,
                                           fmt=COUNTS_ONLY, keep=False)
        row_checks = {e.check for e in spec.row_level()}
        failed = [r.expectation_config.meta.get("check") for r in result.results
                  if (r.expectation_config.meta or {}).get("check") in row_checks and not r.success
                  and not (r.exception_info or {}).get("raised_exception") and (r.result or {}).get("unexpected_count")]
        if failed:
            suite = build_gx_suite(spec, scope, gx=self.gx, checks=failed)
            suite.name = f"{spec.input}.failed_examples"
            with _bundled_metrics_from_cache(batch_def.data_asset.datasource.get_execution_engine()):
                again = batch_def.get_batch().validate(suite, result_format=result_format(keys, cap),
                                                       expectation_parameters=params)
            by_check = {r.expectation_config.meta.get("check"): r for r in again.results}
            for i, r in enumerate(result.results):
                check = (r.expectation_config.meta or {}).get("check")
                if check in by_check:
                    new = by_check[check]
                    if (new.success, (new.result or {}).get("unexpected_count")) != (
                            r.success, (r.result or {}).get("unexpected_count")):
                        raise WorkbenchError(f"{spec.input}.{check}: GX counted {r.result.get('unexpected_count')} "
                                             f"then {(new.result or {}).get('unexpected_count')} unexpected rows "
                                             "on the same read-only batch")
                    new.expectation_config = r.expectation_config  # the Checkpoint suite's (its id)
                    result.results[i] = new
        result.meta["workbench_examples"] = {
            "counts": "the Checkpoint run with result format BASIC and no examples (partial_unexpected_count 0)",
            "examples_of": failed,
            "examples": f"each failed row expectation validated again by GX on the batch, result format SUMMARY "
                        f"({cap} examples by {', '.join(keys)}; its counts from GX's metric cache)"}
        self.results.append((spec.input, identifier, result))
        return result


    def build_data_docs(self, folder: Path, *, cap: int, mask: bool) -> dict[str, list[Path]]:
        """GX's Data Docs of every Checkpoint run of this context, into ``folder``.

        Rendered from the validation results the Checkpoints stored (nothing is validated
        again), through a local site whose ``base_directory`` is ``folder``. Before
        rendering, each stored result is replaced by a copy with lists capped at ``cap``
        and, when ``mask``, personal values masked as in the evidence files. Returns the
        validation pages by input name, in run order. The HTML is GX's, external links
        included: :func:`workbench.quality.datadocs.build_site` makes it self-contained.
        """
        from urllib.parse import unquote, urlparse

        context = self.context
        site = "workbench_run"
        config = {"class_name": "SiteBuilder", "show_how_to_buttons": False,
                  "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder)},
                  "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}}
        if site in context.list_data_docs_sites():
            context.update_data_docs_site(site, config)
        else:
            context.add_data_docs_site(site, config)
        store = context.validation_results_store
        for _, key, result in self.results:
            store.set(key, _masked_copy(result, cap, mask))
        context.build_data_docs(site_names=[site])
        pages: dict[str, list[Path]] = {}
        for name, key, _ in self.results:
            for url in context.get_docs_sites_urls(resource_identifier=key, site_name=site):
                pages.setdefault(name, []).append(Path(unquote(urlparse(url["site_url"]).path)))
        return pages


class _bundled_metrics_from_cache:
    """While in this block, GX's SQL engine takes the aggregate metrics (counts) it already
    computed on a batch from its own metric cache instead of querying them again.

    GX 1.24.1 keeps every metric it resolves in ``ExecutionEngine._metric_cache`` (keyed by
    the metric's id: its name, batch and arguments) but reads the cache only for a
    metric's dependencies, never for the metric asked for
    (``great_expectations/execution_engine/execution_engine.py``,
    ``_process_direct_and_bundled_metric_computation_configurations``). So when
    :meth:`_Gx.validate_counts_then_examples` asks GX for the examples of the failed
    expectations, GX would count their unexpected rows again: a scan of the whole table
    per domain (a regex over every e-mail address at 10M people). Here the engine's
    ``resolve_metric_bundle`` is wrapped (on this one engine object, for the block only)
    to answer from the cache the bundled metrics whose id is in it and to query the rest.
    Only aggregate (bundled) metrics are taken: the example lists are direct metrics and
    are always queried. Remove when GX reads its metric cache for requested metrics.
    """

    def __init__(self, engine):
        self.engine = engine

    def __enter__(self):
        engine = self.engine
        original = engine.resolve_metric_bundle

        def resolve_metric_bundle(metric_fn_bundle):
            cache = getattr(engine, "_metric_cache", None) or {}
            bundle = list(metric_fn_bundle)
            known = {c.metric_configuration.id: cache[c.metric_configuration.id] for c in bundle
                     if c.metric_configuration.id in cache}
            rest = [c for c in bundle if c.metric_configuration.id not in known]
            log.debug("GX: %d bundled metrics from its cache, %d queried", len(known), len(rest))
            return known | (original(metric_fn_bundle=rest) if rest else {})

        engine.resolve_metric_bundle = resolve_metric_bundle  # this instance only
        return self

    def __exit__(self, *exc) -> None:
        self.engine.__dict__.pop("resolve_metric_bundle", None)


def _masked_copy(result, cap: int, mask: bool):
    """A suite validation result as the evidence keeps it: lists capped, personal values masked."""
    import copy

    from workbench.quality.evidence import _mask_result_dict

    out = copy.deepcopy(result)
    for r in out.results:
        column = (r.expectation_config.kwargs or {}).get("column")
        r.result = _mask_result_dict({"result": r.result or {}}, column, cap, mask)["result"]
    return out


def _utc_now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


#: GX's result format for counts only: BASIC with no example list, so that GX runs no
#: example query (the one it still builds has ``LIMIT 0``).
COUNTS_ONLY: dict[str, Any] = {"result_format": "BASIC", "partial_unexpected_count": 0}


def result_format(keys: list[str], cap: int) -> dict[str, Any]:
    """GX's SUMMARY format: exact counts and the first ``cap`` failing rows named by ``keys``.

    COMPLETE would list every failing row (and a query naming them all), which we then cut
    to ``cap`` examples: at 10M people that cost a sixth of GX's time for nothing.
    """
    return {"result_format": "SUMMARY", "unexpected_index_column_names": keys, "partial_unexpected_count": cap}


def build_gx_suite(spec: SuiteSpec, scope: str | tuple[str, ...] | None = None, *, gx=None,
                   checks: list[str] | None = None):
    """The GX ExpectationSuite of a suite file (optionally one scope, or a tuple of scopes,
    only; optionally only the named ``checks``).

    Raises SuiteError naming the file when GX rejects an expectation.
    """
    if gx is None:
        os.environ["GX_ANALYTICS_ENABLED"] = "false"
        import great_expectations as gx
    gx_logger = logging.getLogger("great_expectations")
    previous = gx_logger.level
    gx_logger.setLevel(logging.CRITICAL)  # GX logs a traceback before raising; we raise a clear error instead
    try:
        return gx.ExpectationSuite(**spec.gx_document(scope, checks=checks))
    except Exception as err:  # GX raises pydantic and its own errors here
        msg = " ".join(str(err).split())
        raise SuiteError(spec.path, f"Great Expectations rejects the suite: {msg[:500]}") from None
    finally:
        gx_logger.setLevel(previous)
