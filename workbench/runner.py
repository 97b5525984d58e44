"""Running the notebook set for one case with papermill, into a new run folder.

``run_case`` creates ``<out>/<case_id>/<UTC timestamp>/``, hashes the inputs, writes a
manifest with status ``running``, executes every notebook of ``notebooks/`` in order
(parameters ``case_path`` and ``run_dir``), keeps each executed notebook and a
self-contained HTML copy, re-hashes the inputs, and finishes the manifest with one
:class:`~workbench.status.RunStatus`: ``completed`` only when every notebook ran and no
input changed; ``failed`` (a notebook, the report, a write such as a full disk, an input
that changed, or no notebook at all) or ``interrupted`` (Ctrl-C, SIGTERM) with the reason
in ``manifest["error"]``. ``<out>/<case_id>/latest`` is moved to the new folder only when
the run completed, so a failed, interrupted or killed run never replaces the last good
report.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.case import Case
from workbench.preflight import check_case
from workbench.errors import RunError
from workbench.logs import RUN_LOG_ENV, RUN_LOG_NAME, ROOT_LOGGER, file_handler
from workbench.manifest import (MANIFEST_SCHEMA_VERSION, git_state, iso, law_version, output_files,
                                overwrite_manifest_in_place, package_versions, utc_now, write_manifest)
from workbench.paths import NOTEBOOKS_DIR, REPORTS_DIR
from workbench.status import NotebookStatus, RunStatus

log = logging.getLogger("workbench.runner")

#: Environment for every kernel: no analytics, no progress bars, no network by design.
KERNEL_ENV = {"GX_ANALYTICS_ENABLED": "false", "MPLBACKEND": "module://matplotlib_inline.backend_inline", "TQDM_DISABLE": "1",
              "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
#: Hooks that run after the notebooks, in the run folder (report assembly, manifest outputs).
POST_RUN_HOOKS: list = []
#: Signals that interrupt a run (recorded as ``interrupted``, never ``completed``).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class NotebookRun:
    name: str
    status: NotebookStatus = NotebookStatus.PENDING
    seconds: float | None = None
    error: dict[str, Any] | None = None


@dataclass
class RunResult:
    run_dir: Path
    status: RunStatus
    manifest: dict[str, Any]
    notebooks: list[NotebookRun] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == RunStatus.COMPLETED

    @property
    def error(self) -> dict[str, Any] | None:
        """Why the run did not complete (``ename``, ``evalue``, ``signal`` when interrupted)."""
        return self.manifest.get("error")


class RunInterrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived during a run. A KeyboardInterrupt, so that whatever lets
    Ctrl-C through (papermill, nbclient, asyncio) lets SIGTERM through the same way."""

    def __init__(self, signum: int):
        self.signum = int(signum)
        self.signame = signal.Signals(signum).name
        super().__init__(f"{self.signame} received")


