"""On a case with known defects, exactly those defects are found, with their rows, and the
chunked and whole-frame engines agree to the row."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from workbench import quality

# (finding code) -> (count, source rows of the failing examples): every planted defect.
EXPECTED = {
    "dq.affected_people.person_id_unique": (2, [7, 8]),
    "dq.affected_people.full_name_present": (1, [9]),
    "dq.affected_people.country_iso_alpha2": (1, [11]),
    "dq.affected_people.us_region_present": (1, [12]),
    "dq.affected_people.us_region_valid": (1, [6]),
    "dq.affected_people.email_format": (1, [4]),
    "dq.affected_people.us_zip_format": (1, [5]),
    "dq.affected_people.data_elements_subset": (1, [10]),
    "dq.notices.rows_rejected": (1, None),
    "dq.notices.notice_id_unique": (2, [6, 7]),
    "dq.notices.person_id_present": (1, [11]),
    "dq.notices.channel_known": (1, [5]),
    "dq.notices.status_known": (1, [5]),
    "dq.notices.sent_at_in_incident_window": (2, [4, 8]),
    "dq.notices.sent_at_not_before_determination": (1, [4]),
    "dq.regulator_notices.jurisdiction_code_format": (1, [3]),
    "dq.regulator_notices.recipient_type_known": (1, [4]),
    "dq.regulator_notices.sent_at_in_incident_window": (1, [4]),
    "dq.regulator_notices.residents_reported_non_negative": (1, [2]),
    "dq.insider_trades.rows_rejected": (1, None),
    "dq.insider_trades.transaction_code_valid": (1, [2]),
    "dq.insider_trades.shares_positive": (1, [2]),
    "dq.insider_trades.price_non_negative": (1, [2]),
    "dq.insider_trades.shares_owned_after_non_negative": (1, [3]),
    "dq.insider_trades.acquired_disposed_valid": (1, [2]),
    "dq.insider_trades.plan_10b5_1_valid": (1, [2]),
    "dq.insider_trades.transaction_date_plausible": (1, [3]),
    "dq.insider_trades.filed_not_before_trade": (1, [2]),
    "dq.communications.message_id_unique": (2, [1, 2]),
    "dq.communications.channel_known": (1, [3]),
    "dq.communications.published_at_not_after_audit": (1, [4]),
    "dq.communications.text_present": (1, [3]),
    "dq.compensation.person_present": (1, [3]),
    "dq.compensation.kind_known": (1, [2]),
    "dq.compensation.amount_non_negative": (1, [2]),
    "dq.compensation.award_date_not_after_audit": (1, [3]),
    "dq.share_prices.date_unique": (2, [2, 3]),
    "dq.share_prices.close_positive": (1, [4]),
    # across inputs, whole population (N09 was rejected, so P09 has no notice either)
    "dq.population.notice_unknown_person": (1, [6]),
    "dq.population.person_without_notice": (4, [10, 11, 12, 13]),
}


def _found(result):
    out = {}
    for f in result.findings:
        rows = [x["source_row"] for x in f.evidence["examples"]] if "examples" in f.evidence else None
        out[f.code] = (f.count, rows)
    return out


@pytest.mark.parametrize("run", ["chunked_run", "pandas_run", "duckdb_run"])
def test_exactly_the_planted_defects_are_found(run, request):
    _, result = request.getfixturevalue(run)
    assert all(f.category == "data_quality" for f in result.findings)
    assert _found(result) == EXPECTED


def test_chunked_counts_equal_whole_frame_counts(chunked_run, pandas_run):
    cols = ["input", "check", "element_count", "unexpected_count", "missing_count", "success"]
    chunked = chunked_run[1].outcomes[cols]
    whole = pandas_run[1].outcomes[cols]
    pd.testing.assert_frame_equal(chunked, whole)
    assert chunked["element_count"].sum() > 0


def test_rows_reconcile_and_rejects_are_reported(chunked_run):
    summary = chunked_run[1].summary.set_index("input")
    assert (summary["rows_read"] == summary["rows_accepted"] + summary["rows_rejected"]).all()
    assert summary.loc["notices", ["rows_read", "rows_accepted", "rows_rejected"]].tolist() == [11, 10, 1]
    assert summary.loc["insider_trades", "rows_rejected"] == 1
    rej = next(f for f in chunked_run[1].findings if f.code == "dq.notices.rows_rejected")
    assert rej.evidence["first_rows"] == [10] and rej.evidence["rows_read"] == 11


def test_severity_and_rationale_come_from_the_suite(chunked_run):
    f = next(f for f in chunked_run[1].findings if f.code == "dq.affected_people.email_format")
    assert f.severity == "medium" and "could not have been delivered" in f.detail
    assert f.subject == "affected_people" and f.evidence["element_count"] == 13


@pytest.mark.parametrize("run", ["chunked_run", "duckdb_run"])
def test_failing_rows_are_masked_in_findings_tables_and_evidence(run, request):
    run_dir, result = request.getfixturevalue(run)
    email = next(f for f in result.findings if f.code == "dq.affected_people.email_format")
    assert email.evidence["examples"] == [{"email": "d**.d***@@e******.c**", "person_id": "P04", "source_row": 4}]
    texts = [result.examples.to_csv()] + [p.read_text() for p in (run_dir / "evidence").rglob("*") if p.is_file()]
    for secret in ("dan.duke", "Hal", "Chloé Dupont", "8020"):
        assert not any(secret in t for t in texts), secret


def test_evidence_is_raw_gx_json_per_input_and_data_docs_stay_in_their_folder(chunked_run):
    run_dir, result = chunked_run
    gx_dir = run_dir / "evidence" / "gx"
    names = sorted(p.stem for p in gx_dir.glob("*.json"))
    assert names == sorted(["affected_people", "notices", "regulator_notices", "insider_trades",
                            "communications", "compensation", "share_prices", "population"])
    doc = json.loads((gx_dir / "notices.json").read_text())
    assert doc["read"]["rows_rejected"] == 1
    vr = doc["batches"][0]["validation_result"]
    assert vr["results"] and "statistics" in vr
    html = list(run_dir.rglob("*.html"))
    assert html and all(p.is_relative_to(run_dir / "data_docs") for p in html)


def test_assessed_lists_every_suite_and_cross_check(chunked_run):
    assessed = chunked_run[1].assessed
    assert assessed["suite:affected_people"].is_assessed
    assert assessed["population:person_without_notice"].is_assessed


def test_absent_inputs_are_not_assessed(tmp_path):
    import shutil

    from workbench.case import load_case
    from tests.conftest import MINIMAL_CASE

    shutil.copytree(MINIMAL_CASE, tmp_path / "m")
    case = load_case(tmp_path / "m" / "case.yaml")
    result = quality.run_stage(case, tmp_path / "run", engine="chunked")
    assert not result.assessed["suite:share_prices"].is_assessed
    assert result.assessed["suite:share_prices"].reason == "input share_prices absent from case.yaml"
    assert result.findings == []  # the minimal case is clean
    assert result.summary["rows_read"].sum() == 6


def test_unknown_engine_lists_the_known_ones(planted_case, tmp_path):
    from workbench.errors import UnknownNameError

    with pytest.raises(UnknownNameError, match="chunked, duckdb, pandas, spark, sql"):
        quality.run_stage(planted_case, tmp_path, engine="dask")


def test_duplicates_in_different_chunks_are_found(planted_case):
    """One row per chunk: uniqueness cannot be seen per chunk, the population check sees it."""
    vs = quality.validate_case(planted_case, "chunked", names=["share_prices"],
                               options=quality.EngineOptions(chunk_rows=1, workers=1))
    o = vs[0].outcome("date_unique")
    assert (o.element_count, o.unexpected_count) == (5, 2)
    assert [x["source_row"] for x in o.examples] == [2, 3]


def _untimed(raw: list[dict]) -> list[dict]:
    """Raw evidence without the times of one GX run (the only values that differ between
    runs): the batch load time and the Checkpoint run's time."""
    import copy

    out = copy.deepcopy(raw)
    for r in out:
        meta = (r.get("validation_result") or {}).get("meta", {})
        meta.get("batch_markers", {}).pop("ge_load_time", None)
        meta.pop("validation_time", None)
        meta.get("run_id", {}).pop("run_time", None)
    return out


