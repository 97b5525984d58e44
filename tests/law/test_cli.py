"""The ``workbench law`` commands: show, due, deadlines (incl. ICS read back), list, --batch."""

from __future__ import annotations

import csv
import datetime as dt
import json
import time
from pathlib import Path

import pytest
from icalendar import Calendar

from workbench.cli import main
from workbench.law import US_REGION_CODES, load_rulebook

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "law"
CASE = FIXTURES / "case_multistate_2020" / "case.yaml"
BOOK = load_rulebook()


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["law", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("code", sorted(f"US-{r}" for r in US_REGION_CODES)
                         + ["US-HIPAA", "US-FTC-SR", "US-SEC-8K", "US-NYDFS", "EU", "EU-IE", "GB", "CA", "AU",
                            "SG", "BR", "IN-CERTIN", "KR", "JP", "CH", "NZ"])
def test_show_prints_a_cited_rule_for_every_required_code(capsys, code):
    rc, out, _ = run(capsys, "show", code, "--on", "2025-01-01", "--json")
    assert rc == 0
    doc = json.loads(out)
    assert doc["rule"] is not None, code
    assert doc["rule"]["citation"] and doc["rule"]["source"]
    assert doc["history"]


def test_show_text_marks_the_version_in_force(capsys):
    rc, out, _ = run(capsys, "show", "US-WA", "--on", "2019-06-01")
    assert rc == 0
    assert "* US-WA@2015-07-24" in out and "RCW 19.255.010" in out and "not legal advice" in out


def test_due_json_answers_the_washington_change(capsys):
    rc, out, _ = run(capsys, "due", "US-WA", "--start", "2020-03-02", "--timezone", "America/Los_Angeles", "--json")
    doc = json.loads(out)
    assert rc == 0
    assert doc["due_at"] == "2020-04-01T23:59:59-07:00"
    assert (doc["basis"], doc["rule_version"]) == ("statutory", "US-WA@2020-03-01")


def test_due_labels_assessment(capsys):
    rc, out, _ = run(capsys, "due", "US-CA", "--start", "2017-07-29", "--assessment-days", "30")
    assert rc == 0 and "assessment, not statutory" in out


def test_due_threshold_edges_on_the_command_line(capsys):
    answers = {}
    for n in (499, 500, 501):
        _, out, _ = run(capsys, "due", "US-WA", "--start", "2021-01-04", "--obligation", "regulator",
                        "--residents", str(n), "--json")
        answers[n] = json.loads(out)["applies"]
    assert answers == {499: False, 500: False, 501: True}


def test_unknown_code_exits_2_and_lists_codes(capsys):
    rc, _, err = run(capsys, "due", "US-XX", "--start", "2020-01-01")
    assert rc == 2 and "US-WA" in err


def test_list_json_has_every_code(capsys):
    rc, out, _ = run(capsys, "list", "--json")
    doc = json.loads(out)
    assert rc == 0 and {r["code"] for r in doc["jurisdictions"]} == set(BOOK.codes())


def test_deadlines_ics_reads_back(tmp_path, capsys):
    out_file = tmp_path / "deadlines.ics"
    rc, _, _ = run(capsys, "deadlines", str(CASE), "--format", "ics", "--out", str(out_file))
    assert rc == 0
    cal = Calendar.from_ical(out_file.read_bytes())
    events = list(cal.walk("VEVENT"))
    summaries = [str(e["SUMMARY"]) for e in events]
    assert any(s.startswith("[US-WA] individual") for s in summaries)
    wa = next(e for e in events if str(e["SUMMARY"]).startswith("[US-WA] individual"))
    # Discovered 2020-03-02 (Los Angeles) + 30 days -> end of 2020-04-01 PDT = 2020-04-02 06:59:59 UTC.
    assert wa.decoded("DTSTART") == dt.datetime(2020, 4, 2, 6, 59, 59, tzinfo=dt.timezone.utc)
    assert "RCW 19.255.010" in str(wa["DESCRIPTION"])
    assert len({str(e["UID"]) for e in events}) == len(events)
    assert any("(assessment, not statutory)" in s for s in summaries)


def test_deadlines_json_sorted_and_thresholds_from_counts(capsys):
    rc, out, _ = run(capsys, "deadlines", str(CASE), "--format", "json")
    doc = json.loads(out)
    rows = doc["obligations"]
    assert rc == 0 and rows
    dated = [r for r in rows if r["due_at"]]
    due = [dt.datetime.fromisoformat(r["due_at"]) for r in dated]
    assert due == sorted(due) and rows[:len(dated)] == dated  # no due moment: listed last
    # 3 Washington residents: individuals yes, AG (more than 500) no.
    wa = {r["obligation"] for r in rows if r["jurisdiction"] == "US-WA"}
    assert wa == {"individual"}
    assert all(r["citation"] for r in dated)
    # people who map to no jurisdiction are listed as not assessed, as in the audit, never dropped
    unknown = [r for r in rows if r["jurisdiction"] == "UNKNOWN"]
    assert [(r["obligation"], r["basis"], r["due_at"]) for r in unknown] == [("individual", "not_assessed", "")]
    assert "no jurisdiction" in unknown[0]["reason"]


def test_deadlines_with_given_counts_and_sectoral_regime(capsys):
    rc, out, _ = run(capsys, "deadlines", str(CASE), "--format", "csv", "--residents", "US-WA=501",
                     "--residents", "US-TX=250", "--include", "US-HIPAA")
    rows = list(csv.DictReader(out.splitlines()))
    got = {(r["jurisdiction"], r["obligation"]) for r in rows}
    assert {("US-WA", "regulator"), ("US-TX", "regulator"), ("US-HIPAA", "regulator")} <= got
    tx = next(r for r in rows if r == r and (r["jurisdiction"], r["obligation"]) == ("US-TX", "regulator"))
    # Texas counts from determination (2020-03-06): 60 days -> 2020-05-05.
    assert tx["due_at"].startswith("2020-05-05T23:59:59")


def _write_batch(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["jurisdiction", "clock_start", "obligation", "residents", "sent_at"])
        w.writeheader()
        w.writerows(rows)


def test_batch_statuses(tmp_path, capsys):
    src = tmp_path / "notices.csv"
    _write_batch(src, [
        {"jurisdiction": "US-WA", "clock_start": "2020-03-02", "obligation": "individual", "residents": "10",
         "sent_at": "2020-04-01T20:00:00-07:00"},
        {"jurisdiction": "US-WA", "clock_start": "2020-03-02", "obligation": "individual", "residents": "10",
         "sent_at": "2020-04-03T09:00:00-07:00"},
        {"jurisdiction": "US-WA", "clock_start": "2020-03-02", "obligation": "regulator", "residents": "500",
         "sent_at": ""},
        {"jurisdiction": "US-ZZ", "clock_start": "2020-03-02", "obligation": "individual", "residents": "1",
         "sent_at": ""},
    ])
    out = tmp_path / "checked.csv"
    rc, _, err = run(capsys, "due", "--batch", str(src), "--out", str(out), "--timezone", "America/Los_Angeles")
    rows = list(csv.DictReader(out.open()))
    assert rc == 2 and "1 invalid" in err          # the bad row is kept and reported, not dropped
    assert [r["status"] for r in rows] == ["on_time", "late", "not_required", "invalid"]
    assert rows[1]["days_late"] == "2"
    assert rows[0]["citation"] == "RCW 19.255.010"


def test_batch_handles_thousands_of_rows_in_seconds(tmp_path, capsys):
    codes = sorted(f"US-{r}" for r in US_REGION_CODES) + ["EU-FR", "GB", "US-SEC-8K"]
    rows = []
    for i in range(5000):
        day = dt.date(2017, 1, 1) + dt.timedelta(days=i % 2500)
        rows.append({"jurisdiction": codes[i % len(codes)], "clock_start": day.isoformat(),
                     "obligation": ("individual", "regulator", "cra")[i % 3], "residents": str(100 * (i % 40)),
                     "sent_at": (day + dt.timedelta(days=i % 70)).isoformat() + "T12:00:00+00:00"})
    src = tmp_path / "register.csv"
    _write_batch(src, rows)
    started = time.perf_counter()
    rc, _, _ = run(capsys, "due", "--batch", str(src), "--out", str(tmp_path / "out.csv"))
    elapsed = time.perf_counter() - started
    assert rc == 0
    out = list(csv.DictReader((tmp_path / "out.csv").open()))
    assert len(out) == 5000 and all(r["status"] != "invalid" for r in out)
    assert elapsed < 10, elapsed


def test_law_show_prints_hipaas_media_notice_per_state(capsys):
    from workbench.cli import main

    assert main(["law", "show", "US-HIPAA", "--on", "2024-02-21"]) == 0
    out = capsys.readouterr().out
    assert "media notice   per State, from 501 residents of that State, within 60 calendar days" in out
    assert "164.406" in out
