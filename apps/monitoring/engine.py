"""Indicators of domain §8 computed set-based on PostgreSQL: one scan of the period's cases, then small statements.

1. `SCAN_SQL`: every case of the period aggregated per (hospital, group code) into a temporary table, with a
   flag for the population (cases whose group has statistics in the year's published version, any hospital)
   and the coverage sums (cases and fund of hospitals on DRG/DIP payment on the discharge date). When no hospital
   starts payment inside the period (the usual case) `LEAN_SCAN_SQL` gives the same rows reading only the cases
   and joining hospitals and statistics to the aggregated rows (decision 0047).
2. `GROUPS_SQL` → monitoring_periodgroup: the same-period group means of cost and stay (rounded to 2 decimals;
   as stored they are the input of the indices), deaths, the group's base points and its risk class of the year.
3. `HOSPITALS_SQL`: the additive inputs per hospital (one grouping over the (hospital, group) table), then
   `INDICATORS_SQL` → monitoring_indicator: GROUP BY GROUPING SETS (hospital, level, region) over those few rows,
   with the sums that explain every figure (decision 0047).
4. `COVERAGE_SQL`: reform coverage over all cases of the period (grouped or not).

All in one transaction: a failed or killed computation leaves the previous rows in place.
"""
from __future__ import annotations

from decimal import Decimal

from django.db import connection, transaction

from apps.core import lifecycle
from apps.core.errors import ValidationFailed
from apps.core.lifecycle import Lifecycle
from apps.core.sql import local_settings
from apps.groups.models import GroupStat

from .formulas import risk_classes
from .models import GroupRiskClass, IndicatorPeriod

# Step 1: the only scan of the period's cases (may run as a parallel query: CREATE TABLE AS can), aggregated
# per hospital and group code. Everything else is computed from this small table (≤ hospitals × groups rows):
# within a group the mean is constant, so Σ(cost_c / mean_g) = (Σ cost_c) / mean_g.
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

# Step 1, usual case: no hospital starts DRG/DIP payment inside the period, so a hospital's cases are covered all or
# none. The scan then touches nothing but the cases (no per-row join, no per-row coverage test, no aggregate of
# a per-hospital or per-group constant) and groups on the code's bytes (COLLATE "C": same groups, cheaper
# comparisons); hospital and statistics are joined to the ~170k (hospital, group) rows after. Same rows as
# SCAN_SQL (bench/indicators_engine_v1.py and tests/monitoring/test_engine_v1_equal.py compare them).
LEAN_SCAN_SQL = """
CREATE TEMP TABLE monitoring_hg ON COMMIT DROP AS
SELECT x.hospital_id, x.drg_code COLLATE "default" AS drg_code, h.level,
       s.group_code IS NOT NULL AS in_population, s.base_points,
       x.n, x.cost, x.drug, x.consumable, x.exam, x.los, x.deaths,
       CASE WHEN h.active AND h.drg_enabled_from <= %(start)s THEN x.n ELSE 0 END AS n_covered,
       x.fund,
       CASE WHEN h.active AND h.drg_enabled_from <= %(start)s THEN x.fund ELSE 0 END AS fund_covered,
       h.active AND h.drg_enabled_from IS NOT NULL AND h.drg_enabled_from < %(end)s AS hospital_covered
  FROM (SELECT c.hospital_id, c.drg_code COLLATE "C" AS drg_code, COUNT(*) AS n, SUM(c.total_cost) AS cost,
               SUM(c.drug_cost) AS drug, SUM(c.consumable_cost) AS consumable, SUM(c.exam_cost) AS exam,
               SUM(c.los_days) AS los, COUNT(*) FILTER (WHERE c.discharge_method = '5') AS deaths,
               SUM(c.fund_paid) AS fund
          FROM cases_case c
         WHERE c.region_id = %(region)s AND c.discharge_date >= %(start)s AND c.discharge_date < %(end)s
         GROUP BY 1, 2) x
  JOIN hospitals_hospital h ON h.id = x.hospital_id
  LEFT JOIN groups_groupstat s ON s.version_id = %(stats)s AND s.group_code = x.drg_code AND x.drg_code <> ''
"""

# Does a hospital (of any region: a case is counted with its hospital, whatever that hospital's region) start
# payment inside the period? Then its cases are split by discharge date and SCAN_SQL tests each case.
STARTS_INSIDE_SQL = """
SELECT EXISTS (SELECT 1 FROM hospitals_hospital h
                WHERE h.active AND h.drg_enabled_from > %(start)s AND h.drg_enabled_from < %(end)s)
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

# Step 3a: per hospital, the additive inputs of every indicator (one pass over the (hospital, group) table, one
# grouping; each per-cell quotient computed once). Numeric sums are exact, so adding these per level and for the
# region (3b) gives the same values, with the same scale, as adding the cells directly.
HOSPITALS_SQL = """
CREATE TEMP TABLE monitoring_h ON COMMIT DROP AS
SELECT x.hospital_id, x.level, SUM(x.n) AS n, SUM(x.n * g.base_points) AS bp,
       SUM(x.cost / NULLIF(g.mean_cost, 0)) AS cost_ratio, SUM(x.los / NULLIF(g.mean_los, 0)) AS los_ratio,
       SUM(x.los) AS los, SUM(x.cost) AS cost, SUM(x.drug) AS drug, SUM(x.consumable) AS consumable,
       SUM(x.exam) AS exam, SUM(x.deaths) AS deaths,
       SUM(x.n) FILTER (WHERE g.risk_class IN (1, 2)) AS risk_n,
       SUM(x.deaths) FILTER (WHERE g.risk_class IN (1, 2)) AS risk_deaths,
       SUM(x.n) FILTER (WHERE g.mean_cost > 0) AS n_cost, SUM(x.n) FILTER (WHERE g.mean_los > 0) AS n_los,
       COUNT(*) AS groups  -- (hospital, group) is unique in monitoring_hg: the distinct groups treated
  FROM monitoring_hg x
  JOIN monitoring_periodgroup g ON g.period_id = %(period)s AND g.group_code = x.drg_code
 WHERE x.in_population
 GROUP BY x.hospital_id, x.level
