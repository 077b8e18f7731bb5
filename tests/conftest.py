"""Shared fixtures. Every test world has two regions with data, so a leak would show."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from apps.hospitals.models import Hospital
from apps.hospitals.services import hospital_create
from apps.tenants.enums import Role
from apps.tenants.models import Region, User
from apps.tenants.services import region_create, user_create

PASSWORD = "Test-pass-2026"


@dataclass
class RegionWorld:
    region: Region
    hospitals: list[Hospital]
    users: dict[str, User] = field(default_factory=dict)  # role -> user

    @property
    def hospital(self) -> Hospital:
        return self.hospitals[0]


def build_region(code: str, name: str, province_code: str, province_name: str, method: str = "DRG") -> RegionWorld:
    region = region_create(actor=None, code=code, name=name, province_code=province_code,
                           province_name=province_name, payment_method=method)
    hospitals = [
        hospital_create(actor=None, region=region, code=f"H{code}0001", name=f"{name}第一人民医院", level=3, grade="甲",
                        type="general", drg_enabled_from=dt.date(2024, 1, 1)),
        hospital_create(actor=None, region=region, code=f"H{code}0002", name=f"{name}中医院", level=2, grade="甲",
                        type="tcm", drg_enabled_from=dt.date(2024, 1, 1)),
        hospital_create(actor=None, region=region, code=f"H{code}0003", name=f"{name}社区卫生服务中心", level=1,
                        grade="未定级", type="primary", drg_enabled_from=None),
    ]
    world = RegionWorld(region=region, hospitals=hospitals)
    for role in (Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.AUDITOR, Role.EXPERT, Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF):
        membership = {"role": role, "region": region}
        if role in (Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF):
            membership["hospital"] = hospitals[0]
        if role == Role.EXPERT:
            membership["hospital"] = hospitals[1]
        world.users[role] = user_create(actor=None, username=f"{code}_{role}", password=PASSWORD, name=f"{name}{role}",
                                        memberships=[membership])
    return world


@pytest.fixture
def world(db):
    """Two regions in one province (A, B) and one in another province (C), each with hospitals and users."""
    with scopes_disabled():
        a = build_region("341800", "宣城", "340000", "安徽省")
        b = build_region("340100", "合肥", "340000", "安徽省")
        c = build_region("320900", "盐城", "320000", "江苏省")
        province = a.region.province
        supervisor = user_create(actor=None, username="province_supervisor", password=PASSWORD, name="省级监管",
                                 memberships=[{"role": Role.PROVINCE_SUPERVISOR, "province": province}])
        admin = user_create(actor=None, username="platform_admin", password=PASSWORD, name="平台管理员",
                            memberships=[{"role": Role.PLATFORM_ADMIN}])
    return {"A": a, "B": b, "C": c, "supervisor": supervisor, "platform_admin": admin}


@pytest.fixture
def api():
    """An API client factory: api(user) is authenticated with a token for that user."""
    from rest_framework.authtoken.models import Token

    def make(user: User | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


# ---- keep data loaded by migrations alive across transactional tests ----
# A live-server or other transactional test runs under `transactional_db`, whose teardown TRUNCATEs every table. That also
# empties rows that migrations loaded (e.g. the national ICD code lists of apps/cases), which the
# next tests on the same database (and, with --reuse-db, the next runs) expect. So after each such
# test the project's RunPython data migrations are replayed on the emptied tables.
_DB_BLOCKER = None
_DATA_MIGRATIONS: list | None = None


@pytest.fixture(scope="session", autouse=True)
def _remember_db_blocker(django_db_blocker):
    global _DB_BLOCKER
    _DB_BLOCKER = django_db_blocker


def _project_data_migrations() -> list:
    """(app label, RunPython operation, state before it) for every data migration of apps/*."""
    global _DATA_MIGRATIONS
    if _DATA_MIGRATIONS is None:
        from django.apps import apps as global_apps
        from django.db import connection
        from django.db.migrations.executor import MigrationExecutor
        from django.db.migrations.operations.special import RunPython
        from django.db.migrations.state import ProjectState

        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
        state = ProjectState(real_apps=executor.loader.unmigrated_apps)
        found = []
        for migration, _backwards in plan:
            ours = global_apps.get_app_config(migration.app_label).name.startswith("apps.")
            for operation in migration.operations:
                if ours and isinstance(operation, RunPython):
                    found.append((migration.app_label, operation, state.clone()))
                operation.state_forwards(migration.app_label, state)
        _DATA_MIGRATIONS = found
    return _DATA_MIGRATIONS


def replay_data_migrations() -> None:
    """Re-run the project's data migrations (they must be idempotent, as migrations should be)."""
    from django.db import connection

    for app_label, operation, state in _project_data_migrations():
        with connection.schema_editor(atomic=operation.atomic) as editor:
            operation.database_forwards(app_label, editor, state, state)


def _is_transactional(item) -> bool:
    if "transactional_db" in getattr(item, "fixturenames", ()) or "live_server" in getattr(item, "fixturenames", ()):
        return True
    marker = item.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield  # fixture teardown, including transactional_db's flush, happens here
    # nextitem None: the session ends and the test database is already torn down; nothing needs the rows.
    if nextitem is not None and _is_transactional(item) and _DB_BLOCKER is not None:
        with _DB_BLOCKER.unblock():
            replay_data_migrations()
