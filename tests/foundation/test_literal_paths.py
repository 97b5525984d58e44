"""Declared paths are used literally: DuckDB reads the very file named, never a file its
glob (``*``, ``?``, ``[...]``) or Hive partitioning (``key=value`` folders) would pick."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import MINIMAL_CASE
from workbench import duck
from workbench.case import load_case


def _read(path: Path, kind: str, **options) -> list[tuple]:
    con = duck.connect()
    try:
        return con.execute(f"SELECT * FROM {duck.scan(path, kind, **options)}").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("name", ["notices[12].csv", "notices*.csv", "notices?.csv", "notices[!x].csv",
                                  "back\\slash[1].csv", "it's {a,b}.csv", "plain.csv"])
def test_duckdb_reads_the_file_named_not_what_its_glob_matches(tmp_path, name):
    (tmp_path / "notices1.csv").write_text("a\ndecoy\n")
    (tmp_path / "notices2.csv").write_text("a\ndecoy\n")
    (tmp_path / name).write_text("a\nthe file named\n")
    assert _read(tmp_path / name, "csv", header=True, all_varchar=True) == [("the file named",)]


def test_a_folder_with_glob_characters_and_a_hive_looking_name_is_literal(tmp_path):
    real = tmp_path / "exports[1]" / "country=US"
    decoy = tmp_path / "exports1" / "country=US"
    for folder, who in ((real, "real"), (decoy, "decoy")):
        folder.mkdir(parents=True)
        pd.DataFrame({"person_id": [who], "country": ["FR"]}).to_parquet(folder / "people.parquet")
    assert _read(real / "people.parquet", "parquet") == [("real", "FR")], \
        "neither the decoy folder nor the country=US folder name may change what is read"
    assert _read(tmp_path / "exports[1]", "parquet", below="**/*.parquet") == [("real", "FR")]


def test_an_unknown_reader_kind_lists_the_known_ones(tmp_path):
    with pytest.raises(KeyError, match="known: csv, parquet"):
        duck.scan(tmp_path / "x.json", "json")


@pytest.fixture
def bracketed_case(tmp_path) -> Path:
    """The minimal case with its notices in ``notices[12].csv`` and a decoy ``notices1.csv``
    (every notice to someone else, a year late) that a glob would read instead."""
    folder = tmp_path / "bracketed"
    shutil.copytree(MINIMAL_CASE, folder)
    data = folder / "data"
    (data / "notices.csv").rename(data / "notices[12].csv")
    real = (data / "notices[12].csv").read_text().splitlines()
    decoy = [real[0]] + [line.replace(",P", ",ZZ").replace("2017-", "2018-") for line in real[1:]]
    (data / "notices1.csv").write_text("\n".join(decoy) + "\n")
    doc = yaml.safe_load((folder / "case.yaml").read_text())
    doc["inputs"]["notices"] = "data/notices[12].csv"
    (folder / "case.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return folder / "case.yaml"


def test_timelines_read_notices_with_brackets_in_their_name_not_the_decoy(bracketed_case, tmp_path):
    """The intake reads the file named (its Parquet copy in the store has a plain name);
    the timelines on the store equal the timelines read straight through sources."""
    from workbench import stages
    from workbench.timelines import assess_case

    case = load_case(bracketed_case)
    assert case.input_path("notices").name == "notices[12].csv"
    by_store = stages.run(stages.StageName.NOTICE_TIMELINES, bracketed_case, tmp_path / "run").view
    by_sources = assess_case(case)  # the exact reader, which never globs
    assert by_store.stats["engine"] == "store"
    pd.testing.assert_frame_equal(by_store.jurisdictions, by_sources.jurisdictions)
    table = by_store.jurisdictions.set_index("jurisdiction")
    assert table.loc[["US-CA", "US-NY"], "on_time"].tolist() == [1, 1], "the decoy notifies no one, a year late"
    assert int(table["missing"].sum()) == 0


def test_letters_never_read_a_path(bracketed_case, tmp_path):
    """The letters check takes typed data only (a path is refused), and on the store of the
    bracketed case it sees the real notices, not the decoy's."""
    from workbench import stages
    from workbench.irregularities.letters import letter_problems

    case = load_case(bracketed_case)
    kwargs = dict(data_elements=case.incident.data_elements, official_domains=["mini-breach.example"],
                  determined=None, timezone="UTC")
    with pytest.raises(TypeError, match="is a file path"):
        letter_problems(pd.DataFrame({"person_id": ["P1"]}), case.input_path("notices"), **kwargs)
    found = stages.run(stages.StageName.IRREGULARITIES, bracketed_case, tmp_path / "run").view
    assert found.assessed["notice_letters"].is_assessed
    assert not any("not affected" in f.title for f in found.findings), "the decoy's notices go to unknown people"
