"""Loading a case: the people and notices into DuckDB from the case store or the case's inputs.

Filled chunk by chunk from :func:`workbench.sources.iter_input` (only the columns needed),
as Arrow tables of typed values: the same parser, rows and rejects as every other stage,
whatever the input kind (CSV, Parquet, SQL), and DuckDB spills what does not fit in memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from workbench import assessment
from workbench.law import UNKNOWN_JURISDICTION, RuleBook, load_rulebook
from workbench.timelines.check import Timelines, _assess_connection, assess
from workbench.timelines.matching import (
    _NOTICE_COLUMNS_SQL, _RAW_ELEMENTS_SQL, _RAW_OWNER_SQL, _connect, _create_people, _insert_people, _map_elements, _map_pairs,
)


#: The columns each loaded input needs (only these are read and typed).
PEOPLE_COLUMNS = ["person_id", "country", "region", "data_elements", "data_owner"]

NOTICE_COLUMNS = ["person_id", "channel", "sent_at", "status"]


def _load_sources(con, case, chunk_rows: int) -> dict[str, Any]:
    """Fill ``people``/``notices`` chunk by chunk from :func:`workbench.sources.iter_input`:
    each chunk's typed values go to DuckDB as an Arrow table (no Python object per row),
    so memory holds one chunk and DuckDB spills the rest. Rows the reader rejects are
    counted (``people_rejected``, ``notices_rejected``), never matched."""
    import pyarrow as pa

    from workbench.sources import iter_input

    stats: dict[str, Any] = {"engine": "sources", "people_rejected": 0}
    _create_people(con)
    for part in iter_input(case, "affected_people", chunk_rows=chunk_rows, with_hash=False, columns=PEOPLE_COLUMNS):
        con.register("chunk", pa.Table.from_pandas(part.frame[PEOPLE_COLUMNS], preserve_index=False))
        _insert_people(con, "SELECT * FROM chunk")
        con.unregister("chunk")
        stats["people_rejected"] = part.stats.rows_rejected
    _map_pairs(con)
    _map_elements(con, case.incident.data_elements)
    con.execute("CREATE OR REPLACE TEMP TABLE notices (person_id VARCHAR, sent_at TIMESTAMPTZ, "
                "delivered BOOLEAN, substitute BOOLEAN)")
    if case.input_spec("notices") is not None:
        for part in iter_input(case, "notices", chunk_rows=chunk_rows, with_hash=False, columns=NOTICE_COLUMNS):
            con.register("chunk", pa.Table.from_pandas(part.frame[NOTICE_COLUMNS], preserve_index=False))
            con.execute("INSERT INTO notices SELECT "
                        + _NOTICE_COLUMNS_SQL.format(sent="CAST(sent_at AS TIMESTAMPTZ)") + " FROM chunk")
            con.unregister("chunk")
            stats["notices_rejected"] = part.stats.rows_rejected
    return stats


def _load_store(con, store) -> dict[str, Any]:
    """``people``/``notices`` as views over the case store's typed Parquet files (nothing is
    copied: :func:`~workbench.timelines.matching.fold_people` reads each once), people with
    the jurisdiction the intake mapped and their file order ``k`` (``source_row``: a
    duplicated id keeps its first row, without sorting the population)."""
    store.connect(con)
    stats: dict[str, Any] = {"engine": "store", "people_rejected": store.record("affected_people").rows_rejected}
    con.execute("CREATE OR REPLACE TEMP VIEW people AS SELECT nullif(trim(person_id), '') AS person_id, "
                f"coalesce(CAST(jurisdiction AS VARCHAR), '{UNKNOWN_JURISDICTION}') AS c, '' AS r, "
                f"{_RAW_ELEMENTS_SQL} AS x, {_RAW_OWNER_SQL} AS o, source_row AS k FROM store.affected_people")
    con.execute("CREATE OR REPLACE TEMP TABLE jurisdiction_map AS SELECT DISTINCT c, r, c AS jurisdiction FROM people")
    _map_elements(con, store.case.incident.data_elements)
    if store.has("notices"):
        con.execute("CREATE OR REPLACE TEMP VIEW notices AS SELECT "
                    + _NOTICE_COLUMNS_SQL.format(sent="CAST(sent_at AS TIMESTAMPTZ)")
                    + " FROM store.notices")
        stats["notices_rejected"] = store.record("notices").rows_rejected
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE notices (person_id VARCHAR, sent_at TIMESTAMPTZ, "
                    "delivered BOOLEAN, substitute BOOLEAN)")
    return stats


def assess_store(store, *, book: RuleBook | None = None, person_status_path: str | Path | None = None,
                 flagged_people_path: str | Path | None = None) -> Timelines:
    """The whole check on a run's case store (what the stage runs)."""
    case = store.case
    book = book or load_rulebook()
    if not store.has("affected_people"):
        return _without_people(case, book)
    con = _connect()
    try:
        stats = _load_store(con, store)
        reg = store.frame("regulator_notices") if store.has("regulator_notices") else None
        if reg is not None:
            stats["regulator_notices_rejected"] = store.record("regulator_notices").rows_rejected
        return _finish(con, case, stats, reg, book, person_status_path, flagged_people_path)
    finally:
        con.close()


