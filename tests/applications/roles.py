"""The actors of the role tables and what each may see, shared by the service and API tests."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from django_scopes import scopes_disabled

from apps.applications import services
from apps.applications.models import Application
from apps.tenants.enums import Role

from .conftest import make, upload

ACTORS = ("hospital_admin", "hospital_staff", "bureau_admin", "bureau_staff", "auditor", "expert_assigned",
          "expert_unassigned", "other_hospital", "supervisor", "B_bureau_admin", "B_hospital_staff", "B_expert")
# Who can see an application of hospital A1 (when experts are assigned: also the assigned expert).
SEES = {"hospital_admin", "hospital_staff", "bureau_admin", "bureau_staff", "auditor", "supervisor"}


def actor(aw, key: str):
    a, b = aw["A"], aw["B"]
    return {
        "hospital_admin": a.user(Role.HOSPITAL_ADMIN), "hospital_staff": a.user(Role.HOSPITAL_STAFF),
        "bureau_admin": a.user(Role.BUREAU_ADMIN), "bureau_staff": a.user(Role.BUREAU_STAFF),
        "auditor": a.user(Role.AUDITOR), "expert_assigned": a.experts[0], "expert_unassigned": a.conflicted,
        "other_hospital": a.other_hospital_user, "supervisor": aw["world"]["supervisor"],
        "B_bureau_admin": b.user(Role.BUREAU_ADMIN), "B_hospital_staff": b.user(Role.HOSPITAL_STAFF),
        "B_expert": b.experts[1],
    }[key]


def _submittable(a, i=0):
    app = make(a, "draft", case_index=i)
    with scopes_disabled():
        services.add_attachment(actor=a.user(Role.HOSPITAL_STAFF), application=app, kind="medical_record_summary",
                                upload=upload())
    return app


def _overdue(a, i=0):
    app = make(a, "assigned", case_index=i)
    with scopes_disabled():
        Application.objects.filter(pk=app.pk).update(review_due=timezone.localdate() - dt.timedelta(days=1))
    return app


HOSPITAL = {"hospital_admin", "hospital_staff"}
BUREAU = {"bureau_admin", "bureau_staff"}

# name: (prepare(a, case_index) -> application, allowed actors, expected status after, assigned experts see it?)
TRANSITIONS = {
    "submit": (_submittable, HOSPITAL, "submitted", False),
    "withdraw": (lambda a, i=0: make(a, "submitted", case_index=i), HOSPITAL, "withdrawn", False),
    "accept": (lambda a, i=0: make(a, "submitted", case_index=i), BUREAU, "under_review", False),
    "return": (lambda a, i=0: make(a, "submitted", case_index=i), BUREAU, "returned", False),
    "reject": (lambda a, i=0: make(a, "submitted", case_index=i), BUREAU, "rejected", False),
    "assign": (lambda a, i=0: make(a, "under_review", case_index=i), BUREAU, "under_review", False),
    "opinion": (lambda a, i=0: make(a, "assigned", case_index=i), {"expert_assigned"}, "under_review", True),
    "decline": (lambda a, i=0: make(a, "assigned", case_index=i), {"expert_assigned"}, "under_review", True),
    "review": (_overdue, BUREAU, "reviewed", True),
    "decide": (lambda a, i=0: make(a, "reviewed", case_index=i), {"bureau_admin"}, "approved", True),
}


def service_call(name: str, user, app, a):
    """Run the transition's service as `user`."""
    calls = {
        "submit": lambda: services.submit(actor=user, application=app),
        "withdraw": lambda: services.withdraw(actor=user, application=app, reason="不再申请"),
        "accept": lambda: services.accept(actor=user, application=app),
        "return": lambda: services.return_(actor=user, application=app, reason="请补充材料"),
        "reject": lambda: services.reject_at_intake(actor=user, application=app, reason="不符合条件"),
        "assign": lambda: services.assign_experts(actor=user, application=app, experts=a.experts),
        "opinion": lambda: services.submit_opinion(actor=user, application=app, verdict="approve",
                                                   unreasonable_cost=Decimal("10"), comment="ok"),
        "decline": lambda: services.decline_assignment(actor=user, application=app, reason="亲属关系"),
        "review": lambda: services.mark_reviewed(actor=user, application=app),
        "decide": lambda: services.decide(actor=user, application=app, outcome="approve", reason="同意"),
    }
    return calls[name]()


API_BODY = {
    "submit": {}, "withdraw": {"reason": "不再申请"}, "accept": {}, "return": {"reason": "请补充材料"},
    "reject": {"reason": "不符合条件"}, "opinion": {"verdict": "approve", "unreasonable_cost": "10", "comment": "ok"},
    "decline": {"reason": "亲属关系"}, "review": {}, "decide": {"outcome": "approve", "reason": "同意"},
}


def api_body(name: str, a) -> dict:
    if name == "assign":
        return {"experts": [e.username for e in a.experts]}
    return API_BODY[name]


def expected(name: str, key: str) -> str:
    """'ok', 'forbidden' (403) or 'not_found' (404) for an actor on a transition."""
    allowed, assigned_sees = TRANSITIONS[name][1], TRANSITIONS[name][3]
    if key in allowed:
        return "ok"
    if key in SEES or (assigned_sees and key == "expert_assigned"):
        return "forbidden"
    return "not_found"
