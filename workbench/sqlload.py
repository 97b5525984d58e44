"""Loading a case folder's file inputs into PostgreSQL tables (``workbench synth --to-db``).

It reads each file input with the file readers of :mod:`workbench.sources` (raw text,
typed by :func:`workbench.schemas.type_frame`'s parsers) and writes it with COPY through
the connections of :mod:`workbench.sql`; a case file whose inputs point at the new tables
is written beside case.yaml. Above both modules: :mod:`workbench.sql` reads a database
input for :mod:`workbench.sources`, and this module needs the file readers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pandas as pd

from workbench import sqlguard
from workbench.case import Case, load_case
from workbench.errors import InputError, WorkbenchError
from workbench.schemas import CONVERTERS, SCHEMAS, InputSchema, InputStats
from workbench.sources import LETTER_INPUTS, READERS, reader_kind
from workbench.sql import BoundSqlInput, _explain, make_engine, redact_url

log = logging.getLogger("workbench.sql")

#: Column kind (sources schema) -> PostgreSQL type used by :func:`load_case_folder`.
PG_TYPES = {"str": "TEXT", "timestamp": "TIMESTAMPTZ", "date": "DATE", "int": "BIGINT",
            "float": "DOUBLE PRECISION", "bool": "BOOLEAN"}


@dataclass
class LoadedTable:
    input: str
    table: str
    rows: int
    text_columns: list[str]
    not_loaded: int


@dataclass
class LoadResult:
    url: str
    tables: list[LoadedTable]
    case_yaml: Path | None

    def summary(self) -> str:
        lines = [f"loaded into {self.url}:"]
        for t in self.tables:
            extra = f"; kept as text (values that do not parse): {', '.join(t.text_columns)}" if t.text_columns else ""
            lost = f"; {t.not_loaded} malformed row(s) not loadable" if t.not_loaded else ""
            lines.append(f"  {t.input:18} -> {t.table} ({t.rows} rows{extra}{lost})")
        if self.case_yaml:
            lines.append(f"case file reading from the database: {self.case_yaml}")
        return "\n".join(lines)


def _raw_chunks(case: Case, name: str, chunk_rows: int) -> Iterator[tuple[pd.DataFrame, int]]:
    """Raw text chunks of a file input and the count of structurally malformed rows."""
    spec = case.input_spec(name)
    path = case.input_path(name)
    kind = reader_kind(spec, path)
    stats = InputStats(name=name, path=str(path), kind=kind)
    for raw, _ in READERS.get(kind)(path, SCHEMAS[name], chunk_rows, stats):
        structural = raw.attrs.pop("structural_rejects", [])
        yield raw, len(structural)


def _typed_columns(raw: pd.DataFrame, schema: InputSchema, text_cols: set[str]) -> pd.DataFrame:
    out = {}
    for col in schema.columns:
        series = raw[col.name] if col.name in raw.columns else pd.Series([None] * len(raw), dtype="str")
        kind = "str" if col.name in text_cols else col.kind
        out[col.name] = CONVERTERS.get(kind)(series.reset_index(drop=True))[0]
    return pd.DataFrame(out)


def load_case_folder(case_dir: str | Path, url: str, schema: str | None = None, *,
                     chunk_rows: int = 200_000, case_name: str = "case.postgres.yaml",
                     replace: bool = True) -> LoadResult:
    """Load every file input of a case folder into PostgreSQL tables, with COPY.

    Parameters
    ----------
    case_dir : folder holding case.yaml and its data.
    url : SQLAlchemy URL of the target database, without password (credentials as for
        reading: environment, ``.env`` in ``case_dir``, or ~/.pgpass).
    schema : PostgreSQL schema for the tables (created if absent); default the search path.
    case_name : name of the case file written beside case.yaml whose inputs point at the
        new tables (None: write none).
    replace : drop tables of the same name first.

    Each input becomes a table named like the input, with the data contract's columns typed
    (``TIMESTAMPTZ``, ``DATE``, ``DOUBLE PRECISION``...). Values are typed exactly as the
    file reader types them (text trimmed, empty text as NULL). A column holding a value
    that does not parse as its type is kept as ``TEXT`` (so the database copy keeps the
    bad value and reading it back rejects the same rows); rows that are malformed in the
    file itself (wrong number of fields) cannot be loaded and are counted in the result.
    """
    import sqlalchemy as sa
    import yaml

    case_dir = Path(case_dir)
    case = load_case(case_dir / "case.yaml")
    problems = sqlguard.url_problems(url)
    if problems:
        raise WorkbenchError(f"{redact_url(url)}: " + " | ".join(problems)
                             + " (give the database password in PGPASSWORD, a .env file or ~/.pgpass)")
    target = BoundSqlInput(url=url, table="x", base_dir=str(case_dir))
    engine = make_engine(target, read_only=False)  # it creates the tables
    loaded: list[LoadedTable] = []
    try:
        with engine.begin() as conn:
            prep = conn.dialect.identifier_preparer
            if schema:
                conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {prep.quote_identifier(schema)}"))
            for name in case.declared_inputs():
                if case.input_path(name) is None:
                    continue  # already a SQL input
                if name in LETTER_INPUTS:
                    continue  # letter files stay files (a table holds no .docx or .pdf)
                loaded.append(_load_input(conn, case, name, schema, chunk_rows, replace))
    except sa.exc.DBAPIError as err:
        raise InputError(redact_url(url), f"loading the case failed: {_explain(err, target)}") from None
    finally:
        engine.dispose()
    case_yaml = None
    if case_name:
        data = yaml.safe_load((case_dir / "case.yaml").read_text(encoding="utf-8"))
        for t in loaded:
            data["inputs"][t.input] = {"url": redact_url(url), "table": t.table}
        case_yaml = case_dir / case_name
        case_yaml.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = LoadResult(redact_url(url), loaded, case_yaml)
    log.info("%s", result.summary())
    return result


def _load_input(conn, case: Case, name: str, schema: str | None, chunk_rows: int, replace: bool) -> LoadedTable:
    sch = SCHEMAS[name]
    prep = conn.dialect.identifier_preparer
    # pass 1: which columns hold values that do not parse as their kind
    text_cols: set[str] = set()
    for raw, _ in _raw_chunks(case, name, chunk_rows):
        for col in sch.columns:
            if col.name in raw.columns and col.name not in text_cols and col.kind != "str":
                if CONVERTERS.get(col.kind)(raw[col.name])[1].any():
                    text_cols.add(col.name)
    qualified = (prep.quote_identifier(schema) + "." if schema else "") + prep.quote_identifier(name)
    table = f"{schema}.{name}" if schema else name
    dbapi = conn.connection.driver_connection
    with dbapi.cursor() as cur:
        if replace:
            cur.execute(f"DROP TABLE IF EXISTS {qualified}")
        cols_sql = ", ".join(f"{prep.quote_identifier(c.name)} {'TEXT' if c.name in text_cols else PG_TYPES[c.kind]}"
                             for c in sch.columns)
        cur.execute(f"CREATE TABLE {qualified} ({cols_sql})")
        rows = lost = 0
        names = ", ".join(prep.quote_identifier(c) for c in sch.names)
        with cur.copy(f"COPY {qualified} ({names}) FROM STDIN") as copy:
            for raw, malformed in _raw_chunks(case, name, chunk_rows):
                lost += malformed
                typed = _typed_columns(raw, sch, text_cols)
                for record in typed.astype(object).where(typed.notna(), None).itertuples(index=False, name=None):
                    copy.write_row(record)
                rows += len(typed)
        if sch.key:
            idx = prep.quote_identifier(f"{name}_{sch.key}_c")
            cur.execute(f'CREATE INDEX {idx} ON {qualified} ({prep.quote_identifier(sch.key)} COLLATE "C")')
        cur.execute(f"ANALYZE {qualified}")
    if text_cols:
        log.warning("%s: column(s) %s hold values that do not parse; loaded as TEXT", name, ", ".join(sorted(text_cols)))
    if lost:
        log.warning("%s: %d malformed row(s) could not be loaded", name, lost)
    return LoadedTable(name, table, rows, sorted(text_cols), lost)
