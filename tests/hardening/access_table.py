"""The declarative access table: who may use each portal URL name and API operation (workflows.md §1).

One row per URL name (`namespace:name`) or API operation (`METHOD /api/v1/path/{param}/`):
- `allow`: roles that may use it on an object in their scope — a role group of the access policy
  (apps/tenants/roles.py, the same names rules.py and the services check) or role codes for one-offs;
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

from apps.tenants import roles as policy_roles
from tests.hardening import access_objects as o

PA, PS, BA, BS, AU, EX, HA, HS = ("platform_admin", "province_supervisor", "bureau_admin", "bureau_staff", "auditor",
                                  "expert", "hospital_admin", "hospital_staff")
CODES = {"pa": PA, "ps": PS, "ba": BA, "bs": BS, "au": AU, "ex": EX, "ha": HA, "hs": HS}


def roles(spec: str) -> frozenset[str]:
    """Who a row allows, from the policy: each token is a role group of apps/tenants/roles.py (upper case, e.g.
    'BUREAU_WRITERS' — the very set the code checks, so the matrix follows the one policy) or a role code for a
    one-off ('ba bs' -> {bureau_admin, bureau_staff}); 'all' -> every role; '' -> none."""
    if spec.strip() == "all":
        return frozenset(CODES.values())
    found: set[str] = set()
    for token in spec.split():
        if token.isupper():
            found |= {str(r) for r in getattr(policy_roles, token)}
        else:
            found.add(CODES[token])
    return frozenset(found)


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
    "dashboard": S("ALL_ROLES"),
    "login": S("ALL_ROLES", anon=200),
    "logout": S("ALL_ROLES", post=True),
    "password_change": S("ALL_ROLES"),
    "password_change_done": S("ALL_ROLES"),
    "set_language": S("ALL_ROLES", post=True, data={"language": "zh-hans"}),
    # --- core
    "core:audit_list": S("AUDIT_READERS"),
    "core:audit_detail": S("AUDIT_READERS", o.audit_event_pk),
    "core:calendar_list": S("ALL_ROLES"),
    "core:calendar_day_add": S("BUREAU_ROLES", post=True, get=405),
    "core:calendar_day_remove": S("ALL_ROLES", post=True, get=405, also_ok=NOT_FOUND),
    "core:calendar_load": S("BUREAU_ROLES", post=True, get=405),
    "core:lockout_list": S("REGION_ADMINS"),
    "core:healthz": S("ALL_ROLES", anon=200),  # the load balancer's probe: public, says only "ok"
    "core:lockout_unlock": S("REGION_ADMINS", post=True, get=405, also_ok=NOT_FOUND),
    # --- tenants
    "tenants:region_list": S("REGION_WIDE_READ_ROLES ex"),
    "tenants:policy_list": S("REGION_WIDE_READ_ROLES"),
    "tenants:user_list": S("USER_MANAGERS"),
    "tenants:user_create": S("USER_MANAGERS"),
    "tenants:user_detail": S("REGION_ADMINS", o.staff_user_pk, hidden="ex ha hs"),
    "tenants:membership_add": S("REGION_ADMINS", o.staff_user_pk, post=True, get=405, hidden="ex ha hs"),
    "tenants:membership_remove": S("REGION_ADMINS", o.staff_membership, post=True, get=405, hidden="ex ha hs"),
    "tenants:password_reset": S("REGION_ADMINS", o.staff_user_pk, post=True, get=405, hidden="ex ha hs"),
    "tenants:token_revoke": S("REGION_ADMINS", o.staff_user_pk, post=True, get=405, hidden="ex ha hs"),
    "tenants:own_token_revoke": S("ALL_ROLES", post=True, get=405),
    "tenants:region_detail": S("REGION_WIDE_READ_ROLES ex", o.region_code),
    "tenants:policy_edit": S("REGION_WIDE_READ_ROLES", o.region_year),
    # --- hospitals
    "hospitals:list": S("ALL_ROLES"),
    "hospitals:export": S("ALL_ROLES"),
    "hospitals:create": S("REGION_ADMINS"),
    "hospitals:import": S("REGION_ADMINS"),
    "hospitals:import_confirm": S("ALL_ROLES", post=True, get=405, also_ok=NOT_FOUND),
    "hospitals:import_cancel": S("ALL_ROLES", post=True, get=405, also_ok=NOT_FOUND),
    "hospitals:import_errors": S("ALL_ROLES", kwargs={"token": "0" * 32}, also_ok=NOT_FOUND),
    "hospitals:detail": S("ALL_ROLES", o.hospital_pk, "hospital"),
    "hospitals:edit": S("REGION_ADMINS", o.hospital_pk, "hospital"),
    # --- groups (catalogues, statistics, grouper)
    "groups:catalogue_list": S("ALL_ROLES"),
    "groups:catalogue_detail": S("ALL_ROLES", o.catalogue_pk),
    "groups:catalogue_activate": S("REGION_ADMINS", o.catalogue_pk, post=True, get=405),
    "groups:catalogue_load": S("REGION_ADMINS", o.region_code, post=True, get=405),
    "groups:catalogue_import": S("REGION_ADMINS", o.region_code, post=True, get=405),
    "groups:stats_index": S("ALL_ROLES"),
    "groups:stats": S("ALL_ROLES", o.region_year),
    "groups:stats_compute": S("BUREAU_ROLES", o.region_year, post=True, get=405),
    "groups:stats_export": S("REGION_WIDE_READ_ROLES", o.region_year, hidden="ex ha hs"),
    "groups:stats_status": S("REGION_WIDE_READ_ROLES", o.stats_version, hidden="ex ha hs"),
    "groups:stats_publish": S("BUREAU_ADMINS", o.stats_version, post=True, get=405),
    "groups:stats_group": S("ALL_ROLES", o.stats_group, also_ok=NOT_FOUND),
    "grouper:page": S("ALL_ROLES"),
    "grouper:report": S("CASE_READERS"),
    "grouper:run": S("ALL_ROLES", post=True, get=405, also_ok=NOT_FOUND),
    "grouper:jobs": S("BUREAU_WRITERS", lambda s: {}, query=lambda s: {"region": s.region.code}),
    "grouper:local_rules": S("REGION_WIDE_READ_ROLES"),
    "grouper:local_rule_deactivate": S("ALL_ROLES", o.local_rule_pk, post=True, get=405, also_ok=NOT_FOUND),
    # --- cases
    "cases:list": S("CASE_READERS"),
    "cases:detail": S("CASE_READERS", o.case_pk, "hospital", hidden="ex"),
    "cases:import_list": S("ALL_ROLES"),
    "cases:import_upload": S("UPLOADERS"),
    "cases:import_template": S("ALL_ROLES", kwargs={"fmt": "csv"}),
    "cases:import_detail": S("CASE_READERS", o.import_job_pk, "hospital", hidden="ex"),
    "cases:import_status": S("CASE_READERS", o.import_job_pk, "hospital", hidden="ex"),
    "cases:import_confirm": S("UPLOADERS", o.import_job_pk, "hospital", post=True, get=405, hidden="ex"),
    "cases:import_errors": S("ALL_ROLES", o.import_job_pk, "hospital", also_ok=NOT_FOUND),
    # --- settlement
    "settlement:coefficients": S("CASE_READERS"),
    "settlement:coefficients_compute": S("BUREAU_ROLES", post=True, get=405),
    "settlement:coefficient_version": S("REGION_WIDE_READ_ROLES", o.coefficient_version_pk, hidden="ha hs"),
    "settlement:coefficient_progress": S("REGION_WIDE_READ_ROLES", o.coefficient_version_pk, hidden="ha hs"),
    "settlement:coefficient_publish": S("BUREAU_ADMINS", o.coefficient_version_pk, post=True, get=405, hidden="ha hs"),
    "settlement:coefficient_export": S("REGION_WIDE_READ_ROLES", o.coefficient_version_pk, hidden="ha hs"),
    "settlement:coefficient_override": S("BUREAU_ADMINS", o.coefficient_row_pk, post=True, get=405, hidden="ha hs"),
    "settlement:run_list": S("CASE_READERS"),
    "settlement:run_start": S("BUREAU_ROLES", post=True, get=405),
    "settlement:run_detail": S("REGION_WIDE_READ_ROLES", o.settlement_run_pk, hidden="ha hs"),
    "settlement:run_progress": S("REGION_WIDE_READ_ROLES", o.settlement_run_pk, hidden="ha hs"),
    "settlement:run_publish": S("BUREAU_ADMINS", o.settlement_run_pk, post=True, get=405, hidden="ha hs"),
    "settlement:run_cases": S("REGION_WIDE_READ_ROLES", o.settlement_run_pk, hidden="ha hs"),
    "settlement:statement": S("CASE_READERS", o.settlement_run_pk, also_ok=NOT_FOUND),
    "settlement:run_export": S("REGION_WIDE_READ_ROLES", o.run_export, hidden="ha hs"),
    "settlement:case_result": S("REGION_WIDE_READ_ROLES", o.case_result_pk, "hospital", hidden="ha hs"),
    "settlement:month_status": S("CASE_READERS"),
    "settlement:month_submit": S("HOSPITAL_ROLES", post=True, get=405, data={"region": "341800", "period": "2025-03"}),
    "settlement:month_flag": S("BUREAU_ROLES", post=True, get=405, data={"region": "341800", "period": "2025-03"},
                               hidden="ha hs"),
    # --- scenarios (what-if): region-wide readers see them; hospital users and experts may not know they exist
    "scenarios:list": S("REGION_WIDE_READ_ROLES"),
    "scenarios:create": S("BUREAU_ROLES", post=True, get=405),
    "scenarios:compare": S("REGION_WIDE_READ_ROLES", lambda s: {}, query=lambda s: {
        "a": o.auto("scenarios.Scenario", s).pk, "b": o.auto("scenarios.Scenario", s).pk}, hidden="ex ha hs"),
    "scenarios:detail": S("REGION_WIDE_READ_ROLES", o.auto_pk("scenarios.Scenario"), hidden="ex ha hs"),
    "scenarios:export": S("REGION_WIDE_READ_ROLES", o.auto_pk("scenarios.Scenario"), hidden="ex ha hs"),
    "scenarios:adopt": S("BUREAU_ADMINS", o.auto_pk("scenarios.Scenario"), post=True, get=405, hidden="ex ha hs"),
    "scenarios:recompute": S("BUREAU_ROLES", o.auto_pk("scenarios.Scenario"), post=True, get=405, hidden="ex ha hs"),
    "scenarios:delete": S("BUREAU_ROLES", o.auto_pk("scenarios.Scenario"), post=True, get=405, hidden="ex ha hs"),
    # --- notifications
    "notifications:inbox": S("ALL_ROLES"),
    "notifications:mark_read": S("BUREAU_ADMINS", o.notification_pk, post=True, get=405, hidden="pa ps bs au ex ha hs"),
    "notifications:mark_all_read": S("ALL_ROLES", post=True, get=405),
    # --- applications
    "applications:list": S("ALL_ROLES"),
    "applications:case_pick": S("HOSPITAL_ROLES"),
    "applications:new": S("HOSPITAL_ROLES", lambda s: {"case_id": o.case_pk(s)["pk"]}, "hospital", hidden="pa ps ba bs au ex"),
    "applications:detail": S("CASE_READERS", o.application_pk, "hospital", hidden="ex"),
    "applications:review": S("CASE_READERS", o.application_pk, "hospital", hidden="ex"),
    "applications:action": S("HOSPITAL_ROLES", o.application_pk, "hospital", post=True, get=405, kwargs={"name": "submit"}, hidden="ex"),
    "applications:attachment": S("ALL_ROLES", o.attachment_pk, "hospital", also_ok=NOT_FOUND),
    "applications:assignments": S("EXPERT_ROLES"),
    "applications:experts": S("REGION_WIDE_READ_ROLES"),
    # --- notices
    "notices:list": S("CASE_READERS"),
    "notices:inbox": S("ALL_ROLES"),
    "notices:new": S("BUREAU_WRITERS"),
    "notices:prepare": S("ALL_ROLES", lambda s: {"kind": "ranking", "source_id": o.auto("monitoring.Ranking", s).pk},
                         post=True, get=405, also_ok=NOT_FOUND),
    "notices:prepare_review_results": S("ps ba", post=True, get=405),
    "notices:detail": S("REGION_WIDE_READ_ROLES", o.auto_pk("notices.Notice"), hidden="ex ha hs"),
    "notices:edit": S("BUREAU_WRITERS", o.auto_pk("notices.Notice"), hidden="ex ha hs"),
    "notices:preview": S("BUREAU_WRITERS", o.auto_pk("notices.Notice"), hidden="ps au ex ha hs"),
    "notices:pdf": S("ALL_ROLES", o.auto_pk("notices.Notice"), also_ok=NOT_FOUND),
    "notices:acknowledgements": S("REGION_WIDE_READ_ROLES", o.auto_pk("notices.Notice"), hidden="ex ha hs"),
    "notices:action": S("REGION_ADMINS", o.auto_pk("notices.Notice"), post=True, get=405, kwargs={"action": "publish"}, hidden="ex ha hs"),
    # --- disputes
    "disputes:list": S("ALL_ROLES"),
    "disputes:new": S("HOSPITAL_ROLES"),
    "disputes:stats": S("CASE_READERS"),
    "disputes:assignments": S("EXPERT_ROLES"),
    "disputes:attachment": S("ALL_ROLES", o.auto_pk("disputes.Attachment"), "hospital", also_ok=NOT_FOUND),
    "disputes:detail": S("CASE_READERS", o.auto_pk("disputes.Dispute"), "hospital", hidden="ex"),
    "disputes:letter": S("ALL_ROLES", o.auto_pk("disputes.Dispute"), "hospital", also_ok=NOT_FOUND),
    "disputes:action": S("ha", o.auto_pk("disputes.Dispute"), "hospital", post=True, get=302,
                         kwargs={"action": "submit"}, hidden="ex"),
    # --- screening
    "screening:list": S("CASE_READERS"),
    "screening:run": S("BUREAU_WRITERS", post=True, get=302, data={"region": "341800", "period": "2025"}),
    "screening:stats": S("REGION_WIDE_READ_ROLES"),
    "screening:export": S("CASE_READERS"),
    "screening:opinions": S("EXPERT_ROLES"),
    "screening:attachment": S("ALL_ROLES", _screening_attachment, "hospital", also_ok=NOT_FOUND),
    "screening:detail": S("CASE_READERS", _screening_item, "hospital", hidden="ex"),
    "screening:action": S("BUREAU_ROLES", _screening_item, "hospital", post=True, get=302,
                          kwargs={"action": "clear"}, data={"reason": "access matrix"}, hidden="ex"),
    # --- training
    "training:index": S("ALL_ROLES"),
    "training:session_list": S("ALL_ROLES"),
    "training:browse": S("ALL_ROLES"),
    "training:mine": S("ALL_ROLES"),
    "training:course_list": S("ALL_ROLES"),
    "training:course_new": S("BUREAU_ROLES"),
    "training:course_detail": S("ALL_ROLES", o.auto_pk("training.Course")),
    "training:course_edit": S("BUREAU_ROLES", o.auto_pk("training.Course")),
    "training:material": S("ALL_ROLES", o.auto_pk("training.Material"), also_ok=NOT_FOUND),
    "training:material_remove": S("BUREAU_ROLES", o.auto_pk("training.Material"), post=True, get=405),
    "training:session_new": S("BUREAU_ROLES"),
    "training:session_detail": S("REGION_WIDE_READ_ROLES", o.auto_pk("training.Session"), hidden="ex ha hs"),
    "training:session_edit": S("BUREAU_ROLES", o.auto_pk("training.Session"), hidden="ex ha hs"),
    "training:session_action": S("BUREAU_ROLES", o.auto_pk("training.Session"), post=True, get=405,
                                 kwargs={"action": "publish"}, hidden="ex ha hs"),
    "training:certificate": S("ALL_ROLES", o.auto_pk("training.Enrollment"), "hospital", also_ok=NOT_FOUND),
    "training:enrollment_action": S("BUREAU_ROLES HOSPITAL_ROLES", o.auto_pk("training.Enrollment"), "hospital", post=True, get=405,
                                    kwargs={"action": "cancel"}, hidden="ex"),
    "training:coverage": S("REGION_WIDE_READ_ROLES"),
    "training:coverage_export": S("REGION_WIDE_READ_ROLES"),
    "training:verify_form": S("ALL_ROLES", anon=200),  # public: anyone checks a certificate
    "training:verify": S("ALL_ROLES", kwargs={"code": "0000000000000000"}, anon=404, also_ok=NOT_FOUND),
    # --- monitoring
    "monitoring:dashboard": S("CASE_READERS"),
    "monitoring:compute": S("BUREAU_ROLES", post=True, get=405),
    "monitoring:progress": S("REGION_WIDE_READ_ROLES", o.auto_pk("monitoring.IndicatorPeriod"), hidden="ex ha hs"),
    "monitoring:export": S("CASE_READERS", kwargs={"table": "hospitals"}, also_ok=NOT_FOUND),
    "monitoring:rankings": S("CASE_READERS"),
    "monitoring:ranking_compute": S("BUREAU_ROLES", post=True, get=405),
    "monitoring:period_groups": S("REGION_WIDE_READ_ROLES", o.auto_pk("monitoring.IndicatorPeriod"), hidden="ex ha hs"),
    "monitoring:ranking_detail": S("REGION_WIDE_READ_ROLES", o.auto_pk("monitoring.Ranking"), hidden="ex ha hs"),
    "monitoring:ranking_publish": S("BUREAU_ADMINS", o.auto_pk("monitoring.Ranking"), post=True, get=405, hidden="ex ha hs"),
    "monitoring:ranking_export": S("REGION_WIDE_READ_ROLES", o.auto_pk("monitoring.Ranking"), hidden="ex ha hs"),
    "monitoring:compare": S("SUPERVISORS"),
    "monitoring:compare_export": S("SUPERVISORS"),
    # issue 20: group P&L, peers, data-quality scorecard and rectification requests
    "monitoring:pnl": S("CASE_READERS"),
    "monitoring:pnl_export": S("CASE_READERS"),
    "monitoring:peers": S("CASE_READERS"),
    "monitoring:peers_export": S("CASE_READERS", also_ok=NOT_FOUND),  # 404 without ?group=
    "monitoring:quality": S("CASE_READERS"),
    "monitoring:quality_export": S("CASE_READERS"),
    "monitoring:rectify": S("BUREAU_ADMINS", post=True, get=405),
    "monitoring:rectification": S("CASE_READERS", o.auto_pk("monitoring.Rectification"), "hospital",
                                  hidden="ex"),
    "monitoring:rectification_acknowledge": S("HOSPITAL_ROLES", o.auto_pk("monitoring.Rectification"), "hospital", post=True,
                                              get=405, hidden="ex"),
    "monitoring:rectification_reply": S("HOSPITAL_ROLES", o.auto_pk("monitoring.Rectification"), "hospital", post=True,
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
    "GET /api/v1/applications/": A("ALL_ROLES"),
    "GET /api/v1/applications/{id}/": A("CASE_READERS", hidden="ex"),
    "GET /api/v1/applications/{id}/suggestion/": A("REGION_WIDE_READ_ROLES", hidden="ex"),
    "GET /api/v1/cases/": A("ALL_ROLES"),
    "GET /api/v1/cases/{id}/": A("CASE_READERS", hidden="ex"),
    "GET /api/v1/courses/": A("ALL_ROLES"),
    "GET /api/v1/courses/{id}/": A("ALL_ROLES"),
    "GET /api/v1/disputes/": A("ALL_ROLES"),
    "GET /api/v1/disputes/{id}/": A("CASE_READERS", hidden="ex"),
    "GET /api/v1/disputes/{id}/letter/": A("ALL_ROLES", also_ok=NOT_FOUND),
    "GET /api/v1/screening-items/": A("ALL_ROLES"),
    "GET /api/v1/screening-items/{id}/": A("CASE_READERS", hidden="ex"),
    "GET /api/v1/enrollments/": A("ALL_ROLES"),
    "GET /api/v1/enrollments/{id}/": A("CASE_READERS", hidden="ex"),
    "GET /api/v1/enrollments/{id}/certificate/": A("ALL_ROLES", also_ok=NOT_FOUND),
    "GET /api/v1/expert-profiles/": A("ALL_ROLES"),
    "GET /api/v1/expert-profiles/{id}/": A("REGION_WIDE_READ_ROLES", hidden="ex ha hs"),
    "GET /api/v1/grouper/versions/": A("ALL_ROLES"),
    "GET /api/v1/groups/": A("ALL_ROLES"),
    "GET /api/v1/groups/{id}/": A("ALL_ROLES"),
    "GET /api/v1/hospitals/": A("ALL_ROLES"),
    "GET /api/v1/hospitals/{id}/": A("ALL_ROLES"),
    "GET /api/v1/imports/": A("ALL_ROLES"),
    "GET /api/v1/imports/{id}/": A("CASE_READERS", hidden="ex"),
    "GET /api/v1/imports/{id}/errors/": A("ALL_ROLES", also_ok=NOT_FOUND),
    "GET /api/v1/indicator-periods/": A("ALL_ROLES"),
    "GET /api/v1/indicator-periods/{id}/": A("REGION_WIDE_READ_ROLES", hidden="ex ha hs"),
    "GET /api/v1/indicators/": A("ALL_ROLES", also_ok=NOT_FOUND),
    "GET /api/v1/notices/": A("ALL_ROLES"),
    "GET /api/v1/notices/{id}/": A("REGION_WIDE_READ_ROLES", hidden="ex ha hs"),
    "GET /api/v1/notices/{id}/acknowledgements/": A("REGION_WIDE_READ_ROLES", hidden="ex ha hs"),
    "GET /api/v1/notices/{id}/pdf/": A("ALL_ROLES", also_ok=NOT_FOUND),
    "GET /api/v1/notifications/": A("ALL_ROLES"),
    "GET /api/v1/notifications/{id}/": A("BUREAU_ADMINS", hidden="pa ps bs au ex ha hs"),
    "GET /api/v1/rankings/": A("ALL_ROLES"),
    "GET /api/v1/analysis/pnl/": A("ALL_ROLES", also_ok=NOT_FOUND),
    "GET /api/v1/analysis/peers/": A("ALL_ROLES", also_ok=frozenset({400, 404})),  # 400: no group given
    "GET /api/v1/quality/scorecards/": A("ALL_ROLES", also_ok=NOT_FOUND),
    "GET /api/v1/rectifications/": A("ALL_ROLES"),
    "GET /api/v1/rectifications/{id}/": A("CASE_READERS", hidden="ex"),
    "GET /api/v1/rankings/{id}/": A("REGION_WIDE_READ_ROLES", hidden="ex ha hs"),
    "GET /api/v1/regions/": A("ALL_ROLES"),
    "GET /api/v1/regions/{code}/": A("ALL_ROLES"),
    "GET /api/v1/regions/{code}/policies/": A("REGION_WIDE_READ_ROLES"),
    "GET /api/v1/regions/{code}/policies/{year}/": A("REGION_WIDE_READ_ROLES"),
    "GET /api/v1/regions/{code}/years/{year}/coefficients/": A("CASE_READERS", also_ok=NOT_FOUND),
    "GET /api/v1/regions/{code}/years/{year}/group-stats/": A("REGION_WIDE_READ_ROLES", hidden="ex ha hs"),
    "GET /api/v1/sessions/": A("ALL_ROLES"),
    "GET /api/v1/sessions/{id}/": A("REGION_WIDE_READ_ROLES", hidden="ex ha hs"),
    "GET /api/v1/scenarios/": A("ALL_ROLES"),
    "GET /api/v1/scenarios/{id}/": A("REGION_WIDE_READ_ROLES", hidden="ex ha hs"),
    "GET /api/v1/settlement-runs/": A("ALL_ROLES"),
    "GET /api/v1/settlement-runs/{id}/": A("REGION_WIDE_READ_ROLES", hidden="ha hs"),
    "GET /api/v1/settlement-runs/{id}/cases/": A("REGION_WIDE_READ_ROLES", hidden="ha hs"),
    "GET /api/v1/settlement-runs/{id}/hospitals/": A("REGION_WIDE_READ_ROLES", hidden="ha hs"),
    "GET /api/v1/regions/{code}/months/{period}/": A("CASE_READERS", obj=lambda s: {"period": "2025-03"}),
    "GET /api/v1/users/": A("USER_MANAGERS"),
    "GET /api/v1/users/{id}/": A("REGION_ADMINS", hidden="ex ha hs"),
    "PATCH /api/v1/expert-profiles/{id}/": A("BUREAU_ADMINS", hidden="ex ha hs"),
    "PATCH /api/v1/hospitals/{id}/": A("REGION_ADMINS"),
    "PATCH /api/v1/notices/{id}/": A("BUREAU_WRITERS", hidden="ex ha hs"),
    "POST /api/v1/applications/": A("HOSPITAL_ROLES"),
    "POST /api/v1/applications/{id}/accept/": A("BUREAU_ROLES", hidden="ex"),
    "POST /api/v1/applications/{id}/assign/": A("BUREAU_ROLES", hidden="ex"),
    "POST /api/v1/applications/{id}/attachments/": A("HOSPITAL_ROLES", hidden="ex"),
    "POST /api/v1/applications/{id}/decide/": A("BUREAU_ADMINS", hidden="ex"),
    "POST /api/v1/applications/{id}/decline/": A("", hidden="ex"),
    "POST /api/v1/applications/{id}/opinion/": A("", hidden="ex"),
    "POST /api/v1/applications/{id}/reject/": A("BUREAU_ROLES", hidden="ex"),
    "POST /api/v1/applications/{id}/return/": A("BUREAU_ROLES", hidden="ex"),
    "POST /api/v1/applications/{id}/review/": A("BUREAU_ROLES", hidden="ex"),
    "POST /api/v1/applications/{id}/submit/": A("HOSPITAL_ROLES", hidden="ex"),
    "POST /api/v1/applications/{id}/withdraw/": A("HOSPITAL_ROLES", hidden="ex"),
    "POST /api/v1/auth/token/": A("ALL_ROLES", anon=400),
    "POST /api/v1/auth/token/revoke/": A("ALL_ROLES"),
    "POST /api/v1/users/{id}/revoke-token/": A("REGION_ADMINS", hidden="ex ha hs"),
    "POST /api/v1/courses/": A("BUREAU_ROLES"),
    "POST /api/v1/disputes/": A("HOSPITAL_ROLES"),
    "POST /api/v1/disputes/{id}/accept/": A("BUREAU_ROLES", hidden="ex"),
    "POST /api/v1/disputes/{id}/acknowledge/": A("ha", hidden="ex"),
    "POST /api/v1/disputes/{id}/appeal/": A("ha", hidden="ex"),
    "POST /api/v1/disputes/{id}/assign/": A("BUREAU_ROLES", hidden="ex"),
    "POST /api/v1/disputes/{id}/attachments/": A("BUREAU_ROLES HOSPITAL_ROLES", hidden="ex"),
    "POST /api/v1/disputes/{id}/comments/": A("BUREAU_ROLES HOSPITAL_ROLES", hidden="ex"),
    "POST /api/v1/disputes/{id}/decide/": A("BUREAU_ADMINS", hidden="ex"),
    "POST /api/v1/disputes/{id}/decline/": A("", hidden="ex"),
    "POST /api/v1/disputes/{id}/not_accept/": A("BUREAU_ROLES", hidden="ex"),
    "POST /api/v1/disputes/{id}/opinion/": A("", hidden="ex"),
    "POST /api/v1/disputes/{id}/submit/": A("ha", hidden="ex"),
    "POST /api/v1/disputes/{id}/withdraw/": A("HOSPITAL_ROLES", hidden="ex"),
    "POST /api/v1/screening-items/{id}/answer/": A("HOSPITAL_ROLES", hidden="ex", data={"text": "access matrix"}),
    "POST /api/v1/screening-items/{id}/confirm/": A("BUREAU_ROLES", hidden="ex", data={"reason": "access matrix"}),
    "POST /api/v1/screening-items/{id}/clear/": A("BUREAU_ROLES", hidden="ex", data={"reason": "access matrix"}),
    "POST /api/v1/screening-items/{id}/assign/": A("BUREAU_ROLES", hidden="ex", data={"expert": "nobody"}),
    "POST /api/v1/screening-items/{id}/opinion/": A("", hidden="ex", data={"suggestion": "clear", "comment": "x"}),
    "POST /api/v1/enrollments/": A("HOSPITAL_ROLES"),
    "POST /api/v1/enrollments/{id}/absent/": A("BUREAU_ROLES", hidden="ex"),
    "POST /api/v1/enrollments/{id}/attend/": A("BUREAU_ROLES", hidden="ex"),
    "POST /api/v1/enrollments/{id}/cancel/": A("BUREAU_ROLES HOSPITAL_ROLES", hidden="ex"),
    "POST /api/v1/enrollments/{id}/score/": A("BUREAU_ROLES", hidden="ex"),
    "POST /api/v1/expert-profiles/": A("BUREAU_ADMINS"),
    "POST /api/v1/grouper/{version}/group/": A("ALL_ROLES", also_ok=NOT_FOUND),
    "POST /api/v1/hospitals/": A("ALL_ROLES", also_ok=NOT_FOUND),
    "POST /api/v1/indicator-periods/": A("BUREAU_ROLES"),
    "POST /api/v1/notices/": A("BUREAU_ADMINS"),
    "POST /api/v1/notices/{id}/acknowledge/": A("", hidden="ex ha hs"),
    "POST /api/v1/notices/{id}/publish/": A("REGION_ADMINS", hidden="ex ha hs"),
    "POST /api/v1/notices/{id}/withdraw/": A("BUREAU_ADMINS", hidden="ex ha hs"),
    "POST /api/v1/notifications/{id}/read/": A("BUREAU_ADMINS", hidden="pa ps bs au ex ha hs"),
    "POST /api/v1/rankings/": A("BUREAU_ROLES"),
    "POST /api/v1/rectifications/": A("BUREAU_ADMINS"),
    "POST /api/v1/rectifications/{id}/acknowledge/": A("HOSPITAL_ROLES", hidden="ex"),
    "POST /api/v1/rectifications/{id}/reply/": A("HOSPITAL_ROLES", hidden="ex"),
    "POST /api/v1/rankings/{id}/publish/": A("BUREAU_ADMINS", hidden="ex ha hs"),
    "POST /api/v1/regions/": A("pa"),
    "POST /api/v1/regions/{code}/cases/import/": A("UPLOADERS"),
    "POST /api/v1/regions/{code}/catalogues/{version}/import/": A("REGION_ADMINS"),
    "POST /api/v1/regions/{code}/hospitals/import/": A("REGION_ADMINS"),
    "POST /api/v1/regions/{code}/years/{year}/coefficients/": A("BUREAU_ROLES"),
    "POST /api/v1/regions/{code}/years/{year}/coefficients/publish/": A("BUREAU_ADMINS"),
    "POST /api/v1/regions/{code}/years/{year}/group-stats/": A("BUREAU_ROLES"),
    "POST /api/v1/regions/{code}/years/{year}/group-stats/publish/": A("BUREAU_ADMINS"),
    "POST /api/v1/sessions/": A("BUREAU_ROLES"),
    "POST /api/v1/sessions/{id}/cancel/": A("BUREAU_ROLES", hidden="ex ha hs"),
    "POST /api/v1/sessions/{id}/close/": A("BUREAU_ROLES", hidden="ex ha hs"),
    "POST /api/v1/sessions/{id}/publish/": A("BUREAU_ROLES", hidden="ex ha hs"),
    "POST /api/v1/sessions/{id}/scores/": A("BUREAU_ROLES", hidden="ex ha hs"),
    "POST /api/v1/scenarios/": A("BUREAU_ROLES"),
    "POST /api/v1/scenarios/{id}/adopt/": A("BUREAU_ADMINS", hidden="ex ha hs"),
    "POST /api/v1/settlement-runs/": A("BUREAU_ROLES"),
    "POST /api/v1/settlement-runs/{id}/publish/": A("BUREAU_ADMINS", hidden="ha hs"),
    "POST /api/v1/regions/{code}/months/{period}/submit/": A("HOSPITAL_ROLES", obj=lambda s: {"period": "2025-03"}),
    "POST /api/v1/users/": A("USER_MANAGERS"),
    "PUT /api/v1/courses/{id}/": A("BUREAU_ROLES"),
    "PUT /api/v1/expert-profiles/{id}/": A("BUREAU_ADMINS", hidden="ex ha hs"),
    "PUT /api/v1/regions/{code}/policies/{year}/": A("REGION_ADMINS"),
}

# The method and object level of each API row come from its key.
API = {key: Entry(**{**entry.__dict__, "method": key.split(" ", 1)[0].lower(),
                     "level": entry.level or api_level(key.split(" ", 1)[1])})
       for key, entry in API.items()}
