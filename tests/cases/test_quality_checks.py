"""Every quality rule of domain.md §9: one bad row per rule, reported with its exact field and code."""
import io

import pytest
from django_scopes import scopes_disabled
from openpyxl import Workbook

from apps.cases.models import Case, ImportJob
from apps.cases.services import case_import_start, patient_hash, private_path
from apps.tenants.enums import Role

from .helpers import csv_bytes, read_errors, row

RULES = [
    # (overrides, field, code)
    ({"settlement_id": ""}, "settlement_id", "required"),
    ({"principal_dx": ""}, "principal_dx", "required"),
    ({"total_cost": ""}, "total_cost", "required"),
    ({"gender": "3"}, "gender", "invalid_choice"),
    ({"insurance_type": "999"}, "insurance_type", "invalid_choice"),
    ({"discharge_method": "7"}, "discharge_method", "invalid_choice"),
    ({"admission_date": "2025-02-30"}, "admission_date", "invalid_format"),
    ({"discharge_date": "08/03/2025"}, "discharge_date", "invalid_format"),
    ({"total_cost": "12,5"}, "total_cost", "invalid_format"),
    ({"age": "forty"}, "age", "invalid_format"),
    ({"discharge_date": "2025-02-20", "los_days": "1"}, "discharge_date", "discharge_before_admission"),
    ({"los_days": "9"}, "los_days", "los_mismatch"),
    ({"principal_dx": "X99.999"}, "principal_dx", "unknown_diagnosis"),
    ({"principal_proc": "99.9999"}, "principal_proc", "unknown_procedure"),
    ({"other_procs": "89.5200|00.0000"}, "other_procs", "unknown_procedure"),
    ({"drug_cost": "-1.00"}, "drug_cost", "negative_cost"),
    ({"drug_cost": "5000.00", "consumable_cost": "2000", "exam_cost": "1500"}, "total_cost", "cost_parts_exceed_total"),
    ({"self_pay": "9000.00"}, "self_pay", "self_pay_exceeds_total"),
    ({"gender": "1", "drg_code": "NA19"}, "drg_code", "gender_group_mismatch"),
    ({"gender": "2", "drg_code": "MA19"}, "drg_code", "gender_group_mismatch"),
    ({"age": "0", "age_days": ""}, "age_days", "age_days_missing"),
    ({"drg_code": "ZZ99"}, "drg_code", "unknown_group"),
    ({"hospital_code": "H9999999999"}, "hospital_code", "unknown_hospital"),
    ({"age": "200"}, "age", "out_of_range"),
]


def _import(world_region, user, content: bytes, filename="cases.csv", **kw) -> ImportJob:
    with scopes_disabled():
        return case_import_start(actor=user, region=world_region.region, data=content, filename=filename, **kw)


def _errors(job: ImportJob) -> list[dict]:
    return read_errors(private_path(job.error_file).read_text(encoding="utf-8")) if job.error_file else []


@pytest.mark.parametrize(("overrides", "field", "code"), RULES, ids=[f"{r[1]}-{r[2]}" for r in RULES])
def test_each_rule_rejects_the_row_with_field_and_code(cworld, overrides, field, code):
    a = cworld["A"]
    job = _import(a, a.users[Role.BUREAU_ADMIN], csv_bytes([row(1), row(2, **overrides)]))
    assert job.status == "ready", job.error_message
    assert (job.total, job.created, job.rejected) == (2, 1, 1)
    errors = _errors(job)
    assert {(e["row"], e["field"], e["code"]) for e in errors} == {("3", field, code)}
    assert all(e["message"] for e in errors)


def test_good_edge_cases_are_accepted(cworld):
    a = cworld["A"]
    rows = [
        row(1, admission_date="2025-03-01", discharge_date="2025-03-01", los_days="1"),  # same day counts as 1
        row(2, age="0", age_days="12", drg_code=""),  # newborn, ungrouped
        row(3, gender="2", drg_code="NA19", principal_proc="74.1x00", other_procs="89.5200|88.7601"),
        row(4, admission_date="2025/3/1 08:00:00", discharge_date="2025-03-08T10:00:00"),
        row(5, total_cost="8000", self_pay="8000"),
    ]
    job = _import(a, a.users[Role.BUREAU_ADMIN], csv_bytes(rows))
    assert (job.created, job.rejected) == (5, 0), _errors(job)
    with scopes_disabled():
        newborn = Case.objects.get(settlement_id="S00002")
        assert newborn.drg_code == "" and newborn.age_days == 12
        assert Case.objects.get(settlement_id="S00003").other_procs == ["89.5200", "88.7601"]
        assert Case.objects.get(settlement_id="S00001").warnings == ["los_short"]


