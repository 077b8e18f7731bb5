"""Access matrix generated from the role table (workflows.md §1).

For every portal URL name (from the URL resolver) and every API operation (from the OpenAPI schema) × every role
(plus an anonymous caller) × in-scope / out-of-scope object, the answer must be the one the declarative table in
`access_table.py` implies:

- anonymous: screens redirect to the login page (302), the API answers 401;
- a role in `allow`, object in scope: an "allowed" status (200/201/202/204/302, or 400 for a POST without data);
- a role not in `allow`, object in scope: `denied` (403), or 404 where the role cannot see the object (`hidden`);
- any role, object of another region (another province for the province supervisor): 404;
- a hospital role, object of another hospital of its region (hospital-level objects): 404;
- GET on a POST-only URL by an allowed role: `get_status` (405) where the table gives one.

Every request runs in a savepoint that is rolled back, so one world serves a whole URL. The guard tests fail for any
URL name or API operation the table does not list, so a new screen or endpoint must say who may use it.
Set ACCESS_MATRIX_DISCOVER=/path.json to record what the app answers instead of asserting (for extending the table).
"""
from __future__ import annotations

import json
import os
import re
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from apps.tenants.enums import Role
from tests.hardening.access_objects import Scope
from tests.hardening.access_table import API, SCREENS, Entry, api_kwargs

pytestmark = pytest.mark.django_db

ROLES = [Role.PLATFORM_ADMIN, Role.PROVINCE_SUPERVISOR, Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.AUDITOR,
         Role.EXPERT, Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF]
ALLOWED = {200, 201, 202, 204, 302}
DISCOVER = os.environ.get("ACCESS_MATRIX_DISCOVER")
SKIP_NAMESPACES = {"admin"}


# ---------------------------------------------------------------- what exists at run time
def portal_url_names() -> list[str]:
    names: list[str] = []

    def walk(patterns, namespace, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                route = prefix + str(p.pattern)
                if route.startswith("api/") or (p.namespace in SKIP_NAMESPACES):
                    continue
                ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
                walk(p.url_patterns, ns, route)
            elif isinstance(p, URLPattern) and p.name:
                names.append(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns, "", "")
    return sorted(set(names))


def api_operations() -> list[str]:
    from drf_spectacular.generators import SchemaGenerator

    with scopes_disabled():  # some views touch a scoped manager while the schema is generated
        schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(f"{method.upper()} {path}" for path, item in schema["paths"].items()
                  for method in item if method in ("get", "post", "put", "patch", "delete"))


# ---------------------------------------------------------------- callers and requests
def callers(world) -> dict[str, object]:
    users = {role: world["A"].users[role] for role in ROLES if role in world["A"].users}
    users[Role.PROVINCE_SUPERVISOR] = world["supervisor"]
    users[Role.PLATFORM_ADMIN] = world["platform_admin"]
    return users


REFUSED = "refused"  # a form POST answered by a redirect with an error message (nothing changed)


def _send(client, method: str, url: str, data: dict, is_api: bool):
    with transaction.atomic():
        if is_api:
            upload = method == "post" and (url.endswith("/import/") or url.endswith("/attachments/"))
            response = getattr(client, method)(url, data, format="multipart" if upload else "json")
        else:
            response = getattr(client, method)(url, data)
        transaction.set_rollback(True)
    if response.status_code == 302 and method != "get" and not is_api:
        from django.contrib import messages

        levels = [m.level for m in messages.get_messages(response.wsgi_request)]
        if any(level >= messages.ERROR for level in levels):
            return REFUSED
    return response.status_code


class Caller:
    def __init__(self, user, is_api: bool):
        self.is_api = is_api
        if is_api:
            self.client = APIClient(raise_request_exception=False)
            if user is not None:
                self.client.force_authenticate(user)
        else:
            self.client = Client(raise_request_exception=False)
            if user is not None:
                self.client.force_login(user)

    def __call__(self, method: str, url: str, data: dict | None = None) -> int:
        return _send(self.client, method, url, data or {}, self.is_api)


# ---------------------------------------------------------------- expectations
def expected(entry: Entry, role: str | None, where: str) -> set[int]:
    """Statuses that satisfy the table for `role` (None = anonymous) asking for an object `where`."""
    if role is None:
        if entry.anon is not None:
            return {entry.anon}
        return {401, 403} if entry.is_api else {302}
    if where in ("other_region", "other_hospital"):
        return {404}
    if role in entry.allow:
        return ALLOWED | ({400, REFUSED} if entry.method != "get" else set()) | entry.also_ok
    if role in entry.hidden:
        return {404}
    # A refused form POST changed nothing; so did 400 (the rule checked before the role: still no effect).
    return {entry.denied} | ({REFUSED, 400} if entry.method != "get" else set())


def scopes_for(world, role: str) -> dict[str, Scope]:
    a, b, c = world["A"], world["B"], world["C"]
    found = {"own": Scope(a, a.hospitals[0])}
    if role == Role.PLATFORM_ADMIN:
        return found  # sees every region: nothing is out of scope
    other = c if role == Role.PROVINCE_SUPERVISOR else b
    found["other_region"] = Scope(other, other.hospitals[0])
    if role in (Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF):
        found["other_hospital"] = Scope(a, a.hospitals[1])
    return found


def run_entry(world, key: str, entry: Entry, url_for) -> list[tuple]:
    """Every case of one table row: (role, where, method, status, expected statuses)."""
    results = []
    users = callers(world)
    own_url = url_for(Scope(world["A"], world["A"].hospitals[0]))
    status = Caller(None, entry.is_api)(entry.method, own_url, entry.data)
    results.append(("anonymous", "own", entry.method, status, expected(entry, None, "own")))
    for role in ROLES:
        caller = Caller(users[role], entry.is_api)
        wheres = scopes_for(world, role) if entry.level else {"own": None}
        for where, scope in wheres.items():
            if where == "other_hospital" and entry.level != "hospital":
                continue
            url = url_for(scope) if scope is not None else own_url
            status = caller(entry.method, url, entry.data)
            results.append((role, where, entry.method, status, expected(entry, role, where)))
        if entry.get_status is not None and role in entry.allow:
            status = caller("get", own_url)
            results.append((role, "own", "get", status, {entry.get_status}))
    return results


def check(key: str, results: list[tuple]) -> None:
    if DISCOVER:
        with open(DISCOVER, "a") as fh:
            fh.write(json.dumps({"key": key, "results": [[r[0], r[1], r[2], r[3]] for r in results]}) + "\n")
        return
    wrong = [f"{role} {where} {method.upper()}: {status} (expected {sorted(want, key=str)})"
             for role, where, method, status, want in results if status not in want]
    COUNTS["cases"] += len(results)
    COUNTS["wrong"] += len(wrong)
    COUNTS["rows"] += 1
    assert not wrong, f"{key}:\n  " + "\n  ".join(wrong)


COUNTS = {"cases": 0, "wrong": 0, "rows": 0}


# ---------------------------------------------------------------- one world for the whole module
@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker):
    """Built once in an outer transaction rolled back at the end (each test nests its own savepoint in it)."""
    from django_scopes import scopes_disabled

    from apps.tenants.services import user_create
    from tests.conftest import PASSWORD, build_region

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with scopes_disabled():
                a = build_region("341800", "宣城", "340000", "安徽省")
                b = build_region("340100", "合肥", "340000", "安徽省")
                c = build_region("320900", "盐城", "320000", "江苏省")
                supervisor = user_create(actor=None, username="province_supervisor", password=PASSWORD, name="省级监管",
                                         memberships=[{"role": Role.PROVINCE_SUPERVISOR,
                                                       "province": a.region.province}])
                admin = user_create(actor=None, username="platform_admin", password=PASSWORD, name="平台管理员",
                                    memberships=[{"role": Role.PLATFORM_ADMIN}])
            yield {"A": a, "B": b, "C": c, "supervisor": supervisor, "platform_admin": admin}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(matrix_world, db):
    return matrix_world


