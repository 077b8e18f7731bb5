"""Dashboard widget: the latest computed indicators of each region the user reads wholly."""
from __future__ import annotations

from apps.tenants.models import Region


def monitoring_overview(request) -> dict | None:
    from . import rules, selectors

    ids = rules.widget_region_ids(request.access)
    rows = []
    for region in Region.objects.filter(pk__in=ids).order_by("code"):
        period = selectors.period_get(region, None)
        if period is not None:
            rows.append({"region": region, "period": period, "total": selectors.region_row(period)})
    return {"rows": rows} if rows else None
