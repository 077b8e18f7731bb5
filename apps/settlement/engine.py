"""Settlement runs (domain §4–§5) computed set-based on PostgreSQL numeric: a few statements per run.

1. `CASES_SQL`: one INSERT … SELECT of every case of the period into settlement_caseresult, with its
   type, ratio (never rounded; stored with 16 decimals), effective base, points and adjusted points,
   and every input (group mean, base points, thresholds, coefficient).
2. `HOSPITALS_SQL`: one INSERT … SELECT of the per-hospital sums, the point value (from the sums, in
   SQL), due, advance, balance (annual) or the fee-for-service comparison (simulation).
3. `TOTALS_SQL`: stamps the run's totals.

All three run in one transaction: a failure (or a killed worker) never leaves half a run behind.
The formulas are the ones of `formulas.py`, written in the same order of operations so the two agree
case by case (tests/settlement/test_engine_sql.py).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction

from apps.core import lifecycle
from apps.core.errors import ValidationFailed
from apps.core.sql import local_settings

from . import hooks
from .enums import RunKind
from .models import SettlementRun

EMPTY_ADJUSTMENTS_SQL = (
    "SELECT NULL::bigint AS case_id, NULL::text AS kind, NULL::bigint AS application_id, "
    "NULL::numeric AS unreasonable_cost, NULL::text AS secondary_group WHERE FALSE"
)


def approved_adjustments_sql() -> str:
    """Approved applications that change a case's points, as a SELECT with the columns
    `case_id bigint, kind text, application_id bigint, unreasonable_cost numeric, secondary_group text`.

    kind: 'incentive' | 'special' (paid at (cost − unreasonable_cost) / all_avg × 100) or
    'bilateral' | 'multi_site' (effective base; multi-site names the secondary group). It is embedded as
    the `adj_raw` CTE of CASES_SQL and joined on the case id of the run's own cases; it may use the run's
    parameters %(region)s, %(start)s, %(end)s (so a literal percent sign must be written %%).
    The applications app (workflows §2) provides it (`hooks.PROVIDERS`, filled in its ready()); until then
    nothing is approved: the empty set.
    """
    provider = hooks.PROVIDERS.get("adjustments_sql")
    return provider() if provider is not None else EMPTY_ADJUSTMENTS_SQL


EMPTY_DEDUCTIONS_SQL = "SELECT NULL::bigint AS case_id, NULL::bigint AS item_id, NULL::text AS rule WHERE FALSE"


def confirmed_deductions_sql() -> str:
    """Confirmed screening items (domain §11) as a SELECT `case_id bigint, item_id bigint, rule text`, one row per
    case: the `ded` CTE of CASES_SQL, whose cases get points 0 (and `screening_item_id` for the explanation).
    The screening app provides it (`hooks.PROVIDERS`, filled in its ready()); until then nothing is deducted."""
    provider = hooks.PROVIDERS.get("deductions_sql")
    return provider() if provider is not None else EMPTY_DEDUCTIONS_SQL


# The coefficient of each hospital of the region in the run: the coefficient version's row, else (e.g. a
# hospital DRG-enabled after the coefficients were computed) the new-hospital rule of its level (`lvlfb`);
# `coef_row` is the version's row alone. One definition for the case INSERT and the hospital rows.
HOSPITAL_INPUTS_CTES = """
coef AS (
    SELECT x.hospital_id, COALESCE(x.override, x.computed) AS coef
      FROM settlement_hospitalcoefficient x
     WHERE x.version_id = %(coef_version)s
),
lvlfb AS (
    SELECT l.level,
           GREATEST(ROUND(%(factor)s * l.li, 4),
                    (SELECT MIN(COALESCE(x.override, x.computed)) FROM settlement_hospitalcoefficient x
                      WHERE x.version_id = %(coef_version)s AND NOT x.is_new AND x.level = l.level)) AS coef
      FROM (VALUES (1, %(li1)s::numeric), (2, %(li2)s::numeric), (3, %(li3)s::numeric)) AS l(level, li)
),
hin AS (
    SELECT h.id AS hospital_id, h.level, h.active, h.drg_enabled_from,
           COALESCE(coef.coef, lvlfb.coef) AS coefficient, coef.coef AS coef_row,
           CASE h.level WHEN 1 THEN %(low1)s::numeric WHEN 2 THEN %(low2)s::numeric ELSE %(low3)s::numeric END AS low_ratio,
           CASE h.level WHEN 1 THEN %(high1)s::numeric WHEN 2 THEN %(high2)s::numeric ELSE %(high3)s::numeric END AS high_ratio
      FROM hospitals_hospital h
      LEFT JOIN coef ON coef.hospital_id = h.id
      LEFT JOIN lvlfb ON lvlfb.level = h.level
     WHERE h.region_id = %(region)s
)"""

# The application join is kept apart in `adj_raw`/`adj` (one review and one surgery application per case
# at most; the latest wins). Per-hospital inputs come from `hin` (level, thresholds and coefficient are the
# hospital's, stored once on its HospitalResult, not on each case row: decision 0046).
# Each per-row expression is computed once: `OFFSET 0` keeps every step a sub-select of its own, which the
# planner does not flatten, so ratio, case type and points are evaluated once per case and then read (inlined
# CTEs re-evaluated the ratio and the points CASE for every reference: ~6 s of a 1M-case run).
CASES_SQL = """
WITH adj_raw AS (
    {adjustments}
),
ded AS (
    {deductions}
),
adj AS (
    SELECT a.case_id,
           (ARRAY_AGG(a.kind ORDER BY a.application_id DESC) FILTER (WHERE a.kind IN ('incentive', 'special')))[1] AS review,
           (ARRAY_AGG(a.unreasonable_cost ORDER BY a.application_id DESC) FILTER (WHERE a.kind IN ('incentive', 'special')))[1] AS unreasonable,
           (ARRAY_AGG(a.application_id ORDER BY a.application_id DESC) FILTER (WHERE a.kind IN ('incentive', 'special')))[1] AS review_app,
           (ARRAY_AGG(a.kind ORDER BY a.application_id DESC) FILTER (WHERE a.kind IN ('bilateral', 'multi_site')))[1] AS surgery,
           (ARRAY_AGG(a.secondary_group ORDER BY a.application_id DESC) FILTER (WHERE a.kind IN ('bilateral', 'multi_site')))[1] AS secondary_group,
           (ARRAY_AGG(a.application_id ORDER BY a.application_id DESC) FILTER (WHERE a.kind IN ('bilateral', 'multi_site')))[1] AS surgery_app
      FROM adj_raw a
     GROUP BY a.case_id
),""" + HOSPITAL_INPUTS_CTES + """
INSERT INTO settlement_caseresult
       (region_id, run_id, case_id, hospital_id, settlement_id, insurance_type, drg_code, case_type, total_cost,
        self_pay, fund_paid, ratio, effective_base, unreasonable_cost, application_id, screening_item_id, points,
        adjusted_points)
