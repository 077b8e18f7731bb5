"""The set-based SQL of a run agrees with formulas.py case by case, on the small world of conftest.py."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.core.lifecycle import Lifecycle
from apps.groups.models import GroupStat
from apps.settlement import formulas as f
from apps.settlement.models import CaseResult, HospitalCoefficient, HospitalResult
from apps.settlement.services import settlement_run_start
from apps.tenants.enums import Role
from apps.tenants.models import PolicyYear

from .conftest import BUDGET, YEAR, add_cases, case

D = Decimal
MARCH = dt.date(YEAR, 3, 15)


def march_cases(small) -> dict[str, object]:
    """Payment-year cases covering every type and boundary; keyed by a label."""
    h1, h2, h3, h4, h5 = small["h"]
    b = small["world"]["B"].hospital
    spec = {
        "normal": (h1, "ED11", "8000.00", "300.00"),
        "at_high_3": (h1, "ED11", "24000.00", "0"),  # ratio 3.0 exactly at level 3 → normal
        "high_3": (h1, "ED11", "24800.00", "1000.00"),  # ratio 3.1 → high
        "at_low": (h1, "ED11", "3200.00", "0"),  # ratio 0.4 exactly → normal
        "low": (h1, "ED11", "3000.00", "0"),  # ratio 0.375 → low
        "with_self_pay": (h1, "EC19", "5555.55", "555.55"),
        "at_high_2": (h2, "ED11", "16000.00", "0"),  # ratio 2.0 exactly at level 2 → normal
        "high_2": (h2, "ED11", "17600.00", "0"),  # ratio 2.2 → high
        "unstable": (h2, "EB19", "12000.00", "0"),
        "no_stats": (h2, "EB29", "5000.00", "0"),  # in the catalogue, no base-period case → unstable
        "ungrouped": (h2, "", "4000.00", "0"),
        "not_in_catalogue": (h2, "ZZ99", "4000.00", "0"),
        "not_drg_paid": (h3, "ED11", "8000.00", "0"),  # level-1 hospital without DRG payment: excluded
        "new_hospital": (h4, "EC19", "5000.00", "0"),
        "at_low_1": (h5, "ED11", "2400.00", "0"),  # level 1: ratio 0.3 exactly → normal
        "low_1": (h5, "ED11", "2320.00", "0"),  # 0.29 → low
        "region_b": (b, "ED11", "8000.00", "0"),  # another region: never in A's run
    }
    rows = {k: case(h, code, cost, MARCH, self_pay=sp) for k, (h, code, cost, sp) in spec.items()}
    rows["april"] = case(h1, "ED11", "8000.00", dt.date(YEAR, 4, 1))  # next period
    rows["feb_new"] = case(h4, "ED11", "8000.00", dt.date(YEAR, 2, 28))
    add_cases(list(rows.values()))
    return rows


def expected_outcome(small, c, policy: PolicyYear) -> f.CaseOutcome:
    stats = {s.group_code: s for s in GroupStat.objects.filter(version=small["stats"])}
    coefs = {r.hospital_id: r.coefficient for r in HospitalCoefficient.objects.filter(version=small["coefficients"])}
    s = stats.get(c.drg_code)
    level = c.hospital.level
    return f.settle_case(f.CaseInput(
        cost=c.total_cost, level=level, coefficient=coefs[c.hospital_id], low_ratio=policy.low_ratio(level),
        high_ratio=policy.high_ratio(level), all_avg=small["stats"].all_avg,
        grouped=c.drg_code not in ("", "ZZ99"), group_mean=s.mean_cost if s else None,
        base_points=s.base_points if s else None, stable=bool(s and s.stable),
    ))


@pytest.mark.django_db
def test_monthly_run_matches_formulas_case_by_case(small):
    cases = march_cases(small)
    staff = small["world"]["A"].users[Role.BUREAU_STAFF]
    run = settlement_run_start(actor=staff, region=small["region"], kind="monthly", period=f"{YEAR}-03")
    assert run.status == Lifecycle.READY, run.error
    with scopes_disabled():
        policy = PolicyYear.objects.get(region=small["region"], year=YEAR)
        results = {r.case_id: r for r in CaseResult.objects.filter(run=run)}
        labels = {c.pk: k for k, c in cases.items()}
        assert sorted(labels[pk] for pk in results) == sorted(
            k for k in cases if k not in ("not_drg_paid", "region_b", "april", "feb_new"))
        types = {labels[pk]: r.case_type for pk, r in results.items()}
        assert types == {
            "normal": "normal", "at_high_3": "normal", "high_3": "high", "at_low": "normal", "low": "low",
            "with_self_pay": "normal", "at_high_2": "normal", "high_2": "high", "unstable": "unstable",
            "no_stats": "unstable", "ungrouped": "ungrouped", "not_in_catalogue": "ungrouped",
            "new_hospital": "normal", "at_low_1": "normal", "low_1": "low",
        }
        for pk, r in results.items():
            want = expected_outcome(small, cases[labels[pk]], policy)
            assert r.case_type == want.case_type, labels[pk]
            assert r.points == want.points, labels[pk]
            assert r.adjusted_points == want.adjusted_points, labels[pk]
            assert r.effective_base == want.effective_base, labels[pk]
            if want.ratio is not None:
                assert r.ratio == want.ratio.quantize(D("1e-16")), labels[pk]
            assert r.low_ratio == policy.low_ratio(r.level) and r.high_ratio == policy.high_ratio(r.level)
        # point value and money from the sums, as the formulas say
        adjusted = sum(r.adjusted_points for r in results.values())
        self_pay = sum(r.self_pay for r in results.values())
        pv = f.monthly_point_value(BUDGET, self_pay, adjusted)
        assert run.point_value == pv and run.total_adjusted_points == adjusted and run.cases == len(results)
        assert run.all_avg == small["stats"].all_avg and run.fund_budget == D("100000.00")
        hospitals = HospitalResult.objects.filter(run=run)
        assert {h.hospital_id for h in hospitals} == {c.hospital_id for pk, c in
                                                      ((pk, cases[labels[pk]]) for pk in results)}
        for h in hospitals:
            mine = [r for r in results.values() if r.hospital_id == h.hospital_id]
            adj_h = sum(r.adjusted_points for r in mine)
            sp_h = sum(r.self_pay for r in mine)
            assert (h.cases, h.adjusted_points, h.self_pay) == (len(mine), adj_h, sp_h)
            assert h.due == f.due(adj_h, pv, sp_h)
            assert h.advance == f.advance(h.due, D("0.95"))
            assert h.balance is None and h.fund_paid is None and h.ffs_difference is None
        assert run.total_due == sum(h.due for h in hospitals)



@pytest.mark.django_db
def test_shared_inputs_are_read_through_joins_not_copied(small):
    """Decision 0046: a case row stores no copy of its run's inputs; `with_inputs()` and a single object read the
    same level, coefficient, thresholds, group mean and base points the engine used."""
    cases = march_cases(small)
    staff = small["world"]["A"].users[Role.BUREAU_STAFF]
    run = settlement_run_start(actor=staff, region=small["region"], kind="monthly", period=f"{YEAR}-03")
    assert run.status == Lifecycle.READY, run.error
    columns = {f.column for f in CaseResult._meta.concrete_fields}
    assert not columns & {"level", "coefficient", "low_ratio", "high_ratio", "group_mean", "base_points"}
    with scopes_disabled():
        policy = PolicyYear.objects.get(region=small["region"], year=YEAR)
        stats = {s.group_code: s for s in GroupStat.objects.filter(version=small["stats"])}
        hospitals = {h.hospital_id: h for h in HospitalResult.objects.filter(run=run)}
        labels = {c.pk: k for k, c in cases.items()}
        rows = list(CaseResult.objects.filter(run=run).with_inputs())
        assert len(rows) == run.cases == 15
        for r in rows:
            c, label = cases[labels[r.case_id]], labels[r.case_id]
            s = stats.get(c.drg_code) if label != "not_in_catalogue" else None
            assert r.level == c.hospital.level == hospitals[r.hospital_id].level, label
            assert r.coefficient == hospitals[r.hospital_id].coefficient, label
            assert (r.low_ratio, r.high_ratio) == (policy.low_ratio(r.level), policy.high_ratio(r.level)), label
            assert r.group_mean == (s.mean_cost if s else None), label
            assert r.base_points == (s.base_points if s else None), label
            if r.case_type in ("normal", "high"):  # the stored adjusted points follow from the joined coefficient
                assert r.adjusted_points == f.q4(r.points * r.coefficient), label
            single = CaseResult.objects.get(pk=r.pk)  # no annotation: loaded on first access, the same values
            assert [getattr(single, n) for n in ("level", "coefficient", "low_ratio", "high_ratio", "group_mean",
                                                 "base_points")] == [r.level, r.coefficient, r.low_ratio,
                                                                     r.high_ratio, r.group_mean, r.base_points]
        # each hospital's statement carries the coefficient its cases were adjusted with: the version's row
        coefs = {x.hospital_id: x.coefficient for x in HospitalCoefficient.objects.filter(version=small["coefficients"])}
        assert all(h.coefficient == coefs[h.hospital_id] for h in hospitals.values() if h.hospital_id in coefs)
