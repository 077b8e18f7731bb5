"""Issue 18, a DIP region in the browser as Liaoyuan's bureau (辽源 220400): the demo's DIP 核心病种 catalogue
lists disease types with their 分值, the monitoring and scenario screens speak DIP (病种, 分值, 分值单价) —
in Chinese and once in English. Screenshots of each page go to /tmp/shots/dip/ (and test-artifacts/)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from apps.tenants.enums import Role
from tests.conftest import build_region
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/shots/dip")
# DIP types of the shipped list with the score their statistics publish, and March cases (cost, stay) in each
TYPES = {"K35.8-4701": ("158.4000", [(14000, 6), (15500, 7)]), "I20.0": ("60.0000", [(5000, 8), (6200, 9)]),
         "K80.5-5104": ("405.8300", [(36000, 9)])}


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    screenshot(page, f"dip-{name}")


@pytest.fixture
def liaoyuan(transactional_db):
    """Liaoyuan (DIP) with the demo's DIP catalogue, published 2025 statistics on it and March indicators."""
    from apps.cases.models import Case
    from apps.groups.demo import dip_catalogue, seed_region
    from apps.groups.models import Catalogue, GroupStat, StatsVersion
    from apps.monitoring.services import indicators_compute
    from tests.monitoring.conftest import make_case

    names = {r["code"]: r["name"] for r in dip_catalogue()}
    assert set(TYPES) <= set(names)
    with scopes_disabled():
        world = build_region("220400", "辽源", "220000", "吉林省", method="DIP")
        catalogue = Catalogue.objects.get(pk=seed_region(world.region, year=2025)["catalogue_id"])
        version = StatsVersion.objects.create(region=world.region, year=2025, catalogue=catalogue, number=1,
                                              status="ready", base_start=2022, base_end=2024, min_cases=5,
                                              cv_max="1.0", lln_cases=100, all_avg=Decimal("9000.00"))
        GroupStat.objects.bulk_create([
            GroupStat(region=world.region, version=version, group_code=code, group_name=names[code], n=100,
                      mean_cost=Decimal(bp) * 90, sd=Decimal(0), cv=Decimal(0), stable=True,
                      base_points=Decimal(bp), mean_los=Decimal(6), deaths=1, death_rate=Decimal("0.0100"))
            for code, (bp, _cases) in TYPES.items()])
        StatsVersion.objects.filter(pk=version.pk).update(status="published")
        h1, h2, _h3 = world.hospitals
        Case.objects.bulk_create([make_case(h, code, str(cost), los, dt.date(2025, 3, 10 + i))
                                  for code, (_bp, cases) in TYPES.items() for i, (cost, los) in enumerate(cases)
                                  for h in (h1, h2)])
        indicators_compute(actor=None, region=world.region, period="2025-03", sync=True)
    return {"world": world, "catalogue": catalogue}


def test_dip_catalogue_lists_disease_types_with_scores(page, live_server, liaoyuan):
    world, catalogue = liaoyuan["world"], liaoyuan["catalogue"]
    login(page, live_server, world.users[Role.BUREAU_ADMIN].username)
    expect(page.locator("nav.sidenav")).to_contain_text("病种目录")
    page.goto(f"{live_server.url}/groups/")
    expect(page.locator("h1")).to_contain_text("病种目录")
    expect(page.locator("main")).to_contain_text("DIP 核心病种目录（演示）")
    page.goto(f"{live_server.url}/groups/catalogues/{catalogue.pk}/?q=K35.8")
    row = page.locator("tr", has=page.locator("code", has_text="K35.8-4701"))
    expect(row).to_contain_text("急性阑尾炎，其他未特指：腹腔镜下阑尾切除术")
    expect(row.locator('[data-score="K35.8-4701"]')).to_have_text("158.4000")
    main = page.locator("main")
    expect(main).to_contain_text("基准分值")
    expect(main).to_contain_text("个病种")
    expect(main).to_contain_text("消化系统疾病")
    for word in ("病组", "点数", "DRG"):
        assert word not in main.inner_text(), word
    shot(page, "catalogue-zh")
    page.click("form.lang-switch button[value=en]")
    expect(page.locator("main")).to_contain_text("Base score")
    expect(page.locator("main")).to_contain_text("disease type")
    expect(page.locator("nav.sidenav")).to_contain_text("Disease type catalogue")
    shot(page, "catalogue-en")


def test_dip_monitoring_and_scenarios_speak_dip(page, live_server, liaoyuan):
    world = liaoyuan["world"]
    login(page, live_server, world.users[Role.BUREAU_ADMIN].username)
    page.goto(f"{live_server.url}/monitoring/?region=220400&period=2025-03")
    main = page.locator("main")
    expect(page.locator("[data-kpi=group_count]")).to_have_text("3")
    expect(page.locator(".kpi", has=page.locator("[data-kpi=group_count]"))).to_contain_text("病种数")
    expect(page.locator("#hospital-indicators thead")).to_contain_text("病种数")
    expect(main).to_contain_text("期间病种与风险等级")
    expect(main).to_contain_text("基准分值均值")
    text = main.inner_text()
    assert not [w for w in ("DRG组数", "病组", "点数", "点值") if w in text]
    shot(page, "monitoring-dashboard-zh")

    page.click("text=期间病种与风险等级")
    expect(page.locator("h1")).to_contain_text("期间病种")
    head = page.locator("#period-groups thead")
    expect(head).to_contain_text("病种")
    expect(head).to_contain_text("基准分值")
    expect(page.locator('tr[data-group="K35.8-4701"]')).to_contain_text("158.4000")
    assert "病组" not in page.locator("main").inner_text()
    shot(page, "monitoring-period-groups-zh")

    page.goto(f"{live_server.url}/monitoring/pnl/?region=220400&year=2025")
    expect(page.locator("h1")).to_contain_text("病种盈亏")
    expect(page.locator("select[name=by]")).to_contain_text("病种")  # no published monthly run: no table yet
    assert not [w for w in ("病组", "点数", "点值") if w in page.locator("main").inner_text()]
    shot(page, "monitoring-pnl-zh")

    page.goto(f"{live_server.url}/scenarios/?region=220400&year=2025")
    main = page.locator("main")
    expect(main).to_contain_text("病种统计")
    expect(main).to_contain_text("稳定病种最低病例数")
    assert not [w for w in ("病组", "点数", "点值") if w in main.inner_text()]
    shot(page, "scenarios-zh")

    page.click("form.lang-switch button[value=en]")
    expect(page.locator("main")).to_contain_text("minimum cases for a stable disease type")
    shot(page, "scenarios-en")
    page.goto(f"{live_server.url}/monitoring/?region=220400&period=2025-03")
    expect(page.locator(".kpi", has=page.locator("[data-kpi=group_count]"))).to_contain_text("Disease types")
    expect(page.locator("main")).to_contain_text("Disease types of the period and risk classes")
    assert "DRG groups" not in page.locator("main").inner_text()
    shot(page, "monitoring-dashboard-en")
