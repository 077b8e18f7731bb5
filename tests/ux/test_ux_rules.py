"""Issue 18 rules below the browser: one lit menu entry, the DIP vocabulary, experts enlisted on creation,
a window for disputes about never-settled cases, the upload template's headers, audit labels."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation
from django_scopes import scopes_disabled

from apps.core.labels import action_label
from apps.core.navigation import active_entry
from apps.core.vocabulary import localize_terms, term
from apps.tenants.enums import Role


def test_one_menu_entry_is_lit():
    urls = ["/", "/groups/", "/groups/grouper/", "/groups/grouper/report/", "/cases/", "/cases/imports/"]
    assert active_entry("/groups/grouper/report/", urls) == "/groups/grouper/report/"
    assert active_entry("/groups/grouper/", urls) == "/groups/grouper/"
    assert active_entry("/cases/imports/7/", urls) == "/cases/imports/"
    assert active_entry("/cases/12/", urls) == "/cases/"
    assert active_entry("/", urls) == "/" and active_entry("/inbox/", urls) is None


def test_dip_vocabulary():
    with translation.override("zh-hans"):
        assert term("point_value", "DIP") == "分值单价" and term("point_value", "DRG") == "点值"
        assert term("base_points", "DIP") == "基准分值" and term("group", "DIP") == "病种"
        assert term("points", "DIP") == "分值"  # not the training app's 成绩
    assert localize_terms("关于公布2026年度DRG病组基准点数及点值的通知", "DIP") == "关于公布2026年度DIP病种基准分值及分值单价的通知"
    assert localize_terms("点值（元/点）", "DIP") == "分值单价（元/分）"
    assert localize_terms("关于公布2026年度DRG病组基准点数的通知", "DRG") == "关于公布2026年度DRG病组基准点数的通知"


def test_audit_actions_read_as_words():
    with translation.override("zh-hans"):
        assert action_label("monitoring.ranking_publish") == "运行监测 · 发布赛马排名"
        assert action_label("notice.pdf") == "通知公告 · 生成PDF文件"
        assert action_label("something.unknown") == "something.unknown"
    with translation.override("en"):
        assert action_label("notice.pdf") == "Notice · PDF rendered"


@pytest.mark.django_db
def test_expert_created_with_hospital_is_an_active_pool_member(world):
    from apps.applications.models import ExpertProfile
    from apps.applications.services import expert_profile_save
    from apps.tenants.services import membership_add, user_create

    a = world["A"]
    with scopes_disabled():
        user = user_create(actor=a.users[Role.BUREAU_ADMIN], username="e1", password="Xc-expert-2026!",
                           memberships=[{"role": Role.EXPERT, "region": a.region, "hospital": a.hospitals[2]}])
        profile = ExpertProfile.objects.get(region=a.region, user=user)
        assert profile.active and profile.hospital == a.hospitals[2]
        # the pool screen edits the rest; a second membership call leaves that untouched
        expert_profile_save(actor=a.users[Role.BUREAU_ADMIN], region=a.region, user=user, specialty="心内科",
                            hospital=a.hospitals[2], active=True)
        membership_add(actor=None, user=user, role=Role.EXPERT, region=a.region, hospital=a.hospitals[2])
        assert ExpertProfile.objects.get(pk=profile.pk).specialty == "心内科"
        # the region's world expert (created before any pool call) is enlisted too, with their affiliation
        assert ExpertProfile.objects.get(region=a.region, user=a.users[Role.EXPERT]).hospital == a.hospitals[1]
        assert not ExpertProfile.objects.filter(user=user).exclude(region=a.region).exists()


@pytest.mark.django_db
def test_dispute_about_a_never_settled_case_has_a_window(world):
    from apps.cases.models import Case
    from apps.disputes.selectors import policy_for, resolve_subject
    from tests.settlement_ui.conftest import make_case

    a = world["A"]
    with scopes_disabled():
        case = make_case(a.hospitals[0], "ES23", "9000.00")
        subject = resolve_subject(a.region, a.hospitals[0], "case", case.settlement_id)
        received = timezone.localdate(Case.objects.get(pk=case.pk).created_at)  # the region's day, as the service reads it
        days = policy_for(a.region, 2025).dispute_window_days
        assert subject.published_on is None and subject.window_ends == received + dt.timedelta(days=days)


def test_upload_template_headers_are_read_back_by_the_importer():
    from apps.cases.columns import NAMES, map_header
    from apps.cases.labels import EXAMPLE_ROW, template_headers

    headers = template_headers()
    mapped, unknown = map_header([label for _, label in headers])
    assert list(mapped) == list(NAMES) and not unknown
    assert set(EXAMPLE_ROW) == set(NAMES)
    assert [label for _, label in headers][:5] == ["结算ID", "医疗机构编码", "人员编号", "险种类型", "性别"]


@pytest.mark.django_db
def test_statement_drafts_are_replaced_not_duplicated(world):
    from apps.notices.generate import prepare_settlement_notices
    from apps.notices.models import Notice
    from tests.settlement_ui.conftest import build

    a = world["A"]
    with scopes_disabled():
        settled = build(a)
        first = prepare_settlement_notices(actor=a.users[Role.BUREAU_ADMIN], run_id=settled.run.pk)
        again = prepare_settlement_notices(actor=a.users[Role.BUREAU_ADMIN], run_id=settled.run.pk)
        assert [n.pk for n in first] == [n.pk for n in again]
        assert Notice.objects.filter(source_kind="settlement_run").count() == 2
        assert first[0].title == "宣城第一人民医院2025年3月DRG付费月度预结算通知单"
        assert "结算结算" not in first[0].title


