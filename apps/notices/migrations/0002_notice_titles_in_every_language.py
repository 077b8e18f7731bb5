"""Generated notices' title and body in every portal language (decision 0043).

Existing generated notices (those with a source) get their stored Chinese as the zh-hans text, in one
statement; typed notices keep an empty map (every reader sees them as typed)."""

from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import JSONObject


def fill_chinese(apps, schema_editor):
    Notice = apps.get_model("notices", "Notice")
    Notice._base_manager.exclude(source_kind="").update(
        title_i18n=JSONObject(**{"zh-hans": F("title")}), body_i18n=JSONObject(**{"zh-hans": F("body")}))


class Migration(migrations.Migration):

    dependencies = [
        ('notices', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='notice',
            name='body_i18n',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='notice',
            name='title_i18n',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(fill_chinese, migrations.RunPython.noop),
    ]
