"""Build the demo's DIP 核心病种 catalogue and its case templates (run once, by hand; the outputs are shipped).

    .venv/bin/python apps/groups/data/dip/build.py

A DIP disease type (病种) is a principal diagnosis at ICD-10 亚目 level combined with the principal procedure
at ICD-9-CM-3 细目 level, or with 保守治疗 (no procedure). Inputs, all shipped in the repository:
- apps/cases/data/demo_templates_chs-drg-1.1.csv — the demo's per-DRG case templates (diagnoses, procedures,
  sex, ages that fit each CHS-DRG 1.1 group): one type per DRG from its first template, plus for an
  operative type the same operation on the category's unspecified 亚目 (.9, else .8: K35.8 急性阑尾炎 +
  47.01 腹腔镜下阑尾切除术), the way local DIP lists pool the usual, unspecified coding;
- the Harbin 2024 DRG relative weights: a type's 分值 = its DRG's weight × 100 (ADRG mean, else 100);
- the ICD-10 / ICD-9-CM-3 医保版 2.0 lists for the names.
Code scheme (group codes are at most 10 characters on a case): `K35.8-4701` = 亚目 + '-' + the procedure's
细目 without its dot; `J18.9` alone = 保守治疗. Outputs: dip_demo_catalogue.csv, dip_demo_templates.csv.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
TEMPLATES = ROOT / "apps" / "cases" / "data" / "demo_templates_chs-drg-1.1.csv"
WEIGHTS = HERE.parent / "harbin_2024_drg_weights_DamageControlStudio.csv"
DX = ROOT / "apps" / "cases" / "data" / "icd10_yibao_2.0_diagnoses_from_OpenDRG.txt"
PX = ROOT / "apps" / "cases" / "data" / "icd9cm3_yibao_2.0_procedures_from_OpenDRG.txt"
COLUMNS = ("drg", "pdx", "sdx", "procs", "sex", "age_lo", "age_hi", "age_days", "weight", "los", "death_ok")
CATALOGUE_COLUMNS = ("code", "name", "mdc", "adrg", "score", "mdc_name", "adrg_name", "dx", "proc")
# ICD-10 chapters: (first code, last code, chapter code used as the tree's first level, name)
CHAPTERS = [
    ("A00", "B99", "A00-B99", "某些传染病和寄生虫病"), ("C00", "D48", "C00-D48", "肿瘤"),
    ("D50", "D89", "D50-D89", "血液及造血器官疾病和某些涉及免疫机制的疾患"), ("E00", "E90", "E00-E90", "内分泌、营养和代谢疾病"),
    ("F00", "F99", "F00-F99", "精神和行为障碍"), ("G00", "G99", "G00-G99", "神经系统疾病"),
    ("H00", "H59", "H00-H59", "眼和附器疾病"), ("H60", "H95", "H60-H95", "耳和乳突疾病"),
    ("I00", "I99", "I00-I99", "循环系统疾病"), ("J00", "J99", "J00-J99", "呼吸系统疾病"),
    ("K00", "K93", "K00-K93", "消化系统疾病"), ("L00", "L99", "L00-L99", "皮肤和皮下组织疾病"),
    ("M00", "M99", "M00-M99", "肌肉骨骼系统和结缔组织疾病"), ("N00", "N99", "N00-N99", "泌尿生殖系统疾病"),
    ("O00", "O99", "O00-O99", "妊娠、分娩和产褥期"), ("P00", "P96", "P00-P96", "起源于围生期的某些情况"),
    ("Q00", "Q99", "Q00-Q99", "先天性畸形、变形和染色体异常"), ("R00", "R99", "R00-R99", "症状、体征和临床与实验室异常所见"),
    ("S00", "T98", "S00-T98", "损伤、中毒和外因的某些其他后果"), ("V01", "Y98", "V01-Y98", "疾病和死亡的外因"),
    ("Z00", "Z99", "Z00-Z99", "影响健康状态和与保健机构接触的因素"), ("U00", "U99", "U00-U99", "用于特殊目的的编码"),
]


# Which ICD-9-CM-3 chapters (the first two digits) treat a diagnosis: (first, last ICD-10 category, ranges).
# A DIP type pairs a diagnosis with an operation on the same body system; the grouper's templates reach a DRG
# with any operation of its ADRG, so a combination the table does not allow (鼻疽 + 血管支架) is left out.
MISC = [(87, 99)]
COHERENT = [
    ("A00", "B99", MISC), ("C00", "C14", [(21, 29), (40, 40)]), ("C15", "C26", [(42, 54)]),
    ("C30", "C31", [(21, 22)]), ("C32", "C39", [(30, 34), (35, 39)]), ("C40", "C41", [(76, 84)]),
    ("C43", "C44", [(85, 86)]), ("C45", "C49", [(54, 54), (76, 86)]), ("C50", "C50", [(85, 85)]),
    ("C51", "C58", [(65, 71)]), ("C60", "C63", [(60, 64)]), ("C64", "C68", [(55, 59)]), ("C69", "C69", [(8, 16)]),
    ("C70", "C72", [(1, 5)]), ("C73", "C75", [(6, 7), (1, 5)]), ("C76", "C80", []), ("C81", "C96", [(40, 41)]),
    ("D00", "D00", [(21, 29), (42, 54)]), ("D01", "D01", [(42, 54)]), ("D02", "D02", [(30, 34)]),
    ("D03", "D04", [(85, 86)]), ("D05", "D05", [(85, 85)]), ("D06", "D07", [(60, 71)]), ("D09", "D09", [(55, 59)]),
    ("D10", "D10", [(21, 29)]), ("D11", "D11", [(26, 26)]), ("D12", "D13", [(42, 54)]), ("D14", "D15", [(30, 39)]),
    ("D16", "D16", [(76, 84)]), ("D17", "D23", [(85, 86), (76, 84)]), ("D24", "D24", [(85, 85)]),
    ("D25", "D28", [(65, 71)]), ("D29", "D29", [(60, 64)]), ("D30", "D30", [(55, 59)]), ("D31", "D31", [(8, 16)]),
    ("D32", "D33", [(1, 5)]), ("D34", "D35", [(6, 7)]), ("D36", "D48", []), ("D50", "D89", [(40, 41)]),
    ("E00", "E90", [(6, 7)]), ("F00", "F99", []), ("G00", "G99", [(1, 5)]), ("H00", "H59", [(8, 16)]),
    ("H60", "H95", [(18, 20)]), ("I00", "I19", [(35, 39)]), ("I20", "I25", [(0, 0), (36, 37)]), ("I26", "I99", [(0, 0), (35, 39)]), ("J00", "J39", [(21, 22), (28, 31)]),
    ("J40", "J99", [(30, 34)]), ("K00", "K14", [(23, 27)]), ("K20", "K23", [(42, 42)]), ("K25", "K31", [(43, 44)]),
    ("K35", "K38", [(47, 47)]), ("K40", "K46", [(53, 53)]), ("K50", "K64", [(45, 46), (48, 49)]),
    ("K65", "K67", [(54, 54)]), ("K70", "K77", [(50, 50)]), ("K80", "K83", [(51, 51)]), ("K85", "K87", [(52, 52)]),
    ("K90", "K93", [(45, 46)]), ("L00", "L99", [(85, 86)]),
    ("M00", "M99", [(0, 0), (76, 84)]), ("N00", "N39", [(55, 59)]), ("N40", "N51", [(60, 64)]),
    ("N60", "N64", [(85, 85)]), ("N70", "N98", [(65, 71)]), ("O00", "O99", [(65, 75)]), ("P00", "P96", []),
    ("Q00", "Q99", []), ("R00", "R99", []), ("S00", "S09", [(1, 5), (76, 86)]), ("S10", "T14", [(76, 86)]),
    ("T15", "T98", []), ("Z00", "Z99", []),
]


def coherent(dx: str, proc: str) -> bool:
    """An operation on the diagnosis's body system (or a non-operative chapter 87–99 procedure)."""
    if not proc:
        return True
    chapter_no = int(proc[:2])
    ranges = next((r for lo, hi, r in COHERENT if lo <= dx[:3] <= hi), [])
    return any(lo <= chapter_no <= hi for lo, hi in ranges + MISC)


