"""Problems found before anything runs: case.yaml and a quick look at every input.

Each scenario is one small file (bytes given here, so the defect is visible in the test)
declared as one input of an otherwise valid case; ``check_case`` must name the input, the
file and what is wrong, and ``workbench run`` must exit 2 without creating a run folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from workbench.case import load_case
from workbench.errors import CaseError
from workbench.preflight import check_case

PEOPLE_HEADER = b"person_id,full_name,email,address_line,city,region,postal_code,country,data_elements\n"
FORM4_ENTITY_BOMB = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                     b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
                     b"<ownershipDocument>&lol2;</ownershipDocument>")

#: scenario -> (input, file name, bytes, a phrase the problem must hold)
FILE_SCENARIOS: dict[str, tuple[str, str, bytes, str]] = {
    "zero_bytes": ("affected_people", "people.csv", b"", "the file is empty"),
    "only_blank_lines": ("affected_people", "people.csv", b"\r\n\n  \n", "no header line"),
    "utf16_with_bom": ("affected_people", "people.csv", "person_id\n".encode("utf-16"), "UTF-16"),
    "latin1_in_header_sample": ("affected_people", "people.csv",
                                PEOPLE_HEADER + "P1,Zo\xeb,,,,TX,,US,name\n".encode("latin-1"), "line 2: not valid UTF-8"),
    "semicolon_separated": ("affected_people", "people.csv", PEOPLE_HEADER.replace(b",", b";"), "separated by ';'"),
    "required_column_missing": ("notices", "notices.csv", b"notice_id,person_id,channel,status\n",
                                "missing required column(s) sent_at"),
    "column_named_twice": ("share_prices", "prices.csv", b"date,close,close\n", "column(s) named twice: close"),
    "market_index_without_close": ("market_index", "sp500.csv", b"date,level\n", "missing required column(s) close"),
    "unnamed_column": ("share_prices", "prices.csv", b"date,,close\n", "have no name"),
    "nul_in_header": ("share_prices", "prices.csv", b"date,clo\x00se\n", "NUL byte"),
    "unknown_suffix": ("share_prices", "prices.xlsx", b"PK\x03\x04", "unknown file kind '.xlsx'"),
    "xml_for_a_table": ("share_prices", "prices.xml", b"<x/>", "unknown file kind '.xml'"),
    "not_parquet": ("share_prices", "prices.parquet", b"PAR1 but not really", "not a readable Parquet file"),
    "form4_entity_bomb": ("insider_trades", "form4/bomb.xml", FORM4_ENTITY_BOMB, "refused hostile XML"),
    "form4_unclosed_tag": ("insider_trades", "form4/broken.xml", b"<ownershipDocument>", "malformed XML"),
    "form4_wrong_root": ("insider_trades", "form4/other.xml", b"<html/>", "root element is <html>"),
}


def _case(tmp_path: Path, inputs: dict, **extra) -> Path:
    doc = {"case_id": "PRE-1", "organization": {"name": "Org"},
           "incident": {"breach_start": "2017-05-13", "discovered": "2017-07-29", "data_elements": ["name"]},
           "inputs": inputs, "parameters": {"as_of": "2018-03-01"}, **extra}
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _problems(case_yaml: Path) -> list[str]:
    with pytest.raises(CaseError) as info:
        check_case(case_yaml)
    return info.value.problems


@pytest.mark.parametrize("scenario", sorted(FILE_SCENARIOS))
def test_input_problem_is_named_before_anything_runs(tmp_path, scenario):
    name, file, data, phrase = FILE_SCENARIOS[scenario]
    target = tmp_path / "data" / file
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    declared = f"data/{file.split('/')[0]}" if "/" in file else f"data/{file}"
    problems = _problems(_case(tmp_path, {name: declared}))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"inputs.{name} ({declared})"), problems
    assert phrase in problems[0], problems


def test_a_header_alone_is_a_valid_input(tmp_path):
    (tmp_path / "people.csv").write_bytes(b"\xef\xbb\xbf" + PEOPLE_HEADER)
    assert check_case(_case(tmp_path, {"affected_people": "people.csv"})).case_id == "PRE-1"


def test_folder_where_a_file_is_expected(tmp_path):
    (tmp_path / "prices").mkdir()
    problems = _problems(_case(tmp_path, {"share_prices": "prices"}))
    assert problems == ["inputs.share_prices (prices): is a folder; expected a file (.csv or .parquet); "
                        "only insider_trades may be a folder of Form 4 filings"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "prices.csv")
    t0 = time.monotonic()
    problems = _problems(_case(tmp_path, {"share_prices": "prices.csv"}))
    assert time.monotonic() - t0 < 5
    assert "not a regular file" in problems[0]


def test_list_typed_parquet_column(tmp_path):
    pq.write_table(pa.table({"date": ["2017-09-07"], "close": [[1.0, 2.0]]}), tmp_path / "prices.parquet")
    problems = _problems(_case(tmp_path, {"share_prices": "prices.parquet"}))
    assert problems == ["inputs.share_prices (prices.parquet): column close holds list<element: double> values; "
                        "expected a scalar (text, number, date or timestamp)"]


def test_form4_link_out_of_the_case_folder(tmp_path):
    outside = tmp_path / "outside.xml"
    outside.write_bytes(b"<ownershipDocument/>")
    case_dir = tmp_path / "case"
    (case_dir / "form4").mkdir(parents=True)
    (case_dir / "form4" / "link.xml").symlink_to(outside)
    problems = _problems(_case(case_dir, {"insider_trades": "form4"}))
    assert "form4/link.xml: a link that leads out of the case folder" in problems[0]


def test_every_input_problem_is_reported_at_once(tmp_path):
    (tmp_path / "people.csv").write_bytes(b"")
    (tmp_path / "prices.csv").write_bytes(b"date,close,close\n")
    problems = _problems(_case(tmp_path, {"affected_people": "people.csv", "share_prices": "prices.csv"}))
    assert [p.split(" ", 1)[0] for p in problems] == ["inputs.affected_people", "inputs.share_prices"]


# --------------------------------------------------------------------------- case.yaml itself

def test_yaml_bomb_is_refused_quickly_and_without_expanding(tmp_path):
    bomb = "a: &a [" + ",".join(['"lol"'] * 9) + "]\n"
    for prev, name in zip("abcdefgh", "bcdefghi"):
        bomb += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    bomb += "case_id: *i\n"
    path = tmp_path / "case.yaml"
    path.write_text(bomb)
    t0 = time.monotonic()
    with pytest.raises(CaseError) as info:
        load_case(path)
    assert time.monotonic() - t0 < 2
    assert info.value.problems == ["line 1: not valid YAML (anchors and aliases (&name, *name) are not allowed in case.yaml)"]
    assert len(str(info.value)) < 400


def test_duplicate_yaml_key_names_both_lines(tmp_path):
    path = _case(tmp_path, {})
    text = path.read_text().replace("  discovered: '2017-07-29'\n", "  discovered: '2017-07-29'\n  discovered: '2017-08-01'\n")
    path.write_text(text)
    with pytest.raises(CaseError) as info:
        load_case(path)
    (problem,) = info.value.problems
    assert "key 'discovered' is given twice (first on line" in problem and problem.startswith("line ")


@pytest.mark.parametrize("field, value, phrase", [
    ("parameters.as_of", "9999-12-31", "parameters.as_of: 9999-12-31 is outside the supported range"),
    ("parameters.as_of", "now", "parameters.as_of: not a valid date: 'now'"),
    ("parameters.as_of", "today", "parameters.as_of: not a valid date: 'today'"),
    ("parameters.trading_window", {"before_discovery_days": 10 ** 9},
     "parameters.trading_window.before_discovery_days: Input should be less than or equal to 3650"),
    ("parameters.crisis_window_days", 10 ** 9, "parameters.crisis_window_days: Input should be less than or equal to 3650"),
    ("parameters.assessment_days", -5, "parameters.assessment_days: Input should be greater than or equal to 1"),
    ("incident.breach_start", "1066-10-14", "incident.breach_start: 1066-10-14 is outside the supported range"),
])
def test_absurd_parameters_are_refused(tmp_path, field, value, phrase):
    path = _case(tmp_path, {})
    doc = yaml.safe_load(path.read_text())
    section, key = field.split(".")
    doc[section][key] = value
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(CaseError) as info:
        load_case(path)
    assert any(phrase in p for p in info.value.problems), info.value.problems


def test_cross_field_problems_are_reported_when_another_field_is_invalid(tmp_path):
    path = _case(tmp_path, {})
    doc = yaml.safe_load(path.read_text())
    doc["incident"].update({"determined": "2017-07-01", "public_disclosure": "not a date", "data_elements": ["bogus"]})
    doc["parameters"].update({"as_of": "2017-01-01", "assessment_days": "many"})
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(CaseError) as info:
        load_case(path)
    text = "\n".join(info.value.problems)
    assert "incident.determined: 2017-07-01 is before incident.discovered 2017-07-29" in text
    assert "parameters.as_of: 2017-01-01 is before incident.discovered 2017-07-29" in text
    assert "incident.public_disclosure: not a valid date" in text and "unknown element(s) bogus" in text


def test_error_messages_never_expand_a_large_value(tmp_path):
    path = _case(tmp_path, {})
    doc = yaml.safe_load(path.read_text())
    doc["parameters"]["timezone"] = "X" * 100_000
    doc["parameters"]["as_of"] = ["2018-01-01"] * 10_000
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(CaseError) as info:
        load_case(path)
    assert all(len(p) < 300 for p in info.value.problems), [len(p) for p in info.value.problems]


def test_workbench_run_exits_2_before_creating_a_run_folder(tmp_path):
    (tmp_path / "prices.csv").write_bytes(b"day,price\n")
    case_yaml = _case(tmp_path, {"share_prices": "prices.csv"})
    out = tmp_path / "reports"
    r = subprocess.run([sys.executable, "-m", "workbench.cli", "run", str(case_yaml), "--out", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "inputs.share_prices (prices.csv): missing required column(s) date, close" in r.stderr
    assert not out.exists() or not any(out.rglob("manifest.json"))


@pytest.mark.parametrize("domain", ["", "HTTP://Example.COM/path", "..", "ex ample.com", "example", "a..b.com",
                                    "-bad.com", "example.com:443"])
def test_official_domains_must_be_domain_names(tmp_path, domain):
    path = _case(tmp_path, {}, official_domains=["example.com", domain])
    with pytest.raises(CaseError) as info:
        load_case(path)
    assert any(p.startswith("official_domains: not a domain name:") for p in info.value.problems), info.value.problems


def test_official_domains_are_normalised(tmp_path):
    case = load_case(_case(tmp_path, {}, official_domains=["Example.COM.", "équifax.com"]))
    assert case.official_domains == ["example.com", "équifax.com"]


def test_data_elements_are_required_only_with_affected_people(tmp_path):
    (tmp_path / "people.csv").write_bytes(PEOPLE_HEADER)
    path = _case(tmp_path, {"share_prices": "prices.csv"})
    (tmp_path / "prices.csv").write_bytes(b"date,close\n")
    doc = yaml.safe_load(path.read_text())
    del doc["incident"]["data_elements"]
    path.write_text(yaml.safe_dump(doc))
    assert load_case(path).incident.data_elements == []
    doc["inputs"]["affected_people"] = "people.csv"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(CaseError) as info:
        load_case(path)
    assert info.value.problems == ["incident.data_elements: required when the case declares affected_people "
                                   "(the exposed elements decide who is owed a notice)"]
