"""Running one benchmark task in a child process and measuring it from outside.

Each task runs in a fresh interpreter (``python -m benchmarks.child``), so its peak
memory is its own and an out-of-memory baseline cannot take the harness down. The parent
samples the resident memory of the child's whole process tree (the child, and the
Jupyter kernels or the Spark JVM it starts) every ``interval`` seconds with psutil, kills
the tree when it passes ``mem_cap_mb`` or ``timeout_s``, and reports the status:

``ok``        the task finished; ``result`` holds what it returned
``oom``       the tree passed the memory cap (killed), or the task raised MemoryError
``timeout``   the task ran longer than the timeout (killed)
``error``     the task raised; ``error`` holds the last line of its traceback

Peak memory is the larger of the sampled tree peak (concurrent processes added up) and
the child's own ``getrusage`` maximum (which catches spikes between two samples).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

#: The repository root (the child runs with it as working directory and on sys.path).
ROOT = Path(__file__).resolve().parents[1]
#: Environment for every child: no analytics, no progress bars.
CHILD_ENV = {"GX_ANALYTICS_ENABLED": "false", "TQDM_DISABLE": "1", "PYTHONUNBUFFERED": "1",
             "MPLBACKEND": "Agg"}


#: Iterations of :func:`cpu_calibration_s`'s loop (about 1-3 CPU-s on the machines we run on).
CALIBRATION_LOOP = 20_000_000


def cpu_calibration_s(loop: int = CALIBRATION_LOOP) -> float:
    """CPU seconds this interpreter needs for a fixed pure-Python loop: the yardstick that makes
    timings from two machines comparable (a session's machine can be 1.5x slower than the last
    one; divide by this figure before calling a change a speed-up or a regression)."""
    t0 = time.process_time()
    total = 0
    for i in range(loop):
        total += i
    assert total == loop * (loop - 1) // 2  # the loop ran
    return round(time.process_time() - t0, 2)


def pdf_font_subsetter() -> str:
    """``harfbuzz`` when WeasyPrint subsets fonts with HarfBuzz-Subset (Debian's
    ``libharfbuzz-subset0``, which ``.ci/run`` installs), else ``fonttools``: its pure-Python
    fallback, which costs about a third more CPU per PDF. Report-stage timings are only
    comparable with the same subsetter."""
    try:
        from weasyprint.text.ffi import harfbuzz, harfbuzz_subset
    except Exception:  # noqa: BLE001 - WeasyPrint absent or unloadable: nothing renders PDFs
        return "-"
    return "harfbuzz" if harfbuzz_subset and harfbuzz.hb_version_atleast(4, 1, 0) else "fonttools"


@dataclass
class Measurement:
    """One task measured: status, wall time, peak memory and the task's own result."""

    task: str
    status: str
    wall_s: float
    peak_rss_mb: int
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    limit: str | None = None  # the cap or timeout that stopped it
    cpu_s: float | None = None  # CPU seconds of the child and its waited-for children (all threads)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _tree(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return [proc] + proc.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _tree_rss(procs: list[psutil.Process]) -> int:
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def _kill_tree(procs: list[psutil.Process]) -> None:
    """Kill the processes this harness started (the child and its descendants), by pid."""
    for p in reversed(procs):
        try:
            p.kill()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    psutil.wait_procs(procs, timeout=10)


def run_task(task: str, args: dict[str, Any], *, mem_cap_mb: int | None = None, timeout_s: float | None = None,
             interval: float = 0.2, log_path: Path | None = None) -> Measurement:
    """Run ``task`` (a name in :data:`benchmarks.tasks.TASKS`) with ``args`` in a child process.

    Parameters
    ----------
    mem_cap_mb : kill the child's process tree when its resident memory passes this.
    timeout_s : kill it after this many seconds.
    log_path : where the child's stdout/stderr go (default: discarded after the run,
        except the last lines of an error).
    """
    with tempfile.TemporaryDirectory(prefix="bench_child_") as tmp:
        out = Path(tmp) / "result.json"
        log_file = Path(log_path) if log_path else Path(tmp) / "child.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **CHILD_ENV}
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        cmd = [sys.executable, "-m", "benchmarks.child", task, json.dumps(args), str(out)]
        peak, limit, status = 0, None, None
        with open(log_file, "ab") as log:
            t0 = time.perf_counter()
            child = subprocess.Popen(cmd, cwd=str(ROOT), env=env, stdout=log, stderr=subprocess.STDOUT)
            proc = psutil.Process(child.pid)
            while child.poll() is None:
                procs = _tree(proc)
                peak = max(peak, _tree_rss(procs))
                elapsed = time.perf_counter() - t0
                if mem_cap_mb and peak > mem_cap_mb * 2**20:
                    status, limit = "oom", f"killed above the {mem_cap_mb} MB memory cap"
                    _kill_tree(procs)
                    break
                if timeout_s and elapsed > timeout_s:
                    status, limit = "timeout", f"killed after the {timeout_s:.0f} s timeout"
                    _kill_tree(procs)
                    break
                time.sleep(interval)
            child.wait()
            wall = time.perf_counter() - t0
        doc: dict[str, Any] = json.loads(out.read_text()) if out.is_file() else {}
        peak_mb = max(peak // 2**20, int(doc.get("maxrss_self_mb", 0)), int(doc.get("maxrss_children_mb", 0)))
        if status is None:
            status = doc.get("status") or ("ok" if child.returncode == 0 else "error")
        error = doc.get("error")
        if status == "error" and not error:
            tail = log_file.read_text(errors="replace").strip().splitlines()[-3:] if log_file.is_file() else []
            error = f"exit code {child.returncode}: " + " | ".join(tail)
        return Measurement(task, status, round(wall, 2), int(peak_mb), doc.get("result") or {}, error, limit,
                           doc.get("cpu_s"))
