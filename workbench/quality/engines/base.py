"""What every validation engine shares: its options, the registry, and the chunks it reads.

Each engine is a function registered in :data:`ENGINES` under its name, called as
``engine(case, spec, params, store, options, gx, pool=...)``; the engines themselves are
the other modules of this package.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd

from workbench.errors import WorkbenchError
from workbench.quality.outcomes import DEFAULT_MAX_EXAMPLES, InputValidation
from workbench.registry import Registry


DEFAULT_SPARK_MASTER = "local[2]"


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


@dataclass
class _Part:
    frame: pd.DataFrame
    stats: Any


#: Who computes the population-scope expectations (uniqueness) of the ``chunked`` and
#: ``duckdb`` engines, as their evidence records it: not GX.
POPULATION_ENGINE = ("workbench: DuckDB over the population store, one GROUP BY per expectation "
                     "(PopulationStore.column_uniqueness), GX's semantics; not Great Expectations")


def _population_checks(store, spec, outcomes: dict, raw: list, opts: EngineOptions) -> None:
    """Fold the population-scope expectations of ``spec`` (uniqueness: every occurrence of a
    repeated non-null value is unexpected, nulls are missing) over every row of the input
    in ``store`` (a :class:`workbench.population.PopulationStore`) into ``outcomes``, and
    their evidence (examples masked as asked) into ``raw``, marked as computed outside GX
    (:data:`POPULATION_ENGINE`)."""
    from workbench.quality.evidence import mask_example
    from workbench.quality.suites import _evidence_keys

    keys, cap = _evidence_keys(spec), opts.max_examples
    for e in spec.population_level():
        pop = store.column_uniqueness(spec.input, e.column, keys, cap=cap)
        outcomes[e.check].add(pop["element_count"], pop["unexpected_count"], pop["missing_count"], pop["examples"], cap)
        raw.append({"batch": {"population": True, "engine": "duckdb", "check": e.check,
                              "computed_by": POPULATION_ENGINE},
                    "result": {k: v for k, v in pop.items() if k != "examples"} | {
                        "examples": [mask_example(x) if opts.mask_personal_data else x for x in pop["examples"]]}})
