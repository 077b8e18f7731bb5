"""Synthetic settlement lists for the demo and the benchmarks, generated set-based in PostgreSQL.

One SQL statement over `generate_series` produces the file columns of interfaces.md §1 (so the demo
goes through the same import and quality checks as a real upload). `setseed` makes it deterministic;
settlement ids are `<region>-<year>-<n>` so a re-run updates nothing (identical re-upload).
Costs: lognormal around Harbin 2024 relative weight × a regional base (~10,000 yuan), ×1.25 for
level-3 and ×0.8 for level-1 hospitals; ~1% high outliers (×12–25), ~2% low-cost cases (×0.15).
"""
from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from pathlib import Path

from django.db import connection
from django_scopes import scope

from apps.hospitals.models import Hospital
from apps.tenants.models import Region

from . import selectors
from .codelists import DIAGNOSES_FILE, PROCEDURES_FILE
from .columns import EXPORT_COLUMNS, NAMES

BASE_COST = 10_000
WEIGHTS_FILE = Path(__file__).resolve().parents[1] / "groups" / "data" / "harbin_2024_drg_weights_DamageControlStudio.csv"
DEPARTMENTS = ["内科", "外科", "妇产科", "儿科", "骨科", "心内科", "呼吸内科", "神经内科", "消化内科", "肿瘤科"]


def _weights() -> dict[str, float]:
    with WEIGHTS_FILE.open(encoding="utf-8") as fh:
        return {r["drg_code"]: float(r["relative_weight"]) for r in csv.DictReader(fh) if r.get("relative_weight")}


def _codes(path: Path, step: int, limit: int) -> list[str]:
    """Every `step`-th national code (deterministic), skipping the unusual 'x…' extension codes."""
    out = []
    with path.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            code = line.split(" ", 1)[0]
            if i % step == 0 and "x" not in code[4:]:
                out.append(code)
            if len(out) >= limit:
                break
    return out


def _group_pool(codes: list[str], seed: int) -> tuple[list[str], list[float]]:
    """Groups repeated by a Zipf-like frequency (common groups first in a seeded order) with their weights."""
    weights = _weights()
    ordered = sorted(codes)
    rnd = random.Random(seed)
    rnd.shuffle(ordered)
    pool, rws = [], []
    for rank, code in enumerate(ordered, start=1):
        for _ in range(max(1, int(60 / rank ** 0.9))):
            pool.append(code)
            rws.append(weights.get(code, 1.0))
    return pool, rws


def _hospital_pool(region: Region) -> tuple[list[str], list[float]]:
    with scope(region=[region.pk]):
        hospitals = list(Hospital.objects.filter(region=region, active=True).order_by("code").values_list("code", "level"))
    pool, factors = [], []
    for code, level in hospitals:
        for _ in range({3: 6, 2: 3}.get(level, 1)):
            pool.append(code)
            factors.append({3: 1.25, 2: 1.0}.get(level, 0.8))
    return pool, factors


