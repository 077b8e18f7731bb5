"""Hospital screens: role matrix, scope (404 outside), list contents, export, create/edit, import flow."""
from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from apps.core.models import AuditEvent
from apps.hospitals.models import Hospital
from apps.tenants.enums import Role

from .helpers import csv_bytes

ROLES = [Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.AUDITOR, Role.EXPERT, Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF]
EVERYONE = [*ROLES, "supervisor", "platform_admin"]
MANAGERS = {Role.BUREAU_ADMIN, "platform_admin"}


def client_for(world, who: str) -> Client:
    user = world[who] if who in ("supervisor", "platform_admin") else world["A"].users[who]
    client = Client()
    client.force_login(user)
    return client


def listed_codes(response) -> set[str]:
    return set(re.findall(r'data-code="([^"]+)"', response.content.decode()))


@pytest.mark.django_db
@pytest.mark.parametrize("who", EVERYONE)
def test_role_matrix(world, who):
    client = client_for(world, who)
    pk = world["A"].hospital.pk
    assert client.get(reverse("hospitals:list")).status_code == 200
    assert client.get(reverse("hospitals:detail", args=[pk])).status_code == 200
    assert client.get(reverse("hospitals:export") + "?format=csv").status_code == 200
    assert client.get(reverse("hospitals:export") + "?format=xlsx").status_code == 200
    expected = 200 if who in MANAGERS else 403
    assert client.get(reverse("hospitals:create")).status_code == expected
    assert client.get(reverse("hospitals:edit", args=[pk])).status_code == expected
    assert client.get(reverse("hospitals:import")).status_code == expected
    posted = client.post(reverse("hospitals:edit", args=[pk]), {"code": "H3418000001", "name": "x", "level": 3,
                                                                 "grade": "甲", "type": "general", "reason": "r"})
    assert posted.status_code == (302 if who in MANAGERS else 403)


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(world):
    response = Client().get(reverse("hospitals:list"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("who, expected", [
    (Role.BUREAU_ADMIN, "A"), (Role.BUREAU_STAFF, "A"), (Role.AUDITOR, "A"), (Role.EXPERT, "A"),
    (Role.HOSPITAL_ADMIN, "own"), (Role.HOSPITAL_STAFF, "own"), ("supervisor", "AB"), ("platform_admin", "ABC"),
])
def test_list_and_export_show_exactly_the_callers_rows(world, who, expected):
    want = {world["A"].hospital.code} if expected == "own" else {h.code for r in expected for h in world[r].hospitals}
    client = client_for(world, who)
    assert listed_codes(client.get(reverse("hospitals:list"))) == want
    exported = client.get(reverse("hospitals:export") + "?format=csv").content.decode("utf-8-sig").splitlines()
    assert exported[0] == "code,name,level,grade,type,drg_enabled_from"
    assert {line.split(",")[0] for line in exported[1:]} == want
    workbook = load_workbook(io.BytesIO(client.get(reverse("hospitals:export") + "?format=xlsx").content))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == ["code", "name", "level", "grade", "type", "drg_enabled_from"]
    assert {r[0] for r in rows[1:]} == want


@pytest.mark.django_db
def test_list_filters_and_export_follow_them(world):
    client = client_for(world, "platform_admin")
    b = world["B"].region
    assert listed_codes(client.get(reverse("hospitals:list"), {"region": b.pk})) == {h.code for h in world["B"].hospitals}
    assert listed_codes(client.get(reverse("hospitals:list"), {"region": b.pk, "level": 2})) == {"H3401000002"}
    assert listed_codes(client.get(reverse("hospitals:list"), {"region": b.pk, "grade": "未定级"})) == {"H3401000003"}
    assert listed_codes(client.get(reverse("hospitals:list"), {"region": b.pk, "type": "primary"})) == {"H3401000003"}
    assert listed_codes(client.get(reverse("hospitals:list"), {"region": b.pk, "drg_enabled": "true"})) == {
        "H3401000001", "H3401000002"}
    assert listed_codes(client.get(reverse("hospitals:list"), {"q": "合肥中医"})) == {"H3401000002"}
    assert listed_codes(client.get(reverse("hospitals:list"), {"q": "h3209000001"})) == {"H3209000001"}
    assert listed_codes(client.get(reverse("hospitals:list"), {"active": "false"})) == set()
    exported = client.get(reverse("hospitals:export"), {"format": "csv", "region": b.pk, "level": 2})
    assert exported.content.decode("utf-8-sig").splitlines()[1:] == ["H3401000002,合肥中医院,2,甲,tcm,2024-01-01"]
    assert client.get(reverse("hospitals:export"), {"format": "pdf"}).status_code == 404


@pytest.mark.django_db
def test_region_filter_ignores_regions_outside_scope(world):
    client = client_for(world, Role.BUREAU_ADMIN)
    response = client.get(reverse("hospitals:list"), {"region": world["B"].region.pk})
    assert not listed_codes(response) & {h.code for h in world["B"].hospitals}


@pytest.mark.django_db
def test_pagination(world):
    with scopes_disabled():
        region = world["A"].region
        Hospital.objects.bulk_create([Hospital(region=region, code=f"P{i:05d}", name=f"医院{i}", level=1)
                                      for i in range(60)])
    client = client_for(world, Role.BUREAU_ADMIN)
    first = client.get(reverse("hospitals:list"))
    second = client.get(reverse("hospitals:list"), {"page": 2})
    assert len(listed_codes(first)) == 50 and len(listed_codes(second)) == 13
    assert "page=2" in first.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ROLES)
def test_other_region_is_404(world, who):
    client = client_for(world, who)
    pk = world["B"].hospital.pk
    assert client.get(reverse("hospitals:detail", args=[pk])).status_code == 404
    assert client.get(reverse("hospitals:edit", args=[pk])).status_code == 404
    assert client.post(reverse("hospitals:edit", args=[pk]), {"name": "x"}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("who", [Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF])
def test_hospital_roles_see_only_their_hospital(world, who):
    pk = world["A"].hospitals[1].pk
    assert client_for(world, who).get(reverse("hospitals:detail", args=[pk])).status_code == 404


@pytest.mark.django_db
def test_detail_shows_history_to_auditors_not_to_hospitals(world):
    hospital = world["A"].hospital
    admin = client_for(world, Role.BUREAU_ADMIN)
    admin.post(reverse("hospitals:edit", args=[hospital.pk]), {
        "code": hospital.code, "name": "宣城市第一人民医院", "level": 3, "grade": "甲", "type": "general",
        "drg_enabled_from": "2024-01-01", "active": "on", "reason": "更名批复 2026-11"})
    page = client_for(world, Role.AUDITOR).get(reverse("hospitals:detail", args=[hospital.pk])).content.decode()
    assert "更名批复 2026-11" in page and "hospital.update" in page and 'id="history-records"' in page
    assert "宣城第一人民医院 → 宣城市第一人民医院" in page
    own = client_for(world, Role.HOSPITAL_STAFF).get(reverse("hospitals:detail", args=[hospital.pk])).content.decode()
    assert "宣城市第一人民医院" in own and "更名批复" not in own


@pytest.mark.django_db
def test_create_through_the_form(world):
    client = client_for(world, Role.BUREAU_ADMIN)
    data = {"code": "H34180288001", "name": "新建医院", "level": 2, "grade": "乙", "type": "specialty",
            "drg_enabled_from": "2025-07-01", "region": world["A"].region.pk}
    response = client.post(reverse("hospitals:create"), data)
    with scopes_disabled():
        hospital = Hospital.objects.get(code="H34180288001")
        assert AuditEvent.objects.filter(action="hospital.create", object_id=str(hospital.pk)).exists()
    assert response.status_code == 302 and response["Location"] == reverse("hospitals:detail", args=[hospital.pk])
    assert hospital.region_id == world["A"].region.pk and hospital.type == "specialty"
    again = client.post(reverse("hospitals:create"), data)
    assert again.status_code == 200 and "H34180288001" in again.content.decode()  # duplicate code: form error
    bad = client.post(reverse("hospitals:create"), {**data, "code": "H-1", "level": 9})
    assert bad.status_code == 200 and set(bad.context["form"].errors) == {"code", "level"}


@pytest.mark.django_db
def test_bureau_admin_cannot_create_in_another_region(world):
    client = client_for(world, Role.BUREAU_ADMIN)
    response = client.post(reverse("hospitals:create"), {
        "code": "H34010088001", "name": "越权医院", "level": 2, "grade": "乙", "type": "general",
        "region": world["B"].region.pk})
    assert response.status_code == 200 and "region" in response.context["form"].errors
    with scopes_disabled():
        assert not Hospital.objects.filter(code="H34010088001").exists()


@pytest.mark.django_db
def test_edit_requires_reason_and_records_it(world):
    hospital = world["A"].hospitals[2]
    client = client_for(world, Role.BUREAU_ADMIN)
    data = {"code": hospital.code, "name": hospital.name, "level": 1, "grade": "未定级", "type": "primary",
            "drg_enabled_from": "2025-01-01", "active": "on"}
    assert "reason" in client.post(reverse("hospitals:edit", args=[hospital.pk]), data).context["form"].errors
    response = client.post(reverse("hospitals:edit", args=[hospital.pk]), {**data, "reason": "纳入 DRG 付费"})
    assert response.status_code == 302
    with scopes_disabled():
        event = AuditEvent.objects.get(action="hospital.update", object_id=str(hospital.pk))
        assert Hospital.objects.get(pk=hospital.pk).drg_enabled_from.isoformat() == "2025-01-01"
    assert event.reason == "纳入 DRG 付费" and event.new == {"drg_enabled_from": "2025-01-01"}


@pytest.mark.django_db
def test_import_flow_preview_confirm_and_error_report(world):
    client = client_for(world, Role.BUREAU_ADMIN)
    data = csv_bytes("H3418000001,宣城第一人民医院,3,甲,general,2024-01-01",  # unchanged
                     "H3418000002,宣城市中医院,2,甲,tcm,2024-01-01",  # update (name)
                     "H34180277001,新医院,2,乙,general,",  # create
                     "H34180277002,坏医院,4,乙,general,")  # rejected
    upload = SimpleUploadedFile("../../etc/passwd.csv", data, content_type="text/csv")
    preview = client.post(reverse("hospitals:import"), {"region": world["A"].region.pk, "file": upload})
    assert preview.status_code == 200
    report = preview.context["report"]
    assert [r.action for r in report.rows] == ["unchanged", "update", "create", "rejected"]
    body = preview.content.decode()
    assert "invalid_choice" in body and 'id="confirm-import"' in body
    token = preview.context["token"]
    stored = settings.PRIVATE_MEDIA_ROOT / "imports" / token / "upload"
    assert stored.read_bytes() == data
    with scopes_disabled():
        assert not Hospital.objects.filter(code="H34180277001").exists()
    # another session (even of a bureau admin of the region) does not know the upload
    other = Client()
    other.force_login(world["A"].users[Role.BUREAU_ADMIN])
    assert other.post(reverse("hospitals:import_confirm"), {"token": token}).status_code == 404
    assert other.get(reverse("hospitals:import_errors", args=[token])).status_code == 404
    result = client.post(reverse("hospitals:import_confirm"), {"token": token})
    assert result.status_code == 200 and result.context["confirmed"]
    assert result.context["report"].summary() == {"dry_run": False, "created": 1, "updated": 1, "unchanged": 1,
                                                  "rejected": 1}
    assert not stored.exists()
    with scopes_disabled():
        assert Hospital.objects.get(code="H3418000002").name == "宣城市中医院"
        assert Hospital.objects.filter(code="H34180277001", region=world["A"].region).exists()
    errors = client.get(reverse("hospitals:import_errors", args=[token]))
    lines = b"".join(errors.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "row,code,field,error_code,message"
    assert lines[1].startswith("5,H34180277002,level,invalid_choice,")
    # confirming twice does not import twice
    again = client.post(reverse("hospitals:import_confirm"), {"token": token})
    assert again.status_code == 302


@pytest.mark.django_db
def test_import_wrong_columns_shows_form_error(world):
    client = client_for(world, Role.BUREAU_ADMIN)
    upload = SimpleUploadedFile("h.csv", csv_bytes("x", header="编码,foo"))
    response = client.post(reverse("hospitals:import"), {"region": world["A"].region.pk, "file": upload})
    assert response.status_code == 200 and "foo" in str(response.context["form"].errors["file"])
    assert not (settings.PRIVATE_MEDIA_ROOT / "imports").exists() or "token" not in response.context


@pytest.mark.django_db
def test_import_cancel_removes_the_upload(world):
    client = client_for(world, Role.BUREAU_ADMIN)
    upload = SimpleUploadedFile("h.csv", csv_bytes("H34180277101,医院,2,乙,general,"))
    token = client.post(reverse("hospitals:import"), {"region": world["A"].region.pk, "file": upload}).context["token"]
    assert client.post(reverse("hospitals:import_cancel"), {"token": token}).status_code == 302
    assert not (settings.PRIVATE_MEDIA_ROOT / "imports" / token).exists()
    assert client.post(reverse("hospitals:import_confirm"), {"token": token}).status_code == 404


@pytest.mark.django_db
def test_bad_tokens_are_404(world):
    client = client_for(world, Role.BUREAU_ADMIN)
    assert client.post(reverse("hospitals:import_confirm"), {"token": "../../x"}).status_code == 404
    assert client.get(reverse("hospitals:import_errors", args=["0" * 32])).status_code == 404


@pytest.mark.django_db
def test_a_session_keeps_only_its_latest_uploads(world):
    client = client_for(world, Role.BUREAU_ADMIN)
    tokens = []
    for i in range(12):
        upload = SimpleUploadedFile("h.csv", csv_bytes(f"H341802661{i:02d},医院,2,乙,general,"))
        tokens.append(client.post(reverse("hospitals:import"), {"region": world["A"].region.pk, "file": upload})
                      .context["token"])
    assert not (settings.PRIVATE_MEDIA_ROOT / "imports" / tokens[0]).exists()
    assert client.post(reverse("hospitals:import_confirm"), {"token": tokens[0]}).status_code == 404
    assert client.post(reverse("hospitals:import_confirm"), {"token": tokens[-1]}).status_code == 200
