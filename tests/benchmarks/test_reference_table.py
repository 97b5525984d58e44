"""RESULTS.md's table of the stages against their hand-written DuckDB references and issue
15's targets (pure functions: a results dict in, text out), and the harness that measures
them (a tiny run of two of the rows, each task in its child process)."""

from __future__ import annotations

import json

from benchmarks.results import count_differences, ratio, reference_table, render, targets_issue15
from benchmarks.run import main


def m(wall: float, peak: int = 1000, status: str = "ok", counts: dict | None = None, cpu: float | None = None):
    return {"task": "t", "status": status, "wall_s": wall, "peak_rss_mb": peak, "cpu_s": cpu,
            "result": {"rows": 20_000_000, "counts": counts if counts is not None else {"a": 1, "b": 2}},
            "error": None, "limit": "killed after the 2700 s timeout" if status == "timeout" else None}


def document(sizes: list[dict]) -> dict:
    return {"environment": {"started_utc": "x", "loadavg_start": [1, 1, 1], "cpus": 2, "memory_gb": 24,
                            "memory_available_gb_start": 20, "python": "3.11", "platform": "linux",
                            "versions": {}, "git_commit": "abc", "command": "c"},
            "limits": {"mem_cap_mb": 1, "timeout_s": 60, "baseline_mem_cap_mb": 1, "baseline_timeout_s": 60,
                       "naive_audit": "sum"},
            "skipped": [], "sizes": sizes}


def size(people: int, label: str, rows: list | None = None, reference_rows: list | None = None, **extra) -> dict:
    out = {"people": people, "label": label, "input_rows": {}, "case_mb": 1,
           "generate": {"reused": True, "generate_s": 1}, "rows": rows or []}
    if reference_rows is not None:
        out["reference_rows"] = reference_rows
    return out | extra


def full_audit(wall: float, peak: int) -> dict:
    return {"stage": "full audit", "engine": "workbench run", "baseline_task": None, "workbench": m(wall, peak),
            "baseline": None}


def test_ratio_is_the_workbench_over_its_reference_when_both_finished():
    assert ratio(m(30.0), m(20.0)) == (1.5, "1.50x")
    assert ratio(m(30.0), m(900.0, status="timeout")) == (None, "reference did not finish")
    assert ratio(m(30.0, status="oom"), m(20.0)) == (None, "-")
    assert ratio(m(30.0), None) == (None, "-")


def test_same_counts_says_yes_or_shows_the_first_differences_with_both_values():
    assert count_differences(m(1.0), m(2.0)) == "yes (2 counts)"
    shown = count_differences(m(1.0, counts={"a": 1, "b": 2, "c": 3}), m(1.0, counts={"a": 1, "b": 5, "d": 4}))
    assert shown == "no, 3 of 4 differ: b: 2 vs 5, c: 3 vs -, d: - vs 4"
    many = count_differences(m(1.0, counts={f"k{i}": i for i in range(5)}), m(1.0, counts={}), shown=2)
    assert many.startswith("no, 5 of 5 differ: k0: 0 vs -, k1: 1 vs -") and many.endswith(" ...")
    assert count_differences(m(1.0), m(1.0, status="error")) == "-"


def test_the_reference_table_has_one_row_per_stage_and_size():
    rows = [{"stage": "00 intake", "key": "intake", "workbench": m(12.0, 900, cpu=20.0),
             "reference": m(8.0, 700, cpu=15.5)},
            {"stage": "10 data quality", "key": "quality", "workbench": m(2700.0, 5000, status="timeout"),
             "reference": m(30.0, 800, counts={"a": 1})}]
    lines = reference_table(document([size(10_000_000, "10M", reference_rows=rows)]))
    assert lines[0].startswith("| people | stage | workbench wall s | peak MB | CPU s | reference wall s |")
    assert lines[2] == "| 10M | 00 intake | 12.0 | 900 | 20.0 | 8.0 | 700 | 15.5 | 1.50x | yes (2 counts) |"
    assert lines[3].startswith("| 10M | 10 data quality | **did not finish** (killed after the 2700 s timeout) "
                               "after 2,700 s | 5,000 |")
    assert lines[3].endswith("| - | - |")
    assert reference_table(document([size(10_000_000, "10M")])) == []  # results.json of before issue 15


