"""State changes of the monitoring app: compute a period's indicators, compute and publish a quarterly ranking.

Every write checks the actor's role in the region (actor None = system: commands, the demo, the bench),
runs in a transaction with the rows it changes locked, and writes the audit trail. The computing is
set-based SQL (`engine.py`) run by a Celery task (`tasks.py`).
"""
from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import jobs, lifecycle
from apps.core.audit import record_event
from apps.core.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from apps.core.lifecycle import Lifecycle
from apps.core.scoping import region_scope, scoped
from apps.core.vocabulary import localize_terms
from apps.groups.selectors import published_stats
from apps.hospitals.enums import HospitalType, Level
from apps.notices import services as notices
from apps.notices.models import Notice
from apps.notifications.services import notify
from apps.tenants.access import get_access
from apps.tenants.enums import HOSPITAL_ROLES
from apps.tenants.models import Region, User
from apps.tenants.roles import BUREAU_ADMINS, BUREAU_ROLES
from apps.tenants.services import policy_get_or_create

from .enums import Scope
from .formulas import RANKED, SCORE_FIELDS, parse_period, rank_tier
from .models import Indicator, IndicatorPeriod, Ranking, RankingRow

__all__ = ["indicators_compute", "indicator_period_run", "ranking_compute", "ranking_publish", "rectification_send",
           "rectification_acknowledge", "rectification_reply"]

COMPUTE_ROLES = BUREAU_ROLES
PUBLISH_ROLES = BUREAU_ADMINS


def _require(actor: User | None, region_id: int, roles: tuple[str, ...], message: str) -> None:
    if actor is None:
        return
    access = get_access(actor)
    if region_id not in access.region_ids:
        raise NotFound()
    if not access.has_role(region_id, *roles):
        raise Forbidden(message)


_scoped = scoped  # the shared helper (apps.core.scoping.scoped)


def indicators_compute(*, actor: User | None, region: Region, period: str, sync: bool = False) -> IndicatorPeriod:
    """Queue (re)computing the indicators of a month, quarter or year; the task replaces the period's rows.

    Refused without published group statistics for the period's year (CMI needs the base points).
    """
    _require(actor, region.pk, COMPUTE_ROLES, "Only bureau staff can compute indicators.")
    p = parse_period(period)
    with transaction.atomic():
        policy = policy_get_or_create(region=region, year=p.year)
        stats = published_stats(region, p.year)
        if stats is None:
            raise ValidationFailed(f"group statistics: {p.year} has no published group statistics; publish them first")
        item, created = _scoped(IndicatorPeriod, region.pk).select_for_update().get_or_create(
            region=region, period=p.text,
            defaults={"kind": p.kind, "year": p.year, "quarter": p.quarter, "month": p.month,
                      "start": p.start, "end": p.end})
        old = None if created else {"status": item.status, "computed_at": item.computed_at}
        if not created:  # computed again in place: a stale computation is reaped, a fresh one refuses
            lifecycle.reap_stale(IndicatorPeriod, queryset=_scoped(IndicatorPeriod, region.pk).filter(pk=item.pk))
            item.refresh_from_db()
            if item.status in lifecycle.ACTIVE:
                raise InvalidTransition(f"The indicators of {p.text} are being computed already.")
            lifecycle.requeue(item)
            item.refresh_from_db()
        item.stats_version = stats
        item.computed_by = actor
        item.started_at = timezone.now()
        item.target_hospitals = policy.cover_hospitals_target
        item.target_cases = policy.cover_cases_target
        item.target_fund = policy.cover_fund_target
        item.save()
        record_event(actor=actor, action="monitoring.indicators_compute", obj=item, old=old,
                     new={"period": p.text, "stats_version": stats.number})
    if sync:
        with region_scope(region.pk):
            indicator_period_run(item.pk)
    else:
        try:
            jobs.enqueue("monitoring.compute_indicators", region_id=region.pk, period_id=item.pk)
        except Exception as err:  # broker down: say so on the period instead of leaving it queued
            lifecycle.fail(item, error=f"could not queue the computation: {err}", quiet=True)
            raise
    item.refresh_from_db()
    return item


def indicator_period_run(period_id: int) -> IndicatorPeriod:
    """The task body: compute, and on any failure leave the period `failed` with the reason."""
    from .engine import compute_period_sql

    item = IndicatorPeriod.objects.get(pk=period_id)
    try:
        return compute_period_sql(item)
    except Exception as err:
        message = err.message if isinstance(err, ValidationFailed | InvalidTransition) else f"{type(err).__name__}: {err}"
        lifecycle.fail(IndicatorPeriod, period_id, str(message), quiet=True)
        item.refresh_from_db()
        if not isinstance(err, ValidationFailed | InvalidTransition):
            raise
        return item


