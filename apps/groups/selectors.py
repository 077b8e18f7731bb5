"""Reads of the groups app. Other apps (cases QC, settlement, monitoring) call these."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet

from apps.core.lifecycle import Lifecycle
from apps.core.scoping import scoped
from apps.tenants.models import PolicyYear, Region

from .models import Catalogue, Group, GroupStat, StatsVersion


def catalogue_version_of(grouper_version: str) -> str:
    """The catalogue version a grouper version loads as (its DRG list), e.g. chs-drg-1.1 → chs-drg-1.1."""
    from .grouper.files import SHIPPED

    return SHIPPED.get(grouper_version, {}).get("catalogue_version", grouper_version)


def governing_policy(region: Region, year: int) -> PolicyYear | None:
    """The policy year whose payment catalogue applies to cases discharged in `year`: the year's own policy when
    it names a catalogue or grouper version, else the nearest later payment year whose base period covers `year`
    (default base period: the three years before it), so base-period cases are checked against the catalogue
    of the payment year that uses them."""
    policies = list(scoped(PolicyYear, region.pk).filter(region=region, year__gte=year).order_by("year"))
    for policy in policies:
        if not (policy.catalogue or policy.grouper_version):
            continue
        if policy.year == year:
            return policy
        start = policy.base_start if policy.base_start is not None else policy.year - 3
        end = policy.base_end if policy.base_end is not None else policy.year - 1
        if start <= year <= end:
            return policy
    return None


def active_catalogue(region: Region, year: int | None = None) -> Catalogue | None:
    """The payment catalogue for a discharge year: the governing policy's grouper version's DRG list (one version
    for grouping and payment), else the catalogue it names (`PolicyYear.catalogue`), else the region's active one."""
    if year is not None:
        policy = governing_policy(region, year)
        if policy is not None:
            catalogues = scoped(Catalogue, region.pk).filter(region=region)
            for version in (catalogue_version_of(policy.grouper_version) if policy.grouper_version else "",
                            policy.catalogue):
                found = catalogues.filter(version=version).first() if version else None
                if found is not None:
                    return found
    return scoped(Catalogue, region.pk).filter(region=region, is_active=True).first()


def payment_grouper_version(region: Region, year: int | None = None) -> str:
    """The grouper version the region pays on for a discharge year ('' = no portal grouper: the declared codes
    are used as they are)."""
    if year is None:
        policy = (scoped(PolicyYear, region.pk).filter(region=region).exclude(grouper_version="")
                  .order_by("-year").first())
        return policy.grouper_version if policy else ""
    policy = governing_policy(region, year)
    return policy.grouper_version if policy is not None else ""


def group_codes(catalogue: Catalogue) -> set[str]:
    return set(scoped(Group, catalogue.region_id).filter(catalogue=catalogue).values_list("code", flat=True))


def group_mdcs(catalogue: Catalogue) -> dict[str, str]:
    """Group code → MDC code (e.g. 'MDCN'), for the gender checks of the quality control."""
    return dict(scoped(Group, catalogue.region_id).filter(catalogue=catalogue).values_list("code", "mdc_code"))


def stats_versions(region: Region, year: int) -> QuerySet[StatsVersion]:
    return scoped(StatsVersion, region.pk).filter(region=region, year=year).order_by("-number")


def latest_stats(region: Region, year: int) -> StatsVersion | None:
    return stats_versions(region, year).first()


def latest_ready_stats(region: Region, year: int) -> StatsVersion | None:
    return stats_versions(region, year).filter(status=Lifecycle.READY).first()


def published_stats(region: Region, year: int) -> StatsVersion | None:
    """The published (in force) statistics version of a region and payment year."""
    return stats_versions(region, year).filter(status=Lifecycle.PUBLISHED).first()


def stats_rows(version: StatsVersion) -> QuerySet[GroupStat]:
    return scoped(GroupStat, version.region_id).filter(version=version).order_by("group_code")


def stats_years(region: Region) -> list[int]:
    return list(scoped(StatsVersion, region.pk).filter(region=region).values_list("year", flat=True)
                .distinct().order_by("-year"))


HISTOGRAM_SQL = """
WITH costs AS (
    SELECT c.total_cost AS cost
      FROM cases_case c
     WHERE c.region_id = %(region)s AND c.drg_code = %(code)s
       AND c.discharge_date >= %(start)s AND c.discharge_date < %(end)s
),
bounds AS (SELECT MIN(cost) AS lo, MAX(cost) AS hi, COUNT(*) AS n FROM costs)
SELECT CASE WHEN b.hi = b.lo THEN 1 ELSE width_bucket(c.cost, b.lo, b.hi, %(buckets)s) END AS bucket,
       COUNT(*) AS n, MIN(b.lo) AS lo, MIN(b.hi) AS hi
  FROM costs c CROSS JOIN bounds b
 GROUP BY 1 ORDER BY 1
"""


def cost_histogram(version: StatsVersion, group_code: str, buckets: int = 20) -> list[dict]:
    """Base-period cost distribution of one group in equal-width buckets (SQL width_bucket).

    The maximum falls in bucket `buckets + 1` by width_bucket's definition; it is folded into the last.
    """
    params = {"region": version.region_id, "code": group_code, "buckets": buckets,
              "start": dt.date(version.base_start, 1, 1), "end": dt.date(version.base_end + 1, 1, 1)}
    with connection.cursor() as cursor:
        cursor.execute(HISTOGRAM_SQL, params)
        rows = cursor.fetchall()
    if not rows:
        return []
    lo, hi = rows[0][2], rows[0][3]
    if hi == lo:
        return [{"low": lo, "high": hi, "n": rows[0][1]}]
    width = (hi - lo) / Decimal(buckets)
    counts = dict.fromkeys(range(1, buckets + 1), 0)
    for bucket, n, _lo, _hi in rows:
        counts[min(bucket, buckets)] += n
    return [{"low": (lo + width * (b - 1)).quantize(Decimal("0.01")), "high": (lo + width * b).quantize(Decimal("0.01")),
             "n": n} for b, n in counts.items()]
