"""The screens speak Chinese first and English on request; every string of the app has a translation."""
from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

from apps.tenants.enums import Role

from .conftest import make

ROOT = Path(__file__).resolve().parents[2]


def test_chinese_and_english_screens(aw, client):
    a = aw["A"]
    app = make(a, "under_review")
    client.force_login(a.user(Role.BUREAU_STAFF))
    zh = client.get(f"/applications/{app.pk}/").content.decode()
    assert "受理并进入专家评审" in zh and "请选择 3 名专家" in zh and "大病救治激励" in zh
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = client.get(f"/applications/{app.pk}/").content.decode()
    assert "Choose 3 experts" in en and "Incentive: major disease" in en and "Accepted for expert review" in en


def test_catalogues_are_complete():
    for app in ("applications", "notifications"):
        po = (ROOT / "apps" / app / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
        entries = [e for e in po.split("\n\n") if re.search(r'^msgid "(?!")', e, re.M)]
        untranslated = [e for e in entries if re.search(r'^msgstr(\[0\])? ""\s*$', e, re.M)]
        assert entries and not untranslated, untranslated[:3]
        assert "#, fuzzy" not in po
