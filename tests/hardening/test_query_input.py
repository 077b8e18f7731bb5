"""Hostile query strings on every list screen and list endpoint: a NUL byte (which PostgreSQL text cannot hold),
thousands of digits, numbers out of range, a bad month or a quote in a filter answer 2xx/4xx, never 5xx.
The lists come from the access table (whose guard covers every URL)."""
from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.tenants.enums import Role
from tests.hardening.access_table import API, SCREENS

pytestmark = pytest.mark.django_db

FILTERS = ["status", "hospital", "q", "region", "period", "year", "page"]
SCREEN_LISTS = sorted(n for n, e in SCREENS.items() if e.obj is None and e.method == "get" and not e.kwargs)
API_LISTS = sorted(k.split(" ", 1)[1] for k in API if k.startswith("GET ") and "{" not in k)


@pytest.mark.parametrize("value", ["a\x00b", "9" * 5000, "9" * 20, "2025-13'"], ids=["nul", "long", "bigint", "odd"])
def test_list_screens_and_endpoints_refuse_hostile_filters_without_a_server_error(world, value):
    user = world["A"].users[Role.BUREAU_ADMIN]
    screens = Client(raise_request_exception=False)
    screens.force_login(user)
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(user)
    errors = []
    for client, url in [(screens, reverse(n)) for n in SCREEN_LISTS] + [(api, p) for p in API_LISTS]:
        for name in FILTERS:
            with transaction.atomic():  # a failed query must not spoil the next request
                status = client.get(url, {name: value}).status_code
                transaction.set_rollback(True)
            if status >= 500:
                errors.append(f"{url}?{name}=…: {status}")
    assert not errors, errors
