"""The hospital's view (issue 20): group profit and loss from the published settlement runs, and the same group
across the region's hospitals of the same level. Set-based: one GROUP BY statement per table.

Payment of a case (病组支付) = adjusted points × the run's point value (its fund's point value when the run pays
two funds): the fund part `adjusted × PV − self_pay` (domain §5) plus the patient's self-pay. Profit = payment −
total_cost. Sums are exact; money is rounded half-up to 2 decimals once per table row (decision 0030).
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import connection

from apps.core.lifecycle import Lifecycle
from apps.hospitals.models import Hospital
from apps.settlement.enums import RunKind
from apps.settlement.models import CaseResult, SettlementRun
from apps.tenants.models import Region

from .formulas import Period, anonymous_label

MIN_PEERS = 3  # fewer other hospitals than this: no anonymised comparison (one could tell who is who)
CENT, Q4 = Decimal("0.01"), Decimal("0.0001")
DIMENSIONS = {"group": "cr.drg_code", "department": "c.department", "month": "r.month"}


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def _ratio(part, whole, places: Decimal = Q4) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(places, rounding=ROUND_HALF_UP)


def published_monthly_runs(region: Region, year: int, month: int | None = None) -> list[SettlementRun]:
    """The published monthly run of each month of the year (or of one month): the P&L's source."""
    qs = SettlementRun.objects.with_scope(region=[region.pk]).filter(
        region=region, kind=RunKind.MONTHLY, year=year, status=Lifecycle.PUBLISHED)
    if month:
        qs = qs.filter(month=month)
    return list(qs.order_by("month"))


def _point_value_sql() -> str:
    """The point value a case result was paid with: its fund's (two-fund run) or the run's."""
    run_fields = {f.name for f in SettlementRun._meta.get_fields()}
    case_fields = {f.name for f in CaseResult._meta.get_fields()}
    if "point_values" in run_fields and "insurance_type" in case_fields:
        return "COALESCE(NULLIF(r.point_values ->> cr.insurance_type, '')::numeric, r.point_value)"
    return "r.point_value"


