"""Issue 17 §3: the stored upload never holds a clear 人员编号 (CSV and XLSX), error files and previews never
echo one (not even a prefix), and the beat task purges uploads and error reports after the retention period."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.cases.models import Case, ImportJob
from apps.tenants.enums import Role
from tests.cases.helpers import csv_bytes, row
from tests.security.hostile import case_rows, xlsx

pytestmark = pytest.mark.django_db

CLEAR = "PX20250042-SECRET"
LONG = "P" + "9" * 120  # too long: the error names its length, never the value


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT.mkdir()
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def cworld(world):
    from apps.groups.services import catalogue_load_shipped

    with scopes_disabled():
        catalogue_load_shipped(actor=None, region=world["A"].region)
    return world


def every_byte_under(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


def test_csv_and_xlsx_uploads_are_stored_hashed_and_the_cases_match(cworld, api, private_media):
    a = cworld["A"]
    code = a.hospitals[0].code
    client = api(a.users[Role.HOSPITAL_STAFF])
    data = csv_bytes([row(1, hospital_code=code, patient_id=CLEAR), row(2, hospital_code=code, patient_id=LONG,
                                                                      gender="9")])
    first = client.post(f"/api/v1/regions/{a.region.code}/cases/import/",
                        {"file": SimpleUploadedFile("c.csv", data, "text/csv")}, format="multipart")
    rows = case_rows(code, 1)
    rows[1][rows[0].index("patient_id")] = CLEAR + "-X"
    rows[1][0] = "XLSX-1"
    second = client.post(f"/api/v1/regions/{a.region.code}/cases/import/",
                         {"file": SimpleUploadedFile("c.xlsx", xlsx(rows), "application/octet-stream")},
                         format="multipart")
    assert first.status_code == second.status_code == 202
    status = client.get(f"/api/v1/imports/{first.json()['import_id']}/").json()
    assert (status["created"], status["rejected"]) == (1, 1)
    # no clear id (and no 60-character prefix of one) in any stored file, error report or preview
    stored = every_byte_under(private_media)
    assert stored, "the upload and the error file are stored"
    for secret in (CLEAR, LONG[:60], LONG[:20], CLEAR + "-X"):
        assert secret.encode() not in stored
    with scopes_disabled():
        jobs = list(ImportJob.objects.all())
        assert all(j.stored_file.endswith(".csv") for j in jobs)
        previews = str([j.preview for j in jobs]) + str([j.error_message for j in jobs])
        assert CLEAR not in previews and LONG[:20] not in previews
        salted = hashlib.sha256((settings.PATIENT_ID_SALT + CLEAR).encode()).hexdigest()
        assert Case.objects.get(settlement_id="S00001").patient_hash == salted
        salted_x = hashlib.sha256((settings.PATIENT_ID_SALT + CLEAR + "-X").encode()).hexdigest()
        assert Case.objects.get(settlement_id="XLSX-1").patient_hash == salted_x
    errors = client.get(status["errors_url"])
    body = b"".join(errors.streaming_content).decode("utf-8")
    assert LONG[:20] not in body and "121" in body  # the length is named


def test_purge_deletes_old_uploads_and_error_files_only(cworld, private_media):
    from apps.cases.services import case_import_start
    from apps.cases.tasks import purge_import_files_task
    from apps.core.models import AuditEvent

    a = cworld["A"]
    code = a.hospitals[0].code
    with scopes_disabled():
        old = case_import_start(actor=a.users[Role.BUREAU_ADMIN], region=a.region, filename="o.csv",
                                data=csv_bytes([row(1, hospital_code=code), row(2, hospital_code=code, gender="9")]))
        new = case_import_start(actor=a.users[Role.BUREAU_ADMIN], region=a.region, filename="n.csv",
                                data=csv_bytes([row(3, hospital_code=code)]))
        ImportJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(days=91))
        old.refresh_from_db()
    old_files = [private_media / old.stored_file, private_media / old.error_file]
    assert all(p.exists() for p in old_files)
    stray = private_media / "case_imports" / a.region.code / "stray.csv"
    stray.write_text("x")
    past = (timezone.now() - dt.timedelta(days=100)).timestamp()
    os.utime(stray, (past, past))
    result = purge_import_files_task.delay().get()  # the beat task (eager in tests)
    assert result == {"jobs": 1, "files": 3}
    assert not any(p.exists() for p in old_files) and not stray.exists()
    assert (private_media / new.stored_file).exists()
    with scopes_disabled():
        old.refresh_from_db()
        assert (old.stored_file, old.error_file, old.total) == ("", "", 2)  # the counts stay, the files go
        assert AuditEvent.objects.filter(action="case_import.purge").count() == 1


def test_purge_is_scheduled_daily():
    from config.celery import app

    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "cases.purge_import_files" in schedule
