"""Demo hook called by `seed_demo`: indicators of the payment year's months, quarters and the year, and one
published ranking (the latest quarter with cases). Idempotent: ready periods and a published ranking are kept."""
from __future__ import annotations

from django.db.models import Max, Min
from django_scopes import scopes_disabled

from apps.core.errors import DomainError
from apps.core.lifecycle import Lifecycle
from apps.tenants.models import Region

from .models import IndicatorPeriod, Ranking


def seed_region(region: Region, year: int | None = None) -> dict:
    from apps.cases.models import Case
    from apps.core.demo_data import DEMO_PAYMENT_YEAR
    from apps.groups.selectors import published_stats

    from .services import indicators_compute, ranking_compute, ranking_publish

    year = year or DEMO_PAYMENT_YEAR
    summary: dict = {"region": region.code, "year": year, "computed": [], "errors": []}
    with scopes_disabled():
        if published_stats(region, year) is None:
            summary["errors"].append(f"no published group statistics for {year}")
            return summary
        span = Case.objects.filter(region=region, discharge_date__year=year).aggregate(
            first=Min("discharge_date"), last=Max("discharge_date"))
        if span["first"] is None:
            return summary
        months = range(span["first"].month, span["last"].month + 1)
        quarters = sorted({(m - 1) // 3 + 1 for m in months})
        wanted = [f"{year}-{m:02d}" for m in months] + [f"{year}-Q{q}" for q in quarters] + [str(year)]
        ready = set(IndicatorPeriod.objects.filter(region=region, status=Lifecycle.READY)
                    .values_list("period", flat=True))
        for period in wanted:
            if period in ready:
                continue
            try:
                item = indicators_compute(actor=None, region=region, period=period, sync=True)
                summary["computed"].append(period)
                if item.status != Lifecycle.READY:
                    summary["errors"].append(f"{period}: {item.error}")
            except DomainError as err:
                summary["errors"].append(f"{period}: {err.message}")
        quarter = f"{year}-Q{quarters[-1]}"
        if not Ranking.objects.filter(region=region, status=Lifecycle.PUBLISHED).exists():
            try:
                ranking = ranking_compute(actor=None, region=region, quarter=quarter)
                ranking = ranking_publish(actor=None, ranking=ranking)
                summary["ranking"] = {"quarter": quarter, "status": ranking.status, "notice": ranking.notice_id}
            except (DomainError, ImportError) as err:
                summary["errors"].append(f"ranking {quarter}: {getattr(err, 'message', err)}")
        _seed_rectification(region, year, span["last"].month, summary)
    return summary


def _seed_rectification(region: Region, year: int, month: int, summary: dict) -> None:
    """One 整改通知 to the demo hospital user's hospital about its latest month, left open for it to answer."""
    from apps.tenants.enums import Role
    from apps.tenants.models import Membership

    from .models import Rectification
    from .services import rectification_send

    member = (Membership.objects.filter(region=region, role=Role.HOSPITAL_STAFF, hospital__isnull=False)
              .select_related("hospital").order_by("pk").first())
    if member is None or Rectification.objects.filter(region=region).exists():
        return
    try:
        rect = rectification_send(
            actor=None, region=region, hospital=member.hospital, month=f"{year}-{month:02d}",
            text="请核对出院后逾期上传的结算清单及与门户分组结果不一致的病例，补正后重新上传，并在本页答复整改情况。")
        summary["rectification"] = {"hospital": member.hospital.code, "month": rect.month,
                                    "score": rect.scorecard.get("score")}
    except (DomainError, ImportError) as err:
        summary["errors"].append(f"rectification: {getattr(err, 'message', err)}")
