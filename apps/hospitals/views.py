"""Hospital screens: list (filters, export), detail with history, create/edit, file import.

Scope first: every object comes from `hospitals_visible`, so anything outside the caller's scope is
404; a user in scope without the manager role gets 403 on create, edit and import.
"""
from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.core.errors import Forbidden, ValidationFailed
from apps.core.models import AuditEvent

from . import services
from .filters import HospitalFilter
from .forms import MODEL_FIELDS, HospitalForm, ImportUploadForm
from .resources import MAX_FILE_BYTES, HospitalResource
from .selectors import can_manage, hospitals_visible, managed_regions

PAGE_SIZE = 50
SESSION_KEY = "hospital_imports"
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
MAX_PENDING = 10


def _filtered(request: HttpRequest) -> HospitalFilter:
    queryset = hospitals_visible(request.access).order_by("region__code", "code")
    return HospitalFilter(request.GET or None, queryset=queryset, request=request)


def _querystring(request: HttpRequest, drop: tuple[str, ...] = ("page", "format")) -> str:
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()


@login_required
def hospital_list(request: HttpRequest) -> HttpResponse:
    hospitals = _filtered(request)
    page = Paginator(hospitals.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "hospitals/list.html", {
        "filter": hospitals,
        "page": page,
        "querystring": _querystring(request),
        "multi_region": len(request.access.region_ids) > 1,
        "can_manage": managed_regions(request.access).exists(),
    })


@login_required
def hospital_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV or XLSX with the import file's columns (so it can be edited and re-imported)."""
    file_format = request.GET.get("format", "csv")
    if file_format not in ("csv", "xlsx"):
        raise Http404
    content, content_type = HospitalResource().export_bytes(_filtered(request).qs, file_format)
    response = HttpResponse(content, content_type=content_type)
    filename = f"hospitals-{timezone.localdate():%Y%m%d}.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def hospital_detail(request: HttpRequest, pk: int) -> HttpResponse:
    hospital = get_object_or_404(hospitals_visible(request.access), pk=pk)
    context = {"hospital": hospital, "can_manage": can_manage(request.access, hospital.region_id)}
    if request.user.has_perm("tenants.view_auditevent", hospital):
        records = list(hospital.history.select_related("history_user").order_by("-history_date", "-history_id")[:50])
        context["history"] = [{"record": r, "changes": _changes(r)} for r in records]
        context["events"] = AuditEvent.objects.filter(
            region_id=hospital.region_id, object_type="hospitals.Hospital", object_id=str(hospital.pk),
        ).order_by("-at", "-id")[:50]
    return render(request, "hospitals/detail.html", context)


def _changes(record) -> list:
    previous = record.prev_record
    if previous is None:
        return []
    delta = record.diff_against(previous, included_fields=[*MODEL_FIELDS, "active"])
    return [{"field": c.field, "old": c.old, "new": c.new} for c in delta.changes]


@login_required
def hospital_create(request: HttpRequest) -> HttpResponse:
    regions = managed_regions(request.access)
    if not regions.exists():
        raise PermissionDenied
    form = HospitalForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        try:
            hospital = services.hospital_create(actor=request.user, region=form.cleaned_data["region"],
                                                **form.hospital_fields())
        except Forbidden:
            raise PermissionDenied
        except ValidationFailed as err:
            form.add_error(None, err.message)
        else:
            messages.success(request, _("Hospital %(name)s created.") % {"name": hospital.name})
            return redirect("hospitals:detail", pk=hospital.pk)
    return render(request, "hospitals/form.html", {"form": form, "hospital": None})


@login_required
def hospital_edit(request: HttpRequest, pk: int) -> HttpResponse:
    hospital = get_object_or_404(hospitals_visible(request.access), pk=pk)
    if not can_manage(request.access, hospital.region_id):
        raise PermissionDenied
    initial = {name: getattr(hospital, name) for name in [*MODEL_FIELDS, "active"]}
    form = HospitalForm(request.POST or None, initial=initial, edit=True)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.hospital_fields().items() if getattr(hospital, k) != v}
        try:
            services.hospital_update(actor=request.user, hospital=hospital, reason=form.cleaned_data["reason"],
                                     **fields)
        except Forbidden:
            raise PermissionDenied
        except ValidationFailed as err:
            form.add_error(None, err.message)
        else:
            messages.success(request, _("Hospital %(name)s saved.") % {"name": hospital.name})
            return redirect("hospitals:detail", pk=hospital.pk)
    return render(request, "hospitals/form.html", {"form": form, "hospital": hospital})


