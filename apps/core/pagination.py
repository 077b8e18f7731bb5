"""Pagination of list screens whose rows carry many joins (decision 0048)."""
from __future__ import annotations

from django.core.paginator import Page, Paginator
from rest_framework.pagination import PageNumberPagination


class DeferredJoinPaginator(Paginator):
    """Sorts and slices the bare table (primary keys only), then reads the page's rows with the queryset's
    `select_related` joins and prefetches.

    A list ordered by a column no index serves (the disputes queue by deadline) otherwise joins every matching row
    to its hospital, case, run, … before the sort keeps 30 of them: 8,333 joined rows for one page of the bureau
    queue, 115 ms of SQL with 20,000 disputes in the region. The page holds the same rows in the same order (the
    ordering must end with a unique column, e.g. `-pk`); the count is the queryset's own (no joins either).
    """

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        ids = list(rows.prefetch_related(None).values_list("pk", flat=True)[bottom:top])
        return self._get_page(list(rows.filter(pk__in=ids)) if ids else [], number, self)


class DeferredJoinPagination(PageNumberPagination):
    """The API's page-number pagination (same parameters and answer) over `DeferredJoinPaginator`."""

    django_paginator_class = DeferredJoinPaginator
