"""Building settlement-list files for the import tests."""
from __future__ import annotations

import csv
import io

from apps.cases.columns import EXPORT_COLUMNS

GOOD = {
    "settlement_id": "S0001",
    "hospital_code": "H3418000001",
    "patient_id": "P0001",
    "insurance_type": "310",
    "gender": "1",
    "age": "45",
    "age_days": "",
    "admission_date": "2025-03-01",
    "discharge_date": "2025-03-08",
    "los_days": "7",
    "discharge_method": "1",
    "principal_dx": "J18.900",
    "secondary_dx": "I10.x00",
    "principal_proc": "",
    "other_procs": "",
    "drg_code": "ES31",
    "total_cost": "8000.00",
    "drug_cost": "3000.00",
    "consumable_cost": "1000.00",
    "exam_cost": "1500.00",
    "self_pay": "1600.00",
    "fund_paid": "6400.00",
    "department": "呼吸内科",
}


def row(n: int = 1, **overrides) -> dict[str, str]:
    data = dict(GOOD, settlement_id=f"S{n:05d}", patient_id=f"P{n:05d}")
    data.update({k: str(v) for k, v in overrides.items()})
    return data


def csv_bytes(rows: list[dict], columns=EXPORT_COLUMNS, header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header or list(columns))
    for r in rows:
        writer.writerow([r.get(c, "") for c in columns])
    return out.getvalue().encode("utf-8")


def read_errors(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
