"""cases_case becomes PARTITION BY LIST (region_id): one partition per region plus DEFAULT (decision 0044).

Works on an existing database: rows, ids and the id sequence are kept (apps.core.partitioning). The foreign
keys that pointed into cases_case are dropped first by the referencing apps' migrations (db_constraint=False).
"""
from django.db import migrations

from apps.core.partitioning import partition_by_region, unpartition


def forwards(apps, schema_editor):
    partition_by_region(schema_editor, "cases_case")


def backwards(apps, schema_editor):
    unpartition(schema_editor, "cases_case")


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0006_one_lifecycle"),
        ("tenants", "0005_api_token_activity"),
        ("applications", "0003_case_no_db_fk"),
        ("disputes", "0002_case_no_db_fk"),
        ("screening", "0002_case_no_db_fk"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
