"""The statement profiler of the timelines and letters stages (benchmarks/joins_profile.py)
runs on a prepared store and reports what the stage found, its CPU and its statements."""

from __future__ import annotations

import pytest

from benchmarks.joins_profile import profile
from benchmarks.tasks import TASKS

PEOPLE = 1_500


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> str:
    from workbench.synth import generate_case

    case = tmp_path_factory.mktemp("synth") / "case"
    generate_case(case, PEOPLE, 2017, chunk_rows=700, notices_format="parquet")
    folder = str(tmp_path_factory.mktemp("store") / "store")
    TASKS.get("store")(case_path=str(case / "case.yaml"), store_dir=folder)
    return folder


def test_the_timelines_profile_times_the_stage_statements_and_counts_its_people(store_dir):
    doc = profile(store_dir, "timelines")
    assert doc["result"]["people"] >= PEOPLE - 50 and doc["result"]["jurisdictions"] > 0
    assert doc["cpu_s"] >= 0 and doc["spill_peak_mb"] >= 0
    assert any("person_agg" in s["sql"] for s in doc["top"])  # the one-pass aggregate is among them
    assert all(s["cpu_s"] >= 0 for s in doc["top"])


def test_the_letters_profile_reports_the_letter_problems_found(store_dir):
    doc = profile(store_dir, "letters")
    assert doc["result"]["counts"].get("missing_notice", 0) > 0  # the synthetic case plants them
    assert any("letter_screen" in s["sql"] for s in doc["top"])
