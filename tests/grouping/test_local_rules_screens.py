"""The bureau's local subdivision rule screens (list / create / deactivate through the grouper services)."""
from __future__ import annotations

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.groups.models import LocalGroupRule
from apps.tenants.enums import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiny_ruleset(db):
    """A minimal rule set row with one ADRG and one DRG (enough for the services' checks)."""
    from apps.groups.grouper.models import GrouperAdrgRule, GrouperDrgRule, GrouperRuleSet

    rs = GrouperRuleSet.objects.create(version="mini-1", catalogue_version="mini-1", name="mini", loaded_at=timezone.now())
    GrouperAdrgRule.objects.create(ruleset=rs, code="HC2", mdc="MDCH", name="胆囊切除手术", drgs=["HC29"])
    GrouperDrgRule.objects.create(ruleset=rs, code="HC29", name="胆囊切除手术", adrg="HC2", severity="always")
    return rs


FORM = {"ruleset_version": "mini-1", "base_code": "hc2", "local_code": "hc2a", "local_name": "腹腔镜胆囊切除（本地）",
        "procedures": "51.2300 | 51.2301", "age_min": "", "priority": "10"}


def test_bureau_creates_lists_and_deactivates_a_local_rule(world, tiny_ruleset, client):
    a = world["A"]
    client.force_login(a.users[Role.BUREAU_STAFF])
    page = client.get("/groups/grouper/local-rules/")
    assert page.status_code == 200 and 'id="local-rule-form"' in page.content.decode()
    answer = client.post("/groups/grouper/local-rules/", {**FORM, "region": a.region.code})
    assert answer.status_code == 302
    with scopes_disabled():
        rule = LocalGroupRule.objects.get(region=a.region)
    assert (rule.base_code, rule.local_code, rule.procedures, rule.priority, rule.is_active) == (
        "HC2", "HC2A", ["51.2300", "51.2301"], 10, True)
    assert "HC2A" in client.get("/groups/grouper/local-rules/").content.decode()
    # a broken rule comes back as a message, nothing saved
    client.post("/groups/grouper/local-rules/", {**FORM, "local_code": "HC29", "region": a.region.code})
    with scopes_disabled():
        assert LocalGroupRule.objects.filter(region=a.region).count() == 1
    assert client.post(f"/groups/grouper/local-rules/{rule.pk}/deactivate/").status_code == 302
    rule.refresh_from_db()
    assert not rule.is_active


def test_local_rule_roles_and_scope(world, tiny_ruleset, client):
    a, b = world["A"], world["B"]
    with scopes_disabled():
        rule_b = LocalGroupRule.objects.create(region=b.region, ruleset_version="mini-1", base_code="HC2",
                                               local_code="HC2B", local_name="b", procedures=["51.2300"])
    client.force_login(a.users[Role.HOSPITAL_STAFF])
    assert client.get("/groups/grouper/local-rules/").status_code == 403
    client.force_login(a.users[Role.AUDITOR])  # reads, cannot change
    page = client.get("/groups/grouper/local-rules/")
    assert page.status_code == 200 and 'id="local-rule-form"' not in page.content.decode()
    assert client.post("/groups/grouper/local-rules/", {**FORM, "region": a.region.code}).status_code == 403
    client.force_login(a.users[Role.BUREAU_ADMIN])
    assert client.post(f"/groups/grouper/local-rules/{rule_b.pk}/deactivate/").status_code == 404
    assert client.get(f"/groups/grouper/local-rules/?region={b.region.code}").status_code == 404
    rule_b.refresh_from_db()
    assert rule_b.is_active
