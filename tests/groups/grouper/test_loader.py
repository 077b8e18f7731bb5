"""Rule sets in the database: the shipped load (command), the per-process cache, local subdivision rules."""
from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django_scopes import scopes_disabled

from apps.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from apps.core.models import AuditEvent
from apps.groups.grouper.engine import group
from apps.groups.grouper.files import read_shipped
from apps.groups.grouper.loader import (
    available_versions,
    clear_cache,
    default_version,
    get_ruleset,
    ruleset_from_files,
    store_ruleset,
)
from apps.groups.grouper.models import GrouperRuleSet
from apps.groups.grouper.services import local_rule_create, local_rule_deactivate, local_rule_update
from apps.groups.grouper.synthetic import case_for_adrg, random_cases
from apps.groups.models import Catalogue, Group
from apps.tenants.enums import Role

V = "chs-drg-1.1"


def _small(data):
    """The rule set with the code lists of MDCG only (all MDC/ADRG/DRG rules): quick to store."""
    owners = {"MDCG"} | {a["code"] for a in data.adrgs if a["mdc"] == "MDCG"}
    listed = {c for k, o, c, v in data.codes if o in owners}
    data.codes = [row for row in data.codes if row[1] in owners or (not row[1] and row[2] in listed)]
    return data


@pytest.fixture
def loaded(db):
    clear_cache()
    summary = store_ruleset(_small(read_shipped(V)))
    yield summary
    clear_cache()


def test_load_grouper_command_loads_rules_and_catalogue_idempotently(world):
    clear_cache()
    region = world["C"].region
    out = io.StringIO()
    call_command("load_grouper", "--version", V, "--region", region.code, stdout=out)
    first = json.loads(out.getvalue())
    assert (first["created"], first["changed"], first["adrgs"], first["drgs"]) == (True, True, 376, 628)
    assert first["codes"] > 240_000
    assert first["catalogues"][0]["groups"] == 628 and first["catalogues"][0]["adrgs"] == 376
    out = io.StringIO()
    call_command("load_grouper", "--version", V, "--region", region.code, stdout=out)
    second = json.loads(out.getvalue())
    assert (second["created"], second["changed"], second["stamp"]) == (False, False, first["stamp"])
    with scopes_disabled():
        catalogue = Catalogue.objects.get(region=region, version=V)
        assert Group.objects.filter(catalogue=catalogue, code="GB29").exists()
        assert catalogue.is_active  # the region had no active catalogue
        assert not Catalogue.objects.filter(region=world["A"].region, version=V).exists()
    [listed] = available_versions()
    assert (listed["version"], listed["drg_count"], listed["adrg_count"]) == (V, 628, 376)
    assert any("Apache-2.0" in notice for notice in listed["licences"])
    assert default_version(region.pk) == V

    # the rule set read back from the database groups exactly like the one built from the files
    rs = get_ruleset(V)
    files = ruleset_from_files(V)
    for case in random_cases(files, 300, seed=3):
        a, b = group(case, rs, trace=False), group(case, files, trace=False)
        assert (a.status, a.drg_code, a.mcc, a.cc) == (b.status, b.drg_code, b.mcc, b.cc)
    assert get_ruleset(V) is rs  # cached per process
    GrouperRuleSet.objects.filter(version=V).update(stamp=F("stamp") + 1)
    fresh = get_ruleset(V)
    assert fresh is not rs and fresh.stamp != rs.stamp
    clear_cache()


def test_unknown_version_is_not_found(db):
    with pytest.raises(NotFound):
        get_ruleset("chs-drg-9.9")
    with pytest.raises(CommandError):
        call_command("load_grouper", "--version", "chs-drg-9.9", stdout=io.StringIO())


def test_local_rules_are_regional_audited_and_invalidate_the_cache(world, loaded):
    a, b = world["A"], world["B"]
    admin = a.users[Role.BUREAU_ADMIN]
    national = get_ruleset(V, a.region.pk)
    assert national.local_rules == {}
    case = case_for_adrg(national, "GB2")
    rule = local_rule_create(actor=admin, region=a.region, ruleset_version=V, base_code="GB2", local_code="GB2A",
                             local_name="结肠大手术（宣城细分）", procedures=[case.procedures[0]], priority=10)
    rs_a = get_ruleset(V, a.region.pk)
    result = group(case, rs_a)
    assert (result.drg_code, result.local_rule_id) == ("GB2A", rule.pk)
    assert any(s.step == "local" and s.message.startswith("本地细分：") for s in result.trace)
    assert group(case, get_ruleset(V, b.region.pk)).drg_code.startswith("GB2")  # region B: national group
    assert get_ruleset(V) is not rs_a and get_ruleset(V).local_rules == {}

    local_rule_update(actor=admin, region=a.region, rule=rule, local_name="结肠大手术（本地）", age_min=70)
    assert group(case, get_ruleset(V, a.region.pk)).drg_code != "GB2A"  # the case is 45 years old
    local_rule_deactivate(actor=admin, region=a.region, rule=rule, reason="试行结束")
    assert get_ruleset(V, a.region.pk).local_rules == {}
    with pytest.raises(InvalidTransition):
        local_rule_deactivate(actor=admin, region=a.region, rule=rule)
    with scopes_disabled():
        actions = set(AuditEvent.objects.filter(object_id=str(rule.pk)).values_list("action", flat=True))
    assert {"grouper.local_rule.create", "grouper.local_rule.update", "grouper.local_rule.deactivate"} <= actions


def test_local_rule_checks_roles_scope_and_values(world, loaded):
    a, b = world["A"], world["B"]
    with pytest.raises(Forbidden):
        local_rule_create(actor=a.users[Role.HOSPITAL_STAFF], region=a.region, ruleset_version=V, base_code="GB2",
                          local_code="X1", local_name="x", age_min=1)
    with pytest.raises(Forbidden):
        local_rule_create(actor=b.users[Role.BUREAU_ADMIN], region=a.region, ruleset_version=V, base_code="GB2",
                          local_code="X1", local_name="x", age_min=1)
    staff = a.users[Role.BUREAU_STAFF]
    bad = [
        dict(base_code="ZZZ", local_code="X1", local_name="x", age_min=1),
        dict(base_code="GB2", local_code="GB29", local_name="x", age_min=1),  # a national code
        dict(base_code="GB2", local_code="X1", local_name="x"),  # no condition
        dict(base_code="GB2", local_code="X1", local_name="x", age_min=80, age_max=10),
        dict(base_code="GB2", local_code="X1", local_name="x", procedures=["bad code!"]),
    ]
    for values in bad:
        with pytest.raises(ValidationFailed):
            local_rule_create(actor=staff, region=a.region, ruleset_version=V, **values)
    local_rule_create(actor=staff, region=a.region, ruleset_version=V, base_code="GB29", local_code="X1",
                      local_name="高龄", age_min=80)
    with pytest.raises(ValidationFailed):
        local_rule_create(actor=staff, region=a.region, ruleset_version=V, base_code="GB29", local_code="X1",
                          local_name="again", age_min=80)
    with pytest.raises(ValidationFailed):
        local_rule_create(actor=staff, region=a.region, ruleset_version="chs-drg-9.9", base_code="GB2",
                          local_code="X2", local_name="x", age_min=1)
    with scopes_disabled():
        other = local_rule_create(actor=None, region=b.region, ruleset_version=V, base_code="GB2", local_code="X9",
                                  local_name="合肥", los_min=30)
    with pytest.raises(NotFound):
        local_rule_deactivate(actor=staff, region=a.region, rule=other.pk)