def test_patient_id_is_hashed_never_stored(cworld):
    a = cworld["A"]
    _import(a, a.users[Role.BUREAU_ADMIN], csv_bytes([row(1, patient_id="110101199001011234")]))
    with scopes_disabled():
        case = Case.objects.get()
    assert case.patient_hash == patient_hash("110101199001011234")
    with scopes_disabled():
        stored = Case.objects.filter(pk=case.pk).values().first()
    assert not any("110101199001011234" in str(value) for value in stored.values())


def test_duplicate_settlement_id_in_one_file(cworld):
    a = cworld["A"]
    rows = [row(1), row(1), row(2), row(2, total_cost="9000.00")]
    job = _import(a, a.users[Role.BUREAU_ADMIN], csv_bytes(rows))
    assert (job.total, job.created, job.unchanged, job.rejected) == (4, 1, 1, 2)
    assert {(e["row"], e["field"], e["code"]) for e in _errors(job)} == {
        ("4", "settlement_id", "duplicate_settlement_id"), ("5", "settlement_id", "duplicate_settlement_id")}


def test_mixed_file_good_rows_land_bad_rows_reported(cworld):
    a = cworld["A"]
    rows = [row(i) for i in range(1, 21)]
    bad = {5: {"gender": "0"}, 9: {"principal_dx": "NOPE"}, 14: {"los_days": "3"}, 20: {"hospital_code": "HX"}}
    for n, overrides in bad.items():
        rows[n - 1].update(overrides)
    job = _import(a, a.users[Role.BUREAU_ADMIN], csv_bytes(rows))
    assert (job.total, job.created, job.rejected, job.updated, job.unchanged) == (20, 16, 4, 0, 0)
    errors = _errors(job)
    assert [(e["row"], e["settlement_id"], e["code"]) for e in errors] == [
        ("6", "S00005", "invalid_choice"), ("10", "S00009", "unknown_diagnosis"),
        ("15", "S00014", "los_mismatch"), ("21", "S00020", "unknown_hospital")]
    assert all(e["message"] for e in errors)
    with scopes_disabled():
        assert set(Case.objects.values_list("settlement_id", flat=True)) == {f"S{i:05d}" for i in range(1, 21)} - {
            f"S{n:05d}" for n in bad}


def test_identical_reupload_is_a_noop_and_changed_row_updates(cworld):
    a = cworld["A"]
    user = a.users[Role.BUREAU_STAFF]
    content = csv_bytes([row(1), row(2), row(3)])
    first = _import(a, user, content)
    with scopes_disabled():
        before = {c.settlement_id: (c.pk, c.updated_at, c.import_job_id) for c in Case.objects.all()}
    again = _import(a, user, content)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 0)
    with scopes_disabled():
        assert {c.settlement_id: (c.pk, c.updated_at, c.import_job_id) for c in Case.objects.all()} == before
    # re-formatted but identical values are still identical
    reformatted = csv_bytes([row(1, total_cost="8000", admission_date="2025/03/01"), row(2), row(3, total_cost="8100")])
    third = _import(a, user, reformatted)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    with scopes_disabled():
        changed = Case.objects.get(settlement_id="S00003")
        assert str(changed.total_cost) == "8100.00" and changed.import_job_id == third.pk
        assert Case.objects.count() == 3
    assert first.created == 3


