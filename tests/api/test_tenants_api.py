"""Tenants API: token, regions, policy years, users (interfaces.md §3)."""
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.core.models import AuditEvent
from apps.tenants.enums import Role
from apps.tenants.models import PolicyYear, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_token_for_good_credentials_and_it_authenticates(api, world):
    user = world["A"].users[Role.BUREAU_ADMIN]
    response = api().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert [r["code"] for r in client.get("/api/v1/regions/").json()["results"]] == ["341800"]


@pytest.mark.parametrize("body", [{"username": "341800_bureau_admin", "password": "wrong"},
                                  {"username": "nobody", "password": PASSWORD}])
def test_token_bad_credentials_is_400_with_code(api, world, body):
    response = api().post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert "token" not in response.json()


def test_token_missing_fields_is_validation_error(api, world):
    response = api().post("/api/v1/auth/token/", {"username": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_anonymous_is_401(api, world):
    assert api().get("/api/v1/regions/").status_code == 401
    assert api().get("/api/v1/users/").status_code == 401


def test_region_create_by_platform_admin(api, world):
    body = {"code": "220400", "name": "辽源", "province_code": "220000", "province_name": "吉林省", "payment_method": "DIP"}
    response = api(world["platform_admin"]).post("/api/v1/regions/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["code"] == "220400" and data["payment_method"] == "DIP" and data["province_name"] == "吉林省"
    assert api(world["platform_admin"]).get("/api/v1/regions/220400/").status_code == 200
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="region.create", object_id=str(data["id"])).exists()


@pytest.mark.parametrize("body,field", [
    ({"code": "12", "name": "x", "province_code": "220000", "province_name": "吉林省"}, "code"),
    ({"code": "341800", "name": "dup", "province_code": "340000", "province_name": "安徽省"}, "code"),
    ({"code": "220400", "name": "x", "province_code": "220000", "province_name": "吉林省", "payment_method": "XX"},
     "payment_method"),
])
def test_region_create_bad_input_is_400(api, world, body, field):
    response = api(world["platform_admin"]).post("/api/v1/regions/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in str(response.json())


def test_region_filters(api, world):
    client = api(world["platform_admin"])
    assert {r["code"] for r in client.get("/api/v1/regions/?province_code=340000").json()["results"]} == {"341800", "340100"}
    assert client.get("/api/v1/regions/?payment_method=DIP").json()["count"] == 0


def test_policy_get_missing_year_answers_defaults_without_creating(api, world):
    response = api(world["A"].users[Role.BUREAU_STAFF]).get("/api/v1/regions/341800/policies/2031/")
    assert response.status_code == 200
    data = response.json()
    assert data["id"] is None and data["year"] == 2031 and data["region"] == "341800"
    assert Decimal(data["low_ratio_1"]) == Decimal("0.3") and Decimal(data["high_ratio_3"]) == Decimal("3.0")
    assert set(PolicyYear.PARAMETERS) <= set(data)
    with scopes_disabled():
        assert not PolicyYear.objects.filter(year=2031).exists()


def test_policy_put_creates_year_sets_values_and_audits(api, world):
    admin = world["A"].users[Role.BUREAU_ADMIN]
    response = api(admin).put("/api/v1/regions/341800/policies/2025/",
                              {"fund_budget": "123456789.50", "w_level": "0.7", "w_cost": "0.3", "catalogue": "CHS-DRG 2.0",
                               "reason": "2025 budget"}, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert Decimal(data["fund_budget"]) == Decimal("123456789.50") and data["catalogue"] == "CHS-DRG 2.0"
    listed = api(admin).get("/api/v1/regions/341800/policies/").json()
    assert listed["count"] == 1 and listed["results"][0]["year"] == 2025
    with scopes_disabled():
        event = AuditEvent.objects.get(action="policy.update", region=world["A"].region)
    assert event.old["w_level"] == "0.8000" and event.new["w_level"] == "0.7000"
    assert event.new["fund_budget"] == "123456789.50" and event.reason == "2025 budget"
    assert "min_cases" not in event.new  # only what changed


def test_policy_put_round_trip_of_get_output_is_accepted(api, world):
    client = api(world["A"].users[Role.BUREAU_ADMIN])
    data = client.get("/api/v1/regions/341800/policies/2025/").json()
    data["min_cases"] = 7
    response = client.put("/api/v1/regions/341800/policies/2025/", data, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["min_cases"] == 7


@pytest.mark.parametrize("body", [{"no_such": 1}, {"w_level": "abc"}, {"w_level": "-1"}, {"min_cases": "1.5"},
                                  {"cv_max": "NaN"}, {"fund_budget": "1e40"}])
def test_policy_put_bad_input_is_400_and_changes_nothing(api, world, body):
    response = api(world["A"].users[Role.BUREAU_ADMIN]).put("/api/v1/regions/341800/policies/2025/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    with scopes_disabled():
        assert not AuditEvent.objects.filter(action="policy.update").exists()


def test_dip_region_defaults(api, world):
    api(world["platform_admin"]).post("/api/v1/regions/", {"code": "220400", "name": "辽源", "province_code": "220000",
                                                          "province_name": "吉林省", "payment_method": "DIP"}, format="json")
    data = api(world["platform_admin"]).get("/api/v1/regions/220400/policies/2025/").json()
    assert Decimal(data["low_ratio_1"]) == Decimal("0.5") and Decimal(data["high_ratio_3"]) == Decimal("2.0")


def test_user_create_by_bureau_admin_with_hospital_membership(api, world):
    a = world["A"]
    body = {"username": "coder1", "password": "Xc-coder-2026!", "name": "编码员", "email": "c@example.cn",
            "memberships": [{"role": "hospital_staff", "region": "341800", "hospital": a.hospitals[1].code}]}
    response = api(a.users[Role.BUREAU_ADMIN]).post("/api/v1/users/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert "password" not in data
    assert data["memberships"] == [{"id": data["memberships"][0]["id"], "role": "hospital_staff", "region": "341800",
                                    "hospital": a.hospitals[1].code, "province": None}]
    user = User.objects.get(username="coder1")
    assert user.check_password("Xc-coder-2026!")
    assert api(a.users[Role.BUREAU_ADMIN]).get(f"/api/v1/users/{user.pk}/").status_code == 200


def test_user_create_naming_other_region_reads_as_unknown(api, world):
    body = {"username": "x1", "password": "Xc-coder-2026!",
            "memberships": [{"role": "bureau_staff", "region": "340100"}]}
    response = api(world["A"].users[Role.BUREAU_ADMIN]).post("/api/v1/users/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "validation_error"
    assert not User.objects.filter(username="x1").exists()


@pytest.mark.parametrize("body", [
    {"username": "x2", "password": "short", "memberships": [{"role": "bureau_staff", "region": "341800"}]},
    {"username": "341800_auditor", "password": "Xc-coder-2026!", "memberships": [{"role": "auditor", "region": "341800"}]},
    {"username": "x3", "password": "Xc-coder-2026!", "memberships": [{"role": "hospital_staff", "region": "341800"}]},
    {"username": "x4", "password": "Xc-coder-2026!", "memberships": [{"role": "nope", "region": "341800"}]},
    {"username": "x5", "password": "Xc-coder-2026!", "memberships": [{"role": "hospital_staff", "region": "341800",
                                                                     "hospital": "H3401000001"}]},
    {"username": "x6", "password": "Xc-coder-2026!", "memberships": []},
])
def test_user_create_bad_input_is_400(api, world, body):
    response = api(world["A"].users[Role.BUREAU_ADMIN]).post("/api/v1/users/", body, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "validation_error"


def test_user_list_and_filters(api, world):
    a = world["A"]
    client = api(a.users[Role.BUREAU_ADMIN])
    usernames = {u["username"] for u in client.get("/api/v1/users/").json()["results"]}
    assert usernames == {u.username for u in a.users.values()}
    only = client.get("/api/v1/users/?role=auditor").json()
    assert [u["username"] for u in only["results"]] == [a.users[Role.AUDITOR].username] and only["count"] == 1
    assert client.get(f"/api/v1/users/?hospital={a.hospital.code}").json()["count"] == 2


def test_user_detail_hides_memberships_of_other_regions(api, world):
    """A user working in A and B: A's bureau admin sees only the A membership."""
    from apps.tenants.services import membership_add

    a, b = world["A"], world["B"]
    both = a.users[Role.AUDITOR]
    membership_add(actor=None, user=both, role=Role.AUDITOR, region=b.region)
    data = api(a.users[Role.BUREAU_ADMIN]).get(f"/api/v1/users/{both.pk}/").json()
    assert [m["region"] for m in data["memberships"]] == ["341800"]
    everything = api(world["platform_admin"]).get(f"/api/v1/users/{both.pk}/").json()
    assert sorted(m["region"] for m in everything["memberships"]) == ["340100", "341800"]


def test_token_lockout_after_repeated_failures(api, world, settings):
    LOCKOUT_FAILURES = settings.AXES_FAILURE_LIMIT  # django-axes: the attempt reaching the limit is refused already

    user = world["B"].users[Role.AUDITOR]
    for _ in range(LOCKOUT_FAILURES - 1):
        assert api().post("/api/v1/auth/token/", {"username": user.username, "password": "nope"}, format="json").status_code == 400
    assert api().post("/api/v1/auth/token/", {"username": user.username, "password": "nope"}, format="json").status_code == 429
    locked = api().post("/api/v1/auth/token/", {"username": user.username.upper(), "password": PASSWORD}, format="json")
    assert locked.status_code == 429 and locked.json()["code"] == "locked_out"
    other = world["A"].users[Role.AUDITOR]  # other accounts are not affected
    assert api().post("/api/v1/auth/token/", {"username": other.username, "password": PASSWORD}, format="json").status_code == 200


def test_token_success_resets_failure_count(api, world, settings):
    LOCKOUT_FAILURES = settings.AXES_FAILURE_LIMIT

    user = world["B"].users[Role.AUDITOR]
    for _ in range(LOCKOUT_FAILURES - 1):
        api().post("/api/v1/auth/token/", {"username": user.username, "password": "nope"}, format="json")
    assert api().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json").status_code == 200
    api().post("/api/v1/auth/token/", {"username": user.username, "password": "nope"}, format="json")
    assert api().post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json").status_code == 200


def test_user_detail_in_scope_without_role_is_403_outside_is_404(api, world):
    a, b = world["A"], world["B"]
    staff = api(a.users[Role.BUREAU_STAFF])
    assert staff.get(f"/api/v1/users/{a.users[Role.AUDITOR].pk}/").status_code == 403
    assert staff.get(f"/api/v1/users/{b.users[Role.AUDITOR].pk}/").status_code == 404
    assert staff.get("/api/v1/users/").status_code == 403
    hospital_admin = api(a.users[Role.HOSPITAL_ADMIN])
    assert hospital_admin.get(f"/api/v1/users/{a.users[Role.HOSPITAL_STAFF].pk}/").status_code == 200
    assert hospital_admin.get(f"/api/v1/users/{a.users[Role.AUDITOR].pk}/").status_code == 404
    assert api(world["platform_admin"]).get("/api/v1/users/999999/").status_code == 404
