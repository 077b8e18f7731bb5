"""Lifecycle transitions per role: draft → published → final | withdrawn | superseded."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from apps.notices import services
from apps.notices.enums import NoticeStatus
from apps.notices.models import Acknowledgement, NoticeRecipient
from apps.notifications.models import Notification
from apps.tenants.enums import Role

from .conftest import fresh, hospital_user, make_notice, publish


@pytest.mark.parametrize("role,allowed", [
    (Role.BUREAU_ADMIN, True), (Role.BUREAU_STAFF, True), (Role.AUDITOR, False), (Role.EXPERT, False),
    (Role.HOSPITAL_ADMIN, False), (Role.HOSPITAL_STAFF, False)])
def test_create_draft_roles(world, role, allowed):
    if allowed:
        notice = make_notice(world, actor_role=role)
        assert notice.status == NoticeStatus.DRAFT
    else:
        with pytest.raises(Forbidden):
            make_notice(world, actor_role=role)


def test_create_in_another_region_is_not_found(world):
    with scopes_disabled(), pytest.raises(NotFound):
        services.notice_create(actor=world["B"].users[Role.BUREAU_ADMIN], region=world["A"].region, type="general",
                               title="跨区通知")


@pytest.mark.parametrize("role,error", [
    (Role.BUREAU_STAFF, Forbidden), (Role.AUDITOR, Forbidden), (Role.HOSPITAL_ADMIN, NotFound),
    (Role.EXPERT, NotFound)])
def test_publish_roles(world, role, error):
    notice = make_notice(world)
    with scopes_disabled(), pytest.raises(error):
        services.notice_publish(actor=world["A"].users[role], notice=notice)
    assert fresh(notice).status == NoticeStatus.DRAFT


def test_publish_of_other_region_is_not_found(world):
    notice = make_notice(world)
    with scopes_disabled(), pytest.raises(NotFound):
        services.notice_publish(actor=world["B"].users[Role.BUREAU_ADMIN], notice=notice)


def test_supervisor_of_the_province_may_not_publish_a_city_notice(world):
    """Issue 17 / decision 0023: a city's notice is the city bureau's document; the province only reads it."""
    notice = make_notice(world)
    with scopes_disabled(), pytest.raises(Forbidden):
        services.notice_publish(actor=world["supervisor"], notice=notice)
    assert fresh(notice).status == NoticeStatus.DRAFT


def test_publish_numbers_resolves_recipients_and_notifies(world):
    level3 = publish(world, make_notice(world, addressees={"levels": [3]}))
    assert level3.doc_number == f"宣医保发〔{timezone.localdate().year}〕1号"
    second = publish(world, make_notice(world, doc_number="宣医保秘〔2024〕16号"))
    third = publish(world, make_notice(world))
    assert second.doc_number == "宣医保秘〔2024〕16号"
    assert third.doc_number.endswith("〕2号")
    with scopes_disabled():
        assert list(NoticeRecipient.objects.filter(notice=level3).values_list("hospital_id", flat=True)) == [
            world["A"].hospitals[0].pk]
        notes = Notification.objects.filter(kind="notice", title__contains=level3.title)
        users = set(notes.values_list("user_id", flat=True))
    assert world["A"].users[Role.HOSPITAL_ADMIN].pk in users
    assert world["A"].users[Role.BUREAU_ADMIN].pk not in users
    assert level3.sha256 and level3.pdf_path and level3.published_at


def test_published_notice_never_changes(world, published):
    with scopes_disabled():
        with pytest.raises(InvalidTransition):
            services.notice_update(actor=world["A"].users[Role.BUREAU_ADMIN], notice=published, title="改")
        with pytest.raises(InvalidTransition):
            services.notice_publish(actor=world["A"].users[Role.BUREAU_ADMIN], notice=published)
        with pytest.raises(InvalidTransition):
            services.notice_delete_draft(actor=world["A"].users[Role.BUREAU_ADMIN], notice=published)
        before = fresh(published).sha256
        services.render_stored_pdf(published.pk, published.region_id)  # a second render is a no-op
    assert fresh(published).sha256 == before


def test_chosen_hospitals_must_exist_in_the_region(world):
    with pytest.raises(ValidationFailed):
        make_notice(world, addressees={"hospitals": [world["B"].hospitals[0].code]})


def test_withdraw_needs_reason_and_admin(world, published):
    a = world["A"]
    with scopes_disabled():
        with pytest.raises(ValidationFailed):
            services.notice_withdraw(actor=a.users[Role.BUREAU_ADMIN], notice=published, reason=" ")
        with pytest.raises(Forbidden):
            services.notice_withdraw(actor=a.users[Role.BUREAU_STAFF], notice=published, reason="错误")
        with pytest.raises(NotFound):
            services.notice_withdraw(actor=world["B"].users[Role.BUREAU_ADMIN], notice=published, reason="错误")
        notice = services.notice_withdraw(actor=a.users[Role.BUREAU_ADMIN], notice=published, reason="数据有误")
        assert notice.status == NoticeStatus.WITHDRAWN
        with pytest.raises(InvalidTransition):
            services.notice_withdraw(actor=a.users[Role.BUREAU_ADMIN], notice=notice, reason="再次")
        with pytest.raises(InvalidTransition):
            services.notice_acknowledge(actor=a.users[Role.HOSPITAL_ADMIN], notice=notice)


def test_hospital_cannot_withdraw(world, published):
    with scopes_disabled(), pytest.raises(Forbidden):
        services.notice_withdraw(actor=world["A"].users[Role.HOSPITAL_ADMIN], notice=published, reason="x")


def test_revise_supersedes_on_publish(world, published):
    admin = world["A"].users[Role.BUREAU_ADMIN]
    with scopes_disabled():
        draft = services.notice_revise(actor=admin, notice=published)
        assert fresh(published).status == NoticeStatus.PUBLISHED
        draft = services.notice_update(actor=admin, notice=draft, title="关于开展医保支付方式改革培训的通知（更正）")
        new = services.notice_publish(actor=admin, notice=draft)
    old = fresh(published)
    assert old.status == NoticeStatus.SUPERSEDED and old.superseded_by_id == new.pk
    assert new.status == NoticeStatus.PUBLISHED and new.doc_number != old.doc_number


def test_supersede_directly(world, published):
    other = publish(world, make_notice(world, title="新通知"))
    with scopes_disabled():
        with pytest.raises(Forbidden):
            services.notice_supersede(actor=world["A"].users[Role.BUREAU_STAFF], notice=published, replacement=other)
        services.notice_supersede(actor=world["A"].users[Role.BUREAU_ADMIN], notice=published, replacement=other)
        with pytest.raises(InvalidTransition):
            services.notice_supersede(actor=world["A"].users[Role.BUREAU_ADMIN], notice=published, replacement=other)
    assert fresh(published).superseded_by_id == other.pk


def test_objection_period_and_finalize(world):
    notice = publish(world, make_notice(world, type="coefficient", year=2025, title="系数公示"))
    assert notice.objection_days == 5  # the policy default
    today = timezone.localdate()
    assert notice.objection_ends > today
    assert services.notice_finalize_expired(today=notice.objection_ends) == 0
    assert services.notice_finalize_expired(today=notice.objection_ends + dt.timedelta(days=1)) == 1
    assert fresh(notice).status == NoticeStatus.FINAL
    # final notices can still be acknowledged and withdrawn
    with scopes_disabled():
        services.notice_acknowledge(actor=world["A"].users[Role.HOSPITAL_STAFF], notice=notice)
        services.notice_withdraw(actor=world["A"].users[Role.BUREAU_ADMIN], notice=fresh(notice), reason="更正")


def test_finalize_task_runs(world):
    from apps.notices.tasks import finalize_expired

    publish(world, make_notice(world, objection_days=0))
    assert finalize_expired.apply().get() == 0


def test_objection_window(world):
    from apps.notices.selectors import objection_window

    region = world["A"].region
    assert objection_window(region.pk, 2025) is None
    publish(world, make_notice(world, type="general", year=2025, objection_days=3))
    assert objection_window(region.pk, 2025) is None  # only coefficient notices open the window
    notice = publish(world, make_notice(world, type="coefficient", year=2025, objection_days=3, title="系数公示"))
    start, end = objection_window(region.pk, 2025)
    assert start == timezone.localdate(notice.published_at) and end == notice.objection_ends
    assert objection_window(world["B"].region.pk, 2025) is None


def test_acknowledge_once_and_only_addressed(world):
    a = world["A"]
    notice = publish(world, make_notice(world, addressees={"hospitals": [a.hospitals[0].code]}))
    other = hospital_user(world, index=1)
    with scopes_disabled():
        first = services.notice_acknowledge(actor=a.users[Role.HOSPITAL_ADMIN], notice=notice)
        again = services.notice_acknowledge(actor=a.users[Role.HOSPITAL_STAFF], notice=notice)
        assert first.pk == again.pk and again.user_id == a.users[Role.HOSPITAL_ADMIN].pk
        assert Acknowledgement.objects.filter(notice=notice).count() == 1
        with pytest.raises(NotFound):
            services.notice_acknowledge(actor=other, notice=notice)
        with pytest.raises(NotFound):
            services.notice_acknowledge(actor=world["B"].users[Role.HOSPITAL_ADMIN], notice=notice)
        with pytest.raises(Forbidden):
            services.notice_acknowledge(actor=a.users[Role.BUREAU_ADMIN], notice=notice)


def test_hospital_cannot_see_or_acknowledge_a_draft(world):
    notice = make_notice(world)
    with scopes_disabled(), pytest.raises(NotFound):
        services.notice_acknowledge(actor=world["A"].users[Role.HOSPITAL_ADMIN], notice=notice)


def test_no_addressees_is_refused(world):
    notice = make_notice(world, addressees={"levels": [1]})
    with scopes_disabled():
        from apps.hospitals.models import Hospital

        Hospital.objects.filter(region=world["A"].region, level=1).update(level=2)
        with pytest.raises(ValidationFailed):
            services.notice_publish(actor=world["A"].users[Role.BUREAU_ADMIN], notice=notice)
