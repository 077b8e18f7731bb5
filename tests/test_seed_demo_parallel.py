"""`seed_demo --jobs 2` (what `make run` does on two cores): a region failing in a forked process fails the
command with that process's traceback (tests/test_seed_demo.py seeds the whole demo with two processes)."""
from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from apps.tenants.models import Region

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]


def seed(*args) -> dict:
    out = io.StringIO()
    call_command("seed_demo", "--cases-per-year", "20", *args, stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_a_failing_region_fails_the_command(monkeypatch):
    import apps.training.demo as training_demo

    def broken(region):
        if region.code == "411200":
            raise RuntimeError("training hook broke in 411200")
        return {}

    monkeypatch.setattr(training_demo, "seed_region", broken)
    with pytest.raises(CommandError, match="training hook broke in 411200"):
        seed("--regions", "341800,411200", "--jobs", "2", "--skip-cases")
    with scopes_disabled():
        assert Region.objects.filter(code="411200").exists()
