"""Exports of coefficients and settlement results (interfaces.md §2): plain decimals exactly as stored.

Rows are read with `.values_list(...).iterator()` (a server-side cursor), so a run with a million
case results streams in constant memory, both to a file (commands) and to an HTTP response (views).
"""
from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, TextIO

from django.db.models import QuerySet

from apps.core import exports as safe_csv

from .models import (
    CaseResult,
    CoefficientVersion,
    HospitalCoefficient,
    HospitalFundResult,
    HospitalResult,
    SettlementRun,
)

COEFFICIENT_COLUMNS = ("hospital_code", "level", "cost_index", "level_index", "coefficient", "is_new")
CASE_COLUMNS = ("settlement_id", "hospital_code", "drg_code", "case_type", "group_mean", "base_points", "ratio",
                "effective_base", "coefficient", "points", "adjusted_points")
HOSPITAL_COLUMNS = ("hospital_code", "cases", "points", "adjusted_points", "self_pay", "point_value", "due",
                    "advance", "balance")
CASE_FIELDS = ("settlement_id", "hospital__code", "drg_code", "case_type", "group_mean", "base_points", "ratio",
               "effective_base", "coefficient", "points", "adjusted_points")
HOSPITAL_FIELDS = ("hospital__code", "cases", "points", "adjusted_points", "self_pay", "point_value", "due",
                   "advance", "balance")
# two funds (domain §10): one row per hospital and fund
FUND_COLUMNS = ("hospital_code", "insurance_type", "cases", "points", "adjusted_points", "self_pay", "point_value",
                "due", "advance", "balance")
FUND_FIELDS = ("hospital__code", "insurance_type", "cases", "points", "adjusted_points", "self_pay", "point_value",
               "due", "advance", "balance")
# surplus retention / overspend sharing lines of an annual clearing where §10 applies
LINE_COLUMNS = ("retained", "shared")
CHUNK = 2000
XLSX_MAX_ROWS = 1_048_575  # an XLSX sheet holds 1,048,576 rows, the header included


def cell(value: Any) -> Any:
    """A value as written to a file: None → empty, Decimal as stored (no exponent), bool → 1/0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


# --- row sources (each yields tuples in the column order above) ------------------------------------


def coefficient_rows(version: CoefficientVersion, hospital_ids: Iterable[int] | None = None) -> Iterator[tuple]:
    """The queryset is built now (inside the caller's region scope); rows are read lazily."""
    qs = HospitalCoefficient.objects.filter(version=version)
    if hospital_ids is not None:
        qs = qs.filter(hospital_id__in=list(hospital_ids))
    raw = (qs.order_by("hospital__code")
           .values_list("hospital__code", "level", "cost_index", "level_index", "computed", "override", "is_new")
           .iterator(chunk_size=CHUNK))
    return ((code, level, ci, li, computed if override is None else override, is_new)
            for code, level, ci, li, computed, override, is_new in raw)


def case_queryset(run: SettlementRun, hospital_ids: Iterable[int] | None = None) -> QuerySet:
    qs = CaseResult.objects.filter(run=run)
    if hospital_ids is not None:
        qs = qs.filter(hospital_id__in=list(hospital_ids))
    return qs


def case_rows(run: SettlementRun, hospital_ids: Iterable[int] | None = None) -> Iterator[tuple]:
    # group mean, base points and coefficient are read through the run's joins (decision 0046)
    qs = case_queryset(run, hospital_ids).with_inputs().order_by("hospital__code", "settlement_id")
    return qs.values_list(*CASE_FIELDS).iterator(chunk_size=CHUNK)


def has_lines(run: SettlementRun) -> bool:
    """An annual clearing of a region that departs from §10's defaults: its files carry retained, shared."""
    from .engine import fund_params

    return fund_params(run)["lines"]


def hospital_columns(run: SettlementRun) -> tuple[str, ...]:
    return HOSPITAL_COLUMNS + LINE_COLUMNS if has_lines(run) else HOSPITAL_COLUMNS


def hospital_rows(run: SettlementRun, hospital_ids: Iterable[int] | None = None) -> Iterator[tuple]:
    qs = HospitalResult.objects.filter(run=run)
    if hospital_ids is not None:
        qs = qs.filter(hospital_id__in=list(hospital_ids))
    fields = HOSPITAL_FIELDS + LINE_COLUMNS if has_lines(run) else HOSPITAL_FIELDS
    return qs.order_by("hospital__code").values_list(*fields).iterator(chunk_size=CHUNK)


def fund_rows(run: SettlementRun, hospital_ids: Iterable[int] | None = None) -> Iterator[tuple]:
    """Per hospital and fund (empty for a one-fund run)."""
    qs = HospitalFundResult.objects.filter(run=run)
    if hospital_ids is not None:
        qs = qs.filter(hospital_id__in=list(hospital_ids))
    return qs.order_by("hospital__code", "insurance_type").values_list(*FUND_FIELDS).iterator(chunk_size=CHUNK)


# --- writers ---------------------------------------------------------------------------------------


def write_csv(handle: TextIO, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """Header plus rows; returns the number of data rows."""
    writer = safe_csv.writer(handle, lineterminator="\n")  # formulas neutralised (apps/core/exports.py)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([cell(v) for v in row])
        count += 1
    return count


class _Echo:
    """A file-like object whose write() returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def stream_csv(columns: tuple[str, ...], rows: Iterable[tuple]) -> Iterator[str]:
    """Lines of a CSV for StreamingHttpResponse, in batches (the columns are codes and numbers: no BOM needed)."""
    writer = safe_csv.writer(_Echo(), lineterminator="\n")
    yield writer.writerow(columns)
    batch: list[str] = []
    for row in rows:
        batch.append(writer.writerow([cell(v) for v in row]))
        if len(batch) >= 500:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def xlsx_file(columns: tuple[str, ...], rows: Iterable[tuple], title: str = "Sheet1"):
    """An XLSX (openpyxl write-only mode) in a temporary file, rewound; numbers stay numbers."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    safe_csv.append(sheet, list(columns))
    for row in rows:  # strings as text cells, never formulas
        safe_csv.append(sheet, ["" if v is None else (1 if v is True else 0 if v is False else v) for v in row])
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(handle)
    handle.seek(0)
    return handle
