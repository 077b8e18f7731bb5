"""Run callables at the same instant, each thread on its own PostgreSQL connection (race tests)."""
from __future__ import annotations

import threading

from django.db import connection
from django_scopes import scopes_disabled


def race(functions) -> list:
    """Start every function behind one barrier; return each result or the exception it raised, in order."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(i, fn):
        try:
            with scopes_disabled():
                barrier.wait()
                results[i] = fn()
        except Exception as err:  # noqa: BLE001 - reported by the assertions
            results[i] = err
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(functions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results
