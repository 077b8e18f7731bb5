"""Local grouper versions (yancheng-2023, yunnan-2023) as data, and codes a version does not know.

- `load_grouper --version V` loads the translated rule tables and the version's DRG list as a catalogue,
  idempotently; the rule set read back from the database still agrees with the reference on every
  regression case (the QY test travels through the database too); `GET /grouper/versions/` lists it.
- K35.800 + 47.0100 is 0000 in all three versions (K35.800 is no principal diagnosis of any of them) and
  K35.800x001 + 47.0100 is GD25; the page and the API say so by name and offer K35.800x001 急性阑尾炎.
"""
from __future__ import annotations

import io
import json
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from apps.groups.grouper.engine import group
from apps.groups.grouper.loader import clear_cache, get_ruleset, ruleset_from_files
from apps.groups.grouper.regression import compare
from apps.groups.grouper.types import GroupingInput
from apps.groups.models import Catalogue, Group
from apps.tenants.enums import Role
from apps.tenants.models import PolicyYear

VERSIONS = ("chs-drg-1.1", "yancheng-2023", "yunnan-2023")
LOCAL = {"yancheng-2023": (628, 628), "yunnan-2023": (740, 760)}  # DRG rules, catalogue groups


@pytest.mark.parametrize("version", VERSIONS)
def test_appendicitis_needs_the_extended_code_in_every_version(version):
    rs = ruleset_from_files(version)
    plain = group(GroupingInput(principal_dx="K35.800", procedures=("47.0100",), gender=1, age=30), rs)
    assert (plain.status, plain.drg_code, plain.adrg) == ("ungroupable", "0000", "")
    coded = group(GroupingInput(principal_dx="K35.800x001", procedures=("47.0100",), gender=1, age=30), rs)
    assert (coded.status, coded.mdc, coded.adrg, coded.drg_code) == ("ok", "MDCG", "GD2", "GD25")
    assert any("47.0100" in step.codes for step in coded.trace if step.step == "adrg")


@pytest.mark.django_db
@pytest.mark.parametrize("version", sorted(LOCAL))
def test_load_grouper_loads_a_local_version_and_its_catalogue(world, version, api):
    clear_cache()
    region = world["C"].region
    out = io.StringIO()
    call_command("load_grouper", "--version", version, "--region", region.code, stdout=out)
    first = json.loads(out.getvalue())
    drgs, groups = LOCAL[version]
    assert (first["created"], first["changed"], first["mdcs"], first["drgs"]) == (True, True, 26, drgs)
    assert first["catalogues"][0]["groups"] == groups
    out = io.StringIO()
    call_command("load_grouper", "--version", version, "--region", region.code, stdout=out)
    second = json.loads(out.getvalue())
    assert (second["created"], second["changed"], second["stamp"]) == (False, False, first["stamp"])
    with scopes_disabled():
        catalogue = Catalogue.objects.get(region=region, version=version)
        assert Group.objects.filter(catalogue=catalogue).count() == groups
        assert Group.objects.filter(catalogue=catalogue, code="GD25").exists()
        if version == "yunnan-2023":  # its paid ambiguous groups are in its list
            assert Group.objects.filter(catalogue=catalogue, code="FQY").exists()
    n, differences = compare(get_ruleset(version), "corpus_3000")
    assert n == 3000 and not differences, "\n".join(map(str, differences[:20]))
    listed = api(world["C"].users[Role.BUREAU_ADMIN]).get("/api/v1/grouper/versions/").json()
    assert version in [v["version"] for v in listed]
    clear_cache()


@pytest.fixture
def three_versions(monkeypatch):
    """The real engine over all three shipped versions, from the files (no database load)."""
    from apps.cases import grouping
    from apps.groups.grouper import engine

    loader = SimpleNamespace(
        available_versions=lambda: [{"version": v, "catalogue_version": v} for v in VERSIONS],
        get_ruleset=lambda version, region_id=None: ruleset_from_files(version),
    )
    monkeypatch.setattr(grouping, "_loader", lambda: loader)
    monkeypatch.setattr(grouping, "_engine", lambda: engine)
    return loader


def _policy(region, version: str) -> None:
    with scopes_disabled():
        PolicyYear.objects.filter(region=region).update(grouper_version=version)
        if not PolicyYear.objects.filter(region=region).exists():
            PolicyYear.objects.create(region=region, year=2025, grouper_version=version)


@pytest.mark.django_db
def test_api_names_the_unknown_code_and_offers_the_versions_codes(world, three_versions, api):
    a = world["A"]
    client = api(a.users[Role.HOSPITAL_STAFF])
    body = client.post("/api/v1/grouper/chs-drg-1.1/group/", {"principal_dx": "K35.800", "procedures": ["47.0100"],
                                                             "gender": 1, "age": 30}, format="json",
                       HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert (body["status"], body["drg_code"]) == ("ungroupable", "0000")
    [item] = body["suggestions"]
    assert (item["field"], item["code"], item["table"]) == ("principal_dx", "K35.800", "principal_dx_table")
    assert item["message"] == "K35.800 不在 CHS-DRG 1.1 的主要诊断表中"
    assert {"code": "K35.800x001", "name": "急性阑尾炎"} in item["candidates"]
    local = client.post("/api/v1/grouper/yunnan-2023/group/", {"principal_dx": "K35.800", "procedures": "47.01"},
                        format="json").json()
    assert [s["message"] for s in local["suggestions"]] == [
        "K35.800 不在 云南省 DRG 2023 的主要诊断表中", "47.01 不是 云南省 DRG 2023 的手术操作编码"]
    assert {"code": "47.0100", "name": "腹腔镜下阑尾切除术"} in local["suggestions"][1]["candidates"]
    picked = client.post("/api/v1/grouper/chs-drg-1.1/group/", {"principal_dx": "K35.800x001",
                                                               "procedures": ["47.0100"]}, format="json").json()
    assert (picked["drg_code"], picked["suggestions"]) == ("GD25", [])

    # `default`: the version the caller's region names for this year
    _policy(a.region, "yancheng-2023")
    body = client.post("/api/v1/grouper/default/group/", {"principal_dx": "K35.800x001", "procedures": ["47.0100"]},
                       format="json").json()
    assert (body["ruleset_version"], body["drg_code"]) == ("yancheng-2023", "GD25")
    _policy(a.region, "")  # no portal grouper: the region's default rule set (newest loaded)
    assert client.post("/api/v1/grouper/default/group/", {"principal_dx": "K35.800x001"},
                       format="json").status_code == 200


@pytest.mark.django_db
def test_page_defaults_to_the_regions_version_and_offers_codes(world, three_versions, client):
    a = world["A"]
    _policy(a.region, "yunnan-2023")
    client.force_login(a.users[Role.HOSPITAL_STAFF])
    page = client.get("/groups/grouper/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.context["form"].initial["version"] == "yunnan-2023"
    text = page.content.decode()
    assert 'id="grouper-submit">分组<' in text and "病组</button>" not in text
    answer = client.post("/groups/grouper/", {"version": "chs-drg-1.1", "principal_dx": "K35.800",
                                              "procedures": "47.0100", "gender": "1", "age": "30"},
                         HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "K35.800 不在 CHS-DRG 1.1 的主要诊断表中" in answer
    assert 'data-code="K35.800x001"' in answer and "K35.800x001 急性阑尾炎" in answer
    assert 'id="grouper-status">无法入组（0000）<' in answer and ">ungroupable<" not in answer
    _policy(a.region, "")
    note = client.get("/groups/grouper/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "使用外部分组器" in note
