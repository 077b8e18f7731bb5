"""The demo hook publishes notices of each type with stored PDFs, acknowledges some, and is idempotent."""
from __future__ import annotations

from django_scopes import scopes_disabled

from apps.notices.demo import seed_region
from apps.notices.models import Acknowledgement, Notice


def test_seed_region_is_idempotent(sources):
    region = sources["region"]
    first = seed_region(region, year=sources["year"])
    assert not first["errors"], first
    with scopes_disabled():
        types = set(Notice.objects.filter(region=region, status="published").values_list("type", flat=True))
        assert {"coefficient", "points", "settlement", "training", "general", "ranking",
                "dispute_decision"} <= types
        assert not Notice.objects.filter(region=region, status="published", sha256="").exists()
        assert Acknowledgement.objects.filter(region=region).count() == first["acknowledged"] > 0
        count = Notice.objects.filter(region=region).count()
    again = seed_region(region, year=sources["year"])
    assert again["published"] == 0
    with scopes_disabled():
        assert Notice.objects.filter(region=region).count() == count
