"""Whole-population checks in DuckDB: uniqueness across chunks and checks across inputs.

Per-chunk validation cannot see a duplicate id whose two rows fall in different chunks,
nor a notice whose person lives in another chunk of another file. The engines of
:mod:`workbench.quality` therefore feed a :class:`PopulationStore` -- an on-disk DuckDB
database holding only the key columns of every accepted row -- and the checks here run
SQL over all of it with bounded memory (DuckDB spills to its temporary folder). The
``duckdb`` engine fills it from the case store in one query per input
(:meth:`PopulationStore.add_duckdb_table`).

DuckDB is used directly here, not through Great Expectations (GX 1.24 runs on DuckDB only
with the workarounds of ``workbench.quality.gx._gx_duckdb_support``).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from workbench import assessment
from workbench.findings import Finding, Unit
from workbench.severity import reviewed_severity

log = logging.getLogger("workbench.population")

#: Columns kept per input beyond each suite's evidence keys and uniqueness columns.
CROSS_COLUMNS: dict[str, tuple[str, ...]] = {
    "affected_people": ("person_id", "country", "region", "jurisdiction"),
    "notices": ("notice_id", "person_id"),
}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _plain(v: Any) -> Any:
    if v is None:
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


class PopulationStore:
    """Key columns of every accepted row of every input, in an on-disk DuckDB database.

    Parameters
    ----------
    specs : mapping of input name -> :class:`workbench.quality.SuiteSpec` (or anything with
        ``evidence_keys`` and ``population_level()``); decides which columns are kept.
    memory_limit : DuckDB's memory limit; beyond it DuckDB spills to disk. Default: the
        workbench's (``WORKBENCH_DUCKDB_MEMORY``, a sixth of RAM): 512MB was too little for the
        anti-joins and uniqueness over 150M people and notices (DuckDB could not pin a block).
    """

    def __init__(self, specs: dict[str, Any], *, memory_limit: str | None = None, folder: str | Path | None = None):
        from workbench.duck import connect

        self._own_folder = folder is None
        self.folder = Path(folder or tempfile.mkdtemp(prefix="workbench-population-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self.con = connect(self.folder / "population.duckdb", memory_limit=memory_limit,
                           spill_dir=self.folder / "spill")
        self.con.execute("SET preserve_insertion_order = false")
        self.columns: dict[str, list[str]] = {}
        for name, spec in specs.items():
            cols = list(spec.evidence_keys) + [e.column for e in spec.population_level()]
            cols += [e.column for e in spec.aggregate_level() if e.column]  # judged over every row
            cols += list(CROSS_COLUMNS.get(name, ()))
            self.columns[name] = list(dict.fromkeys(cols)) + ["source_row"]
        self.loaded: set[str] = set()
        self._made: set[str] = set()  # derived temporary tables, made once

    def add(self, name: str, frame: pd.DataFrame) -> None:
        """Append one chunk's key columns (call for every chunk, empty ones included)."""
        if name not in self.columns:
            return
        self._made.clear()  # derived tables are stale once a chunk arrives
        import pyarrow as pa

        cols = [c for c in self.columns[name] if c in frame.columns]
        # as Arrow: DuckDB scans it without converting Python objects (a third faster)
        part = pa.Table.from_pandas(frame[cols], preserve_index=False)
        self.con.register("_chunk", part)
        try:
            if name not in self.loaded:
                self.con.execute(f"CREATE OR REPLACE TABLE {_q(name)} AS SELECT * FROM _chunk")
                self.loaded.add(name)
            else:
                self.con.execute(f"INSERT INTO {_q(name)} BY NAME SELECT * FROM _chunk")
        finally:
            self.con.unregister("_chunk")

    def add_duckdb_table(self, name: str, database: str | Path, table: str, *, by_view: bool = False) -> None:
        """Take the key columns of a whole input from a table of another DuckDB file (the
        case store, :mod:`workbench.store`) in one query, instead of chunk by chunk.

        ``by_view``: the store outlives this population store (a run's case store), so an
        input that is a view over its Parquet file is taken as a view over the same file
        (nothing copied; each check scans the few columns it needs)."""
        if name not in self.columns:
            return
        self._made.clear()
        parquet = _store_parquet(Path(database), table) if by_view else None
        if parquet is not None:
            from workbench.duck import scan

            have = {r[0] for r in self.con.execute(f"DESCRIBE SELECT * FROM {scan(parquet, 'parquet')}").fetchall()}
            cols = ", ".join(_q(c) for c in self.columns[name] if c in have)
            self.con.execute(f"CREATE OR REPLACE VIEW {_q(name)} AS SELECT {cols} FROM {scan(parquet, 'parquet')}")
            self.loaded.add(name)
            return
        path = str(database).replace("'", "''")
        self.con.execute(f"ATTACH '{path}' AS _src (READ_ONLY)")
        try:
            have = {r[0] for r in self.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_catalog = '_src' "
                "AND table_schema = 'main' AND table_name = ?", [table]).fetchall()}
            cols = ", ".join(_q(c) for c in self.columns[name] if c in have)
            self.con.execute(f"CREATE OR REPLACE TABLE {_q(name)} AS SELECT {cols} FROM _src.main.{_q(table)}")
            self.loaded.add(name)
        finally:
            self.con.execute("DETACH _src")

    def has(self, name: str) -> bool:
        return name in self.loaded

    def rows(self, name: str) -> int:
        return self.con.execute(f"SELECT count(*) FROM {_q(name)}").fetchone()[0] if self.has(name) else 0

    def frame(self, name: str, columns: list[str]) -> pd.DataFrame:
        """These kept columns of every row of an input, in file order (for the aggregate
        expectations that the chunked engine judges over the whole population)."""
        cols = ", ".join(_q(c) for c in dict.fromkeys([*columns, "source_row"]))
        return self.con.execute(f"SELECT {cols} FROM {_q(name)} ORDER BY source_row").df()

    def column_uniqueness(self, name: str, column: str, keys: list[str], *, cap: int) -> dict[str, Any]:
        """GX's ``expect_column_values_to_be_unique`` over every row: rows whose non-null
        value occurs more than once are unexpected (every occurrence counts), nulls are missing."""
        t, c = _q(name), _q(column)
        element, missing = self.con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {c} IS NULL) FROM {t}").fetchone()
        show = list(dict.fromkeys([k for k in keys if k in self.columns[name]] + [column]))
        # the duplicated rows (few) once, then counted and sampled: one pass over the population
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE _dup AS SELECT {', '.join(_q(k) for k in dict.fromkeys(show + ['source_row']))} FROM {t} "
            f"WHERE {c} IN (SELECT {c} FROM {t} WHERE {c} IS NOT NULL GROUP BY {c} HAVING count(*) > 1)")
        try:
            unexpected = self.con.execute("SELECT count(*) FROM _dup").fetchone()[0]
            rows = self.con.execute(
                f"SELECT {', '.join(_q(k) for k in show)} FROM _dup ORDER BY source_row LIMIT {int(cap)}").fetchall()
        finally:
            self.con.execute("DROP TABLE IF EXISTS _dup")
        return {"element_count": int(element), "unexpected_count": int(unexpected), "missing_count": int(missing),
                "examples": [{k: _plain(v) for k, v in zip(show, r)} for r in rows]}

    def people_without_notice(self) -> str:
        """The name of a temporary table of the distinct affected person ids that no notice
        names, with each one's first source_row: computed once (one anti-join over the
        population), used by the cross-input finding and the per-jurisdiction counts."""
        if "_people_without_notice" not in self._made:
            self.con.execute(
                "CREATE OR REPLACE TEMP TABLE _people_without_notice AS "
                "SELECT p.person_id, min(p.source_row) AS source_row FROM affected_people p "
                "WHERE p.person_id IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM notices n WHERE n.person_id = p.person_id) GROUP BY p.person_id")
            self._made.add("_people_without_notice")
        return "_people_without_notice"

    def close(self) -> None:
        try:
            self.con.close()
        finally:
            if self._own_folder:
                shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "PopulationStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _store_parquet(database: Path, table: str) -> Path | None:
    """The Parquet file behind input ``table`` of a case store's DuckDB file, if it is one."""
    from workbench.store import DUCKDB_FILE

    if database.name != DUCKDB_FILE:
        return None
    path = database.parent / f"{table}.parquet"
    return path if path.is_file() else None