SELECT %(region)s, %(run)s, p.case_id, p.hospital_id, p.settlement_id, p.insurance_type, p.drg_code, p.case_type,
       p.total_cost, p.self_pay, p.fund_paid, p.ratio, p.eb,
       CASE WHEN p.case_type IN ('incentive', 'special') THEN COALESCE(p.unreasonable, 0) END,
       p.application_id, p.item_id, CASE WHEN p.item_id IS NOT NULL THEN 0 ELSE p.points END,
       CASE WHEN p.item_id IS NOT NULL THEN 0
            WHEN p.case_type IN ('normal', 'high') THEN ROUND(p.points * p.coefficient, 4) ELSE p.points END
  FROM (
    SELECT t.*,
           CASE WHEN t.case_type IN ('incentive', 'special')
                     THEN ROUND((t.total_cost - COALESCE(t.unreasonable, 0)) * 100 / %(all_avg)s, 4)
                WHEN t.case_type IN ('ungrouped', 'unstable', 'low') THEN ROUND(t.total_cost * 100 / %(all_avg)s, 4)
                WHEN t.case_type = 'high' THEN ROUND(t.eb + (t.ratio - t.high_ratio) * t.base_points, 4)
                ELSE ROUND(t.eb, 4) END AS points
      FROM (
        SELECT r.*,
               CASE WHEN r.review IN ('incentive', 'special') THEN r.review
                    WHEN NOT r.grouped THEN 'ungrouped'
                    WHEN r.mean_cost IS NULL OR r.mean_cost <= 0 OR NOT r.stable THEN 'unstable'
                    WHEN r.ratio < r.low_ratio THEN 'low'
                    WHEN r.ratio > r.high_ratio THEN 'high'
                    ELSE 'normal' END AS case_type
          FROM (
            SELECT c.id AS case_id, c.hospital_id, c.settlement_id, c.insurance_type, c.drg_code,
                   c.total_cost, c.self_pay, c.fund_paid,
                   g.id IS NOT NULL AS grouped, s.mean_cost, s.base_points, s.stable,
                   hin.low_ratio, hin.high_ratio, hin.coefficient,
                   adj.review, adj.unreasonable, COALESCE(adj.review_app, adj.surgery_app) AS application_id,
                   ded.item_id,
                   CASE WHEN g.id IS NOT NULL AND s.mean_cost > 0 THEN c.total_cost / s.mean_cost END AS ratio,
                   CASE WHEN s.base_points IS NULL THEN NULL
                        WHEN adj.surgery = 'bilateral' THEN ROUND(%(bilateral)s * s.base_points, 4)
                        WHEN adj.surgery = 'multi_site' AND s2.base_points IS NOT NULL
                             THEN ROUND(s.base_points + %(share)s * s2.base_points, 4)
                        ELSE s.base_points END AS eb
              FROM cases_case c
              JOIN hin ON hin.hospital_id = c.hospital_id
              LEFT JOIN groups_group g ON g.catalogue_id = %(catalogue)s AND g.code = c.drg_code AND c.drg_code <> ''
              LEFT JOIN groups_groupstat s ON s.version_id = %(stats)s AND s.group_code = g.code
              LEFT JOIN adj ON adj.case_id = c.id
              LEFT JOIN groups_groupstat s2 ON s2.version_id = %(stats)s AND s2.group_code = adj.secondary_group
              LEFT JOIN ded ON ded.case_id = c.id
             WHERE c.region_id = %(region)s
               AND c.discharge_date >= %(start)s AND c.discharge_date < %(end)s
               AND hin.active AND hin.drg_enabled_from IS NOT NULL AND hin.drg_enabled_from <= c.discharge_date
            OFFSET 0
          ) r
        OFFSET 0
      ) t
    OFFSET 0
  ) p
