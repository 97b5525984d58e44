"""The regulator notebook: thin, parametrised, and run through papermill on tiny registers."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pandas as pd
import pytest

from workbench.paths import PROJECT_ROOT

NOTEBOOK = PROJECT_ROOT / "notebooks" / "regulator" / "register_audit.ipynb"
FIXTURES = Path(__file__).parent / "fixtures"
WA = FIXTURES / "wa_register_2019_to_2021_with_sectors.csv"
NY = FIXTURES / "ny_register_with_the_acme_incident.csv"


def _code_cells() -> list[str]:
    return ["".join(c["source"]) for c in json.loads(NOTEBOOK.read_text())["cells"] if c["cell_type"] == "code"]


def test_the_notebook_opens_with_its_question_and_literal_commented_parameters():
    nb = json.loads(NOTEBOOK.read_text())
    first = "".join(nb["cells"][0]["source"])
    assert nb["cells"][0]["cell_type"] == "markdown" and all(w in first for w in ("Question", "Reads", "Writes"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    lines = "".join(code[0]["source"]).splitlines()
    for stmt, line in zip(ast.parse("\n".join(lines)).body, lines):
        assert isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant), line
        assert "  # " in line and "../" not in line, line
    assert {t.id for s in ast.parse("\n".join(lines)).body for t in s.targets} == \
        {"register_paths", "jurisdictions", "mappings", "run_dir", "assessment_days", "write_report"}
    for c in code:
        tree = ast.parse("".join(c["source"]))
        assert not any(isinstance(n, (ast.FunctionDef, ast.ClassDef)) for n in ast.walk(tree))
        assert "sys.path" not in "".join(c["source"])
        assert not c.get("outputs") and c.get("execution_count") is None, "committed with outputs"


def execute(tmp_path: Path, paths: str, codes: str) -> tuple[Path, dict]:
    import papermill as pm

    out = tmp_path / "run"
    pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "register_audit.ipynb"),
                        parameters={"register_paths": paths, "jurisdictions": codes, "run_dir": str(out)},
                        cwd=str(NOTEBOOK.parent), progress_bar=False, kernel_name="python3")
    nb = json.loads((tmp_path / "register_audit.ipynb").read_text())
    return out, nb


def _figures_output(nb: dict) -> dict:
    """The value the notebook shows for ov.key_figures()."""
    cell = next(c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]) == "ov.key_figures()")
    return ast.literal_eval("".join(cell["outputs"][0]["data"]["text/plain"]))


@pytest.mark.slow
def test_the_notebook_runs_on_two_registers_and_its_figures_equal_summary_json(tmp_path):
    out, nb = execute(tmp_path, f"{WA};{NY}", "US-WA;US-NY")
    shown = _figures_output(nb)
    for code in ("US-WA", "US-NY"):
        summary = json.loads((out / code / "summary.json").read_text())
        late = {y: c["late"] for y, c in summary["status_by_year"].items() if c.get("late")}
        assert {y: n for y, n in shown[code]["late_by_year"].items() if n} == late
        assert shown[code]["not_determinable"] == summary["status_counts"]["not_determinable"]
        table = pd.read_csv(out / code / "register_tables" / "late_per_year.csv", dtype={"year": str})
        assert dict(zip(table["year"], table["late"])) == shown[code]["late_by_year"]  # the CSV of the figure
        assert int(table["not_determinable"].sum()) == shown[code]["not_determinable"]
        judged = pd.read_csv(out / code / "judged_register.csv", dtype=str, keep_default_na=False)
        assert int((judged["status"] == "late").sum()) == sum(shown[code]["late_by_year"].values())
    assert shown["US-WA"]["late_by_year"] == {"2019": 1, "2020": 1, "2021": 2}
    across = (out / "across_registers.csv").read_text()
    assert "acme health" in across and ",28," in across
    from tests.register.test_report import assert_same_figures

    for code in ("US-WA", "US-NY"):  # the report the notebook wrote repeats the same figures
        html = (out / code / "register_report.html").read_text()
        assert_same_figures(html, json.loads((out / code / "summary.json").read_text()))
        assert "acme health" in html.lower() and (out / code / "register_report.pdf").is_file()
    manifest = json.loads((out / "register_manifest.json").read_text())
    assert [i["jurisdiction"] for i in manifest["inputs"]] == ["US-WA", "US-NY"] and manifest["law_data_version"]
    assert "US-WA/register_report.pdf" in manifest["outputs"] and manifest["packages"]["pandas"]
    images = sum("image/png" in o.get("data", {}) for c in nb["cells"] for o in c.get("outputs", []))
    assert images == 4  # late and delay charts of each register (NY: a year with no late notice is a zero bar)
