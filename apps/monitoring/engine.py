"""Indicators of domain §8 computed set-based on PostgreSQL: three statements per period.

1. `GROUPS_SQL`: the period's population (cases discharged in the period whose group has statistics in
   the year's published version, any hospital) aggregated per group → monitoring_periodgroup: the
   same-period group means of cost and stay (rounded to 2 decimals; as stored they are the input of the
   indices), deaths, the group's base points and its risk class of the year.
2. `INDICATORS_SQL`: one scan of the population joined to (1), GROUP BY GROUPING SETS (hospital, level,
   region) → monitoring_indicator, with the sums that explain every figure.
3. `COVERAGE_SQL`: reform coverage over all cases of the period (grouped or not): hospitals with cases,
   cases and fund paid of hospitals on DRG/DIP payment on the discharge date.

All in one transaction: a failed or killed computation leaves the previous rows in place.
"""
from __future__ import annotations

from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from apps.core.errors import InvalidTransition, ValidationFailed

from .enums import ComputeStatus
from .formulas import risk_classes
from .models import GroupRiskClass, IndicatorPeriod

GROUPS_SQL = """
INSERT INTO monitoring_periodgroup
       (region_id, period_id, group_code, cases, mean_cost, mean_los, deaths, base_points, risk_class)
SELECT %(region)s, %(period)s, c.drg_code, COUNT(*), ROUND(AVG(c.total_cost), 2), ROUND(AVG(c.los_days), 2),
       COUNT(*) FILTER (WHERE c.discharge_method = '5'), MAX(s.base_points), COALESCE(MAX(rc.risk_class), 0)
  FROM cases_case c
  JOIN groups_groupstat s ON s.version_id = %(stats)s AND s.group_code = c.drg_code
  LEFT JOIN monitoring_groupriskclass rc ON rc.region_id = %(region)s AND rc.year = %(year)s
        AND rc.group_code = c.drg_code
 WHERE c.region_id = %(region)s AND c.discharge_date >= %(start)s AND c.discharge_date < %(end)s
   AND c.drg_code <> ''
 GROUP BY c.drg_code
"""

INDICATORS_SQL = """
INSERT INTO monitoring_indicator
       (region_id, period_id, scope, hospital_id, level, cases, bp_sum, cost_ratio_sum, los_ratio_sum, los_sum,
        cost_sum, drug_sum, consumable_sum, exam_sum, deaths, risk_cases, risk_deaths, cmi, cost_index,
        time_index, group_count, alos, avg_cost, drug_share, consumable_share, exam_share, lowrisk_mortality)
SELECT %(region)s, %(period)s,
       CASE WHEN GROUPING(c.hospital_id) = 0 THEN 'hospital' WHEN GROUPING(h.level) = 0 THEN 'level'
            ELSE 'region' END,
       c.hospital_id, h.level, COUNT(*),
       SUM(g.base_points),
       SUM(ROUND(c.total_cost / NULLIF(g.mean_cost, 0), 8)),
       SUM(ROUND(c.los_days / NULLIF(g.mean_los, 0), 8)),
       SUM(c.los_days), SUM(c.total_cost), SUM(c.drug_cost), SUM(c.consumable_cost), SUM(c.exam_cost),
       COUNT(*) FILTER (WHERE c.discharge_method = '5'),
       COUNT(*) FILTER (WHERE g.risk_class IN (1, 2)),
       COUNT(*) FILTER (WHERE g.risk_class IN (1, 2) AND c.discharge_method = '5'),
       ROUND(SUM(g.base_points) / (100 * COUNT(*)), 4),
       ROUND(AVG(c.total_cost / NULLIF(g.mean_cost, 0)), 4),
       ROUND(AVG(c.los_days / NULLIF(g.mean_los, 0)), 4),
       COUNT(DISTINCT c.drg_code),
       ROUND(AVG(c.los_days), 2), ROUND(AVG(c.total_cost), 2),
       ROUND(SUM(c.drug_cost) / NULLIF(SUM(c.total_cost), 0), 4),
       ROUND(SUM(c.consumable_cost) / NULLIF(SUM(c.total_cost), 0), 4),
       ROUND(SUM(c.exam_cost) / NULLIF(SUM(c.total_cost), 0), 4),
       ROUND(COUNT(*) FILTER (WHERE g.risk_class IN (1, 2) AND c.discharge_method = '5')::numeric
             / NULLIF(COUNT(*) FILTER (WHERE g.risk_class IN (1, 2)), 0), 4)
  FROM cases_case c
  JOIN monitoring_periodgroup g ON g.period_id = %(period)s AND g.group_code = c.drg_code
  JOIN hospitals_hospital h ON h.id = c.hospital_id
 WHERE c.region_id = %(region)s AND c.discharge_date >= %(start)s AND c.discharge_date < %(end)s
   AND c.drg_code <> ''
 GROUP BY GROUPING SETS ((c.hospital_id, h.level), (h.level), ())
HAVING COUNT(*) > 0
"""

