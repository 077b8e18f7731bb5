import time
import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled
from apps.hospitals.models import Hospital
from apps.tenants.models import Membership, User
from apps.training import selectors
from apps.training.models import Enrollment
from .conftest import make_session


@pytest.mark.django_db
def test_bench(world):
    a = world["A"]
    with scopes_disabled():
        hospitals = Hospital.objects.bulk_create([Hospital(region=a.region, code=f"HB{i:05d}", name=f"医院{i}", level=2)
                                                  for i in range(300)])
        pw = make_password("x")
        users = User.objects.bulk_create([User(username=f"bench{i}", password=pw) for i in range(3000)])
        Membership.objects.bulk_create([Membership(user=u, role="hospital_staff", region=a.region,
                                                   hospital=hospitals[i % 300]) for i, u in enumerate(users)])
        sessions = [make_session(a, capacity=10000) for _ in range(20)]
        rows = []
        for s_i, s in enumerate(sessions):
            for j, u in enumerate(users):
                if (j + s_i) % 4 == 0:
                    rows.append(Enrollment(region=a.region, session=s, user=u, hospital=hospitals[j % 300],
                                           status="attended", score=70 if j % 3 else 40, passed=bool(j % 3),
                                           role="hospital_staff"))
        Enrollment.objects.bulk_create(rows)
        start, end = selectors.year_bounds(timezone.localdate().year)
        with connection.cursor() as c:
            c.execute("EXPLAIN ANALYZE " + selectors._BY_HOSPITAL, {"region": a.region.pk, "start": start, "end": end,
                                                                   "roles": ["hospital_admin", "hospital_staff"]})
            print("\n".join(r[0] for r in c.fetchall()))
