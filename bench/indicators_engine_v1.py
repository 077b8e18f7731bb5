"""The indicators engine before the issue-21 rewrite (apps/monitoring/engine.py as of issue 9), kept only so
bench_indicators.py and tests/monitoring/test_engine_v1_equal.py can prove that the new engine stores the same
figures (decision 0047). Not used by the application."""
from __future__ import annotations

from django.db import connection, transaction

from apps.core import lifecycle
from apps.core.errors import ValidationFailed
from apps.core.lifecycle import Lifecycle
from apps.core.sql import local_settings
from apps.monitoring.engine import ensure_risk_classes
from apps.monitoring.models import IndicatorPeriod

SCAN_SQL = """
CREATE TEMP TABLE monitoring_hg ON COMMIT DROP AS
SELECT c.hospital_id, c.drg_code, MAX(h.level) AS level,
       BOOL_OR(s.group_code IS NOT NULL) AS in_population, MAX(s.base_points) AS base_points,
       COUNT(*) AS n, SUM(c.total_cost) AS cost, SUM(c.drug_cost) AS drug, SUM(c.consumable_cost) AS consumable,
       SUM(c.exam_cost) AS exam, SUM(c.los_days) AS los, COUNT(*) FILTER (WHERE c.discharge_method = '5') AS deaths,
       COUNT(*) FILTER (WHERE h.active AND h.drg_enabled_from IS NOT NULL
                          AND h.drg_enabled_from <= c.discharge_date) AS n_covered,
       SUM(c.fund_paid) AS fund,
       COALESCE(SUM(c.fund_paid) FILTER (WHERE h.active AND h.drg_enabled_from IS NOT NULL
                                           AND h.drg_enabled_from <= c.discharge_date), 0) AS fund_covered,
       BOOL_OR(h.active AND h.drg_enabled_from IS NOT NULL AND h.drg_enabled_from < %(end)s) AS hospital_covered
  FROM cases_case c
  JOIN hospitals_hospital h ON h.id = c.hospital_id
  LEFT JOIN groups_groupstat s ON s.version_id = %(stats)s AND s.group_code = c.drg_code AND c.drg_code <> ''
 WHERE c.region_id = %(region)s AND c.discharge_date >= %(start)s AND c.discharge_date < %(end)s
 GROUP BY c.hospital_id, c.drg_code
"""

# Step 2: the same-period group means (2 decimals; as stored they are the input of the indices).
GROUPS_SQL = """
INSERT INTO monitoring_periodgroup
       (region_id, period_id, group_code, cases, mean_cost, mean_los, deaths, base_points, risk_class)
SELECT %(region)s, %(period)s, x.drg_code, SUM(x.n), ROUND(SUM(x.cost) / SUM(x.n), 2), ROUND(SUM(x.los) / SUM(x.n), 2),
       SUM(x.deaths), MAX(x.base_points), COALESCE(MAX(rc.risk_class), 0)
  FROM monitoring_hg x
  LEFT JOIN monitoring_groupriskclass rc ON rc.region_id = %(region)s AND rc.year = %(year)s
        AND rc.group_code = x.drg_code
 WHERE x.in_population
 GROUP BY x.drg_code
"""

# Step 3: per hospital, per level and for the region in one statement (GROUPING SETS).
INDICATORS_SQL = """
INSERT INTO monitoring_indicator
       (region_id, period_id, scope, hospital_id, level, cases, bp_sum, cost_ratio_sum, los_ratio_sum, los_sum,
        cost_sum, drug_sum, consumable_sum, exam_sum, deaths, risk_cases, risk_deaths, cmi, cost_index,
        time_index, group_count, alos, avg_cost, drug_share, consumable_share, exam_share, lowrisk_mortality)
SELECT %(region)s, %(period)s,
       CASE WHEN GROUPING(x.hospital_id) = 0 THEN 'hospital' WHEN GROUPING(x.level) = 0 THEN 'level'
            ELSE 'region' END,
       x.hospital_id, x.level, SUM(x.n),
       SUM(x.n * g.base_points),
       ROUND(SUM(x.cost / NULLIF(g.mean_cost, 0)), 8),
       ROUND(SUM(x.los / NULLIF(g.mean_los, 0)), 8),
       SUM(x.los), SUM(x.cost), SUM(x.drug), SUM(x.consumable), SUM(x.exam), SUM(x.deaths),
       COALESCE(SUM(x.n) FILTER (WHERE g.risk_class IN (1, 2)), 0),
       COALESCE(SUM(x.deaths) FILTER (WHERE g.risk_class IN (1, 2)), 0),
       ROUND(SUM(x.n * g.base_points) / (100 * SUM(x.n)), 4),
       ROUND(SUM(x.cost / NULLIF(g.mean_cost, 0)) / SUM(x.n) FILTER (WHERE g.mean_cost > 0), 4),
       ROUND(SUM(x.los / NULLIF(g.mean_los, 0)) / SUM(x.n) FILTER (WHERE g.mean_los > 0), 4),
       COUNT(DISTINCT x.drg_code),
       ROUND(SUM(x.los)::numeric / SUM(x.n), 2), ROUND(SUM(x.cost) / SUM(x.n), 2),
       ROUND(SUM(x.drug) / NULLIF(SUM(x.cost), 0), 4),
       ROUND(SUM(x.consumable) / NULLIF(SUM(x.cost), 0), 4),
       ROUND(SUM(x.exam) / NULLIF(SUM(x.cost), 0), 4),
       ROUND(SUM(x.deaths) FILTER (WHERE g.risk_class IN (1, 2))::numeric
             / NULLIF(SUM(x.n) FILTER (WHERE g.risk_class IN (1, 2)), 0), 4)
  FROM monitoring_hg x
  JOIN monitoring_periodgroup g ON g.period_id = %(period)s AND g.group_code = x.drg_code
 WHERE x.in_population
 GROUP BY GROUPING SETS ((x.hospital_id, x.level), (x.level), ())
HAVING SUM(x.n) > 0
"""

