"""The screening engine before the single-scan rewrite (issue 20, decision 0050), kept only so bench_screening.py
can check in the same run that the new engine leaves the same items (docs/performance.md). Not used by the
application. Its own docstring follows.

The four screening rules of domain §11 as set-based statements over the region's cases (decision 0028).

`run_rules` runs in the caller's transaction (docs/performance.md, bench/bench_screening.py):
1. the year's groups — one aggregate, read back and inlined as arrays: the published statistics (mean cost,
   base points, the mean of the ADRG's group without CC), the year's Σ self pay / Σ cost (cost shifting) and
   the earliest admission of the period's cases;
2. the three per-case rules — one pass over the period's cases, the hits unpivoted from flags;
3. split admission — one narrow pass over the year sorted once by (patient × hospital, admission): a window
   keeps the few stays that can be one side of a readmission, the exact rule pairs those;
4. only what changed is written: new items inserted, open items whose evidence changed updated (their
   `screened_at` is the time of that change), open items of the period no longer found removed. An item
   answered, confirmed or cleared is never touched.
"""
from __future__ import annotations

import datetime as dt

from apps.core.sql import local_settings

# `wcc_*`: the group's ADRG without CC (severity 5) for a severity 1/3 group — upcoding (b); `min_adm`: the
# earliest admission of the period's cases — the bound of the earlier stays a readmission may follow.
GROUPS_SQL = """
WITH y AS (
    SELECT c.drg_code AS group_code, SUM(c.self_pay) AS sp, SUM(c.total_cost) AS tc, COUNT(*) AS n,
           MIN(c.admission_date) FILTER (WHERE c.discharge_date >= %(start)s AND c.discharge_date < %(end)s)
             AS min_adm
      FROM cases_case c
     WHERE c.region_id = %(region)s AND c.discharge_date >= %(year_start)s AND c.discharge_date < %(year_end)s
     GROUP BY c.drg_code
), s AS (
    SELECT s.group_code, s.mean_cost, s.base_points FROM groups_groupstat s WHERE s.version_id = %(stats)s
), k AS (
    SELECT COALESCE(s.group_code, y.group_code) AS group_code, s.mean_cost, s.base_points,
           CASE WHEN y.group_code <> '' THEN y.sp END AS sp, CASE WHEN y.group_code <> '' THEN y.tc END AS tc,
           y.n, y.min_adm
      FROM s FULL JOIN y ON y.group_code = s.group_code
)
SELECT k.group_code, k.mean_cost, k.base_points, k.sp, k.tc, k.n, w.group_code AS wcc_code,
       w.mean_cost AS wcc_mean, k.min_adm
  FROM k
  LEFT JOIN s w ON w.group_code = CASE WHEN length(k.group_code) = 4 AND RIGHT(k.group_code, 1) IN ('1', '3')
                                       THEN LEFT(k.group_code, 3) || '5' END
"""

