"""Planner settings for one bulk statement, scoped to that statement.

A bare `SET LOCAL` lasts to the end of the *caller's* transaction. Bulk work often runs inside a larger
one (seed_demo's region, a test, a scenario run), and `enable_nestloop = off` left behind turns every later
point lookup into a hash join over whole tables: the demo seeding in a test took 15 minutes instead of 2.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def local_settings(cursor, **settings: str) -> Iterator[None]:
    """`SET LOCAL` each setting for the block and put back the values it had before.

    On an error the values are not restored here: the transaction (or the savepoint around the block) is
    rolled back, and PostgreSQL undoes a `SET LOCAL` with it."""
    names = list(settings)
    cursor.execute("SELECT " + ", ".join(["current_setting(%s)"] * len(names)), names)
    previous = cursor.fetchone()
    for name, value in settings.items():
        cursor.execute("SELECT set_config(%s, %s, true)", [name, str(value)])
    yield
    for name, value in zip(names, previous, strict=True):
        cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
