"""Translate an OpenDRG-style rule source folder (MDC/*.py, ADRG/*.py, DRG/*.py, DATA/, ICD/) into the
grouper's shipped rule tables — the same files as CHS-DRG 1.1 (decision 0019).

The .py files are read as DATA: parsed with `ast`, never imported or run, and nothing of them is
shipped. Each MDC file gives its principal-diagnosis list (MDCZ: with the body-region headings), its
entry condition, its ADRG try order and where/when it answers the ambiguous group QY; each ADRG file
its code lists, its condition, its label and its DRG order; each DRG file the severity condition of
every DRG. Conditions are kept as the source's rule text and translated by `rules.py` when loaded.

    .venv/bin/python -m apps.groups.grouper.opendrg_source SOURCE_DIR apps/groups/data/grouper/VERSION

The MDC try order is not in the published folders (their `Grouper.py` is missing); it is CHS-DRG's
(MDCA, MDCP, MDCY, MDCZ, MDCM, MDCN, then B … X), taken from the 1.1 rule tables.
"""
from __future__ import annotations

import ast
import csv
import re
import shutil
import sys
from pathlib import Path

__all__ = ["translate_folder", "SourceError"]

_REGION_SUFFIX = "创伤"
_LISTS = ("adrg_zd", "adrg_zd1", "adrg_ss", "adrg_ss1", "adrg_ss2")
_LABEL = re.compile(r"匹配规则：(.*)$")


class SourceError(ValueError):
    pass


def _function(path: Path, name: str = "group") -> ast.FunctionDef:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise SourceError(f"{path.name}: no function {name}()")


def _str_list(node: ast.AST, where: str) -> list[str]:
    value = ast.literal_eval(node)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SourceError(f"{where}: not a list of codes")
    return value


def _assigned_lists(fn: ast.FunctionDef, names) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for node in fn.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name in names:
                out[name] = _str_list(node.value, name)
    return out


def _returned_code(body: list[ast.stmt]) -> str | None:
    for node in body:
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node.value.value
    return None


def _message(body: list[ast.stmt]) -> str:
    for node in body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "message":
            arg = node.value.args[0] if node.value.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                return arg.value
    return ""


def parse_mdc(path: Path) -> dict:
    """An MDC file → code, principal diagnoses (with MDCZ regions), entry rule, try order, QY test."""
    fn = _function(path)
    code = path.stem
    mdc_zd = _assigned_lists(fn, {"mdc_zd"}).get("mdc_zd", [])
    entry = None
    order: list[str] = []
    qy_condition, qy_before, pending_qy = "", "", False
    has_regions = False
    for node in fn.body:
        if isinstance(node, ast.If):
            test = node.test
            if entry is None and isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) \
                    and _returned_code(node.body) == "":
                entry = ast.unparse(test.operand)
                continue
            returned = _returned_code(node.body) or ""
            if returned.endswith("QY"):
                qy_condition, pending_qy = ast.unparse(test), True
                continue
            if "types" in ast.unparse(node):  # MDCZ: at least two body regions among the diagnoses
                has_regions = True
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Attribute) and func.attr == "group" and isinstance(func.value, ast.Name):
                order.append(func.value.id)
                if pending_qy:
                    qy_before, pending_qy = func.value.id, False
    if entry is None:
        raise SourceError(f"{path.name}: no entry condition")
    rows: list[tuple[str, str]] = []
    region = ""
    for dx in mdc_zd:
        if has_regions and dx.endswith(_REGION_SUFFIX):
            region = dx
            continue
        rows.append((dx, region if has_regions else ""))
    return {"mdc": code, "entry_condition": entry, "adrg_order": order, "qy_condition": qy_condition or "False",
            "qy_before": qy_before, "principal_dx": rows}


def parse_adrg(path: Path) -> dict:
    """An ADRG file → code, lists, condition, label, DRG order."""
    fn = _function(path)
    lists = _assigned_lists(fn, set(_LISTS))
    rule = next((n for n in fn.body if isinstance(n, ast.If)), None)
    if rule is None:
        raise SourceError(f"{path.name}: no rule")
    drgs = []
    for node in rule.body:
        if isinstance(node, ast.If):
            code = _returned_code(node.body)
            if code:
                drgs.append(code)
    label = _LABEL.search(_message(rule.body))
    return {"adrg": path.stem, "condition": ast.unparse(rule.test), "rule_label": label[1] if label else "",
            "drg_order": drgs, "lists": lists}