# 分解住院. `pair`: a 64-bit hash of the (already salted) patient hash seeded with the hospital — one sort key
# for "same patient, same hospital" (two pairs sharing it is ~n²/2⁶⁴: never at 1M). The window keeps a stay
# as the possible later side of a split if an earlier stay of the pair was discharged at most `readmit` days
# before its admission (prev_disc), as the possible earlier side if the pair's next admission is at most
# `readmit` days after its discharge (next_adm). Both conditions are necessary, so the exact rule over the
# kept stays — every earlier stay of the pair, not only the previous one; the latest discharge wins — finds
# exactly the pairs it would find over all the cases. The sorted rows stay narrow (no costs, no codes).
SPLIT_SQL = """
CREATE TEMP TABLE screen_split ON COMMIT DROP AS
WITH cand AS MATERIALIZED (
    SELECT x.id, x.hospital_id, x.pair, x.adm, x.disc, x.dx3, x.adrg,
           x.disc >= %(start)s AND x.disc < %(end)s AND NOT x.planned AND x.prev_disc >= x.adm - %(readmit)s
             AS later,
           x.next_adm <= x.disc + %(readmit)s AS earlier
      FROM (
        SELECT c.*, MAX(c.disc) OVER w AS prev_disc, LEAD(c.adm) OVER w AS next_adm
          FROM (
            SELECT c.id, c.hospital_id, hashtextextended(c.patient_hash, c.hospital_id) AS pair,
                   c.admission_date AS adm, c.discharge_date AS disc, LEFT(c.principal_dx, 3) AS dx3,
                   c.principal_dx LIKE 'Z51%%' AS planned,
                   COALESCE(NULLIF(c.grouper_adrg, ''), NULLIF(LEFT(c.drg_code, 3), '')) AS adrg
              FROM cases_case c
             WHERE c.region_id = %(region)s AND c.discharge_date >= %(bound)s AND c.discharge_date < %(end)s
          ) c
        WINDOW w AS (PARTITION BY c.pair ORDER BY c.adm, c.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
      ) x
     WHERE (x.disc >= %(start)s AND x.disc < %(end)s AND NOT x.planned AND x.prev_disc >= x.adm - %(readmit)s)
        OR x.next_adm <= x.disc + %(readmit)s
), split AS (
    SELECT DISTINCT ON (cur.id) cur.id AS case_id, cur.hospital_id, prev.id AS related_case_id,
           cur.disc AS discharge_date, cur.adm AS admission_date, prev.disc AS previous_discharge,
           cur.adrg, prev.adrg AS previous_adrg,
           CASE WHEN cur.adrg = prev.adrg THEN 'adrg' ELSE 'principal_dx' END AS match
      FROM cand cur
      JOIN cand prev ON prev.pair = cur.pair AND prev.hospital_id = cur.hospital_id
     WHERE cur.later AND prev.earlier
       AND prev.disc <= cur.adm AND cur.adm - prev.disc <= %(readmit)s
       AND (prev.adm, prev.id) < (cur.adm, cur.id)
       AND (cur.adrg = prev.adrg OR cur.dx3 = prev.dx3)
     ORDER BY cur.id, prev.disc DESC, prev.id DESC
)
SELECT 'split_admission'::text AS rule, p.case_id, p.hospital_id, p.related_case_id, p.discharge_date,
       jsonb_build_object(
           'previous_settlement_id', pc.settlement_id, 'previous_discharge', p.previous_discharge,
           'admission', p.admission_date, 'gap_days', p.admission_date - p.previous_discharge,
           'readmit_days', %(readmit)s, 'match', p.match, 'adrg', p.adrg, 'previous_adrg', p.previous_adrg,
           'principal_dx', cc.principal_dx, 'previous_principal_dx', pc.principal_dx) AS evidence
  FROM split p
  JOIN cases_case cc ON cc.id = p.case_id
  JOIN cases_case pc ON pc.id = p.related_case_id
"""

