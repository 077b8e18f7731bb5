import datetime as dt
import random
import statistics as st
import time

from django.utils import timezone
from django_scopes import scopes_disabled

from apps.disputes import selectors, services
from apps.disputes.models import Dispute
from apps.tenants.enums import Role

N = 20000


def test_bench(dw, api, client):
    a = dw["A"]
    rng = random.Random(1)
    today = timezone.localdate()
    now = timezone.now()
    rows = []
    for i in range(N):
        status = rng.choice(["submitted", "accepted", "under_review", "decided", "closed", "appealed"])
        acc = now - dt.timedelta(days=rng.randint(1, 90))
        rows.append(Dispute(region=a.region, hospital=a.world.hospitals[i % 3], subject_type="other", year=2026,
                            claim="bench", status=status, submitted_at=acc, accepted_at=acc,
                            accept_due=today - dt.timedelta(days=rng.randint(-10, 10)),
                            decision_due=today - dt.timedelta(days=rng.randint(-20, 20)),
                            decided_at=acc + dt.timedelta(days=rng.randint(1, 30)) if status in ("decided", "closed") else None,
                            outcome="upheld" if status in ("decided", "closed") else "",
                            appeal_due=today + dt.timedelta(days=5) if status == "decided" else None))
    with scopes_disabled():
        Dispute.objects.bulk_create(rows, batch_size=5000)
        t = time.perf_counter(); n = services.mark_overdue(a.region); t_mark = time.perf_counter() - t
        t = time.perf_counter(); r = services.daily_digest(a.region); t_digest = time.perf_counter() - t
        t = time.perf_counter(); s = selectors.statistics(Dispute.objects.filter(region=a.region)); t_stats = time.perf_counter() - t
    bureau = api(a.user(Role.BUREAU_STAFF))
    times = []
    for _ in range(20):
        t = time.perf_counter(); resp = bureau.get("/api/v1/disputes/?status=accepted"); times.append(time.perf_counter() - t)
        assert resp.status_code == 200
    client.force_login(a.user(Role.BUREAU_STAFF))
    qtimes = []
    for _ in range(20):
        t = time.perf_counter(); resp = client.get("/disputes/?status=open&due=overdue"); qtimes.append(time.perf_counter() - t)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    with CaptureQueriesContext(connection) as ctx:
        t = time.perf_counter(); bureau.get("/api/v1/disputes/?status=accepted"); print("\nAPI", time.perf_counter() - t)
    for q in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:4]:
        print(q["time"], q["sql"][:400])
    print(len(ctx.captured_queries))
    def p95(x): return sorted(x)[int(len(x) * 0.95) - 1]
    print(f"\nBENCH n={N} flagged={n} mark_overdue={t_mark:.3f}s digest={t_digest:.3f}s stats={t_stats:.3f}s "
          f"(decided {s['decided']}) api_list_p95={p95(times)*1000:.0f}ms queue_p95={p95(qtimes)*1000:.0f}ms digest={r}")


def test_profile(dw, api, client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    a = dw["A"]
    test_bench.__wrapped__ if hasattr(test_bench, "__wrapped__") else None
    now = timezone.now(); today = timezone.localdate()
    with scopes_disabled():
        Dispute.objects.bulk_create([Dispute(region=a.region, hospital=a.world.hospitals[0], subject_type="other", year=2026,
                            claim="bench", status="accepted", submitted_at=now, accepted_at=now, accept_due=today,
                            decision_due=today) for _ in range(20000)], batch_size=5000)
    client.force_login(a.user(Role.BUREAU_STAFF))
    client.get("/disputes/?status=open&due=overdue")
    with CaptureQueriesContext(connection) as ctx:
        t = time.perf_counter(); client.get("/disputes/?status=open&due=overdue"); print("\nPAGE", time.perf_counter() - t)
    for q in sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))[:5]:
        print(q["time"], q["sql"][:300])
    print(len(ctx.captured_queries))
