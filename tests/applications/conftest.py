"""Application worlds: region A and B each with DRG cases discharged recently, an expert pool of four
(one affiliated with the applying hospital) and generous caps, plus helpers that bring an application
to any state through the services (the real transitions, never by writing the status)."""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.applications import services
from apps.applications.models import Application, ExpertProfile
from apps.cases.models import Case
from apps.tenants.enums import Role
from apps.tenants.services import policy_set, user_create
from tests.conftest import PASSWORD, shared
from tests.settlement.conftest import add_cases, case

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
EXE = b"MZ\x90\x00" + b"\x00" * 32


def upload(content: bytes = PDF, name: str = "summary.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@dataclass
class AppRegion:
    world: object  # tests.conftest.RegionWorld
    cases: list[Case]
    experts: list  # eligible for hospital[0]: the world's expert (affiliated with hospital[1]) + 2 unaffiliated
    conflicted: object  # an expert affiliated with hospital[0]
    other_hospital_user: object  # hospital_staff of hospital[1]
    extra: dict = field(default_factory=dict)

    @property
    def region(self):
        return self.world.region

    @property
    def hospital(self):
        return self.world.hospitals[0]

    def user(self, role: str):
        return self.world.users[role]


def recent_day() -> dt.date:
    """A discharge date well inside the application deadline (and in the current year)."""
    today = timezone.localdate()
    return max(today - dt.timedelta(days=5), dt.date(today.year, 1, 1))


def build_app_region(rw, n_cases: int = 12, rates: dict | None = None) -> AppRegion:
    code = rw.region.code
    h1, h2 = rw.hospitals[0], rw.hospitals[1]
    day = recent_day()
    cases = add_cases([case(h1, "ED11", "10000.00", day) for _ in range(n_cases)]
                      + [case(h2, "ED11", "9000.00", day) for _ in range(3)])
    with scopes_disabled():
        policy_set(actor=None, region=rw.region, year=day.year,
                   values=rates or {"incentive_rate_3": Decimal("1000"), "incentive_rate_2": Decimal("1000"),
                                    "special_case_pct": Decimal("50")})
        experts = [rw.users[Role.EXPERT]]
        for i in (2, 3):
            experts.append(user_create(actor=None, username=f"{code}_expert{i}", password=PASSWORD, name=f"专家{i}",
                                       memberships=[{"role": Role.EXPERT, "region": rw.region}]))
        conflicted = user_create(actor=None, username=f"{code}_expert_h1", password=PASSWORD, name="本院专家",
                                 memberships=[{"role": Role.EXPERT, "region": rw.region, "hospital": h1}])
        for user in [*experts, conflicted]:
            hospital = h2 if user == rw.users[Role.EXPERT] else (h1 if user == conflicted else None)
            ExpertProfile.objects.update_or_create(region=rw.region, user=user, defaults={"specialty": "心内科", "hospital": hospital})  # enlisted on creation
        other = user_create(actor=None, username=f"{code}_h2_staff", password=PASSWORD, name="二院编码员",
                            memberships=[{"role": Role.HOSPITAL_STAFF, "region": rw.region, "hospital": h2}])
    return AppRegion(world=rw, cases=cases[:n_cases], experts=experts, conflicted=conflicted,
                     other_hospital_user=other, extra={"h2_cases": cases[n_cases:]})


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def aw(request, module_aw, world):
    """Region A and B application worlds (built once per module where every database test asks for them)."""
    return build_aw(world) if module_aw is None else shared(module_aw, request)


def build_aw(world) -> dict:
    return {"A": build_app_region(world["A"]), "B": build_app_region(world["B"]), "world": world}


# --- bring an application to a state -------------------------------------------------------------

STATES = ("draft", "submitted", "returned", "under_review", "assigned", "reviewed", "approved", "rejected",
          "withdrawn")


def make(ar: AppRegion, state: str = "draft", *, case_index: int = 0, type: str = "incentive_major",  # noqa: A002
         outcome: str = "approve", **kw) -> Application:
    """An application of `ar.cases[case_index]` driven through the services to `state`."""
    hospital_user = ar.user(Role.HOSPITAL_STAFF)
    bureau = ar.user(Role.BUREAU_STAFF)
    with scopes_disabled():
        app = services.create_draft(actor=hospital_user, case=ar.cases[case_index], type=type,
                                    reason="复杂危重病例，申请按实际费用结算", **kw)
        if state == "draft":
            return app
        services.add_attachment(actor=hospital_user, application=app, kind="medical_record_summary", upload=upload())
        if state == "withdrawn":
            return services.withdraw(actor=hospital_user, application=app, reason="撤回")
        app = services.submit(actor=hospital_user, application=app)
        if state == "submitted":
            return app
        if state == "returned":
            return services.return_(actor=bureau, application=app, reason="缺病程记录")
        if state == "rejected":
            return services.reject_at_intake(actor=bureau, application=app, reason="不符合条件")
        app = services.accept(actor=bureau, application=app)
        if state == "under_review":
            return app
        services.assign_experts(actor=bureau, application=app, experts=ar.experts)
        if state == "assigned":
            return Application.objects.get(pk=app.pk)
        for i, expert in enumerate(ar.experts):
            services.submit_opinion(actor=expert, application=app, verdict="approve",
                                    unreasonable_cost=Decimal(100 * (i + 1)), comment="合理")
        app = Application.objects.get(pk=app.pk)
        if state == "reviewed":
            return app
        return services.decide(actor=ar.user(Role.BUREAU_ADMIN), application=app, outcome=outcome,
                               reason="专家意见一致", unreasonable_cost=Decimal("200") if outcome == "partial" else None)


def fresh(app: Application) -> Application:
    with scopes_disabled():
        return Application.objects.get(pk=app.pk)


def png_as_pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("scan.pdf", PNG, content_type="application/pdf")


def exe_as_pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("virus.pdf", EXE, content_type="application/pdf")


def as_file(content: bytes, name: str) -> io.BytesIO:
    buf = io.BytesIO(content)
    buf.name = name
    return buf


# --- transactional tests (threads) wipe the tables; put the data migrations' rows back afterwards ---
# Data migrations are replayed after every transactional test by tests/conftest.py.
