"""Demo hook for `seed_demo`: the region's expert pool and one application in every state.

Idempotent: the pool is completed, never duplicated; applications are created only when the region has
no demo application yet (recognised by their reason's prefix). Every application goes through the
services with the region's own users, so the demo obeys the same rules (deadline, caps, experts).
"""
from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled

from apps.cases.models import Case
from apps.core.errors import DomainError
from apps.tenants.enums import HOSPITAL_ROLES, Role
from apps.tenants.models import Membership, Region, User

from . import selectors, services
from .models import Application, ExpertProfile

PREFIX = "【演示】"
SPECIALTIES = ("心血管内科", "普通外科", "骨科", "神经内科", "呼吸内科", "肿瘤科")
# state → application type (only one capped incentive: demo hospitals load a few hundred cases a year).
PLAN = (("draft", "bilateral"), ("submitted", "special_case"), ("returned", "special_case"),
        ("under_review", "bilateral"), ("reviewed", "special_case"), ("approved", "incentive_major"),
        ("rejected", "bilateral"), ("withdrawn", "bilateral"))
UPLOAD = b"%PDF-1.4\n% demo medical record summary\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pool(region: Region) -> list[ExpertProfile]:
    """A profile for every expert member of the region; demo experts are added up to four."""
    from apps.core.demo_data import demo_user_create

    members = list(Membership.objects.with_scope(region=[region.pk]).filter(region=region, role=Role.EXPERT)
                   .select_related("user", "hospital"))
    base = members[0].user.username if members else f"{region.code}_expert"
    for i in range(len(members) + 1, 5):
        username = f"{base}_{i}"
        user = User.objects.filter(username=username).first() or demo_user_create(
            actor=None, username=username, name=f"{region.name}评审专家{i}",
            memberships=[{"role": Role.EXPERT, "region": region}])
        members.append(Membership.objects.with_scope(region=[region.pk]).filter(
            region=region, role=Role.EXPERT, user=user).select_related("user", "hospital").first())
    rows = ExpertProfile.objects.with_scope(region=[region.pk])
    for i, m in enumerate(members):
        if not rows.filter(region=region, user=m.user).exclude(specialty="").exists():  # enlisted bare on creation
            services.expert_profile_save(actor=None, region=region, user=m.user, specialty=SPECIALTIES[i % 6],
                                         hospital=m.hospital)
    return list(rows.filter(region=region, active=True).select_related("user"))


def _cases(region: Region, hospital_id: int, n: int) -> list[Case]:
    """Cases still inside the application deadline, without an application, newest first."""
    policy = selectors.policy_for(region, timezone.localdate().year)
    today = timezone.localdate()
    found = []
    qs = (Case.objects.with_scope(region=[region.pk]).filter(region=region, hospital_id=hospital_id)
          .exclude(applications__isnull=False).order_by("-discharge_date", "id"))
    for case in qs[:500]:
        if selectors.application_deadline(case.discharge_date, policy.application_deadline_days) >= today:
            found.append(case)
        if len(found) == n:
            break
    return found


def _drive(app: Application, state: str, hospital_user, bureau, admin, experts) -> None:
    if state == "draft":
        return
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.add_attachment(actor=hospital_user, application=app, kind="medical_record_summary",
                            upload=SimpleUploadedFile("病案首页及出院小结.pdf", UPLOAD))
    if state == "withdrawn":
        services.withdraw(actor=hospital_user, application=app, reason="医院决定不再申请")
        return
    services.submit(actor=hospital_user, application=app)
    if state == "submitted":
        return
    if state == "returned":
        services.return_(actor=bureau, application=app, reason="请补充手术记录和费用明细")
        return
    services.accept(actor=bureau, application=app)
    if state == "under_review":
        services.assign_experts(actor=bureau, application=app, experts=experts)
        services.submit_opinion(actor=experts[0], application=app, verdict="approve", unreasonable_cost=0,
                                comment="双侧手术记录完整")
        return
    services.assign_experts(actor=bureau, application=app, experts=experts)
    for i, expert in enumerate(experts):
        verdict = "reject" if state == "rejected" and i < 2 else "approve"
        services.submit_opinion(actor=expert, application=app, verdict=verdict,
                                unreasonable_cost=Decimal(300 * i) if verdict == "approve" else 0,
                                comment="意见：" + ("同意" if verdict == "approve" else "不符合条件"))
    if state == "reviewed":
        return
    if state == "approved":
        services.decide(actor=admin, application=app, outcome="partial", unreasonable_cost=Decimal("300"),
                        reason="专家意见多数同意，扣除不合理费用（中位数）")
    else:
        services.decide(actor=admin, application=app, outcome="reject", reason="专家意见多数不同意")


def seed_region(region: Region) -> dict:
    """Expert pool and applications in every state for one demo region; returns a summary."""
    with scopes_disabled():
        pool = _pool(region)
        summary: dict = {"experts": len(pool), "applications": {}}
        existing = Application.objects.filter(region=region, reason__startswith=PREFIX)
        if existing.exists():
            summary["applications"] = {s: existing.filter(status=s).count() for s, _ in PLAN}
            return summary
        bureau = _member(region, Role.BUREAU_STAFF) or _member(region, Role.BUREAU_ADMIN)
        admin = _member(region, Role.BUREAU_ADMIN)
        staff = (Membership.objects.filter(region=region, role__in=list(HOSPITAL_ROLES), user__is_active=True)
                 .select_related("user", "hospital").order_by("hospital__code", "role"))
        for m in staff:
            if not m.hospital.is_drg_paid_on(timezone.localdate()):
                continue
            experts = [p.user for p in pool if m.hospital_id not in selectors.affiliated_hospitals(p.user, region.pk)]
            policy = selectors.policy_for(region, timezone.localdate().year)
            cases = _cases(region, m.hospital_id, len(PLAN))
            if len(cases) < len(PLAN) or len(experts) < policy.experts_per_review or not (bureau and admin):
                continue
            experts = experts[:policy.experts_per_review]
            for (state, app_type), case in zip(PLAN, cases, strict=False):
                if app_type == "incentive_major" and selectors.cap_limit(m.hospital, case.discharge_date.year,
                                                                         "incentive") < 1:
                    app_type = "special_case"  # a small hospital has no incentive place
                try:
                    app = services.create_draft(actor=m.user, case=case, type=app_type,
                                                reason=f"{PREFIX}{case.principal_dx} 病例申请{app_type}")
                    _drive(app, state, m.user, bureau, admin, experts)
                except DomainError as err:  # e.g. the cap of a small demo hospital: keep the others
                    summary.setdefault("skipped", []).append(f"{state}: {err.message}")
            break
        created = Application.objects.filter(region=region, reason__startswith=PREFIX)
        summary["applications"] = {s: created.filter(status=s).count() for s, _ in PLAN}
        return summary


def _member(region: Region, role: str):
    m = Membership.objects.filter(region=region, role=role, user__is_active=True).select_related("user").first()
    return m.user if m else None
