"""Issue 17 §5–6: expert names hidden from hospitals on screens as in the API (one rule), POST /users/ never
confirms a name outside the caller's scope, Cache-Control: no-store on authenticated pages and downloads, the
province supervisor cannot draft/edit/publish/withdraw a city's notice, and an expert holding a hospital
membership is never assigned that hospital's items."""
from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from apps.applications import selectors as app_selectors
from apps.applications import services as app_services
from apps.core.errors import Forbidden, ValidationFailed
from apps.tenants.enums import Role
from apps.tenants.services import membership_add
from tests.applications.conftest import build_app_region, make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def page(user, url: str):
    client = Client()
    client.force_login(user)
    return client.get(url)


# -- expert names ------------------------------------------------------------------------------------------------------

def test_expert_names_hidden_from_the_hospital_on_screen_and_api(world, api):
    ar = build_app_region(world["A"])
    application = make(ar, "reviewed")
    url = reverse("applications:detail", args=[application.pk])
    hospital_page = page(ar.user(Role.HOSPITAL_STAFF), url).content.decode()
    bureau_page = page(ar.user(Role.BUREAU_STAFF), url).content.decode()
    for expert in ar.experts:
        assert expert.username not in hospital_page and str(expert) not in hospital_page
        assert str(expert) in bureau_page  # the bureau sees who reviewed
    assert 'data-action="application.opinion"' in hospital_page  # the history is there, anonymised
    body = api(ar.user(Role.HOSPITAL_STAFF)).get(f"/api/v1/applications/{application.pk}/").json()
    assert body["assignments"] == []
    assert len(api(ar.user(Role.BUREAU_STAFF)).get(f"/api/v1/applications/{application.pk}/").json()["assignments"]) == 3


# -- POST /users/ does not confirm names outside the scope ---------------------------------------------------------------

def test_user_create_answers_the_same_for_any_taken_name(world, api):
    a = world["A"]
    client = api(a.users[Role.HOSPITAL_ADMIN])

    def create(username: str):
        body = {"username": username, "password": "Quite-Long-Passw0rd!",
                "memberships": [{"role": "hospital_staff", "region": "341800", "hospital": a.hospitals[0].code}]}
        return client.post("/api/v1/users/", body, format="json")

    outside = create(world["B"].users[Role.BUREAU_ADMIN].username)  # another region's administrator
    inside = create(a.users[Role.HOSPITAL_STAFF].username)
    assert outside.status_code == inside.status_code == 400
    for response, name in ((outside, world["B"].users[Role.BUREAU_ADMIN].username),
                           (inside, a.users[Role.HOSPITAL_STAFF].username)):
        assert response.json()["detail"] == f"username {name!r} is not available; choose another"
    assert "taken" not in outside.content.decode() and "合肥" not in outside.content.decode()
    assert create("brand_new_coder").status_code == 201


# -- Cache-Control: no-store --------------------------------------------------------------------------------------------

def test_no_store_on_authenticated_pages_api_and_downloads(world, api):
    a = world["A"]
    client = Client()
    client.force_login(a.users[Role.BUREAU_ADMIN])
    for url in (reverse("dashboard"), reverse("hospitals:list"), reverse("hospitals:export") + "?format=csv",
                reverse("notices:list"), reverse("password_change")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store", url
    response = api(a.users[Role.HOSPITAL_STAFF]).get("/api/v1/regions/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert "no-store" in Client().get(reverse("login")).get("Cache-Control", "")  # never_cache already


# -- notices: the province supervisor reads a city's notices but never acts on them -------------------------------------

def test_supervisor_cannot_draft_edit_publish_or_withdraw_a_city_notice(world, api):
    from apps.notices import services as notice_services
    from tests.notices.conftest import make_notice

    supervisor = world["supervisor"]
    notice = make_notice(world)
    with scopes_disabled(), pytest.raises(Forbidden):
        notice_services.notice_publish(actor=supervisor, notice=notice)
    client = api(supervisor)
    assert client.get(f"/api/v1/notices/{notice.pk}/").status_code == 200  # reads it
    assert client.post("/api/v1/notices/", {"title": "省里代发", "body": "x", "region": "341800"},
                       format="json").status_code == 403
    assert client.patch(f"/api/v1/notices/{notice.pk}/", {"title": "改"}, format="json").status_code == 403
    assert client.post(f"/api/v1/notices/{notice.pk}/publish/").status_code == 403
    with scopes_disabled():
        published = notice_services.notice_publish(actor=world["A"].users[Role.BUREAU_ADMIN], notice=notice)
    assert client.post(f"/api/v1/notices/{published.pk}/withdraw/", {"reason": "x"}, format="json").status_code == 403
    screen = Client()
    screen.force_login(supervisor)
    assert screen.get(reverse("notices:new")).status_code == 403
    assert b'id="new-notice"' not in screen.get(reverse("notices:list")).content
    assert screen.get(reverse("notices:edit", args=[notice.pk])).status_code == 403


# -- conflict of interest: every membership counts -----------------------------------------------------------------------

def test_expert_with_a_hospital_membership_is_never_assigned_that_hospitals_items(world):
    from apps.disputes import selectors as dispute_selectors

    ar = build_app_region(world["A"])
    expert = ar.experts[1]  # a pool expert without affiliation in the profile or the expert membership
    with scopes_disabled():
        membership_add(actor=None, user=expert, role=Role.HOSPITAL_ADMIN, region=ar.region, hospital=ar.hospital)
        application = make(ar, "under_review")
        assert ar.hospital.pk in app_selectors.affiliated_hospitals(expert, ar.region.pk)
        assert ar.hospital.pk in dispute_selectors.affiliated_hospitals(expert, ar.region.pk)
        assert expert not in [p.user for p in app_selectors.eligible_experts(application)]
        with pytest.raises(ValidationFailed) as err:
            app_services.assign_experts(actor=ar.user(Role.BUREAU_STAFF), application=application,
                                        experts=[ar.experts[0], expert, ar.experts[2]])
        assert err.value.code == "conflict_of_interest"
