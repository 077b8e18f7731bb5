"""A hospital's draft is its own until submitted: the bureau's lists never show it — the screens' queues and
`GET /api/v1/applications/` / `GET /api/v1/disputes/` alike, through one selector per entity
(`application_queue`, `dispute_queue`); the hospital's own users still list their drafts."""
from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.applications.models import Application
from apps.disputes.models import Dispute
from apps.tenants.enums import Role
from tests.settlement_ui.conftest import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(world):
    a = world["A"]
    staff = a.users[Role.HOSPITAL_STAFF]
    out = {}
    with scopes_disabled():
        for status in ("draft", "submitted"):
            case = make_case(a.hospitals[0], "ES23", "9000.00")
            out[f"app_{status}"] = Application.objects.create(
                region=a.region, case=case, hospital=a.hospitals[0], type="special_case", status=status,
                reason="住院时间长", year=2025, created_by=staff,
                submitted_at=timezone.now() if status != "draft" else None)
            out[f"dispute_{status}"] = Dispute.objects.create(
                region=a.region, hospital=a.hospitals[0], subject_type="other", year=2025, claim="结算有误",
                status=status, created_by=staff)
    return out


@pytest.mark.parametrize("entity", ["applications", "disputes"])
def test_api_lists_hide_hospital_drafts_from_the_bureau(world, api, items, entity):
    a = world["A"]
    key = entity[:-1] if entity == "disputes" else "app"
    draft, sent = items[f"{key}_draft"].pk, items[f"{key}_submitted"].pk
    for role in (Role.BUREAU_STAFF, Role.BUREAU_ADMIN):
        ids = {row["id"] for row in api(a.users[role]).get(f"/api/v1/{entity}/").json()["results"]}
        assert ids == {sent}, (role, ids)
    ids = {row["id"] for row in api(world["supervisor"]).get(f"/api/v1/{entity}/").json()["results"]}
    assert draft not in ids and sent in ids
    ids = {row["id"] for row in api(a.users[Role.HOSPITAL_STAFF]).get(f"/api/v1/{entity}/").json()["results"]}
    assert ids == {draft, sent}


@pytest.mark.parametrize("entity", ["applications", "disputes"])
def test_screen_queues_hide_hospital_drafts_from_the_bureau(world, client, items, entity):
    a = world["A"]
    key = entity[:-1] if entity == "disputes" else "app"
    draft, sent = items[f"{key}_draft"].pk, items[f"{key}_submitted"].pk
    client.force_login(a.users[Role.BUREAU_STAFF])
    page = client.get(reverse(f"{entity}:list")).content.decode()
    assert f"/{entity}/{sent}/" in page and f"/{entity}/{draft}/" not in page
    client.force_login(a.users[Role.HOSPITAL_STAFF])
    page = client.get(reverse(f"{entity}:list")).content.decode()
    assert f"/{entity}/{sent}/" in page and f"/{entity}/{draft}/" in page


def test_one_selector_serves_screen_and_api():
    """The list view and the API viewset both read the queue selector (no second copy of the rule)."""
    import inspect

    from apps.applications import api as app_api
    from apps.applications import views as app_views
    from apps.disputes import api as dispute_api
    from apps.disputes import views as dispute_views

    assert "selectors.application_queue(" in inspect.getsource(app_views.application_list)
    assert "selectors.application_queue(" in inspect.getsource(app_api)
    assert "selectors.dispute_queue(" in inspect.getsource(dispute_views.dispute_list)
    assert "selectors.dispute_queue(" in inspect.getsource(dispute_api)
    for module in (app_views, app_api, dispute_views, dispute_api):
        assert "drafts_hidden_q" not in inspect.getsource(module)
