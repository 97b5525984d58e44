"""The organisation annex (issue 18 part 7): what every regulator package of a run shares
(the organisation-wide findings in full, the method, the checks table) is laid out once per
run in ``regulators/annex/`` and copied into each package as ``organisation_annex.pdf``
(+ .html), listed in the package's manifest; the package lists those findings in one
compact table pointing at the annex's sections."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from tests.report.test_packages import _hostile_run
from workbench import report
from workbench.package_contents import ANNEX_COPIES, ANNEX_FILES, ANNEX_FOLDER, in_annex
from workbench.report import build_report
from workbench.verify import verify_run

PACKAGES = ("US-CA", "US-NY")
#: The checks table's header (the method section's "Checks and whether they were assessed").
CHECKS_HEADER = "<th>stage</th><th>check</th><th>status</th>"


def _fake_pdf(laid_out: list[str]):
    """Stands in for WeasyPrint: a file named after the HTML it came from, and a record of
    every document laid out (relative paths)."""
    def html_to_pdf(html: str, path: Path) -> Path:
        laid_out.append(path.as_posix())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-fake " + hashlib.sha256(html.encode()).hexdigest().encode())
        return path
    return html_to_pdf


def _with_an_input_finding(run_dir: Path) -> Path:
    """Adds a data-quality finding on ``affected_people`` (the residents of every jurisdiction,
    not counted per jurisdiction): shared by every package, like the organisation-wide ones."""
    path = run_dir / "artifacts" / "10_data_quality.findings.json"
    doc = json.loads(path.read_text())
    doc["findings"].append({"id": "DAT-0000input001", "category": "data_quality", "severity": "medium",
                            "title": "affected_people: 3 row(s) fail 'email_format'", "detail": "Malformed e-mail.",
                            "jurisdiction": None, "subject": "affected_people", "count": 3, "unit": "rows",
                            "citation": None, "evidence": {"check": "email_format", "failing_rows": 3}})
    path.write_text(json.dumps(doc))
    return run_dir


@pytest.fixture
def built(tmp_path, minimal_case, monkeypatch):
    """The two-states run (and an input's finding) with both packages, PDFs from the stand-in (one process)."""
    laid_out: list[str] = []
    monkeypatch.setattr(report, "html_to_pdf", _fake_pdf(laid_out))
    run_dir = _with_an_input_finding(_hostile_run(tmp_path, texas_residents=True))
    result = build_report(run_dir, minimal_case, formats=("json", "html", "pdf"), packages="with-findings", workers=1)
    assert sorted(result.regulators) == list(PACKAGES)
    return run_dir, [Path(p).relative_to(run_dir).as_posix() for p in laid_out]


def _ids(html: str, pattern: str) -> list[str]:
    return re.findall(pattern, html)


def test_the_annex_is_laid_out_once_per_run_whatever_the_number_of_packages(built):
    run_dir, laid_out = built
    assert laid_out.count(f"{ANNEX_FOLDER}/{ANNEX_FILES['pdf']}") == 1
    assert sorted(laid_out) == sorted(["report.pdf", f"{ANNEX_FOLDER}/annex.pdf",
                                       *(f"regulators/{c}/report.pdf" for c in PACKAGES)])
    assert not any(p.endswith(ANNEX_COPIES["pdf"]) for p in laid_out), "the copies are copied, not laid out"


def test_each_package_holds_a_byte_identical_copy_listed_in_its_manifest(built):
    run_dir, _ = built
    for code in PACKAGES:
        folder = run_dir / "regulators" / code
        manifest = json.loads((folder / "manifest.json").read_text())
        for fmt, copy in ANNEX_COPIES.items():
            original = run_dir / ANNEX_FOLDER / ANNEX_FILES[fmt]
            assert (folder / copy).read_bytes() == original.read_bytes()
            assert manifest["outputs"][copy]["sha256"] == hashlib.sha256(original.read_bytes()).hexdigest()
        assert os.path.samefile(folder / ANNEX_COPIES["pdf"], run_dir / ANNEX_FOLDER / ANNEX_FILES["pdf"]), \
            "a hard link where the file system allows it"
        # the package's files table names both copies (the PDF as recorded in the manifest: copied in after)
        html = (folder / "report.html").read_text()
        files = html[html.index('id="package-files"'):]
        assert ANNEX_COPIES["html"] in files and ANNEX_COPIES["pdf"] in files
        assert hashlib.sha256((folder / ANNEX_COPIES["html"]).read_bytes()).hexdigest() in files


def test_a_package_copied_alone_verifies_with_its_annex_and_a_changed_annex_is_caught(built, tmp_path):
    run_dir, _ = built
    alone = tmp_path / "received" / "US-CA"
    shutil.copytree(run_dir / "regulators" / "US-CA", alone)
    result = verify_run(alone, check_inputs=False)
    assert result.ok, result.report()
    data = bytearray((alone / ANNEX_COPIES["pdf"]).read_bytes())
    data[len(data) // 2] ^= 0x01
    (alone / ANNEX_COPIES["pdf"]).write_bytes(bytes(data))
    result = verify_run(alone, check_inputs=False)
    assert [d.path for d in result.differences if d.kind == "output_changed"] == [ANNEX_COPIES["pdf"]]


def test_the_compact_table_lists_exactly_the_shared_findings_and_the_annex_has_them_in_full(built):
    run_dir, _ = built
    annex = (run_dir / ANNEX_FOLDER / ANNEX_FILES["html"]).read_text()
    annex_cards = _ids(annex, r'<div class="finding [^"]*" id="f-([^"]+)"')
    annex_counts = dict(_ids(annex, r'data-finding-count="([^"]+)">([^<]+)<'))
    everything = json.loads((run_dir / "findings.json").read_text())["findings"]
    organisation = {f["id"] for f in everything if in_annex(f)}
    assert organisation and set(annex_cards) == organisation, "the annex states the shared findings, only"
    assert any(f["id"] in organisation and f["category"] == "data_quality" for f in everything), \
        "the residents' inputs' data quality is shared too"
    assert not any(f["id"] in organisation and f.get("jurisdiction") for f in everything)
    assert "not legal advice" in annex and 'id="method"' in annex and CHECKS_HEADER in annex
    for code in PACKAGES:
        html = (run_dir / "regulators" / code / "report.html").read_text()
        table = html[html.index('id="organisation-wide"'):]
        table = table[:table.index("</table>")]
        rows = _ids(table, r'<tr id="f-([^"]+)"')
        assert sorted(rows) == sorted(organisation)
        for fid in rows:
            assert f"&sect;f-{fid}" in table and f'id="f-{fid}"' in annex, "the anchor named exists in the annex"
            assert dict(_ids(table, r'data-finding-count="([^"]+)">([^<]+)<'))[fid] == annex_counts[fid], \
                "the same count in the package as in the annex"
        cards = _ids(html, r'<div class="finding [^"]*" id="f-([^"]+)"')
        assert not set(cards) & organisation, "not stated in full twice"
        package = json.loads((run_dir / "regulators" / code / "findings.json").read_text())["findings"]
        in_json = {f["id"]: f for f in package}
        assert organisation <= set(in_json) and set(cards) | organisation == set(in_json), \
            "findings.json keeps every finding in full; the report shows each once"
        assert all(in_json[i]["evidence"] for i in organisation)
        # the method is the annex's: the package says where, and keeps the not-legal-advice notice
        method = html[html.index('<section id="method">'):]
        assert "organisation annex" in method and "not legal advice" in method
        assert CHECKS_HEADER not in html, "the checks table is in the annex"


def test_a_package_rendered_without_pdfs_has_no_pdf_copy_left_from_before(tmp_path, minimal_case, monkeypatch):
    monkeypatch.setattr(report, "html_to_pdf", _fake_pdf([]))
    run_dir = _hostile_run(tmp_path)
    build_report(run_dir, minimal_case, formats=("json",), packages="US-CA", workers=1)
    assert (run_dir / "regulators" / "US-CA" / ANNEX_COPIES["pdf"]).is_file()
    build_report(run_dir, minimal_case, formats=("json",), packages="US-CA", regulator_formats=("json", "html"),
                 workers=1)
    folder = run_dir / "regulators" / "US-CA"
    assert not (folder / ANNEX_COPIES["pdf"]).exists() and (folder / ANNEX_COPIES["html"]).is_file()
    assert verify_run(folder, check_inputs=False).ok


def test_with_weasyprint_the_annex_and_the_package_together_lose_no_check_status(tmp_path, minimal_case, monkeypatch):
    """Real PDFs: the checks table's header and every status are in the annex's PDF text, the
    organisation-wide finding's id and the pointer to the annex in the package's."""
    import pypdf

    laid_out: list[str] = []
    real = report.html_to_pdf

    def counting(html, path):
        laid_out.append(Path(path).name)
        return real(html, path)

    monkeypatch.setattr(report, "html_to_pdf", counting)
    run_dir = _hostile_run(tmp_path)
    result = build_report(run_dir, minimal_case, formats=("json",), packages="all", workers=1)
    assert laid_out.count(ANNEX_FILES["pdf"]) == 1 and laid_out.count("report.pdf") == len(result.regulators)

    def text(path: Path) -> str:
        return " ".join(" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(path).pages)

    annex = text(run_dir / ANNEX_FOLDER / ANNEX_FILES["pdf"])
    statuses = {r["status"] for r in report._assessed_rows(result.context)[0]}
    assert statuses and all(s in annex for s in statuses)
    assert "stage" in annex and "check" in annex and "status" in annex and "not legal advice" in annex
    organisation = [f.id for f in result.findings if in_annex(f.to_dict())]
    for folder in result.regulators.values():
        package = text(folder / "report.pdf")
        assert "Findings every package shares" in package and "not legal advice" in package
        assert all(fid in package.replace(" ", "") for fid in organisation)
        assert (folder / ANNEX_COPIES["pdf"]).read_bytes() == (run_dir / ANNEX_FOLDER / ANNEX_FILES["pdf"]).read_bytes()
