"""The demo's grouper side: which version each seed region pays on, the per-DRG case templates the demo and
the benchmark build their cases from, and the demo hook that groups the region's cases.

Templates (`apps/cases/data/demo_templates_<version>.csv`) are generated ONCE by
`scripts/build_demo_templates.py` from the grouper's own rule tables (synthetic.candidates_for_adrg) and kept
only when the engine puts them in their DRG — for every age in the stored range, for the stored sex, for the
stored length-of-stay rule and, where flagged, for a death. The SQL generator then draws cases from them, so a
case fits its declared group without any per-case Python at seed time.
"""
from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from django_scopes import scope, scopes_disabled

from apps.groups.grouper.files import SHIPPED
from apps.tenants.models import Region

DEMO_VERSION = "chs-drg-1.1"
# interfaces.md §2 seed regions: the version each pays on; None = no portal grouper (DIP, declared codes)
REGION_VERSIONS = {"320900": "yancheng-2023", "530100": "yunnan-2023", "220400": None}
TEMPLATE_DIR = Path(__file__).resolve().parents[1] / "cases" / "data"
TEMPLATE_COLUMNS = ("drg", "pdx", "sdx", "procs", "sex", "age_lo", "age_hi", "age_days", "weight", "los", "death_ok")
AGE_GRID = (0, 1, 3, 6, 10, 14, 17, 18, 22, 28, 35, 42, 50, 58, 65, 72, 80, 88)


def template_path(version: str) -> Path:
    return TEMPLATE_DIR / f"demo_templates_{version}.csv"


def shipped_versions() -> set[str]:
    return set(SHIPPED)


def region_version(code: str) -> str | None:
    """The grouper version a seed region pays on: its local version once shipped, else CHS-DRG 1.1 (None: DIP)."""
    if code in REGION_VERSIONS and REGION_VERSIONS[code] is None:
        return None
    wanted = REGION_VERSIONS.get(code) or DEMO_VERSION
    return wanted if wanted in shipped_versions() and template_path(wanted).exists() else DEMO_VERSION


# ---------------------------------------------------------------- building the templates (offline, by script)

SEX_SPECIFIC = ("N4", "N5", "N7", "N8", "N9", "C5", "C6", "D06", "D07", "D25", "D26", "D27", "D28", "D29",
                "D39", "D40", "E28", "E29", "Q5")


COMORBIDITY_CHAPTERS = ("D5", "D6", "E", "I", "J", "K7", "N1", "R")  # anaemia, metabolic, heart, lung, liver, kidney


def _plausible(code: str, pdx: str) -> bool:
    """A usual comorbidity that fits any adult patient of either sex (no pregnancy, newborn, sex-only or tumour
    code), other than the principal diagnosis's own category."""
    return code.startswith(COMORBIDITY_CHAPTERS) and not code.startswith(SEX_SPECIFIC) and code[:3] != pdx[:3]


