"""Every upload path: allow-list by content (not by name), size limits with a clear error, random stored names
inside PRIVATE_MEDIA_ROOT (outside the web root), client file names never used as paths, downloads only through
scoped views."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import get_resolver
from django_scopes import scopes_disabled

from apps.tenants.enums import Role
from tests.applications.conftest import PDF, build_app_region, make
from tests.cases.helpers import csv_bytes as cases_csv
from tests.cases.helpers import row as case_row
from tests.hospitals.helpers import csv_bytes as hospitals_csv

pytestmark = pytest.mark.django_db

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 4  # a PE header
ZIP_NOT_XLSX = b"PK\x03\x04" + b"\x14\x00" * 40
TRAVERSAL = "../../../../etc/cron.d/evil"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT.mkdir()
    return settings.PRIVATE_MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def escaped(root: Path) -> list[Path]:
    """Files a traversal name could have created next to the private root."""
    return [p for p in root.parent.rglob("*") if p.is_file() and root not in p.parents]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# -- storage is outside the web root ---------------------------------------------------------------------------------

def test_private_files_are_outside_every_served_directory():
    private = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    served = [Path(settings.STATIC_ROOT).resolve(), *[Path(d).resolve() for d in settings.STATICFILES_DIRS]]
    for directory in served:
        assert directory not in private.parents and private != directory
    assert not getattr(settings, "MEDIA_URL", "").strip("/")  # no public media URL at all
    patterns = [str(p.pattern) for p in get_resolver().url_patterns]
    assert not any("media" in p or "private" in p for p in patterns)


def test_a_private_path_is_not_reachable_by_url(world):
    client = logged_in(world["A"].users[Role.BUREAU_ADMIN])
    for url in ("/var/private/applications/x.pdf", "/static/../var/private/x", "/media/applications/x.pdf"):
        assert client.get(url).status_code == 404


# -- hospitals list import (web + API) ---------------------------------------------------------------------------------

def test_hospital_import_refuses_an_exe_renamed_csv_or_xlsx(world, api, private_media):
    a = world["A"]
    client = logged_in(a.users[Role.BUREAU_ADMIN])
    for name in ("hospitals.csv", "hospitals.xlsx"):
        response = client.post("/hospitals/import/", {"region": a.region.pk, "file": SimpleUploadedFile(name, EXE)})
        assert response.status_code == 200 and response.context["form"].errors.get("file"), name
    bad_zip = client.post("/hospitals/import/", {"region": a.region.pk,
                                                  "file": SimpleUploadedFile("h.xlsx", ZIP_NOT_XLSX)})
    assert bad_zip.context["form"].errors.get("file")
    response = api(a.users[Role.BUREAU_ADMIN]).post(f"/api/v1/regions/{a.region.code}/hospitals/import/",
                                                    {"file": SimpleUploadedFile("h.csv", EXE)}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "validation_error"
    assert stored_files(private_media) == []


def test_hospital_import_refuses_an_oversized_file_with_the_limit_in_the_message(world, api, private_media):
    from apps.hospitals.resources import MAX_FILE_BYTES

    a = world["A"]
    big = hospitals_csv("H1,医院,3,甲,general,2024-01-01") + b"#" * MAX_FILE_BYTES
    client = logged_in(a.users[Role.BUREAU_ADMIN])
    response = client.post("/hospitals/import/", {"region": a.region.pk, "file": SimpleUploadedFile("h.csv", big)})
    assert "5 MB" in " ".join(response.context["form"].errors["file"])
    response = api(a.users[Role.BUREAU_ADMIN]).post(f"/api/v1/regions/{a.region.code}/hospitals/import/",
                                                    {"file": SimpleUploadedFile("h.csv", big)}, format="multipart")
    assert response.status_code == 400 and "5 MB" in response.json()["detail"]
    assert stored_files(private_media) == []


def test_hospital_import_never_uses_the_client_file_name_as_a_path(world, private_media):
    a = world["A"]
    client = logged_in(a.users[Role.BUREAU_ADMIN])
    good = hospitals_csv(f"H{a.region.code}9001,新医院,2,甲,general,2024-01-01")
    response = client.post("/hospitals/import/", {"region": a.region.pk,
                                                  "file": SimpleUploadedFile(TRAVERSAL + ".csv", good)})
    assert response.status_code == 200 and response.context["token"]
    token = response.context["token"]
    assert response.context["filename"] == "evil.csv"
    files = stored_files(private_media)
    assert files and all(f.parent.name == token and f.name in ("upload", "errors.csv") for f in files)
    assert escaped(private_media) == []
    # the error report is this session's only: another bureau admin of the same region gets 404
    assert client.get(f"/hospitals/import/{token}/errors.csv").status_code == 200
    other = logged_in(world["platform_admin"])
    assert other.get(f"/hospitals/import/{token}/errors.csv").status_code == 404
    assert other.get("/hospitals/import/..%2F..%2Fetc/errors.csv").status_code == 404


# -- settlement-list (cases) import ------------------------------------------------------------------------------------

def _case_upload(api_client, region, name: str, data: bytes):
    return api_client.post(f"/api/v1/regions/{region.code}/cases/import/",
                           {"file": SimpleUploadedFile(name, data), "dry_run": True}, format="multipart")


def test_case_import_refuses_by_content_and_by_kind(world, api, private_media):
    a = world["A"]
    client = api(a.users[Role.BUREAU_STAFF])
    for name, data in (("list.csv", EXE), ("list.xlsx", EXE), ("list.exe", cases_csv([case_row()])),
                       ("list.csv", b"")):
        response = _case_upload(client, a.region, name, data)
        assert response.status_code == 400 and response.json()["code"] == "validation_error", (name, response.content)
    assert stored_files(private_media) == []


def test_case_import_refuses_an_oversized_file_and_keeps_nothing(world, api, private_media, monkeypatch):
    import apps.cases.services as case_services

    monkeypatch.setattr(case_services, "MAX_UPLOAD_BYTES", 1024 * 1024)
    a = world["A"]
    data = cases_csv([case_row(n) for n in range(1, 4)]) + b"\n" * (1024 * 1024)
    response = _case_upload(api(a.users[Role.BUREAU_STAFF]), a.region, "list.csv", data)
    assert response.status_code == 400 and "1 MB" in response.json()["detail"]
    web = logged_in(a.users[Role.BUREAU_STAFF]).post("/cases/imports/new/", {
        "region": a.region.pk, "file": SimpleUploadedFile("list.csv", data)})
    assert "1 MB" in " ".join(web.context["form"].errors["file"])
    assert stored_files(private_media) == []


def test_case_import_stores_under_a_random_name_and_serves_errors_in_scope_only(world, api, private_media):
    from apps.cases.models import ImportJob

    a, b = world["A"], world["B"]
    response = _case_upload(api(a.users[Role.BUREAU_STAFF]), a.region, TRAVERSAL + ".csv",
                            cases_csv([case_row(1), case_row(2, age="abc")]))
    assert response.status_code == 202, response.content
    with scopes_disabled():
        job = ImportJob.objects.get(pk=response.json()["import_id"])
    stored = Path(job.stored_file)
    assert stored.parts[0] == "case_imports" and stored.parts[1] == a.region.code
    assert len(stored.stem) == 32 and "evil" not in str(stored) and ".." not in stored.parts
    assert escaped(private_media) == []
    if job.error_file:
        assert api(a.users[Role.BUREAU_STAFF]).get(f"/api/v1/imports/{job.pk}/errors/").status_code == 200
    assert api(b.users[Role.BUREAU_STAFF]).get(f"/api/v1/imports/{job.pk}/errors/").status_code == 404
    assert logged_in(b.users[Role.BUREAU_ADMIN]).get(f"/cases/imports/{job.pk}/errors.csv").status_code == 404


# -- group catalogue import -------------------------------------------------------------------------------------------

def test_catalogue_import_refuses_by_content_and_size(world, api):
    a = world["A"]
    client = api(a.users[Role.BUREAU_ADMIN])
    url = f"/api/v1/regions/{a.region.code}/catalogues/sec-test/import/"
    for name, data in (("groups.csv", EXE), ("groups.xlsx", EXE), ("groups.xlsx", ZIP_NOT_XLSX)):
        response = client.post(url, {"file": SimpleUploadedFile(name, data)}, format="multipart")
        assert response.status_code == 400 and response.json()["code"] == "validation_error", (name, response.content)
    big = b"code,name\n" + b"#" * (10 * 1024 * 1024 + 1)
    response = client.post(url, {"file": SimpleUploadedFile("groups.csv", big)}, format="multipart")
    assert response.status_code == 400 and "10 MB" in response.json()["detail"]
    web = logged_in(a.users[Role.BUREAU_ADMIN]).post(f"/groups/regions/{a.region.code}/import/", {
        "version": "sec-test", "file": SimpleUploadedFile("groups.csv", big)}, follow=True)
    assert "10 MB" in web.content.decode()


# -- application attachments ------------------------------------------------------------------------------------------

@pytest.fixture
def app_world(world):
    return {"A": build_app_region(world["A"], n_cases=2), "B": build_app_region(world["B"], n_cases=1)}


def _attach(client, app, name: str, data: bytes, kind: str = "medical_record_summary"):
    return client.post(f"/api/v1/applications/{app.pk}/attachments/", {"file": SimpleUploadedFile(name, data),
                                                                       "kind": kind}, format="multipart")


def test_attachment_refuses_an_exe_renamed_pdf_and_an_oversized_file(app_world, api, private_media):
    a = app_world["A"]
    app = make(a)
    client = api(a.user(Role.HOSPITAL_STAFF))
    refused = _attach(client, app, "summary.pdf", EXE)
    assert refused.status_code == 400 and refused.json()["code"] == "validation_error"
    big = _attach(client, app, "summary.pdf", PDF + b"0" * (10 * 1024 * 1024))
    assert big.status_code == 400 and "10 MB" in big.json()["detail"]
    assert stored_files(private_media) == []


def test_attachment_name_is_neutralised_and_download_is_scoped(app_world, api, private_media):
    a, b = app_world["A"], app_world["B"]
    app = make(a)
    response = _attach(api(a.user(Role.HOSPITAL_STAFF)), app, TRAVERSAL + ".pdf", PDF)
    assert response.status_code == 201, response.content
    body = response.json()
    assert "/" not in body["original_name"] and "\\" not in body["original_name"]
    files = stored_files(private_media)
    assert len(files) == 1 and files[0].parent == private_media / "applications"
    assert len(files[0].stem) == 32 and files[0].suffix == ".pdf"
    assert escaped(private_media) == []
    url = f"/applications/attachments/{body['id']}/"
    own = logged_in(a.user(Role.HOSPITAL_STAFF)).get(url)
    assert own.status_code == 200 and b"".join(own.streaming_content) == PDF
    assert "attachment" in own["Content-Disposition"] and "/" not in own["Content-Disposition"].split("filename")[-1]
    assert own["Content-Type"] == "application/pdf" and own["X-Content-Type-Options"] == "nosniff"
    assert logged_in(b.user(Role.HOSPITAL_STAFF)).get(url).status_code == 404
    assert logged_in(b.user(Role.BUREAU_ADMIN)).get(url).status_code == 404


def test_file_reads_stay_inside_the_private_root(private_media):
    from apps.cases.services import private_path
    from apps.core.errors import NotFound

    with pytest.raises(NotFound):
        private_path("../../etc/passwd")
    with pytest.raises(NotFound):
        private_path("/etc/passwd")
    assert private_path("case_imports/x.csv").is_relative_to(Path(private_media).resolve())


def test_uploads_are_not_kept_in_memory_beyond_the_limit():
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 10 * 1024 * 1024
    assert settings.FILE_UPLOAD_PERMISSIONS == 0o640


# -- dispute attachments and training materials (same rules, their own folders) ----------------------------------------

def test_dispute_attachment_rules(world, private_media):
    from apps.core.errors import ValidationFailed
    from apps.disputes import services as dispute_services
    from tests.disputes.conftest import build_dispute_region
    from tests.disputes.conftest import make as make_dispute

    a, b = build_dispute_region(world["A"]), build_dispute_region(world["B"])
    dispute = make_dispute(a)
    staff = a.user(Role.HOSPITAL_STAFF)
    with scopes_disabled():
        for name, data in (("evidence.pdf", EXE), ("evidence.pdf", PDF + b"0" * (10 * 1024 * 1024))):
            with pytest.raises(ValidationFailed):
                dispute_services.attachment_add(actor=staff, dispute=dispute, upload=SimpleUploadedFile(name, data))
        assert stored_files(private_media) == []
        attachment = dispute_services.attachment_add(actor=staff, dispute=dispute,
                                                     upload=SimpleUploadedFile(TRAVERSAL + ".pdf", PDF))
    assert "/" not in attachment.original_name and len(Path(attachment.stored_name).stem) == 32
    assert stored_files(private_media) == [private_media / "disputes" / attachment.stored_name]
    assert escaped(private_media) == []
    url = f"/disputes/attachments/{attachment.pk}/"
    assert logged_in(staff).get(url).status_code == 200
    assert logged_in(b.user(Role.HOSPITAL_STAFF)).get(url).status_code == 404
    assert logged_in(b.user(Role.BUREAU_ADMIN)).get(url).status_code == 404


def test_training_material_rules(world, private_media):
    from apps.core.errors import ValidationFailed
    from apps.training import services as training_services
    from tests.training.conftest import make_course

    course = make_course(world["A"])
    admin = world["A"].users[Role.BUREAU_ADMIN]
    with scopes_disabled():
        for name, data in (("slides.pdf", EXE), ("slides.pptx", EXE),
                           ("slides.pdf", PDF + b"0" * (20 * 1024 * 1024))):
            with pytest.raises(ValidationFailed):
                training_services.material_add(actor=admin, course=course, upload=SimpleUploadedFile(name, data))
        assert stored_files(private_media) == []
        material = training_services.material_add(actor=admin, course=course,
                                                   upload=SimpleUploadedFile(TRAVERSAL + ".pdf", PDF))
    assert "/" not in material.original_name and len(Path(material.stored_name).stem) == 32
    assert escaped(private_media) == []
    url = f"/training/materials/{material.pk}/"
    assert logged_in(world["A"].users[Role.HOSPITAL_STAFF]).get(url).status_code == 200
    assert logged_in(world["B"].users[Role.HOSPITAL_STAFF]).get(url).status_code == 404
