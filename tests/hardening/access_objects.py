"""Objects the access matrix points URLs at: one per region (region-level) or per hospital (hospital-level).

Each builder takes a `Scope` (the region world and the hospital whose object is wanted) and returns the URL kwargs.
Builders get or create, so asking twice gives the same object.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from django_scopes import scopes_disabled

from apps.tenants.enums import Role
from tests.conftest import RegionWorld


@dataclass(frozen=True)
class Scope:
    rw: RegionWorld
    hospital: object

    @property
    def region(self):
        return self.rw.region


def iso():
    from tests.tenancy import test_isolation

    return test_isolation


def region_code(s: Scope) -> dict:
    return {"code": s.region.code}


def region_year(s: Scope) -> dict:
    return {"code": s.region.code, "year": iso()._stats_year(s.rw)}


def hospital_pk(s: Scope) -> dict:
    return {"pk": s.hospital.pk}


def case_pk(s: Scope) -> dict:
    return {"pk": iso()._case(s.hospital).pk}


def import_job_pk(s: Scope) -> dict:
    return {"pk": iso()._import_job(s.hospital).pk}


def application_pk(s: Scope) -> dict:
    return {"pk": iso()._application(s.hospital).pk}


def attachment_pk(s: Scope) -> dict:
    application = iso()._application(s.hospital)
    obj = iso()._create("applications.Attachment", {"region_id": s.region.pk, "application": application},
                        kind="other", stored_name="missing.pdf", original_name="a.pdf",
                        content_type="application/pdf", size=1, sha256="0" * 64)
    return {"pk": obj.pk}


def staff_user_pk(s: Scope) -> dict:
    return {"pk": s.rw.users[Role.BUREAU_STAFF].pk}


def staff_membership(s: Scope) -> dict:
    return {"pk": s.rw.users[Role.BUREAU_STAFF].pk, "membership_id": iso()._membership_id(s.rw)}


def audit_event_pk(s: Scope) -> dict:
    return {"pk": iso()._audit_event(s.rw).pk}


def catalogue_pk(s: Scope) -> dict:
    return {"pk": iso()._catalogue(s.rw).pk}


def stats_version(s: Scope) -> dict:
    version = iso()._stats_version(s.rw)
    return {"code": s.region.code, "year": version.year, "pk": version.pk}


def stats_group(s: Scope) -> dict:
    return {"code": s.region.code, "year": iso()._stats_year(s.rw), "group_code": iso()._group(s.rw).code}


def coefficient_version_pk(s: Scope) -> dict:
    return {"pk": iso()._coefficient_version(s.rw).pk}


def coefficient_row_pk(s: Scope) -> dict:
    version = iso()._coefficient_version(s.rw)
    row = iso()._create("settlement.HospitalCoefficient", {"region": s.region, "version": version,
                                                           "hospital": s.rw.hospitals[0]},
                        **_coefficient_row_defaults())
    return {"pk": row.pk}


def _coefficient_row_defaults() -> dict:
    from apps.settlement.models import HospitalCoefficient

    defaults = {}
    for f in HospitalCoefficient._meta.concrete_fields:
        if f.name in ("id", "region", "version", "hospital") or f.null or f.has_default():
            continue
        internal = f.get_internal_type()
        defaults[f.name] = 1 if "Integer" in internal else ("1.0" if internal == "DecimalField" else "x")
    return defaults


def settlement_run_pk(s: Scope) -> dict:
    return {"pk": iso()._settlement_run(s.rw).pk}


def run_export(s: Scope) -> dict:
    return {"pk": iso()._settlement_run(s.rw).pk, "table": "hospitals", "fmt": "csv"}


def case_result_pk(s: Scope) -> dict:
    from apps.settlement.models import CaseResult

    run = iso()._settlement_run(s.rw)
    case = iso()._case(s.hospital)
    with scopes_disabled():
        obj = CaseResult.objects.filter(run=run, case=case).first()
        if obj is None:
            obj = CaseResult.objects.create(
                run=run, region=s.region, case=case, hospital=s.hospital, settlement_id=case.settlement_id,
                drg_code="", level=s.hospital.level, case_type="normal", low_ratio="0.4", high_ratio="3",
                coefficient="1", **_case_result_defaults())
    return {"pk": obj.pk}


def _case_result_defaults() -> dict:
    from apps.settlement.models import CaseResult

    set_above = {"run", "region", "case", "hospital", "settlement_id", "drg_code", "level", "case_type", "low_ratio",
                 "high_ratio", "coefficient", "id"}
    defaults = {}
    for f in CaseResult._meta.concrete_fields:
        if f.name in set_above or f.null or f.has_default():
            continue
        defaults[f.name] = "0" if f.get_internal_type() == "DecimalField" else 0
    return defaults


def notification_pk(s: Scope) -> dict:
    return {"pk": iso()._notification(s.rw).pk}


def local_rule_pk(s: Scope) -> dict:
    """Local grouper rules are optional (no model yet): a missing id, which every caller gets 404 for."""
    from django.apps import apps as django_apps

    try:
        model = django_apps.get_model("groups", "LocalRule")
    except LookupError:
        return {"pk": 999_999_999}
    with scopes_disabled():
        obj = model.objects.filter(region=s.region).first()
    return {"pk": obj.pk if obj else 999_999_999}


# ---------------------------------------------------------------- generic builder (apps without a hand-written one)
def auto(label: str, s: Scope, **values):
    """Get or create a row of `label` for the scope's region (and hospital), filling required fields with plain values:
    FKs to Region/Hospital/User point at the scope; other required FKs are built the same way; choices take the
    first choice. Enough for a URL to find an object; not a meaningful workflow state."""
    import datetime as dt
    from decimal import Decimal

    from django.apps import apps as django_apps
    from django.db import models

    model = django_apps.get_model(label)
    values = {**AUTO_VALUES.get(label, {}), **values}
    with scopes_disabled():
        lookup = {"region_id": s.region.pk} if any(f.name == "region" for f in model._meta.fields) else {}
        for f in model._meta.fields:
            if isinstance(f, models.ForeignKey) and f.related_model._meta.label == "hospitals.Hospital" \
                    and f.name not in values:
                lookup[f.name] = s.hospital
        existing = model.objects.filter(**lookup, **{k: v for k, v in values.items() if not callable(v)}).first()
        if existing is not None:
            return existing
        data = dict(lookup)
        for f in model._meta.concrete_fields:
            if f.primary_key or f.name in data or f.attname in data:
                continue
            if f.name in values:
                data[f.name] = values[f.name]
                continue
            if f.null or f.has_default() or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                continue
            if f.blank and isinstance(f, models.CharField | models.TextField) and not f.choices:
                continue
            if isinstance(f, models.ForeignKey):
                related = f.related_model._meta.label
                if related == "tenants.Region":
                    data[f.name] = s.region
                elif related == "tenants.User":
                    data[f.name] = hospital_user(s)
                else:
                    data[f.name] = auto(related, s)
            elif f.choices:
                data[f.name] = f.choices[0][0]
            elif isinstance(f, models.DateTimeField):
                data[f.name] = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
            elif isinstance(f, models.DateField):
                data[f.name] = dt.date(2026, 1, 5)
            elif isinstance(f, models.DecimalField):
                data[f.name] = Decimal("1")
            elif isinstance(f, models.IntegerField | models.PositiveIntegerField | models.FloatField):
                data[f.name] = 1
            elif isinstance(f, models.BooleanField):
                data[f.name] = False
            elif isinstance(f, models.JSONField):
                data[f.name] = {}
            else:
                data[f.name] = f"hardening {f.name}"[: f.max_length or 40]
        return model.objects.create(**data)


def hospital_user(s: Scope):
    """The hospital staff user of the scope's hospital (made for hospitals the world gives no user)."""
    from apps.tenants.models import User
    from apps.tenants.services import user_create

    if s.hospital == s.rw.hospitals[0]:
        return s.rw.users[Role.HOSPITAL_STAFF]
    with scopes_disabled():
        user = User.objects.filter(username=f"hs_{s.hospital.code}").first()
        return user or user_create(actor=None, username=f"hs_{s.hospital.code}", password="Test-pass-2026",
                                   name="hardening", memberships=[{"role": Role.HOSPITAL_STAFF, "region": s.region,
                                                                   "hospital": s.hospital}])


AUTO_VALUES: dict[str, dict] = {  # values a plain default would break (check constraints)
    "training.Session": {"starts_at": _dt.datetime(2026, 1, 5, 9, tzinfo=_dt.UTC),
                         "ends_at": _dt.datetime(2026, 1, 5, 11, tzinfo=_dt.UTC)},
}


def auto_pk(label: str, **values):
    return lambda s: {"pk": auto(label, s, **values).pk}
