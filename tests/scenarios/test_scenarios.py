"""What-if scenarios (issue 19): hand-worked figures, nothing published touched, adopt then publish,
comparison, deletion, and the API with tenancy (another region's scenario and hospital callers: 404)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.forms.models import model_to_dict
from django_scopes import scopes_disabled

from apps.core.errors import Forbidden, ValidationFailed
from apps.core.models import AuditEvent
from apps.groups.models import GroupStat, StatsVersion
from apps.groups.selectors import stats_versions
from apps.scenarios.models import Scenario
from apps.scenarios.selectors import scenario_compare, scenario_figures
from apps.scenarios.services import scenario_adopt, scenario_create, scenario_delete
from apps.settlement.models import CaseResult, CoefficientVersion, HospitalCoefficient, HospitalResult, SettlementRun
from apps.settlement.selectors import coefficient_versions, runs
from apps.settlement.services import settlement_run_publish, settlement_run_start
from apps.tenants.enums import Role
from apps.tenants.models import PolicyYear

from .conftest import YEAR

D = Decimal


def q(value: Decimal, places: str) -> Decimal:
    return value.quantize(D(places), rounding=ROUND_HALF_UP)


def official_snapshot() -> dict:
    """Every official (non-scenario) row of the versioned tables, field by field."""
    with scopes_disabled():
        snap = {}
        for model in (StatsVersion, CoefficientVersion, SettlementRun):
            snap[model.__name__] = sorted((model_to_dict(o) | {"pk": o.pk} for o in model.objects.all()),
                                          key=lambda r: r["pk"])
        official_runs = SettlementRun.objects.values_list("pk", flat=True)
        snap["GroupStat"] = sorted(GroupStat.objects.filter(version__scenario__isnull=True).values_list())
        snap["HospitalCoefficient"] = sorted(HospitalCoefficient.objects.filter(version__scenario__isnull=True).values_list())
        snap["HospitalResult"] = sorted(HospitalResult.objects.filter(run_id__in=list(official_runs)).values_list())
        snap["CaseResult"] = sorted(CaseResult.objects.filter(run_id__in=list(official_runs)).values_list())
        snap["policy"] = list(PolicyYear.objects.values_list())
    return snap


def build(world, region, name, parameters, **kw) -> Scenario:
    staff = world["A"].users[Role.BUREAU_STAFF]
    with scopes_disabled():
        scenario = scenario_create(actor=staff, region=region, year=YEAR, name=name, parameters=parameters, **kw)
    assert scenario.status == "ready", scenario.error
    return scenario


def run_of(scenario: Scenario) -> SettlementRun:
    with scopes_disabled():
        return SettlementRun.scenario_objects.get(pk=scenario.run_id)


def test_changed_budget_gives_the_point_value_of_domain_5_and_leaves_published_figures_alone(published):
    world, region, official = published["world"], published["region"], published["run"]
    before = official_snapshot()
    scenario = build(world, region, "预算增加25%", {"fund_budget": "1500000"})
    assert official_snapshot() == before  # published versions, runs, coefficients, policy: unchanged

    run = run_of(scenario)
    assert run.scenario_id == scenario.pk and run.kind == "simulation" and run.period == str(YEAR)
    # statistics and coefficients untouched by the scenario's parameters: the published ones are used
    assert run.stats_version_id == published["stats"].pk and run.coefficient_version_id == published["coefficients"].pk
    assert run.total_adjusted_points == official.total_adjusted_points
    # domain §5 annual: PV = (fund_budget + Σ self_pay) / Σ adjusted, 4 decimals
    expected_pv = q((D("1500000") + official.total_self_pay) / official.total_adjusted_points, "0.0001")
    assert run.point_value == expected_pv
    assert official.point_value == q((D("1200000") + official.total_self_pay) / official.total_adjusted_points, "0.0001")

    figures = scenario_figures(scenario)
    assert scenario.baseline == "published" and scenario.baseline_run_id == official.pk
    assert figures.point_value == expected_pv and figures.baseline_point_value == official.point_value
    with scopes_disabled():
        published_rows = {r.hospital_id: r for r in HospitalResult.objects.filter(run=official)}
    assert len(figures.hospitals) == len(published_rows) == 3
    for row in figures.hospitals:
        base = published_rows[row["hospital_id"]]
        due = q(base.adjusted_points * expected_pv - base.self_pay, "0.01")  # §4 precision: money 2 decimals
        assert row["due"] == due
        assert row["published_due"] == base.due
        assert row["difference"] == due - base.due > 0
    assert [g["hospital_id"] for g in figures.gainers] == [r["hospital_id"] for r in
                                                          sorted(figures.hospitals, key=lambda r: -r["difference"])]
    assert figures.losers == []
    assert sum(lv["difference"] for lv in figures.levels) == figures.totals["difference"]
    assert {lv["level"] for lv in figures.levels} == {3, 2}

    # scenario rows are in no official list
    with scopes_disabled():
        assert run.pk not in runs(region).values_list("pk", flat=True)
        assert not SettlementRun.objects.filter(pk=run.pk).exists()


def test_changed_ratio_thresholds_change_case_types(published):
    world, region = published["world"], published["region"]
    h1, h2 = published["h"][:2]
    scenario = build(world, region, "收紧高倍率", {"high_ratio_3": "2.0", "low_ratio_2": "0.3"})
    run = run_of(scenario)
    with scopes_disabled():
        official = {(r.hospital_id, r.total_cost): r for r in CaseResult.objects.filter(run=published["run"])}
        mine = {(r.hospital_id, r.total_cost): r for r in CaseResult.objects.filter(run=run)}
    assert official[(h1.pk, D("20000.00"))].case_type == "normal"
    high = mine[(h1.pk, D("20000.00"))]
    assert high.case_type == "high" and high.high_ratio == D("2.0")
    # high: eb + (ratio − high_ratio) × bp, 4 decimals; then × coefficient
    assert high.ratio == D("2.5")
    assert high.points == q(high.base_points + (D("2.5") - D("2.0")) * high.base_points, "0.0001")
    assert high.adjusted_points == q(high.points * high.coefficient, "0.0001")
    assert official[(h2.pk, D("3000.00"))].case_type == "low"
    assert mine[(h2.pk, D("3000.00"))].case_type == "normal"
    # unaffected cases keep their type and points
    assert mine[(h1.pk, D("8000.00"))].points == official[(h1.pk, D("8000.00"))].points


def test_changed_stability_and_weights_compute_scenario_statistics_and_coefficients(published):
    world, region = published["world"], published["region"]
    before = official_snapshot()
    # min_cases 5 → 6 makes EC19 (n = 6) and ED15 (n = 6) unstable; w_level/w_cost 0.8/0.2 → 0.5/0.5
    scenario = build(world, region, "稳定性与权重", {"min_cases": "6", "w_level": "0.5", "w_cost": "0.5"})
    assert official_snapshot() == before
    with scopes_disabled():
        stats = StatsVersion.scenario_objects.get(pk=scenario.stats_version_id)
        coef = CoefficientVersion.scenario_objects.get(pk=scenario.coefficient_version_id)
        assert stats.scenario_id == scenario.pk and stats.min_cases == 6 and stats.status == "ready"
        stable = dict(GroupStat.objects.filter(version=stats).values_list("group_code", "stable"))
        assert stable == {"ED11": True, "EC19": False, "ED15": False, "EB19": False}
        assert coef.scenario_id == scenario.pk and coef.w_level == D("0.5") and coef.stats_version_id == stats.pk
        # only ED11 (mean 8000) stays stable: h1 r = 1.125 1.1875 1.0625 1.125 → CI = LI_3 = 1.125;
        # h2 r = 0.875 0.9375 0.8125 0.875 → CI = LI_2 = 0.875; coef = 0.5 × LI + 0.5 × CI
        h1, h2 = published["h"][:2]
        row = HospitalCoefficient.objects.get(version=coef, hospital=h1)
        assert row.cost_index == D("1.125") and row.computed == D("1.1250")
        assert HospitalCoefficient.objects.get(version=coef, hospital=h2).computed == D("0.8750")
        # official lists do not show the scenario's versions
        assert [v.pk for v in stats_versions(region, YEAR)] == [published["stats"].pk]
        assert [v.pk for v in coefficient_versions(region, YEAR)] == [published["coefficients"].pk]


def test_adopted_scenario_is_the_policy_of_the_next_real_run(published):
    world, region = published["world"], published["region"]
    scenario = build(world, region, "采纳方案", {"fund_budget": "1500000"})
    scenario_run = run_of(scenario)
    staff, admin = world["A"].users[Role.BUREAU_STAFF], world["A"].users[Role.BUREAU_ADMIN]
    with scopes_disabled():
        with pytest.raises(Forbidden):
            scenario_adopt(actor=staff, scenario=scenario, reason="试算通过")
        with pytest.raises(ValidationFailed):
            scenario_adopt(actor=admin, scenario=scenario, reason=" ")
        policy = scenario_adopt(actor=admin, scenario=scenario, reason="局务会审议通过")
        assert policy.fund_budget == D("1500000")
        event = AuditEvent.objects.filter(action="policy.update", object_id=str(policy.pk)).latest("pk")
        assert "局务会审议通过" in event.reason and event.new["fund_budget"] in ("1500000.00", D("1500000"))
        assert AuditEvent.objects.filter(action="scenario.adopt", object_id=str(scenario.pk)).exists()
        scenario.refresh_from_db()
        assert scenario.adopted_by == admin and scenario.adopt_reason == "局务会审议通过"
        # the next real annual run uses the adopted parameters: the same point value and dues as the scenario
        real = settlement_run_start(actor=staff, region=region, kind="annual", period=str(YEAR))
        assert real.parameters["fund_budget"] == "1500000.00"
        assert real.point_value == scenario_run.point_value
        real = settlement_run_publish(actor=admin, run=real)
        assert real.status == "published" and real.version == 2
        dues = dict(HospitalResult.objects.filter(run=real).values_list("hospital_id", "due"))
        assert dues == dict(HospitalResult.objects.filter(run=scenario_run).values_list("hospital_id", "due"))


def test_two_scenarios_compared(published):
    world, region = published["world"], published["region"]
    a = build(world, region, "方案A", {"fund_budget": "1300000"})
    b = build(world, region, "方案B", {"fund_budget": "1100000", "high_ratio_3": "2.0"})
    figures = scenario_compare(a, b)
    assert figures.point_value == run_of(b).point_value and figures.baseline_point_value == run_of(a).point_value
    with scopes_disabled():
        due_a = dict(HospitalResult.objects.filter(run_id=a.run_id).values_list("hospital_id", "due"))
        due_b = dict(HospitalResult.objects.filter(run_id=b.run_id).values_list("hospital_id", "due"))
    for row in figures.hospitals:
        assert row["due"] == due_b[row["hospital_id"]] and row["published_due"] == due_a[row["hospital_id"]]
        assert row["difference"] == due_b[row["hospital_id"]] - due_a[row["hospital_id"]]
    assert figures.totals["difference"] == sum(due_b.values()) - sum(due_a.values()) < 0


def test_baseline_is_the_current_policy_where_nothing_is_published(small):
    """No published run of the period: the scenario is shown beside the current policy, computed the same way."""
    from tests.settlement.conftest import add_cases, case

    from .conftest import DAY

    h1, h2 = small["h"][:2]
    add_cases([case(h1, "ED11", "8000", DAY, self_pay="800"), case(h2, "ED11", "8000", DAY, self_pay="500")])
    scenario = build(small["world"], small["region"], "无公布", {"fund_budget": "2400000"})
    assert scenario.baseline == "current"
    with scopes_disabled():
        base = SettlementRun.scenario_objects.get(pk=scenario.baseline_run_id)
    assert base.scenario_id == scenario.pk and base.parameters["fund_budget"] == "1200000.00"
    run = run_of(scenario)
    assert run.total_adjusted_points == base.total_adjusted_points
    assert run.point_value == q((D("2400000") + run.total_self_pay) / run.total_adjusted_points, "0.0001")
    assert base.point_value == q((D("1200000") + base.total_self_pay) / base.total_adjusted_points, "0.0001")


def test_delete_removes_every_scenario_row_and_nothing_else(published):
    world, region = published["world"], published["region"]
    before = official_snapshot()
    scenario = build(world, region, "删除", {"min_cases": "6", "fund_budget": "1000000"})
    with scopes_disabled():
        assert StatsVersion.scenario_objects.filter(scenario=scenario).count() == 1
        scenario_delete(actor=world["A"].users[Role.BUREAU_STAFF], scenario=scenario)
        assert not Scenario.objects.filter(pk=scenario.pk).exists()
        for model in (StatsVersion, CoefficientVersion, SettlementRun):
            assert not model.scenario_objects.filter(scenario_id=scenario.pk).exists()
        assert not CaseResult.objects.filter(run_id=scenario.run_id).exists()
    assert official_snapshot() == before


def test_bad_parameters_are_refused_by_name(published):
    world, region = published["world"], published["region"]
    staff = world["A"].users[Role.BUREAU_STAFF]
    with scopes_disabled():
        with pytest.raises(ValidationFailed, match="no_such"):
            scenario_create(actor=staff, region=region, year=YEAR, name="x", parameters={"no_such": "1"})
        with pytest.raises(ValidationFailed, match="cv_max"):
            scenario_create(actor=staff, region=region, year=YEAR, name="x", parameters={"cv_max": "abc"})
        with pytest.raises(ValidationFailed, match="fund_budget_310"):
            scenario_create(actor=staff, region=region, year=YEAR, name="x", parameters={"fund_budget_310": "5"})
        with pytest.raises(Forbidden):
            scenario_create(actor=world["A"].users[Role.HOSPITAL_ADMIN], region=region, year=YEAR, name="x")
        build(world, region, "同名", {})
        with pytest.raises(ValidationFailed, match="name"):
            scenario_create(actor=staff, region=region, year=YEAR, name="同名")
        assert Scenario.objects.count() == 1


# --- API and tenancy ------------------------------------------------------------------------------


def test_api_create_get_list_adopt(published, api):
    world = published["world"]
    a = world["A"]
    staff, admin = api(a.users[Role.BUREAU_STAFF]), api(a.users[Role.BUREAU_ADMIN])
    response = staff.post("/api/v1/scenarios/", {"region": a.region.code, "year": YEAR, "name": "接口方案",
                                                 "parameters": {"fund_budget": "1500000"}}, format="json")
    assert response.status_code == 202, response.content
    pk = response.json()["id"]
    body = staff.get(f"/api/v1/scenarios/{pk}/").json()
    assert body["status"] == "ready"
    run = published["run"]
    assert D(body["point_value"]) == q((D("1500000") + run.total_self_pay) / run.total_adjusted_points, "0.0001")
    assert body["point_values"] == {}
    with scopes_disabled():
        dues = {r.hospital.code: r.due for r in HospitalResult.objects.filter(run=run).select_related("hospital")}
    assert {h["hospital"] for h in body["hospitals"]} == set(dues)
    for h in body["hospitals"]:
        assert D(h["published_due"]) == dues[h["hospital"]]
        assert D(h["difference"]) == D(h["due"]) - D(h["published_due"])
    listed = staff.get("/api/v1/scenarios/", {"region": a.region.code}).json()
    assert [s["id"] for s in listed["results"]] == [pk]
    assert staff.post(f"/api/v1/scenarios/{pk}/adopt/", {"reason": "x"}, format="json").status_code == 403
    assert admin.post(f"/api/v1/scenarios/{pk}/adopt/", {}, format="json").status_code == 400
    adopted = admin.post(f"/api/v1/scenarios/{pk}/adopt/", {"reason": "审议通过"}, format="json")
    assert adopted.status_code == 200 and adopted.json()["adopted_at"]
    with scopes_disabled():
        assert PolicyYear.objects.get(region=a.region, year=YEAR).fund_budget == D("1500000")
    bad = staff.post("/api/v1/scenarios/", {"region": a.region.code, "year": YEAR, "name": "坏",
                                            "parameters": {"low_ratio_9": "1"}}, format="json")
    assert bad.status_code == 400 and "low_ratio_9" in bad.json()["detail"]


def test_api_tenancy_other_region_and_hospital_users_get_404(published, api):
    world = published["world"]
    a, b = world["A"], world["B"]
    scenario = build(world, a.region, "隔离", {"fund_budget": "1500000"})
    url = f"/api/v1/scenarios/{scenario.pk}/"
    assert api(a.users[Role.AUDITOR]).get(url).status_code == 200
    for user in (b.users[Role.BUREAU_ADMIN], b.users[Role.BUREAU_STAFF], a.users[Role.HOSPITAL_ADMIN],
                 a.users[Role.HOSPITAL_STAFF], a.users[Role.EXPERT], world["C"].users[Role.BUREAU_ADMIN]):
        client = api(user)
        assert client.get(url).status_code == 404
        assert client.post(f"{url}adopt/", {"reason": "x"}, format="json").status_code == 404
        assert client.get("/api/v1/scenarios/").json()["results"] == []
    # a region-B bureau cannot build in region A (unknown region code: 404)
    response = api(b.users[Role.BUREAU_STAFF]).post("/api/v1/scenarios/", {
        "region": a.region.code, "year": YEAR, "name": "越权", "parameters": {}}, format="json")
    assert response.status_code == 404


def test_screens_detail_compare_export_and_hospital_404(published, client):
    from io import BytesIO

    from openpyxl import load_workbook

    from tests.conftest import PASSWORD

    world = published["world"]
    a = world["A"]
    one = build(world, a.region, "一", {"fund_budget": "1500000"})
    two = build(world, a.region, "二", {"fund_budget": "1000000"})
    client.login(username=a.users[Role.BUREAU_ADMIN].username, password=PASSWORD)
    page = client.get(f"/scenarios/{one.pk}/").content.decode()
    assert str(run_of(one).point_value) in page and str(published["run"].point_value) in page
    assert 'id="adopt-form"' in page and "chart-scenario" in page
    compare = client.get("/scenarios/compare/", {"a": one.pk, "b": two.pk}).content.decode()
    assert str(run_of(two).point_value) in compare and str(run_of(one).point_value) in compare
    response = client.get(f"/scenarios/{one.pk}/export.xlsx")
    book = load_workbook(BytesIO(response.content))
    sheet = book.worksheets[1]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3
    with scopes_disabled():
        dues = {r.hospital.code: r.due for r in HospitalResult.objects.filter(run_id=one.run_id).select_related("hospital")}
    assert {r[0]: D(str(r[7])) for r in rows} == dues
    client.logout()
    client.login(username=a.users[Role.HOSPITAL_ADMIN].username, password=PASSWORD)
    assert client.get(f"/scenarios/{one.pk}/").status_code == 404
    assert client.get(f"/scenarios/{one.pk}/export.xlsx").status_code == 404
    client.logout()
    client.login(username=world["B"].users[Role.BUREAU_ADMIN].username, password=PASSWORD)
    assert client.get(f"/scenarios/{one.pk}/").status_code == 404


def test_demo_hook_saves_one_true_scenario_in_xuancheng_and_is_idempotent(small, monkeypatch):
    """seed_demo's hook: a month scenario compared with that month's published run (region A is 341800)."""
    from apps.core import demo_data
    from apps.scenarios import demo
    from apps.scenarios.services import scenario_recompute
    from tests.settlement.conftest import add_cases, case

    from .conftest import DAY

    monkeypatch.setattr(demo_data, "DEMO_PAYMENT_YEAR", YEAR)
    published = small
    h1, h2 = small["h"][:2]
    add_cases([case(h1, "ED11", "20000", DAY, self_pay="2000"), case(h2, "ED11", "8000", DAY, self_pay="500")])
    region = published["region"]
    assert region.code == demo.DEMO_REGION
    with scopes_disabled():
        month = settlement_run_publish(actor=None, run=settlement_run_start(
            actor=None, region=region, kind="monthly", period=f"{YEAR}-03", sync=True))
    first = demo.seed_region(region)
    assert first["status"] == "ready" and first["period"] == f"{YEAR}-03"
    assert demo.seed_region(region) == {"scenario": "exists"}
    assert demo.seed_region(published["world"]["B"].region) == {}
    with scopes_disabled():
        scenario = Scenario.objects.get(pk=first["scenario"])
        assert scenario.baseline == "published" and scenario.baseline_run_id == month.pk
        run = SettlementRun.scenario_objects.get(pk=scenario.run_id)
        budget = D(scenario.parameters["fund_budget"])
        assert budget == q(D("1200000") * D("1.05"), "0.01")
        # monthly formula (domain §5): PV = (budget/12 + Σ self_pay) / Σ adjusted = (budget + 12 Σsp) / (12 Σadj)
        assert run.point_value == q((budget + 12 * run.total_self_pay) / (12 * run.total_adjusted_points), "0.0001")
        old_run = scenario.run_id
        again = scenario_recompute(actor=published["world"]["A"].users[Role.BUREAU_STAFF], scenario=scenario)
        assert again.status == "ready" and again.run_id != old_run
        assert not SettlementRun.scenario_objects.filter(pk=old_run).exists()
        assert SettlementRun.scenario_objects.get(pk=again.run_id).point_value == run.point_value


def test_what_if_command_builds_exports_and_adopts(published, tmp_path):
    import io
    import json

    from django.core.management import call_command

    region, run = published["region"], published["run"]
    out = io.StringIO()
    call_command("what_if", "--region", region.code, "--year", str(YEAR), "--name", "命令方案", "--set",
                 "fund_budget=1500000", "--export", str(tmp_path / "s.xlsx"), stdout=out)
    body = json.loads(out.getvalue())
    assert body["status"] == "ready" and body["baseline"] == "published"
    assert D(body["point_value"]) == q((D("1500000") + run.total_self_pay) / run.total_adjusted_points, "0.0001")
    assert D(body["published_due"]) == run.total_due and len(body["hospitals"]) == 3
    assert (tmp_path / "s.xlsx").stat().st_size > 0
    out = io.StringIO()
    call_command("what_if", "--adopt", str(body["scenario"]), "--reason", "命令采纳", stdout=out)
    assert json.loads(out.getvalue())["adopted"] is True
    with scopes_disabled():
        assert PolicyYear.objects.get(region=region, year=YEAR).fund_budget == D("1500000")


def test_a_scenario_splitting_the_funds_shows_a_point_value_per_fund(published):
    """Two funds (domain §10) in a scenario: each fund's point value over its own cases (all cases here are 310)."""
    world, region, official = published["world"], published["region"], published["run"]
    scenario = build(world, region, "分险种", {"fund_budget_310": "1000000", "fund_budget_390": "200000"})
    figures = scenario_figures(scenario)
    assert set(figures.point_values) >= {"310"}
    expected = q((D("1000000") + official.total_self_pay) / official.total_adjusted_points, "0.0001")
    assert D(figures.point_values["310"]) == expected


def test_a_scenario_runs_case_result_is_not_an_official_figure(published, client):
    """The official "why this amount" screen reads official runs only (apps/settlement/selectors
    `case_result_visible_get`): a what-if run's case result is 404 even for the bureau, by id."""
    from tests.conftest import PASSWORD

    world = published["world"]
    a = world["A"]
    scenario = build(world, a.region, "影子", {"fund_budget": "1500000"})
    with scopes_disabled():
        what_if = CaseResult.objects.filter(run_id=scenario.run_id).first()
        official = CaseResult.objects.filter(run=published["run"]).first()
    assert what_if is not None and official is not None
    client.login(username=a.users[Role.BUREAU_ADMIN].username, password=PASSWORD)
    assert client.get(f"/settlement/results/{official.pk}/").status_code == 200
    assert client.get(f"/settlement/results/{what_if.pk}/").status_code == 404
