"""Data-quality scorecard worked by hand, the rectification notice acknowledged and answered, the quality weight
in the quarterly ranking."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django_scopes import scopes_disabled

from apps.cases.models import Case, ImportJob
from apps.core.errors import Forbidden, NotFound
from apps.monitoring import quality
from apps.monitoring.formulas import q4
from apps.monitoring.models import Rectification, UploadRejection
from apps.monitoring.services import (
    indicators_compute,
    ranking_compute,
    rectification_acknowledge,
    rectification_reply,
    rectification_send,
)
from apps.notices.models import Acknowledgement, Notice, NoticeRecipient
from apps.tenants.enums import Role
from apps.tenants.models import PolicyYear

from .conftest import MARCH, add_hospital, make_case

pytestmark = pytest.mark.django_db
D = Decimal
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def qw(mon):
    """h1, March 2025: an upload of 10 rows with 2 rejected (rows 3 and 7: gender twice, los once); cases c1 c2 c3
    c7 (ungrouped) with one warning, 3 grouped of which 1 disagrees, created 04-05, 04-05, 04-11 00:30 (late: the
    deadline is 04-10 in Shanghai time) and 04-10 23:30 (on time)."""
    region, h1 = mon["region"], mon["h"][0]
    path = settings.PRIVATE_MEDIA_ROOT / "test-quality" / "errors.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\ufeffrow,settlement_id,field,code,message\n3,S3,gender,gender,x\n3,S3,los_days,los,y\n"
                    "7,S7,gender,gender,z\n", encoding="utf-8")
    with scopes_disabled():
        job = ImportJob.objects.create(region=region, hospital=h1, original_name="march.csv", stored_file="x",
                                       status="ready", total=10, created=8, rejected=2, error_count=3,
                                       error_file="test-quality/errors.csv")
        ImportJob.objects.filter(pk=job.pk).update(created_at=dt.datetime(2025, 3, 20, 10, tzinfo=SH))
        march = {c.total_cost: c for c in Case.objects.filter(hospital=h1, discharge_date=MARCH)}
        c1, c2, c3, c7 = (march[D(v)] for v in ("10000", "14000", "30000", "5000"))
        Case.objects.filter(pk=c1.pk).update(warnings=["los_short"], grouping_status="ok",
                                             created_at=dt.datetime(2025, 4, 5, 9, tzinfo=SH))
        Case.objects.filter(pk=c2.pk).update(grouping_status="ok", created_at=dt.datetime(2025, 4, 5, 9, tzinfo=SH))
        Case.objects.filter(pk=c3.pk).update(grouping_status="ok", grouping_mismatch=True,
                                             created_at=dt.datetime(2025, 4, 11, 0, 30, tzinfo=SH))
        Case.objects.filter(pk=c7.pk).update(created_at=dt.datetime(2025, 4, 10, 23, 30, tzinfo=SH))
    return {**mon, "job": job}


def test_scorecard_by_hand(qw):
    region, h1 = qw["region"], qw["h"][0]
    with scopes_disabled():
        cards = quality.scorecards(region, 2025, [3], {h1.pk})
        assert list(UploadRejection.objects.filter(job=qw["job"]).values_list("code", "rows", "month")
                    .order_by("code")) == [("gender", 2, "2025-03"), ("los", 1, "2025-03")]
    assert len(cards) == 1
    c = cards[0]
    assert (c["rows"], c["rejected"], c["rejection_rate"], c["by_rule"]) == (10, 2, D("0.2000"), {"gender": 2, "los": 1})
    assert (c["cases"], c["warned"], c["warning_rate"]) == (4, 1, D("0.2500"))
    assert (c["grouped"], c["mismatch"], c["mismatch_rate"]) == (3, 1, D("0.3333"))
    assert (c["late"], c["late_rate"], c["lag_days"]) == (1, D("0.2500"), D("23.75"))  # (21 + 21 + 27 + 26) / 4
    assert c["hits"] == 0
    # 100 × (1 − (0.35 × 0.2 + 0.20 × 0.3333 + 0.15 × 0.25 + 0.15 × 0.25)) = 100 × (1 − 0.21166) = 78.834
    assert c["score"] == D("78.83")


def test_scorecard_other_region_and_hospitals_do_not_leak(qw):
    b = qw["world"]["B"]
    with scopes_disabled():
        cards_b = quality.scorecards(b.region, 2025, [3])
    assert {c["hospital_id"] for c in cards_b} <= {h.pk for h in b.hospitals}
    assert all(c["rows"] == 0 for c in cards_b)


def test_rectification_sent_acknowledged_answered(qw):
    a, b = qw["world"]["A"], qw["world"]["B"]
    h1 = qw["h"][0]
    with scopes_disabled():
        rect = rectification_send(actor=a.users[Role.BUREAU_ADMIN], region=a.region, hospital=h1, month="2025-03",
                                  text="请核对性别编码并重新上传被拒病例。")
        notice = Notice.objects.get(pk=rect.notice_id)
        assert notice.status == "published" and notice.source_kind == "rectification"
        assert notice.title == f"关于{h1.name}2025年3月结算清单数据质量的整改通知" == notice.title_i18n["zh-hans"]
        assert notice.title_i18n["en"] == f"Rectification notice: settlement-list data quality of {h1.name}, 2025-03"
        assert list(NoticeRecipient.objects.filter(notice=notice).values_list("hospital_id", flat=True)) == [h1.pk]
        assert rect.status == "sent" and rect.scorecard["score"] == "78.83"
        with pytest.raises(Forbidden):
            rectification_send(actor=a.users[Role.BUREAU_STAFF], region=a.region, hospital=h1, month="2025-03", text="x")
        with pytest.raises(Forbidden):
            rectification_reply(actor=a.users[Role.BUREAU_ADMIN], rect=rect, text="x")
        with pytest.raises(NotFound):
            rectification_reply(actor=b.users[Role.HOSPITAL_STAFF], rect=rect, text="x")
        rect = rectification_acknowledge(actor=a.users[Role.HOSPITAL_STAFF], rect=rect)
        assert rect.status == "acknowledged"
        assert Acknowledgement.objects.filter(notice=notice, hospital=h1).count() == 1
        rect = rectification_reply(actor=a.users[Role.HOSPITAL_ADMIN], rect=rect, text="已更正3号、7号病例并重新上传。")
        rect.refresh_from_db()
        assert (rect.status, rect.reply, rect.replied_by_id) == ("answered", "已更正3号、7号病例并重新上传。",
                                                                 a.users[Role.HOSPITAL_ADMIN].pk)
        assert Rectification.objects.filter(region=a.region).count() == 1


def test_ranking_with_quality_weight(qw):
    region, h1 = qw["region"], qw["h"][0]
    h4 = add_hospital(region, "HQ0004")  # level 3 general: h1's tier; its cases are uploaded "now" (late)
    with scopes_disabled():
        Case.objects.bulk_create([make_case(h4, "AA11", "9000", 9, MARCH)])
        for period in ("2025-03", "2025-Q1"):
            indicators_compute(actor=None, region=region, period=period, sync=True)
        plain = {r.hospital_id: r for r in ranking_compute(actor=None, region=region, quarter="2025-Q1").rows.all()}
        # weight 0 (default): the quality is stored but changes nothing
        assert plain[h1.pk].quality == D("78.8300") and plain[h4.pk].quality == D("85.0000")  # 100 × (1 − 0.15)
        assert (plain[h1.pk].score_quality, plain[h4.pk].score_quality) == (D("0"), D("100"))
        weights = {"cmi": D("0.30"), "cost_index": D("0.20"), "time_index": D("0.20"), "group_count": D("0.15"),
                   "lowrisk_mortality": D("0.15")}
        fields = {"cmi": "score_cmi", "cost_index": "score_cost", "time_index": "score_time",
                  "group_count": "score_groups", "lowrisk_mortality": "score_mortality"}
        for r in plain.values():
            assert r.composite == q4(sum(w * getattr(r, fields[k]) for k, w in weights.items()) / D("1.00"))
        PolicyYear.objects.filter(region=region, year=2025).update(rank_w_quality=D("1.00"))
        weighted = {r.hospital_id: r for r in ranking_compute(actor=None, region=region, quarter="2025-Q1").rows.all()}
    for h in (h1.pk, h4.pk):
        r = weighted[h]
        expected = q4((sum(w * getattr(r, fields[k]) for k, w in weights.items()) + r.score_quality) / D("2.00"))
        assert r.composite == expected
    assert weighted[h4.pk].composite - plain[h4.pk].composite != 0 or weighted[h1.pk].composite != plain[h1.pk].composite
