"""A run's status tells the truth: Ctrl-C and SIGTERM end a run `interrupted` (never
`completed`), a changed input, a failed write or an empty notebook set end it `failed`,
and none of them moves `latest` or verifies as intact."""

from __future__ import annotations

import errno
import json
import os
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import make_notebook, start_sleeping_run
from workbench import runner
from workbench.cli import interrupted_exit_code, main
from workbench.manifest import read_manifest
from workbench.runner import run_case
from workbench.sources import file_sha256
from workbench.status import RunStatus
from workbench.verify import list_runs, run_state, verify_run

pytestmark = pytest.mark.slow


def _completed_run(case_yaml: Path, tmp_path: Path, out: Path) -> Path:
    quick = tmp_path / "nb_quick"
    make_notebook(quick, "10_quick.ipynb", "x = 1")
    first = run_case(case_yaml, out, notebooks=sorted(quick.glob("*.ipynb")))
    assert first.ok
    return first.run_dir


def _only_new_run(out: Path, *known: Path) -> Path:
    runs = [p for p in (out / "MINI-2017").iterdir() if p.name != "latest" and p not in known]
    assert len(runs) == 1, runs
    return runs[0]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signalled_run_ends_interrupted_never_completed(minimal_case, tmp_path, capsys, signum):
    # Ctrl-C in a terminal is SIGINT to the workbench process only: jupyter_client starts
    # each kernel in a session of its own, so the kernel never sees the keystroke.
    out = tmp_path / "reports"
    previous = _completed_run(minimal_case, tmp_path, out)
    latest = out / "MINI-2017" / "latest"

    proc = start_sleeping_run(minimal_case, out, tmp_path / "nb_slow", after=("20_never.ipynb",))
    try:
        time.sleep(0.5)
        os.kill(proc.pid, signum)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    err = err.decode()
    assert proc.returncode == 128 + signum, err
    assert "run interrupted" in err
    run_dir = _only_new_run(out, previous)
    m = read_manifest(run_dir)
    name = signal.Signals(signum).name
    assert m["status"] == "interrupted" and m["finished_at"], m
    assert m["error"]["signal"] == name
    assert m["error"]["ename"] == ("KeyboardInterrupt" if signum == signal.SIGINT else "SIGTERM")
    assert [n["status"] for n in m["notebooks"]] == ["interrupted", "pending"]
    assert "notebooks/10_sleeps.ipynb" in m["outputs"], "the interrupted notebook is kept"
    assert latest.resolve() == previous.resolve(), "an interrupted run never moves latest"
    result = verify_run(run_dir)
    assert not result.ok and [d.kind for d in result.differences] == ["status"], result.report()
    assert "interrupted" in result.report() and "NOT INTACT" in result.report()
    states = {r["run_id"]: r["state"] for r in list_runs(out)}
    assert states[run_dir.name] == "interrupted" and states[previous.name] == "completed"
    assert main(["verify", str(run_dir)]) == 1


def test_signal_handlers_are_put_back_after_a_run(minimal_case, tmp_path):
    before = {s: signal.getsignal(s) for s in runner.STOP_SIGNALS}
    _completed_run(minimal_case, tmp_path, tmp_path / "reports")
    assert {s: signal.getsignal(s) for s in runner.STOP_SIGNALS} == before


def test_interrupted_exit_codes():
    assert interrupted_exit_code("SIGINT") == 130
    assert interrupted_exit_code("SIGTERM") == 143
    assert interrupted_exit_code(None) == 1
    assert run_state({"status": "interrupted", "finished_at": "2018-03-01T00:00:00Z"}) == RunStatus.INTERRUPTED


@pytest.mark.parametrize("which", ["notices", "case.yaml"])
def test_an_input_changed_during_the_run_fails_it(minimal_case, tmp_path, capsys, which):
    out = tmp_path / "reports"
    previous = _completed_run(minimal_case, tmp_path, out)
    target = minimal_case if which == "case.yaml" else minimal_case.parent / "data" / "notices.csv"
    at_start = file_sha256(target)
    nbs = tmp_path / "nb_edits"
    make_notebook(nbs, "10_edits_an_input.ipynb",
                  f"from pathlib import Path\np = Path({str(target)!r})\np.write_text(p.read_text() + '\\n# edited\\n')")
    code = main(["run", str(minimal_case), "--out", str(out), "--notebooks", str(nbs)])
    err = capsys.readouterr().err
    assert code == 1
    run_dir = _only_new_run(out, previous)
    m = read_manifest(run_dir)
    assert m["status"] == "failed" and m["finished_at"]
    assert m["error"]["ename"] == "InputChangedError"
    assert m["error"]["evalue"].startswith(f"input_changed: {which} (sha256 at start {at_start[:12]}, at end ")
    assert m["inputs"][which]["sha256"] == at_start, "the manifest keeps the hashes taken at the start"
    assert "input_changed" in err
    assert (out / "MINI-2017" / "latest").resolve() == previous.resolve()
    assert not verify_run(run_dir).ok


