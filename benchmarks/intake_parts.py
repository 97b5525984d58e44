"""Where the intake's CPU goes, input by input: ``python -m benchmarks.intake_parts CASE_YAML``.

Runs the intake's own steps on one input at a time, in this process (no worker), and
prints the CPU seconds of each: reading and typing (:func:`workbench.sources.iter_input`),
the jurisdiction mapping (:func:`workbench.store._with_jurisdiction`), the Arrow table of
the store schema (:func:`workbench.store._arrow_table`) and the Parquet write with the
store's writer options (:func:`workbench.store.writer_options`). With ``--writer-options``
it also writes the largest chunk's store table once per set of options (dictionary and
statistics for every column, as before; the store's), to compare their cost. The best of
``--reps`` runs is kept (the first run pays the imports). CPU seconds are those of this
process (``time.process_time``: every thread). Not a test; numbers go into
benchmarks/NOTES.md by hand.

    .venv/bin/python -m benchmarks.intake_parts benchmarks/.data/people_1M/case.yaml --reps 3
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

POPULATION = ("affected_people", "notices")
PARTS = ("read+type", "jurisdiction", "arrow table", "write")


def measure_input(case, name: str, folder: Path, chunk_rows: int = 500_000) -> tuple[dict[str, float], object]:
    """CPU seconds per part of one input's intake, and its largest chunk's store table."""
    from workbench import store as S
    from workbench.sources import iter_input

    cpu: Counter = Counter()
    writer = schema = largest = None
    clock = time.process_time()

    def tick(part: str) -> None:
        nonlocal clock
        now = time.process_time()
        cpu[part] += now - clock
        clock = now

    parts = iter_input(case, name, chunk_rows=chunk_rows, with_hash=False)
    while True:
        try:
            part = next(parts)
        except StopIteration:
            break
        tick("read+type")
        frame = S._with_jurisdiction(name, part.frame)
        tick("jurisdiction")
        if schema is None:
            schema = S._arrow_schema(name, frame)
        table = S._arrow_table(frame, schema)
        tick("arrow table")
        if writer is None:
            writer = pq.ParquetWriter(folder / f"{name}.parquet", schema, compression=S.STORE_COMPRESSION,
                                      **S.writer_options(table))
        writer.write_table(table)
        tick("write")
        if largest is None or len(table) > len(largest):
            largest = table
    if writer is not None:
        writer.close()
        tick("write")
    return {p: round(cpu[p], 3) for p in PARTS}, largest


def writer_option_costs(table, folder: Path, reps: int) -> dict[str, dict]:
    """CPU seconds and bytes of one table written with each set of writer options."""
    from workbench import store as S

    sets = {"dictionary and statistics for every column": {}, "the store's": S.writer_options(table)}
    out = {}
    for label, options in sets.items():
        best, path = float("inf"), folder / "options.parquet"
        for _ in range(reps):
            start = time.process_time()
            pq.write_table(table, path, compression=S.STORE_COMPRESSION, **options)
            best = min(best, time.process_time() - start)
        out[label] = {"cpu_s": round(best, 3), "bytes": path.stat().st_size}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.intake_parts", description=__doc__.splitlines()[0])
    ap.add_argument("case", help="case.yaml of a generated benchmark case (or any case)")
    ap.add_argument("--inputs", default=",".join(POPULATION), help="inputs to measure, comma-separated")
    ap.add_argument("--reps", type=int, default=3, help="runs per input; the best is kept (default 3)")
    ap.add_argument("--writer-options", action="store_true", help="also compare Parquet writer options")
    ns = ap.parse_args(argv)
    from workbench.case import load_case

    case = load_case(ns.case)
    report = {"load_before": round(os.getloadavg()[0], 2), "inputs": {}}
    with tempfile.TemporaryDirectory(prefix="bench_intake_parts_") as tmp:
        for name in [n for n in ns.inputs.split(",") if n]:
            best, table = None, None
            for _ in range(max(1, ns.reps)):
                cpu, table = measure_input(case, name, Path(tmp))
                if best is None or sum(cpu.values()) < sum(best.values()):
                    best = cpu
            entry = {**best, "total": round(sum(best.values()), 3)}
            if ns.writer_options and table is not None:
                entry["writer options (largest chunk)"] = writer_option_costs(table, Path(tmp), max(1, ns.reps))
            report["inputs"][name] = entry
    report["load_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
