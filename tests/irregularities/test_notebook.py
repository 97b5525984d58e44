"""Notebook 30 runs top to bottom on a small generated case and writes its artifacts."""

import json

import pytest

from workbench.paths import NOTEBOOKS_DIR
from workbench.synth import generate_case

pytestmark = pytest.mark.slow


def test_notebook_runs_and_writes_findings(tmp_path, monkeypatch):
    papermill = pytest.importorskip("papermill")
    from workbench.runner import KERNEL_ENV

    for key, value in KERNEL_ENV.items():   # the kernel environment of a real run (inline charts)
        monkeypatch.setenv(key, value)
    generate_case(tmp_path / "case", 300, seed=7)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    papermill.execute_notebook(
        str(NOTEBOOKS_DIR / "30_irregularities.ipynb"), str(run_dir / "30_irregularities.ipynb"),
        parameters={"case_path": str(tmp_path / "case" / "case.yaml"), "run_dir": str(run_dir)},
        cwd=str(NOTEBOOKS_DIR), kernel_name="python3", progress_bar=False)
    art = run_dir / "artifacts"
    doc = json.loads((art / "30_irregularities.findings.json").read_text())
    assert doc["stage"] == "30_irregularities"
    assert set(doc["assessed"]) == {"insider_trading", "lookalike_links", "notice_letters", "letter_content",
                                    "compensation"}
    codes = {f["evidence"]["check"] for f in doc["findings"]}
    assert {"insider_sale_in_window", "lookalike_link", "letter_lookalike_link", "award_in_crisis_window"} <= codes
    for name in ("insider_sales", "share_price_chart", "linked_domains", "letter_problems", "letter_content",
                 "awards_in_window"):
        assert (art / f"30_irregularities.{name}.csv").is_file(), name
    assert (art / "30_irregularities.share_price_chart.png").stat().st_size > 10_000
    executed = json.loads((run_dir / "30_irregularities.ipynb").read_text())
    assert any(o.get("data", {}).get("image/png") for c in executed["cells"] for o in c.get("outputs", [])), \
        "the chart is displayed"
