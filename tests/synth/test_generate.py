"""The generator's contract: deterministic bytes, a valid case, a distribution that covers
every US jurisdiction, bounded chunks, and a CLI."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from workbench.case import load_case
from workbench.cli import main
from workbench.errors import WorkbenchError
from workbench.synth import generate_case, load_truth
from workbench.synth.plan import PLACE_WEIGHTS, allocate, make_plan
from workbench.synth.reference import US_CODES

from .conftest import CHUNK_ROWS, PEOPLE, SEED, ids


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes_and_another_seed_differs(synth_case, tmp_path):
    again = tmp_path / "again"
    generate_case(again, PEOPLE, SEED, chunk_rows=CHUNK_ROWS)
    first, second = _hashes(synth_case), _hashes(again)
    assert len(first) > 15  # case.yaml, truth.json, 7 data files, 12 Form 4 files
    assert first == second

    other = tmp_path / "other"
    generate_case(other, PEOPLE, SEED + 1, chunk_rows=CHUNK_ROWS)
    third = _hashes(other)
    assert third.keys() == first.keys()
    for name in ("data/affected_people.parquet", "data/notices.csv", "truth.json"):
        assert third[name] != first[name], name


def test_case_yaml_validates_and_declares_every_input(synth_case):
    case = load_case(synth_case / "case.yaml")
    assert case.case_id == "EXCB-2017-SYNTH"
    assert str(case.incident.discovered) == "2017-07-29"
    assert str(case.incident.determined) == "2017-08-02"
    assert str(case.incident.public_disclosure) == "2017-09-07"
    assert str(case.parameters.as_of) == "2018-03-01"
    assert case.official_domains == ["example-breach-2017.com", "example.com"]
    assert case.incident.data_elements == ["name", "ssn", "date_of_birth", "address", "drivers_license", "payment_card"]
    for name in case.declared_inputs():
        assert case.input_path(name).exists(), name
    assert len(case.declared_inputs()) == 8  # the seven tables and the letters folder
    assert "synth" in (synth_case / "case.yaml").read_text().splitlines()[0]  # note as a YAML comment


def test_truth_header(truth):
    assert truth["schema_version"] == 1
    assert truth["seed"] == SEED
    assert truth["people"] == PEOPLE
    assert truth["case_id"] == "EXCB-2017-SYNTH"
    for d in truth["defects"]:
        assert set(d) >= {"kind", "input", "ids", "jurisdiction", "detail"}
        assert d["count"] == len(d["ids"]) >= 1, d["kind"]


def test_allocation_is_exact_and_proportional():
    counts = allocate(1_000_003)
    assert counts.sum() == 1_000_003
    assert np.all(np.abs(counts - PLACE_WEIGHTS * 1_000_003) < 1)


def test_people_cover_every_us_jurisdiction_and_abroad(tmp_path):
    out = tmp_path / "big"
    generate_case(out, 20_000, 3)
    people = pq.read_table(out / "data" / "affected_people.parquet", columns=["region", "country"]).to_pandas()
    us = people[people.country == "US"]
    assert set(US_CODES) <= set(us.region)
    assert len(US_CODES) == 54
    abroad = people[people.country != "US"]
    assert 0.025 < len(abroad) / len(people) < 0.035
    assert {"DE", "FR", "IE", "ES", "IT", "NL", "GB", "CA"} == set(abroad.country)
    # roughly proportional to population: California about 12 %, Wyoming about 0.2 %
    share = us.region.value_counts(normalize=True)
    assert 0.11 < share["CA"] < 0.13 and 0.001 < share["WY"] < 0.003


def test_duplicate_rows_land_in_different_row_groups(synth_case, truth):
    pf = pq.ParquetFile(synth_case / "data" / "affected_people.parquet")
    assert pf.metadata.num_row_groups == PEOPLE // CHUNK_ROWS + 2  # chunks (+ remainder) + duplicates
    groups = {}
    for g in range(pf.metadata.num_row_groups):
        for pid in pf.read_row_group(g, columns=["person_id"]).column(0).to_pylist():
            groups.setdefault(pid, []).append(g)
    for pid in ids(truth, "duplicate_person_id"):
        assert len(set(groups[pid])) == 2, pid


def test_memory_is_bounded_by_chunks():
    plan = make_plan(10_000_000, 1, 500_000)
    assert len(plan.chunk_sizes) == 20 and max(plan.chunk_sizes) == 500_000
    assert plan.chunk_counts.sum() == 10_000_000


def test_too_few_people_is_a_clear_error(tmp_path):
    with pytest.raises(WorkbenchError, match="at least 200"):
        generate_case(tmp_path / "x", 50)


def test_cli_writes_a_case_and_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["synth", "--people", "200", "--out", str(out), "--seed", "4"]) == 0
    assert "truth.json" in capsys.readouterr().out
    assert load_truth(out)["people"] == 200
    # a generated case is regenerated in place (make demo twice)
    assert main(["synth", "--people", "200", "--out", str(out), "--seed", "5"]) == 0
    assert load_truth(out)["seed"] == 5
    # a hand-made case is not overwritten without --force
    (out / "truth.json").unlink()
    assert main(["synth", "--people", "200", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["synth", "--people", "200", "--out", str(out), "--seed", "6", "--force"]) == 0
    assert load_truth(out)["seed"] == 6


def test_notices_as_parquet_hold_the_same_rows_as_the_csv(synth_case, tmp_path):
    """``notices_format="parquet"`` (population-scale cases) changes the file, not the data:
    read through the workbench, accepted rows and rejects are those of the CSV case."""
    from workbench.sources import read_input

    pq_case = tmp_path / "pq"
    generate_case(pq_case, PEOPLE, SEED, chunk_rows=CHUNK_ROWS, notices_format="parquet")
    assert not (pq_case / "data" / "notices.csv").exists()
    assert pq.ParquetFile(pq_case / "data" / "notices.parquet").schema_arrow.field("sent_at").type.tz == "UTC"
    from_csv = read_input(load_case(synth_case / "case.yaml"), "notices", with_hash=False)
    from_pq = read_input(load_case(pq_case / "case.yaml"), "notices", with_hash=False)
    assert len(from_pq.frame) == len(from_csv.frame) > PEOPLE * 0.9
    assert from_pq.frame.reset_index(drop=True).equals(from_csv.frame.reset_index(drop=True))
    assert len(from_pq.rejects) == len(from_csv.rejects)
    assert load_truth(pq_case)["defects"] == load_truth(synth_case)["defects"]


def test_unknown_notices_format_is_refused(tmp_path):
    with pytest.raises(WorkbenchError, match="notices format 'xml'"):
        generate_case(tmp_path / "x", 300, 1, notices_format="xml")
