from django.db import migrations


def load(apps, schema_editor):
    from apps.cases.codelists import load_code_lists

    load_code_lists(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
