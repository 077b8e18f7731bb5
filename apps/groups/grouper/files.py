"""Reading a shipped rule set from its files into plain rows (`RuleData`).

The same rows go into the database (`loader.load_shipped`) and, for unit tests and the benchmark,
straight into an in-memory `RuleSet` (`loader.ruleset_from_files`).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .rules import translate_adrg, translate_drg, translate_mdc, translate_qy

DATA_ROOT = Path(__file__).resolve().parent.parent / "data" / "grouper"
CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "data"

SHIPPED = {
    "chs-drg-1.1": {
        "version": "chs-drg-1.1",
        "label": "CHS-DRG 1.1",
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
    # Local versions (decision 0019): rule tables translated from OpenDRG's rule sources (read as data)
    "yancheng-2023": {
        "version": "yancheng-2023",
        "label": "盐城市 DRG 2023",
        "catalogue_version": "yancheng-2023",
        "name": "盐城市 DRG 分组器 2023（CHS-DRG 1.1 本地版）",
        "catalogue_name": "盐城市 DRG 分组方案 2023",
        "catalogue_file": "",  # the DRG list of the rule set itself (DATA/DRG.dat)
        "source": "OpenDRG/DRG_Python @ 5d523a26b110082fee8d6e324e2e527ad0b87ee5, drg_group/yancheng_2023/",
        "licences": [
            "Apache-2.0: OpenDRG/DRG_Python (rule data translated from drg_group/yancheng_2023) — "
            "see apps/groups/data/grouper/yancheng-2023/LICENSE.Apache-2.0.txt",
            "Official content: 盐城市医疗保障局 DRG 付费分组方案 (based on NHSA CHS-DRG 1.1)",
        ],
    },
    "yunnan-2023": {
        "version": "yunnan-2023",
        "label": "云南省 DRG 2023",
        "catalogue_version": "yunnan-2023",
        "name": "云南省 DRG 分组器 2023（CHS-DRG 1.1 本地细分版）",
        "catalogue_name": "云南省 DRG 分组方案 2023",
        "catalogue_file": "",
        "source": "OpenDRG/DRG_Python @ 5d523a26b110082fee8d6e324e2e527ad0b87ee5, drg_group/yunnan_2023/",
        "licences": [
            "Apache-2.0: OpenDRG/DRG_Python (rule data translated from drg_group/yunnan_2023) — "
            "see apps/groups/data/grouper/yunnan-2023/LICENSE.Apache-2.0.txt",
            "Official content: 云南省医疗保障局 DRG 付费分组方案 (based on NHSA CHS-DRG 1.1)",
        ],
    },
}

CODE_KINDS = ("mdc_dx", "adrg_dx", "adrg_dx1", "adrg_pr", "adrg_pr1", "adrg_pr2", "mcc", "cc", "cce", "valid_pr",
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


def _qy(row: dict[str, str]) -> dict | None:
    """The MDC's ambiguous-group test (columns `qy_condition`, `qy_before`); None: column absent."""
    if "qy_condition" not in row:
        return None
    rule = translate_qy(row["qy_condition"])
    return {"off": True} if rule is None else {"before": row.get("qy_before", ""), "rule": rule}


def read_shipped(version: str = "chs-drg-1.1") -> RuleData:
    """The version's rows, parsed once per process (the files are shipped, read-only): seed_demo loads the same
    version for several regions and each load read all the files again. Each caller gets its own lists (a
    test trims them); the rows in them are shared and must not be modified."""
    data = _read_shipped(version)
    return RuleData(meta=dict(data.meta), mdcs=list(data.mdcs), adrgs=list(data.adrgs), drgs=list(data.drgs),
                    codes=list(data.codes))


@lru_cache(maxsize=4)
def _read_shipped(version: str) -> RuleData:
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
            "qy": _qy(row),
        })
    for row in _csv(base / "adrg_rules.csv"):
        data.adrgs.append({
            "code": row["adrg"], "mdc": row["mdc"], "name": adrg_name.get(row["adrg"].split("_", 1)[0], ""),
            "rule": translate_adrg(row["condition"]), "label": row["rule_label"],
            "drgs": [d for d in row["drg_order"].split("|") if d],
        })
    drg_of = {d: a["code"].split("_", 1)[0] for a in data.adrgs for d in a["drgs"]}
    for row in _csv(base / "drg_rules.csv"):
        data.drgs.append({"code": row["drg"], "name": drg_names.get(row["drg"], ""),
                          "adrg": drg_of.get(row["drg"], row["drg"][:3]),
                          "severity": translate_drg(row["condition"])})
    for row in _csv(base / "adrg_codes.csv"):
        kind = {"adrg_zd": "adrg_dx", "adrg_zd1": "adrg_dx1", "adrg_ss": "adrg_pr", "adrg_ss1": "adrg_pr1",
                "adrg_ss2": "adrg_pr2"}.get(row["list"])
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
    if meta.get("catalogue_file"):
        source = [(r["drg_code"], r["drg_name"]) for r in _csv(CATALOGUE_DIR / meta["catalogue_file"])]
    else:  # a local version: its own DRG list (yunnan-2023: with its paid QY groups) and any DRG its rules answer
        names = dict(_dat(shipped_dir(version) / "DATA" / "DRG.dat"))
        names.update({r["drg"]: names.get(r["drg"], "") for r in _csv(shipped_dir(version) / "drg_rules.csv")})
        source = list(names.items())
    rows = []
    seen: set[str] = set()
    for drg_code, drg_name in source:
        code = drg_code.strip().upper()
        if code in seen:
            continue
        seen.add(code)
        adrg = code[:3]
        rows.append({"code": code, "name": drg_name.strip() or code, "mdc": data_adrgs.get(adrg, f"MDC{code[0]}"),
                     "adrg": adrg, "severity": code[3] if len(code) == 4 and code[3] in "1359" else ""})
    return rows
