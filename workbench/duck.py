"""DuckDB connections for our own out-of-core work, configured in one place.

Every connection has a memory limit and a spill folder, so whole-population joins stay in
bounded memory at any number of people (DuckDB's own default is 80% of RAM, never spilling
for in-memory databases), runs in UTC, and shows no progress bar.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

#: Memory DuckDB may use before spilling to disk; ``WORKBENCH_DUCKDB_MEMORY`` overrides it.
DEFAULT_MEMORY_LIMIT = os.environ.get("WORKBENCH_DUCKDB_MEMORY", "3GB")

#: DuckDB's size units: decimal (KB, MB...) and binary (KiB, MiB...), as DuckDB reads them.
_UNITS = {"": 1, "b": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def memory_limit_bytes(limit: str | None = None) -> int:
    """A DuckDB memory limit (``"3GB"``, ``"512 MiB"``; default: the workbench's) in bytes,
    for code that sizes its own batches to what DuckDB may hold."""
    text = (limit or DEFAULT_MEMORY_LIMIT).strip()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([a-zA-Z]*)", text)
    if not m or m.group(2).lower() not in _UNITS:
        from workbench.errors import WorkbenchError
        raise WorkbenchError(f"WORKBENCH_DUCKDB_MEMORY: {text!r} is not a size such as 3GB, 512MB or 2GiB")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def connect(database: str | Path = ":memory:", *, memory_limit: str | None = None,
            spill_dir: str | Path | None = None):
    """A DuckDB connection with a memory limit, a spill folder, UTC and no progress bar."""
    import duckdb

    con = duckdb.connect(str(database))
    spill = Path(spill_dir) if spill_dir else Path(tempfile.gettempdir()) / f"workbench-duckdb-{os.getpid()}"
    spill.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET memory_limit = '{memory_limit or DEFAULT_MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = '{spill.as_posix()}'")
    con.execute("SET TimeZone = 'UTC'")
    try:  # inside Jupyter, DuckDB refuses this setting when ipywidgets is missing
        con.execute("SET enable_progress_bar = false")
    except duckdb.Error:
        pass
    return con
