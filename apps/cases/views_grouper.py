"""Grouper screens (in cases, beside the grouping they run; URL namespace `grouper`): the pre-grouping page for coders (预分组), the declared-vs-grouper disagreement report and the
bureau's local subdivision rules. Thin: reads through selectors, writes through services."""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from apps.core import exports as safe_csv
from apps.core.errors import DomainError, Forbidden
from apps.groups import rules
from apps.groups.grouper.loader import policy_version
from apps.groups.grouper.services import local_rule_create
from apps.groups.grouper.services import local_rule_deactivate as local_rule_deactivate_service
from apps.groups.models import LocalGroupRule
from apps.groups.selectors import payment_grouper_version
from apps.tenants.models import Region

from . import grouping
from .api_grouper import group_fields, region_version, version_label
from .enums import DischargeMethod
from .models import GroupingJob
from .selectors import grouping_report
from .services import grouping_job_start


def _regions(request):
    return Region.objects.filter(pk__in=request.access.region_ids).order_by("code")


def _region_or_404(request, code: str | None) -> Region | None:
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    if region is None or region.pk not in request.access.region_ids:
        raise Http404
    return region


def _optional_int(label, lo, hi):
    return forms.IntegerField(label=label, required=False, min_value=lo, max_value=hi)


class GrouperForm(forms.Form):
    version = forms.ChoiceField(label=_lazy("Grouper version"))
    region = forms.ChoiceField(label=_lazy("Local rules of"), required=False)
    principal_dx = forms.CharField(label=_lazy("Principal diagnosis"), max_length=20,
                                   widget=forms.TextInput(attrs={"placeholder": "K80.101", "autocomplete": "off"}))
    secondary_dx = forms.CharField(label=_lazy("Secondary diagnoses"), required=False, max_length=1000,
                                   help_text=_lazy("separated by | , or spaces"))
    procedures = forms.CharField(label=_lazy("Procedures (main first)"), required=False, max_length=1000,
                                 help_text=_lazy("separated by | , or spaces"))
    gender = forms.TypedChoiceField(label=_lazy("Gender"), required=False, coerce=int, empty_value=None,
                                    choices=[("", "—"), (1, _lazy("male")), (2, _lazy("female"))])
    age = _optional_int(_lazy("Age (years)"), 0, 150)
    age_days = _optional_int(_lazy("Age in days (under 1 year)"), 0, 366)
    birth_weight_g = _optional_int(_lazy("Birth weight (g)"), 0, 10000)
    los_days = _optional_int(_lazy("Length of stay (days)"), 0, 3650)
    discharge_method = forms.ChoiceField(label=_lazy("Discharge method"), required=False,
                                         choices=[("", "—"), *DischargeMethod.choices])
    ventilation_hours = _optional_int(_lazy("Ventilation hours"), 0, 100000)

    def __init__(self, *args, versions: list[str], regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].choices = [(v, v if version_label(v) == v else f"{version_label(v)} ({v})")
                                          for v in versions]
        self.fields["region"].choices = [("", _("national rules only")), *[(r.code, r.name) for r in regions]]


class PasteForm(forms.Form):
    row = forms.CharField(label=_lazy("Paste a row"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3}),
                          help_text=_lazy("one settlement-list row (CSV or copied from a spreadsheet), with or "
                                          "without its header line"))


def _initial(request, versions: list[str]) -> dict:
    """The caller's region and the version its policy year names (PolicyYear.grouper_version)."""
    regions = list(_regions(request))
    region = regions[0] if len(regions) == 1 else None
    default = region_version(region) or (versions[-1] if versions else "")
    return {"version": default, "region": region.code if region else ""}


def _version_note(request) -> str:
    """Say so when the caller's region keeps no portal grouper (its declared codes are used as they are)."""
    regions = list(_regions(request))
    if len(regions) != 1:
        return ""
    named = policy_version(regions[0].pk)
    if named == "":
        return _("%(region)s groups with an outside grouper: its declared DRG codes are used as they are. "
                 "You can still pre-group here with a portal version.") % {"region": regions[0].name}
    return ""


