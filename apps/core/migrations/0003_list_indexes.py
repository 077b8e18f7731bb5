"""The dashboard's data stamp reads the newest audit event per region (decision 0048)."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_initial"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["region", "id"], name="audit_region_id"),
        ),
    ]
