"""Isolation rows of the grouper screens and API (apps/cases/views_grouper.py, api_grouper.py)."""
from __future__ import annotations


def rows() -> list:
    from tests.tenancy.test_isolation import Row, _api, _create, _url

    def local_rule(rw):
        return _create("groups.LocalGroupRule", {"region": rw.region, "ruleset_version": "ISO-G",
                                                 "local_code": "ISO1"},
                       base_code="HC2", local_name="isolation", procedures=["51.2300"])

    return [
        # the grouper itself is national; the region of the local rules must be in scope (no positive control:
        # no rule set is loaded in these tests, so the own region answers 404 for the version)
        Row("api grouper group (region of the local rules)",
            lambda w, rw: _api("/api/v1/grouper/chs-drg-1.1/group/") + f"?region={rw.region.code}", method="post",
            data={"principal_dx": "J18.900"}, api_url_name="api-grouper-group", control=False),
        Row("screen grouper report", lambda w, rw: _url("grouper:report") + f"?region={rw.region.code}"),
        Row("screen grouper report CSV",
            lambda w, rw: _url("grouper:report") + f"?region={rw.region.code}&export=hospital"),
        Row("screen grouping run", lambda w, rw: _url("grouper:run") + f"?region={rw.region.code}", method="post"),
        Row("screen grouping runs (progress)", lambda w, rw: _url("grouper:jobs") + f"?region={rw.region.code}"),
        Row("screen local rules", lambda w, rw: _url("grouper:local_rules") + f"?region={rw.region.code}"),
        Row("screen local rule deactivate",
            lambda w, rw: _url("grouper:local_rule_deactivate", pk=local_rule(rw).pk), method="post"),
    ]
