"""API of notices: JSON fields, byte-identical downloads matching the stored SHA-256, 404 outside scope,
acknowledgement recorded once."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django_scopes import scopes_disabled

from apps.notices.models import Acknowledgement
from apps.tenants.enums import Role

from .conftest import fresh, hospital_user, make_notice, pdf_text, publish

URL = "/api/v1/notices/"


def test_create_publish_and_json(world, api):
    a = world["A"]
    client = api(a.users[Role.BUREAU_ADMIN])
    r = client.post(URL, {"type": "coefficient", "title": "关于2025年度医院系数的公示", "doc_number": "宣医保秘〔2025〕3号",
                          "body": "现予公示。", "addressees": {"levels": [3, 2]}, "objection_days": 7, "year": 2025},
                    format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "draft" and body["sha256"] == "" and body["published_at"] is None
    assert body["addressees"] == {"levels": [2, 3]}
    r = client.post(f"{URL}{body['id']}/publish/")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "published" and len(body["sha256"]) == 64 and body["published_at"]
    assert body["recipient_count"] == 2 and body["acknowledged_count"] == 0 and body["acknowledged"] is None
    assert body["objection_ends"]
    r = client.post(f"{URL}{body['id']}/publish/")
    assert r.status_code == 400 and r.json()["code"] == "invalid_transition"


def test_create_validation_and_roles(world, api):
    a = world["A"]
    r = api(a.users[Role.BUREAU_ADMIN]).post(URL, {"type": "general", "title": "x",
                                                   "addressees": {"hospitals": ["NOPE"]}}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "validation_error"
    r = api(a.users[Role.HOSPITAL_ADMIN]).post(URL, {"type": "general", "title": "x"}, format="json")
    assert r.status_code == 403
    r = api(a.users[Role.BUREAU_ADMIN]).post(URL, {"type": "general", "title": "x", "region": "340100"}, format="json")
    assert r.status_code == 404


def test_patch_draft_only(world, api, published):
    a = world["A"]
    client = api(a.users[Role.BUREAU_STAFF])
    draft = make_notice(world)
    r = client.patch(f"{URL}{draft.pk}/", {"title": "新标题", "addressees": {"all": True}}, format="json")
    assert r.status_code == 200 and r.json()["title"] == "新标题"
    r = client.patch(f"{URL}{published.pk}/", {"title": "改"}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_transition"
    r = client.post(f"{URL}{draft.pk}/publish/")
    assert r.status_code == 403


def test_pdf_is_byte_identical_and_matches_sha256(world, api, published):
    a = world["A"]
    downloads = []
    for user in (a.users[Role.BUREAU_ADMIN], a.users[Role.HOSPITAL_STAFF], a.users[Role.HOSPITAL_ADMIN],
                 a.users[Role.AUDITOR], world["supervisor"]):
        r = api(user).get(f"{URL}{published.pk}/pdf/")
        assert r.status_code == 200, (user, r.status_code)
        assert r["Content-Type"] == "application/pdf"
        downloads.append(b"".join(r.streaming_content) if r.streaming else r.content)
    r = api(a.users[Role.HOSPITAL_STAFF]).get(f"{URL}{published.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert r.status_code == 200
    downloads.append(r.content)
    assert len(set(downloads)) == 1
    stored = (Path(settings.PRIVATE_MEDIA_ROOT) / fresh(published).pdf_path).read_bytes()
    assert downloads[0] == stored
    assert hashlib.sha256(downloads[0]).hexdigest() == fresh(published).sha256 == r["X-Content-SHA256"]
    # the web download is the same file
    from django.test import Client

    web = Client()
    web.force_login(a.users[Role.HOSPITAL_ADMIN])
    page = web.get(f"/notices/{published.pk}/pdf/?download=1")
    assert page.status_code == 200 and page.content == stored


def test_tampered_file_is_refused(world, api, published):
    path = Path(settings.PRIVATE_MEDIA_ROOT) / fresh(published).pdf_path
    path.write_bytes(path.read_bytes() + b"%tampered")
    r = api(world["A"].users[Role.HOSPITAL_ADMIN]).get(f"{URL}{published.pk}/pdf/")
    assert r.status_code == 404


def test_out_of_scope_is_404(world, api):
    a = world["A"]
    only_first = publish(world, make_notice(world, addressees={"hospitals": [a.hospitals[0].code]}))
    draft = make_notice(world)
    outsider = hospital_user(world, index=1)  # region A, hospital not addressed
    for user in (outsider, world["B"].users[Role.HOSPITAL_ADMIN], world["C"].users[Role.BUREAU_ADMIN],
                 world["B"].users[Role.BUREAU_ADMIN], a.users[Role.EXPERT]):
        client = api(user)
        for method, suffix in (("get", ""), ("get", "pdf/"), ("post", "acknowledge/"), ("post", "publish/"),
                               ("get", "acknowledgements/")):
            r = getattr(client, method)(f"{URL}{only_first.pk}/{suffix}")
            assert r.status_code == 404, (user.username, suffix, r.status_code)
        assert client.get(URL).json()["count"] == 0
    # drafts are invisible to the addressed hospital too
    client = api(a.users[Role.HOSPITAL_ADMIN])
    assert client.get(f"{URL}{draft.pk}/").status_code == 404
    assert [n["id"] for n in client.get(URL).json()["results"]] == [only_first.pk]
    # the province supervisor reads it
    assert api(world["supervisor"]).get(f"{URL}{only_first.pk}/").status_code == 200


def test_acknowledge_recorded_once(world, api, published):
    a = world["A"]
    admin, staff = api(a.users[Role.HOSPITAL_ADMIN]), api(a.users[Role.HOSPITAL_STAFF])
    assert admin.get(f"{URL}{published.pk}/").json()["acknowledged"] is False
    for client in (admin, admin, staff):
        r = client.post(f"{URL}{published.pk}/acknowledge/")
        assert r.status_code == 200
        assert r.json()["acknowledged"] is True and r.json()["acknowledged_count"] == 1
    with scopes_disabled():
        rows = list(Acknowledgement.objects.filter(notice=published))
    assert len(rows) == 1 and rows[0].user_id == a.users[Role.HOSPITAL_ADMIN].pk
    second = hospital_user(world, index=1, role=Role.HOSPITAL_STAFF)
    assert api(second).post(f"{URL}{published.pk}/acknowledge/").json()["acknowledged_count"] == 2
    status = api(a.users[Role.BUREAU_ADMIN]).get(f"{URL}{published.pk}/acknowledgements/").json()
    assert [(s["hospital"], s["acknowledged"]) for s in status] == [
        (h.code, h.pk != a.hospitals[2].pk) for h in a.hospitals]
    assert api(a.users[Role.BUREAU_ADMIN]).post(f"{URL}{published.pk}/acknowledge/").status_code == 403
    assert api(a.users[Role.HOSPITAL_ADMIN]).get(f"{URL}{published.pk}/acknowledgements/").status_code == 403
    r = api(a.users[Role.HOSPITAL_ADMIN]).get(f"{URL}?acknowledged=true")
    assert r.json()["count"] == 1


def test_withdraw_api(world, api, published):
    client = api(world["A"].users[Role.BUREAU_ADMIN])
    assert client.post(f"{URL}{published.pk}/withdraw/", {}, format="json").status_code == 400
    r = client.post(f"{URL}{published.pk}/withdraw/", {"reason": "数据有误"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    # the hospital still sees it (withdrawn) and the file stays byte-identical
    r = api(world["A"].users[Role.HOSPITAL_ADMIN]).get(f"{URL}{published.pk}/")
    assert r.json()["status"] == "withdrawn"


def test_pdf_text_of_a_free_notice(published):
    text = pdf_text(Path(settings.PRIVATE_MEDIA_ROOT, fresh(published).pdf_path).read_bytes())
    assert "关于开展医保支付方式改革培训的通知" in text
    assert fresh(published).doc_number in text
    assert "宣城第一人民医院" in text and "3.5" in text and "宣城医疗保障局文件" in text


@pytest.mark.parametrize("params", ["?status=published", "?type=general", "?year=2025", "?region=341800"])
def test_list_filters(world, api, published, params):
    r = api(world["A"].users[Role.BUREAU_ADMIN]).get(URL + params)
    assert r.status_code == 200
