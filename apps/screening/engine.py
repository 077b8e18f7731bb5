"""The four screening rules of domain §11 as set-based statements over the region's cases (decisions 0028, 0050).

`run_rules` runs in the caller's transaction and reads the year's cases twice (docs/performance.md,
bench/bench_screening.py):
1. the year's groups — one parallel aggregate, read back and inlined as arrays: the published statistics, the
   year's Σ self pay / Σ cost per group and the earliest admission of the period's cases;
2. the pass — ONE parallel scan of the stays since that bound, every rule's input in one stream sorted by
   (patient × hospital, admission): the per-case rules flagged in the workers (the evidence inputs of flagged
   cases only), the split window keeping the few stays that can be one side of a readmission. Its output is
   ~3 % of the year (`screen_pass`);
3. the evidence from the pass's output only: upcoding, low standard and cost shifting exactly; split
   admission pairs the kept stays (every earlier stay of the pair, the latest discharge wins);
4. only what changed is written: new items inserted, open items whose evidence changed updated (their
   `screened_at` is the time of that change), open items of the period no longer found removed. An item
   answered, confirmed or cleared is never touched.
"""
from __future__ import annotations

import datetime as dt

from apps.core.sql import local_settings

# 1. The year's groups — one parallel aggregate, read back and inlined as arrays: the published statistics
# (mean cost, base points; `wcc_*`: the mean of the group's ADRG without CC, severity 5, for a severity 1/3
# group — upcoding (b)), the year's Σ self pay / Σ cost (cost shifting) and the earliest admission of the
# period's cases — the bound of the earlier stays a readmission may follow.
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

# The year's groups inlined as arrays (a temporary table would keep the pass out of parallel workers);
# `fsp`: factor × Σ self pay, `low_mean`: the highest low ratio × the mean (the exact ratio of the hospital's
# level is applied in step 2).
GROUPS_ROWS = """(
    SELECT g.*, %(factor)s::numeric * g.sp AS fsp, %(low_max)s::numeric * g.mean_cost AS low_mean
      FROM unnest(%(g_code)s::text[], %(g_mean)s::numeric[], %(g_bp)s::numeric[], %(g_sp)s::numeric[],
                  %(g_tc)s::numeric[], %(g_n)s::bigint[], %(g_wcc_code)s::text[], %(g_wcc_mean)s::numeric[])
           AS g(group_code, mean_cost, base_points, sp, tc, n, wcc_code, wcc_mean)
)"""

# 2. The pass: ONE parallel scan of the stays discharged in [bound, end) — every rule's input in one sorted
# stream. In the workers: `flagged`, a necessary condition of upcoding (declared ≠ grouper's, or a severity
# 1/3 case below the without-CC mean), low standard (no procedure, ≤ 2 days, discharge method 1, below the
# highest ratio × mean) or cost shifting (exact: share > factor × the group's share, cross-multiplied), with
# the columns the evidence needs as one `payload` for flagged rows only (NULL otherwise); `pair`, a 64-bit
# hash of the (already salted) patient hash seeded with the hospital — one sort key for "same patient, same hospital"
# (two pairs sharing it is ~n²/2⁶⁴: never at 1M; the pairing checks the hospital). The window over (pair,
# admission, id) keeps a stay as the possible later side of a split if an earlier stay of the pair was
# discharged at most `readmit` days before its admission, as the possible earlier side if the pair's next
# admission is at most `readmit` days after its discharge: both are necessary, so pairing the kept stays finds
# exactly the pairs a join over all the cases would. Output: the flagged and the kept stays (~3 % of the year).
PASS_SQL = """
CREATE TEMP TABLE screen_pass ON COMMIT DROP AS
SELECT x.id, (x.payload->>11)::bigint AS hospital_id, x.discharge_date, x.payload IS NOT NULL AS flagged,
       x.payload->>0 AS drg_code,
       (x.payload->>1)::numeric AS total_cost, (x.payload->>2)::numeric AS self_pay, (x.payload->>3)::int AS los_days,
       x.payload->>4 AS discharge_method, x.payload->>5 AS declared_drg_code, x.payload->>6 AS grouper_drg_code,
       (x.payload->>7)::bool AS no_proc, (x.payload->>8)::numeric AS sp, (x.payload->>9)::numeric AS tc,
       (x.payload->>10)::bigint AS n,
       COALESCE(x.discharge_date >= %(start)s AND x.prev_disc >= x.adm - %(readmit)s, false) AS later,
       COALESCE(x.next_adm <= x.discharge_date + %(readmit)s, false) AS earlier
  FROM (
    SELECT c.id, c.adm, c.discharge_date, c.payload,
           MAX(c.discharge_date) OVER w AS prev_disc, LEAD(c.adm) OVER w AS next_adm
      FROM (
        SELECT c.id, hashtextextended(c.patient_hash, c.hospital_id) AS pair, c.admission_date AS adm,
               c.discharge_date,
               CASE WHEN c.discharge_date >= %(start)s AND COALESCE(
                   (%(with_stats)s AND (
                       (c.declared_drg_code <> '' AND c.grouper_drg_code <> ''
                        AND c.declared_drg_code <> c.grouper_drg_code)
                       OR c.total_cost < g.wcc_mean
                       OR (c.principal_proc = '' AND cardinality(c.other_procs) = 0 AND c.los_days <= 2
                           AND c.discharge_method = '1' AND c.total_cost < g.low_mean)))
                   OR (c.total_cost > 0 AND g.tc > 0 AND c.self_pay * g.tc > g.fsp * c.total_cost), false)
                    THEN jsonb_build_array(c.drg_code, c.total_cost, c.self_pay, c.los_days, c.discharge_method,
                                           c.declared_drg_code, c.grouper_drg_code,
                                           c.principal_proc = '' AND cardinality(c.other_procs) = 0, g.sp, g.tc, g.n,
                                           c.hospital_id)
               END AS payload
          FROM cases_case c
          LEFT JOIN {groups} g ON g.group_code = c.drg_code
         WHERE c.region_id = %(region)s AND c.discharge_date >= %(bound)s AND c.discharge_date < %(end)s
      ) c
    -- `payload` after the unique id: it never changes the order, but as a sort key it is computed in the
    -- workers below the sort (a window's input carries only plain columns otherwise: every row's raw costs
    -- and codes would cross the Gather and go through the sort).
    WINDOW w AS (PARTITION BY c.pair ORDER BY c.adm, c.id, c.payload ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
  ) x
 WHERE x.payload IS NOT NULL OR (x.discharge_date >= %(start)s AND x.prev_disc >= x.adm - %(readmit)s)
    OR x.next_adm <= x.discharge_date + %(readmit)s
"""

