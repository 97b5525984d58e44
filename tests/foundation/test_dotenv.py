"""A case's .env file is read by python-dotenv, as users expect of a .env file: inline
comments, quotes, ``export``; PG* keys only; never over what the environment already sets."""

from __future__ import annotations

import os

import pytest

from workbench import sql

URL = "postgresql+psycopg:///breach"  # no host: the .env file may give it


def _env(tmp_path, text: str):
    path = tmp_path / ".env"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("line, value", [
    ("PGUSER=auditor  # the audit role", "auditor"),
    ("PGUSER=auditor # note\t", "auditor"),
    ('PGUSER="auditor # not a comment"', "auditor # not a comment"),
    ("PGUSER='a b=c'", "a b=c"),
    ('PGUSER="say \\"hi\\""', 'say "hi"'),
    ("export PGUSER=auditor", "auditor"),
    ("export PGUSER='auditor'  # quoted and commented", "auditor"),
    ("  PGUSER = auditor  ", "auditor"),
    ("PGUSER=pa$word${HOME}", "pa$word${HOME}"),  # a password is taken as written: no expansion
])
def test_a_dotenv_line_reads_as_users_expect(tmp_path, line, value):
    assert sql.read_env_file(_env(tmp_path, line + "\n")) == {"PGUSER": value}


def test_only_libpq_keys_are_kept_and_comment_lines_and_broken_lines_are_skipped(tmp_path):
    path = _env(tmp_path, 'PGUSER=auditor\nexport PGPASSWORD="a b=c"\nAWS_SECRET=nope\n# PGHOST=x\n'
                          "broken line\nPGPORT=\n")
    assert sql.read_env_file(path) == {"PGUSER": "auditor", "PGPASSWORD": "a b=c", "PGPORT": ""}


def test_a_missing_dotenv_file_gives_nothing(tmp_path):
    assert sql.read_env_file(tmp_path / ".env") == {}


def test_dotenv_values_fill_only_what_the_environment_and_the_url_leave_open(tmp_path, monkeypatch):
    _env(tmp_path, "PGUSER=from_file\nexport PGHOST=db.local # the host\nPGPASSWORD='s3cret' # quoted\n")
    monkeypatch.setenv("PGPASSWORD", "from_environment")
    spec = sql.BoundSqlInput(url="postgresql+psycopg://auditor@/breach", table="notices", base_dir=str(tmp_path))
    args = sql.connect_args(spec)
    assert args["host"] == "db.local"
    assert "user" not in args, "the URL names the user"
    assert "password" not in args, "the environment's PGPASSWORD is libpq's to use; the file never overrides it"
    monkeypatch.delenv("PGPASSWORD")
    assert sql.connect_args(spec)["password"] == "s3cret"


def test_the_process_environment_is_never_changed(tmp_path, monkeypatch):
    monkeypatch.delenv("PGHOST", raising=False)
    _env(tmp_path, "PGHOST=db.local\n")
    assert sql.connect_args(sql.BoundSqlInput(url=URL, table="notices", base_dir=str(tmp_path)))["host"] == "db.local"
    assert "PGHOST" not in os.environ
