"""Time ``workbench register audit`` on a synthetic register with known answers (issue 20, point 5).

    .venv/bin/python -m benchmarks.register                 # 100,000 rows, seed 20
    .venv/bin/python -m benchmarks.register --rows 1000000 --seed 7 --keep DIR

Generates the register (:func:`workbench.register.synth.synthetic_register`), writes it as
CSV, then times each phase in this one process: read, judge, duplicates + findings +
summary (``assess`` minus the judge), writing the outputs, and the whole
``audit_register`` (read to written files, as the CLI runs it, without printing). It checks
every row's status, days late and filing against the generator's answers and prints one
JSON document: seconds per phase, engine calls, mismatches, peak resident memory. Not a
timed test; the numbers go into benchmarks/NOTES.md by hand.
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


def measure(rows: int, seed: int, folder: Path) -> dict:
    from workbench.law import load_rulebook
    from workbench.register.audit import assess, audit_register, write_audit
    from workbench.register.judge import judge_register
    from workbench.register.mapping import load_mapping
    from workbench.register.read import read_register
    from workbench.register.synth import synthetic_register, write_register

    t = {}
    t0 = time.perf_counter()
    frame, truth = synthetic_register(rows, seed=seed)
    path = write_register(frame, folder / f"register_{rows}.csv")
    t["generate_and_write_csv"] = time.perf_counter() - t0
    book = load_rulebook()
    mapping = load_mapping("generic")

    t0 = time.perf_counter()
    read = read_register(path, mapping)
    t["read"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    _, stats = judge_register(read.accepted, "US-WA", mapping, book)
    t["judge"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    audit = assess(read, "US-WA", book)
    t["assess"] = time.perf_counter() - t0  # judge + duplicates + findings + summary
    t0 = time.perf_counter()
    write_audit(audit, folder / "out_phases")
    t["write_outputs"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    full = audit_register(path, "US-WA", mapping=mapping, out=folder / "out", book=book)
    t["audit_register_total"] = time.perf_counter() - t0

    j = full.judged.merge(truth, on="source_row", validate="one_to_one")
    late = j["status"] == "late"
    mismatches = {
        "status": int((j["status"] != j["expected_status"]).sum()),
        "days_late": int((j.loc[late, "days_late"].astype(int) != j.loc[late, "expected_days_late"]).sum()),
        "filing": int((j["filing"] != j["expected_filing"]).sum()),
    }
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rows": rows, "seed": seed, "seconds": {k: round(v, 3) for k, v in t.items()},
            "rows_read": full.summary["rows"], "engine": full.summary["engine"],
            "status_counts": full.summary["status_counts"], "mismatches_against_known_answers": mismatches,
            "peak_rss_mb": round(peak_kb / 1024, 1), "cpus": os.cpu_count(), "load_average": os.getloadavg(),
            "python": sys.version.split()[0]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.register", description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=20)
    p.add_argument("--keep", default=None, metavar="DIR", help="write the register and outputs here (default: a temporary folder)")
    ns = p.parse_args(argv)
    if ns.keep:
        result = measure(ns.rows, ns.seed, Path(ns.keep))
    else:
        with tempfile.TemporaryDirectory(prefix="bench_register_") as tmp:
            result = measure(ns.rows, ns.seed, Path(tmp))
    print(json.dumps(result, indent=2))
    return 0 if not any(result["mismatches_against_known_answers"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
