"""Each of the 8 roles allowed/forbidden on policy (API, screen, service), regions and user creation."""
import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from apps.core.errors import Forbidden
from apps.core.models import AuditEvent
from apps.tenants.enums import Role
from apps.tenants.models import Membership, PolicyYear, Region, User
from apps.tenants.services import policy_set, region_create, user_create

from .conftest import ALL_ROLES

pytestmark = pytest.mark.django_db

READERS = {Role.PLATFORM_ADMIN, Role.PROVINCE_SUPERVISOR, Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.AUDITOR}
POLICY_WRITERS = {Role.PLATFORM_ADMIN, Role.BUREAU_ADMIN}
POLICY_URL = "/api/v1/regions/341800/policies/2025/"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_view_policy_api(role, role_user, api):
    response = api(role_user(role)).get(POLICY_URL)
    assert response.status_code == (200 if role in READERS else 403)
    listing = api(role_user(role)).get("/api/v1/regions/341800/policies/")
    assert listing.status_code == (200 if role in READERS else 403)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_view_policy_screen(role, role_user, client):
    client.force_login(role_user(role))
    response = client.get(reverse("tenants:policy_edit", kwargs={"code": "341800", "year": 2025}))
    assert response.status_code == (200 if role in READERS else 403)
    if role in READERS:
        assert response.context["editable"] == (role in POLICY_WRITERS)
        assert (b'name="reason"' in response.content) == (role in POLICY_WRITERS)
    listing = client.get(reverse("tenants:policy_list"))
    assert listing.status_code == (200 if role in READERS else 403)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_set_policy_api(role, role_user, api):
    response = api(role_user(role)).put(POLICY_URL, {"min_cases": 8, "reason": "r"}, format="json")
    allowed = role in POLICY_WRITERS
    assert response.status_code == (200 if allowed else 403), response.json()
    if not allowed:
        assert response.json()["code"] == "permission_denied"
    with scopes_disabled():
        assert PolicyYear.objects.filter(year=2025, min_cases=8).exists() == allowed


@pytest.mark.parametrize("role", ALL_ROLES)
def test_set_policy_screen(role, role_user, client):
    client.force_login(role_user(role))
    url = reverse("tenants:policy_edit", kwargs={"code": "341800", "year": 2025})
    form = {name: "" for name in PolicyYear.PARAMETERS}
    with scopes_disabled():
        defaults = PolicyYear(region=Region.objects.get(code="341800"), year=2025)
    form.update({name: getattr(defaults, name) if getattr(defaults, name) is not None else "" for name in PolicyYear.PARAMETERS})
    form.update({"min_cases": 9, "reason": "screen change"})
    response = client.post(url, form)
    allowed = role in POLICY_WRITERS
    assert response.status_code == (302 if allowed else 403)
    with scopes_disabled():
        assert PolicyYear.objects.filter(year=2025, min_cases=9).exists() == allowed
        assert AuditEvent.objects.filter(action="policy.update", reason="screen change").exists() == allowed


@pytest.mark.parametrize("role", ALL_ROLES)
def test_set_policy_service(role, role_user, world):
    actor = role_user(role)
    if role in POLICY_WRITERS:
        policy = policy_set(actor=actor, region=world["A"].region, year=2025, values={"lln_cases": 150})
        assert policy.lln_cases == 150
    else:
        with pytest.raises(Forbidden):
            policy_set(actor=actor, region=world["A"].region, year=2025, values={"lln_cases": 150})
        with scopes_disabled():
            assert not PolicyYear.objects.filter(lln_cases=150).exists()


def test_bureau_admin_cannot_set_another_regions_policy(world):
    with pytest.raises(Forbidden):
        policy_set(actor=world["A"].users[Role.BUREAU_ADMIN], region=world["B"].region, year=2025, values={"min_cases": 3})


