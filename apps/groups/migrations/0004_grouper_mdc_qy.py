from django.db import migrations, models


class Migration(migrations.Migration):
    """Per-MDC ambiguous-group (QY) test of a grouper rule set (decision 0018)."""

    dependencies = [
        ('groups', '0003_scenario'),
    ]

    operations = [
        migrations.AddField(
            model_name='groupermdcrule',
            name='qy',
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
