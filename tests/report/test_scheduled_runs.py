"""Unattended runs: exit codes (3 with --fail-on), the report in the manifest, and a SIGKILLed
run that never replaces `latest` and stays recognisable as incomplete."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest

from tests.conftest import make_notebook, start_sleeping_run
from workbench.cli import main
from workbench.paths import NOTEBOOKS_DIR, PROJECT_ROOT
from workbench.verify import list_runs, verify_run

pytestmark = pytest.mark.slow

HOSTILE = Path(__file__).parent.parent / "fixtures" / "report" / "two_states_hostile_text"


def test_a_run_with_the_report_notebook_exits_3_on_fail_on_and_verifies(minimal_case, tmp_path, capsys):
    nbs = tmp_path / "nbs"
    make_notebook(nbs, "10_stages.ipynb", f"import shutil\nshutil.copytree({str(HOSTILE)!r}, run_dir, dirs_exist_ok=True)")
    shutil.copy(NOTEBOOKS_DIR / "90_audit_report.ipynb", nbs / "90_audit_report.ipynb")
    out = tmp_path / "reports"
    code = main(["run", str(minimal_case), "--out", str(out), "--notebooks", str(nbs), "--fail-on", "critical"])
    captured = capsys.readouterr()
    assert code == 3, captured.err
    assert "2 finding(s) at or above critical" in captured.err
    run_dir = (out / "MINI-2017" / "latest").resolve()
    assert run_dir.name != "latest", "a run with findings is still a completed run: latest moves"
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "completed" and manifest["finished_at"]
    for rel in ("findings.json", "findings.csv", "report.html", "report.pdf", "regulators/US-CA/report.pdf",
                "regulators/US-NY/report.html", "html/90_audit_report.html", "run.log"):
        assert rel in manifest["outputs"], rel
        assert len(manifest["outputs"][rel]["sha256"]) == 64
    assert manifest["law_data_version"] and manifest["git"]["commit"] and manifest["packages"]["weasyprint"]
    assert main(["verify", str(run_dir)]) == 0
    pdf = run_dir / "regulators" / "US-CA" / "report.pdf"
    data = bytearray(pdf.read_bytes())
    data[-20] ^= 0x20
    pdf.write_bytes(bytes(data))
    assert main(["verify", str(run_dir)]) == 1
    assert "output_changed: regulators/US-CA/report.pdf" in capsys.readouterr().out


def test_a_sigkilled_run_never_replaces_latest_and_shows_as_incomplete(minimal_case, tmp_path, capsys):
    out = tmp_path / "reports"
    good = tmp_path / "nb_good"
    make_notebook(good, "10_quick.ipynb", "x = 1")
    assert main(["run", str(minimal_case), "--out", str(out), "--notebooks", str(good), "--fail-on", "info"]) == 0, \
        "no findings at all: --fail-on info passes"
    latest = out / "MINI-2017" / "latest"
    previous = latest.resolve()

    proc = start_sleeping_run(minimal_case, out, tmp_path / "nb_slow")
    try:
        os.killpg(proc.pid, signal.SIGKILL)   # kill -9 the run (and its kernel)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    killed = next(p.parent for p in (out / "MINI-2017").glob("*/started.flag"))
    assert latest.resolve() == previous, "a killed run never moves latest"
    manifest = json.loads((killed / "manifest.json").read_text())
    assert manifest["status"] == "running" and manifest["finished_at"] is None
    assert manifest["process"]["pid"] == proc.pid
    states = {r["run_id"]: r for r in list_runs(out)}
    assert states[killed.name]["state"] == "incomplete" and not states[killed.name]["latest"]
    assert states[previous.name]["state"] == "completed" and states[previous.name]["latest"]
    assert [d.kind for d in verify_run(killed).differences][:1] == ["status"]
    assert main(["runs", "list", "--out", str(out)]) == 0
    listing = capsys.readouterr().out
    assert f"{killed.name}" in listing and "incomplete" in listing


def test_run_packages_reach_the_report_and_later_packages_keep_the_run_verifiable(minimal_case, tmp_path, capsys):
    nbs = tmp_path / "nbs"
    make_notebook(nbs, "10_stages.ipynb", f"import shutil\nshutil.copytree({str(HOSTILE)!r}, run_dir, dirs_exist_ok=True)")
    shutil.copy(NOTEBOOKS_DIR / "90_audit_report.ipynb", nbs / "90_audit_report.ipynb")
    out = tmp_path / "reports"
    assert main(["run", str(minimal_case), "--out", str(out), "--notebooks", str(nbs), "--packages", "US-NY"]) == 0
    run_dir = (out / "MINI-2017" / "latest").resolve()
    printed = capsys.readouterr().out
    assert f"regulator packages: 1 rendered (--packages US-NY); 1 jurisdiction(s) with residents have none" in printed
    assert f"render them with: workbench report {run_dir} --packages US-CA" in printed
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["parameters"]["packages"] == "US-NY"
    assert "regulators/US-NY/report.pdf" in manifest["outputs"] and not (run_dir / "regulators" / "US-CA").exists()
    index = json.loads((run_dir / "regulators" / "index.json").read_text())
    assert index["render_command"] == f"workbench report {run_dir} --packages US-CA"
    capsys.readouterr()
    assert main(["report", str(out / "MINI-2017" / "latest"), "--packages", "US-CA"]) == 0
    assert main(["verify", str(run_dir)]) == 0
    listing = capsys.readouterr().out
    assert "INTACT" in listing and "outputs amended after the run by `workbench report --packages US-CA`" in listing
    assert "regulators/US-CA/report.pdf" in json.loads((run_dir / "manifest.json").read_text())["outputs"]


def test_a_run_packages_value_that_is_no_selection_exits_2_before_the_run(minimal_case, tmp_path, capsys):
    out = tmp_path / "reports"
    assert main(["run", str(minimal_case), "--out", str(out), "--packages", "everything,US-CA"]) == 2
    assert "not a jurisdiction code: 'everything'" in capsys.readouterr().err
    assert not out.exists()