@pytest.mark.parametrize("role", ALL_ROLES)
def test_create_region_api_and_service(role, role_user, api):
    body = {"code": "530100", "name": "昆明", "province_code": "530000", "province_name": "云南省", "payment_method": "DRG"}
    response = api(role_user(role)).post("/api/v1/regions/", body, format="json")
    allowed = role == Role.PLATFORM_ADMIN
    assert response.status_code == (201 if allowed else 403)
    assert Region.objects.filter(code="530100").exists() == allowed
    if not allowed:
        with pytest.raises(Forbidden):
            region_create(actor=role_user(role), code="530200", name="x", province_code="530000", province_name="云南省")
        assert not Region.objects.filter(code="530200").exists()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_create_region_screen_admin_only(role, role_user, client):
    """Regions are created in the Django admin (platform admins) or by `create_region`; the admin page is closed to others."""
    user = role_user(role)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    response = client.get("/admin/tenants/region/add/")
    assert response.status_code == (200 if role == Role.PLATFORM_ADMIN else 403)


def membership_kinds(world):
    a = world["A"]
    return {
        Role.PLATFORM_ADMIN: {"role": Role.PLATFORM_ADMIN},
        Role.PROVINCE_SUPERVISOR: {"role": Role.PROVINCE_SUPERVISOR, "province": "340000"},
        Role.BUREAU_ADMIN: {"role": Role.BUREAU_ADMIN, "region": "341800"},
        Role.BUREAU_STAFF: {"role": Role.BUREAU_STAFF, "region": "341800"},
        Role.AUDITOR: {"role": Role.AUDITOR, "region": "341800"},
        Role.EXPERT: {"role": Role.EXPERT, "region": "341800", "hospital": a.hospitals[1].code},
        Role.HOSPITAL_ADMIN: {"role": Role.HOSPITAL_ADMIN, "region": "341800", "hospital": a.hospitals[0].code},
        Role.HOSPITAL_STAFF: {"role": Role.HOSPITAL_STAFF, "region": "341800", "hospital": a.hospitals[0].code},
    }


def may_grant(actor_role: str, kind: str) -> bool:
    if actor_role == Role.PLATFORM_ADMIN:
        return True
    if actor_role == Role.BUREAU_ADMIN:
        return kind not in {Role.PLATFORM_ADMIN, Role.PROVINCE_SUPERVISOR}
    if actor_role == Role.HOSPITAL_ADMIN:
        return kind in {Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF}  # of their own hospital (hospitals[0])
    return False


@pytest.mark.parametrize("kind", ALL_ROLES)
@pytest.mark.parametrize("actor_role", ALL_ROLES)
def test_create_user_with_each_kind_of_membership_api(actor_role, kind, role_user, world, api):
    body = {"username": f"new_{kind}", "password": "Pw-for-new-2026", "name": "新用户",
            "memberships": [membership_kinds(world)[kind]]}
    response = api(role_user(actor_role)).post("/api/v1/users/", body, format="json")
    allowed = may_grant(actor_role, kind)
    assert response.status_code == (201 if allowed else 403), response.json()
    assert User.objects.filter(username=f"new_{kind}").exists() == allowed
    if allowed:
        with scopes_disabled():
            assert Membership.objects.filter(user__username=f"new_{kind}", role=kind).count() == 1


def test_hospital_admin_cannot_grant_for_another_hospital(world):
    a = world["A"]
    with pytest.raises(Forbidden):
        user_create(actor=a.users[Role.HOSPITAL_ADMIN], username="x", password="Pw-for-new-2026",
                    memberships=[{"role": Role.HOSPITAL_STAFF, "region": a.region, "hospital": a.hospitals[2]}])
    assert not User.objects.filter(username="x").exists()


@pytest.mark.parametrize("actor_role", ALL_ROLES)
def test_create_user_screen(actor_role, role_user, world, client):
    client.force_login(role_user(actor_role))
    url = reverse("tenants:user_create")
    response = client.post(url, {"username": "screen_user", "password": "Pw-for-new-2026", "name": "屏幕",
                                 "role": Role.HOSPITAL_STAFF, "region": world["A"].region.pk,
                                 "hospital": world["A"].hospitals[0].pk})
    allowed = may_grant(actor_role, Role.HOSPITAL_STAFF)
    assert response.status_code == (302 if allowed else 403)
    assert User.objects.filter(username="screen_user").exists() == allowed
