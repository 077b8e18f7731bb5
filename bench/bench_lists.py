"""Portal list latency with the bench region loaded: the case list screen and API, p50/p95 over N requests.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/drg_bench .venv/bin/python bench/bench_lists.py

Uses Django's test client (no network) as a bureau user of the bench region; target ≤ 300 ms p95.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

from _setup import django_setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--region", default="990100")
    parser.add_argument("-n", type=int, default=20)
    args = parser.parse_args()
    django_setup()
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django_scopes import scopes_disabled

    from apps.tenants.enums import Role
    from apps.tenants.models import Region, User
    from apps.tenants.services import user_create

    setup_test_environment()
    region = Region.objects.get(code=args.region)
    with scopes_disabled():
        user = User.objects.filter(username="bench_bureau").first() or user_create(
            actor=None, username="bench_bureau", password="Bench-pass-2026", name="bench",
            memberships=[{"role": Role.BUREAU_STAFF, "region": region}])
    client = Client()
    client.force_login(user)
    urls = {
        "screen: first page": "/cases/",
        "screen: year + hospital": f"/cases/?period=2023&hospital=H{args.region}00007",
        "screen: group + warning": "/cases/?drg_code=ES31&warning=any",
        "screen: page 50": "/cases/?page=50",
        "api: first page": "/api/v1/cases/",
        "api: month filter": "/api/v1/cases/?period=2024-03",
        "screen: settlement id": f"/cases/?q={args.region}-2023-00001",
    }
    out = {}
    for label, url in urls.items():
        times = []
        for _ in range(args.n):
            started = time.monotonic()
            resp = client.get(url)
            times.append((time.monotonic() - started) * 1000)
            assert resp.status_code == 200, (url, resp.status_code)
        times.sort()
        out[label] = {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(len(times) * 0.95) - 1], 1)}
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
