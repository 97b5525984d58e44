"""The statuses of a run and of its notebooks, defined once.

A run's manifest is written with :attr:`RunStatus.RUNNING` when it starts and rewritten
with one of :data:`FINISHED` when it ends. :attr:`RunStatus.INCOMPLETE` is never written:
``workbench runs list`` and ``workbench verify`` derive it for a manifest still saying
``running`` whose process is gone (killed with SIGKILL, power loss).
"""

from __future__ import annotations

import enum


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    #: every notebook and the report ran, and no input changed during the run
    COMPLETED = "completed"
    #: a notebook, the report, a write (a full disk) or an input check failed
    FAILED = "failed"
    #: stopped by Ctrl-C (SIGINT) or SIGTERM
    INTERRUPTED = "interrupted"
    #: derived, never written: ``running`` in the manifest, but the process is gone
    INCOMPLETE = "incomplete"


#: The statuses a finished run's manifest holds (with ``finished_at``).
FINISHED = frozenset({RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.INTERRUPTED})


class NotebookStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
