"""What a regulator's package holds (issue 18 part 5): every finding about its residents
(letters by their share of the people), a cover page, the deadline arithmetic, the late,
missing and overdue residents (masked, as CSV and in the PDF), their notices chart and the
package's files with the verify command."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import MINIMAL_CASE, edit_case
from workbench import package_contents as pc
from workbench.masking import pseudonymise_id
from workbench.report import build_report

SCENARIO = Path(__file__).parent.parent / "fixtures" / "report" / "letters_two_states"
#: The notice-timeline stage's flagged people of the scenario: California's 2 late and 1
#: overdue (its notice table says late 2, missing 1), and a Texan no package is built for.
FLAGGED = pd.DataFrame({
    "person_id": ["P-CA-1", "P-CA-2", "P-CA-3", "P-TX-1"],
    "data_owner": ["", "", "", ""],
    "jurisdiction": ["US-CA", "US-CA", "US-CA", "US-TX"],
    "status": ["late", "late", "overdue", "late"],
    "clock_start": pd.to_datetime(["2017-07-29"] * 4, utc=True),
    "due_at": pd.to_datetime(["2017-08-28 23:59:59"] * 4, utc=True),
    "sent_at": pd.to_datetime(["2017-09-08 10:00", "2017-09-09 10:00", None, "2017-09-01 10:00"], utc=True),
    "days_late": pd.array([11, 12, None, 4], dtype="Int32"),
    "days_overdue": pd.array([None, None, 185, None], dtype="Int32"),
})
FAST = dict(formats=("json",), regulator_formats=("json", "html"))


def _run(tmp_path: Path, *, flagged: bool = True, audit: dict | None = None, mask: bool = True) -> tuple[Path, Path]:
    case_dir = tmp_path / "case"
    shutil.copytree(MINIMAL_CASE, case_dir)
    case_yaml = case_dir / "case.yaml"
    changes = {"parameters.mask_personal_data": mask}
    if audit is not None:
        changes["audit"] = audit
    edit_case(case_yaml, **changes)
    run_dir = tmp_path / "run"
    shutil.copytree(SCENARIO, run_dir)
    if flagged:
        FLAGGED.to_parquet(run_dir / "artifacts" / pc.FLAGGED_PEOPLE_ARTIFACT, index=False)
    return run_dir, case_yaml


def _package(run_dir: Path, code: str) -> tuple[dict, str]:
    folder = run_dir / "regulators" / code
    return (json.loads((folder / "findings.json").read_text(encoding="utf-8")),
            (folder / "report.html").read_text(encoding="utf-8"))


def _text(html: str) -> str:
    from html import unescape

    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.replace("<wbr>", ""))))


# --------------------------------------------------------------------------- which findings

def test_a_letter_finding_goes_to_the_jurisdictions_whose_residents_it_counts(tmp_path):
    run_dir, case_yaml = _run(tmp_path)
    build_report(run_dir, case_yaml, packages="all", **FAST)
    ca, ca_html = _package(run_dir, "US-CA")
    ny, ny_html = _package(run_dir, "US-NY")
    ca_checks = {f["evidence"]["check"] for f in ca["findings"]}
    ny_checks = {f["evidence"]["check"] for f in ny["findings"]}
    assert "fewer_data_elements" in ca_checks and "fewer_data_elements" not in ny_checks
    assert "2 of this jurisdiction's residents, of 3 in all" in _text(ca_html)
    letter = _text(ca_html.split("Letters name fewer data elements", 1)[1].split("</div>", 1)[0])
    assert "jurisdiction (residents of several jurisdictions)" in letter and "organisation-wide" not in letter
    # organisation-wide (insider) and the residents' inputs' data quality are in both, said as such
    assert {"sale_in_window", "dq.affected_people.email_format"} <= ca_checks & ny_checks
    assert "the stage counts failing rows per input, not per jurisdiction" in _text(ny_html)
    # California's own finding only in its package; findings.json and the report hold the same findings
    assert "individual_notice_late" in ca_checks and "individual_notice_late" not in ny_checks
    for doc, html in ((ca, ca_html), (ny, ny_html)):
        assert {f["id"] for f in doc["findings"]} == set(re.findall(r'id="f-([^"]+)"', html))


def test_a_share_of_the_people_calls_for_a_package_under_with_findings(tmp_path):
    run_dir, case_yaml = _run(tmp_path)
    doc = json.loads(json.dumps(json.loads((run_dir / "artifacts" / "20_notice_timelines.findings.json").read_text())))
    doc["findings"] = []  # California keeps only the letter finding's share of its people
    (run_dir / "artifacts" / "20_notice_timelines.findings.json").write_text(json.dumps(doc))
    result = build_report(run_dir, case_yaml, **FAST)
    assert list(result.regulators) == ["US-CA"]
    assert {n.code for n in result.plan.not_rendered} == {"US-NY"}


@pytest.mark.parametrize("finding, code, why", [
    ({"jurisdiction": "US-CA", "category": "notice_timeliness"}, "US-CA", "own"),
    ({"jurisdiction": "US-CA", "category": "notice_timeliness"}, "US-NY", None),
    ({"jurisdiction": None, "category": "notice_letter", "evidence": {"people_by_jurisdiction": {"US-NY": 1}}}, "US-NY", "share"),
    ({"jurisdiction": None, "category": "notice_letter", "evidence": {"people_by_jurisdiction": {"US-NY": 1}}}, "US-CA", None),
    ({"jurisdiction": None, "category": "notice_letter", "evidence": {"by_jurisdiction": {"US-CA": 4}}}, "US-CA", "share"),
    ({"jurisdiction": None, "category": "lookalike_link", "evidence": {}}, "US-CA", "organisation"),
    ({"jurisdiction": None, "category": "data_quality", "subject": "insider_trades", "evidence": {}}, "US-CA", None),
    ({"jurisdiction": None, "category": "data_quality", "subject": "notices", "evidence": {}}, "US-CA", "inputs"),
])
def test_why_a_finding_belongs_in_a_package(finding, code, why):
    assert pc.concerns(finding, code) == why


# --------------------------------------------------------------------------- cover page

def test_the_cover_page_says_to_whom_about_what_who_ran_it_and_how_to_verify(tmp_path):
    run_dir, case_yaml = _run(tmp_path)
    build_report(run_dir, case_yaml, packages="US-CA,US-NY", **FAST)
    _, ca = _package(run_dir, "US-CA")
    _, ny = _package(run_dir, "US-NY")
    cover = _text(ca.split('id="cover"', 1)[1].split("</section>", 1)[0])
    assert "To California Attorney General" in cover
    assert "Minimal Test Org" in cover and "MINI-2017" in cover
    assert "Audit period 2017-05-13 to 2018-03-01" in cover
    assert "Audit run by not recorded" in cover and "Audit firm not recorded" in cover
    assert "workbench verify regulators/US-CA" in cover and "not legal advice" in cover
    assert "Law-data version" in cover and "Run id" in cover
    assert ca.index('id="cover"') < ca.index("<header>")  # the first page
    # no regulator named for New York's notice: the jurisdiction's name
    assert "To New York (US-NY)" in _text(ny.split('id="cover"', 1)[1].split("</section>", 1)[0])


def test_the_cover_page_names_the_auditor_when_the_case_does(tmp_path):
    run_dir, case_yaml = _run(tmp_path, audit={"auditor": "Ada Auditor", "firm": "Example Forensics LLP"})
    build_report(run_dir, case_yaml, packages="US-CA", **FAST)
    _, html = _package(run_dir, "US-CA")
    assert "Audit run by Ada Auditor" in _text(html) and "Audit firm Example Forensics LLP" in _text(html)


# --------------------------------------------------------------------------- deadline arithmetic

def test_the_obligations_show_the_deadline_arithmetic_and_say_what_is_not_modelled(tmp_path):
    run_dir, case_yaml = _run(tmp_path)
    build_report(run_dir, case_yaml, packages="US-CA,US-NY", **FAST)
    ca = _text(_package(run_dir, "US-CA")[1])
    ny = _text(_package(run_dir, "US-NY")[1])
    assert ("clock start (discovery, 2017-07-29) + 30 calendar days (assessment yardstick, not law) "
            "= due 2017-08-28 23:59:59+00:00") in ca
    assert "days late max 12, median 10.5" in ca and "days overdue max 185" in ca
    assert "Notice to the regulator" in ca and "status missing" in ca
    assert "days late 185 (none sent: counted to the audit date)" in ca
    assert "clock start (determination, 2017-08-02) + 30 calendar days = due 2017-09-01 23:59:59+00:00" in ny
    assert "citation N.Y. Gen. Bus. Law § 899-aa" in ny
    assert "no due date: this version imposes no regulator notice" in ny


def test_a_period_the_rule_text_does_not_state_is_not_made_up():
    rows = pd.DataFrame([{"jurisdiction": "US-NJ", "basis": "statutory", "due_at": "2017-08-03 13:04:20+00:00",
                          "clock_event": "discovery", "clock_start": "2017-07-29", "reason": "before the individual notice",
                          "citation": "N.J.S.A. 56:8-163", "late": 0, "missing": 0, "on_time": 1}])
    block = pc.obligations(rows)[0]
    deadline = dict(block["lines"])["deadline"]
    assert deadline.startswith("due 2017-08-03 13:04:20+00:00 (the rule's text states no fixed number of days")
    assert "not modelled as a period" in deadline and " + " not in deadline
    assert dict(block["lines"])["rule"] == "before the individual notice"


# --------------------------------------------------------------------------- residents list

def test_residents_csv_lists_the_late_missing_and_overdue_residents_masked(tmp_path):
    run_dir, case_yaml = _run(tmp_path)
    build_report(run_dir, case_yaml, packages="US-CA,US-NY", **FAST)
    table = pd.read_csv(run_dir / "artifacts" / "20_notice_timelines.jurisdictions.csv")
    ca = table[table["jurisdiction"] == "US-CA"].iloc[0]
    with (run_dir / "regulators" / "US-CA" / "residents.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == ca["late"] + ca["missing"] == 3  # missing counts the overdue too
    assert tuple(rows[0]) == pc.RESIDENT_COLUMNS
    ids = {r["person_id"] for r in rows}
    assert ids == {pseudonymise_id(p, "MINI-2017") for p in ("P-CA-1", "P-CA-2", "P-CA-3")}
    assert not any("P-CA" in r["person_id"] for r in rows)
    assert {r["status"] for r in rows} == {"late", "overdue"}
    overdue = next(r for r in rows if r["status"] == "overdue")
    assert (overdue["due_at"], overdue["sent_at"], overdue["days_late"], overdue["days_overdue"]) == ("2017-08-28", "", "", "185")
    assert "<NA>" not in (run_dir / "regulators" / "US-CA" / "residents.csv").read_text(encoding="utf-8")
    html = _text(_package(run_dir, "US-CA")[1])
    assert "3 residents of this jurisdiction were notified late" in html and pseudonymise_id("P-CA-1", "MINI-2017") in html
    assert "P-CA-1" not in html and "P-TX-1" not in html
    # New York has none late: said so, and an empty list
    assert "No resident of this jurisdiction was notified late" in _text(_package(run_dir, "US-NY")[1])


def test_residents_are_listed_unmasked_when_the_case_says_so(tmp_path):
    run_dir, case_yaml = _run(tmp_path, mask=False)
    build_report(run_dir, case_yaml, packages="US-CA", **FAST)
    text = (run_dir / "regulators" / "US-CA" / "residents.csv").read_text(encoding="utf-8")
    assert "P-CA-1" in text and "P-TX-1" not in text


def test_without_the_flagged_people_artifact_the_list_is_not_assessed(tmp_path):
    run_dir, case_yaml = _run(tmp_path, flagged=False)
    build_report(run_dir, case_yaml, packages="US-CA", **FAST)
    assert not (run_dir / "regulators" / "US-CA" / "residents.csv").exists()
    assert "not assessed: the notice-timeline stage wrote no artifacts/20_notice_timelines.flagged_people.parquet" \
        in _text(_package(run_dir, "US-CA")[1])


def test_the_pdf_lists_at_most_the_documented_rows_and_says_how_many_more(tmp_path, monkeypatch):
    monkeypatch.setattr(pc, "RESIDENTS_PDF_ROWS", 2)
    run_dir, case_yaml = _run(tmp_path)
    build_report(run_dir, case_yaml, packages="US-CA", **FAST)
    html = _package(run_dir, "US-CA")[1]
    body = html.split('<table class="residents">', 1)[1].split("</table>", 1)[0]
    assert body.count("<tr>") == 3  # header + 2
    assert "1 more are in the CSV" in _text(html)


# --------------------------------------------------------------------------- chart, files

def test_the_package_charts_its_residents_notices_against_the_due_date(tmp_path):
    run_dir, case_yaml = _run(tmp_path)
    build_report(run_dir, case_yaml, packages="US-CA", **FAST)
    html = _package(run_dir, "US-CA")[1]
    section = html.split('id="residents-chart"', 1)[1].split("</section>", 1)[0]
    assert 'src="data:image/png;base64,' in section
    per_day = pc.notices_per_day(run_dir, "US-CA")
    assert per_day["notices"].tolist() == [1, 1, 1]  # New York's days are not California's


def test_a_run_without_per_jurisdiction_notices_says_why_there_is_no_chart(tmp_path):
    run_dir, case_yaml = _run(tmp_path)
    (run_dir / "artifacts" / pc.NOTICES_PER_DAY_ARTIFACT).write_text("date,family,notices\n2017-08-03,US,3\n")
    build_report(run_dir, case_yaml, packages="US-CA", **FAST)
    assert "has no jurisdiction column" in _text(_package(run_dir, "US-CA")[1])


def test_the_package_lists_its_files_with_sha256_and_tolerates_no_manifest(tmp_path):
    import hashlib

    run_dir, case_yaml = _run(tmp_path)
    build_report(run_dir, case_yaml, packages="US-CA", **FAST)
    folder = run_dir / "regulators" / "US-CA"
    html = _package(run_dir, "US-CA")[1]
    files = html.split('id="package-files"', 1)[1].replace("<wbr>", "")
    for name in ("residents.csv", "findings.json"):
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() in files
    assert "recorded in manifest.json (written after this document)" in files
    # a manifest in the folder (h-sign's): its entries are the table
    (folder / "manifest.json").write_text(json.dumps({"files": {"report.pdf": {"sha256": "ab" * 32}}}))
    table = pc.package_files_table(folder)
    assert table["source"] == "manifest" and table["rows"] == [
        {"file": "report.pdf", "what": "this report (PDF)", "sha256": "ab" * 32}]
    # rendering again: a manifest left from the earlier render is not read (it would be stale)
    build_report(run_dir, case_yaml, packages="US-CA", **FAST)
    assert "ab" * 32 not in _package(run_dir, "US-CA")[1]
    (folder / "manifest.json").write_text("{not json")
    assert pc.package_files_table(folder)["note"].startswith("manifest.json unreadable")
    assert pc.package_files_table(tmp_path / "nowhere")["rows"][0]["sha256"].startswith("recorded in manifest.json")


def test_a_package_pdf_has_the_cover_page_and_the_residents_table(tmp_path):
    from pypdf import PdfReader

    run_dir, case_yaml = _run(tmp_path)
    build_report(run_dir, case_yaml, packages="US-CA", formats=("json",), regulator_formats=("json", "html", "pdf"),
                 workers=1)
    pages = [p.extract_text() or "" for p in PdfReader(run_dir / "regulators" / "US-CA" / "report.pdf").pages]
    first = re.sub(r"\s+", " ", pages[0])
    assert "package for US-CA" in first and "California Attorney General" in first and "not recorded" in first
    assert "workbench verify regulators/US-CA" in first
    assert "Findings by severity" not in first  # the cover is a page of its own
    text = re.sub(r"\s+", " ", "\n".join(pages))
    assert "Late, missing and overdue residents" in text
    assert pseudonymise_id("P-CA-3", "MINI-2017") in text and "P-CA-3" not in text
    assert "30 calendar days" in text


def test_residents_csv_is_streamed_in_batches_with_the_same_rows(tmp_path):
    run_dir, _ = _run(tmp_path)
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    pc.write_residents_csv(one, run_dir, "US-CA", mask=True, key="MINI-2017", batch_rows=1)
    pc.write_residents_csv(two, run_dir, "US-CA", mask=True, key="MINI-2017")
    assert (one / "residents.csv").read_bytes() == (two / "residents.csv").read_bytes()
    frame, total = pc.residents_frame(run_dir, "US-CA", mask=True, key="MINI-2017", limit=1)
    assert (len(frame), total) == (1, 3)


def test_a_package_adds_up_its_own_share_of_a_finding_about_several_jurisdictions(tmp_path):
    from workbench.report import scoped_count

    letter = {"category": "notice_letter", "jurisdiction": None, "count": 3,
              "evidence": {"people_by_jurisdiction": {"US-CA": 2, "US-TX": 1}}}
    assert scoped_count(letter, "US-CA") == 2 and scoped_count(letter, "US-NY") == 0
    assert scoped_count(letter, None) == 3  # the full report counts the whole
    assert scoped_count({**letter, "jurisdiction": "US-CA"}, "US-CA") == 3  # its own finding: all of it
    run_dir, case_yaml = _run(tmp_path)
    build_report(run_dir, case_yaml, packages="all", **FAST)
    _, ca_html = _package(run_dir, "US-CA")
    irregular = _text(ca_html.split("Irregularities found", 1)[1].split("Not assessed", 1)[0])
    assert "notice letter : 1 finding (1 medium); 2 people." in irregular, irregular