class _StopSignals:
    """For the duration of a run, SIGINT and SIGTERM raise :class:`RunInterrupted`; once the
    run is being recorded (:meth:`defer`) a signal is logged and otherwise ignored, so that
    the manifest is always finished. (A second Ctrl-C while the first one unwinds still
    stops at once: the manifest then keeps ``running`` and the run shows as incomplete.)
    Handlers can only be installed from the main thread; elsewhere the process's own
    handling applies."""

    def __init__(self):
        self.received: int | None = None
        self.deferred = False
        self._old: dict[int, Any] = {}

    def __enter__(self) -> "_StopSignals":
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._old[signum] = signal.signal(signum, self._handle)
        return self

    def _handle(self, signum, _frame) -> None:
        name = signal.Signals(signum).name
        if self.deferred:
            log.warning("%s received while the run is being recorded; finishing the manifest first", name)
            self.received = self.received or signum
            return
        self.received = signum
        log.warning("%s received: stopping the run", name)
        raise RunInterrupted(signum)

    def defer(self) -> None:
        self.deferred = True

    def __exit__(self, *exc) -> None:
        for signum, handler in self._old.items():
            signal.signal(signum, handler)


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
             notebooks: list[Path] | None = None, kernel_name: str | None = None,
             progress: bool | None = None, cell_timeout: int | None = None,
             packages: str | None = None) -> RunResult:
    """Run the notebook set on a case. Never raises for a failing notebook: returns a
    failed :class:`RunResult` (the CLI turns it into exit code 1).

    ``kernel_name`` is a kernel spec's name (default ``WORKBENCH_KERNEL``, else this
    interpreter: :func:`workbench.kernels.resolve_kernel`).

    ``packages`` (``workbench run --packages``) reaches every notebook whose parameters cell
    declares ``packages`` (the report notebook) as a papermill parameter, and the manifest's
    ``parameters``; None leaves the choice to case.yaml's ``parameters.report_packages``."""
    from workbench.kernels import resolve_kernel

    case = check_case(case_path)  # CaseError propagates: exit 2, no run folder
    kernel_name = resolve_kernel(kernel_name)  # an unknown kernel: exit 2, no run folder either
    out = Path(out).resolve()
    # Nor for a failed write (a full disk) or an interruption: SIGINT and SIGTERM are
    # handled during the run (the previous handlers put back after it) and end it as
    # ``interrupted``; the result's status says what happened.
    paths = list(notebooks) if notebooks is not None else notebook_set()
    nbs = [NotebookRun(p.name) for p in paths]
    with _StopSignals() as stop:
        run_dir = new_run_dir(out, case.case_id)
        handler = _attach_log(run_dir)
        try:
            return _run(case, run_dir, paths, nbs, stop, handler, kernel_name, progress, cell_timeout,
                        {} if packages is None else {"packages": packages})
        finally:
            _detach_log(handler)


def _run(case: Case, run_dir: Path, paths: list[Path], nbs: list[NotebookRun], stop: _StopSignals,
         handler: logging.Handler, kernel_name: str, progress: bool | None, cell_timeout: int | None,
         options: dict[str, Any]) -> RunResult:
    from workbench.kernels import kernel_record

    started = utc_now()
    manifest: dict[str, Any] = {"inputs": {}}
    status, error = RunStatus.COMPLETED, None
    try:
        manifest.update(_manifest(case, run_dir, started, RunStatus.RUNNING, nbs, inputs={}, options=options))
        # which process runs it: `workbench runs list` tells a live run from a killed one,
        # already while the inputs are hashed (minutes on a large case)
        manifest["process"] = {"pid": os.getpid(), "host": socket.gethostname()}
        manifest["kernel"] = kernel_record(kernel_name)  # which Python ran the notebooks
        write_manifest(run_dir, manifest)
        manifest["inputs"] = _input_hashes(case)
        write_manifest(run_dir, manifest)
        log.info("run %s: %d notebook(s) -> %s", case.case_id, len(nbs), run_dir)
        declared = {p: _declared_parameters(p) for p in paths}
        for name in options:
            if not any(name in d for d in declared.values()):
                log.warning("--%s given, but no notebook of the set declares a %s parameter: it has no effect",
                            name, name)
        for nb_path, nbrun in zip(paths, nbs):
            extra = {k: v for k, v in options.items() if k in declared[nb_path]}
            if not _execute(nb_path, case, run_dir, nbrun, kernel_name, progress, cell_timeout, extra):
                status, error = RunStatus.FAILED, nbrun.error
                break
        if status == RunStatus.COMPLETED:
            for hook in POST_RUN_HOOKS:
                hook(case, run_dir)
        if not nbs:  # defence in depth: a run that executed nothing has audited nothing
            raise RunError("no notebooks were executed (the notebook set is empty)")
        _check_inputs_unchanged(case, manifest["inputs"])
    except KeyboardInterrupt as err:  # Ctrl-C, or SIGTERM through _StopSignals
        status = RunStatus.INTERRUPTED
        signame = err.signame if isinstance(err, RunInterrupted) else "SIGINT"
        error = {"ename": "KeyboardInterrupt" if signame == "SIGINT" else signame,
                 "evalue": f"{signame} received: the run was stopped", "signal": signame}
        for nbrun in nbs:
            if nbrun.status == NotebookStatus.RUNNING:
                nbrun.status = NotebookStatus.INTERRUPTED
    except Exception as err:  # a broken hook or kernel, a full disk, a changed input
        from workbench.errors import WorkbenchError

        if isinstance(err, (WorkbenchError, OSError)):  # broken setup or a full disk: no traceback needed
            log.error("run failed: %s", err)
        else:
            log.exception("run failed: %s", err)
        status = RunStatus.FAILED
        error = {"ename": type(err).__name__, "evalue": str(err)}
    stop.defer()  # from here on a signal waits: the manifest is always finished
    log.info("run %s: recording the manifest", status)
    _detach_log(handler)  # run.log is an output: hashed below, so nothing may be added after
    status, manifest = _finish(case, run_dir, manifest, started, status, error, nbs)
    if status == RunStatus.COMPLETED:
        try:
            point_latest(run_dir)
        except OSError as err:  # the run is complete and recorded; only the pointer is stale
            log.error("run completed, but latest could not be moved to it: %s", err)
        log.info("run completed: %s", run_dir)
    else:
        log.error("run %s: %s (latest not moved)", status, run_dir)
    return RunResult(run_dir, status, manifest, nbs)


