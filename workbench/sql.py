"""Case inputs read straight from a database (PostgreSQL through SQLAlchemy + psycopg 3).

An input in case.yaml may be a SQLAlchemy URL plus a table or a query::

    inputs:
      affected_people: {url: "postgresql+psycopg://auditor@db.example/breach", table: affected_people}
      notices: {url: "postgresql+psycopg://auditor@db.example/breach",
                query: "SELECT * FROM notices_log WHERE kind = 'consumer'"}

Credentials never come from case.yaml (``load_case`` rejects a URL holding a password
anywhere: user info, query string, ``options``; see :mod:`workbench.sqlguard`). They come,
first match wins, from the process environment (``PGPASSWORD``, ``PGUSER``,
``PGPASSFILE``...), then from a ``.env`` file beside case.yaml (read by python-dotenv,
:func:`read_env_file`; only ``PG*`` keys are used), then from libpq's own ``~/.pgpass``. Every URL this module logs or
records goes through :func:`redact_url` (user kept, credentials dropped), and error
messages are scrubbed of the password.

Reading safely. A ``query:`` must be one read-only SELECT (:func:`workbench.sqlguard.query_problems`,
checked at ``case check`` and again here before connecting). The server enforces what the
parser decides, so that what the parser misses cannot write either:

- every reading session starts with ``default_transaction_read_only=on`` and every
  transaction begins ``READ ONLY`` (psycopg's ``read_only``, SQLAlchemy's
  ``postgresql_readonly``), so an INSERT, UPDATE, DELETE or DDL, run by a function the
  query calls, fails ("cannot execute ... in a read-only transaction");
- every statement goes through the extended protocol (``prepare_threshold=0``), which
  carries exactly one statement per message: text that would stack a second statement
  (``...; COMMIT; BEGIN READ WRITE; DROP ...``) is refused by the server, and the one
  ``COPY`` (sent by psycopg as a simple query) is first parsed by the server as one statement;
- ``standard_conforming_strings=on`` makes the server read string literals as the parser did.

The GX SQL engine connects with the same connection arguments and engine options
(:attr:`ValidationSource.engine_kwargs`).

Reading. Rows stream through a server-side cursor (``stream_results`` + ``yield_per``), so
memory holds one chunk at a time. Every column is fetched as PostgreSQL's text output
(``CAST(col AS TEXT)`` under fixed session settings: ``TimeZone=UTC``, ``DateStyle=ISO``,
``extra_float_digits=1``), then typed by :func:`workbench.schemas.type_frame` exactly like
CSV text: one typing path, the same rejects. Rows come in a stable order: the input's
business key first (``person_id``, ``notice_id``...), then every other column, each
compared as text in the "C" collation, so the order does not depend on the server locale.
``source_row`` is the row's position in that order (1-based).

Content hash (manifest). :func:`content_digest` runs ``COPY (<the same ordered SELECT>)
TO STDOUT`` and hashes, with sha256, the line ``tab-joined column names`` + newline
followed by the COPY text output (tab-separated, ``\\N`` for NULL, PostgreSQL's
backslash escapes, one line per row). Same rows and values in the database -> same hash,
whatever the physical order of the table. It is a hash of the database content, not of
any file: a file case and its database copy have different hashes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from workbench import extras, sqlguard
from workbench.case import Case, SqlInput
from workbench.errors import InputError, WorkbenchError
from workbench.schemas import SCHEMAS, InputSchema, InputStats
from workbench.sqlguard import redact_url  # noqa: F401  (part of this module's API)

log = logging.getLogger("workbench.sql")

#: Session settings that make PostgreSQL's text output canonical for typing and hashing, and
#: its string literals read as :mod:`workbench.sqlguard`'s parser reads them.
SESSION_OPTIONS = ("-c TimeZone=UTC -c DateStyle=ISO,YMD -c extra_float_digits=1 -c IntervalStyle=iso_8601 "
                   "-c standard_conforming_strings=on")
#: Added for every reading session: no transaction of the session may write.
READ_ONLY_OPTIONS = "-c default_transaction_read_only=on"
#: Engine options of every reading engine: each transaction begins READ ONLY.
READ_ONLY_ENGINE_OPTIONS = {"postgresql_readonly": True}
#: libpq environment keys read from a case's .env file (and SQLAlchemy connect_args they map to).
ENV_KEYS = {"PGUSER": "user", "PGPASSWORD": "password", "PGPASSFILE": "passfile",
            "PGHOST": "host", "PGPORT": "port", "PGDATABASE": "dbname", "PGSSLMODE": "sslmode",
            "PGSSLROOTCERT": "sslrootcert", "PGSSLCERT": "sslcert", "PGSSLKEY": "sslkey"}


class BoundSqlInput(SqlInput):
    """A SqlInput that knows its case folder (where a ``.env`` file may sit)."""

    base_dir: str | None = None


def bind(spec: SqlInput, case: Case | None) -> SqlInput:
    """The spec with the case folder attached, so the reader can find ``.env``."""
    if case is None or isinstance(spec, BoundSqlInput):
        return spec
    try:
        folder = str(case.folder)
    except ValueError:
        return spec
    return BoundSqlInput(url=spec.url, table=spec.table, query=spec.query, base_dir=folder)


# --------------------------------------------------------------------------- URLs and credentials

def describe(spec: SqlInput) -> str:
    """A one-line name of the source for messages and manifests, never with a password."""
    what = f"table {spec.table}" if spec.table else "query"
    return f"{redact_url(spec.url)} {what}"


def read_env_file(path: str | Path) -> dict[str, str]:
    """The libpq (``PG*``) settings of a ``.env`` file; any other key is ignored.

    Read by python-dotenv (:func:`dotenv.dotenv_values`), as other tools read the file:
    ``export`` prefixes, single and double quotes (escapes inside double quotes), values over
    several lines in quotes, and ``# comments``, whole-line or after an unquoted value
    (``PGUSER=auditor  # the audit role``). No ``${VAR}`` expansion: a password is taken as
    written. Nothing is put in the process environment; :func:`connect_args` uses a value
    only where the environment has none.
    """
    from dotenv import dotenv_values

    path = Path(path)
    if not path.is_file():
        return {}
    values = dotenv_values(path, interpolate=False, encoding="utf-8")
    out = {k: v for k, v in values.items() if k in ENV_KEYS and v is not None}
    if out and path.stat().st_mode & 0o077:
        log.warning("%s is readable by other users; restrict it with chmod 600", path)
    return out


def _url_options(url: str) -> str:
    """The ``options`` a URL's query string gives (merged before the workbench's own)."""
    from sqlalchemy.engine import make_url

    values = [v for k, v in make_url(url).query.items() if k.strip().lower() == "options"]
    return " ".join(x for v in values for x in (v if isinstance(v, tuple) else (v,)))


def connect_args(spec: SqlInput, *, read_only: bool = True) -> dict[str, Any]:
    """psycopg connection arguments: fixed session settings plus credentials from ``.env``.

    ``options`` is the URL's own ``options`` followed by :data:`SESSION_OPTIONS` and, when
    ``read_only``, :data:`READ_ONLY_OPTIONS` (a later ``-c`` wins, so the workbench's
    settings hold). ``prepare_threshold=0`` sends every statement through the extended
    protocol, one statement per message (see the module doc).

    The process environment is left to libpq itself (it reads ``PGPASSWORD``, ``PGUSER``,
    ``~/.pgpass``...); a ``.env`` value is passed only where the environment has none and
    the URL does not already name that part.
    """
    from sqlalchemy.engine import make_url

    options = " ".join(o for o in (_url_options(spec.url), SESSION_OPTIONS, READ_ONLY_OPTIONS if read_only else "") if o)
    args: dict[str, Any] = {"options": options, "prepare_threshold": 0}
    base = getattr(spec, "base_dir", None)
    if not base:
        return args
    url = make_url(spec.url)
    in_url = {"user": url.username, "host": url.host, "port": url.port, "dbname": url.database}
    for key, value in read_env_file(Path(base) / ".env").items():
        arg = ENV_KEYS[key]
        if key in os.environ or in_url.get(arg):
            continue
        args[arg] = value
    return args


def _password(spec: SqlInput) -> str | None:
    """The password that will be used, only to scrub it from error messages."""
    if os.environ.get("PGPASSWORD"):
        return os.environ["PGPASSWORD"]
    base = getattr(spec, "base_dir", None)
    return read_env_file(Path(base) / ".env").get("PGPASSWORD") if base else None


def _driver_url(url: str):
    """The URL as the engine gets it: psycopg 3 driver, ``options`` moved to connect_args."""
    from sqlalchemy.engine import make_url

    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.difference_update_query([k for k in u.query if k.strip().lower() == "options"])


def unsafe(spec: SqlInput) -> list[str]:
    """Why the spec may not be read (its URL, its query), one line each, field first."""
    problems = [f"url {p}" for p in sqlguard.url_problems(spec.url)]
    if spec.query is not None:
        problems += [f"query {p}" for p in sqlguard.query_problems(spec.query)]
    return problems


def _ensure_safe(spec: SqlInput, name: str) -> None:
    """Refuse, before connecting, a spec that :func:`load_case` would have refused."""
    problems = unsafe(spec)
    if problems:
        raise _input_error(name, spec, "refused: " + " | ".join(problems),
                           field="url" if problems[0].startswith("url") else "query")


def make_engine(spec: SqlInput, *, read_only: bool = True):
    """A SQLAlchemy engine for the spec (no pooling, parameters hidden from error text).

    ``read_only`` (every reader): a read-only session whose transactions begin READ ONLY.
    Only :func:`load_case_folder`, which creates the tables, asks for a writing engine.
    """
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    absent = extras.missing("postgres", f"a {spec.url.partition(':')[0]}:// source")
    if absent:
        raise InputError(describe(spec), absent)
    return sa.create_engine(_driver_url(spec.url), connect_args=connect_args(spec, read_only=read_only),
                            poolclass=NullPool, hide_parameters=True,
                            execution_options=READ_ONLY_ENGINE_OPTIONS if read_only else {})


# --------------------------------------------------------------------------- errors

def _explain(err: BaseException, spec: SqlInput) -> str:
    """A short, password-free message for a database error."""
    orig = getattr(err, "orig", None) or err
    text = str(orig).strip()
    low = text.lower()
    if "password authentication failed" in low:
        m = re.search(r'for user "([^"]+)"', text)
        msg = (f"authentication failed for user {m.group(1) if m else '?'!r}: check PGPASSWORD, "
               "the .env file beside case.yaml, or ~/.pgpass")
    elif "no password supplied" in low or "fe_sendauth" in low:
        msg = "the server asks for a password and none was given: set PGPASSWORD, a .env file beside case.yaml, or ~/.pgpass"
    elif "connection refused" in low:
        u = _driver_url(spec.url)
        msg = f"connection refused by {u.host or 'localhost'}:{u.port or 5432}: is the database server running and listening there?"
    elif "could not translate host name" in low or "name or service not known" in low:
        msg = f"unknown database host {_driver_url(spec.url).host!r}"
    elif re.search(r'database "[^"]+" does not exist', text):
        msg = text.splitlines()[0]
    else:
        msg = " ".join(line.strip() for line in text.splitlines()[:3] if line.strip()) or type(orig).__name__
        msg = re.sub(r"\(Background on this error at: [^)]*\)", "", msg).strip()
    pw = _password(spec)
    if pw:
        msg = msg.replace(pw, "***")
    return msg


def _input_error(name: str, spec: SqlInput, message: str, **kw) -> InputError:
    return InputError(describe(spec), f"input {name}: {message}", **kw)


# --------------------------------------------------------------------------- the ordered SELECT

@dataclass
class SourceQuery:
    """The SELECT that reads an input: text-cast columns in a stable order."""

    sql: str
    columns: list[str]
    ignored: list[str] = field(default_factory=list)
    order_by: list[str] = field(default_factory=list)
    source: str = ""
    order_sql: str = ""


def _split_table(table: str) -> tuple[str | None, str]:
    schema, _, name = table.rpartition(".")
    return (schema or None), name


def _source_columns(conn, spec: SqlInput, name: str) -> list[str]:
    """Column names of the table or query; a clear error when the table is missing."""
    import sqlalchemy as sa

    if spec.table:
        schema, table = _split_table(spec.table)
        insp = sa.inspect(conn)
        if not insp.has_table(table, schema=schema):
            where = f"schema {schema!r}" if schema else "the search path"
            raise _input_error(name, spec, f"table {spec.table!r} not found in {where} of the database",
                               expected=f"a table holding the {name} columns")
        return [c["name"] for c in insp.get_columns(table, schema=schema)]
    try:
        result = conn.execute(sa.text(f"SELECT * FROM ({_query_body(spec)}) AS q LIMIT 0"))
    except sa.exc.DBAPIError as err:
        raise _input_error(name, spec, f"the query failed: {_explain(err, spec)}") from None
    return list(result.keys())


def _query_body(spec: SqlInput) -> str:
    """The query's one statement, on lines of its own (a trailing ``--`` comment ends there)."""
    return "\n" + sqlguard.statement_text(spec.query or "") + "\n"


