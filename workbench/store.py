"""The case store: every input read, typed and hashed once, for every later stage.

The intake (the first stage of a run, :func:`build_store`) reads each declared input exactly
once through :mod:`workbench.sources` (the one typing path: the same parsers, the same
rejects), maps each person's jurisdiction once (:func:`workbench.law.jurisdiction_codes`, the
only function that does it) and writes, in the run folder::

    store/case.json          the validated case: later stages never parse case.yaml again
    store/inputs.json        per input: kind, source (credentials never shown), sha256,
                             rows read / accepted / rejected, columns ignored, file
    store/<input>.parquet    the accepted rows, typed by the data contract, with
                             ``source_row``; ``affected_people`` also has ``jurisdiction``
    store/case.duckdb        a view per input over its Parquet file (SQL for data quality
                             through Great Expectations and for the stages' queries)
    rejects/<input>.csv      the rejected rows (capped; the counts stay exact)

Every later stage opens the store (:meth:`CaseStore.open`) and reads only it: the raw
inputs may be gone by then (a test removes them). The store lives in the run folder, not in
a cache shared between runs, so a run folder holds the exact data its findings came from
and ``workbench verify`` can hash it with the rest; a re-run of unchanged inputs reads them
again (the intake is one pass).

Why Parquet and DuckDB both: the Parquet files are the engine-neutral contract (pandas,
DuckDB and Spark read them as they are); the DuckDB file only names them, so the SQL of
data quality and of the stages addresses ``affected_people``, ``notices``... by name.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from workbench.artifacts import atomic_write_text
from workbench.case import INPUT_NAMES, Case
from workbench.errors import WorkbenchError

log = logging.getLogger("workbench.store")

STORE_SUBDIR = "store"
CASE_FILE = "case.json"
INPUTS_FILE = "inputs.json"
DUCKDB_FILE = "case.duckdb"
REJECTS_SUBDIR = "rejects"
#: Rejected rows kept per input in ``rejects/<input>.csv`` (the counts are exact beyond it).
REJECTS_CAP = 100_000
#: Compression of the store's Parquet files: snappy writes about twice as fast as zstd
#: (measured: 2M people, 1.2 s against 2.2 s) for files about 1.6x larger; the store is a
#: run's working copy, read a few times and never shipped, so write speed wins.
STORE_COMPRESSION = "snappy"
#: Inputs of at least this many rows (estimated) are read in worker processes, one input
#: per worker, when there are two or more of them (people and notices, at population scale).
PARALLEL_FROM_ROWS = 2_000_000
#: Rough bytes per row of a CSV input, to estimate its rows from its size.
CSV_BYTES_PER_ROW = 100
#: Column kind of the data contract -> Arrow type in the store.
ARROW_TYPES: dict[str, pa.DataType] = {
    "str": pa.string(), "timestamp": pa.timestamp("us", tz="UTC"), "date": pa.timestamp("us"),
    "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(),
}
#: A column is dictionary-encoded in the store when the first rows written hold at most
#: this share of distinct values (country, channel, status, jurisdiction...); a column of
#: mostly distinct values (ids, names, e-mail addresses) is written plain, which spares the
#: writer a dictionary it would give up on. Measured: 1M people and 1M notices written in
#: 0.63 CPU-s with these options against 0.87 with a dictionary and statistics for every
#: column (benchmarks/NOTES.md, "Intake (this session)").
STORE_DICTIONARY_SHARE = 0.05
#: Rows of the first chunk that decide which columns are dictionary-encoded.
DICTIONARY_SAMPLE_ROWS = 50_000
STORE_FORMAT_VERSION = "1"
#: The schema of the input views on a stage's connection (:meth:`CaseStore.connect`).
SQL_SCHEMA = "store"
#: Arrow type -> the pandas dtype :mod:`workbench.sources` types it as (read back alike).
_NULLABLE = {pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(), pa.bool_(): pd.BooleanDtype()}


class StoreError(WorkbenchError):
    """The run folder has no (complete) case store: the intake stage has not run in it."""


@dataclass
class InputRecord:
    """What the intake recorded of one input (``store/inputs.json``)."""

    name: str
    kind: str
    source: str
    sha256: str | None
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    file: str
    columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    rejects_file: str | None = None
    rejects_written: int = 0
    rejects_capped: bool = False

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_accepted + self.rows_rejected

    def input_stats(self):
        """The read statistics in the shape :mod:`workbench.sources` gives them."""
        from workbench.sources import InputStats

        return InputStats(name=self.name, path=self.source, kind=self.kind, sha256=self.sha256,
                          rows_read=self.rows_read, rows_accepted=self.rows_accepted,
                          rows_rejected=self.rows_rejected, encoding=self.encoding or "utf-8",
                          ignored_columns=list(self.ignored_columns))

    def to_json(self) -> dict[str, Any]:
        return dict(vars(self))


def _arrow_schema(name: str, frame: pd.DataFrame) -> pa.Schema:
    """The store schema of an input: contract columns typed by their kind, then the extra
    columns a reader keeps (Form 4 provenance) as Arrow infers them, then ``source_row``."""
    from workbench.sources import SCHEMAS

    contract = {c.name: ARROW_TYPES[c.kind] for c in SCHEMAS[name].columns}
    fields = [pa.field(c, contract[c]) for c in frame.columns if c in contract]
    inferred = pa.Schema.from_pandas(frame[[c for c in frame.columns if c not in contract]], preserve_index=False)
    fields += [f for f in inferred if f.name not in ("source_row", "jurisdiction")]
    fields.append(pa.field("source_row", pa.int64()))
    if name == "affected_people":
        fields.append(pa.field("jurisdiction", pa.string()))
    return pa.schema(fields)


def writer_options(table: pa.Table) -> dict[str, Any]:
    """Parquet writer options for an input's store file, from its first chunk: a dictionary
    for the columns of few distinct values (:data:`STORE_DICTIONARY_SHARE`), and column
    statistics (min, max, nulls) only for the columns that are not text (moments, dates,
    numbers, ``source_row``: the ones a stage filters on by range). Text statistics cost
    the writer a comparison per value and serve no stage: no query skips a row group by
    the least and greatest name."""
    import pyarrow.compute as pc

    sample = table.slice(0, DICTIONARY_SAMPLE_ROWS)
    rows = len(sample)
    t = pa.types
    # text, numbers, moments; never booleans or an all-null column a reader inferred
    encodable = [f.name for f in table.schema if f.name != "source_row" and (
        t.is_string(f.type) or t.is_large_string(f.type) or t.is_integer(f.type) or t.is_floating(f.type)
        or t.is_timestamp(f.type) or t.is_date(f.type))]
    dictionary = [n for n in encodable if rows
                  and pc.count_distinct(sample.column(n)).as_py() <= STORE_DICTIONARY_SHARE * rows]
    text = (pa.string(), pa.large_string())
    statistics = [f.name for f in table.schema if f.type not in text]
    return {"use_dictionary": dictionary, "write_statistics": statistics}


def _arrow_table(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """A typed chunk as an Arrow table of the store schema. A categorical column (the
    jurisdiction) is decoded from its codes in Arrow: a cast by ``from_pandas`` costs
    several times as much."""
    cats = [f.name for f in schema if f.name in frame.columns and isinstance(frame[f.name].dtype, pd.CategoricalDtype)]
    rest = pa.schema([f for f in schema if f.name not in cats])
    table = pa.Table.from_pandas(frame.reindex(columns=rest.names), schema=rest, preserve_index=False)
    for name in cats:  # in schema order, so each lands at its own position
        f = schema.field(name)
        table = table.add_column(schema.get_field_index(name), f,
                                 pa.array(frame[name].array).dictionary_decode().cast(f.type))
    return table


def _with_jurisdiction(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    if name != "affected_people":
        return frame
    from workbench.law import jurisdiction_codes

    # the categorical itself (positions, not labels): Arrow writes it from its few codes,
    # where an object array would hold a Python string per row
    return frame.assign(jurisdiction=jurisdiction_codes(frame["country"], frame["region"]).array)


def _source(case: Case, name: str) -> str:
    from workbench.case import SqlInput
    from workbench.sql import describe

    spec = case.input_spec(name)
    return describe(spec) if isinstance(spec, SqlInput) else str(case.input_path(name))  # never a credential


def _ingest(case: Case, name: str, folder: Path, rejects_dir: Path, sha256: str | None,
            chunk_rows: int, cap: int = REJECTS_CAP) -> InputRecord:
    """Read one input once, chunk by chunk, into ``folder/<name>.parquet`` and its rejects."""
    from workbench.progress import track
    from workbench.safecsv import append_frame
    from workbench.sources import iter_input

    target = folder / f"{name}.parquet"
    rej_path = rejects_dir / f"{name}.csv"
    writer: pq.ParquetWriter | None = None
    schema: pa.Schema | None = None
    kept, stats = 0, None
    try:
        parts = iter_input(case, name, chunk_rows=chunk_rows, with_hash=False)
        for part in track(parts, f"intake: reading {name} ({chunk_rows} rows a chunk)", unit="chunk", logger=log):
            stats = part.stats
            frame = _with_jurisdiction(name, part.frame)
            if writer is None:
                schema = _arrow_schema(name, frame)
                table = _arrow_table(frame, schema)
                writer = pq.ParquetWriter(target, schema, compression=STORE_COMPRESSION, **writer_options(table))
            else:
                table = _arrow_table(frame, schema)
            writer.write_table(table)
            if len(part.rejects):
                if kept < cap:
                    append_frame(rej_path, part.rejects.head(cap - kept))
                kept += len(part.rejects)
        if kept > cap:
            append_frame(rej_path, _cap_marker(name, stats.path, cap, kept))
    finally:
        if writer is not None:
            writer.close()
    assert stats is not None and schema is not None  # iter_input yields at least one part
    if not stats.reconciles:  # a reader bug, never bad input: refuse to hand on a store that lost rows
        raise StoreError(f"{name}: read {stats.rows_read} != accepted {stats.rows_accepted} + "
                         f"rejected {stats.rows_rejected}")
    return InputRecord(name=name, kind=stats.kind, source=_source(case, name), sha256=sha256,
                       rows_read=stats.rows_read, rows_accepted=stats.rows_accepted,
                       rows_rejected=stats.rows_rejected, file=f"{STORE_SUBDIR}/{target.name}",
                       columns=[n for n in schema.names], ignored_columns=list(stats.ignored_columns),
                       encoding=stats.encoding, rejects_file=f"{REJECTS_SUBDIR}/{name}.csv" if kept else None,
                       rejects_written=min(kept, cap), rejects_capped=kept > cap)


def _estimated_rows(case: Case, name: str) -> int:
    """About how many rows an input has, without reading it (0 when unknown: a database)."""
    path = case.input_path(name)
    if path is None or not path.is_file():
        return 0
    if path.suffix.lower() == ".parquet":
        try:
            return pq.ParquetFile(path).metadata.num_rows
        except Exception:  # a broken file: the intake's reader reports it
            return 0
    return path.stat().st_size // CSV_BYTES_PER_ROW


def _parallel_inputs(case: Case, names: list[str], workers: int | None) -> tuple[list[str], int]:
    """The inputs worth a worker process of their own, and how many workers."""
    import os

    if workers is None:
        workers = int(os.environ.get("WORKBENCH_INTAKE_WORKERS") or min(2, os.cpu_count() or 1))
    big = [n for n in names if _estimated_rows(case, n) >= PARALLEL_FROM_ROWS]
    return (big, min(workers, len(big))) if workers > 1 and len(big) > 1 else ([], 1)


def _ingest_job(args: tuple) -> InputRecord:
    log.info("intake: reading %s", args[1])
    return _ingest(*args)


def _ingest_all(jobs: dict[str, tuple], parallel: tuple[list[str], int]) -> dict[str, InputRecord]:
    """Every input's record, in the order of ``jobs``: the large ones in a spawn-started
    process pool while this process reads the others."""
    from workbench.progress import track

    big, workers = parallel
    records: dict[str, InputRecord] = {}
    if not big:
        return {n: _ingest_job(jobs[n]) for n in track(list(jobs), "intake", unit="input", logger=log)}
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {n: pool.submit(_ingest_job, jobs[n]) for n in big}
        for n in track([n for n in jobs if n not in futures], "intake (in this process)", unit="input", logger=log):
            records[n] = _ingest_job(jobs[n])
        for n, fut in futures.items():
            try:
                records[n] = fut.result()  # a worker's error (a bad input) is raised here, as it was raised
            except BrokenProcessPool as err:  # e.g. a __main__ that spawned workers cannot import
                log.warning("intake worker failed (%s); reading %s in this process", err, n)
                records[n] = _ingest_job(jobs[n])
    return {n: records[n] for n in jobs}


#: ``field`` of the last row of a capped rejects file.
CAPPED_FIELD = "(capped)"


def _cap_marker(name: str, path: str, cap: int, total: int) -> pd.DataFrame:
    """The last row of a capped rejects file: how many rows it lists of how many were rejected."""
    from workbench.sources import REJECT_COLUMNS

    return pd.DataFrame([{"input": name, "file": path, "row": None, "field": CAPPED_FIELD,
                          "reason": f"rejects capped: this file lists the first {cap} of {total} rejected "
                                    f"rows; rows_rejected = {total} is exact", "raw": ""}], columns=REJECT_COLUMNS)


def _sha256(case: Case, name: str) -> str | None:
    """An input's sha256 as the manifest records it (a database input: its content digest)."""
    from workbench import sql
    from workbench.sources import file_sha256

    path = case.input_path(name)
    return file_sha256(path) if path is not None else sql.manifest_entry(case, name).get("sha256")


