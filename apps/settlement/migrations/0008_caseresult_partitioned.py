"""settlement_caseresult becomes PARTITION BY LIST (region_id) (decision 0044).

Every unique key must contain the partition key, so uniq_case_result gains region (a run belongs to one
region: the same rows are unique). Rows, ids and the id sequence are kept (apps.core.partitioning).
"""
from django.db import migrations, models

from apps.core.partitioning import partition_by_region, unpartition


def forwards(apps, schema_editor):
    partition_by_region(schema_editor, "settlement_caseresult")


def backwards(apps, schema_editor):
    unpartition(schema_editor, "settlement_caseresult")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0006_one_lifecycle'),
        ('hospitals', '0002_initial'),
        ('settlement', '0007_one_lifecycle'),
        ('tenants', '0005_api_token_activity'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='caseresult',
            name='uniq_case_result',
        ),
        # between the two: the rebuild needs every unique key to hold region_id, and the new key is then
        # built once, on the partitions
        migrations.RunPython(forwards, backwards),
        migrations.AddConstraint(
            model_name='caseresult',
            constraint=models.UniqueConstraint(fields=('run', 'case', 'region'), name='uniq_case_result'),
        ),
    ]
