"""Shared fixtures for the data-quality tests: the planted-defects case and engine runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parents[1] / "fixtures" / "quality"
PLANTED = FIXTURES / "planted_defects"


@pytest.fixture(scope="session")
def planted_case(tmp_path_factory):
    from workbench.case import load_case

    dst = tmp_path_factory.mktemp("planted") / "planted_defects"
    shutil.copytree(PLANTED, dst)
    return load_case(dst / "case.yaml")


@pytest.fixture(scope="session")
def chunked_run(planted_case, tmp_path_factory):
    """The planted case through the chunked engine with 6-row chunks (notice N06 spans two
    chunks), validated in two worker processes (as on a real multi-chunk case)."""
    from workbench import quality

    run_dir = tmp_path_factory.mktemp("run_chunked")
    result = quality.run_stage(planted_case, run_dir, engine="chunked",
                               options=quality.EngineOptions(chunk_rows=6, workers=2))
    return run_dir, result


@pytest.fixture(scope="session")
def pandas_run(planted_case, tmp_path_factory):
    from workbench import quality

    run_dir = tmp_path_factory.mktemp("run_pandas")
    return run_dir, quality.run_stage(planted_case, run_dir, engine="pandas")


@pytest.fixture(scope="session")
def duckdb_run(planted_case, tmp_path_factory):
    """The planted case typed into DuckDB files (4-row chunks) and validated there as SQL."""
    from workbench import quality

    run_dir = tmp_path_factory.mktemp("run_duckdb")
    return run_dir, quality.run_stage(planted_case, run_dir, engine="duckdb",
                                      options=quality.EngineOptions(chunk_rows=4))
