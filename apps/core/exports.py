"""The one export helper every CSV and XLSX writer of the portal goes through (OWASP CSV injection).

Why: hospitals type names, settlement ids and comments that a bureau later downloads and opens in
Excel/WPS. A cell starting with = + - @ TAB or CR is run as a formula there (=HYPERLINK(...) leaks
data on a click). CSV cells that start so get a leading apostrophe; XLSX string cells are written as
*text* cells (never a formula), and numbers stay numbers in both - a balance of -12.34 is a number,
not a formula, whether it arrives as Decimal or as the string "-12.34".
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def is_dangerous(value: Any) -> bool:
    """A string Excel would evaluate (plain numbers such as "-12.34" are not)."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _NUMBER.fullmatch(value.strip())


def neutralise(value: Any) -> Any:
    """The CSV form of one cell: dangerous strings get a leading apostrophe; anything else is unchanged."""
    return "'" + value if is_dangerous(value) else value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [neutralise(v) for v in row]


class SafeWriter:
    """csv.writer with every cell neutralised; writerow returns what the underlying writer returns."""

    def __init__(self, handle, *args, **kwargs) -> None:
        self._writer = csv.writer(handle, *args, **kwargs)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self._writer.writerow(safe_row(row))


def writer(handle, *args, **kwargs) -> SafeWriter:
    """Drop-in for csv.writer."""
    return SafeWriter(handle, *args, **kwargs)


def csv_text(headers: Iterable[Any], rows: Iterable[Iterable[Any]], bom: bool = True) -> str:
    out = io.StringIO()
    w = writer(out, lineterminator="\n")
    w.writerow(headers)
    w.writerows(rows)
    return ("\ufeff" if bom else "") + out.getvalue()


def xlsx_cells(sheet, row: Iterable[Any]) -> list[Any]:
    """Cells for `sheet.append`: strings become explicit text cells, so '=…' is shown, never run.

    Works for normal and write-only sheets (WriteOnlyCell)."""
    from openpyxl.cell import WriteOnlyCell

    cells: list[Any] = []
    for value in row:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=None)
            cell._value = value  # bypass type inference: openpyxl would turn a leading '=' into a formula
            cell.data_type = "s"
            cells.append(cell)
        else:
            cells.append(value)
    return cells


def append(sheet, row: Iterable[Any]) -> None:
    """sheet.append(row) with every string written as text."""
    sheet.append(xlsx_cells(sheet, row))


def xlsx_bytes(headers: Iterable[Any], rows: Iterable[Iterable[Any]], title: str = "Sheet1") -> bytes:
    """A one-sheet workbook (write-only, so a long list streams)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "Sheet1")
    append(sheet, list(headers))
    for row in rows:
        append(sheet, row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def dataset_xlsx(dataset) -> bytes:
    """A tablib Dataset (django-import-export) as a safe XLSX."""
    return xlsx_bytes(dataset.headers or [], dataset, title=dataset.title or "Sheet1")


def dataset_csv(dataset, bom: bool = True) -> str:
    return csv_text(dataset.headers or [], dataset, bom=bom)


def sql_neutralise(expr: str) -> str:
    """The same rule in SQL, for files written by COPY … TO (the import error report)."""
    return (f"CASE WHEN {expr} ~ '^[-=+@\\t\\r]' AND {expr} !~ '^[+-]?[0-9]+(\\.[0-9]*)?$' "
            f"THEN '''' || {expr} ELSE {expr} END")