COVERAGE_SQL = """
UPDATE monitoring_indicatorperiod p
   SET hospitals_total = x.hospitals_total, hospitals_covered = x.hospitals_covered,
       cases_total = x.cases_total, cases_covered = x.cases_covered,
       fund_total = x.fund_total, fund_covered = x.fund_covered,
       cases = (SELECT COALESCE(SUM(g.cases), 0) FROM monitoring_periodgroup g WHERE g.period_id = %(period)s)
  FROM (
    SELECT COUNT(DISTINCT c.hospital_id) AS hospitals_total,
           COUNT(DISTINCT c.hospital_id) FILTER (WHERE h.active AND h.drg_enabled_from IS NOT NULL
                                                   AND h.drg_enabled_from < %(end)s) AS hospitals_covered,
           COUNT(*) AS cases_total,
           COUNT(*) FILTER (WHERE h.active AND h.drg_enabled_from IS NOT NULL
                              AND h.drg_enabled_from <= c.discharge_date) AS cases_covered,
           COALESCE(SUM(c.fund_paid), 0) AS fund_total,
           COALESCE(SUM(c.fund_paid) FILTER (WHERE h.active AND h.drg_enabled_from IS NOT NULL
                                               AND h.drg_enabled_from <= c.discharge_date), 0) AS fund_covered
      FROM cases_case c
      JOIN hospitals_hospital h ON h.id = c.hospital_id
     WHERE c.region_id = %(region)s AND c.discharge_date >= %(start)s AND c.discharge_date < %(end)s
  ) x
 WHERE p.id = %(period)s
"""


def _set(period_id: int, **fields) -> None:
    IndicatorPeriod._base_manager.filter(pk=period_id).update(**fields)


def ensure_risk_classes(region_id: int, year: int, stats_version_id: int) -> int:
    """(Re)build the year's risk classes from the published version's base-period death rates (stored, 4
    decimals) unless they were built from that version already. Returns the number of groups."""
    from apps.groups.models import GroupStat

    rows = GroupRiskClass.objects.with_scope(region=[region_id]).filter(region_id=region_id, year=year)
    if rows.exists() and not rows.exclude(stats_version_id=stats_version_id).exists():
        return rows.count()
    rows.delete()
    rates = dict(GroupStat.objects.with_scope(region=[region_id]).filter(version_id=stats_version_id)
                 .values_list("group_code", "death_rate"))
    classes = risk_classes(rates)
    logs = [float(Decimal(m).ln()) for m in rates.values() if m and m > 0]
    n = len(logs)
    mean = sum(logs) / n if n else None
    sd = (sum((v - mean) ** 2 for v in logs) / (n - 1)) ** 0.5 if n > 1 else None

    def dec(v):
        return None if v is None else Decimal(repr(round(v, 8)))

    GroupRiskClass.objects.bulk_create([
        GroupRiskClass(region_id=region_id, year=year, stats_version_id=stats_version_id, group_code=code,
                       death_rate=rate, ln_rate=dec(float(Decimal(rate).ln())) if rate and rate > 0 else None,
                       ln_mean=dec(mean), ln_sd=dec(sd), z=dec(classes[code][0]), risk_class=classes[code][1])
        for code, rate in rates.items()
    ], batch_size=1000)
    return len(rates)


def compute_period_sql(period: IndicatorPeriod) -> IndicatorPeriod:
    """Compute a queued (or failed) period's rows synchronously (the task body; the bench times this)."""
    claimed = IndicatorPeriod._base_manager.filter(
        pk=period.pk, status__in=(ComputeStatus.QUEUED, ComputeStatus.FAILED)).update(
        status=ComputeStatus.RUNNING, progress=5, error="", started_at=timezone.now())
    if not claimed:
        raise InvalidTransition("Only a queued period can be computed.")
    period.refresh_from_db()
    if period.stats_version_id is None:
        raise ValidationFailed(f"group statistics: {period.year} has no published group statistics")
    params = {"region": period.region_id, "period": period.pk, "year": period.year,
              "stats": period.stats_version_id, "start": period.start, "end": period.end}
    with transaction.atomic():
        ensure_risk_classes(period.region_id, period.year, period.stats_version_id)
        _set(period.pk, progress=20)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_nestloop = off")  # bulk joins: hash joins (see settlement.engine)
            cursor.execute("DELETE FROM monitoring_indicator WHERE period_id = %s", [period.pk])
            cursor.execute("DELETE FROM monitoring_periodgroup WHERE period_id = %s", [period.pk])
            cursor.execute(GROUPS_SQL, params)
            _set(period.pk, progress=40)
            cursor.execute(INDICATORS_SQL, params)
            _set(period.pk, progress=80)
            cursor.execute(COVERAGE_SQL, params)
            cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")
        _set(period.pk, status=ComputeStatus.READY, progress=100, computed_at=timezone.now())
    period.refresh_from_db()
    return period
