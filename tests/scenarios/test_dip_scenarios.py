"""What-if scenario screens and the XLSX of a DIP region speak DIP (分值单价, 调整后分值, 稳定病种; score unit price,
adjusted score), a DRG region's stay as they were (issue 18, apps/core/vocabulary.py)."""
from __future__ import annotations

from io import BytesIO

import pytest
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from apps.scenarios.services import scenario_create
from apps.tenants.enums import Role
from apps.tenants.models import Region

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def _screens(published, client, lang: str = "zh-hans") -> dict[str, str]:
    world = published["world"]
    a = world["A"]
    with scopes_disabled():
        one = scenario_create(actor=a.users[Role.BUREAU_STAFF], region=a.region, year=YEAR, name="一",
                              parameters={"fund_budget": "1500000", "min_cases": "3"})
        two = scenario_create(actor=a.users[Role.BUREAU_STAFF], region=a.region, year=YEAR, name="二",
                              parameters={"fund_budget": "1000000"})
    client.force_login(a.users[Role.BUREAU_ADMIN])
    client.cookies["django_language"] = lang
    pages = {
        "list": client.get("/scenarios/", {"region": a.region.code, "year": YEAR}).content.decode(),
        "detail": client.get(f"/scenarios/{one.pk}/").content.decode(),
        "compare": client.get("/scenarios/compare/", {"a": one.pk, "b": two.pk}).content.decode(),
    }
    book = load_workbook(BytesIO(client.get(f"/scenarios/{one.pk}/export.xlsx").content))
    pages["xlsx"] = " | ".join(str(row[0]) for row in book.worksheets[0].iter_rows(values_only=True) if row[0]) \
        + " | " + " | ".join(str(c) for c in next(book.worksheets[1].iter_rows(values_only=True)))
    return {k: (v.split("<main", 1)[1].split("</main>", 1)[0] if k != "xlsx" else v) for k, v in pages.items()}


def test_drg_region_scenarios_unchanged(published, client):
    pages = _screens(published, client)
    assert "点值" in pages["detail"] and "调整后点数" in pages["detail"] and "稳定病组" in pages["detail"]
    assert "点值" in pages["compare"] and "病组统计" in pages["list"]
    assert "已公布点值" in pages["xlsx"] and "调整后点数" in pages["xlsx"]


def test_dip_region_scenarios_speak_dip(published, client):
    Region.objects.filter(pk=published["region"].pk).update(payment_method="DIP")
    pages = _screens(published, client)
    assert "分值单价" in pages["detail"] and "调整后分值" in pages["detail"] and "稳定病种最低病例数" in pages["detail"]
    assert "分值单价" in pages["compare"] and "调整后分值" in pages["compare"] and "病种统计" in pages["list"]
    assert "稳定病种" in pages["list"]
    assert "已公布分值单价" in pages["xlsx"] and "调整后分值" in pages["xlsx"] and "已公布调整后分值" in pages["xlsx"]
    for name, text in pages.items():
        assert not [w for w in ("点值", "点数", "病组", "DRG") if w in text], name


def test_dip_region_scenarios_in_english(published, client):
    Region.objects.filter(pk=published["region"].pk).update(payment_method="DIP")
    pages = _screens(published, client, "en")
    assert "Score unit price" in pages["detail"] and "Adjusted score" in pages["detail"]
    assert "stable disease type" in pages["detail"] and "Score unit price" in pages["compare"]
    assert "Published score unit price" in pages["xlsx"] and "Adjusted score" in pages["xlsx"]
    for name, text in pages.items():
        assert "oint value" not in text and "djusted points" not in text, name