def build_query(conn, spec: SqlInput, schema: InputSchema, columns: list[str] | None = None) -> SourceQuery:
    """Check the source's columns against the data contract and build the ordered SELECT.

    ``columns`` selects only those contract columns; the order (hence ``source_row``) is
    still decided by every contract column, so row numbers do not depend on the selection.
    """
    prep = conn.dialect.identifier_preparer
    present = _source_columns(conn, spec, schema.name)
    missing = [c for c in schema.required if c not in present]
    if missing:
        raise _input_error(schema.name, spec, f"missing required column(s) {', '.join(missing)}",
                           field=missing[0], expected=f"columns {', '.join(schema.names)}")
    wanted = [c for c in schema.names if c in present]
    ignored = [c for c in present if c not in schema.names]
    if spec.table:
        sch, table = _split_table(spec.table)
        source = (prep.quote_identifier(sch) + "." if sch else "") + prep.quote_identifier(table)
    else:
        source = f"({_query_body(spec)})"
    selected = [c for c in wanted if columns is None or c in columns]
    cols = ", ".join(f"CAST(q.{prep.quote_identifier(c)} AS TEXT) AS {prep.quote_identifier(c)}" for c in selected)
    order = ([schema.key] if schema.key in wanted else []) + [c for c in wanted if c != schema.key]
    order_sql = ", ".join(f'CAST(q.{prep.quote_identifier(c)} AS TEXT) COLLATE "C"' for c in order)
    sql = f"SELECT {cols} FROM {source} AS q" + (f" ORDER BY {order_sql}" if order_sql else "")
    return SourceQuery(sql, selected, ignored, order, source, order_sql)


