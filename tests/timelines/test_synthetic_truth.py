"""Recall and precision of 100% on the planted timeline defects of a synthetic case."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from workbench.case import load_case
from workbench.cli import main
from workbench.timelines import STAGE, assess_case, run_stage

#: truth.json kind -> finding code of this stage
KIND_TO_CODE = {"late_notice": "late_notice", "missing_notice": "missing_notice",
                "regulator_notice_missing": "regulator_notice_missing",
                "regulator_notice_late": "regulator_notice_late",
                "residents_reported_mismatch": "residents_reported_mismatch",
                "not_owed_notice": "not_owed_notice"}
PROBLEM_CODES = set(KIND_TO_CODE.values()) | {"cra_notice_missing", "cra_notice_late", "pending_notice",
                                               "regulator_notice_pending", "cra_notice_pending"}


@pytest.fixture(scope="module", params=[(400, 1), (2500, 7)], ids=["400-seed1", "2500-seed7"])
def synthetic(request, tmp_path_factory) -> Path:
    people, seed = request.param
    out = tmp_path_factory.mktemp("synth") / "case"
    assert main(["synth", "--people", str(people), "--out", str(out), "--seed", str(seed)]) == 0
    return out


def _truth(folder: Path) -> dict[str, dict[str, set[str]]]:
    """kind -> jurisdiction -> planted person ids (or the jurisdiction itself)."""
    truth: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for d in json.loads((folder / "truth.json").read_text())["defects"]:
        if d["kind"] in KIND_TO_CODE:
            truth[d["kind"]][d["jurisdiction"]] |= set(d["ids"])
    return truth


def test_findings_match_the_planted_defects_exactly(synthetic, tmp_path):
    truth = _truth(synthetic)
    out = run_stage(synthetic / "case.yaml", tmp_path)
    found = {(f.code, f.jurisdiction) for f in out.findings if f.code in PROBLEM_CODES}
    planted = {(KIND_TO_CODE[k], j) for k, by_j in truth.items() for j in by_j}
    assert planted, "the synthetic case plants timeline defects"
    assert found == planted  # recall and precision 100% at finding level
    for f in out.findings:
        if f.code in ("late_notice", "missing_notice"):
            assert f.count == len(truth[f.code][f.jurisdiction]) and f.citation


def test_person_statuses_match_the_planted_people(synthetic, tmp_path):
    truth = _truth(synthetic)
    out = assess_case(load_case(synthetic / "case.yaml"), person_status_path=tmp_path / "p.parquet")
    people = pd.read_parquet(out.person_status_path)
    late = set(people.loc[people["status"] == "late", "person_id"])
    missing = set(people.loc[people["status"].isin(["overdue", "missing"]), "person_id"])
    assert late == set().union(*truth["late_notice"].values())
    assert missing == set().union(*truth["missing_notice"].values())
    # people whose exposed elements are no personal information: not required, with the reason
    not_owed = set().union(*truth["not_owed_notice"].values())
    assert not_owed and set(people.loc[people["person_id"].isin(not_owed), "status"]) == {"not_required"}
    reasons = set(people.loc[people["person_id"].isin(not_owed), "reason"])
    assert len(reasons) == 1 and "are not personal information under" in reasons.pop()
    by_j = people.groupby("jurisdiction")["status"].value_counts().unstack(fill_value=0)
    for j, ids in truth["late_notice"].items():
        assert by_j.loc[j, "late"] == len(ids)


def test_stage_writes_findings_and_a_per_jurisdiction_table(synthetic, tmp_path):
    from workbench.artifacts import read_assessed, read_findings, read_table

    out = run_stage(synthetic / "case.yaml", tmp_path)
    table = read_table(tmp_path, STAGE, "jurisdictions")
    assert "jurisdiction" in table.columns and len(table) == len(out.jurisdictions)
    # each person counts once where they live (home_residents); overlays (CA for Quebec, IN-CERTIN...)
    # judge some of them again (residents: everyone judged under that law)
    assert table["home_residents"].sum() == out.stats["people"]
    assert (table["residents"] >= table["home_residents"]).all() and table["residents"].sum() > out.stats["people"]
    assert {f.id for f in read_findings(tmp_path)} == {f.id for f in out.findings}
    assert read_assessed(tmp_path)[STAGE]["regulator_notice"].is_assessed
    # the per-person file is written when asked for (case.yaml, parameters.person_status_export)
    assert not (tmp_path / "artifacts" / f"{STAGE}.person_status.parquet").exists()


def test_the_per_person_statuses_are_written_when_the_case_asks(synthetic, tmp_path):
    from tests.conftest import edit_case

    folder = tmp_path / "case"
    shutil.copytree(synthetic, folder)
    edit_case(folder / "case.yaml", **{"parameters.person_status_export": True})
    out = run_stage(folder / "case.yaml", tmp_path / "run")
    people = pd.read_parquet(tmp_path / "run" / "artifacts" / f"{STAGE}.person_status.parquet")
    assert people["person_id"].nunique() == out.stats["people"]  # one row per person and law that judges them
    assert (people["scope"] == "residence").sum() == out.stats["people"]
    assert len(people) == out.jurisdictions["residents"].sum()


def test_inputs_are_read_only_through_sources(synthetic):
    """The raw-file DuckDB scan is gone: asking for it names the engines there are."""
    from workbench.errors import UnknownNameError

    case = load_case(synthetic / "case.yaml")
    with pytest.raises(UnknownNameError, match="known: auto, sources"):
        assess_case(case, engine="duckdb")