# 3. The evidence of the flagged cases, from the inputs the pass carried (no second read of the table).
# 高套 (a) the declared group differs from the grouper's and has the higher base points, else (b) a severity
# 1/3 group whose cost is below the mean of the ADRG's severity-5 group; 低标入院 at the hospital level's ratio;
# 费用转嫁: share > factor × the group's regional share, cross-multiplied (no rounded division decides a hit).
HITS_SQL = """
CREATE TEMP TABLE screen_hits ON COMMIT DROP AS
SELECT v.rule, f.id AS case_id, f.hospital_id, NULL::bigint AS related_case_id, f.discharge_date, v.evidence
  FROM (
    SELECT p.id, p.hospital_id, p.discharge_date, p.los_days, p.discharge_method, p.drg_code, p.declared_drg_code,
           p.grouper_drg_code, p.total_cost, p.self_pay, p.sp, p.tc, p.n, g.mean_cost, g.wcc_code, g.wcc_mean,
           h.level, x.low_ratio, d.base_points AS declared_bp, gg.base_points AS grouper_bp,
           %(with_stats)s AND p.declared_drg_code <> '' AND p.grouper_drg_code <> ''
             AND p.declared_drg_code <> p.grouper_drg_code AS f_declared,
           COALESCE(%(with_stats)s AND p.total_cost < g.wcc_mean, false) AS f_cc,
           COALESCE(%(with_stats)s AND p.no_proc AND p.los_days <= 2 AND p.discharge_method = '1'
                    AND p.total_cost < x.low_ratio * g.mean_cost, false) AS f_low,
           COALESCE(p.total_cost > 0 AND p.tc > 0 AND p.self_pay * p.tc > %(factor)s::numeric * p.sp * p.total_cost,
                    false) AS f_shift
      FROM screen_pass p
      JOIN hospitals_hospital h ON h.id = p.hospital_id
      CROSS JOIN LATERAL (SELECT CASE h.level WHEN 1 THEN %(low1)s::numeric WHEN 2 THEN %(low2)s::numeric
                                              ELSE %(low3)s::numeric END AS low_ratio) x
      LEFT JOIN {groups} g ON g.group_code = p.drg_code
      LEFT JOIN {groups} d ON d.group_code = p.declared_drg_code
      LEFT JOIN {groups} gg ON gg.group_code = p.grouper_drg_code
     WHERE p.flagged
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
    ('low_standard', CASE WHEN f.f_low
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

# 分解住院 over the stays the pass kept: the later case discharged in the period, not Z51.*, admitted 0 … readmit
# days after the discharge of an earlier stay of the same patient and hospital with the same ADRG or 3-character
# principal diagnosis; of several, the latest discharge (then the highest id) is the related case.
SPLIT_SQL = """
INSERT INTO screen_hits
WITH cand AS MATERIALIZED (
    SELECT c.id, c.hospital_id, hashtextextended(c.patient_hash, c.hospital_id) AS pair, c.admission_date AS adm,
           c.discharge_date AS disc, LEFT(c.principal_dx, 3) AS dx3, p.later AND c.principal_dx NOT LIKE 'Z51%%' AS later,
           p.earlier, COALESCE(NULLIF(c.grouper_adrg, ''), NULLIF(LEFT(c.drg_code, 3), '')) AS adrg,
           c.settlement_id, c.principal_dx
      FROM screen_pass p
      JOIN cases_case c ON c.region_id = %(region)s AND c.id = p.id
     WHERE p.later OR p.earlier
), split AS (
    SELECT DISTINCT ON (cur.id) cur.id AS case_id, cur.hospital_id, prev.id AS related_case_id,
           cur.disc AS discharge_date, cur.adm AS admission_date, prev.disc AS previous_discharge,
           cur.adrg, prev.adrg AS previous_adrg, cur.principal_dx, prev.principal_dx AS previous_principal_dx,
           prev.settlement_id AS previous_settlement_id,
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
           'previous_settlement_id', p.previous_settlement_id, 'previous_discharge', p.previous_discharge,
           'admission', p.admission_date, 'gap_days', p.admission_date - p.previous_discharge,
           'readmit_days', %(readmit)s, 'match', p.match, 'adrg', p.adrg, 'previous_adrg', p.previous_adrg,
           'principal_dx', p.principal_dx, 'previous_principal_dx', p.previous_principal_dx) AS evidence
  FROM split p
