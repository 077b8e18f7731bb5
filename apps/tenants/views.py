"""Portal screens for regions, policy years and users. Out-of-scope ids are 404, missing roles 403."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError
from apps.hospitals.models import Hospital

from . import rules, services
from .access import Access
from .enums import Role
from .filters import UserFilter, can_manage_users, managed_users, membership_visible, user_in_scope
from .forms import MembershipForm, OpenPolicyYearForm, PasswordResetForm, PolicyForm, UserCreateForm
from .models import Membership, PolicyYear, Region, User

PAGE_SIZE = 50


def _reads_region(access: Access, region_id: int) -> bool:
    """Region pages: the region-wide readers and the region's experts (master data)."""
    return rules.reads_region_pages(access, region_id)


def _region_or_404(request: HttpRequest, code: str) -> Region:
    region = Region.objects.select_related("province").filter(code=code, pk__in=request.access.region_ids).first()
    if region is None:
        raise Http404
    return region


def _readable_regions(access: Access):
    ids = [r for r in access.region_ids if _reads_region(access, r)]
    if not ids and access.region_ids:
        raise PermissionDenied
    return Region.objects.filter(pk__in=ids).select_related("province").order_by("code")


def _policy_years_by_region(region_ids) -> dict[int, list[int]]:
    years: dict[int, list[int]] = {}
    rows = PolicyYear.objects.filter(region_id__in=list(region_ids)).values_list("region_id", "year").order_by("-year")
    for region_id, year in rows:
        years.setdefault(region_id, []).append(year)
    return years


@login_required
def region_list(request: HttpRequest) -> HttpResponse:
    regions = list(_readable_regions(request.access))
    ids = [r.pk for r in regions]
    hospitals = dict(Hospital.objects.filter(region_id__in=ids).values("region_id").annotate(n=Count("id"))
                     .values_list("region_id", "n"))
    years = _policy_years_by_region(ids)
    rows = [{"region": r, "hospitals": hospitals.get(r.pk, 0), "years": years.get(r.pk, [])} for r in regions]
    return render(request, "tenants/region_list.html", {"rows": rows})


@login_required
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    region = _region_or_404(request, code)
    access = request.access
    if not _reads_region(access, region.pk):
        raise PermissionDenied
    hospitals = Hospital.objects.filter(region=region)
    counts = {
        "hospitals": hospitals.count(),
        "hospitals_active": hospitals.filter(active=True).count(),
        "users": Membership.objects.filter(region=region).values("user_id").distinct().count(),
    }
    by_role = dict(Membership.objects.filter(region=region).values("role").annotate(n=Count("user_id", distinct=True))
                   .values_list("role", "n"))
    roles = [{"role": label, "count": by_role.get(value, 0)} for value, label in Role.choices if value in by_role]
    policies = PolicyYear.objects.filter(region=region).order_by("-year") if access.reads_whole_region(region.pk) else []
    return render(request, "tenants/region_detail.html", {
        "region": region, "counts": counts, "roles": roles, "policies": policies,
        "can_read_policy": access.reads_whole_region(region.pk), "this_year": timezone.localdate().year,
    })


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    access = request.access
    region_ids = [r for r in access.region_ids if access.reads_whole_region(r)]
    if not region_ids:
        raise PermissionDenied
    regions = Region.objects.filter(pk__in=region_ids).order_by("code")
    form = OpenPolicyYearForm(request.GET or None, regions=regions,
                              initial={"year": timezone.localdate().year})
    if request.GET.get("region") and form.is_valid():
        return redirect("tenants:policy_edit", code=form.cleaned_data["region"].code, year=form.cleaned_data["year"])
    policies = PolicyYear.objects.filter(region_id__in=region_ids).select_related("region").order_by("region__code", "-year")
    page = Paginator(policies, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "tenants/policy_list.html", {"page": page, "form": form})


@login_required
def policy_edit(request: HttpRequest, code: str, year: str) -> HttpResponse:
    year = int(year)
    region = _region_or_404(request, code)
    access = request.access
    if not access.reads_whole_region(region.pk):
        raise PermissionDenied
    editable = rules.can_edit_policy(access, region.pk)
    policy = PolicyYear.objects.filter(region=region, year=year).first()
    exists = policy is not None
    if policy is None:
        policy = PolicyYear(region=region, year=year, **services.policy_defaults(region))
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        form = PolicyForm(request.POST, policy=policy, editable=True)
        if form.is_valid():
            try:
                services.policy_set(actor=request.user, region=region, year=year, values=form.changed_values(),
                                    reason=form.cleaned_data["reason"])
            except DomainError as err:
                form.add_error(None, str(err.message))
            else:
                messages.success(request, _("Policy parameters of %(year)s saved.") % {"year": year})
                return redirect("tenants:policy_edit", code=region.code, year=year)
    else:
        form = PolicyForm(policy=policy, editable=editable)
    return render(request, "tenants/policy_edit.html", {
        "region": region, "year": year, "form": form, "editable": editable, "exists": exists, "policy": policy,
    })


