"""The whole workflow once through the services: every state is reachable and each step is audited."""
from __future__ import annotations

from decimal import Decimal

from django_scopes import scopes_disabled

from apps.applications import selectors
from apps.applications.models import Application
from apps.core.models import AuditEvent
from apps.notifications.models import Notification
from apps.tenants.enums import Role

from .conftest import STATES, fresh, make


def test_every_state_is_reachable(aw):
    a = aw["A"]
    for i, state in enumerate(STATES):
        app = make(a, state, case_index=i)
        expected = {"assigned": "under_review"}.get(state, state)
        assert fresh(app).status == expected, state


def test_full_flow_audits_and_notifies(aw):
    a = aw["A"]
    app = make(a, "approved", outcome="partial")
    app = fresh(app)
    assert app.status == "approved" and app.outcome == "partial" and app.unreasonable_cost == Decimal("200.00")
    with scopes_disabled():
        actions = list(AuditEvent.objects.filter(object_type="applications.Application", object_id=str(app.pk))
                       .order_by("at", "id").values_list("action", flat=True))
        assert actions[:4] == ["application.created", "application.attachment_added", "application.submitted",
                               "application.accepted"]
        assert actions[-2:] == ["application.reviewed", "application.decided"]
        decided = AuditEvent.objects.get(object_id=str(app.pk), action="application.decided")
        assert decided.old == {"status": "reviewed"} and decided.new["status"] == "approved"
        assert decided.reason == "专家意见一致"
        kinds = set(Notification.objects.values_list("kind", flat=True))
        assert {"application.submitted", "application.assigned", "application.reviewed",
                "application.decided"} <= kinds
        hospital_staff = a.user(Role.HOSPITAL_STAFF)
        assert Notification.objects.filter(user=hospital_staff, kind="application.decided").exists()
        assert Notification.objects.filter(user=a.experts[0], kind="application.assigned").exists()
        assert not Notification.objects.filter(user=a.conflicted).exists()
        s = selectors.suggestion(Application.objects.get(pk=app.pk))
    assert s == {"opinions": 3, "approve": 3, "reject": 0, "verdict": "approve", "unreasonable_cost": Decimal("200.00")}


def test_who_is_told(aw):
    from apps.applications import services

    a = aw["A"]
    returned = make(a, "returned", case_index=0)
    draft = make(a, "draft", case_index=1)
    with scopes_disabled():
        told = set(Notification.objects.filter(kind="application.returned").values_list("user_id", flat=True))
        assert told == {a.user(Role.HOSPITAL_STAFF).pk, a.user(Role.HOSPITAL_ADMIN).pk}
        assert a.other_hospital_user.pk not in told
        submitted = set(Notification.objects.filter(kind="application.submitted").values_list("user_id", flat=True))
        assert submitted == {a.user(Role.BUREAU_STAFF).pk, a.user(Role.BUREAU_ADMIN).pk}
        assert not Notification.objects.filter(region=aw["B"].region).exists()
        services.withdraw(actor=a.user(Role.HOSPITAL_STAFF), application=draft)
        assert not Notification.objects.filter(kind="application.withdrawn").exists()  # a draft bothers nobody
        services.withdraw(actor=a.user(Role.HOSPITAL_STAFF), application=Application.objects.get(pk=returned.pk))
        assert Notification.objects.filter(kind="application.withdrawn").count() == 2
