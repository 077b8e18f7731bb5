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
from django.utils import timezone

from apps.core.errors import InvalidTransition, ValidationFailed

from .enums import RunKind, VersionStatus
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
    The applications app (workflows §2) provides it; without that app nothing is approved: the empty set.
    """
    from django.apps import apps

    if not apps.is_installed("apps.applications"):
        return EMPTY_ADJUSTMENTS_SQL
    try:
        from apps.applications.adjustments import approved_adjustments_sql as approved
    except ImportError:
        return EMPTY_ADJUSTMENTS_SQL
    return approved()


# The application join is kept apart in `adj_raw`/`adj` (one review and one surgery application per case
# at most; the latest wins). `lvlfb` is the new-hospital rule for a hospital that has no row in the
# coefficient version (e.g. DRG-enabled after the coefficients were computed).
CASES_SQL = """
WITH adj_raw AS (
    {adjustments}
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
),
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
base AS (
    SELECT c.id AS case_id, c.hospital_id, c.settlement_id, c.drg_code, h.level,
           c.total_cost, c.self_pay, c.fund_paid,
           g.id IS NOT NULL AS grouped, s.mean_cost, s.base_points, s.stable,
           CASE h.level WHEN 1 THEN %(low1)s::numeric WHEN 2 THEN %(low2)s::numeric ELSE %(low3)s::numeric END AS low_ratio,
           CASE h.level WHEN 1 THEN %(high1)s::numeric WHEN 2 THEN %(high2)s::numeric ELSE %(high3)s::numeric END AS high_ratio,
           COALESCE(coef.coef, lvlfb.coef) AS coefficient,
           adj.review, adj.unreasonable, adj.surgery, s2.base_points AS secondary_bp,
           COALESCE(adj.review_app, adj.surgery_app) AS application_id
      FROM cases_case c
      JOIN hospitals_hospital h ON h.id = c.hospital_id
      LEFT JOIN groups_group g ON g.catalogue_id = %(catalogue)s AND g.code = c.drg_code AND c.drg_code <> ''
      LEFT JOIN groups_groupstat s ON s.version_id = %(stats)s AND s.group_code = g.code
      LEFT JOIN coef ON coef.hospital_id = c.hospital_id
      LEFT JOIN lvlfb ON lvlfb.level = h.level
      LEFT JOIN adj ON adj.case_id = c.id
      LEFT JOIN groups_groupstat s2 ON s2.version_id = %(stats)s AND s2.group_code = adj.secondary_group
     WHERE c.region_id = %(region)s
       AND c.discharge_date >= %(start)s AND c.discharge_date < %(end)s
       AND h.active AND h.drg_enabled_from IS NOT NULL AND h.drg_enabled_from <= c.discharge_date
),
r AS (
    SELECT b.*,
           CASE WHEN b.grouped AND b.mean_cost > 0 THEN b.total_cost / b.mean_cost END AS ratio,
           CASE WHEN b.base_points IS NULL THEN NULL
                WHEN b.surgery = 'bilateral' THEN ROUND(%(bilateral)s * b.base_points, 4)
                WHEN b.surgery = 'multi_site' AND b.secondary_bp IS NOT NULL
                     THEN ROUND(b.base_points + %(share)s * b.secondary_bp, 4)
                ELSE b.base_points END AS eb
      FROM base b
),
t AS (
    SELECT r.*,
           CASE WHEN r.review IN ('incentive', 'special') THEN r.review
                WHEN NOT r.grouped THEN 'ungrouped'
                WHEN r.mean_cost IS NULL OR r.mean_cost <= 0 OR NOT r.stable THEN 'unstable'
                WHEN r.ratio < r.low_ratio THEN 'low'
                WHEN r.ratio > r.high_ratio THEN 'high'
                ELSE 'normal' END AS case_type
      FROM r
),
p AS (
    SELECT t.*,
           CASE WHEN t.case_type IN ('incentive', 'special')
                     THEN ROUND((t.total_cost - COALESCE(t.unreasonable, 0)) * 100 / %(all_avg)s, 4)
                WHEN t.case_type IN ('ungrouped', 'unstable', 'low') THEN ROUND(t.total_cost * 100 / %(all_avg)s, 4)
                WHEN t.case_type = 'high' THEN ROUND(t.eb + (t.ratio - t.high_ratio) * t.base_points, 4)
                ELSE ROUND(t.eb, 4) END AS points
      FROM t
)
INSERT INTO settlement_caseresult
       (region_id, run_id, case_id, hospital_id, settlement_id, drg_code, level, case_type, total_cost, self_pay,
        fund_paid, group_mean, base_points, ratio, low_ratio, high_ratio, effective_base, coefficient,
        unreasonable_cost, application_id, points, adjusted_points)
SELECT %(region)s, %(run)s, p.case_id, p.hospital_id, p.settlement_id, p.drg_code, p.level, p.case_type,
       p.total_cost, p.self_pay, p.fund_paid, p.mean_cost, p.base_points, p.ratio, p.low_ratio, p.high_ratio,
       p.eb, p.coefficient,
       CASE WHEN p.case_type IN ('incentive', 'special') THEN COALESCE(p.unreasonable, 0) END,
       p.application_id, p.points,
       CASE WHEN p.case_type IN ('normal', 'high') THEN ROUND(p.points * p.coefficient, 4) ELSE p.points END
  FROM p
