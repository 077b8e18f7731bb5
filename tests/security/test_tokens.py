"""Issue 17 §4: API tokens rotate on a password change/reset and on deactivation, expire after idle hours,
can be revoked by the user and by the bureau administrator of the region (API and screen), each audited."""
from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from apps.core.models import AuditEvent
from apps.tenants.enums import Role
from apps.tenants.models import ApiTokenActivity
from apps.tenants.services import user_password_reset
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Another-Long-Passw0rd!"


def login(username: str, password: str = PASSWORD) -> str:
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def me(token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get("/api/v1/regions/").status_code


def events(action: str, user) -> int:
    with scopes_disabled():
        return AuditEvent.objects.filter(action=action, object_id=str(user.pk)).count()


def test_password_reset_rotates_the_token(world):
    a = world["A"]
    staff, admin = a.users[Role.HOSPITAL_STAFF], a.users[Role.BUREAU_ADMIN]
    old = login(staff.username)
    assert me(old) == 200 and login(staff.username) == old  # same key while nothing changed
    with scopes_disabled():
        user_password_reset(actor=admin, user=staff, password=NEW_PASSWORD)
    assert me(old) == 401
    new = login(staff.username, NEW_PASSWORD)
    assert new != old and me(new) == 200
    assert events("token.revoke", staff) == 1


def test_own_password_change_on_the_screen_rotates_the_token(world):
    staff = world["A"].users[Role.HOSPITAL_STAFF]
    old = login(staff.username)
    client = Client()
    client.force_login(staff)
    response = client.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                                        "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert me(old) == 401 and login(staff.username, NEW_PASSWORD) != old


def test_deactivation_rotates_the_token(world):
    staff = world["A"].users[Role.HOSPITAL_STAFF]
    old = login(staff.username)
    staff.is_active = False
    staff.save()
    assert me(old) == 401
    staff.is_active = True
    staff.save()
    assert login(staff.username) != old


def test_idle_token_expires(world, settings):
    settings.API_TOKEN_IDLE_HOURS = 2
    staff = world["A"].users[Role.HOSPITAL_STAFF]
    token = login(staff.username)
    assert me(token) == 200
    ApiTokenActivity.objects.filter(token_id=token).update(last_used_at=timezone.now() - dt.timedelta(hours=1))
    assert me(token) == 200  # used within the idle time: still valid, and the use is recorded
    assert ApiTokenActivity.objects.get(token_id=token).last_used_at > timezone.now() - dt.timedelta(minutes=1)
    ApiTokenActivity.objects.filter(token_id=token).update(last_used_at=timezone.now() - dt.timedelta(hours=3))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/v1/regions/")
    assert response.status_code == 401 and "expired" in response.content.decode()
    assert me(token) == 401 and login(staff.username) != token
    assert events("token.revoke", staff) == 1


def test_revoke_own_and_by_bureau_admin_api_and_screen(world):
    a, b = world["A"], world["B"]
    staff, admin = a.users[Role.HOSPITAL_STAFF], a.users[Role.BUREAU_ADMIN]
    token = login(staff.username)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.post("/api/v1/auth/token/revoke/").json() == {"revoked": 1}
    assert me(token) == 401
    # the bureau administrator of the region (API)
    token = login(staff.username)
    admin_client = APIClient()
    admin_client.credentials(HTTP_AUTHORIZATION=f"Token {login(admin.username)}")
    assert admin_client.post(f"/api/v1/users/{staff.pk}/revoke-token/").json() == {"revoked": 1}
    assert me(token) == 401
    # another region's bureau administrator does not even see the user
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {login(b.users[Role.BUREAU_ADMIN].username)}")
    token = login(staff.username)
    assert other.post(f"/api/v1/users/{staff.pk}/revoke-token/").status_code == 404
    assert me(token) == 200
    # the screens: the administrator's button on the user page, the user's own on the password page
    screen = Client()
    screen.force_login(admin)
    assert screen.post(reverse("tenants:token_revoke", args=[staff.pk])).status_code == 302
    assert me(token) == 401
    token = login(staff.username)
    own = Client()
    own.force_login(staff)
    assert b"own-token-revoke-form" in own.get(reverse("password_change")).content
    assert own.post(reverse("tenants:own_token_revoke")).status_code == 302
    assert me(token) == 401
    assert events("token.revoke", staff) == 4
