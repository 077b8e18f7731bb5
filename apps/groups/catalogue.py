"""Reading catalogue files (interfaces.md §1 `code,name,mdc,adrg`) and the shipped CHS-DRG 2.0 lists.

Pure parsing: rows in, clean rows and per-row errors out; the services write them.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import tablib

from apps.core.spreadsheets import read_xlsx

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_VERSION = "chs-drg-2.0"
SHIPPED_NAME = "CHS-DRG 2.0 (国家医保局 2.0 版分组方案)"

# Header aliases: the shipped DRG file's columns and common Chinese headings map onto the contract.
ALIASES = {
    "code": {"code", "drg_code", "dip_code", "group_code", "编码", "代码", "病组编码", "病组代码", "分组编码", "病种编码"},
    "name": {"name", "drg_name", "dip_name", "group_name", "名称", "病组名称", "分组名称", "病种名称"},
    "mdc": {"mdc", "mdc_code", "主要诊断大类", "mdc编码", "mdc代码"},
    "adrg": {"adrg", "adrg_code", "核心疾病诊断相关组", "adrg编码", "adrg代码"},
}
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-_]{0,19}$")
MAX_BYTES = 10 * 1024 * 1024


@dataclass
class ParsedCatalogue:
    rows: list[dict[str, str]] = field(default_factory=list)  # code, name, mdc, adrg, severity
    errors: list[dict] = field(default_factory=list)  # row, code, field, message
    total: int = 0


def severity_of(code: str) -> str:
    """CHS-DRG: the 4th character is the severity (1 MCC, 3 CC, 5 none, 9 not split)."""
    return code[3] if len(code) == 4 and code[3] in "1359" else ""


def normalise_mdc(value: str) -> str:
    value = value.strip().upper()
    return f"MDC{value}" if re.fullmatch(r"[A-Z]", value) else value


def load_dataset(data: bytes, filename: str) -> tablib.Dataset:
    """CSV (UTF-8, BOM tolerated) or the first sheet of an XLSX file."""
    if len(data) > MAX_BYTES:
        raise ValueError("the file is larger than 10 MB")
    if filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return _xlsx_dataset(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("the file is not UTF-8 CSV or XLSX")
    return tablib.Dataset().load(text, format="csv")


def _xlsx_dataset(data: bytes) -> tablib.Dataset:
    """The first sheet through the one safe reader (apps/core/spreadsheets.py: real cells, bounded size)."""
    rows = [r for r in read_xlsx(data, max_rows=20_000, max_columns=30) if r]
    if not rows:
        return tablib.Dataset()
    headers = ["" if h is None else str(h) for h in rows[0]]
    dataset = tablib.Dataset(headers=headers)
    for row in rows[1:]:
        dataset.append((list(row) + [None] * len(headers))[: len(headers)])
    return dataset


def _columns(headers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = str(header or "").strip().lower()
        for name, aliases in ALIASES.items():
            if key in aliases and name not in found:
                found[name] = index
    return found


def parse_catalogue(dataset: tablib.Dataset) -> ParsedCatalogue:
    """Validate each row; a bad row becomes an error, the others stay. Row numbers count the header as 1."""
    result = ParsedCatalogue()
    columns = _columns(list(dataset.headers or []))
    missing = [name for name in ("code", "name") if name not in columns]
    if missing:
        result.errors.append({"row": 1, "code": "", "field": ",".join(missing), "message": "missing column(s)"})
        return result
    seen: dict[str, dict[str, str]] = {}
    for offset, raw in enumerate(dataset, start=2):
        values = {name: str(raw[i] if raw[i] is not None else "").strip() for name, i in columns.items()}
        if not any(values.values()):
            continue
        result.total += 1
        code, name = values.get("code", "").upper(), values.get("name", "")
        row = {"code": code, "name": name, "mdc": normalise_mdc(values.get("mdc", "")),
               "adrg": values.get("adrg", "").upper(), "severity": severity_of(code)}
        error = None
        if not code:
            error = ("code", "a group code is required")
        elif not CODE_RE.match(code):
            error = ("code", "a group code has 1–20 letters or digits")
        elif not name:
            error = ("name", "a group name is required")
        elif len(name) > 200:
            error = ("name", "the name is longer than 200 characters")
        elif len(row["mdc"]) > 20 or len(row["adrg"]) > 20:
            error = ("mdc" if len(row["mdc"]) > 20 else "adrg", "longer than 20 characters")
        elif row["adrg"] and row["mdc"] == "":
            error = ("mdc", "an ADRG needs its MDC")
        elif code in seen and seen[code] != row:
            error = ("code", "the same code appears twice with different content")
        if error:
            result.errors.append({"row": offset, "code": code, "field": error[0], "message": error[1]})
            continue
        if code not in seen:
            seen[code] = row
            result.rows.append(row)
    return result


def _read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def shipped_mdcs() -> list[dict[str, str]]:
    """26 MDCs; the 2.0 name where known, else the 1.x name."""
    return [
        {"code": r["mdc_code"], "name": r["name_chs_drg_2.0_per_qweaszxcdf_filenames"] or r["name_chs_drg_1x_per_bolingjack"]}
        for r in _read_csv("mdc_26.csv")
    ]


def shipped_adrgs() -> list[dict[str, str]]:
    return [{"code": r["adrg_code"], "name": r["adrg_name"], "mdc": r["mdc_code"]} for r in _read_csv("chs_drg_2.0_adrg_409.csv")]


def shipped_groups() -> list[dict[str, str]]:
    return [
        {"code": r["drg_code"], "name": r["drg_name"], "mdc": r["mdc_code"], "adrg": r["adrg_code"],
         "severity": r["severity_digit"] if r["severity_digit"] in "1359" else ""}
        for r in _read_csv("chs_drg_2.0_drg_634.csv")
    ]
