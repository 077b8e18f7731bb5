"""Every settlement screen for every role: status codes, region isolation, hospital users' own rows."""
from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from apps.tenants.enums import Role

pytestmark = pytest.mark.django_db

READERS = ["bureau_admin", "bureau_staff", "auditor", "supervisor"]
HOSPITAL = ["hospital_admin", "hospital_staff", "other_hospital"]
ALL = READERS + HOSPITAL + ["expert"]


def user_of(settled, key: str):
    world = settled["world"]
    if key == "supervisor":
        return world["supervisor"]
    if key == "other_hospital":
        return settled["other_hospital_user"]
    return world["A"].users[Role(key)]


def draft_row(s) -> int:
    with scopes_disabled():
        return s.coefficients_draft.rows.first().pk


def get(client, user, url: str):
    client.force_login(user)
    return client.get(url)


def screens(s) -> dict[str, str]:
    a = s["A"]
    h1_case = a.results[0]
    return {
        "run_list": reverse("settlement:run_list"),
        "run_detail": reverse("settlement:run_detail", args=[a.run.pk]),
        "run_detail_draft": reverse("settlement:run_detail", args=[a.draft.pk]),
        "run_cases": reverse("settlement:run_cases", args=[a.run.pk]),
        "statement": reverse("settlement:statement", args=[a.run.pk]),
        "case_result_h1": reverse("settlement:case_result", args=[h1_case.pk]),
        "coefficients": reverse("settlement:coefficients"),
        "coefficient_version": reverse("settlement:coefficient_version", args=[a.coefficients.pk]),
        "coefficient_draft": reverse("settlement:coefficient_version", args=[a.coefficients_draft.pk]),
        "coefficient_export": reverse("settlement:coefficient_export", args=[a.coefficients.pk]),
        "export_cases": reverse("settlement:run_export", args=[a.run.pk, "cases", "csv"]),
        "export_hospitals_xlsx": reverse("settlement:run_export", args=[a.run.pk, "hospitals", "xlsx"]),
        "run_progress": reverse("settlement:run_progress", args=[a.run.pk]),
    }


# expected status per screen: (readers, own hospital users, other hospital's user, expert)
EXPECTED = {
    "run_list": (200, 200, 200, 403),
    "run_detail": (200, 302, 302, 403),
    "run_detail_draft": (200, 404, 404, 403),
    "run_cases": (200, 200, 200, 403),
    "statement": (200, 200, 200, 403),
    "case_result_h1": (200, 200, 404, 403),
    "coefficients": (200, 200, 200, 403),
    "coefficient_version": (200, 200, 200, 403),
    "coefficient_draft": (200, 404, 404, 403),
    "coefficient_export": (200, 200, 200, 403),
    "export_cases": (200, 200, 200, 403),
    "export_hospitals_xlsx": (200, 200, 200, 403),
    "run_progress": (200, 200, 200, 403),
}


def expected(screen: str, role: str) -> int:
    readers, own, other, expert = EXPECTED[screen]
    if role in READERS:
        return readers
    if role in ("hospital_admin", "hospital_staff"):
        return own
    return other if role == "other_hospital" else expert


@pytest.mark.parametrize("role", ALL)
def test_every_screen_answers_per_role(client, settled, role):
    user = user_of(settled, role)
    client.force_login(user)
    failures = []
    for screen, url in screens(settled).items():
        status = client.get(url).status_code
        if status != expected(screen, role):
            failures.append(f"{screen}: {status} != {expected(screen, role)}")
    assert not failures, failures


def test_hospital_user_is_sent_to_their_statement(client, settled):
    run = settled["A"].run
    response = get(client, settled["world"]["A"].users[Role.HOSPITAL_STAFF], reverse("settlement:run_detail",
                                                                                     args=[run.pk]))
    assert response.url == reverse("settlement:statement", args=[run.pk])