def _require_user_manager(request: HttpRequest) -> None:
    if not can_manage_users(request.access):
        raise PermissionDenied


def _managed_user_or_404(request: HttpRequest, pk: int) -> User:
    if not can_manage_users(request.access):
        if user_in_scope(request.access, pk):
            raise PermissionDenied
        raise Http404
    user = managed_users(request.access).filter(pk=pk).first()
    if user is None:
        raise Http404
    return user


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    _require_user_manager(request)
    visible = membership_visible(request.access)
    memberships = Membership.objects.with_scopes_disabled().select_related("region", "hospital", "province")
    qs = managed_users(request.access).prefetch_related(Prefetch("memberships", queryset=memberships)).order_by("username")
    filterset = UserFilter(request.GET or None, queryset=qs)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"user": u, "memberships": [m for m in u.memberships.all() if visible(m)]} for u in page]
    return render(request, "tenants/user_list.html", {"page": page, "rows": rows, "filter": filterset})


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    _require_user_manager(request)
    form = UserCreateForm(request.POST or None, access=request.access)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(actor=request.user, username=data["username"], password=data["password"],
                                        name=data["name"], email=data["email"], memberships=[form.membership()])
        except DomainError as err:
            form.add_error(None, str(err.message))
        else:
            messages.success(request, _("User %(username)s created.") % {"username": user.username})
            return redirect("tenants:user_detail", pk=user.pk)
    return render(request, "tenants/user_form.html", {"form": form})


def _user_detail_context(request: HttpRequest, user: User, **forms) -> dict:
    visible = membership_visible(request.access)
    held = Membership.objects.with_scopes_disabled().filter(user=user).select_related("region", "hospital", "province")
    return {
        "subject": user,
        "memberships": [m for m in held if visible(m)],
        "membership_form": forms.get("membership_form") or MembershipForm(access=request.access),
        "password_form": forms.get("password_form") or PasswordResetForm(),
    }


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed_user_or_404(request, pk)
    return render(request, "tenants/user_detail.html", _user_detail_context(request, user))


@login_required
@require_POST
def membership_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed_user_or_404(request, pk)
    form = MembershipForm(request.POST, access=request.access)
    if form.is_valid():
        try:
            services.membership_add(actor=request.user, user=user, **form.membership())
        except DomainError as err:
            form.add_error(None, str(err.message))
        else:
            messages.success(request, _("Membership added."))
            return redirect("tenants:user_detail", pk=user.pk)
    return render(request, "tenants/user_detail.html", _user_detail_context(request, user, membership_form=form),
                  status=400)


@login_required
@require_POST
def membership_remove(request: HttpRequest, pk: int, membership_id: int) -> HttpResponse:
    user = _managed_user_or_404(request, pk)
    visible = membership_visible(request.access)
    membership = Membership.objects.with_scopes_disabled().filter(pk=membership_id, user=user) \
        .select_related("region", "hospital", "user").first()
    if membership is None or not visible(membership):
        raise Http404
    try:
        services.membership_remove(actor=request.user, membership=membership)
    except DomainError as err:
        if err.status == 403:
            raise PermissionDenied(str(err.message))
        messages.error(request, str(err.message))
    else:
        messages.success(request, _("Membership removed."))
    return redirect("tenants:user_detail", pk=user.pk)


@login_required
@require_POST
def password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    user = _managed_user_or_404(request, pk)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            services.user_password_reset(actor=request.user, user=user, password=form.cleaned_data["password"])
        except DomainError as err:
            if err.status == 403:
                raise PermissionDenied(str(err.message))
            form.add_error("password", str(err.message))
        else:
            messages.success(request, _("Password reset."))
            return redirect("tenants:user_detail", pk=user.pk)
    return render(request, "tenants/user_detail.html", _user_detail_context(request, user, password_form=form),
                  status=400)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """A bureau administrator ends a region user's API token (audited)."""
    from .tokens import token_revoke as revoke

    user = _managed_user_or_404(request, pk)
    try:
        revoked = revoke(actor=request.user, user=user)
    except DomainError as err:
        raise PermissionDenied(str(err.message))
    messages.success(request, _("API token revoked.") if revoked else _("The user has no API token."))
    return redirect("tenants:user_detail", pk=user.pk)


@login_required
@require_POST
def own_token_revoke(request: HttpRequest) -> HttpResponse:
    """Any signed-in user ends their own API token (from the password page)."""
    from .tokens import token_revoke as revoke

    revoked = revoke(actor=request.user, user=request.user)
    messages.success(request, _("API token revoked.") if revoked else _("You have no API token."))
    return redirect("password_change")