"""

# 4. Only what changed is written: an item found again with the same evidence is left as it is.
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

    work_mem: the pass's one sort of a 1M-case year stays in memory (an external sort costs twice that)."""
    with local_settings(cursor, work_mem="256MB", jit="off"):
        _run_rules(cursor, params)


def _run_rules(cursor, params: dict) -> None:
    with_stats = params["stats"] is not None
    params = {**params, "with_stats": with_stats, "low_max": max(params["low1"], params["low2"], params["low3"]),
              "rules": [r for r in ALL_RULES if with_stats or r not in NEEDS_STATS], "p_year": params["start"].year,
              "p_month": params["start"].month if params["end"] <= params["start"] + dt.timedelta(days=31) else None}
    cursor.execute("DROP TABLE IF EXISTS screen_pass, screen_hits")
    # Parallel workers for both scans (the floor's scan has them; a CREATE … AS may use them, an INSERT not):
    # the planner prices every scanned row as if it crossed the Gather and stays serial, 1.6–2× slower.
    with local_settings(cursor, parallel_setup_cost="0", parallel_tuple_cost="0"):
        cursor.execute(GROUPS_SQL, params)
        groups = cursor.fetchall()
        for k, name in enumerate(("code", "mean", "bp", "sp", "tc", "n", "wcc_code", "wcc_mean")):
            params[f"g_{name}"] = [row[k] for row in groups]
        earliest = min((row[8] for row in groups if row[8] is not None), default=None)
        params["bound"] = (min(params["year_start"], earliest - dt.timedelta(days=params["readmit"])) if earliest
                           else params["year_start"])
        # Hash joins only: with lagging statistics after an import a nested loop would rescan the inlined
        # groups per case.
        with local_settings(cursor, enable_nestloop="off"):
            cursor.execute(PASS_SQL.replace("{groups}", GROUPS_ROWS), params)
    with local_settings(cursor, enable_nestloop="off"):  # hash the inlined groups, never rescan them per hit
        cursor.execute(HITS_SQL.replace("{groups}", GROUPS_ROWS), params)
    # The stays the pass kept (~0.1 % of the year) are read by their primary key, never by another scan.
    with local_settings(cursor, enable_seqscan="off"):
        cursor.execute(SPLIT_SQL, params)
    # Without statistics the planner takes the hits for a handful of rows and rescans them per item (minutes).
    cursor.execute("ANALYZE screen_hits (rule, case_id)")
    cursor.execute(INSERT_SQL, params)
    with local_settings(cursor, enable_nestloop="off"):  # the same: hash the hits, never a loop over them
        cursor.execute(UPDATE_SQL, params)
    cursor.execute(STALE_SQL, params)
    cursor.execute("DROP TABLE screen_pass, screen_hits")  # (a failure rolls them back with everything else)


def period_dates(year: int, month: int | None) -> tuple[dt.date, dt.date]:
    if month is None:
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    return dt.date(year, month, 1), dt.date(year + (month == 12), month % 12 + 1, 1)
