"""The audit report: findings.json/.csv, report.html/.pdf, regulator packages (from artifacts only)."""

from __future__ import annotations

import csv
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from workbench.artifacts import read_findings
from workbench.findings import SEVERITIES
from workbench.report import FINDING_FIELDS, REPORT_FORMATS, build_report, findings_at_or_above, safe_dirname
from workbench.safecsv import FORMULA_PREFIXES

FIXTURES = Path(__file__).parent.parent / "fixtures" / "report"
HOSTILE = FIXTURES / "two_states_hostile_text"
SCRIPT_NAME = "<script>alert('x')</script> Jane Roe"


def _run_dir(tmp_path: Path, scenario: Path = HOSTILE) -> Path:
    run_dir = tmp_path / "run"
    shutil.copytree(scenario, run_dir)
    return run_dir


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One report built from the hostile-text scenario (PDF rendering is the slow part)."""
    from tests.conftest import MINIMAL_CASE

    tmp = tmp_path_factory.mktemp("report")
    case_dir = tmp / "case"
    shutil.copytree(MINIMAL_CASE, case_dir)
    run_dir = _run_dir(tmp)
    result = build_report(run_dir, case_dir / "case.yaml", generated_at="2018-03-01T00:00:00Z")
    return run_dir, result, case_dir / "case.yaml"


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --------------------------------------------------------------------------- findings.json / .csv

def test_findings_json_has_the_documented_schema_and_every_finding(built):
    run_dir, result, _ = built
    doc = json.loads((run_dir / "findings.json").read_text())
    assert list(doc)[:3] == ["schema_version", "case_id", "generated_at"] and doc["schema_version"] == "1.0"
    assert doc["case_id"] == "MINI-2017" and doc["generated_at"] == "2018-03-01T00:00:00Z"
    artifact_ids = sorted(f.id for f in read_findings(run_dir))
    assert len(artifact_ids) == 7
    assert sorted(r["id"] for r in doc["findings"]) == artifact_ids
    for row in doc["findings"]:
        assert tuple(row) == FINDING_FIELDS
    severities = [SEVERITIES.index(r["severity"]) for r in doc["findings"]]
    assert severities == sorted(severities), "most severe first"


def test_finding_ids_are_stable_across_runs(built, tmp_path):
    run_dir, _, case_yaml = built
    again = build_report(_run_dir(tmp_path), case_yaml, formats=("json",), regulators=False,
                         generated_at="2019-01-01T00:00:00Z")
    first = json.loads((run_dir / "findings.json").read_text())["findings"]
    second = json.loads((again.run_dir / "findings.json").read_text())["findings"]
    assert [r["id"] for r in first] == [r["id"] for r in second]
    assert first == second


def test_findings_csv_has_the_same_rows_with_formulas_neutralised(built):
    run_dir, _, _ = built
    with (run_dir / "findings.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    doc = json.loads((run_dir / "findings.json").read_text())
    assert [r["id"] for r in rows] == [f["id"] for f in doc["findings"]]
    for row in rows:
        for value in row.values():
            assert not value.startswith(FORMULA_PREFIXES), value
    titles = {r["title"] for r in rows}
    assert "'=HYPERLINK(\"http://evil.example\",\"click\")" in titles and "'@SUM(A1:A2)" in titles and "'\tcmd" in titles
    subjects = {r["subject"] for r in rows}
    assert {"'+1+1", "'-2+3", "'\rcmd"} <= subjects
    assert json.loads(rows[0]["evidence"])["check"]


def test_fail_on_threshold_counts_findings_at_or_above(built):
    _, result, _ = built
    assert len(findings_at_or_above(result.findings, "critical")) == 2
    assert len(findings_at_or_above(result.findings, "high")) == 3
    assert len(findings_at_or_above(result.findings, "info")) == len(result.findings)


def test_report_formats_are_a_registry():
    assert REPORT_FORMATS.names() == ["csv", "html", "json", "pdf"]
    with pytest.raises(KeyError, match="known: csv, html, json, pdf"):
        REPORT_FORMATS.get("docx")


# --------------------------------------------------------------------------- report.html / .pdf

class _Refs(HTMLParser):
    """Every URL-bearing attribute, every tag name, and the CSP of a document."""

    def __init__(self):
        super().__init__()
        self.urls, self.tags, self.csp, self.style = [], set(), None, []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        a = dict(attrs)
        for key in ("src", "href", "srcset", "action", "data", "poster", "background", "formaction"):
            if a.get(key) is not None:
                self.urls.append(a[key])
        if a.get("style"):
            self.style.append(a["style"])
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = a.get("content")
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.style.append(data)


def _assert_self_contained(html: str) -> None:
    p = _Refs()
    p.feed(html)
    assert p.csp and "default-src 'none'" in p.csp and "img-src data:" in p.csp
    assert not ({"script", "link", "iframe", "object", "embed", "base"} & p.tags)
    for url in p.urls:  # a file of the run folder itself is the one other link allowed
        assert url.startswith(("data:", "#")) or url == "data_docs/index.html", url
    for css in p.style:
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css):
            assert url.startswith("data:"), url
        assert "@import" not in css
    assert "<img" in html and 'src="data:image/png;base64,' in html, "charts are embedded"


def test_report_html_is_self_contained(built):
    run_dir, result, _ = built
    _assert_self_contained((run_dir / "report.html").read_text())
    for folder in result.regulators.values():
        _assert_self_contained((folder / "report.html").read_text())


def test_report_html_has_every_section_and_every_finding(built):
    run_dir, result, _ = built
    html = (run_dir / "report.html").read_text()
    for heading in ("Executive summary", "Incident timeline", "Findings by severity", "Per-jurisdiction table",
                    "Charts", "Method and limitations"):
        assert f">{heading}</h2>" in html, heading
    assert "not legal advice" in html.lower()
    for f in result.findings:
        assert f'id="f-{f.id}"' in html
        if f.citation:
            assert f.citation in html
    assert "2017-07-29" in html and "public disclosure" in html           # timeline
    assert "not assessed: no compensation input" in html                  # limitations
    assert "2017-09-15" in html                                          # the notice-timeline table


def test_script_in_a_name_is_text_in_html_and_pdf(built):
    run_dir, _, _ = built
    html = (run_dir / "report.html").read_text()
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(" in html
    text = _squash(_pdf_text(run_dir / "report.pdf"))
    assert "<script>alert('x')</script> Jane Roe" in text or "<script>alert(’x’)</script> Jane Roe" in text


def test_pdf_exists_and_has_the_expected_page_text(built):
    from pypdf import PdfReader

    run_dir, result, _ = built
    pdf = run_dir / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    reader = PdfReader(pdf)
    assert len(reader.pages) >= 2
    first = _squash(reader.pages[0].extract_text())
    assert "Breach notification audit: Minimal Test Org" in first
    assert "not legal advice" in first.lower()
    assert re.search(r"page 1 of \d+", first)
    text = _squash(_pdf_text(pdf))
    for f in result.findings:
        assert f.id in text


def test_missing_notice_table_is_reported_as_not_assessed(tmp_path, minimal_case):
    run_dir = _run_dir(tmp_path)
    (run_dir / "artifacts" / "20_notice_timelines.jurisdictions.csv").unlink()
    (run_dir / "artifacts" / "10_data_quality.findings.json").unlink()
    build_report(run_dir, minimal_case, formats=("html",), regulators=False)
    html = _squash((run_dir / "report.html").read_text())
    assert "Not assessed: the notice-timeline stage did not write" in html
    assert "did not run or wrote no findings artifact): 10_data_quality" in html


def test_report_of_a_run_without_findings_says_so(tmp_path, minimal_case):
    run_dir = tmp_path / "empty"
    run_dir.mkdir()
    result = build_report(run_dir, minimal_case, formats=("json", "html"))
    assert result.findings == [] and result.regulators == {}
    assert json.loads((run_dir / "findings.json").read_text())["findings"] == []
    assert "No findings were recorded" in (run_dir / "report.html").read_text()


# --------------------------------------------------------------------------- regulator packages

def test_one_package_per_jurisdiction_with_residents(built):
    run_dir, result, _ = built
    assert sorted(result.regulators) == ["US-CA", "US-NY"], "UNKNOWN has no regulator"
    for code in ("US-CA", "US-NY"):
        for name in ("report.html", "report.pdf", "findings.json"):
            assert (run_dir / "regulators" / code / name).is_file()


@pytest.mark.parametrize("code, own, others", [
    ("US-CA", ["P-CA-001"], ["P-NY-002", "Nora", "nora.york", "York"]),
    ("US-NY", ["P-NY-002"], ["P-CA-001", "Jane", "jane.roe", "alert("]),
])
def test_regulator_package_holds_no_other_jurisdictions_people(built, code, own, others):
    run_dir, _, _ = built
    folder = run_dir / "regulators" / code
    doc = json.loads((folder / "findings.json").read_text())
    assert doc["jurisdiction"] == code and doc["masked"] is True
    assert {f["jurisdiction"] for f in doc["findings"]} <= {code, None}
    assert not [f for f in doc["findings"] if f["category"] == "data_quality"], "resident-level findings without a jurisdiction stay out"
    texts = {"findings.json": (folder / "findings.json").read_text(), "report.html": (folder / "report.html").read_text(),
             "report.pdf": _squash(_pdf_text(folder / "report.pdf"))}
    for name, text in texts.items():
        for token in own:
            assert token in text, (name, token)
        for token in others:
            assert token not in text, (name, token)


def test_regulator_package_masks_personal_data(built):
    run_dir, _, _ = built
    ca = run_dir / "regulators" / "US-CA"
    for text in ((ca / "report.html").read_text(), (ca / "findings.json").read_text(), _pdf_text(ca / "report.pdf")):
        assert "Jane Roe" not in text and "jane.roe@" not in text
        assert "j***@mail.example" in text
        # the insider (organisation-wide finding) as in the public Form 4, never as initials
        assert "Richard Roe" in _squash(text) and "R. R." not in text
    ny = json.loads((run_dir / "regulators" / "US-NY" / "findings.json").read_text())
    missing = next(f for f in ny["findings"] if f["subject"] == "P-NY-002")
    assert missing["evidence"]["full_name"] == "N. Y." and missing["evidence"]["person_id"] == "P-NY-002"
    assert "n***@mail.example" in missing["detail"]


def test_unmasked_packages_when_the_case_says_so(tmp_path, minimal_case):
    from tests.conftest import edit_case

    edit_case(minimal_case, **{"parameters.mask_personal_data": False})
    run_dir = _run_dir(tmp_path)
    build_report(run_dir, minimal_case, formats=(), regulators=True, regulator_formats=("json",))
    ny = json.loads((run_dir / "regulators" / "US-NY" / "findings.json").read_text())
    assert ny["masked"] is False
    assert "Nora York" in json.dumps(ny) and "Jane Roe" not in json.dumps(ny)


@pytest.mark.parametrize("code, folder", [("US-CA", "US-CA"), ("../../etc", "_.._etc"), ("", "_"), ("EU/IE", "EU_IE")])
def test_jurisdiction_folder_names_cannot_escape(code, folder):
    assert safe_dirname(code) == folder


def test_the_report_links_the_runs_data_docs_when_the_stage_wrote_them(tmp_path, minimal_case):
    run_dir = _run_dir(tmp_path)
    (run_dir / "data_docs").mkdir()
    (run_dir / "data_docs" / "index.html").write_text("<html></html>")
    (run_dir / "artifacts" / "10_data_quality.data_docs.json").write_text(json.dumps({"index": "data_docs/index.html"}))
    build_report(run_dir, minimal_case, formats=("html",), regulators=False)
    html = (run_dir / "report.html").read_text()
    assert '<a href="data_docs/index.html">data_docs/index.html</a>' in html
    (run_dir / "data_docs" / "index.html").unlink()  # a record whose pages are gone links nothing
    build_report(run_dir, minimal_case, formats=("html",), regulators=False)
    assert "data_docs/index.html" not in (run_dir / "report.html").read_text()


def _text_beyond_the_page(path: Path) -> list[tuple[int, float, str]]:
    """(page, x, text) of every piece of text that starts within 20 pt of the right edge or beyond."""
    from pypdf import PdfReader

    out = []
    for i, page in enumerate(PdfReader(path).pages):
        width = float(page.mediabox.width)

        def visit(text, cm, tm, font, size):
            x = cm[4] + tm[4] * cm[0]
            if text.strip() and x > width - 20:
                out.append((i, round(x), text[:30]))
        page.extract_text(visitor_text=visit)
    return out


WIDE_ROWS = [  # the notice table as the timelines stage writes it for a real case: 15 columns
    {"jurisdiction": "US-NY", "jurisdiction_name": "New York", "scope": "residence", "residents": 2, "on_time": 0,
     "late": 1, "missing": 1, "overdue": 0, "not_assessed": 0, "basis": "assessment",
     "due_at": "2017-08-28 23:59:59+00:00", "citation": "N.Y. Gen. Bus. Law § 899-aa(2)",
     "regulator_status": "missing", "cra_status": "sent_not_required", "worst_severity": "high"},
    {"jurisdiction": "US-CA", "jurisdiction_name": "California", "scope": "residence", "residents": 3, "on_time": 1,
     "late": 2, "missing": 0, "overdue": 0, "not_assessed": 0, "basis": "assessment",
     "due_at": "2017-08-28 23:59:59+00:00",
     "citation": "Cal. Civ. Code § 1798.82 (businesses); § 1798.29 (agencies)",
     "regulator_status": "not_required", "cra_status": "pending", "worst_severity": "medium"},
]


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    """The hostile-text run with the full-width notice table, its report and packages built."""
    import pandas as pd

    from tests.conftest import MINIMAL_CASE

    tmp = tmp_path_factory.mktemp("wide")
    shutil.copytree(MINIMAL_CASE, tmp / "case")
    run_dir = _run_dir(tmp)
    pd.DataFrame(WIDE_ROWS).to_csv(run_dir / "artifacts" / "20_notice_timelines.jurisdictions.csv", index=False)
    result = build_report(run_dir, tmp / "case" / "case.yaml", packages="all", generated_at="2018-03-01T00:00:00Z")
    return run_dir, result


def test_the_pdf_loses_no_column_and_no_status_and_us_regulators_get_letter(wide):
    # Issue 18: the widest table (notice obligations per jurisdiction) went off the page edge.
    from pypdf import PdfReader

    run_dir, result = wide
    text = re.sub(r"\s+", "", _pdf_text(run_dir / "report.pdf"))
    for value in [*WIDE_ROWS[0], *(str(v) for row in WIDE_ROWS for v in row.values())]:
        assert re.sub(r"\s+", "", value) in text, value
    assert _text_beyond_the_page(run_dir / "report.pdf") == []
    assert sorted(result.regulators) == ["US-CA", "US-NY"]
    for code, folder in result.regulators.items():
        assert _text_beyond_the_page(folder / "report.pdf") == [], code
        first = PdfReader(folder / "report.pdf").pages[0].mediabox
        assert (float(first.width), float(first.height)) == (612, 792), f"{code}: US Letter"


def test_page_size_is_letter_for_us_regulators_and_a4_for_the_others():
    from workbench.report import page_size

    assert page_size("US-CA") == "letter" and page_size("EU-FR") == "A4" and page_size("CA-QC") == "A4"
    assert page_size(None, ["US-CA", "US-NY", "UNKNOWN"]) == "letter"
    assert page_size(None, ["US-CA", "EU-IE"]) == "A4" and page_size(None, []) == "A4"


def test_a_table_wider_than_a_portrait_page_is_laid_out_on_landscape_pages(wide):
    from pypdf import PdfReader

    from workbench.report import breakable

    run_dir, _ = wide
    html = (run_dir / "report.html").read_text()
    assert html.count('<div class="wide">') == 1, "only the notice table is wide"
    pages = PdfReader(run_dir / "report.pdf").pages
    assert any(float(p.mediabox.width) > float(p.mediabox.height) for p in pages)
    assert float(pages[0].mediabox.width) < float(pages[0].mediabox.height), "the rest stays portrait"
    # cells may wrap after _ and /, their text unchanged and escaped
    assert str(breakable("sent_not_required")) == "sent_<wbr>not_<wbr>required"
    assert str(breakable("<b>a/b</b>")) == "&lt;b&gt;a/<wbr>b&lt;/<wbr>b&gt;"
