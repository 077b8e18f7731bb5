"""Volume through the same service path as the screen and the API, the demo hooks and the command."""
import json
import time
from io import StringIO

from django.core.management import call_command
from django_scopes import scopes_disabled

from apps.cases.demo import generate_cases, write_demo_upload_file, write_synthetic_csv
from apps.cases.models import Case
from apps.cases.services import case_import_start
from apps.tenants.enums import Role

from .helpers import read_errors


def test_100k_rows_import_through_the_service(cworld, tmp_path):
    a = cworld["A"]
    path = tmp_path / "big.csv"
    write_synthetic_csv(path, a.region, [2025], 100_000, seed=3)
    started = time.monotonic()
    with scopes_disabled(), path.open("rb") as fh:
        job = case_import_start(actor=a.users[Role.BUREAU_ADMIN], region=a.region, file=fh, filename="big.csv")
    elapsed = time.monotonic() - started
    assert job.status == "ready", job.error_message
    assert (job.total, job.created, job.rejected) == (100_000, 100_000, 0), job.preview["errors"][:5]
    with scopes_disabled():
        assert Case.objects.filter(region=a.region).count() == 100_000
        flagged = Case.objects.filter(region=a.region, warnings__contains=["cost_outlier"]).count()
    assert 100 < flagged < 2_000  # ~1% synthetic high outliers
    assert elapsed < 40


def test_generate_cases_is_idempotent(cworld):
    a = cworld["A"]
    assert generate_cases(a.region, [2024, 2025], 300, seed=1) == 600
    assert generate_cases(a.region, [2024, 2025], 300, seed=1) == 600
    with scopes_disabled():
        assert Case.objects.filter(region=a.region).count() == 600
        assert Case.objects.filter(region=cworld["B"].region).count() == 0


def test_demo_upload_file_and_command(cworld, tmp_path):
    a = cworld["A"]
    path = write_demo_upload_file(tmp_path / "upload.csv", a.region)
    errors_out = tmp_path / "errors.csv"
    out = StringIO()
    call_command("import_cases", "--region", a.region.code, str(path), "--errors", str(errors_out), stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["total"] == 200 and summary["rejected"] == 10 and summary["created"] == 190
    codes = {e["code"] for e in read_errors(errors_out.read_text(encoding="utf-8"))}
    assert {"invalid_choice", "unknown_diagnosis", "los_mismatch", "negative_cost", "unknown_hospital",
            "unknown_group", "invalid_format", "self_pay_exceeds_total", "required"} <= codes


def test_command_file_error_exits_nonzero(cworld, tmp_path):
    import pytest
    from django.core.management.base import CommandError

    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing column"):
        call_command("import_cases", "--region", cworld["A"].region.code, str(bad), stdout=StringIO())
