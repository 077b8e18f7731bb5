"""Reading a shipped rule set from its files into plain rows (`RuleData`).

The same rows go into the database (`loader.load_shipped`) and, for unit tests and the benchmark,
straight into an in-memory `RuleSet` (`loader.ruleset_from_files`).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from .rules import translate_adrg, translate_drg, translate_mdc

DATA_ROOT = Path(__file__).resolve().parent.parent / "data" / "grouper"
CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "data"

SHIPPED = {
    "chs-drg-1.1": {
        "version": "chs-drg-1.1",
        "catalogue_version": "chs-drg-1.1",
        "name": "CHS-DRG 1.1 分组器（26 MDC / 376 ADRG / 628 DRG）",
        "catalogue_name": "CHS-DRG 1.1 (国家医保局 1.1 版分组方案)",
        "catalogue_file": "chs_drg_1.1_drg_628.csv",
        "source": "OpenDRG/DRG_Python @ 5d523a26b110082fee8d6e324e2e527ad0b87ee5, drg_group/chs_drg_11/",
        "licences": [
            "Apache-2.0: OpenDRG/DRG_Python (rule data, code maps, MCC/CC and exclusion tables) — "
            "see apps/groups/data/grouper/chs-drg-1.1/LICENSE.Apache-2.0.txt",
            "Official content: NHSA CHS-DRG 1.1 grouping scheme (国家医疗保障疾病诊断相关分组 CHS-DRG 分组方案 1.1 版)",
        ],
    },
}

CODE_KINDS = ("mdc_dx", "adrg_dx", "adrg_pr", "adrg_pr1", "mcc", "cc", "cce", "valid_pr",
              "dx_map", "pr_map", "dx_name", "pr_name")
_SEVERITY_SUFFIX = re.compile(r"，(伴严重并发症或合并症|伴并发症或合并症|不伴并发症或合并症)$")


@dataclass
class RuleData:
    meta: dict
    mdcs: list[dict] = field(default_factory=list)  # code, name, order, entry, adrgs
    adrgs: list[dict] = field(default_factory=list)  # code, mdc, name, rule, label, drgs
    drgs: list[dict] = field(default_factory=list)  # code, name, adrg, severity
    codes: list[tuple[str, str, str, str]] = field(default_factory=list)  # kind, owner, code, value


def shipped_dir(version: str) -> Path:
    if version not in SHIPPED:
        raise KeyError(version)
    return DATA_ROOT / version


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _dat(path: Path) -> list[tuple[str, str]]:
    """`CODE<space>VALUE` per line (value may contain spaces or be empty)."""
    rows = []
    with path.open(encoding="utf-8-sig") as handle:
        for line in handle:
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            code, _, value = line.partition(" ")
            rows.append((code.strip(), value.strip()))
    return rows


def _mdc_names() -> dict[str, str]:
    rows = _csv(CATALOGUE_DIR / "mdc_26.csv")
    return {r["mdc_code"]: r["name_chs_drg_1x_per_bolingjack"] or r["name_chs_drg_2.0_per_qweaszxcdf_filenames"]
            for r in rows}


def read_shipped(version: str = "chs-drg-1.1") -> RuleData:
    base = shipped_dir(version)
    data = RuleData(meta=dict(SHIPPED[version]))
    drg_names = dict(_dat(base / "DATA" / "DRG.dat"))
    adrg_name: dict[str, str] = {}
    for code, name in drg_names.items():
        adrg_name.setdefault(code[:3], _SEVERITY_SUFFIX.sub("", name))

    regions: dict[str, bool] = {}
    for row in _csv(base / "mdc_principal_dx.csv"):
        data.codes.append(("mdc_dx", row["mdc"], row["code"], row.get("mdcz_region") or ""))
        if row.get("mdcz_region"):
            regions[row["mdc"]] = True
    mdc_names = _mdc_names()
    for row in _csv(base / "mdc_rules.csv"):
        data.mdcs.append({
            "code": row["mdc"], "name": mdc_names.get(row["mdc"], ""), "order": int(row["grouper_order"]),
            "entry": translate_mdc(row["entry_condition"], has_regions=regions.get(row["mdc"], False)),
            "adrgs": [a for a in row["adrg_order"].split("|") if a],
        })
    for row in _csv(base / "adrg_rules.csv"):
        data.adrgs.append({
            "code": row["adrg"], "mdc": row["mdc"], "name": adrg_name.get(row["adrg"], ""),
            "rule": translate_adrg(row["condition"]), "label": row["rule_label"],
            "drgs": [d for d in row["drg_order"].split("|") if d],
        })
    drg_of = {d: a["code"] for a in data.adrgs for d in a["drgs"]}
    for row in _csv(base / "drg_rules.csv"):
        data.drgs.append({"code": row["drg"], "name": drg_names.get(row["drg"], ""),
                          "adrg": drg_of.get(row["drg"], row["drg"][:3]),
                          "severity": translate_drg(row["condition"])})
    for row in _csv(base / "adrg_codes.csv"):
        kind = {"adrg_zd": "adrg_dx", "adrg_ss": "adrg_pr", "adrg_ss1": "adrg_pr1"}.get(row["list"])
        if kind is None:
            raise ValueError(f"adrg_codes.csv: unknown list {row['list']!r}")
        data.codes.append((kind, row["adrg"], row["code"], row["pos"]))
    for kind, name in (("mcc", "MCC"), ("cc", "CC"), ("cce", "CCE"), ("valid_pr", "SS_VALID")):
        data.codes.extend((kind, "", code, value) for code, value in _dat(base / "DATA" / f"{name}.dat"))
    for kind, name in (("dx_map", "ZD_MAP"), ("pr_map", "SS_MAP"), ("dx_name", "ZD_INFO"), ("pr_name", "SS_INFO")):
        data.codes.extend((kind, "", code, value) for code, value in _dat(base / "ICD" / f"{name}.dat"))
    return data


def read_catalogue_rows(version: str = "chs-drg-1.1") -> list[dict[str, str]]:
    """The shipped catalogue of the rule set's version: `code, name, mdc, adrg, severity` per DRG."""
    meta = SHIPPED[version]
    data_adrgs = {r["adrg"]: r["mdc"] for r in _csv(shipped_dir(version) / "adrg_rules.csv")}
    rows = []
    for r in _csv(CATALOGUE_DIR / meta["catalogue_file"]):
        code = r["drg_code"].strip().upper()
        adrg = code[:3]
        rows.append({"code": code, "name": r["drg_name"].strip(), "mdc": data_adrgs.get(adrg, f"MDC{code[0]}"),
                     "adrg": adrg, "severity": code[3] if len(code) == 4 and code[3] in "1359" else ""})
    return rows
