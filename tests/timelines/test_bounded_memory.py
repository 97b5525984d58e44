"""The per-jurisdiction summary in bounded memory: quantiles in batches of jurisdictions.

DuckDB cannot spill holistic aggregates (median, quantile_cont); at 150M people the
summary ran out of its memory limit. The batched summary must give exactly what one query
over every jurisdiction gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.duck import connect, memory_limit_bytes
from workbench.timelines.per_jurisdiction import _summary, quantile_batches


@pytest.mark.parametrize("limit, expected", [("3GB", 3 * 10**9), ("512MB", 512 * 10**6), ("2GiB", 2 * 2**30),
                                             ("1.5G", 1_500_000_000), ("200mb", 200 * 10**6)])
def test_memory_limit_read_as_duckdb_resolved_it(limit, expected):
    con = connect(memory_limit=limit)
    try:  # DuckDB prints the limit cut to one decimal of a binary unit
        assert memory_limit_bytes(con) == pytest.approx(expected, rel=0.1)
    finally:
        con.close()


def test_batches_keep_code_order_and_stay_under_the_cap():
    residents = {"US-TX": 40, "US-CA": 120, "US-AK": 10, "US-NY": 60, "DE": 5, "US-WY": 1}
    batches = quantile_batches(residents, max_rows=100)
    assert [c for b in batches for c in b] == sorted(residents)  # every code once, in order
    assert batches == [["DE", "US-AK"], ["US-CA"], ["US-NY", "US-TX"], ["US-WY"]]
    for b in batches:  # a batch over the cap is one jurisdiction larger than the cap itself
        assert sum(residents[c] for c in b) <= 100 or len(b) == 1


def test_no_jurisdictions_no_batches():
    assert quantile_batches({}, max_rows=10) == []


def _person_status(con, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 5_000
    codes = np.array(["US-CA", "US-TX", "US-NY", "DE", "US-WY", "GB"])
    jur = codes[rng.choice(len(codes), n, p=[0.4, 0.25, 0.15, 0.1, 0.05, 0.05])]
    status = rng.choice(np.array(["on_time", "late", "overdue", "missing", "pending", "not_required"]), n,
                        p=[0.6, 0.15, 0.1, 0.05, 0.05, 0.05])
    sent = status == "on_time"
    late = status == "late"
    frame = pd.DataFrame({
        "person_id": [f"P{i:05d}" for i in range(n)],
        "jurisdiction": jur,
        "data_owner": "",
        "scope": "residence",
        "covered": status != "not_required",
        "status": status,
        "first_valid_notice": pd.Series(pd.Timestamp("2017-09-07", tz="UTC")
                                        + pd.to_timedelta(rng.integers(0, 90 * 86_400, n), unit="s")).where(sent | late),
        "days_late": pd.Series(rng.integers(1, 60, n)).where(late).astype("Int32"),
        "days_overdue": pd.Series(rng.integers(1, 200, n)).where(np.isin(status, ["overdue", "missing"])).astype("Int32"),
        "delay_days": pd.Series(rng.gamma(2.0, 10.0, n)).where(sent | late),
    })
    frame.loc[frame["jurisdiction"] == "GB", ["delay_days", "days_late"]] = None  # a jurisdiction with no notices
    con.register("frame", frame)
    con.execute("CREATE TEMP TABLE person_status AS SELECT * FROM frame")
    con.unregister("frame")
    return frame


def test_batched_summary_equals_one_query_and_pandas():
    con = connect()
    try:
        frame = _person_status(con)
        one = _summary(con, max_rows=10**9)
        each = _summary(con, max_rows=1)  # one jurisdiction per batch
        pairs = _summary(con, max_rows=2_500)
    finally:
        con.close()
    key = lambda t: t.sort_values("jurisdiction").reset_index(drop=True)  # noqa: E731
    pd.testing.assert_frame_equal(key(one), key(each))
    pd.testing.assert_frame_equal(key(one), key(pairs))
    got = key(one).set_index("jurisdiction")
    by = frame.groupby("jurisdiction")
    assert got["residents"].to_dict() == by.size().to_dict()
    assert got["late"].to_dict() == by["status"].apply(lambda s: int((s == "late").sum())).to_dict()
    assert got["notifiable"].to_dict() == by["covered"].sum().to_dict()
    assert got["home_residents"].to_dict() == got["residents"].to_dict()  # every row is its person's own law
    assert got["not_personal_information"].to_dict() == by["covered"].apply(lambda c: int((~c).sum())).to_dict()
    np.testing.assert_allclose(got["delay_median_days"].astype(float), by["delay_days"].median().reindex(got.index),
                               equal_nan=True)
    np.testing.assert_allclose(got["delay_p95_days"].astype(float),
                               by["delay_days"].quantile(0.95).reindex(got.index), equal_nan=True)
    np.testing.assert_allclose(got["days_late_median"].astype(float),
                               by["days_late"].median().astype(float).reindex(got.index), equal_nan=True)
    assert got.loc["GB", "residents"] > 0 and pd.isna(got.loc["GB", "delay_median_days"])


def test_default_spill_folder_is_removed_when_the_process_exits(tmp_path):
    import os
    import subprocess
    import sys

    code = ("from workbench.duck import connect; c = connect(memory_limit='64MB'); "
            "print(c.execute(\"SELECT current_setting('temp_directory')\").fetchone()[0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "TMPDIR": str(tmp_path)})
    spill = out.stdout.strip()
    assert spill.startswith(str(tmp_path)) and "workbench-duckdb-" in spill
    assert not os.path.exists(spill) and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("ram_gib, expected", [(24, "4096MiB"), (2, "1024MiB"), (192, "8192MiB")])
def test_the_default_memory_limit_is_a_share_of_the_machine(monkeypatch, ram_gib, expected):
    import os

    from workbench import duck

    pages = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": ram_gib * 2**30 // 4096}
    monkeypatch.setattr(os, "sysconf", lambda name: pages[name])
    assert duck._machine_share() == expected
