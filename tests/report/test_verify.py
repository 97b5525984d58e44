"""`workbench verify`: recompute a run folder's hashes against its manifest; exit 0 intact, 1 otherwise."""

from __future__ import annotations

import json
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from workbench.case import load_case
from workbench.cli import main
from workbench.manifest import MANIFEST_SCHEMA_VERSION, output_files, write_manifest
from workbench.report import build_report
from workbench.sources import input_hashes
from workbench.verify import compare_runs, run_state, verify_run

HOSTILE = Path(__file__).parent.parent / "fixtures" / "report" / "two_states_hostile_text"


def _completed_run(tmp_path: Path, case_yaml: Path, name: str = "run") -> Path:
    """A run folder as the runner leaves it: artifacts, exports, and a completed manifest."""
    run_dir = tmp_path / name
    shutil.copytree(HOSTILE, run_dir)
    build_report(run_dir, case_yaml, formats=("json", "csv"), regulators=True, regulator_formats=("json",),
                 generated_at="2018-03-01T00:00:00Z")
    (run_dir / "run.log").write_text("log line\n")
    case = load_case(case_yaml)
    write_manifest(run_dir, {"schema_version": MANIFEST_SCHEMA_VERSION, "case_id": case.case_id, "run_id": name,
                             "status": "completed", "started_at": "2018-03-01T00:00:00Z",
                             "finished_at": "2018-03-01T00:01:00Z", "inputs": input_hashes(case),
                             "outputs": output_files(run_dir)})
    return run_dir


@pytest.fixture
def run_dir(tmp_path, minimal_case):
    return _completed_run(tmp_path, minimal_case)


def test_an_untouched_run_is_intact(run_dir, capsys):
    result = verify_run(run_dir)
    assert result.ok, result.report()
    assert result.checked_outputs >= 10 and result.checked_inputs == 3   # case.yaml, affected_people, notices
    assert main(["verify", str(run_dir)]) == 0
    assert "INTACT" in capsys.readouterr().out


