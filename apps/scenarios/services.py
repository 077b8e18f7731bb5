"""State changes of what-if scenarios: create (and compute), recompute, delete, adopt.

A scenario's policy is an unsaved copy of the year's PolicyYear with the scenario's values set
(`scenario_policy`); it is computed by the one engine (groups.stats, settlement.coefficients,
settlement.engine), whose SQL reads every parameter from the version/run row, into rows marked with
`scenario` that are never published. Statistics and coefficients are recomputed only when a parameter
they read differs from the published version; otherwise the published ones are used as they are, so a
scenario costs one run (plus one for the baseline when no run of the period is published).
"""
from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from apps.core import jobs, lifecycle
from apps.core.audit import record_event
from apps.core.errors import Forbidden, InvalidTransition, ValidationFailed, checked_year
from apps.core.lifecycle import Lifecycle
from apps.core.scoping import region_scope, scoped
from apps.groups.models import Catalogue, StatsVersion
from apps.groups.selectors import published_stats
from apps.groups.services import _catalogue_for
from apps.groups.stats import compute_stats_sql
from apps.settlement import services as settlement
from apps.settlement.coefficients import compute_coefficients_sql
from apps.settlement.engine import compute_run_sql, period_bounds
from apps.settlement.enums import RunKind
from apps.settlement.formulas import div, q2
from apps.settlement.models import CoefficientVersion, SettlementRun
from apps.settlement.selectors import published_coefficients, published_run
from apps.tenants.access import get_access
from apps.tenants.models import PolicyYear, Region, User
from apps.tenants.roles import BUREAU_ADMINS, BUREAU_ROLES
from apps.tenants.services import _coerce, policy_get_or_create, policy_set

from .models import Baseline, Scenario

COMPUTE_ROLES = BUREAU_ROLES
ADOPT_ROLES = BUREAU_ADMINS
STATS_FIELDS = ("base_start", "base_end", "min_cases", "cv_max", "lln_cases")
COEF_FIELDS = ("w_level", "w_cost", "new_hospital_factor")
FUND_FIELDS = ("fund_budget_310", "fund_budget_390")


def _require(actor: User | None, region_id: int, roles: tuple[str, ...], message: str) -> None:
    if actor is not None and not get_access(actor).has_role(region_id, *roles):
        raise Forbidden(message)


_scoped = scoped  # the shared helper (apps.core.scoping.scoped)


def _check_period(year: int, period: str | None) -> str:
    period = (period or str(year)).strip()
    p_year, _month, _, _ = period_bounds(period)
    if p_year != year:
        raise ValidationFailed(f"period: {period} is not in the payment year {year}")
    return period


def clean_parameters(parameters: Any) -> dict[str, str]:
    """The scenario's values by set_policy name, coerced as set_policy does; stored as strings (JSON)."""
    if not isinstance(parameters, dict):
        raise ValidationFailed("parameters: an object of policy parameter names and values")
    unknown = sorted(set(parameters) - set(PolicyYear.PARAMETERS))
    if unknown:
        raise ValidationFailed(f"parameters: unknown parameter(s): {', '.join(unknown)}")
    cleaned = {}
    for name, raw in parameters.items():
        value = _coerce(name, raw)
        cleaned[name] = None if value is None else str(value)
    return cleaned


def scenario_policy(region: Region, year: int, parameters: dict[str, Any]) -> PolicyYear:
    """The year's policy with the scenario's values, unsaved and validated like `set_policy` would."""
    policy = policy_get_or_create(region=region, year=year)
    with region_scope([region.pk]):
        copy = PolicyYear.objects.get(pk=policy.pk)
    copy.pk = None
    copy._state.adding = True
    for name, raw in parameters.items():
        setattr(copy, name, _coerce(name, raw))
    if (copy.fund_budget_310 is None) != (copy.fund_budget_390 is None):
        raise ValidationFailed("fund_budget_310 and fund_budget_390 are given together or not at all.")
    try:
        copy.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as err:
        raise ValidationFailed("; ".join(f"{k}: {' '.join(v)}" for k, v in err.message_dict.items()))
    if not copy.split_funds and (not copy.fund_budget or copy.fund_budget <= 0):
        raise ValidationFailed(f"fund_budget: the {year} fund budget is not set (in the policy or the scenario)")
    start, end = copy.base_years
    if start > end:
        raise ValidationFailed("base_start: the base period starts after it ends")
    return copy