def pnl(region: Region, hospital: Hospital, year: int, by: tuple[str, ...] = ("group",), month: int | None = None,
        department: str = "", group: str = "") -> dict:
    """Profit and loss of a hospital per `by` (group, department, month — any combination), worst loss first.

    Every row carries its inputs: cases, Σ adjusted points, Σ self-pay, Σ total cost, the payment (Σ adjusted × PV,
    rounded once), its fund part, the profit, the profit per case and the payment-to-cost ratio."""
    dims = [d for d in by if d in DIMENSIONS] or ["group"]
    runs = published_monthly_runs(region, year, month)
    out = {"runs": runs, "by": dims, "rows": [], "total": None}
    if not runs:
        return out
    select = ", ".join(f"{DIMENSIONS[d]} AS {d}" for d in dims)
    where, params = ["cr.run_id = ANY(%(runs)s)", "cr.hospital_id = %(hospital)s", "cr.region_id = %(region)s"], {
        "runs": [r.pk for r in runs], "hospital": hospital.pk, "region": region.pk}
    if department:
        where.append("c.department = %(department)s")
        params["department"] = department
    if group:
        where.append("cr.drg_code = %(group)s")
        params["group"] = group
    sql = (
        f"SELECT {select}, count(*) AS cases, sum(cr.adjusted_points) AS adjusted, sum(cr.self_pay) AS self_pay, "
        f"sum(cr.total_cost) AS cost, sum(cr.adjusted_points * {_point_value_sql()}) AS payment, "
        f"sum(c.los_days) AS bed_days, GROUPING({', '.join(DIMENSIONS[d] for d in dims)}) <> 0 AS is_total "
        "FROM settlement_caseresult cr JOIN settlement_settlementrun r ON r.id = cr.run_id "
        "JOIN cases_case c ON c.id = cr.case_id "
        f"WHERE {' AND '.join(where)} GROUP BY GROUPING SETS (({', '.join(DIMENSIONS[d] for d in dims)}), ())"
    )
    with connection.cursor() as cur:
        cur.execute(sql, params)
        cols = [c.name for c in cur.description]
        raw = [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
    names = _group_names(region, {r["group"] for r in raw if r.get("group")}) if "group" in dims else {}
    rows, total = [], None
    for r in raw:
        payment = _money(r["payment"])
        item = {**{d: r[d] for d in dims}, "cases": r["cases"], "adjusted_points": r["adjusted"],
                "self_pay": _money(r["self_pay"]), "cost": _money(r["cost"]), "payment": payment,
                "fund_part": payment - _money(r["self_pay"]), "profit": payment - _money(r["cost"]),
                "alos": _ratio(r["bed_days"], r["cases"], CENT)}
        item["profit_per_case"] = _ratio(item["profit"], r["cases"], CENT)
        item["payment_ratio"] = _ratio(payment, item["cost"])
        if "group" in dims:
            item["group_name"] = names.get(r["group"], "")
        if r["is_total"]:
            total = item
        else:
            rows.append(item)
    rows.sort(key=lambda i: (i["profit"], *[str(i[d] or "") for d in dims]))
    out.update(rows=rows, total=total)
    return out


def losses(region: Region, hospital: Hospital, year: int, month: int | None = None, limit: int = 20) -> list[dict]:
    """The groups where the hospital loses most (profit < 0), worst first."""
    return [r for r in pnl(region, hospital, year, ("group",), month)["rows"] if r["profit"] < 0][:limit]


def _group_names(region: Region, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    with connection.cursor() as cur:
        cur.execute("SELECT DISTINCT ON (code) code, name FROM groups_group WHERE code = ANY(%s) ORDER BY code",
                    [sorted(codes)])
        return dict(cur.fetchall())


# --- the same group across the hospitals of the same level ----------------------------------------------------


def peer_rows(region: Region, level: int, group: str, period: Period) -> tuple[list[dict], dict | None]:
    """Per hospital of `level` with cases of `group` discharged in the period, and for the whole level: cases,
    mean cost and stay, cost structure and mortality (one GROUP BY GROUPING SETS over the cases)."""
    sql = (
        "SELECT c.hospital_id, GROUPING(c.hospital_id) <> 0 AS is_total, count(*) AS cases, sum(c.total_cost) AS cost, sum(c.los_days) AS bed_days, "
        "sum(c.drug_cost) AS drug, sum(c.consumable_cost) AS consumable, sum(c.exam_cost) AS exam, "
        "count(*) FILTER (WHERE c.discharge_method = '5') AS deaths "
        "FROM cases_case c JOIN hospitals_hospital h ON h.id = c.hospital_id "
        "WHERE c.region_id = %(region)s AND h.level = %(level)s AND c.drg_code = %(group)s "
        "AND c.discharge_date >= %(start)s AND c.discharge_date < %(end)s GROUP BY GROUPING SETS ((c.hospital_id), ())"
    )
    with connection.cursor() as cur:
        cur.execute(sql, {"region": region.pk, "level": level, "group": group, "start": period.start,
                          "end": period.end})
        cols = [c.name for c in cur.description]
        raw = [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
    total = next((_peer_figures(r) for r in raw if r["is_total"]), None)
    return [_peer_figures(r) for r in raw if not r["is_total"]], total


def _peer_figures(r: dict) -> dict:
    return {"hospital_id": r.get("hospital_id"), "cases": r["cases"], "mean_cost": _ratio(r["cost"], r["cases"], CENT),
            "mean_los": _ratio(r["bed_days"], r["cases"], CENT), "drug_share": _ratio(r["drug"], r["cost"]),
            "consumable_share": _ratio(r["consumable"], r["cost"]), "exam_share": _ratio(r["exam"], r["cost"]),
            "mortality": _ratio(r["deaths"], r["cases"]), "deaths": r["deaths"], "cost": _money(r["cost"])}


def peer_comparison(region: Region, hospital: Hospital, group: str, period: Period, names: bool) -> dict:
    """The group across the hospitals of `hospital`'s level. With `names` (bureau) every hospital is named; else
    the hospital sees itself named, the others as 机构A, B … in order of mean cost — and nothing about them when
    fewer than MIN_PEERS others treated the group (`suppressed`)."""
    rows, level_total = peer_rows(region, hospital.level, group, period)
    own = next((r for r in rows if r["hospital_id"] == hospital.pk), None)
    others = sorted((r for r in rows if r["hospital_id"] != hospital.pk),
                    key=lambda r: (r["mean_cost"] or 0, r["hospital_id"]))
    suppressed = not names and len(others) < MIN_PEERS
    hospitals = {h.pk: h for h in Hospital.objects.with_scope(region=[region.pk]).filter(
        pk__in=[r["hospital_id"] for r in rows])}
    table = []
    if own is not None:
        table.append({**own, "label": hospital.name, "code": hospital.code, "own": True})
    if not suppressed:
        for i, r in enumerate(others):
            h = hospitals[r["hospital_id"]]
            table.append({**r, "label": h.name if names else anonymous_label(i), "code": h.code if names else "",
                          "own": False})
    if suppressed:
        level_total = None  # with one or two others, the level minus the own hospital would reveal them
    elif level_total is not None:
        level_total.pop("hospital_id", None)
    for r in table:
        r.pop("hospital_id", None)
    return {"group": group, "group_name": _group_names(region, {group}).get(group, ""), "period": period.text,
            "level": hospital.level, "own": own is not None, "peers": len(others), "suppressed": suppressed,
            "min_peers": MIN_PEERS, "rows": table, "level_total": level_total}

