"""Acknowledgement is recorded once even when users of one hospital click at the same instant
(each thread has its own PostgreSQL connection)."""
from __future__ import annotations

import threading

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from apps.notices import services
from apps.notices.models import Acknowledgement
from apps.tenants.enums import Role

from .conftest import hospital_user, make_notice, publish

THREADS = 6


def race(functions) -> list:
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


@pytest.mark.django_db(transaction=True)
def test_parallel_acknowledgements_record_one_row(world):
    a = world["A"]
    notice = publish(world, make_notice(world, addressees={"hospitals": [a.hospitals[0].code]}))
    users = [a.users[Role.HOSPITAL_ADMIN], a.users[Role.HOSPITAL_STAFF]] + [
        hospital_user(world, index=0, role=Role.HOSPITAL_STAFF, name=f"ack_{i}") for i in range(THREADS - 2)]
    results = race([lambda u=u: services.notice_acknowledge(actor=u, notice=notice) for u in users])
    assert not [r for r in results if isinstance(r, Exception)], results
    with scopes_disabled():
        rows = list(Acknowledgement.objects.filter(notice=notice))
    assert len(rows) == 1
    assert {r.pk for r in results} == {rows[0].pk}
