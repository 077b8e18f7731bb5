"""Role-aware navigation. Apps register their entries here so the menu grows with each capability."""
from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from apps.tenants.enums import Role
from apps.tenants.roles import AUDIT_READERS, BUREAU_ROLES, HOSPITAL_ROLES, REGION_WIDE_READ_ROLES, USER_MANAGERS

ALL = frozenset(Role.values)
BUREAU = BUREAU_ROLES
READERS = REGION_WIDE_READ_ROLES
HOSPITAL = HOSPITAL_ROLES


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str
    roles: frozenset[str]
    order: int = 100


REGISTRY: list[NavItem] = [
    NavItem("dashboard", _("Dashboard"), ALL, 0),
    NavItem("tenants:region_list", _("Regions"), READERS, 10),
    NavItem("hospitals:list", _("Hospitals"), READERS | HOSPITAL | {Role.EXPERT}, 20),
    NavItem("tenants:policy_list", _("Policy parameters"), READERS, 30),
    NavItem("tenants:user_list", _("Users"), USER_MANAGERS, 90),
    NavItem("core:audit_list", _("Audit trail"), AUDIT_READERS, 95),
    NavItem("core:calendar_list", _("Working-day calendar"), READERS, 96),
]


def register(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in REGISTRY):
        REGISTRY.append(item)


def navigation_for(request) -> list[dict]:
    roles = request.access.all_roles()
    items = []
    for item in sorted(REGISTRY, key=lambda i: i.order):
        if not roles & item.roles:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": item.label, "active": False})
    active = active_entry(request.path, [i["url"] for i in items])
    for entry in items:
        entry["active"] = entry["url"] == active
    return items


def active_entry(path: str, urls: list[str]) -> str | None:
    """The one menu URL to highlight: the longest entry that prefixes the path (so /groups/grouper/report/
    lights 分组差异 only, not 分组方案 and 预分组 too); the dashboard only on "/" itself."""
    if path == "/":
        return "/" if "/" in urls else None
    matches = [u for u in urls if u != "/" and path.startswith(u)]
    return max(matches, key=len) if matches else None
