"""The settlement-list file format (interfaces.md §1): columns, kinds and Chinese header aliases."""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text | int | money | date | list
    required: bool = False
    max_length: int | None = None
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("settlement_id", "text", True, 50, ("结算id", "结算编号", "结算流水号", "清单流水号", "医保结算清单编号")),
    Column("hospital_code", "text", True, 20, ("医疗机构编码", "定点医疗机构编码", "定点医药机构编号", "医院编码", "定点医疗机构代码")),
    Column("patient_id", "text", True, 100, ("人员编号", "个人编号", "患者编号")),
    Column("insurance_type", "text", True, None, ("险种类型", "险种")),
    Column("gender", "text", True, None, ("性别",)),
    Column("age", "int", True, None, ("年龄", "年龄(岁)")),
    Column("age_days", "int", False, None, ("年龄(天)", "不足1周岁年龄(天)", "不足一周岁年龄(天)")),
    Column("admission_date", "date", True, None, ("入院日期", "入院时间")),
    Column("discharge_date", "date", True, None, ("出院日期", "出院时间")),
    Column("los_days", "int", True, None, ("住院天数", "实际住院天数")),
    Column("discharge_method", "text", True, None, ("离院方式",)),
    Column("principal_dx", "text", True, 20, ("主要诊断编码", "主诊断编码", "主要诊断")),
    Column("secondary_dx", "list", False, None, ("其他诊断编码", "次要诊断编码", "其他诊断")),
    Column("principal_proc", "text", False, 20, ("主要手术操作编码", "主要手术及操作编码", "主手术编码", "主要手术操作")),
    Column("other_procs", "list", False, None, ("其他手术操作编码", "其他手术及操作编码", "其他手术操作")),
    Column("drg_code", "text", False, 10, ("drg编码", "drg组编码", "病组编码", "dip病种编码")),
    Column("total_cost", "money", True, None, ("总费用", "医疗总费用", "住院总费用")),
    Column("drug_cost", "money", True, None, ("药品费", "药品费用", "药费")),
    Column("consumable_cost", "money", True, None, ("耗材费", "耗材费用", "医用耗材费")),
    Column("exam_cost", "money", True, None, ("检查费", "检查费用", "检查检验费")),
    Column("self_pay", "money", True, None, ("个人自付", "个人负担", "自付金额", "个人支付")),
    Column("fund_paid", "money", True, None, ("基金支付", "统筹支付", "医保基金支付")),
    Column("department", "text", False, 50, ("科室", "出院科别", "出院科室")),
    Column("birth_weight_g", "int", False, None, ("新生儿出生体重(克)", "出生体重(克)", "新生儿出生体重", "出生体重")),
    Column("ventilation_hours", "int", False, None, ("呼吸机使用时间(小时)", "有创呼吸机使用时间(小时)", "呼吸机使用小时", "呼吸机使用时间")),
)
BY_NAME = {c.name: c for c in COLUMNS}
NAMES = tuple(c.name for c in COLUMNS)
REQUIRED_COLUMNS = tuple(c.name for c in COLUMNS if c.required)
EXPORT_COLUMNS = NAMES[:23]  # interfaces.md order; the two optional ones follow when present

INSURANCE_TYPES = ("310", "390")
GENDERS = ("1", "2")
DISCHARGE_METHODS = ("1", "2", "3", "4", "5", "9")


def _norm(header: str) -> str:
    """Compare headers loosely: case, spaces, full-width brackets and a UTF-8 BOM do not matter."""
    text = (header or "").replace("\ufeff", "").strip().lower()
    text = text.replace("（", "(").replace("）", ")")
    return re.sub(r"[\s_\-]+", "", text)


ALIASES: dict[str, str] = {}
for _column in COLUMNS:
    for _alias in (_column.name, *_column.aliases):
        ALIASES[_norm(_alias)] = _column.name


def map_header(header: list[str]) -> tuple[list[str | None], list[str]]:
    """Canonical name per file column (None = ignored) and the file-level problems found."""
    mapped: list[str | None] = []
    problems: list[str] = []
    seen: set[str] = set()
    for raw in header:
        name = ALIASES.get(_norm(raw))
        if name in seen:
            problems.append(f"column {name} appears twice")
        if name:
            seen.add(name)
        mapped.append(name)
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        problems.append("missing column(s): " + ", ".join(missing))
    return mapped, problems
