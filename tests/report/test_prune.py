"""`workbench runs prune --keep N` and `runs list --json`: a nightly schedule does not fill
the disk, and never loses the latest run, a running run or one younger than a day."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.errors import WorkbenchError
from workbench.manifest import write_manifest
from workbench.prune import plan_prune, prune_runs
from workbench.runner import point_latest
from workbench.verify import list_runs

#: The tests' clock: the real one (the CLI measures ages against it), to the second.
NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _run(out: Path, case_id: str, hours_ago: float, *, status: str = "completed", pid: int | None = None,
         latest: bool = False) -> Path:
    """A tiny run folder: a manifest and one output, started ``hours_ago`` before NOW."""
    started = NOW - dt.timedelta(hours=hours_ago)
    run_dir = out / case_id / started.strftime("%Y%m%dT%H%M%SZ")
    run_dir.mkdir(parents=True)
    (run_dir / "report.html").write_text("<p>report</p>")
    finished = None if status == "running" else (started + dt.timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    m = {"case_id": case_id, "run_id": run_dir.name, "status": status, "finished_at": finished,
         "started_at": started.isoformat().replace("+00:00", "Z")}
    if pid is not None:
        m["process"] = {"pid": pid, "host": socket.gethostname()}
    write_manifest(run_dir, m)
    if latest:
        point_latest(run_dir)
    return run_dir


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.fixture
def five_nightly_runs(tmp_path):
    """Case A: five runs 5..1 days old, the middle one latest (the two newer ones failed); case B: one old run."""
    out = tmp_path / "reports"
    runs = [_run(out, "A", 24 * d, status="completed" if d >= 3 else "failed", latest=d == 3) for d in (5, 4, 3, 2, 1)]
    other = _run(out, "B", 24 * 9)
    return out, runs, other


def test_keeps_the_newest_n_and_latest_and_deletes_the_older(five_nightly_runs):
    out, (d5, d4, d3, d2, d1), other = five_nightly_runs
    decisions = prune_runs(out, 2, now=NOW)
    assert {Path(d.path).name for d in decisions if d.remove} == {d5.name, d4.name}
    assert not d5.exists() and not d4.exists()
    assert d3.exists() and d2.exists() and d1.exists() and other.exists()
    why = {Path(d.path).name: d.reason for d in decisions if not d.remove}
    assert why[d3.name] == "latest points at it" and why[d1.name] == "one of the newest 2"
    assert (out / "A" / "latest").resolve() == d3.resolve()


def test_a_run_younger_than_the_minimum_age_is_kept_unless_zero_is_given(tmp_path):
    out = tmp_path / "reports"
    young = [_run(out, "A", h) for h in (20, 10, 5)]
    decisions = plan_prune(out, 1, now=NOW)
    assert not any(d.remove for d in decisions)
    assert [d.reason for d in decisions][:1] == ["younger than 24 h (20.0 h; --min-age-hours 0 lets it go)"]
    assert {Path(d.path).name for d in plan_prune(out, 1, min_age_hours=0, now=NOW) if d.remove} == \
        {young[0].name, young[1].name}


def test_a_running_run_is_never_deleted_a_killed_one_is(tmp_path):
    out = tmp_path / "reports"
    live = _run(out, "A", 72, status="running", pid=os.getpid())
    killed = _run(out, "A", 48, status="running", pid=_dead_pid())
    _run(out, "A", 30)
    decisions = {Path(d.path).name: d for d in prune_runs(out, 1, now=NOW)}
    assert not decisions[live.name].remove and decisions[live.name].reason == "running (its process is alive)"
    assert decisions[killed.name].remove and decisions[killed.name].state == "incomplete"
    assert live.exists() and not killed.exists()


def test_dry_run_prints_what_would_go_and_removes_nothing(five_nightly_runs, capsys):
    out, (d5, d4, *_), _ = five_nightly_runs
    assert main(["runs", "prune", "--keep", "1", "--case", "A", "--out", str(out), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert f"would remove {d5}" in text and f"would remove {d4}" in text
    assert "would remove 3 run folder(s); kept 2" in text   # the 2-day-old failed one goes too; latest stays
    assert d5.exists() and d4.exists()


def test_prune_cli_removes_one_case_only_and_prints_what_it_removed(five_nightly_runs, capsys):
    out, (d5, *_), other = five_nightly_runs
    assert main(["runs", "prune", "--keep", "1", "--case", "A", "--out", str(out), "--min-age-hours", "0"]) == 0
    text = capsys.readouterr().out
    assert f"removed {d5} (completed, older than the newest 1)" in text and "removed 3 run folder(s); kept 2" in text
    assert other.exists() and not d5.exists()
    assert sorted(r["run_id"] for r in list_runs(out, "A")) == sorted(p.name for p in (out / "A").iterdir()
                                                                      if p.name != "latest")


@pytest.mark.parametrize("argv, says", [
    (["--keep", "0"], "--keep 0: expected a whole number of runs to keep per case, at least 1"),
    ([], "workbench runs prune needs --keep N"),
    (["--keep", "1", "--min-age-hours", "-1"], "--min-age-hours -1.0: expected hours >= 0"),
])
def test_prune_without_a_sensible_keep_exits_2(five_nightly_runs, capsys, argv, says):
    out, runs, _ = five_nightly_runs
    assert main(["runs", "prune", "--out", str(out), *argv]) == 2
    assert says in capsys.readouterr().err
    assert all(r.exists() for r in runs)


def test_runs_list_json_has_the_fields_of_the_text_listing(five_nightly_runs, capsys):
    out, runs, _ = five_nightly_runs
    assert main(["runs", "list", "A", "--out", str(out), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["run_id"] for r in rows] == [r.name for r in runs]
    assert {"case_id", "run_id", "state", "finished_at", "latest"} <= set(rows[0])
    assert [r["latest"] for r in rows] == [False, False, True, False, False]
    assert [r["state"] for r in rows] == ["completed"] * 3 + ["failed"] * 2
    assert main(["runs", "list", "A", "--out", str(out)]) == 0
    text = capsys.readouterr().out.splitlines()
    assert len(text) == 5 and text[2].split()[:3] == ["A", runs[2].name, "completed"] and text[2].endswith("latest")


def test_keep_must_be_a_whole_number_of_runs(tmp_path):
    with pytest.raises(WorkbenchError, match="at least 1"):
        plan_prune(tmp_path, 0)
