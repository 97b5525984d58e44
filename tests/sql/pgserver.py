"""A throwaway PostgreSQL server for tests: initdb, start on loopback, stop, delete.

Used by the session fixture in ``tests/sql/conftest.py`` and by
``scripts/pg-test-server.sh`` (``python tests/sql/pgserver.py start|stop DIR``).

- Binaries: ``initdb`` / ``pg_ctl`` from ``PG_BINDIR``, the PATH, or the newest
  ``/usr/lib/postgresql/<version>/bin`` (Debian's ``postgresql`` package).
- Root: PostgreSQL refuses to run as root, so when the process is root the server runs as
  the unprivileged ``postgres`` user created by the Debian package (``runuser -u``), with
  its data directory under a fresh ``/tmp/wb-pg-*`` folder owned by that user.
- Network: TCP on 127.0.0.1 only, on a free port; the unix socket lives in the temp dir.
- Authentication: scram-sha-256 everywhere (``trust`` nowhere), so a wrong password fails
  as it would on a real server. Roles: a superuser ``wbadmin`` and a login role
  ``auditor`` that owns the database ``breach``; both passwords are random per server.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ADMIN_USER = "wbadmin"
USER = "auditor"
DATABASE = "breach"


class PgUnavailable(RuntimeError):
    """The PostgreSQL server binaries are not installed."""


def find_bindir() -> Path:
    """Folder holding initdb and pg_ctl, or raise PgUnavailable."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    raise PgUnavailable("PostgreSQL server binaries not found (initdb); install them with "
                        "`apt-get install -y postgresql` or set PG_BINDIR")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    """One running throwaway server. ``url`` has no password; ``password`` is for PGPASSWORD."""

    root: Path
    port: int
    password: str
    admin_password: str
    bindir: Path
    run_as: str | None

    host: str = "127.0.0.1"
    user: str = USER
    database: str = DATABASE

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    @property
    def url(self) -> str:
        """SQLAlchemy URL without a password (what a case.yaml would hold)."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{self.database}"

    def env(self, **extra: str) -> dict[str, str]:
        """Environment giving the auditor's password the libpq way."""
        return {**os.environ, "PGPASSWORD": self.password, **extra}

    def _cmd(self, *args: str) -> list[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        return ["runuser", "-u", self.run_as, "--", *cmd] if self.run_as else cmd

    def psql_admin(self, sql: str, database: str = "postgres") -> str:
        """Run SQL as the superuser over the unix socket."""
        r = subprocess.run(
            self._cmd("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir),
                      "-p", str(self.port), "-U", ADMIN_USER, "-d", database, "-At", "-c", sql),
            capture_output=True, text=True, env={**os.environ, "PGPASSWORD": self.admin_password}, timeout=60)
        if r.returncode != 0:
            raise RuntimeError(f"psql failed: {r.stderr.strip()}")
        return r.stdout

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(self._cmd("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"),
                           capture_output=True, timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise PgUnavailable("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL")


def start(root: str | Path | None = None) -> PgServer:
    """initdb a fresh cluster and start it; returns the server (call ``stop()`` after)."""
    bindir = find_bindir()
    run_as = _run_as()
    root = Path(root) if root else Path(tempfile.mkdtemp(prefix="wb-pg-", dir="/tmp"))
    root.mkdir(parents=True, exist_ok=True)
    server = PgServer(root=root, port=free_port(), password=secrets.token_urlsafe(18),
                      admin_password=secrets.token_urlsafe(18), bindir=bindir, run_as=run_as)
    server.socket_dir.mkdir(exist_ok=True)
    pwfile = root / "pwfile"
    pwfile.write_text(server.admin_password + "\n")
    if run_as:
        pw = pwd.getpwnam(run_as)
        for p in (root, server.socket_dir, pwfile):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    os.chmod(root, 0o700)
    try:
        subprocess.run(server._cmd("initdb", "-D", str(server.data), "-U", ADMIN_USER, "--pwfile", str(pwfile),
                                   "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C.UTF-8", "--no-sync"),
                       check=True, capture_output=True, text=True, timeout=120)
        pwfile.unlink()
        opts = (f"-c listen_addresses=127.0.0.1 -p {server.port} -k {server.socket_dir} "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c shared_buffers=32MB -c max_connections=30")
        subprocess.run(server._cmd("pg_ctl", "-D", str(server.data), "-l", str(root / "server.log"),
                                   "-o", opts, "-w", "-t", "60", "start"),
                       check=True, capture_output=True, text=True, timeout=90)
        server.psql_admin(f"CREATE ROLE {USER} LOGIN PASSWORD '{server.password}'")
        server.psql_admin(f"CREATE DATABASE {DATABASE} OWNER {USER}")
    except subprocess.CalledProcessError as err:
        log = (root / "server.log").read_text() if (root / "server.log").exists() else ""
        server.stop()
        raise RuntimeError(f"starting PostgreSQL failed: {err.stderr}\n{log[-2000:]}") from None
    except BaseException:
        server.stop()
        raise
    _watchdog(root)
    return server


def _watchdog(root: Path) -> None:
    """A small process that stops the server if this process dies without stopping it
    (killed test run, timeout): no PostgreSQL is left running after the tests."""
    subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "watch", str(os.getpid()), str(root)],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _wait_gone(pidfile: Path, seconds: float = 10) -> None:
    end = time.monotonic() + seconds
    while pidfile.exists() and time.monotonic() < end:
        time.sleep(0.1)


def main(argv: list[str]) -> int:
    """``start [DIR]`` prints shell exports for the server; ``stop DIR`` stops and deletes it."""
    if len(argv) >= 1 and argv[0] == "start":
        s = start(argv[1] if len(argv) > 1 else None)
        print(f"export WB_PG_ROOT={s.root}\nexport WB_PG_URL={s.url}\nexport PGPASSWORD={s.password}")
        return 0
    if len(argv) == 3 and argv[0] == "watch":
        parent, root = int(argv[1]), Path(argv[2])
        while _alive(parent) and root.exists():
            time.sleep(1)
        if not root.exists():
            return 0
        argv = ["stop", str(root)]
    if len(argv) == 2 and argv[0] == "stop":
        root = Path(argv[1])
        data = root / "data"
        if (data / "postmaster.pid").exists():
            cmd = [str(find_bindir() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
            run_as = _run_as()
            subprocess.run(["runuser", "-u", run_as, "--", *cmd] if run_as else cmd, check=False)
            _wait_gone(data / "postmaster.pid")
        shutil.rmtree(root, ignore_errors=True)
        return 0
    print("usage: pgserver.py start [DIR] | stop DIR", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
