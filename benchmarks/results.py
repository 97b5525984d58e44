"""RESULTS.md from the raw measurements of one ``make bench`` run (pure: dict in, text out)."""

from __future__ import annotations

from typing import Any

TARGET_SECONDS_10M = 300
TARGET_PEAK_MB_10M = 6 * 1024
TARGET_SPEEDUP_10M = 3.0
TARGET_PEAK_MB_150M = 12 * 1024
#: Issue 15: every stage within this factor of its hand-written DuckDB reference at 10M people,
#: the whole audit at 10M and at 150M within these times, and at 150M within this memory.
TARGET_REFERENCE_RATIO_10M = 1.5
TARGET_SECONDS_10M_ISSUE15 = 90
TARGET_SECONDS_150M = 15 * 60
TARGET_PEAK_MB_150M_ISSUE15 = 8 * 1024


def _num(x: float | int | None, digits: int = 0) -> str:
    if x is None:
        return "-"
    return f"{x:,.{digits}f}"


def _cell(text: object, limit: int = 160) -> str:
    """Text fit for one table cell: one line, no column separator, at most ``limit`` characters."""
    one = " ".join(str(text or "").split()).replace("|", "/")
    return one if len(one) <= limit else one[:limit - 3] + "..."


def _status(m: dict[str, Any] | None) -> str | None:
    """None when the measurement finished, else what stopped it."""
    if m is None:
        return "not run"
    if m["status"] == "ok":
        return None
    if m["status"] == "oom":
        return "**out of memory**" + f" ({_cell(m.get('limit') or m.get('error'))})"
    if m["status"] == "timeout":
        return f"**did not finish** ({_cell(m.get('limit'))})"
    return f"**error**: {_cell(m.get('error'))}"


def rows_per_s(m: dict[str, Any] | None) -> float | None:
    if not m or m["status"] != "ok" or not m["result"].get("rows") or not m["wall_s"]:
        return None
    return m["result"]["rows"] / m["wall_s"]


def speedup(work: dict[str, Any], base: dict[str, Any] | None) -> tuple[float | None, str]:
    """baseline time / workbench time, and how to show it: a lower bound when the baseline
    was stopped by its timeout; when by its memory cap, the baseline cannot do the work at
    all (ratio infinite), and the time it ran until then is shown as a lower bound too."""
    if base is None or work["status"] != "ok":
        return None, "-"
    if base["status"] == "ok":
        r = base["wall_s"] / work["wall_s"]
        return r, f"{r:.1f}x"
    if base["status"] == "timeout":
        r = base["wall_s"] / work["wall_s"]
        return r, f"> {r:.1f}x (baseline timed out)"
    if base["status"] == "oom":
        r = base["wall_s"] / work["wall_s"]
        return float("inf"), f"baseline out of memory (by time alone > {r:.1f}x)"
    return None, "baseline error"


def same_counts(work: dict[str, Any], base: dict[str, Any] | None) -> str:
    """Whether the workbench and the baseline found the same counts (the fairness check)."""
    if not base or work["status"] != "ok" or base["status"] != "ok":
        return "-"
    a, b = work["result"].get("counts"), base["result"].get("counts")
    if a is None or b is None:
        return "-"
    keys = set(a) | set(b)
    diff = sorted(k for k in keys if a.get(k, 0) != b.get(k, 0))
    return "yes" if not diff else f"no: {', '.join(diff[:3])}" + (" ..." if len(diff) > 3 else "")


