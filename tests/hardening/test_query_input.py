"""Hostile query strings on every list screen and list endpoint: a NUL byte (which PostgreSQL text cannot hold)
or an over-long value in a filter answers 4xx, never 5xx. Lists come from the access table (generated guard)."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.tenants.enums import Role
from tests.hardening.access_table import API, SCREENS

pytestmark = pytest.mark.django_db

FILTERS = ["status", "hospital", "q", "region", "type", "period", "year", "page", "kind", "quarter"]
SCREEN_LISTS = sorted(n for n, e in SCREENS.items() if e.obj is None and e.method == "get" and not e.kwargs)
API_LISTS = sorted(k.split(" ", 1)[1] for k in API if k.startswith("GET ") and "{" not in k)


@pytest.mark.parametrize("value", ["a\x00b", "9" * 5000], ids=["nul", "long"])
def test_list_screens_and_endpoints_refuse_hostile_filters_without_a_server_error(world, value):
    user = world["A"].users[Role.BUREAU_ADMIN]
    screens = Client(raise_request_exception=False)
    screens.force_login(user)
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(user)
    errors = []
    for name in SCREEN_LISTS:
        status = screens.get(reverse(name), {f: value for f in FILTERS}).status_code
        if status >= 500:
            errors.append(f"{name}: {status}")
    for path in API_LISTS:
        status = api.get(path, {f: value for f in FILTERS}).status_code
        if status >= 500:
            errors.append(f"{path}: {status}")
    assert not errors, errors
