"""`demo_logins`: print the demo accounts grouped by region and role, Xuancheng first, for `make run`.

Every login the demo's workflows use is listed — all experts of a region (a review needs two or three), the
second hospital coder, the province supervisors and the platform administrator — each with what to try.
"""
from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.core.management import BaseCommand
from django.db.models import Q
from django.utils import translation
from django_scopes import scopes_disabled

from apps.core.demo_data import DEMO_PASSWORD, REGIONS
from apps.tenants.enums import Role
from apps.tenants.models import Membership

ROLE_ORDER = [Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF, Role.EXPERT,
              Role.AUDITOR]

# What a visitor does with each role (docs/decisions/0005-demo-world.md, walkthrough).
PURPOSE = {
    Role.BUREAU_ADMIN: "结算批次发布、申请/争议决定、专家库、通知公告",
    Role.BUREAU_STAFF: "病例导入与质控、分组统计、受理申请与争议",
    Role.HOSPITAL_ADMIN: "本院结算通知单、提交申请与争议（医保办主任）",
    Role.HOSPITAL_STAFF: "上传结算清单、预分组、起草申请与争议（编码员）",
    Role.EXPERT: "专家评审：分配给本人的申请与争议",
    Role.AUDITOR: "只读审计：审计日志与全部数据",
    Role.PROVINCE_SUPERVISOR: "省级监管：省内各统筹区对比、监测",
    Role.PLATFORM_ADMIN: "平台管理：统筹区、用户、锁定账号",
}


class Command(BaseCommand):
    help = "Print the demo logins grouped by region and role."

    def handle(self, *args, **options):
        with scopes_disabled(), translation.override(settings.LANGUAGE_CODE):
            lines = self.lines()
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})  — http://127.0.0.1:8000/login/")
        width = max((len(u) for block in lines.values() for u, r, *_ in block if self.main_login(u, r)), default=10)
        for heading, block in lines.items():
            if not block:
                continue
            self.stdout.write(f"\n{heading}")
            shown = [b for b in block if self.main_login(b[0], b[1])]
            for uname, role, label, where in shown:
                purpose = PURPOSE.get(role, "")
                self.stdout.write(f"  {uname.ljust(width)}  {role.ljust(20)} {label} — {where} · {purpose}")
            more = [b[0] for b in block if b not in shown]
            if more:
                self.stdout.write(f"  + {len(more)} 个医院编码员账号（每家医院两个，如 {more[0]}）")
        self.stdout.write("")

    @staticmethod
    def main_login(username: str, role: str) -> bool:
        """The logins a visitor needs: one per role (…_bureau_admin), numbered extras of a role (…_expert_2,
        …_hospital_staff_2); per-hospital coder accounts are summarised in one line."""
        suffix = username.partition("_")[2]
        return suffix == role or suffix.startswith(f"{role}_") or role in (Role.PLATFORM_ADMIN,
                                                                             Role.PROVINCE_SUPERVISOR)

    @staticmethod
    def lines() -> dict[str, list[tuple[str, str, str, str]]]:
        """{heading: [(username, role, role label, where)]}, regions in the demo's order (Xuancheng first)."""
        prefixes = Q(user__username="platform_admin")
        for _, _, pinyin, _, _, _, province_pinyin in REGIONS:
            prefixes |= Q(user__username__startswith=f"{pinyin}_") | Q(user__username=f"{province_pinyin}_province_supervisor")
        rows = list(Membership.objects.filter(prefixes).select_related("user", "region", "province", "hospital"))
        by_region: dict[str, list] = defaultdict(list)
        province_rows, platform_rows = [], []
        for m in rows:
            if m.role == Role.PLATFORM_ADMIN:
                platform_rows.append(m)
            elif m.role == Role.PROVINCE_SUPERVISOR:
                province_rows.append(m)
            elif m.region is not None:
                by_region[m.region.code].append(m)

        def line(m) -> tuple[str, str, str, str]:
            where = m.region.name if m.region else (m.province.name if m.province else "全部统筹区")
            if m.hospital:
                where = f"{where} · {m.hospital.name}"
            return m.user.username, m.role, str(m.get_role_display()), where

        out: dict[str, list] = {}
        for code, name, _, _, _, method, _ in REGIONS:
            members = sorted(by_region.get(code, []), key=lambda m: (
                ROLE_ORDER.index(m.role) if m.role in ROLE_ORDER else 99, len(m.user.username), m.user.username))
            out[f"{name} {code} ({method})"] = [line(m) for m in members]
        out["省级监管 Province supervisors"] = [line(m) for m in sorted(province_rows, key=lambda m: m.user.username)]
        out["平台 Platform"] = [line(m) for m in platform_rows]
        return out