# --------------------------------------------------------------------------- the reader

@contextmanager
def _connection(spec: SqlInput, schema: InputSchema):
    """A connection for one input; database errors become one InputError naming the input
    (password scrubbed), and the engine is always disposed."""
    import sqlalchemy as sa

    _ensure_safe(spec, schema.name)
    engine = make_engine(spec)
    try:
        with engine.connect() as conn:
            yield conn
    except InputError:
        raise
    except sa.exc.DBAPIError as err:
        raise _input_error(schema.name, spec, _explain(err, spec)) from None
    finally:
        engine.dispose()


def read_sql(spec: SqlInput, schema: InputSchema, chunk_rows: int, stats: InputStats,
             columns: list[str] | None = None) -> Iterator[tuple[pd.DataFrame, int]]:
    """Stream a table or query in chunks of text columns (typed afterwards by sources).

    The reader of kind ``sql`` (:data:`workbench.sources.READERS` registers it).

    ``columns``: fetch only those contract columns (the required-column check still
    covers all of them; row order and ``source_row`` are unchanged)."""
    import sqlalchemy as sa

    stats.path = describe(spec)
    stats.kind = "sql"
    done = 0
    with _connection(spec, schema) as conn:
        q = build_query(conn, spec, schema, columns)
        stats.ignored_columns = q.ignored
        if q.ignored:
            log.warning("%s: ignoring column(s) not in the data contract: %s", stats.path, ", ".join(q.ignored))
        result = conn.execution_options(stream_results=True, yield_per=chunk_rows).execute(sa.text(q.sql))
        empty = True
        for rows in result.partitions(chunk_rows):
            frame = pd.DataFrame([tuple(r) for r in rows], columns=q.columns, dtype="str")
            stats.rows_read += len(frame)
            empty = False
            yield frame, done + 1
            done += len(frame)
        if empty:
            yield pd.DataFrame({c: pd.Series(dtype="str") for c in q.columns}), 1


