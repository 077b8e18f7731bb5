"""State changes of the settlement app: coefficient versions (compute, override, publish) and settlement
runs (start, publish).

Every write checks the actor's role in the region (actor None = system: commands, the demo), runs in a
transaction with the rows it changes locked, and writes the audit trail. The computing itself is
set-based SQL (`coefficients.py`, `engine.py`) run by a Celery task; nothing is published automatically.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from apps.cases.models import Case
from apps.core import jobs, lifecycle
from apps.core.audit import model_snapshot, record_event
from apps.core.errors import Forbidden, InvalidTransition, ValidationFailed, checked_year
from apps.core.lifecycle import Lifecycle
from apps.core.scoping import region_scope, scoped
from apps.groups.selectors import published_stats
from apps.tenants.access import get_access
from apps.tenants.models import PolicyYear, Region, User
from apps.tenants.roles import BUREAU_ADMINS, BUREAU_ROLES
from apps.tenants.services import policy_get_or_create

from .enums import RunKind
from .formulas import div, q2
from .models import CoefficientVersion, HospitalCoefficient, SettlementRun

__all__ = [
    "coefficients_compute", "coefficient_override", "coefficients_publish", "coefficient_version_run",
    "settlement_run_start", "settlement_run_publish", "settlement_run_compute",
]

COMPUTE_ROLES = BUREAU_ROLES
ADMIN_ROLES = BUREAU_ADMINS
# A queued/running computation without a sign of life for this long is taken for a lost worker (apps.core.lifecycle).
STALE_AFTER = SettlementRun.lifecycle.stale_after
# Policy parameters a run records (and computes with), in domain.md's names.
RUN_PARAMETERS = ("fund_budget", "prepay_ratio", "low_ratio_1", "low_ratio_2", "low_ratio_3", "high_ratio_1",
                  "high_ratio_2", "high_ratio_3", "bilateral_factor", "multi_site_share")
MAX_COEFFICIENT = Decimal("9999.9999")
# domain §10 parameters a run records besides the fund budgets
SECTION10_PARAMETERS = ("upload_deadline_day", "surplus_keep_share", "overspend_share", "overspend_floor")


def _require(actor: User | None, region_id: int, roles: tuple[str, ...], message: str) -> None:
    """Role and scope in one check: a role is always held in a region."""
    if actor is not None and not get_access(actor).has_role(region_id, *roles):
        raise Forbidden(message)


_scoped = scoped  # the shared helper (apps.core.scoping.scoped)


def _locked_policy(region: Region, year: int) -> PolicyYear:
    """The year's policy row, locked: it serialises concurrent starts for one region and year."""
    policy = policy_get_or_create(region=region, year=year)
    return _scoped(PolicyYear, region.pk).select_for_update().get(pk=policy.pk)


# --- coefficients (domain §3) --------------------------------------------------------------------


def coefficients_compute(*, actor: User | None, region: Region, year: int, sync: bool = False) -> CoefficientVersion:
    """Start a new coefficient version from the year's published group statistics and compute it in a
    Celery task (eager in tests; `sync=True` for commands and the demo)."""
    _require(actor, region.pk, COMPUTE_ROLES, "Only bureau staff can compute coefficients.")
    year = checked_year(year)
    with transaction.atomic():
        policy = _locked_policy(region, year)
        stats = published_stats(region, year)
        if stats is None:
            raise ValidationFailed(f"group statistics: {year} has no published group statistics; publish them first")
        versions = _scoped(CoefficientVersion, region.pk).filter(region=region, year=year)
        lifecycle.refuse_if_active(versions, "year")
        version = CoefficientVersion.objects.create(
            region=region, year=year, number=(versions.aggregate(m=Max("number"))["m"] or 0) + 1,
            stats_version=stats, w_level=policy.w_level, w_cost=policy.w_cost,
            new_hospital_factor=policy.new_hospital_factor, computed_by=actor,
        )
        record_event(actor=actor, action="coefficients.compute", obj=version,
                     new=model_snapshot(version, ["year", "number", "stats_version_id", "w_level", "w_cost",
                                                  "new_hospital_factor"]))
    _dispatch(version, "settlement.compute_coefficients", "version_id", sync, coefficient_version_run)
    version.refresh_from_db()
    return version


def _dispatch(obj, task: str, key: str, sync: bool, body) -> None:
    """Run the computation now (sync) or queue it; a queue failure leaves the item failed, not queued."""
    if sync:
        with region_scope(obj.region_id):
            body(obj.pk)
        return
    try:
        jobs.enqueue(task, region_id=obj.region_id, **{key: obj.pk})
    except Exception as err:  # broker down: say so on the item instead of leaving it queued forever
        lifecycle.fail(obj, error=f"could not queue the computation: {err}", quiet=True)
        raise


