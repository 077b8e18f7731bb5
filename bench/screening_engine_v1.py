"""The screening engine before the one-pass rewrite (issue 20), kept only so bench_screening.py can time the old and
the new engine in the same run (docs/performance.md). Not used by the application."""
from __future__ import annotations

import datetime as dt

from apps.core.sql import local_settings

# The patient is read as a 64-bit hash of the (already salted) patient hash: a narrower hash join for the
# split-admission rule; two patients sharing it in one hospital within the window is ~n²/2⁶⁴ (never, at 1M).
STAGE_COLUMNS = """
SELECT c.id, c.hospital_id, h.level, hashtextextended(c.patient_hash, 0) AS patient, c.admission_date,
       c.discharge_date, c.los_days, c.discharge_method, LEFT(c.principal_dx, 3) AS dx3,
       c.principal_dx LIKE 'Z51%%' AS planned,
       (c.principal_proc = '' AND cardinality(c.other_procs) = 0) AS no_proc,
       c.drg_code, c.declared_drg_code, c.grouper_drg_code,
       COALESCE(NULLIF(c.grouper_adrg, ''), NULLIF(LEFT(c.drg_code, 3), '')) AS adrg,
       CASE WHEN length(c.drg_code) = 4 AND RIGHT(c.drg_code, 1) IN ('1', '3')
            THEN LEFT(c.drg_code, 3) || '5' END AS without_cc,
       c.total_cost, c.self_pay
  FROM cases_case c
  JOIN hospitals_hospital h ON h.id = c.hospital_id
"""

STATS_SQL = """
CREATE TEMP TABLE screen_stats ON COMMIT DROP AS
SELECT s.group_code, s.mean_cost, s.base_points FROM groups_groupstat s WHERE s.version_id = %(stats)s
"""

# Every rule yields (rule, case_id, hospital_id, related_case_id, discharge_date, evidence) as `hits`.
UPSERT = """
WITH hits AS (
{select}
)
INSERT INTO screening_screeningitem
       (region_id, rule, case_id, hospital_id, related_case_id, year, month, evidence, status, found_at,
        screened_at, reply_due, answer_text, expert_suggestion, expert_opinion, decision_reason)
SELECT %(region)s, h.rule, h.case_id, h.hospital_id, h.related_case_id, EXTRACT(YEAR FROM h.discharge_date)::int,
       EXTRACT(MONTH FROM h.discharge_date)::int, h.evidence, 'open', %(now)s, %(now)s, %(reply_due)s, '', '', '', ''
  FROM hits h
ON CONFLICT (region_id, rule, case_id) DO UPDATE
   SET evidence = EXCLUDED.evidence, related_case_id = EXCLUDED.related_case_id,
       hospital_id = EXCLUDED.hospital_id, screened_at = EXCLUDED.screened_at
 WHERE screening_screeningitem.status = 'open'
"""

SPLIT_ADMISSION = """
SELECT 'split_admission'::text AS rule, p.case_id, p.hospital_id, p.related_case_id, p.discharge_date,
       jsonb_build_object(
           'previous_settlement_id', pc.settlement_id, 'previous_discharge', p.previous_discharge,
           'admission', p.admission_date, 'gap_days', p.admission_date - p.previous_discharge,
           'readmit_days', %(readmit)s, 'match', p.match, 'adrg', p.adrg, 'previous_adrg', p.previous_adrg,
           'principal_dx', cc.principal_dx, 'previous_principal_dx', pc.principal_dx) AS evidence
  FROM (
    SELECT DISTINCT ON (cur.id) cur.id AS case_id, cur.hospital_id, prev.id AS related_case_id, cur.discharge_date,
           cur.admission_date, prev.discharge_date AS previous_discharge, cur.adrg, prev.adrg AS previous_adrg,
           CASE WHEN cur.adrg = prev.adrg THEN 'adrg' ELSE 'principal_dx' END AS match
      FROM screen_stage cur
      JOIN screen_stage prev ON prev.patient = cur.patient AND prev.hospital_id = cur.hospital_id
     WHERE cur.discharge_date >= %(start)s AND cur.discharge_date < %(end)s AND NOT cur.planned
       AND prev.discharge_date <= cur.admission_date
       AND cur.admission_date - prev.discharge_date <= %(readmit)s
       AND (prev.admission_date, prev.id) < (cur.admission_date, cur.id)
       AND (cur.adrg = prev.adrg OR cur.dx3 = prev.dx3)
     ORDER BY cur.id, prev.discharge_date DESC, prev.id DESC
  ) p
  JOIN cases_case cc ON cc.id = p.case_id
  JOIN cases_case pc ON pc.id = p.related_case_id
"""

