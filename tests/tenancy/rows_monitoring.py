"""Isolation rows of the monitoring app (indicators, indicator periods, rankings)."""
from __future__ import annotations


def rows() -> list:
    import datetime as dt

    from apps.tenants.enums import Role
    from tests.tenancy.test_isolation import Row, _api, _create, _hospital_row, _url

    def period(rw, region_id=None):
        return _create("monitoring.IndicatorPeriod", {"region_id": region_id or rw.region.pk, "period": "2025"},
                       kind="year", year=2025, start=dt.date(2025, 1, 1), end=dt.date(2026, 1, 1), status="ready")

    def ranking(rw, status="published"):
        return _create("monitoring.Ranking", {"region": rw.region, "quarter": "2025-Q1"}, period=period(rw),
                       status=status)

    def indicators(w, h):
        from apps.tenants.models import Region

        code = Region.objects.get(pk=h.region_id).code
        period(None, h.region_id)
        return _api("/api/v1/indicators/") + f"?region={code}&period=2025&hospital={h.code}"

    return [
        Row("api indicators of a region", lambda w, rw: _api("/api/v1/indicators/")
            + f"?region={period(rw).region.code}&period=2025", api_basename="indicator"),
        _hospital_row("api indicators of a hospital", indicators, owner=Role.HOSPITAL_STAFF),
        Row("api indicator period", lambda w, rw: _api(f"/api/v1/indicator-periods/{period(rw).pk}/"),
            api_basename="indicator-period"),
        Row("api ranking detail", lambda w, rw: _api(f"/api/v1/rankings/{ranking(rw).pk}/"), api_basename="ranking",
            owner=Role.HOSPITAL_STAFF),
        Row("api ranking publish", lambda w, rw: _api(f"/api/v1/rankings/{ranking(rw).pk}/publish/"), method="post",
            control=False),
        Row("screen monitoring dashboard", lambda w, rw: _url("monitoring:dashboard") + f"?region={rw.region.code}"),
        Row("screen monitoring export", lambda w, rw: _url("monitoring:export", table="hospitals")
            + f"?region={period(rw).region.code}&period=2025"),
        Row("screen period groups", lambda w, rw: _url("monitoring:period_groups", pk=period(rw).pk)),
        Row("screen indicator progress", lambda w, rw: _url("monitoring:progress", pk=period(rw).pk)),
        Row("screen ranking detail", lambda w, rw: _url("monitoring:ranking_detail", pk=ranking(rw).pk),
            owner=Role.HOSPITAL_STAFF),
        Row("screen ranking export", lambda w, rw: _url("monitoring:ranking_export", pk=ranking(rw).pk)),
        Row("screen ranking publish", lambda w, rw: _url("monitoring:ranking_publish", pk=ranking(rw).pk),
            method="post"),
    ]
