"""Case screens: settlement-list upload (preview → confirm → progress → result), import history,
case list and detail. Every object comes from a scoped selector, so other regions' rows are 404."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.errors import Forbidden, ValidationFailed
from apps.core.lifecycle import Lifecycle
from apps.groups.selectors import payment_grouper_version
from apps.hospitals.models import Hospital
from apps.tenants.models import Region

from . import hooks, rules, selectors
from .enums import CaseWarning, InsuranceType
from .filters import capped_count, filter_cases
from .forms import ImportUploadForm
from .grouping import stored_answer
from .importer import error_messages
from .selectors import visible_cases, visible_imports
from .services import case_import_confirm, case_import_start

PAGE_SIZE = 50


def _upload_regions(access):
    ids = rules.upload_region_ids(access)
    return Region.objects.filter(pk__in=ids).order_by("code")


def _can_read_cases(access) -> bool:
    return bool(access.hospital_ids()) or any(access.reads_whole_region(r) for r in access.region_ids)


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    access = request.access
    if not _can_read_cases(access):
        raise PermissionDenied
    qs = filter_cases(visible_cases(access), request.GET, access.region_ids)
    qs = qs.select_related("hospital", "region").order_by("-discharge_date", "-id")
    page_raw = request.GET.get("page", "1")
    page = max(min(int(page_raw[:8]), 10**7), 1) if page_raw.isdigit() else 1  # no OFFSET overflow
    rows = list(qs[(page - 1) * PAGE_SIZE: page * PAGE_SIZE + 1])
    count, capped = capped_count(qs)
    params = request.GET.copy()
    params.pop("page", None)
    hospitals = access.filter(Hospital.objects.all(), hospital_field="pk").order_by("region__code", "code")
    return render(request, "cases/list.html", {
        "cases": rows[:PAGE_SIZE], "page": page, "has_next": len(rows) > PAGE_SIZE, "has_previous": page > 1,
        "count": count, "capped": capped, "querystring": params.urlencode(), "hospitals": hospitals,
        "warnings": CaseWarning.choices, "insurance_types": InsuranceType.choices, "params": request.GET,
        "multi_region": len(access.region_ids) > 1, "regions": Region.objects.filter(pk__in=access.region_ids),
        "can_upload": _upload_regions(access).exists(),
    })


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(visible_cases(request.access).select_related("hospital", "region", "import_job"), pk=pk)
    labels = dict(CaseWarning.choices)
    explained = [(w, labels.get(w, w)) for w in case.warnings]
    job = case.import_job if case.import_job_id and visible_imports(request.access).filter(pk=case.import_job_id).exists() else None
    grouping = stored_answer(case)
    declared_mdc = selectors.declared_group_mdc(case) if case.declared_drg_code else ""

    paid_on = payment_grouper_version(case.region, case.discharge_date.year)
    return render(request, "cases/detail.html", {"case": case, "warnings": explained, "job": job,
                                                 "grouping": grouping, "declared_mdc": declared_mdc,
                                                 "paid_on": paid_on,
                                                 **_case_links(request, case)})


def _case_links(request: HttpRequest, case) -> dict:
    """Everything about the case one click away: its result in each published run (→ why this amount), its
    applications and its disputes — each through the owning app's visibility rule (the apps above cases
    fill `hooks.CASE_LINKS` in their ready())."""
    links: dict = {"results": [], "case_applications": [], "case_disputes": []}
    for hook in hooks.CASE_LINKS:
        links.update(hook(request, case))
    return links


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    jobs = visible_imports(request.access).order_by("-created_at", "-id")[:200]
    return render(request, "cases/import_list.html", {"jobs": jobs, "can_upload": _upload_regions(request.access).exists()})


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    regions = _upload_regions(request.access)
    if not regions.exists():
        raise PermissionDenied
    form = ImportUploadForm(request.POST or None, request.FILES or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = case_import_start(actor=request.user, region=form.cleaned_data["region"], file=upload,
                                    filename=upload.name, dry_run=True)
        except ValidationFailed as err:
            form.add_error("file", err.message)
        except Forbidden as err:
            raise PermissionDenied(err.message) from err
        else:
            return redirect("cases:import_detail", pk=job.pk)
    from .labels import template_headers

    field, value = _("(field)"), "…"
    checks = [(code, text.replace("{field}", field).replace("{value}", value))
              for code, text in error_messages().items()]
    return render(request, "cases/import_upload.html", {"form": form, "messages_help": checks,
                                                        "template_headers": template_headers()})


@login_required
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The settlement-list template: Chinese headers (each accepted by the importer) and one example row."""
    from .labels import EXAMPLE_ROW, template_headers

    headers = template_headers()
    row = [EXAMPLE_ROW[name] for name, _ in headers]
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([label for _, label in headers])
        writer.writerow(row)
        response = HttpResponse("\ufeff" + buf.getvalue(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        import io

        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "结算清单"
        sheet.append([label for _, label in headers])
        sheet.append(row)
        for cell in sheet[2]:
            cell.number_format = "@"  # codes like 310 and dates stay text, exactly as typed
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    else:
        raise Http404
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''%E7%BB%93%E7%AE%97%E6%B8%85%E5%8D%95%E6%A8%A1%E6%9D%BF.{fmt}"
    return response


def _job_context(request, job) -> dict:
    grouping = None
    if job.status == Lifecycle.READY and not job.dry_run:
        from .models import GroupingJob

        grouping = (GroupingJob.objects.with_scope(region=[job.region_id]).filter(region_id=job.region_id, import_job=job)
                    .order_by("-id").first())
    return {"job": job, "can_confirm": job.dry_run and job.status == Lifecycle.READY and job.total > job.rejected
            and rules.can_upload(request.access, job.region_id),
            "paid_on": payment_grouper_version(job.region), "grouping_job": grouping}


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(visible_imports(request.access), pk=pk)
    return render(request, "cases/import_detail.html", _job_context(request, job))


@login_required
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx-polled fragment: progress while running, the result once finished."""
    job = get_object_or_404(visible_imports(request.access), pk=pk)
    return render(request, "cases/_import_status.html", _job_context(request, job))


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(visible_imports(request.access), pk=pk)
    try:
        real = case_import_confirm(actor=request.user, job=job)
    except ValidationFailed as err:
        messages.error(request, err.message)
        return redirect("cases:import_detail", pk=job.pk)
    except Forbidden as err:
        raise PermissionDenied(err.message) from err
    messages.success(request, _("Import started."))
    return redirect("cases:import_detail", pk=real.pk)


@login_required
def import_errors(request: HttpRequest, pk: int) -> HttpResponse:
    from .api import error_file_response

    job = get_object_or_404(visible_imports(request.access), pk=pk)
    try:
        return error_file_response(job)
    except Exception as err:  # noqa: BLE001 - DRF NotFound outside DRF
        raise Http404 from err
