"""`manage.py mark_overdue_reviews [--region CODE]`: close reviews past their deadline; one JSON line."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from apps.applications.services import mark_overdue_reviews
from apps.tenants.models import Region


class Command(BaseCommand):
    help = "Move applications whose expert-review deadline has passed to `reviewed`."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="region code (default: every region)")

    def handle(self, *args, **options):
        regions = Region.objects.order_by("code")
        if options.get("region"):
            regions = regions.filter(code=options["region"])
            if not regions.exists():
                raise CommandError(f"unknown region {options['region']}")
        result = {}
        with scopes_disabled():
            for region in regions:
                result[region.code] = mark_overdue_reviews(region)
        self.stdout.write(json.dumps({"reviewed": result}, ensure_ascii=False))
