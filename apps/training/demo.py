"""Demo hook for `seed_demo`: a year of training in a region.

Courses in every category; eight past sessions (about one a month) with attendance, exam scores and
certificate numbers for the passes; upcoming sessions: one open with enrolments, one full with a waitlist,
one draft. Two demo coders per hospital are added so the coverage dashboard has something to show.

Idempotent (nothing is added when the region already has the demo courses) and fast: demo coders share one
password hash and are inserted in bulk; past enrolments are inserted in bulk (set-based, no service per row);
certificate PDFs are rendered lazily on first download. Upcoming sessions go through the services so the
waitlist and the training notice are the real thing.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.hospitals.models import Hospital
from apps.tenants.enums import HOSPITAL_ROLES, Role
from apps.tenants.models import Membership, Region, User

from . import services
from .enums import AUDIENCE_ROLES, EnrollmentStatus, SessionStatus
from .models import Course, Enrollment, Session

H = tuple(HOSPITAL_ROLES)
# (title, category, hours, audience, description)
COURSES = (
    ("DRG/DIP支付方式改革政策解读", "policy", "3", [],
     "解读本统筹区DRG/DIP付费实施细则：总额预算、点数法、病组基准点数、医疗机构系数、月度预结算与年度清算。"),
    ("ICD-10与ICD-9-CM-3医保版编码规范", "coding", "6", [*H],
     "主要诊断选择原则、合并症并发症编码、手术操作编码要点，典型错误案例分析。"),
    ("CHS-DRG 2.0分组方案与入组逻辑", "grouping", "4", [*H, Role.EXPERT],
     "MDC—ADRG—DRG三级分组逻辑，MCC/CC判定与排除表，歧义与无法入组病例的处理。"),
    ("医保结算清单填报质量控制", "settlement_list", "3", [*H],
     "医保结算清单必填项、逻辑校验规则与常见质控问题，上传失败的原因与修正。"),
    ("DRG/DIP支付管理平台操作培训", "system_use", "2", [*H, Role.BUREAU_STAFF],
     "病例上传、结算结果查询、特例单议申请、争议提交与公告签收的平台操作。"),
    ("特例单议与争议评审要点", "policy", "2", [Role.EXPERT, Role.BUREAU_STAFF, Role.BUREAU_ADMIN],
     "评审专家工作规范：利益回避、不合理费用认定、评审意见书写。"),
)
NOTICE_REGIONS = {"341800"}
VENUES = ("市医保局三楼会议室", "市行政服务中心培训室", "线上会议（腾讯会议）")
# Past sessions: (course index, days ago, capacity)
PAST = ((0, 300, 80), (1, 260, 40), (3, 220, 40), (2, 180, 40), (4, 150, 60), (1, 110, 40), (5, 75, 30),
        (3, 40, 40))


def _demo_coders(region: Region) -> None:
    """Two coders per active hospital (bulk, one shared password hash); skipped when they exist."""
    from apps.core.demo_data import REGIONS, demo_password_hash

    pinyin = next((r[2] for r in REGIONS if r[0] == region.code), region.code)
    hospitals = list(Hospital.objects.with_scope(region=[region.pk]).filter(region=region, active=True)
                     .order_by("code"))
    wanted = {f"{pinyin}_coder_{h.code[-2:]}_{i}": (h, i) for h in hospitals for i in (1, 2)}
    existing = set(User.objects.filter(username__in=list(wanted)).values_list("username", flat=True))
    missing = [u for u in wanted if u not in existing]
    if not missing:
        return
    password = demo_password_hash()
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    users = User.objects.bulk_create([
        User(username=u, password=password, name=f"{surnames[n % len(surnames)]}{'编码员' if wanted[u][1] == 1 else '医保专员'}"
             f"{wanted[u][0].code[-2:]}", is_active=True) for n, u in enumerate(missing)])
    Membership.objects.with_scope(region=[region.pk]).bulk_create([
        Membership(user=user, role=Role.HOSPITAL_STAFF, region=region, hospital=wanted[user.username][0])
        for user in users])


def _members(region: Region) -> list[tuple[int, str, int | None]]:
    """(user id, role, hospital id) of every active member that a course can address."""
    rows = Membership.objects.with_scope(region=[region.pk]).filter(
        region=region, role__in=list(AUDIENCE_ROLES), user__is_active=True).order_by("user_id", "role") \
        .values_list("user_id", "role", "hospital_id")
    seen, out = set(), []
    order = {r: i for i, r in enumerate(AUDIENCE_ROLES)}
    for user_id, role, hospital_id in sorted(rows, key=lambda r: (r[0], order[r[1]])):
        if user_id not in seen:
            seen.add(user_id)
            out.append((user_id, role, hospital_id if role in HOSPITAL_ROLES else None))
    return out


def _session(course: Course, starts_at: dt.datetime, capacity: int, venue: str, deadline_days: int = 3) -> Session:
    return services.session_create(actor=None, course=course, mode="online" if "线上" in venue else "venue",
                                   venue=venue, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=3),
                                   capacity=capacity, enrol_deadline=starts_at - dt.timedelta(days=deadline_days),
                                   pass_mark=Decimal("60"))


def _past(region: Region, courses: list[Course], members, rng: random.Random, now: dt.datetime) -> None:
    sessions, enrollments = [], []
    # Hospitals differ in how keen they are, so coverage differs on the dashboard (some far below target).
    keen = {h: rng.choice((0.05, 0.12, 0.2, 0.3, 0.45)) for h in sorted({m[2] for m in members}, key=str)}
    for index, (course_i, days_ago, capacity) in enumerate(PAST):
        course = courses[course_i]
        day = timezone.localtime(now - dt.timedelta(days=days_ago)).replace(hour=9, minute=0, second=0,
                                                                           microsecond=0)
        session = _session(course, day, capacity, VENUES[index % 3])
        sessions.append(session)
        audience = set(course.audience) or set(AUDIENCE_ROLES)
        eligible = [m for m in members if m[1] in audience]
        chosen = [m for m in eligible if rng.random() < (0.5 if m[2] is None else keen[m[2]])][:capacity]
        for user_id, role, hospital_id in chosen:
            attended = rng.random() < 0.9
            score = Decimal(rng.randint(45, 99)) if attended else None
            passed = bool(score is not None and score >= session.pass_mark)
            enrollments.append(Enrollment(
                region=region, session=session, user_id=user_id, role=role, hospital_id=hospital_id,
                status=EnrollmentStatus.ATTENDED if attended else EnrollmentStatus.ABSENT, score=score, passed=passed,
                verification_code=services._new_code() if passed else "",
                certificate_issued_at=day + dt.timedelta(days=2) if passed else None))
    Session.objects.with_scope(region=[region.pk]).filter(pk__in=[s.pk for s in sessions]).update(
        status=SessionStatus.CLOSED, published_at=now)
    rows = Enrollment.objects.with_scope(region=[region.pk])
    created = rows.bulk_create(enrollments)
    by_session = {s.pk: s for s in sessions}
    for e in created:  # the certificate number needs the row id
        if e.passed:
            e.certificate_number = (f"PX{region.code}{timezone.localtime(by_session[e.session_id].starts_at).year}"
                                    f"{e.pk:06d}")
    rows.bulk_update([e for e in created if e.passed], ["certificate_number"])


def _upcoming(region: Region, courses: list[Course], members, rng: random.Random, now: dt.datetime) -> None:
    base = timezone.localtime(now).replace(hour=9, minute=0, second=0, microsecond=0)
    hospital_members = [m for m in members if m[1] in HOSPITAL_ROLES]
    users = {u.pk: u for u in User.objects.filter(pk__in=[m[0] for m in members])}
    # open, half full; the training notice goes to every hospital (rendered as a PDF by apps.notices: only in
    # the main demo region, to keep seed_demo quick)
    open_session = _session(courses[3], base + dt.timedelta(days=12), 40, VENUES[0])
    services.session_publish(actor=None, session=open_session, send_notice=region.code in NOTICE_REGIONS)
    for user_id, _, _ in rng.sample(hospital_members, min(len(hospital_members), 12)):
        services.enrollment_create(actor=None, session=open_session, user=users[user_id])
    # small and full: a waitlist of two
    full = _session(courses[4], base + dt.timedelta(days=20), 4, VENUES[2])
    services.session_publish(actor=None, session=full, send_notice=False)
    for user_id, _, _ in rng.sample(hospital_members, min(len(hospital_members), 6)):
        services.enrollment_create(actor=None, session=full, user=users[user_id])
    # a draft the bureau is still planning
    _session(courses[2], base + dt.timedelta(days=45), 60, VENUES[1], deadline_days=7)


@transaction.atomic
def seed_region(region: Region) -> dict:
    rows = Course.objects.with_scope(region=[region.pk])
    titles = [c[0] for c in COURSES]
    if rows.filter(region=region, title__in=titles).count() == len(titles):
        return {"region": region.code, "created": False}
    _demo_coders(region)
    courses = []
    for title, category, hours, audience, description in COURSES:
        course = rows.filter(region=region, title=title).first() or services.course_create(
            actor=None, region=region, title=title, category=category, hours=Decimal(hours), audience=audience,
            description=description)
        courses.append(course)
    members = _members(region)
    rng = random.Random(int(region.code))
    now = timezone.now()
    _past(region, courses, members, rng, now)
    _upcoming(region, courses, members, rng, now)
    return {"region": region.code, "created": True}