SYNTH_SQL = """
WITH p AS (SELECT %(groups)s::text[] AS g, %(rws)s::float8[] AS rw, %(hosp)s::text[] AS h, %(hf)s::float8[] AS hf,
                  %(dx)s::text[] AS dx, %(px)s::text[] AS px, %(dept)s::text[] AS dept)
SELECT settlement_id, hospital_code, patient_id, insurance_type, gender, age, age_days,
       (discharge - los_span)::text AS admission_date, discharge::text AS discharge_date, los AS los_days,
       discharge_method, principal_dx, secondary_dx, principal_proc, other_procs, drg_code,
       round(total, 2) AS total_cost, round(total * drug_share, 2) AS drug_cost,
       round(total * cons_share, 2) AS consumable_cost, round(total * exam_share, 2) AS exam_cost,
       round(total * self_share, 2) AS self_pay, round(total, 2) - round(total * self_share, 2) AS fund_paid, department
FROM (
  SELECT %(region)s || '-' || %(year)s || '-' || lpad(n::text, 7, '0') AS settlement_id,
         p.h[hi] AS hospital_code, 'P' || %(region)s || lpad((floor(u1 * %(n)s * 0.8))::int::text, 8, '0') AS patient_id,
         CASE WHEN u2 < 0.55 THEN '310' ELSE '390' END AS insurance_type,
         CASE left(p.g[gi], 1) WHEN 'N' THEN 2 WHEN 'O' THEN 2 WHEN 'M' THEN 1 ELSE 1 + floor(u3 * 2)::int END AS gender,
         CASE WHEN left(p.g[gi], 1) = 'P' THEN 0 WHEN left(p.g[gi], 1) = 'O' THEN 20 + floor(u4 * 20)::int
              ELSE 1 + floor(u4 * 89)::int END AS age,
         CASE WHEN left(p.g[gi], 1) = 'P' THEN 1 + floor(u4 * 27)::int END AS age_days,
         make_date(%(year)s, 1, 1) + floor(u5 * %(days)s)::int AS discharge,
         los, CASE WHEN los <= 1 THEN floor(u6 * 2)::int ELSE los END AS los_span,
         CASE WHEN u7 < CASE WHEN p.rw[gi] > 3 THEN 0.03 ELSE 0.004 END THEN '5'
              WHEN u7 > 0.97 THEN '2' WHEN u7 > 0.95 THEN '4' ELSE '1' END AS discharge_method,
         p.dx[1 + floor(u8 * cardinality(p.dx))::int] AS principal_dx,
         CASE WHEN u9 < 0.4 THEN '' WHEN u9 < 0.8 THEN p.dx[1 + floor(u10 * cardinality(p.dx))::int]
              ELSE p.dx[1 + floor(u10 * cardinality(p.dx))::int] || '|' || p.dx[1 + floor(u9 * cardinality(p.dx))::int] END AS secondary_dx,
         CASE WHEN substr(p.g[gi], 2, 1) BETWEEN 'A' AND 'J' THEN p.px[1 + floor(u11 * cardinality(p.px))::int] ELSE '' END AS principal_proc,
         CASE WHEN substr(p.g[gi], 2, 1) BETWEEN 'A' AND 'J' AND u12 < 0.3 THEN p.px[1 + floor(u12 * 3 * cardinality(p.px))::int] ELSE '' END AS other_procs,
         p.g[gi] AS drg_code,
         (%(base)s * p.rw[gi] * p.hf[hi] * exp(0.35 * z)
           * CASE WHEN u13 < 0.01 THEN 12 + u14 * 13 WHEN u13 < 0.03 THEN 0.15 ELSE 1 END)::numeric AS total,
         (0.25 + u14 * 0.15)::numeric AS drug_share, (0.10 + u15 * 0.15)::numeric AS cons_share,
         (0.08 + u16 * 0.10)::numeric AS exam_share, (0.10 + u6 * 0.20)::numeric AS self_share, p.dept[1 + floor(u16 * cardinality(p.dept))::int] AS department
  FROM p, generate_series(1, %(n)s) AS n,
  LATERAL (SELECT 1 + floor(random() * cardinality(p.g) + n * 0)::int AS gi, 1 + floor(random() * cardinality(p.h))::int AS hi,
                  random() AS u1, random() AS u2, random() AS u3, random() AS u4, random() AS u5, random() AS u6,
                  random() AS u7, random() AS u8, random() AS u9, random() AS u10, random() AS u11, random() AS u12,
                  random() AS u13, random() AS u14, random() AS u15, random() AS u16,
                  sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z) r,
  LATERAL (SELECT least(90, greatest(1, round(exp(ln(4 + p.rw[r.gi] * 3) + 0.45 * r.z))::int)) AS los) l
) x
"""


