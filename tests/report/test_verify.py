"""`workbench verify`: recompute a run folder's hashes against its manifest; exit 0 intact, 1 otherwise."""

from __future__ import annotations

import json
import shutil
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
