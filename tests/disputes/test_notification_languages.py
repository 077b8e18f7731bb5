"""Issue 18: a workflow's notifications are stored in every portal language, so each reader sees their own."""
from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from apps.notifications.models import Notification

from .conftest import make

pytestmark = pytest.mark.django_db


def test_dispute_notifications_carry_chinese_and_english(dw):
    make(dw["A"], "accepted")
    with scopes_disabled():
        submitted = list(Notification.objects.filter(kind="dispute.submitted"))
        accepted = list(Notification.objects.filter(kind="dispute.accepted"))
    assert submitted and accepted
    for row in submitted:
        assert set(row.title_i18n) == set(row.body_i18n) == {"zh-hans", "en"}
        assert row.title_i18n["en"].startswith("New dispute #") and row.title_i18n["zh-hans"] != row.title_i18n["en"]
        assert row.body_i18n["en"].startswith("Please decide on its acceptance by ")
    for row in accepted:
        assert row.title_i18n["en"].endswith(" accepted") and row.title_i18n["zh-hans"] == row.title