# (a) the declared group differs from the portal grouper's and has the higher base points;
# (b) a severity 1/3 group (with MCC/CC) whose cost is below the mean of the ADRG's severity-5 group.
UPCODING = """
SELECT DISTINCT ON (u.case_id) 'upcoding'::text AS rule, u.case_id, u.hospital_id, NULL::bigint AS related_case_id,
       u.discharge_date, u.evidence
  FROM (
    SELECT c.id AS case_id, c.hospital_id, c.discharge_date, 1 AS priority,
           jsonb_build_object('kind', 'declared_higher', 'declared', c.declared_drg_code,
                              'grouper', c.grouper_drg_code, 'declared_base_points', d.base_points,
                              'grouper_base_points', g.base_points, 'stats_version', %(stats)s) AS evidence
      FROM screen_stage c
      JOIN screen_stats d ON d.group_code = c.declared_drg_code
      JOIN screen_stats g ON g.group_code = c.grouper_drg_code
     WHERE c.discharge_date >= %(start)s AND c.discharge_date < %(end)s
       AND c.declared_drg_code <> '' AND c.grouper_drg_code <> '' AND c.declared_drg_code <> c.grouper_drg_code
       AND d.base_points > g.base_points
    UNION ALL
    SELECT c.id, c.hospital_id, c.discharge_date, 2,
           jsonb_build_object('kind', 'cc_below_without_cc', 'group', c.drg_code, 'total_cost', c.total_cost,
                              'without_cc_group', w.group_code, 'without_cc_mean', w.mean_cost,
                              'stats_version', %(stats)s)
      FROM screen_stage c
      JOIN screen_stats w ON w.group_code = c.without_cc
     WHERE c.discharge_date >= %(start)s AND c.discharge_date < %(end)s AND c.total_cost < w.mean_cost
  ) u
 ORDER BY u.case_id, u.priority
"""

LOW_STANDARD = """
SELECT 'low_standard'::text AS rule, c.id AS case_id, c.hospital_id, NULL::bigint AS related_case_id,
       c.discharge_date,
       jsonb_build_object('los_days', c.los_days, 'discharge_method', c.discharge_method, 'procedure', false,
                          'group', c.drg_code, 'total_cost', c.total_cost, 'group_mean', s.mean_cost,
                          'level', c.level, 'low_ratio', x.low_ratio,
                          'threshold', ROUND(x.low_ratio * s.mean_cost, 2), 'stats_version', %(stats)s) AS evidence
  FROM screen_stage c
  JOIN screen_stats s ON s.group_code = c.drg_code
  CROSS JOIN LATERAL (SELECT CASE c.level WHEN 1 THEN %(low1)s::numeric WHEN 2 THEN %(low2)s::numeric
                                          ELSE %(low3)s::numeric END AS low_ratio) x
 WHERE c.discharge_date >= %(start)s AND c.discharge_date < %(end)s
   AND c.no_proc AND c.los_days <= 2 AND c.discharge_method = '1'
   AND c.total_cost < x.low_ratio * s.mean_cost
"""