def test_a_one_byte_change_in_any_output_is_detected(run_dir):
    outputs = json.loads((run_dir / "manifest.json").read_text())["outputs"]
    assert {"findings.json", "findings.csv", "regulators/US-CA/findings.json", "run.log"} <= set(outputs)
    for rel in outputs:
        path = run_dir / rel
        original = path.read_bytes()
        changed = bytearray(original)
        changed[len(changed) // 2] ^= 0x01
        path.write_bytes(bytes(changed))
        try:
            result = verify_run(run_dir, check_inputs=False)
            assert [(d.kind, d.path) for d in result.differences] == [("output_changed", rel)], rel
        finally:
            path.write_bytes(original)
    assert verify_run(run_dir).ok


def test_missing_and_extra_outputs_are_reported(run_dir, capsys):
    (run_dir / "findings.csv").unlink()
    (run_dir / "regulators" / "US-CA" / "notes.txt").write_text("added later")
    result = verify_run(run_dir)
    assert {(d.kind, d.path) for d in result.differences} == {
        ("output_missing", "findings.csv"), ("output_extra", "regulators/US-CA/notes.txt")}
    assert main(["verify", str(run_dir)]) == 1
    out = capsys.readouterr().out
    assert "output_missing: findings.csv" in out and "NOT INTACT: 2 difference(s)" in out


def test_a_changed_input_is_detected_when_the_case_data_is_present(run_dir, minimal_case):
    people = minimal_case.parent / "data" / "affected_people.csv"
    people.write_bytes(people.read_bytes() + b"\n")
    result = verify_run(run_dir)
    assert [(d.kind, d.path) for d in result.differences] == [("input_changed", "affected_people")]


def test_inputs_absent_here_are_noted_not_failed(run_dir, minimal_case):
    shutil.rmtree(minimal_case.parent)
    result = verify_run(run_dir)
    assert result.ok and result.checked_inputs == 0
    assert any("not present here" in n for n in result.notes)


def test_a_regulators_copy_of_the_case_is_checked_with_case(run_dir, minimal_case, tmp_path):
    copy = tmp_path / "regulator_copy"
    shutil.copytree(minimal_case.parent, copy)
    assert verify_run(run_dir, case_path=copy / "case.yaml").ok
    notices = copy / "data" / "notices.csv"
    notices.write_bytes(notices.read_bytes().replace(b"2017", b"2018", 1))
    result = verify_run(run_dir, case_path=copy / "case.yaml")
    assert [(d.kind, d.path) for d in result.differences] == [("input_changed", "notices")]
    assert main(["verify", str(run_dir), "--case", str(copy / "case.yaml")]) == 1


@pytest.mark.parametrize("status, finished", [("running", None), ("failed", "2018-03-01T00:01:00Z")])
def test_a_run_that_did_not_complete_is_not_intact(run_dir, status, finished):
    m = json.loads((run_dir / "manifest.json").read_text())
    m.update(status=status, finished_at=finished)
    write_manifest(run_dir, m)
    assert [d.kind for d in verify_run(run_dir).differences] == ["status"]


def test_a_folder_without_manifest_is_not_intact(tmp_path):
    assert [d.kind for d in verify_run(tmp_path).differences] == ["manifest"]
    assert main(["verify", str(tmp_path)]) == 1


def test_comparing_a_rerun_reports_changed_findings(tmp_path, minimal_case):
    first = _completed_run(tmp_path, minimal_case, "first")
    second = _completed_run(tmp_path, minimal_case, "second")
    assert compare_runs(first, second).ok
    doc = json.loads((second / "findings.json").read_text())
    doc["findings"][0]["count"] += 1
    removed = doc["findings"].pop()
    (second / "findings.json").write_text(json.dumps(doc))
    kinds = sorted((d.kind, d.path.split(" ")[0]) for d in compare_runs(first, second).differences)
    assert kinds == sorted([("finding_changed", doc["findings"][0]["id"]), ("finding_missing", removed["id"])])


def test_run_state_tells_a_killed_run_from_a_live_one():
    import os
    import socket

    here = {"host": socket.gethostname()}
    assert run_state({"status": "completed", "finished_at": "x"}) == "completed"
    assert run_state({"status": "running", "finished_at": None, "process": {**here, "pid": os.getpid()}}) == "running"
    assert run_state({"status": "running", "finished_at": None, "process": {**here, "pid": 2 ** 22 + 12345}}) == "incomplete"
    assert run_state({}) == "incomplete"


# --------------------------------------------------------------------------- hostile run folders

def _verify_in_a_thread(run_dir, timeout: float = 20.0):
    """verify_run, failing the test (not hanging it) if it blocks."""
    import threading

    box = {}
    t = threading.Thread(target=lambda: box.setdefault("result", verify_run(run_dir, check_inputs=False)), daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), "verify blocked"
    return box["result"]


@contextmanager
def _fifo_at(path: Path, *, replace: bool = False):
    """A FIFO at ``path`` (``replace``: in place of the file there) for the block's
    duration, unblocked afterwards so a reader stuck on it lets the test process exit."""
    import os

    if replace:
        path.unlink()
    os.mkfifo(path)
    try:
        yield path
    finally:
        _unblock(path)


def _unblock(fifo: Path) -> None:
    """Open the FIFO for writing without blocking, so a reader stuck on it (a failing
    verify) returns and the test process can exit."""
    import os

    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:  # no reader: nobody is stuck
        pass


def test_a_fifo_in_the_run_folder_is_reported_without_blocking(run_dir, capsys):
    with _fifo_at(run_dir / "artifacts" / "trap.csv"):
        result = _verify_in_a_thread(run_dir)
    assert [(d.kind, d.path, d.actual) for d in result.differences] == [("output_special", "artifacts/trap.csv", "fifo")]
    assert main(["verify", str(run_dir), "--no-inputs"]) == 1
    assert "output_special: artifacts/trap.csv" in capsys.readouterr().out


def test_a_socket_in_the_run_folder_is_reported(run_dir):
    import socket

    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(run_dir / "s"))
        result = _verify_in_a_thread(run_dir)
    finally:
        sock.close()
    assert [(d.kind, d.path, d.actual) for d in result.differences] == [("output_special", "s", "socket")]


def test_a_recorded_output_replaced_by_a_fifo_is_reported_without_blocking(run_dir):
    with _fifo_at(run_dir / "findings.csv", replace=True):
        result = _verify_in_a_thread(run_dir)
    assert [(d.kind, d.path, d.expected) for d in result.differences] == [("output_special", "findings.csv", "a regular file")]


