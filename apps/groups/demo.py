"""Demo hooks called by `seed_demo` (apps/core): catalogue per region, then statistics."""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from django_scopes import scopes_disabled

from apps.core.lifecycle import Lifecycle
from apps.tenants.enums import PaymentMethod
from apps.tenants.models import PolicyYear, Region
from apps.tenants.services import policy_get_or_create, policy_set

from .catalogue import SHIPPED_VERSION
from .models import Adrg, Group, Mdc
from .selectors import published_stats
from .services import (
    catalogue_activate,
    catalogue_import,
    catalogue_load_shipped,
    group_stats_compute,
    group_stats_publish,
)

# The demo's DIP 核心病种 list (decision 0040): built once by apps/groups/data/dip/build.py from shipped data.
DIP_DIR = Path(__file__).resolve().parent / "data" / "dip"
DIP_CATALOGUE_FILE = DIP_DIR / "dip_demo_catalogue.csv"
DIP_TEMPLATES_FILE = DIP_DIR / "dip_demo_templates.csv"
DIP_VERSION = "dip-demo-1.0"
DIP_NAME = "DIP 核心病种目录（演示）"


@lru_cache(maxsize=1)
def dip_catalogue() -> tuple[dict[str, str], ...]:
    """The shipped demo DIP types: code, name, chapter (mdc), 亚目 (adrg), score (分值), dx, proc."""
    with DIP_CATALOGUE_FILE.open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def dip_scores() -> dict[str, float]:
    """DIP type code → its 分值 (relative value × 100), which the demo's synthetic costs follow."""
    return {row["code"]: float(row["score"]) for row in dip_catalogue()}


@lru_cache(maxsize=1)
def dip_templates() -> tuple[dict[str, str], ...]:
    """Case templates per DIP type (the grouper templates' columns; `drg` holds the DIP code)."""
    with DIP_TEMPLATES_FILE.open(encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def _load_dip(region: Region) -> dict:
    """Import the DIP list through the ordinary catalogue import, then name its chapters and 亚目 (the import
    names MDCs/ADRGs only from the DRG lists). Idempotent: a second call changes nothing."""
    summary = catalogue_import(actor=None, region=region, version=DIP_VERSION, name=DIP_NAME,
                               data=DIP_CATALOGUE_FILE.read_bytes(), filename=DIP_CATALOGUE_FILE.name, activate=True)
    rows = dip_catalogue()
    names = {Mdc: {r["mdc"]: r["mdc_name"] for r in rows}, Adrg: {r["adrg"]: r["adrg_name"] for r in rows}}
    with scopes_disabled():
        for model, by_code in names.items():
            unnamed = list(model.objects.filter(catalogue_id=summary["catalogue_id"], name=""))
            for item in unnamed:
                item.name = by_code.get(item.code, "")
            model.objects.bulk_update(unnamed, ["name"], batch_size=1000)
        groups = Group.objects.filter(catalogue_id=summary["catalogue_id"]).count()
    return {"region": region.code, "version": DIP_VERSION, "catalogue_id": summary["catalogue_id"],
            "groups": groups, "groups_created": summary["created"]}


def _payment_year() -> int:
    from apps.core.demo_data import DEMO_PAYMENT_YEAR

    return DEMO_PAYMENT_YEAR


def seed_region(region: Region, year: int | None = None) -> dict:
    """The region's payment catalogue, named in every demo policy year with the grouper version. Idempotent.

    A region paying on a portal grouper version gets that version's DRG list as its (active) catalogue and
    `grouper_version` set; a DIP region without a portal grouper (Liaoyuan, declared codes) gets the demo's
    DIP 核心病种 list (decision 0040) and no version; any other region the shipped CHS-DRG 2.0 list."""
    from .grouper_demo import ensure_loaded, region_version, version_catalogue

    year = year or _payment_year()
    version = region_version(region.code)
    if version is None and region.payment_method == PaymentMethod.DIP:
        summary = _load_dip(region)
        values = {"catalogue": DIP_VERSION}
    elif version is None:
        summary = catalogue_load_shipped(actor=None, region=region)
        values = {"catalogue": SHIPPED_VERSION}
    else:
        with scopes_disabled():
            groups_before = Group.objects.filter(region=region).count()
        ensure_loaded(version, region)
        catalogue = version_catalogue(region, version)
        if not catalogue.is_active:
            catalogue_activate(actor=None, catalogue=catalogue)
        with scopes_disabled():
            groups = Group.objects.filter(region=region, catalogue=catalogue).count()
            groups_created = Group.objects.filter(region=region).count() - groups_before
        # the same keys as catalogue_load_shipped's summary: a second call creates nothing
        summary = {"region": region.code, "version": catalogue.version, "grouper_version": version,
                   "catalogue_id": catalogue.pk, "groups": groups, "groups_created": groups_created}
        values = {"catalogue": catalogue.version, "grouper_version": version}
    with scopes_disabled():
        for policy in PolicyYear.objects.filter(region=region, year__lte=year):
            if any(getattr(policy, k) != v for k, v in values.items()):
                policy_set(actor=None, region=region, year=policy.year, values=values,
                           reason="demo: the payment catalogue and its grouper version")
        policy = policy_get_or_create(region=region, year=year)
        if any(getattr(PolicyYear.objects.get(pk=policy.pk), k) != v for k, v in values.items()):
            policy_set(actor=None, region=region, year=year, values=values, reason="demo: payment catalogue")
        summary["policy_catalogue"] = PolicyYear.objects.get(pk=policy.pk).catalogue
    return summary


def compute_and_publish(region: Region, year: int) -> dict:
    """Compute and publish the year's statistics unless a published version exists already. Idempotent."""
    version = published_stats(region, year)
    if version is None:
        version = group_stats_compute(actor=None, region=region, year=year, sync=True)
        if version.status == Lifecycle.READY:
            version = group_stats_publish(actor=None, version=version)
    return {"version_id": version.pk, "number": version.number, "status": version.status,
            "all_avg": str(version.all_avg) if version.all_avg is not None else None,
            "cases": version.n_cases, "groups": version.n_groups, "error": version.error}
