"""State changes for regions, policy years, users and memberships. Each writes the audit trail."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from apps.core.audit import diff, model_snapshot, record_event
from apps.core.errors import Forbidden, ValidationFailed
from apps.core.partitioning import create_region_partitions
from apps.core.scoping import region_scope

from .access import forget_access, get_access
from .enums import HOSPITAL_ROLES, PaymentMethod, Role
from .models import Membership, PolicyYear, Province, Region, User


def _require(condition: bool, message: str = "") -> None:
    if not condition:
        raise Forbidden(message or "Your role does not allow this action.")


@transaction.atomic
def region_create(
    *, actor: User | None, code: str, name: str, province_code: str, province_name: str,
    payment_method: str = PaymentMethod.DRG, bureau_name: str = "",
) -> Region:
    """Create a region (and its province if new). Platform administrators only (actor None = system)."""
    if actor is not None:
        _require(get_access(actor).is_platform_admin, "Only a platform administrator can create regions.")
    if payment_method not in PaymentMethod.values:
        raise ValidationFailed(f"payment_method must be DRG or DIP, not {payment_method!r}")
    province, _ = Province.objects.get_or_create(code=province_code, defaults={"name": province_name})
    region = Region(code=code, name=name, province=province, payment_method=payment_method,
                    bureau_name=bureau_name or f"{name}医疗保障局")
    try:
        region.full_clean()
    except ValidationError as err:
        raise ValidationFailed("; ".join(f"{k}: {' '.join(v)}" for k, v in err.message_dict.items()))
    region.save()
    # its own partition of cases and case results (decision 0044), after commit: creating a partition locks the
    # partitioned tables and the tables their foreign keys point to; until then its rows go to DEFAULT
    if settings.REGION_PARTITIONS_ON_CREATE:
        transaction.on_commit(partial(create_region_partitions, region.pk), robust=True)
    record_event(actor=actor, action="region.create", obj=region, new=model_snapshot(region))
    if actor is not None:
        forget_access(actor)
    return region


def policy_defaults(region: Region) -> dict[str, Any]:
    return dict(PolicyYear.DIP_DEFAULTS) if region.payment_method == PaymentMethod.DIP else {}


def policy_get_or_create(*, region: Region, year: int) -> PolicyYear:
    """The region's parameters for a year; created with domain.md defaults (DIP defaults for DIP)."""
    with scopes_disabled():
        policy, _ = PolicyYear.objects.get_or_create(region=region, year=year, defaults=policy_defaults(region))
    return policy


def _coerce(field_name: str, raw: Any) -> Any:
    field = PolicyYear._meta.get_field(field_name)
    if raw is None or raw == "":
        if field.null:
            return None
        if field.get_internal_type() == "CharField":
            return ""
        raise ValidationFailed(f"{field_name}: a value is required")
    try:
        if field.get_internal_type() == "DecimalField":
            value = Decimal(str(raw).strip())
            if not value.is_finite():
                raise ValidationFailed(f"{field_name}: {raw!r} is not a valid value")
            return value
        if field.get_internal_type() in {"PositiveIntegerField", "PositiveSmallIntegerField"}:
            return int(str(raw))
        return str(raw)
    except (InvalidOperation, ValueError):
        raise ValidationFailed(f"{field_name}: {raw!r} is not a valid value")


@transaction.atomic
def policy_set(*, actor: User | None, region: Region, year: int, values: dict[str, Any], reason: str = "") -> PolicyYear:
    """Set policy parameters by their domain.md names; unknown names are rejected, not ignored."""
    if actor is not None:
        _require(get_access(actor).has_role(region.pk, Role.BUREAU_ADMIN, Role.PLATFORM_ADMIN),
                 "Only the bureau administrator can change policy parameters.")
    unknown = sorted(set(values) - set(PolicyYear.PARAMETERS))
    if unknown:
        raise ValidationFailed(f"unknown parameter(s): {', '.join(unknown)}")
    policy = policy_get_or_create(region=region, year=year)
    with scopes_disabled():
        policy = PolicyYear.objects.select_for_update().get(pk=policy.pk)
    before = model_snapshot(policy, list(PolicyYear.PARAMETERS))
    for name, raw in values.items():
        setattr(policy, name, _coerce(name, raw))
    if (policy.fund_budget_310 is None) != (policy.fund_budget_390 is None):
        raise ValidationFailed(str(_("fund_budget_310 and fund_budget_390 are given together or not at all.")))
    try:
        with region_scope([region.pk]):  # the unique-constraint check queries the scoped manager
            policy.full_clean()
    except ValidationError as err:
        raise ValidationFailed("; ".join(f"{k}: {' '.join(v)}" for k, v in err.message_dict.items()))
    policy.save()
    with scopes_disabled():
        policy.refresh_from_db()  # compare stored values (0.7 is 0.7000), so equal inputs are no change
    old, new = diff(before, model_snapshot(policy, list(PolicyYear.PARAMETERS)))
    if old or new:
        record_event(actor=actor, action="policy.update", obj=policy, old=old, new=new, reason=reason)
    return policy


