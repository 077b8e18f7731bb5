"""`create_region` and `set_policy` (interfaces.md §2): one JSON line on stdout, exit ≠ 0 with a message on stderr."""
import json
from io import StringIO

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.db import connections
from django_scopes import scopes_disabled

from apps.core.models import AuditEvent
from apps.tenants.models import PolicyYear, Region

pytestmark = pytest.mark.django_db


def run(*argv: str) -> tuple[int, str, str]:
    """Run like `manage.py …` (argument parsing, exit code, stderr) inside the test transaction."""
    name = argv[0]
    command = load_command_class(get_commands()[name], name)
    out, err = StringIO(), StringIO()
    command.stdout._out, command.stderr._out = out, err
    try:
        command.run_from_argv(["manage.py", *argv])
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def keep_connection(monkeypatch):
    monkeypatch.setattr(connections, "close_all", lambda: None)  # run_from_argv closes connections at the end


def test_create_region_prints_one_json_line():
    code, out, err = run("create_region", "--code", "220400", "--name", "辽源", "--province-code", "220000",
                         "--province-name", "吉林省", "--method", "DIP")
    assert code == 0 and err == ""
    lines = out.strip().splitlines()
    assert len(lines) == 1
    data = json.loads(lines[0])
    assert data["code"] == "220400" and data["payment_method"] == "DIP" and data["province_name"] == "吉林省"
    region = Region.objects.get(code="220400")
    assert region.province.code == "220000" and region.payment_method == "DIP"
    with scopes_disabled():
        assert AuditEvent.objects.filter(action="region.create", region=region, actor=None).exists()


@pytest.mark.parametrize("argv,message", [
    (["--code", "341800", "--name", "x", "--province-code", "340000", "--province-name", "安徽省"], "already exists"),
    (["--code", "12ab", "--name", "x", "--province-code", "340000", "--province-name", "安徽省"], "code"),
    (["--code", "220400", "--name", "x", "--province-code", "220000", "--province-name", "吉林省", "--method", "FFS"],
     "invalid choice"),
])
def test_create_region_errors(world, argv, message, capsys):
    code, out, err = run("create_region", *argv)
    assert code != 0 and out == ""
    assert message in err + capsys.readouterr().err  # argparse errors go straight to sys.stderr


def test_set_policy_sets_values_and_prints_json(world):
    code, out, err = run("set_policy", "--region", "341800", "--year", "2025", "fund_budget=1200000000",
                         "w_level=0.75", "w_cost=0.25", "catalogue=CHS-DRG 2.0", "base_start=2022")
    assert code == 0 and err == ""
    data = json.loads(out.strip())
    assert data["region"] == "341800" and data["year"] == 2025 and data["set"] == sorted(
        ["fund_budget", "w_level", "w_cost", "catalogue", "base_start"])
    assert data["values"]["w_level"] == "0.7500" and data["values"]["min_cases"] == 5
    with scopes_disabled():
        policy = PolicyYear.objects.get(region__code="341800", year=2025)
        assert str(policy.fund_budget) == "1200000000.00" and policy.catalogue == "CHS-DRG 2.0"
        event = AuditEvent.objects.get(action="policy.update")
    assert event.old["w_level"] == "0.8000" and event.new["w_level"] == "0.7500"


def test_set_policy_without_values_creates_the_year_with_defaults(world):
    code, out, _err = run("set_policy", "--region", "341800", "--year", "2026")
    assert code == 0 and json.loads(out)["values"]["high_ratio_3"] == "3.0000"


@pytest.mark.parametrize("args,message", [
    (["--region", "341800", "--year", "2025", "colour=red"], "unknown parameter(s): colour"),
    (["--region", "341800", "--year", "2025", "w_level=abc"], "w_level"),
    (["--region", "341800", "--year", "2025", "min_cases=-3"], "min_cases"),
    (["--region", "341800", "--year", "2025", "w_level"], "expected key=value"),
    (["--region", "999999", "--year", "2025", "w_level=0.5"], "unknown region"),
])
def test_set_policy_errors(world, args, message):
    code, out, err = run("set_policy", *args)
    assert code != 0 and out == ""
    assert message in err
    with scopes_disabled():
        assert not PolicyYear.objects.exists()


def test_call_command_raises_command_error(world):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="unknown region"):
        call_command("set_policy", "--region", "000000", "--year", "2025")