def ranking_weights(region: Region, year: int) -> dict[str, Decimal]:
    policy = policy_get_or_create(region=region, year=year)
    return {name: getattr(policy, param) for name, (param, _higher) in RANKED.items()}


@transaction.atomic
def ranking_compute(*, actor: User | None, region: Region, quarter: str) -> Ranking:
    """Rank the hospitals of each tier (level × type) on the quarter's indicators (a draft; re-computing a
    draft replaces it; a published ranking never changes)."""
    _require(actor, region.pk, COMPUTE_ROLES, "Only bureau staff can compute rankings.")
    p = parse_period(quarter)
    if p.kind != "quarter":
        raise ValidationFailed("quarter: a ranking is quarterly (YYYY-Qn)")
    period = _scoped(IndicatorPeriod, region.pk).filter(region=region, period=p.text).first()
    if period is None or period.status != Lifecycle.READY:
        raise ValidationFailed(f"indicators: compute the indicators of {p.text} first")
    weights = ranking_weights(region, p.year)
    ranking, _created = _scoped(Ranking, region.pk).select_for_update().get_or_create(
        region=region, quarter=p.text, defaults={"period": period})
    if ranking.status == Lifecycle.PUBLISHED:
        raise InvalidTransition(f"The ranking of {p.text} is published and can no longer change.")
    rows = list(_scoped(Indicator, region.pk).filter(period=period, scope=Scope.HOSPITAL)
                .select_related("hospital").order_by("hospital__code"))
    quality = quarter_quality(region, p.year, p.quarter)
    tiers: dict[tuple[int, str], list[dict]] = {}
    for row in rows:
        tiers.setdefault((row.hospital.level, row.hospital.type), []).append({
            "hospital_id": row.hospital_id, "level": row.hospital.level, "type": row.hospital.type,
            "cases": row.cases, **{name: getattr(row, name) for name in RANKED if name != "quality"},
            "quality": quality.get(row.hospital_id)})
    _scoped(RankingRow, region.pk).filter(ranking=ranking).delete()
    new_rows = []
    for tier in tiers.values():
        for r in rank_tier(tier, weights):
            new_rows.append(RankingRow(region=region, ranking=ranking, **{
                k: r[k] for k in ("hospital_id", "level", "type", "cases", "tier_size", "composite", "rank",
                                  *RANKED, *SCORE_FIELDS.values())}))
    RankingRow.objects.bulk_create(new_rows)
    ranking.period = period
    ranking.weights = {k: str(v) for k, v in weights.items()}
    ranking.computed_by = actor
    ranking.computed_at = timezone.now()
    ranking.save()
    record_event(actor=actor, action="monitoring.ranking_compute", obj=ranking,
                 new={"quarter": p.text, "hospitals": len(new_rows), "tiers": len(tiers), "weights": ranking.weights})
    return ranking


def quarter_quality(region: Region, year: int, quarter: int) -> dict[int, Decimal | None]:
    """Each hospital's data-quality score over the quarter's three months (the scorecard's counts added)."""
    from .quality import combine, scorecards

    months = [3 * quarter - 2, 3 * quarter - 1, 3 * quarter]
    return {h: c["score"] for h, c in combine(scorecards(region, year, months)).items()}


def _notice_blocks(ranking: Ranking) -> list[dict]:
    """The 赛马通报 body: per tier, rank, hospital and composite (the public part of the ranking)."""
    levels, types = dict(Level.choices), dict(HospitalType.choices)
    def plain(value) -> str:
        text = str(value)
        return text.rstrip("0").rstrip(".") if "." in text else text

    w = {k: plain(v) for k, v in ranking.weights.items()}
    blocks: list[dict] = [{"kind": "paragraph", "text": localize_terms(  # DIP: DIP付费, 病种数
        f"根据DRG付费运行重点指标，现将{ranking.quarter.replace('-Q', '年第')}季度同级别同类型定点医疗机构“赛马”排名通报如下。"
        f"综合得分按组内最优者100分、最差者0分折算各指标得分后加权计算，权重：CMI {w.get('cmi')}、费用消耗指数 "
        f"{w.get('cost_index')}、时间消耗指数 {w.get('time_index')}、DRG组数 {w.get('group_count')}、"
        f"中低风险组死亡率 {w.get('lowrisk_mortality')}"
        + (f"、数据质量 {w['quality']}" if w.get("quality") not in (None, "0") else "")
        + "；综合得分相同者并列名次。", ranking.region)}]
    rows = list(_scoped(RankingRow, ranking.region_id).filter(ranking=ranking).select_related("hospital")
                .order_by("level", "type", "rank", "hospital__code"))
    tiers: dict[tuple[int, str], list[RankingRow]] = {}
    for row in rows:
        tiers.setdefault((row.level, row.type), []).append(row)
    for (level, kind), tier in sorted(tiers.items(), key=lambda t: (-t[0][0], t[0][1])):
        blocks.append({"kind": "heading", "text": f"{levels.get(level, level)}·{types.get(kind, kind)}（{len(tier)}家）"})
        blocks.append({
            "kind": "table", "headers": ["名次", "医疗机构", "CMI", "费用消耗指数", "时间消耗指数", "综合得分"],
            "rows": [[str(r.rank), r.hospital.name, str(r.cmi), str(r.cost_index or "—"), str(r.time_index or "—"),
                      str(r.composite)] for r in tier], "numeric_columns": [0, 2, 3, 4, 5]})
    return blocks