def build_store(case: Case, run_dir: str | Path, *, hashes: dict[str, str | None] | None = None,
                chunk_rows: int = 500_000, names: list[str] | None = None,
                rejects_cap: int = REJECTS_CAP, workers: int | None = None) -> "CaseStore":
    """The intake: read every declared input once into the run folder's store.

    Parameters
    ----------
    case : the validated case (:func:`workbench.preflight.check_case`).
    run_dir : the run folder; ``store/`` and ``rejects/`` are created in it.
    hashes : input name -> sha256 already computed for this run (the runner hashes every
        input when the run starts); an input without one is hashed here.
    chunk_rows : rows typed per chunk (memory stays bounded by it).
    names : only these inputs (default: every declared one; a part store, for one engine).
    rejects_cap : rejected rows kept per input in ``rejects/<input>.csv`` (counts stay exact).
    workers : processes for the large inputs (default ``WORKBENCH_INTAKE_WORKERS`` or the
        CPU count, at most 2); each input is still read once, by one process.
    """
    run_dir = Path(run_dir)
    folder = run_dir / STORE_SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    rejects_dir = run_dir / REJECTS_SUBDIR
    names = names if names is not None else case.declared_inputs()
    if hashes is None:
        hashes = {n: _sha256(case, n) for n in names}
    jobs = {n: (case, n, folder, rejects_dir, hashes.get(n), chunk_rows, rejects_cap) for n in names}
    records = _ingest_all(jobs, _parallel_inputs(case, names, workers))
    from workbench.sources import file_sha256

    atomic_write_text(folder / CASE_FILE, json.dumps(
        {"format": STORE_FORMAT_VERSION, "case_path": str(case.path), "case_sha256": file_sha256(case.path),
         "case": case.model_dump(mode="json")}, indent=2, ensure_ascii=False) + "\n")
    atomic_write_text(folder / INPUTS_FILE, json.dumps(
        {"format": STORE_FORMAT_VERSION, "inputs": {n: r.to_json() for n, r in records.items()}},
        indent=2, ensure_ascii=False) + "\n")
    store = CaseStore(run_dir)
    store.write_duckdb()
    return store


