"""`demo_logins`: print the demo accounts, one per role and region, for the README and `make run`."""
from __future__ import annotations

from django.conf import settings
from django.core.management import BaseCommand
from django.utils import translation
from django_scopes import scopes_disabled

from apps.core.demo_data import DEMO_PASSWORD
from apps.tenants.models import Membership


class Command(BaseCommand):
    help = "Print the demo logins for every role."

    def handle(self, *args, **options):
        with scopes_disabled(), translation.override(settings.LANGUAGE_CODE):
            rows = (
                Membership.objects.filter(user__username__in=self._demo_usernames())
                .select_related("user", "region", "province", "hospital")
                .order_by("region__code", "role", "user__username")
            )
            lines = []
            for m in rows:
                where = m.hospital.name if m.hospital else (m.region.name if m.region else (m.province.name if m.province else "全部"))
                if m.region and m.hospital:
                    where = f"{m.region.name} · {m.hospital.name}"
                lines.append((m.user.username, str(m.get_role_display()), m.role, where))
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})  — http://127.0.0.1:8000/login/")
        width = max((len(u) for u, *_ in lines), default=10)
        for uname, label, role, where in lines:
            self.stdout.write(f"  {uname.ljust(width)}  {role.ljust(20)} {label} — {where}")
        self.stdout.write("")

    @staticmethod
    def _demo_usernames() -> list[str]:
        from apps.core.demo_data import REGIONS
        from apps.tenants.enums import Role

        names = ["platform_admin"]
        for _, _, pinyin, _, _, _, province_pinyin in REGIONS:
            names += [f"{pinyin}_{r}" for r in Role.values] + [f"{pinyin}_hospital_staff_2", f"{province_pinyin}_province_supervisor"]
        return names