# --------------------------------------------------------------------------- pushed-down validation

#: PostgreSQL types that hold each contract kind as such (checks can run on them in SQL).
KIND_PG_TYPES = {"str": {"text", "varchar", "bpchar", "name", "citext"},
                 "timestamp": {"timestamptz", "timestamp"}, "date": {"date"},
                 "int": {"int2", "int4", "int8"}, "float": {"float4", "float8", "numeric", "int2", "int4", "int8"},
                 "bool": {"bool"}}


def column_types(conn, spec: SqlInput, schema: InputSchema) -> dict[str, str]:
    """PostgreSQL type name of every contract column the table or query has."""
    q = build_query(conn, spec, schema)
    dbapi = conn.connection.driver_connection
    with dbapi.cursor() as cur:
        cur.execute(f"SELECT * FROM {q.source} AS q LIMIT 0")
        oids = {d.name: d.type_code for d in cur.description}
        cur.execute("SELECT oid, typname FROM pg_type WHERE oid = ANY(%s)", (list(set(oids.values())),))
        names = dict(cur.fetchall())
    return {c: names.get(oids[c], "?") for c in q.columns}


@dataclass
class ValidationSource:
    """A typed SELECT for pushed-down checks, or why there is none."""

    query: str | None
    connection_string: str
    connect_args: dict[str, Any]
    reason: str | None = None

    @property
    def engine_kwargs(self) -> dict[str, Any]:
        """``create_engine`` keyword arguments for another engine (GX's): the reader's own
        read-only session and transactions, one statement per message."""
        return {"connect_args": self.connect_args, "execution_options": dict(READ_ONLY_ENGINE_OPTIONS)}