@transaction.atomic
def ranking_publish(*, actor: User | None, ranking: Ranking, title: str = "", doc_number: str = "") -> Ranking:
    """Publish a draft ranking by a 赛马通报 notice addressed to every hospital of the region."""
    _require(actor, ranking.region_id, PUBLISH_ROLES, "Only the bureau administrator can publish rankings.")
    locked = _scoped(Ranking, ranking.region_id).select_for_update().select_related("region").get(pk=ranking.pk)
    lifecycle.check("publish", locked.status)
    if not _scoped(RankingRow, locked.region_id).filter(ranking=locked).exists():
        raise ValidationFailed("ranking: no hospital is ranked")
    region = locked.region
    year, quarter = locked.quarter.split("-Q")
    # the official Chinese title, and the same in every portal language for the readers (decision 0043)
    generated = lambda: _("%(region)s %(quarter)s: ranking of the %(method)s key indicators (“horse race”)") % {  # noqa: E731
        "region": region.name, "method": region.payment_method,
        "quarter": _("%(year)s Q%(quarter)s") % {"year": year, "quarter": quarter}}
    notice = notices.notice_create(
        actor=actor, region=region, type="ranking", title=title or generated,
        doc_number=doc_number, body="", blocks=_notice_blocks(locked), addressees={"all": True},
        source_kind="ranking", source_id=locked.pk, year=locked.period.year)
    notice = notices.notice_publish(actor=actor, notice=notice)
    locked, _previous = lifecycle.publish(locked, actor=actor, extra={"notice_id": notice.pk},
                                          details=lambda r, prev: {"notice": notice.pk, "quarter": r.quarter})
    return locked


# --- data quality: rectification requests (整改通知) ------------------------------------------------------------

RECTIFY_ROLES = BUREAU_ADMINS


def _scorecard_snapshot(card: dict) -> dict:
    """The scorecard as stored on the request (JSON: decimals as text)."""
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in card.items()}


@transaction.atomic
def rectification_send(*, actor: User | None, region: Region, hospital, month: str, text: str):
    """The bureau asks a hospital to correct its data of a month: a notice addressed to that hospital only
    (published at once, the hospital is notified) and a request that records the scorecard it was based on."""
    from .models import Rectification
    from .quality import scorecards

    _require(actor, region.pk, RECTIFY_ROLES, "Only the bureau administrator can send rectification requests.")
    if hospital.region_id != region.pk:
        raise NotFound()
    p = parse_period(month)
    if p.kind != "month":
        raise ValidationFailed("month: a rectification request is about one month (YYYY-MM)")
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("text: say what the hospital must correct")
    if len(text) > 4000:
        raise ValidationFailed("text: at most 4000 characters")
    card = next(iter(scorecards(region, p.year, [p.month], {hospital.pk})), None)
    rect = _scoped(Rectification, region.pk).create(
        region=region, hospital=hospital, month=p.text, request_text=text, sent_by=actor,
        scorecard=_scorecard_snapshot(card) if card else {})
    label = f"{p.year}年{p.month}月"
    rows = []
    if card:
        def pct(v):
            return "—" if v is None else f"{Decimal(v) * 100:.2f}%"

        rows = [["上传行数 / 被拒行数", f"{card['rows']} / {card['rejected']}", pct(card["rejection_rate"])],
                ["出院病例 / 有预警", f"{card['cases']} / {card['warned']}", pct(card["warning_rate"])],
                ["分组器复核 / 与申报不一致", f"{card['grouped']} / {card['mismatch']}", pct(card["mismatch_rate"])],
                ["逾期上传病例", str(card["late"]), pct(card["late_rate"])],
                ["监管疑点", str(card["hits"]), pct(card["hit_rate"])],
                ["质量得分", "", str(card["score"] if card["score"] is not None else "—")]]
    blocks = [{"kind": "paragraph", "text": f"{hospital.name}：经对你院{label}医保结算清单数据质量评估，现将问题通知如下，"
                                            "请按要求整改，并在门户“数据质量”页面签收、答复整改情况。"},
              {"kind": "paragraph", "text": text}]
    if rows:
        blocks.append({"kind": "table", "headers": ["项目", "数量", "比率"], "rows": rows, "numeric_columns": [1, 2]})
    notice = notices.notice_create(
        actor=actor, region=region, type="general",
        title=lambda: _("Rectification notice: settlement-list data quality of %(hospital)s, %(month)s") % {
            "hospital": hospital.name, "month": _("%(year)s-%(month)02d") % {"year": p.year, "month": p.month}},
        body="", blocks=blocks, addressees={"hospitals": [hospital.code]}, source_kind="rectification",
        source_id=rect.pk, year=p.year)
    notice = notices.notice_publish(actor=actor, notice=notice)
    rect.notice_id = notice.pk
    rect.save(update_fields=["notice_id"])
    record_event(actor=actor, action="monitoring.rectification_send", obj=rect,
                 new={"hospital": hospital.code, "month": p.text, "notice": notice.pk, "score": rect.scorecard.get("score")})
    return rect