"""

# Point value: monthly formula (budget + 12 × Σ self_pay) / (12 × Σ adjusted) (= (budget/12 + Σsp)/Σadj
# with one division), annual (budget + Σ self_pay) / Σ adjusted. Annual advances are the published
# monthly advances of the year; a hospital paid advances but without cases in the year still gets a
# row (due 0, balance = − advances) so no money goes missing.
HOSPITALS_SQL = """
WITH {hospital_inputs},
hs AS (
    SELECT cr.hospital_id, COUNT(*) AS cases,
           SUM(cr.points) AS points, SUM(cr.adjusted_points) AS adjusted, SUM(cr.self_pay) AS self_pay,
           SUM(cr.fund_paid) AS fund_paid
      FROM settlement_caseresult cr
     WHERE cr.run_id = %(run)s
     GROUP BY cr.hospital_id
),
tot AS (SELECT SUM(hs.adjusted) AS adjusted, SUM(hs.self_pay) AS self_pay FROM hs),
pv AS (
    SELECT CASE WHEN %(monthly)s
                THEN ROUND((%(budget)s + 12 * tot.self_pay) / (12 * tot.adjusted), 4)
                ELSE ROUND((%(budget)s + tot.self_pay) / tot.adjusted, 4) END AS pv
      FROM tot
),
adv AS (
    SELECT hr.hospital_id, SUM(hr.advance) AS advances
      FROM settlement_hospitalresult hr
      JOIN settlement_settlementrun sr ON sr.id = hr.run_id
     WHERE %(annual)s AND sr.region_id = %(region)s AND sr.kind = 'monthly' AND sr.year = %(year)s
       AND sr.status = 'published'
     GROUP BY hr.hospital_id
),
d AS (
    SELECT hs.*, pv.pv, ROUND(hs.adjusted * pv.pv - hs.self_pay, 2) AS due
      FROM hs CROSS JOIN pv
),
j AS (
    SELECT COALESCE(d.hospital_id, adv.hospital_id) AS hospital_id, d.hospital_id IS NOT NULL AS has_cases,
           COALESCE(d.cases, 0) AS cases, COALESCE(d.points, 0) AS points, COALESCE(d.adjusted, 0) AS adjusted,
           COALESCE(d.self_pay, 0) AS self_pay, COALESCE(d.fund_paid, 0) AS fund_paid,
           COALESCE(d.due, 0) AS due, COALESCE(adv.advances, 0) AS advances
      FROM d FULL JOIN adv ON adv.hospital_id = d.hospital_id
)
INSERT INTO settlement_hospitalresult
       (region_id, run_id, hospital_id, level, coefficient, cases, points, adjusted_points, self_pay, point_value,
        due, advance, balance, fund_paid, ffs_difference)