# The three per-case rules as ONE pass over the period's cases: flags first, then one row per hit unpivoted
# with `CROSS JOIN LATERAL (VALUES …)`; the evidence is built for the hits only.
# 高套 (a) the declared group differs from the grouper's and has the higher base points, else (b) a severity
# 1/3 group whose cost is below the mean of the ADRG's severity-5 group; 低标入院 at the hospital level's ratio;
# 费用转嫁: share > factor × the group's regional share, cross-multiplied (no rounded division decides a hit).
PER_CASE_SQL = """
CREATE TEMP TABLE screen_hits ON COMMIT DROP AS
SELECT v.rule, f.id AS case_id, f.hospital_id, NULL::bigint AS related_case_id, f.discharge_date, v.evidence
  FROM (
    SELECT c.*, h.level, x.low_ratio, d.base_points AS declared_bp, gg.base_points AS grouper_bp
      FROM (
        SELECT c.id, c.hospital_id, c.discharge_date, c.los_days, c.discharge_method, c.drg_code,
               c.declared_drg_code, c.grouper_drg_code, c.total_cost, c.self_pay, g.mean_cost, g.wcc_code,
               g.wcc_mean, g.sp, g.tc, g.n,
               %(with_stats)s AND c.declared_drg_code <> '' AND c.grouper_drg_code <> ''
                 AND c.declared_drg_code <> c.grouper_drg_code AS f_declared,
               COALESCE(%(with_stats)s AND c.total_cost < g.wcc_mean, false) AS f_cc,
               COALESCE(%(with_stats)s AND c.principal_proc = '' AND cardinality(c.other_procs) = 0
                        AND c.los_days <= 2 AND c.discharge_method = '1' AND c.total_cost < g.low_mean, false)
                 AS f_low,
               COALESCE(c.total_cost > 0 AND g.tc > 0 AND c.self_pay * g.tc > g.fsp * c.total_cost, false)
                 AS f_shift
          FROM cases_case c
          LEFT JOIN {groups} g ON g.group_code = c.drg_code
         WHERE c.region_id = %(region)s AND c.discharge_date >= %(start)s AND c.discharge_date < %(end)s
      ) c
      JOIN hospitals_hospital h ON h.id = c.hospital_id
      CROSS JOIN LATERAL (SELECT CASE h.level WHEN 1 THEN %(low1)s::numeric WHEN 2 THEN %(low2)s::numeric
                                              ELSE %(low3)s::numeric END AS low_ratio) x
      LEFT JOIN {groups} d ON c.f_declared AND d.group_code = c.declared_drg_code
      LEFT JOIN {groups} gg ON c.f_declared AND gg.group_code = c.grouper_drg_code
     WHERE c.f_declared OR c.f_cc OR c.f_low OR c.f_shift
  ) f
  CROSS JOIN LATERAL (VALUES
    ('upcoding', CASE WHEN f.f_declared AND f.declared_bp > f.grouper_bp
         THEN jsonb_build_object('kind', 'declared_higher', 'declared', f.declared_drg_code,
                                 'grouper', f.grouper_drg_code, 'declared_base_points', f.declared_bp,
                                 'grouper_base_points', f.grouper_bp, 'stats_version', %(stats)s)
         WHEN f.f_cc
         THEN jsonb_build_object('kind', 'cc_below_without_cc', 'group', f.drg_code, 'total_cost', f.total_cost,
                                 'without_cc_group', f.wcc_code, 'without_cc_mean', f.wcc_mean,
                                 'stats_version', %(stats)s) END),
    ('low_standard', CASE WHEN f.f_low AND f.total_cost < f.low_ratio * f.mean_cost
         THEN jsonb_build_object('los_days', f.los_days, 'discharge_method', f.discharge_method, 'procedure', false,
                                 'group', f.drg_code, 'total_cost', f.total_cost, 'group_mean', f.mean_cost,
                                 'level', f.level, 'low_ratio', f.low_ratio,
                                 'threshold', ROUND(f.low_ratio * f.mean_cost, 2), 'stats_version', %(stats)s) END),
    ('cost_shifting', CASE WHEN f.f_shift
         THEN jsonb_build_object('group', f.drg_code, 'self_pay', f.self_pay, 'total_cost', f.total_cost,
                                 'share', ROUND(f.self_pay / f.total_cost, 4), 'region_share', ROUND(f.sp / f.tc, 4),
                                 'region_self_pay', f.sp, 'region_total_cost', f.tc, 'region_cases', f.n,
                                 'shift_factor', %(factor)s::numeric,
                                 'threshold', ROUND(%(factor)s::numeric * f.sp / f.tc, 4)) END)
  ) v(rule, evidence)
 WHERE v.evidence IS NOT NULL
"""

# The year's groups inlined as arrays (a temporary table would keep the pass from running in parallel
# workers); `fsp`: factor × Σ self pay, `low_mean`: the highest low ratio × the mean (exact per level above).
GROUPS_ROWS = """(
    SELECT g.*, %(factor)s::numeric * g.sp AS fsp, %(low_max)s::numeric * g.mean_cost AS low_mean
      FROM unnest(%(g_code)s::text[], %(g_mean)s::numeric[], %(g_bp)s::numeric[], %(g_sp)s::numeric[],
                  %(g_tc)s::numeric[], %(g_n)s::bigint[], %(g_wcc_code)s::text[], %(g_wcc_mean)s::numeric[])
           AS g(group_code, mean_cost, base_points, sp, tc, n, wcc_code, wcc_mean)
)"""

# Only what changed is written: an item found again with the same evidence is left as it is.
INSERT_SQL = """
INSERT INTO screening_screeningitem
       (region_id, rule, case_id, hospital_id, related_case_id, year, month, evidence, status, found_at,
        screened_at, reply_due, answer_text, expert_suggestion, expert_opinion, decision_reason)
SELECT %(region)s, h.rule, h.case_id, h.hospital_id, h.related_case_id, EXTRACT(YEAR FROM h.discharge_date)::int,
       EXTRACT(MONTH FROM h.discharge_date)::int, h.evidence, 'open', %(now)s, %(now)s, %(reply_due)s, '', '', '', ''
  FROM screen_hits h
 WHERE NOT EXISTS (SELECT 1 FROM screening_screeningitem i
                    WHERE i.region_id = %(region)s AND i.rule = h.rule AND i.case_id = h.case_id)
ON CONFLICT (region_id, rule, case_id) DO NOTHING
"""