# Cases drawn from the grouper's per-DRG templates (apps.groups.grouper_demo): the diagnoses, procedures, sex and
# age of each case make the engine answer its declared group. ~1.2 % are upcoded (declared: the ADRG's MCC
# group, 高套) and ~0.6 % declare an unrelated group (coding mistakes), so the disagreement report shows true rows.
TEMPLATE_SQL = """
WITH p AS (SELECT %(g)s::text[] AS g, %(gp)s::int[] AS gp, %(rws)s::float8[] AS rw, %(up)s::text[] AS up,
                  %(ts)s::int[] AS ts, %(tc)s::int[] AS tc, %(pdx)s::text[] AS pdx, %(sdx)s::text[] AS sdx,
                  %(prc)s::text[] AS prc, %(sex)s::int[] AS sex, %(alo)s::int[] AS alo, %(ahi)s::int[] AS ahi,
                  %(adays)s::int[] AS adays, %(bw)s::int[] AS bw, %(tlos)s::int[] AS tlos, %(dth)s::bool[] AS dth,
                  %(hosp)s::text[] AS h, %(hf)s::float8[] AS hf, %(dept)s::text[] AS dept)
SELECT settlement_id, hospital_code, patient_id, insurance_type, gender, age, age_days,
       (discharge - los_span)::text AS admission_date, discharge::text AS discharge_date, los AS los_days,
       discharge_method, principal_dx, secondary_dx, principal_proc, other_procs, drg_code,
       round(total, 2) AS total_cost, round(total * drug_share, 2) AS drug_cost,
       round(total * cons_share, 2) AS consumable_cost, round(total * exam_share, 2) AS exam_cost,
       round(total * self_share, 2) AS self_pay, round(total, 2) - round(total * self_share, 2) AS fund_paid,
       department, birth_weight_g, NULL::int AS ventilation_hours
FROM (
  SELECT %(region)s || '-' || %(year)s || '-' || lpad(n::text, 7, '0') AS settlement_id,
         p.h[hi] AS hospital_code, 'P' || %(region)s || lpad((floor(u1 * %(n)s * 0.8))::int::text, 8, '0') AS patient_id,
         CASE WHEN u2 < 0.55 THEN '310' ELSE '390' END AS insurance_type,
         CASE WHEN p.sex[ti] > 0 THEN p.sex[ti] ELSE 1 + floor(u3 * 2)::int END AS gender,
         CASE WHEN p.adays[ti] > 0 THEN 0
              ELSE p.alo[ti] + floor(power(u4, 0.7) * (p.ahi[ti] - p.alo[ti] + 1))::int END AS age,
         CASE WHEN p.adays[ti] > 0 THEN p.adays[ti] END AS age_days,
         CASE WHEN p.bw[ti] > 0 THEN p.bw[ti] END AS birth_weight_g,
         make_date(%(year)s, 1, 1) + floor(u5 * %(days)s)::int AS discharge,
         los, CASE WHEN los <= 1 THEN floor(u6 * 2)::int ELSE los END AS los_span,
         CASE WHEN p.dth[ti] AND u7 < least(0.25, 0.002 * power(p.rw[gi], 2)) THEN '5'
              WHEN u7 > 0.97 THEN '2' WHEN u7 > 0.95 THEN '4' ELSE '1' END AS discharge_method,
         p.pdx[ti] AS principal_dx, p.sdx[ti] AS secondary_dx,
         split_part(p.prc[ti], '|', 1) AS principal_proc,
         CASE WHEN position('|' IN p.prc[ti]) > 0 THEN substr(p.prc[ti], position('|' IN p.prc[ti]) + 1) ELSE '' END
           AS other_procs,
         CASE WHEN u17 < 0.012 AND p.up[gi] <> '' THEN p.up[gi]
              WHEN u17 > 0.994 THEN p.g[1 + floor(u16 * cardinality(p.g))::int] ELSE p.g[gi] END AS drg_code,
         (%(base)s * p.rw[gi] * p.hf[hi] * exp(0.35 * z)
           * CASE WHEN u13 < 0.01 THEN 12 + u14 * 13 WHEN u13 < 0.03 THEN 0.15 ELSE 1 END)::numeric AS total,
         (0.25 + u14 * 0.15)::numeric AS drug_share, (0.10 + u15 * 0.15)::numeric AS cons_share,
         (0.08 + u16 * 0.10)::numeric AS exam_share, (0.10 + u6 * 0.20)::numeric AS self_share,
         p.dept[ascii(p.g[gi]) - 64] AS department
  FROM p, generate_series(1, %(n)s) AS n,
  LATERAL (SELECT p.gp[1 + floor(random() * cardinality(p.gp) + n * 0)::int] AS gi,
                  1 + floor(random() * cardinality(p.h) + n * 0)::int AS hi, random() AS ut,
                  random() AS u1, random() AS u2, random() AS u3, random() AS u4, random() AS u5, random() AS u6,
                  random() AS u7, random() AS u13, random() AS u14, random() AS u15, random() AS u16,
                  random() AS u17, sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS z) r,
  LATERAL (SELECT p.ts[r.gi] + floor(r.ut * p.tc[r.gi])::int AS ti) t,
  LATERAL (SELECT CASE WHEN p.tlos[t.ti] > 0 THEN p.tlos[t.ti]
                       ELSE least(90, greatest(1, round(exp(ln(3 + p.rw[r.gi] * 4) + 0.45 * r.z))::int)) END AS los) l
) x
"""
# department by the group's MDC letter (A … Z)
MDC_DEPARTMENTS = ["重症医学科", "神经内科", "眼科", "耳鼻喉科", "呼吸内科", "心内科", "消化内科", "肝胆外科", "骨科",
                   "皮肤科", "内分泌科", "肾内科", "泌尿外科", "妇科", "产科", "新生儿科", "血液科", "肿瘤科", "感染科",
                   "精神科", "精神科", "急诊科", "烧伤科", "康复科", "感染科", "创伤外科"]