SELECT %(region)s, %(run)s, j.hospital_id, hin.level,
       CASE WHEN j.has_cases THEN hin.coefficient ELSE COALESCE(hin.coef_row, 0) END,
       j.cases, j.points, j.adjusted, j.self_pay, (SELECT pv.pv FROM pv), j.due,
       CASE WHEN %(kind)s = 'monthly' THEN ROUND(j.due * %(prepay)s, 2)
            WHEN %(kind)s = 'annual' THEN j.advances END,
       CASE WHEN %(kind)s = 'annual' THEN j.due - j.advances END,
       CASE WHEN %(kind)s = 'simulation' OR %(lines)s THEN j.fund_paid END,
       CASE WHEN %(kind)s = 'simulation' THEN j.due - j.fund_paid END
  FROM j
  JOIN hin ON hin.hospital_id = j.hospital_id
"""

# --- two funds (domain §10): the same formulas per fund f over the cases with insurance_type f ---------

# One row per fund with its budget and sums; the point value from them (NULL for a fund without cases in
# the period: its budget share is simply not spent).
FUNDS_SQL = """
WITH b(insurance_type, budget) AS (VALUES ('310', %(budget310)s::numeric), ('390', %(budget390)s::numeric)),
s AS (
    SELECT cr.insurance_type, COUNT(*) AS cases, SUM(cr.points) AS points, SUM(cr.adjusted_points) AS adjusted,
           SUM(cr.self_pay) AS self_pay
      FROM settlement_caseresult cr
     WHERE cr.run_id = %(run)s
     GROUP BY cr.insurance_type
)
INSERT INTO settlement_fundresult
       (region_id, run_id, insurance_type, fund_budget, cases, points, adjusted_points, self_pay, point_value, due)
