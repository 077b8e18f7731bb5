"""The partitioning migrations on a database that already holds cases: every row and id kept, the sequence goes on.

The migrations are found by what they run (apps.core.partitioning), not by name, so this keeps working when
they are renumbered at integration. Transactional: the migrations run real DDL.
"""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations import RunPython
from django_scopes import scopes_disabled

from apps.core import partitioning

from ..conftest import build_region
from ..settlement.conftest import add_cases, case


def _partitioning_migrations(executor: MigrationExecutor) -> list[tuple[str, str]]:
    nodes = []
    for key, migration in executor.loader.disk_migrations.items():
        for op in migration.operations:
            if isinstance(op, RunPython) and op.code.__globals__.get("partition_by_region") is \
                    partitioning.partition_by_region:
                nodes.append(key)
    return sorted(nodes)


def _rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_row_of_an_existing_database():
    with scopes_disabled():
        a, b = build_region("341800", "宣城", "340000", "安徽省"), build_region("340100", "合肥", "340000", "安徽省")
    executor = MigrationExecutor(connection)
    mine = _partitioning_migrations(executor)
    assert [app for app, _ in mine] == ["cases", "settlement"]
    before = [parent.key for app, name in mine for parent in executor.loader.graph.node_map[(app, name)].parents
              if parent.key[0] == app]
    executor.migrate(before)
    try:
        assert _rows("SELECT count(*) FROM pg_partitioned_table WHERE partrelid::regclass::text IN "
                     "('cases_case', 'settlement_caseresult')") == [(0,)]
        Case = executor.loader.project_state(before).apps.get_model("cases", "Case")  # the table as it was then
        day = dt.date(2025, 3, 10)
        rows = [Case(region_id=h.region_id, hospital_id=h.pk, settlement_id=f"M{i:05d}", patient_hash="0" * 64,
                     insurance_type="310", gender=1, age=50, admission_date=day - dt.timedelta(days=5),
                     discharge_date=day, los_days=5, discharge_method="1", principal_dx="I21.000", drg_code="ED11",
                     total_cost="8000.00", drug_cost="0", consumable_cost="0", exam_cost="0", self_pay="0",
                     fund_paid="8000.00", content_hash="x")
                for i, h in enumerate([a.hospital] * 30 + [b.hospital] * 20)]
        Case.objects.bulk_create(rows)
        before_rows = _rows("SELECT id, region_id, settlement_id FROM cases_case ORDER BY id")
        assert len(before_rows) == 50
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert _rows("SELECT id, region_id, settlement_id FROM cases_case ORDER BY id") == before_rows
    assert dict(_rows("SELECT tableoid::regclass::text, count(*) FROM cases_case GROUP BY 1")) == {
        f"cases_case_r{a.region.pk}": 30, f"cases_case_r{b.region.pk}": 20}
    # the id sequence continues after the last kept id
    with scopes_disabled():
        new = add_cases([case(a.hospital, "ED11", "8000.00", dt.date(2025, 4, 1))])[0]
    assert new.pk > before_rows[-1][0]
    assert _rows(f"SELECT tableoid::regclass::text FROM cases_case WHERE id = {new.pk}") == [
        (f"cases_case_r{a.region.pk}",)]


@pytest.mark.django_db(transaction=True)
def test_committed_regions_have_their_partitions_and_a_run_writes_into_its_own(settings):
    """Outside a test transaction region_create's partitions are made at once (its commit); a settlement run's
    case results then land in the region's partition."""
    settings.REGION_PARTITIONS_ON_CREATE = True  # the suite turns it off (tests/conftest.py)
    from apps.settlement.models import CaseResult
    from apps.settlement.services import settlement_run_start

    from ..conftest import build_world
    from ..settlement.conftest import YEAR, build_small

    world = build_world()
    with scopes_disabled():
        small = build_small(world)  # region A with published inputs
        add_cases([case(h, "ED11", "8000.00", dt.date(YEAR, 5, 10)) for h in small["h"][:2]])
        add_cases([case(world["B"].hospital, "ED11", "8000.00", dt.date(YEAR, 5, 10))])
    run = settlement_run_start(actor=None, region=small["region"], kind="monthly", period=f"{YEAR}-05")
    assert run.status == "ready", run.error
    with scopes_disabled():
        assert CaseResult.objects.filter(run=run).count() == 2
    a, b = small["region"].pk, world["B"].region.pk
    assert dict(_rows("SELECT tableoid::regclass::text, count(*) FROM settlement_caseresult GROUP BY 1")) == {
        f"settlement_caseresult_r{a}": 2}
    cases = dict(_rows("SELECT tableoid::regclass::text, count(*) FROM cases_case GROUP BY 1"))
    assert cases[f"cases_case_r{b}"] == 1 and "cases_case_default" not in cases
