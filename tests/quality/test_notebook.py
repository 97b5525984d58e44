"""The data-quality notebook runs on a case through papermill and writes its artifacts."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.slow


def test_notebook_runs_and_writes_findings_tables_and_evidence(planted_case, tmp_path):
    import papermill as pm

    from workbench.paths import NOTEBOOKS_DIR

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    pm.execute_notebook(str(NOTEBOOKS_DIR / "10_data_quality.ipynb"), str(run_dir / "10_data_quality.ipynb"),
                        parameters={"case_path": str(planted_case.path), "run_dir": str(run_dir)},
                        cwd=str(NOTEBOOKS_DIR), progress_bar=False, kernel_name="python3")
    doc = json.loads((run_dir / "artifacts" / "10_data_quality.findings.json").read_text())
    codes = {f["evidence"]["check"] for f in doc["findings"]}
    assert "dq.affected_people.email_format" in codes and "dq.population.notice_unknown_person" in codes
    assert doc["assessed"]["suite:share_prices"] == {"state": "assessed", "reason": None}
    for name in ("summary", "outcomes", "examples", "rejects", "jurisdictions"):
        assert (run_dir / "artifacts" / f"10_data_quality.{name}.csv").is_file()
    assert (run_dir / "evidence" / "gx" / "affected_people.json").is_file()
    executed = (run_dir / "10_data_quality.ipynb").read_text()
    assert "dan.duke" not in executed  # failing rows are shown masked
