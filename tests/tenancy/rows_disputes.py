"""Isolation rows of disputes (apps/disputes: API, screens, letter, attachments)."""
from __future__ import annotations


def rows() -> list:
    from apps.tenants.enums import Role
    from tests.tenancy.test_isolation import _api, _create, _hospital_row, _url

    def dispute(hospital):
        return _create("disputes.Dispute", {"region_id": hospital.region_id, "hospital": hospital,
                                            "claim": f"isolation {hospital.code}"},
                       subject_type="other", year=2025, status="draft")

    def attachment(hospital):
        d = dispute(hospital)
        return _create("disputes.Attachment", {"region_id": hospital.region_id, "dispute": d},
                       step="draft", stored_name="missing.pdf", original_name="iso.pdf", content_type="application/pdf",
                       size=10, sha256="0" * 64)

    return [
        _hospital_row("api dispute detail", lambda w, h: _api(f"/api/v1/disputes/{dispute(h).pk}/"),
                      api_basename="dispute", owner=Role.HOSPITAL_STAFF),
        _hospital_row("api dispute submit", lambda w, h: _api(f"/api/v1/disputes/{dispute(h).pk}/submit/"),
                      method="post", owner=Role.HOSPITAL_ADMIN),
        _hospital_row("api dispute comment", lambda w, h: _api(f"/api/v1/disputes/{dispute(h).pk}/comments/"),
                      method="post", data={"text": "isolation"}, owner=Role.HOSPITAL_STAFF),
        # (no positive control: a draft has no letter yet, which answers 404 by design)
        _hospital_row("api dispute letter", lambda w, h: _api(f"/api/v1/disputes/{dispute(h).pk}/letter/"),
                      control=False),
        _hospital_row("screen dispute detail", lambda w, h: _url("disputes:detail", pk=dispute(h).pk),
                      owner=Role.HOSPITAL_STAFF),
        _hospital_row("screen dispute comment POST",
                      lambda w, h: _url("disputes:action", pk=dispute(h).pk, action="comment"), method="post",
                      data={"text": "isolation"}, owner=Role.HOSPITAL_STAFF),
        _hospital_row("screen dispute letter", lambda w, h: _url("disputes:letter", pk=dispute(h).pk), control=False),
        _hospital_row("screen dispute attachment", lambda w, h: _url("disputes:attachment", pk=attachment(h).pk),
                      control=False),
    ]
