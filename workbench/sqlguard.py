"""What a database input may say: one read-only SELECT, and a URL without credentials.

Pure checks, used by ``case check`` (:func:`workbench.case.load_case`) and again by the
reader before it connects (a :class:`~workbench.case.SqlInput` can be made in code too).
Each returns a list of one-line problems that never repeat a secret.

The query. ``query:`` is parsed with PostgreSQL's own parser (pglast wraps libpg_query),
so the check and the server read the same tokens: a semicolon inside a string, a dollar
quote or a comment is not a statement boundary for either. It must be exactly one
``SELECT`` (``WITH ... SELECT``, ``VALUES`` and ``TABLE`` are SELECTs to PostgreSQL) with
no data-modifying part (``INSERT``/``UPDATE``/``DELETE``/``MERGE`` in a WITH clause),
no ``INTO`` (it creates a table), no row locks (``FOR UPDATE``) and no call of a function
whose effect the read-only transaction does not stop (:data:`SIDE_EFFECT_FUNCTIONS`).
The parser is the first guard, not the only one: the reader executes every statement
through the extended protocol (one statement per message) in a read-only session and
transaction (:mod:`workbench.sql`), so a function that writes fails at the server.

The URL. Only ``postgresql://``, ``postgres://`` and ``postgresql+psycopg://`` (psycopg 3)
are read. A password is refused wherever a URL can carry one: the user part
(``user:pw@``), a query parameter (``?password=``, ``?PASSWORD=``, ``?sslpassword=``,
percent-encoded or not), ``options`` (``-c password=...``), or a database name that libpq
would expand as a connection string (``dbname=x password=y``). Parameters naming a
credential file (``passfile``, ``sslkey``, ``service``...) are refused too: those belong
in the environment or the ``.env`` file. Any other parameter must be a known libpq one.
:func:`redact_url` renders any URL without credentials, for every log line, message,
manifest and artifact.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote

#: URL schemes (SQLAlchemy driver names) the reader connects with.
SUPPORTED_SCHEMES: tuple[str, ...] = ("postgresql", "postgres", "postgresql+psycopg")

#: Query parameters that hold a secret themselves.
SECRET_PARAMS = frozenset({"password", "sslpassword"})
#: Query parameters that point libpq at a file of credentials: environment or .env only.
CREDENTIAL_FILE_PARAMS = frozenset({"passfile", "sslkey", "sslcert", "sslkeylogfile", "service", "servicefile"})
#: libpq connection parameters a case's URL may set (``options`` is checked setting by setting).
URL_PARAMS = frozenset({
    "host", "hostaddr", "port", "dbname", "user", "options", "connect_timeout", "client_encoding",
    "application_name", "fallback_application_name", "keepalives", "keepalives_idle",
    "keepalives_interval", "keepalives_count", "tcp_user_timeout", "sslmode", "sslnegotiation",
    "sslcompression", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer",
    "ssl_min_protocol_version", "ssl_max_protocol_version", "gssencmode", "krbsrvname", "gsslib",
    "gssdelegation", "channel_binding", "require_auth", "target_session_attrs", "load_balance_hosts",
})
#: Server settings the workbench fixes for every session; a URL's ``options`` may not set them.
FIXED_SETTINGS = frozenset({
    "default_transaction_read_only", "transaction_read_only", "standard_conforming_strings",
    "timezone", "datestyle", "extra_float_digits", "intervalstyle",
})
#: Functions with effects a read-only transaction does not prevent (other sessions, server
#: files, settings of the session, other databases), refused by name, any schema.
SIDE_EFFECT_FUNCTIONS = frozenset({
    "set_config",  # changes session settings (default_transaction_read_only among them)
    "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile",
    "pg_promote", "pg_switch_wal", "pg_create_restore_point", "pg_logical_emit_message",
    "pg_notify", "pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock",
    "pg_try_advisory_lock_shared", "lo_import", "lo_export", "pg_file_write", "pg_file_rename",
    "pg_file_unlink", "dblink", "dblink_exec", "dblink_connect", "dblink_connect_u",
    "dblink_send_query", "dblink_open",
})

#: Statement kinds (pglast node names) as a person would say them, for messages.
STATEMENT_NAMES = {
    "InsertStmt": "INSERT", "UpdateStmt": "UPDATE", "DeleteStmt": "DELETE", "MergeStmt": "MERGE",
    "CopyStmt": "COPY", "CallStmt": "CALL", "DoStmt": "DO", "ExplainStmt": "EXPLAIN",
    "VariableSetStmt": "SET/RESET", "VariableShowStmt": "SHOW", "TransactionStmt": "transaction control (BEGIN/COMMIT...)",
    "CreateTableAsStmt": "CREATE TABLE AS", "DropStmt": "DROP", "TruncateStmt": "TRUNCATE",
    "ExecuteStmt": "EXECUTE", "PrepareStmt": "PREPARE", "DeclareCursorStmt": "DECLARE",
    "LockStmt": "LOCK", "NotifyStmt": "NOTIFY", "ListenStmt": "LISTEN", "GrantStmt": "GRANT",
}
_WRITES = ("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt")
_PASSWORD_WORD = re.compile(r"pass(word|wd|phrase)", re.IGNORECASE)
_ONLY_SELECT = "only a single read-only SELECT (WITH ... SELECT, VALUES, TABLE) is accepted"
_CREDENTIALS_HINT = "give credentials in PGPASSWORD, the .env file beside case.yaml or ~/.pgpass, never in case.yaml"


# --------------------------------------------------------------------------- the query

def _parse(query: str):
    from pglast import parse_sql
    from pglast.parser import ParseError

    try:
        return parse_sql(query), None
    except ParseError as err:
        return None, str(err).splitlines()[0]


def _walk(node) -> Iterator:
    """Every AST node under ``node`` (itself included)."""
    from pglast import ast

    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Node):
            yield n
            stack.extend(getattr(n, attr) for attr in n)
        elif isinstance(n, (list, tuple)):
            stack.extend(n)


def _kind(node) -> str:
    name = type(node).__name__
    return STATEMENT_NAMES.get(name, re.sub(r"Stmt$", "", name).upper())


def query_problems(query: str | None) -> list[str]:
    """Why ``query`` is not one read-only SELECT (empty list: it is one).

    Parameters
    ----------
    query : the ``query:`` text of a case input.

    Returns
    -------
    One line per problem, without the field name (the caller adds ``inputs.<name>.query``).
    """
    if query is None or not query.strip():
        return ["is empty; " + _ONLY_SELECT]
    stmts, error = _parse(query)
    if error:
        return [f"is not valid PostgreSQL ({error})"]
    if not stmts:
        return ["holds no statement (only comments); " + _ONLY_SELECT]
    if len(stmts) > 1:
        kinds = ", ".join(_kind(s.stmt) for s in stmts)
        return [f"holds {len(stmts)} statements ({kinds}); {_ONLY_SELECT}, with no ';' between statements"]
    stmt = stmts[0].stmt
    if type(stmt).__name__ != "SelectStmt":
        return [f"is {_kind(stmt)}, not a SELECT; {_ONLY_SELECT}"]
    problems = []
    for node in _walk(stmt):
        name = type(node).__name__
        if name in _WRITES:
            problems.append(f"holds a data-modifying {_kind(node)} (in a WITH clause); {_ONLY_SELECT}")
        elif name == "IntoClause":
            problems.append(f"uses SELECT ... INTO, which creates a table; {_ONLY_SELECT}")
        elif name == "LockingClause":
            problems.append("locks rows (FOR UPDATE/SHARE); a read-only audit takes no locks")
        elif name == "FuncCall":
            func = node.funcname[-1].sval.lower()
            if func in SIDE_EFFECT_FUNCTIONS:
                problems.append(f"calls {func}(), which has effects a read-only transaction does not stop")
    return list(dict.fromkeys(problems))


def statement_text(query: str) -> str:
    """The text of the query's one statement (no trailing ';' or comments around it), for
    embedding as a subquery; call only on a query without :func:`query_problems`."""
    stmts, error = _parse(query)
    if error or not stmts or len(stmts) != 1:
        raise ValueError("not a single statement")
    loc, length = stmts[0].stmt_location, stmts[0].stmt_len
    return (query[loc:loc + length] if length else query[loc:]).strip()


# --------------------------------------------------------------------------- the URL

def _parse_url(url: str):
    from sqlalchemy.engine import make_url

    try:
        return make_url(url)
    except Exception:  # SQLAlchemy raises ArgumentError, ValueError... for what it cannot read
        return None


def _query_items(u) -> Iterator[tuple[str, str, str]]:
    """(key as written, normalised key, value) for every query parameter, repeats included."""
    for key, value in u.query.items():
        for v in (value if isinstance(value, tuple) else (value,)):
            yield key, unquote(key).strip().lower(), str(v)


def option_settings(options: str) -> list[tuple[str, str]] | None:
    """``(name, value)`` of each ``-c name=value`` / ``--name=value`` in a libpq ``options``
    string; None when it holds anything else (a flag the workbench does not accept)."""
    tokens = re.split(r"(?<!\\)\s+", options.strip())
    out, i = [], 0
    while i < len(tokens):
        tok = tokens[i]
        if not tok:
            i += 1
            continue
        if tok == "-c" and i + 1 < len(tokens):
            setting, i = tokens[i + 1], i + 2
        elif tok.startswith("-c"):
            setting, i = tok[2:], i + 1
        elif tok.startswith("--"):
            setting, i = tok[2:], i + 1
        else:
            return None
        name, sep, value = setting.partition("=")
        if not sep or not name:
            return None
        out.append((name.strip().lower().replace("-", "_"), value))
    return out


def _options_problems(options: str) -> list[str]:
    settings = option_settings(options)
    if settings is None:
        return ["options: only '-c name=value' settings are accepted"]
    problems = []
    for name, _ in settings:
        if _PASSWORD_WORD.search(name) or "secret" in name or "key" in name:
            problems.append(f"contains a password (in options, setting {name!r}); {_CREDENTIALS_HINT}")
        elif name in FIXED_SETTINGS:
            problems.append(f"options: sets {name}, which the workbench fixes itself for every session "
                            "(read-only, canonical text output)")
    return problems


def _decoded(text: str) -> str:
    """``text`` percent-decoded until it stops changing (catches %2570-style double encoding)."""
    for _ in range(5):
        nxt = unquote(text)
        if nxt == text:
            break
        text = nxt
    return text


def url_problems(url: str) -> list[str]:
    """Why ``url`` may not be a case input's URL (empty list: it may); never quotes a secret.

    Returns
    -------
    One line per problem, without the field name (the caller adds ``inputs.<name>.url``).
    """
    u = _parse_url(url)
    if u is None:
        return ["is not a database URL (expected postgresql://user@host:port/database)"]
    problems = []
    driver = u.drivername.lower()
    if driver not in SUPPORTED_SCHEMES:
        shown = driver if re.fullmatch(r"[a-z0-9+_.-]{1,40}", driver) else "?"
        problems.append(f"unsupported database URL scheme {shown!r}; supported: {', '.join(SUPPORTED_SCHEMES)} "
                        "(PostgreSQL through psycopg 3)")
    userinfo = _userinfo(url)
    if u.password is not None or (userinfo and ":" in unquote(userinfo)):
        problems.append(f"contains a password (in user:password@); {_CREDENTIALS_HINT}")
    for key, norm, value in _query_items(u):
        if norm in SECRET_PARAMS or _PASSWORD_WORD.search(norm):
            problems.append(f"contains a password (query parameter {norm!r}); {_CREDENTIALS_HINT}")
        elif norm in CREDENTIAL_FILE_PARAMS:
            problems.append(f"query parameter {norm!r} names a credential file; set it in the environment "
                            "or the .env file beside case.yaml, not in case.yaml")
        elif norm == "options":
            problems += _options_problems(value)
        elif norm not in URL_PARAMS:
            shown = norm if re.fullmatch(r"[a-z0-9_]{1,40}", norm) else "?"
            problems.append(f"unknown connection parameter {shown!r} (known: {', '.join(sorted(URL_PARAMS))})")
        elif norm == "dbname" and _is_conninfo(value):
            problems.append("query parameter 'dbname' is a connection string (libpq would read settings, "
                            "a password among them, from it); give a plain database name")
    if u.database and _is_conninfo(u.database):
        problems.append("the database name is a connection string (libpq would read settings, a password "
                        "among them, from it); give a plain database name")
    if not any(p.startswith("contains a password") for p in problems) and _PASSWORD_WORD.search(_decoded(url)):
        problems.append(f"contains a password (the word appears in the URL); {_CREDENTIALS_HINT}")
    return list(dict.fromkeys(problems))


def _userinfo(url: str) -> str | None:
    """The raw text before the last '@' of the authority (up to '?' or '#'), or None.

    Taken more widely than a URL parser would (a password may hold '/', '?' or '@'), so
    that neither the check nor :func:`redact_url` misses part of a password."""
    m = re.match(r"[^:/?#]*://([^?#]*)", url)
    if not m or "@" not in m.group(1):
        return None
    return m.group(1).rpartition("@")[0]


def _without_password(url: str) -> str:
    """``url`` with its raw user info cut to the user name (what comes before any ':')."""
    userinfo = _userinfo(url)
    if userinfo is None:
        return url
    user = re.split(r":|%3[aA]", userinfo, maxsplit=1)[0]
    start = url.index("://") + 3
    return url[:start] + (user + "@" if user else "") + url[start + len(userinfo) + 1:]


def _is_conninfo(value: str) -> bool:
    """libpq expands a dbname holding '=' or a URI prefix into connection settings."""
    return "=" in value or value.lower().startswith(("postgresql:", "postgres:"))


def redact_url(url: str) -> str:
    """``url`` without any credential: user kept (it says who read the data), password,
    secret or credential-file parameters, unknown parameters and secret ``options``
    settings dropped; a database name that is a connection string shown as ``***``."""
    from sqlalchemy.engine import URL

    u = _parse_url(_without_password(url))
    if u is None:  # not parseable: keep the scheme and the host part only
        m = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)", url)
        return f"{m.group(1)}://{m.group(2).rpartition('@')[2]}" if m else "(not a URL)"
    query: dict[str, str | tuple[str, ...]] = {}
    for key, norm, value in _query_items(u):
        if norm == "options":
            settings = option_settings(value) or []
            value = " ".join(f"-c {n}={v}" for n, v in settings if not _PASSWORD_WORD.search(n)
                             and "secret" not in n and "key" not in n)
            if not value:
                continue
        elif norm not in URL_PARAMS or (norm == "dbname" and _is_conninfo(value)):
            continue
        if _PASSWORD_WORD.search(_decoded(value)):
            continue
        prev = query.get(key)
        query[key] = value if prev is None else (*(prev if isinstance(prev, tuple) else (prev,)), value)
    database = "***" if u.database and _is_conninfo(u.database) else u.database
    return URL.create(u.drivername, username=u.username, host=u.host, port=u.port, database=database,
                      query=query).render_as_string(hide_password=False)