@pytest.mark.parametrize("role", ["bureau_admin", "bureau_staff", "auditor", "hospital_admin", "expert"])
def test_region_b_objects_are_404_for_region_a(client, settled, role):
    b = settled["B"]
    client.force_login(user_of(settled, role))
    urls = [
        reverse("settlement:run_detail", args=[b.run.pk]), reverse("settlement:run_cases", args=[b.run.pk]),
        reverse("settlement:statement", args=[b.run.pk]), reverse("settlement:case_result", args=[b.results[0].pk]),
        reverse("settlement:coefficient_version", args=[b.coefficients.pk]),
        reverse("settlement:run_export", args=[b.run.pk, "cases", "csv"]),
        reverse("settlement:run_progress", args=[b.run.pk]),
        reverse("settlement:coefficient_export", args=[b.coefficients.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    posts = [reverse("settlement:run_publish", args=[b.draft.pk]),
             reverse("settlement:coefficient_publish", args=[b.coefficients_draft.pk]),
             reverse("settlement:coefficient_override", args=[draft_row(b)])]
    for url in posts:
        assert client.post(url, {"value": "1.1", "reason": "x"}).status_code == 404, url


def test_supervisor_reads_both_regions_of_the_province(client, settled):
    client.force_login(settled["world"]["supervisor"])
    assert client.get(reverse("settlement:run_detail", args=[settled["B"].run.pk])).status_code == 200
    response = client.get(reverse("settlement:run_list"))
    ids = {run.pk for run in response.context["page_obj"]}
    assert {settled["A"].run.pk, settled["B"].run.pk, settled["A"].draft.pk} <= ids


def test_run_list_lists_only_visible_runs(client, settled):
    a, b = settled["A"], settled["B"]
    client.force_login(settled["world"]["A"].users[Role.BUREAU_STAFF])
    ids = {run.pk for run in client.get(reverse("settlement:run_list")).context["page_obj"]}
    assert ids == {a.run.pk, a.draft.pk}
    client.force_login(settled["world"]["A"].users[Role.HOSPITAL_ADMIN])
    ids = {run.pk for run in client.get(reverse("settlement:run_list")).context["page_obj"]}
    assert ids == {a.run.pk}
    assert b.run.pk not in ids
    client.force_login(settled["world"]["A"].users[Role.BUREAU_STAFF])
    ids = {run.pk for run in client.get(reverse("settlement:run_list") + "?status=ready").context["page_obj"]}
    assert ids == {a.draft.pk}


def test_statement_shows_only_own_hospital(client, settled):
    a = settled["A"]
    world = settled["world"]
    own = {r.pk for r in a.results if r.hospital_id == world["A"].hospitals[0].pk}
    client.force_login(world["A"].users[Role.HOSPITAL_ADMIN])
    response = client.get(reverse("settlement:statement", args=[a.run.pk]))
    assert response.context["row"].hospital_id == world["A"].hospitals[0].pk
    assert {c.pk for c in response.context["page_obj"]} == own
    # asking for another hospital's statement falls back to none of theirs: 404
    other = world["A"].hospitals[1].pk
    assert client.get(reverse("settlement:statement", args=[a.run.pk]) + f"?hospital={other}").status_code == 404
    # the case list of a hospital user holds their own cases only
    response = client.get(reverse("settlement:run_cases", args=[a.run.pk]))
    assert {c.pk for c in response.context["page_obj"]} == own
    content = response.content.decode()
    for r in a.results:
        if r.pk not in own:
            assert r.settlement_id not in content
    # the other hospital's user sees the other rows
    client.force_login(settled["other_hospital_user"])
    response = client.get(reverse("settlement:statement", args=[a.run.pk]))
    assert response.context["row"].hospital_id == other
    assert {c.pk for c in response.context["page_obj"]} == {r.pk for r in a.results if r.hospital_id == other}


def test_bureau_statement_of_any_hospital(client, settled):
    a = settled["A"]
    other = settled["world"]["A"].hospitals[1].pk
    client.force_login(settled["world"]["A"].users[Role.AUDITOR])
    response = client.get(reverse("settlement:statement", args=[a.run.pk]) + f"?hospital={other}")
    assert response.status_code == 200
    assert response.context["row"].hospital_id == other
    assert len(response.context["page_obj"]) == 2


def test_run_detail_shows_totals_hospitals_and_charts(client, settled):
    a = settled["A"]
    client.force_login(settled["world"]["A"].users[Role.BUREAU_ADMIN])
    response = client.get(reverse("settlement:run_detail", args=[a.run.pk]))
    html = response.content.decode()
    for text in ("68.5730", "1231.0000", "83413.36", "79242.69", "65374.95", "18040.42", "chart-hospitals",
                 "chart-types", "83333.33 + 1000.00", "1231.0000 = 68.5730"):
        assert text in html, text
    types = {t["type"]: t["n"] for t in response.context["types"]}
    assert types == {"normal": 4, "high": 1, "low": 1, "ungrouped": 1, "unstable": 1, "incentive": 1, "special": 1}
    assert [h.hospital.code for h in response.context["hospitals"]] == ["H3418000001", "H3418000002"]
    assert "publish-form" not in html  # published already


def test_run_cases_filters(client, settled):
    a = settled["A"]
    client.force_login(settled["world"]["A"].users[Role.BUREAU_STAFF])
    url = reverse("settlement:run_cases", args=[a.run.pk])
    assert len(client.get(url).context["page_obj"]) == 10
    assert {c.case_type for c in client.get(url + "?case_type=high").context["page_obj"]} == {"high"}
    assert len(client.get(url + "?hospital=H3418000002").context["page_obj"]) == 2
    assert len(client.get(url + "?drg=GB").context["page_obj"]) == 1


def test_coefficient_version_screen(client, settled):
    a = settled["A"]
    client.force_login(settled["world"]["A"].users[Role.BUREAU_ADMIN])
    html = client.get(reverse("settlement:coefficient_version", args=[a.coefficients.pk])).content.decode()
    assert "coef = 0.8 × LI + 0.2 × CI = 0.8 × 1.045679 + 0.2 × 1.012346 = 1.0390" in html or \
        "0.8 × 1.045679 + 0.2 × 1.012346 = 1.0390" in html
    assert "1.012346" in html and "1.045679" in html
    assert "0.8 × 0.700000 = 0.5600" in html  # the new hospital: no existing level-1 hospital, so no floor
    assert "县局备案" in html and "0.9600" in html
    assert "publish-form" not in html  # already published
    draft = client.get(reverse("settlement:coefficient_version", args=[a.coefficients_draft.pk])).content.decode()
    assert "publish-form" in draft and "coefficient_override" not in draft
    assert reverse("settlement:coefficient_override", args=[draft_row(a)]) in draft


def test_coefficient_version_hospital_user_sees_own_row(client, settled):
    a = settled["A"]
    world = settled["world"]
    client.force_login(world["A"].users[Role.HOSPITAL_STAFF])
    response = client.get(reverse("settlement:coefficient_version", args=[a.coefficients.pk]))
    assert [item["row"].hospital_id for item in response.context["rows"]] == [world["A"].hospitals[0].pk]
    assert "H3418000002" not in response.content.decode()
    csv = b"".join(client.get(reverse("settlement:coefficient_export", args=[a.coefficients.pk])).streaming_content)
    assert csv.decode("utf-8").splitlines()[1:] == ["H3418000001,3,1.0123456789012345,1.0456789012345678,1.0390,0"]


def test_coefficient_list_hides_drafts_from_hospital_users(client, settled):
    a = settled["A"]
    client.force_login(settled["world"]["A"].users[Role.HOSPITAL_ADMIN])
    ids = {v.pk for v in client.get(reverse("settlement:coefficients")).context["versions"]}
    assert ids == {a.coefficients.pk}
    client.force_login(settled["world"]["A"].users[Role.BUREAU_STAFF])
    ids = {v.pk for v in client.get(reverse("settlement:coefficients")).context["versions"]}
    assert ids == {a.coefficients.pk, a.coefficients_draft.pk}


def test_navigation_and_dashboard_widget(client, settled):
    world = settled["world"]
    client.force_login(world["A"].users[Role.HOSPITAL_ADMIN])
    html = client.get(reverse("dashboard")).content.decode()
    assert reverse("settlement:run_list") in html and reverse("settlement:coefficients") in html
    assert "68.5730" in html and "65374.95" in html  # point value and the hospital's own due
    assert "18040.42" not in html
    client.force_login(world["A"].users[Role.BUREAU_ADMIN])
    html = client.get(reverse("dashboard")).content.decode()
    assert "68.5730" in html and "65374.95" not in html
    client.force_login(world["A"].users[Role.EXPERT])
    html = client.get(reverse("dashboard")).content.decode()
    assert reverse("settlement:run_list") not in html


def test_chinese_labels(client, settled):
    client.force_login(settled["world"]["A"].users[Role.BUREAU_ADMIN])
    html = client.get(reverse("settlement:run_detail", args=[settled["A"].run.pk])).content.decode()
    assert "点值" in html and "月度预结算" in html
