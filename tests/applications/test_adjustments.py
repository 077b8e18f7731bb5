"""The approved-adjustments SELECT the settlement engine embeds: kinds, costs, only approved and decided."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.applications.adjustments import approved_adjustments_sql
from apps.applications.models import Application

from .conftest import make


def _rows() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(approved_adjustments_sql())
        return {row[2]: row for row in cursor.fetchall()}


def test_kinds_costs_and_only_decided_approvals(aw):
    a, b = aw["A"], aw["B"]
    partial = make(a, "approved", case_index=0, type="incentive_major", outcome="partial")
    special = make(a, "approved", case_index=1, type="special_case")
    bilateral = make(a, "approved", case_index=2, type="bilateral")
    rejected = make(a, "approved", case_index=3, type="special_case", outcome="reject")
    reviewed = make(a, "reviewed", case_index=4)
    other_region = make(b, "approved", case_index=0, type="bilateral")
    rows = _rows()
    assert rows[partial.pk] == (partial.case_id, "incentive", partial.pk, Decimal("200.00"), None)
    assert rows[special.pk] == (special.case_id, "special", special.pk, Decimal("0.00"), None)
    assert rows[bilateral.pk] == (bilateral.case_id, "bilateral", bilateral.pk, None, None)
    assert rejected.pk not in rows and reviewed.pk not in rows
    assert other_region.pk in rows  # the engine joins on its own region's case ids; ids never collide
    with scopes_disabled():  # a decision stamped after the statement starts does not count
        Application.objects.filter(pk=special.pk).update(decided_at=timezone.now() + dt.timedelta(hours=1))
    assert special.pk not in _rows()
