"""`region_partitions`: every region gets its own partitions of cases and case results (decision 0044).

`region_create` does it after its commit; this is for a region created another way (its rows sit in the DEFAULT
partition until then, and are moved). Idempotent. Prints one JSON line.
"""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand
from django.db import connection

from apps.core.partitioning import PARTITIONED_TABLES, create_region_partitions, is_partitioned, partition_name


class Command(BaseCommand):
    help = "Create the missing per-region partitions (moving rows out of DEFAULT); prints one JSON line."

    def handle(self, *args, **opts):
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM tenants_region ORDER BY id")
            regions = [r[0] for r in cursor.fetchall()]
        created = [name for region_id in regions for name in create_region_partitions(region_id)]
        left = {}
        with connection.cursor() as cursor:
            for table in PARTITIONED_TABLES:
                if is_partitioned(cursor, table):
                    cursor.execute(f'SELECT count(*) FROM "{partition_name(table, None)}"')  # our constant name
                    left[table] = cursor.fetchone()[0]
        self.stdout.write(json.dumps({"regions": len(regions), "created": created, "rows_in_default": left}))
