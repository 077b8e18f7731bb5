"""Forked worker processes that talk to the database: batch grouping (apps.cases.grouping) and the demo seed.

A forked child must never use a database connection it inherited from its parent; each opens its own.
"""
from __future__ import annotations

_INHERITED: list = []  # the parent's connection wrappers, kept referenced in a child (never used, never closed)


def forget_inherited_connections() -> None:
    """In each forked child (a Pool initializer, or the first call of a Process target): drop every database
    connection inherited from the parent.

    `connections.close_all()` in the parent is not enough: Django keeps connections in an asgiref Local, which
    stores them in a context variable while an event loop runs in the thread (pytest-playwright's sync API,
    an ASGI server) and in the plain thread-local otherwise. In the child no loop runs, so it looked up the
    thread-local slot, which can still hold an open connection the parent's close_all() never saw: every
    child then talked over the SAME socket, and their queries read each other's rows (`StopIteration` in
    Model.from_db). Forgetting the wrappers makes each child open its own connection; they stay referenced
    so that freeing them does not close (terminate) the parent's session."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        _INHERITED.append(conn)
        del connections[conn.alias]