@dataclass
class CrossResult:
    """Findings of the cross-input checks, what was assessed, and their evidence."""

    findings: list[Finding]
    assessed: dict[str, "assessment.Assessment"]
    evidence: dict[str, Any] = field(default_factory=dict)

    def write(self, run_dir: str | Path) -> Path:
        from workbench.artifacts import atomic_write_text

        path = Path(run_dir) / "evidence" / "gx" / "population.json"
        atomic_write_text(path, json.dumps(self.evidence, indent=1, default=str, ensure_ascii=False) + "\n")
        return path


def notices_to_unknown_people(store: PopulationStore, *, cap: int) -> dict[str, Any]:
    """Notices whose person_id is not among the affected people (nulls are not counted here)."""
    store.con.execute(
        "CREATE OR REPLACE TEMP TABLE _unknown AS SELECT n.notice_id, n.person_id, n.source_row FROM notices n "
        "WHERE n.person_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM affected_people p WHERE p.person_id = n.person_id)")
    try:
        n = store.con.execute("SELECT count(*) FROM _unknown").fetchone()[0]
        rows = store.con.execute(f"SELECT * FROM _unknown ORDER BY source_row LIMIT {int(cap)}").fetchall()
    finally:
        store.con.execute("DROP TABLE IF EXISTS _unknown")
    return {"count": int(n), "examples": [dict(zip(("notice_id", "person_id", "source_row"), r)) for r in rows]}


