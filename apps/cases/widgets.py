"""Dashboard widget: cases per discharge year, warnings and the latest import (cached 5 minutes)."""
from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import ExtractYear

from .selectors import visible_cases, visible_imports


def cases_overview_context(request) -> dict | None:
    access = request.access
    if not (access.hospital_ids() or any(access.reads_whole_region(r) for r in access.region_ids)):
        return None
    key = "cases-widget:" + ",".join(map(str, access.region_ids)) + ":" + ",".join(map(str, sorted(access.hospital_ids())))
    years = cache.get(key)
    if years is None:
        years = list(
            visible_cases(access).annotate(year=ExtractYear("discharge_date")).values("year")
            .annotate(n=Count("id"), warned=Count("id", filter=~Q(warnings=[]))).order_by("-year")[:5]
        )
        cache.set(key, years, 300)
    return {"years": years, "last_import": visible_imports(access).order_by("-created_at").first()}
