"""A settled world written directly with the models (no engine): known Decimal values to check screens,
API and exports against. Region A has a published run (every case type) and an unpublished one, a
published and a ready coefficient version; region B has a published run that must never leak."""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.cases.models import Case
from apps.core.lifecycle import Lifecycle
from apps.groups.models import Catalogue, GroupStat, StatsVersion
from apps.settlement.models import CaseResult, CoefficientVersion, HospitalCoefficient, HospitalResult, SettlementRun
from apps.tenants.enums import Role
from apps.tenants.services import user_create
from tests.conftest import PASSWORD, shared

_ids = itertools.count(1)
D = Decimal

# (type, hospital index, drg, cost, mean, bp, ratio, eb, coef, points, adjusted, unreasonable, application)
CASES = [
    ("normal", 0, "ES23", "8000.00", "10000.00", "100.0000", "0.8000000000000000", "100.0000", "1.0500",
     "100.0000", "105.0000", None, None),
    ("high", 0, "ES23", "35000.00", "10000.00", "100.0000", "3.5000000000000000", "100.0000", "1.0500",
     "150.0000", "157.5000", None, None),
    ("low", 0, "ES23", "3000.00", "10000.00", "100.0000", "0.3000000000000000", "100.0000", "1.0500",
     "30.0000", "30.0000", None, None),
    ("ungrouped", 0, "", "12000.00", None, None, None, None, "1.0500", "120.0000", "120.0000", None, None),
    ("unstable", 0, "XX19", "5000.00", None, None, None, None, "1.0500", "50.0000", "50.0000", None, None),
    ("incentive", 0, "ES23", "20000.00", "10000.00", "100.0000", "2.0000000000000000", "100.0000", "1.0500",
     "190.0000", "190.0000", "1000.00", 77),
    ("special", 0, "ES23", "15000.00", "10000.00", "100.0000", "1.5000000000000000", "100.0000", "1.0500",
     "150.0000", "150.0000", "0.00", 78),
    ("normal", 0, "ES23", "9000.00", "10000.00", "100.0000", "0.9000000000000000", "150.0000", "1.0500",
     "150.0000", "157.5000", None, 79),
    ("normal", 1, "ES23", "9500.00", "10000.00", "100.0000", "0.9500000000000000", "100.0000", "0.9500",
     "100.0000", "95.0000", None, None),
    ("normal", 1, "GB15", "20000.00", "18000.00", "180.0000", "1.1111111111111111", "180.0000", "0.9500",
     "180.0000", "171.0000", None, None),
]


@dataclass
class Settled:
    run: SettlementRun
    draft: SettlementRun
    results: list[CaseResult] = field(default_factory=list)
    hospital_results: list[HospitalResult] = field(default_factory=list)
    coefficients: CoefficientVersion | None = None
    coefficients_draft: CoefficientVersion | None = None


def make_case(hospital, drg: str, cost: str) -> Case:
    total = D(cost)
    day = dt.date(2025, 3, 10)
    return Case.objects.create(
        region_id=hospital.region_id, hospital=hospital, settlement_id=f"SUI{next(_ids):07d}", patient_hash="0" * 64,
        insurance_type="310", gender=1, age=50, admission_date=day - dt.timedelta(days=5), discharge_date=day,
        los_days=5, discharge_method="1", principal_dx="I21.000", drg_code=drg, total_cost=total,
        drug_cost=D("0"), consumable_cost=D("0"), exam_cost=D("0"), self_pay=D("100.00"), fund_paid=total - 100,
        content_hash="x",
    )


def dec(value):
    return None if value is None else D(value)


