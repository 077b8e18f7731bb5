"""Generated notices in every portal language (decision 0043): the statement's title and body are stored in
Chinese and English, each reader sees theirs on the screens, the inbox and the API, the Chinese stays the
official text (PDF, `title`); a clerk's typing stays as typed; editing a generated title replaces it."""
from __future__ import annotations

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django_scopes import scopes_disabled

from apps.notices import services
from apps.notices.generate import prepare_coefficient_notice, prepare_settlement_notices
from apps.notices.models import Notice
from apps.notifications.models import Notification
from apps.tenants.enums import Role
from tests.settlement_ui.conftest import build

from .conftest import fresh, make_notice

ZH = "宣城第一人民医院2025年3月DRG付费月度预结算通知单"
EN = "宣城第一人民医院: DRG payment monthly pre-settlement statement, March 2025"

pytestmark = pytest.mark.django_db


@pytest.fixture
def statements(world):
    a = world["A"]
    with scopes_disabled():
        settled = build(a)
        notices = prepare_settlement_notices(actor=a.users[Role.BUREAU_ADMIN], run_id=settled.run.pk)
    return {"settled": settled, "notices": notices, "first": next(n for n in notices if n.title.startswith("宣城第一"))}


def test_statement_title_and_body_in_every_language(statements):
    n = statements["first"]
    assert n.title == ZH  # the official Chinese, printed on the PDF
    assert n.title_i18n == {"zh-hans": ZH, "en": EN}
    assert n.body_i18n["zh-hans"] == n.body and n.body.startswith("根据2025年3月月度预结算结果（第1版）")
    assert n.body_i18n["en"].startswith("Following the monthly pre-settlement of March 2025 (version 1)")
    with translation.override("en"):
        assert n.display_title == EN and n.display_body == n.body_i18n["en"]
    with translation.override("zh-hans"):
        assert n.display_title == ZH


def test_a_typed_title_stays_as_typed_and_an_edit_replaces_the_generated_one(world, statements):
    typed = make_notice(world, title="关于开展培训的通知")
    assert typed.title_i18n == {} and typed.body_i18n == {}
    with translation.override("en"):
        assert typed.display_title == "关于开展培训的通知"
    n = statements["first"]
    with scopes_disabled():
        services.notice_update(actor=world["A"].users[Role.BUREAU_STAFF], notice=n, title=n.title, year=2025)
        assert fresh(n).title_i18n["en"] == EN  # unchanged wording keeps its translations
        services.notice_update(actor=world["A"].users[Role.BUREAU_STAFF], notice=n, title="宣城第一人民医院3月结算单")
    edited = fresh(n)
    assert edited.title_i18n == {} and edited.body_i18n["en"]  # only the retyped text loses its translations
    with translation.override("en"):
        assert edited.display_title == "宣城第一人民医院3月结算单"


def test_coefficient_notice_in_english_and_dip_vocabulary(world):
    a = world["A"]
    with scopes_disabled():
        settled = build(a)
        notice = prepare_coefficient_notice(actor=a.users[Role.BUREAU_ADMIN], version_id=settled.coefficients.pk)
    assert notice.title == "关于2025年度DRG付费定点医疗机构系数的公示"
    assert notice.title_i18n["en"] == "Publication of the 2025 DRG payment coefficients of the designated hospitals"
    assert "级别系数权重0.8" in notice.body and "level index weight 0.8" in notice.body_i18n["en"]


def test_publication_notifies_each_reader_in_their_language(world, statements):
    a = world["A"]
    n = statements["first"]
    with scopes_disabled():
        services.notice_publish(actor=a.users[Role.BUREAU_ADMIN], notice=n)
        note = Notification.objects.filter(kind="notice", user=a.users[Role.HOSPITAL_ADMIN]).get()
    assert note.title_i18n["zh-hans"] == f"【结算通知单】{ZH}"
    assert note.title_i18n["en"] == f"[Settlement statement] {EN}"


def test_screens_and_api_show_the_readers_language(world, statements, client, api):
    a = world["A"]
    n = statements["first"]
    with scopes_disabled():
        services.notice_publish(actor=a.users[Role.BUREAU_ADMIN], notice=n)
    client.force_login(a.users[Role.HOSPITAL_ADMIN])
    urls = (reverse("notices:list"), reverse("notices:inbox"), reverse("notices:detail", args=[n.pk]))
    for url in urls:
        assert ZH in client.get(url, follow=True).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the reader switched to English
    for url in urls:
        page = client.get(url, follow=True).content.decode()
        assert EN in page and ZH not in page, url
    client.force_login(a.users[Role.BUREAU_ADMIN])
    assert EN in client.get(reverse("notices:list")).content.decode()
    hospital = api(a.users[Role.HOSPITAL_ADMIN])
    row = hospital.get(f"/api/v1/notices/{n.pk}/?lang=en").json()
    assert row["title"] == EN and row["official_title"] == ZH and row["body"].startswith("Following")
    row = hospital.get(f"/api/v1/notices/{n.pk}/").json()
    assert row["title"] == ZH and row["official_title"] == ZH


def test_the_pdf_prints_the_official_chinese(world, statements):
    from apps.notices.documents import notice_document

    n = statements["first"]
    with translation.override("en"), scopes_disabled():
        document = notice_document(Notice.objects.select_related("region").get(pk=n.pk))
    assert document.title == ZH


def test_migration_fills_existing_generated_titles_in_chinese(world, statements):
    fill = __import__("apps.notices.migrations.0002_notice_titles_in_every_language",
                      fromlist=["fill_chinese"]).fill_chinese
    typed = make_notice(world, title="关于开展培训的通知")
    with scopes_disabled():
        Notice.objects.update(title_i18n={}, body_i18n={})
        fill(django_apps, None)
        n, typed = fresh(statements["first"]), fresh(typed)
    assert n.title_i18n == {"zh-hans": ZH} and n.body_i18n == {"zh-hans": n.body}
    assert typed.title_i18n == {}


def test_training_notice_in_every_language(world):
    from apps.training import services as training
    from tests.training.conftest import make_session

    a = world["A"]
    session = make_session(a, publish=False)
    with scopes_disabled():
        session = training.session_publish(actor=a.users[Role.BUREAU_STAFF], session=session, levels=[3])
        notice = Notice.objects.get(pk=session.notice_id)
    course = session.course.title
    assert notice.title == f"关于举办“{course}”培训的通知" == notice.title_i18n["zh-hans"]
    assert notice.title_i18n["en"] == f"Notice of the training “{course}”"
    assert notice.body.startswith("为提升定点医疗机构医保结算清单质量和DRG/DIP付费工作水平，现定于")
    assert "培训方式：现场；地点/链接：市医保局三楼会议室。" in notice.body and "年" in notice.body
    assert "Mode: On site; venue or link: 市医保局三楼会议室." in notice.body_i18n["en"]


def test_the_list_search_finds_a_title_in_either_language(world, statements, client):
    client.force_login(world["A"].users[Role.BUREAU_ADMIN])
    n = statements["first"]
    for q in ("monthly pre-settlement", "月度预结算"):
        assert f'data-id="{n.pk}"' in client.get(reverse("notices:list"), {"q": q}).content.decode(), q
    assert f'data-id="{n.pk}"' not in client.get(reverse("notices:list"), {"q": "annual clearing"}).content.decode()
