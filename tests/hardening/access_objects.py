"""Objects the access matrix points URLs at: one per region (region-level) or per hospital (hospital-level).

Each builder takes a `Scope` (the region world and the hospital whose object is wanted) and returns the URL kwargs.
Builders get or create, so asking twice gives the same object.
"""
from __future__ import annotations

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
    from django.apps import apps as django_apps

    model = django_apps.get_model("groups", "LocalRule")
    with scopes_disabled():
        obj = model.objects.filter(region=s.region).first()
    if obj is None:
        import pytest

        pytest.skip("no local grouper rule builder yet")
    return {"pk": obj.pk}