SELECT %(region)s, %(run)s, b.insurance_type, b.budget, COALESCE(s.cases, 0), COALESCE(s.points, 0),
       COALESCE(s.adjusted, 0), COALESCE(s.self_pay, 0),
       CASE WHEN s.adjusted > 0 THEN
            CASE WHEN %(monthly)s THEN ROUND((b.budget + 12 * s.self_pay) / (12 * s.adjusted), 4)
                 ELSE ROUND((b.budget + s.self_pay) / s.adjusted, 4) END END,
       0
  FROM b LEFT JOIN s ON s.insurance_type = b.insurance_type
"""

# Per hospital and fund: due from the fund's point value; advances of an annual run are the fund's
# published monthly advances of the year (a hospital with advances but no case in a fund keeps its row).
HOSPITAL_FUNDS_SQL = """
WITH hs AS (
    SELECT cr.hospital_id, cr.insurance_type, COUNT(*) AS cases, SUM(cr.points) AS points,
           SUM(cr.adjusted_points) AS adjusted, SUM(cr.self_pay) AS self_pay, SUM(cr.fund_paid) AS fund_paid
      FROM settlement_caseresult cr
     WHERE cr.run_id = %(run)s
     GROUP BY cr.hospital_id, cr.insurance_type
),
f AS (SELECT fr.insurance_type, fr.point_value FROM settlement_fundresult fr WHERE fr.run_id = %(run)s),
adv AS (
    SELECT hf.hospital_id, hf.insurance_type, SUM(hf.advance) AS advances
      FROM settlement_hospitalfundresult hf
      JOIN settlement_settlementrun sr ON sr.id = hf.run_id
     WHERE %(annual)s AND sr.region_id = %(region)s AND sr.kind = 'monthly' AND sr.year = %(year)s
       AND sr.status = 'published'
     GROUP BY hf.hospital_id, hf.insurance_type
),
d AS (
    SELECT hs.*, f.point_value AS pv, ROUND(hs.adjusted * COALESCE(f.point_value, 0) - hs.self_pay, 2) AS due
      FROM hs JOIN f ON f.insurance_type = hs.insurance_type
),
j AS (
    SELECT COALESCE(d.hospital_id, adv.hospital_id) AS hospital_id,
           COALESCE(d.insurance_type, adv.insurance_type) AS insurance_type,
           COALESCE(d.cases, 0) AS cases, COALESCE(d.points, 0) AS points, COALESCE(d.adjusted, 0) AS adjusted,
           COALESCE(d.self_pay, 0) AS self_pay, COALESCE(d.fund_paid, 0) AS fund_paid, d.pv,
           COALESCE(d.due, 0) AS due, COALESCE(adv.advances, 0) AS advances
      FROM d FULL JOIN adv ON adv.hospital_id = d.hospital_id AND adv.insurance_type = d.insurance_type
)
INSERT INTO settlement_hospitalfundresult
       (region_id, run_id, hospital_id, insurance_type, cases, points, adjusted_points, self_pay, fund_paid,
        point_value, due, advance, balance)
SELECT %(region)s, %(run)s, j.hospital_id, j.insurance_type, j.cases, j.points, j.adjusted, j.self_pay, j.fund_paid,
       COALESCE(j.pv, (SELECT f.point_value FROM f WHERE f.insurance_type = j.insurance_type)), j.due,
       CASE WHEN %(kind)s = 'monthly' THEN ROUND(j.due * %(prepay)s, 2)
            WHEN %(kind)s = 'annual' THEN j.advances END,
       CASE WHEN %(kind)s = 'annual' THEN j.due - j.advances END
  FROM j
"""

# The hospital's totals are the sums over its funds; its own point_value stays empty (one per fund).
HOSPITALS_FROM_FUNDS_SQL = """
WITH {hospital_inputs},
x AS (
    SELECT hf.hospital_id, SUM(hf.cases) AS cases, SUM(hf.points) AS points, SUM(hf.adjusted_points) AS adjusted,
           SUM(hf.self_pay) AS self_pay, SUM(hf.fund_paid) AS fund_paid, SUM(hf.due) AS due,
           SUM(hf.advance) AS advance, SUM(hf.balance) AS balance
      FROM settlement_hospitalfundresult hf
     WHERE hf.run_id = %(run)s
     GROUP BY hf.hospital_id
)
INSERT INTO settlement_hospitalresult
       (region_id, run_id, hospital_id, level, coefficient, cases, points, adjusted_points, self_pay, point_value,
        due, advance, balance, fund_paid, ffs_difference)