def assess_case(case, *, engine: str = "auto", chunk_rows: int = 500_000, book: RuleBook | None = None,
                person_status_path: str | Path | None = None) -> Timelines:
    """Read the case's people and notices (bounded Python memory) and run the whole check.

    Parameters
    ----------
    engine
        ``auto`` or ``sources``: the inputs are always read through
        :mod:`workbench.sources` (any input kind, one parser); the raw-file DuckDB scan is
        gone (it typed timestamps its own way, and disagreed with the sources on 7 of 25
        timestamp forms).
    person_status_path
        Where to write the per-person statuses as Parquet (None: not written).
    """
    from workbench.sources import read_input

    if engine not in ("auto", "sources"):
        from workbench.errors import UnknownNameError
        raise UnknownNameError("timelines engine", engine, ["auto", "sources"])
    book = book or load_rulebook()
    if case.input_spec("affected_people") is None:
        return _without_people(case, book)
    con = _connect()
    try:
        stats = _load_sources(con, case, chunk_rows)
        reg = None
        if case.input_spec("regulator_notices") is not None:
            read = read_input(case, "regulator_notices", with_hash=False)
            reg, stats["regulator_notices_rejected"] = read.frame, read.stats.rows_rejected
        return _finish(con, case, stats, reg, book, person_status_path)
    finally:
        con.close()


def _finish(con, case, stats: dict[str, Any], reg: pd.DataFrame | None, book: RuleBook,
            person_status_path: str | Path | None, flagged_people_path: str | Path | None = None) -> Timelines:
    """Everything after ``people`` and ``notices`` are loaded, and what was not assessed."""
    out = _assess_connection(con, case, regulator_notices=reg, book=book, regulator_assessed=reg is not None,
                             person_status_path=Path(person_status_path) if person_status_path else None,
                             flagged_people_path=Path(flagged_people_path) if flagged_people_path else None)
    out.stats.update(stats)
    out.case = case
    if case.input_spec("notices") is None:
        out.assessed["individual_notice_timeliness"] = assessment.input_absent("notices")
        out.findings = [f for f in out.findings if f.category != "notice_timeliness"]
    elif out.stats["notice_rows"] == 0 and stats.get("notices_rejected"):
        # every notice row was rejected: "nobody was told" would be an alarm made of a parse error
        out.assessed["individual_notice_timeliness"] = assessment.input_empty("notices", stats["notices_rejected"])
        out.findings = [f for f in out.findings if f.category != "notice_timeliness"]
    if reg is not None and len(reg) == 0 and stats.get("regulator_notices_rejected"):
        state = assessment.input_empty("regulator_notices", stats["regulator_notices_rejected"])
        out.assessed["regulator_notice"] = out.assessed["cra_notice"] = state
        out.findings = [f for f in out.findings if f.category not in ("regulator_notice", "cra_notice")]
    if out.stats["people"] == 0:  # header-only or every row rejected: nobody to hold a deadline to
        reason = ("input affected_people has no accepted rows: no resident to count or to notify"
                  + (f" ({stats['people_rejected']} rejected)" if stats.get("people_rejected") else ""))
        out.assessed = {k: assessment.not_assessed(reason) for k in out.assessed}
        out.findings = []
    return out


def _without_people(case, book: RuleBook) -> Timelines:
    """No affected_people input: no resident to hold a deadline to, so nothing is assessed
    (never "not required": the case does not say whom the breach concerned)."""
    empty = pd.DataFrame({"person_id": pd.Series(dtype="str"), "jurisdiction": pd.Series(dtype="str")})
    out = assess(case, empty, None, None, book=book)
    reason = assessment.input_absent("affected_people")
    out.assessed = {k: reason for k in out.assessed}
    out.findings = []
    return out
