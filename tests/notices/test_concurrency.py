"""Acknowledgement is recorded once even when users of one hospital click at the same instant
(each thread has its own PostgreSQL connection)."""
from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from apps.notices import services
from apps.notices.models import Acknowledgement
from apps.tenants.enums import Role
from tests.concurrency import race

from .conftest import hospital_user, make_notice, publish

THREADS = 6




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
