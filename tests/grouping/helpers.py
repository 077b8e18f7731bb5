"""Settlement-list rows for the grouping tests (the columns of interfaces.md §1 plus the optional ones)."""
from __future__ import annotations

from apps.cases.columns import EXPORT_COLUMNS
from tests.cases.helpers import csv_bytes, row

OPTIONAL = (*EXPORT_COLUMNS, "birth_weight_g", "ventilation_hours")


def rows_for(hospital_code: str) -> list[dict]:
    """S1 pneumonia undeclared (→ ES33 filled); S2 declared ES31 but CC only (→ mismatch, 高套);
    S3 declared ES31 with MCC (agrees); S4 R69 undeclared (→ 0000); S5 cholecystectomy undeclared (→ HC15)."""
    h = {"hospital_code": hospital_code}
    return [
        row(1, drg_code="", **h),
        row(2, drg_code="ES31", **h),
        row(3, drg_code="ES31", secondary_dx="I50.000", **h),
        row(4, drg_code="", principal_dx="R69.x00", secondary_dx="", **h),
        row(5, drg_code="", principal_dx="K80.101", secondary_dx="", principal_proc="51.2200", department="普外科", **h),
    ]


def upload(rows: list[dict], columns=OPTIONAL) -> bytes:
    return csv_bytes(rows, columns=columns)