"""

# Step 3b: per hospital, per level and for the region (GROUPING SETS over ≤ hospitals rows), with the sums that
# explain every figure. Distinct groups: of a level from the (level, group) pairs, of the region = its period groups
# (one row per population group code of the period).
INDICATORS_SQL = """
INSERT INTO monitoring_indicator
       (region_id, period_id, scope, hospital_id, level, cases, bp_sum, cost_ratio_sum, los_ratio_sum, los_sum,
        cost_sum, drug_sum, consumable_sum, exam_sum, deaths, risk_cases, risk_deaths, cmi, cost_index,
        time_index, group_count, alos, avg_cost, drug_share, consumable_share, exam_share, lowrisk_mortality)
SELECT %(region)s, %(period)s,
       CASE WHEN GROUPING(h.hospital_id) = 0 THEN 'hospital' WHEN GROUPING(h.level) = 0 THEN 'level'
            ELSE 'region' END,
       h.hospital_id, h.level, SUM(h.n), SUM(h.bp), ROUND(SUM(h.cost_ratio), 8), ROUND(SUM(h.los_ratio), 8),
       SUM(h.los), SUM(h.cost), SUM(h.drug), SUM(h.consumable), SUM(h.exam), SUM(h.deaths),
       COALESCE(SUM(h.risk_n), 0), COALESCE(SUM(h.risk_deaths), 0),
       ROUND(SUM(h.bp) / (100 * SUM(h.n)), 4),
       ROUND(SUM(h.cost_ratio) / SUM(h.n_cost), 4),
       ROUND(SUM(h.los_ratio) / SUM(h.n_los), 4),
       CASE WHEN GROUPING(h.hospital_id) = 0 THEN SUM(h.groups) WHEN GROUPING(h.level) = 0 THEN MAX(lv.groups)
            ELSE (SELECT COUNT(*) FROM monitoring_periodgroup g WHERE g.period_id = %(period)s) END,
       ROUND(SUM(h.los)::numeric / SUM(h.n), 2), ROUND(SUM(h.cost) / SUM(h.n), 2),
       ROUND(SUM(h.drug) / NULLIF(SUM(h.cost), 0), 4),
       ROUND(SUM(h.consumable) / NULLIF(SUM(h.cost), 0), 4),
       ROUND(SUM(h.exam) / NULLIF(SUM(h.cost), 0), 4),
       ROUND(SUM(h.risk_deaths)::numeric / NULLIF(SUM(h.risk_n), 0), 4)
  FROM monitoring_h h
  JOIN (SELECT d.level, COUNT(*) AS groups
          FROM (SELECT DISTINCT x.level, x.drg_code FROM monitoring_hg x WHERE x.in_population) d
         GROUP BY d.level) lv ON lv.level = h.level
 GROUP BY GROUPING SETS ((h.hospital_id, h.level), (h.level), ())
HAVING SUM(h.n) > 0
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


def ensure_risk_classes(region_id: int, year: int, stats_version_id: int) -> int:
    """(Re)build the year's risk classes from the published version's base-period death rates (stored, 4
    decimals) unless they were built from that version already. Returns the number of groups."""
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
            cursor.execute("DROP TABLE IF EXISTS monitoring_hg, monitoring_h")
            # The scan sorts ~1M rows by (hospital, group) in parallel workers: in memory, not on disk.
            cursor.execute(STARTS_INSIDE_SQL, params)
            scan = SCAN_SQL if cursor.fetchone()[0] else LEAN_SCAN_SQL
            with local_settings(cursor, work_mem="64MB", parallel_setup_cost="0", parallel_tuple_cost="0"):
                cursor.execute(scan, params)
            lifecycle.progress(period, done=30)
            # no ANALYZE of the temp table (0.3–0.9 s on the bench year): the statements below join it to a few
            # hundred rows by hash (nested loops are off) and group it once, whatever the estimates
            cursor.execute(GROUPS_SQL, params)
            lifecycle.progress(period, done=40)
            cursor.execute(HOSPITALS_SQL, params)
            cursor.execute(INDICATORS_SQL, params)
            lifecycle.progress(period, done=80)
            cursor.execute(COVERAGE_SQL, params)
            cursor.execute("DROP TABLE monitoring_hg, monitoring_h")
        lifecycle.finish(period)
    period.refresh_from_db()
    return period
