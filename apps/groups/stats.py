"""Group statistics (domain §2) computed set-based in PostgreSQL: two statements, one scan of the cases.

Precision (domain §4): all_avg, mean and sd are rounded to 2 decimals first; cv = round(sd / mean, 4)
from the *stored* values and the stability test reads that cv; base points = round(mean / all_avg × 100, 4)
from the stored mean and all_avg. PostgreSQL's numeric ROUND is half away from zero, i.e. half-up
for the non-negative figures here.
"""
from __future__ import annotations

import datetime as dt

from django.db import connection, transaction

from apps.core import lifecycle
from apps.core.errors import ValidationFailed
from apps.core.lifecycle import Lifecycle

from .models import StatsVersion

# Step 1 reads each base-period case once and may run as a parallel query (CREATE TABLE AS can; a
# data-modifying statement cannot). Grouping before the catalogue join keeps the plan a scan + hash
# aggregate whatever the planner believes about the catalogue table.
AGG_SQL = """
CREATE TEMP TABLE groups_stats_agg ON COMMIT DROP AS
SELECT c.drg_code AS code,
       COUNT(*) AS n,
       SUM(c.total_cost) AS cost_sum,
       ROUND(AVG(c.total_cost), 2) AS mean_cost,
       ROUND(COALESCE(STDDEV_SAMP(c.total_cost), 0), 2) AS sd,
       ROUND(AVG(c.los_days), 2) AS mean_los,
       COUNT(*) FILTER (WHERE c.discharge_method = '5') AS deaths
  FROM cases_case c
 WHERE c.region_id = %(region)s
   AND c.discharge_date >= %(start)s AND c.discharge_date < %(end)s
   AND c.drg_code <> ''
 GROUP BY c.drg_code
"""

# Step 2 keeps the catalogue's groups, derives all_avg from their sums (exact numeric), writes the
# rows and stamps the version with the totals, in one statement.
COMPUTE_SQL = """
WITH grp AS (
    SELECT a.*, g.name,
           CASE WHEN a.mean_cost > 0 THEN ROUND(a.sd / a.mean_cost, 4) ELSE 0 END AS cv
      FROM groups_stats_agg a
      JOIN groups_group g ON g.catalogue_id = %(catalogue)s AND g.code = a.code
),
tot AS (
    SELECT ROUND(SUM(cost_sum) / NULLIF(SUM(n), 0), 2) AS all_avg,
           COALESCE(SUM(n), 0) AS n_cases,
           COUNT(*) AS n_groups
      FROM grp
),
ins AS (
    INSERT INTO groups_groupstat
           (region_id, version_id, group_code, group_name, n, mean_cost, sd, cv, stable,
            base_points, mean_los, deaths, death_rate)
    SELECT %(region)s, %(version)s, r.code, r.name, r.n, r.mean_cost, r.sd, r.cv,
           (r.n >= %(lln)s OR (r.n > %(min_cases)s AND r.cv <= %(cv_max)s)),
           ROUND(r.mean_cost / tot.all_avg * 100, 4),
           r.mean_los, r.deaths, ROUND(r.deaths::numeric / r.n, 4)
      FROM grp r
      CROSS JOIN tot
     WHERE tot.all_avg > 0
)
UPDATE groups_statsversion v
   SET all_avg = tot.all_avg, n_cases = tot.n_cases, n_groups = tot.n_groups
  FROM tot
 WHERE v.id = %(version)s
"""


def compute_stats_sql(version: StatsVersion) -> StatsVersion:
    """Compute the statistics rows of a `computing` (or failed) version synchronously; the bench times this.

    Re-running replaces the version's rows (idempotent); a version with no base-period case fails
    with a clear reason instead of publishing an empty table.
    """
    if version.status == Lifecycle.FAILED:  # computed again
        lifecycle.requeue(version)
    lifecycle.claim_or_refuse(version)
    lifecycle.progress(version, done=10)
    params = {
        "region": version.region_id, "catalogue": version.catalogue_id, "version": version.pk,
        "start": dt.date(version.base_start, 1, 1), "end": dt.date(version.base_end + 1, 1, 1),
        "lln": version.lln_cases, "min_cases": version.min_cases, "cv_max": version.cv_max,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM groups_groupstat WHERE version_id = %s", [version.pk])
        cursor.execute("DROP TABLE IF EXISTS groups_stats_agg")
        cursor.execute(AGG_SQL, params)
        cursor.execute(COMPUTE_SQL, params)
        cursor.execute("DROP TABLE groups_stats_agg")
        # fresh planner statistics for the rows just written: settlement runs, their case lists and exports join
        # them per case (without, the planner takes 600 rows for 1 and scans a version per case: decision 0046)
        cursor.execute("ANALYZE groups_groupstat")
        cursor.execute("SELECT n_cases, all_avg FROM groups_statsversion WHERE id = %s", [version.pk])
        n_cases, all_avg = cursor.fetchone()
        if not n_cases:
            raise ValidationFailed(
                f"no base-period case ({version.base_start}–{version.base_end}) has a group of catalogue "
                f"{version.catalogue.version}")
        if not all_avg:
            raise ValidationFailed("the average cost of the base-period cases is 0")
        lifecycle.finish(version)
    version.refresh_from_db()
    return version
