"""The regulator's report of a register audit: same figures as summary.json, nothing external, nothing hidden."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.render import external_references
from workbench.register.audit import OUTPUT_FILES
from workbench.register.overview import audit_registers
from workbench.register.report import REPORT_FILES, write_report

FIXTURES = Path(__file__).parent / "fixtures"
WA = FIXTURES / "wa_register_2019_to_2021_with_sectors.csv"


def html_figures(html: str) -> dict:
    """The figures the report marks (data-figure="name">value<)."""
    return {k: int(v) for k, v in re.findall(r'data-figure="([\w-]+)">(\d+)<', html)}


def assert_same_figures(html: str, summary: dict) -> None:
    shown = html_figures(html)
    for year, counts in summary["status_by_year"].items():
        assert shown[f"late-{year}"] == counts.get("late", 0), year
        assert shown[f"not-determinable-{year}"] == counts.get("not_determinable", 0), year
    assert shown["not-determinable"] == summary["status_counts"]["not_determinable"]
    assert shown["rows-read"] == summary["rows"]["read"] and shown["rows-rejected"] == summary["rows"]["rejected"]
    assert shown["late-findings"] == summary["findings"]["late_notice_findings"]


def test_the_report_shows_the_summary_figures_every_late_notice_and_every_row_not_judged(tmp_path):
    ov = audit_registers(str(WA), "US-WA", out=tmp_path)
    paths = write_report(ov.views[0], tmp_path, pdf=False)
    html = paths["html"].read_text()
    assert_same_figures(html, json.loads((tmp_path / "summary.json").read_text()))
    assert external_references(html) == [] and "not legal advice" in html
    assert "US-WA@2020-03-01" in html and "individual notice deadline: 45 calendar days -&gt; 30 calendar days" in html
    assert "RCW 19.255.010" in html and "Late Again Inc" in html  # a repeat late filer
    # row 2: discovered 2019-03-11 under the 45-day version, notified 2019-06-03
    assert "clock 2019-03-11 (discovered) + deadline of US-WA@2015-07-24 = due 2019-04-25; notified 2019-06-03: 39 day(s) late" in html
    assert "Unknown Discovery LLC" in html and "no discovery date (the register says &#39;Unknown&#39;)" in html
    assert "statutory" in html and "assessment" in html  # the basis is said


def test_findings_csv_has_the_rows_of_findings_json(tmp_path):
    ov = audit_registers(str(WA), "US-WA", out=tmp_path)
    write_report(ov.views[0], tmp_path, pdf=False)
    doc = json.loads((tmp_path / OUTPUT_FILES["findings"]).read_text())
    rows = list(csv.DictReader(io.StringIO((tmp_path / REPORT_FILES["csv"]).read_text())))
    assert [r["id"] for r in rows] == [f["id"] for f in doc["findings"]] and len(rows) == 3
    assert json.loads(rows[0]["evidence"])["days_late"] == doc["findings"][0]["evidence"]["days_late"]


def test_register_values_are_escaped_not_run(tmp_path):
    evil = tmp_path / "evil.csv"
    evil.write_text('organisation,discovered,notified,residents_affected\n'
                    '"<script src=""https://evil.example/x.js""></script>",2021-01-04,2021-06-01,900\n')
    ov = audit_registers(str(evil), "US-WA")
    html = write_report(ov.views[0], tmp_path, pdf=False)["html"].read_text()
    assert "<script" not in html and external_references(html) == []


@pytest.mark.slow
def test_the_cli_writes_the_report_and_its_pdf_when_asked(tmp_path):
    out = tmp_path / "out"
    assert main(["register", "audit", str(WA), "--jurisdiction", "US-WA", "--out", str(out), "--report"]) == 0
    for name in (*REPORT_FILES.values(), "register_tables/late_per_year.csv"):
        assert (out / name).is_file(), name
    assert (out / REPORT_FILES["pdf"]).read_bytes().startswith(b"%PDF")
    assert_same_figures((out / REPORT_FILES["html"]).read_text(), json.loads((out / "summary.json").read_text()))
