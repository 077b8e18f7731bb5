"""Exports of screening items: CSV for `export_screening` (interfaces.md columns) and XLSX for the screens."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TextIO

from django.db.models import QuerySet
from django.http import HttpResponse

from apps.core import exports as safe_csv

CSV_COLUMNS = ("rule", "settlement_id", "hospital_code", "related_settlement_id", "status", "evidence")
XLSX_COLUMNS = ("id", "rule", "period", "settlement_id", "hospital_code", "hospital_name", "related_settlement_id",
                "status", "reply_due", "evidence", "answer", "decision_reason")


def rows(qs: QuerySet) -> Iterator[tuple]:
    """CSV rows in a stable order (rule, settlement id); evidence as compact JSON with sorted keys."""
    for rule, sid, code, related, status, evidence in (
            qs.order_by("rule", "case__settlement_id")
            .values_list("rule", "case__settlement_id", "hospital__code", "related_case__settlement_id", "status",
                         "evidence").iterator(chunk_size=2000)):
        yield rule, sid, code, related or "", status, json.dumps(evidence, ensure_ascii=False, sort_keys=True,
                                                                  separators=(",", ":"))


def write_csv(qs: QuerySet, out: TextIO) -> int:
    writer = safe_csv.writer(out)  # formulas neutralised (apps/core/exports.py)
    writer.writerow(CSV_COLUMNS)
    n = 0
    for row in rows(qs):
        writer.writerow(row)
        n += 1
    return n


def xlsx_response(qs: QuerySet) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("疑点")
    sheet.append(list(XLSX_COLUMNS))
    for item in qs.select_related("hospital", "case", "related_case").iterator(chunk_size=2000):
        safe_csv.append(sheet, [item.pk, item.rule, item.period, item.case.settlement_id, item.hospital.code,
                      item.hospital.name, item.related_case.settlement_id if item.related_case_id else "",
                      item.status, item.reply_due.isoformat(),
                      json.dumps(item.evidence, ensure_ascii=False, sort_keys=True), item.answer_text,
                      item.decision_reason])
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="screening.xlsx"'
    book.save(response)
    return response
