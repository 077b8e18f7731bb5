"""Dashboard widget: cases per discharge year, warnings and the latest import.

The per-year counts read the whole region's cases (a second on a 1.75M-case region), so they are kept in the
cache for 5 minutes per region/hospital set *and* per state of the latest import the user sees: a finished
upload is a new key, so the counts after an import are never the ones from before it. The dashboard caches the
widget's data as a whole on top of that (`cached=True`, apps/core/dashboard.py, decision 0048).
"""
from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear

from .selectors import visible_cases, visible_imports


def cases_overview_context(request) -> dict | None:
    access = request.access
    if not (access.hospital_ids() or any(access.reads_whole_region(r) for r in access.region_ids)):
        return None
    last_import = visible_imports(access).order_by("-created_at").first()
    state = (f"{last_import.pk}:{last_import.status}:{last_import.finished_at.timestamp() if last_import.finished_at else 0}"
             if last_import else "-")
    key = ("cases-widget:" + ",".join(map(str, access.region_ids)) + ":"
           + ",".join(map(str, sorted(access.hospital_ids()))) + ":" + state)
    years = cache.get(key)
    if years is None:
        years = list(
            visible_cases(access).annotate(year=ExtractYear("discharge_date")).values("year")
            .annotate(n=Count("id"), warned=Count("id", filter=~Q(warnings=[]))).order_by("-year")[:5]
        )
        cache.set(key, years, 300)
    return {"years": years, "last_import": last_import}
