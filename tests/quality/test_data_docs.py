"""GX Data Docs are built for every run into its folder, self-contained, from the results the
Checkpoints produced, and recorded for the report to link."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import pytest

from workbench import quality
from workbench.quality import datadocs
from workbench.quality import gx as quality_gx
from workbench.render import external_references

from .conftest import FIXTURES


def _record(run_dir):
    return json.loads((run_dir / "artifacts" / datadocs.RECORD).read_text())


def test_a_run_has_data_docs_with_one_validation_page_per_input(duckdb_run):
    run_dir, result = duckdb_run
    record = _record(run_dir)
    assert record["index"] == "data_docs/index.html" and (run_dir / record["index"]).is_file()
    names = [v.input for v in result.validations]
    assert record["checkpoint_runs"] == {n: 1 for n in names}  # one Checkpoint run per input
    assert [p["input"] for p in record["pages"]] == names and record["inputs_without_pages"] == {}
    index = (run_dir / record["index"]).read_text()
    for p in record["pages"]:
        page = (run_dir / p["page"]).read_text()
        assert "Expectation Validation Result" in page and "Unsuccessful Expectations" in page
        assert p["page"].removeprefix("data_docs/") in index and (run_dir / p["suite_page"]).is_file()
        assert p["success"] is False  # the planted case fails at least one expectation of each input
    assert (run_dir / datadocs.RECORD.join(["artifacts/", ""])) in result.evidence_files


def test_data_docs_are_self_contained(duckdb_run):
    run_dir, _ = duckdb_run
    folder = run_dir / "data_docs"
    files = list(folder.rglob("*"))
    assert {p.suffix for p in files if p.is_file()} == {".html"}  # no static folder of fonts and scripts
    for path in folder.rglob("*.html"):
        text = path.read_text()
        assert external_references(text) == [], path
        assert "<script" not in text.lower() and "<link" not in text.lower(), path
        assert f'content="{datadocs.CSP}"' in text, path
    assert datadocs.external_references_in(folder) == {}


def test_data_docs_mask_personal_values_as_the_evidence_does(duckdb_run):
    run_dir, _ = duckdb_run
    text = " ".join(p.read_text() for p in (run_dir / "data_docs").rglob("*.html"))
    assert "d**.d***@@e******.c**" in text  # the failing email, masked
    for secret in ("dan.duke", "Chloé Dupont"):
        assert secret not in text, secret


def test_suite_pages_show_the_workbench_severity_not_gx_default(duckdb_run):
    run_dir, _ = duckdb_run
    page, = [p for p in _record(run_dir)["pages"] if p["input"] == "affected_people"]
    suite = (run_dir / page["suite_page"]).read_text()
    assert "Workbench severity: critical (GX: critical)" in suite
    assert "Workbench severity: medium (GX: warning)" in suite


@pytest.mark.parametrize("run", ["duckdb_run", "chunked_run"])
def test_the_index_names_every_check_the_workbench_computed_outside_gx(run, request):
    run_dir, result = request.getfixturevalue(run)
    record = _record(run_dir)
    unique = [(v.input, o.check) for v in result.validations for o in v.outcomes if o.scope == "population"]
    assert unique and [(o["input"], o["check"]) for o in record["computed_outside_gx"]] == unique
    index = (run_dir / record["index"]).read_text()
    assert "computed by the workbench, not by Great Expectations" in index
    for (name, check), o in zip(unique, record["computed_outside_gx"]):
        assert check in index and "not Great Expectations" in o["computed_by"]
        gx_pages = [p for p in record["pages"] if p["input"] == name]
        for p in gx_pages:  # and GX's own pages do not claim them
            assert check not in (run_dir / p["page"]).read_text()


def test_inputs_validated_in_worker_processes_are_named_without_pages(chunked_run):
    run_dir, result = chunked_run
    record = _record(run_dir)
    with_pages = {p["input"] for p in record["pages"]}
    without = record["inputs_without_pages"]
    assert with_pages | set(without) == {v.input for v in result.validations}
    assert without and all("worker processes" in why for why in without.values())
    index = (run_dir / record["index"]).read_text()
    assert all(name in index for name in without)


def test_building_data_docs_validates_nothing_again(tmp_path, monkeypatch):
    gx = quality_gx._Gx()
    spec = quality.load_suite_spec("meters", FIXTURES / "gx_suites")
    quality.validate_frame(pd.DataFrame({"meter_id": ["M1", None]}), spec, {}, gx=gx)

    def refuse(*args, **kwargs):
        raise AssertionError("Data Docs ran a validation")

    monkeypatch.setattr(gx.gx.ValidationDefinition, "run", refuse)
    monkeypatch.setattr(gx.gx.Checkpoint, "run", refuse)
    record = datadocs.build_site(gx, tmp_path, [SimpleNamespace(input="meters", stats={"rows_accepted": 2})],
                                 cap=20, mask=True)
    assert record["checkpoint_runs"] == {"meters": 1}
    assert "Unsuccessful Expectations" in (tmp_path / record["pages"][0]["page"]).read_text()


def test_self_contained_removes_every_web_reference_and_keeps_local_links():
    page = (FIXTURES / "data_docs" / "page_with_cdn_assets.html").read_text()
    assert external_references(page)  # the fixture does refer to the web
    out = datadocs.self_contained(page, "td { color: black; }")
    assert external_references(out) == []
    assert not list(datadocs._ANY_WEB.finditer(out))
    assert "<script" not in out and "<link" not in out and "<form" not in out
    assert 'href="../../index.html"' in out and "values must never be null" in out
    assert "td { color: black; }" in out and datadocs.CSP in out


def test_a_site_that_still_refers_to_the_web_is_refused(tmp_path, monkeypatch):
    gx = quality_gx._Gx()
    spec = quality.load_suite_spec("meters", FIXTURES / "gx_suites")
    quality.validate_frame(pd.DataFrame({"meter_id": ["M1"]}), spec, {}, gx=gx)
    monkeypatch.setattr(datadocs, "self_contained", lambda page, css: page)  # a cleaning that missed
    with pytest.raises(datadocs.DataDocsError, match="external resources"):
        datadocs.build_site(gx, tmp_path, [SimpleNamespace(input="meters", stats={"rows_accepted": 1})],
                            cap=20, mask=True)