def _names(path: Path) -> dict[str, str]:
    out = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            code, _, name = line.rstrip("\n").partition(" ")
            out.setdefault(code, name.strip())
    return out


def chapter(dx: str) -> tuple[str, str]:
    cat = dx[:3]
    return next(((c, n) for lo, hi, c, n in CHAPTERS if lo <= cat <= hi), ("", ""))


def dx_sub(code: str) -> str:
    return code[:5]


def proc_sub(code: str) -> str:
    """ICD-9-CM-3 细目 (47.01) or, for a category-level extension (47.2x01), the category (47.2)."""
    return code[:5] if len(code) >= 5 and code[4].isdigit() else code[:4]


def sub_name(names: dict[str, str], sub: str, width: int) -> tuple[str, str]:
    """(a full national code under the subdivision, its name): the plain '…00' code first."""
    plain = sub + "0" * (width - len(sub))
    if plain in names:
        return plain, names[plain]
    code = next((c for c in sorted(names) if c.startswith(sub) and "x" not in c[4:]), None) \
        or next(c for c in sorted(names) if c.startswith(sub))
    return code, names[code]


def main() -> None:
    dx_names, px_names = _names(DX), _names(PX)
    with WEIGHTS.open(encoding="utf-8") as fh:
        weights = {r["drg_code"]: float(r["relative_weight"]) for r in csv.DictReader(fh) if r["relative_weight"]}
    by_adrg: dict[str, list[float]] = defaultdict(list)
    for code, w in weights.items():
        by_adrg[code[:3]].append(w)
    with TEMPLATES.open(encoding="utf-8") as fh:
        templates = list(csv.DictReader(fh))
    by_drg: dict[str, list[dict]] = defaultdict(list)
    for t in templates:
        by_drg[t["drg"]].append(t)

    types: dict[str, dict] = {}
    rows: dict[str, list[dict]] = defaultdict(list)

    def add(dx_code: str, proc: str, drg: str, source: list[dict]) -> None:
        sub = dx_sub(dx_code)
        psub = proc_sub(proc) if proc else ""
        code = f"{sub}-{psub.replace('.', '')}" if psub else sub
        if len(code) > 10 or code in types:
            return
        dx_full, dx_name = sub_name(dx_names, sub, 7)
        if psub:
            _, px_name = sub_name(px_names, psub, 7)
            name = f"{dx_name}：{px_name}"
        else:
            name = f"{dx_name}：保守治疗"
        weight = weights.get(drg) or (sum(by_adrg[drg[:3]]) / len(by_adrg[drg[:3]]) if by_adrg.get(drg[:3]) else 1.0)
        mdc, mdc_name = chapter(sub)
        types[code] = {"code": code, "name": name[:200], "mdc": mdc, "adrg": sub, "score": f"{weight * 100:.2f}",
                       "mdc_name": mdc_name, "adrg_name": dx_name, "dx": sub, "proc": psub, "drg": drg}
        for t in source:
            pdx = t["pdx"] if dx_sub(t["pdx"]) == sub else dx_full
            rows[code].append({**t, "drg": code, "pdx": pdx})

    for drg in sorted(by_drg):
        fitting = [t for t in by_drg[drg] if coherent(t["pdx"], t["procs"].split("|")[0])]
        if not fitting:
            continue
        first = fitting[0]
        proc = first["procs"].split("|")[0]
        same = [t for t in by_drg[drg] if dx_sub(t["pdx"]) == dx_sub(first["pdx"])
                and proc_sub(t["procs"].split("|")[0] or "") == (proc_sub(proc) if proc else "")]
        add(first["pdx"], proc, drg, same)
    # the same operation on the category's unspecified 亚目 (K35.3 + 47.01 → K35.8 + 47.01)
    for code, info in list(types.items()):
        if not info["proc"]:
            continue
        sibling = next((f"{info['dx'][:3]}.{d}" for d in "98"
                        if any(f"{info['dx'][:3]}.{d}{e}" in dx_names for e in ("00", "01"))), None)
        if sibling and sibling != info["dx"]:
            add(sibling, rows[code][0]["procs"].split("|")[0], info["drg"], rows[code])

    with (HERE / "dip_demo_catalogue.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(CATALOGUE_COLUMNS), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(types[c] for c in sorted(types))
    with (HERE / "dip_demo_templates.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        writer.writeheader()
        for code in sorted(rows):
            writer.writerows(rows[code])
    print(f"{len(types)} disease types, {sum(len(v) for v in rows.values())} templates")


if __name__ == "__main__":
    main()
