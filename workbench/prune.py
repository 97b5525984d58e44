"""Deleting old run folders, so that a nightly schedule does not fill the disk.

``prune_runs(out, keep=N)`` keeps, per case, the newest ``N`` run folders (by run id, the UTC
timestamp the runner names them with) and deletes the older ones, except:

- the one ``<case>/latest`` points at (the last completed run: never deleted);
- one younger than ``min_age_hours`` (default 24; ``0`` lets any age go), by the manifest's
  ``started_at``, else the run id's timestamp, else the folder's modification time;
- one whose process is alive (``running`` in :func:`workbench.verify.run_state`).

Every run folder gets one :class:`PruneDecision` (kept, with why, or removed), so the CLI
prints what it removed or, with ``dry_run``, what it would remove.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError

log = logging.getLogger("workbench.prune")

DEFAULT_MIN_AGE_HOURS = 24.0


@dataclass(frozen=True)
class PruneDecision:
    """One run folder: whether it is (or would be) removed, and why it is kept otherwise."""

    case_id: str
    run_id: str
    path: str
    state: str
    started_at: str | None
    remove: bool
    reason: str

    def to_json(self) -> dict[str, Any]:
        return dict(vars(self))


def _started(row: dict[str, Any]) -> dt.datetime | None:
    """When a run started: its manifest's ``started_at``, else its run id, else the folder's mtime."""
    for text, fmt in ((row.get("started_at"), None), (row["run_id"].split("-")[0], "%Y%m%dT%H%M%SZ")):
        if not text:
            continue
        try:
            t = dt.datetime.strptime(text, fmt) if fmt else dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
        except ValueError:
            continue
        return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)
    try:
        return dt.datetime.fromtimestamp(Path(row["path"]).stat().st_mtime, dt.timezone.utc)
    except OSError:
        return None


def plan_prune(out: str | Path, keep: int, *, case_id: str | None = None,
               min_age_hours: float = DEFAULT_MIN_AGE_HOURS, now: dt.datetime | None = None) -> list[PruneDecision]:
    """What :func:`prune_runs` would do, one decision per run folder (oldest first per case).

    Raises
    ------
    WorkbenchError
        for ``keep`` below 1 or a negative ``min_age_hours``.
    """
    from workbench.verify import list_runs

    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise WorkbenchError(f"--keep {keep!r}: expected a whole number of runs to keep per case, at least 1")
    if min_age_hours < 0:
        raise WorkbenchError(f"--min-age-hours {min_age_hours!r}: expected hours >= 0 (0: any age may go)")
    now = now or dt.datetime.now(dt.timezone.utc)
    by_case: dict[str, list[dict[str, Any]]] = {}
    for row in list_runs(out, case_id):
        by_case.setdefault(row["case_id"], []).append(row)
    decisions = []
    for case, rows in sorted(by_case.items()):
        rows.sort(key=lambda r: r["run_id"])
        newest = {r["run_id"] for r in rows[-keep:]}
        for r in rows:
            started = _started(r)
            age_h = (now - started).total_seconds() / 3600 if started else None
            if r["run_id"] in newest:
                keep_why = f"one of the newest {keep}"
            elif r["latest"]:
                keep_why = "latest points at it"
            elif r["state"] == "running":
                keep_why = "running (its process is alive)"
            elif age_h is None:
                keep_why = "age unknown"
            elif age_h < min_age_hours:
                keep_why = f"younger than {min_age_hours:g} h ({age_h:.1f} h; --min-age-hours 0 lets it go)"
            else:
                keep_why = None
            decisions.append(PruneDecision(case, r["run_id"], r["path"], r["state"], r["started_at"],
                                           keep_why is None, keep_why or f"older than the newest {keep}"))
    return decisions


def prune_runs(out: str | Path, keep: int, *, case_id: str | None = None,
               min_age_hours: float = DEFAULT_MIN_AGE_HOURS, dry_run: bool = False,
               now: dt.datetime | None = None) -> list[PruneDecision]:
    """Delete the run folders :func:`plan_prune` marks for removal (none with ``dry_run``);
    returns every decision. A folder is deleted only if it is still a real folder directly
    under ``out/<case>`` (never a symlink followed)."""
    decisions = plan_prune(out, keep, case_id=case_id, min_age_hours=min_age_hours, now=now)
    root = Path(out).resolve()
    for d in decisions:
        if not d.remove or dry_run:
            continue
        path = Path(d.path)
        if path.is_symlink() or not path.is_dir() or path.resolve().parent.parent != root:
            raise WorkbenchError(f"{path}: not a run folder under {root}; not removed")
        shutil.rmtree(path)
        log.info("removed run folder %s (%s)", path, d.reason)
    return decisions
