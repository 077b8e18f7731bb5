"""Case results stop copying the run's inputs on every row (decision 0046).

level and coefficient are the hospital's (its HospitalResult in the same run holds them), the low/high ratios
are the run's recorded parameters for that level, the group mean and base points are the run's statistics
version's row of the case's group: `CaseResult.objects.with_inputs()` reads them through joins. The single-column
run, region and hospital indexes go, and so does the unique (run, case[, region]) key, which the engine's one
INSERT … SELECT over the cases' primary keys makes redundant: (run, hospital) serves every lookup by run; the run's
foreign key is no longer declared in SQL either (its deferred check ran once per row at commit, ~9 s for 1M rows;
Django keeps on_delete=CASCADE).

Before dropping anything, the copies are checked against what will be read instead: a row whose level or
coefficient differs from its hospital result stops the migration (nothing is lost silently).
"""
import django.db.models.deletion
from django.db import migrations, models


def check_copies(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
                       "AND table_name = 'settlement_caseresult' AND column_name = 'coefficient'")
        if cursor.fetchone() is None:  # replayed on the narrow table (tests replay data migrations): nothing to check
            return
        cursor.execute(
            "SELECT cr.run_id, cr.hospital_id FROM settlement_caseresult cr "
            "LEFT JOIN settlement_hospitalresult hr ON hr.run_id = cr.run_id AND hr.hospital_id = cr.hospital_id "
            "WHERE hr.id IS NULL OR hr.level <> cr.level OR hr.coefficient <> cr.coefficient LIMIT 1")
        row = cursor.fetchone()
    if row:
        raise RuntimeError(f"settlement_caseresult: run {row[0]} hospital {row[1]}: the case rows' level/coefficient "
                           "differ from (or lack) the hospital result; fix before migrating")


class Migration(migrations.Migration):

    dependencies = [
        ('hospitals', '0002_initial'),
        ('settlement', '0008_caseresult_partitioned'),
        ('tenants', '0005_api_token_activity'),
    ]

    operations = [
        migrations.RunPython(check_copies, migrations.RunPython.noop),
        # the group statistics are now joined per case row: give the planner their real size (the groups app
        # analyzes after each new version from now on)
        migrations.RunSQL("ANALYZE groups_groupstat", migrations.RunSQL.noop),
        # (run, case) cannot repeat: the engine reads each case once by its key (decision 0046)
        migrations.RemoveConstraint(model_name='caseresult', name='uniq_case_result'),
        migrations.RemoveField(model_name='caseresult', name='base_points'),
        migrations.RemoveField(model_name='caseresult', name='coefficient'),
        migrations.RemoveField(model_name='caseresult', name='group_mean'),
        migrations.RemoveField(model_name='caseresult', name='high_ratio'),
        migrations.RemoveField(model_name='caseresult', name='level'),
        migrations.RemoveField(model_name='caseresult', name='low_ratio'),
        migrations.AddField(
            model_name='caseresult',
            name='hospital_result',
            field=models.ForeignObject(from_fields=['run', 'hospital'], null=True,
                                       on_delete=django.db.models.deletion.DO_NOTHING, related_name='+',
                                       to='settlement.hospitalresult', to_fields=['run', 'hospital']),
        ),
        migrations.AlterField(
            model_name='caseresult',
            name='hospital',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name='+', to='hospitals.hospital'),
        ),
        migrations.AlterField(
            model_name='caseresult',
            name='region',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name='+', to='tenants.region'),
        ),
        migrations.AlterField(
            model_name='caseresult',
            name='run',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name='case_results', to='settlement.settlementrun'),
        ),
    ]
