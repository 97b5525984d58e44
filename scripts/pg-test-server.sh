#!/usr/bin/env bash
# A throwaway PostgreSQL server for the SQL tests (and for trying `workbench synth --to-db`).
#
#   scripts/pg-test-server.sh install      install Debian's postgresql when initdb is absent
#   eval "$(scripts/pg-test-server.sh start)"   initdb + start on 127.0.0.1, free port;
#                                          exports WB_PG_URL (no password), PGPASSWORD, WB_PG_ROOT
#   scripts/pg-test-server.sh stop "$WB_PG_ROOT"   stop it and delete its data directory
#
# `make test` does not need this script: tests/sql/conftest.py starts and stops its own
# server when the binaries are present. As root, the server runs as the `postgres` user
# (PostgreSQL refuses to run as root).
set -euo pipefail
cd "$(dirname "$0")/.."

have_server() {
    command -v initdb >/dev/null 2>&1 || compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

case "${1:-}" in
    install)
        if have_server; then
            echo "PostgreSQL server binaries present" >&2
        else
            if [ "$(id -u)" -ne 0 ]; then
                echo "PostgreSQL server binaries missing: run 'sudo apt-get install -y postgresql'" >&2
                exit 1
            fi
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq
            apt-get install -y -qq postgresql >/dev/null
            have_server
        fi
        ;;
    start|stop)
        PY="${PYTHON:-.venv/bin/python}"
        [ -x "$PY" ] || PY=python3
        exec "$PY" tests/sql/pgserver.py "$@"
        ;;
    *)
        echo "usage: $0 install | start [DIR] | stop DIR" >&2
        exit 2
        ;;
esac