def coefficient_version_run(version_id: int) -> CoefficientVersion:
    """The task body: compute, and on any failure leave the version `failed` with the reason."""
    from .coefficients import compute_coefficients_sql

    version = CoefficientVersion.objects.get(pk=version_id)
    try:
        return compute_coefficients_sql(version)
    except Exception as err:  # the version must never stay "running"
        message = err.message if isinstance(err, ValidationFailed) else f"{type(err).__name__}: {err}"
        lifecycle.fail(CoefficientVersion, version_id, str(message), quiet=True)
        version.refresh_from_db()
        if not isinstance(err, ValidationFailed):
            raise
        return version


def _coefficient_value(value) -> Decimal:
    try:
        value = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(f"value: {value!r} is not a number")
    if not value.is_finite() or value <= 0 or value > MAX_COEFFICIENT:
        raise ValidationFailed("value: a coefficient is a positive number below 10000")
    if value != value.quantize(Decimal("0.0001")):
        raise ValidationFailed("value: at most 4 decimals")
    return value


@transaction.atomic
def coefficient_override(*, actor: User | None, row: HospitalCoefficient, value: Decimal | None,
                         reason: str) -> HospitalCoefficient:
    """Override one hospital's coefficient (None removes the override) with a mandatory reason.

    Only on a ready (not yet published) version: a published coefficient is corrected by a new version.
    """
    _require(actor, row.region_id, ADMIN_ROLES, "Only the bureau administrator can override coefficients.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason: a reason is required to override a coefficient")
    new_value = None if value is None or value == "" else _coefficient_value(value)
    version = _scoped(CoefficientVersion, row.region_id).select_for_update().get(pk=row.version_id)
    if version.status != Lifecycle.READY:
        raise InvalidTransition(
            f"Only a ready version can be changed (this one is {version.get_status_display()}).")
    locked = _scoped(HospitalCoefficient, row.region_id).select_for_update().get(pk=row.pk)
    old = {"coefficient": locked.coefficient, "override": locked.override}
    locked.override = new_value
    locked.override_reason = reason if new_value is not None else ""
    locked.overridden_by = actor if new_value is not None else None
    locked.overridden_at = timezone.now() if new_value is not None else None
    locked.save(update_fields=["override", "override_reason", "overridden_by", "overridden_at"])
    record_event(actor=actor, action="coefficients.override", obj=locked, region=version.region,
                 old=old, new={"coefficient": locked.coefficient, "override": locked.override,
                               "hospital": locked.hospital_id, "version": version.number}, reason=reason)
    return locked


@transaction.atomic
def coefficients_publish(*, actor: User | None, version: CoefficientVersion) -> CoefficientVersion:
    """Publish a ready version; the earlier published version of the same year is superseded."""
    _require(actor, version.region_id, ADMIN_ROLES, "Only the bureau administrator can publish coefficients.")
    locked, _previous = lifecycle.publish(
        version, actor=actor,
        details=lambda v, prev: {"number": v.number, "superseded": prev.number if prev else None})
    return locked


# --- settlement runs (domain §4–§5) --------------------------------------------------------------


def _check_kind_period(kind: str, period: str) -> tuple[int, int | None]:
    from .engine import period_bounds

    if kind not in RunKind.values:
        raise ValidationFailed(f"kind: {kind!r} is not one of {', '.join(RunKind.values)}")
    year, month, _, _ = period_bounds(period)
    checked_year(year)
    if kind == RunKind.MONTHLY and month is None:
        raise ValidationFailed("period: a monthly run needs YYYY-MM")
    if kind == RunKind.ANNUAL and month is not None:
        raise ValidationFailed("period: an annual run needs YYYY")
    return year, month


def _has_cases(region: Region, period: str) -> bool:
    from .engine import period_bounds

    _, _, start, end = period_bounds(period)
    return _scoped(Case, region.pk).filter(
        region=region, discharge_date__gte=start, discharge_date__lt=end, hospital__active=True,
        hospital__drg_enabled_from__isnull=False, hospital__drg_enabled_from__lte=F("discharge_date"),
    ).exists()


def _check_budget(policy: PolicyYear, year: int) -> None:
    """One fund needs `fund_budget`; two funds (domain §10) need both fund budgets, together above 0."""
    if policy.split_funds:
        if policy.fund_budget_310 < 0 or policy.fund_budget_390 < 0 or \
                policy.fund_budget_310 + policy.fund_budget_390 <= 0:
            raise ValidationFailed(f"fund_budget_310: set the {year} budgets of both funds first")
        return
    if not policy.fund_budget or policy.fund_budget <= 0:
        raise ValidationFailed(f"fund_budget: set the {year} fund budget first")


