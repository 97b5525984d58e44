"""`case check` on SQL inputs: one read-only SELECT, a URL without credentials, else refused.

No database here: these are the checks made when case.yaml is loaded. The server-side
guards (read-only session, one statement per message) are in tests/sql/test_sql_safety.py.
"""

from __future__ import annotations

import pytest

from tests.conftest import edit_case
from workbench import sqlguard
from workbench.case import load_case
from workbench.cli import main
from workbench.errors import CaseError

SECRET = "Sekr1t-Pw"
BASE = "postgresql+psycopg://auditor@db.example:5432/breach"


def _problems(case_yaml, notices) -> list[str]:
    edit_case(case_yaml, **{"inputs.notices": notices})
    with pytest.raises(CaseError) as err:
        load_case(case_yaml)
    assert SECRET not in str(err.value)
    return err.value.problems


def _table(url: str) -> dict:
    return {"url": url, "table": "notices"}


def _query(sql: str) -> dict:
    return {"url": BASE, "query": sql}


# --------------------------------------------------------------------------- URLs

USER_INFO = "contains a password (in user:password@)"
QUERY = "contains a password (query parameter "
OPTIONS = "contains a password (in options"
CONNINFO = "is a connection string"


@pytest.mark.parametrize("url, detail", [
    (f"postgresql://auditor:{SECRET}@db.example/breach", USER_INFO),
    (f"postgresql://:{SECRET}@db.example/breach", USER_INFO),
    ("postgresql://auditor:@db.example/breach", USER_INFO),
    (f"postgresql://auditor:{SECRET}@x@db.example/breach", USER_INFO),
    (f"postgresql://auditor:p/{SECRET}@db.example/breach", USER_INFO),
    (f"postgresql://auditor%3A{SECRET}@db.example/breach", USER_INFO),
    (f"{BASE}?password={SECRET}", QUERY + "'password')"),
    (f"{BASE}?PASSWORD={SECRET}", QUERY + "'password')"),
    (f"{BASE}?sslmode=require&Password={SECRET}", QUERY + "'password')"),
    (f"{BASE}?%70assword={SECRET}", QUERY + "'password')"),
    (f"{BASE}?%2570assword={SECRET}", QUERY + "'password')"),
    (f"{BASE}?%20password={SECRET}", QUERY + "'password')"),
    (f"{BASE}?sslpassword={SECRET}", QUERY + "'sslpassword')"),
    (f"{BASE}?options=-c%20password%3D{SECRET}", OPTIONS + ", setting 'password')"),
    (f"{BASE}?options=-cpassword={SECRET}", OPTIONS + ", setting 'password')"),
    (f"{BASE}?options=--password={SECRET}", OPTIONS + ", setting 'password')"),
    (f"{BASE}?options=-c%20search_path%3Dx%20-c%20my.passphrase%3D{SECRET}", OPTIONS + ", setting 'my.passphrase')"),
    (f"{BASE}?dbname=host%3Ddb%20password%3D{SECRET}", CONNINFO),
    (f"postgresql://auditor@db.example/dbname%3Dbreach%20password%3D{SECRET}", CONNINFO),
    (f"postgresql://auditor@db.example/breach#password={SECRET}", CONNINFO),
    (f"{BASE}?application_name=password%3D{SECRET}", "contains a password (the word appears in the URL)"),
], ids=["user_info", "user_info_without_user", "empty_password", "password_holding_at_sign",
        "password_holding_slash", "percent_encoded_colon", "query_string", "query_string_upper_case",
        "query_string_mixed_case_after_another", "query_key_percent_encoded", "query_key_double_encoded",
        "query_key_with_space", "sslpassword", "options_c_setting", "options_glued_c", "options_long_form",
        "options_among_others", "dbname_parameter_as_connection_string", "database_path_as_connection_string",
        "fragment", "inside_another_parameter"])
def test_a_password_anywhere_in_the_url_is_refused_without_echoing_it(minimal_case, url, detail):
    problems = _problems(minimal_case, _table(url))
    assert any(p.startswith("inputs.notices.url: contains a password") for p in problems), problems
    assert any(p.startswith("inputs.notices.url: ") and detail in p for p in problems), problems
    assert all("\n" not in p for p in problems)


@pytest.mark.parametrize("param", ["passfile=/home/a/.pgpass", "sslkey=/home/a/key.pem", "SSLCERT=/a/c.pem",
                                   "service=breach", "servicefile=/a/pg_service.conf"])
def test_a_credential_file_in_the_url_is_refused(minimal_case, param):
    problems = _problems(minimal_case, _table(f"{BASE}?{param}"))
    assert any(p.startswith("inputs.notices.url: query parameter") and "credential file" in p for p in problems)


