"""Training screens: the bureau plans courses and sessions, marks attendance, enters scores in bulk and reads
coverage; hospital users and experts browse open sessions for their role, enrol, cancel and download their
certificates; anybody checks a certificate by its verification code. Thin: selectors read, services write.
"""
from __future__ import annotations

import io
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core import exports as safe_csv
from apps.core.errors import DomainError, NotFound
from apps.core.pdf import pdf_response
from apps.core.web import show_error as _fail
from apps.tenants.models import Region, User

from . import rules, selectors, services
from .enums import Category, EnrollmentStatus, SessionStatus
from .forms import CourseForm, MaterialForm, PublishForm, ReasonForm, SessionForm
from .models import Course, Session

PER_PAGE = 30


def _get(fn, *args):
    try:
        return fn(*args)
    except NotFound:
        raise Http404


# --- landing and lists ---------------------------------------------------------------------------


@login_required
def index(request):
    if request.access.reader_region_ids():
        return redirect("training:session_list")
    return redirect("training:browse")


@login_required
def session_list(request):
    """Readers: every session of their regions with seats, filterable. Others go to the open sessions."""
    if not request.access.reader_region_ids():
        return redirect("training:browse")
    qs = selectors.visible_sessions(request.user)
    status, year, category = (request.GET.get(k, "") for k in ("status", "year", "category"))
    if status:
        qs = qs.filter(status=status)
    if year.isdigit() and len(year) == 4:  # a longer number overflows the date lookup
        qs = qs.filter(starts_at__year=int(year))
    if category:
        qs = qs.filter(course__category=category)
    page_obj = Paginator(qs.order_by("-starts_at", "-pk"), PER_PAGE).get_page(request.GET.get("page"))
    seats = selectors.seat_counts(page_obj.object_list)
    rows = [{"session": s, **seats[s.pk]} for s in page_obj.object_list]
    return render(request, "training/session_list.html", {
        "page_obj": page_obj, "rows": rows, "statuses": SessionStatus.choices, "categories": Category.choices,
        "filters": {"status": status, "year": year, "category": category},
        "is_bureau": bool(request.access.bureau_region_ids())})


@login_required
def browse(request):
    """Open sessions whose course addresses one of the user's roles, with the user's own enrolments."""
    sessions = list(selectors.open_sessions(request.user)[:200])
    seats = selectors.seat_counts(sessions)
    mine = {e.session_id: e for e in selectors.my_enrollments(request.user).filter(
        session_id__in=[s.pk for s in sessions], status__in=[EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED])}
    rows = [{"session": s, "mine": mine.get(s.pk), **seats[s.pk]} for s in sessions]
    trained = selectors.visible_sessions(request.user).filter(trainer=request.user).order_by("-starts_at")[:50]
    return render(request, "training/browse.html", {"rows": rows, "trained": trained})


@login_required
def mine(request):
    """My trainings: every enrolment with its status, score and certificate."""
    rows = selectors.my_enrollments(request.user)
    return render(request, "training/mine.html", {"rows": rows})


# --- courses -------------------------------------------------------------------------------------


@login_required
def course_list(request):
    qs = selectors.visible_courses(request.user).order_by("region__code", "category", "title")
    category = request.GET.get("category", "")
    if category:
        qs = qs.filter(category=category)
    if not request.access.reader_region_ids():
        qs = qs.filter(active=True)
    return render(request, "training/course_list.html", {
        "courses": qs, "categories": Category.choices, "category": category,
        "is_bureau": bool(request.access.bureau_region_ids())})


def _bureau_region(request) -> Region:
    ids = request.access.bureau_region_ids()
    if not ids:
        raise PermissionDenied
    wanted = request.GET.get("region") or request.POST.get("region")
    region = Region.objects.filter(pk__in=ids, code=wanted).first() if wanted else None
    return region or Region.objects.filter(pk__in=ids).order_by("code").first()


@login_required
def course_new(request):
    region = _bureau_region(request)
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("active", None)
        try:
            course = services.course_create(actor=request.user, region=region, **data)
        except DomainError as err:
            _fail(request, err)
        else:
            messages.success(request, _("Course saved."))
            return redirect("training:course_detail", course.pk)
    return render(request, "training/course_form.html", {"form": form, "region": region, "course": None})


