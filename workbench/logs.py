"""Where a run's log records go: ``run.log`` of the run folder, from the runner and its kernels.

The runner (:mod:`workbench.runner`) writes ``run.log`` with :func:`file_handler`. Each
notebook runs in a kernel, a separate process whose ``logging`` records would otherwise
stay in the kernel (warnings as stream output of a cell, INFO nowhere). So the runner
puts the path of the run's ``run.log`` in the kernel's environment (``WORKBENCH_RUN_LOG``)
and the package, when it is imported in such a kernel, appends the ``workbench`` logger's
records to that file in the same format (:func:`configure_run_logging`): a stage's INFO
lines appear in ``run.log`` in order, between the runner's start and end of its notebook.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

#: The one format of ``run.log`` lines (runner and kernels alike).
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: The file name of a run's log in its run folder.
RUN_LOG_NAME = "run.log"
#: The environment variable through which the runner tells a kernel its run's log.
RUN_LOG_ENV = "WORKBENCH_RUN_LOG"
#: The logger every workbench module logs under.
ROOT_LOGGER = "workbench"


def file_handler(path: str | Path) -> logging.FileHandler:
    """An appending handler writing ``path`` in :data:`LOG_FORMAT` (appends: the runner and
    its kernel write the same file, each record in one write)."""
    handler = logging.FileHandler(path, mode="a", encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    return handler


def run_log_path() -> Path | None:
    """The run's ``run.log`` when this process is a kernel of a run (None otherwise)."""
    value = os.environ.get("WORKBENCH_RUN_LOG")
    return Path(value) if value else None


def configure_run_logging(path: str | Path | None = None) -> logging.Handler | None:
    """Send the ``workbench`` logger's INFO records to a run's log (default: the one named by
    ``WORKBENCH_RUN_LOG``; nothing when there is none: a notebook opened by hand).

    Idempotent: a second call for the same file adds nothing; a call for another file
    replaces the previous run's handler. Warnings still reach ``sys.stderr`` (a kernel
    shows them under their cell), as they did before the logger had a handler.
    """
    path = Path(path) if path is not None else run_log_path()
    if path is None:
        return None
    target = os.path.abspath(path)
    logger = logging.getLogger(ROOT_LOGGER)
    for h in list(logger.handlers):
        if getattr(h, "_workbench_run_log", None) is not None:
            if h._workbench_run_log == target:
                return h
            logger.removeHandler(h)
            h.close()
    handler = file_handler(target)
    handler._workbench_run_log = target
    logger.addHandler(handler)
    if not any(getattr(h, "_workbench_stderr", False) for h in logger.handlers):
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(logging.WARNING)
        console._workbench_stderr = True
        logger.addHandler(console)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    return handler
