"""Portal list latency with the bench region loaded: every list page and API list a bureau and a hospital
use, p50/p95 over N requests, the SQL queries of one request, and the floor measured in the same run.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/drg_bench .venv/bin/python bench/bench_lists.py
    ... bench_lists.py --only disputes -n 40          # the rows whose label contains "disputes"

Uses Django's test client (no network) as a bureau clerk and a hospital clerk of the bench region; target
≤ 300 ms p95 (issue 21). Before timing it makes sure the region has `--disputes` disputes (default 20,000,
mixed states, some overdue — the data of docs/performance.md "Disputes") and `--applications` applications
(default 10,000, on distinct cases of the latest year), each bulk-inserted in one statement and `ANALYZE`d.
The floor is the cost of an authenticated request that reads one row (`/api/v1/regions/`) and a bare `SELECT 1`,
timed in the same run, so ratios survive machine load. Rows with `{run}` need a settlement run in the region.
"""
from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import statistics
import time

from _setup import django_setup

# label -> (user, url); {region}, {hospital} and {run} are filled in (rows with {run} are skipped without a run)
URLS: dict[str, tuple[str, str]] = {
    "floor: api regions (1 row)": ("bureau", "/api/v1/regions/"),
    "cases screen: first page": ("bureau", "/cases/"),
    "cases screen: year + hospital": ("bureau", "/cases/?period=2023&hospital={hospital}"),
    "cases screen: group + warning": ("bureau", "/cases/?drg_code=ES31&warning=any"),
    "cases screen: page 50": ("bureau", "/cases/?page=50"),
    "cases screen: settlement id": ("bureau", "/cases/?q={region}-2023-00001"),
    "cases api: first page": ("bureau", "/api/v1/cases/"),
    "cases api: month filter": ("bureau", "/api/v1/cases/?period=2024-03"),
    "imports screen": ("bureau", "/cases/imports/"),
    "imports api": ("bureau", "/api/v1/imports/"),
    "hospitals screen": ("bureau", "/hospitals/"),
    "hospitals api": ("bureau", "/api/v1/hospitals/"),
    "disputes screen: first page": ("bureau", "/disputes/"),
    "disputes screen: open + overdue": ("bureau", "/disputes/?status=open&due=overdue"),
    "disputes screen: open (by deadline)": ("bureau", "/disputes/?status=open"),
    "disputes screen: page 100": ("bureau", "/disputes/?page=100"),
    "disputes screen: hospital": ("bureau", "/disputes/?hospital={hospital}"),
    "disputes api: first page": ("bureau", "/api/v1/disputes/"),
    "disputes api: accepted": ("bureau", "/api/v1/disputes/?status=accepted"),
    "disputes api: overdue": ("bureau", "/api/v1/disputes/?overdue=1"),
    "disputes statistics": ("bureau", "/disputes/statistics/"),
    "applications screen": ("bureau", "/applications/"),
    "applications screen: under review": ("bureau", "/applications/?status=under_review"),
    "applications screen: page 50": ("bureau", "/applications/?page=50"),
    "applications api": ("bureau", "/api/v1/applications/"),
    "applications api: submitted": ("bureau", "/api/v1/applications/?status=submitted"),
    "settlement runs screen": ("bureau", "/settlement/runs/"),
    "settlement runs api": ("bureau", "/api/v1/settlement-runs/"),
    "settlement run: hospitals api": ("bureau", "/api/v1/settlement-runs/{run}/hospitals/"),
    "settlement run: cases screen": ("bureau", "/settlement/runs/{run}/cases/"),
    "settlement run: cases api": ("bureau", "/api/v1/settlement-runs/{run}/cases/"),
    "settlement months": ("bureau", "/settlement/months/"),
    "coefficients screen": ("bureau", "/settlement/coefficients/"),
    "notices screen": ("bureau", "/notices/"),
    "notices api": ("bureau", "/api/v1/notices/"),
    "screening screen": ("bureau", "/screening/"),
    "screening api": ("bureau", "/api/v1/screening-items/"),
    "training sessions screen": ("bureau", "/training/sessions/"),
    "notifications inbox": ("bureau", "/inbox/"),
    "audit trail (bureau admin)": ("admin", "/core/audit/"),
    "dashboard (bureau)": ("bureau", "/"),
    "h: cases screen": ("hospital", "/cases/"),
    "h: cases api": ("hospital", "/api/v1/cases/"),
    "h: disputes screen": ("hospital", "/disputes/"),
    "h: disputes api": ("hospital", "/api/v1/disputes/"),
    "h: applications screen": ("hospital", "/applications/"),
    "h: application case picker": ("hospital", "/applications/new/"),
    "h: applications api": ("hospital", "/api/v1/applications/"),
    "h: notices inbox": ("hospital", "/notices/inbox/"),
    "h: screening screen": ("hospital", "/screening/"),
    "h: screening api": ("hospital", "/api/v1/screening-items/"),
    "h: settlement runs screen": ("hospital", "/settlement/runs/"),
    "h: dashboard (hospital)": ("hospital", "/"),
}