def people_without_notice(store: PopulationStore, *, cap: int) -> dict[str, Any]:
    """Distinct affected person ids with no notice at all."""
    missing = store.people_without_notice()
    n = store.con.execute(f"SELECT count(*) FROM {missing}").fetchone()[0]
    rows = store.con.execute(f"SELECT person_id, source_row FROM {missing} ORDER BY source_row LIMIT {int(cap)}").fetchall()
    return {"count": int(n), "examples": [dict(zip(("person_id", "source_row"), r)) for r in rows],
            "by_jurisdiction": _missing_by_jurisdiction(store, missing)}


def _missing_by_jurisdiction(store: PopulationStore, missing: str) -> dict[str, int]:
    """People without a notice per jurisdiction (the intake's mapping), when the rows carry it."""
    mapped = store.con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'affected_people' "
        "AND column_name = 'jurisdiction'").fetchone()[0]
    if mapped:
        rows = store.con.execute(
            f"SELECT CAST(p.jurisdiction AS VARCHAR) AS j, count(DISTINCT m.person_id) FROM {missing} m "
            "JOIN affected_people p ON p.person_id = m.person_id GROUP BY 1").fetchall()
    else:  # rows read by the chunked engine: the few (country, region) groups mapped by the one function
        from workbench.law import jurisdiction_codes

        groups = store.con.execute(
            f"SELECT p.country, p.region, list(DISTINCT m.person_id) AS ids FROM {missing} m "
            "JOIN affected_people p ON p.person_id = m.person_id GROUP BY ALL").df()
        codes = jurisdiction_codes(groups["country"], groups["region"]).astype("str")
        people: dict[str, set] = {}
        for j, ids in zip(codes, groups["ids"]):
            people.setdefault(str(j), set()).update(ids)
        rows = [(j, len(ids)) for j, ids in people.items()]
    return {str(j): int(c) for j, c in sorted(rows, key=lambda r: (-r[1], str(r[0])))}