def _finish(case: Case, run_dir: Path, manifest: dict[str, Any], started, status: RunStatus,
            error: dict[str, Any] | None, nbs: list[NotebookRun]) -> tuple[RunStatus, dict[str, Any]]:
    """Write the final manifest, best-effort. A write that fails (a full disk) makes the run
    ``failed``; the manifest is then rewritten in place without its outputs list where it
    fits, else it keeps ``running`` on disk and ``runs list``/``verify`` call the run
    incomplete once this process is gone. Never ``completed`` either way."""
    try:
        outputs = output_files(run_dir)
    except OSError as err:
        log.error("cannot hash the run's outputs: %s", err)
        outputs = None
        if status == RunStatus.COMPLETED:
            status, error = RunStatus.FAILED, {"ename": type(err).__name__, "evalue": str(err)}
    doc = {**manifest, **_manifest(case, run_dir, started, status, nbs, utc_now(), inputs=manifest["inputs"],
                                   options=manifest.get("parameters", {}))}
    doc["outputs"] = outputs
    if error is not None:
        doc["error"] = error
    try:
        write_manifest(run_dir, doc)
    except OSError as err:
        log.error("cannot write the final manifest of %s: %s", run_dir, err)
        if status == RunStatus.COMPLETED:
            doc["status"] = status = RunStatus.FAILED
            doc["error"] = {"ename": type(err).__name__, "evalue": f"writing manifest.json: {err}"}
        compact = {**doc, "outputs": None}
        if overwrite_manifest_in_place(run_dir, compact):
            log.warning("manifest of %s rewritten in place as %s, without its outputs list", run_dir, status)
        else:
            log.error("manifest of %s left as written at the start (running): it will show as incomplete", run_dir)
    return status, doc


def _input_hashes(case: Case) -> dict[str, dict[str, Any]]:
    from workbench.sources import input_hashes

    return input_hashes(case)


def _rehash(case: Case, name: str, entry: dict[str, Any]) -> str | None:
    """The sha256 of one input now, as the manifest recorded it at the start (None: gone)."""
    from workbench import sql
    from workbench.sources import file_sha256

    if entry.get("url") is not None:  # a database input: its ordered content digest again
        return sql.manifest_entry(case, name).get("sha256")
    try:
        return file_sha256(entry["path"])
    except OSError as err:
        log.error("input %s: cannot re-hash %s: %s", name, entry["path"], err)
        return None


def _check_inputs_unchanged(case: Case, at_start: dict[str, dict[str, Any]]) -> None:
    """Raise :class:`~workbench.errors.InputChangedError` naming every input whose content
    changed during the run."""
    from workbench.errors import InputChangedError

    changes = {}
    for name, entry in at_start.items():
        if entry.get("sha256") is None:  # a database that could not be read at the start
            continue
        now = _rehash(case, name, entry)
        if now != entry["sha256"]:
            changes[name] = (entry["sha256"], now)
    if changes:
        raise InputChangedError(changes)