SELECT %(region)s, %(run)s, x.hospital_id, hin.level,
       CASE WHEN x.cases > 0 THEN hin.coefficient ELSE COALESCE(hin.coef_row, 0) END,
       x.cases, x.points, x.adjusted, x.self_pay, NULL, x.due, x.advance, x.balance,
       CASE WHEN %(kind)s = 'simulation' OR %(lines)s THEN x.fund_paid END,
       CASE WHEN %(kind)s = 'simulation' THEN x.due - x.fund_paid END
  FROM x
  JOIN hin ON hin.hospital_id = x.hospital_id
"""

HOSPITALS_SQL = HOSPITALS_SQL.replace("{hospital_inputs}", HOSPITAL_INPUTS_CTES.strip())
HOSPITALS_FROM_FUNDS_SQL = HOSPITALS_FROM_FUNDS_SQL.replace("{hospital_inputs}", HOSPITAL_INPUTS_CTES.strip())

FUND_TOTALS_SQL = """
UPDATE settlement_fundresult fr
   SET due = x.due, advance = x.advance, balance = x.balance
  FROM (SELECT hf.insurance_type, COALESCE(SUM(hf.due), 0) AS due, SUM(hf.advance) AS advance,
               SUM(hf.balance) AS balance
          FROM settlement_hospitalfundresult hf WHERE hf.run_id = %(run)s GROUP BY hf.insurance_type) x
 WHERE fr.run_id = %(run)s AND fr.insurance_type = x.insurance_type
"""

# --- upload deadline (domain §10): a hospital flagged 逾期 for the month gets no advance in its run -------

SUSPEND_FUNDS_SQL = """
UPDATE settlement_hospitalfundresult SET advance = 0
 WHERE run_id = %(run)s AND hospital_id = ANY(%(suspended)s::bigint[])
"""

SUSPEND_SQL = """
UPDATE settlement_hospitalresult SET advance = 0, suspended = TRUE, suspension_reason = %(suspension_reason)s
 WHERE run_id = %(run)s AND hospital_id = ANY(%(suspended)s::bigint[])
"""

# --- surplus retention / overspend sharing of the annual clearing (domain §10), on the hospital's totals --
# ffs = Σ fund_paid (stored in fund_paid); due > ffs: retained = round((due − ffs) × keep, 2), due = ffs +
# retained; ffs × floor ≤ due < ffs: shared = round((ffs − due) × share, 2), due = due + shared; then
# balance = due − Σ advances. The points due stays in due_before.
LINES_SQL = """
WITH l AS (
    SELECT hr.id, hr.due AS due_before,
           CASE WHEN hr.due > hr.fund_paid THEN ROUND((hr.due - hr.fund_paid) * %(keep)s, 2) END AS retained,
           CASE WHEN hr.due < hr.fund_paid AND hr.due >= hr.fund_paid * %(floor)s
                THEN ROUND((hr.fund_paid - hr.due) * %(overspend_share)s, 2) END AS shared
      FROM settlement_hospitalresult hr
     WHERE hr.run_id = %(run)s
),
n AS (
    SELECT l.*, CASE WHEN l.retained IS NOT NULL THEN hr.fund_paid + l.retained
                     WHEN l.shared IS NOT NULL THEN l.due_before + l.shared
                     ELSE l.due_before END AS due_after
      FROM l JOIN settlement_hospitalresult hr ON hr.id = l.id
)
UPDATE settlement_hospitalresult hr
   SET due_before = n.due_before, retained = n.retained, shared = n.shared, due = n.due_after,
       balance = n.due_after - COALESCE(hr.advance, 0)
  FROM n
 WHERE hr.id = n.id
