"""API flow (202, poll, errors CSV), screens, and tenant isolation: region B never leaks to A."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled

from apps.cases.models import Case, ImportJob
from apps.cases.services import case_import_start
from apps.tenants.enums import Role
from tests.conftest import PASSWORD

from .helpers import csv_bytes, read_errors, row


@pytest.fixture
def loaded(cworld):
    """Region A: 3 cases (2 at hospital 0, 1 at hospital 1); region B: 2 cases and its own import."""
    a, b = cworld["A"], cworld["B"]
    with scopes_disabled():
        case_import_start(actor=a.users[Role.BUREAU_ADMIN], region=a.region, filename="a.csv", data=csv_bytes([
            row(1), row(2), row(3, hospital_code=a.hospitals[1].code, drg_code="", admission_date="2024-12-20",
                               discharge_date="2024-12-31", los_days="11")]))
        b_rows = [row(n, settlement_id=f"B{n}", hospital_code=b.hospitals[0].code) for n in (1, 2)]
        job_b = case_import_start(actor=b.users[Role.BUREAU_ADMIN], region=b.region, filename="b.csv", data=csv_bytes(b_rows))
        case_b = Case.objects.filter(region=b.region).first()
    return {"A": a, "B": b, "job_b": job_b, "case_b": case_b}


def test_api_import_flow(cworld, api):
    a = cworld["A"]
    client = api(a.users[Role.BUREAU_STAFF])
    upload = SimpleUploadedFile("cases.csv", csv_bytes([row(1), row(2, gender="5")]), content_type="text/csv")
    resp = client.post(f"/api/v1/regions/{a.region.code}/cases/import/", {"file": upload}, format="multipart")
    assert resp.status_code == 202, resp.content
    import_id = resp.json()["import_id"]
    status = client.get(f"/api/v1/imports/{import_id}/").json()
    assert {k: status[k] for k in ("status", "progress", "total", "created", "updated", "rejected")} == {
        "status": "ready", "progress": 100, "total": 2, "created": 1, "updated": 0, "rejected": 1}
    errors = client.get(status["errors_url"])
    assert errors.status_code == 200
    body = b"".join(errors.streaming_content).decode("utf-8")
    assert [(e["row"], e["settlement_id"], e["field"], e["code"]) for e in read_errors(body)] == [("3", "S00002", "gender", "invalid_choice")]


def test_api_rejects_other_region_and_expert(cworld, api):
    a, b = cworld["A"], cworld["B"]
    upload = SimpleUploadedFile("cases.csv", csv_bytes([row(1)]), content_type="text/csv")
    assert api(a.users[Role.BUREAU_ADMIN]).post(f"/api/v1/regions/{b.region.code}/cases/import/", {"file": upload}).status_code == 404
    upload = SimpleUploadedFile("cases.csv", csv_bytes([row(1)]), content_type="text/csv")
    resp = api(a.users[Role.EXPERT]).post(f"/api/v1/regions/{a.region.code}/cases/import/", {"file": upload})
    assert resp.status_code == 403 and resp.json()["code"] == "permission_denied"
    upload = SimpleUploadedFile("cases.exe", b"MZ\x00\x00", content_type="application/octet-stream")
    resp = api(a.users[Role.BUREAU_ADMIN]).post(f"/api/v1/regions/{a.region.code}/cases/import/", {"file": upload})
    assert resp.status_code == 400 and resp.json()["code"] == "validation_error"


def test_api_case_list_filters_and_scoping(loaded, api):
    a, b = loaded["A"], loaded["B"]
    client = api(a.users[Role.BUREAU_ADMIN])
    data = client.get("/api/v1/cases/").json()
    assert data["count"] == 3 and {c["settlement_id"] for c in data["results"]} == {"S00001", "S00002", "S00003"}
    assert client.get("/api/v1/cases/", {"period": "2024"}).json()["count"] == 1
    assert client.get("/api/v1/cases/", {"period": "2025-03", "hospital": a.hospitals[0].code}).json()["count"] == 2
    assert client.get("/api/v1/cases/", {"region": b.region.code}).json()["count"] == 0
    assert client.get(f"/api/v1/cases/{loaded['case_b'].pk}/").status_code == 404
    assert client.get(f"/api/v1/imports/{loaded['job_b'].pk}/").status_code == 404
    assert client.get(f"/api/v1/imports/{loaded['job_b'].pk}/errors/").status_code == 404
    hospital = api(a.users[Role.HOSPITAL_STAFF]).get("/api/v1/cases/").json()
    assert {c["settlement_id"] for c in hospital["results"]} == {"S00001", "S00002"}
    assert api(a.users[Role.EXPERT]).get("/api/v1/cases/").json()["count"] == 0
    supervisor = api(loaded["A"].users[Role.AUDITOR]).get("/api/v1/cases/").json()
    assert supervisor["count"] == 3


def test_screens_list_detail_and_scoping(loaded, client):
    a = loaded["A"]
    client.login(username=a.users[Role.HOSPITAL_ADMIN].username, password=PASSWORD)
    page = client.get(reverse("cases:list"))
    assert page.status_code == 200
    assert b"S00001" in page.content and b"S00003" not in page.content and b"B1" not in page.content
    with scopes_disabled():
        own = Case.objects.get(region=a.region, settlement_id="S00001")
        other_hospital = Case.objects.get(region=a.region, settlement_id="S00003")
    assert client.get(reverse("cases:detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("cases:detail", args=[other_hospital.pk])).status_code == 404
    assert client.get(reverse("cases:detail", args=[loaded["case_b"].pk])).status_code == 404
    assert client.get(reverse("cases:import_detail", args=[loaded["job_b"].pk])).status_code == 404
    assert client.get(reverse("cases:import_errors", args=[loaded["job_b"].pk])).status_code == 404
    client.logout()
    client.login(username=a.users[Role.BUREAU_STAFF].username, password=PASSWORD)
    filtered = client.get(reverse("cases:list"), {"period": "2024", "q": "S00003"})
    assert b"S00003" in filtered.content and b"S00001" not in filtered.content
    assert client.get(reverse("cases:detail", args=[other_hospital.pk])).status_code == 200
    assert client.get(reverse("cases:import_list")).status_code == 200
    assert client.get(reverse("dashboard")).status_code == 200


def test_screen_upload_preview_confirm(cworld, client):
    a = cworld["A"]
    client.login(username=a.users[Role.BUREAU_ADMIN].username, password=PASSWORD)
    assert client.get(reverse("cases:import_upload")).status_code == 200
    upload = SimpleUploadedFile("cases.csv", csv_bytes([row(1), row(2, los_days="30")]), content_type="text/csv")
    resp = client.post(reverse("cases:import_upload"), {"region": a.region.pk, "file": upload})
    assert resp.status_code == 302
    with scopes_disabled():
        preview = ImportJob.objects.get()
        assert preview.dry_run and Case.objects.count() == 0
    page = client.get(resp["Location"])
    assert b"confirm-import" in page.content and b"los_mismatch" in page.content
    resp = client.post(reverse("cases:import_confirm", args=[preview.pk]))
    assert resp.status_code == 302
    with scopes_disabled():
        assert Case.objects.count() == 1
    status = client.get(resp["Location"].rstrip("/") + "/status/")
    assert b"import-result" in status.content
    assert client.get(reverse("cases:import_errors", args=[preview.pk])).status_code == 200


def test_expert_sees_no_cases(loaded, client):
    a = loaded["A"]
    client.login(username=a.users[Role.EXPERT].username, password=PASSWORD)
    assert client.get(reverse("cases:list")).status_code == 403
    assert client.get(reverse("cases:import_upload")).status_code == 403
