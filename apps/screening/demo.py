"""Demo hook for `seed_demo`: a few true screening hits per region, and the appeal loop in every state.

Cheap and idempotent: three readmission pairs (of the demo hospital users' hospital first) and two
upcoded cases are copied from the region's own demo cases of the payment year with one INSERT … SELECT each (settlement ids `SCR-…`, skipped when they
exist), then the real rules run over the year (set-based) and a handful of items are walked through the
services with the region's own users: one answered, one confirmed, one cleared as a false positive.
"""
from __future__ import annotations

import logging

from django.db import connection, transaction
from django_scopes import scope

from apps.core.demo_data import DEMO_PAYMENT_YEAR
from apps.core.errors import DomainError
from apps.tenants.enums import Role
from apps.tenants.models import Membership, Region

from . import services
from .models import ScreeningItem

log = logging.getLogger(__name__)

# Readmissions of the same patient 6–12 days after a discharge, same group and diagnosis (分解住院).
READMISSIONS_SQL = """
INSERT INTO cases_case
       (region_id, hospital_id, settlement_id, patient_hash, insurance_type, gender, age, age_days, admission_date,
        discharge_date, los_days, discharge_method, principal_dx, secondary_dx, principal_proc, other_procs, drg_code,
        total_cost, drug_cost, consumable_cost, exam_cost, self_pay, fund_paid, department, warnings,
        declared_drg_code, grouping_status, grouper_drg_code, grouper_mdc, grouper_adrg, grouper_version,
        grouping_mismatch, content_hash, created_at, updated_at)
SELECT c.region_id, c.hospital_id, 'SCR-R' || c.id, c.patient_hash, c.insurance_type, c.gender, c.age, c.age_days,
       c.discharge_date + 6 + (c.id %% 7)::int, c.discharge_date + 6 + (c.id %% 7)::int + c.los_days, c.los_days,
       c.discharge_method, c.principal_dx, c.secondary_dx, c.principal_proc, c.other_procs, c.drg_code,
       c.total_cost, c.drug_cost, c.consumable_cost, c.exam_cost, c.self_pay, c.fund_paid, c.department, c.warnings,
       c.declared_drg_code, c.grouping_status, c.grouper_drg_code, c.grouper_mdc, c.grouper_adrg, c.grouper_version,
       c.grouping_mismatch, md5('SCR-R' || c.id), now(), now()
  FROM cases_case c
  JOIN hospitals_hospital h ON h.id = c.hospital_id AND h.drg_enabled_from IS NOT NULL
 WHERE c.region_id = %(region)s AND c.discharge_date >= %(start)s AND c.discharge_date < %(cut)s
   AND c.drg_code <> '' AND c.principal_dx NOT LIKE 'Z51%%' AND c.los_days BETWEEN 3 AND 12
   AND NOT EXISTS (SELECT 1 FROM cases_case x WHERE x.region_id = c.region_id AND x.settlement_id = 'SCR-R' || c.id)
 ORDER BY c.hospital_id = %(hospital)s DESC, c.id
 LIMIT 3
"""

