"""The hospitals file of interfaces.md §1 (`code,name,level,grade,type,drg_enabled_from`).

`HospitalResource` (django-import-export) is the one description of the file: it reads an upload
into a tablib `Dataset` with canonical headers (Chinese aliases accepted), cleans each cell with a
widget that knows the Chinese values (三级 → 3, 综合 → general), and writes the hospital list back
out as CSV or XLSX with the same columns. It never saves: writes go through `services.py`.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import tablib
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from apps.core import exports as safe_csv
from apps.core.spreadsheets import SpreadsheetError, read_xlsx

from .enums import Grade, HospitalType, Level
from .models import Hospital

COLUMNS = ("code", "name", "level", "grade", "type", "drg_enabled_from")
CODE_RE = re.compile(r"^[A-Za-z0-9]{4,20}$")
NAME_MAX = 100
MAX_FILE_BYTES = 5 * 1024 * 1024

# Header aliases (compared after stripping spaces and lower-casing).
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("code", "医疗机构编码", "编码", "机构编码", "医院编码", "定点医疗机构编码", "医疗机构代码", "代码"),
    "name": ("name", "医疗机构名称", "名称", "机构名称", "医院名称", "定点医疗机构名称"),
    "level": ("level", "级别", "医院级别", "机构级别", "医疗机构级别"),
    "grade": ("grade", "等级", "医院等级", "机构等级", "等次"),
    "type": ("type", "类型", "医院类型", "机构类型", "医疗机构类型", "类别"),
    "drg_enabled_from": (
        "drg_enabled_from", "DRG付费开始日期", "DIP付费开始日期", "付费开始日期", "启用日期", "DRG启用日期",
        "DIP启用日期", "开始日期",
    ),
}
_HEADER_LOOKUP = {alias.replace(" ", "").lower(): column for column, aliases in HEADER_ALIASES.items() for alias in aliases}

LEVEL_ALIASES = {
    "1": Level.LEVEL_1, "一级": Level.LEVEL_1, "一级及以下": Level.LEVEL_1, "一": Level.LEVEL_1,
    "2": Level.LEVEL_2, "二级": Level.LEVEL_2, "二": Level.LEVEL_2,
    "3": Level.LEVEL_3, "三级": Level.LEVEL_3, "三": Level.LEVEL_3,
}
GRADE_ALIASES = {
    "甲": Grade.A, "甲等": Grade.A, "乙": Grade.B, "乙等": Grade.B, "丙": Grade.C, "丙等": Grade.C,
    "未定级": Grade.UNRATED, "未定等": Grade.UNRATED, "未评级": Grade.UNRATED,
}
TYPE_ALIASES = {
    **{t.value: t for t in HospitalType},
    "综合": HospitalType.GENERAL, "综合医院": HospitalType.GENERAL,
    "中医": HospitalType.TCM, "中医医院": HospitalType.TCM, "中医院": HospitalType.TCM,
    "专科": HospitalType.SPECIALTY, "专科医院": HospitalType.SPECIALTY,
    "妇幼": HospitalType.MATERNAL, "妇幼保健院": HospitalType.MATERNAL, "妇幼保健": HospitalType.MATERNAL,
    "基层": HospitalType.PRIMARY, "基层医疗机构": HospitalType.PRIMARY,
}


class FileFormatError(ValueError):
    """The upload cannot be read as a hospitals file at all (not per row)."""

    def __init__(self, message: str, *, missing: list[str] | None = None, unknown: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.missing = missing or []
        self.unknown = unknown or []


class CellError(ValueError):
    """One cell is wrong; `error_code` is the machine-readable reason used in the error report."""

    def __init__(self, error_code: str, message: str):
        super().__init__(message)
        self.error_code = error_code
        self.message = message


def cell_text(value: Any) -> str:
    """A cell as text: XLSX numbers come back as int/float (`3.0` → `3`)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class CodeWidget(widgets.CharWidget):
    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> str:
        text = cell_text(value)
        if not text:
            raise CellError("required", _("The hospital code is required."))
        if not CODE_RE.match(text):
            raise CellError("invalid", _("The code must be 4 to 20 letters or digits."))
        return text


class NameWidget(widgets.CharWidget):
    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> str:
        text = cell_text(value)
        if not text:
            raise CellError("required", _("The hospital name is required."))
        if len(text) > NAME_MAX:
            raise CellError("too_long", _("The name is longer than %(max)d characters.") % {"max": NAME_MAX})
        return text


class AliasChoiceWidget(widgets.Widget):
    """A choice cell that accepts the stored value, and Chinese names (三级, 综合, …)."""

    def __init__(self, aliases: dict[str, Any], allowed: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.aliases = {k.lower(): v for k, v in aliases.items()}
        self.allowed = allowed

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> Any:
        text = cell_text(value)
        if not text:
            raise CellError("required", _("A value is required (allowed: %(allowed)s).") % {"allowed": self.allowed})
        try:
            return self.aliases[text.lower()].value
        except KeyError:
            raise CellError(
                "invalid_choice",
                _("“%(value)s” is not allowed (allowed: %(allowed)s).") % {"value": text, "allowed": self.allowed},
            )

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)


class StrictDateWidget(widgets.Widget):
    """YYYY-MM-DD or empty (= not DRG-paid); real dates from XLSX cells are accepted as they are."""

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> dt.date | None:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = cell_text(value)
        if not text:
            return None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise CellError("invalid_date", _("“%(value)s” is not a date in the form YYYY-MM-DD.") % {"value": text})
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise CellError("invalid_date", _("“%(value)s” is not a valid date.") % {"value": text})

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.isoformat() if value else ""