def _declared_parameters(nb_path: Path) -> set[str]:
    """The names a notebook's ``parameters`` cell declares (papermill passes only these on)."""
    import papermill as pm

    return set(pm.inspect_notebook(str(nb_path)))


def _execute(nb_path: Path, case: Case, run_dir: Path, nbrun: NotebookRun, kernel_name: str,
             progress: bool | None, cell_timeout: int | None, extra: dict[str, Any] | None = None) -> bool:
    import papermill as pm

    from workbench.kernels import RunKernelManager

    target = run_dir / "notebooks" / nb_path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    nbrun.status = NotebookStatus.RUNNING
    log.info("notebook %s ...", nb_path.name)
    try:
        with _kernel_env(run_dir):
            pm.execute_notebook(
                str(nb_path), str(target),
                parameters={"case_path": str(case.path), "run_dir": str(run_dir), **(extra or {})},
                kernel_name=kernel_name, kernel_manager_class=RunKernelManager, cwd=str(nb_path.parent),
                progress_bar=sys.stderr.isatty() if progress is None else progress,
                execution_timeout=cell_timeout, log_output=False, report_mode=False,
            )
    except KeyboardInterrupt:
        nbrun.status = NotebookStatus.INTERRUPTED
        nbrun.seconds = round(time.perf_counter() - t0, 3)
        raise
    except Exception as err:  # PapermillExecutionError, CellTimeoutError, kernel death
        nbrun.status = NotebookStatus.FAILED
        nbrun.seconds = round(time.perf_counter() - t0, 3)
        nbrun.error = {"ename": getattr(err, "ename", type(err).__name__),
                       "evalue": str(getattr(err, "evalue", err))[:2000],
                       "cell_index": getattr(err, "exec_count", None),
                       "notebook": f"notebooks/{nb_path.name}"}
        log.error("notebook %s failed: %s: %s", nb_path.name, nbrun.error["ename"], nbrun.error["evalue"])
        if nbrun.error["ename"] == "KeyboardInterrupt":  # Ctrl-C reached the kernel first
            nbrun.status = NotebookStatus.INTERRUPTED
            raise KeyboardInterrupt(nbrun.error["evalue"]) from err
        if target.exists():
            _html_copy(target)
        return False
    nbrun.status = NotebookStatus.COMPLETED
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
    """Set the kernel environment for the duration of a notebook run: :data:`KERNEL_ENV`
    and the run's log (:mod:`workbench.logs`), where the kernel appends its records."""

    def __init__(self, run_dir: Path):
        self._env = {**KERNEL_ENV, RUN_LOG_ENV: str(Path(run_dir).resolve() / RUN_LOG_NAME)}

    def __enter__(self):
        self._old = {k: os.environ.get(k) for k in self._env}
        os.environ.update(self._env)

    def __exit__(self, *exc):
        for k, v in self._old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _attach_log(run_dir: Path) -> logging.Handler:
    logging.getLogger("papermill").setLevel(logging.WARNING)  # its per-notebook INFO lines are noise here
    logging.getLogger("traitlets").setLevel(logging.ERROR)    # nbconvert's alt-text warnings
    handler = file_handler(run_dir / RUN_LOG_NAME)
    root = logging.getLogger(ROOT_LOGGER)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    return handler


def _detach_log(handler: logging.Handler) -> None:
    logging.getLogger(ROOT_LOGGER).removeHandler(handler)
    handler.close()


def _manifest(case: Case, run_dir: Path, started, status: RunStatus, nbs: list[NotebookRun],
              finished=None, *, inputs: dict[str, dict[str, Any]], options: dict[str, Any]) -> dict[str, Any]:
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
                       **case.parameters.model_dump(mode="json"),
                       **{k: v for k, v in options.items() if k == "packages"}},  # what --packages asked
        "incident": case.incident.model_dump(mode="json"),
        "inputs": inputs,  # hashed once, at the start; checked again at the end
        "law_data_version": law_version(),
        "packages": package_versions(),
        "git": git_state(),
        "notebooks": [vars(n) for n in nbs],
    }
