import pytest, traceback
from django.test import Client
from django.urls import reverse
from django.core.signals import got_request_exception
from apps.tenants.enums import Role
from tests.hardening.access_table import SCREENS, API
pytestmark = pytest.mark.django_db
def test_probe(world):
    seen = []
    def rec(sender, request=None, **kw):
        seen.append((request.path, traceback.format_exc().strip().splitlines()[-1][:200]))
    got_request_exception.connect(rec, weak=False, dispatch_uid="probe")
    c = Client(raise_request_exception=False); c.force_login(world["A"].users[Role.BUREAU_ADMIN])
    from rest_framework.test import APIClient
    a = APIClient(raise_request_exception=False); a.force_authenticate(world["A"].users[Role.BUREAU_ADMIN])
    for n, e in SCREENS.items():
        if e.obj is None and e.method == "get" and not e.kwargs:
            for f in ["status", "hospital", "q", "region", "type", "period", "year", "page", "kind", "quarter"]:
                c.get(reverse(n), {f: "9"*5000})
    for k in API:
        if k.startswith("GET ") and "{" not in k:
            for f in ["status", "hospital", "q", "region", "type", "period", "year", "page", "kind", "quarter"]:
                a.get(k.split(" ",1)[1], {f: "9"*5000})
    got_request_exception.disconnect(dispatch_uid="probe")
    for s in sorted(set(seen)): print("PROBE", s)
