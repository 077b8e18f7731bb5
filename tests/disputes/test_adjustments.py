"""Each adjustment type of a dispute decision changes the figures of the next settlement run (the real engine,
published statistics and coefficients of the settlement engineer's `small` world), never an earlier run:
a case regrouped ({drg_code}), a hospital coefficient changed ({coefficient}: a new published version), an
application decision revised ({outcome, unreasonable_cost}). The change carries the dispute as its reason."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from apps.applications.models import Application
from apps.cases.models import Case
from apps.core.errors import ValidationFailed
from apps.core.models import AuditEvent
from apps.disputes import services
from apps.groups.models import GroupStat
from apps.settlement import formulas as f
from apps.settlement.models import CaseResult, CoefficientVersion
from apps.settlement.services import settlement_run_publish, settlement_run_start
from apps.tenants.enums import Role
from tests.applications.test_settlement_effect import _approve, effect  # noqa: F401 - `effect` is a fixture
from tests.settlement.conftest import YEAR, add_cases, case, small  # noqa: F401 - `small` is a fixture

from .conftest import upload

D = Decimal
DAY = dt.date(YEAR, 5, 10)
PERIOD = f"{YEAR}-05"


def _results(run) -> dict:
    with scopes_disabled():
        return {r.case_id: r for r in CaseResult.objects.filter(run=run)}


def _run(region):
    run = settlement_run_start(actor=None, region=region, kind="monthly", period=PERIOD)
    assert run.status == "ready", run.error
    return run


def _dispute(world, hospital, subject_type: str, ref: str, year=None):
    rw = world["A"]
    head, bureau = rw.users[Role.HOSPITAL_ADMIN], rw.users[Role.BUREAU_STAFF]
    with scopes_disabled():
        d = services.dispute_create(actor=rw.users[Role.HOSPITAL_STAFF], hospital=hospital, subject_type=subject_type,
                                    subject_ref=ref, claim="结果有误", requested_outcome="调整", year=year,
                                    evidence=[upload()] if subject_type == "case" else ())
        d = services.dispute_submit(actor=head, dispute=d)
        return services.dispute_accept(actor=bureau, dispute=d)


def _decide(world, d, adjustment, outcome="adjusted"):
    with scopes_disabled():
        return services.dispute_decide(actor=world["A"].users[Role.BUREAU_ADMIN], dispute=d, outcome=outcome,
                                       reason="经核实予以调整", adjustment=adjustment)


def test_case_regroup_changes_the_next_run(small):  # noqa: F811
    world, region, h1 = small["world"], small["region"], small["h"][0]
    target, other = add_cases([case(h1, "ED11", "8000.00", DAY), case(h1, "ED11", "8000.00", DAY)])
    before = _run(region)
    settlement_run_publish(actor=None, run=before)  # the grouping is now published: the raise window runs
    old = _results(before)
    assert old[target.pk].drg_code == "ED11"

    d = _dispute(world, h1, "case", target.settlement_id)
    assert d.subject_published_at == dt.date.today() and d.window_ends == dt.date.today() + dt.timedelta(days=30)
    with pytest.raises(ValidationFailed):  # a code outside the active catalogue is refused, nothing changes
        _decide(world, d, {"drg_code": "ZZ99"})
    d = _decide(world, d, {"drg_code": "EC19"})
    assert d.status == "decided" and d.adjustment == {"drg_code": "EC19", "previous": "ED11"}
    with scopes_disabled():
        assert Case.objects.get(pk=target.pk).drg_code == "EC19"
        event = AuditEvent.objects.get(action="case.regrouped", object_id=str(target.pk))
        assert event.new["source_id"] == d.pk and f"争议 #{d.pk}" in event.reason
        stats = {s.group_code: s for s in GroupStat.objects.filter(version=small["stats"])}

    after = _run(region)
    new = _results(after)
    r = new[target.pk]
    assert (r.drg_code, r.base_points) == ("EC19", stats["EC19"].base_points)
    assert r.points != old[target.pk].points
    assert new[other.pk].drg_code == "ED11" and new[other.pk].points == old[other.pk].points
    assert _results(before)[target.pk].drg_code == "ED11"  # the published run is untouched


def test_coefficient_change_publishes_a_new_version_used_by_the_next_run(small):  # noqa: F811
    world, region, h1 = small["world"], small["region"], small["h"][0]
    (c1,) = add_cases([case(h1, "ED11", "8000.00", DAY)])
    before = _run(region)
    assert _results(before)[c1.pk].coefficient == D("1.1133")

    d = _dispute(world, h1, "coefficient", h1.code, year=YEAR)
    assert d.coefficient_version_id == small["coefficients"].pk and d.year == YEAR
    d = _decide(world, d, {"coefficient": "1.2500"})
    assert d.adjustment["previous"] == "1.1133" and d.adjustment["coefficient"] == "1.2500"
    with scopes_disabled():
        versions = {v.number: v.status for v in CoefficientVersion.objects.filter(region=region, year=YEAR)}
        assert versions == {1: "superseded", 2: "published"}
        event = AuditEvent.objects.filter(action="coefficients.override").latest("id")
        assert f"争议 #{d.pk}" in event.reason

    after = _run(region)
    r = _results(after)[c1.pk]
    assert after.coefficient_version.number == 2
    assert r.coefficient == D("1.2500")
    assert r.adjusted_points == f.adjusted_points(r.case_type, r.points, D("1.2500"))
    assert r.adjusted_points != _results(before)[c1.pk].adjusted_points
    # other hospitals keep their coefficient
    others = {x.hospital_id: x.coefficient for x in _results(after).values() if x.hospital_id != h1.pk}
    assert all(v == {x.hospital_id: x.coefficient for x in _results(before).values()}[k] for k, v in others.items())


def test_application_decision_revised_changes_the_next_run(effect):  # noqa: F811
    c = effect["cases"]
    world, region = effect["world"], effect["region"]
    app = _approve(effect, c["bilateral"], "bilateral", outcome="reject")
    before = _run(region)
    assert _results(before)[c["bilateral"].pk].application_id is None

    d = _dispute(world, c["bilateral"].hospital, "application", str(app.pk))
    d = _decide(world, d, {"outcome": "approve"})
    with scopes_disabled():
        app = Application.objects.get(pk=app.pk)
        assert (app.status, app.outcome) == ("approved", "approve") and f"争议 #{d.pk}" in app.decision_reason
    after = _run(region)
    r = _results(after)[c["bilateral"].pk]
    assert r.application_id == app.pk
    assert r.effective_base == f.effective_base(r.base_points, surgery="bilateral")
    assert r.points != _results(before)[c["bilateral"].pk].points


def test_upheld_changes_nothing_and_free_text_is_recorded(small):  # noqa: F811
    world, h1 = small["world"], small["h"][0]
    (c1,) = add_cases([case(h1, "ED11", "8000.00", DAY)])
    d = _dispute(world, h1, "case", c1.settlement_id)
    d = _decide(world, d, {"drg_code": "EC19"}, outcome="upheld")
    assert d.adjustment is None
    with scopes_disabled():
        assert Case.objects.get(pk=c1.pk).drg_code == "ED11"
    other = _dispute(world, h1, "other", "")
    with pytest.raises(ValidationFailed):
        _decide(world, other, "", outcome="partial")
    other = _decide(world, other, "退回重新核算质量保证金", outcome="partial")
    assert other.adjustment == {"text": "退回重新核算质量保证金"}


def test_coefficient_disputes_follow_the_notice_objection_period(small, monkeypatch):  # noqa: F811
    import apps.notices.selectors as notice_selectors

    world, h1 = small["world"], small["h"][0]
    today = dt.date.today()
    monkeypatch.setattr(notice_selectors, "objection_window",
                        lambda region_id, year: (today - dt.timedelta(days=9), today - dt.timedelta(days=1)))
    with scopes_disabled(), pytest.raises(ValidationFailed) as err:
        services.dispute_create(actor=world["A"].users[Role.HOSPITAL_STAFF], hospital=h1, subject_type="coefficient",
                                subject_ref=h1.code, claim="系数偏低", year=YEAR)
    assert err.value.code == "deadline_passed"
    monkeypatch.setattr(notice_selectors, "objection_window",
                        lambda region_id, year: (today - dt.timedelta(days=2), today + dt.timedelta(days=5)))
    with scopes_disabled():
        d = services.dispute_create(actor=world["A"].users[Role.HOSPITAL_STAFF], hospital=h1,
                                    subject_type="coefficient", subject_ref=h1.code, claim="系数偏低", year=YEAR)
    assert d.window_ends == today + dt.timedelta(days=5)


def test_case_regroup_checks_role_scope_and_catalogue(small):  # noqa: F811
    from apps.cases.regroup import case_regroup
    from apps.core.errors import Forbidden, NotFound

    world, h1 = small["world"], small["h"][0]
    (c1,) = add_cases([case(h1, "ED11", "8000.00", DAY)])
    with scopes_disabled():
        with pytest.raises(Forbidden):
            case_regroup(actor=world["A"].users[Role.HOSPITAL_ADMIN], case=c1, drg_code="EC19", reason="x")
        with pytest.raises(NotFound):
            case_regroup(actor=world["B"].users[Role.BUREAU_ADMIN], case=c1, drg_code="EC19", reason="x")
        with pytest.raises(ValidationFailed):
            case_regroup(actor=world["A"].users[Role.BUREAU_STAFF], case=c1, drg_code="ED11", reason="x")
        case_regroup(actor=world["A"].users[Role.BUREAU_STAFF], case=c1, drg_code="ec19", reason="核查")
        assert Case.objects.get(pk=c1.pk).drg_code == "EC19"
