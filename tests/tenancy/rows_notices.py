"""Isolation rows of the notices app (API and screens): another region's notice is 404 for every role of
region A; a notice addressed to another hospital of the same region is 404 for hospital roles."""
from __future__ import annotations


def rows() -> list:
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from apps.tenants.enums import Role
    from tests.tenancy.test_isolation import Row, _api, _coefficient_version, _create, _hospital_row, _url

    def notice(hospital):
        """A published notice addressed to `hospital` only (no file: the PDF rows skip the positive control)."""
        obj = _create("notices.Notice", {"region_id": hospital.region_id, "title": f"隔离测试通知 {hospital.code}"},
                      type="general", status="published", doc_number=f"ISO〔2025〕{hospital.pk}号",
                      addressees={"hospitals": [hospital.code]}, published_at=timezone.now())
        _create("notices.NoticeRecipient", {"region_id": hospital.region_id, "notice": obj, "hospital": hospital})
        return obj

    def draft(rw):
        return _create("notices.Notice", {"region": rw.region, "title": "隔离测试草稿"}, type="general",
                       addressees={"all": True})

    def published_coefficients(rw):
        version = _coefficient_version(rw)
        with scopes_disabled():
            type(version).objects.filter(pk=version.pk).update(status="published")
        return version

    admin = Role.HOSPITAL_ADMIN
    return [
        _hospital_row("api notice detail", lambda w, h: _api(f"/api/v1/notices/{notice(h).pk}/"),
                      api_basename="notice", owner=admin),
        _hospital_row("api notice pdf", lambda w, h: _api(f"/api/v1/notices/{notice(h).pk}/pdf/"), control=False),
        _hospital_row("api notice acknowledge", lambda w, h: _api(f"/api/v1/notices/{notice(h).pk}/acknowledge/"),
                      method="post", owner=admin),
        _hospital_row("api notice acknowledgements",
                      lambda w, h: _api(f"/api/v1/notices/{notice(h).pk}/acknowledgements/")),
        _hospital_row("api notice withdraw", lambda w, h: _api(f"/api/v1/notices/{notice(h).pk}/withdraw/"),
                      method="post", data={"reason": "隔离"}, control=False),
        Row("api notice publish", lambda w, rw: _api(f"/api/v1/notices/{draft(rw).pk}/publish/"), method="post",
            control=False),
        Row("api notice patch", lambda w, rw: _api(f"/api/v1/notices/{draft(rw).pk}/"), method="patch",
            data={"title": "改"}),
        _hospital_row("screen notice detail", lambda w, h: _url("notices:detail", pk=notice(h).pk), owner=admin),
        _hospital_row("screen notice pdf", lambda w, h: _url("notices:pdf", pk=notice(h).pk), control=False),
        _hospital_row("screen notice acknowledge", lambda w, h: _url("notices:action", pk=notice(h).pk,
                                                                     action="acknowledge"), method="post", owner=admin),
        _hospital_row("screen notice acknowledgements", lambda w, h: _url("notices:acknowledgements", pk=notice(h).pk)),
        Row("screen notice edit", lambda w, rw: _url("notices:edit", pk=draft(rw).pk)),
        Row("screen notice preview", lambda w, rw: _url("notices:preview", pk=draft(rw).pk), control=False),
        Row("screen notice publish", lambda w, rw: _url("notices:action", pk=draft(rw).pk, action="publish"),
            method="post", control=False),
        Row("screen notice prepare coefficients",
            lambda w, rw: _url("notices:prepare", kind="coefficients", source_id=published_coefficients(rw).pk),
            method="post"),
    ]
