"""Cases and case results are partitioned by region (decision 0044, docs/scaling.md "Partitioning by region")."""
from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import ProtectedError
from django_scopes import scope, scopes_disabled

from apps.cases.models import Case
from apps.core.partitioning import PARTITIONED_TABLES, create_region_partitions, partition_name
from apps.hospitals.services import hospital_create
from apps.tenants.models import Province, Region
from apps.tenants.services import region_create

from ..settlement.conftest import YEAR, add_cases, case


def _rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _where(table: str) -> dict[str, int]:
    """Rows of `table` per partition it physically sits in."""
    return dict(_rows(f"SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1"))


def _cases(hospital, n: int, day: dt.date = dt.date(YEAR, 3, 10)) -> list[Case]:
    return add_cases([case(hospital, "ED11", "8000.00", day) for _ in range(n)])


@pytest.mark.django_db
def test_both_tables_are_list_partitioned_by_region_with_a_sequence_id():
    got = _rows(
        "SELECT p.partrelid::regclass::text, p.partstrat, a.attname, "
        "       pg_get_constraintdef(c.oid), pg_get_serial_sequence(p.partrelid::regclass::text, 'id') "
        "FROM pg_partitioned_table p JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0] "
        "JOIN pg_constraint c ON c.conrelid = p.partrelid AND c.contype = 'p' ORDER BY 1")
    assert got == [
        ("cases_case", "l", "region_id", "PRIMARY KEY (id, region_id)", "public.cases_case_id_seq"),
        ("settlement_caseresult", "l", "region_id", "PRIMARY KEY (id, region_id)",
         "public.settlement_caseresult_id_seq"),
    ]
    # every unique key holds the partition key (PostgreSQL requires it), and nothing points into the tables
    uniques = _rows("SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE contype = 'u' AND conrelid IN ('cases_case'::regclass, 'settlement_caseresult'::regclass) "
                    "ORDER BY 1, 2")
    assert ("cases_case", "UNIQUE (region_id, settlement_id)") in uniques  # the importer's duplicate key
    assert [u for u in uniques if "region_id" not in u[1]] == []
    assert _rows("SELECT conname FROM pg_constraint WHERE confrelid IN "
                 "('cases_case'::regclass, 'settlement_caseresult'::regclass)") == []


@pytest.fixture
def parts(world):
    """The world with each region's own partitions (region_create makes them after its commit, which a test's
    transaction never reaches; here they are made inside it)."""
    for key in ("A", "B", "C"):
        create_region_partitions(world[key].region.pk)
    return world


@pytest.mark.django_db
def test_region_create_gives_the_region_its_partitions_after_commit(world, django_capture_on_commit_callbacks,
                                                                      settings):
    settings.REGION_PARTITIONS_ON_CREATE = True
    with django_capture_on_commit_callbacks(execute=True):
        region = region_create(actor=None, code="220400", name="辽源", province_code="220000",
                               province_name="吉林省")
    for table in PARTITIONED_TABLES:
        bound = _rows("SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE c.relname = %s",
                      [partition_name(table, region.pk)])
        assert bound == [(f"FOR VALUES IN ('{region.pk}')",)]
    assert create_region_partitions(region.pk) == []  # idempotent


@pytest.mark.django_db
def test_each_region_rows_sit_in_its_own_partition_and_ids_continue(parts):
    a, b = parts["A"], parts["B"]
    rows_a = _cases(a.hospital, 3)
    rows_b = _cases(b.hospital, 2)
    assert _where("cases_case") == {f"cases_case_r{a.region.pk}": 3, f"cases_case_r{b.region.pk}": 2}
    ids = [c.pk for c in rows_a + rows_b]
    assert ids == sorted(ids) and len(set(ids)) == 5  # one sequence across partitions: ids stay unique
    with scopes_disabled():
        assert Case.objects.get(pk=rows_b[0].pk).region_id == b.region.pk  # a lookup by id alone still works


