"""The demo's DIP region (decision 0040): its catalogue is the shipped DIP 核心病种 list, and its synthetic cases
declare those types with a principal diagnosis and procedure that fit them."""
from __future__ import annotations

import csv

import pytest
from django_scopes import scopes_disabled

from apps.groups.catalogue import CODE_RE
from apps.groups.demo import DIP_VERSION, dip_catalogue, seed_region
from apps.groups.models import Adrg, Catalogue, Group, Mdc
from apps.tenants.models import PolicyYear
from tests.conftest import build_region

pytestmark = pytest.mark.django_db


def test_shipped_dip_list_fits_the_code_fields():
    rows = dip_catalogue()
    assert 300 <= len(rows) <= 800
    assert all(CODE_RE.match(r["code"]) and len(r["code"]) <= 10 for r in rows)  # Case.drg_code is 10 characters
    k358 = next(r for r in rows if r["code"] == "K35.8-4701")
    assert k358["name"] == "急性阑尾炎，其他未特指：腹腔镜下阑尾切除术" and float(k358["score"]) > 100
    assert any(r["code"] == r["dx"] and r["name"].endswith("保守治疗") for r in rows)


def test_dip_region_gets_the_dip_list_and_cases_declare_it(tmp_path):
    from apps.cases.demo import write_synthetic_csv

    with scopes_disabled():
        world = build_region("220400", "辽源", "220000", "吉林省", method="DIP")
        summary = seed_region(world.region, year=2025)
        assert seed_region(world.region, year=2025)["groups_created"] == 0  # idempotent
        catalogue = Catalogue.objects.get(pk=summary["catalogue_id"])
        assert (catalogue.version, catalogue.method, catalogue.is_active) == (DIP_VERSION, "DIP", True)
        assert PolicyYear.objects.get(region=world.region, year=2025).catalogue == DIP_VERSION
        assert Group.objects.filter(catalogue=catalogue).count() == len(dip_catalogue())
        assert not Catalogue.objects.filter(region=world.region).exclude(pk=catalogue.pk).exists()
        group = Group.objects.get(catalogue=catalogue, code="K35.8-4701")
        assert (group.mdc_code, group.adrg_code) == ("K00-K93", "K35.8")
        assert Mdc.objects.get(catalogue=catalogue, code="K00-K93").name == "消化系统疾病"
        assert Adrg.objects.get(catalogue=catalogue, code="K35.8").name == "急性阑尾炎，其他未特指"
        codes = set(Group.objects.filter(catalogue=catalogue).values_list("code", flat=True))

        path = tmp_path / "dip.csv"
        write_synthetic_csv(path, world.region, [2025], 3000, seed=11)
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3000
    declared = [r["drg_code"] for r in rows]
    assert sum(c in codes for c in declared) / len(rows) > 0.99  # ~0.6 % coding mistakes are still DIP codes
    assert set(declared) <= codes
    assert len(set(declared)) > 150
    fits = [r for r in rows if r["principal_dx"][:5] == r["drg_code"][:5]]
    assert len(fits) / len(rows) > 0.97  # upcoded (保守治疗 declared as an operation) and mistaken codes excepted
    upcoded = 0
    for r in fits:  # the principal procedure is the type's: K35.8-4701 → 47.01…; 保守治疗 → none
        code, proc = r["drg_code"], r["principal_proc"].replace(".", "")
        if "-" in code and not proc:
            upcoded += 1  # 高套: a conservatively treated case declared as the operative type
        elif "-" in code:
            assert proc.startswith(code.split("-")[1]), r
        else:
            assert proc == "", r
    assert 0 < upcoded < len(rows) * 0.02


def test_catalogue_page_lists_disease_types_with_their_score(client):
    """病种目录 page: K35.8-4701 with its name and the 基准分值 of the newest published statistics; DIP words."""
    from decimal import Decimal

    from apps.groups.models import GroupStat, StatsVersion
    from apps.tenants.enums import Role

    with scopes_disabled():
        world = build_region("220400", "辽源", "220000", "吉林省", method="DIP")
        catalogue = Catalogue.objects.get(pk=seed_region(world.region, year=2025)["catalogue_id"])
        version = StatsVersion.objects.create(region=world.region, year=2025, catalogue=catalogue, number=1,
                                              status="ready", base_start=2022, base_end=2024, min_cases=5,
                                              cv_max="1.0", lln_cases=100, all_avg=Decimal("9000.00"))
        GroupStat.objects.create(region=world.region, version=version, group_code="K35.8-4701", group_name="阑尾",
                                 n=120, mean_cost=Decimal("14256.00"), sd=Decimal(0), cv=Decimal(0), stable=True,
                                 base_points=Decimal("158.4000"), mean_los=Decimal(6), deaths=0,
                                 death_rate=Decimal(0))
        StatsVersion.objects.filter(pk=version.pk).update(status="published")
    client.force_login(world.users[Role.BUREAU_ADMIN])
    page = client.get(f"/groups/catalogues/{catalogue.pk}/", {"q": "K35.8"}).content.decode()
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "K35.8-4701" in main and "急性阑尾炎，其他未特指：腹腔镜下阑尾切除术" in main
    assert 'data-score="K35.8-4701"' in main and "158.4000" in main
    assert "基准分值" in main and "个病种" in main and "消化系统疾病" in main
    assert not [w for w in ("病组", "点数", "DRG") if w in main]
    client.cookies["django_language"] = "en"
    main = client.get(f"/groups/catalogues/{catalogue.pk}/", {"q": "K35.8"}).content.decode()
    assert "Base score" in main and "disease type" in main and "158.4000" in main