# One INSERT … SELECT: `n` disputes about "other" subjects spread over the region's hospitals and the last two
# years, in the mix of states of a busy region (a quarter open, some of them past their deadline).
DISPUTES_SQL = """
INSERT INTO disputes_dispute (region_id, hospital_id, subject_type, subject_ref, group_code, year, claim,
    requested_outcome, status, created_at, submitted_at, accept_due, accepted_at, decision_due, decided_at, outcome,
    decision_reason, decision_round, appeal_reason, not_accept_reason, closed_reason, overdue, letter_number,
    letter_path, letter_sha256, updated_at)
SELECT %(region)s, h.ids[1 + (g %% array_length(h.ids, 1))], 'other', 'bench-' || g, '', 2025,
    'bench dispute ' || g, '', s.status, c.at,
    CASE WHEN s.status <> 'draft' THEN c.at END,
    CASE WHEN s.status <> 'draft' THEN (c.at + interval '10 days')::date END,
    CASE WHEN s.status NOT IN ('draft', 'submitted') THEN c.at + interval '3 days' END,
    CASE WHEN s.status IN ('accepted', 'under_review', 'appealed', 'decided', 'closed')
         THEN (c.at + interval '40 days')::date END,
    CASE WHEN s.status IN ('decided', 'closed') THEN c.at + interval '30 days' END,
    CASE WHEN s.status IN ('decided', 'closed') THEN 'upheld' ELSE '' END,
    '', CASE WHEN s.status IN ('decided', 'closed') THEN 1 ELSE 0 END, '', '', '', false, '', '', '', c.at
FROM generate_series(1, %(n)s) AS g
CROSS JOIN LATERAL (SELECT (ARRAY['draft', 'submitted', 'accepted', 'under_review', 'decided', 'decided', 'closed',
    'closed', 'closed', 'withdrawn', 'appealed', 'submitted'])[1 + (g * 7) %% 12] AS status) AS s
CROSS JOIN LATERAL (SELECT now() - ((g * 37) %% 730) * interval '1 day' - (g %% 1440) * interval '1 minute' AS at) AS c
CROSS JOIN (SELECT array_agg(id ORDER BY code) AS ids FROM hospitals_hospital WHERE region_id = %(region)s) AS h
"""


# `n` applications on distinct cases of the region's latest year (one active application per case), in the mix of
# states of a busy year; created over the last year.
APPLICATIONS_SQL = """
INSERT INTO applications_application (region_id, hospital_id, case_id, type, status, reason, secondary_drg_code,
    secondary_group, year, created_at, submitted_at, accepted_at, review_due, reviewed_at, decided_at, outcome,
    decision_reason, return_reason, updated_at)
SELECT %(region)s, c.hospital_id, c.id,
    (ARRAY['incentive_major', 'incentive_rare', 'special_case', 'bilateral', 'multi_site'])[1 + c.g %% 5],
    s.status, 'bench application ' || c.g, '', '', extract(year FROM c.discharge_date), a.at,
    CASE WHEN s.status <> 'draft' THEN a.at END,
    CASE WHEN s.status IN ('under_review', 'reviewed', 'approved', 'rejected') THEN a.at + interval '2 days' END,
    CASE WHEN s.status IN ('under_review', 'reviewed', 'approved', 'rejected')
         THEN (a.at + interval '20 days')::date END,
    CASE WHEN s.status IN ('reviewed', 'approved', 'rejected') THEN a.at + interval '15 days' END,
    CASE WHEN s.status IN ('approved', 'rejected') THEN a.at + interval '20 days' END,
    '', '', '', a.at
FROM (SELECT id, hospital_id, discharge_date, row_number() OVER (ORDER BY id) AS g FROM cases_case
      WHERE region_id = %(region)s AND discharge_date >= %(since)s
        AND NOT EXISTS (SELECT 1 FROM applications_application x WHERE x.case_id = cases_case.id)
      ORDER BY id LIMIT %(n)s) AS c
CROSS JOIN LATERAL (SELECT (ARRAY['draft', 'submitted', 'returned', 'under_review', 'reviewed', 'approved',
    'approved', 'rejected', 'withdrawn', 'under_review'])[1 + (c.g * 7) %% 10] AS status) AS s
CROSS JOIN LATERAL (SELECT now() - ((c.g * 37) %% 365) * interval '1 day' - (c.g %% 1440) * interval '1 minute' AS at)
    AS a
"""


