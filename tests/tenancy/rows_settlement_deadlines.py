"""Isolation rows of the upload deadlines (domain §10): another region's month is 404, by API and screen."""
from __future__ import annotations

from apps.tenants.enums import Role


def rows() -> list:
    from tests.tenancy.test_isolation import Row, _api, _url

    def month(rw) -> str:
        return f"/api/v1/regions/{rw.region.code}/months/2025-03/"

    return [
        Row("api month status", lambda w, rw: _api(month(rw)), api_url_name="api-month-status"),
        Row("api month submit", lambda w, rw: _api(month(rw) + "submit/"), method="post",
            owner=Role.HOSPITAL_STAFF, api_url_name="api-month-submit"),
        Row("screen month status", lambda w, rw: _url("settlement:month_status") + f"?region={rw.region.code}"),
    ]