@pytest.mark.parametrize("url, scheme", [
    ("sqlite:///breach.db", "sqlite"), ("mysql://auditor@db.example/breach", "mysql"),
    ("postgresql+psycopg2://auditor@db.example/breach", "postgresql+psycopg2"),
])
def test_an_unsupported_scheme_is_refused_naming_the_field(minimal_case, url, scheme):
    problems = _problems(minimal_case, _table(url))
    assert f"inputs.notices.url: unsupported database URL scheme {scheme!r}" in problems[0]


def test_a_connection_string_that_is_not_a_url_is_refused(minimal_case):
    problems = _problems(minimal_case, _table(f"host=db.example password={SECRET}"))
    assert problems == ["inputs.notices.url: is not a database URL (expected postgresql://user@host:port/database)"]


@pytest.mark.parametrize("options", ["-c%20default_transaction_read_only%3Doff", "--transaction-read-only=off",
                                     "-c%20standard_conforming_strings%3Doff"])
def test_url_options_may_not_undo_the_read_only_session(minimal_case, options):
    problems = _problems(minimal_case, _table(f"{BASE}?options={options}"))
    assert any(p.startswith("inputs.notices.url: options: sets ") for p in problems), problems


def test_an_unknown_connection_parameter_is_refused(minimal_case):
    problems = _problems(minimal_case, _table(f"{BASE}?replication=database"))
    assert problems[0].startswith("inputs.notices.url: unknown connection parameter 'replication' (known: ")


@pytest.mark.parametrize("url", [BASE, "postgres://db.example/breach", "postgresql://auditor@[::1]:5432/breach",
                                 f"{BASE}?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=audit",
                                 f"{BASE}?options=-c%20search_path%3Dbreach"])
def test_a_url_without_credentials_is_accepted(minimal_case, url):
    edit_case(minimal_case, **{"inputs.notices": _table(url)})
    assert load_case(minimal_case).input_spec("notices").url == url


@pytest.mark.parametrize("url, shown", [
    (f"postgresql://auditor:{SECRET}@db.example:5432/breach", "postgresql://auditor@db.example:5432/breach"),
    (f"postgresql://auditor:{SECRET}@x@db.example/breach", "postgresql://auditor@db.example/breach"),
    (f"{BASE}?sslmode=require&PASSWORD={SECRET}", f"{BASE}?sslmode=require"),
    (f"{BASE}?options=-c%20search_path%3Db%20-c%20password%3D{SECRET}", f"{BASE}?options=-c+search_path%3Db"),
    (f"postgresql://auditor@db.example/dbname%3Dx%20password%3D{SECRET}", "postgresql://auditor@db.example/%2A%2A%2A"),
    (f"host=db.example password={SECRET}", "(not a URL)"),
    (f"weird://auditor:{SECRET}@db.example/breach", "weird://auditor@db.example/breach"),
])
def test_redact_url_drops_every_credential(url, shown):
    assert sqlguard.redact_url(url) == shown


# --------------------------------------------------------------------------- queries

@pytest.mark.parametrize("sql, problem", [
    ("SELECT * FROM notices_log; DROP TABLE notices_log; COMMIT;", "holds 3 statements (SELECT, DROP, transaction control"),
    ("SELECT 1 -- harmless\n; DELETE FROM notices_log", "holds 2 statements (SELECT, DELETE)"),
    ("SELECT 'a\\'; DELETE FROM notices_log; --'", "holds 2 statements (SELECT, DELETE)"),
    ("/* one */ SELECT 1 /* two */; /* three */ UPDATE notices_log SET kind = 'x'", "holds 2 statements (SELECT, UPDATE)"),
    ("SELECT 1; COMMIT; BEGIN READ WRITE; DROP TABLE notices_log; COMMIT", "holds 5 statements"),
    ("WITH d AS (DELETE FROM notices_log RETURNING *) SELECT * FROM d", "holds a data-modifying DELETE"),
    ("WITH i AS (INSERT INTO notices_log VALUES (1) RETURNING *) SELECT * FROM i", "holds a data-modifying INSERT"),
    ("WITH a AS (WITH u AS (UPDATE notices_log SET kind = 'x' RETURNING *) SELECT * FROM u) SELECT * FROM a",
     "holds a data-modifying UPDATE"),
    ("WITH m AS (MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE RETURNING t.*) SELECT * FROM m",
     "holds a data-modifying MERGE"),
    ("SELECT * INTO copy_of_notices FROM notices_log", "uses SELECT ... INTO"),
    ("COPY notices_log TO STDOUT", "is COPY, not a SELECT"),
    ("COPY (SELECT 1) TO '/tmp/x'", "is COPY, not a SELECT"),
    ("CALL purge_notices()", "is CALL, not a SELECT"),
    ("DO $$BEGIN DELETE FROM notices_log; END$$", "is DO, not a SELECT"),
    ("EXPLAIN ANALYZE DELETE FROM notices_log", "is EXPLAIN, not a SELECT"),
    ("SET default_transaction_read_only = off", "is SET/RESET, not a SELECT"),
    ("RESET transaction_read_only", "is SET/RESET, not a SELECT"),
    ("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", "is SET/RESET, not a SELECT"),
    ("BEGIN READ WRITE", "is transaction control (BEGIN/COMMIT...), not a SELECT"),
    ("COMMIT", "is transaction control (BEGIN/COMMIT...), not a SELECT"),
    ("SELECT * FROM notices_log FOR UPDATE", "locks rows (FOR UPDATE/SHARE)"),
    ("SELECT pg_catalog.set_config('default_transaction_read_only', 'off', false)", "calls set_config()"),
    ("SELECT * FROM notices_log WHERE 1 = (SELECT dblink_exec('dbname=breach', 'DROP TABLE x'))", "calls dblink_exec()"),
    ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity", "calls pg_terminate_backend()"),
    ("SELECT * FROM notices_log WHERE", "is not valid PostgreSQL (syntax error"),
    ("SELECT 1 /* never closed", "is not valid PostgreSQL (unterminated /* comment"),
    ("-- nothing but a comment", "holds no statement (only comments)"),
    ("   ", "is empty"),
], ids=["stacked", "stacked_after_line_comment", "backslash_is_no_escape", "stacked_between_block_comments",
        "commit_then_read_write", "cte_delete", "cte_insert", "nested_cte_update", "cte_merge", "select_into",
        "copy_to_stdout", "copy_to_file", "call", "do_block", "explain_analyze", "set_read_only_off",
        "reset_read_only", "session_read_write", "begin", "commit", "for_update", "set_config", "dblink_exec",
        "terminate_backend", "syntax_error", "unterminated_comment", "only_comment", "blank"])