def _annual_budget(policy: PolicyYear) -> Decimal:
    """The year's budget of the run: the sum over both funds when they are separate."""
    if policy.split_funds:
        return policy.fund_budget_310 + policy.fund_budget_390
    return policy.fund_budget


def _section10_parameters(region: Region, policy: PolicyYear, kind: str, period: str) -> dict:
    """Two funds, retention/sharing and (monthly) the hospitals whose advance is suspended, as recorded inputs."""
    out = {name: str(getattr(policy, name)) for name in SECTION10_PARAMETERS}
    out["fund_budget_310"] = str(policy.fund_budget_310) if policy.split_funds else None
    out["fund_budget_390"] = str(policy.fund_budget_390) if policy.split_funds else None
    if kind == RunKind.MONTHLY:
        from .deadlines import suspended_hospitals, suspension_reason

        suspended = _with_cases(region, period, suspended_hospitals(region, period))
        out["suspended_hospitals"] = suspended
        out["suspension_reason"] = suspension_reason(region, period) if suspended else ""
    return out


def _with_cases(region: Region, period: str, hospital_ids: list[int]) -> list[int]:
    """The hospitals among `hospital_ids` that have a case in the period (the others have no advance to stop)."""
    from .engine import period_bounds

    if not hospital_ids:
        return []
    _, _, start, end = period_bounds(period)
    return sorted(set(_scoped(Case, region.pk).filter(
        region=region, hospital_id__in=hospital_ids, discharge_date__gte=start, discharge_date__lt=end)
        .values_list("hospital_id", flat=True).distinct()))


def settlement_run_start(*, actor: User | None, region: Region, kind: str, period: str,
                         sync: bool = False) -> SettlementRun:
    """Create the next version of a run for (region, kind, period) and compute it in a Celery task.

    Refused (ValidationFailed, nothing created) without published group statistics or coefficients for
    the year, without a fund budget, or without a case to settle.
    """
    from .selectors import published_coefficients

    _require(actor, region.pk, COMPUTE_ROLES, "Only bureau staff can run settlements.")
    period = (period or "").strip()
    year, month = _check_kind_period(kind, period)
    with transaction.atomic():
        policy = _locked_policy(region, year)
        stats = published_stats(region, year)
        if stats is None or not stats.all_avg:
            raise ValidationFailed(f"group statistics: {year} has no published group statistics; publish them first")
        coefficients = published_coefficients(region, year)
        if coefficients is None:
            raise ValidationFailed(f"coefficients: {year} has no published hospital coefficients; publish them first")
        _check_budget(policy, year)
        if not _has_cases(region, period):
            raise ValidationFailed(f"period {period}: no case of a DRG-paid hospital to settle")
        runs = _scoped(SettlementRun, region.pk).filter(region=region, kind=kind, period=period)
        lifecycle.refuse_if_active(runs, "period")
        parameters = {name: str(getattr(policy, name)) for name in RUN_PARAMETERS}
        parameters["payment_method"] = region.payment_method
        parameters.update(_section10_parameters(region, policy, kind, period))
        annual = _annual_budget(policy)
        budget = annual if month is None else q2(div(annual, Decimal(12)))
        run = SettlementRun.objects.create(
            region=region, kind=kind, period=period, year=year, month=month,
            version=(runs.aggregate(m=Max("version"))["m"] or 0) + 1, stats_version=stats,
            coefficient_version=coefficients, parameters=parameters, fund_budget=budget,
            all_avg=stats.all_avg, started_by=actor,
        )
        record_event(actor=actor, action="settlement.run_start", obj=run,
                     new={"kind": kind, "period": period, "version": run.version, "stats_version": stats.number,
                          "coefficient_version": coefficients.number, **parameters})
        if kind == RunKind.MONTHLY:
            from .deadlines import record_suspensions

            record_suspensions(actor=actor, run=run, suspended=parameters.get("suspended_hospitals", []))
    _dispatch(run, "settlement.run_settlement", "run_id", sync, settlement_run_compute)
    run.refresh_from_db()
    return run


def settlement_run_compute(run_id: int) -> SettlementRun:
    """The task body: compute, and on any failure leave the run `failed` with the reason."""
    from .engine import compute_run_sql

    run = SettlementRun.objects.get(pk=run_id)
    try:
        return compute_run_sql(run)
    except Exception as err:  # the run must never stay "running"
        message = err.message if isinstance(err, ValidationFailed | InvalidTransition) else f"{type(err).__name__}: {err}"
        lifecycle.fail(SettlementRun, run_id, str(message), quiet=True)
        run.refresh_from_db()
        if not isinstance(err, ValidationFailed | InvalidTransition):
            raise
        return run