def test_zero_notebooks_executed_is_a_failure(minimal_case, tmp_path):
    result = run_case(minimal_case, tmp_path / "reports", notebooks=[])
    assert result.status == RunStatus.FAILED and not result.ok
    m = read_manifest(result.run_dir)
    assert m["status"] == "failed" and "no notebooks were executed" in m["error"]["evalue"]
    assert not (tmp_path / "reports" / "MINI-2017" / "latest").exists()


def test_a_full_disk_after_the_notebooks_fails_the_run(minimal_case, tmp_path, monkeypatch):
    def disk_full(case, run_dir):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(run_dir / "report.pdf"))

    monkeypatch.setattr(runner, "POST_RUN_HOOKS", [disk_full])
    quick = tmp_path / "nb_quick"
    make_notebook(quick, "10_quick.ipynb", "x = 1")
    result = run_case(minimal_case, tmp_path / "reports", notebooks=sorted(quick.glob("*.ipynb")))
    assert result.status == RunStatus.FAILED
    m = read_manifest(result.run_dir)
    assert m["status"] == "failed" and m["error"]["ename"] == "OSError"
    assert "No space left on device" in m["error"]["evalue"]
    assert not (tmp_path / "reports" / "MINI-2017" / "latest").exists()


@pytest.mark.parametrize("fits_in_place", [True, False], ids=["rewritten-in-place", "left-running"])
def test_a_final_manifest_that_cannot_be_written_is_never_completed(minimal_case, tmp_path, monkeypatch, fits_in_place):
    real = runner.write_manifest
    calls = []

    def write_once_then_disk_full(run_dir, doc):
        calls.append(doc["status"])
        if doc["status"] != "running":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(Path(run_dir) / "manifest.json"))
        return real(run_dir, doc)

    monkeypatch.setattr(runner, "write_manifest", write_once_then_disk_full)
    if not fits_in_place:
        monkeypatch.setattr(runner, "overwrite_manifest_in_place", lambda run_dir, doc: False)
    quick = tmp_path / "nb_quick"
    make_notebook(quick, "10_quick.ipynb", "x = 1")
    result = run_case(minimal_case, tmp_path / "reports", notebooks=sorted(quick.glob("*.ipynb")))
    assert calls == ["running", "running", "completed"]
    assert result.status == RunStatus.FAILED and result.error["ename"] == "OSError"
    assert "No space left on device" in result.error["evalue"]
    on_disk = json.loads((result.run_dir / "manifest.json").read_text())
    if fits_in_place:
        assert on_disk["status"] == "failed" and on_disk["finished_at"] and on_disk["outputs"] is None
        assert on_disk["error"] == result.error
    else:
        assert on_disk["status"] == "running", "the start manifest stays, and reads as incomplete once we exit"
        assert run_state(on_disk) == RunStatus.RUNNING  # this process is still alive
    assert not (tmp_path / "reports" / "MINI-2017" / "latest").exists()
    assert not verify_run(result.run_dir).ok


def test_overwrite_in_place_only_writes_what_fits(tmp_path):
    from workbench.manifest import overwrite_manifest_in_place, write_manifest

    write_manifest(tmp_path, {"status": "running"})
    room = (tmp_path / "manifest.json").stat().st_blocks * 512
    assert overwrite_manifest_in_place(tmp_path, {"status": "failed", "error": {"ename": "OSError"}})
    assert read_manifest(tmp_path)["status"] == "failed"
    assert not overwrite_manifest_in_place(tmp_path, {"status": "failed", "padding": "x" * (room + 1)})
    assert read_manifest(tmp_path)["status"] == "failed", "a text that does not fit leaves the file as it was"
    assert not overwrite_manifest_in_place(tmp_path / "nowhere", {"status": "failed"})