# share > factor × regional share, compared cross-multiplied (exact: no rounded division decides a hit).
COST_SHIFTING = """
WITH g AS (
    SELECT s.drg_code, SUM(s.self_pay) AS sp, SUM(s.total_cost) AS tc, COUNT(*) AS n
      FROM screen_stage s
     WHERE s.discharge_date >= %(year_start)s AND s.drg_code <> ''
     GROUP BY s.drg_code
)
SELECT 'cost_shifting'::text AS rule, c.id AS case_id, c.hospital_id, NULL::bigint AS related_case_id,
       c.discharge_date,
       jsonb_build_object('group', c.drg_code, 'self_pay', c.self_pay, 'total_cost', c.total_cost,
                          'share', ROUND(c.self_pay / c.total_cost, 4), 'region_share', ROUND(g.sp / g.tc, 4),
                          'region_self_pay', g.sp, 'region_total_cost', g.tc, 'region_cases', g.n,
                          'shift_factor', %(factor)s::numeric,
                          'threshold', ROUND(%(factor)s::numeric * g.sp / g.tc, 4)) AS evidence
  FROM screen_stage c
  JOIN g ON g.drg_code = c.drg_code
 WHERE c.discharge_date >= %(start)s AND c.discharge_date < %(end)s
   AND c.total_cost > 0 AND g.tc > 0
   AND c.self_pay * g.tc > %(factor)s::numeric * g.sp * c.total_cost
"""

RULES: dict[str, str] = {
    "split_admission": SPLIT_ADMISSION,
    "upcoding": UPCODING,
    "low_standard": LOW_STANDARD,
    "cost_shifting": COST_SHIFTING,
}
NEEDS_STATS = ("upcoding", "low_standard")

STALE_SQL = """
DELETE FROM screening_screeningitem
 WHERE region_id = %(region)s AND rule = %(rule)s AND status = 'open' AND screened_at < %(now)s
   AND case_id IN (SELECT c.id FROM cases_case c WHERE c.region_id = %(region)s
                     AND c.discharge_date >= %(start)s AND c.discharge_date < %(end)s)
"""


BOUND_SQL = """
SELECT LEAST(%(year_start)s::date, MIN(c.admission_date) - %(readmit)s)
  FROM cases_case c
 WHERE c.region_id = %(region)s AND c.discharge_date >= %(start)s AND c.discharge_date < %(end)s
"""



def run_rules(cursor, params: dict) -> None:
    """Run every rule over a temporary view of the region's cases (the caller owns the transaction).

    The view covers the year plus the stays a readmission of the period may follow (discharged up to
    `readmit_days` before the period's earliest admission); each rule reads `cases_case` through it, so no
    copy of the year is written and the planner uses the table's own statistics."""
    # work_mem: the self-join's hash of a 1M-case year in one batch. Right after an import the case table's
    # statistics lag (a handful of rows estimated for 100k) and the planner picks a nested loop for the
    # self-join: quadratic, minutes instead of a second. Hash joins only.
    with local_settings(cursor, work_mem="64MB", enable_nestloop="off", jit="off"):
        _run_rules(cursor, params)


def _run_rules(cursor, params: dict) -> None:
    cursor.execute("DROP VIEW IF EXISTS screen_stage")
    cursor.execute("DROP TABLE IF EXISTS screen_stats")
    # The year's published group statistics in a small analysed temp table: right after a statistics run
    # the planner's estimate of groups_groupstat lags (one row instead of hundreds) and it would rescan the
    # cases once per group (minutes instead of seconds).
    cursor.execute(STATS_SQL, params)
    cursor.execute("ANALYZE screen_stats")
    cursor.execute(BOUND_SQL, params)
    bound = cursor.fetchone()[0] or params["year_start"]
    # A view cannot take parameters: the three values are an int and two dates, written as literals.
    cursor.execute("CREATE TEMP VIEW screen_stage AS" + STAGE_COLUMNS.replace("%%", "%")
                   + f" WHERE c.region_id = {int(params['region'])}"
                     f" AND c.discharge_date >= DATE '{bound.isoformat()}'"
                     f" AND c.discharge_date < DATE '{params['year_end'].isoformat()}'")
    for rule, select in RULES.items():
        if rule in NEEDS_STATS and params["stats"] is None:
            continue  # no published group statistics for the year: the rule has nothing to compare with
        cursor.execute(UPSERT.format(select=select), params)
    for rule in RULES:
        if rule in NEEDS_STATS and params["stats"] is None:
            continue
        cursor.execute(STALE_SQL, {**params, "rule": rule})
    cursor.execute("DROP VIEW screen_stage")  # (a failure rolls the view back with everything else)


def period_dates(year: int, month: int | None) -> tuple[dt.date, dt.date]:
    if month is None:
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    return dt.date(year, month, 1), dt.date(year + (month == 12), month % 12 + 1, 1)