# Called with (actor, previous_run, new_run) when publishing supersedes a run, inside the same transaction: the
# notices app withdraws the old run's statements, saying which version replaces them.
RUN_SUPERSEDED_HOOKS: list = []


@transaction.atomic
def settlement_run_publish(*, actor: User | None, run: SettlementRun) -> SettlementRun:
    """Publish a ready run; the earlier published run of the same (region, kind, period) is superseded.

    A monthly run of a cleared year (published annual run) is refused: its advance would not be in the
    clearing's balances.
    """
    from .selectors import cleared_years

    _require(actor, run.region_id, ADMIN_ROLES, "Only the bureau administrator can publish settlement runs.")

    def not_cleared(locked: SettlementRun) -> None:
        if locked.kind == RunKind.MONTHLY and locked.year in cleared_years(locked.region):
            raise InvalidTransition(f"{locked.year} is cleared already: a monthly run can no longer be published.")

    locked, previous = lifecycle.publish(
        run, actor=actor, check_locked=not_cleared,
        details=lambda r, prev: {"version": r.version, "point_value": r.point_value, "total_due": r.total_due,
                                 "superseded": prev.version if prev else None})
    if previous is not None:
        for hook in RUN_SUPERSEDED_HOOKS:
            hook(actor, previous, locked)
    return locked


# --- a coefficient changed after a dispute (workflows §3) ----------------------------------------


@transaction.atomic
def coefficient_revise(*, actor: User | None, region: Region, year: int, hospital, value, reason: str,
                       source: str = "dispute", source_id: int | None = None) -> CoefficientVersion:
    """Change one hospital's coefficient in force for `year`: a published version never changes, so a new
    version is made as a copy of the published one (same statistics, weights, level indices, rows and
    overrides), the hospital's row is overridden with `reason` (`coefficient_override`) and the copy is
    published (`coefficients_publish`), superseding the old one. Runs computed afterwards use it.
    """
    from .selectors import published_coefficients

    _require(actor, region.pk, ADMIN_ROLES, "Only the bureau administrator can change coefficients.")
    year = checked_year(year)
    _locked_policy(region, year)  # serialises with computations and other revisions of the year
    current = published_coefficients(region, year)
    if current is None:
        raise ValidationFailed(f"coefficients: {year} has no published hospital coefficients")
    current = _scoped(CoefficientVersion, region.pk).select_for_update().get(pk=current.pk)
    rows = list(_scoped(HospitalCoefficient, region.pk).filter(version=current))
    if not any(r.hospital_id == hospital.pk for r in rows):
        raise ValidationFailed("hospital: it has no coefficient in the published version")
    value = _coefficient_value(value)
    number = (_scoped(CoefficientVersion, region.pk).filter(region=region, year=year)
              .aggregate(m=Max("number"))["m"] or 0) + 1
    copy = CoefficientVersion.objects.create(
        region=region, year=year, number=number, status=Lifecycle.READY, stats_version=current.stats_version,
        w_level=current.w_level, w_cost=current.w_cost, new_hospital_factor=current.new_hospital_factor,
        level_index_1=current.level_index_1, level_index_2=current.level_index_2,
        level_index_3=current.level_index_3, progress=100, computed_by=actor, computed_at=timezone.now())
    HospitalCoefficient.objects.with_scope(region=[region.pk]).bulk_create([
        HospitalCoefficient(region=region, version=copy, hospital_id=r.hospital_id, level=r.level, n_cases=r.n_cases,
                            cost_index=r.cost_index, level_index=r.level_index, is_new=r.is_new, computed=r.computed,
                            override=r.override, override_reason=r.override_reason, overridden_by=r.overridden_by,
                            overridden_at=r.overridden_at) for r in rows])
    record_event(actor=actor, action="coefficients.revise", obj=copy,
                 new={"year": year, "number": number, "copy_of": current.number, "hospital": hospital.pk,
                      "source": source, "source_id": source_id}, reason=reason)
    row = _scoped(HospitalCoefficient, region.pk).get(version=copy, hospital=hospital)
    coefficient_override(actor=actor, row=row, value=value, reason=reason)
    return coefficients_publish(actor=actor, version=copy)


# --- upload deadlines (domain §10): implemented in deadlines.py, exported here with the other services ----

from .deadlines import month_status, month_submit, months_flag_overdue  # noqa: E402

__all__ += ["month_submit", "months_flag_overdue", "month_status"]