"""

# Point value: monthly formula (budget + 12 × Σ self_pay) / (12 × Σ adjusted) (= (budget/12 + Σsp)/Σadj
# with one division), annual (budget + Σ self_pay) / Σ adjusted. Annual advances are the published
# monthly advances of the year; a hospital paid advances but without cases in the year still gets a
# row (due 0, balance = − advances) so no money goes missing.
HOSPITALS_SQL = """
WITH hs AS (
    SELECT cr.hospital_id, MAX(cr.level) AS level, MAX(cr.coefficient) AS coefficient, COUNT(*) AS cases,
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
    SELECT COALESCE(d.hospital_id, adv.hospital_id) AS hospital_id, d.level, d.coefficient,
           COALESCE(d.cases, 0) AS cases, COALESCE(d.points, 0) AS points, COALESCE(d.adjusted, 0) AS adjusted,
           COALESCE(d.self_pay, 0) AS self_pay, COALESCE(d.fund_paid, 0) AS fund_paid,
           COALESCE(d.due, 0) AS due, COALESCE(adv.advances, 0) AS advances
      FROM d FULL JOIN adv ON adv.hospital_id = d.hospital_id
)
INSERT INTO settlement_hospitalresult
       (region_id, run_id, hospital_id, level, coefficient, cases, points, adjusted_points, self_pay, point_value,
        due, advance, balance, fund_paid, ffs_difference)
SELECT %(region)s, %(run)s, j.hospital_id, COALESCE(j.level, h.level),
       COALESCE(j.coefficient, (SELECT COALESCE(x.override, x.computed) FROM settlement_hospitalcoefficient x
                                 WHERE x.version_id = %(coef_version)s AND x.hospital_id = j.hospital_id), 0),
       j.cases, j.points, j.adjusted, j.self_pay, (SELECT pv.pv FROM pv), j.due,
       CASE WHEN %(kind)s = 'monthly' THEN ROUND(j.due * %(prepay)s, 2)
            WHEN %(kind)s = 'annual' THEN j.advances END,
       CASE WHEN %(kind)s = 'annual' THEN j.due - j.advances END,
       CASE WHEN %(kind)s = 'simulation' THEN j.fund_paid END,
       CASE WHEN %(kind)s = 'simulation' THEN j.due - j.fund_paid END
  FROM j
  JOIN hospitals_hospital h ON h.id = j.hospital_id
"""

TOTALS_SQL = """
UPDATE settlement_settlementrun r
   SET cases = x.cases, total_points = x.points, total_adjusted_points = x.adjusted, total_self_pay = x.self_pay,
       point_value = x.pv, total_due = x.due, total_advance = x.advance, total_balance = x.balance
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
    }


def _set(run_id: int, **fields) -> None:
    """Status and progress writes outside the computing transaction, so a poller sees them."""
    SettlementRun._base_manager.filter(pk=run_id).update(**fields)


def compute_run_sql(run: SettlementRun) -> SettlementRun:
    """Compute a queued run's rows synchronously (the task body; the bench times this)."""
    claimed = SettlementRun._base_manager.filter(pk=run.pk, status=VersionStatus.QUEUED).update(
        status=VersionStatus.RUNNING, progress=10, error="", started_at=timezone.now())
    if not claimed:
        raise InvalidTransition("Only a queued run can be computed.")
    run.refresh_from_db()
    params = run_params(run)
    with transaction.atomic(), connection.cursor() as cursor:
        # Every statement here is a bulk join over the period's cases. Right after a large import the
        # table statistics lag (estimates of a handful of rows) and the planner picks nested loops that
        # rescan the small lookup tables per case (30 s instead of 6 s for 250k cases): hash joins only.
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("DELETE FROM settlement_hospitalresult WHERE run_id = %s", [run.pk])
        cursor.execute("DELETE FROM settlement_caseresult WHERE run_id = %s", [run.pk])
        cursor.execute(CASES_SQL.format(adjustments=approved_adjustments_sql()), params)
        cursor.execute("SELECT COUNT(*), COALESCE(SUM(adjusted_points), 0) FROM settlement_caseresult "
                       "WHERE run_id = %s", [run.pk])
        n_cases, adjusted = cursor.fetchone()
        if not n_cases or adjusted <= 0:
            raise ValidationFailed(f"period {run.period}: no case of a DRG-paid hospital to settle")
        # 50/90 land with the commit (same connection); 10 above is what a poller sees while it runs.
        _set(run.pk, progress=50)
        cursor.execute(HOSPITALS_SQL, params)
        _set(run.pk, progress=90)
        cursor.execute(TOTALS_SQL, params)
        cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")  # when called inside a caller's transaction
        _set(run.pk, status=VersionStatus.READY, progress=100, finished_at=timezone.now())
    run.refresh_from_db()
    return run
