"""Data-quality scorecard per hospital and month (issue 20; weights in decision 0031).

Inputs, each a GROUP BY over the region's rows:
- uploads (上传): the hospital's finished case imports of the month (by upload date): rows, rejected rows, and the
  rejected rows per rule from `UploadRejection` (summarised once from each job's error file);
- cases discharged in the month: with a warning (domain §9), grouped by the portal grouper and disagreeing with
  the declared group, uploaded after the deadline (day `upload_deadline_day` of the following month), the mean
  discharge → upload lag in days;
- screening hits (疑点, not cleared) of the month from apps.screening; the month's completeness declaration
  (apps.settlement MonthSubmission) shown alongside.

score = 100 × (1 − Σ wᵢ · rateᵢ), rates in [0, 1], half-up to 2 decimals; a hospital with neither uploads nor cases
in the month has no score.
"""
from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection, transaction

from apps.cases.models import ImportJob
from apps.cases.services import private_path
from apps.core.lifecycle import Lifecycle
from apps.screening.selectors import hits_by_hospital_month
from apps.tenants.models import PolicyYear, Region

from .models import UploadRejection

CENT, Q4 = Decimal("0.01"), Decimal("0.0001")
# weight of each rate in the score (sum 1): rejected rows weigh most (the data never arrived), then the grouper
# disagreeing with the declared group (payment at risk), warnings, late uploads and screening hits
WEIGHTS = {"rejection_rate": Decimal("0.35"), "mismatch_rate": Decimal("0.20"), "warning_rate": Decimal("0.15"),
           "late_rate": Decimal("0.15"), "hit_rate": Decimal("0.15")}


def _rate(part, whole) -> Decimal | None:
    if not whole:
        return None
    return min(Decimal(1), Decimal(part) / Decimal(whole)).quantize(Q4, rounding=ROUND_HALF_UP)


def score(rates: dict[str, Decimal | None]) -> Decimal:
    """100 × (1 − Σ w·rate); a missing rate (no denominator) costs nothing."""
    penalty = sum((WEIGHTS[k] * (rates.get(k) or 0) for k in WEIGHTS), Decimal(0))
    return (Decimal(100) * (1 - penalty)).quantize(CENT, rounding=ROUND_HALF_UP)


# --- rejected rows per rule (from the import jobs' error files) -------------------------------------------------


def sync_rejections(region: Region) -> int:
    """Summarise every finished hospital upload with errors not yet summarised; returns the jobs read.

    The importer writes rejected rows only to the job's error CSV (row, settlement_id, field, code, message): it
    is read once per job (a loop over error rows, never over cases), then the scorecard is pure SQL."""
    done = UploadRejection.objects.with_scope(region=[region.pk]).filter(region=region).values("job_id")
    jobs = (ImportJob.objects.with_scope(region=[region.pk]).filter(
        region=region, status=Lifecycle.READY, dry_run=False, hospital__isnull=False, rejected__gt=0)
        .exclude(error_file="").exclude(pk__in=done).order_by("pk"))
    read = 0
    for job in jobs:
        rows: dict[str, set[str]] = defaultdict(set)
        try:
            with private_path(job.error_file).open(encoding="utf-8-sig", newline="") as fh:
                for line in csv.DictReader(fh):
                    rows[line.get("code") or "unknown"].add(line.get("row") or "")
        except OSError:
            rows = {"error_file_missing": {str(i) for i in range(job.rejected)}}
        month = dt.datetime.fromtimestamp(job.created_at.timestamp(), tz=_tz()).strftime("%Y-%m")
        with transaction.atomic():
            UploadRejection.objects.with_scope(region=[region.pk]).bulk_create(
                [UploadRejection(region=region, job=job, hospital_id=job.hospital_id, month=month, code=code,
                                 rows=len(r)) for code, r in sorted(rows.items())], ignore_conflicts=True)
        read += 1
    return read


def _tz():
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings.TIME_ZONE)


# --- the scorecard ------------------------------------------------------------------------------------------------


def _months(year: int, months: list[int]) -> list[str]:
    return [f"{year}-{m:02d}" for m in months]


def _deadline_day(region: Region, year: int) -> int:
    policy = PolicyYear.objects.with_scope(region=[region.pk]).filter(region=region, year=year).first()
    return getattr(policy, "upload_deadline_day", None) or 10


