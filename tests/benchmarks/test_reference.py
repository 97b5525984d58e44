"""The hand-written DuckDB references find exactly what their stages find.

Issue 15's yardstick is only fair if each reference does the stage's work, not less: on a
tiny generated case (and, for data quality, on the case whose planted defects fail every
expectation) every reference must give the same counts as its stage, key by key, and the
files both write (the typed store, the per-person statuses) must hold the same rows.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from benchmarks import reference
from benchmarks.tasks import TASKS
from workbench import stages
from workbench.case import load_case
from workbench.stages import StageName
from workbench.store import build_store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PEOPLE = 2_000


def differences(a: dict, b: dict) -> list:
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


@pytest.fixture(scope="module")
def synth_case(tmp_path_factory) -> Path:
    """A generated case of a few thousand people, people and notices as Parquet."""
    from workbench.synth import generate_case

    folder = tmp_path_factory.mktemp("synth") / "case"
    generate_case(folder, PEOPLE, 2017, chunk_rows=700, notices_format="parquet")
    return folder / "case.yaml"


@pytest.fixture(scope="module")
def store_dir(synth_case, tmp_path_factory) -> str:
    """The case's store, built once by the bench task every stage task reads."""
    folder = str(tmp_path_factory.mktemp("store") / "store")
    assert TASKS.get("store")(case_path=str(synth_case), store_dir=folder)["reused"] is False
    return folder


def test_the_store_task_reuses_a_matching_store_and_rebuilds_one_of_other_inputs(synth_case, store_dir, tmp_path):
    again = TASKS.get("store")(case_path=str(synth_case), store_dir=store_dir)
    assert again["reused"] is True
    other = tmp_path / "case"
    shutil.copytree(synth_case.parent, other)
    copied = TASKS.get("store")(case_path=str(other / "case.yaml"), store_dir=str(tmp_path / "store"))
    assert copied["reused"] is False
    (other / "data" / "compensation.csv").write_text((other / "data" / "compensation.csv").read_text() + "\n")
    assert TASKS.get("store")(case_path=str(other / "case.yaml"), store_dir=str(tmp_path / "store"))["reused"] is False


def test_the_intake_reference_writes_the_same_typed_rows_as_the_intake(synth_case, tmp_path):
    case = load_case(synth_case)
    names = list(reference.POPULATION_INPUTS)
    store = build_store(case, tmp_path / "stage", names=names, hashes={n: None for n in names})
    stage = reference.intake_counts(store, stages.get(StageName.INTAKE).run(store, case).view)
    ref = reference.ref_intake(case, tmp_path / "ref")
    assert differences(stage, ref) == []
    assert stage["affected_people.rows_read"] == PEOPLE + 1 and stage["people.UNKNOWN"] >= 1  # planted
    for name in names:
        ours, theirs = pq.read_table(store.parquet(name)), pq.read_table(tmp_path / "ref" / "store" / f"{name}.parquet")
        assert [(f.name, f.type) for f in ours.schema] == [(f.name, f.type) for f in theirs.schema], name
        assert ours.to_pandas().equals(theirs.to_pandas()), name  # same values, same (file) order


def test_the_intake_reference_trims_rejects_and_fills_as_the_readers_do(minimal_case, tmp_path):
    """Unicode white space trimmed, empty text null, a NUL rejected, a missing optional
    column null, an extra column ignored, a US region given as US-XX: the same store."""
    import yaml

    case_yaml = minimal_case
    folder = case_yaml.parent
    people = pa.table({
        "person_id": ["\u00a0P1 ", "P2", "P3", "P4", "P5\x00", "P6", " "],
        "full_name": ["Ann\u2003", "\tBo", "Cy", "", "Ed", "Fay", "Gus"],
        "region": [" ca", "US-NY", None, "ZZ", "CA", "QC\u3000", "TX"],
        "country": ["us", "US", "\u00a0gb", "US", "US", "ca", "usa"],
        "data_elements": ["ssn", "ssn", "ssn", "ssn", "ssn", "ssn", "ssn"],
        "favourite_colour": ["red"] * 7,
    })
    notices = pa.table({
        "notice_id": ["N1", "N2", "N3\x00"], "person_id": ["P1", " P2", "P3"], "channel": ["mail", "email", "mail"],
        "sent_at": pa.array([pd.Timestamp("2017-09-08T10:00Z"), None, pd.Timestamp("2017-09-09T10:00Z")],
                            pa.timestamp("us", tz="UTC")),
        "status": ["sent", "sent", "returned"],
    })
    pq.write_table(people, folder / "people.parquet")
    pq.write_table(notices, folder / "notices.parquet")
    doc = yaml.safe_load(case_yaml.read_text())
    doc["inputs"] = {"affected_people": "people.parquet", "notices": "notices.parquet"}
    case_yaml.write_text(yaml.safe_dump(doc, sort_keys=False))
    case = load_case(case_yaml)
    names = list(reference.POPULATION_INPUTS)
    store = build_store(case, tmp_path / "stage", names=names, hashes={n: None for n in names})
    stage = reference.intake_counts(store, stages.get(StageName.INTAKE).run(store, case).view)
    ref = reference.ref_intake(case, tmp_path / "ref")
    assert differences(stage, ref) == []
    assert stage["affected_people.rows_rejected"] == 1 and stage["notices.rows_rejected"] == 1
    for name in names:
        ours = pq.read_table(store.parquet(name)).to_pandas()
        theirs = pq.read_table(tmp_path / "ref" / "store" / f"{name}.parquet").to_pandas()
        pd.testing.assert_frame_equal(ours, theirs)
    assert list(pq.read_table(store.parquet("affected_people")).column("jurisdiction").to_pylist()) == [
        "US-CA", "US-NY", "GB", "UNKNOWN", "CA-QC", "US-TX"]  # P5 rejected (a NUL); Quebec has its own law
    assert (tmp_path / "ref" / "rejects" / "notices.csv").is_file()


