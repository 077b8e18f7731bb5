"""Locked-out accounts (django-axes) and the unlock path.

A bureau administrator sees the locked-out users who hold a membership in their regions and unlocks them;
a platform administrator sees every locked-out username, including names that match no user. Unlocking deletes
the account's failure records (axes' shared store) and is audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.audit import record_event
from apps.core.errors import Forbidden, NotFound
from apps.tenants.access import Access, get_access
from apps.tenants.models import Membership, Region, User


@dataclass
class LockedAccount:
    username: str
    failures: int
    last_attempt: datetime
    unlocks_at: datetime
    user: User | None
    addresses: int


def can_unlock(access: Access) -> bool:
    return access.is_platform_admin or bool(access.bureau_admin_region_ids())


def _admin_region_ids(access: Access) -> list[int]:
    return access.bureau_admin_region_ids()


def _users_in_scope(access: Access):
    if access.is_platform_admin:
        return User.objects.all()
    ids = Membership.objects.with_scopes_disabled().filter(region_id__in=_admin_region_ids(access)).values("user_id")
    return User.objects.filter(pk__in=ids)


def locked_accounts(access: Access) -> list[LockedAccount]:
    """Usernames over the failure limit within the cool-off window, restricted to the caller's scope."""
    if not can_unlock(access):
        return []
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (AccessAttempt.objects.filter(attempt_time__gte=since, username__isnull=False)
            .values("username").annotate(failures=Max("failures_since_start"), last=Max("attempt_time"),
                                         addresses=Count("ip_address", distinct=True))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT).order_by("-last"))
    rows = list(rows)
    users = {u.lowered: u for u in _users_in_scope(access).annotate(lowered=Lower("username"))
             .filter(lowered__in=[r["username"].lower() for r in rows])}
    result = []
    for row in rows:
        user = users.get(row["username"].lower())
        if user is None and not access.is_platform_admin:
            continue  # another region's user, or a guessed name: only the platform administrator sees those
        result.append(LockedAccount(username=row["username"], failures=row["failures"], last_attempt=row["last"],
                                    unlocks_at=row["last"] + settings.AXES_COOLOFF_TIME, user=user,
                                    addresses=row["addresses"]))
    return result


@transaction.atomic
def lockout_reset(*, actor: User, username: str) -> int:
    """Unlock one username (delete its failure records); the caller must see it in `locked_accounts`."""
    access = get_access(actor)
    if not can_unlock(access):
        raise Forbidden(_("Only a bureau or platform administrator can unlock accounts."))
    key = username.strip().lower()
    account = next((a for a in locked_accounts(access) if a.username.lower() == key), None)
    if account is None:
        raise NotFound(_("No locked account with this user name in your regions."))
    deleted, _details = AccessAttempt.objects.filter(username__iexact=key).delete()
    user = account.user
    regions = ([None] if access.is_platform_admin or user is None else
               sorted(set(Membership.objects.with_scopes_disabled().filter(user=user).values_list("region_id", flat=True))
                      & set(_admin_region_ids(access))) or [None])
    for region_id in regions:
        record_event(actor=actor, action="user.unlock", region=_region(region_id), object_type="tenants.User",
                     object_id=user.pk if user else key,
                     old={"username": account.username, "failures": account.failures}, new={"locked": False})
    return deleted


def _region(region_id):
    if region_id is None:
        return None

    return Region.objects.get(pk=region_id)


# -- screens --------------------------------------------------------------------------------------------------------

@login_required
def lockout_list(request: HttpRequest) -> HttpResponse:
    if not can_unlock(request.access):
        raise PermissionDenied
    return render(request, "core/lockouts.html", {
        "accounts": locked_accounts(request.access), "limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)})


@login_required
@require_POST
def lockout_unlock(request: HttpRequest) -> HttpResponse:
    username = request.POST.get("username", "")
    try:
        lockout_reset(actor=request.user, username=username)
    except Forbidden as err:
        raise PermissionDenied(err.message) from err
    except NotFound as err:
        raise Http404(err.message) from err
    messages.success(request, _("Account %(username)s unlocked.") % {"username": username})
    return redirect("core:lockout_list")
