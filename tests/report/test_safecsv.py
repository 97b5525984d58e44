"""Every CSV the workbench writes goes through one formula-neutralising function
(:mod:`workbench.safecsv`): rejects, artifact tables, findings, ``law`` exports."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from workbench.artifacts import read_table, write_table
from workbench.case import load_case
from workbench.cli import main
from workbench.overview import build_overview
from workbench.safecsv import FORMULA_PREFIXES, SafeDictWriter, frame_csv_text, safe_cell

PAYLOAD = "=cmd|' /C calc'!A0"


def _cells(path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def _assert_no_live_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert safe_cell(cell) == cell, f"live formula cell {cell!r}"


@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_safe_cell_neutralises_each_formula_prefix(prefix):
    assert safe_cell(prefix + "cmd|' /C calc'!A0") == "'" + prefix + "cmd|' /C calc'!A0"


@pytest.mark.parametrize("text", ["-2+3", "+1+1", "-", "-inf", "-1 days +02:00:00", "-0x10", "@SUM(A1:A2)", "=1"])
def test_text_that_is_not_a_plain_number_is_neutralised(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-3", "+1.5", "-2e-05", "-.5", "3", "Cal. Civ. Code", "", -3, -1.5, None, True])
def test_plain_numbers_and_non_text_are_left_alone(value):
    assert safe_cell(value) == value


def test_a_rejects_file_comes_out_neutralised(minimal_case, tmp_path):
    notices = minimal_case.parent / "data" / "notices.csv"
    with notices.open("a", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerow(
            [PAYLOAD, "P1", "mail", "not-a-date", "@SUM(A1:A2)", "x", "name", "T1", "", "sent"])
    run_dir = tmp_path / "run"
    overview = build_overview(load_case(minimal_case), run_dir)
    assert len(overview.rejects_sample) == 1
    rows = _cells(run_dir / "rejects" / "notices.csv")
    assert rows[0][:3] == ["input", "file", "row"] and len(rows) == 2
    _assert_no_live_formula(rows)
    raw = rows[1][rows[0].index("raw")]
    assert raw.startswith("'" + PAYLOAD), raw
    assert rows[1][rows[0].index("row")] == "4", "numbers stay numbers"


def test_an_artifact_table_comes_out_neutralised_and_reads_back(tmp_path):
    frame = pd.DataFrame({"name": [PAYLOAD, "-2+3+cmd|' /C calc'!A0", "a\r=cmd", "plain"],
                          "delta": [-1, 2, -3, 4], "text_number": ["-3", "+1.5", "-", "x"]})
    path = write_table(tmp_path, "30_irregularities", "insider_sales", frame)
    rows = _cells(path)
    _assert_no_live_formula(rows)
    assert [r[0] for r in rows[1:]] == ["'" + PAYLOAD, "'-2+3+cmd|' /C calc'!A0", "a\r=cmd", "plain"]
    back = read_table(tmp_path, "30_irregularities", "insider_sales")
    assert back["delta"].tolist() == [-1, 2, -3, 4] and back["text_number"].tolist() == ["-3", "+1.5", "'-", "x"]


def test_a_frame_without_formulas_is_written_as_pandas_writes_it():
    frame = pd.DataFrame({"n": [1, -2, None], "f": [0.1, -1e-5, float("nan")],
                          "s": pd.array(["a,b", None, 'q"q'], dtype="string"),
                          "t": pd.to_datetime(["2017-01-01", None, "2017-03-01"], utc=True)})
    assert frame_csv_text(frame) == frame.to_csv(index=False, lineterminator="\r\n")


def test_a_header_from_the_data_is_neutralised_too():
    buf = io.StringIO()
    w = SafeDictWriter(buf, ["=HYPERLINK(\"http://evil.example\")", "n"])
    w.writeheader()
    w.writerow({"n": -7})
    assert buf.getvalue() == "\"'=HYPERLINK(\"\"http://evil.example\"\")\",n\r\n,-7\r\n"
    with pytest.raises(ValueError, match="not in fieldnames"):
        w.writerow({"other": 1})


def test_law_due_batch_output_is_neutralised(tmp_path, capsys):
    src = tmp_path / "register.csv"
    with src.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["jurisdiction", "clock_start", "obligation", "residents", "sent_at", "note"])
        w.writeheader()
        w.writerow({"jurisdiction": "US-WA", "clock_start": "2020-03-02", "obligation": "individual",
                    "residents": "10", "sent_at": "2020-04-03T09:00:00-07:00", "note": PAYLOAD})
        w.writerow({"jurisdiction": "US-WA", "clock_start": "2020-03-02", "obligation": "individual",
                    "residents": "-3", "sent_at": "", "note": "-2+3"})
    out = tmp_path / "checked.csv"
    main(["law", "due", "--batch", str(src), "--out", str(out)])
    capsys.readouterr()
    rows = list(csv.DictReader(out.open(newline="")))
    _assert_no_live_formula([list(r.values()) for r in rows])
    assert [r["note"] for r in rows] == ["'" + PAYLOAD, "'-2+3"]
    assert rows[1]["residents"] == "-3", "a negative number stays a number"
