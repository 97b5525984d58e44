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

def _machine_share(fraction: float = 1 / 6, low: int = 2**30, high: int = 8 * 2**30) -> str:
    """A sixth of the machine's physical memory, between 1 and 8 GiB (4 GiB on a 24 GB
    machine): a stage may hold two DuckDB databases at once (its own and Great
    Expectations'), and the whole run stays within half the machine. A fixed 3 GB was
    measured to cost the timelines a fifth more CPU in spilling than a limit sized so."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # a platform without sysconf: the old default
        return "3GB"
    return f"{max(low, min(high, int(total * fraction))) // 2**20}MiB"


#: Memory DuckDB may use before spilling to disk; ``WORKBENCH_DUCKDB_MEMORY`` overrides it.
DEFAULT_MEMORY_LIMIT = os.environ.get("WORKBENCH_DUCKDB_MEMORY") or _machine_share()

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


_PROCESS_DIRS: dict[tuple[int, str], Path] = {}


def _process_dir(prefix: str) -> Path:
    """This process's own folder ``<prefix>-<pid>-...`` under the temporary folder, removed
    when the process exits (scheduled runs would otherwise leave one folder per process behind)."""
    key = (os.getpid(), prefix)
    if key not in _PROCESS_DIRS:
        _PROCESS_DIRS[key] = Path(tempfile.mkdtemp(prefix=f"{prefix}-{key[0]}-"))
        atexit.register(shutil.rmtree, _PROCESS_DIRS[key], True)
    return _PROCESS_DIRS[key]


def _process_spill_dir() -> Path:
    """This process's own spill folder."""
    return _process_dir("workbench-duckdb")


# --------------------------------------------------------------------------- reading files

#: Characters DuckDB's file readers take as a glob (``*``, ``?``, ``[...]``, ``**``), or as an
#: escape inside one (a backslash); braces in case a later version expands them.
_GLOB_CHARS = re.compile(r"[*?\[\]{}\\]")
#: DuckDB's table function per file kind.
SCANNERS = {"csv": "read_csv", "parquet": "read_parquet"}
_ALIASES: dict[tuple[int, str], Path] = {}


def _alias_dir() -> Path:
    folder = _process_dir("workbench-paths")
    if _GLOB_CHARS.search(str(folder)):
        from workbench.errors import WorkbenchError
        raise WorkbenchError(f"the temporary folder {folder} has a glob character in its name; "
                             "set TMPDIR to a folder without *, ?, [, ], {, } or a backslash")
    return folder


def literal_path(path: str | Path) -> str:
    """``path`` as a quoted SQL string that DuckDB reads as exactly that file or folder.

    DuckDB expands ``*``, ``?`` and ``[...]`` in every path it reads, so a file named
    ``notices[12].csv`` would make it read ``notices1.csv``; escaping (``[[]``) cannot cover
    a backslash. A path holding any of these characters is therefore given to DuckDB as a
    symbolic link with a plain name, in a temporary folder of this process (removed at exit),
    pointing at the absolute path: DuckDB reads the very file named, whatever its name.
    """
    text = os.path.abspath(os.fspath(path))
    if _GLOB_CHARS.search(text):
        key = (os.getpid(), text)
        if key not in _ALIASES:
            name = Path(text).name
            plain = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "input"
            alias = _alias_dir() / f"{len(_ALIASES):05d}-{plain}"
            os.symlink(text, alias)
            _ALIASES[key] = alias
        text = str(_ALIASES[key])
    return "'" + text.replace("'", "''") + "'"


def scan(path: str | Path, kind: str, *, below: str | None = None, **options) -> str:
    """SQL calling DuckDB's reader of ``kind`` (``csv``, ``parquet``) on exactly ``path``.

    ``below`` is a glob applied inside the folder ``path`` (``"**/*.parquet"`` for a
    dataset folder), the folder itself still taken literally. Hive partitioning is off: a
    folder named ``country=US`` in the path must not overwrite the file's ``country``
    column. ``options`` are the reader's named parameters (``header=True``...).
    """
    if kind not in SCANNERS:
        from workbench.errors import UnknownNameError
        raise UnknownNameError("DuckDB file reader", kind, list(SCANNERS))
    source = literal_path(path)
    if below is not None:
        if "'" in below:
            raise ValueError(f"a glob below a folder holds no quote: {below!r}")
        source = source[:-1] + "/" + below + "'"
    args = [source] + [f"{k} = {_sql_value(v)}" for k, v in {"hive_partitioning": False, **options}.items()]
    return f"{SCANNERS[kind]}({', '.join(args)})"


def _sql_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return "'" + str(v).replace("'", "''") + "'"


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
