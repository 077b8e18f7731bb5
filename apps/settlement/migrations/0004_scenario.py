import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """What-if scenario coefficient versions and runs (apps.scenarios): numbered within their scenario, never official."""

    dependencies = [
        ('settlement', '0003_caseresult_no_db_fk'),
        ('scenarios', '0001_initial'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='coefficientversion',
            name='uniq_coef_version',
        ),
        migrations.RemoveConstraint(
            model_name='settlementrun',
            name='uniq_run_version',
        ),
        migrations.AddField(
            model_name='coefficientversion',
            name='scenario',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='scenarios.scenario', verbose_name='what-if scenario'),
        ),
        migrations.AddField(
            model_name='settlementrun',
            name='scenario',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='scenarios.scenario', verbose_name='what-if scenario'),
        ),
        migrations.AddConstraint(
            model_name='coefficientversion',
            constraint=models.UniqueConstraint(condition=models.Q(('scenario__isnull', True)), fields=('region', 'year', 'number'), name='uniq_coef_version'),
        ),
        migrations.AddConstraint(
            model_name='settlementrun',
            constraint=models.UniqueConstraint(condition=models.Q(('scenario__isnull', True)), fields=('region', 'kind', 'period', 'version'), name='uniq_run_version'),
        ),
    ]
