"""The report stage renders only what changed (issue 18 part 7): a PDF already rendered from the
same HTML by the same renderer is kept; any change to the HTML or the renderer renders it
again; charts that depend only on counts are drawn once per counts; an evidence table of
many columns is turned (one row per column) instead of wrapping its headers letter by letter."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest

from workbench import report as rp
from workbench.evidence_tables import evidence_tables

#: Two tiny documents that differ in one word.
HTML_A = "<!DOCTYPE html><html><head><title>a</title></head><body><p>first version</p></body></html>"
HTML_B = HTML_A.replace("first", "second")


def _text(path: Path) -> str:
    return " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(path.read_bytes())).pages)


@pytest.fixture
def counted_renders(monkeypatch):
    """html_to_pdf, counting the documents it actually lays out."""
    calls: list[Path] = []
    real = rp.html_to_pdf

    def counting(html, path):
        calls.append(path)
        return real(html, path)

    monkeypatch.setattr(rp, "html_to_pdf", counting)
    return calls


def test_the_same_html_is_rendered_once_and_the_pdf_kept(tmp_path, counted_renders):
    path = tmp_path / "report.pdf"
    r = rp._PdfRenderer(1, 1)
    r.submit(HTML_A, path)
    first = path.read_bytes()
    r2 = rp._PdfRenderer(1, 1)
    r2.submit(HTML_A, path)
    assert counted_renders == [path] and r2.reused == [path]
    assert path.read_bytes() == first


def test_changed_html_is_rendered_again(tmp_path, counted_renders):
    path = tmp_path / "report.pdf"
    rp._PdfRenderer(1, 1).submit(HTML_A, path)
    r = rp._PdfRenderer(1, 1)
    r.submit(HTML_B, path)
    assert len(counted_renders) == 2 and r.reused == []
    assert "second version" in _text(path)


def test_another_renderer_version_renders_again(tmp_path, counted_renders, monkeypatch):
    path = tmp_path / "report.pdf"
    rp._PdfRenderer(1, 1).submit(HTML_A, path)
    monkeypatch.setattr(rp, "PDF_RENDER_VERSION", rp.PDF_RENDER_VERSION + 1)
    assert not rp.pdf_is_current(HTML_A, path)
    rp._PdfRenderer(1, 1).submit(HTML_A, path)
    assert len(counted_renders) == 2


def test_a_pdf_without_the_key_or_not_a_pdf_is_never_reused(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(b"not a pdf")
    assert rp.pdf_render_key(path) is None and not rp.pdf_is_current(HTML_A, path)
    import weasyprint

    path.write_bytes(weasyprint.HTML(string=HTML_A).write_pdf())  # same HTML, but no key recorded
    assert not rp.pdf_is_current(HTML_A, path)
    assert not rp.pdf_is_current(HTML_A, tmp_path / "absent.pdf")


def test_the_pdf_records_the_key_of_its_exact_html(tmp_path):
    path = rp.html_to_pdf(HTML_A, tmp_path / "report.pdf")
    assert rp.pdf_render_key(path) == rp.render_key(HTML_A) != rp.render_key(HTML_B)
    assert "first version" in _text(path)


def test_build_report_again_keeps_unchanged_pdfs(tmp_path, counted_renders):
    import shutil

    from tests.conftest import MINIMAL_CASE

    shutil.copytree(MINIMAL_CASE, tmp_path / "case")
    shutil.copytree(Path(__file__).parent.parent / "fixtures" / "report" / "two_states_hostile_text", tmp_path / "run")
    run_dir, minimal_case = tmp_path / "run", tmp_path / "case" / "case.yaml"
    rp.build_report(run_dir, minimal_case, workers=1, generated_at="2018-03-01T00:00:00Z")
    pdfs = sorted(run_dir.rglob("report.pdf"))
    assert pdfs
    before = {p: p.read_bytes() for p in pdfs}
    counted_renders.clear()
    rp.build_report(run_dir, minimal_case, workers=1, generated_at="2018-03-01T00:00:00Z")
    assert counted_renders == []  # nothing changed: nothing laid out again
    assert {p: p.read_bytes() for p in pdfs} == before


# --------------------------------------------------------------------------- charts by counts

def test_charts_with_the_same_counts_are_drawn_once_and_differ_when_counts_do():
    rp._severity_png.cache_clear()
    rp._category_png.cache_clear()
    a = [{"severity": "high", "category": "notice_timeliness"}, {"severity": "low", "category": "data_quality"}]
    b = list(reversed(a))  # other findings, same counts
    c = a + [{"severity": "high", "category": "data_quality"}]
    assert rp.severity_chart(a) == rp.severity_chart(b)
    assert rp.category_chart(a) == rp.category_chart(b)
    assert rp._severity_png.cache_info().misses == 1 and rp._category_png.cache_info().misses == 1
    assert rp.severity_chart(c) != rp.severity_chart(a)
    assert rp.category_chart(c) != rp.category_chart(a)


# --------------------------------------------------------------------------- turned tables

def test_an_evidence_table_of_many_columns_is_turned_with_every_value():
    record = {f"field_{i}": f"value-{i}" for i in range(rp.WIDE_COLUMNS + 3)}
    tables = evidence_tables({"sales": [record, {**record, "field_0": "other-0"}]})
    html = rp._environment().from_string(
        '{% import "_evidence.html.j2" as e %}{{ e.evidence(tables, wide) }}').render(tables=tables, wide=rp.WIDE_COLUMNS)
    assert 'class="ev ev-records ev-turned"' in html
    table = html.split('ev-turned">', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    assert body.count("<tr>") == len(record)  # one row per column
    for i in range(len(record)):
        assert f"<th>field {i}</th>" in body and f"value-{i}" in body
    assert "other-0" in body


def test_an_evidence_table_of_few_columns_stays_as_it_is():
    tables = evidence_tables({"examples": [{"person_id": "P1", "row": 2}]})
    html = rp._environment().from_string(
        '{% import "_evidence.html.j2" as e %}{{ e.evidence(tables, wide) }}').render(tables=tables, wide=rp.WIDE_COLUMNS)
    assert "ev-turned" not in html and 'class="ev ev-records"' in html
