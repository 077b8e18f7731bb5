"""`create_region --code C --name N --province-code P --province-name PN --method DRG|DIP` (interfaces.md §2)."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import DomainError
from apps.tenants.models import Region
from apps.tenants.services import region_create


class Command(BaseCommand):
    help = "Create a pooling region (and its province if new); prints one JSON line."

    def add_arguments(self, parser):
        parser.add_argument("--code", required=True, help="6-digit administrative division code")
        parser.add_argument("--name", required=True)
        parser.add_argument("--province-code", required=True)
        parser.add_argument("--province-name", required=True)
        parser.add_argument("--method", default="DRG", choices=["DRG", "DIP"])
        parser.add_argument("--bureau-name", default="")

    def handle(self, *args, **opts):
        if Region.objects.filter(code=opts["code"]).exists():
            raise CommandError(f"region {opts['code']} already exists")
        try:
            region = region_create(actor=None, code=opts["code"], name=opts["name"], province_code=opts["province_code"],
                                   province_name=opts["province_name"], payment_method=opts["method"],
                                   bureau_name=opts["bureau_name"])
        except DomainError as err:
            raise CommandError(str(err.message))
        self.stdout.write(json.dumps({
            "region_id": region.pk, "code": region.code, "name": region.name, "province_code": region.province.code,
            "province_name": region.province.name, "payment_method": region.payment_method,
            "bureau_name": region.bureau_name,
        }, ensure_ascii=False))