@login_required
def course_edit(request, pk: int):
    course = _get(selectors.course_get, request.user, pk)
    if not rules.is_bureau(request.user, course.region_id):
        raise PermissionDenied
    initial = {"title": course.title, "category": course.category, "hours": course.hours,
               "audience": course.audience, "description": course.description, "active": course.active}
    form = CourseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_update(actor=request.user, course=course, **form.cleaned_data)
        except DomainError as err:
            _fail(request, err)
        else:
            messages.success(request, _("Course saved."))
            return redirect("training:course_detail", course.pk)
    return render(request, "training/course_form.html", {"form": form, "region": course.region, "course": course})


@login_required
def course_detail(request, pk: int):
    course = _get(selectors.course_get, request.user, pk)
    is_bureau = rules.is_bureau(request.user, course.region_id)
    form = MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not is_bureau:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.material_add(actor=request.user, course=course, upload=form.cleaned_data["file"])
            except DomainError as err:
                _fail(request, err)
            else:
                messages.success(request, _("File attached."))
                return redirect("training:course_detail", course.pk)
    sessions = selectors.visible_sessions(request.user).filter(course=course).order_by("-starts_at")
    return render(request, "training/course_detail.html", {
        "course": course, "materials": course.materials.all(), "sessions": sessions, "form": form,
        "is_bureau": is_bureau})


@login_required
def material_download(request, pk: int):
    """Course files only through this view, only for members of the course's region."""
    material = _get(selectors.material_get, request.user, pk)
    path = services.material_path(material)
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=material.original_name,
                        content_type=material.content_type)


@login_required
@require_POST
def material_remove(request, pk: int):
    material = _get(selectors.material_get, request.user, pk)
    course_id = material.course_id
    try:
        services.material_remove(actor=request.user, material=material)
    except DomainError as err:
        _fail(request, err)
    return redirect("training:course_detail", course_id)


# --- sessions ------------------------------------------------------------------------------------


def _trainers(region_id: int) -> list[User]:
    return selectors.trainer_candidates(region_id)


def _session_form(request, region_id_list, session: Session | None = None):
    courses = Course.objects.with_scope(region=region_id_list).filter(region_id__in=region_id_list, active=True) \
        .order_by("category", "title")
    region_id = session.region_id if session else region_id_list[0]
    initial = {}
    if session is not None:
        local = timezone.localtime
        initial = {"course": session.course_id, "mode": session.mode, "venue": session.venue,
                   "starts_at": local(session.starts_at), "ends_at": local(session.ends_at),
                   "enrol_deadline": local(session.enrol_deadline), "capacity": session.capacity,
                   "pass_mark": session.pass_mark, "trainer": session.trainer_id or ""}
    elif request.GET.get("course"):
        initial = {"course": request.GET["course"]}
    return SessionForm(request.POST or None, initial=initial, courses=courses, trainers=_trainers(region_id)), courses


def _session_values(form, courses, region_id: int) -> dict:
    data = dict(form.cleaned_data)
    course = courses.filter(pk=data.pop("course")).first()
    trainer_id = data.pop("trainer")
    data["trainer"] = User.objects.filter(pk=trainer_id).first() if trainer_id else None
    return {"course": course, **data}


@login_required
def session_new(request):
    region = _bureau_region(request)
    form, courses = _session_form(request, [region.pk])
    if request.method == "POST" and form.is_valid():
        values = _session_values(form, courses, region.pk)
        if values["course"] is None:
            raise Http404
        try:
            session = services.session_create(actor=request.user, **values)
        except DomainError as err:
            _fail(request, err)
        else:
            messages.success(request, _("Session saved as a draft. Publish it to open enrolment."))
            return redirect("training:session_detail", session.pk)
    return render(request, "training/session_form.html", {"form": form, "session": None, "region": region})


@login_required
def session_edit(request, pk: int):
    session = _get(selectors.session_get, request.user, pk)
    if not rules.is_bureau(request.user, session.region_id):
        raise PermissionDenied
    form, courses = _session_form(request, [session.region_id], session)
    form.fields["course"].disabled = True
    if request.method == "POST" and form.is_valid():
        values = _session_values(form, courses, session.region_id)
        values.pop("course")
        try:
            services.session_update(actor=request.user, session=session, **values)
        except DomainError as err:
            _fail(request, err)
        else:
            messages.success(request, _("Session saved."))
            return redirect("training:session_detail", session.pk)
    return render(request, "training/session_form.html", {"form": form, "session": session,
                                                          "region": session.region})