# department by the ICD-10 chapter letter of a DIP type's principal diagnosis (A … Z)
ICD_DEPARTMENTS = ["感染科", "感染科", "肿瘤科", "血液科", "内分泌科", "精神科", "神经内科", "眼科", "心内科", "呼吸内科",
                   "消化内科", "皮肤科", "骨科", "泌尿外科", "产科", "新生儿科", "儿科", "急诊科", "创伤外科", "创伤外科",
                   "感染科", "急诊科", "急诊科", "急诊科", "急诊科", "康复科"]


def _dip_templates(region: Region) -> tuple[list[dict], dict[str, float], dict[str, str]] | None:
    """A DIP region on declared codes (no portal grouper): the demo's DIP types' templates, their 分值 / 100
    as relative weights, and the upcoding target of a 保守治疗 type (the same 亚目's heaviest operative type)."""
    from apps.groups.demo import dip_catalogue, dip_templates
    from apps.tenants.enums import PaymentMethod

    if region.payment_method != PaymentMethod.DIP:
        return None
    catalogue = dip_catalogue()
    weights = {row["code"]: float(row["score"]) / 100 for row in catalogue}
    operative: dict[str, str] = {}
    for row in sorted(catalogue, key=lambda r: float(r["score"])):
        if row["proc"]:
            operative[row["dx"]] = row["code"]
    up = {row["code"]: operative.get(row["dx"], "") for row in catalogue if not row["proc"]}
    return list(dip_templates()), weights, up


