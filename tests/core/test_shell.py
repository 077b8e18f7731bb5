"""The portal shell: Chinese by default, language switch, header, menu, error pages, shared template bits."""
from __future__ import annotations

from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from apps.hospitals.enums import HospitalType, Level
from apps.tenants.enums import Role


def test_chinese_by_default_even_for_an_english_browser(client, world):
    client.force_login(world["A"].users[Role.BUREAU_ADMIN])
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "医保局管理员工作台" in body and "审计日志" in body and "工作日历" in body
    assert "修改密码" in body and "退出" in body
    assert "宣城" in body and "341800" in body  # the user's region in the header
    assert 'hx-headers=\'{"X-CSRFToken": "' in body
    assert "vendor/htmx.min.js" in body


def test_language_switch_to_english_and_back(client, world):
    client.force_login(world["A"].users[Role.BUREAU_ADMIN])
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response.cookies["django_language"].value == "en"
    body = client.get("/").content.decode()
    assert "Bureau administrator workspace" in body and "Audit trail" in body and "Dashboard" in body
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "医保局管理员工作台" in client.get("/").content.decode()


def test_navigation_follows_roles(client, world):
    client.force_login(world["A"].users[Role.HOSPITAL_STAFF])
    labels = [str(item["label"]) for item in client.get("/").context["nav_items"]]
    assert "审计日志" not in labels and "Audit trail" not in labels
    client.force_login(world["A"].users[Role.AUDITOR])
    response = client.get("/")
    urls = [item["url"] for item in response.context["nav_items"]]
    assert "/core/audit/" in urls and "/core/calendar/" in urls


def test_enum_labels_are_translated():
    with translation.override("zh-hans"):
        assert [str(label) for _, label in Role.choices] == [
            "平台管理员", "省级监管", "医保局管理员", "经办人员", "评审专家", "医院医保办负责人", "医院经办/编码员", "监督审计",
        ]
        assert [str(label) for _, label in Level.choices] == ["一级及以下", "二级", "三级"]
        assert [str(label) for _, label in HospitalType.choices] == ["综合", "中医", "专科", "妇幼", "基层"]
    with translation.override("en"):
        assert str(Role.AUDITOR.label) == "Auditor"


def test_login_page_is_chinese_and_names_the_portal(client):
    body = client.get("/login/").content.decode()
    assert 'id="login-form"' in body and "用户登录" in body and "医保 DRG/DIP 付费管理平台" in body


def test_logout_is_a_post(client, world):
    client.force_login(world["A"].users[Role.EXPERT])
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_password_change_pages(client, world):
    client.force_login(world["A"].users[Role.EXPERT])
    assert "修改密码" in client.get("/password/").content.decode()
    assert "密码已修改" in client.get("/password/done/").content.decode()


def test_friendly_error_pages(client, world):
    client.force_login(world["A"].users[Role.HOSPITAL_STAFF])
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()
    response = client.get("/core/audit/")
    assert response.status_code == 403 and "无权访问" in response.content.decode()
    from django.template.loader import render_to_string
    with translation.override("zh-hans"):
        assert "系统出现错误" in render_to_string("500.html")


def test_pagination_include_keeps_filters():
    from django.core.paginator import Paginator

    request = RequestFactory().get("/x/", {"status": "open", "page": "2"})
    page = Paginator(list(range(120)), 50).get_page(2)
    with translation.override("zh-hans"):
        html = Template('{% include "includes/pagination.html" %}').render(Context({"page_obj": page, "request": request}))
    assert "status=open&amp;page=3" in html and "status=open&amp;page=1" in html and "第 2 / 3 页" in html


def test_sort_link_toggles():
    request = RequestFactory().get("/x/", {"sort": "code", "page": "3", "q": "a"})
    html = Template('{% load core_tags %}{% sort_link "code" "编码" %}|{% sort_link "name" "名称" %}').render(
        Context({"request": request}))
    first, second = html.split("|")
    assert "sort=-code" in first and "sorted-asc" in first and "page=" not in first
    assert "sort=name" in second and "q=a" in second
