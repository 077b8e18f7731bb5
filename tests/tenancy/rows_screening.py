"""Isolation rows of screening (apps/screening: API, screens, attachments); `item_for`/`attachment_for` also
build the objects of the access matrix (tests/hardening/access_table.py)."""
from __future__ import annotations

import datetime as dt


def item_for(hospital):
    """An answered split-admission item of `hospital` on its isolation case (one per hospital)."""
    from tests.tenancy.test_isolation import _case, _create

    return _create("screening.ScreeningItem", {"region_id": hospital.region_id, "case": _case(hospital),
                                               "rule": "split_admission"},
                   hospital=hospital, year=2025, month=3, evidence={"gap_days": 3}, status="answered",
                   reply_due=dt.date(2025, 4, 15))


def attachment_for(hospital):
    from tests.tenancy.test_isolation import _create

    return _create("screening.Attachment", {"region_id": hospital.region_id, "item": item_for(hospital)},
                   stored_name="missing.pdf", original_name="iso.pdf", content_type="application/pdf", size=10,
                   sha256="0" * 64)


def rows() -> list:
    from apps.tenants.enums import Role
    from tests.tenancy.test_isolation import _api, _hospital_row, _url

    return [
        _hospital_row("api screening item detail", lambda w, h: _api(f"/api/v1/screening-items/{item_for(h).pk}/"),
                      api_basename="screening-item", owner=Role.HOSPITAL_STAFF),
        _hospital_row("api screening item answer",
                      lambda w, h: _api(f"/api/v1/screening-items/{item_for(h).pk}/answer/"),
                      method="post", data={"text": "isolation"}, owner=Role.HOSPITAL_STAFF),
        _hospital_row("api screening item clear", lambda w, h: _api(f"/api/v1/screening-items/{item_for(h).pk}/clear/"),
                      method="post", data={"reason": "isolation"}, owner=Role.BUREAU_STAFF, control=False),
        _hospital_row("screen screening item detail", lambda w, h: _url("screening:detail", pk=item_for(h).pk),
                      owner=Role.HOSPITAL_STAFF),
        _hospital_row("screen screening item confirm POST",
                      lambda w, h: _url("screening:action", pk=item_for(h).pk, action="confirm"), method="post",
                      data={"reason": "isolation"}, control=False),
        _hospital_row("screen screening attachment",
                      lambda w, h: _url("screening:attachment", pk=attachment_for(h).pk), control=False),
    ]
