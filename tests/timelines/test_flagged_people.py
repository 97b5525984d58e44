"""The notice-timeline stage writes the late, missing and overdue people (only them) for the
regulator packages' residents lists, and counts notices per day per jurisdiction."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.timelines.helpers import FIXTURES
from tests.timelines.test_person_status import EXPECTED, STATUSES_CASE
from workbench.timelines.stage import FLAGGED_PEOPLE, STAGE, run_stage


@pytest.fixture(scope="module")
def stage_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("flagged") / "run"
    out = run_stage(STATUSES_CASE, run_dir)
    return run_dir, out


def test_only_the_late_missing_and_overdue_people_are_written_with_their_deadline(stage_run):
    run_dir, out = stage_run
    flagged = pd.read_parquet(run_dir / "artifacts" / f"{STAGE}.{FLAGGED_PEOPLE}").set_index("person_id")
    expected = {p: v for p, v in EXPECTED.items() if v[1] in ("late", "missing", "overdue")}
    assert set(flagged.index) == set(expected)
    for pid, (jur, status, _, late, overdue) in expected.items():
        row = flagged.loc[pid]
        assert (row["jurisdiction"], row["status"]) == (jur, status)
        assert (None if pd.isna(row["days_late"]) else int(row["days_late"])) == late
        assert (None if pd.isna(row["days_overdue"]) else int(row["days_overdue"])) == overdue
        assert pd.notna(row["due_at"]) and pd.notna(row["clock_start"]) and row["clock_start"] <= row["due_at"]
        assert pd.isna(row["sent_at"]) == (status != "late")
    # as many as the per-jurisdiction table counts (its ``missing`` includes the overdue)
    table = out.jurisdictions
    assert len(flagged) == int(table["late"].sum() + table["missing"].sum())


def test_notices_per_day_are_counted_per_jurisdiction(stage_run):
    run_dir, out = stage_run
    per_day = pd.read_csv(run_dir / "artifacts" / f"{STAGE}.notices_per_day.csv")
    assert {"date", "family", "jurisdiction", "notices"} <= set(per_day.columns)
    notified = out.jurisdictions.groupby("jurisdiction")[["on_time", "late"]].sum().sum(axis=1)
    counted = per_day.groupby("jurisdiction")["notices"].sum()
    assert {j: counted.get(j) for j, n in notified.items() if n} == {j: n for j, n in notified.items() if n}
    # the others: people sent a notice where none was owed or the law is not modelled
    rest = out.jurisdictions.set_index("jurisdiction").loc[[j for j in counted.index if not notified.get(j)]]
    assert (rest["not_required"] + rest["not_assessed"] > 0).all()
