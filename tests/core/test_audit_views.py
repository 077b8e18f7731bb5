"""The audit-trail screen: who may read it, which events, filters, and 404 for other regions' events."""
from __future__ import annotations

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.core.audit import record_event
from apps.core.models import AuditEvent
from apps.tenants.enums import Role


@pytest.fixture
def events(world):
    """One policy-like change with old → new and a reason in each of A and B, and one platform-level event."""
    with scopes_disabled():
        a = record_event(actor=world["A"].users[Role.BUREAU_ADMIN], action="policy.set", region=world["A"].region,
                         object_type="tenants.PolicyYear", object_id=1, old={"fund_budget": "100.00"},
                         new={"fund_budget": "120.00"}, reason="年度预算调整")
        b = record_event(actor=world["B"].users[Role.BUREAU_ADMIN], action="policy.set", region=world["B"].region,
                         object_type="tenants.PolicyYear", object_id=2, old={"fund_budget": "1"}, new={"fund_budget": "2"},
                         reason="合肥调整")
        platform = record_event(actor=None, action="platform.note", object_type="x", object_id=0, new={"k": "v"})
    return {"A": a, "B": b, "platform": platform}


def listed(response) -> list[AuditEvent]:
    return list(response.context["page_obj"].object_list)


@pytest.mark.parametrize("role", [Role.BUREAU_ADMIN, Role.AUDITOR])
def test_region_roles_read_only_their_region(client, world, events, role):
    client.force_login(world["A"].users[role])
    response = client.get("/core/audit/")
    assert response.status_code == 200
    rows = listed(response)
    assert rows and {e.region_id for e in rows} == {world["A"].region.pk}
    body = response.content.decode()
    assert "年度预算调整" in body and "120.00" in body and "合肥调整" not in body


def test_out_of_scope_event_is_404(client, world, events):
    client.force_login(world["A"].users[Role.AUDITOR])
    assert client.get(f"/core/audit/{events['A'].pk}/").status_code == 200
    assert client.get(f"/core/audit/{events['B'].pk}/").status_code == 404
    assert client.get(f"/core/audit/{events['platform'].pk}/").status_code == 404
    assert client.get("/core/audit/999999999/").status_code == 404


def test_detail_shows_old_and_new(client, world, events):
    client.force_login(world["A"].users[Role.BUREAU_ADMIN])
    response = client.get(f"/core/audit/{events['A'].pk}/")
    assert response.context["event"].changes == [("fund_budget", "100.00", "120.00")]
    assert "年度预算调整" in response.content.decode()


@pytest.mark.parametrize("role", [Role.BUREAU_STAFF, Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF, Role.EXPERT])
def test_other_roles_are_refused(client, world, events, role):
    client.force_login(world["A"].users[role])
    assert client.get("/core/audit/").status_code == 403
    assert client.get(f"/core/audit/{events['A'].pk}/").status_code == 403


def test_province_supervisor_reads_province_regions(client, world, events):
    with scopes_disabled():
        c = record_event(actor=None, action="policy.set", region=world["C"].region, object_type="t", object_id=3)
    client.force_login(world["supervisor"])
    regions = {e.region_id for e in listed(client.get("/core/audit/?action=policy.set"))}
    assert regions == {world["A"].region.pk, world["B"].region.pk}
    assert client.get(f"/core/audit/{c.pk}/").status_code == 404


def test_platform_admin_reads_everything(client, world, events):
    client.force_login(world["platform_admin"])
    response = client.get("/core/audit/?action=platform.note")
    assert [e.pk for e in listed(response)] == [events["platform"].pk]
    assert client.get(f"/core/audit/{events['B'].pk}/").status_code == 200


def test_filters(client, world, events):
    client.force_login(world["A"].users[Role.BUREAU_ADMIN])
    assert [e.pk for e in listed(client.get("/core/audit/?action=policy.set"))] == [events["A"].pk]
    assert [e.pk for e in listed(client.get("/core/audit/?object_type=tenants.PolicyYear&actor=bureau_admin"))] == [events["A"].pk]
    assert listed(client.get("/core/audit/?actor=nobody-like-this")) == []
    today = timezone.localtime(events["A"].at).date().isoformat()  # the filter is in the portal time zone
    assert events["A"] in listed(client.get(f"/core/audit/?date_from={today}&date_to={today}"))
    assert listed(client.get("/core/audit/?date_to=2000-01-01")) == []
    bad = client.get("/core/audit/?date_from=2025-02-01&date_to=2025-01-01")
    assert bad.status_code == 200 and bad.context["form"].errors


def test_pagination(client, world):
    with scopes_disabled():
        AuditEvent.objects.bulk_create([
            AuditEvent(region=world["A"].region, actor_name="x", object_type="t", object_id=str(i), action="bulk.test")
            for i in range(120)
        ])
    client.force_login(world["A"].users[Role.AUDITOR])
    first = client.get("/core/audit/?action=bulk.test")
    assert len(listed(first)) == 50 and first.context["page_obj"].paginator.count == 120
    third = client.get("/core/audit/?action=bulk.test&page=3")
    assert len(listed(third)) == 20
    assert "action=bulk.test&amp;page=2" in third.content.decode()


def test_region_filter_for_multi_region_readers(client, world, events):
    client.force_login(world["supervisor"])
    response = client.get("/core/audit/?region=340100&action=policy.set")
    assert "region" in response.context["form"].fields
    assert [e.pk for e in listed(response)] == [events["B"].pk]
    assert client.get("/core/audit/?region=320900").context["form"].errors  # not a choice for this supervisor
    client.force_login(world["A"].users[Role.AUDITOR])
    assert "region" not in client.get("/core/audit/").context["form"].fields
