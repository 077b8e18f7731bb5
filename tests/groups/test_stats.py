"""Group statistics (domain §2) against a worked example computed by hand with Decimal.

Worked example, region A, payment year 2025, base period 2022–2024, lln_cases lowered to 10.
31 base-period cases, total 118,610.51 → all_avg = round(118610.51 / 31, 2) = 3826.15.

| group | n | costs | mean | sd | cv | stable | why |
|---|---|---|---|---|---|---|---|
| EB19 | 1 | 5000 | 5000.00 | 0.00 | 0.0000 | no | n = 1 (sd 0) |
| EB29 | 5 | 1000×4, 1010 | 1002.00 | 4.47 | 0.0045 | no | n must be > min_cases (5) |
| EC19 | 6 | 4200 3500 100 5700 2500 15000 | 5166.67 | 5166.69 | 1.0000 | yes | stored cv = 1.0000 ≤ cv_max (raw cv 1.000004) |
| EC29 | 10 | 100×9, 20000 | 2090.00 | 6292.93 | 3.0110 | yes | n ≥ lln_cases (10) |
| ED11 | 7 | 8000 8200 7900 8100 8050 7950 8300.50 | 8071.50 | 141.13 | 0.0175 | yes | n > 5, cv ≤ 1 |
| ED13 | 2 | 100.00 100.01 | 100.01 (half-up of 100.005) | 0.01 | 0.0001 | no | n ≤ 5 |

Base points = round(stored mean / 3826.15 × 100, 4).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.core.errors import Forbidden, InvalidTransition
from apps.core.lifecycle import Lifecycle
from apps.core.models import AuditEvent
from apps.groups.models import GroupStat, StatsVersion
from apps.groups.selectors import cost_histogram, published_stats
from apps.groups.services import group_stats_compute, group_stats_publish
from apps.tenants.enums import Role
from apps.tenants.services import policy_set as _policy_set

from .conftest import add_cases, case

D = Decimal

YEAR = 2025
WORKED = {
    "EB19": [("5000.00", 10, False)],
    "EB29": [("1000.00", 4, False)] * 4 + [("1010.00", 6, False)],
    "EC19": [(c, 5, False) for c in ("4200.00", "3500.00", "100.00", "5700.00", "2500.00", "15000.00")],
    "EC29": [("100.00", 2, False)] * 9 + [("20000.00", 30, True)],
    "ED11": [("8000.00", 8, False), ("8200.00", 9, False), ("7900.00", 7, True), ("8100.00", 8, False),
             ("8050.00", 8, False), ("7950.00", 7, False), ("8300.50", 12, False)],
    "ED13": [("100.00", 1, False), ("100.01", 2, False)],
}
# code: n, mean, sd, cv, stable, base points, mean LOS, deaths, death rate (hand-computed)
EXPECTED = {
    "EB19": (1, "5000.00", "0.00", "0.0000", False, "130.6797", "10.00", 0, "0.0000"),
    "EB29": (5, "1002.00", "4.47", "0.0045", False, "26.1882", "4.40", 0, "0.0000"),
    "EC19": (6, "5166.67", "5166.69", "1.0000", True, "135.0357", "5.00", 0, "0.0000"),
    "EC29": (10, "2090.00", "6292.93", "3.0110", True, "54.6241", "4.80", 1, "0.1000"),
    "ED11": (7, "8071.50", "141.13", "0.0175", True, "210.9562", "8.43", 1, "0.1429"),
    "ED13": (2, "100.01", "0.01", "0.0001", False, "2.6139", "1.50", 0, "0.0000"),
}


def policy_set(**kwargs):
    with scopes_disabled():  # the tenants service validates its unique constraint through the scoped manager
        return _policy_set(**kwargs)


def worked_cases(world) -> None:
    """The worked example in A, spread over the base years and hospitals, plus cases that must not count."""
    a, b = world["A"], world["B"]
    rows = []
    for code, items in WORKED.items():
        for i, (cost, los, death) in enumerate(items):
            day = dt.date(2022 + i % 3, 1 + i % 12, 1 + i % 28)
            rows.append(case(a.hospitals[i % 3], code, cost, day=day, los=los, death=death))
    rows += [
        case(a.hospital, "EB19", "99999.00", day=dt.date(2021, 12, 31)),  # before the base period
        case(a.hospital, "EB19", "99999.00", day=dt.date(2025, 1, 1)),  # the payment year itself
        case(a.hospital, "", "99999.00", day=dt.date(2023, 5, 5)),  # ungrouped
        case(a.hospital, "ZZ99", "99999.00", day=dt.date(2023, 5, 5)),  # not in the catalogue
        case(b.hospital, "EB19", "77777.00", day=dt.date(2023, 5, 5)),  # region B: must not leak into A
        case(b.hospital, "EB29", "1.00", day=dt.date(2023, 5, 5)),
    ]
    add_cases(rows)


@pytest.fixture
def worked(world, catalogues):
    worked_cases(world)
    policy_set(actor=None, region=world["A"].region, year=YEAR, values={"lln_cases": 10})
    return world


def rows_of(version: StatsVersion) -> dict[str, GroupStat]:
    with scopes_disabled():
        return {r.group_code: r for r in GroupStat.objects.filter(version=version)}


def test_worked_example_equals_hand_computed_values(worked):
    a = worked["A"]
    version = group_stats_compute(actor=a.users[Role.BUREAU_STAFF], region=a.region, year=YEAR)
    assert version.status == Lifecycle.READY and version.progress == 100
    assert (version.base_start, version.base_end) == (2022, 2024)
    assert (version.min_cases, version.cv_max, version.lln_cases) == (5, D("1.0000"), 10)
    assert version.all_avg == D("3826.15")
    assert (version.n_cases, version.n_groups) == (31, 6)
    rows = rows_of(version)
    assert set(rows) == set(EXPECTED)  # groups without a base-period case have no row
    for code, (n, mean, sd, cv, stable, bp, los, deaths, rate) in EXPECTED.items():
        r = rows[code]
        got = (r.n, r.mean_cost, r.sd, r.cv, r.stable, r.base_points, r.mean_los, r.deaths, r.death_rate)
        assert got == (n, D(mean), D(sd), D(cv), stable, D(bp), D(los), deaths, D(rate)), code
    assert rows["EB19"].group_name == "肺大手术"


def test_default_lln_makes_the_large_high_cv_group_unstable(world, catalogues):
    worked_cases(world)
    a = world["A"]
    version = group_stats_compute(actor=None, region=a.region, year=YEAR)
    rows = rows_of(version)
    assert version.lln_cases == 100
    assert rows["EC29"].stable is False  # n = 10 < 100 and cv 3.0110 > 1
    assert rows["EC19"].stable is True


def test_cv_boundary_above_one_is_unstable(world, catalogues):
    """cv_max 0.9999 turns the stored-cv-1.0000 group unstable: the test reads the stored cv."""
    worked_cases(world)
    a = world["A"]
    policy_set(actor=None, region=a.region, year=YEAR, values={"cv_max": "0.9999"})
    rows = rows_of(group_stats_compute(actor=None, region=a.region, year=YEAR))
    assert rows["EC19"].cv == D("1.0000") and rows["EC19"].stable is False


def test_region_b_statistics_do_not_see_region_a(worked):
    b = worked["B"]
    version = group_stats_compute(actor=b.users[Role.BUREAU_ADMIN], region=b.region, year=YEAR)
    rows = rows_of(version)
    assert set(rows) == {"EB19", "EB29"}
    assert version.all_avg == D("38889.00")  # (77777 + 1) / 2
    assert rows["EB29"].base_points == D("0.0026")


def test_versions_are_numbered_and_publish_supersedes(worked):
    a = worked["A"]
    admin = a.users[Role.BUREAU_ADMIN]
    v1 = group_stats_compute(actor=admin, region=a.region, year=YEAR)
    v2 = group_stats_compute(actor=admin, region=a.region, year=YEAR)
    assert (v1.number, v2.number) == (1, 2)
    assert rows_of(v1).keys() == rows_of(v2).keys()
    group_stats_publish(actor=admin, version=v1)
    assert published_stats(a.region, YEAR).pk == v1.pk
    group_stats_publish(actor=admin, version=v2)
    v1.refresh_from_db()
    assert v1.status == Lifecycle.SUPERSEDED
    assert published_stats(a.region, YEAR).pk == v2.pk
    assert published_stats(worked["B"].region, YEAR) is None
    with scopes_disabled():
        actions = list(AuditEvent.objects.filter(region=a.region, action__startswith="group_stats.")
                       .values_list("action", flat=True))
    assert actions.count("group_stats.publish") == 2 and "group_stats.supersede" in actions
    with pytest.raises(InvalidTransition):  # a superseded version cannot be published again
        group_stats_publish(actor=admin, version=v1)


def test_published_version_never_changes(worked):
    a = worked["A"]
    version = group_stats_compute(actor=None, region=a.region, year=YEAR)
    group_stats_publish(actor=None, version=version)
    version.refresh_from_db()
    version.all_avg = D("1.00")
    with pytest.raises(InvalidTransition):
        version.save()
    version.refresh_from_db()
    with pytest.raises(InvalidTransition):
        version.delete()
    row = next(iter(rows_of(version).values()))
    row.mean_cost = D("1.00")
    with pytest.raises(InvalidTransition):
        row.save()
    from apps.groups.stats import compute_stats_sql

    with pytest.raises(InvalidTransition):
        compute_stats_sql(version)
    version.refresh_from_db()
    assert version.all_avg == D("3826.15")


@pytest.mark.parametrize("role,allowed", [
    (Role.BUREAU_ADMIN, True), (Role.BUREAU_STAFF, True), (Role.AUDITOR, False), (Role.EXPERT, False),
    (Role.HOSPITAL_ADMIN, False), (Role.HOSPITAL_STAFF, False),
])
def test_compute_roles(worked, role, allowed):
    a = worked["A"]
    if allowed:
        assert group_stats_compute(actor=a.users[role], region=a.region, year=YEAR).status == Lifecycle.READY
    else:
        with pytest.raises(Forbidden):
            group_stats_compute(actor=a.users[role], region=a.region, year=YEAR)


def test_compute_and_publish_need_a_role_in_that_region(worked):
    a, b = worked["A"], worked["B"]
    with pytest.raises(Forbidden):
        group_stats_compute(actor=b.users[Role.BUREAU_ADMIN], region=a.region, year=YEAR)
    version = group_stats_compute(actor=a.users[Role.BUREAU_STAFF], region=a.region, year=YEAR)
    for user in (a.users[Role.BUREAU_STAFF], b.users[Role.BUREAU_ADMIN], worked["supervisor"]):
        with pytest.raises(Forbidden):
            group_stats_publish(actor=user, version=version)
    assert group_stats_publish(actor=a.users[Role.BUREAU_ADMIN], version=version).status == Lifecycle.PUBLISHED


def test_no_base_cases_fails_with_a_reason(world, catalogues):
    c_version = group_stats_compute(actor=None, region=world["A"].region, year=YEAR)
    assert c_version.status == Lifecycle.FAILED
    assert "no base-period case" in c_version.error
    with pytest.raises(InvalidTransition):
        group_stats_publish(actor=None, version=c_version)


def test_cost_histogram_buckets(worked):
    a = worked["A"]
    version = group_stats_compute(actor=None, region=a.region, year=YEAR)
    buckets = cost_histogram(version, "EC29", buckets=10)
    assert len(buckets) == 10
    assert buckets[0]["n"] == 9 and buckets[-1]["n"] == 1 and sum(b["n"] for b in buckets) == 10
    assert buckets[0]["low"] == D("100.00") and buckets[-1]["high"] == D("20000.00")
    assert cost_histogram(version, "EB19") == [{"low": D("5000.00"), "high": D("5000.00"), "n": 1}]


def test_an_abandoned_computation_does_not_block_the_year(worked):
    import datetime as _dt

    from django.utils import timezone

    a = worked["A"]
    first = group_stats_compute(actor=None, region=a.region, year=YEAR)
    with scopes_disabled():
        # its worker died an hour ago: no heartbeat since (apps.core.lifecycle.reap_stale)
        StatsVersion.objects.filter(pk=first.pk).update(status=Lifecycle.RUNNING,
                                                        created_at=timezone.now() - _dt.timedelta(hours=1),
                                                        heartbeat_at=timezone.now() - _dt.timedelta(hours=1))
    second = group_stats_compute(actor=None, region=a.region, year=YEAR)
    first.refresh_from_db()
    assert first.status == Lifecycle.FAILED and "stale: the worker stopped" in first.error
    assert second.status == Lifecycle.READY and second.number == 2
