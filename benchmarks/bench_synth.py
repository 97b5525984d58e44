"""Benchmark: time and peak memory of the synthetic case generator.

Run: ``python benchmarks/bench_synth.py [--people 1000000] [--seed 2017] [--chunk-rows 500000]``.
Prints a Markdown table (people, seconds, people per second, peak RSS, bytes written).
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path


def run(people: int = 1_000_000, seed: int = 2017, chunk_rows: int = 500_000) -> dict:
    """Generate one case into a temporary folder; return its measurements."""
    from workbench.synth import generate_case

    with tempfile.TemporaryDirectory(prefix="bench_synth_") as tmp:
        t0 = time.perf_counter()
        result = generate_case(Path(tmp) / "case", people, seed, chunk_rows=chunk_rows)
        seconds = time.perf_counter() - t0
        size = sum(p.stat().st_size for p in (Path(tmp) / "case").rglob("*") if p.is_file())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    return {"people": people, "chunk_rows": chunk_rows, "seconds": round(seconds, 1),
            "people_per_s": int(people / seconds), "peak_rss_mb": int(peak_mb),
            "written_mb": round(size / 1e6, 1), "notices": result.rows["notices"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2017)
    ap.add_argument("--chunk-rows", type=int, default=500_000)
    ns = ap.parse_args(argv)
    row = run(ns.people, ns.seed, ns.chunk_rows)
    print("| " + " | ".join(row) + " |")
    print("|" + "---|" * len(row))
    print("| " + " | ".join(str(v) for v in row.values()) + " |")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
