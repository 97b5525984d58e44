"""``make bench``: the workbench against a naive baseline and against hand-written DuckDB, at scale.

For each size (default 1M and 10M people; 150M with ``--with-150m`` when the disk allows)
this generates a synthetic case with people and notices as Parquet, then measures, each
in its own child process (:mod:`benchmarks.measure`: wall time, peak resident memory of
the process tree, memory cap and timeout):

================== ======================================= ==========================================
stage              workbench                               naive baseline (benchmarks.baseline)
================== ======================================= ==========================================
data quality       stage 10, ``chunked`` engine (and       the same GX suites on one whole pandas
                   ``spark`` local[2] at ``--spark-sizes``) frame per input
notice timelines   stage 20 (DuckDB)                       pandas merges and groupby
letters            stage 30 letter reconciliation (DuckDB) pandas merge, row-by-row comparisons
full audit         ``workbench run`` (every notebook,      the three naive stages above, one after
                   reports, manifest)                      the other (sum of their times)
================== ======================================= ==========================================

then (``--stages reference``, part of the default run) each stage alone against a
hand-written DuckDB query doing the same work on the same case store (issue 15's
yardstick, :mod:`benchmarks.reference`):

=================== ============================================ ======================================
row                 workbench (each in its own child process)    reference (benchmarks/reference.py)
=================== ============================================ ======================================
00 intake           ``build_store`` of people and notices (no    DuckDB ``COPY (SELECT <typed casts>,
                    hashing) and the overview                    source_row, jurisdiction) TO parquet``
10 data quality     stage 10's ``run(store, case)`` (GX on the   one aggregate query per suite, the
                    store's DuckDB file)                         cross-input anti-joins
20 notice timelines stage 20's ``run`` (with the per-person      one query per person, the per-
                    file)                                        jurisdiction counts, the same file
30 irregularities   stage 30's ``run``                           the letter problems as SQL
=================== ============================================ ======================================

The stages 10-30 read one store per size, built by the intake once into
``<data-dir>/stores/<size>/`` (task ``store``) and reused while the case, its input files
and the workbench's code are unchanged, so their times exclude the intake. The ratio
(workbench / reference) and whether both found the same counts go to a table of their
own; the naive-baseline table and its targets (issue 8) stay as they were.

RESULTS.md (``benchmarks/RESULTS.md``) is rewritten after every measurement, so an
interrupted run leaves what it measured, and the raw numbers go to
``benchmarks/results.json``; ``--render-only`` rewrites RESULTS.md from a results.json of
either shape (with or without the reference rows). The hand-written analysis in
``benchmarks/NOTES.md`` is appended to RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from benchmarks.measure import ROOT, Measurement, cpu_calibration_s, pdf_font_subsetter, run_task

HERE = Path(__file__).resolve().parent
#: The naive stages whose times add up to the naive full audit (``--naive-audit sum``).
NAIVE_STAGES = ["naive_quality", "naive_timelines", "naive_letters"]
MB = 2**20
#: Disk per person for a case and its audit: the people and notices Parquet (~45 B, measured
#: at 1M and 10M), the timelines' per-person Parquet and DuckDB spill files.
BYTES_PER_PERSON_ESTIMATE = 150
#: From this many people on, the disk is checked first and only ``--large-stages`` run.
LARGE = 100_000_000


@dataclass(frozen=True)
class Stage:
    """One row group of the table: the workbench task and the baseline it is compared with."""

    name: str
    task: str
    baseline: str | None
    args: dict[str, Any] = field(default_factory=dict)
    engine: str = ""


def stages(size: int, spark_sizes: set[int], notebooks: str | None) -> list[Stage]:
    """What is measured at one size, in order: the quick stages first, then data quality,
    the full audit, and the Spark engine last (the slowest, and optional)."""
    out = [Stage("notice timelines", "timelines", "naive_timelines", {}, "DuckDB"),
           Stage("letter reconciliation", "letters", "naive_letters", {}, "DuckDB"),
           Stage("data quality", "quality", "naive_quality", {"engine": "chunked"}, "chunked GX + DuckDB"),
           Stage("full audit", "run", "naive_audit", {"notebooks": notebooks} if notebooks else {},
                 "workbench run (papermill)" if not notebooks else f"workbench run ({Path(notebooks).name}/)")]
    if size in spark_sizes:
        out.append(Stage("data quality", "quality", "naive_quality", {"engine": "spark"}, "spark local[2] GX"))
    return out


@dataclass(frozen=True)
class ReferenceStage:
    """One row of the table "Stages against hand-written DuckDB": the stage measured alone on
    a prepared store (the intake: building one) and its reference (:mod:`benchmarks.reference`)."""

    key: str
    name: str
    task: str
    reference: str
    on_store: bool = True  # reads the prepared store (the intake reads the case)


#: The reference rows, in order (``--reference-stages`` picks by key).
REFERENCE_STAGES: tuple[ReferenceStage, ...] = (
    ReferenceStage("intake", "00 intake", "intake", "ref_intake", on_store=False),
    ReferenceStage("quality", "10 data quality", "stage_quality", "ref_quality"),
    ReferenceStage("timelines", "20 notice timelines", "stage_timelines", "ref_timelines"),
    ReferenceStage("irregularities", "30 irregularities", "stage_irregularities", "ref_irregularities"),
)


def parse_size(text: str) -> int:
    """``1M`` -> 1_000_000, ``10k`` -> 10_000, ``2500`` -> 2500."""
    t = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(t[-1:], 1)
    return int(float(t[:-1] if mult > 1 else t) * mult)


def size_label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


# --------------------------------------------------------------------------- data

def prepare_case(data_dir: Path, people: int, seed: int, chunk_rows: int, *, regenerate: bool,
                 log_dir: Path) -> tuple[Path, Measurement | None, dict[str, Any]]:
    """The case folder for ``people``: reused when its marker matches, otherwise generated
    (measured like any task). Returns (case.yaml, generation measurement or None, marker)."""
    from benchmarks.tasks import MARKER

    case_dir = data_dir / f"people_{size_label(people)}"
    marker = case_dir / MARKER
    want = {"people": people, "seed": seed, "chunk_rows": chunk_rows, "format": "parquet"}
    if not regenerate and marker.is_file():
        doc = json.loads(marker.read_text())
        if all(doc.get(k) == v for k, v in want.items()) and (case_dir / "case.yaml").is_file():
            return case_dir / "case.yaml", None, doc
    m = run_task("generate", {"case_dir": str(case_dir), "people": people, "seed": seed, "chunk_rows": chunk_rows},
                 log_path=log_dir / f"{size_label(people)}.generate.log")
    if not m.ok:
        raise RuntimeError(f"generating {people} people failed: {m.status} {m.error or m.limit}")
    return case_dir / "case.yaml", m, json.loads(marker.read_text())


def disk_allows(data_dir: Path, people: int, bytes_per_person: float) -> tuple[bool, str]:
    need = people * bytes_per_person * 1.3  # the case, the notices CSV before conversion, run outputs
    free = shutil.disk_usage(data_dir).free
    return free > need, f"needs about {need / 1e9:.0f} GB, {free / 1e9:.0f} GB free on {data_dir}"


# --------------------------------------------------------------------------- the run

def environment(argv: list[str]) -> dict[str, Any]:
    import psutil

    def version(pkg: str) -> str:
        try:
            from importlib.metadata import version as v
            return v(pkg)
        except Exception:  # a package that is not installed
            return "-"

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "-"
    return {"started_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "loadavg_start": [round(x, 2) for x in os.getloadavg()],
            "cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "memory_available_gb_start": round(psutil.virtual_memory().available / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform(), "git_commit": commit,
            "versions": {p: version(p) for p in ("pandas", "great_expectations", "duckdb", "pyarrow", "pyspark")},
            "cpu_calibration_s": cpu_calibration_s(), "pdf_font_subsetter": pdf_font_subsetter(),
            "command": "python -m benchmarks.run " + " ".join(argv)}


def _with_links_section(results: str) -> str:
    """RESULTS.md with the look-alike links section of the last ``benchmarks.domains`` run kept."""
    from benchmarks.domains import section_from_json, upsert_section

    text = section_from_json()
    return upsert_section(results, text) if text else results


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1M,10M", help="people per case, comma-separated (default 1M,10M)")
    ap.add_argument("--with-150m", action="store_true", help="add 150M people (about 20 GB of disk; checked first)")
    ap.add_argument("--spark-sizes", default="10M", help="sizes at which the Spark engine runs too ('' for none)")
    ap.add_argument("--data-dir", default=str(HERE / ".data"), help="where the generated cases live (reused)")
    ap.add_argument("--out", default=str(HERE / "RESULTS.md"))
    ap.add_argument("--json", default=str(HERE / "results.json"))
    ap.add_argument("--notes", default=str(HERE / "NOTES.md"), help="hand-written analysis appended to RESULTS.md")
    ap.add_argument("--seed", type=int, default=2017)
    ap.add_argument("--chunk-rows", type=int, default=500_000, help="generator chunk / Parquet row group")
    ap.add_argument("--regenerate", action="store_true", help="generate the cases even when a matching one exists")
    ap.add_argument("--no-baseline", action="store_true", help="measure the workbench only")
    ap.add_argument("--baseline-mem-cap-gb", type=float, default=12.0,
                    help="kill a baseline whose process tree passes this resident memory (reported as OOM)")
    ap.add_argument("--mem-cap-gb", type=float, default=18.0, help="the same guard for workbench tasks")
    ap.add_argument("--timeout-min", type=float, default=45.0, help="per workbench task")
    ap.add_argument("--baseline-timeout-min", type=float, default=20.0, help="per baseline task")
    ap.add_argument("--spark-driver-memory", default="4g")
    ap.add_argument("--spark-timeout-min", type=float, default=None,
                    help="timeout of the Spark engine's rows (default: --timeout-min); they run last")
    ap.add_argument("--naive-audit", choices=("sum", "measured"), default="sum",
                    help="baseline of the full audit: the sum of the three naive stages (default) or one more "
                         "measured run of all three")
    ap.add_argument("--notebooks", default=None, help="notebook folder for the full-audit run (default: the project's)")
    ap.add_argument("--stages", default="timelines,letters,quality,run,reference,spark",
                    help="which to measure, by task: timelines, letters, quality, run (full audit), spark, "
                         "reference (each stage alone on a prepared store against its hand-written DuckDB query)")
    ap.add_argument("--reference-stages", default=",".join(r.key for r in REFERENCE_STAGES),
                    help="which rows 'reference' measures: " + ", ".join(r.key for r in REFERENCE_STAGES)
                         + " (default: all)")
    ap.add_argument("--large-stages", default="run",
                    help="which to measure at --large-from people or more (default: the full audit only, "
                         "whose baseline is then measured as one naive audit)")
    ap.add_argument("--large-from", default=size_label(LARGE),
                    help=f"where a case counts as large: disk checked first, --large-stages only (default {size_label(LARGE)})")
    ap.add_argument("--render-only", action="store_true",
                    help="measure nothing: rewrite --out from the numbers in --json and the current --notes")
    ns = ap.parse_args(argv)
    if ns.render_only:
        from benchmarks.results import render

        doc = json.loads(Path(ns.json).read_text(encoding="utf-8"))
        notes = Path(ns.notes).read_text(encoding="utf-8") if ns.notes and Path(ns.notes).is_file() else ""
        Path(ns.out).write_text(_with_links_section(render(doc, notes)), encoding="utf-8")
        print(f"[bench] rewrote {ns.out} from {ns.json}", flush=True)
        return 0

    sizes = [parse_size(s) for s in ns.sizes.split(",") if s.strip()]
    spark_sizes = {parse_size(s) for s in ns.spark_sizes.split(",") if s.strip()}
    data_dir = Path(ns.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_dir = data_dir / "logs"
    env = environment(argv)
    doc: dict[str, Any] = {"environment": env, "sizes": [], "skipped": [],
                           "limits": {"baseline_mem_cap_mb": int(ns.baseline_mem_cap_gb * 1024),
                                      "mem_cap_mb": int(ns.mem_cap_gb * 1024),
                                      "timeout_s": ns.timeout_min * 60,
                                      "baseline_timeout_s": ns.baseline_timeout_min * 60,
                                      "naive_audit": ns.naive_audit}}
    if ns.with_150m:
        sizes.append(150_000_000)

    def save() -> None:
        from benchmarks.results import render

        env["finished_utc"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        env["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
        Path(ns.json).write_text(json.dumps(doc, indent=1, default=str) + "\n", encoding="utf-8")
        notes = Path(ns.notes).read_text(encoding="utf-8") if ns.notes and Path(ns.notes).is_file() else ""
        Path(ns.out).write_text(_with_links_section(render(doc, notes)), encoding="utf-8")

    bytes_per_person = BYTES_PER_PERSON_ESTIMATE
    large = parse_size(ns.large_from)
    later: list[tuple] = []

    def measure(entry: dict[str, Any], st: Stage, case_path: Path, baselines: dict[str, Measurement],
                naive_audit: str) -> None:
        """One row of the table: the workbench task, then its baseline (measured once per size)."""
        label = entry["label"]
        args = {"case_path": str(case_path), **st.args}
        timeout_min = ns.timeout_min
        if st.task == "quality":
            args["chunk_rows"] = None
            if st.args.get("engine") == "spark":
                args["spark_driver_memory"] = ns.spark_driver_memory
                timeout_min = ns.spark_timeout_min or ns.timeout_min
        print(f"[bench] {label}: {st.name} ({st.engine})", flush=True)
        if st.task == "run":
            args["out"] = str(data_dir / "runs" / label)
        m = run_task(st.task, args, mem_cap_mb=int(ns.mem_cap_gb * 1024), timeout_s=timeout_min * 60,
                     log_path=log_dir / f"{label}.{st.task}.{st.args.get('engine', '')}.log")
        if st.task == "run":
            from benchmarks.tasks import notebook_seconds_from_log

            if not m.ok:
                m.result["notebook_seconds"] = notebook_seconds_from_log(args["out"])
                m.result["notebooks_partial"] = True
            shutil.rmtree(args["out"], ignore_errors=True)
        base = None
        if st.baseline and not ns.no_baseline:
            if st.baseline in baselines:
                base = baselines[st.baseline]
            elif st.baseline == "naive_audit" and naive_audit == "sum":
                base = None  # filled in once the three naive stages are measured
            else:
                print(f"[bench] {label}: {st.name} baseline ({st.baseline})", flush=True)
                base = run_task(st.baseline, {"case_path": str(case_path)},
                                mem_cap_mb=int(ns.baseline_mem_cap_gb * 1024),
                                timeout_s=ns.baseline_timeout_min * 60,
                                log_path=log_dir / f"{label}.{st.baseline}.log")
            if base is not None:
                baselines[st.baseline] = base
        entry["rows"].append({"stage": st.name, "engine": st.engine, "workbench": m.as_dict(),
                              "baseline": base.as_dict() if base else None, "baseline_task": st.baseline})
        total = _sum_of(baselines, NAIVE_STAGES)
        if total is not None and naive_audit == "sum" and not ns.no_baseline:
            for row in entry["rows"]:
                if row["baseline_task"] == "naive_audit" and row["baseline"] is None:
                    row["baseline"] = total.as_dict()
        save()

    reference_keys = [k.strip() for k in ns.reference_stages.split(",") if k.strip()]
    known = {r.key for r in REFERENCE_STAGES}
    if set(reference_keys) - known:
        ap.error(f"--reference-stages: unknown {', '.join(sorted(set(reference_keys) - known))}; "
                 f"known: {', '.join(r.key for r in REFERENCE_STAGES)}")

    def measure_references(entry: dict[str, Any], case_path: Path) -> None:
        """The stages alone against their references: the store built once (or reused),
        then each stage's task and its reference's, one child process each."""
        label = entry["label"]
        store_dir = data_dir / "stores" / label
        limits = {"mem_cap_mb": int(ns.mem_cap_gb * 1024), "timeout_s": ns.timeout_min * 60}
        wanted_rows = [r for r in REFERENCE_STAGES if r.key in reference_keys]
        entry["reference_rows"] = []
        if any(r.on_store for r in wanted_rows):
            print(f"[bench] {label}: the case store for the stages alone ({store_dir})", flush=True)
            built = run_task("store", {"case_path": str(case_path), "store_dir": str(store_dir)},
                             log_path=log_dir / f"{label}.store.log", **limits)
            entry["store"] = built.as_dict()
            save()
        for ref in wanted_rows:
            args = ({"store_dir": str(store_dir)} if ref.on_store else
                    {"case_path": str(case_path), "work_dir": str(data_dir / "scratch")})
            if ref.on_store and entry["store"]["status"] != "ok":
                why = f"the case store could not be built: {entry['store'].get('error') or entry['store'].get('limit')}"
                work, other = (Measurement(t, "error", 0.0, 0, error=why) for t in (ref.task, ref.reference))
            else:
                (data_dir / "scratch").mkdir(exist_ok=True)
                print(f"[bench] {label}: {ref.name} alone, then its DuckDB reference", flush=True)
                work = run_task(ref.task, args, log_path=log_dir / f"{label}.{ref.task}.log", **limits)
                other = run_task(ref.reference, args, log_path=log_dir / f"{label}.{ref.reference}.log", **limits)
            entry["reference_rows"].append({"stage": ref.name, "key": ref.key, "task": ref.task,
                                            "workbench": work.as_dict(), "reference": other.as_dict()})
            save()

    for people in sizes:
        label = size_label(people)
        if people >= large:
            ok, why = disk_allows(data_dir, people, bytes_per_person)
            if not ok:
                doc["skipped"].append({"people": people, "reason": f"not enough disk: {why}"})
                save()
                continue
        print(f"[bench] {label}: preparing the case", flush=True)
        case_path, gen, marker = prepare_case(data_dir, people, ns.seed, ns.chunk_rows,
                                              regenerate=ns.regenerate, log_dir=log_dir)
        entry: dict[str, Any] = {"people": people, "label": label, "case": str(case_path),
                                 "input_rows": marker.get("rows"), "case_mb": round(marker.get("bytes", 0) / 1e6, 1),
                                 "generate": gen.as_dict() if gen else {"reused": True,
                                                                        "generate_s": marker.get("generate_s")},
                                 "rows": []}
        doc["sizes"].append(entry)
        save()
        baselines: dict[str, Measurement] = {}
        wanted = {x.strip() for x in (ns.large_stages if people >= large else ns.stages).split(",") if x.strip()}
        # the naive full audit as the sum of the three naive stages only where they run
        naive_audit = ns.naive_audit if {"timelines", "letters", "quality"} <= wanted else "measured"
        entry["naive_audit"] = naive_audit
        for st in stages(people, spark_sizes, ns.notebooks):
            if ("spark" if st.args.get("engine") == "spark" else st.task) not in wanted:
                continue
            job = (entry, st, case_path, baselines, naive_audit)
            if st.args.get("engine") == "spark":
                # the slowest, and only a proof that the suites run on Spark: after every
                # size, so that it cannot hold up the other rows
                later.append(job)
            else:
                measure(*job)
        if "reference" in wanted and reference_keys:
            measure_references(entry, case_path)
    for job in later:
        measure(*job)
    save()
    print(f"[bench] wrote {ns.out} and {ns.json}", flush=True)
    return 0


def _sum_of(done: dict[str, Measurement], names: list[str]) -> Measurement | None:
    """The naive full audit as the three naive stages in sequence: times add, the peak is
    the largest; the first one that did not finish decides the status."""
    parts = [done.get(n) for n in names]
    if any(p is None for p in parts):
        return None
    bad = next((p for p in parts if not p.ok), None)
    wall = sum(p.wall_s for p in parts)
    peak = max(p.peak_rss_mb for p in parts)
    return Measurement("naive_audit", bad.status if bad else "ok", round(wall, 2), peak,
                       {"rows": parts[1].result.get("rows"), "sum_of": names},
                       bad.error if bad else None,
                       f"{bad.task}: {bad.limit}" if bad and bad.limit else None)


if __name__ == "__main__":
    sys.exit(main())