def scorecards(region: Region, year: int, months: list[int] | None = None,
               hospital_ids: set[int] | None = None) -> list[dict]:
    """One row per hospital and month (of `months`, default all) with every count, rate and the score."""
    sync_rejections(region)
    months = months or list(range(1, 13))
    params = {"region": region.pk, "year": year, "months": months, "tz": settings.TIME_ZONE,
              "day": _deadline_day(region, year), "periods": _months(year, months),
              "hospitals": sorted(hospital_ids) if hospital_ids is not None else None}
    only = " AND c.hospital_id = ANY(%(hospitals)s)" if hospital_ids is not None else ""
    cells: dict[tuple[int, int], dict] = {}

    def cell(h: int, m: int) -> dict:
        return cells.setdefault((h, m), {"hospital_id": h, "month": m, "uploads": 0, "rows": 0, "rejected": 0,
                                         "by_rule": {}, "cases": 0, "warned": 0, "grouped": 0, "mismatch": 0,
                                         "late": 0, "lag_days": None, "hits": 0, "hits_by_rule": {},
                                         "declared": None})

    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.hospital_id, extract(month FROM c.discharge_date)::int AS m, count(*), "
            "count(*) FILTER (WHERE cardinality(c.warnings) > 0), count(*) FILTER (WHERE c.grouping_status <> ''), "
            "count(*) FILTER (WHERE c.grouping_mismatch), "
            "count(*) FILTER (WHERE (c.created_at AT TIME ZONE %(tz)s)::date > "
            "  (date_trunc('month', c.discharge_date) + interval '1 month')::date + (%(day)s - 1)), "
            "round(avg((c.created_at AT TIME ZONE %(tz)s)::date - c.discharge_date), 2) "
            "FROM cases_case c WHERE c.region_id = %(region)s AND c.discharge_date >= make_date(%(year)s::int, 1, 1) "
            "AND c.discharge_date < make_date(%(year)s::int + 1, 1, 1) "
            f"AND extract(month FROM c.discharge_date)::int = ANY(%(months)s){only} GROUP BY 1, 2", params)
        for h, m, n, warned, grouped, mismatch, late, lag in cur.fetchall():
            cell(h, m).update(cases=n, warned=warned, grouped=grouped, mismatch=mismatch, late=late, lag_days=lag)
        cur.execute(
            "SELECT j.hospital_id, to_char(j.created_at AT TIME ZONE %(tz)s, 'YYYY-MM') AS p, count(*), "
            "sum(j.total), sum(j.rejected) FROM cases_importjob j WHERE j.region_id = %(region)s "
            "AND j.status = 'ready' AND NOT j.dry_run AND j.hospital_id IS NOT NULL "
            "AND to_char(j.created_at AT TIME ZONE %(tz)s, 'YYYY-MM') = ANY(%(periods)s)"
            + (" AND j.hospital_id = ANY(%(hospitals)s)" if hospital_ids is not None else "") + " GROUP BY 1, 2",
            params)
        for h, p, jobs, total, rejected in cur.fetchall():
            cell(h, int(p[5:])).update(uploads=jobs, rows=int(total or 0), rejected=int(rejected or 0))
    rejections = UploadRejection.objects.with_scope(region=[region.pk]).filter(
        region=region, month__in=params["periods"])
    if hospital_ids is not None:
        rejections = rejections.filter(hospital_id__in=hospital_ids)
    from django.db.models import Sum

    for r in rejections.values("hospital_id", "month", "code").annotate(n=Sum("rows")):
        cell(r["hospital_id"], int(r["month"][5:]))["by_rule"][r["code"]] = r["n"]
    for (h, m), hits in _screening_hits(region, year).items():
        if m in months and (hospital_ids is None or h in hospital_ids):
            c = cell(h, m)
            c["hits"] = hits.get("total", 0)
            c["hits_by_rule"] = {k: v for k, v in hits.items() if k not in ("total", "confirmed")}
    for (h, m), declared in _declarations(region, params["periods"]).items():
        if (h, m) in cells:
            cells[(h, m)]["declared"] = declared
    return [_finish(c) for c in sorted(cells.values(), key=lambda c: (c["month"], c["hospital_id"]))]


def _finish(c: dict) -> dict:
    c["rejection_rate"] = _rate(c["rejected"], c["rows"])
    c["warning_rate"] = _rate(c["warned"], c["cases"])
    c["mismatch_rate"] = _rate(c["mismatch"], c["grouped"])
    c["late_rate"] = _rate(c["late"], c["cases"])
    c["hit_rate"] = _rate(c["hits"], c["cases"])
    c["score"] = score(c) if (c["rows"] or c["cases"]) else None
    return c


def combine(rows: list[dict]) -> dict[int, dict]:
    """Per hospital over several months (a quarter): the counts added, rates and score recomputed."""
    out: dict[int, dict] = {}
    for r in rows:
        o = out.setdefault(r["hospital_id"], {"hospital_id": r["hospital_id"], "month": None, "by_rule": {},
                                              "hits_by_rule": {}, "lag_days": None, "declared": None,
                                              **{k: 0 for k in ("uploads", "rows", "rejected", "cases", "warned",
                                                                "grouped", "mismatch", "late", "hits")}})
        for k in ("uploads", "rows", "rejected", "cases", "warned", "grouped", "mismatch", "late", "hits"):
            o[k] += r[k]
    return {h: _finish(o) for h, o in out.items()}


def _screening_hits(region: Region, year: int) -> dict[tuple[int, int], dict[str, int]]:
    if not django_apps.is_installed("apps.screening"):
        return {}

    return hits_by_hospital_month(region, year)


def _declarations(region: Region, periods: list[str]) -> dict[tuple[int, int], str]:
    """The month's completeness declaration (domain §10) if the settlement app keeps them: on time / late / overdue."""
    try:
        model = django_apps.get_model("settlement", "MonthSubmission")
    except LookupError:
        return {}
    if model._meta.db_table not in connection.introspection.table_names():
        return {}
    out = {}
    for s in model.objects.with_scope(region=[region.pk]).filter(region=region, period__in=periods):
        if s.submitted_at is not None:
            state = "on_time" if s.submitted_at.astimezone(_tz()).date() <= s.deadline else "late"
        else:
            state = "overdue" if s.overdue_at else "open"
        out[(s.hospital_id, int(s.period[5:]))] = state
    return out