def run_parameters(policy: PolicyYear, region: Region, period: str) -> dict:
    """What a run records, exactly as settlement_run_start records it for a simulation of the period
    (with the two-fund and retention inputs of domain §10 when the settlement app records them)."""
    parameters = {name: str(getattr(policy, name)) for name in settlement.RUN_PARAMETERS}
    section10 = getattr(settlement, "_section10_parameters", None)
    if section10 is not None:
        parameters.update(section10(region, policy, RunKind.SIMULATION, period))
    else:
        for name in FUND_FIELDS:
            if getattr(policy, name, None) is not None:
                parameters[name] = str(getattr(policy, name))
    parameters["payment_method"] = region.payment_method
    return parameters


# --- create / recompute / delete -----------------------------------------------------------------


def scenario_create(*, actor: User | None, region: Region, year: int, name: str, parameters: dict | None = None,
                    period: str | None = None, note: str = "", sync: bool = False) -> Scenario:
    """Save a named scenario of the year's policy and compute it in a Celery task (eager in tests)."""
    _require(actor, region.pk, COMPUTE_ROLES, "Only bureau staff can build what-if scenarios.")
    year = checked_year(year)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("name: a scenario needs a name")
    if len(name) > 100:
        raise ValidationFailed("name: at most 100 characters")
    cleaned = clean_parameters(parameters or {})
    period = _check_period(year, period)
    scenario_policy(region, year, cleaned)  # refuse now what the computation would refuse
    with transaction.atomic():
        if _scoped(Scenario, region.pk).filter(region=region, year=year, name=name).exists():
            raise ValidationFailed(f"name: {year} has a scenario named {name!r} already")
        scenario = Scenario.objects.create(region=region, year=year, name=name, note=note or "", period=period,
                                           parameters=cleaned, created_by=actor)
        record_event(actor=actor, action="scenario.create", obj=scenario,
                     new={"year": year, "name": name, "period": period, **cleaned})
    _dispatch(scenario, sync)
    scenario.refresh_from_db()
    return scenario


def scenario_recompute(*, actor: User | None, scenario: Scenario, sync: bool = False) -> Scenario:
    """Compute again (e.g. after new cases or a new published version); the old scenario rows are replaced."""
    _require(actor, scenario.region_id, COMPUTE_ROLES, "Only bureau staff can compute what-if scenarios.")
    with transaction.atomic():
        locked = _scoped(Scenario, scenario.region_id).select_for_update().get(pk=scenario.pk)
        lifecycle.reap_stale(Scenario, queryset=_scoped(Scenario, scenario.region_id).filter(pk=locked.pk))
        locked.refresh_from_db()
        if locked.status == Lifecycle.RUNNING:
            raise InvalidTransition("The scenario is being computed.")
        if locked.status != Lifecycle.QUEUED:  # a queued one that never started is simply sent again
            lifecycle.requeue(locked)
        record_event(actor=actor, action="scenario.recompute", obj=locked, new={"name": locked.name})
    _dispatch(locked, sync)
    locked.refresh_from_db()
    return locked


def _dispatch(scenario: Scenario, sync: bool) -> None:
    if sync:
        with region_scope(scenario.region_id):
            scenario_compute(scenario.pk)
        return
    try:
        jobs.enqueue("scenarios.compute_scenario", region_id=scenario.region_id, scenario_id=scenario.pk)
    except Exception as err:  # broker down: say so on the scenario instead of leaving it queued
        lifecycle.fail(scenario, error=f"could not queue the computation: {err}", quiet=True)
        raise


