"""Case-list filters shared by the screen and the API; every filter maps to an indexed column."""
from __future__ import annotations

import datetime as dt
import re

from django.db.models import QuerySet

from apps.hospitals.models import Hospital
from apps.tenants.models import Region

from .enums import CaseWarning

COUNT_CAP = 10_000
PERIOD_RE = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def period_range(period: str) -> tuple[dt.date, dt.date] | None:
    """'2025' → [2025-01-01, 2026-01-01); '2025-03' → [2025-03-01, 2025-04-01); else None."""
    match = PERIOD_RE.match((period or "").strip())
    if not match:
        return None
    year, month = int(match.group(1)), match.group(2)
    if month is None:
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    m = int(month)
    if not 1 <= m <= 12:
        return None
    return dt.date(year, m, 1), (dt.date(year + (m == 12), m % 12 + 1, 1))


def filter_cases(qs: QuerySet, params, region_ids: list[int]) -> QuerySet:
    """Apply `region, hospital, period, drg_code, insurance_type, warning, has_warnings, grouping_status
    (ok|ambiguous|ungroupable|invalid|pending), grouping_mismatch, q` (unknown values → no rows).

    `q` is an exact settlement id (a prefix LIKE cannot use the unique index under a zh collation)."""
    if params.get("region"):
        region = Region.objects.filter(code=params["region"], pk__in=region_ids).first()
        qs = qs.filter(region=region) if region else qs.none()
    if params.get("hospital"):
        value = params["hospital"]
        hospital_ids = list(Hospital.objects.filter(region_id__in=region_ids, code=value).values_list("pk", flat=True))
        if value.isdigit() and not hospital_ids:
            hospital_ids = [int(value)]
        qs = qs.filter(hospital_id__in=hospital_ids)
    if params.get("period"):
        bounds = period_range(params["period"])
        qs = qs.filter(discharge_date__gte=bounds[0], discharge_date__lt=bounds[1]) if bounds else qs.none()
    if params.get("drg_code"):
        qs = qs.filter(drg_code=params["drg_code"].strip().upper())
    if params.get("insurance_type"):
        qs = qs.filter(insurance_type=params["insurance_type"])
    warning = params.get("warning")
    if warning in CaseWarning.values:
        qs = qs.filter(warnings__contains=[warning])
    elif warning == "any" or params.get("has_warnings") in ("1", "true", "yes"):
        qs = qs.exclude(warnings=[])
    if params.get("grouping_status") in ("ok", "ambiguous", "ungroupable", "invalid", "pending"):
        status = params["grouping_status"]
        qs = qs.filter(grouping_status="" if status == "pending" else status)
    if params.get("grouping_mismatch") in ("1", "true", "yes"):
        qs = qs.filter(grouping_mismatch=True)
    if params.get("q"):  # exact: served by the unique (region, settlement_id) index
        qs = qs.filter(settlement_id=params["q"].strip())
    return qs


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Count up to `cap` rows (a bounded index scan) instead of COUNT(*) over a million cases."""
    n = qs.order_by()[: cap + 1].count()
    return min(n, cap), n > cap
