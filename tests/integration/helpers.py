"""What the tests with real worker processes share: the test database's URL for the workers, a broker check."""
from __future__ import annotations

from django.db import connection
from kombu import Connection


def broker_answers(url: str, timeout: float = 2) -> bool:
    try:
        with Connection(url, connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


def database_url() -> str:
    """The test database as a URL a worker process can use (pytest-django renamed the database)."""
    s = connection.settings_dict
    host = s.get("HOST") or "127.0.0.1"
    if host.startswith("/"):
        return f"postgresql://{s['USER']}@/{s['NAME']}?host={host}&port={s.get('PORT') or 5432}"
    return f"postgresql://{s['USER']}@{host}:{s.get('PORT') or 5432}/{s['NAME']}"
