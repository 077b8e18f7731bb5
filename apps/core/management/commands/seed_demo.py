"""`seed_demo`: an idempotent demo world (interfaces.md §2). Grows with each capability.

Each capability contributes through a `demo.py` hook in its app; hooks that do not exist yet are
skipped, so the command always runs on whatever has been built.
"""
from __future__ import annotations

import io
import json
import multiprocessing
import os
import queue
import time
import traceback
from importlib import import_module

from django.core.management import BaseCommand, CommandError, call_command
from django.db import connection, connections, transaction
from django_scopes import scopes_disabled

from apps.core.demo_data import (
    DEMO_PASSWORD,
    DEMO_PAYMENT_YEAR,
    HOSPITALS,
    REGIONS,
    demo_password_hash,
    demo_user_create,
    hospital_code,
    username,
)
from apps.core.processes import forget_inherited_connections
from apps.hospitals.models import Hospital
from apps.hospitals.services import hospital_create
from apps.tenants.enums import Role
from apps.tenants.models import Province, Region, User
from apps.tenants.services import membership_add, policy_get_or_create, region_create

MAIN_REGION = "341800"  # 宣城: every screen's richest example
REGION_ROLES = [Role.BUREAU_ADMIN, Role.BUREAU_STAFF, Role.AUDITOR, Role.EXPERT, Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF]


def optional_hook(module: str, name: str):
    try:
        return getattr(import_module(module), name)
    except (ImportError, AttributeError):
        return None


