"""Validation engines, chosen by name from :data:`ENGINES`; each engine is a module here.

``pandas`` (:mod:`.chunked`)
    the whole accepted frame of an input in one GX batch (small and medium cases).
``chunked`` (:mod:`.chunked`)
    chunk by chunk from :func:`workbench.sources.iter_input`, counts summed exactly; the
    chunks of a large input are validated in worker processes (one per CPU) while this
    process reads the next ones and feeds the population store.
    Expectations whose ``meta.scope`` is ``population`` (uniqueness) are not valid per
    chunk; they run over the whole population in DuckDB (:mod:`workbench.population`) with
    the same semantics as GX, so the counts equal the ``pandas`` engine's.
``duckdb`` (:mod:`.duckdb_sql`)
    the input typed once into a DuckDB file (:mod:`workbench.store`), then the suites
    run there as SQL by GX's SQL datasource (:func:`validate_duckdb`, the interface of the
    case store); the same counts and examples as ``chunked``. GX 1.24 needs two
    workarounds for DuckDB, applied only for it: :func:`workbench.quality.gx._gx_duckdb_support`.
``sql`` (:mod:`.postgres`)
    the suites pushed down to PostgreSQL for a database input (``chunked`` for a file).
``spark`` (:mod:`.spark`)
    the same suites through GX's Spark datasource (``local[2]`` by default; a cluster
    master URL is a parameter). Needs the ``[spark]`` extra and Java 17: without pyspark,
    :func:`~workbench.quality.validate.validate_case` stops with a case error naming the extra.

What they share (options, the registry, reading chunks) is :mod:`.base`. Importing this
package imports every engine module, so :data:`ENGINES` holds them all.
"""

from workbench.quality.engines.base import DEFAULT_SPARK_MASTER, ENGINES, MAX_WORKERS, Engine, EngineOptions
from workbench.quality.engines.chunked import LARGE_INPUT_BYTES
from workbench.quality.engines.duckdb_sql import duckdb_url, validate_duckdb
from workbench.quality.engines.postgres import _sql_engine  # noqa: F401  (registers "sql")
from workbench.quality.engines.spark import spark_session

__all__ = ["DEFAULT_SPARK_MASTER", "ENGINES", "Engine", "EngineOptions", "LARGE_INPUT_BYTES", "MAX_WORKERS",
           "duckdb_url", "spark_session", "validate_duckdb"]