def _delete_rows(scenario_id: int) -> None:
    """The scenario's runs, coefficients and statistics (children first: runs protect their versions)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE scenarios_scenario SET stats_version_id = NULL, coefficient_version_id = NULL, "
                       "run_id = NULL, baseline_run_id = NULL WHERE id = %s", [scenario_id])
        for sql in (
            "DELETE FROM settlement_caseresult WHERE run_id IN (SELECT id FROM settlement_settlementrun WHERE scenario_id = %s)",
            "DELETE FROM settlement_hospitalresult WHERE run_id IN (SELECT id FROM settlement_settlementrun WHERE scenario_id = %s)",
            "DELETE FROM settlement_settlementrun WHERE scenario_id = %s",
            "DELETE FROM settlement_hospitalcoefficient WHERE version_id IN "
            "(SELECT id FROM settlement_coefficientversion WHERE scenario_id = %s)",
            "DELETE FROM settlement_coefficientversion WHERE scenario_id = %s",
            "DELETE FROM groups_groupstat WHERE version_id IN (SELECT id FROM groups_statsversion WHERE scenario_id = %s)",
            "DELETE FROM groups_statsversion WHERE scenario_id = %s",
        ):
            cursor.execute(sql, [scenario_id])


@transaction.atomic
def scenario_delete(*, actor: User | None, scenario: Scenario) -> None:
    """Delete a scenario with every row computed for it; nothing official is touched."""
    _require(actor, scenario.region_id, COMPUTE_ROLES, "Only bureau staff can delete what-if scenarios.")
    locked = _scoped(Scenario, scenario.region_id).select_for_update().get(pk=scenario.pk)
    _delete_rows(locked.pk)
    record_event(actor=actor, action="scenario.delete", obj=locked, old={"name": locked.name, **locked.parameters})
    locked.delete()


# --- compute (the task body) ---------------------------------------------------------------------


def _progress(scenario_id: int, done: int, **fields) -> None:
    """The percentage through the one progress writer; the rows found so far beside it (same connection)."""
    lifecycle.progress(Scenario, scenario_id, done=done)
    if fields:
        Scenario._base_manager.filter(pk=scenario_id).update(**fields)


def _differs(version, policy: PolicyYear, fields: tuple[str, ...]) -> bool:
    start, end = policy.base_years
    values = {"base_start": start, "base_end": end}
    return any(Decimal(str(getattr(version, f))) != Decimal(str(values.get(f, getattr(policy, f)))) for f in fields)


def _stats_for(scenario: Scenario, policy: PolicyYear):
    """The published statistics if the scenario leaves their parameters alone, else its own version."""
    region = scenario.region
    published = published_stats(region, scenario.year)
    catalogue = None
    if policy.catalogue:  # a scenario may name another catalogue version: read the copy, not the stored policy

        catalogue = _scoped(Catalogue, region.pk).filter(region=region, version=policy.catalogue).first()
    catalogue = catalogue or _catalogue_for(region, policy)
    if published is not None and published.catalogue_id == catalogue.pk and not _differs(published, policy, STATS_FIELDS):
        return published, False
    start, end = policy.base_years
    version = StatsVersion.scenario_objects.with_scope(region=[region.pk]).create(
        region=region, year=scenario.year, scenario=scenario, number=1, status=Lifecycle.QUEUED,
        catalogue=catalogue, base_start=start, base_end=end, min_cases=policy.min_cases, cv_max=policy.cv_max,
        lln_cases=policy.lln_cases)
    return compute_stats_sql(version), True


def _coefficients_for(scenario: Scenario, policy: PolicyYear, stats, new_stats: bool):
    """The published coefficients if neither they nor their statistics change, else the scenario's own
    version, computed by the same SQL; the bureau's overrides of the published version are carried over."""
    region = scenario.region
    published = published_coefficients(region, scenario.year)
    if published is not None and not new_stats and published.stats_version_id == stats.pk \
            and not _differs(published, policy, COEF_FIELDS):
        return published
    version = CoefficientVersion.scenario_objects.with_scope(region=[region.pk]).create(
        region=region, year=scenario.year, scenario=scenario, number=1, status=Lifecycle.QUEUED,
        stats_version=stats, w_level=policy.w_level, w_cost=policy.w_cost,
        new_hospital_factor=policy.new_hospital_factor)
    version = compute_coefficients_sql(version)
    if published is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE settlement_hospitalcoefficient n SET override = o.override, override_reason = o.override_reason "
                "FROM settlement_hospitalcoefficient o WHERE n.version_id = %s AND o.version_id = %s "
                "AND o.hospital_id = n.hospital_id AND o.override IS NOT NULL", [version.pk, published.pk])
    return version


