# Generated for issue 20 (data-quality scorecard as a ranking indicator)

from decimal import Decimal

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tenants', '0003_policy_grouping_funds_screening'),
    ]

    operations = [
        migrations.AddField(
            model_name='policyyear',
            name='rank_w_quality',
            field=models.DecimalField(decimal_places=4, default=Decimal('0'), max_digits=5, validators=[django.core.validators.MinValueValidator(Decimal('0'))], verbose_name='ranking weight: data quality'),
        ),
    ]