@dataclass(frozen=True)
class StoreTable:
    """Some columns of one store input as a SQL source: a DuckDB scan of its typed Parquet
    file (a stage's query reads the file where it lies; nothing is copied)."""

    path: Path
    columns: tuple[str, ...] | None = None

    def select_sql(self, have: set[str] | None = None) -> str:
        """``SELECT <columns> FROM <scan>``; columns the file lacks are left out."""
        from workbench.duck import scan

        cols = "*" if self.columns is None else ", ".join(
            f'"{c}"' for c in self.columns if have is None or c in have) or "*"
        return f"SELECT {cols} FROM {scan(self.path, 'parquet')}"


class CaseStore:
    """A run folder's case store, read by every stage after the intake."""

    def __init__(self, run_dir: str | Path):
        self.run_dir = Path(run_dir)
        self.folder = self.run_dir / STORE_SUBDIR
        inputs = self.folder / INPUTS_FILE
        if not inputs.is_file() or not (self.folder / CASE_FILE).is_file():
            raise StoreError(f"{self.run_dir}: no case store ({STORE_SUBDIR}/{INPUTS_FILE}); run the intake "
                             "first (notebooks/00_case_overview.ipynb, or workbench run)")
        doc = json.loads(inputs.read_text(encoding="utf-8"))
        self.records: dict[str, InputRecord] = {n: InputRecord(**r) for n, r in doc["inputs"].items()}
        self._case: Case | None = None

    @classmethod
    def open(cls, run_dir: str | Path) -> "CaseStore":
        """The store of a run folder (:class:`StoreError` when the intake has not run there)."""
        return cls(run_dir)

    # ------------------------------------------------------------------ the case

    @property
    def case(self) -> Case:
        """The case as the intake validated it (case.yaml is not read again)."""
        if self._case is None:
            doc = json.loads((self.folder / CASE_FILE).read_text(encoding="utf-8"))
            case = Case.model_validate(doc["case"])
            case._path = Path(doc["case_path"])
            self._case = case
        return self._case

    def holds(self, case_path: str | Path) -> bool:
        """Whether this store was built from ``case_path`` as that file is now (same path,
        same sha256); a store of another case, or of an edited case.yaml, is stale."""
        from workbench.sources import file_sha256

        doc = json.loads((self.folder / CASE_FILE).read_text(encoding="utf-8"))
        path = Path(case_path).resolve()
        return doc.get("case_path") == str(path) and doc.get("case_sha256") == file_sha256(path)

    # ------------------------------------------------------------------ inputs

    def has(self, name: str) -> bool:
        """Whether the case declares ``name`` (it may still have zero rows)."""
        return name in self.records

    def names(self) -> list[str]:
        return [n for n in INPUT_NAMES if n in self.records]

    def record(self, name: str) -> InputRecord:
        if name not in self.records:
            from workbench.errors import UnknownNameError
            raise UnknownNameError("store input", name, list(self.records))
        return self.records[name]

    def rows(self, name: str) -> int:
        """Accepted rows of an input (0 when absent)."""
        return self.records[name].rows_accepted if name in self.records else 0

    def parquet(self, name: str) -> Path:
        return self.run_dir / self.record(name).file

    def table(self, name: str, columns: list[str] | None = None) -> StoreTable:
        """An input as a SQL source for a stage's own DuckDB connection (population scale)."""
        return StoreTable(self.parquet(name), tuple(columns) if columns is not None else None)

    def frame(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """The accepted rows of an input as a pandas frame (small and medium inputs), in the
        dtypes :mod:`workbench.sources` gives (nullable integers, floats and booleans)."""
        return pq.read_table(self.parquet(name), columns=columns).to_pandas(types_mapper=_NULLABLE.get)

    def batches(self, name: str, columns: list[str] | None = None,
                batch_rows: int = 500_000) -> Iterator[pd.DataFrame]:
        """The accepted rows in bounded chunks (large inputs)."""
        pf = pq.ParquetFile(self.parquet(name), pre_buffer=False)
        empty = True
        for batch in pf.iter_batches(batch_size=batch_rows, columns=columns):
            empty = False
            yield batch.to_pandas(types_mapper=_NULLABLE.get)
        if empty:  # an input of zero rows is one empty chunk with its columns, never none
            yield pf.schema_arrow.empty_table().select(columns or pf.schema_arrow.names).to_pandas(
                types_mapper=_NULLABLE.get)

    def rejects(self, name: str, limit: int | None = None) -> pd.DataFrame:
        """The rejected rows kept for an input (``rejects/<input>.csv``; at most the cap)."""
        from workbench.sources import empty_rejects

        rec = self.record(name)
        if not rec.rejects_file or limit == 0:
            return empty_rejects()
        rej = pd.read_csv(self.run_dir / rec.rejects_file, dtype="str", keep_default_na=False, nrows=limit)
        rej = rej[rej["field"] != CAPPED_FIELD]  # the marker row of a capped file is not a rejected row
        return rej.assign(row=pd.to_numeric(rej["row"].replace("", None)).astype("Int64")).reset_index(drop=True)

    # ------------------------------------------------------------------ SQL

    @property
    def duckdb_path(self) -> Path:
        return self.folder / DUCKDB_FILE

    def _view_sql(self, schema: str = "main") -> list[str]:
        from workbench.duck import scan

        head = [] if schema == "main" else [f'CREATE SCHEMA IF NOT EXISTS "{schema}"']
        return head + [f'CREATE OR REPLACE VIEW "{schema}"."{n}" AS SELECT * FROM {scan(self.parquet(n), "parquet")}'
                       for n in self.names()]

    def write_duckdb(self) -> Path:
        """``store/case.duckdb``: one view per input over its Parquet file.

        A view names its file by absolute path. Where that path holds a character DuckDB
        would read as a glob (``[``, ``*``...), :func:`workbench.duck.literal_path` needs a
        link that lives only as long as this process, so the rows are copied into the
        database file instead (rare: a run folder under such a name).
        """
        import duckdb

        from workbench.duck import _GLOB_CHARS

        copy = bool(_GLOB_CHARS.search(str(self.folder.resolve())))
        self.duckdb_path.unlink(missing_ok=True)
        con = duckdb.connect(str(self.duckdb_path))
        try:
            for stmt in self._view_sql():
                con.execute(stmt.replace("CREATE OR REPLACE VIEW", "CREATE TABLE") if copy else stmt)
        finally:
            con.close()
        return self.duckdb_path

    def connect(self, con=None, **options):
        """A DuckDB connection (memory limit and spill folder of :mod:`workbench.duck`; or
        ``con``) where each input is a view ``store.<input>`` (a schema of its own, so a
        stage's working tables never shadow an input)."""
        from workbench.duck import connect

        con = con if con is not None else connect(**options)
        for stmt in self._view_sql(SQL_SCHEMA):
            con.execute(stmt)
        return con

    # ------------------------------------------------------------------ evidence

    def files(self) -> list[Path]:
        """Every file of the store (for the manifest)."""
        return sorted(p for p in self.folder.iterdir() if p.is_file())

    def summary(self) -> pd.DataFrame:
        """One row per input: what was read, accepted, rejected (read = accepted + rejected)."""
        rows = [{**r.to_json(), "reconciles": r.reconciles} for r in self.records.values()]
        cols = ["name", "kind", "source", "rows_read", "rows_accepted", "rows_rejected", "reconciles",
                "sha256", "rejects_file", "rejects_written", "rejects_capped", "ignored_columns"]
        return pd.DataFrame(rows, columns=cols + [c for c in (rows[0] if rows else {}) if c not in cols])
