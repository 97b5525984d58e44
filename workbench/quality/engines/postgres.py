"""The ``sql`` engine: the suites pushed down to PostgreSQL for a database input.

A file input, or a table whose column types do not hold the contract's kinds, is validated
by the ``chunked`` engine instead.
"""

from __future__ import annotations

import logging

from workbench.quality.engines.base import ENGINES, EngineOptions, _chunks, _rejects_summary
from workbench.quality.engines.chunked import _chunked_engine
from workbench.quality.evidence import _evidence_result
from workbench.quality.gx import _Gx
from workbench.quality.outcomes import InputValidation, Outcome, _fold_suite_result
from workbench.quality.suites import SuiteSpec, _evidence_keys

log = logging.getLogger("workbench.quality")


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
    result = gx.validate(spec.input, bd, gx.suite(spec, None), params, _evidence_keys(spec), opts.max_examples)
    _fold_suite_result(result, spec, outcomes, opts.max_examples)
    raw = [_evidence_result(result, spec, opts.max_examples, opts.mask_personal_data,
                            {"engine": "sql", "source": stats.get("path")})]
    return InputValidation(spec.input, "sql", stats, _rejects_summary(rejects), list(outcomes.values()), raw,
                           sum(len(r) for r in rejects))
