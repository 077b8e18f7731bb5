"""The screens' buttons go through the engine's services: compute, override, publish, start a run."""
from __future__ import annotations

import datetime as dt
import html
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scopes_disabled

from apps.settlement.models import CaseResult, CoefficientVersion, HospitalCoefficient, HospitalResult, SettlementRun
from apps.tenants.enums import Role
from tests.settlement import conftest as engine_fixtures
from tests.settlement.conftest import add_cases, case

pytestmark = pytest.mark.django_db

# The engine tests' small world (published 2025 statistics and coefficients, base-period cases).
small = engine_fixtures.small


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_override_needs_bureau_admin_and_a_reason(client, settled):
    a = settled["A"]
    world = settled["world"]
    with scopes_disabled():
        row = HospitalCoefficient.objects.get(version=a.coefficients_draft)
    url = reverse("settlement:coefficient_override", args=[row.pk])
    client.force_login(world["A"].users[Role.BUREAU_STAFF])
    assert client.post(url, {"value": "1.1000", "reason": "x"}).status_code == 403
    client.force_login(world["A"].users[Role.HOSPITAL_ADMIN])
    assert client.post(url, {"value": "1.1000", "reason": "x"}).status_code == 404
    client.force_login(world["A"].users[Role.EXPERT])
    assert client.post(url, {"value": "1.1000", "reason": "x"}).status_code == 403
    client.force_login(world["A"].users[Role.BUREAU_ADMIN])
    response = client.post(url, {"value": "1.1000", "reason": "  "}, follow=True)
    assert any("必须填写理由" in m for m in messages_of(response))
    with scopes_disabled():
        assert HospitalCoefficient.objects.get(pk=row.pk).override is None
    response = client.post(url, {"value": "1.1000", "reason": "县医保局备案"}, follow=True)
    assert response.status_code == 200
    with scopes_disabled():
        row.refresh_from_db()
    assert row.override == Decimal("1.1000") and row.override_reason == "县医保局备案"
    assert "县医保局备案" in response.content.decode()


def test_override_on_published_version_is_refused(client, settled):
    a = settled["A"]
    with scopes_disabled():
        row = HospitalCoefficient.objects.filter(version=a.coefficients).first()
    client.force_login(settled["world"]["A"].users[Role.BUREAU_ADMIN])
    response = client.post(reverse("settlement:coefficient_override", args=[row.pk]),
                           {"value": "1.2", "reason": "x"}, follow=True)
    assert response.status_code == 200 and messages_of(response)
    with scopes_disabled():
        assert HospitalCoefficient.objects.get(pk=row.pk).override is None


def test_publish_coefficients_on_screen(client, settled):
    a = settled["A"]
    url = reverse("settlement:coefficient_publish", args=[a.coefficients_draft.pk])
    client.force_login(settled["world"]["A"].users[Role.BUREAU_STAFF])
    assert client.post(url).status_code == 403
    client.force_login(settled["world"]["A"].users[Role.BUREAU_ADMIN])
    assert client.post(url).status_code == 302
    with scopes_disabled():
        assert CoefficientVersion.objects.get(pk=a.coefficients_draft.pk).status == "published"
        assert CoefficientVersion.objects.get(pk=a.coefficients.pk).status == "superseded"


def test_compute_without_statistics_shows_the_reason(client, settled):
    client.force_login(settled["world"]["A"].users[Role.BUREAU_STAFF])
    region = settled["world"]["A"].region
    response = client.post(reverse("settlement:coefficients_compute"), {"region": region.pk, "year": 2027},
                           follow=True)
    assert response.status_code == 200 and any("2027" in m for m in messages_of(response))
    # a region the user does not act in is not a valid choice
    other = settled["world"]["B"].region
    response = client.post(reverse("settlement:coefficients_compute"), {"region": other.pk, "year": 2025},
                           follow=True)
    assert messages_of(response)
    with scopes_disabled():
        assert not CoefficientVersion.objects.filter(region=other, year=2025, number=3).exists()


def test_run_start_form_validation(client, settled):
    client.force_login(settled["world"]["A"].users[Role.BUREAU_STAFF])
    region = settled["world"]["A"].region
    response = client.post(reverse("settlement:run_start"), {"region": region.pk, "kind": "annual",
                                                             "period": "2025-03"}, follow=True)
    assert any("年度清算需填写年份" in m for m in messages_of(response))
    client.force_login(settled["world"]["A"].users[Role.HOSPITAL_ADMIN])
    assert client.post(reverse("settlement:run_start"), {"region": region.pk, "kind": "monthly",
                                                         "period": "2025-03"}).status_code == 403