def test_a_query_that_is_not_one_read_only_select_is_refused(minimal_case, sql, problem):
    problems = _problems(minimal_case, _query(sql))
    assert any(p.startswith(f"inputs.notices.query: {problem}") for p in problems), problems
    assert all("\n" not in p for p in problems)


@pytest.mark.parametrize("sql", [
    "SELECT * FROM notices_log WHERE kind = 'a;b' AND note <> 'DROP TABLE x; COMMIT'",
    "SELECT * FROM notices_log WHERE note = $x$;DELETE FROM notices_log;$x$",
    "SELECT * FROM notices_log WHERE note = E'it\\'s; fine'",
    "SELECT * FROM notices_log; ",
    "SELECT * FROM notices_log -- the consumer notices; all of them",
    "/* leading; comment */ SELECT * FROM notices_log",
    "WITH c AS (SELECT * FROM notices_log WHERE kind = 'consumer') SELECT * FROM c",
    "TABLE notices_log",
    "VALUES ('P1', 'consumer')",
    "(SELECT * FROM notices_log) UNION ALL (SELECT * FROM notices_archive)",
    "SELECT \"DELETE\", \"drop; table\" FROM notices_log",
], ids=["semicolon_in_string", "semicolon_in_dollar_quote", "semicolon_in_escape_string", "trailing_semicolon",
        "trailing_comment", "leading_comment", "with_select", "table", "values", "union", "quoted_identifiers"])
def test_a_single_read_only_select_is_accepted(minimal_case, sql):
    edit_case(minimal_case, **{"inputs.notices": _query(sql)})
    assert load_case(minimal_case).input_spec("notices").query == sql


def test_case_check_refuses_stacked_statements_and_a_password_with_exit_2(minimal_case, capsys):
    edit_case(minimal_case, **{
        "inputs.notices": _query("SELECT * FROM notices_log; DROP TABLE notices_log; COMMIT"),
        "inputs.compensation": _table(f"{BASE}?password={SECRET}"),
    })
    assert main(["case", "check", str(minimal_case)]) == 2
    err = capsys.readouterr().err
    assert "inputs.notices.query: holds 3 statements" in err
    assert "inputs.compensation.url: contains a password (query parameter 'password')" in err
    assert SECRET not in err
    assert len([line for line in err.splitlines() if line.startswith("  - ")]) == 2  # one line per problem


def test_one_bad_input_does_not_hide_another_inputs_problems(minimal_case):
    edit_case(minimal_case, **{"inputs.notices": {"url": BASE, "table": "notices", "query": "SELECT 1"},
                               "inputs.compensation": _query("SELECT 1; DROP TABLE x")})
    with pytest.raises(CaseError) as err:
        load_case(minimal_case)
    assert err.value.problems == ["inputs.notices: give exactly one of 'table' or 'query'",
                                  "inputs.compensation.query: holds 2 statements (SELECT, DROP); only a single "
                                  "read-only SELECT (WITH ... SELECT, VALUES, TABLE) is accepted, with no ';' "
                                  "between statements"]
