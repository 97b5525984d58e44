"""Read once, one stage contract: the intake writes the case store, every later stage reads it.

A small synthetic case (every input, planted defects) goes through the intake and every
stage in this process, as the notebooks run them (:func:`workbench.stages.run`).
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from workbench import sources, stages
from workbench.case import load_case
from workbench.errors import UnknownNameError
from workbench.report import build_report
from workbench.stages import STAGES, StageName
from workbench.store import CaseStore, StoreError

LATER = (StageName.DATA_QUALITY, StageName.NOTICE_TIMELINES, StageName.IRREGULARITIES)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    from workbench.synth import generate_case

    return generate_case(tmp_path_factory.mktemp("store") / "case", 400, seed=11).case_yaml


def _audit(case_yaml: Path, run_dir: Path) -> dict[str, stages.StageResult]:
    out = {StageName.INTAKE: stages.run(StageName.INTAKE, case_yaml, run_dir)}
    for name in LATER:
        out[name] = stages.run(name, case_yaml, run_dir)
    return out


@pytest.fixture(scope="module")
def audited(synthetic, tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run")
    return run_dir, _audit(synthetic, run_dir)


def test_every_stage_but_the_report_is_registered_once():
    assert set(STAGES.names()) == {str(n) for n in StageName if n is not StageName.REPORT}
    with pytest.raises(UnknownNameError, match="known: 00_case_overview, 10_data_quality"):
        stages.get("15_nothing")


def test_the_store_holds_each_input_as_the_one_reader_typed_it(synthetic, audited):
    run_dir, _ = audited
    store, case = CaseStore.open(run_dir), load_case(synthetic)
    assert store.names() == case.declared_inputs()
    for name in case.declared_inputs():
        read = sources.read_input(case, name, with_hash=False)
        stored = store.frame(name)
        if name == "affected_people":  # the one column the intake adds: the person's jurisdiction
            stored = stored.drop(columns=["jurisdiction"])
        pd.testing.assert_frame_equal(stored, read.frame.reset_index(drop=True), check_dtype=False, obj=name)
        rec = store.record(name)
        assert (rec.rows_read, rec.rows_accepted, rec.rows_rejected) == (
            read.stats.rows_read, read.stats.rows_accepted, read.stats.rows_rejected), name
        assert rec.reconciles and rec.sha256 == sources.file_sha256(case.input_path(name))
        assert list(store.rejects(name)["row"]) == list(read.rejects["row"]), name
    assert store.case == case


def test_a_stage_never_opens_an_input_file(synthetic, audited, tmp_path):
    """With the case folder gone after the intake, every later stage and the report still
    give the same findings: they read only the store."""
    run_dir, before = audited
    folder = tmp_path / "case"
    shutil.copytree(synthetic.parent, folder)
    moved = tmp_path / "run"
    stages.run(StageName.INTAKE, folder / "case.yaml", moved)
    shutil.rmtree(folder)  # case.yaml and every input
    for name in LATER:
        again = stages.run(name, folder / "case.yaml", moved)
        assert [(f.id, f.severity, f.count) for f in again.findings] == \
            [(f.id, f.severity, f.count) for f in before[name].findings], name
    report = build_report(moved, None, formats=("json",), regulators=False)
    assert report.findings and json.loads((moved / "findings.json").read_text())["case_id"] == load_case(synthetic).case_id


def test_each_input_is_read_once_and_not_hashed_again(synthetic, tmp_path, monkeypatch):
    """In a run the runner hashes the inputs when it starts; the intake takes those hashes
    and reads each input once; no later stage reads or hashes any."""
    reads, hashed = Counter(), Counter()
    real_iter, real_hash = sources.iter_input, sources.file_sha256

    def counting_iter(case, name, *a, **kw):
        reads[name] += 1
        return real_iter(case, name, *a, **kw)

    def counting_hash(path):
        hashed[Path(path).name] += 1
        return real_hash(path)

    case = load_case(synthetic)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    manifest = {"case_path": str(case.path), "inputs": {n: {"sha256": real_hash(case.input_path(n))}
                                                        for n in case.declared_inputs()}}
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    monkeypatch.setattr(sources, "iter_input", counting_iter)
    monkeypatch.setattr(sources, "file_sha256", counting_hash)
    _audit(synthetic, run_dir)
    assert reads == Counter({n: 1 for n in case.declared_inputs()})
    del hashed["case.yaml"]  # a few bytes, hashed to tell a stale store (not an input)
    assert not +hashed, hashed


def test_one_person_one_jurisdiction_one_number_in_every_stage(audited):
    run_dir, results = audited
    by_code = results[StageName.INTAKE].view.people_by_jurisdiction.set_index("jurisdiction")
    overview, overview_rows = by_code["people"], by_code["rows"]
    quality = results[StageName.DATA_QUALITY].view.jurisdictions.set_index("jurisdiction")["people"]
    table = results[StageName.NOTICE_TIMELINES].view.jurisdictions
    timelines = table[table["home_residents"] > 0].set_index("jurisdiction")["home_residents"]  # overlays count again
    # the data-quality stage counts rows (its duplicate-row finding is about them)
    assert overview_rows.sort_index().to_dict() == quality.sort_index().to_dict()
    # the overview and the timelines count each person id once (a duplicated id is one resident)
    duplicates = results[StageName.NOTICE_TIMELINES].view.stats["duplicate_person_rows_ignored"]
    assert duplicates and int(overview_rows.sum()) - int(overview.sum()) == duplicates
    assert overview[overview.index.isin(timelines.index)].sort_index().to_dict() == timelines.sort_index().to_dict()
    assert set(timelines.index) <= set(overview.index)
    letters = results[StageName.IRREGULARITIES].view.by_check.get("notice_letters", [])
    seen = {j for f in letters for j in f.evidence.get("by_jurisdiction", {})}
    assert seen and seen <= set(overview.index), seen - set(overview.index)


def test_a_later_stage_without_a_store_builds_it_first(synthetic, tmp_path):
    result = stages.run(StageName.NOTICE_TIMELINES, synthetic, tmp_path / "run")
    assert (tmp_path / "run" / "store" / "inputs.json").is_file() and result.findings
    with pytest.raises(StoreError, match="no case store"):
        stages.run(StageName.NOTICE_TIMELINES, None, tmp_path / "elsewhere")


def test_a_store_of_another_case_is_built_again(synthetic, tmp_path):
    """A scratch folder reused for another case (or an edited case.yaml) never hands a stage
    the previous case's data."""
    from tests.foundation.helpers import trades_only_case

    run_dir = tmp_path / "scratch"
    stages.run(StageName.INTAKE, synthetic, run_dir)
    other = trades_only_case(tmp_path)
    result = stages.run(StageName.IRREGULARITIES, other, run_dir)
    assert CaseStore.open(run_dir).case.case_id == "TRADES-ONLY" and CaseStore.open(run_dir).holds(other)
    assert not result.assessed["lookalike_links"].is_assessed  # the synthetic case's messages are gone
    other.write_text(other.read_text().replace("as_of: 2018-03-01", "as_of: 2018-04-01"))
    assert not CaseStore.open(run_dir).holds(other)
    stages.run(StageName.IRREGULARITIES, other, run_dir)
    assert str(CaseStore.open(run_dir).case.parameters.as_of) == "2018-04-01"