def test_run_publish_on_screen(client, settled):
    a = settled["A"]
    url = reverse("settlement:run_publish", args=[a.draft.pk])
    client.force_login(settled["world"]["A"].users[Role.BUREAU_STAFF])
    assert client.post(url).status_code == 403
    client.force_login(settled["world"]["A"].users[Role.BUREAU_ADMIN])
    assert "publish-form" in client.get(reverse("settlement:run_detail", args=[a.draft.pk])).content.decode()
    client.post(url)
    with scopes_disabled():
        assert SettlementRun.objects.get(pk=a.draft.pk).status == "published"


def test_progress_fragment_polls_while_running(client, settled):
    a = settled["A"]
    with scopes_disabled():
        SettlementRun.objects.filter(pk=a.draft.pk).update(status="running", progress=40)
    client.force_login(settled["world"]["A"].users[Role.BUREAU_STAFF])
    detail = client.get(reverse("settlement:run_detail", args=[a.draft.pk])).content.decode()
    progress_url = reverse("settlement:run_progress", args=[a.draft.pk])
    assert f'hx-get="{progress_url}"' in detail and "width:40%" in detail
    fragment = client.get(progress_url, HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in fragment.headers and 'hx-trigger="every 2s"' in fragment.content.decode()
    with scopes_disabled():
        SettlementRun.objects.filter(pk=a.draft.pk).update(status="ready", progress=100)
    fragment = client.get(progress_url, HTTP_HX_REQUEST="true")
    assert fragment.headers["HX-Refresh"] == "true" and "hx-get" not in fragment.content.decode()


def test_engine_run_end_to_end_through_the_screens(client, small, tmp_path):
    """Start a real run on the screen (engine, eager task), read it, publish it, export it."""
    world = small["world"]
    h1, h2 = small["h"][0], small["h"][1]
    add_cases([case(h1, "ED11", "9000", dt.date(YEAR_, 3, 5), self_pay="500"),
               case(h1, "ED11", "30000", dt.date(YEAR_, 3, 6), self_pay="900"),
               case(h1, "ED11", "1000", dt.date(YEAR_, 3, 7)),
               case(h2, "EB19", "12000", dt.date(YEAR_, 3, 8)),
               case(h2, "", "6000", dt.date(YEAR_, 3, 9))])
    client.force_login(world["A"].users[Role.BUREAU_STAFF])
    response = client.post(reverse("settlement:run_start"), {"region": small["region"].pk, "kind": "monthly",
                                                             "period": f"{YEAR_}-03"})
    assert response.status_code == 302, messages_of(response)
    with scopes_disabled():
        run = SettlementRun.objects.get(region=small["region"], kind="monthly", period=f"{YEAR_}-03")
        results = list(CaseResult.objects.filter(run=run))
        hospitals = list(HospitalResult.objects.filter(run=run))
    assert response.url == reverse("settlement:run_detail", args=[run.pk])
    assert run.status == "ready", run.error
    detail = client.get(response.url).content.decode()
    assert str(run.point_value) in detail
    assert {r.case_type for r in results} >= {"normal", "high", "low", "unstable", "ungrouped"}
    for result in results:
        page = html.unescape(client.get(reverse("settlement:case_result", args=[result.pk])).content.decode())
        assert f"= {result.adjusted_points}" in page and str(result.total_cost) in page
    client.force_login(world["A"].users[Role.BUREAU_ADMIN])
    client.post(reverse("settlement:run_publish", args=[run.pk]))
    client.force_login(world["A"].users[Role.HOSPITAL_ADMIN])
    statement = client.get(reverse("settlement:statement", args=[run.pk]))
    assert statement.context["row"].hospital_id == h1.pk
    assert {c.hospital_id for c in statement.context["page_obj"]} == {h1.pk}
    out = io.StringIO()
    call_command("export_settlement", "--run", str(run.pk), "--cases", str(tmp_path / "c.csv"),
                 "--hospitals", str(tmp_path / "h.csv"), stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["cases"] == len(results) and summary["hospitals"] == len(hospitals)


YEAR_ = 2025


def test_compute_coefficients_on_screen_with_the_engine(client, small):
    world = small["world"]
    client.force_login(world["A"].users[Role.BUREAU_STAFF])
    response = client.post(reverse("settlement:coefficients_compute"), {"region": small["region"].pk, "year": YEAR_})
    assert response.status_code == 302
    with scopes_disabled():
        version = CoefficientVersion.objects.filter(region=small["region"], year=YEAR_).order_by("-number").first()
        n_rows = version.rows.count()
    assert response.url == reverse("settlement:coefficient_version", args=[version.pk])
    assert version.number == 2 and version.status == "ready", version.error
    page = client.get(response.url)
    assert len(page.context["rows"]) == n_rows == 5
    html_text = html.unescape(page.content.decode())
    assert "0.8 × 1.113333 + 0.2 × 1.113333 = 1.1133" in html_text  # h1 of the engine's hand-checked world
    assert "max(0.8 × 1.113333, 1.1133) = 1.1133" in html_text  # h4: a new level-3 hospital