def jurisdiction_counts(store: PopulationStore) -> pd.DataFrame:
    """Affected people and people with at least one notice, per law-data jurisdiction.

    By the ``jurisdiction`` column the intake mapped, when the rows came from the case store;
    else grouped by (country, region) in DuckDB and the few groups mapped by the same
    function (:func:`workbench.law.jurisdiction_codes`).
    """
    from workbench.law import jurisdiction_codes

    cols = ["jurisdiction", "people", "people_with_notice"]
    if not store.has("affected_people"):
        return pd.DataFrame({c: pd.Series(dtype="int64" if c != "jurisdiction" else "str") for c in cols})
    # a row is notified when a notice names its person: not null and not among the (few)
    # people without a notice, which are computed once for the cross-input check too
    notified = (f"p.person_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {store.people_without_notice()} m "
                "WHERE m.person_id = p.person_id)" if store.has("notices") else "false")
    mapped = "jurisdiction" in store.columns["affected_people"] and store.con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'affected_people' "
        "AND column_name = 'jurisdiction'").fetchone()[0]
    keys = "CAST(p.jurisdiction AS VARCHAR) AS jurisdiction" if mapped else "p.country, p.region"
    groups = store.con.execute(
        f"SELECT {keys}, count(*) AS people, count(*) FILTER (WHERE {notified}) AS notified "
        "FROM affected_people p GROUP BY ALL").df()
    if not mapped:
        groups.insert(0, "jurisdiction", jurisdiction_codes(groups["country"], groups["region"]).astype("str"))
    rows: dict[str, list[int]] = {}
    for j, people, notified_n in zip(groups["jurisdiction"], groups["people"], groups["notified"]):
        acc = rows.setdefault(str(j), [0, 0])
        acc[0] += int(people)
        acc[1] += int(notified_n)
    out = pd.DataFrame([(j, a, b) for j, (a, b) in rows.items()], columns=cols)
    out = out.sort_values(["people", "jurisdiction"], ascending=[False, True], ignore_index=True)
    out["jurisdiction"] = out["jurisdiction"].astype("str")
    if not store.has("notices"):
        out["people_with_notice"] = pd.NA
    return out


def cross_input_findings(store: PopulationStore, case, *, max_examples: int = 20) -> CrossResult:
    """Checks across inputs over the whole population: notices to unknown people and
    affected people with no notice (category ``data_quality``)."""
    findings, assessed, evidence = [], {}, {"checks": {}}
    absent = [n for n in ("affected_people", "notices") if not store.has(n)]
    if absent:
        reason = assessment.input_absent(*absent)
        assessed["population:notice_unknown_person"] = reason
        assessed["population:person_without_notice"] = reason
        return CrossResult(findings, assessed, evidence)
    unknown = notices_to_unknown_people(store, cap=max_examples)
    missing = people_without_notice(store, cap=max_examples)
    people, notices = store.rows("affected_people"), store.rows("notices")
    evidence["checks"] = {"notice_unknown_person": unknown, "person_without_notice": missing,
                          "rows": {"affected_people": people, "notices": notices}}
    assessed["population:notice_unknown_person"] = assessment.assessed()
    assessed["population:person_without_notice"] = assessment.assessed()
    if unknown["count"]:
        findings.append(Finding(
            category="data_quality", code="dq.population.notice_unknown_person", severity=reviewed_severity("high"),
            title=f"notices: {unknown['count']} notice(s) point at people not in affected_people",
            detail=(f"{unknown['count']} of {notices} notices name a person_id that is not among the "
                    f"{people} affected people: either the affected-people list is incomplete or letters "
                    "went to people who were not affected."),
            subject="notices", count=unknown["count"], unit=Unit.NOTICES,
            evidence={"examples": unknown["examples"], "examples_capped": unknown["count"] > len(unknown["examples"]),
                      "engine": "duckdb", "evidence_file": "evidence/gx/population.json"}))
    if missing["count"]:
        findings.append(Finding(
            category="data_quality", code="dq.population.person_without_notice", severity=reviewed_severity("medium"),
            title=f"affected_people: {missing['count']} person(s) have no notice record",
            detail=(f"{missing['count']} of the affected people have no row in notices; whether each was "
                    "owed a notice by a deadline is judged in the notice-timeline stage."),
            subject="affected_people", count=missing["count"], unit=Unit.PEOPLE,
            evidence={"examples": missing["examples"], "examples_capped": missing["count"] > len(missing["examples"]),
                      "by_jurisdiction": missing["by_jurisdiction"],
                      "people_by_jurisdiction": missing["by_jurisdiction"],
                      "engine": "duckdb", "evidence_file": "evidence/gx/population.json"}))
    return CrossResult(findings, assessed, evidence)
