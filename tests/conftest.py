"""Shared fixtures. Every test world has two regions with data, so a leak would show."""
from __future__ import annotations

import datetime as dt
import os
from contextlib import contextmanager
from dataclasses import dataclass, field, is_dataclass

import pytest
from django.db import transaction
from django.db.models import Model
from django.db.models.base import ModelState
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


def build_world() -> dict:
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


# ---- one world per module ----
# Building the world (3 regions, 9 hospitals, 20 users through the services) is the largest setup cost of the suite,
# and nearly every test asks for it. In a module without transactional tests the world is built once inside an
# outer transaction that is rolled back when the module ends; each test runs in its own savepoint (pytest-django's
# `db`), so the database is back to the fresh world after every test. What a test changes on the Python objects is
# undone too (`Snapshot`), and Django's cache is cleared, so no test sees another's leftovers.
# SHARED_WORLD=0 builds a fresh world per test again (to compare timings, or to rule the sharing out).
SHARE_WORLDS = os.environ.get("SHARED_WORLD", "1") != "0"


class Snapshot:
    """The attributes of every model instance (and the contents of every dict/list/dataclass) reachable from a
    fixture value, restorable after a test that changed them in memory."""

    def __init__(self, value) -> None:
        self.models: list[tuple[Model, dict, object, dict]] = []
        self.containers: list[tuple[object, object]] = []
        self._seen: set[int] = set()
        self._walk(value)

    def _walk(self, value) -> None:
        if id(value) in self._seen:
            return
        self._seen.add(id(value))
        if isinstance(value, Model):
            attrs = {k: v for k, v in value.__dict__.items() if k != "_state"}
            self.models.append((value, attrs, value._state.db, dict(value._state.fields_cache)))
        elif isinstance(value, dict):
            self.containers.append((value, dict(value)))
            for item in value.values():
                self._walk(item)
        elif isinstance(value, list):
            self.containers.append((value, list(value)))
            for item in value:
                self._walk(item)
        elif is_dataclass(value) and not isinstance(value, type):
            self.containers.append((value, dict(value.__dict__)))
            for item in value.__dict__.values():
                self._walk(item)

    def restore(self) -> None:
        for container, saved in self.containers:
            if isinstance(container, dict):
                container.clear()
                container.update(saved)
            elif isinstance(container, list):
                container[:] = saved
            else:
                container.__dict__.clear()
                container.__dict__.update(saved)
        for obj, attrs, db_alias, fields_cache in self.models:
            obj.__dict__.clear()
            obj.__dict__.update(attrs)
            obj._state = ModelState()
            obj._state.db = db_alias
            obj._state.adding = False
            obj._state.fields_cache = dict(fields_cache)


def _uses_db(item) -> bool:
    return "db" in getattr(item, "fixturenames", ()) or item.get_closest_marker("django_db") is not None


def module_shares(request, name: str) -> bool:
    """Whether the fixture `name` can be built once for the requesting module: sharing is on, no test of the module
    commits (an outer transaction held open would hide data from a live server thread and break the flush), and every
    database test of the module asks for `name` (so none sees rows it did not ask for)."""
    if not SHARE_WORLDS:
        return False
    items = [item for item in request.session.items if getattr(item, "module", None) is request.module]
    if any(_is_transactional(item) for item in items):
        return False
    return all(name in item.fixturenames for item in items if _uses_db(item))


