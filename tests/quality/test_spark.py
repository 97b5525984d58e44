"""The Spark engine (GX Spark datasource, local mode) gives the pandas engine's counts.

One small case, one Spark session for the module, two inputs: enough to show the same
suites give the same exact counts (uniqueness included) through Spark.
"""

from __future__ import annotations

import shutil

import pytest

from workbench import quality

pytestmark = pytest.mark.spark
NAMES = ["affected_people", "notices"]


@pytest.fixture(scope="module")
def spark():
    if shutil.which("java") is None:
        pytest.skip("no Java runtime on PATH: the Spark engine needs Java 17 (apt-get install openjdk-17-jre-headless)")
    session = quality.spark_session("local[2]")
    yield session
    session.stop()


def test_spark_counts_equal_pandas_counts(spark, planted_case):
    cols = ["input", "check", "element_count", "unexpected_count", "missing_count", "success"]
    spark_v = quality.validate_case(planted_case, "spark", names=NAMES,
                                    options=quality.EngineOptions(spark_session=spark))
    pandas_v = quality.validate_case(planted_case, "pandas", names=NAMES)
    s, p = quality.outcomes_table(spark_v)[cols], quality.outcomes_table(pandas_v)[cols]
    assert (s["unexpected_count"] > 0).sum() >= 10  # the planted defects are really there
    assert s.to_dict("records") == p.to_dict("records")
    rows = lambda vs: {(o.check, x["source_row"]) for v in vs for o in v.outcomes for x in o.examples}
    assert rows(spark_v) == rows(pandas_v)