def ensure_applications(region, wanted: int) -> int:
    """Top the region up to `wanted` applications on cases of its latest discharge year (set-based)."""
    from django.db import connection
    from django_scopes import scopes_disabled

    from apps.applications.models import Application
    from apps.cases.models import Case

    with scopes_disabled():
        have = Application.objects.filter(region=region).count()
        latest = Case.objects.filter(region=region).order_by("-discharge_date").values_list("discharge_date", flat=True)
        since = latest.first()
    if have < wanted and since is not None:
        with connection.cursor() as cur:
            cur.execute(APPLICATIONS_SQL, {"region": region.pk, "n": wanted - have,
                                           "since": since.replace(month=1, day=1)})
            cur.execute("ANALYZE applications_application")
    return max(have, wanted)


def ensure_disputes(region, wanted: int) -> int:
    """Top the region up to `wanted` disputes (set-based) and refresh the planner statistics."""
    from django.db import connection
    from django_scopes import scopes_disabled

    from apps.disputes.models import Dispute

    with scopes_disabled():
        have = Dispute.objects.filter(region=region).count()
    if have < wanted:
        with connection.cursor() as cur:
            cur.execute(DISPUTES_SQL, {"region": region.pk, "n": wanted - have})
            cur.execute("ANALYZE disputes_dispute")
    return max(have, wanted)


def count_query(seen: list[str], execute, sql, params, many, context):
    seen.append(sql)
    return execute(sql, params, many, context)


def bench_user(username: str, role: str, region, hospital=None):
    from django_scopes import scopes_disabled

    from apps.tenants.models import User
    from apps.tenants.services import user_create

    with scopes_disabled():
        membership = {"role": role, "region": region, **({"hospital": hospital} if hospital else {})}
        return User.objects.filter(username=username).first() or user_create(
            actor=None, username=username, password="Bench-pass-2026", name=username, memberships=[membership])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--region", default="990100")
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("--disputes", type=int, default=20000)
    parser.add_argument("--applications", type=int, default=10000)
    parser.add_argument("--only", default="", help="time only the rows whose label contains this text")
    parser.add_argument("--no-freeze", action="store_true", help="leave the start-up objects to the collector")
    args = parser.parse_args()
    django_setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django_scopes import scopes_disabled

    from apps.hospitals.models import Hospital
    from apps.settlement.models import SettlementRun
    from apps.tenants.enums import Role
    from apps.tenants.models import Region

    setup_test_environment()
    if not args.no_freeze:  # what config/wsgi.py does in a server process (decision 0048)
        gc.collect()
        gc.freeze()
    region = Region.objects.get(code=args.region)
    disputes = ensure_disputes(region, args.disputes)
    applications = ensure_applications(region, args.applications)
    with scopes_disabled():
        hospital = Hospital.objects.get(region=region, code=f"H{args.region}00007")
        run = SettlementRun.objects.filter(region=region).order_by("-pk").values_list("pk", flat=True).first()
    clients = {}
    for key, username, role, h in (("bureau", "bench_bureau", Role.BUREAU_STAFF, None),
                                   ("admin", "bench_bureau_admin", Role.BUREAU_ADMIN, None),
                                   ("hospital", "bench_hospital", Role.HOSPITAL_STAFF, hospital)):
        clients[key] = Client()
        clients[key].force_login(bench_user(username, role, region, h))

    def select_one() -> float:
        started = time.monotonic()
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        return (time.monotonic() - started) * 1000

    out: dict = {"load": os.getloadavg()[0], "disputes": disputes, "applications": applications, "run": run,
                 "select_1_ms": round(statistics.median(select_one() for _ in range(50)), 2)}
    for label, (who, template) in URLS.items():
        if args.only and args.only not in label and not label.startswith("floor"):
            continue
        if "{run}" in template and run is None:
            continue
        url = template.format(region=args.region, hospital=hospital.code, run=run)
        client = clients[who]
        queries: list[str] = []
        with connection.execute_wrapper(functools.partial(count_query, queries)):
            resp = client.get(url)  # warm-up request, and its query count
        assert resp.status_code == 200, (url, resp.status_code)
        times = []
        for _ in range(args.n):
            started = time.monotonic()
            resp = client.get(url)
            times.append((time.monotonic() - started) * 1000)
            assert resp.status_code == 200, (url, resp.status_code)
        times.sort()
        out[label] = {"p50_ms": round(statistics.median(times), 1),
                      "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1), "queries": len(queries)}
    out["load_after"] = os.getloadavg()[0]
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
