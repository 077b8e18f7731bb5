"""The declarative access table: who may use each portal URL name and API operation (workflows.md §1).

One row per URL name (`namespace:name`) or API operation (`METHOD /api/v1/path/{param}/`):
- `allow`: roles that may use it on an object in their scope (role codes below);
- `obj`: kwargs builder (tests/hardening/access_objects.py) for URLs naming an object; `level`: "region" or
  "hospital" (whose object it is, for the out-of-scope cases); API rows find their builder from the path;
- `hidden`: roles answered 404 in scope (they may not even know the object exists: experts and hospital roles
  for other people's items); every other role outside `allow` gets `denied` (403);
- `method`/`data` for POST URLs; `get_status` is what a GET on a POST-only URL answers (405).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.hardening import access_objects as o

PA, PS, BA, BS, AU, EX, HA, HS = ("platform_admin", "province_supervisor", "bureau_admin", "bureau_staff", "auditor",
                                  "expert", "hospital_admin", "hospital_staff")
CODES = {"pa": PA, "ps": PS, "ba": BA, "bs": BS, "au": AU, "ex": EX, "ha": HA, "hs": HS}


def roles(spec: str) -> frozenset[str]:
    """'ba bs' -> {bureau_admin, bureau_staff}; 'all' -> every role; '' -> none."""
    if spec.strip() == "all":
        return frozenset(CODES.values())
    return frozenset(CODES[c] for c in spec.split())


@dataclass(frozen=True)
class Entry:
    allow: frozenset[str]
    obj: Callable | None = None
    level: str | None = None
    method: str = "get"
    data: dict = field(default_factory=dict)
    kwargs: dict | None = None
    hidden: frozenset[str] = frozenset()
    denied: int = 403
    get_status: int | None = None
    also_ok: frozenset[int] = frozenset()
    is_api: bool = False
    skip: str = ""
    anon: int | None = None  # what an anonymous caller gets, where not the login redirect / 401
    query: Callable | None = None  # query-string builder (scope -> dict) for URLs that name their object there


def S(allow: str, obj=None, level=None, *, hidden: str = "", post: bool = False,  # noqa: N802 - short on purpose
      get: int | None = None, **kw) -> Entry:
    """A portal screen row. `level` defaults to "region" when `obj` is given."""
    return Entry(allow=roles(allow), obj=obj, level=level or ("region" if obj else None), hidden=roles(hidden),
                 method="post" if post else "get", get_status=get, **kw)


def A(allow: str, *, hidden: str = "", level: str | None = None, **kw) -> Entry:  # noqa: N802
    """An API row; the method comes from the key."""
    return Entry(allow=roles(allow), hidden=roles(hidden), level=level, is_api=True, **kw)


NOT_FOUND = frozenset({404})  # rows whose object is not there by design (no file, no token): 404 counts as allowed

# --------------------------------------------------------------------------- portal screens
def _screening_item(s) -> dict:
    from tests.tenancy.rows_screening import item_for

    return {"pk": item_for(s.hospital).pk}


def _screening_attachment(s) -> dict:
    from tests.tenancy.rows_screening import attachment_for

    return {"pk": attachment_for(s.hospital).pk}


SCREENS: dict[str, Entry] = {
    # --- project-level
    "dashboard": S("all"),
    "login": S("all", anon=200),
    "logout": S("all", post=True),
    "password_change": S("all"),
    "password_change_done": S("all"),
    "set_language": S("all", post=True, data={"language": "zh-hans"}),
    # --- core
    "core:audit_list": S("pa ps ba au"),
    "core:audit_detail": S("pa ps ba au", o.audit_event_pk),
    "core:calendar_list": S("all"),
    "core:calendar_day_add": S("ba bs", post=True, get=405),
    "core:calendar_day_remove": S("all", post=True, get=405, also_ok=NOT_FOUND),
    "core:calendar_load": S("ba bs", post=True, get=405),
    "core:lockout_list": S("pa ba"),
    "core:healthz": S("all", anon=200),  # the load balancer's probe: public, says only "ok"
    "core:lockout_unlock": S("pa ba", post=True, get=405, also_ok=NOT_FOUND),
    # --- tenants
    "tenants:region_list": S("pa ps ba bs au ex"),
    "tenants:policy_list": S("pa ps ba bs au"),
    "tenants:user_list": S("pa ba ha"),
    "tenants:user_create": S("pa ba ha"),
    "tenants:user_detail": S("pa ba", o.staff_user_pk, hidden="ex ha hs"),
    "tenants:membership_add": S("pa ba", o.staff_user_pk, post=True, get=405, hidden="ex ha hs"),
    "tenants:membership_remove": S("pa ba", o.staff_membership, post=True, get=405, hidden="ex ha hs"),
    "tenants:password_reset": S("pa ba", o.staff_user_pk, post=True, get=405, hidden="ex ha hs"),
    "tenants:token_revoke": S("pa ba", o.staff_user_pk, post=True, get=405, hidden="ex ha hs"),
    "tenants:own_token_revoke": S("all", post=True, get=405),
    "tenants:region_detail": S("pa ps ba bs au ex", o.region_code),
    "tenants:policy_edit": S("pa ps ba bs au", o.region_year),
    # --- hospitals
    "hospitals:list": S("all"),
    "hospitals:export": S("all"),
    "hospitals:create": S("pa ba"),
    "hospitals:import": S("pa ba"),
    "hospitals:import_confirm": S("all", post=True, get=405, also_ok=NOT_FOUND),
    "hospitals:import_cancel": S("all", post=True, get=405, also_ok=NOT_FOUND),
    "hospitals:import_errors": S("all", kwargs={"token": "0" * 32}, also_ok=NOT_FOUND),
    "hospitals:detail": S("all", o.hospital_pk, "hospital"),
    "hospitals:edit": S("pa ba", o.hospital_pk, "hospital"),
    # --- groups (catalogues, statistics, grouper)
    "groups:catalogue_list": S("all"),
    "groups:catalogue_detail": S("all", o.catalogue_pk),
    "groups:catalogue_activate": S("pa ba", o.catalogue_pk, post=True, get=405),
    "groups:catalogue_load": S("pa ba", o.region_code, post=True, get=405),
    "groups:catalogue_import": S("pa ba", o.region_code, post=True, get=405),
    "groups:stats_index": S("all"),
    "groups:stats": S("all", o.region_year),
    "groups:stats_compute": S("ba bs", o.region_year, post=True, get=405),
    "groups:stats_export": S("pa ps ba bs au", o.region_year, hidden="ex ha hs"),
    "groups:stats_status": S("pa ps ba bs au", o.stats_version, hidden="ex ha hs"),
    "groups:stats_publish": S("ba", o.stats_version, post=True, get=405),
    "groups:stats_group": S("all", o.stats_group, also_ok=NOT_FOUND),
    "groups:grouper": S("all"),
    "groups:grouper_report": S("pa ps ba bs au ha hs"),
    "groups:grouper_run": S("all", post=True, get=405, also_ok=NOT_FOUND),
    "groups:grouper_jobs": S("pa ba bs", lambda s: {}, query=lambda s: {"region": s.region.code}),
    "groups:local_rules": S("pa ps ba bs au"),
    "groups:local_rule_deactivate": S("all", o.local_rule_pk, post=True, get=405, also_ok=NOT_FOUND),
    # --- cases
    "cases:list": S("pa ps ba bs au ha hs"),
    "cases:detail": S("pa ps ba bs au ha hs", o.case_pk, "hospital", hidden="ex"),
    "cases:import_list": S("all"),
    "cases:import_upload": S("pa ba bs ha hs"),
    "cases:import_template": S("all", kwargs={"fmt": "csv"}),
    "cases:import_detail": S("pa ps ba bs au ha hs", o.import_job_pk, "hospital", hidden="ex"),
    "cases:import_status": S("pa ps ba bs au ha hs", o.import_job_pk, "hospital", hidden="ex"),
    "cases:import_confirm": S("pa ba bs ha hs", o.import_job_pk, "hospital", post=True, get=405, hidden="ex"),
    "cases:import_errors": S("all", o.import_job_pk, "hospital", also_ok=NOT_FOUND),
    # --- settlement
    "settlement:coefficients": S("pa ps ba bs au ha hs"),
    "settlement:coefficients_compute": S("ba bs", post=True, get=405),
    "settlement:coefficient_version": S("pa ps ba bs au", o.coefficient_version_pk, hidden="ha hs"),
    "settlement:coefficient_progress": S("pa ps ba bs au", o.coefficient_version_pk, hidden="ha hs"),
    "settlement:coefficient_publish": S("ba", o.coefficient_version_pk, post=True, get=405, hidden="ha hs"),
    "settlement:coefficient_export": S("pa ps ba bs au", o.coefficient_version_pk, hidden="ha hs"),
    "settlement:coefficient_override": S("ba", o.coefficient_row_pk, post=True, get=405, hidden="ha hs"),
    "settlement:run_list": S("pa ps ba bs au ha hs"),
    "settlement:run_start": S("ba bs", post=True, get=405),
    "settlement:run_detail": S("pa ps ba bs au", o.settlement_run_pk, hidden="ha hs"),
    "settlement:run_progress": S("pa ps ba bs au", o.settlement_run_pk, hidden="ha hs"),
    "settlement:run_publish": S("ba", o.settlement_run_pk, post=True, get=405, hidden="ha hs"),
    "settlement:run_cases": S("pa ps ba bs au", o.settlement_run_pk, hidden="ha hs"),
    "settlement:statement": S("pa ps ba bs au ha hs", o.settlement_run_pk, also_ok=NOT_FOUND),
    "settlement:run_export": S("pa ps ba bs au", o.run_export, hidden="ha hs"),
    "settlement:case_result": S("pa ps ba bs au", o.case_result_pk, "hospital", hidden="ha hs"),
    "settlement:month_status": S("pa ps ba bs au ha hs"),
    "settlement:month_submit": S("ha hs", post=True, get=405, data={"region": "341800", "period": "2025-03"}),
    "settlement:month_flag": S("ba bs", post=True, get=405, data={"region": "341800", "period": "2025-03"},
                               hidden="ha hs"),
    # --- scenarios (what-if): region-wide readers see them; hospital users and experts may not know they exist
    "scenarios:list": S("pa ps ba bs au"),
    "scenarios:create": S("ba bs", post=True, get=405),
    "scenarios:compare": S("pa ps ba bs au", lambda s: {}, query=lambda s: {
        "a": o.auto("scenarios.Scenario", s).pk, "b": o.auto("scenarios.Scenario", s).pk}, hidden="ex ha hs"),
    "scenarios:detail": S("pa ps ba bs au", o.auto_pk("scenarios.Scenario"), hidden="ex ha hs"),
    "scenarios:export": S("pa ps ba bs au", o.auto_pk("scenarios.Scenario"), hidden="ex ha hs"),
    "scenarios:adopt": S("ba", o.auto_pk("scenarios.Scenario"), post=True, get=405, hidden="ex ha hs"),
    "scenarios:recompute": S("ba bs", o.auto_pk("scenarios.Scenario"), post=True, get=405, hidden="ex ha hs"),
    "scenarios:delete": S("ba bs", o.auto_pk("scenarios.Scenario"), post=True, get=405, hidden="ex ha hs"),
    # --- notifications
    "notifications:inbox": S("all"),
    "notifications:mark_read": S("ba", o.notification_pk, post=True, get=405, hidden="pa ps bs au ex ha hs"),
    "notifications:mark_all_read": S("all", post=True, get=405),
    # --- applications
    "applications:list": S("all"),
    "applications:case_pick": S("ha hs"),
    "applications:new": S("ha hs", lambda s: {"case_id": o.case_pk(s)["pk"]}, "hospital", hidden="pa ps ba bs au ex"),
    "applications:detail": S("pa ps ba bs au ha hs", o.application_pk, "hospital", hidden="ex"),
    "applications:review": S("pa ps ba bs au ha hs", o.application_pk, "hospital", hidden="ex"),
    "applications:action": S("ha hs", o.application_pk, "hospital", post=True, get=405, kwargs={"name": "submit"}, hidden="ex"),
    "applications:attachment": S("all", o.attachment_pk, "hospital", also_ok=NOT_FOUND),
    "applications:assignments": S("ex"),
    "applications:experts": S("pa ps ba bs au"),
    # --- notices
    "notices:list": S("pa ps ba bs au ha hs"),
    "notices:inbox": S("all"),
    "notices:new": S("pa ba bs"),
    "notices:prepare": S("all", lambda s: {"kind": "ranking", "source_id": o.auto("monitoring.Ranking", s).pk},
                         post=True, get=405, also_ok=NOT_FOUND),
    "notices:prepare_review_results": S("ps ba", post=True, get=405),
    "notices:detail": S("pa ps ba bs au", o.auto_pk("notices.Notice"), hidden="ex ha hs"),
    "notices:edit": S("pa ba bs", o.auto_pk("notices.Notice"), hidden="ex ha hs"),
    "notices:preview": S("pa ba bs", o.auto_pk("notices.Notice"), hidden="ps au ex ha hs"),
    "notices:pdf": S("all", o.auto_pk("notices.Notice"), also_ok=NOT_FOUND),
    "notices:acknowledgements": S("pa ps ba bs au", o.auto_pk("notices.Notice"), hidden="ex ha hs"),
    "notices:action": S("pa ba", o.auto_pk("notices.Notice"), post=True, get=405, kwargs={"action": "publish"}, hidden="ex ha hs"),
    # --- disputes
    "disputes:list": S("all"),
    "disputes:new": S("ha hs"),
    "disputes:stats": S("pa ps ba bs au ha hs"),
    "disputes:assignments": S("ex"),
    "disputes:attachment": S("all", o.auto_pk("disputes.Attachment"), "hospital", also_ok=NOT_FOUND),
    "disputes:detail": S("pa ps ba bs au ha hs", o.auto_pk("disputes.Dispute"), "hospital", hidden="ex"),
    "disputes:letter": S("all", o.auto_pk("disputes.Dispute"), "hospital", also_ok=NOT_FOUND),
    "disputes:action": S("ha", o.auto_pk("disputes.Dispute"), "hospital", post=True, get=302,
                         kwargs={"action": "submit"}, hidden="ex"),
    # --- screening
    "screening:list": S("pa ps ba bs au ha hs"),
    "screening:run": S("pa ba bs", post=True, get=302, data={"region": "341800", "period": "2025"}),
    "screening:stats": S("pa ps ba bs au"),
    "screening:export": S("pa ps ba bs au ha hs"),
    "screening:opinions": S("ex"),
    "screening:attachment": S("all", _screening_attachment, "hospital", also_ok=NOT_FOUND),
    "screening:detail": S("pa ps ba bs au ha hs", _screening_item, "hospital", hidden="ex"),
    "screening:action": S("ba bs", _screening_item, "hospital", post=True, get=302,
                          kwargs={"action": "clear"}, data={"reason": "access matrix"}, hidden="ex"),
    # --- training
    "training:index": S("all"),
    "training:session_list": S("all"),
    "training:browse": S("all"),
    "training:mine": S("all"),
    "training:course_list": S("all"),
    "training:course_new": S("ba bs"),
    "training:course_detail": S("all", o.auto_pk("training.Course")),
    "training:course_edit": S("ba bs", o.auto_pk("training.Course")),
    "training:material": S("all", o.auto_pk("training.Material"), also_ok=NOT_FOUND),
    "training:material_remove": S("ba bs", o.auto_pk("training.Material"), post=True, get=405),
    "training:session_new": S("ba bs"),
    "training:session_detail": S("pa ps ba bs au", o.auto_pk("training.Session"), hidden="ex ha hs"),
    "training:session_edit": S("ba bs", o.auto_pk("training.Session"), hidden="ex ha hs"),
    "training:session_action": S("ba bs", o.auto_pk("training.Session"), post=True, get=405,
                                 kwargs={"action": "publish"}, hidden="ex ha hs"),
    "training:certificate": S("all", o.auto_pk("training.Enrollment"), "hospital", also_ok=NOT_FOUND),
    "training:enrollment_action": S("ba bs ha hs", o.auto_pk("training.Enrollment"), "hospital", post=True, get=405,
                                    kwargs={"action": "cancel"}, hidden="ex"),
    "training:coverage": S("pa ps ba bs au"),
    "training:coverage_export": S("pa ps ba bs au"),
    "training:verify_form": S("all", anon=200),  # public: anyone checks a certificate
    "training:verify": S("all", kwargs={"code": "0000000000000000"}, anon=404, also_ok=NOT_FOUND),
    # --- monitoring
    "monitoring:dashboard": S("pa ps ba bs au ha hs"),
    "monitoring:compute": S("ba bs", post=True, get=405),
    "monitoring:progress": S("pa ps ba bs au", o.auto_pk("monitoring.IndicatorPeriod"), hidden="ex ha hs"),
    "monitoring:export": S("pa ps ba bs au ha hs", kwargs={"table": "hospitals"}, also_ok=NOT_FOUND),
    "monitoring:rankings": S("pa ps ba bs au ha hs"),
    "monitoring:ranking_compute": S("ba bs", post=True, get=405),
    "monitoring:period_groups": S("pa ps ba bs au", o.auto_pk("monitoring.IndicatorPeriod"), hidden="ex ha hs"),
    "monitoring:ranking_detail": S("pa ps ba bs au", o.auto_pk("monitoring.Ranking"), hidden="ex ha hs"),
    "monitoring:ranking_publish": S("ba", o.auto_pk("monitoring.Ranking"), post=True, get=405, hidden="ex ha hs"),
    "monitoring:ranking_export": S("pa ps ba bs au", o.auto_pk("monitoring.Ranking"), hidden="ex ha hs"),
    "monitoring:compare": S("pa ps"),
    "monitoring:compare_export": S("pa ps"),
    # issue 20: group P&L, peers, data-quality scorecard and rectification requests
    "monitoring:pnl": S("pa ps ba bs au ha hs"),
    "monitoring:pnl_export": S("pa ps ba bs au ha hs"),
    "monitoring:peers": S("pa ps ba bs au ha hs"),
    "monitoring:peers_export": S("pa ps ba bs au ha hs", also_ok=NOT_FOUND),  # 404 without ?group=
    "monitoring:quality": S("pa ps ba bs au ha hs"),
    "monitoring:quality_export": S("pa ps ba bs au ha hs"),
    "monitoring:rectify": S("ba", post=True, get=405),
    "monitoring:rectification": S("pa ps ba bs au ha hs", o.auto_pk("monitoring.Rectification"), "hospital",
                                  hidden="ex"),
    "monitoring:rectification_acknowledge": S("ha hs", o.auto_pk("monitoring.Rectification"), "hospital", post=True,
                                              get=405, hidden="ex"),
    "monitoring:rectification_reply": S("ha hs", o.auto_pk("monitoring.Rectification"), "hospital", post=True,
                                        get=405, hidden="ex", data={"reply": "已整改"}),
}


# --------------------------------------------------------------------------- API operations
# Path parameters: the resource before `{id}` names the object kind (builder, level).
API_OBJECTS: dict[str, tuple[Callable, str]] = {
    "applications": (o.application_pk, "hospital"),
    "cases": (o.case_pk, "hospital"),
    "imports": (o.import_job_pk, "hospital"),
    "hospitals": (o.hospital_pk, "hospital"),
    "users": (o.staff_user_pk, "region"),
    "groups": (lambda s: {"pk": o.iso()._group(s.rw).pk}, "region"),
    "notifications": (o.notification_pk, "region"),
    "expert-profiles": (lambda s: {"pk": o.iso()._expert_profile(s.rw).pk}, "region"),
    "settlement-runs": (o.settlement_run_pk, "region"),
    "scenarios": (o.auto_pk("scenarios.Scenario"), "region"),
    "notices": (o.auto_pk("notices.Notice"), "region"),
    "disputes": (o.auto_pk("disputes.Dispute"), "hospital"),
    "courses": (o.auto_pk("training.Course"), "region"),
    "sessions": (o.auto_pk("training.Session"), "region"),
    "enrollments": (o.auto_pk("training.Enrollment"), "hospital"),
    "indicator-periods": (o.auto_pk("monitoring.IndicatorPeriod"), "region"),
    "rankings": (o.auto_pk("monitoring.Ranking"), "region"),
    "rectifications": (o.auto_pk("monitoring.Rectification"), "hospital"),
    "screening-items": (_screening_item, "hospital"),
}


def api_kwargs(path: str, scope, entry: Entry) -> dict:
    """Values for the path parameters of an API operation, for the object of `scope`."""
    values: dict = {}
    if entry.obj is not None:
        values.update(entry.obj(scope))
    names = re.findall(r"\{(\w+)\}", path)
    for name in names:
        if name in values:
            continue
        if name == "code":
            values[name] = scope.region.code
        elif name == "year":
            values[name] = o.iso()._stats_year(scope.rw)
        elif name == "version":
            values[name] = "ISO-1"
        else:
            before = path.split("{" + name + "}")[0].rstrip("/").split("/")[-1]
            if before not in API_OBJECTS:
                import pytest

                pytest.skip(f"no object builder for /{before}/ in API_OBJECTS yet")
            builder, _level = API_OBJECTS[before]
            values[name] = builder(scope)["pk"]
    return values


def api_level(path: str) -> str | None:
    if "{code}" in path:
        return "region"
    match = re.search(r"/api/v1/([\w-]+)/\{", path)
    if match and match.group(1) in API_OBJECTS:
        return API_OBJECTS[match.group(1)][1]
    return None


API: dict[str, Entry] = {
    "GET /api/v1/applications/": A("all"),
    "GET /api/v1/applications/{id}/": A("pa ps ba bs au ha hs", hidden="ex"),
    "GET /api/v1/applications/{id}/suggestion/": A("pa ps ba bs au", hidden="ex"),
    "GET /api/v1/cases/": A("all"),
    "GET /api/v1/cases/{id}/": A("pa ps ba bs au ha hs", hidden="ex"),
    "GET /api/v1/courses/": A("all"),
    "GET /api/v1/courses/{id}/": A("all"),
    "GET /api/v1/disputes/": A("all"),
    "GET /api/v1/disputes/{id}/": A("pa ps ba bs au ha hs", hidden="ex"),
    "GET /api/v1/disputes/{id}/letter/": A("all", also_ok=NOT_FOUND),
    "GET /api/v1/screening-items/": A("all"),
    "GET /api/v1/screening-items/{id}/": A("pa ps ba bs au ha hs", hidden="ex"),
    "GET /api/v1/enrollments/": A("all"),
    "GET /api/v1/enrollments/{id}/": A("pa ps ba bs au ha hs", hidden="ex"),
    "GET /api/v1/enrollments/{id}/certificate/": A("all", also_ok=NOT_FOUND),
    "GET /api/v1/expert-profiles/": A("all"),
    "GET /api/v1/expert-profiles/{id}/": A("pa ps ba bs au", hidden="ex ha hs"),
    "GET /api/v1/grouper/versions/": A("all"),
    "GET /api/v1/groups/": A("all"),
    "GET /api/v1/groups/{id}/": A("all"),
    "GET /api/v1/hospitals/": A("all"),
    "GET /api/v1/hospitals/{id}/": A("all"),
    "GET /api/v1/imports/": A("all"),
    "GET /api/v1/imports/{id}/": A("pa ps ba bs au ha hs", hidden="ex"),
    "GET /api/v1/imports/{id}/errors/": A("all", also_ok=NOT_FOUND),
    "GET /api/v1/indicator-periods/": A("all"),
    "GET /api/v1/indicator-periods/{id}/": A("pa ps ba bs au", hidden="ex ha hs"),
    "GET /api/v1/indicators/": A("all", also_ok=NOT_FOUND),
    "GET /api/v1/notices/": A("all"),
    "GET /api/v1/notices/{id}/": A("pa ps ba bs au", hidden="ex ha hs"),
    "GET /api/v1/notices/{id}/acknowledgements/": A("pa ps ba bs au", hidden="ex ha hs"),
    "GET /api/v1/notices/{id}/pdf/": A("all", also_ok=NOT_FOUND),
    "GET /api/v1/notifications/": A("all"),
    "GET /api/v1/notifications/{id}/": A("ba", hidden="pa ps bs au ex ha hs"),
    "GET /api/v1/rankings/": A("all"),
    "GET /api/v1/analysis/pnl/": A("all", also_ok=NOT_FOUND),
    "GET /api/v1/analysis/peers/": A("all", also_ok=frozenset({400, 404})),  # 400: no group given
    "GET /api/v1/quality/scorecards/": A("all", also_ok=NOT_FOUND),
    "GET /api/v1/rectifications/": A("all"),
    "GET /api/v1/rectifications/{id}/": A("pa ps ba bs au ha hs", hidden="ex"),
    "GET /api/v1/rankings/{id}/": A("pa ps ba bs au", hidden="ex ha hs"),
    "GET /api/v1/regions/": A("all"),
    "GET /api/v1/regions/{code}/": A("all"),
    "GET /api/v1/regions/{code}/policies/": A("pa ps ba bs au"),
    "GET /api/v1/regions/{code}/policies/{year}/": A("pa ps ba bs au"),
    "GET /api/v1/regions/{code}/years/{year}/coefficients/": A("pa ps ba bs au ha hs", also_ok=NOT_FOUND),
    "GET /api/v1/regions/{code}/years/{year}/group-stats/": A("pa ps ba bs au", hidden="ex ha hs"),
    "GET /api/v1/sessions/": A("all"),
    "GET /api/v1/sessions/{id}/": A("pa ps ba bs au", hidden="ex ha hs"),
    "GET /api/v1/scenarios/": A("all"),
    "GET /api/v1/scenarios/{id}/": A("pa ps ba bs au", hidden="ex ha hs"),
    "GET /api/v1/settlement-runs/": A("all"),
    "GET /api/v1/settlement-runs/{id}/": A("pa ps ba bs au", hidden="ha hs"),
    "GET /api/v1/settlement-runs/{id}/cases/": A("pa ps ba bs au", hidden="ha hs"),
    "GET /api/v1/settlement-runs/{id}/hospitals/": A("pa ps ba bs au", hidden="ha hs"),
    "GET /api/v1/regions/{code}/months/{period}/": A("pa ps ba bs au ha hs", obj=lambda s: {"period": "2025-03"}),
    "GET /api/v1/users/": A("pa ba ha"),
    "GET /api/v1/users/{id}/": A("pa ba", hidden="ex ha hs"),
    "PATCH /api/v1/expert-profiles/{id}/": A("ba", hidden="ex ha hs"),
    "PATCH /api/v1/hospitals/{id}/": A("pa ba"),
    "PATCH /api/v1/notices/{id}/": A("pa ba bs", hidden="ex ha hs"),
    "POST /api/v1/applications/": A("ha hs"),
    "POST /api/v1/applications/{id}/accept/": A("ba bs", hidden="ex"),
    "POST /api/v1/applications/{id}/assign/": A("ba bs", hidden="ex"),
    "POST /api/v1/applications/{id}/attachments/": A("ha hs", hidden="ex"),
    "POST /api/v1/applications/{id}/decide/": A("ba", hidden="ex"),
    "POST /api/v1/applications/{id}/decline/": A("", hidden="ex"),
    "POST /api/v1/applications/{id}/opinion/": A("", hidden="ex"),
    "POST /api/v1/applications/{id}/reject/": A("ba bs", hidden="ex"),
    "POST /api/v1/applications/{id}/return/": A("ba bs", hidden="ex"),
    "POST /api/v1/applications/{id}/review/": A("ba bs", hidden="ex"),
    "POST /api/v1/applications/{id}/submit/": A("ha hs", hidden="ex"),
    "POST /api/v1/applications/{id}/withdraw/": A("ha hs", hidden="ex"),
    "POST /api/v1/auth/token/": A("all", anon=400),
    "POST /api/v1/auth/token/revoke/": A("all"),
    "POST /api/v1/users/{id}/revoke-token/": A("pa ba", hidden="ex ha hs"),
    "POST /api/v1/courses/": A("ba bs"),
    "POST /api/v1/disputes/": A("ha hs"),
    "POST /api/v1/disputes/{id}/accept/": A("ba bs", hidden="ex"),
    "POST /api/v1/disputes/{id}/acknowledge/": A("ha", hidden="ex"),
    "POST /api/v1/disputes/{id}/appeal/": A("ha", hidden="ex"),
    "POST /api/v1/disputes/{id}/assign/": A("ba bs", hidden="ex"),
    "POST /api/v1/disputes/{id}/attachments/": A("ba bs ha hs", hidden="ex"),
    "POST /api/v1/disputes/{id}/comments/": A("ba bs ha hs", hidden="ex"),
    "POST /api/v1/disputes/{id}/decide/": A("ba", hidden="ex"),
    "POST /api/v1/disputes/{id}/decline/": A("", hidden="ex"),
    "POST /api/v1/disputes/{id}/not_accept/": A("ba bs", hidden="ex"),
    "POST /api/v1/disputes/{id}/opinion/": A("", hidden="ex"),
    "POST /api/v1/disputes/{id}/submit/": A("ha", hidden="ex"),
    "POST /api/v1/disputes/{id}/withdraw/": A("ha hs", hidden="ex"),
    "POST /api/v1/screening-items/{id}/answer/": A("ha hs", hidden="ex", data={"text": "access matrix"}),
    "POST /api/v1/screening-items/{id}/confirm/": A("ba bs", hidden="ex", data={"reason": "access matrix"}),
    "POST /api/v1/screening-items/{id}/clear/": A("ba bs", hidden="ex", data={"reason": "access matrix"}),
    "POST /api/v1/screening-items/{id}/assign/": A("ba bs", hidden="ex", data={"expert": "nobody"}),
    "POST /api/v1/screening-items/{id}/opinion/": A("", hidden="ex", data={"suggestion": "clear", "comment": "x"}),
    "POST /api/v1/enrollments/": A("ha hs"),
    "POST /api/v1/enrollments/{id}/absent/": A("ba bs", hidden="ex"),
    "POST /api/v1/enrollments/{id}/attend/": A("ba bs", hidden="ex"),
    "POST /api/v1/enrollments/{id}/cancel/": A("ba bs ha hs", hidden="ex"),
    "POST /api/v1/enrollments/{id}/score/": A("ba bs", hidden="ex"),
    "POST /api/v1/expert-profiles/": A("ba"),
    "POST /api/v1/grouper/{version}/group/": A("all", also_ok=NOT_FOUND),
    "POST /api/v1/hospitals/": A("all", also_ok=NOT_FOUND),
    "POST /api/v1/indicator-periods/": A("ba bs"),
    "POST /api/v1/notices/": A("ba"),
    "POST /api/v1/notices/{id}/acknowledge/": A("", hidden="ex ha hs"),
    "POST /api/v1/notices/{id}/publish/": A("pa ba", hidden="ex ha hs"),
    "POST /api/v1/notices/{id}/withdraw/": A("ba", hidden="ex ha hs"),
    "POST /api/v1/notifications/{id}/read/": A("ba", hidden="pa ps bs au ex ha hs"),
    "POST /api/v1/rankings/": A("ba bs"),
    "POST /api/v1/rectifications/": A("ba"),
    "POST /api/v1/rectifications/{id}/acknowledge/": A("ha hs", hidden="ex"),
    "POST /api/v1/rectifications/{id}/reply/": A("ha hs", hidden="ex"),
    "POST /api/v1/rankings/{id}/publish/": A("ba", hidden="ex ha hs"),
    "POST /api/v1/regions/": A("pa"),
    "POST /api/v1/regions/{code}/cases/import/": A("pa ba bs ha hs"),
    "POST /api/v1/regions/{code}/catalogues/{version}/import/": A("pa ba"),
    "POST /api/v1/regions/{code}/hospitals/import/": A("pa ba"),
    "POST /api/v1/regions/{code}/years/{year}/coefficients/": A("ba bs"),
    "POST /api/v1/regions/{code}/years/{year}/coefficients/publish/": A("ba"),
    "POST /api/v1/regions/{code}/years/{year}/group-stats/": A("ba bs"),
    "POST /api/v1/regions/{code}/years/{year}/group-stats/publish/": A("ba"),
    "POST /api/v1/sessions/": A("ba bs"),
    "POST /api/v1/sessions/{id}/cancel/": A("ba bs", hidden="ex ha hs"),
    "POST /api/v1/sessions/{id}/close/": A("ba bs", hidden="ex ha hs"),
    "POST /api/v1/sessions/{id}/publish/": A("ba bs", hidden="ex ha hs"),
    "POST /api/v1/sessions/{id}/scores/": A("ba bs", hidden="ex ha hs"),
    "POST /api/v1/scenarios/": A("ba bs"),
    "POST /api/v1/scenarios/{id}/adopt/": A("ba", hidden="ex ha hs"),
    "POST /api/v1/settlement-runs/": A("ba bs"),
    "POST /api/v1/settlement-runs/{id}/publish/": A("ba", hidden="ha hs"),
    "POST /api/v1/regions/{code}/months/{period}/submit/": A("ha hs", obj=lambda s: {"period": "2025-03"}),
    "POST /api/v1/users/": A("pa ba ha"),
    "PUT /api/v1/courses/{id}/": A("ba bs"),
    "PUT /api/v1/expert-profiles/{id}/": A("ba", hidden="ex ha hs"),
    "PUT /api/v1/regions/{code}/policies/{year}/": A("pa ba"),
}

# The method and object level of each API row come from its key.
API = {key: Entry(**{**entry.__dict__, "method": key.split(" ", 1)[0].lower(),
                     "level": entry.level or api_level(key.split(" ", 1)[1])})
       for key, entry in API.items()}
