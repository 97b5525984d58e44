"""DuckDB connections for our own out-of-core work, configured in one place.

Every connection has a memory limit and a spill folder, so whole-population joins stay in
bounded memory at any number of people (DuckDB's own default is 80% of RAM, never spilling
for in-memory databases), runs in UTC, and shows no progress bar.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from pathlib import Path

#: Memory DuckDB may use before spilling to disk; ``WORKBENCH_DUCKDB_MEMORY`` overrides it.
DEFAULT_MEMORY_LIMIT = os.environ.get("WORKBENCH_DUCKDB_MEMORY", "3GB")

#: Size units as DuckDB prints them (binary) and as users write them (decimal).
_UNITS = {"bytes": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def memory_limit_bytes(con) -> int:
    """The memory limit of connection ``con`` in bytes, as DuckDB itself resolved it (so
    ``3GB``, ``3G``, ``80%`` all work), for code that sizes its own batches to it."""
    text = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*", str(text))
    if not m or m.group(2).lower() not in _UNITS:
        from workbench.errors import WorkbenchError
        raise WorkbenchError(f"DuckDB reports its memory limit as {text!r}; expected a size such as '2.7 GiB'")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


_SPILL_DIRS: dict[int, Path] = {}


def _process_spill_dir() -> Path:
    """This process's own spill folder under the temporary folder, removed when the
    process exits (scheduled runs would otherwise leave one folder per process behind)."""
    pid = os.getpid()
    if pid not in _SPILL_DIRS:
        _SPILL_DIRS[pid] = Path(tempfile.mkdtemp(prefix=f"workbench-duckdb-{pid}-"))
        atexit.register(shutil.rmtree, _SPILL_DIRS[pid], True)
    return _SPILL_DIRS[pid]


def settings(*, memory_limit: str | None = None, spill_dir: str | Path | None = None) -> dict[str, str]:
    """The settings of every workbench DuckDB connection, by DuckDB's names (also for
    connections others open, such as Great Expectations')."""
    spill = Path(spill_dir) if spill_dir else _process_spill_dir()
    spill.mkdir(parents=True, exist_ok=True)
    return {"memory_limit": memory_limit or DEFAULT_MEMORY_LIMIT, "temp_directory": spill.as_posix(),
            "TimeZone": "UTC"}


def connect(database: str | Path = ":memory:", *, memory_limit: str | None = None,
            spill_dir: str | Path | None = None):
    """A DuckDB connection with a memory limit, a spill folder, UTC and no progress bar."""
    import duckdb

    con = duckdb.connect(str(database))
    for name, value in settings(memory_limit=memory_limit, spill_dir=spill_dir).items():
        con.execute(f"SET {name} = '{value}'")
    try:  # inside Jupyter, DuckDB refuses this setting when ipywidgets is missing
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass
    return con