class Command(BaseCommand):
    help = "Load the idempotent demo: six regions, hospitals, users of every role, catalogue, cases, statistics."

    def add_arguments(self, parser):
        parser.add_argument("--cases-per-year", type=int, default=4000, help="synthetic cases per year in the main region (宣城); the others get half")
        parser.add_argument("--regions", default="", help="comma-separated region codes (default: all six)")
        parser.add_argument("--skip-cases", action="store_true")
        parser.add_argument("--jobs", type=int, default=None,
                            help="regions seeded at once in forked processes (default: one per core; 1 = in this "
                                 "process, which is also what happens inside an open transaction)")

    def handle(self, *args, cases_per_year: int, regions: str, skip_cases: bool, jobs: int | None, **options):
        started = time.monotonic()
        wanted = {c for c in regions.split(",") if c}
        summary: dict[str, object] = {"regions": 0, "hospitals": 0, "users": 0, "cases": 0}
        self.timings: dict[str, float] = {}
        with scopes_disabled():
            self._platform_admin(summary)
            work = [(self._region(spec, summary), spec) for spec in REGIONS if not wanted or spec[0] in wanted]
            # What regions share (grouper rule sets, shipped catalogues) is loaded here, one region after the
            # other, before the regions' own capabilities run side by side.
            seed_catalogue = optional_hook("apps.groups.demo", "seed_region")
            for region, _spec in work:
                if seed_catalogue:
                    self._timed("groups.catalogue", seed_catalogue, region)
            jobs = self._jobs(jobs, len(work))
            summary["jobs"] = jobs
            if jobs <= 1:
                for region, spec in work:
                    summary["cases"] = int(summary["cases"]) + self._capabilities(region, spec, cases_per_year,
                                                                                  skip_cases)
            else:
                summary["cases"] = int(summary["cases"]) + self._capabilities_forked(work, jobs, cases_per_year,
                                                                                     skip_cases)
            self._supervisors(summary)
            summary["users"] = User.objects.count()
            summary["hospitals"] = Hospital.objects.count()
        summary["password"] = DEMO_PASSWORD
        summary["seconds"] = round(time.monotonic() - started, 1)
        # seconds per step summed over the regions: which hook to make cheaper when `make run` gets slow
        summary["step_seconds"] = {k: round(v, 1) for k, v in sorted(self.timings.items(), key=lambda kv: -kv[1])}
        self.stdout.write(json.dumps(summary, ensure_ascii=False))

    @transaction.atomic
    def _platform_admin(self, summary) -> None:
        if not User.objects.filter(username="platform_admin").exists():
            demo_user_create(actor=None, username="platform_admin", name="平台管理员",
                             memberships=[{"role": Role.PLATFORM_ADMIN}])

    @transaction.atomic
    def _region(self, spec, summary) -> Region:
        code, name, pinyin, province_code, province_name, method, _ = spec
        region = Region.objects.filter(code=code).first()
        if region is None:
            region = region_create(actor=None, code=code, name=name, province_code=province_code,
                                   province_name=province_name, payment_method=method,
                                   bureau_name=f"{name}医疗保障局")
        summary["regions"] = int(summary["regions"]) + 1
        city = name.removesuffix("市")
        hospitals = {}
        for suffix, pattern, level, grade, kind, drg_from in HOSPITALS:
            hcode = hospital_code(code, suffix)
            hospital = Hospital.objects.filter(region=region, code=hcode).first()
            if hospital is None:
                hospital = hospital_create(actor=None, region=region, code=hcode, name=pattern.format(city=city),
                                           level=level, grade=grade, type=kind, drg_enabled_from=drg_from)
            hospitals[suffix] = hospital
        for role in REGION_ROLES:
            uname = username(pinyin, role)
            if User.objects.filter(username=uname).exists():
                continue
            membership = {"role": role, "region": region}
            if role in (Role.HOSPITAL_ADMIN, Role.HOSPITAL_STAFF):
                membership["hospital"] = hospitals["00001"]
            elif role == Role.EXPERT:
                membership["hospital"] = hospitals["00002"]  # affiliation, for conflict of interest
            label = Role(role).label
            demo_user_create(actor=None, username=uname, name=f"{city}{label}",
                             memberships=[membership])
        # A second hospital's coder, so hospital-to-hospital isolation is visible in the demo.
        uname = f"{pinyin}_hospital_staff_2"
        if not User.objects.filter(username=uname).exists():
            demo_user_create(actor=None, username=uname, name=f"{city}中医院编码员",
                             memberships=[{"role": Role.HOSPITAL_STAFF, "region": region, "hospital": hospitals["00003"]}])
        for year in range(DEMO_PAYMENT_YEAR - 3, DEMO_PAYMENT_YEAR + 1):
            policy_get_or_create(region=region, year=year)
        return region

    def _timed(self, step: str, hook, *args):
        """Run one demo hook and add its wall time to the step's total."""
        started = time.monotonic()
        try:
            return hook(*args)
        finally:
            self.timings[step] = self.timings.get(step, 0.0) + time.monotonic() - started

    @staticmethod
    def _jobs(requested: int | None, regions: int) -> int:
        """Processes to seed in: never inside an open transaction (a test's: children could not see its rows)."""
        if connection.in_atomic_block or regions <= 1:
            return 1
        return max(1, min(regions, requested if requested is not None else (os.cpu_count() or 1)))

    def _capabilities_forked(self, work, jobs: int, cases_per_year: int, skip_cases: bool) -> int:
        """The regions' capabilities in `jobs` forked processes, largest region first; returns the cases made.

        Each child takes the next region from a queue (its own database connection), and sends back its cases
        and step timings; a failure in any child fails the command with that child's traceback."""
        ctx = multiprocessing.get_context("fork")
        todo, results = ctx.Queue(), ctx.Queue()
        for index in sorted(range(len(work)), key=lambda i: work[i][1][0] != MAIN_REGION):
            todo.put(index)
        for _ in range(jobs):
            todo.put(None)
        demo_password_hash()  # once, inherited by the children
        connections.close_all()
        children = [ctx.Process(target=self._child, args=(work, todo, results, cases_per_year, skip_cases))
                    for _ in range(jobs)]
        for child in children:
            child.start()
        cases, failures, reported = 0, [], 0
        while reported < len(work):
            try:
                kind, payload = results.get(timeout=5)
            except queue.Empty:
                if not any(child.is_alive() for child in children):  # killed without a word (OOM, SIGKILL)
                    failures.append(f"the worker processes stopped after {reported} of {len(work)} regions")
                    break
                continue
            reported += 1
            if kind == "error":
                failures.append(payload)
                break
            cases += payload["cases"]
            for step, seconds in payload["timings"].items():
                self.timings[step] = self.timings.get(step, 0.0) + seconds
        for child in children:
            if failures:
                child.terminate()
            child.join()
        if failures:
            raise CommandError("seed_demo failed in a worker process:\n" + failures[0])
        return cases

    def _child(self, work, todo, results, cases_per_year: int, skip_cases: bool) -> None:
        forget_inherited_connections()
        try:
            with scopes_disabled():
                while (index := todo.get()) is not None:
                    region, spec = work[index]
                    self.timings = {}
                    made = self._capabilities(region, spec, cases_per_year, skip_cases)
                    results.put(("done", {"cases": made, "timings": self.timings}))
        except BaseException:  # noqa: BLE001 - the parent reports it and fails the command
            results.put(("error", traceback.format_exc()))
            raise
        finally:
            connections.close_all()

    def _capabilities(self, region: Region, spec, cases_per_year: int, skip_cases: bool) -> int:
        """Later capabilities plug in here through their apps' demo hooks; returns the cases made."""
        made = 0
        for year in (DEMO_PAYMENT_YEAR - 1, DEMO_PAYMENT_YEAR):
            call_command("load_holidays", "--region", region.code, "--year", str(year), stdout=io.StringIO())
        generate = optional_hook("apps.cases.demo", "generate_cases")
        if spec[0] != MAIN_REGION:  # the main demo region has the full volume; the others show the same with less
            cases_per_year = cases_per_year // 2
        if generate and not skip_cases and cases_per_year > 0:
            years = list(range(DEMO_PAYMENT_YEAR - 3, DEMO_PAYMENT_YEAR + 1))
            made = self._timed("cases.generate", generate, region, years, cases_per_year, int(region.code))
        stats = optional_hook("apps.groups.demo", "compute_and_publish")
        if stats and not skip_cases:
            self._timed("groups.stats", stats, region, DEMO_PAYMENT_YEAR)
        settle = optional_hook("apps.settlement.demo", "seed_region")
        if settle and not skip_cases:
            self._timed("settlement", settle, region, DEMO_PAYMENT_YEAR)
        applications = optional_hook("apps.applications.demo", "seed_region")
        if applications and not skip_cases:
            self._timed("applications", applications, region)
        grouping = optional_hook("apps.groups.grouper_demo", "seed_region")
        if grouping and not skip_cases:
            self._timed("groups.grouper", grouping, region)
        for module in ("apps.notices.demo", "apps.disputes.demo", "apps.training.demo", "apps.monitoring.demo",
                       "apps.scenarios.demo", "apps.screening.demo"):
            hook = optional_hook(module, "seed_region")
            if hook and (not skip_cases or module == "apps.training.demo"):
                self._timed(module.split(".")[1], hook, region)
        return int(made or 0)

    @transaction.atomic
    def _supervisors(self, summary) -> None:
        seen = set()
        for _, _, _, province_code, _, _, province_pinyin in REGIONS:
            if province_code in seen:
                continue
            seen.add(province_code)
            province = Province.objects.filter(code=province_code).first()
            if province is None:
                continue
            uname = f"{province_pinyin}_province_supervisor"
            user = User.objects.filter(username=uname).first()
            if user is None:
                demo_user_create(actor=None, username=uname, name=f"{province.name}医保局监管",
                                 memberships=[{"role": Role.PROVINCE_SUPERVISOR, "province": province}])
            else:
                membership_add(actor=None, user=user, role=Role.PROVINCE_SUPERVISOR, province=province)
