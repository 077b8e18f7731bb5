from django.db import migrations, models


class Migration(migrations.Migration):
    """Screening (domain §11): the confirmed item that deducted a case's points (apps.screening)."""

    dependencies = [
        ("settlement", "0005_two_funds_deadlines_retention"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseresult",
            name="screening_item_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
    ]
