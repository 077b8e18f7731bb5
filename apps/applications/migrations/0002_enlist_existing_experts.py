"""Every expert membership becomes an active member of its region's pool (with the membership's hospital as
affiliation) where no profile exists yet — the rule the membership hook applies from now on."""
from django.db import migrations


def enlist(apps, schema_editor):
    Membership = apps.get_model("tenants", "Membership")
    ExpertProfile = apps.get_model("applications", "ExpertProfile")
    have = set(ExpertProfile._base_manager.values_list("region_id", "user_id"))
    rows = [ExpertProfile(region_id=m.region_id, user_id=m.user_id, hospital_id=m.hospital_id, active=True)
            for m in Membership._base_manager.filter(role="expert", region__isnull=False)
            if (m.region_id, m.user_id) not in have]
    ExpertProfile._base_manager.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("applications", "0001_initial"), ("tenants", "0001_initial")]
    operations = [migrations.RunPython(enlist, migrations.RunPython.noop)]
