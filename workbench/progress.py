"""Progress of a long loop: a ``tqdm`` bar on a terminal, a log line every N seconds elsewhere.

A scheduled run (cron, a CI job) or a kernel has no terminal: a bar there would only fill
the log with carriage returns, so :func:`track` logs ``what: i/total unit after s`` every
``WORKBENCH_PROGRESS_SECONDS`` seconds (default :data:`DEFAULT_SECONDS`) instead, on the
``workbench`` logger, which reaches ``run.log`` in a run (:mod:`workbench.logs`).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Iterable, Iterator, TextIO, TypeVar

from workbench.errors import WorkbenchError

log = logging.getLogger("workbench.progress")

T = TypeVar("T")
#: Seconds between two progress lines when stderr is not a terminal.
DEFAULT_SECONDS = 30.0


def interval() -> float:
    """Seconds between progress lines: ``WORKBENCH_PROGRESS_SECONDS``, else :data:`DEFAULT_SECONDS`.

    Raises
    ------
    WorkbenchError
        when the variable is set to something other than a positive number.
    """
    raw = os.environ.get("WORKBENCH_PROGRESS_SECONDS")
    if raw is None or not raw.strip():
        return DEFAULT_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0:
        raise WorkbenchError(f"WORKBENCH_PROGRESS_SECONDS={raw!r} is not a positive number of seconds")
    return seconds


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def track(items: Iterable[T], what: str, *, total: int | None = None, unit: str = "item",
          stream: TextIO | None = None, logger: logging.Logger = log) -> Iterator[T]:
    """Iterate ``items`` showing progress: a tqdm bar when ``stream`` (default stderr) is a
    terminal, otherwise a line on ``logger`` every :func:`interval` seconds and one at the end
    when any was written (so a slow loop's log says that it finished)."""
    stream = sys.stderr if stream is None else stream
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    if _is_terminal(stream):
        from tqdm import tqdm

        yield from tqdm(items, desc=what, total=total, unit=unit, file=stream)
        return
    every = interval()
    start = last = time.monotonic()
    done = 0
    of = f"/{total}" if total is not None else ""
    for item in items:
        yield item
        done += 1
        now = time.monotonic()
        if now - last >= every:
            logger.info("%s: %d%s %s(s) done after %.0f s", what, done, of, unit, now - start)
            last = now
    if last != start:
        logger.info("%s: all %d %s(s) done in %.0f s", what, done, unit, time.monotonic() - start)
