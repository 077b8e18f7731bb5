"""The demo hook: an expert pool and one application in every state, idempotently."""
from __future__ import annotations

from django_scopes import scopes_disabled

from apps.applications.demo import PLAN, seed_region
from apps.applications.models import Application, ExpertProfile
from tests.settlement.conftest import add_cases, case

from .conftest import recent_day


def test_seed_region_covers_every_state_and_is_idempotent(world):
    a = world["A"]
    add_cases([case(a.hospitals[0], "ED11", "12000.00", recent_day()) for _ in range(200)])
    first = seed_region(a.region)
    assert first["experts"] == 4
    assert first["applications"] == {state: 1 for state, _ in PLAN}, first
    again = seed_region(a.region)
    assert again["applications"] == first["applications"] and again["experts"] == 4
    with scopes_disabled():
        assert Application.objects.filter(region=a.region).count() == len(PLAN)
        assert ExpertProfile.objects.filter(region=a.region).count() == 4
        assert not Application.objects.filter(region=world["B"].region).exists()