@login_required
def session_detail(request, pk: int):
    session = _get(selectors.session_get, request.user, pk)
    can_run = rules.can_run(request.user, session)
    is_bureau = rules.is_bureau(request.user, session.region_id)
    seats = selectors.seat_counts([session])[session.pk]
    mine = selectors.my_enrollments(request.user).filter(session=session).exclude(
        status=EnrollmentStatus.CANCELLED).first()
    roster = list(selectors.roster(session)) if (can_run or rules.reads_region(request.user, session.region_id)) else []
    roles = request.access.roles_in(session.region_id)
    audience = set(session.course.audience)
    return render(request, "training/session_detail.html", {
        "session": session, "seats": seats, "mine": mine, "roster": roster, "can_run": can_run,
        "is_bureau": is_bureau, "publish_form": PublishForm(), "reason_form": ReasonForm(),
        "can_enrol": (session.status == SessionStatus.PUBLISHED and session.enrol_deadline > timezone.now()
                      and mine is None and (not audience or bool(audience & roles))),
        "marking_open": timezone.localdate() >= timezone.localtime(session.starts_at).date(),
        "materials": session.course.materials.all(), "statuses": EnrollmentStatus,
        "notice_url": _notice_url(session.notice_id)})


def _notice_url(notice_id: int | None) -> str:
    if not notice_id:
        return ""
    try:
        return reverse("notices:detail", args=[notice_id])
    except NoReverseMatch:
        return ""


@login_required
@require_POST
def session_action(request, pk: int, action: str):
    session = _get(selectors.session_get, request.user, pk)
    user = request.user
    try:
        if action == "publish":
            form = PublishForm(request.POST)
            form.is_valid()
            data = form.cleaned_data
            services.session_publish(actor=user, session=session, send_notice=data.get("send_notice", False),
                                     levels=[int(v) for v in data.get("levels") or []])
            messages.success(request, _("Session published: open for enrolment."))
        elif action == "cancel":
            services.session_cancel(actor=user, session=session, reason=request.POST.get("reason", ""))
            messages.success(request, _("Session cancelled; participants were told."))
        elif action == "close":
            services.session_close(actor=user, session=session)
            messages.success(request, _("Session closed."))
        elif action == "enrol":
            enrollment = services.enrollment_create(actor=user, session=session)
            if enrollment.status == EnrollmentStatus.WAITLISTED:
                messages.warning(request, _("The session is full: you are number %(n)s on the waitlist.")
                                 % {"n": enrollment.waitlist_position})
            else:
                messages.success(request, _("You are enrolled."))
        elif action == "scores":
            scores = {}
            for key, value in request.POST.items():
                if key.startswith("score_") and value.strip():
                    scores[int(key.removeprefix("score_"))] = value.strip()
            if scores:
                done = services.scores_bulk(actor=user, session=session, scores=scores)
                passed = sum(1 for e in done if e.passed)
                messages.success(request, _("%(n)s score(s) saved, %(p)s passed.") % {"n": len(done), "p": passed})
        else:
            raise Http404
    except DomainError as err:
        _fail(request, err)
    except ValueError:
        messages.error(request, _("Invalid input."))
    return redirect("training:session_detail", session.pk)


@login_required
@require_POST
def enrollment_action(request, pk: int, action: str):
    enrollment = _get(selectors.enrollment_get, request.user, pk)
    actions = {"cancel": services.enrollment_cancel, "attend": services.enrollment_attend,
               "absent": services.enrollment_absent}
    if action not in actions:
        raise Http404
    try:
        actions[action](actor=request.user, enrollment=enrollment)
    except DomainError as err:
        _fail(request, err)
    else:
        messages.success(request, _("Saved."))
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    target = request.POST.get("next", "")
    if target.startswith("/training/"):
        return redirect(target)
    return redirect("training:session_detail", enrollment.session_id)


@login_required
def certificate(request, pk: int):
    enrollment = _get(selectors.enrollment_get, request.user, pk)
    try:
        content = services.certificate_pdf(enrollment=enrollment)
    except NotFound:
        raise Http404
    return pdf_response(content, f"培训合格证书-{enrollment.certificate_number}.pdf", inline=False)