def build(world_region, *, period: str = "2025-03") -> Settled:
    region, hospitals = world_region.region, world_region.hospitals
    catalogue = Catalogue.objects.create(region=region, version="t", name="test")
    stats = StatsVersion.objects.create(region=region, year=2025, catalogue=catalogue, number=1,
                                        status="published", base_start=2022, base_end=2024, min_cases=5,
                                        cv_max=D("1"), lln_cases=100, all_avg=D("10000.00"))
    coef = CoefficientVersion.objects.create(
        region=region, year=2025, number=1, status=Lifecycle.READY, stats_version=stats, w_level=D("0.8"),
        w_cost=D("0.2"), new_hospital_factor=D("0.8"), level_index_3=D("1.0456789012345678"),
        level_index_2=D("0.9500000000000000"), level_index_1=D("0.7000000000000000"))
    HospitalCoefficient.objects.create(region=region, version=coef, hospital=hospitals[0], level=3, n_cases=120,
                                       cost_index=D("1.0123456789012345"), level_index=D("1.0456789012345678"),
                                       computed=D("1.0390"))
    HospitalCoefficient.objects.create(region=region, version=coef, hospital=hospitals[1], level=2, n_cases=80,
                                       cost_index=D("0.9500000000000000"), level_index=D("0.9500000000000000"),
                                       computed=D("0.9500"), override=D("0.9600"), override_reason="县局备案")
    HospitalCoefficient.objects.create(region=region, version=coef, hospital=hospitals[2], level=1, n_cases=0,
                                       cost_index=None, level_index=D("0.7000000000000000"), is_new=True,
                                       computed=D("0.5600"))
    coef.status = Lifecycle.PUBLISHED
    coef.published_at = timezone.now()
    coef.save()
    coef_draft = CoefficientVersion.objects.create(
        region=region, year=2025, number=2, status=Lifecycle.READY, stats_version=stats, w_level=D("0.8"),
        w_cost=D("0.2"), new_hospital_factor=D("0.8"), level_index_3=D("1.0456789012345678"))
    HospitalCoefficient.objects.create(region=region, version=coef_draft, hospital=hospitals[0], level=3,
                                       n_cases=120, cost_index=D("1.0123456789012345"),
                                       level_index=D("1.0456789012345678"), computed=D("1.0390"))

    # the inputs a case result shares with its run are read through joins (decision 0046): the groups' statistics,
    # the run's thresholds per level, the hospital results' level and coefficient
    GroupStat.objects.bulk_create([  # rows of a published version, as the statistics engine writes them
        GroupStat(region=region, version=stats, group_code=code, n=100, mean_cost=D(mean), sd=D("1"), cv=D("0.1"),
                  stable=True, base_points=D(bp), mean_los=D("5"), death_rate=D("0"))
        for code, mean, bp in (("ES23", "10000.00", "100.0000"), ("GB15", "18000.00", "180.0000"))])
    run = SettlementRun.objects.create(
        region=region, kind="monthly", period=period, year=2025, month=3, version=1, status=Lifecycle.READY,
        parameters={"low_ratio_1": "0.4", "low_ratio_2": "0.4", "low_ratio_3": "0.4", "high_ratio_1": "2",
                    "high_ratio_2": "2", "high_ratio_3": "3"},
        progress=100, stats_version=stats, coefficient_version=coef, fund_budget=D("83333.33"),
        all_avg=D("10000.00"), cases=len(CASES), total_points=D("1220.0000"), total_adjusted_points=D("1231.0000"),
        total_self_pay=D("1000.00"), point_value=D("68.5730"), total_due=D("83413.36"), total_advance=D("79242.69"))
    settled = Settled(run=run, draft=None, coefficients=coef, coefficients_draft=coef_draft)
    for (ctype, h, drg, cost, mean, bp, ratio, eb, c, points, adjusted, unr, app) in CASES:
        hospital = hospitals[h]
        case = make_case(hospital, drg, cost)
        settled.results.append(CaseResult.objects.create(
            region=region, run=run, case=case, hospital=hospital, settlement_id=case.settlement_id, drg_code=drg,
            level=hospital.level, case_type=ctype, total_cost=D(cost), self_pay=D("100.00"),
            fund_paid=D(cost) - 100, group_mean=dec(mean), base_points=dec(bp), ratio=dec(ratio),
            low_ratio=D("0.4000"), high_ratio=D("3.0000") if hospital.level == 3 else D("2.0000"),
            effective_base=dec(eb), coefficient=D(c), unreasonable_cost=dec(unr), application_id=app,
            points=D(points), adjusted_points=D(adjusted)))
    settled.hospital_results = [
        HospitalResult.objects.create(region=region, run=run, hospital=hospitals[0], level=3, coefficient=D("1.0500"),
                                      cases=8, points=D("940.0000"), adjusted_points=D("965.0000"),
                                      self_pay=D("800.00"), point_value=D("68.5730"), due=D("65374.95"),
                                      advance=D("62106.20"), balance=None),
        HospitalResult.objects.create(region=region, run=run, hospital=hospitals[1], level=2, coefficient=D("0.9500"),
                                      cases=2, points=D("280.0000"), adjusted_points=D("266.0000"),
                                      self_pay=D("200.00"), point_value=D("68.5730"), due=D("18040.42"),
                                      advance=D("17138.40"), balance=None),
    ]
    run.status = Lifecycle.PUBLISHED
    run.published_at = timezone.now()
    run.save()
    settled.draft = SettlementRun.objects.create(
        region=region, kind="monthly", period=period, year=2025, month=3, version=2, status=Lifecycle.READY,
        progress=100, stats_version=stats, coefficient_version=coef, point_value=D("70.0000"), cases=0)
    return settled


@pytest.fixture
def settled(request, module_settled, world):
    """{"A": Settled, "B": Settled, "other_hospital_user": hospital_admin of A's 2nd hospital, "world": world}
    (built once per module where every database test asks for it)."""
    return build_settled(world) if module_settled is None else shared(module_settled, request)


def build_settled(world) -> dict:
    with scopes_disabled():
        a, b = build(world["A"]), build(world["B"])
        other = user_create(actor=None, username="341800_other_hospital", password=PASSWORD, name="其他医院",
                            memberships=[{"role": Role.HOSPITAL_ADMIN, "region": world["A"].region,
                                          "hospital": world["A"].hospitals[1]}])
    return {"A": a, "B": b, "other_hospital_user": other, "world": world}
