"""`import_hospitals`: one JSON line on stdout, exit codes, error file."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_scopes import scopes_disabled

from apps.hospitals.models import Hospital

from .helpers import csv_bytes

SAMPLES = Path(__file__).resolve().parents[2] / "apps" / "hospitals" / "samples"


def run(*args: str) -> dict:
    out = io.StringIO()
    call_command("import_hospitals", *args, stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


@pytest.mark.django_db
def test_import_prints_json_summary_and_is_idempotent(world):
    path = str(SAMPLES / "hospitals_example.csv")
    assert run("--region", "341800", path) == {"region": "341800", "file": "hospitals_example.csv", "dry_run": False,
                                               "created": 6, "updated": 0, "unchanged": 0, "rejected": 0}
    assert run("--region", "341800", path)["unchanged"] == 6
    with scopes_disabled():
        assert Hospital.objects.filter(region=world["A"].region).count() == 9
        assert Hospital.objects.filter(region=world["B"].region).count() == 3


@pytest.mark.django_db
def test_dry_run_and_error_file(world, tmp_path):
    errors = tmp_path / "errors.csv"
    summary = run("--region", "341800", str(SAMPLES / "hospitals_with_errors.csv"), "--errors", str(errors), "--dry-run")
    assert summary["dry_run"] is True and (summary["created"], summary["rejected"]) == (1, 9)
    lines = errors.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "row,code,field,error_code,message" and len(lines) == 10
    with scopes_disabled():
        assert not Hospital.objects.filter(code="H34180200001").exists()


@pytest.mark.django_db
def test_unknown_region_and_bad_file_fail(world, tmp_path):
    good = str(SAMPLES / "hospitals_example.csv")
    with pytest.raises(CommandError, match="unknown region 999999"):
        run("--region", "999999", good)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("x,y", header="code,kind"))
    with pytest.raises(CommandError, match="kind"):
        run("--region", "341800", str(bad))
    with pytest.raises(CommandError, match="cannot read"):
        run("--region", "341800", str(tmp_path / "missing.csv"))


@pytest.mark.django_db
def test_exit_code_and_stderr_of_a_real_process(tmp_path):
    """An unknown region: exit code 1, the message on stderr, nothing on stdout (run against the test database)."""
    bad = tmp_path / "h.csv"
    bad.write_bytes(csv_bytes())
    db = connection.settings_dict
    url = f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    manage = Path(__file__).resolve().parents[2] / "manage.py"
    result = subprocess.run([sys.executable, str(manage), "import_hospitals", "--region", "000000", str(bad)],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"})
    assert result.returncode == 1
    assert "unknown region 000000" in result.stderr and result.stdout == ""