UPDATE_SQL = """
UPDATE screening_screeningitem i
   SET evidence = h.evidence, related_case_id = h.related_case_id, hospital_id = h.hospital_id,
       screened_at = %(now)s
  FROM screen_hits h
 WHERE i.region_id = %(region)s AND i.rule = h.rule AND i.case_id = h.case_id AND i.status = 'open'
   AND (i.evidence, i.related_case_id, i.hospital_id) IS DISTINCT FROM (h.evidence, h.related_case_id, h.hospital_id)
"""

# An open item of the period, of a rule that ran, not found again: its case was corrected. The period is the
# item's own (year, month) — the index's columns — and "not found again" a hashed NOT IN over the hits: no
# plan choice that could rescan the hits per item when the items' statistics lag (after a first run).
STALE_SQL = """
DELETE FROM screening_screeningitem i
 WHERE i.region_id = %(region)s AND i.year = %(p_year)s AND (%(p_month)s::int IS NULL OR i.month = %(p_month)s)
   AND i.status = 'open' AND i.rule = ANY(%(rules)s)
   AND (i.rule, i.case_id) NOT IN (SELECT h.rule, h.case_id FROM screen_hits h)
"""

ALL_RULES = ("split_admission", "upcoding", "low_standard", "cost_shifting")
NEEDS_STATS = ("upcoding", "low_standard")


def run_rules(cursor, params: dict) -> None:
    """Run every rule over the region's cases (the caller owns the transaction).

    work_mem: the split pass's one sort of a 1M-case year stays in memory (an external sort costs twice
    that). The per-case pass is planned with hash joins only: right after an import the case table's
    statistics lag and a nested loop would rescan the groups per case; the split pass keeps the planner's
    choice (index look-ups of the few hit cases for their evidence)."""
    with local_settings(cursor, work_mem="256MB", jit="off"):
        _run_rules(cursor, params)


def _run_rules(cursor, params: dict) -> None:
    with_stats = params["stats"] is not None
    params = {**params, "with_stats": with_stats, "low_max": max(params["low1"], params["low2"], params["low3"]),
              "rules": [r for r in ALL_RULES if with_stats or r not in NEEDS_STATS], "p_year": params["start"].year,
              "p_month": params["start"].month if params["end"] <= params["start"] + dt.timedelta(days=31) else None}
    cursor.execute("DROP TABLE IF EXISTS screen_hits, screen_split")
    cursor.execute(GROUPS_SQL, params)
    groups = cursor.fetchall()
    for k, name in enumerate(("code", "mean", "bp", "sp", "tc", "n", "wcc_code", "wcc_mean")):
        params[f"g_{name}"] = [row[k] for row in groups]
    earliest = min((row[8] for row in groups if row[8] is not None), default=None)
    params["bound"] = (min(params["year_start"], earliest - dt.timedelta(days=params["readmit"])) if earliest
                       else params["year_start"])
    # Parallel workers for both passes (the floor's scan has them; a CREATE … AS may use them, an INSERT not):
    # the planner prices every scanned row as if it crossed the Gather and stays serial, 1.6–2× slower.
    with local_settings(cursor, parallel_setup_cost="0", parallel_tuple_cost="0"):
        with local_settings(cursor, enable_nestloop="off"):
            cursor.execute(PER_CASE_SQL.replace("{groups}", GROUPS_ROWS), params)
        cursor.execute(SPLIT_SQL, params)
    cursor.execute("INSERT INTO screen_hits SELECT * FROM screen_split")
    # Without statistics the planner takes the hits for a handful of rows and rescans them per item (minutes).
    cursor.execute("ANALYZE screen_hits (rule, case_id)")
    cursor.execute(INSERT_SQL, params)
    with local_settings(cursor, enable_nestloop="off"):  # the same: hash the hits, never a loop over them
        cursor.execute(UPDATE_SQL, params)
    cursor.execute(STALE_SQL, params)
    cursor.execute("DROP TABLE screen_hits, screen_split")  # (a failure rolls them back with everything else)


def period_dates(year: int, month: int | None) -> tuple[dt.date, dt.date]:
    if month is None:
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    return dt.date(year, month, 1), dt.date(year + (month == 12), month % 12 + 1, 1)
