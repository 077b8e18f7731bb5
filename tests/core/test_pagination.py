"""DeferredJoinPaginator: the same pages as Django's paginator, with the joins read for the page's rows only."""
from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from apps.core.pagination import DeferredJoinPaginator
from apps.hospitals.models import Hospital


def test_pages_hold_the_same_rows_in_the_same_order(world):
    with scopes_disabled():
        rows = Hospital.objects.select_related("region").order_by("-region__code", "name", "-pk")
        plain, deferred = Paginator(rows, 4), DeferredJoinPaginator(rows, 4)
        assert deferred.count == plain.count == 9 and deferred.num_pages == 3
        for number in (1, 2, 3):
            expected = [h.pk for h in plain.page(number)]
            with CaptureQueriesContext(connection) as queries:
                page = deferred.page(number)
                codes = [h.region.code for h in page]  # the join came with the page: no query per row
            assert [h.pk for h in page] == expected and len(codes) == len(expected)
            assert len(queries) == 2  # the page's ids, then its rows with their joins
        assert deferred.get_page(99).number == 3 and list(DeferredJoinPaginator(rows.none(), 4).page(1)) == []
