"""Deadlines in working days on the region's calendar (apps/core/data/cn_holidays.csv via `load_holidays`):
acceptance 5 after submission, decision 20 after acceptance (and after an appeal), appeal 10 after the
decision, across weekends, statutory holidays and make-up workdays (调休); region B without the holiday
calendar counts plain Monday–Friday, so the calendar is per region. Overdue is computed and stored."""
from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from apps.disputes import services
from apps.tenants.enums import Role
from apps.tenants.services import policy_set

from .conftest import fresh, make

D = dt.date


@pytest.fixture
def calendar_2026(dw):
    call_command("load_holidays", "--region", dw["A"].region.code, "--year", "2026", stdout=StringIO())
    return dw


def _on(monkeypatch, day: dt.date) -> None:
    monkeypatch.setattr(services, "_today", lambda: day)


@pytest.mark.parametrize(("submitted", "accept_due", "b_accept_due"), [
    (D(2026, 1, 30), D(2026, 2, 6), D(2026, 2, 6)),  # Friday: over a plain weekend
    # Thursday before 春节: Fri 13, Sat 14 (调休上班), holidays 15–23, Tue 24, Wed 25, Thu 26
    (D(2026, 2, 12), D(2026, 2, 26), D(2026, 2, 19)),
    # 劳动节 1–5 May, Saturday 9 May is a make-up workday: Thu 30 Apr, Wed 6, Thu 7, Fri 8, Sat 9
    (D(2026, 4, 29), D(2026, 5, 9), D(2026, 5, 6)),
    # 元旦 1–3 Jan 2026 with Sunday 4 Jan a workday: Wed 31 Dec → Sun 4, Mon 5, Tue 6, Wed 7, Thu 8
    (D(2025, 12, 31), D(2026, 1, 8), D(2026, 1, 7)),
])
def test_acceptance_deadline(calendar_2026, monkeypatch, submitted, accept_due, b_accept_due):
    dw = calendar_2026
    _on(monkeypatch, submitted)
    assert make(dw["A"], "submitted").accept_due == accept_due
    assert make(dw["B"], "submitted").accept_due == b_accept_due  # B has no holiday calendar loaded


def test_decision_and_appeal_deadlines_over_golden_week(calendar_2026, monkeypatch):
    dw = calendar_2026
    a = dw["A"]
    _on(monkeypatch, D(2026, 9, 15))
    d = make(a, "submitted")
    _on(monkeypatch, D(2026, 9, 17))  # Thursday; 20 working days: Sun 20 Sep is a workday, 25–27 Sep and
    with scopes_disabled():           # 1–7 Oct are holidays, Sat 10 Oct is a workday
        d = services.dispute_accept(actor=a.user(Role.BUREAU_STAFF), dispute=d)
    # Fri 18, Sun 20, Mon 21 … Thu 24 (6), Mon 28, Tue 29, Wed 30 (9), Thu 8, Fri 9, Sat 10 (12),
    # Mon 12 … Fri 16 (17), Mon 19, Tue 20, Wed 21 (20)
    assert d.decision_due == D(2026, 10, 21)
    _on(monkeypatch, D(2026, 9, 30))
    with scopes_disabled():
        d = services.dispute_decide(actor=a.user(Role.BUREAU_ADMIN), dispute=d, outcome="upheld", reason="维持")
    # 10 working days after Wed 30 Sep: Thu 8, Fri 9, Sat 10, Mon 12 … Fri 16 (8), Mon 19, Tue 20
    assert d.appeal_due == D(2026, 10, 20)
    _on(monkeypatch, D(2026, 10, 20))  # the last day still counts
    with scopes_disabled():
        d = services.dispute_appeal(actor=a.user(Role.HOSPITAL_ADMIN), dispute=d, reason="复议")
    # the re-decision is due 20 working days after the appeal: Wed 21 Oct … → Tue 17 Nov
    assert d.decision_due == D(2026, 11, 17)


def test_appeal_after_the_period_is_refused(calendar_2026, monkeypatch):
    a = calendar_2026["A"]
    _on(monkeypatch, D(2026, 9, 30))
    d = make(a, "decided")
    assert d.appeal_due == D(2026, 10, 20)
    _on(monkeypatch, D(2026, 10, 21))
    with scopes_disabled(), pytest.raises(services.ValidationFailed) as err:
        services.dispute_appeal(actor=a.user(Role.HOSPITAL_ADMIN), dispute=d, reason="复议")
    assert err.value.code == "deadline_passed"


def test_policy_parameters_drive_the_deadlines(calendar_2026, monkeypatch):
    a = calendar_2026["A"]
    with scopes_disabled():
        policy_set(actor=None, region=a.region, year=2026, values={"dispute_accept_days": 2})
    _on(monkeypatch, D(2026, 2, 12))
    d = make(a, "draft")
    assert d.year == 2026  # an "other" subject takes the current year's policy
    with scopes_disabled():
        d = services.dispute_submit(actor=a.user(Role.HOSPITAL_ADMIN), dispute=d)
    assert d.accept_due == D(2026, 2, 14)  # Fri 13, Sat 14 (调休上班)


def test_overdue_is_computed_and_stored_by_the_sweep(calendar_2026, monkeypatch):
    a = calendar_2026["A"]
    _on(monkeypatch, D(2026, 2, 12))
    submitted = make(a, "submitted")
    accepted = make(a, "accepted")
    assert submitted.accept_due == D(2026, 2, 26) and accepted.decision_due > D(2026, 3, 1)
    with scopes_disabled():
        assert services.mark_overdue(a.region, D(2026, 2, 26)) == 0  # the due day itself is not late
        assert services.mark_overdue(a.region, D(2026, 2, 27)) == 1
        assert fresh(submitted).overdue and not fresh(accepted).overdue
        assert services.mark_overdue(a.region, D(2026, 2, 27)) == 0  # idempotent
        services.dispute_accept(actor=a.user(Role.BUREAU_STAFF), dispute=submitted)
        assert fresh(submitted).overdue is False  # a transition starts the next deadline


def test_working_days_to_decision_agree_with_the_calendar(calendar_2026, monkeypatch):
    from apps.core.calendar import working_days_between
    from apps.disputes.models import Dispute
    from apps.disputes.selectors import decision_working_days, statistics

    a = calendar_2026["A"]
    spans = [(D(2026, 2, 12), D(2026, 2, 26)), (D(2026, 9, 17), D(2026, 10, 21)), (D(2026, 5, 6), D(2026, 5, 6))]
    from django.utils import timezone as tz
    for accepted, decided in spans:
        d = make(a, "submitted")
        with scopes_disabled():
            Dispute.objects.filter(pk=d.pk).update(
                status="decided", outcome="upheld",
                accepted_at=tz.make_aware(dt.datetime.combine(accepted, dt.time(10))),
                decided_at=tz.make_aware(dt.datetime.combine(decided, dt.time(16))))
    with scopes_disabled():
        qs = Dispute.objects.filter(region=a.region)
        expected = sorted(working_days_between(a.region, x, y) for x, y in spans)
        assert sorted(decision_working_days(qs)) == expected == [0, 5, 20]
        assert statistics(qs)["median_days"] == 5.0