class HospitalResource(resources.ModelResource):
    code = fields.Field(attribute="code", column_name="code", widget=CodeWidget())
    name = fields.Field(attribute="name", column_name="name", widget=NameWidget())
    level = fields.Field(attribute="level", column_name="level",
                         widget=AliasChoiceWidget(LEVEL_ALIASES, "1|2|3, 一级|二级|三级"))
    grade = fields.Field(attribute="grade", column_name="grade", widget=AliasChoiceWidget(GRADE_ALIASES, "甲|乙|丙|未定级"))
    type = fields.Field(attribute="type", column_name="type",
                        widget=AliasChoiceWidget(TYPE_ALIASES, "general|tcm|specialty|maternal|primary, 综合|中医|专科|妇幼|基层"))
    drg_enabled_from = fields.Field(attribute="drg_enabled_from", column_name="drg_enabled_from", widget=StrictDateWidget())

    class Meta:
        model = Hospital
        fields = COLUMNS
        export_order = COLUMNS
        import_id_fields = ("code",)

    # -- reading ---------------------------------------------------------------------------------

    def load_dataset(self, data: bytes) -> tablib.Dataset:
        """Read CSV or XLSX (decided by content, never by the client's file name) into a Dataset.

        Headers are mapped to the canonical column names; a missing, unknown or repeated column is a
        `FileFormatError` naming them. Blank lines are dropped; short rows are padded with blanks.
        Two extra columns ride along: `__row__` (the spreadsheet row number) and `__extra__` (the row
        has non-blank cells beyond the header).
        """
        if not data:
            raise FileFormatError(_("The file is empty."))
        if len(data) > MAX_FILE_BYTES:
            raise FileFormatError(_("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)})
        rows = _read_xlsx(data) if data[:4] == b"PK\x03\x04" else _read_csv(data)
        numbered = [(number, r) for number, r in enumerate(rows, start=1) if any(cell_text(c) for c in r)]
        if not numbered:
            raise FileFormatError(_("The file is empty."))
        header = [cell_text(h).lstrip("\ufeff") for h in numbered[0][1]]
        while header and not header[-1]:
            header.pop()
        mapped = [_HEADER_LOOKUP.get(h.replace(" ", "").lower()) for h in header]
        unknown = [h or _("(blank)") for h, m in zip(header, mapped, strict=True) if m is None]
        repeated = sorted({m for m in mapped if m and mapped.count(m) > 1})
        missing = [c for c in COLUMNS if c not in mapped]
        if missing or unknown or repeated:
            parts = []
            if missing:
                parts.append(_("missing columns: %(cols)s") % {"cols": ", ".join(missing)})
            if unknown:
                parts.append(_("unknown columns: %(cols)s") % {"cols": ", ".join(unknown)})
            if repeated:
                parts.append(_("repeated columns: %(cols)s") % {"cols": ", ".join(repeated)})
            message = _("The columns must be %(expected)s; %(problems)s.") % {
                "expected": ",".join(COLUMNS), "problems": "; ".join(parts)}
            raise FileFormatError(message, missing=missing, unknown=unknown + repeated)
        if len(numbered) < 2:
            raise FileFormatError(_("The file has a header but no hospital rows."))
        dataset = tablib.Dataset(headers=[*mapped, "__extra__", "__row__"])
        width = len(mapped)
        for number, raw in numbered[1:]:
            cells = list(raw) + [None] * (width - len(raw))
            extra = any(cell_text(c) for c in cells[width:])
            dataset.append([*cells[:width], "1" if extra else "", number])
        return dataset

    def clean_row(self, row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, CellError]]:
        """Clean every field of one row; returns (values, errors by field)."""
        values: dict[str, Any] = {}
        errors: dict[str, CellError] = {}
        for name in COLUMNS:
            try:
                values[name] = self.fields[name].clean(row)
            except CellError as err:
                errors[name] = err
        return values, errors

    # -- writing ---------------------------------------------------------------------------------

    def export_bytes(self, queryset, file_format: str) -> tuple[bytes, str]:
        """The list as a download: (content, content type). CSV carries a BOM so Excel reads the Chinese."""
        dataset = self.export(queryset=queryset)
        if file_format == "xlsx":
            return safe_csv.dataset_xlsx(dataset), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return safe_csv.dataset_csv(dataset).encode("utf-8"), "text/csv; charset=utf-8"


def _read_csv(data: bytes) -> list[list[str]]:
    """UTF-8 (with or without BOM); GB18030 is accepted too because Excel in China saves CSV that way."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise FileFormatError(_("The file is neither an XLSX workbook nor a UTF-8 CSV file."))
    if "\x00" in text:
        raise FileFormatError(_("The file is neither an XLSX workbook nor a UTF-8 CSV file."))
    if text.count("\n") > MAX_ROWS + 100:
        raise FileFormatError(_("The file has more than %(max)d rows.") % {"max": MAX_ROWS})
    try:
        rows = []
        for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            while row and not row[-1].strip():
                row.pop()
            if len(row) > MAX_COLUMNS:
                raise FileFormatError(_("Row %(row)d has %(n)d columns; at most %(max)d are read.")
                                      % {"row": number, "n": len(row), "max": MAX_COLUMNS})
            rows.append(row)
        return rows
    except csv.Error as err:
        raise FileFormatError(_("The CSV file cannot be read: %(error)s") % {"error": err})


MAX_ROWS = 5000  # a region has a few hundred designated hospitals
MAX_COLUMNS = len(COLUMNS) + 10


def _read_xlsx(data: bytes) -> list[list[Any]]:
    """Through the one safe reader (apps/core/spreadsheets.py): real cells only, bounded rows/columns/size."""
    try:
        return read_xlsx(data, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)
    except SpreadsheetError as err:
        raise FileFormatError(str(err))
