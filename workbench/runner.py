"""Running the notebook set for one case with papermill, into a new run folder.

``run_case`` creates ``<out>/<case_id>/<UTC timestamp>/``, writes a manifest with status
``running``, executes every notebook of ``notebooks/`` in order (parameters ``case_path``
and ``run_dir``), keeps each executed notebook and a self-contained HTML copy, and
finishes the manifest as ``completed`` or ``failed``. ``<out>/<case_id>/latest`` is moved
to the new folder only when the run completed, so a failed or killed run never replaces
the last good report.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.case import Case, load_case
from workbench.errors import RunError
from workbench.manifest import (MANIFEST_SCHEMA_VERSION, git_state, iso, law_version,
                                output_files, package_versions, utc_now, write_manifest)
from workbench.paths import NOTEBOOKS_DIR, REPORTS_DIR

log = logging.getLogger("workbench.runner")

#: Environment for every kernel: no analytics, no progress bars, no network by design.
KERNEL_ENV = {"GX_ANALYTICS_ENABLED": "false", "MPLBACKEND": "module://matplotlib_inline.backend_inline", "TQDM_DISABLE": "1",
              "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
#: Hooks that run after the notebooks, in the run folder (report assembly, manifest outputs).
POST_RUN_HOOKS: list = []


@dataclass
class NotebookRun:
    name: str
    status: str = "pending"
    seconds: float | None = None
    error: dict[str, Any] | None = None


@dataclass
class RunResult:
    run_dir: Path
    status: str
    manifest: dict[str, Any]
    notebooks: list[NotebookRun] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "completed"


def notebook_set(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The numbered notebooks, in order (``00_...``, ``10_...``).

    Raises
    ------
    RunError
        naming the folder, when it is missing or holds no numbered notebook: a run of no
        notebook would audit nothing yet record ``completed``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise RunError(f"notebook folder {folder} does not exist (give --notebooks a folder of "
                       "numbered notebooks, or set WORKBENCH_HOME)")
    found = sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb") if p.is_file())
    if not found:
        raise RunError(f"notebook folder {folder} holds no numbered notebook (00_name.ipynb, 10_name.ipynb ...)")
    return found


def new_run_dir(out: Path, case_id: str) -> Path:
    """A fresh folder ``out/case_id/<UTC timestamp>``; never reuses an existing one."""
    stamp = utc_now().strftime("%Y%m%dT%H%M%SZ")
    base = out / case_id
    base.mkdir(parents=True, exist_ok=True)
    for i in range(1000):
        candidate = base / (stamp if i == 0 else f"{stamp}-{i}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise RunError(f"cannot create a new run folder under {base}")


def point_latest(run_dir: Path) -> Path:
    """Atomically point ``<case folder>/latest`` at ``run_dir`` (a relative symlink)."""
    link = run_dir.parent / "latest"
    tmp = run_dir.parent / f".latest.{os.getpid()}"
    tmp.unlink(missing_ok=True)
    os.symlink(run_dir.name, tmp)
    os.replace(tmp, link)
    return link


def run_case(case_path: str | Path, out: str | Path = REPORTS_DIR, *,
             notebooks: list[Path] | None = None, kernel_name: str = "python3",
             progress: bool | None = None, cell_timeout: int | None = None) -> RunResult:
    """Run the notebook set on a case. Never raises for a failing notebook: returns a
    failed :class:`RunResult` (the CLI turns it into exit code 1)."""
    case = load_case(case_path)  # CaseError propagates: exit 2, no run folder
    out = Path(out).resolve()
    run_dir = new_run_dir(out, case.case_id)
    handler = _attach_log(run_dir)
    started = utc_now()
    nbs = [NotebookRun(p.name) for p in (notebooks if notebooks is not None else notebook_set())]
    manifest = _manifest(case, run_dir, started, "running", nbs)
    # which process runs it: `workbench runs list` tells a live run from a killed one
    manifest["process"] = {"pid": os.getpid(), "host": socket.gethostname()}
    write_manifest(run_dir, manifest)
    log.info("run %s: %d notebook(s) -> %s", case.case_id, len(nbs), run_dir)
    status = "completed"
    try:
        paths = notebooks if notebooks is not None else notebook_set()
        for nb_path, nbrun in zip(paths, nbs):
            if not _execute(nb_path, case, run_dir, nbrun, kernel_name, progress, cell_timeout):
                status = "failed"
                break
        if status == "completed":
            for hook in POST_RUN_HOOKS:
                hook(case, run_dir)
    except Exception as err:  # a broken hook or kernel: the run is failed, never half-complete
        log.exception("run failed: %s", err)
        status = "failed"
        manifest["error"] = {"ename": type(err).__name__, "evalue": str(err)}
    finally:
        finished = utc_now()
        manifest = {**manifest, **_manifest(case, run_dir, started, status, nbs, finished)}
        manifest["outputs"] = output_files(run_dir)
        write_manifest(run_dir, manifest)
        logging.getLogger("workbench").removeHandler(handler)
        handler.close()
    if status == "completed":
        point_latest(run_dir)
        log.info("run completed: %s", run_dir)
    else:
        log.error("run failed: %s (latest not moved)", run_dir)
    return RunResult(run_dir, status, manifest, nbs)


def _execute(nb_path: Path, case: Case, run_dir: Path, nbrun: NotebookRun, kernel_name: str,
             progress: bool | None, cell_timeout: int | None) -> bool:
    import papermill as pm

    target = run_dir / "notebooks" / nb_path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    nbrun.status = "running"
    log.info("notebook %s ...", nb_path.name)
    try:
        with _kernel_env():
            pm.execute_notebook(
                str(nb_path), str(target),
                parameters={"case_path": str(case.path), "run_dir": str(run_dir)},
                kernel_name=kernel_name, cwd=str(nb_path.parent),
                progress_bar=sys.stderr.isatty() if progress is None else progress,
                execution_timeout=cell_timeout, log_output=False, report_mode=False,
            )
    except Exception as err:  # PapermillExecutionError, CellTimeoutError, kernel death
        nbrun.status = "failed"
        nbrun.seconds = round(time.perf_counter() - t0, 3)
        nbrun.error = {"ename": getattr(err, "ename", type(err).__name__),
                       "evalue": str(getattr(err, "evalue", err))[:2000],
                       "cell_index": getattr(err, "exec_count", None),
                       "notebook": f"notebooks/{nb_path.name}"}
        log.error("notebook %s failed: %s: %s", nb_path.name, nbrun.error["ename"], nbrun.error["evalue"])
        if target.exists():
            _html_copy(target)
        return False
    nbrun.status = "completed"
    nbrun.seconds = round(time.perf_counter() - t0, 3)
    _html_copy(target)
    log.info("notebook %s done in %.1f s", nb_path.name, nbrun.seconds)
    return True


def _html_copy(target: Path) -> None:
    from workbench.render import notebook_to_html

    try:
        notebook_to_html(target, target.parent.parent / "html" / target.with_suffix(".html").name)
    except Exception as err:  # an HTML copy that would be unsafe or broken fails the run
        log.error("HTML copy of %s failed: %s", target.name, err)
        raise


class _kernel_env:
    """Set the kernel environment for the duration of a notebook run."""

    def __enter__(self):
        self._old = {k: os.environ.get(k) for k in KERNEL_ENV}
        os.environ.update(KERNEL_ENV)

    def __exit__(self, *exc):
        for k, v in self._old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _attach_log(run_dir: Path) -> logging.Handler:
    logging.getLogger("papermill").setLevel(logging.WARNING)  # its per-notebook INFO lines are noise here
    logging.getLogger("traitlets").setLevel(logging.ERROR)    # nbconvert's alt-text warnings
    handler = logging.FileHandler(run_dir / "run.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("workbench")
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    return handler


def _manifest(case: Case, run_dir: Path, started, status: str, nbs: list[NotebookRun],
              finished=None) -> dict[str, Any]:
    from workbench.sources import input_hashes

    return {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "case_id": case.case_id,
        "run_id": run_dir.name,
        "status": status,
        "started_at": iso(started),
        "finished_at": iso(finished),
        "duration_seconds": round((finished - started).total_seconds(), 3) if finished else None,
        "case_path": str(case.path),
        "parameters": {"case_path": str(case.path), "run_dir": str(run_dir),
                       **case.parameters.model_dump(mode="json")},
        "incident": case.incident.model_dump(mode="json"),
        "inputs": input_hashes(case),
        "law_data_version": law_version(),
        "packages": package_versions(),
        "git": git_state(),
        "notebooks": [vars(n) for n in nbs],
    }
