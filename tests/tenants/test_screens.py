"""Portal screens: regions, policy form, users (create, memberships, password reset)."""
import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from apps.core.models import AuditEvent
from apps.tenants.enums import Role
from apps.tenants.forms import PARAMETER_GROUPS
from apps.tenants.models import Membership, PolicyYear, User
from apps.tenants.services import policy_set

pytestmark = pytest.mark.django_db


def test_parameter_groups_cover_every_parameter_once():
    names = [n for _title, items in PARAMETER_GROUPS for n, _help in items]
    assert sorted(names) == sorted(PolicyYear.PARAMETERS) and len(names) == len(set(names))


def test_region_detail_shows_counts_and_policy_years(world, client):
    policy_set(actor=None, region=world["A"].region, year=2024, values={})
    policy_set(actor=None, region=world["A"].region, year=2025, values={"catalogue": "CHS-DRG 2.0"})
    policy_set(actor=None, region=world["B"].region, year=2023, values={})
    client.force_login(world["A"].users[Role.AUDITOR])
    response = client.get(reverse("tenants:region_detail", kwargs={"code": "341800"}))
    assert response.status_code == 200
    assert [p.year for p in response.context["policies"]] == [2025, 2024]
    assert response.context["counts"]["hospitals"] == 3 and response.context["counts"]["users"] == 6
    assert "CHS-DRG 2.0" in response.content.decode() and "2023" not in response.content.decode()


def test_region_detail_role_and_scope(world, client):
    a = world["A"]
    client.force_login(a.users[Role.HOSPITAL_STAFF])
    assert client.get(reverse("tenants:region_detail", kwargs={"code": "341800"})).status_code == 403
    assert client.get(reverse("tenants:region_detail", kwargs={"code": "340100"})).status_code == 404
    client.force_login(a.users[Role.EXPERT])  # experts read the region's master data, not its policy
    response = client.get(reverse("tenants:region_detail", kwargs={"code": "341800"}))
    assert response.status_code == 200 and response.context["policies"] == []


def test_policy_edit_shows_every_parameter_with_default_and_meaning(world, client):
    client.force_login(world["A"].users[Role.BUREAU_STAFF])
    response = client.get(reverse("tenants:policy_edit", kwargs={"code": "341800", "year": 2030}))
    assert response.status_code == 200 and not response.context["exists"]
    html = response.content.decode()
    for name in PolicyYear.PARAMETERS:
        assert f'name="{name}"' in html and "disabled" in html
    assert "Weight of the level index" in html or "级别" in html
    with scopes_disabled():
        assert not PolicyYear.objects.filter(year=2030).exists()  # GET never creates


def test_policy_edit_post_needs_reason_and_saves_through_service(world, client):
    client.force_login(world["A"].users[Role.BUREAU_ADMIN])
    url = reverse("tenants:policy_edit", kwargs={"code": "341800", "year": 2025})
    page = client.get(url).context["form"]
    form = {name: ("" if page[name].value() is None else page[name].value()) for name in PolicyYear.PARAMETERS}
    form["w_level"] = "0.75"
    response = client.post(url, form)  # no reason
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    with scopes_disabled():
        assert not PolicyYear.objects.filter(year=2025).exists()
    response = client.post(url, {**form, "w_level": "-1", "reason": "x"})
    assert response.status_code == 200 and response.context["form"].errors
    response = client.post(url, {**form, "reason": "调整权重"})
    assert response.status_code == 302
    with scopes_disabled():
        policy = PolicyYear.objects.get(region=world["A"].region, year=2025)
        event = AuditEvent.objects.get(action="policy.update")
    assert str(policy.w_level) == "0.7500"
    assert event.old == {"w_level": "0.8000"} and event.new == {"w_level": "0.7500"} and event.reason == "调整权重"


def test_user_create_screen_form_choices_are_scoped(world, client):
    a = world["A"]
    client.force_login(a.users[Role.HOSPITAL_ADMIN])
    form = client.get(reverse("tenants:user_create")).context["form"]
    assert {v for v, _l in form.fields["role"].choices} == {Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF}
    assert set(form.fields["hospital"].queryset.values_list("pk", flat=True)) == {a.hospitals[0].pk}
    assert "province" not in form.fields
    client.force_login(a.users[Role.BUREAU_ADMIN])
    form = client.get(reverse("tenants:user_create")).context["form"]
    assert set(form.fields["region"].queryset.values_list("code", flat=True)) == {"341800"}
    assert {h.region_id for h in form.fields["hospital"].queryset} == {a.region.pk}


