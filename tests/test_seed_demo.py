"""`seed_demo` and `demo_logins`: the demo world is complete and idempotent."""
from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django_scopes import scopes_disabled

from apps.core.demo_data import DEMO_PASSWORD, DEMO_PAYMENT_YEAR
from apps.hospitals.models import Hospital
from apps.tenants.enums import Role
from apps.tenants.models import Membership, PolicyYear, Region


def run(*args) -> dict:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)  # committed, so that the regions are seeded side by side as in `make run`
@pytest.mark.timeout(900)
def test_seed_demo_builds_every_role_and_is_idempotent():
    first = run("--cases-per-year", "30", "--jobs", "2")
    assert first["jobs"] == 2
    before = _workflow_counts()
    # Idempotency: every region runs the same hooks, so re-seeding a DRG and a DIP region proves it (and halves
    # the test's time).
    second = run("--cases-per-year", "30", "--regions", "341800,220400")
    assert first["regions"] == 6 and second["regions"] == 2
    assert _workflow_counts() == before
    assert first["hospitals"] == second["hospitals"] == 66
    assert first["users"] == second["users"]
    with scopes_disabled():
        assert set(Region.objects.values_list("code", flat=True)) == {"341800", "320900", "411200", "220100", "220400", "530100"}
        roles = set(Membership.objects.values_list("role", flat=True))
        assert roles == set(Role.values)
        for region in Region.objects.all():
            levels = set(Hospital.objects.filter(region=region).values_list("level", flat=True))
            types = set(Hospital.objects.filter(region=region).values_list("type", flat=True))
            assert levels == {1, 2, 3}
            assert types == {"general", "tcm", "specialty", "maternal", "primary"}
            assert PolicyYear.objects.filter(region=region, year=DEMO_PAYMENT_YEAR).exists()
        dip = PolicyYear.objects.get(region__code="220400", year=DEMO_PAYMENT_YEAR)
        assert dip.low_ratio(3) == Decimal("0.5") and dip.high_ratio(3) == Decimal("2.0")
    assert authenticate(username="xuancheng_bureau_admin", password=DEMO_PASSWORD) is not None
    _assert_workflow_demo()


def _workflow_counts() -> dict:
    from django.apps import apps as django_apps

    labels = ["cases.Case", "disputes.Dispute", "notices.Notice", "notices.Acknowledgement", "training.Session",
              "training.Enrollment", "applications.Application", "settlement.SettlementRun", "monitoring.Ranking"]
    with scopes_disabled():
        return {label: django_apps.get_model(label).objects.count() for label in labels}


def _assert_workflow_demo() -> None:
    """Disputes in every state, notices of every type, a year of training, indicators and a ranking."""
    from apps.disputes.enums import Status as DisputeStatus
    from apps.disputes.models import Dispute
    from apps.monitoring.models import Indicator, IndicatorPeriod, Ranking
    from apps.notices.enums import NoticeType
    from apps.notices.models import Notice
    from apps.training.models import Enrollment, Session

    with scopes_disabled():
        xuancheng = Region.objects.get(code="341800")
        statuses = set(Dispute.objects.filter(region=xuancheng).values_list("status", flat=True))
        assert statuses == set(DisputeStatus.values), statuses
        assert Dispute.objects.filter(region=xuancheng, overdue=True).exists()
        types = set(Notice.objects.filter(region=xuancheng).exclude(status="draft").values_list("type", flat=True))
        assert len(types) >= 5, types
        assert set(NoticeType.values) >= types
        assert Session.objects.filter(region=xuancheng).count() >= 5
        assert Enrollment.objects.filter(region=xuancheng, passed=True).exists()
        from apps.groups.selectors import published_stats

        if published_stats(xuancheng, DEMO_PAYMENT_YEAR) is not None:  # 30 cases a year may publish no statistics
            periods = set(IndicatorPeriod.objects.filter(region=xuancheng, status="ready").values_list("period", flat=True))
            assert {str(DEMO_PAYMENT_YEAR), f"{DEMO_PAYMENT_YEAR}-Q1", f"{DEMO_PAYMENT_YEAR}-01"} <= periods, periods
            if Indicator.objects.filter(region=xuancheng).exists():  # too few cases in stable groups otherwise
                assert Ranking.objects.filter(region=xuancheng, status="published").exists()


@pytest.mark.django_db
def test_demo_logins_lists_one_login_per_role():
    run("--cases-per-year", "0", "--regions", "220100,220400")
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert DEMO_PASSWORD in text
    for role in Role.values:
        assert role in text
    assert "jilin_province_supervisor" in text