# Declared a with-MCC group (severity 1) where the grouper found the ADRG's group without CC (5) (高套).
UPCODING_SQL = """
INSERT INTO cases_case
       (region_id, hospital_id, settlement_id, patient_hash, insurance_type, gender, age, age_days, admission_date,
        discharge_date, los_days, discharge_method, principal_dx, secondary_dx, principal_proc, other_procs, drg_code,
        total_cost, drug_cost, consumable_cost, exam_cost, self_pay, fund_paid, department, warnings,
        declared_drg_code, grouping_status, grouper_drg_code, grouper_mdc, grouper_adrg, grouper_version,
        grouping_mismatch, content_hash, created_at, updated_at)
SELECT c.region_id, c.hospital_id, 'SCR-U' || c.id, md5('SCR-U' || c.id) || md5(c.patient_hash), c.insurance_type,
       c.gender, c.age, c.age_days, c.admission_date, c.discharge_date, c.los_days, c.discharge_method,
       c.principal_dx, c.secondary_dx, c.principal_proc, c.other_procs, hi.group_code,
       c.total_cost, c.drug_cost, c.consumable_cost, c.exam_cost, c.self_pay, c.fund_paid, c.department, c.warnings,
       hi.group_code, 'ok', c.drg_code, c.grouper_mdc, LEFT(c.drg_code, 3), c.grouper_version, TRUE,
       md5('SCR-U' || c.id), now(), now()
  FROM cases_case c
  JOIN groups_groupstat lo ON lo.version_id = %(stats)s AND lo.group_code = c.drg_code
  JOIN groups_groupstat hi ON hi.version_id = %(stats)s AND hi.group_code = LEFT(c.drg_code, 3) || '1'
 WHERE c.region_id = %(region)s AND c.discharge_date >= %(start)s AND c.discharge_date < %(cut)s
   AND RIGHT(c.drg_code, 1) = '5' AND hi.base_points > lo.base_points
   AND NOT EXISTS (SELECT 1 FROM cases_case x WHERE x.region_id = c.region_id AND x.settlement_id = 'SCR-U' || c.id)
 ORDER BY c.id
 LIMIT 2
"""


def _users(region: Region) -> dict | None:
    rows = list(Membership.objects.with_scope(region=[region.pk]).filter(region=region).select_related("user")
                .order_by("id"))
    staff = next((m for m in rows if m.role == Role.HOSPITAL_STAFF and m.hospital_id), None)
    bureau = next((m.user for m in rows if m.role == Role.BUREAU_STAFF), None)
    if staff is None or bureau is None:
        return None
    return {"hospital_id": staff.hospital_id, "staff": staff.user, "bureau": bureau}


def seed_region(region: Region) -> dict:
    year = DEMO_PAYMENT_YEAR
    with scope(region=[region.pk]):
        if ScreeningItem.objects.filter(region=region, year=year).exists():
            return {"skipped": "already seeded"}
        stats = services.published_stats_id(region, year)
        users = _users(region)
        params = {"region": region.pk, "start": f"{year}-01-01", "cut": f"{year}-11-01", "stats": stats,
                  "hospital": users["hospital_id"] if users else 0}
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(READMISSIONS_SQL, params)
            added = cursor.rowcount
            if stats is not None:
                cursor.execute(UPCODING_SQL, params)
                added += cursor.rowcount
        result = services.screen_cases(actor=None, region=region, period=str(year))
        walked = _walk(region)
    return {"cases_added": added, **result.counts, **walked}


def _walk(region: Region) -> dict:
    """One item answered, one confirmed after an answer, one cleared (false positive), of the demo hospital."""
    users = _users(region)
    if users is None:
        return {}
    open_items = list(ScreeningItem.objects.filter(region=region, status="open", hospital_id=users["hospital_id"],
                                                   rule__in=["split_admission", "upcoding"])
                      .order_by("rule", "id")[:3])
    plan = [("answer",), ("answer", "confirm"), ("clear",)]
    done = {"answered": 0, "confirmed": 0, "cleared": 0}
    for item, steps in zip(open_items, plan, strict=False):
        try:
            for step in steps:
                if step == "answer":
                    item = services.item_answer(actor=users["staff"], item=item,
                                                text="该患者两次住院病情不同，第二次为术后并发症入院，附出院小结。")
                    done["answered"] += 1
                elif step == "confirm":
                    item = services.item_confirm(actor=users["bureau"], item=item,
                                                 reason="出院小结显示同一病情，15日内再入院，认定分解住院。")
                    done["confirmed"] += 1
                else:
                    item = services.item_clear(actor=users["bureau"], item=item,
                                               reason="核查病历：再入院为不同疾病，误报。")
                    done["cleared"] += 1
        except DomainError as err:  # the demo never stops seeding for one item
            log.warning("screening demo item %s: %s", item.pk, err.message)
    return done
