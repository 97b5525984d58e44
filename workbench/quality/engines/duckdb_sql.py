"""The ``duckdb`` engine: the suites run as SQL in a DuckDB file by GX's SQL datasource.

The input is typed once into a DuckDB file (:mod:`workbench.store`, the case store), then
:func:`validate_duckdb` runs the suites there: the same counts and examples as ``chunked``.
GX counts every expectation of a suite but uniqueness, then gives the examples of those that
failed only; uniqueness is one GROUP BY of the workbench's, as in ``chunked``.
GX 1.24 needs two workarounds for DuckDB, applied only here:
:func:`workbench.quality.gx._gx_duckdb_support`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from workbench.quality.engines.base import ENGINES, EngineOptions, _population_checks, _rejects_summary
from workbench.quality.evidence import _evidence_result
from workbench.quality.gx import _Gx, _gx_duckdb_support
from workbench.quality.outcomes import InputValidation, Outcome, _fold_suite_result
from workbench.quality.suites import SuiteSpec, _evidence_keys

log = logging.getLogger("workbench.quality")


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
                    population=None, reads: dict[str, tuple[dict[str, Any], pd.DataFrame]] | None = None,
                    population_by_view: bool = False
                    ) -> list[InputValidation]:
    """Validate inputs stored in a DuckDB file with GX's SQL datasource (checks as SQL).

    The file (the case store's ``store/case.duckdb``, :class:`workbench.store.CaseStore`) is
    opened read-only; each suite runs over its whole table in one batch, by GX, in two
    steps (:meth:`workbench.quality.gx._Gx.validate_counts_then_examples`): the input's
    Checkpoint for every count, then GX again for the examples of the expectations that
    failed only. The uniqueness expectations (scope ``population``) are not GX's here, as
    in the ``chunked`` engine: one GROUP BY each in the population store
    (:func:`workbench.quality.engines.base._population_checks`; GX would run three window
    queries over every row for each), recorded as such in the evidence and in the Data
    Docs' index. Outcomes, examples (the first ``max_examples`` failing rows by business
    key and ``source_row``, in file order) and evidence have the shapes, and the values,
    of the ``chunked`` engine's.

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
        columns of every table, for the cross-input checks and the uniqueness expectations
        (when not given, one is made for the uniqueness expectations and closed).
    population_by_view : the file outlives ``population`` (a run's case store): its inputs
        are taken as views over their Parquet files, not copied.

    Returns
    -------
    list of InputValidation, in the order of ``tables``, engine ``duckdb``.
    """
    import time as _time

    opts = opts or EngineOptions()
    gx = gx or _Gx(progress_bars=opts.progress_bars)
    cap = opts.max_examples
    reads = {**_row_counts(db_path, {n: t for n, t in tables.items() if n not in (reads or {})}), **(reads or {})}
    own_population = population is None and any(specs[n].population_level() for n in tables)
    if own_population:
        from workbench.population import PopulationStore

        population = PopulationStore({n: specs[n] for n in tables})
    if population is not None:
        for name, table in tables.items():
            population.add_duckdb_table(name, db_path, table, by_view=population_by_view)
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
                # uniqueness is the workbench's (below): GX runs the rest, or the whole suite when that is all
                scope = ("row", "aggregate") if spec.population_level() else None
                result = gx.validate_counts_then_examples(spec, scope, bd, params, _evidence_keys(spec), cap)
                _fold_suite_result(result, spec, outcomes, cap)
                raw.append(_evidence_result(result, spec, cap, opts.mask_personal_data,
                                            {"engine": "duckdb", "table": table}))
                _population_checks(population, spec, outcomes, raw, opts)
                log.info("%s: suite run in DuckDB in %.1f s", name, _time.perf_counter() - t0)
            out.append(InputValidation(name, "duckdb", stats, _rejects_summary([rejects]),
                                       list(outcomes.values()), raw,
                                       # exact, even where the rejects file was capped
                                       int(stats.get("rows_rejected", len(rejects)))))
    finally:  # release the file: both of GX's engines hold a connection to it
        ds.get_execution_engine().close()
        ds.get_engine().dispose()
        sources.delete(ds_name)
        if own_population:
            population.close()
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

    def run(case_store, by_view: bool = False) -> InputValidation:
        return validate_duckdb(case_store.duckdb_path, {spec.input: spec.input}, {spec.input: spec}, params, opts,
                               gx=gx, population=store, reads=_store_reads(case_store, [spec.input]),
                               population_by_view=by_view)[0]

    if opts.case_store is not None:  # the run's store outlives the population store
        return run(opts.case_store, by_view=True)
    with tempfile.TemporaryDirectory(prefix=f"workbench-store-{spec.input}-", dir=opts.store_dir) as folder:
        return run(build_store(case, folder, names=[spec.input], chunk_rows=opts.chunk_rows or 500_000))