def _hospital_actor(actor: User | None, rect) -> None:
    if actor is None:
        return
    access = get_access(actor)
    if rect.region_id not in access.region_ids:
        raise NotFound()

    if not access.has_role(rect.region_id, *HOSPITAL_ROLES) or rect.hospital_id not in access.hospital_ids(rect.region_id):
        if access.has_role(rect.region_id, *HOSPITAL_ROLES):
            raise NotFound()
        raise Forbidden("Only the addressed hospital can acknowledge and answer a rectification request.")


def _lock_rect(rect):
    from .models import Rectification

    return _scoped(Rectification, rect.region_id).select_for_update().get(pk=rect.pk)


@transaction.atomic
def rectification_acknowledge(*, actor: User | None, rect):
    """签收: the hospital acknowledges the notice (recorded on the notice too)."""
    from .models import Rectification

    _hospital_actor(actor, rect)
    locked = _lock_rect(rect)
    if locked.status != Rectification.Status.SENT:
        return locked
    if locked.notice_id and actor is not None:
        notice = Notice.objects.with_scope(region=[locked.region_id]).get(pk=locked.notice_id)
        notices.notice_acknowledge(actor=actor, notice=notice)
    locked.status = Rectification.Status.ACKNOWLEDGED
    locked.acknowledged_at = timezone.now()
    locked.save(update_fields=["status", "acknowledged_at"])
    record_event(actor=actor, action="monitoring.rectification_acknowledge", obj=locked,
                 old={"status": Rectification.Status.SENT}, new={"status": locked.status})
    return locked


@transaction.atomic
def rectification_reply(*, actor: User | None, rect, text: str):
    """The hospital's answer (what it corrected); acknowledges first if it had not. Notifies the sender."""
    from .models import Rectification

    text = (text or "").strip()
    if not text:
        raise ValidationFailed("reply: write what was corrected")
    if len(text) > 4000:
        raise ValidationFailed("reply: at most 4000 characters")
    _hospital_actor(actor, rect)
    if _lock_rect(rect).status == Rectification.Status.SENT:
        rectification_acknowledge(actor=actor, rect=rect)
    locked = _lock_rect(rect)
    if locked.status == Rectification.Status.ANSWERED:
        raise InvalidTransition("This rectification request is answered already.")
    old = locked.status
    locked.status = Rectification.Status.ANSWERED
    locked.reply = text
    locked.replied_by = actor
    locked.replied_at = timezone.now()
    locked.save(update_fields=["status", "reply", "replied_by", "replied_at"])
    record_event(actor=actor, action="monitoring.rectification_reply", obj=locked, old={"status": old},
                 new={"status": locked.status, "reply": text[:200]})
    if locked.sent_by_id:
        from django.urls import reverse

        notify(users=[locked.sent_by], region=locked.region,
               title=lambda: _("Rectification reply: %(hospital)s, %(month)s") % {
                   "hospital": locked.hospital.name, "month": locked.month},
               body=text[:200], url=reverse("monitoring:rectification", args=[locked.pk]), kind="rectification")
    return locked