def test_issue15_targets_are_judged_from_the_10m_and_150m_rows():
    rows = [{"stage": "00 intake", "key": "intake", "workbench": m(12.0), "reference": m(10.0)},
            {"stage": "10 data quality", "key": "quality", "workbench": m(40.0), "reference": m(20.0)},
            {"stage": "20 notice timelines", "key": "timelines", "workbench": m(10.0),
             "reference": m(9.0, counts={"a": 1, "b": 3})}]
    doc = document([size(10_000_000, "10M", rows=[full_audit(85.0, 4000)], reference_rows=rows),
                    size(150_000_000, "150M", rows=[full_audit(1000.0, 7000)])])
    text = "\n".join(targets_issue15(doc))
    assert "| 150M full audit (every stage and the report) < 15 min | 16.7 min | no |" in text
    assert "| 150M full audit, peak memory of the process tree < 8 GB | 7,000 MB | yes |" in text
    assert "| 10M full audit < 90 s | 85 s | yes |" in text
    assert "| 10M 00 intake: within 1.5x of its hand-written DuckDB reference | 1.20x | yes |" in text
    assert "| 10M 10 data quality: within 1.5x of its hand-written DuckDB reference | 2.00x | no |" in text
    assert ("| 10M 20 notice timelines: within 1.5x of its hand-written DuckDB reference | 1.11x, but the counts "
            "differ (the reference is no yardstick until they agree) | no |") in text
    assert "| 10M 30 irregularities: within 1.5x of its hand-written DuckDB reference | not measured | no |" in text


def test_render_keeps_the_issue8_sections_and_adds_the_reference_table_to_old_and_new_results():
    old = render(document([size(10_000_000, "10M", rows=[full_audit(250.0, 5000)])]))
    assert "## Targets (issue 8)" in old and "| 10M full audit < 300 s | 250 s | yes |" in old
    assert "## Stages against hand-written DuckDB (issue 15)" in old
    assert "Not measured in this run (`python -m benchmarks.run --stages reference`)." in old
    assert "| 150M full audit (every stage and the report) < 15 min | not run (needs `--with-150m`) | no |" in old
    rows = [{"stage": "00 intake", "key": "intake", "workbench": m(3.0), "reference": m(2.0)}]
    new = render(document([size(1_000_000, "1M", reference_rows=rows,
                                store={"status": "ok", "wall_s": 41.0, "result": {"reused": False}})]))
    assert "| 1M | 00 intake | 3.0 | 1,000 | - | 2.0 | 1,000 | - | 1.50x | yes (2 counts) |" in new
    assert "The stores: 1M built in 41 s." in new
    assert new.index("## Targets (issue 8)") < new.index("## Stages against hand-written DuckDB") < \
        new.index("## Targets (issue 15)")


def test_a_tiny_bench_of_reference_rows_alone_measures_each_stage_and_its_reference(tmp_path):
    """``--stages reference`` runs the reference rows alone (here two of them, to stay quick):
    the store is prepared once, each side runs in its own child and finds the same counts."""
    out, raw = tmp_path / "RESULTS.md", tmp_path / "results.json"
    code = main(["--sizes", "1000", "--stages", "reference", "--reference-stages", "intake,timelines",
                 "--data-dir", str(tmp_path / "data"), "--out", str(out), "--json", str(raw), "--notes", "",
                 "--timeout-min", "5"])
    assert code == 0
    (entry,) = json.loads(raw.read_text())["sizes"]
    assert entry["rows"] == [] and entry["store"]["status"] == "ok"
    assert [r["stage"] for r in entry["reference_rows"]] == ["00 intake", "20 notice timelines"]
    for row in entry["reference_rows"]:
        assert row["workbench"]["status"] == "ok", row["workbench"]["error"]
        assert row["reference"]["status"] == "ok", row["reference"]["error"]
        assert count_differences(row["workbench"], row["reference"]).startswith("yes"), row["stage"]
    text = out.read_text()
    assert "| 1k | 00 intake |" in text and "| 1k | 20 notice timelines |" in text
    assert entry["store"]["result"]["rows"] >= 2000
    assert (tmp_path / "data" / "stores" / "1k" / "bench_store.json").is_file()
