"""Isolation rows of the what-if scenarios (API and screens): another region's scenario is 404."""
from __future__ import annotations


def rows() -> list:
    from tests.tenancy.test_isolation import Row, _api, _create, _url

    def scenario(rw):
        return _create("scenarios.Scenario", {"region": rw.region, "name": "隔离测试方案"}, year=2025, period="2025",
                       parameters={"fund_budget": "1000000"}, status="ready")

    return [
        Row("api scenario detail", lambda w, rw: _api(f"/api/v1/scenarios/{scenario(rw).pk}/"), api_basename="scenario"),
        Row("api scenario adopt", lambda w, rw: _api(f"/api/v1/scenarios/{scenario(rw).pk}/adopt/"), method="post",
            data={"reason": "隔离"}, control=False),
        Row("screen scenario", lambda w, rw: _url("scenarios:detail", pk=scenario(rw).pk)),
        Row("screen scenario export", lambda w, rw: _url("scenarios:export", pk=scenario(rw).pk)),
        Row("screen scenario compare", lambda w, rw: _url("scenarios:compare") + f"?a={scenario(rw).pk}&b={scenario(rw).pk}"),
        Row("screen scenario adopt", lambda w, rw: _url("scenarios:adopt", pk=scenario(rw).pk), method="post",
            data={"reason": "隔离"}, control=False),
        Row("screen scenario delete", lambda w, rw: _url("scenarios:delete", pk=scenario(rw).pk), method="post",
            control=False),
    ]