@login_required
def grouper_page(request):
    """GET: the form. POST (htmx): the result fragment; a pasted row is read first (`row`)."""
    versions = sorted(grouping.version_names())
    regions = _regions(request)
    if request.method != "POST":
        form = GrouperForm(initial=_initial(request, versions), versions=versions, regions=regions)
        return render(request, "groups/grouper/page.html", {
            "form": form, "paste": PasteForm(), "versions": versions, "result": None,
            "version_note": _version_note(request)})
    data = request.POST.copy()
    pasted = None
    if data.get("row", "").strip():
        try:
            pasted = grouping.parse_pasted_row(data["row"])
        except ValueError:
            return _result(request, None, error=_("The pasted row could not be read: it needs at least a principal "
                                                  "diagnosis (with a header line, or in the column order of the "
                                                  "settlement list)."))
        for key, value in pasted.items():
            if key in GrouperForm.base_fields and value not in (None, [], ""):
                data[key] = "|".join(value) if isinstance(value, list) else str(value)
        data.setdefault("version", _initial(request, versions)["version"])
    form = GrouperForm(data, versions=versions, regions=regions)
    if not versions:
        return _result(request, None, error=_("No grouper rule set is loaded yet."))
    if not form.is_valid():
        return _result(request, None, form=form)
    fields = dict(form.cleaned_data)
    region = _region_or_404(request, fields.pop("region", ""))
    if region is None and len(regions) == 1:
        region = regions[0]
    fields["secondary_dx"] = grouping.split_codes(fields["secondary_dx"])
    fields["procedures"] = grouping.split_codes(fields["procedures"])
    version = fields.pop("version")
    result = group_fields(version, region, fields)
    declared = (pasted or {}).get("drg_code", "")
    return _result(request, result, fields=fields, region=region, declared=declared, version=version)


STATUS_LABELS = {"ok": _lazy("grouped"), "ambiguous": _lazy("ambiguous (QY)"),
                 "ungroupable": _lazy("ungroupable (0000)"), "invalid": _lazy("invalid input")}


def _result(request, result, *, error: str = "", form=None, fields=None, region=None, declared: str = "",
            version: str = ""):
    context = {"result": result, "error": error, "form_errors": form.errors if form is not None else None,
               "fields": fields, "region": region, "declared": declared,
               "status_label": STATUS_LABELS.get((result or {}).get("status", ""), ""),
               "version_label": version_label(version) if version else ""}
    if request.headers.get("HX-Request"):
        return render(request, "groups/grouper/_result.html", context)
    versions = sorted(grouping.version_names())
    full_form = form or GrouperForm(request.POST or None, versions=versions, regions=_regions(request))
    return render(request, "groups/grouper/page.html", {**context, "form": full_form, "paste": PasteForm(request.POST or None),
                                                         "versions": versions})


# ---------------------------------------------------------------- disagreement report

REPORT_COLUMNS = ("cases", "ok", "ambiguous", "ungroupable", "invalid", "declared", "compared", "mismatch", "upcoded",
                  "rate")


def _report_regions(request):
    access = request.access
    ids = [r for r in access.region_ids if rules.reads_grouper_report(access, r)]
    return Region.objects.filter(pk__in=ids).order_by("code")


@login_required
def grouper_report(request):
    asked = _region_or_404(request, request.GET.get("region"))  # out of scope: 404 before any role check
    regions = list(_report_regions(request))
    if not regions:
        raise PermissionDenied
    region = asked or regions[0]
    if region not in regions:
        raise Http404
    period = request.GET.get("period", "").strip()
    try:
        grouping.period_range(period)
    except ValueError:
        messages.error(request, _("Period: YYYY or YYYY-MM."))
        period = ""
    version = request.GET.get("version", "").strip() or None
    report = grouping_report(request.access, region, period or None, version)
    export = request.GET.get("export")
    if export in ("hospital", "adrg"):
        return _report_csv(report, export, region, period)
    whole = request.access.reads_region(region.pk)
    can_run = rules.can_run_grouper(request.access, region.pk)
    jobs = _recent_jobs(region) if can_run else []
    paid_on = payment_grouper_version(region, int(period[:4]) if period else None)
    return render(request, "groups/grouper/report.html", {
        "report": report, "regions": regions, "region": region, "period": period, "version": version or "",
        "paid_on": paid_on,
        "versions": sorted(grouping.version_names()), "whole_region": whole, "can_run": can_run,
        "jobs": jobs, "running": any(not j.finished for j in jobs),
    })


@login_required
def grouper_jobs(request):
    """The htmx-polled table of the region's recent grouping runs (progress while chunks run)."""
    region = _region_or_404(request, request.GET.get("region"))
    if region is None:
        raise Http404
    if not rules.can_run_grouper(request.access, region.pk):
        raise PermissionDenied
    jobs = _recent_jobs(region)
    return render(request, "groups/grouper/_jobs.html", {"jobs": jobs, "region": region,
                                                         "running": any(not j.finished for j in jobs)})


def _report_csv(report: dict, by: str, region: Region, period: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"grouper-disagreement-{region.code}-{period or 'all'}-{by}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")
    writer = safe_csv.writer(response)
    if by == "hospital":
        writer.writerow(["hospital_code", "hospital_name", *REPORT_COLUMNS])
        for row in report["by_hospital"]:
            writer.writerow([row["hospital__code"], row["hospital__name"], *(_plain(row[c]) for c in REPORT_COLUMNS)])
    else:
        writer.writerow(["adrg", *REPORT_COLUMNS])
        for row in report["by_adrg"]:
            writer.writerow([row["grouper_adrg"], *(_plain(row[c]) for c in REPORT_COLUMNS)])
    return response