# Step 4: reform coverage over all cases of the period (grouped or not).
COVERAGE_SQL = """
UPDATE monitoring_indicatorperiod p
   SET hospitals_total = x.hospitals_total, hospitals_covered = x.hospitals_covered,
       cases_total = x.cases_total, cases_covered = x.cases_covered,
       fund_total = x.fund_total, fund_covered = x.fund_covered,
       cases = (SELECT COALESCE(SUM(g.cases), 0) FROM monitoring_periodgroup g WHERE g.period_id = %(period)s)
  FROM (
    SELECT COUNT(DISTINCT hg.hospital_id) AS hospitals_total,
           COUNT(DISTINCT hg.hospital_id) FILTER (WHERE hg.hospital_covered) AS hospitals_covered,
           COALESCE(SUM(hg.n), 0) AS cases_total, COALESCE(SUM(hg.n_covered), 0) AS cases_covered,
           COALESCE(SUM(hg.fund), 0) AS fund_total, COALESCE(SUM(hg.fund_covered), 0) AS fund_covered
      FROM monitoring_hg hg
  ) x
 WHERE p.id = %(period)s
"""


def compute_v1(period: IndicatorPeriod) -> None:
    """Replace the period's rows with the old engine's (the period must have its statistics version set)."""
    params = {"region": period.region_id, "period": period.pk, "year": period.year,
              "stats": period.stats_version_id, "start": period.start, "end": period.end}
    with transaction.atomic():
        ensure_risk_classes(period.region_id, period.year, period.stats_version_id)
        with connection.cursor() as cursor, local_settings(cursor, enable_nestloop="off", jit="off"):
            cursor.execute("DELETE FROM monitoring_indicator WHERE period_id = %s", [period.pk])
            cursor.execute("DELETE FROM monitoring_periodgroup WHERE period_id = %s", [period.pk])
            cursor.execute("DROP TABLE IF EXISTS monitoring_hg")
            with local_settings(cursor, work_mem="64MB", parallel_setup_cost="0", parallel_tuple_cost="0"):
                cursor.execute(SCAN_SQL, params)
            cursor.execute("ANALYZE monitoring_hg")
            cursor.execute(GROUPS_SQL, params)
            cursor.execute(INDICATORS_SQL, params)
            cursor.execute(COVERAGE_SQL, params)
            cursor.execute("DROP TABLE monitoring_hg")


def compute_period_sql(period: IndicatorPeriod) -> IndicatorPeriod:
    """Compute a queued (or failed) period's rows synchronously (the task body; the bench times this)."""
    if period.status == Lifecycle.FAILED:  # computed again
        lifecycle.requeue(period)
    lifecycle.claim_or_refuse(period)
    lifecycle.progress(period, done=5)
    period.refresh_from_db()
    if period.stats_version_id is None:
        raise ValidationFailed(f"group statistics: {period.year} has no published group statistics")
    params = {"region": period.region_id, "period": period.pk, "year": period.year,
              "stats": period.stats_version_id, "start": period.start, "end": period.end}
    with transaction.atomic():
        ensure_risk_classes(period.region_id, period.year, period.stats_version_id)
        lifecycle.progress(period, done=20)
        with connection.cursor() as cursor, local_settings(cursor, enable_nestloop="off", jit="off"):  # jit: see settlement.engine
            cursor.execute("DELETE FROM monitoring_indicator WHERE period_id = %s", [period.pk])
            cursor.execute("DELETE FROM monitoring_periodgroup WHERE period_id = %s", [period.pk])
            cursor.execute("DROP TABLE IF EXISTS monitoring_hg")
            # The scan sorts ~1M rows by (hospital, group) in parallel workers: in memory, not on disk.
            with local_settings(cursor, work_mem="64MB", parallel_setup_cost="0", parallel_tuple_cost="0"):
                cursor.execute(SCAN_SQL, params)
            lifecycle.progress(period, done=30)
            cursor.execute("ANALYZE monitoring_hg")
            cursor.execute(GROUPS_SQL, params)
            lifecycle.progress(period, done=40)
            cursor.execute(INDICATORS_SQL, params)
            lifecycle.progress(period, done=80)
            cursor.execute(COVERAGE_SQL, params)
            cursor.execute("DROP TABLE monitoring_hg")
        lifecycle.finish(period)
    period.refresh_from_db()
    return period