@contextmanager
def rolled_back(django_db_blocker):
    """An outer transaction for module-wide data, always rolled back at the end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def module_world(request, django_db_setup, django_db_blocker):
    """The world, built once for the module inside a transaction rolled back at its end (None where it cannot be
    shared: a transactional module, or SHARED_WORLD=0)."""
    if not module_shares(request, "world"):
        yield None
        return
    with rolled_back(django_db_blocker):
        yield build_world()


def module_built(request, name: str, module_world, django_db_blocker, builder):
    """`builder(world)` run once for the module on the shared world (inside its outer transaction), or None where the
    fixture `name` is not asked for by every database test of the module (it is then built per test)."""
    if module_world is None or not module_shares(request, name):
        return None
    with django_db_blocker.unblock():
        return builder(module_world)


# The heavy worlds of the sub-packages, shared the same way (their per-test fixtures fall back to building).
@pytest.fixture(scope="module")
def module_small(request, module_world, django_db_blocker):
    from tests.settlement.conftest import build_small

    return module_built(request, "small", module_world, django_db_blocker, build_small)


@pytest.fixture(scope="module")
def module_dw(request, module_world, django_db_blocker):
    from tests.disputes.conftest import build_dw

    return module_built(request, "dw", module_world, django_db_blocker, build_dw)


@pytest.fixture(scope="module")
def module_aw(request, module_world, django_db_blocker):
    from tests.applications.conftest import build_aw

    return module_built(request, "aw", module_world, django_db_blocker, build_aw)


@pytest.fixture(scope="module")
def module_settled(request, module_world, django_db_blocker):
    from tests.settlement_ui.conftest import build_settled

    return module_built(request, "settled", module_world, django_db_blocker, build_settled)


def shared(value, request):
    """Hand `value` to a test and put it (and Django's cache) back as it was once the test is over."""
    snapshot = Snapshot(value)

    def undo():
        snapshot.restore()
        from django.core.cache import cache

        cache.clear()

    request.addfinalizer(undo)
    return value


@pytest.fixture
def world(request, module_world, db):
    """Two regions in one province (A, B) and one in another province (C), each with hospitals and users."""
    if module_world is None:
        return build_world()
    return shared(module_world, request)


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


@pytest.fixture(autouse=True)
def _portal_language_after_each_test():
    """A request in English (the test client runs the locale middleware in this thread) leaves English active;
    the next test in the same worker would then write in English. Every test starts in the portal's language."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session", autouse=True)
def _no_region_partitions_on_create():
    """Committed test regions keep their rows in the DEFAULT partition (settings.REGION_PARTITIONS_ON_CREATE):
    hundreds of per-region partitions would make every flush slower. tests/tenancy/test_partitions.py turns it on."""
    from django.test.utils import override_settings

    with override_settings(REGION_PARTITIONS_ON_CREATE=False):
        yield


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


# What the replay leaves in the emptied tables, as binary COPY images: the first replay of a worker runs the
# migrations and records the rows; later ones copy them back (0.3 s instead of 1.2 s for the 47k ICD codes).
_REPLAYED: dict[str, bytes] | None = None


def _project_tables() -> list[str]:
    from django.apps import apps as global_apps

    return [model._meta.db_table for config in global_apps.get_app_configs() if config.name.startswith("apps.")
            for model in config.get_models() if model._meta.managed and not model._meta.proxy]


def restore_data_migrations() -> None:
    """The rows of the data migrations back in the flushed tables: replayed once, then copied from that image."""
    global _REPLAYED
    from django.db import connection, transaction

    if _REPLAYED is None:
        replay_data_migrations()
        image: dict[str, bytes] = {}
        with connection.cursor() as cursor:
            raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
            for table in _project_tables():
                raw.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")')  # noqa: S608 - model table names
                if raw.fetchone()[0]:
                    data = bytearray()
                    with raw.copy(f'COPY "{table}" TO STDOUT (FORMAT binary)') as copy:
                        for chunk in copy:
                            data += chunk
                    image[table] = bytes(data)
        _REPLAYED = image
        return
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        for table, data in _REPLAYED.items():
            raw.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")')  # noqa: S608 - model table names
            if raw.fetchone()[0]:  # not flushed after all: the idempotent replay instead
                replay_data_migrations()
                return
            with raw.copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as copy:
                copy.write(data)


def _is_transactional(item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    if names & {"transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback",
                "e2e_world"}:
        return True
    marker = item.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
                            or marker.kwargs.get("serialized_rollback") or (marker.args and marker.args[0])))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    yield  # fixture teardown, including transactional_db's flush, happens here
    # nextitem None: the session ends and the test database is already torn down; nothing needs the rows.
    if nextitem is not None and _is_transactional(item) and _DB_BLOCKER is not None:
        with _DB_BLOCKER.unblock():
            restore_data_migrations()
