"""The ``spark`` engine: the same suites through GX's Spark datasource.

``local[2]`` by default; a cluster master URL is a parameter (``EngineOptions.spark_master``).
"""

from __future__ import annotations

from pathlib import Path

from workbench.quality.engines.base import DEFAULT_SPARK_MASTER, ENGINES, EngineOptions, _chunks, _rejects_summary
from workbench.quality.evidence import _evidence_result
from workbench.quality.gx import _Gx
from workbench.quality.outcomes import InputValidation, Outcome, _fold_suite_result
from workbench.quality.suites import SuiteSpec, _evidence_keys


def spark_session(master: str = DEFAULT_SPARK_MASTER, app_name: str = "breach-audit-workbench"):
    """A SparkSession for GX's Spark datasource: UTC session time, no UI, no console progress."""
    from workbench.extras import require

    require("spark", "the spark engine")
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
            result = gx.validate(spec.input, bd, gx.suite(spec, None), params, _evidence_keys(spec),
                                 opts.max_examples, dataframe=sdf)
        finally:
            sdf.unpersist()
        _fold_suite_result(result, spec, outcomes, opts.max_examples)
        raw.append(_evidence_result(result, spec, opts.max_examples, opts.mask_personal_data,
                                    {"engine": "spark", "master": opts.spark_master}))
    staging.cleanup()
    return InputValidation(spec.input, "spark", stats, _rejects_summary(rejects), list(outcomes.values()), raw,
                           sum(len(r) for r in rejects))
