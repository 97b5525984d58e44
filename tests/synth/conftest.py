"""A small synthetic case, generated once per test session, plus readers for its files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from workbench.synth import generate_case, load_truth

#: Small enough to be fast, several chunks so chunk boundaries are exercised.
PEOPLE = 1200
SEED = 11
CHUNK_ROWS = 500


@pytest.fixture(scope="session")
def synth_case(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "case"
    generate_case(out, PEOPLE, SEED, chunk_rows=CHUNK_ROWS)
    return out


@pytest.fixture(scope="session")
def truth(synth_case) -> dict:
    return load_truth(synth_case)


@pytest.fixture(scope="session")
def people(synth_case) -> pd.DataFrame:
    df = pq.read_table(synth_case / "data" / "affected_people.parquet").to_pandas()
    df["row"] = range(len(df))
    return df


@pytest.fixture(scope="session")
def notices(synth_case) -> pd.DataFrame:
    df = pd.read_csv(synth_case / "data" / "notices.csv", dtype=str, keep_default_na=False)
    df["sent"] = pd.to_datetime(df["sent_at"], utc=True)
    return df


def read_csv(case: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(case / "data" / name, dtype=str, keep_default_na=False)


def defects(truth: dict, kind: str) -> list[dict]:
    found = [d for d in truth["defects"] if d["kind"] == kind]
    assert found, f"truth.json has no entry of kind {kind}"
    return found


def ids(truth: dict, kind: str) -> set[str]:
    return {i for d in defects(truth, kind) for i in d["ids"]}
