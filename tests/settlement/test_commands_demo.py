"""`compute_coefficients`, `run_settlement` (interfaces.md §2) and the demo hook."""
from __future__ import annotations

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django_scopes import scopes_disabled

from apps.cases.models import Case
from apps.core.lifecycle import Lifecycle
from apps.settlement.demo import seed_region
from apps.settlement.enums import RunKind
from apps.settlement.models import SettlementRun
from apps.settlement.selectors import published_coefficients
from apps.tenants.models import PolicyYear

from .conftest import YEAR, add_cases, case

D = Decimal


def run(*args) -> dict:
    out = StringIO()
    call_command(*args, stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


@pytest.mark.django_db
def test_compute_coefficients_command(small):
    code = small["region"].code
    result = run("compute_coefficients", "--region", code, "--year", str(YEAR))
    assert (result["number"], result["status"], result["hospitals"], result["new_hospitals"]) == (2, "ready", 5, 2)
    assert result["level_index"]["3"] == "1.1133333333333333"
    assert published_coefficients(small["region"], YEAR).number == 1
    result = run("compute_coefficients", "--region", code, "--year", str(YEAR), "--publish")
    assert (result["number"], result["status"]) == (3, "published")
    with pytest.raises(CommandError, match="unknown region"):
        run("compute_coefficients", "--region", "999999", "--year", str(YEAR))
    with pytest.raises(CommandError, match="published group statistics"):
        run("compute_coefficients", "--region", code, "--year", "2030")


@pytest.mark.django_db
def test_run_settlement_command(small):
    h1 = small["h"][0]
    add_cases([case(h1, "ED11", "8000.00", dt.date(YEAR, 3, 1)), case(h1, "EC19", "5000.00", dt.date(YEAR, 3, 2))])
    code = small["region"].code
    result = run("run_settlement", "--region", code, "--kind", "monthly", "--period", f"{YEAR}-03", "--publish")
    assert set(result) == {"run_id", "status", "point_value", "cases", "adjusted_points"}
    assert (result["status"], result["cases"]) == ("published", 2)
    with scopes_disabled():
        stored = SettlementRun.objects.get(pk=result["run_id"])
    assert D(result["point_value"]) == stored.point_value and D(result["adjusted_points"]) == stored.total_adjusted_points
    with pytest.raises(CommandError, match="no case"):
        run("run_settlement", "--region", code, "--kind", "monthly", "--period", f"{YEAR}-04")
    with pytest.raises(CommandError, match="period"):
        run("run_settlement", "--region", code, "--kind", "annual", "--period", f"{YEAR}-04")


@pytest.mark.django_db
def test_demo_seed_is_idempotent(small):
    region = small["region"]
    h1, h2 = small["h"][:2]
    add_cases([case(h1, "ED11", "8000.00", dt.date(YEAR - 1, 6, 1), fund_paid="7000.00"),  # the year before
               case(small["h"][2], "ED11", "9000.00", dt.date(YEAR - 1, 6, 1))]  # not DRG-paid: not in the budget
              + [case(h, "ED11", "8000.00", dt.date(YEAR, m, 5)) for m in (1, 2, 5) for h in (h1, h2)])
    with scopes_disabled():
        PolicyYear.objects.filter(region=region, year=YEAR).update(fund_budget=0)
        paid = Case.objects.filter(region=region, discharge_date__year=YEAR - 1, hospital__in=[h1, h2]) \
            .aggregate(s=Sum("fund_paid"))["s"]
    expected = (paid * D("1.02")).quantize(D("1"), rounding=ROUND_HALF_UP)
    first = seed_region(region, YEAR)
    assert first["errors"] == []
    assert first["fund_budget"] == str(expected) and paid > D("7000")
    assert [r["period"] for r in first["runs"]] == [f"{YEAR}-01", f"{YEAR}-02", f"{YEAR}-05", f"simulation {YEAR}"]
    assert [r["status"] for r in first["runs"]] == ["published"] * 3 + ["ready"]
    second = seed_region(region, YEAR)
    assert second["runs"] == [] and second["errors"] == [] and D(second["fund_budget"]) == expected
    with scopes_disabled():
        assert SettlementRun.objects.filter(region=region, kind=RunKind.MONTHLY, status=Lifecycle.PUBLISHED).count() == 3
        assert SettlementRun.objects.filter(region=region).count() == 4