"""

TOTALS_SQL = """
UPDATE settlement_settlementrun r
   SET cases = x.cases, total_points = x.points, total_adjusted_points = x.adjusted, total_self_pay = x.self_pay,
       point_value = x.pv, total_due = x.due, total_advance = x.advance, total_balance = x.balance,
       point_values = COALESCE((SELECT jsonb_object_agg(fr.insurance_type, fr.point_value::text)
                                  FROM settlement_fundresult fr WHERE fr.run_id = %(run)s), '{}'::jsonb)
  FROM (SELECT COALESCE(SUM(cases), 0) AS cases, SUM(points) AS points, SUM(adjusted_points) AS adjusted,
               SUM(self_pay) AS self_pay, MAX(point_value) AS pv, SUM(due) AS due, SUM(advance) AS advance,
               SUM(balance) AS balance
          FROM settlement_hospitalresult WHERE run_id = %(run)s) x
 WHERE r.id = %(run)s
"""


def period_bounds(period: str) -> tuple[int, int | None, dt.date, dt.date]:
    """(year, month or None, first day, first day after) of 'YYYY-MM' or 'YYYY'; ValidationFailed otherwise."""
    text = (period or "").strip()
    try:
        if len(text) == 7 and text[4] == "-":
            year, month = int(text[:4]), int(text[5:])
            if not 1 <= month <= 12:
                raise ValueError
            start = dt.date(year, month, 1)
            end = dt.date(year + (month == 12), month % 12 + 1, 1)
            return year, month, start, end
        if len(text) == 4 and text.isdigit():
            year = int(text)
            return year, None, dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    except ValueError:
        pass
    raise ValidationFailed(f"period: {period!r} is not YYYY-MM or YYYY")


def run_params(run: SettlementRun) -> dict:
    """The SQL parameters of a run, all read from what the run recorded when it was started."""
    p = run.parameters
    coef = run.coefficient_version
    _, _, start, end = period_bounds(run.period)
    annual_budget = Decimal(p["fund_budget"])
    return {
        "region": run.region_id, "run": run.pk, "year": run.year, "kind": run.kind,
        "start": start, "end": end, "stats": run.stats_version_id, "catalogue": run.stats_version.catalogue_id,
        "coef_version": coef.pk, "factor": coef.new_hospital_factor,
        "li1": coef.level_index_1 or Decimal(1), "li2": coef.level_index_2 or Decimal(1),
        "li3": coef.level_index_3 or Decimal(1),
        "all_avg": run.all_avg,
        **{f"low{lv}": Decimal(p[f"low_ratio_{lv}"]) for lv in (1, 2, 3)},
        **{f"high{lv}": Decimal(p[f"high_ratio_{lv}"]) for lv in (1, 2, 3)},
        "bilateral": Decimal(p["bilateral_factor"]), "share": Decimal(p["multi_site_share"]),
        "prepay": Decimal(p["prepay_ratio"]), "budget": annual_budget,
        "monthly": run.month is not None, "annual": run.kind == RunKind.ANNUAL,
        **fund_params(run),
    }


def fund_params(run: SettlementRun) -> dict:
    """Two funds, suspended advances and retention lines (domain §10), from the run's recorded parameters.

    A run recorded before these parameters existed computes as before: one fund, nobody suspended, no lines.
    """
    p = run.parameters
    split = bool(p.get("fund_budget_310")) and bool(p.get("fund_budget_390"))
    keep = Decimal(p.get("surplus_keep_share") or "1")
    share = Decimal(p.get("overspend_share") or "0")
    return {
        "split": split,
        "budget310": Decimal(p["fund_budget_310"]) if split else None,
        "budget390": Decimal(p["fund_budget_390"]) if split else None,
        "suspended": [int(h) for h in p.get("suspended_hospitals", [])] if run.kind == RunKind.MONTHLY else [],
        "suspension_reason": p.get("suspension_reason", ""),
        "keep": keep, "overspend_share": share, "floor": Decimal(p.get("overspend_floor") or "0.9"),
        # §10 lines apply in the annual clearing when the region departs from the defaults (which change nothing)
        "lines": run.kind == RunKind.ANNUAL and (keep != 1 or share != 0),
    }


def _check_funds(cursor, run: SettlementRun) -> None:
    """With two funds every case must belong to one of them, or its money would go missing."""
    cursor.execute("SELECT settlement_id, insurance_type FROM settlement_caseresult WHERE run_id = %s "
                   "AND insurance_type NOT IN ('310', '390') LIMIT 1", [run.pk])
    row = cursor.fetchone()
    if row:
        raise ValidationFailed(f"insurance_type: case {row[0]} has {row[1]!r}, not 310 or 390 (two funds)")


def compute_run_sql(run: SettlementRun) -> SettlementRun:
    """Compute a queued run's rows synchronously (the task body; the bench times this)."""
    lifecycle.claim_or_refuse(run)
    lifecycle.progress(run, done=10)
    run.refresh_from_db()
    params = run_params(run)
    with transaction.atomic(), connection.cursor() as cursor:
        # Every statement here is a bulk join over the period's cases. Right after a large import the
        # table statistics lag (estimates of a handful of rows) and the planner picks nested loops that
        # rescan the small lookup tables per case (30 s instead of 6 s for 250k cases): hash joins only.
        # jit off: disabling nested loops adds 1e10 to every plan's cost, which always crossed the JIT thresholds
        # (~0.8 s of LLVM compilation per statement on a few hundred rows: 3 of 4 seconds of a monthly run).
        with local_settings(cursor, enable_nestloop="off", jit="off"):
            cursor.execute("DELETE FROM settlement_hospitalresult WHERE run_id = %s", [run.pk])
            cursor.execute("DELETE FROM settlement_hospitalfundresult WHERE run_id = %s", [run.pk])
            cursor.execute("DELETE FROM settlement_fundresult WHERE run_id = %s", [run.pk])
            cursor.execute("DELETE FROM settlement_caseresult WHERE run_id = %s", [run.pk])
            cursor.execute(CASES_SQL.format(adjustments=approved_adjustments_sql(),
                                            deductions=confirmed_deductions_sql()), params)
            cursor.execute("SELECT COUNT(*), COALESCE(SUM(adjusted_points), 0) FROM settlement_caseresult "
                           "WHERE run_id = %s", [run.pk])
            n_cases, adjusted = cursor.fetchone()
            if not n_cases or adjusted <= 0:
                raise ValidationFailed(f"period {run.period}: no case of a DRG-paid hospital to settle")
            # written beside this transaction (apps.core.lifecycle.progress): a poller sees them while it runs
            lifecycle.progress(run, done=50)
            if params["split"]:
                _check_funds(cursor, run)
                cursor.execute(FUNDS_SQL, params)
                cursor.execute(HOSPITAL_FUNDS_SQL, params)
                if params["suspended"]:
                    cursor.execute(SUSPEND_FUNDS_SQL, params)
                cursor.execute(HOSPITALS_FROM_FUNDS_SQL, params)
                cursor.execute(FUND_TOTALS_SQL, params)
            else:
                cursor.execute(HOSPITALS_SQL, params)
            if params["suspended"]:
                cursor.execute(SUSPEND_SQL, params)
            if params["lines"]:
                cursor.execute(LINES_SQL, params)
            lifecycle.progress(run, done=90)
            cursor.execute(TOTALS_SQL, params)
        lifecycle.finish(run)
    run.refresh_from_db()
    return run