# -- import: upload → preview (dry run) → confirm → result ------------------------------------------

def _import_dir(token: str) -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "imports" / token


def _session_upload(request: HttpRequest, token: str) -> dict:
    """The pending upload behind `token`, if this session made it; anything else is 404."""
    if not TOKEN_RE.match(token or ""):
        raise Http404
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if entry is None:
        raise Http404
    return entry


@login_required
def hospital_import(request: HttpRequest) -> HttpResponse:
    regions = managed_regions(request.access)
    if not regions.exists():
        raise PermissionDenied
    form = ImportUploadForm(request.POST or None, request.FILES or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        region = form.cleaned_data["region"]
        if upload.size > MAX_FILE_BYTES:
            form.add_error("file", _("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)})
        else:
            data = upload.read()
            try:
                report = services.hospitals_import(actor=request.user, region=region, data=data,
                                                   filename=upload.name, dry_run=True)
            except Forbidden:
                raise PermissionDenied
            except services.ImportFileError as err:
                form.add_error("file", err.message)
            else:
                token = uuid.uuid4().hex
                folder = _import_dir(token)
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "upload").write_bytes(data)
                (folder / "errors.csv").write_bytes(report.errors_csv())
                pending = request.session.get(SESSION_KEY, {})
                pending[token] = {"region": region.pk, "filename": services.safe_filename(upload.name), "done": False}
                while len(pending) > MAX_PENDING:  # a session keeps its latest uploads only
                    shutil.rmtree(_import_dir(next(iter(pending))), ignore_errors=True)
                    pending.pop(next(iter(pending)))
                request.session[SESSION_KEY] = pending
                return render(request, "hospitals/import_report.html", {
                    "report": report, "token": token, "region": region, "filename": pending[token]["filename"]})
    return render(request, "hospitals/import_upload.html", {"form": form})


@login_required
@require_POST
def hospital_import_confirm(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("token", "")
    entry = _session_upload(request, token)
    if entry["done"]:
        messages.info(request, _("This file has already been imported."))
        return redirect("hospitals:import")
    region = get_object_or_404(managed_regions(request.access), pk=entry["region"])
    folder = _import_dir(token)
    try:
        data = (folder / "upload").read_bytes()
    except FileNotFoundError:
        raise Http404
    try:
        report = services.hospitals_import(actor=request.user, region=region, data=data,
                                           filename=entry["filename"], dry_run=False)
    except Forbidden:
        raise PermissionDenied
    except services.ImportFileError as err:  # the same bytes passed the preview; only if rules changed
        messages.error(request, err.message)
        return redirect("hospitals:import")
    (folder / "errors.csv").write_bytes(report.errors_csv())
    (folder / "upload").unlink(missing_ok=True)
    pending = request.session.get(SESSION_KEY, {})
    pending[token] = {**entry, "done": True}
    request.session[SESSION_KEY] = pending
    return render(request, "hospitals/import_report.html", {
        "report": report, "token": token, "region": region, "filename": entry["filename"], "confirmed": True})


@login_required
def hospital_import_errors(request: HttpRequest, token: str) -> FileResponse:
    """The error report `row,code,field,error_code,message` of this session's upload."""
    _session_upload(request, token)
    path = _import_dir(token) / "errors.csv"
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename="hospital-import-errors.csv",
                        content_type="text/csv; charset=utf-8")


@login_required
@require_POST
def hospital_import_cancel(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("token", "")
    _session_upload(request, token)
    shutil.rmtree(_import_dir(token), ignore_errors=True)
    pending = request.session.get(SESSION_KEY, {})
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending
    return redirect("hospitals:import")
