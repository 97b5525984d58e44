"""Benchmark: notice timelines (people x notices x deadlines) at scale.

Run: ``python benchmarks/bench_timelines.py [--people 1000000] [--seed 2017] [--engine duckdb] [--data DIR]``.

The case is made once with ``workbench synth`` into ``--data`` (default: a folder in the
system temp directory named for the size and seed) and reused on later runs. The
benchmark then runs :func:`workbench.timelines.assess_case` (read people and notices,
match every person against the deadline of their jurisdiction, aggregate per
jurisdiction, judge regulator and credit-bureau duties, build findings) and prints a
Markdown table: wall seconds, CPU seconds (all threads), people per second, peak RSS, the
load average when it started (other processes on the machine share its two cores), and
whether the late/missing people found equal the planted ones in truth.json.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def ensure_case(people: int, seed: int, data: Path | None) -> Path:
    """The case.yaml of a synthetic case of ``people`` people, generated once."""
    folder = data or Path(tempfile.gettempdir()) / f"bench_timelines_{people}_{seed}"
    case_yaml = folder / "case.yaml"
    if not case_yaml.exists():
        from workbench.cli import main as workbench

        t0 = time.perf_counter()
        code = workbench(["synth", "--people", str(people), "--out", str(folder), "--seed", str(seed)])
        if code:
            raise SystemExit(f"workbench synth failed with exit code {code}")
        print(f"generated {folder} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return case_yaml


def planted_people(case_yaml: Path) -> dict[str, int]:
    """Planted late and missing people (truth.json), to check the run found exactly them."""
    truth = json.loads((case_yaml.parent / "truth.json").read_text())["defects"]
    out = {"late_notice": 0, "missing_notice": 0}
    for d in truth:
        if d["kind"] in out:
            out[d["kind"]] += d["count"]
    return out


def run(people: int = 1_000_000, seed: int = 2017, engine: str = "duckdb", data: Path | None = None,
        write_people: bool = False) -> dict:
    """Time one assessment of the case; return its measurements."""
    from workbench.case import load_case
    from workbench.law import load_rulebook
    from workbench.timelines import assess_case

    case_yaml = ensure_case(people, seed, data)
    load_rulebook()  # law data parsed once per process; not part of the matching
    case = load_case(case_yaml)
    load = os.getloadavg()[0]
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench_timelines_out_") as tmp:
        out = assess_case(case, engine=engine,
                          person_status_path=Path(tmp) / "person_status.parquet" if write_people else None)
        seconds = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    found = {"late_notice": int(out.jurisdictions["late"].sum()), "missing_notice": int(out.jurisdictions["missing"].sum())}
    return {"people": people, "notices": out.stats["notice_rows"], "engine": out.stats["engine"],
            "person_parquet": write_people, "wall_s": round(seconds, 1), "cpu_s": round(cpu, 1),
            "people_per_s": int(people / seconds), "peak_rss_mb": int(r1.ru_maxrss / 1024),
            "load_avg_at_start": round(load, 1), "jurisdictions": out.stats["jurisdictions"],
            "matches_truth": found == planted_people(case_yaml)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2017)
    ap.add_argument("--engine", choices=["duckdb", "sources"], default="duckdb")
    ap.add_argument("--data", type=Path, default=None, help="case folder to (re)use; generated when absent")
    ap.add_argument("--write-people", action="store_true", help="also write the per-person Parquet file")
    ns = ap.parse_args(argv)
    row = run(ns.people, ns.seed, ns.engine, ns.data, ns.write_people)
    print("| " + " | ".join(row) + " |")
    print("|" + "---|" * len(row))
    print("| " + " | ".join(str(v) for v in row.values()) + " |")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
