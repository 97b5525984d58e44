"""End to end: `workbench run` on a small synthetic case runs every notebook of notebooks/
through papermill and leaves a complete run folder and manifest."""

from __future__ import annotations

import json

import nbformat
import pytest

from workbench.cli import main
from workbench.runner import notebook_set
from workbench.sources import file_sha256
from workbench.synth import generate_case

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_run(audited_synthetic_case):
    return audited_synthetic_case


def test_run_completes_and_moves_latest(demo_run):
    code, run_dir, _ = demo_run
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert code == 0, manifest.get("notebooks")
    assert manifest["status"] == "completed"
    assert manifest["finished_at"] and manifest["duration_seconds"] > 0


def test_every_notebook_executed_with_html_copy(demo_run):
    _, run_dir, _ = demo_run
    names = [p.name for p in notebook_set()]
    assert names[0] == "00_case_overview.ipynb"
    for name in names:
        executed = nbformat.read(run_dir / "notebooks" / name, as_version=4)
        code_cells = [c for c in executed.cells if c.cell_type == "code"]
        assert all(c.get("execution_count") for c in code_cells), name
        assert not any(o.get("output_type") == "error" for c in code_cells for o in c.outputs), name
        html = (run_dir / "html" / name.replace(".ipynb", ".html")).read_text()
        assert "data:image/png;base64" in html or "<table" in html


def test_manifest_is_complete_and_true(demo_run):
    _, run_dir, case = demo_run
    m = json.loads((run_dir / "manifest.json").read_text())
    assert set(m["inputs"]) == {"case.yaml", "affected_people", "notices", "regulator_notices", "insider_trades",
                                "communications", "compensation", "share_prices", "letters"}
    assert m["inputs"]["notices"]["sha256"] == file_sha256(case.case_yaml.parent / "data" / "notices.csv")
    assert m["law_data_version"] and m["packages"]["great-expectations"] and m["packages"]["papermill"]
    assert m["parameters"]["as_of"] == "2018-03-01" and m["parameters"]["case_path"] == str(case.case_yaml)
    assert m["git"]["commit"] is None or len(m["git"]["commit"]) == 40
    for rel, entry in m["outputs"].items():
        assert file_sha256(run_dir / rel) == entry["sha256"], rel


def test_overview_reconciles_every_input(demo_run):
    _, run_dir, case = demo_run
    import pandas as pd

    inputs = pd.read_csv(run_dir / "artifacts" / "00_case_overview.inputs.csv")
    assert (inputs["rows_read"] == inputs["rows_accepted"] + inputs["rows_rejected"]).all()
    truth = json.loads(case.truth_path.read_text())
    people = inputs.set_index("name").loc["affected_people"]
    assert people["rows_read"] == truth["rows"]["affected_people"]


def test_report_outputs_and_verify(demo_run):
    _, run_dir, case = demo_run
    for rel in ["findings.json", "findings.csv", "report.html", "report.pdf"]:
        assert (run_dir / rel).is_file(), rel
    findings = json.loads((run_dir / "findings.json").read_text())["findings"]
    categories = {f["category"] for f in findings}
    assert {"data_quality", "notice_timeliness", "regulator_notice", "insider_trading",
            "lookalike_link", "notice_letter", "compensation"} <= categories
    assert main(["verify", str(run_dir)]) == 0


def test_run_log_holds_what_the_stages_logged(demo_run):
    _, run_dir, _ = demo_run
    lines = (run_dir / "run.log").read_text(encoding="utf-8").splitlines()

    def at(text: str) -> int:
        return next(i for i, line in enumerate(lines) if text in line)

    # the intake's own INFO lines, from its kernel, inside its notebook's start and end
    assert at("notebook 00_case_overview.ipynb ...") < at("INFO workbench.store: intake: reading notices") \
        < at("notebook 00_case_overview.ipynb done")
    assert not any("without encryption" in line for line in lines)
