"""What the settlement engine reads of applications: the approved ones, as one SELECT.

`apps.settlement.engine.CASES_SQL` embeds this query as its `adj_raw` CTE and LEFT JOINs it on the
case id of the run's own cases (already restricted to the run's region and period), so the query needs
no parameter of its own: it stays runnable on its own (the engine tests execute it bare) and another
region's applications can never reach a run, since case ids are unique. Approved applications are few
(capped per hospital), so no region filter is needed for speed either; the partial index on approved rows
keeps the scan small. Only applications decided before the run's computing statement count
(`statement_timestamp()`, not `now()`: the transaction may have started earlier), so a decision changes every run computed after it, never an
earlier one (workflows §2 "effect").
"""
from __future__ import annotations

APPROVED_ADJUSTMENTS_SQL = """
SELECT a.case_id::bigint AS case_id,
       (CASE a.type WHEN 'incentive_major' THEN 'incentive'
                    WHEN 'incentive_rare' THEN 'incentive'
                    WHEN 'special_case' THEN 'special'
                    ELSE a.type END)::text AS kind,
       a.id::bigint AS application_id,
       (CASE WHEN a.type IN ('incentive_major', 'incentive_rare', 'special_case')
             THEN COALESCE(a.unreasonable_cost, 0) END)::numeric AS unreasonable_cost,
       (CASE WHEN a.type = 'multi_site' THEN NULLIF(a.secondary_group, '') END)::text AS secondary_group
  FROM applications_application a
 WHERE a.status = 'approved'
   AND a.decided_at IS NOT NULL AND a.decided_at <= statement_timestamp()
"""


def approved_adjustments_sql() -> str:
    """Approved applications (a partial approval is approved with its unreasonable cost), with exactly the columns
    `case_id bigint, kind text, application_id bigint, unreasonable_cost numeric, secondary_group text`.

    kind: 'incentive' (both incentive types) | 'special' | 'bilateral' | 'multi_site'; secondary_group is
    the multi-site secondary group without CC/MCC (same ADRG, severity 5, else 9), resolved and checked
    for statistics when the application was submitted.
    """
    return APPROVED_ADJUSTMENTS_SQL
