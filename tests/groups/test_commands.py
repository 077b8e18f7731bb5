"""Management commands (interfaces.md §2) and the demo hooks."""
from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from apps.groups.demo import compute_and_publish, seed_region
from apps.groups.models import Catalogue, Group
from apps.tenants.models import PolicyYear

from .test_stats import YEAR, worked_cases


def run(*args) -> dict:
    out = io.StringIO()
    call_command(*args, stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_load_and_import_catalogue_commands(world, tmp_path):
    first = run("load_catalogue", "--region", "341800")
    assert (first["mdcs"], first["adrgs"], first["groups"]) == (26, 409, 634)
    assert run("load_catalogue", "--region", "341800")["groups_created"] == 0
    path = tmp_path / "local.csv"
    path.write_text("code,name,mdc,adrg\nAA19,心肺移植,MDCA,AA1\nbad code,x,,\n", encoding="utf-8")
    summary = run("import_catalogue", "--region", "341800", "--version", "local", str(path))
    assert (summary["created"], summary["rejected"]) == (1, 1)
    with pytest.raises(CommandError, match="unknown region"):
        call_command("load_catalogue", "--region", "999999", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_catalogue", "--region", "341800", "--version", "x", str(tmp_path / "none.csv"))


def test_compute_and_export_commands(world, catalogues, tmp_path):
    worked_cases(world)
    summary = run("compute_group_stats", "--region", "341800", "--year", str(YEAR), "--publish")
    assert (summary["status"], summary["all_avg"], summary["groups"], summary["number"]) == ("published", "3826.15", 6, 1)
    out = tmp_path / "stats.csv"
    exported = run("export_group_stats", "--region", "341800", "--year", str(YEAR), str(out))
    assert exported["rows"] == 6
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "code,n,mean_cost,sd,cv,stable,base_points"
    assert lines[1] == "EB19,1,5000.00,0.00,0.0000,0,130.6797"
    with pytest.raises(CommandError, match="no computed statistics"):
        call_command("export_group_stats", "--region", "340100", "--year", str(YEAR), str(out), stdout=io.StringIO())
    with pytest.raises(CommandError, match="no group catalogue"):
        call_command("compute_group_stats", "--region", "320900", "--year", str(YEAR), stdout=io.StringIO())


def test_demo_hooks_are_idempotent(world):
    """A (341800) pays on the CHS-DRG 1.1 grouper version (decision 0020): its catalogue is the version's DRG
    list, named with the version in the policy year; a second call creates nothing."""
    a = world["A"]
    first = seed_region(a.region, year=YEAR)
    again = seed_region(a.region, year=YEAR)
    assert (first["version"], first["grouper_version"]) == ("chs-drg-1.1", "chs-drg-1.1")
    assert first["groups_created"] == first["groups"] == 628
    assert again["catalogue_id"] == first["catalogue_id"] and again["groups_created"] == 0
    assert again["groups"] == 628
    with scopes_disabled():
        policy = PolicyYear.objects.get(region=a.region, year=YEAR)
        assert (policy.catalogue, policy.grouper_version) == ("chs-drg-1.1", "chs-drg-1.1")
        assert Group.objects.filter(region=a.region).count() == 628
        assert Catalogue.objects.get(region=a.region, is_active=True).pk == first["catalogue_id"]
    worked_cases(world)
    stats = compute_and_publish(a.region, YEAR)
    # the worked example on the 1.1 list: EC19 is not a 1.1 group, so its 6 cases drop out (25 cases, 5 groups)
    assert (stats["status"], stats["all_avg"], stats["groups"], stats["cases"]) == ("published", "3504.42", 5, 25)
    assert compute_and_publish(a.region, YEAR)["version_id"] == stats["version_id"]