# ---------------------------------------------------------------- the matrix
@pytest.mark.parametrize("name", sorted(SCREENS))
def test_screen_access(name, world):
    entry = SCREENS[name]
    if entry.skip:
        pytest.skip(entry.skip)

    def url_for(scope: Scope | None) -> str:
        if entry.obj is None:
            return reverse(name, kwargs=entry.kwargs or None)
        url = reverse(name, kwargs={**entry.obj(scope), **(entry.kwargs or {})})
        return f"{url}?{urlencode(entry.query(scope))}" if entry.query else url

    check(name, run_entry(world, name, entry, url_for))


@pytest.mark.parametrize("key", sorted(API))
def test_api_access(key, world):
    entry = API[key]
    if entry.skip:
        pytest.skip(entry.skip)
    path = key.split(" ", 1)[1]

    def url_for(scope: Scope | None) -> str:
        kwargs = api_kwargs(path, scope or Scope(world["A"], world["A"].hospitals[0]), entry)
        return re.sub(r"\{(\w+)\}", lambda m: str(kwargs[m.group(1)]), path)

    check(key, run_entry(world, key, entry, url_for))


# ---------------------------------------------------------------- guards: the table covers what exists
def test_every_portal_url_name_is_in_the_access_table():
    missing = [n for n in portal_url_names() if n not in SCREENS]
    assert not missing, f"add rows to tests/hardening/access_table.py SCREENS for: {missing}"


def test_every_api_operation_is_in_the_access_table():
    missing = [op for op in api_operations() if op not in API]
    assert not missing, f"add rows to tests/hardening/access_table.py API for: {missing}"


def test_the_table_names_no_dead_urls():
    stale = sorted(set(SCREENS) - set(portal_url_names())) + sorted(set(API) - set(api_operations()))
    assert not stale, f"remove rows for URLs that no longer exist: {stale}"


# ---------------------------------------------------------------- named rows of the policy
def test_supervisor_publishing_a_city_notice_is_refused(world):
    """The province supervisor reads a city's notices but never publishes one under the city bureau's letterhead
    (issue 16; refused since issue 17): the table says so, and the portal and the API answer so."""
    screen, api = SCREENS["notices:action"], API["POST /api/v1/notices/{id}/publish/"]
    assert Role.PROVINCE_SUPERVISOR not in screen.allow and Role.PROVINCE_SUPERVISOR not in api.allow
    own = Scope(world["A"], world["A"].hospitals[0])
    supervisor = world["supervisor"]
    url = reverse("notices:action", kwargs={**screen.obj(own), **screen.kwargs})
    assert Caller(supervisor, False)("post", url, screen.data) in (403, REFUSED)
    path = "/api/v1/notices/{id}/publish/"
    api_url = re.sub(r"\{(\w+)\}", lambda m: str(api_kwargs(path, own, api)[m.group(1)]), path)
    assert Caller(supervisor, True)("post", api_url, {}) == 403
