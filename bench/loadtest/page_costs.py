"""One user, one request at a time: the cost of each page of the load test without queueing (median of N).

    DATABASE_URL=.../drg_bench DJANGO_SETTINGS_MODULE=config.settings.loadtest python bench/loadtest/page_costs.py
Needs the users of make_users.py. Prints JSON {label: {"median_ms", "queries"}}.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.loadtest")
REGION = os.environ.get("LOADTEST_REGION", "990100")
PAGES = {
    "load_bureau": ["/", "/cases/", f"/cases/?period=2025&hospital=H{REGION}00007", "/cases/?page=100",
                    f"/cases/?q={REGION}-2025-0000123", "/hospitals/", "/settlement/runs/", "/applications/",
                    "/api/v1/cases/", "/api/v1/cases/?period=2025-03", "/api/v1/hospitals/", "/api/v1/settlement-runs/",
                    "/api/v1/applications/"],
    "load_hospital": ["/", "/cases/", "/api/v1/cases/", "/applications/"],
}


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from apps.tenants.models import User

    n = int(os.environ.get("N", 3))
    out = {}
    for username, urls in PAGES.items():
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username))
        for url in urls:
            times, queries = [], 0
            for _ in range(n):
                with CaptureQueriesContext(connection) as ctx:
                    started = time.monotonic()
                    response = client.get(url)
                    times.append((time.monotonic() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
                queries = len(ctx.captured_queries)
            out[f"{username} {url}"] = {"median_ms": round(statistics.median(times)), "queries": queries}
            print(f"{username} {url}: {out[f'{username} {url}']}", file=sys.stderr)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
