"""Notebooks opened by hand: documented parameters and defaults that do not depend on the folder."""

from pathlib import Path

import nbformat
import pytest

from workbench import paths
from workbench.paths import NOTEBOOKS_DIR, notebook_paths

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_parameter_says_what_it_is_and_no_default_is_a_relative_path(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    for line in filter(str.strip, cell.source.splitlines()):
        assert "  # " in line, f"{nb_path.name}: parameter without a comment: {line}"
        assert "../" not in line, f"{nb_path.name}: a default that depends on the current folder: {line}"


def test_empty_parameters_mean_the_demo_case_and_the_scratch_folder(monkeypatch, tmp_path):
    demo = tmp_path / "cases" / "demo" / "case.yaml"
    demo.parent.mkdir(parents=True)
    demo.write_text("case_id: X\n")
    monkeypatch.setattr(paths, "DEMO_CASE", demo)
    monkeypatch.setattr(paths, "REPORTS_DIR", tmp_path / "reports")
    assert notebook_paths("", "") == (demo, tmp_path / "reports" / "scratch")
    assert notebook_paths("other/case.yaml", "runs/x") == (Path("other/case.yaml"), Path("runs/x"))


def test_no_demo_case_is_a_clear_error_saying_how_to_make_one(monkeypatch, tmp_path):
    monkeypatch.setattr(paths, "DEMO_CASE", tmp_path / "cases" / "demo" / "case.yaml")
    with pytest.raises(FileNotFoundError, match="no case_path given and no demo case at .*workbench synth --out"):
        notebook_paths("", "")