def parse_drgs(path: Path) -> dict[str, str]:
    """A DRG file → {DRG code: severity condition text}."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.endswith("_group"):
            ret = node.body[-1]
            if not isinstance(ret, ast.Return) or ret.value is None:
                raise SourceError(f"{path.name}:{node.name}: not a single return")
            out[node.name[:-len("_group")]] = ast.unparse(ret.value)
    return out


def _write(path: Path, header: list[str], rows) -> int:
    n = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            n += 1
    return n


def translate_folder(source: Path, dest: Path, *, mdc_order: dict[str, int]) -> dict[str, int]:
    """Write mdc_rules.csv, mdc_principal_dx.csv, adrg_rules.csv, adrg_codes.csv, drg_rules.csv and copy
    DATA/*.dat, ICD/*.dat. Returns row counts."""
    source, dest = Path(source), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    mdcs = [parse_mdc(p) for p in sorted((source / "MDC").glob("MDC*.py"))]
    adrg_mdc = {a: m["mdc"] for m in mdcs for a in m["adrg_order"]}
    adrgs = [parse_adrg(source / "ADRG" / f"{a}.py") for m in mdcs for a in m["adrg_order"]]
    severity: dict[str, str] = {}
    for p in sorted((source / "DRG").glob("*_DRG.py")):
        severity.update(parse_drgs(p))
    counts = {}
    counts["mdc_rules"] = _write(dest / "mdc_rules.csv", [
        "mdc", "grouper_order", "entry_condition", "adrg_order", "n_principal_dx", "qy_condition", "qy_before"],
        ([m["mdc"], mdc_order[m["mdc"]], m["entry_condition"], "|".join(m["adrg_order"]), len(m["principal_dx"]),
          m["qy_condition"], m["qy_before"]] for m in sorted(mdcs, key=lambda m: m["mdc"])))
    counts["mdc_principal_dx"] = _write(dest / "mdc_principal_dx.csv", ["mdc", "code", "mdcz_region"],
                                        ([m["mdc"], dx, region] for m in mdcs for dx, region in m["principal_dx"]))
    counts["adrg_rules"] = _write(dest / "adrg_rules.csv", [
        "adrg", "mdc", "condition", "rule_label", "drg_order", *(f"n_{k}" for k in _LISTS)],
        ([a["adrg"], adrg_mdc[a["adrg"]], a["condition"], a["rule_label"], "|".join(a["drg_order"]),
          *(len(a["lists"].get(k, [])) for k in _LISTS)] for a in adrgs))
    counts["adrg_codes"] = _write(dest / "adrg_codes.csv", ["adrg", "list", "pos", "code"],
                                  ([a["adrg"], k, i, code] for a in adrgs for k in _LISTS
                                   for i, code in enumerate(a["lists"].get(k, []))))
    drgs = list(dict.fromkeys(d for a in adrgs for d in a["drg_order"]))  # alternative rules share DRGs
    missing = [d for d in drgs if d not in severity]
    if missing:
        raise SourceError(f"no severity rule for {missing[:5]}")
    counts["drg_rules"] = _write(dest / "drg_rules.csv", ["drg", "condition"], ([d, severity[d]] for d in drgs))
    for folder, names in (("DATA", ("MCC", "CC", "CCE", "DRG", "SS_VALID")),
                          ("ICD", ("ZD_INFO", "SS_INFO", "ZD_MAP", "SS_MAP"))):
        (dest / folder).mkdir(exist_ok=True)
        for name in names:
            shutil.copyfile(source / folder / f"{name}.dat", dest / folder / f"{name}.dat")
    return counts


def _national_order() -> dict[str, int]:
    from .files import DATA_ROOT

    with (DATA_ROOT / "chs-drg-1.1" / "mdc_rules.csv").open(encoding="utf-8-sig", newline="") as handle:
        return {row["mdc"]: int(row["grouper_order"]) for row in csv.DictReader(handle)}


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    print(translate_folder(Path(sys.argv[1]), Path(sys.argv[2]), mdc_order=_national_order()))