@pytest.mark.django_db
def test_a_region_filtered_query_reads_only_its_partition(parts):
    a = parts["A"]
    _cases(a.hospital, 2)
    _cases(parts["B"].hospital, 2)
    with scope(region=[a.region.pk]):  # the scoped manager adds region_id IN (A), as every portal query does
        plan = Case.objects.filter(discharge_date__gte=dt.date(YEAR, 1, 1)).explain()
    assert f"cases_case_r{a.region.pk}" in plan
    others = [partition_name("cases_case", parts[k].region.pk) for k in ("B", "C")] + ["cases_case_default"]
    assert [name for name in others if name in plan] == []
    plan = "\n".join(r[0] for r in _rows("EXPLAIN SELECT count(*) FROM settlement_caseresult WHERE region_id = %s",
                                         [a.region.pk]))
    assert f"settlement_caseresult_r{a.region.pk}" in plan and "settlement_caseresult_default" not in plan


@pytest.mark.django_db
def test_a_region_without_its_partition_uses_default_until_it_gets_one(parts):
    with scopes_disabled():  # a region made without region_create (or before its commit)
        region = Region.objects.create(code="220200", name="吉林", province=Province.objects.create(
            code="220000", name="吉林省"), bureau_name="吉林市医疗保障局")
        hospital = hospital_create(actor=None, region=region, code="H2202000001", name="吉林市医院", level=3,
                                   grade="甲", type="general", drg_enabled_from=dt.date(2024, 1, 1))
    rows = _cases(hospital, 2)
    _cases(parts["A"].hospital, 1)
    assert _where("cases_case") == {"cases_case_default": 2, f"cases_case_r{parts['A'].region.pk}": 1}
    out = io.StringIO()
    call_command("region_partitions", stdout=out)  # every region lacking its partitions gets them
    assert json.loads(out.getvalue()) == {
        "regions": 4, "created": [f"cases_case_r{region.pk}", f"settlement_caseresult_r{region.pk}"],
        "rows_in_default": {"cases_case": 0, "settlement_caseresult": 0}}
    assert _where("cases_case") == {f"cases_case_r{region.pk}": 2,  # moved out of DEFAULT, same ids
                                    f"cases_case_r{parts['A'].region.pk}": 1}
    with scopes_disabled():
        assert sorted(Case.objects.filter(region=region).values_list("pk", flat=True)) == sorted(c.pk for c in rows)


@pytest.mark.django_db
def test_django_on_delete_still_protects_and_cascades_without_sql_foreign_keys(world):
    from apps.applications.models import Application
    from apps.screening.models import ScreeningItem

    a = world["A"]
    protected, screened, related = _cases(a.hospital, 3)
    with scopes_disabled():
        Application.objects.create(region=a.region, case=protected, hospital=a.hospital, type="special_case",
                                   reason="partition", year=YEAR)
        item = ScreeningItem.objects.create(region=a.region, rule="upcoding", case=screened, related_case=related,
                                            hospital=a.hospital, year=YEAR, month=3, reply_due=dt.date(YEAR, 4, 1))
        with pytest.raises(ProtectedError):
            protected.delete()  # PROTECT (applications)
        assert Case.objects.filter(pk=protected.pk).exists()
        related.delete()  # SET_NULL (screening related case)
        item.refresh_from_db()
        assert item.related_case_id is None
        screened.delete()  # CASCADE (screening item)
        assert not ScreeningItem.objects.filter(pk=item.pk).exists()
        assert Case.objects.filter(region=a.region).count() == 1
    assert Decimal(protected.total_cost) == Decimal("8000.00")


@pytest.mark.django_db
def test_analyze_region_refreshes_only_the_partition_holding_the_regions_rows(parts):
    """After a large upload the importer analyses the uploading region's partition, not every region's."""
    from apps.core.partitioning import analyze_region

    a, b = parts["A"], parts["B"]
    _cases(a.hospital, 3)
    _cases(b.hospital, 2)
    own, other = partition_name("cases_case", a.region.pk), partition_name("cases_case", b.region.pk)

    def reltuples(name: str) -> float:
        return _rows("SELECT reltuples FROM pg_class WHERE relname = %s", [name])[0][0]

    assert reltuples(own) == reltuples(other) == -1  # never analysed
    with connection.cursor() as cursor:
        analyze_region(cursor, "cases_case", a.region.pk)
    assert (reltuples(own), reltuples(other)) == (3, -1)
