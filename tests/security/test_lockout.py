"""Login throttling and lockout (django-axes): web login and API token share one counter; the unlock path."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django_scopes import scopes_disabled

from apps.core.models import AuditEvent
from apps.tenants.enums import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/token/"


def web_login(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def lock(username: str) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        web_login(client, username, "wrong-password")


def test_web_login_locks_after_the_failure_limit(world):
    user = world["A"].users[Role.HOSPITAL_STAFF]
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = web_login(client, user.username, "wrong-password")
        assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated
    locked = web_login(client, user.username, "wrong-password")
    assert locked.status_code == 429
    assert "locked" in locked.content.decode() or "锁定" in locked.content.decode()
    # even the right password is refused while locked, and the username's case does not help
    again = web_login(Client(), user.username.upper(), PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in again.wsgi_request.session
    # another account is not affected
    other = web_login(Client(), world["A"].users[Role.HOSPITAL_ADMIN].username, PASSWORD)
    assert other.status_code == 302


def test_web_and_api_share_one_counter(world, api):
    user = world["A"].users[Role.AUDITOR]
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        assert web_login(Client(), user.username, "wrong-password").status_code == 200
    assert api().post(TOKEN, {"username": user.username, "password": "nope"}, format="json").status_code == 400
    locked = api().post(TOKEN, {"username": user.username, "password": "nope"}, format="json")
    assert locked.status_code == 429 and locked.json()["code"] == "locked_out"
    assert web_login(Client(), user.username, PASSWORD).status_code == 429
    assert api().post(TOKEN, {"username": user.username, "password": PASSWORD}, format="json").status_code == 429


def test_successful_login_resets_the_counter(world):
    user = world["A"].users[Role.AUDITOR]
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        web_login(Client(), user.username, "wrong-password")
    assert web_login(Client(), user.username, PASSWORD).status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert web_login(Client(), user.username, "wrong-password").status_code == 200


def test_bureau_admin_sees_and_unlocks_own_region_users_only(world, client):
    a, b = world["A"], world["B"]
    mine, theirs = a.users[Role.HOSPITAL_STAFF], b.users[Role.HOSPITAL_STAFF]
    lock(mine.username)
    lock(theirs.username)
    lock("no-such-user")
    client.force_login(a.users[Role.BUREAU_ADMIN])
    page = client.get("/core/lockouts/")
    assert page.status_code == 200
    names = [acc.username for acc in page.context["accounts"]]
    assert names == [mine.username]
    # another region's user cannot be unlocked by guessing the name: 404
    assert client.post("/core/lockouts/unlock/", {"username": theirs.username}).status_code == 404
    response = client.post("/core/lockouts/unlock/", {"username": mine.username})
    assert response.status_code == 302
    assert web_login(Client(), mine.username, PASSWORD).status_code == 302
    assert web_login(Client(), theirs.username, PASSWORD).status_code == 429
    with scopes_disabled():
        event = AuditEvent.objects.get(action="user.unlock")
    assert event.region_id == a.region.pk and event.object_id == str(mine.pk)
    assert event.actor_id == a.users[Role.BUREAU_ADMIN].pk


def test_platform_admin_sees_every_locked_name(world, client):
    lock(world["B"].users[Role.HOSPITAL_STAFF].username)
    lock("no-such-user")
    client.force_login(world["platform_admin"])
    names = sorted(acc.username for acc in client.get("/core/lockouts/").context["accounts"])
    assert names == sorted([world["B"].users[Role.HOSPITAL_STAFF].username.lower(), "no-such-user"])
    assert client.post("/core/lockouts/unlock/", {"username": "no-such-user"}).status_code == 302
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="user.unlock", object_id="no-such-user").exists()


@pytest.mark.parametrize("role", [Role.BUREAU_STAFF, Role.HOSPITAL_ADMIN, Role.AUDITOR])
def test_other_roles_cannot_see_or_unlock(world, client, role):
    lock(world["A"].users[Role.HOSPITAL_STAFF].username)
    client.force_login(world["A"].users[role])
    assert client.get("/core/lockouts/").status_code == 403
    assert client.post("/core/lockouts/unlock/", {"username": world["A"].users[Role.HOSPITAL_STAFF].username}
                       ).status_code == 403


def test_the_lockout_store_is_the_database_shared_by_all_processes():
    assert getattr(settings, "AXES_HANDLER", "axes.handlers.database.AxesDatabaseHandler") == \
        "axes.handlers.database.AxesDatabaseHandler"
    assert settings.AUTHENTICATION_BACKENDS[0] == "apps.core.security.LockoutBackend"
