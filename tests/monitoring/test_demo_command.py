"""The demo hook and the management command."""
from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_scopes import scopes_disabled

from apps.monitoring.demo import seed_region
from apps.monitoring.models import IndicatorPeriod, Ranking

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent(mon):
    first = seed_region(mon["region"], year=2025)
    assert first["errors"] == []
    assert first["computed"] == ["2025-03", "2025-04", "2025-Q1", "2025-Q2", "2025"]
    assert first["ranking"]["status"] == "published" and first["ranking"]["quarter"] == "2025-Q2"
    again = seed_region(mon["region"], year=2025)
    assert again["computed"] == [] and "ranking" not in again
    with scopes_disabled():
        assert IndicatorPeriod.objects.filter(region=mon["region"]).count() == 5
        assert Ranking.objects.filter(region=mon["region"]).count() == 1


def test_compute_indicators_command(mon):
    out = io.StringIO()
    call_command("compute_indicators", "--region", "341800", "--period", "2025-Q1", "--rank", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["period"] == "2025-Q1" and summary["cases"] == 6 and summary["status"] == "ready"
    assert summary["coverage"] == {"hospitals": "0.6667", "cases": "0.8750", "fund": "0.9712"}
    assert "ranking_id" in summary
    with pytest.raises(CommandError):
        call_command("compute_indicators", "--region", "341800", "--period", "2025-13", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("compute_indicators", "--region", "999999", "--period", "2025", stdout=io.StringIO())