def test_large_inputs_read_in_worker_processes_give_the_same_store(synthetic, tmp_path, monkeypatch):
    """People and notices each read by a worker process of their own (as at population
    scale): the same rows, types, rejects and records as one process reading them all."""
    from workbench import store as store_mod

    case = load_case(synthetic)
    one = store_mod.build_store(case, tmp_path / "one", workers=1)
    monkeypatch.setattr(store_mod, "PARALLEL_FROM_ROWS", 1)
    assert store_mod._parallel_inputs(case, case.declared_inputs(), 2)[1] == 2
    two = store_mod.build_store(case, tmp_path / "two", workers=2)
    assert {n: r.to_json() for n, r in two.records.items()} == {n: r.to_json() for n, r in one.records.items()}
    for name in case.declared_inputs():
        pd.testing.assert_frame_equal(two.frame(name), one.frame(name), obj=name)
        pd.testing.assert_frame_equal(two.rejects(name), one.rejects(name), obj=name)


def test_an_input_error_in_a_worker_process_reaches_the_caller_as_it_was_raised(synthetic, tmp_path, monkeypatch):
    from workbench import store as store_mod
    from workbench.errors import InputError

    folder = tmp_path / "case"
    shutil.copytree(synthetic.parent, folder)
    case = load_case(folder / "case.yaml")
    broken = case.input_path("affected_people")
    broken.write_bytes(b"PAR1 not really a parquet file")
    monkeypatch.setattr(store_mod, "PARALLEL_FROM_ROWS", 0)
    assert "affected_people" in store_mod._parallel_inputs(case, case.declared_inputs(), 2)[0]
    with pytest.raises(InputError) as err:
        store_mod.build_store(case, tmp_path / "run", workers=2)
    assert err.value.file == str(broken) or str(broken) in str(err.value)