def test_the_timelines_reference_finds_every_status_and_writes_the_same_person_file(store_dir, tmp_path):
    from benchmarks.tasks import _OnStore

    with _OnStore(store_dir) as store:
        result = stages.get(StageName.NOTICE_TIMELINES, person_status=True).run(store, store.case)
        stage = reference.timelines_counts(result)
        ref = reference.ref_timelines(store, store.case, tmp_path, person_status=True)
        ours = pd.read_parquet(result.view.person_status_path).sort_values("person_id", ignore_index=True)
    assert differences(stage, ref) == []
    assert stage["status.late"] > 0 and stage["status.overdue"] > 0 and stage["stats.duplicate_person_rows_ignored"] > 0
    theirs = pd.read_parquet(tmp_path / "person_status.parquet").sort_values("person_id", ignore_index=True)
    pd.testing.assert_frame_equal(ours, theirs)


def test_the_irregularities_reference_counts_every_letter_problem(store_dir):
    stage = TASKS.get("stage_irregularities")(store_dir=store_dir)
    ref = TASKS.get("ref_irregularities")(store_dir=store_dir)
    assert differences(stage["counts"], ref["counts"]) == []
    assert stage["rows"] == ref["rows"] > PEOPLE  # people and notices both read
    for problem in ("notice_to_unaffected", "missing_notice", "duplicate_notice", "misspelled_name",
                    "fewer_data_elements", "notice_before_determination"):  # every kind planted
        assert stage["counts"][f"letters.{problem}.people"] > 0, problem
    assert any(k.startswith("letters.link:") for k in stage["counts"])


def test_the_quality_reference_counts_every_expectation_of_every_suite(store_dir):
    stage = TASKS.get("stage_quality")(store_dir=store_dir)
    ref = TASKS.get("ref_quality")(store_dir=store_dir)
    assert differences(stage["counts"], ref["counts"]) == []
    for key in ("affected_people.person_id_unique", "affected_people.email_format", "affected_people.us_zip_format",
                "cross.people_without_notice", "cross.notices_to_unknown_people"):
        assert stage["counts"][key] > 0, key


def test_on_the_planted_defects_case_every_reference_on_the_store_agrees_with_its_stage(tmp_path):
    """The planted-defects case fails every expectation of every suite at least once
    (tests/quality/test_planted_defects.py), from CSV inputs with rejected rows, in the
    America/New_York timezone: the reference's SQL of each expectation type, row condition
    and bound is held to GX's counts there, and the timelines and letters to theirs."""
    case = load_case(FIXTURES / "quality" / "planted_defects" / "case.yaml")
    store = build_store(case, tmp_path / "run")
    stage = reference.quality_counts(stages.get(StageName.DATA_QUALITY).run(store, case))
    assert differences(stage, reference.ref_quality(store, case)) == []
    failing = {k for k, v in stage.items() if v and "." in k and not k.endswith((".examples", ".rows_rejected"))
               and not k.startswith(("jurisdiction.", "cross."))}
    assert len(failing) >= 36  # the planted expectations of the seven suites (test_planted_defects.EXPECTED)
    timelines = reference.timelines_counts(stages.get(StageName.NOTICE_TIMELINES).run(store, case))
    assert differences(timelines, reference.ref_timelines(store, case, tmp_path / "ref")) == []
    assert timelines["stats.duplicate_person_rows_ignored"] == 1
    irregular = reference.irregularities_counts(stages.get(StageName.IRREGULARITIES).run(store, case))
    assert differences(irregular, reference.ref_irregularities(store, case)) == []
