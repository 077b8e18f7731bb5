"""Dashboard widget: the latest computed indicators of each region the user reads wholly."""
from __future__ import annotations

from apps.tenants.enums import Role


def monitoring_overview(request) -> dict | None:
    from apps.tenants.models import Region

    from . import selectors

    ids = [r for r in request.access.region_ids
           if request.access.has_role(r, Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.AUDITOR)]
    rows = []
    for region in Region.objects.filter(pk__in=ids).order_by("code"):
        period = selectors.period_get(region, None)
        if period is not None:
            rows.append({"region": region, "period": period, "total": selectors.region_row(period)})
    return {"rows": rows} if rows else None
