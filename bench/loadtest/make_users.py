"""Create (idempotently) the load-test users of the bench region, with passwords, under the server's settings.

    DJANGO_SETTINGS_MODULE=config.settings.loadtest DATABASE_URL=.../drg_bench python bench/loadtest/make_users.py

Prints JSON {"bureau": username, "hospital": username, "hospital_code": code}. Passwords come from LOADTEST_PASSWORD.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.loadtest")

PASSWORD = os.environ.get("LOADTEST_PASSWORD", "Load-test-2026")
REGION = os.environ.get("LOADTEST_REGION", "990100")


def main() -> None:
    import django

    django.setup()
    from django_scopes import scopes_disabled

    from apps.hospitals.models import Hospital
    from apps.tenants.enums import Role
    from apps.tenants.models import Region, User
    from apps.tenants.services import user_create

    with scopes_disabled():
        region = Region.objects.get(code=REGION)
        hospital = Hospital.objects.filter(region=region).order_by("code").first()
        wanted = {
            "load_bureau": {"role": Role.BUREAU_STAFF, "region": region},
            "load_hospital": {"role": Role.HOSPITAL_STAFF, "region": region, "hospital": hospital},
        }
        for username, membership in wanted.items():
            user = User.objects.filter(username=username).first()
            if user is None:
                user_create(actor=None, username=username, password=PASSWORD, name=f"压测 {username}",
                            memberships=[membership])
            else:
                user.set_password(PASSWORD)  # the hasher of these settings, so the server can check it
                user.save(update_fields=["password"])
    print(json.dumps({"bureau": "load_bureau", "hospital": "load_hospital", "hospital_code": hospital.code,
                      "region": REGION}))


if __name__ == "__main__":
    main()
