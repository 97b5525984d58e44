"""Where the timelines and letters stages spend their CPU, statement by statement, on a prepared store.

``python -m benchmarks.joins_profile STORE_DIR [--stage timelines|letters|both] [--memory 4GiB]``

``STORE_DIR`` is a store the benchmark built (``<data-dir>/stores/<size>/``). Every DuckDB
statement the stage runs through :func:`workbench.duck.connect` is timed (wall and process
CPU, all threads), and a thread samples the size of DuckDB's spill folder every 0.2 s; the
report gives, per stage, the CPU seconds, the peak spill, the peak resident memory, and the
statements that took most CPU. Lowering ``--memory`` (``WORKBENCH_DUCKDB_MEMORY``) at a
small size shows the spill regime of a large one (20M people at 512 MiB spill like 160M
at 4 GiB): what grows faster than the data shows up there first.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path


def _dir_bytes(folder: Path) -> int:
    total = 0
    for root, _, files in os.walk(folder):
        for f in files:
            try:
                total += os.stat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


class _Timed:
    """A DuckDB connection whose ``execute`` is timed (everything else passed through)."""

    def __init__(self, con, log: list):
        self._con, self._log = con, log

    def execute(self, sql, *args, **kw):
        w, c = time.perf_counter(), time.process_time()
        out = self._con.execute(sql, *args, **kw)
        self._log.append((time.process_time() - c, time.perf_counter() - w, " ".join(str(sql).split())[:150]))
        return self if out is self._con else out

    def __getattr__(self, name):
        return getattr(self._con, name)


def profile(store_dir: str, stage: str, top: int = 12) -> dict:
    from benchmarks.tasks import _OnStore
    from workbench import duck

    log: list = []
    real = duck.connect

    def timed(*a, **kw):
        return _Timed(real(*a, **kw), log)

    duck.connect = timed
    spill = duck._process_spill_dir()
    peak = {"spill": 0}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak["spill"] = max(peak["spill"], _dir_bytes(spill))
            stop.wait(0.2)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    w, c = time.perf_counter(), time.process_time()
    with _OnStore(store_dir) as store:
        if stage == "timelines":
            from workbench.timelines.loading import assess_store
            out = assess_store(store, flagged_people_path=store.run_dir / "flagged.parquet")
            result = {"people": out.stats["people"], "jurisdictions": len(out.jurisdictions),
                      "findings": len(out.findings)}
        else:
            from workbench.irregularities import stage as irregularities
            res = irregularities.Irregularities()
            irregularities.run_notice_letters(store, store.case, res)
            found = res.by_check.get("notice_letters", [])
            result = {"findings": len(found), "counts": {f.code: f.count for f in found}}
    cpu, wall = time.process_time() - c, time.perf_counter() - w
    stop.set()
    t.join()
    duck.connect = real
    log.sort(reverse=True)
    return {"stage": stage, "cpu_s": round(cpu, 1), "wall_s": round(wall, 1),
            "spill_peak_mb": round(peak["spill"] / 2**20), "max_rss_mb": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "memory_limit": duck.DEFAULT_MEMORY_LIMIT, "result": result,
            "top": [{"cpu_s": round(a, 2), "wall_s": round(b, 2), "sql": s} for a, b, s in log[:top]]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store_dir")
    ap.add_argument("--stage", choices=["timelines", "letters"], required=True)
    ap.add_argument("--json", help="append the result as one JSON line to this file")
    ns = ap.parse_args(argv)
    doc = profile(ns.store_dir, ns.stage)
    doc["store_dir"] = ns.store_dir
    print(json.dumps(doc, indent=1))
    if ns.json:
        with open(ns.json, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(doc) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