def table(doc: dict[str, Any]) -> list[str]:
    lines = ["| people | stage | workbench engine | wall s | peak RSS MB | rows/s | baseline wall s | "
             "baseline peak RSS MB | baseline rows/s | speed-up (baseline / workbench) | same counts |",
             "|---:|---|---|---:|---:|---:|---:|---:|---:|---|---|"]
    for size in doc["sizes"]:
        for row in size["rows"]:
            w, b = row["workbench"], row.get("baseline")
            ws, bs = _status(w), _status(b) if b is not None else ("-" if row.get("baseline_task") is None else "not run")
            _, shown = speedup(w, b)
            lines.append("| " + " | ".join([
                size["label"], row["stage"], row["engine"],
                _num(w["wall_s"], 1) if ws is None else f"{ws} after {_num(w['wall_s'], 0)} s",
                _num(w["peak_rss_mb"]), _num(rows_per_s(w)),
                "-" if b is None else (_num(b["wall_s"], 1) if bs is None else f"{bs} after {_num(b['wall_s'], 0)} s"),
                "-" if b is None else _num(b["peak_rss_mb"]), _num(rows_per_s(b)),
                shown, same_counts(w, b)]) + " |")
    return lines


def _row(doc: dict[str, Any], people: int, stage: str, engine_prefix: str = "") -> dict[str, Any] | None:
    for size in doc["sizes"]:
        if size["people"] == people:
            for row in size["rows"]:
                if row["stage"] == stage and row["engine"].startswith(engine_prefix):
                    return row
    return None


def targets(doc: dict[str, Any]) -> list[str]:
    """The issue's targets, each judged from this run's numbers (or "not measured")."""
    out = ["| target | measured | met |", "|---|---|---|"]
    full = _row(doc, 10_000_000, "full audit")
    if full and full["workbench"]["status"] == "ok":
        w = full["workbench"]
        out.append(f"| 10M full audit < {TARGET_SECONDS_10M} s | {w['wall_s']:.0f} s | "
                   f"{'yes' if w['wall_s'] < TARGET_SECONDS_10M else 'no'} |")
        out.append(f"| 10M full audit peak memory < 6 GB | {w['peak_rss_mb']:,} MB | "
                   f"{'yes' if w['peak_rss_mb'] < TARGET_PEAK_MB_10M else 'no'} |")
    else:
        why = _status(full["workbench"]) if full else "not measured"
        out.append(f"| 10M full audit < {TARGET_SECONDS_10M} s, peak < 6 GB | {why} | no |")
    for stage in ("data quality", "notice timelines", "letter reconciliation", "full audit"):
        row = _row(doc, 10_000_000, stage)
        if row is None:
            out.append(f"| 10M {stage}: >= {TARGET_SPEEDUP_10M:.0f}x faster than the baseline | not measured | no |")
            continue
        r, shown = speedup(row["workbench"], row.get("baseline"))
        met = "yes" if r is not None and r >= TARGET_SPEEDUP_10M else "no"
        out.append(f"| 10M {stage}: >= {TARGET_SPEEDUP_10M:.0f}x faster than the baseline | {shown} | {met} |")
    spark = _row(doc, 10_000_000, "data quality", "spark")
    if spark is None:
        out.append("| 10M data quality on the Spark engine (local mode), in this table | not measured | no |")
    else:
        w = spark["workbench"]
        shown = (f"{w['wall_s']:.0f} s, {w['peak_rss_mb']:,} MB" if w["status"] == "ok"
                 else f"{_status(w)} after {w['wall_s']:.0f} s")
        out.append(f"| 10M data quality on the Spark engine (local mode), in this table | {shown} | "
                   f"{'yes' if w['status'] == 'ok' else 'no'} |")
    big = _row(doc, 150_000_000, "full audit")
    if big and big["workbench"]["status"] == "ok":
        w = big["workbench"]
        out.append(f"| 150M completes, peak < 12 GB | {w['wall_s']:.0f} s, {w['peak_rss_mb']:,} MB | "
                   f"{'yes' if w['peak_rss_mb'] < TARGET_PEAK_MB_150M else 'no'} |")
    else:
        skipped = [s["reason"] for s in doc.get("skipped", []) if s["people"] == 150_000_000]
        why = (_status(big["workbench"]) if big else
               (f"skipped: {skipped[0]}" if skipped else "not run (needs `--with-150m`)"))
        out.append(f"| 150M completes, peak < 12 GB | {why} | no |")
    return out


