"""Benchmark: time and peak memory of data-quality validation as the population grows.

Run: ``python benchmarks/bench_quality.py [--people 10000000] [--engine chunked] [--chunk-rows 500000]
[--case path/to/case.yaml]``. Generates a synthetic case (unless ``--case`` is given),
validates every input with the chosen engine, runs the whole-population checks in DuckDB,
and prints a Markdown table (people, seconds, people per second, peak RSS, findings).
Peak RSS should stay roughly flat for ``chunked`` as ``--people`` grows (it depends on
``--chunk-rows``); ``pandas`` grows with the population. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path


def run(people: int, engine: str = "chunked", chunk_rows: int = 500_000, case_path: str | None = None,
        seed: int = 2017) -> dict:
    """Validate one case; return its measurements."""
    from workbench import quality
    from workbench.case import load_case

    with tempfile.TemporaryDirectory(prefix="bench_quality_") as tmp:
        if case_path is None:
            from workbench.synth import generate_case

            generate_case(Path(tmp) / "case", people, seed, chunk_rows=chunk_rows)
            case_path = str(Path(tmp) / "case" / "case.yaml")
        gen_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        case = load_case(case_path)
        t0 = time.perf_counter()
        result = quality.run_stage(case, Path(tmp) / "run", engine=engine,
                                   options=quality.EngineOptions(chunk_rows=chunk_rows))
        seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    rows = int(result.summary["rows_read"].sum())
    return {"people": people, "engine": engine, "chunk_rows": chunk_rows, "rows_validated": rows,
            "seconds": round(seconds, 1), "rows_per_s": int(rows / seconds),
            "peak_rss_mb": int(peak_mb), "peak_rss_mb_before_validation": int(gen_peak),
            "findings": len(result.findings)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=10_000_000)
    ap.add_argument("--engine", default="chunked")
    ap.add_argument("--chunk-rows", type=int, default=500_000)
    ap.add_argument("--case", default=None, help="validate this case.yaml instead of a generated one")
    ap.add_argument("--seed", type=int, default=2017)
    ns = ap.parse_args(argv)
    row = run(ns.people, ns.engine, ns.chunk_rows, ns.case, ns.seed)
    print("| " + " | ".join(row) + " |")
    print("|" + "---|" * len(row))
    print("| " + " | ".join(str(v) for v in row.values()) + " |")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
