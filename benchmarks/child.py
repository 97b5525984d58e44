"""Entry point of a measured child process: ``python -m benchmarks.child TASK ARGS_JSON OUT_JSON``.

Runs one task of :data:`benchmarks.tasks.TASKS` and writes ``OUT_JSON``: status, the
task's result, the task's own seconds (imports included) and the process's peak memory
(``getrusage``: this process, and its waited-for children such as Jupyter kernels).
"""

from __future__ import annotations

import json
import logging
import resource
import sys
import time
import traceback


def main(argv: list[str]) -> int:
    task, args, out = argv[0], json.loads(argv[1]), argv[2]
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    t0 = time.perf_counter()
    doc: dict = {"task": task}
    try:
        from benchmarks.tasks import TASKS

        doc["result"] = TASKS.get(task)(**args)
        doc["status"] = "ok"
    except MemoryError:
        doc["status"], doc["error"] = "oom", "MemoryError"
    except Exception as err:  # recorded in the results table, never hidden
        traceback.print_exc()
        doc["status"], doc["error"] = "error", f"{type(err).__name__}: {str(err)[:300]}"
    doc["seconds"] = round(time.perf_counter() - t0, 2)
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    doc["cpu_s"] = round(own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime, 1)
    doc["maxrss_self_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # Linux: KiB
    doc["maxrss_children_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    with open(out, "w", encoding="utf-8") as f:
        json.dump(doc, f, default=str)
    return 0 if doc["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