def _template_params(region: Region, year: int, n: int, seed: int, version: str | None) -> dict | None:
    """The template generator's arrays, or None when the version has no template file (or, without a
    version, the region is not a DIP region: DIP types come from the demo's DIP templates, decision 0040)."""
    from apps.groups.grouper_demo import read_templates, template_path

    dip = _dip_templates(region) if version is None else None
    if dip is None and (version is None or not template_path(version).exists()):
        return None
    with scope(region=[region.pk]):
        codes = {c.upper() for c in selectors.catalogue_group_codes(region, year)}
    source = dip[0] if dip else read_templates(version)
    templates = [t for t in source if not codes or t["drg"] in codes]
    if not templates:
        return None
    weights = dip[1] if dip else _weights()
    by_drg: dict[str, list[dict]] = {}
    for t in templates:
        by_drg.setdefault(t["drg"], []).append(t)
    drgs = sorted(by_drg)
    adrg_w: dict[str, list[float]] = {}
    for code, w in weights.items():
        adrg_w.setdefault(code[:3], []).append(w)
    rws = [weights.get(d) or (sum(adrg_w[d[:3]]) / len(adrg_w[d[:3]]) if d[:3] in adrg_w else 1.0) for d in drgs]
    # upcoding target: the ADRG's most severe group when it is not the case's own
    severe: dict[str, list[str]] = {}  # ADRG → its MCC/CC groups, sorted (drgs is sorted)
    for x in drgs:
        if x[3:] in ("1", "3"):
            severe.setdefault(x[:3], []).append(x)
    up = [dip[2].get(d, "") for d in drgs] if dip else [next((x for x in severe.get(d[:3], ()) if x < d), "")
                                                         for d in drgs]
    # frequency: light groups tend to be common, heavy ones (transplants, pre-MDC A*) rare
    rnd = random.Random(seed)
    order = sorted(range(1, len(drgs) + 1),
                   key=lambda i: rnd.random() * rws[i - 1] * (50 if drgs[i - 1][:1] == "A" and not dip else 1))
    gp = [gi for rank, gi in enumerate(order, start=1) for _ in range(max(1, int(60 / rank ** 0.9)))]
    flat, ts, tc = [], [], []
    for d in drgs:
        ts.append(len(flat) + 1)
        tc.append(len(by_drg[d]))
        flat.extend(by_drg[d])

    def ints(key: str) -> list[int]:
        return [int(t[key]) if t[key] not in ("", None) else 0 for t in flat]

    hosp, hf = _hospital_pool(region)
    if not hosp:
        raise ValueError(f"region {region.code} has no active hospital")
    days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    today = dt.date.today()
    if year == today.year:
        days, n = (today.replace(day=1) - dt.date(year, 1, 1)).days, n * (today.month - 1) // 12
    return {"g": drgs, "gp": gp, "rws": rws, "up": up, "ts": ts, "tc": tc,
            "pdx": [t["pdx"] for t in flat], "sdx": [t["sdx"] for t in flat], "prc": [t["procs"] for t in flat],
            "sex": ints("sex"), "alo": ints("age_lo"), "ahi": ints("age_hi"), "adays": ints("age_days"),
            "bw": ints("weight"), "tlos": ints("los"), "dth": [t["death_ok"] == "1" for t in flat],
            "hosp": hosp, "hf": hf, "dept": ICD_DEPARTMENTS if dip else MDC_DEPARTMENTS, "region": region.code, "year": year,
            "n": n, "base": BASE_COST, "days": max(days, 1)}


def _params(region: Region, year: int, n: int, seed: int) -> dict:
    with scope(region=[region.pk]):
        codes = selectors.catalogue_group_codes(region, year)
    if not codes:
        raise ValueError(f"region {region.code} has no active group catalogue")
    groups, rws = _group_pool(codes, seed)
    hosp, hf = _hospital_pool(region)
    if not hosp:
        raise ValueError(f"region {region.code} has no active hospital")
    # The current year only has cases up to the end of last month (nobody is discharged in the future).
    days = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    today = dt.date.today()
    if year == today.year:
        days, n = (today.replace(day=1) - dt.date(year, 1, 1)).days, n * (today.month - 1) // 12
    return {"days": max(days, 1), "groups": groups, "rws": rws, "hosp": hosp, "hf": hf, "dx": _codes(DIAGNOSES_FILE, 37, 600),
            "px": _codes(PROCEDURES_FILE, 23, 400), "dept": DEPARTMENTS, "region": region.code, "year": year,
            "n": n, "base": BASE_COST}


