"""The ``pandas`` and ``chunked`` engines: GX over in-memory frames, chunk by chunk.

``pandas`` validates the whole accepted frame of an input in one GX batch (small and
medium cases). ``chunked`` validates chunk by chunk, counts summed exactly; the chunks of a
large input are validated in worker processes (:class:`_ChunkPool`, one per CPU) while this
process reads the next ones and feeds the population store. Expectations whose
``meta.scope`` is ``population`` (uniqueness) are not valid per chunk; they run over the
whole population in DuckDB (:mod:`workbench.population`) with the same semantics as GX, so
the counts equal the ``pandas`` engine's.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.errors import WorkbenchError
from workbench.quality.engines.base import ENGINES, EngineOptions, _chunks, _Part, _population_checks, _rejects_summary
from workbench.quality.evidence import _evidence_result
from workbench.quality.gx import _Gx
from workbench.quality.outcomes import InputValidation, Outcome, _fold_suite_result
from workbench.quality.suites import SuiteSpec, _evidence_keys


def _validate_one(gx: _Gx, spec: SuiteSpec, scope: str | None, params: dict, frame: pd.DataFrame,
                  batch: dict[str, Any], cap: int, mask: bool) -> tuple[dict[str, Outcome], dict[str, Any]]:
    """One batch through GX: its outcomes per check and its evidence (masked, capped)."""
    outcomes = {e.check: Outcome.empty(spec.input, e) for e in spec.expectations}
    result = gx.validate(spec.input, gx.batch_definition("pandas", spec.input), gx.suite(spec, scope), params,
                         _evidence_keys(spec), cap, dataframe=frame)
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
        _population_checks(store, spec, outcomes, raw, opts)
    if scope == "row" and store is not None and spec.aggregate_level() and store.rows(spec.input):
        # one value of the whole input (row count, mean): GX over every row's kept columns, once
        columns = [e.column for e in spec.aggregate_level() if e.column]
        whole, evidence = _validate_one(gx, spec, "aggregate", params, store.frame(spec.input, columns),
                                        {"population": True, "engine": "chunked", "scope": "aggregate"}, cap, mask)
        for e in spec.aggregate_level():
            outcomes[e.check].merge(whole[e.check], cap)
        raw.append(evidence)
    rej_total = sum(len(r) for r in rejects)
    return InputValidation(spec.input, engine, stats, _rejects_summary(rejects), list(outcomes.values()), raw, rej_total)


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