def test_a_fifo_as_the_manifest_is_not_read(run_dir):
    with _fifo_at(run_dir / "manifest.json", replace=True):
        result = _verify_in_a_thread(run_dir)
    assert [(d.kind, d.actual) for d in result.differences] == [("manifest", "a fifo")]


def test_a_manifest_linked_from_outside_is_not_read(run_dir, tmp_path):
    import os

    forged = tmp_path / "forged.json"
    forged.write_text((run_dir / "manifest.json").read_text())
    (run_dir / "manifest.json").unlink()
    os.symlink(forged, run_dir / "manifest.json")
    assert [(d.kind, d.actual) for d in verify_run(run_dir).differences] == [("manifest", "a symlink")]


@pytest.mark.parametrize("name", [".hidden", "artifacts/.notes.txt", ".ipynb_checkpoints/10_x-checkpoint.ipynb"])
def test_a_hidden_file_added_after_the_run_is_an_extra_output(run_dir, name):
    path = run_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("added later")
    result = verify_run(run_dir, check_inputs=False)
    assert [(d.kind, d.path) for d in result.differences] == [("output_extra", name)]


def test_a_hidden_file_written_by_the_run_is_recorded_and_checked(tmp_path, minimal_case):
    run = _completed_run(tmp_path, minimal_case)
    (run / ".state").write_text("written during the run")
    m = json.loads((run / "manifest.json").read_text())
    m["outputs"] = output_files(run)
    write_manifest(run, m)
    assert ".state" in m["outputs"] and verify_run(run, check_inputs=False).ok
    (run / ".state").write_text("written during the run!")
    assert [(d.kind, d.path) for d in verify_run(run, check_inputs=False).differences] == [("output_changed", ".state")]


def test_a_symlink_out_of_the_run_folder_is_reported_not_followed(run_dir, tmp_path):
    import os

    secret = tmp_path / "outside.txt"
    secret.write_text("not part of the run")
    os.symlink(secret, run_dir / "artifacts" / "link.txt")
    os.symlink(tmp_path, run_dir / "outside_folder")          # a linked folder is never entered
    (run_dir / "findings.csv").unlink()
    os.symlink(secret, run_dir / "findings.csv")               # a recorded output replaced by a link
    result = verify_run(run_dir, check_inputs=False)
    got = {(d.kind, d.path, d.expected) for d in result.differences}
    assert got == {("output_symlink", "artifacts/link.txt", None), ("output_symlink", "outside_folder", None),
                   ("output_symlink", "findings.csv", "a regular file")}
    assert all("(outside the run folder)" in d.actual for d in result.differences)


def test_the_manifest_and_verify_count_the_same_entries(run_dir):
    import os

    from workbench.manifest import run_entries

    (run_dir / ".hidden").write_text("x")
    os.mkfifo(run_dir / "fifo")
    os.symlink("run.log", run_dir / "log_link")
    try:
        outputs = output_files(run_dir)
        assert set(outputs) == set(run_entries(run_dir)) and "manifest.json" not in outputs
        assert outputs["fifo"] == {"kind": "fifo"} and outputs["log_link"] == {"kind": "symlink", "target": "run.log"}
        assert outputs[".hidden"]["bytes"] == 1
    finally:
        _unblock(run_dir / "fifo")


def test_a_one_byte_change_is_still_caught_beside_hostile_entries(run_dir):
    path = run_dir / "findings.json"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with _fifo_at(run_dir / "trap"):
        result = _verify_in_a_thread(run_dir)
    assert {(d.kind, d.path) for d in result.differences} == {("output_changed", "findings.json"),
                                                             ("output_special", "trap")}


def test_an_input_replaced_by_a_fifo_is_reported_without_blocking(run_dir, minimal_case):
    import os
    import threading

    people = minimal_case.parent / "data" / "affected_people.csv"
    people.unlink()
    os.mkfifo(people)
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("r", verify_run(run_dir)), daemon=True)
    t.start()
    t.join(20)
    _unblock(people)
    assert not t.is_alive(), "verify blocked"
    assert [(d.kind, d.path, d.actual) for d in box["r"].differences] == [("input_changed", "affected_people", "a fifo")]