def _check_membership_grant(actor: User | None, role: str, region: Region | None, hospital) -> None:
    """Who may grant which membership: platform admin anything; bureau admin within the region
    (not platform/province roles); hospital admin hospital roles of their own hospital."""
    if actor is None:
        return
    access = get_access(actor)
    if access.is_platform_admin:
        return
    if role in {Role.PLATFORM_ADMIN, Role.PROVINCE_SUPERVISOR} or region is None:
        raise Forbidden("Only a platform administrator can grant this role.")
    if access.has_role(region.pk, Role.BUREAU_ADMIN):
        return
    if role in HOSPITAL_ROLES and hospital is not None and hospital.pk in access.hospital_ids(region.pk) \
            and access.has_role(region.pk, Role.HOSPITAL_ADMIN):
        return
    raise Forbidden("You cannot grant this membership.")


# Called with (actor, membership) after a membership is created, in the same transaction. Apps that keep
# per-role rows register here (the applications app enlists a new expert in the region's pool) so that one
# call to POST /users/ leaves the user ready to work.
MEMBERSHIP_ADDED_HOOKS: list = []


@transaction.atomic
def membership_add(
    *, actor: User | None, user: User, role: str, region: Region | None = None, province: Province | None = None,
    hospital=None,
) -> Membership:
    if role not in Role.values:
        raise ValidationFailed(f"unknown role {role!r}")
    if hospital is not None and region is not None and hospital.region_id != region.pk:
        raise ValidationFailed("the hospital is not in that region")
    if role in HOSPITAL_ROLES and hospital is None:
        raise ValidationFailed("hospital roles need a hospital")
    if role == Role.PROVINCE_SUPERVISOR and province is None:
        raise ValidationFailed("a province supervisor needs a province")
    if role not in {Role.PLATFORM_ADMIN, Role.PROVINCE_SUPERVISOR} and region is None:
        raise ValidationFailed("this role needs a region")
    _check_membership_grant(actor, role, region, hospital)
    with scopes_disabled():
        membership, created = Membership.objects.get_or_create(
            user=user, role=role, region=region if role not in {Role.PLATFORM_ADMIN, Role.PROVINCE_SUPERVISOR} else None,
            province=province if role == Role.PROVINCE_SUPERVISOR else None,
            hospital=hospital if role in HOSPITAL_ROLES | {Role.EXPERT} else None,
        )
    if role == Role.PLATFORM_ADMIN and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True  # the Django admin is the platform admin's tool
        user.save(update_fields=["is_staff", "is_superuser"])
    if created:
        record_event(actor=actor, action="membership.add", obj=membership, region=region,
                     new={"user": user.username, "role": role, "hospital": getattr(hospital, "code", None)})
        for hook in MEMBERSHIP_ADDED_HOOKS:
            hook(actor, membership)
    forget_access(user)
    return membership


@transaction.atomic
def membership_remove(*, actor: User | None, membership: Membership) -> None:
    _check_membership_grant(actor, membership.role, membership.region, membership.hospital)
    record_event(actor=actor, action="membership.remove", obj=membership, region=membership.region,
                 old={"user": membership.user.username, "role": membership.role})
    membership.delete()


@transaction.atomic
def user_create(
    *, actor: User | None, username: str, password: str, name: str = "", email: str = "",
    memberships: list[dict[str, Any]] | tuple = (),
) -> User:
    """Create a user with memberships `[{role, region, province, hospital}]` (model instances)."""
    if not memberships and actor is not None and not get_access(actor).is_platform_admin:
        raise ValidationFailed("a user needs at least one membership")
    for m in memberships:  # check every grant before creating anything (and before the name is looked at)
        _check_membership_grant(actor, m["role"], m.get("region"), m.get("hospital"))
    if User.objects.filter(username=username).exists():
        # one answer whoever holds the name: it never confirms an account outside the caller's scope
        raise ValidationFailed(f"username {username!r} is not available; choose another")
    user = User(username=username, name=name, email=email)
    if password:
        from django.contrib.auth.password_validation import validate_password

        if actor is not None:
            try:
                validate_password(password, user)
            except ValidationError as err:
                raise ValidationFailed(" ".join(err.messages))
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    record_event(actor=actor, action="user.create", obj=user, region=(memberships[0].get("region") if memberships else None),
                 new={"username": username, "name": name, "email": email})
    for m in memberships:
        membership_add(actor=actor, user=user, role=m["role"], region=m.get("region"), province=m.get("province"),
                       hospital=m.get("hospital"))
    return user


@transaction.atomic
def user_password_reset(*, actor: User | None, user: User, password: str) -> None:
    """Set a new password. The actor must be able to grant every membership the user holds, so a
    bureau admin cannot take over an account that also works in another region."""
    with scopes_disabled():
        user = User.objects.select_for_update().get(pk=user.pk)
        held = list(Membership.objects.filter(user=user).select_related("region", "hospital"))
    if actor is not None:
        if not held:
            _require(get_access(actor).is_platform_admin, "Only a platform administrator can reset this password.")
        for m in held:
            _check_membership_grant(actor, m.role, m.region, m.hospital)
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, user)
    except ValidationError as err:
        raise ValidationFailed(" ".join(err.messages))
    user.set_password(password)
    user.save(update_fields=["password"])
    record_event(actor=actor, action="user.password_reset", obj=user,
                 region=held[0].region if held else None, new={"username": user.username})