# --- coverage ------------------------------------------------------------------------------------


def _coverage_args(request):
    ids = request.access.reader_region_ids()
    if not ids:
        raise PermissionDenied
    regions = list(Region.objects.filter(pk__in=ids).order_by("code"))
    code = request.GET.get("region", "")
    region = next((r for r in regions if r.code == code), regions[0])
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else timezone.localdate().year
    return regions, region, year


@login_required
def coverage(request):
    regions, region, year = _coverage_args(request)
    data = selectors.coverage(region, year)
    chart = {"names": [row["hospital"].name for row in data.hospitals],
             "passed": [float(row["row"].passed_share * 100) if row["row"].staff else 0 for row in data.hospitals],
             "attended": [float(row["row"].attended_share * 100) if row["row"].staff else 0
                          for row in data.hospitals]}
    this_year = timezone.localdate().year
    return render(request, "training/coverage.html", {
        "regions": regions, "region": region, "year": year, "data": data, "chart": chart,
        "years": list(range(this_year - 3, this_year + 2))})


@login_required
def coverage_export(request):
    """The coverage table as XLSX (the same figures as the screen)."""
    from openpyxl import Workbook

    _regions_list, region, year = _coverage_args(request)
    data = selectors.coverage(region, year)
    book = Workbook()
    sheet = book.active
    sheet.title = f"{year}培训覆盖"
    append = partial(safe_csv.append, sheet)  # strings as text cells: a hospital name never runs as a formula
    append(["hospital_code", "hospital_name", "level", "staff", "attended", "passed", "attended_share",
            "passed_share"])
    for row in data.hospitals:
        h, r = row["hospital"], row["row"]
        append([h.code, h.name, h.level, r.staff, r.attended, r.passed,
                      float(r.attended_share) if r.attended_share is not None else None,
                      float(r.passed_share) if r.passed_share is not None else None])
    for label, r in ((_("All hospital staff"), data.hospital_staff), (_("Experts"), data.experts),
                     (_("Bureau staff"), data.bureau)):
        append(["", str(label), "", r.staff, r.attended, r.passed,
                      float(r.attended_share) if r.attended_share is not None else None,
                      float(r.passed_share) if r.passed_share is not None else None])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="training-coverage-{region.code}-{year}.xlsx"'
    return response


# --- public verification -------------------------------------------------------------------------


def verify_form(request):
    code = request.GET.get("code", "").strip()
    if code:
        return redirect("training:verify", code.upper()[:16])
    return render(request, "training/verify.html", {"code": "", "enrollment": None, "asked": False})


def verify(request, code: str):
    """Anyone with the code (printed on the certificate) sees the name, course and date; nothing else."""
    enrollment = services.verify(code)
    return render(request, "training/verify.html", {"code": code, "enrollment": enrollment, "asked": True,
                                                    "bureau": services.issuing_bureau(enrollment.region)
                                                    if enrollment else ""},
                  status=200 if enrollment else 404)


# --- dashboard widgets ---------------------------------------------------------------------------


def bureau_widget(request) -> dict | None:
    ids = request.access.bureau_region_ids()
    if not ids:
        return None
    now = timezone.now()
    sessions = Session.objects.with_scope(region=ids).filter(region_id__in=ids)
    upcoming = sessions.filter(status=SessionStatus.PUBLISHED, starts_at__gte=now)
    region = Region.objects.filter(pk__in=ids).order_by("code").first()
    data = selectors.coverage(region, timezone.localdate().year)
    return {"upcoming": upcoming.count(), "drafts": sessions.filter(status=SessionStatus.DRAFT).count(),
            "next": list(upcoming.select_related("course").order_by("starts_at")[:3]),
            "coverage": data.hospital_staff, "region": region}


def participant_widget(request) -> dict | None:
    if not rules.is_participant(request.access):
        return None
    now = timezone.now()
    mine = selectors.my_enrollments(request.user)
    return {"open": selectors.open_sessions(request.user).count(),
            "upcoming": list(mine.filter(session__starts_at__gte=now, status__in=[
                EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED])[:3]),
            "certificates": mine.filter(passed=True).count()}