def test_worker_processes_give_what_one_process_gives(planted_case, chunked_run, tmp_path):
    """Chunks validated in worker processes are folded in chunk order: the outcomes,
    examples and raw evidence equal the in-process run's exactly."""
    _, pooled = chunked_run
    alone = quality.run_stage(planted_case, tmp_path, engine="chunked",
                              options=quality.EngineOptions(chunk_rows=6, workers=1))
    assert len(pooled.validations) == len(alone.validations) == 7
    for p, a in zip(pooled.validations, alone.validations):
        assert p.outcomes == a.outcomes, p.input
        assert _untimed(p.raw_results) == _untimed(a.raw_results), p.input
        assert p.rejects_total == a.rejects_total
    assert sum(len(v.raw_results) for v in alone.validations) > 7  # several chunks per input: the pool was used


@pytest.mark.parametrize("bad", [0, -1])
def test_worker_count_must_be_positive(planted_case, tmp_path, bad):
    from workbench.errors import WorkbenchError

    with pytest.raises(WorkbenchError, match="quality workers: expected 1 or more"):
        quality.run_stage(planted_case, tmp_path, engine="chunked", options=quality.EngineOptions(workers=bad))


def test_worker_count_from_the_environment(monkeypatch):
    from workbench.errors import WorkbenchError

    monkeypatch.setenv("WORKBENCH_QUALITY_WORKERS", "3")
    assert quality.EngineOptions().worker_count() == 3
    monkeypatch.setenv("WORKBENCH_QUALITY_WORKERS", "two")
    with pytest.raises(WorkbenchError, match="WORKBENCH_QUALITY_WORKERS='two'"):
        quality.EngineOptions().worker_count()
