"""The rules of workflows §2 and domain §6: cap (with the floor boundary), deadline, cleared year, one
active application per case, attachments by content, rare diseases, multi-site groups, conflict of
interest and replacement, opinion bounds, decisions and the cap re-check at approval."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.applications import selectors, services
from apps.applications.models import Application, Assignment, ExpertProfile
from apps.core.errors import InvalidTransition, ValidationFailed
from apps.settlement.models import SettlementRun
from apps.tenants.enums import Role
from apps.tenants.services import policy_set, user_create
from tests.conftest import PASSWORD
from tests.settlement.conftest import add_cases, case

from .conftest import JPEG, PDF, PNG, exe_as_pdf, fresh, make, png_as_pdf, recent_day, upload


def _policy(a, **values):
    with scopes_disabled():
        policy_set(actor=None, region=a.region, year=recent_day().year, values=values)


def _code(exc_info) -> str:
    return exc_info.value.code


# --- cap -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("rate", "limit"), [("250", 3), ("249.99", 2), ("83.34", 1), ("83.33", 0)])
def test_incentive_cap_is_the_floor(aw, rate, limit):
    """12 DRG cases at level 3: floor(12 × rate / 1000); the (limit+1)-th submission is refused."""
    a = aw["A"]
    _policy(a, incentive_rate_3=Decimal(rate))
    with scopes_disabled():
        assert selectors.drg_cases(a.hospital, recent_day().year) == 12
        assert selectors.cap_limit(a.hospital, recent_day().year, "incentive") == limit
    for i in range(limit):
        make(a, "submitted", case_index=i)
    with pytest.raises(ValidationFailed) as err:
        make(a, "submitted", case_index=limit, type="incentive_major")
    assert _code(err) == "cap_exceeded"


def test_both_incentive_types_share_one_cap_and_special_has_its_own(aw):
    a = aw["A"]
    _policy(a, incentive_rate_3=Decimal("250"), special_case_pct=Decimal("8.34"))  # caps 3 and 1
    with scopes_disabled():
        a.cases[1].secondary_dx = ["E75.200x003"]  # 戈谢病: rare
        a.cases[1].save()
    make(a, "submitted", case_index=0, type="incentive_major")
    make(a, "submitted", case_index=1, type="incentive_rare")
    make(a, "submitted", case_index=2, type="incentive_major")
    with pytest.raises(ValidationFailed) as err:
        make(a, "submitted", case_index=3, type="incentive_major")
    assert _code(err) == "cap_exceeded"
    make(a, "submitted", case_index=4, type="special_case")
    with pytest.raises(ValidationFailed) as err:
        make(a, "submitted", case_index=5, type="special_case")
    assert _code(err) == "cap_exceeded"
    make(a, "submitted", case_index=6, type="bilateral")  # surgery applications have no cap


def test_rejected_and_withdrawn_free_their_place_returned_keeps_it(aw):
    a = aw["A"]
    _policy(a, incentive_rate_3=Decimal("100"))  # floor(1.2) = 1
    first = make(a, "returned", case_index=0)
    with pytest.raises(ValidationFailed):
        make(a, "submitted", case_index=1)
    with scopes_disabled():  # the returned one resubmits into its own place
        services.submit(actor=a.user(Role.HOSPITAL_STAFF), application=fresh(first))
        services.withdraw(actor=a.user(Role.HOSPITAL_STAFF), application=fresh(first))
    second = make(a, "submitted", case_index=2)  # case 1 keeps the draft of the refused attempt
    with scopes_disabled():
        services.reject_at_intake(actor=a.user(Role.BUREAU_STAFF), application=fresh(second), reason="不符合")
    make(a, "submitted", case_index=3)


def test_cap_counts_only_the_hospitals_drg_cases_of_the_year(aw):
    a = aw["A"]
    year = recent_day().year
    with scopes_disabled():
        add_cases([case(a.hospital, "ED11", "100.00", dt.date(year - 1, 6, 1)) for _ in range(5)])
        add_cases([case(a.world.hospitals[2], "ED11", "100.00", recent_day()) for _ in range(5)])  # not DRG-paid
        assert selectors.drg_cases(a.hospital, year) == 12
        assert selectors.drg_cases(a.world.hospitals[2], year) == 0


def test_cap_is_rechecked_at_approval(aw):
    a = aw["A"]
    first = make(a, "reviewed", case_index=0)
    second = make(a, "reviewed", case_index=1)
    _policy(a, incentive_rate_3=Decimal("100"))  # the cap falls to 1 while both are in review
    admin = a.user(Role.BUREAU_ADMIN)
    with scopes_disabled():
        services.decide(actor=admin, application=fresh(first), outcome="approve", reason="同意")
        with pytest.raises(ValidationFailed) as err:
            services.decide(actor=admin, application=fresh(second), outcome="approve", reason="同意")
        assert _code(err) == "cap_exceeded"
        services.decide(actor=admin, application=fresh(second), outcome="reject", reason="超出名额")
    assert fresh(second).status == "rejected"


# --- deadline, cleared year, the case ------------------------------------------------------------


def test_deadline_after_the_end_of_the_discharge_month(aw):
    a = aw["A"]
    today = timezone.localdate()
    if today.month == 1:
        pytest.skip("needs a discharge month before the current one in the same year")
    discharge = dt.date(today.year, 1, 10)
    days = (today - dt.date(today.year, 1, 31)).days
    assert selectors.application_deadline(discharge, days) == today
    with scopes_disabled():
        old = add_cases([case(a.hospital, "ED11", "10000.00", discharge) for _ in range(2)])
    _policy(a, application_deadline_days=days)
    hospital_user = a.user(Role.HOSPITAL_STAFF)
    with scopes_disabled():
        ok = services.create_draft(actor=hospital_user, case=old[0], type="bilateral", reason="双侧")
        services.add_attachment(actor=hospital_user, application=ok, kind="medical_record_summary", upload=upload())
        assert services.submit(actor=hospital_user, application=ok).status == "submitted"  # the last day counts
    _policy(a, application_deadline_days=days - 1)
    with scopes_disabled():
        late = services.create_draft(actor=hospital_user, case=old[1], type="bilateral", reason="双侧")
        services.add_attachment(actor=hospital_user, application=late, kind="medical_record_summary", upload=upload())
        with pytest.raises(ValidationFailed) as err:
            services.submit(actor=hospital_user, application=late)
    assert _code(err) == "deadline_passed"


def test_deadline_default_is_60_days():
    assert selectors.application_deadline(dt.date(2025, 2, 3), 60) == dt.date(2025, 4, 29)
    assert selectors.application_deadline(dt.date(2024, 12, 31), 60) == dt.date(2025, 3, 1)


def test_a_cleared_year_is_closed(aw):
    a = aw["A"]
    year = recent_day().year
    app = make(a, "draft")
    with scopes_disabled():
        services.add_attachment(actor=a.user(Role.HOSPITAL_STAFF), application=app, kind="medical_record_summary",
                                upload=upload())
        SettlementRun.objects.create(region=a.region, kind="annual", period=str(year), year=year, version=1,
                                     status="published")
        with pytest.raises(ValidationFailed) as err:
            services.submit(actor=a.user(Role.HOSPITAL_STAFF), application=fresh(app))
    assert _code(err) == "year_cleared"
    # another region's clearing does not close region A
    b = aw["B"]
    with scopes_disabled():
        assert year not in __import__("apps.settlement.selectors", fromlist=["x"]).cleared_years(b.region)


def test_one_active_application_per_case(aw):
    a = aw["A"]
    first = make(a, "submitted")
    with pytest.raises(ValidationFailed):
        make(a, "draft")
    with scopes_disabled():
        services.withdraw(actor=a.user(Role.HOSPITAL_ADMIN), application=fresh(first), reason="改申请特例")
        again = services.create_draft(actor=a.user(Role.HOSPITAL_ADMIN), case=a.cases[0], type="special_case",
                                      reason="特例单议")
        assert again.status == "draft"
        with pytest.raises(IntegrityError), transaction.atomic():  # the partial unique index holds in the database
            Application.objects.create(region=a.region, case=a.cases[0], hospital=a.hospital, type="bilateral",
                                       reason="x", year=again.year)


def test_not_drg_paid_hospital_cannot_apply(aw):
    a = aw["A"]
    h3 = a.world.hospitals[2]
    user = None
    with scopes_disabled():
        user = user_create(actor=None, username="h3_staff", password=PASSWORD, memberships=[
            {"role": Role.HOSPITAL_STAFF, "region": a.region, "hospital": h3}])
        c = add_cases([case(h3, "ED11", "100.00", recent_day())])[0]
        with pytest.raises(ValidationFailed):
            services.create_draft(actor=user, case=c, type="bilateral", reason="x")


# --- attachments ---------------------------------------------------------------------------------


def test_submit_needs_the_medical_record_summary_pdf(aw):
    a = aw["A"]
    user = a.user(Role.HOSPITAL_STAFF)
    app = make(a, "draft")
    with scopes_disabled():
        with pytest.raises(ValidationFailed) as err:
            services.submit(actor=user, application=fresh(app))
        assert _code(err) == "validation_error"
        services.add_attachment(actor=user, application=fresh(app), kind="other", upload=upload(PDF, "其他.pdf"))
        with pytest.raises(ValidationFailed):
            services.submit(actor=user, application=fresh(app))
        services.add_attachment(actor=user, application=fresh(app), kind="medical_record_summary", upload=upload())
        assert services.submit(actor=user, application=fresh(app)).status == "submitted"


def test_attachment_content_is_detected_from_the_bytes(aw, private_media):
    a = aw["A"]
    user = a.user(Role.HOSPITAL_STAFF)
    app = make(a, "draft")
    with scopes_disabled():
        with pytest.raises(ValidationFailed):  # a PNG named .pdf is not a PDF
            services.add_attachment(actor=user, application=app, kind="medical_record_summary", upload=png_as_pdf())
        png = services.add_attachment(actor=user, application=app, kind="other", upload=png_as_pdf())
        assert png.content_type == "image/png" and png.original_name == "scan.pdf"
        assert png.stored_name.endswith(".png") and "scan" not in png.stored_name
        jpeg = services.add_attachment(actor=user, application=app, kind="other",
                                       upload=SimpleUploadedFile("photo.jpg", JPEG))
        assert jpeg.content_type == "image/jpeg"
        for kind in ("medical_record_summary", "other"):
            with pytest.raises(ValidationFailed):  # an .exe renamed .pdf
                services.add_attachment(actor=user, application=app, kind=kind, upload=exe_as_pdf())
        pdf = services.add_attachment(actor=user, application=app, kind="medical_record_summary", upload=upload())
    stored = private_media / "applications" / pdf.stored_name
    assert stored.read_bytes() == PDF
    import hashlib

    assert pdf.sha256 == hashlib.sha256(PDF).hexdigest() and pdf.size == len(PDF)
    assert sorted(p.name for p in (private_media / "applications").iterdir()) == sorted(
        [png.stored_name, jpeg.stored_name, pdf.stored_name])


def test_attachment_size_limit(aw):
    a = aw["A"]
    app = make(a, "draft")
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024 - 4))
    with scopes_disabled(), pytest.raises(ValidationFailed):
        services.add_attachment(actor=a.user(Role.HOSPITAL_STAFF), application=app, kind="medical_record_summary",
                                upload=big)
    ok = SimpleUploadedFile("max.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024 - 5))
    with scopes_disabled():
        services.add_attachment(actor=a.user(Role.HOSPITAL_STAFF), application=app, kind="medical_record_summary",
                                upload=ok)


def test_attachments_only_while_draft_or_returned(aw):
    a = aw["A"]
    app = make(a, "submitted")
    with scopes_disabled(), pytest.raises(InvalidTransition):
        services.add_attachment(actor=a.user(Role.HOSPITAL_STAFF), application=fresh(app), kind="other",
                                upload=upload(PNG, "x.png"))


# --- types ---------------------------------------------------------------------------------------


def test_rare_disease_needs_a_listed_diagnosis(aw):
    a = aw["A"]
    with pytest.raises(ValidationFailed):
        make(a, "draft", case_index=0, type="incentive_rare")  # I21.000: not rare
    with scopes_disabled():
        a.cases[1].principal_dx = "E75.200x003"  # 戈谢病
        a.cases[1].save()
        assert "戈谢病" in selectors.rare_disease_of(a.cases[1])
    assert make(a, "draft", case_index=1, type="incentive_rare").status == "draft"


def test_rare_disease_list_is_shipped():
    rows = selectors.rare_disease_codes()
    assert len(rows) >= 60
    codes = {c for c, _ in rows}
    assert {"E75.2", "D66", "G12.2", "E84", "Q78.0"} <= codes


def test_multi_site_needs_a_secondary_group_with_statistics(aw):
    a = aw["A"]
    with pytest.raises(ValidationFailed):
        make(a, "draft", type="multi_site")  # no secondary group
    with pytest.raises(ValidationFailed):
        make(a, "draft", type="multi_site", secondary_drg_code="ED13")  # no published statistics
    with pytest.raises(ValidationFailed):
        make(a, "draft", type="bilateral", secondary_drg_code="ED13")  # only for multi-site


# --- experts -------------------------------------------------------------------------------------


def test_assign_exactly_n_non_conflicted_active_experts(aw):
    a = aw["A"]
    bureau = a.user(Role.BUREAU_STAFF)
    app = make(a, "under_review")
    with scopes_disabled():
        with pytest.raises(ValidationFailed) as err:
            services.assign_experts(actor=bureau, application=fresh(app), experts=a.experts[:2])
        assert _code(err) == "validation_error"
        with pytest.raises(ValidationFailed) as err:
            services.assign_experts(actor=bureau, application=fresh(app), experts=[*a.experts[:2], a.conflicted])
        assert _code(err) == "conflict_of_interest"
        eligible = {p.user_id for p in selectors.eligible_experts(fresh(app))}
        assert eligible == {e.pk for e in a.experts}
        ExpertProfile.objects.filter(user=a.experts[2]).update(active=False)
        with pytest.raises(ValidationFailed):
            services.assign_experts(actor=bureau, application=fresh(app), experts=a.experts)
        ExpertProfile.objects.filter(user=a.experts[2]).update(active=True)
        with pytest.raises(ValidationFailed):  # another region's expert is not in the pool
            services.assign_experts(actor=bureau, application=fresh(app), experts=[*a.experts[:2], aw["B"].experts[1]])
        rows = services.assign_experts(actor=bureau, application=fresh(app), experts=a.experts)
        assert len(rows) == 3 and fresh(app).review_due == rows[0].due
        from apps.core.calendar import add_working_days

        assert rows[0].due == add_working_days(a.region, timezone.localdate(), 10)
        with pytest.raises(InvalidTransition):
            services.assign_experts(actor=bureau, application=fresh(app), experts=a.experts)


def test_the_membership_affiliation_also_counts(aw):
    a = aw["A"]
    with scopes_disabled():
        ExpertProfile.objects.filter(user=a.conflicted).update(hospital=None)  # profile forgot; membership knows
    app = make(a, "under_review")
    with scopes_disabled(), pytest.raises(ValidationFailed) as err:
        services.assign_experts(actor=a.user(Role.BUREAU_STAFF), application=fresh(app),
                                experts=[*a.experts[:2], a.conflicted])
    assert _code(err) == "conflict_of_interest"


def test_decline_and_replace(aw):
    a = aw["A"]
    bureau = a.user(Role.BUREAU_STAFF)
    app = make(a, "assigned")
    declining = a.experts[1]
    with scopes_disabled():
        services.decline_assignment(actor=declining, application=fresh(app), reason="曾参与该患者诊疗")
        assert selectors.active_assignments(fresh(app)).count() == 2
        with pytest.raises(ValidationFailed) as err:
            services.assign_experts(actor=bureau, application=fresh(app), experts=[declining])
        assert _code(err) == "conflict_of_interest"
        with pytest.raises(ValidationFailed) as err:
            services.assign_experts(actor=bureau, application=fresh(app), experts=[a.conflicted])
        assert _code(err) == "conflict_of_interest"
        new = user_create(actor=None, username="expert_new", password=PASSWORD,
                          memberships=[{"role": Role.EXPERT, "region": a.region}])
        ExpertProfile.objects.update_or_create(region=a.region, user=new, defaults={"specialty": "骨科"})  # enlisted on creation
        services.assign_experts(actor=bureau, application=fresh(app), experts=[new])
        statuses = dict(Assignment.objects.filter(application=app).values_list("expert__username", "status"))
        assert statuses[declining.username] == "replaced" and statuses["expert_new"] == "assigned"
        with pytest.raises(InvalidTransition):  # an expert who gave an opinion cannot decline any more
            services.submit_opinion(actor=a.experts[0], application=fresh(app), verdict="approve", unreasonable_cost=0)
            services.decline_assignment(actor=a.experts[0], application=fresh(app), reason="x")


# --- opinions, review, decision ------------------------------------------------------------------


def test_opinion_bounds_and_editing(aw):
    a = aw["A"]
    app = make(a, "assigned")
    expert = a.experts[0]
    with scopes_disabled():
        for bad in ("-1", "10000.01", "abc"):
            with pytest.raises(ValidationFailed):
                services.submit_opinion(actor=expert, application=fresh(app), verdict="approve", unreasonable_cost=bad)
        with pytest.raises(ValidationFailed):
            services.submit_opinion(actor=expert, application=fresh(app), verdict="maybe", unreasonable_cost=0)
        services.submit_opinion(actor=expert, application=fresh(app), verdict="approve", unreasonable_cost="10000.00")
        services.submit_opinion(actor=expert, application=fresh(app), verdict="reject", unreasonable_cost="0")
        assert selectors.suggestion(fresh(app))["reject"] == 1
        for e in a.experts[1:]:
            services.submit_opinion(actor=e, application=fresh(app), verdict="approve", unreasonable_cost="50")
        assert fresh(app).status == "reviewed"  # all opinions in
        services.submit_opinion(actor=expert, application=fresh(app), verdict="approve", unreasonable_cost="20")
        s = selectors.suggestion(fresh(app))
        assert s["verdict"] == "approve" and s["unreasonable_cost"] == Decimal("50.00")
        services.decide(actor=a.user(Role.BUREAU_ADMIN), application=fresh(app), outcome="approve", reason="同意")
        with pytest.raises(InvalidTransition):
            services.submit_opinion(actor=expert, application=fresh(app), verdict="reject", unreasonable_cost=0)


def test_suggestion_majority_and_median(aw):
    a = aw["A"]
    app = make(a, "assigned")
    with scopes_disabled():
        services.submit_opinion(actor=a.experts[0], application=fresh(app), verdict="approve", unreasonable_cost="100")
        services.submit_opinion(actor=a.experts[1], application=fresh(app), verdict="reject", unreasonable_cost="0")
        assert selectors.suggestion(fresh(app))["verdict"] is None  # tie
        services.submit_opinion(actor=a.experts[2], application=fresh(app), verdict="approve", unreasonable_cost="301")
        s = selectors.suggestion(fresh(app))
    assert s == {"opinions": 3, "approve": 2, "reject": 1, "verdict": "approve", "unreasonable_cost": Decimal("200.50")}


def test_review_closes_only_when_complete_or_overdue(aw):
    a = aw["A"]
    app = make(a, "assigned")
    other = make(a, "assigned", case_index=1)
    with scopes_disabled():
        with pytest.raises(InvalidTransition):
            services.mark_reviewed(actor=a.user(Role.BUREAU_STAFF), application=fresh(app))
        Application.objects.filter(pk=app.pk).update(review_due=timezone.localdate() - dt.timedelta(days=1))
        assert services.mark_overdue_reviews(a.region) == 1
    assert fresh(app).status == "reviewed" and fresh(other).status == "under_review"


def test_decide_outcomes(aw):
    a = aw["A"]
    admin = a.user(Role.BUREAU_ADMIN)
    partial = make(a, "reviewed", case_index=0)
    bilateral = make(a, "reviewed", case_index=1, type="bilateral")
    with scopes_disabled():
        for cost in (None, "0", "10000.01"):
            with pytest.raises(ValidationFailed):
                services.decide(actor=admin, application=fresh(partial), outcome="partial", reason="部分",
                                unreasonable_cost=cost)
        with pytest.raises(ValidationFailed):
            services.decide(actor=admin, application=fresh(partial), outcome="maybe", reason="x")
        done = services.decide(actor=admin, application=fresh(partial), outcome="partial", reason="部分不合理",
                               unreasonable_cost="1234.5")
        assert (done.status, done.outcome, done.unreasonable_cost) == ("approved", "partial", Decimal("1234.50"))
        with pytest.raises(ValidationFailed):
            services.decide(actor=admin, application=fresh(bilateral), outcome="partial", reason="x",
                            unreasonable_cost="10")
        done = services.decide(actor=admin, application=fresh(bilateral), outcome="approve", reason="同意")
        assert done.unreasonable_cost is None and done.decided_by == admin


def test_periodic_sweep_and_command(aw):
    import json
    from io import StringIO

    from django.core.management import call_command

    from apps.applications.tasks import sweep_overdue_reviews

    a, b = aw["A"], aw["B"]
    late_a = make(a, "assigned")
    late_b = make(b, "assigned")
    with scopes_disabled():
        Application.objects.filter(pk__in=[late_a.pk, late_b.pk]).update(
            review_due=timezone.localdate() - dt.timedelta(days=1))
    assert sweep_overdue_reviews() == sorted([a.region.pk, b.region.pk])
    assert fresh(late_a).status == "reviewed" and fresh(late_b).status == "reviewed"
    out = StringIO()
    call_command("mark_overdue_reviews", region=a.region.code, stdout=out)
    assert json.loads(out.getvalue()) == {"reviewed": {a.region.code: 0}}
