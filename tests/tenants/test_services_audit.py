"""Services record audit events with old → new values (workflows.md §6)."""
import pytest
from django_scopes import scopes_disabled

from apps.core.errors import Forbidden, ValidationFailed
from apps.core.models import AuditEvent
from apps.tenants.enums import Role
from apps.tenants.models import Membership, PolicyYear
from apps.tenants.services import (
    membership_add,
    membership_remove,
    policy_set,
    region_create,
    user_create,
    user_password_reset,
)

pytestmark = pytest.mark.django_db


def events(action):
    with scopes_disabled():
        return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_region_create_audits_new_values(world):
    region = region_create(actor=world["platform_admin"], code="411200", name="三门峡", province_code="410000",
                           province_name="河南省")
    event = events("region.create")[-1]
    assert event.region_id == region.pk and event.actor_id == world["platform_admin"].pk
    assert event.new["code"] == "411200" and event.new["name"] == "三门峡" and event.old is None
    assert region.bureau_name == "三门峡医疗保障局"


def test_policy_set_audits_old_and_new_only_for_changes(world):
    admin, region = world["A"].users[Role.BUREAU_ADMIN], world["A"].region
    policy_set(actor=admin, region=region, year=2025, values={"cv_max": "0.8", "min_cases": 5}, reason="first")
    policy_set(actor=admin, region=region, year=2025, values={"cv_max": "0.80"}, reason="same value")
    policy_set(actor=admin, region=region, year=2025, values={"cv_max": "0.9", "catalogue": "v2"}, reason="second")
    first, second = events("policy.update")
    assert first.old == {"cv_max": "1.0000"} and first.new == {"cv_max": "0.8000"} and first.reason == "first"
    assert second.old == {"cv_max": "0.8000", "catalogue": ""} and second.new == {"cv_max": "0.9000", "catalogue": "v2"}
    assert second.region_id == region.pk and second.actor_id == admin.pk


def test_policy_set_creates_dip_defaults(world):
    region = region_create(actor=None, code="220400", name="辽源", province_code="220000", province_name="吉林省",
                           payment_method="DIP")
    policy = policy_set(actor=None, region=region, year=2025, values={})
    assert str(policy.low_ratio_1) == "0.5000" and str(policy.special_case_pct) == "0.50"


@pytest.mark.parametrize("values", [{"bogus": 1}, {"w_level": "x"}, {"min_cases": -1}, {"cv_max": "Infinity"},
                                    {"base_start": "20x5"}])
def test_policy_set_rejects_bad_input_atomically(world, values):
    with pytest.raises(ValidationFailed):
        policy_set(actor=None, region=world["A"].region, year=2025, values={"min_cases": 7, **values})
    with scopes_disabled():
        assert not PolicyYear.objects.filter(min_cases=7).exists()
    assert events("policy.update") == []


def test_policy_nullable_and_text_parameters(world):
    policy = policy_set(actor=None, region=world["A"].region, year=2025, values={"base_start": "2021", "catalogue": "v1"})
    assert policy.base_years == (2021, 2024)
    policy = policy_set(actor=None, region=world["A"].region, year=2025, values={"base_start": "", "catalogue": ""})
    assert policy.base_start is None and policy.catalogue == "" and policy.base_years == (2022, 2024)


def test_user_create_and_memberships_audit(world):
    a = world["A"]
    admin = a.users[Role.BUREAU_ADMIN]
    user = user_create(actor=admin, username="u1", password="Pw-for-new-2026", name="甲",
                       memberships=[{"role": Role.AUDITOR, "region": a.region}])
    created = events("user.create")[-1]
    assert created.new == {"username": "u1", "name": "甲", "email": ""} and created.region_id == a.region.pk
    added = membership_add(actor=admin, user=user, role=Role.BUREAU_STAFF, region=a.region)
    assert [e.new["role"] for e in events("membership.add") if e.new["user"] == "u1"] == ["auditor", "bureau_staff"]
    membership_remove(actor=admin, membership=added)
    removed = events("membership.remove")[-1]
    assert removed.old == {"user": "u1", "role": "bureau_staff"} and removed.actor_id == admin.pk
    with scopes_disabled():
        assert list(Membership.objects.filter(user=user).values_list("role", flat=True)) == ["auditor"]


def test_membership_remove_checks_scope(world):
    b_staff = world["B"].users[Role.BUREAU_STAFF]
    with scopes_disabled():
        membership = Membership.objects.get(user=b_staff)
    with pytest.raises(Forbidden):
        membership_remove(actor=world["A"].users[Role.BUREAU_ADMIN], membership=membership)
    with scopes_disabled():
        assert Membership.objects.filter(pk=membership.pk).exists()


def test_password_reset_audited_and_scoped(world):
    a, b = world["A"], world["B"]
    target = a.users[Role.HOSPITAL_STAFF]
    user_password_reset(actor=a.users[Role.HOSPITAL_ADMIN], user=target, password="New-pass-2026!")
    target.refresh_from_db()
    assert target.check_password("New-pass-2026!")
    event = events("user.password_reset")[-1]
    assert event.new == {"username": target.username} and event.region_id == a.region.pk
    assert "New-pass" not in str(event.new) + str(event.old)
    with pytest.raises(Forbidden):  # another region's user
        user_password_reset(actor=a.users[Role.BUREAU_ADMIN], user=b.users[Role.AUDITOR], password="New-pass-2026!")
    with pytest.raises(Forbidden):  # a bureau admin of A cannot take over an account that also works in B
        membership_add(actor=None, user=a.users[Role.AUDITOR], role=Role.AUDITOR, region=b.region)
        user_password_reset(actor=a.users[Role.BUREAU_ADMIN], user=a.users[Role.AUDITOR], password="New-pass-2026!")
    with pytest.raises(ValidationFailed):
        user_password_reset(actor=a.users[Role.BUREAU_ADMIN], user=target, password="123")
