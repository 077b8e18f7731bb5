import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """What-if scenario versions (apps.scenarios): numbered within their scenario, never official."""

    dependencies = [
        ('groups', '0002_grouper'),
        ('scenarios', '0001_initial'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='statsversion',
            name='uniq_statsversion_region_year_number',
        ),
        migrations.AddField(
            model_name='statsversion',
            name='scenario',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='scenarios.scenario', verbose_name='what-if scenario'),
        ),
        migrations.AddConstraint(
            model_name='statsversion',
            constraint=models.UniqueConstraint(condition=models.Q(('scenario__isnull', True)), fields=('region', 'year', 'number'), name='uniq_statsversion_region_year_number'),
        ),
    ]
