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

    def rectification(h):
        return _create("monitoring.Rectification", {"region_id": h.region_id, "hospital": h, "month": "2025-03"},
                       request_text="isolation")

    def region_code(h):
        from apps.tenants.models import Region

        return Region.objects.get(pk=h.region_id).code

    return [
        _hospital_row("screen rectification", lambda w, h: _url("monitoring:rectification", pk=rectification(h).pk),
                      owner=Role.HOSPITAL_STAFF),
        _hospital_row("screen rectification reply", lambda w, h: _url("monitoring:rectification_reply",
                                                                      pk=rectification(h).pk),
                      method="post", owner=Role.HOSPITAL_STAFF, data={"reply": "x"}),
        _hospital_row("screen group P&L of a hospital", lambda w, h: _url("monitoring:pnl")
                      + f"?region={region_code(h)}&hospital={h.code}", owner=Role.HOSPITAL_STAFF),
        _hospital_row("api group P&L of a hospital", lambda w, h: _api("/api/v1/analysis/pnl/")
                      + f"?region={region_code(h)}&hospital={h.code}", api_basename="analysis-pnl",
                      owner=Role.HOSPITAL_STAFF),
        _hospital_row("api peers of a hospital", lambda w, h: _api("/api/v1/analysis/peers/")
                      + f"?region={region_code(h)}&hospital={h.code}&group=AA11", api_basename="analysis-peers",
                      owner=Role.HOSPITAL_STAFF),
        _hospital_row("api scorecards of a hospital", lambda w, h: _api("/api/v1/quality/scorecards/")
                      + f"?region={region_code(h)}&hospital={h.code}", api_basename="quality-scorecard",
                      owner=Role.HOSPITAL_STAFF),
        _hospital_row("api rectification", lambda w, h: _api(f"/api/v1/rectifications/{rectification(h).pk}/"),
                      api_basename="rectification", owner=Role.HOSPITAL_STAFF),
        _hospital_row("api rectification reply", lambda w, h: _api(
            f"/api/v1/rectifications/{rectification(h).pk}/reply/"), method="post", data={"reply": "x"},
            owner=Role.HOSPITAL_STAFF),
        _hospital_row("screen peers of a hospital", lambda w, h: _url("monitoring:peers")
                      + f"?region={region_code(h)}&hospital={h.code}&group=AA11", owner=Role.HOSPITAL_STAFF),
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
