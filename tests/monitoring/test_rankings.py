"""Quarterly 赛马 on the database: tiers, ties, weights from the policy, publication by notice."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D  # noqa: N817

import pytest
from django_scopes import scopes_disabled

from apps.cases.models import Case
from apps.core.errors import InvalidTransition, ValidationFailed
from apps.hospitals.services import hospital_create
from apps.monitoring.models import RankingRow
from apps.monitoring.services import indicators_compute, ranking_compute, ranking_publish
from apps.tenants.enums import Role
from apps.tenants.services import policy_set

from .conftest import make_case

pytestmark = pytest.mark.django_db
MARCH = dt.date(2025, 3, 20)


@pytest.fixture
def tier(mon):
    """Two more level-3 general hospitals: h4 with exactly h1's cases (a tie), h5 cheaper but lighter."""
    region = mon["region"]
    with scopes_disabled():
        h4 = hospital_create(actor=None, region=region, code="H3418000004", name="宣城第二人民医院", level=3,
                             grade="甲", type="general", drg_enabled_from=dt.date(2024, 1, 1))
        h5 = hospital_create(actor=None, region=region, code="H3418000005", name="宣城第三人民医院", level=3,
                             grade="乙", type="general", drg_enabled_from=dt.date(2024, 1, 1))
        Case.objects.bulk_create([
            make_case(h4, "AA11", "10000", 10, MARCH, "4000", "1000", "1000"),
            make_case(h4, "AA11", "14000", 12, MARCH, "5000", "2000", "1000", died=True),
            make_case(h4, "BB13", "30000", 12, MARCH, "9000", "6000", "3000"),
            make_case(h5, "AA11", "8000", 8, MARCH, "3000", "1000", "1000"),
        ])
        indicators_compute(actor=None, region=region, period="2025-Q1", sync=True)
    return {**mon, "h4": h4, "h5": h5}


def ranks(ranking):
    with scopes_disabled():
        return {r.hospital.code: r for r in RankingRow.objects.filter(ranking=ranking).select_related("hospital")}


def test_ranking_within_tiers_with_a_tie(tier):
    h1, h2, h3 = tier["h"]
    with scopes_disabled():
        ranking = ranking_compute(actor=None, region=tier["region"], quarter="2025-q1")
    rows = ranks(ranking)
    assert ranking.quarter == "2025-Q1" and ranking.status == "ready"
    # tier 3 × general: h1 and h4 identical → same composite, shared rank 2 behind h5 ("1 2 2")
    r1, r4, r5 = rows[h1.code], rows[tier["h4"].code], rows[tier["h5"].code]
    assert r1.composite == r4.composite
    assert (r5.rank, r1.rank, r4.rank) == (1, 2, 2)
    assert r1.tier_size == 3
    # h5: cmi 1.0 (worst, score 0), cost 0.8 (best, 100), time 8/9.60 (best, 100), 1 group (worst 0),
    # mortality 0 (best 100) → (0×0.3 + 100×0.2 + 100×0.2 + 0×0.15 + 100×0.15) = 55
    assert (r5.score_cmi, r5.score_cost, r5.score_time, r5.score_groups, r5.score_mortality) == \
        (D(0), D(100), D(100), D(0), D(100))
    assert r5.composite == D("55.0000")
    # h1: cmi 100, cost 0, time 0, groups 100, mortality 0 (0.5 is the worst) → 30 + 15 = 45
    assert r1.composite == D("45.0000")
    # single-hospital tiers rank 1 of 1
    assert (rows[h2.code].rank, rows[h2.code].tier_size, rows[h3.code].rank) == (1, 1, 1)
    assert ranking.weights == {"cmi": "0.3000", "cost_index": "0.2000", "time_index": "0.2000",
                               "group_count": "0.1500", "lowrisk_mortality": "0.1500", "quality": "0.0000"}


def test_weights_are_policy_parameters(tier):
    h1 = tier["h"][0]
    with scopes_disabled():
        policy_set(actor=None, region=tier["region"], year=2025,
                   values={"rank_w_cmi": D(1), "rank_w_cost_index": D(0), "rank_w_time_index": D(0),
                           "rank_w_group_count": D(0), "rank_w_lowrisk_mortality": D(0)}, reason="test")
        ranking = ranking_compute(actor=None, region=tier["region"], quarter="2025-Q1")
    rows = ranks(ranking)
    assert rows[h1.code].composite == D("100.0000") and rows[tier["h5"].code].rank == 3  # now "1 1 3"
    assert rows[tier["h4"].code].rank == 1


def test_ranking_needs_computed_quarter(mon):
    with scopes_disabled(), pytest.raises(ValidationFailed):
        ranking_compute(actor=None, region=mon["region"], quarter="2025-Q2")
    with scopes_disabled(), pytest.raises(ValidationFailed):
        ranking_compute(actor=None, region=mon["region"], quarter="2025-03")


def test_publish_by_notice_then_frozen(tier):
    world = tier["world"]
    admin = world["A"].users[Role.BUREAU_ADMIN]
    with scopes_disabled():
        ranking = ranking_compute(actor=world["A"].users[Role.BUREAU_STAFF], region=tier["region"], quarter="2025-Q1")
        with pytest.raises(Exception) as forbidden:
            ranking_publish(actor=world["A"].users[Role.BUREAU_STAFF], ranking=ranking)
        assert getattr(forbidden.value, "code", "") == "permission_denied"
        ranking = ranking_publish(actor=admin, ranking=ranking)
        from apps.notices.models import Notice

        notice = Notice.objects.get(pk=ranking.notice_id)
        assert notice.type == "ranking" and notice.status == "published" and notice.region_id == tier["region"].pk
        region = tier["region"]  # the official Chinese title, and each reader's language (decision 0043)
        method = region.payment_method
        assert notice.title == f"{region.name}2025年第1季度{method}运行重点指标“赛马”排名通报"
        assert notice.title_i18n["en"] == f"{region.name} 2025 Q1: ranking of the {method} key indicators (“horse race”)"
        assert notice.title_i18n["zh-hans"] == notice.title
        with pytest.raises(InvalidTransition):
            ranking_compute(actor=None, region=tier["region"], quarter="2025-Q1")
        with pytest.raises(InvalidTransition):
            ranking_publish(actor=admin, ranking=ranking)