def validation_source(spec: SqlInput, schema: InputSchema, rejected_rows: list[int]) -> ValidationSource:
    """The accepted rows of a SQL input as one typed SELECT, for checks run inside PostgreSQL.

    The columns keep their database types; ``source_row`` numbers the rows in the reader's
    order (so a failing row is named the same way by every engine) and the rows the reader
    rejected are left out, as every other engine leaves them out. When a column's database
    type does not hold its contract kind (a ``TEXT`` column of timestamps, say), there is
    no typed SELECT and ``reason`` says why: the caller validates that input in Python.
    """
    import sqlalchemy as sa

    spec = spec if isinstance(spec, BoundSqlInput) else bind(spec, None)
    _ensure_safe(spec, schema.name)
    url = _driver_url(spec.url)  # no password in it: refused above
    out = ValidationSource(None, url.render_as_string(hide_password=False), connect_args(spec))
    engine = make_engine(spec)
    try:
        with engine.connect() as conn:
            q = build_query(conn, spec, schema)
            types = column_types(conn, spec, schema)
            kinds = {c.name: c.kind for c in schema.columns}
            wrong = [f"{c} is {t}" for c, t in types.items() if t not in KIND_PG_TYPES[kinds[c]]]
            if wrong:
                out.reason = "column type(s) do not hold the contract's kinds: " + ", ".join(wrong)
                return out
            prep = conn.dialect.identifier_preparer
            cols = ", ".join(prep.quote_identifier(c) for c in q.columns)
            inner = (f"SELECT {cols}, row_number() OVER (ORDER BY {q.order_sql}) AS source_row "
                     f"FROM {q.source} AS q")
            where = (f" WHERE source_row <> ALL('{{{','.join(str(int(r)) for r in rejected_rows)}}}'::bigint[])"
                     if rejected_rows else "")
            out.query = f"SELECT * FROM ({inner}) AS t{where}"
    except sa.exc.DBAPIError as err:
        raise _input_error(schema.name, spec, _explain(err, spec)) from None
    finally:
        engine.dispose()
    return out


# --------------------------------------------------------------------------- manifest

def content_digest(spec: SqlInput, schema: InputSchema) -> dict[str, Any]:
    """Row count and sha256 of the input's content in the stable order (see module doc)."""
    with _connection(spec, schema) as conn:
        q = build_query(conn, spec, schema)
        h = hashlib.sha256(("\t".join(q.columns) + "\n").encode())
        dbapi = conn.connection.driver_connection
        statement = f"COPY ({q.sql}) TO STDOUT"
        _parses_as_one_statement(dbapi, statement, spec, schema.name)
        with dbapi.cursor() as cur:
            with cur.copy(statement) as copy:
                for block in copy:
                    h.update(block)
            rows = cur.rowcount
    return {"url": redact_url(spec.url), "table": spec.table, "query": spec.query, "rows": rows,
            "sha256": h.hexdigest(), "hash_of": "COPY text output, ordered by " + ", ".join(q.order_by),
            "columns": q.columns}


def _parses_as_one_statement(dbapi, statement: str, spec: SqlInput, name: str) -> None:
    """Have the server parse ``statement`` as one prepared statement (psycopg sends COPY as
    a simple query, which could carry several): raise if it is not exactly one."""
    from psycopg import pq

    res = dbapi.pgconn.prepare(b"", statement.encode(dbapi.info.encoding))
    if res.status != pq.ExecStatus.COMMAND_OK:
        text = (res.error_message or b"").decode(dbapi.info.encoding, "replace").strip().splitlines()
        raise _input_error(name, spec, f"the query failed: {text[0] if text else 'not one statement'}")


def manifest_entry(case: Case, name: str) -> dict[str, Any]:
    """The manifest's record of one SQL input: URL without credentials, table or query,
    row count, content hash. A database that cannot be read is recorded, not raised: the
    manifest is written before the notebooks, which report the error themselves."""
    spec = case.input_spec(name)
    assert isinstance(spec, SqlInput)
    try:
        return content_digest(bind(spec, case), SCHEMAS[name])
    except WorkbenchError as err:
        log.error("%s", err)
        return {"url": redact_url(spec.url), "table": spec.table, "query": spec.query, "rows": None,
                "sha256": None, "error": str(err)}
