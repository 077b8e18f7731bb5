"""Template context every page needs: the portal name, the user's access, roles, regions and the menu."""
from __future__ import annotations

from django.conf import settings

from apps.tenants.enums import Role
from apps.tenants.models import Region

from .navigation import navigation_for

# The order in which a user's roles are named (most senior first).
ROLE_ORDER = list(Role.values)


def role_labels(roles: set[str]) -> list[str]:
    """Display names of a set of role values, most senior first."""
    return [str(Role(r).label) for r in ROLE_ORDER if r in roles]


def user_regions(access) -> list:
    """The regions the user works in, for the header (a platform administrator sees 'all')."""
    if access.is_platform_admin:
        return []
    return list(Region.objects.filter(pk__in=access.region_ids).order_by("code").only("code", "name", "payment_method"))


def portal(request) -> dict:
    """Computed once per request and user: the dashboard renders a dozen widget templates with the request, and
    each `render_to_string(..., request=request)` runs the context processors again (issue 21: 24 of the
    dashboard's 73 queries were this one repeated)."""
    access = getattr(request, "access", None)
    user_id = getattr(request.user, "pk", None)
    memo = getattr(request, "_portal_context", None)
    if memo is not None and memo[0] == (user_id, id(access)):
        return memo[1]
    context = _portal(request, access)
    request._portal_context = ((user_id, id(access)), context)
    return context


def _portal(request, access) -> dict:
    context = {"PORTAL_NAME": settings.PORTAL_NAME, "portal_access": access}
    if access is None or not request.user.is_authenticated:
        from .vocabulary import vocabulary

        return context | {"nav_items": [], "user_role_labels": [], "user_regions": [], "vocab": vocabulary()}
    from .vocabulary import DIP, localize_terms, reader_method, vocabulary

    regions = user_regions(access)
    method = reader_method(access, methods={r.payment_method for r in regions} if regions else None)
    nav = navigation_for(request)
    if method == DIP:  # 分组方案 → 病种目录, 病组统计 → 病种统计 for a reader who works only in DIP regions
        nav = [item | {"label": localize_terms(str(item["label"]), DIP)} for item in nav]
    return context | {
        "vocab": vocabulary(method),
        "nav_items": nav,
        "user_role_labels": role_labels(access.all_roles()),
        "user_regions": regions,
    }
