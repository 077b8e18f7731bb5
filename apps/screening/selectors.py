"""Reading screening items: who sees which (scope), the lists and counts other apps use."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from apps.core.errors import NotFound
from apps.tenants.access import get_access
from apps.tenants.models import PolicyYear, Region
from apps.tenants.services import policy_defaults

from .enums import Rule, Status
from .models import ScreeningItem


def visible_items(user) -> QuerySet[ScreeningItem]:
    """Whole regions for region-wide readers, own hospitals for hospital roles, assigned items for experts."""
    access = get_access(user)
    q = access.workflow_q(experts=False)
    expert_regions = access.expert_region_ids()
    if expert_regions and access.user_id:
        q |= Q(region_id__in=expert_regions, expert_id=access.user_id)
    return ScreeningItem.objects.with_scope(region=access.region_ids).filter(q)


def item_get(user, pk: int) -> ScreeningItem:
    found = (visible_items(user).select_related("region", "hospital", "case", "related_case", "expert",
                                                "answered_by", "decided_by").filter(pk=pk).first())
    if found is None:
        raise NotFound()
    return found


def filter_items(qs: QuerySet, *, region: str = "", period: str = "", rule: str = "", status: str = "",
                 hospital: str = "") -> QuerySet:
    """The list filters of the screen and the API (interfaces.md: region, period, rule, status, hospital)."""
    if region:
        qs = qs.filter(region__code=region)
    if period:
        text = period.strip()
        if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
            qs = qs.filter(year=int(text[:4]), month=int(text[5:]))
        elif len(text) == 4 and text.isdigit():
            qs = qs.filter(year=int(text))
        else:
            qs = qs.none()
    if rule:
        qs = qs.filter(rule=rule)
    if status == "overdue":
        from django.utils import timezone

        qs = qs.filter(status=Status.OPEN, reply_due__lt=timezone.localdate())
    elif status:
        qs = qs.filter(status=status)
    if hospital:
        qs = qs.filter(Q(hospital__code=hospital) | Q(hospital__name__icontains=hospital))
    return qs


def policy_for(region: Region, year: int) -> PolicyYear:
    """The year's policy, or an unsaved row with the defaults (reading never creates rows)."""
    found = PolicyYear.objects.with_scope(region=[region.pk]).filter(region=region, year=year).first()
    return found or PolicyYear(region=region, year=year, **policy_defaults(region))


def counts_by_rule(qs: QuerySet) -> list[dict]:
    """Per rule: items, open, answered, confirmed, cleared (false positives) and the false-positive share."""
    rows = {r["rule"]: r for r in qs.order_by().values("rule").annotate(
        total=Count("id"), open=Count("id", filter=Q(status=Status.OPEN)),
        answered=Count("id", filter=Q(status=Status.ANSWERED)),
        confirmed=Count("id", filter=Q(status=Status.CONFIRMED)),
        cleared=Count("id", filter=Q(status=Status.CLEARED)))}
    out = []
    for value, label in Rule.choices:
        row = rows.get(value, {"total": 0, "open": 0, "answered": 0, "confirmed": 0, "cleared": 0})
        decided = row["confirmed"] + row["cleared"]
        out.append({"rule": value, "label": label, **{k: row[k] for k in ("total", "open", "answered", "confirmed",
                                                                              "cleared")},
                    "false_positive_share": round(row["cleared"] / decided, 4) if decided else None})
    return out


def hits_by_hospital_month(region: Region, year: int) -> dict[tuple[int, int], dict[str, int]]:
    """{(hospital_id, month): {rule: items, …, "total": n, "confirmed": n}} of a region's year — the screening
    hits of the data-quality scorecard (a cleared item is a false positive and is not counted as a hit)."""
    rows = (ScreeningItem.objects.with_scope(region=[region.pk]).filter(region=region, year=year)
            .exclude(status=Status.CLEARED).order_by().values("hospital_id", "month", "rule")
            .annotate(n=Count("id"), confirmed=Count("id", filter=Q(status=Status.CONFIRMED))))
    out: dict[tuple[int, int], dict[str, int]] = {}
    for r in rows:
        entry = out.setdefault((r["hospital_id"], r["month"]), {"total": 0, "confirmed": 0})
        entry[r["rule"]] = r["n"]
        entry["total"] += r["n"]
        entry["confirmed"] += r["confirmed"]
    return out


def confirmed_deductions_sql() -> str:
    """Confirmed items as a SELECT `case_id bigint, item_id bigint, rule text` (one row per case: the first
    confirmed item). The settlement engine joins it (`ded` CTE) to set those cases' points to 0; it may use
    the engine's %(region)s parameter."""
    return ("SELECT DISTINCT ON (si.case_id) si.case_id, si.id AS item_id, si.rule::text AS rule "
            "FROM screening_screeningitem si WHERE si.region_id = %(region)s AND si.status = 'confirmed' "
            "ORDER BY si.case_id, si.id")


def deduction_line(region_id: int, item_id: int) -> str:
    """The explained line of a deducted case result: "扣减：分解住院，疑点 #12"."""
    item = ScreeningItem.objects.with_scope(region=[region_id]).filter(pk=item_id).first()
    return item.deduction_line if item is not None else f"扣减：疑点 #{item_id}"
