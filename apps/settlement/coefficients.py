"""Hospital coefficients (domain §3) computed set-based in PostgreSQL: one statement, one scan of the cases.

Inputs: the published group statistics the version names (stable groups, stored `mean_cost`) and the
base-period cases of the region (the statistics version's base period, i.e. the policy's base years
when the statistics were computed). Precision: r_c is never rounded; CI_h and LI_L are stored with 16
decimals and the coefficient is computed from those stored values, rounded half-up once to 4.
"""
from __future__ import annotations

import datetime as dt

from django.db import connection, transaction

from apps.core import lifecycle
from apps.core.errors import ValidationFailed
from apps.core.lifecycle import Lifecycle
from apps.core.sql import local_settings

from .models import CoefficientVersion

# `r` reads each base-period case of a stable group once; `lvl`/`hosp` average its ratios per level and
# hospital (numeric, rounded to the 16 stored decimals); `hr` is one row per active hospital, existing or
# new; `ins` writes the rows (new hospitals: max(factor × LI_L, lowest existing coefficient of the level));
# `ins` runs even though the UPDATE does not read it (PostgreSQL runs every data-modifying CTE);
# the final UPDATE stamps the level indices (1 for a level without cases) on the version.
COEFFICIENTS_SQL = """
WITH st AS (
    SELECT s.group_code, s.mean_cost
      FROM groups_groupstat s
     WHERE s.version_id = %(stats)s AND s.stable AND s.mean_cost > 0
),
r AS (
    SELECT c.hospital_id, h.level, c.total_cost / st.mean_cost AS r
      FROM cases_case c
      JOIN st ON st.group_code = c.drg_code
      JOIN hospitals_hospital h ON h.id = c.hospital_id
     WHERE c.region_id = %(region)s
       AND c.discharge_date >= %(start)s AND c.discharge_date < %(end)s
),
lvl AS (SELECT r.level, ROUND(AVG(r.r), 16) AS li FROM r GROUP BY r.level),
hosp AS (SELECT r.hospital_id, COUNT(*) AS n, ROUND(AVG(r.r), 16) AS ci FROM r GROUP BY r.hospital_id),
hr AS (
    SELECT h.id AS hospital_id, h.level, COALESCE(hosp.n, 0) AS n, hosp.ci,
           COALESCE(lvl.li, 1) AS li, hosp.hospital_id IS NULL AS is_new,
           ROUND(%(w_level)s * COALESCE(lvl.li, 1) + %(w_cost)s * hosp.ci, 4) AS coef
      FROM hospitals_hospital h
      LEFT JOIN hosp ON hosp.hospital_id = h.id
      LEFT JOIN lvl ON lvl.level = h.level
     WHERE h.region_id = %(region)s AND h.active
),
levmin AS (SELECT hr.level, MIN(hr.coef) AS m FROM hr WHERE NOT hr.is_new GROUP BY hr.level),
ins AS (
    INSERT INTO settlement_hospitalcoefficient
           (region_id, version_id, hospital_id, level, n_cases, cost_index, level_index, is_new, computed,
            override, override_reason)
    SELECT %(region)s, %(version)s, hr.hospital_id, hr.level, hr.n, hr.ci, hr.li, hr.is_new,
           CASE WHEN hr.is_new THEN GREATEST(ROUND(%(factor)s * hr.li, 4), levmin.m) ELSE hr.coef END,
           NULL, ''
      FROM hr
      LEFT JOIN levmin ON levmin.level = hr.level
)
UPDATE settlement_coefficientversion v
   SET level_index_1 = COALESCE((SELECT li FROM lvl WHERE level = 1), 1),
       level_index_2 = COALESCE((SELECT li FROM lvl WHERE level = 2), 1),
       level_index_3 = COALESCE((SELECT li FROM lvl WHERE level = 3), 1)
 WHERE v.id = %(version)s
"""


def compute_coefficients_sql(version: CoefficientVersion) -> CoefficientVersion:
    """Compute the rows of a queued (or failed: computed again) version synchronously; re-running replaces its rows."""
    if version.status == Lifecycle.FAILED:
        lifecycle.requeue(version)
    lifecycle.claim_or_refuse(version)
    lifecycle.progress(version, done=10)
    stats = version.stats_version
    params = {
        "region": version.region_id, "version": version.pk, "stats": stats.pk,
        "start": dt.date(stats.base_start, 1, 1), "end": dt.date(stats.base_end + 1, 1, 1),
        "w_level": version.w_level, "w_cost": version.w_cost, "factor": version.new_hospital_factor,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        with local_settings(cursor, enable_nestloop="off", jit="off"):  # a bulk join: see engine.compute_run_sql
            cursor.execute("DELETE FROM settlement_hospitalcoefficient WHERE version_id = %s", [version.pk])
            cursor.execute(COEFFICIENTS_SQL, params)
            cursor.execute("SELECT COUNT(*), COUNT(*) FILTER (WHERE NOT is_new) FROM settlement_hospitalcoefficient "
                           "WHERE version_id = %s", [version.pk])
            rows, existing = cursor.fetchone()
        if not rows:
            raise ValidationFailed("the region has no active hospital")
        if not existing:
            raise ValidationFailed(
                f"no base-period case ({stats.base_start}–{stats.base_end}) falls in a stable group: "
                "every hospital would be new")
        lifecycle.finish(version)
    version.refresh_from_db()
    return version