def write_synthetic_csv(path: Path, region: Region, years: list[int], cases_per_year: int, seed: int,
                        header: bool = True, version: str | None = None) -> int:
    """Write `cases_per_year` synthetic rows per year to a CSV file with COPY … TO STDOUT; returns the rows written.

    With a grouper `version` that has templates, cases come from them (they fit their declared group, with
    birth weights); a DIP region without a version draws from the demo's DIP types' templates (principal
    diagnosis and procedure fit the declared 病种); otherwise codes are drawn at random from the catalogue."""
    rows = 0
    with path.open("wb") as fh:
        first = True
        for year in years:
            params = _template_params(region, year, cases_per_year, seed + year, version)
            sql = TEMPLATE_SQL if params else SYNTH_SQL
            params = params or _params(region, year, cases_per_year, seed + year)
            if header and first:
                fh.write((",".join(NAMES[:25] if params.get("ts") else EXPORT_COLUMNS) + "\n").encode())
                first = False
            with connection.cursor() as cur:
                cur.execute("SELECT setseed(%s)", [((seed * 7919 + year) % 20000) / 10000.0 - 1])
            raw = connection.cursor().cursor
            query = raw.mogrify(sql, params)
            with raw.copy(f"COPY ({query}) TO STDOUT WITH (FORMAT csv)") as copy:
                for chunk in copy:
                    fh.write(chunk)
            rows += cases_per_year
    return rows


def generate_cases(region: Region, years: list[int], cases_per_year: int, seed: int) -> int:
    """Demo hook: synthetic cases for the region's hospitals through the normal import (idempotent)."""
    from apps.core.lifecycle import Lifecycle
    from apps.groups.grouper_demo import region_version

    from .models import ImportJob
    from .services import case_import_run, case_import_start

    # The file is a function of these (the current year stops at last month): a finished import of the same
    # name would change nothing, and re-generating and re-importing ~55k identical rows was 40 s of a re-seed.
    name = f"demo-{region.code}-{cases_per_year}-{years[0]}-{years[-1]}-{seed}-{dt.date.today():%Y%m}.csv"
    with scope(region=[region.pk]):
        done = (ImportJob.objects.filter(region=region, original_name=name, status=Lifecycle.READY, dry_run=False)
                .order_by("-pk").first())
    if done is not None:
        return done.created + done.updated + done.unchanged
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        write_synthetic_csv(path, region, years, cases_per_year, seed, version=region_version(region.code))
        with scope(region=[region.pk]), path.open("rb") as fh:
            job = case_import_start(actor=None, region=region, file=fh, filename=path.name, enqueue=False)
            job = case_import_run(job, group_sync=True)
    return job.created + job.updated + job.unchanged


BAD_KINDS = [
    {"gender": "3"},
    {"principal_dx": "X99.999"},
    {"los_days": "99"},
    {"total_cost": "-5.00"},
    {"hospital_code": "H000000000"},
    {"drg_code": "ZZ19"},
    {"discharge_date": "2025-13-40"},
    {"self_pay": "99999999.00"},
    {"insurance_type": "123"},
    {"settlement_id": ""},
]


def write_demo_upload_file(path: Path, region: Region, rows: int = 200, year: int = 2025, seed: int = 7) -> Path:
    """A CSV of ~200 good synthetic rows with 10 bad rows of different kinds (for trying the upload screen)."""
    with tempfile.TemporaryDirectory() as tmp:
        good = Path(tmp) / "good.csv"
        write_synthetic_csv(good, region, [year], rows - len(BAD_KINDS), seed)
        with good.open(encoding="utf-8") as fh:
            records = list(csv.DictReader(fh))
    for i, kind in enumerate(BAD_KINDS):
        bad = dict(records[i], settlement_id=f"{region.code}-BAD-{i:03d}")
        bad.update(kind)
        records.insert(10 + i * 17, bad)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(EXPORT_COLUMNS), extrasaction="ignore")  # DIP rows: birth weight
        writer.writeheader()
        writer.writerows(records)
    return path
