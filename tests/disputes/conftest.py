"""Dispute worlds: regions A and B each with a case of the hospital users' hospital (hospital[0]) and of
hospital[1], an expert pool (the world's expert is affiliated with hospital[1]; one more unaffiliated; one
affiliated with hospital[0] = conflicted), and `make()` that brings a dispute to any state through the
services (the real transitions, never by writing the status)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from apps.applications.models import ExpertProfile
from apps.disputes import services
from apps.disputes.models import Dispute
from apps.tenants.enums import Role
from apps.tenants.services import user_create
from tests.conftest import PASSWORD, shared
from tests.settlement.conftest import add_cases, case

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 32


def upload(content: bytes = PDF, name: str = "evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@dataclass
class DisputeRegion:
    world: object
    cases: list  # [hospital[0] case, hospital[1] case]
    experts: list  # eligible for hospital[0]
    conflicted: object  # expert affiliated with hospital[0]
    other_hospital_user: object  # hospital_staff of hospital[1]

    @property
    def region(self):
        return self.world.region

    @property
    def hospital(self):
        return self.world.hospitals[0]

    def user(self, role: str):
        return self.world.users[role]


def build_dispute_region(rw) -> DisputeRegion:
    code = rw.region.code
    h1, h2 = rw.hospitals[0], rw.hospitals[1]
    cases = add_cases([case(h1, "ED11", "10000.00", dt.date(2025, 5, 10)),
                       case(h2, "ED11", "9000.00", dt.date(2025, 5, 10))])
    with scopes_disabled():
        extra = user_create(actor=None, username=f"{code}_dexpert2", password=PASSWORD, name="专家二",
                            memberships=[{"role": Role.EXPERT, "region": rw.region}])
        conflicted = user_create(actor=None, username=f"{code}_dexpert_h1", password=PASSWORD, name="本院专家",
                                 memberships=[{"role": Role.EXPERT, "region": rw.region, "hospital": h1}])
        ExpertProfile.objects.update_or_create(region=rw.region, user=rw.users[Role.EXPERT], defaults={"specialty": "病案", "hospital": h2})  # enlisted on creation
        ExpertProfile.objects.update_or_create(region=rw.region, user=extra, defaults={"specialty": "医保"})  # enlisted on creation
        ExpertProfile.objects.update_or_create(region=rw.region, user=conflicted, defaults={"specialty": "编码", "hospital": h1})  # enlisted on creation
        other = user_create(actor=None, username=f"{code}_dh2_staff", password=PASSWORD, name="二院编码员",
                            memberships=[{"role": Role.HOSPITAL_STAFF, "region": rw.region, "hospital": h2}])
    return DisputeRegion(world=rw, cases=cases, experts=[rw.users[Role.EXPERT], extra], conflicted=conflicted,
                         other_hospital_user=other)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def dw(request, module_dw, world):
    """Dispute worlds of A and B (built once per module where every database test asks for them)."""
    return build_dw(world) if module_dw is None else shared(module_dw, request)


def build_dw(world) -> dict:
    return {"A": build_dispute_region(world["A"]), "B": build_dispute_region(world["B"]), "world": world}


STATES = ("draft", "withdrawn", "submitted", "not_accepted", "accepted", "under_review", "reviewed", "decided",
          "closed", "appealed", "redecided")


def make(dr: DisputeRegion, state: str = "draft", *, subject_type: str = "other", subject_ref: str = "",
         outcome: str = "upheld", adjustment=None) -> Dispute:
    staff, head = dr.user(Role.HOSPITAL_STAFF), dr.user(Role.HOSPITAL_ADMIN)
    bureau, admin = dr.user(Role.BUREAU_STAFF), dr.user(Role.BUREAU_ADMIN)
    if subject_type == "case" and not subject_ref:
        subject_ref = dr.cases[0].settlement_id
    with scopes_disabled():
        d = services.dispute_create(actor=staff, hospital=dr.hospital, subject_type=subject_type,
                                    subject_ref=subject_ref, claim="分组有误，主要诊断应为急性心肌梗死",
                                    requested_outcome="重新分组",
                                    evidence=[upload()] if subject_type == "case" else ())
        if state == "draft":
            return d
        if state == "withdrawn":
            return services.dispute_withdraw(actor=staff, dispute=d)
        d = services.dispute_submit(actor=head, dispute=d)
        if state == "submitted":
            return d
        if state == "not_accepted":
            return services.dispute_not_accept(actor=bureau, dispute=d, reason="超出争议受理范围")
        d = services.dispute_accept(actor=bureau, dispute=d)
        if state == "accepted":
            return d
        services.dispute_assign(actor=bureau, dispute=d, experts=dr.experts)
        if state == "under_review":
            return fresh(d)
        for expert in dr.experts:
            services.dispute_opinion(actor=expert, dispute=d, suggestion="adjusted", comment="建议调整")
        if state == "reviewed":
            return fresh(d)
        d = services.dispute_decide(actor=admin, dispute=fresh(d), outcome=outcome, reason="经专家评审",
                                    adjustment=adjustment)
        if state == "decided":
            return d
        if state == "closed":
            return services.dispute_acknowledge(actor=head, dispute=d)
        d = services.dispute_appeal(actor=head, dispute=d, reason="不服，申请复议")
        if state == "appealed":
            return d
        return services.dispute_decide(actor=admin, dispute=d, outcome="upheld", reason="复议维持")


def fresh(d: Dispute) -> Dispute:
    with scopes_disabled():
        return Dispute.objects.select_related("region", "hospital", "case").get(pk=d.pk)
