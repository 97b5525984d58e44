"""The benchmark harness cannot rot: a tiny ``make bench`` (1,000 people, every stage and
its naive baseline, each in a child process) plus the harness's own guards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.measure import run_task
from benchmarks.results import render, same_counts, speedup
from benchmarks.run import main, parse_size, size_label

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "benchmarks"


def test_tiny_bench_measures_every_stage_against_a_baseline_that_finds_the_same(tmp_path):
    out, raw = tmp_path / "RESULTS.md", tmp_path / "results.json"
    # the reference rows (also in the default run) have their own test: test_reference_table.py
    code = main(["--sizes", "1000", "--spark-sizes", "", "--data-dir", str(tmp_path / "data"),
                 "--stages", "timelines,letters,quality,run",
                 "--out", str(out), "--json", str(raw), "--notes", "",
                 "--notebooks", str(FIXTURES / "notebooks"), "--timeout-min", "5", "--baseline-timeout-min", "5"])
    assert code == 0
    doc = json.loads(raw.read_text())
    env = doc["environment"]  # what makes two runs' numbers comparable, stated with them
    assert env["cpu_calibration_s"] > 0 and env["pdf_font_subsetter"] in ("harfbuzz", "fonttools")
    assert f"machine speed: {env['cpu_calibration_s']} CPU-s" in out.read_text()
    (size,) = doc["sizes"]
    assert size["people"] == 1000 and size["input_rows"]["affected_people"] >= 1000
    rows = size["rows"]
    assert [r["stage"] for r in rows] == ["notice timelines", "letter reconciliation", "data quality", "full audit"]
    for r in rows:
        w, b = r["workbench"], r["baseline"]
        assert w["status"] == "ok", (r["stage"], w["error"])
        assert b["status"] == "ok", (r["stage"], b["error"])
        assert w["wall_s"] > 0 and w["peak_rss_mb"] > 50 and w["result"]["rows"] >= 2000
    assert rows[3]["baseline"]["result"]["sum_of"] == ["naive_quality", "naive_timelines", "naive_letters"]
    assert rows[3]["workbench"]["result"]["notebook_seconds"]["00_smoke.ipynb"] > 0
    for r in rows[:3]:  # a fair baseline: it finds exactly what the workbench finds
        assert same_counts(r["workbench"], r["baseline"]) == "yes", (r["stage"], r["workbench"]["result"]["counts"],
                                                                     r["baseline"]["result"]["counts"])
    # the planted defects are found (the counts compared above are not all zeros)
    assert rows[2]["workbench"]["result"]["counts"]["affected_people.person_id_unique"] > 0
    assert rows[1]["workbench"]["result"]["counts"]["missing_notice"] > 0
    text = out.read_text()
    assert "| 1k | data quality | chunked GX + DuckDB |" in text
    assert "| 1k | full audit |" in text and "10M full audit" in text


def test_a_large_case_measures_the_full_audit_against_one_naive_audit_process(tmp_path):
    """From --large-from on only --large-stages run (150M: the full audit), and the naive
    full audit is then one measured process, not the sum of stages that did not run."""
    raw = tmp_path / "results.json"
    code = main(["--sizes", "1000", "--large-from", "1000", "--spark-sizes", "", "--data-dir", str(tmp_path / "data"),
                 "--out", str(tmp_path / "RESULTS.md"), "--json", str(raw), "--notes", "",
                 "--notebooks", str(FIXTURES / "notebooks"), "--timeout-min", "5", "--baseline-timeout-min", "5"])
    assert code == 0
    (size,) = json.loads(raw.read_text())["sizes"]
    assert size["naive_audit"] == "measured"
    assert [r["stage"] for r in size["rows"]] == ["full audit"]
    base = size["rows"][0]["baseline"]
    assert base["task"] == "naive_audit" and base["status"] == "ok" and "sum_of" not in base["result"]
    assert "only the full audit is measured" in (tmp_path / "RESULTS.md").read_text()


def test_memory_cap_kills_the_task_and_says_out_of_memory():
    m = run_task("allocate", {"mb": 600, "hold_s": 20}, mem_cap_mb=300, timeout_s=60)
    assert m.status == "oom" and "300 MB" in m.limit
    assert m.peak_rss_mb > 300 and m.wall_s < 20


def test_timeout_kills_the_task():
    m = run_task("sleep", {"seconds": 30}, timeout_s=1.5)
    assert m.status == "timeout" and m.wall_s < 10


def test_a_failing_task_is_an_error_with_its_message():
    m = run_task("sleep", {"seconds": "not a number"}, timeout_s=60)
    assert m.status == "error" and "TypeError" in m.error


def test_speedup_shows_limits_of_the_baseline():
    ok = {"status": "ok", "wall_s": 10.0, "result": {}}
    assert speedup(ok, {"status": "ok", "wall_s": 35.0, "result": {}})[1] == "3.5x"
    assert speedup(ok, {"status": "timeout", "wall_s": 100.0, "result": {}})[1].startswith("> 10.0x")
    assert speedup(ok, {"status": "oom", "wall_s": 25.0, "result": {}}) == (
        float("inf"), "baseline out of memory (by time alone > 2.5x)")
    assert same_counts({"status": "ok", "result": {"counts": {"a": 1}}},
                       {"status": "ok", "result": {"counts": {"a": 2}}}) == "no: a"


def test_render_judges_targets_from_the_10m_rows():
    def m(wall, peak, status="ok"):
        return {"task": "t", "status": status, "wall_s": wall, "peak_rss_mb": peak, "result": {"rows": 20_000_000},
                "error": None, "limit": None}

    doc = {"environment": {"started_utc": "x", "loadavg_start": [1, 1, 1], "cpus": 2, "memory_gb": 24,
                           "memory_available_gb_start": 20, "python": "3.11", "platform": "linux",
                           "versions": {}, "git_commit": "abc", "command": "c"},
           "limits": {"mem_cap_mb": 1, "timeout_s": 60, "baseline_mem_cap_mb": 1, "baseline_timeout_s": 60,
                      "naive_audit": "sum"},
           "skipped": [], "sizes": [{"people": 10_000_000, "label": "10M", "input_rows": {}, "case_mb": 1,
                                     "generate": {"reused": True, "generate_s": 1},
                                     "rows": [{"stage": "full audit", "engine": "workbench run", "baseline_task": "x",
                                               "workbench": m(250, 5000), "baseline": m(900, 9000)}]}]}
    text = render(doc)
    assert "| 10M full audit < 300 s | 250 s | yes |" in text
    assert "| 10M full audit: >= 3x faster than the baseline | 3.6x | yes |" in text
    assert "| 10M data quality: >= 3x faster than the baseline | not measured | no |" in text
    assert "| 10M data quality on the Spark engine (local mode), in this table | not measured | no |" in text


def test_an_error_with_newlines_and_pipes_stays_in_its_table_cell():
    from benchmarks.results import table

    err = {"task": "quality", "status": "error", "wall_s": 537.0, "peak_rss_mb": 5588, "result": {},
           "error": "Py4JJavaError: calling z:readRDDFromFile.\n: java.lang.OutOfMemoryError | Java heap space",
           "limit": None}
    doc = {"sizes": [{"label": "10M", "rows": [{"stage": "data quality", "engine": "spark local[2] GX",
                                                "baseline_task": None, "workbench": err, "baseline": None}]}]}
    row = table(doc)[-1]
    assert "\n" not in row and row.count("|") == 12  # 11 cells
    assert "java.lang.OutOfMemoryError / Java heap space after 537 s" in row


@pytest.mark.parametrize("text,n,label", [("1M", 1_000_000, "1M"), ("10k", 10_000, "10k"), ("2500", 2500, "2500"),
                                          ("150M", 150_000_000, "150M")])
def test_sizes(text, n, label):
    assert parse_size(text) == n and size_label(n) == label


def test_the_report_stage_task_renders_only_the_packages_asked_for(tmp_path, minimal_case):
    import shutil

    from benchmarks.tasks import report_stage

    run_dir = tmp_path / "run"
    shutil.copytree(Path(__file__).resolve().parents[1] / "fixtures" / "report" / "two_states_hostile_text", run_dir)
    result = report_stage(str(run_dir), packages="US-NY", case_path=str(minimal_case), workers=1)
    assert (result["packages"], result["not_rendered"], result["pdfs"]) == (1, 1, 2), result
    assert result["rows"] == 6 and result["build_report_s"] > 0
    assert not (run_dir / "report.html").exists(), "the run folder measured is only read"


def test_the_report_stage_task_refuses_a_folder_without_artifacts(tmp_path):
    from benchmarks.tasks import report_stage

    with pytest.raises(FileNotFoundError, match="no artifacts/ folder; expected a run folder whose stages 00-30 ran"):
        report_stage(str(tmp_path / "reports" / "typo"))


def test_calibration_loop_measures_cpu_time_in_proportion_to_its_length():
    from benchmarks.measure import cpu_calibration_s

    short, long = cpu_calibration_s(1_000_000), cpu_calibration_s(8_000_000)
    assert 0 < short < long  # eight times the loop is measurably more CPU, not a constant