def test_chinese_headers_and_xlsx(cworld):
    from apps.cases.columns import BY_NAME

    a = cworld["A"]
    zh_header = [BY_NAME[c].aliases[0] for c in BY_NAME if c not in ("birth_weight_g", "ventilation_hours")]
    job = _import(a, a.users[Role.BUREAU_ADMIN], csv_bytes([row(1), row(2)], header=zh_header))
    assert (job.created, job.rejected) == (2, 0), job.error_message
    wb = Workbook()
    wb.create_sheet("second")
    ws = wb.worksheets[0]
    ws.append(zh_header)
    for n in (3, 4):
        r = row(n)
        ws.append([int(r[c]) if c in ("age", "los_days") else r[c] for c in BY_NAME if c not in ("birth_weight_g", "ventilation_hours")])
    ws.append(list(row(5, gender="9").values()))
    buf = io.BytesIO()
    wb.save(buf)
    job = _import(a, a.users[Role.BUREAU_ADMIN], buf.getvalue(), filename="清单.xlsx")
    assert (job.total, job.created, job.rejected) == (3, 2, 1), job.error_message
    assert [(e["row"], e["code"]) for e in _errors(job)] == [("4", "invalid_choice")]


def test_missing_columns_is_a_file_error(cworld):
    a = cworld["A"]
    job = _import(a, a.users[Role.BUREAU_ADMIN], b"settlement_id,hospital_code\nS1,H1\n")
    assert job.status == "failed" and "total_cost" in job.error_message
    with scopes_disabled():
        assert Case.objects.count() == 0


def test_ragged_rows_are_reported_not_fatal(cworld):
    a = cworld["A"]
    content = csv_bytes([row(1), row(2)]) + b"S3,too,few\n"
    job = _import(a, a.users[Role.BUREAU_ADMIN], content)
    assert (job.created, job.rejected) == (2, 1)
    assert ("4", "row", "malformed_row") in {(e["row"], e["field"], e["code"]) for e in _errors(job)}


def test_hospital_users_upload_only_their_own_hospital(cworld):
    a = cworld["A"]
    own, other = a.hospitals[0].code, a.hospitals[1].code
    job = _import(a, a.users[Role.HOSPITAL_STAFF], csv_bytes([row(1, hospital_code=own), row(2, hospital_code=other)]))
    assert (job.created, job.rejected) == (1, 1)
    assert [(e["row"], e["field"], e["code"]) for e in _errors(job)] == [("3", "hospital_code", "hospital_out_of_scope")]
    bureau = _import(a, a.users[Role.BUREAU_ADMIN], csv_bytes([row(2, hospital_code=other)]))
    assert bureau.created == 1


def test_dry_run_writes_nothing_then_confirm_imports(cworld):
    from apps.cases.services import case_import_confirm

    a = cworld["A"]
    user = a.users[Role.BUREAU_ADMIN]
    job = _import(a, user, csv_bytes([row(1), row(2, gender="x")]), dry_run=True)
    assert (job.status, job.created, job.rejected) == ("ready", 1, 1)
    assert job.preview["rows"][0]["settlement_id"] == "S00001"
    assert job.preview["errors"][0]["code"] == "invalid_choice"
    with scopes_disabled():
        assert Case.objects.count() == 0
        real = case_import_confirm(actor=user, job=job)
        assert (real.created, real.rejected, real.dry_run) == (1, 1, False)
        assert Case.objects.count() == 1


def test_cleared_year_rejects_rows(cworld, monkeypatch):
    from apps.cases import selectors

    a = cworld["A"]
    user = a.users[Role.BUREAU_ADMIN]
    _import(a, user, csv_bytes([row(1)]))
    monkeypatch.setattr(selectors, "cleared_years", lambda region: {2025})
    job = _import(a, user, csv_bytes([row(1), row(2), row(3, admission_date="2024-03-01", discharge_date="2024-03-08")]))
    # identical row: unchanged; new 2025 row: rejected; 2024 row lands
    assert (job.unchanged, job.rejected, job.created) == (1, 1, 1)
    assert [(e["row"], e["code"]) for e in _errors(job)] == [("3", "period_cleared")]


def test_warnings_long_stay_and_cost_outlier(cworld):
    a = cworld["A"]
    rows = [row(i, total_cost="1000", drug_cost="100", consumable_cost="100", exam_cost="100", self_pay="100", fund_paid="900")
            for i in range(1, 30)]
    rows.append(row(30, admission_date="2025-01-01", discharge_date="2025-03-08", los_days="66", total_cost="90000"))
    job = _import(a, a.users[Role.BUREAU_ADMIN], csv_bytes(rows))
    assert job.created == 30
    with scopes_disabled():
        assert Case.objects.get(settlement_id="S00030").warnings == ["los_long", "cost_outlier"]
        assert Case.objects.get(settlement_id="S00001").warnings == []