# --------------------------------------------------------------------------- stages against hand-written DuckDB

def ratio(work: dict[str, Any] | None, ref: dict[str, Any] | None) -> tuple[float | None, str]:
    """workbench wall time / reference wall time, and how to show it (only when both finished)."""
    if work is None or ref is None:
        return None, "-"
    if work["status"] != "ok":
        return None, "-"
    if ref["status"] != "ok":
        return None, "reference did not finish"
    r = work["wall_s"] / ref["wall_s"] if ref["wall_s"] else float("inf")
    return r, f"{r:.2f}x"


def count_differences(work: dict[str, Any] | None, ref: dict[str, Any] | None, shown: int = 3) -> str:
    """``yes`` when the stage and its reference gave the same counts, key by key; else ``no``
    and the first differing keys with both values."""
    if not work or not ref or work["status"] != "ok" or ref["status"] != "ok":
        return "-"
    a, b = work["result"].get("counts"), ref["result"].get("counts")
    if a is None or b is None:
        return "-"
    diff = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    if not diff:
        return f"yes ({len(a):,} counts)"
    first = ", ".join(f"{k}: {a.get(k, '-')} vs {b.get(k, '-')}" for k in diff[:shown])
    return f"no, {len(diff)} of {len(set(a) | set(b))} differ: {first}" + (" ..." if len(diff) > shown else "")


def _timed(m: dict[str, Any] | None) -> str:
    """A measurement's wall time, or what stopped it."""
    if m is None:
        return "not run"
    why = _status(m)
    return _num(m["wall_s"], 1) if why is None else f"{why} after {_num(m['wall_s'], 0)} s"


