"""What a user may see and do, computed once per request from their memberships.

`get_access(user)` is the single source for scope (which regions) and role (what in each region).
The region scope of django-scopes is opened from `Access.region_ids`; object-level checks in
`rules.py` ask `Access.has_role(region_id, ...)`.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django_scopes import scopes_disabled

from .enums import Role
from .roles import AUDIT_READERS, BUREAU_ROLES, HOSPITAL_ROLES, REGION_WIDE_READ_ROLES, SUPERVISORS


@dataclass
class Access:
    user_id: int | None
    is_platform_admin: bool = False
    roles: dict[int, set[str]] = field(default_factory=dict)  # region id -> roles
    hospitals: dict[int, set[int]] = field(default_factory=dict)  # region id -> hospital ids (hospital roles)
    expert_affiliations: set[int] = field(default_factory=set)  # hospital ids an expert is affiliated with
    province_ids: set[int] = field(default_factory=set)

    @property
    def region_ids(self) -> list[int]:
        return sorted(self.roles)

    def roles_in(self, region_id: int | None) -> set[str]:
        return self.roles.get(region_id, set()) if region_id is not None else set()

    def has_role(self, region_id: int | None, *roles: str) -> bool:
        return bool(self.roles_in(region_id) & set(roles))

    def has_any_role(self, *roles: str) -> bool:
        return any(self.has_role(r, *roles) for r in self.roles)

    def is_bureau(self, region_id: int | None) -> bool:
        return self.has_role(region_id, *BUREAU_ROLES)

    def is_bureau_admin(self, region_id: int | None) -> bool:
        return self.has_role(region_id, Role.BUREAU_ADMIN)

    def reads_whole_region(self, region_id: int | None) -> bool:
        return self.has_role(region_id, *REGION_WIDE_READ_ROLES)

    reads_region = reads_whole_region

    def own_hospitals(self, region_id: int | None) -> set[int]:
        """The hospitals whose rows a hospital role reads in this region (empty for every other role)."""
        if not self.has_role(region_id, *HOSPITAL_ROLES):
            return set()
        return self.hospital_ids(region_id)

    def regions_with(self, *roles: str) -> list[int]:
        """The region ids where the user holds one of `roles` (a group of apps/tenants/roles.py)."""
        return [r for r in self.region_ids if self.has_role(r, *roles)]

    def readable_region_ids(self) -> list[int]:
        """Regions the user reads wholly or as a hospital."""
        return [r for r in self.region_ids if self.reads_whole_region(r) or self.own_hospitals(r)]

    # The named region lists screens, the API and widgets ask for (the groups are apps/tenants/roles.py).
    def reader_region_ids(self) -> list[int]:
        """Regions read wholly (platform, province, bureau, auditor)."""
        return self.regions_with(*REGION_WIDE_READ_ROLES)

    def bureau_region_ids(self) -> list[int]:
        return self.regions_with(*BUREAU_ROLES)

    def bureau_admin_region_ids(self) -> list[int]:
        return self.regions_with(Role.BUREAU_ADMIN)

    def hospital_region_ids(self) -> list[int]:
        return self.regions_with(*HOSPITAL_ROLES)

    def audit_region_ids(self) -> list[int]:
        """Regions whose audit trail the user reads (AUDIT_READERS)."""
        return self.regions_with(*AUDIT_READERS)

    def expert_region_ids(self) -> list[int]:
        return self.regions_with(Role.EXPERT)

    def is_expert(self, region_id: int | None = None) -> bool:
        """An expert of the region (of any region without one)."""
        return self.has_role(region_id, Role.EXPERT) if region_id is not None else self.has_any_role(Role.EXPERT)

    def is_hospital_user(self, region_id: int | None = None) -> bool:
        return bool(self.own_hospitals(region_id)) if region_id is not None else bool(self.hospital_region_ids())

    def supervises(self, region_id: int | None) -> bool:
        return self.has_role(region_id, *SUPERVISORS)

    def hospital_ids(self, region_id: int | None = None) -> set[int]:
        if region_id is not None:
            return set(self.hospitals.get(region_id, set()))
        return set().union(*self.hospitals.values()) if self.hospitals else set()

    def all_roles(self) -> set[str]:
        return set().union(*self.roles.values()) if self.roles else set()

    def visible_q(self, hospital_field: str | None = "hospital", include_experts: bool = False) -> Q:
        """Rows a user may read: whole regions for region-wide roles, own hospitals for hospital roles."""
        wide = [r for r in self.roles if self.reads_whole_region(r) or (include_experts and self.has_role(r, Role.EXPERT))]
        q = Q(region_id__in=wide)
        own = self.hospital_ids()
        if hospital_field and own:
            q |= Q(**{f"{hospital_field}__in": own})
        return q

    def workflow_q(self, experts: bool = True) -> Q:
        """Workflow items (applications, disputes) a user may read: whole regions for region-wide roles, own
        hospitals for hospital roles, and — for experts — only the items assigned to them (their membership's
        hospital is an affiliation for conflicts of interest, not a right to read)."""
        wide = [r for r in self.region_ids if self.has_role(r, *REGION_WIDE_READ_ROLES)]
        q = Q(region_id__in=wide)
        own = {h for r in self.region_ids if self.has_role(r, *HOSPITAL_ROLES) for h in self.hospital_ids(r)}
        if own:
            q |= Q(hospital_id__in=own)
        expert_regions = [r for r in self.region_ids if self.has_role(r, Role.EXPERT)]
        if experts and expert_regions and self.user_id:
            q |= Q(region_id__in=expert_regions, assignments__expert_id=self.user_id)
        return q

    def drafts_hidden_q(self, draft: str = "draft") -> Q:
        """Workflow items minus other people's drafts: a draft belongs to its hospital until submitted, so the
        bureau's queues (and experts) never see it; the hospital's own users do."""
        own = self.hospital_ids()
        q = ~Q(status=draft)
        return q | Q(hospital_id__in=own) if own else q

    def filter(self, qs: QuerySet, hospital_field: str | None = "hospital", include_experts: bool = False) -> QuerySet:
        return qs.filter(self.visible_q(hospital_field, include_experts))


def build_access(user) -> Access:
    from .models import Membership, Region

    if user is None or not user.is_authenticated:
        return Access(user_id=None)
    access = Access(user_id=user.pk)
    with scopes_disabled():
        memberships = list(Membership.objects.filter(user=user).values("role", "region_id", "province_id", "hospital_id"))
        regions = list(Region.objects.values_list("id", "province_id"))
    roles: dict[int, set[str]] = defaultdict(set)
    for m in memberships:
        role = m["role"]
        if role == Role.PLATFORM_ADMIN:
            access.is_platform_admin = True
            for region_id, _ in regions:
                roles[region_id].add(role)
        elif role == Role.PROVINCE_SUPERVISOR:
            access.province_ids.add(m["province_id"])
            for region_id, province_id in regions:
                if province_id == m["province_id"]:
                    roles[region_id].add(role)
        else:
            roles[m["region_id"]].add(role)
            if role in HOSPITAL_ROLES:
                access.hospitals.setdefault(m["region_id"], set()).add(m["hospital_id"])
            elif role == Role.EXPERT and m["hospital_id"]:
                access.expert_affiliations.add(m["hospital_id"])
    if user.is_superuser and not access.is_platform_admin:
        access.is_platform_admin = True
        for region_id, _ in regions:
            roles[region_id].add(Role.PLATFORM_ADMIN)
    access.roles = dict(roles)
    return access


def get_access(user) -> Access:
    """Cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Access(user_id=None)
    cached = getattr(user, "_portal_access", None)
    if cached is None:
        cached = build_access(user)
        user._portal_access = cached
    return cached


def forget_access(user) -> None:
    if hasattr(user, "_portal_access"):
        del user._portal_access


def is_bureau(user, region_id: int | None) -> bool:
    """The bureau (admin or staff) of the region — the one predicate every app's rules and services use."""
    return get_access(user).is_bureau(region_id)


def is_bureau_admin(user, region_id: int | None) -> bool:
    return get_access(user).is_bureau_admin(region_id)


def is_hospital_of(access: Access, region_id: int | None, hospital_id: int | None) -> bool:
    """A hospital user of exactly this hospital (applications, disputes: the raising hospital's side)."""
    return hospital_id is not None and hospital_id in access.own_hospitals(region_id)


def own_hospitals(user, region_id: int | None) -> set[int]:
    """The hospitals a hospital user reads in the region (empty for every other role and for no user)."""
    return get_access(user).own_hospitals(region_id)
