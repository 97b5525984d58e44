"""The case store, first cut: every input read once, typed, into one DuckDB file.

The intake stage (issue 15) will grow this into the per-run store that every later stage
reads. What exists today is the smallest part of it that the ``duckdb`` data-quality engine
needs: :func:`write_duckdb` reads each input once through :func:`workbench.sources.iter_input`
(the one typing path: the same accepted rows, rejects and statistics as every other
engine) and appends its typed Arrow chunks to a DuckDB table.

The layout of the file is the contract its readers rely on:

``<input>``
    one table per input, named by the input: the contract's typed columns (as
    :mod:`workbench.sources` types them: text, ``TIMESTAMPTZ`` in UTC for timestamps,
    ``TIMESTAMP`` for dates, ``DOUBLE``, ``BIGINT``, ``BOOLEAN``) and ``source_row``, in
    file order (DuckDB keeps insertion order for a query without ORDER BY, so "the first
    failing rows" are the first in the file, as in the chunked engine).
``_intake_reads``
    one row per input: ``input``, ``table_name``, ``stats`` (JSON of
    :meth:`workbench.sources.InputStats.as_dict`: rows read, accepted, rejected, sha256).
``_intake_rejects``
    every row the reader rejected (:data:`workbench.sources.REJECT_COLUMNS`).

The file holds personal data, like the inputs: it belongs in the run folder or a temporary
folder, never in a report.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

log = logging.getLogger("workbench.store")

READS_TABLE = "_intake_reads"
REJECTS_TABLE = "_intake_rejects"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class StoredInput:
    """What the store knows of one input besides its rows."""

    name: str
    table: str
    stats: dict[str, Any]
    rejects: pd.DataFrame  # the rejected rows, REJECT_COLUMNS


def write_duckdb(case, db_path: str | Path, names: Iterable[str] | None = None, *,
                 chunk_rows: int | None = None) -> dict[str, str]:
    """Read each declared input of ``case`` (or ``names``) once and store it typed in DuckDB.

    Parameters
    ----------
    case : workbench.case.Case
    db_path : the DuckDB file, created when absent; an input's table (and its reads and
        rejects rows) is replaced when already there.
    names : inputs to store (default: every input the case declares).
    chunk_rows : rows per chunk read (default: :data:`workbench.sources.DEFAULT_CHUNK_ROWS`).

    Returns
    -------
    dict
        input name -> table name in the file.
    """
    import pyarrow as pa

    from workbench import sources
    from workbench.duck import connect

    names = list(names or case.declared_inputs())
    kwargs = {"chunk_rows": chunk_rows} if chunk_rows else {}
    con = connect(db_path)
    tables: dict[str, str] = {}
    try:
        con.execute(f"CREATE TABLE IF NOT EXISTS {READS_TABLE} (input VARCHAR, table_name VARCHAR, stats JSON)")
        con.execute(f"CREATE TABLE IF NOT EXISTS {REJECTS_TABLE} (input VARCHAR, file VARCHAR, row BIGINT, "
                    "field VARCHAR, reason VARCHAR, raw VARCHAR)")
        for name in names:
            table, stats, first = name, {}, True
            con.execute(f"DELETE FROM {READS_TABLE} WHERE input = ?", [name])
            con.execute(f"DELETE FROM {REJECTS_TABLE} WHERE input = ?", [name])
            for part in sources.iter_input(case, name, **kwargs):
                # Arrow keeps the typing path's column types (an all-null chunk included)
                con.register("_chunk", pa.Table.from_pandas(part.frame, preserve_index=False))
                try:
                    con.execute(f"CREATE OR REPLACE TABLE {_q(table)} AS SELECT * FROM _chunk" if first else
                                f"INSERT INTO {_q(table)} BY NAME SELECT * FROM _chunk")
                finally:
                    con.unregister("_chunk")
                first = False
                if len(part.rejects):
                    rej = part.rejects[sources.REJECT_COLUMNS].astype({"row": "Int64"})
                    con.register("_rejects", pa.Table.from_pandas(rej, preserve_index=False))
                    try:
                        con.execute(f"INSERT INTO {REJECTS_TABLE} BY NAME SELECT * FROM _rejects")
                    finally:
                        con.unregister("_rejects")
                stats = part.stats.as_dict()
            con.execute(f"INSERT INTO {READS_TABLE} VALUES (?, ?, ?)", [name, table, json.dumps(stats)])
            tables[name] = table
            log.info("store: %s -> %s (%s rows)", name, table, stats.get("rows_accepted"))
    finally:
        con.close()
    return tables


def read_intake(db_path: str | Path, tables: dict[str, str]) -> dict[str, StoredInput]:
    """The read statistics and rejects of each input of ``tables`` (input -> table).

    A table the file's ``_intake_reads`` does not describe (made by other means) is
    described by its row count alone: every row accepted, none rejected.
    """
    import duckdb

    from workbench.sources import REJECT_COLUMNS

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        known = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                           "WHERE table_schema = 'main'").fetchall()}
        out = {}
        for name, table in tables.items():
            row = (con.execute(f"SELECT stats FROM {READS_TABLE} WHERE input = ?", [name]).fetchone()
                   if READS_TABLE in known else None)
            if row is not None:
                stats = json.loads(row[0])
                rejects = con.execute(f"SELECT {', '.join(REJECT_COLUMNS)} FROM {REJECTS_TABLE} WHERE input = ?",
                                      [name]).df()  # in the reader's order (insertion order)
            else:
                n = con.execute(f"SELECT count(*) FROM {_q(table)}").fetchone()[0]
                stats = {"name": name, "path": f"{db_path}:{table}", "kind": "duckdb",
                         "rows_read": n, "rows_accepted": n, "rows_rejected": 0}
                rejects = pd.DataFrame(columns=REJECT_COLUMNS)
            out[name] = StoredInput(name, table, stats, rejects.astype({"row": "Int64"}))
        return out
    finally:
        con.close()
