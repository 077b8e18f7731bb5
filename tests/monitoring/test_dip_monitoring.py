"""A DIP region's monitoring screens and exports speak DIP (病种, 分值, 分值单价; disease type, score, score unit
price), a DRG region's stay as they were (issue 18; apps/core/vocabulary.py is the one mechanism)."""
from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from apps.monitoring.services import indicators_compute, ranking_compute
from apps.tenants.enums import Role
from apps.tenants.models import Region

pytestmark = pytest.mark.django_db

DRG_ZH = ("DRG", "病组", "点数", "点值")


def _words(text: str, words) -> list[str]:
    return [w for w in words if w in text]


@pytest.fixture
def computed(mon):
    with scopes_disabled():
        for period in ("2025-03", "2025-Q1"):
            indicators_compute(actor=None, region=mon["region"], period=period, sync=True)
        ranking = ranking_compute(actor=None, region=mon["region"], quarter="2025-Q1")
    return {**mon, "ranking": ranking}


def _dip(region):
    Region.objects.filter(pk=region.pk).update(payment_method="DIP")
    region.refresh_from_db()


def _pages(computed, client) -> dict[str, str]:
    """Every monitoring screen and export of the region as its bureau, decoded."""
    from apps.monitoring.models import IndicatorPeriod

    a = computed["world"]["A"]
    client.force_login(a.users[Role.BUREAU_ADMIN])
    q = {"region": "341800", "period": "2025-03"}
    h1 = a.hospitals[0].code
    with scopes_disabled():
        march = IndicatorPeriod.objects.get(region=computed["region"], period="2025-03")
    ranking = computed["ranking"].pk
    out = {}
    for name, url, params in [
        ("dashboard", reverse("monitoring:dashboard"), q),
        ("period_groups", reverse("monitoring:period_groups", args=[march.pk]), {}),
        ("period_groups.csv", reverse("monitoring:period_groups", args=[march.pk]), {"format": "csv"}),
        ("hospitals.csv", reverse("monitoring:export", args=["hospitals"]), q),
        ("ranking", reverse("monitoring:ranking_detail", args=[ranking]), {}),
        ("ranking.csv", reverse("monitoring:ranking_export", args=[ranking]), {}),
        ("pnl", reverse("monitoring:pnl"), {"region": "341800", "hospital": h1, "year": 2025}),
        ("peers", reverse("monitoring:peers"), {"region": "341800", "hospital": h1, "group": "AA11",
                                                "period": "2025-03"}),
    ]:
        response = client.get(url, params)
        assert response.status_code == 200, (name, response.status_code)
        out[name] = response.content.decode("utf-8-sig")
    xlsx = client.get(reverse("monitoring:pnl_export"), {"region": "341800", "hospital": h1, "year": 2025})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    out["pnl.xlsx"] = " ".join(str(c.value) for c in sheet[1])
    return out


def test_drg_region_monitoring_unchanged(computed, client):
    pages = _pages(computed, client)
    assert "DRG组数" in pages["dashboard"] and "DRG组数" in pages["hospitals.csv"]
    assert "病组" in pages["period_groups"] and "基准点数" in pages["period_groups.csv"]
    assert "病组盈亏" in pages["pnl"] and "调整后点数" in pages["pnl.xlsx"] and "病组支付" in pages["pnl.xlsx"]
    assert "DRG组数" in pages["ranking.csv"]


def test_dip_region_monitoring_speaks_dip(computed, client):
    _dip(computed["region"])
    pages = _pages(computed, client)
    assert "病种数" in pages["dashboard"] and "基准分值均值" in pages["dashboard"]
    assert "期间病种与风险等级" in pages["dashboard"]
    assert "期间病种" in pages["period_groups"] and "基准分值" in pages["period_groups"]
    assert pages["period_groups.csv"].splitlines()[0].startswith("病种,") and "基准分值" in pages["period_groups.csv"]
    assert "病种数" in pages["hospitals.csv"].splitlines()[0]
    assert "病种数" in pages["ranking"] and "病种数" in pages["ranking.csv"].splitlines()[0]
    assert "病种盈亏" in pages["pnl"]
    assert "调整后分值" in pages["pnl.xlsx"] and "病种支付" in pages["pnl.xlsx"]
    assert "同病种跨院比较" in pages["peers"]
    for name in ("period_groups.csv", "hospitals.csv", "ranking.csv", "pnl.xlsx"):
        assert not _words(pages[name].splitlines()[0], DRG_ZH), name
    for name in ("dashboard", "period_groups", "ranking", "pnl", "peers"):
        main = pages[name].split('<main', 1)[1].split("</main>", 1)[0]
        assert not _words(main, ("DRG组数", "病组", "点数", "点值")), (name, _words(main, DRG_ZH))


def test_dip_region_monitoring_in_english(computed, client):
    _dip(computed["region"])
    client.cookies["django_language"] = "en"
    pages = _pages(computed, client)
    assert "Disease types" in pages["dashboard"] and "mean base score" in pages["dashboard"]
    assert "Disease type profit and loss" in pages["pnl"] and "Adjusted score" in pages["pnl.xlsx"]
    assert "DIP payment" in pages["pnl.xlsx"]
    assert pages["period_groups.csv"].splitlines()[0].startswith("Disease type,")
    for name in ("dashboard", "pnl", "period_groups"):
        main = pages[name].split('<main', 1)[1].split("</main>", 1)[0]
        assert "DRG groups" not in main and "point value" not in main.lower() and "Group profit" not in main, name


def test_dip_ranking_notice_speaks_dip(computed):
    from apps.monitoring.services import ranking_publish
    from apps.notices.models import Notice

    _dip(computed["region"])
    with scopes_disabled():
        ranking_publish(actor=None, ranking=computed["ranking"])
        notice = Notice.objects.filter(region=computed["region"], type="ranking").latest("pk")
    assert "DIP运行重点指标" in str(notice.title)
    paragraph = notice.blocks[0]["text"]
    assert "DIP付费" in paragraph and "病种数" in paragraph and "DRG" not in paragraph