def test_user_create_screen_rejects_other_regions_hospital(world, client):
    client.force_login(world["A"].users[Role.BUREAU_ADMIN])
    response = client.post(reverse("tenants:user_create"), {
        "username": "x", "password": "Pw-for-new-2026", "role": Role.HOSPITAL_STAFF,
        "hospital": world["B"].hospital.pk})
    assert response.status_code == 200 and "hospital" in response.context["form"].errors
    assert not User.objects.filter(username="x").exists()


def test_user_detail_membership_add_remove_and_password_reset(world, client):
    a = world["A"]
    admin = a.users[Role.BUREAU_ADMIN]
    target = a.users[Role.BUREAU_STAFF]
    client.force_login(admin)
    detail = reverse("tenants:user_detail", kwargs={"pk": target.pk})
    assert client.get(detail).status_code == 200
    response = client.post(reverse("tenants:membership_add", kwargs={"pk": target.pk}),
                           {"role": Role.AUDITOR, "region": a.region.pk})
    assert response.status_code == 302
    with scopes_disabled():
        added = Membership.objects.get(user=target, role=Role.AUDITOR)
    response = client.post(reverse("tenants:membership_remove", kwargs={"pk": target.pk, "membership_id": added.pk}))
    assert response.status_code == 302
    with scopes_disabled():
        assert not Membership.objects.filter(pk=added.pk).exists()
        assert AuditEvent.objects.filter(action="membership.remove", object_id=str(added.pk)).exists()
    response = client.post(reverse("tenants:password_reset", kwargs={"pk": target.pk}),
                           {"password": "Fresh-pass-2026", "password2": "Other-pass-2026"})
    assert response.status_code == 400
    response = client.post(reverse("tenants:password_reset", kwargs={"pk": target.pk}),
                           {"password": "Fresh-pass-2026", "password2": "Fresh-pass-2026"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password("Fresh-pass-2026")
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="user.password_reset", object_id=str(target.pk), actor=admin).exists()


def test_membership_add_cannot_escalate(world, client):
    a = world["A"]
    client.force_login(a.users[Role.HOSPITAL_ADMIN])
    target = a.users[Role.HOSPITAL_STAFF]
    response = client.post(reverse("tenants:membership_add", kwargs={"pk": target.pk}),
                           {"role": Role.BUREAU_ADMIN, "region": a.region.pk})
    assert response.status_code == 400  # not a choice for a hospital admin
    with scopes_disabled():
        assert not Membership.objects.filter(user=target, role=Role.BUREAU_ADMIN).exists()


def test_user_screens_role_and_scope(world, client):
    a = world["A"]
    client.force_login(a.users[Role.BUREAU_STAFF])
    assert client.get(reverse("tenants:user_list")).status_code == 403
    assert client.get(reverse("tenants:user_create")).status_code == 403
    # in scope without the role → 403; another region's user → 404
    assert client.get(reverse("tenants:user_detail", kwargs={"pk": a.users[Role.AUDITOR].pk})).status_code == 403
    assert client.get(reverse("tenants:user_detail", kwargs={"pk": world["B"].users[Role.AUDITOR].pk})).status_code == 404
    client.force_login(a.users[Role.HOSPITAL_ADMIN])  # a bureau user is not theirs to manage
    assert client.get(reverse("tenants:user_detail", kwargs={"pk": a.users[Role.AUDITOR].pk})).status_code == 404


def test_user_list_filter(world, client):
    client.force_login(world["platform_admin"])
    response = client.get(reverse("tenants:user_list"), {"role": Role.AUDITOR})
    assert {row["user"].pk for row in response.context["rows"]} == {world[k].users[Role.AUDITOR].pk for k in "ABC"}


def test_admin_is_for_platform_admins(world, client):
    admin = world["platform_admin"]
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    client.force_login(admin)
    for url in ("/admin/tenants/region/", "/admin/tenants/policyyear/", "/admin/tenants/membership/",
                "/admin/tenants/user/", f"/admin/tenants/user/{world['A'].users[Role.AUDITOR].pk}/change/"):
        assert client.get(url).status_code == 200, url


def test_screens_are_chinese_first_and_english_on_request(world, client):
    client.force_login(world["A"].users[Role.BUREAU_ADMIN])
    url = reverse("tenants:policy_edit", kwargs={"code": "341800", "year": 2025})
    html = client.get(url).content.decode()
    assert "医疗机构系数中级别系数的权重" in html and "调整理由" in html
    client.cookies["django_language"] = "en"
    html = client.get(url).content.decode()
    assert "Weight of the level index" in html and "Reason for the change" in html