def _run(scenario: Scenario, policy: PolicyYear, stats, coefficients, number: int):
    """A simulation run of the scenario's period, computed by the settlement engine."""
    year, month, _, _ = period_bounds(scenario.period)
    annual = policy.fund_budget if not policy.split_funds else policy.fund_budget_310 + policy.fund_budget_390
    run = SettlementRun.scenario_objects.with_scope(region=[scenario.region_id]).create(
        region_id=scenario.region_id, scenario=scenario, kind=RunKind.SIMULATION, period=scenario.period,
        year=year, month=month, version=number, stats_version=stats, coefficient_version=coefficients,
        parameters=run_parameters(policy, scenario.region, scenario.period),
        fund_budget=annual if month is None else q2(div(annual, Decimal(12))), all_avg=stats.all_avg,
        started_by=scenario.created_by)
    return compute_run_sql(run)


def _published_baseline(scenario: Scenario):
    kind = RunKind.MONTHLY if "-" in scenario.period else RunKind.ANNUAL
    return published_run(scenario.region, kind, scenario.period) \
        or published_run(scenario.region, RunKind.SIMULATION, scenario.period)


def scenario_compute(scenario_id: int) -> Scenario:
    """Compute statistics (if changed), coefficients (if changed), the scenario run and, where no run of the
    period is published, a baseline run under the current policy; all in the scenario's rows."""
    scenario = Scenario.objects.select_related("region").get(pk=scenario_id)
    started = time.monotonic()
    if not lifecycle.claim(Scenario, scenario_id):  # a second delivery, or not queued: nothing to do
        scenario.refresh_from_db()
        return scenario
    _progress(scenario_id, 5)
    try:
        _delete_rows(scenario_id)
        policy = scenario_policy(scenario.region, scenario.year, scenario.parameters)
        stats, new_stats = _stats_for(scenario, policy)
        _progress(scenario_id, 30, stats_version_id=stats.pk)
        coefficients = _coefficients_for(scenario, policy, stats, new_stats)
        _progress(scenario_id, 50, coefficient_version_id=coefficients.pk)
        run = _run(scenario, policy, stats, coefficients, 1)
        _progress(scenario_id, 80, run_id=run.pk)
        baseline_run, baseline = _published_baseline(scenario), Baseline.PUBLISHED
        if baseline_run is None:
            current = policy_get_or_create(region=scenario.region, year=scenario.year)
            off_stats = published_stats(scenario.region, scenario.year)
            off_coef = published_coefficients(scenario.region, scenario.year)
            has_budget = current.split_funds or (current.fund_budget or 0) > 0
            if off_stats is not None and off_coef is not None and has_budget:
                baseline_run, baseline = _run(scenario, current, off_stats, off_coef, 2), Baseline.CURRENT
            else:
                baseline = Baseline.NONE
        lifecycle.finish(Scenario, scenario_id, baseline_run_id=baseline_run.pk if baseline_run else None,
                         baseline=baseline, seconds=Decimal(str(round(time.monotonic() - started, 2))))
    except Exception as err:  # the scenario must never stay "running"
        message = getattr(err, "message", None) or f"{type(err).__name__}: {err}"
        lifecycle.fail(Scenario, scenario_id, str(message), quiet=True)
        if not isinstance(err, ValidationFailed | InvalidTransition):
            raise
    scenario.refresh_from_db()
    return scenario


# --- adopt ---------------------------------------------------------------------------------------


def scenario_adopt(*, actor: User | None, scenario: Scenario, reason: str) -> PolicyYear:
    """Make the scenario's values the year's policy (set_policy, audited with the reason); only the bureau
    administrator. Published statistics, coefficients and runs stay as they are: the next computations use it."""
    _require(actor, scenario.region_id, ADOPT_ROLES, "Only the bureau administrator can adopt a scenario.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason: a reason is required to adopt a scenario")
    with transaction.atomic():
        locked = _scoped(Scenario, scenario.region_id).select_for_update().get(pk=scenario.pk)
        if locked.status != Lifecycle.READY:
            raise InvalidTransition("Only a computed (ready) scenario can be adopted.")
        text = f"scenario {locked.name!r} (#{locked.pk}): {reason}"
        policy = policy_set(actor=actor, region=locked.region, year=locked.year, values=dict(locked.parameters),
                            reason=text)
        locked.adopted_by = actor
        locked.adopted_at = timezone.now()
        locked.adopt_reason = reason
        locked.save(update_fields=["adopted_by", "adopted_at", "adopt_reason"])
        record_event(actor=actor, action="scenario.adopt", obj=locked, new=dict(locked.parameters), reason=reason)
    return policy