def reference_table(doc: dict[str, Any]) -> list[str]:
    """The rows of every size measured against the references (empty when none was)."""
    rows = [(size, row) for size in doc["sizes"] for row in size.get("reference_rows") or []]
    if not rows:
        return []
    lines = ["| people | stage | workbench wall s | peak MB | CPU s | reference wall s | reference peak MB | "
             "reference CPU s | ratio (workbench / reference) | same counts |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for size, row in rows:
        w, r = row["workbench"], row.get("reference")
        lines.append("| " + " | ".join([
            size["label"], row["stage"], _timed(w), _num(w["peak_rss_mb"]), _num(w.get("cpu_s"), 1),
            _timed(r), "-" if r is None else _num(r["peak_rss_mb"]), "-" if r is None else _num(r.get("cpu_s"), 1),
            ratio(w, r)[1], _cell(count_differences(w, r), 300)]) + " |")
    return lines


def _reference_row(doc: dict[str, Any], people: int, stage: str) -> dict[str, Any] | None:
    for size in doc["sizes"]:
        if size["people"] == people:
            for row in size.get("reference_rows") or []:
                if row["stage"] == stage:
                    return row
    return None


#: The stages held to their references, as the table names them (run.py's REFERENCE_STAGES).
REFERENCE_STAGE_NAMES = ("00 intake", "10 data quality", "20 notice timelines", "30 irregularities")


def targets_issue15(doc: dict[str, Any]) -> list[str]:
    """Issue 15's targets, each judged from this run's numbers (or "not measured")."""
    out = ["| target | measured | met |", "|---|---|---|"]
    big = _row(doc, 150_000_000, "full audit")
    if big and big["workbench"]["status"] == "ok":
        w = big["workbench"]
        out.append(f"| 150M full audit (every stage and the report) < {TARGET_SECONDS_150M // 60} min | "
                   f"{w['wall_s'] / 60:.1f} min | {'yes' if w['wall_s'] < TARGET_SECONDS_150M else 'no'} |")
        out.append(f"| 150M full audit, peak memory of the process tree < {TARGET_PEAK_MB_150M_ISSUE15 // 1024} GB | "
                   f"{w['peak_rss_mb']:,} MB | {'yes' if w['peak_rss_mb'] < TARGET_PEAK_MB_150M_ISSUE15 else 'no'} |")
    else:
        skipped = [s["reason"] for s in doc.get("skipped", []) if s["people"] == 150_000_000]
        why = (f"{_status(big['workbench'])} after {big['workbench']['wall_s']:.0f} s" if big else
               (f"skipped: {skipped[0]}" if skipped else "not run (needs `--with-150m`)"))
        out.append(f"| 150M full audit (every stage and the report) < {TARGET_SECONDS_150M // 60} min | {why} | no |")
        out.append(f"| 150M full audit, peak memory of the process tree < {TARGET_PEAK_MB_150M_ISSUE15 // 1024} GB | "
                   f"{why} | no |")
    full = _row(doc, 10_000_000, "full audit")
    if full and full["workbench"]["status"] == "ok":
        w = full["workbench"]
        out.append(f"| 10M full audit < {TARGET_SECONDS_10M_ISSUE15} s | {w['wall_s']:.0f} s | "
                   f"{'yes' if w['wall_s'] < TARGET_SECONDS_10M_ISSUE15 else 'no'} |")
    else:
        why = f"{_status(full['workbench'])} after {full['workbench']['wall_s']:.0f} s" if full else "not measured"
        out.append(f"| 10M full audit < {TARGET_SECONDS_10M_ISSUE15} s | {why} | no |")
    for stage in REFERENCE_STAGE_NAMES:
        label = f"| 10M {stage}: within {TARGET_REFERENCE_RATIO_10M}x of its hand-written DuckDB reference"
        row = _reference_row(doc, 10_000_000, stage)
        if row is None:
            out.append(f"{label} | not measured | no |")
            continue
        r, shown = ratio(row["workbench"], row.get("reference"))
        same = count_differences(row["workbench"], row.get("reference")).startswith("yes")
        if r is None:  # one side did not finish
            shown = (f"workbench: {_timed(row['workbench'])}" if row["workbench"]["status"] != "ok"
                     else f"reference: {_timed(row.get('reference'))}")
        elif not same:
            shown += ", but the counts differ (the reference is no yardstick until they agree)"
        met = r is not None and same and r <= TARGET_REFERENCE_RATIO_10M
        out.append(f"{label} | {shown} | {'yes' if met else 'no'} |")
    return out


def render(doc: dict[str, Any], notes: str = "") -> str:
    env, lim = doc["environment"], doc["limits"]
    lines = ["# Benchmark results", "",
             "Written by `make bench` (`python -m benchmarks.run`); every number below comes from the one run "
             "described here. Regenerate rather than edit; the analysis at the end is `benchmarks/NOTES.md`.", "",
             "## Run", "",
             f"- started {env['started_utc']}, finished {env.get('finished_utc', '(running)')}",
             f"- load average (1, 5, 15 min) at start {env['loadavg_start']}, at end {env.get('loadavg_end', '-')}"
             f" on {env['cpus']} CPUs: other work on the machine slows every number here alike",
             f"- memory {env['memory_gb']} GB ({env['memory_available_gb_start']} GB available at start); "
             f"Python {env['python']}; {env['platform']}",
             "- " + ", ".join(f"{k} {v}" for k, v in env["versions"].items()) + f"; git {env['git_commit']}",
             f"- machine speed: {env.get('cpu_calibration_s', '-')} CPU-s for the calibration loop "
             "(`benchmarks.measure.cpu_calibration_s`; compare runs of two machines only through it); "
             f"PDF font subsetting: {env.get('pdf_font_subsetter', '-')}",
             f"- command: `{env['command']}`",
             f"- limits: workbench tasks {lim['mem_cap_mb']:,} MB / {lim['timeout_s'] / 60:.0f} min, "
             f"baseline tasks {lim['baseline_mem_cap_mb']:,} MB / {lim['baseline_timeout_s'] / 60:.0f} min "
             "(a task over its cap is killed and shown as out of memory; over its timeout, as did not finish)",
             "", "## Cases", "",
             "| people | input rows | case on disk MB | generated in s |", "|---:|---|---:|---|"]
    for s in doc["sizes"]:
        gen = s["generate"]
        g = (f"{gen['wall_s']:.0f} (this run; generator alone {gen['result'].get('generate_s')})"
             if "wall_s" in gen else f"reused ({gen.get('generate_s')} s when generated)")
        rows = ", ".join(f"{k} {v:,}" for k, v in (s.get("input_rows") or {}).items()
                         if k in ("affected_people", "notices"))
        lines.append(f"| {s['label']} | {rows} | {_num(s['case_mb'], 1)} | {g} |")
    for sk in doc.get("skipped", []):
        lines.append(f"| {sk['people']:,} | skipped: {sk['reason']} | - | - |")
    lines += ["", "## Stages against the naive baseline", "",
              "Wall time includes starting Python and importing the libraries (the child process is the unit "
              "measured). Peak RSS is the largest resident memory of the task's whole process tree (notebook "
              "kernels, the Spark JVM) sampled every 0.2 s, or the process's own getrusage maximum if larger. "
              "rows/s counts the people and notice rows the stage reads (data quality: every input row). "
              f"The full-audit baseline is {'the sum of the three naive stages' if lim['naive_audit'] == 'sum' else 'one process running the three naive stages'}"
              " (no notebooks, no report rendering: it favours the baseline)"
              + ("; at " + ", ".join(s["label"] for s in doc["sizes"] if s.get("naive_audit") == "measured")
                 + " only the full audit is measured, and its baseline is one process running the three naive stages"
                 if lim["naive_audit"] == "sum" and any(s.get("naive_audit") == "measured" for s in doc["sizes"])
                 else "") + ".", ""]
    lines += table(doc)
    lines += ["", "## Targets (issue 8)", ""] + targets(doc)
    lines += ["", "## Stages against hand-written DuckDB (issue 15)", "",
              "Each stage alone, through its `run(store, case)` hook, on the same case store (built once per size by "
              "the intake and reused: the stage's time excludes it), against a hand-written DuckDB query doing the "
              "same work on that store (`benchmarks/reference.py`, which says what each reference computes and what "
              "only one side does). The intake row types the two population inputs (people, notices) on both sides, "
              "without hashing. Wall time, peak and CPU seconds are measured as above (a child process each); ratio = "
              "workbench wall / reference wall; same counts compares every count of the two, key by key.", ""]
    ref_lines = reference_table(doc)
    lines += ref_lines or ["Not measured in this run (`python -m benchmarks.run --stages reference`)."]
    stores = [f"{s['label']} {'reused' if (s['store'].get('result') or {}).get('reused') else 'built'} in "
              f"{s['store']['wall_s']:.0f} s" + ("" if s["store"]["status"] == "ok" else f" ({_status(s['store'])})")
              for s in doc["sizes"] if s.get("store")]
    if stores:
        lines += ["", "The stores: " + "; ".join(stores) + "."]
    lines += ["", "## Targets (issue 15)", ""] + targets_issue15(doc)
    details = []
    for s in doc["sizes"]:
        for row in s["rows"]:
            res = row["workbench"]["result"] or {}
            if res.get("planted"):
                found = res.get("counts", {})
                details.append(f"- {s['label']} notice timelines, found vs planted in truth.json: "
                               + ", ".join(f"{k} {found.get(k, 0):,} / {v:,}" for k, v in res["planted"].items()))
            nb = res.get("notebook_seconds")
            if nb:
                partial = " (notebooks finished before it was stopped)" if res.get("notebooks_partial") else ""
                details.append(f"- {s['label']} `workbench run` per notebook (s){partial}: "
                               + ", ".join(f"{k.split('.')[0]} {v}" for k, v in nb.items()))
    if details:
        lines += ["", "## Details", ""] + details
    if notes.strip():
        lines += ["", notes.strip()]
    return "\n".join(lines) + "\n"