def _plain(value) -> str:
    return "" if value is None else str(value)


def _recent_jobs(region: Region):
    return list(GroupingJob.objects.filter(region=region).order_by("-created_at", "-id")[:5])


@login_required
@require_POST
def grouper_run(request):
    """The bureau groups the region's cases not grouped yet (or all, `all=1`) in Celery chunks."""
    region = _region_or_404(request, request.POST.get("region") or request.GET.get("region"))
    if region is None:
        raise Http404
    try:
        job = grouping_job_start(actor=request.user, region=region, version=request.POST.get("version") or None,
                                 scope="all" if request.POST.get("all") else "pending",
                                 period=request.POST.get("period") or None)
    except Forbidden as err:
        raise PermissionDenied(err.message) from err
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Grouping started: %(n)s cases.") % {"n": job.total})
    return redirect(f"{reverse('grouper:report')}?region={region.code}")


# ---------------------------------------------------------------- local subdivision rules (bureau)

@login_required
def local_rules(request):
    """List (and, for the bureau, create) a region's local subdivision rules."""
    access = request.access
    asked = _region_or_404(request, request.GET.get("region") or request.POST.get("region"))
    regions = [r for r in _regions(request) if rules.reads_local_rules(access, r.pk)]
    if not regions:
        raise PermissionDenied
    region = asked or regions[0]
    if region not in regions:
        raise Http404
    can_manage = rules.can_manage_local_rules(access, region.pk)
    form = LocalRuleForm(request.POST or None, versions=sorted(grouping.version_names())) if can_manage else None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                local_rule_create(actor=request.user, region=region, **form.service_kwargs())
            except Forbidden as err:
                raise PermissionDenied(err.message) from err
            except DomainError as err:
                messages.error(request, err.message)
            else:
                messages.success(request, _("Local rule saved."))
                return redirect(f"{reverse('grouper:local_rules')}?region={region.code}")
    local = list(LocalGroupRule.objects.filter(region=region).order_by("-is_active", "base_code", "local_code"))
    return render(request, "groups/grouper/local_rules.html", {
        "regions": regions, "region": region, "rules": local, "form": form, "can_manage": can_manage})


@login_required
@require_POST
def local_rule_deactivate(request, pk: int):
    rule = LocalGroupRule.objects.filter(pk=pk, region_id__in=request.access.region_ids).first()
    if rule is None:
        raise Http404
    try:
        local_rule_deactivate_service(actor=request.user, region=rule.region, rule=rule)
    except Forbidden as err:
        raise PermissionDenied(err.message) from err
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Local rule deactivated."))
    return redirect(f"{reverse('grouper:local_rules')}?region={rule.region.code}")


class LocalRuleForm(forms.Form):
    """A regional subdivision of a national ADRG/DRG (the fields of LocalGroupRule)."""

    ruleset_version = forms.ChoiceField(label=_lazy("Grouper version"))
    base_code = forms.CharField(label=_lazy("National ADRG or DRG"), max_length=10,
                                help_text=_lazy("3 characters for an ADRG (e.g. FM1), 4 for a DRG (e.g. FM19)"))
    local_code = forms.CharField(label=_lazy("Local group code"), max_length=20)
    local_name = forms.CharField(label=_lazy("Local group name"), max_length=200)
    procedures = forms.CharField(label=_lazy("Procedures (any of)"), required=False, max_length=4000,
                                 widget=forms.Textarea(attrs={"rows": 2}), help_text=_lazy("separated by | , or spaces"))
    diagnoses = forms.CharField(label=_lazy("Principal diagnoses (any of)"), required=False, max_length=4000,
                                widget=forms.Textarea(attrs={"rows": 2}), help_text=_lazy("separated by | , or spaces"))
    age_min = forms.IntegerField(label=_lazy("Minimum age"), required=False, min_value=0, max_value=150)
    age_max = forms.IntegerField(label=_lazy("Maximum age"), required=False, min_value=0, max_value=150)
    los_min = forms.IntegerField(label=_lazy("Minimum length of stay"), required=False, min_value=0, max_value=3650)
    los_max = forms.IntegerField(label=_lazy("Maximum length of stay"), required=False, min_value=0, max_value=3650)
    priority = forms.IntegerField(label=_lazy("Priority"), required=False, min_value=0, max_value=1000, initial=100,
                                  help_text=_lazy("lower is tried first"))
    note = forms.CharField(label=_lazy("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, versions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ruleset_version"].choices = [(v, v) for v in versions]

    def service_kwargs(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        data["procedures"] = grouping.split_codes(self.cleaned_data["procedures"])
        data["diagnoses"] = grouping.split_codes(self.cleaned_data["diagnoses"])
        data["base_code"] = data["base_code"].strip().upper()
        data["local_code"] = data["local_code"].strip().upper()
        return data