def _variants(rs, base, n: int = 10) -> list:
    """The base case, plus one CC and one MCC secondary diagnosis (the severity split of the ADRG)."""
    from dataclasses import replace

    out = [base]
    if base.principal_dx[:1] in "OP":
        return out
    for pool in (sorted(set(rs.cc) - set(rs.mcc)), sorted(rs.mcc)):
        pool = [c for c in pool if _plausible(c, base.principal_dx)]
        step = max(1, len(pool) // n)
        offset = sum(map(ord, base.principal_dx)) % step  # different comorbidities for different diagnoses
        out.extend(replace(base, secondary_dx=(*base.secondary_dx, pool[i]))
                   for i in range(offset, len(pool), step))
    return out


def build_templates(version: str = DEMO_VERSION, per_drg: int = 5) -> tuple[list[dict], dict]:
    """Templates that the engine groups into each DRG of the version; returns (rows, coverage)."""
    from dataclasses import replace

    from apps.groups.grouper.engine import group
    from apps.groups.grouper.loader import ruleset_from_files
    from apps.groups.grouper.synthetic import candidates_for_adrg

    rs = ruleset_from_files(version)

    def code_of(case) -> str:
        result = group(case, rs, trace=False)
        return result.drg_code if result.status == "ok" else ""

    found: dict[str, list[dict]] = {}
    seen: set[tuple] = set()
    for adrg in sorted(rs.adrgs):
        drgs = [d.code for d in rs.drgs_by_adrg.get(adrg, ())]
        for base in candidates_for_adrg(rs, adrg, limit=30):
            if drgs and all(len(found.get(d, ())) >= per_drg for d in drgs):
                break
            base = _typical_pdx(rs, adrg, base, code_of, len(seen))
            for case in _variants(rs, base):
                drg = code_of(case)
                key = (drg, case.principal_dx, case.secondary_dx, case.procedures)
                if not drg or key in seen or len(found.get(drg, ())) >= per_drg:
                    continue
                if sum(1 for t in found.get(drg, ()) if t["pdx"] == case.principal_dx) >= 2:
                    continue  # variety: at most two templates of a group share a principal diagnosis
                seen.add(key)
                newborn = case.age == 0 and case.age_days is not None
                if newborn and not case.birth_weight_g:  # every newborn gets a birth weight the group accepts
                    case = next((replace(case, birth_weight_g=w) for w in (3300, 3000, 2700, 3700, 2400)
                                 if code_of(replace(case, birth_weight_g=w)) == drg), case)
                if newborn:
                    ages = [0]
                else:
                    ages = [a for a in AGE_GRID if a > 0 and code_of(replace(case, age=a)) == drg]
                    ages = _longest_run(ages)
                    if not ages:
                        continue
                sexes = [s for s in (1, 2) if code_of(replace(case, gender=s)) == drg]
                fixed = {"O": 2, "N": 2, "M": 1}.get(drg[:1])  # obstetrics and gynaecology women, MDCM men
                if fixed:
                    sexes = [fixed] if fixed in sexes else []
                if drg[:1] == "O":
                    ages = [a for a in ages if 18 <= a <= 42]
                if not sexes or not ages:
                    continue
                los_free = all(code_of(replace(case, los_days=d)) == drg for d in (1, 3, 12, 40))
                death_ok = code_of(replace(case, discharge_method="5")) == drg
                found.setdefault(drg, []).append({
                    "drg": drg, "pdx": case.principal_dx, "sdx": "|".join(case.secondary_dx),
                    "procs": "|".join(case.procedures), "sex": str(sexes[0]) if len(sexes) == 1 else "",
                    "age_lo": ages[0], "age_hi": ages[-1], "age_days": case.age_days or "",
                    "weight": case.birth_weight_g or "", "los": "" if los_free else case.los_days or 5,
                    "death_ok": int(death_ok),
                })
    rows = [row for drg in sorted(found) for row in found[drg]]
    return rows, {"version": version, "drgs": len(rs.drgs), "covered": len(found), "templates": len(rows)}


def _typical_pdx(rs, adrg: str, base, code_of, salt: int):
    """Swap the principal diagnosis for a usual one of the same list — the list's main chapter, a plain national
    code (no dagger/asterisk pair, no local 'x' extension): pneumonia on J18.900 rather than on typhoid
    pneumonia, a digestive operation on a K code rather than on cholera — when the engine keeps the group."""
    from collections import Counter
    from dataclasses import replace

    rule = rs.adrgs[adrg]
    if rule.lists["dx"] and base.principal_dx in rule.lists["dx"]:
        source = rule.lists["dx"]
    else:
        mdc = next((m for m in rs.mdcs if m.code == rule.mdc), None)
        source = mdc.pdx if mdc is not None else frozenset()
    if not source:
        return base
    letter = Counter(code[:1] for code in source).most_common(1)[0][0]
    plain = sorted(c for c in source if c[:1] == letter and "+" not in c and "x" not in c[4:])
    pool = plain or sorted(c for c in source if c[:1] == letter and "+" not in c)
    if not pool:
        return base
    want = code_of(base)
    for i in range(8):
        candidate = replace(base, principal_dx=pool[(salt * 131 + i * 977) % len(pool)])
        if code_of(candidate) == want:
            return candidate
    return base


def _longest_run(ages: list[int]) -> list[int]:
    """The longest stretch of consecutive grid ages (an age range that groups the same everywhere)."""
    best: list[int] = []
    run: list[int] = []
    for age in AGE_GRID:
        if age in ages:
            run.append(age)
            best = run if len(run) > len(best) else best
        else:
            run = []
    return list(best)


def write_templates(version: str = DEMO_VERSION) -> dict:
    rows, coverage = build_templates(version)
    path = template_path(version)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(TEMPLATE_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return {**coverage, "file": str(path)}


def read_templates(version: str) -> list[dict]:
    """The version's templates; read once per process (seed_demo asks for them per region and year)."""
    return _read_templates(version, template_path(version).stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _read_templates(version: str, mtime: int) -> list[dict]:
    with template_path(version).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# ---------------------------------------------------------------- the demo hook

def seed_region(region: Region) -> dict:
    """Group the region's cases not grouped yet with the version its policy names (skipped without one)."""
    from apps.cases.services import grouping_job_start

    version = region_version(region.code)
    if version is None:
        return {"skipped": "no portal grouper: the declared codes are used as they are"}
    if not _loaded(version, region):  # the catalogue step loaded both just before: re-reading costs ~2 s a region
        ensure_loaded(version, region)
    with scope(region=[region.pk]):
        job = grouping_job_start(actor=None, region=region, version=version, scope="pending", sync=True)
        return job.summary()


def ensure_loaded(version: str, region: Region) -> None:
    """The version's rules (once) and its catalogue for the region (idempotent)."""
    from apps.cases import grouping

    if version not in grouping.version_names():
        from apps.groups.grouper.loader import load_shipped

        with scopes_disabled():
            load_shipped(version, regions=[region])
    else:
        from apps.groups.grouper.services import grouper_catalogue_load

        with scope(region=[region.pk]):
            grouper_catalogue_load(actor=None, region=region, version=version)


def _loaded(version: str, region: Region) -> bool:
    """The version's rules are loaded and the region has its catalogue."""
    from apps.cases import grouping
    from apps.groups.models import Catalogue

    if version not in grouping.version_names():
        return False
    from apps.groups.grouper.files import SHIPPED

    name = SHIPPED.get(version, {}).get("catalogue_version", version)
    with scopes_disabled():
        return Catalogue.objects.filter(region=region, version=name).exists()


def version_catalogue(region: Region, version: str):
    """The region's catalogue of a grouper version (loaded by `ensure_loaded`)."""
    from apps.groups.grouper.files import SHIPPED
    from apps.groups.models import Catalogue

    name = SHIPPED.get(version, {}).get("catalogue_version", version)
    with scopes_disabled():
        return Catalogue.objects.get(region=region, version=name)
