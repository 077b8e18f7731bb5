"""Post-import grouping, the optional columns, `group_cases` and the set-based chunk writer."""
from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from apps.cases import grouping
from apps.cases.models import Case, GroupingJob
from apps.cases.services import case_import_start, grouping_job_start
from apps.core.errors import Forbidden, ValidationFailed
from apps.tenants.enums import Role

from .helpers import rows_for, upload

pytestmark = pytest.mark.django_db


def _import(world, key="A", rows=None, user_role=Role.BUREAU_STAFF):
    rw = world[key]
    data = upload(rows if rows is not None else rows_for(rw.hospital.code))
    with scopes_disabled():
        return case_import_start(actor=rw.users[user_role], region=rw.region, data=data, filename="cases.csv")


def _cases(region) -> dict[str, Case]:
    with scopes_disabled():
        return {c.settlement_id: c for c in Case.objects.filter(region=region)}


def test_import_reads_the_optional_columns(gworld, fake_grouper):
    rw = gworld["A"]
    rows = rows_for(rw.hospital.code)[:1]
    rows[0].update(age="0", age_days="3", birth_weight_g="2300", ventilation_hours="120", principal_dx="J18.900")
    job = _import(gworld, rows=rows)
    assert job.created == 1, job.preview
    case = _cases(rw.region)["S00001"]
    assert (case.age_days, case.birth_weight_g, case.ventilation_hours) == (3, 2300, 120)


def test_import_accepts_files_without_the_optional_columns(gworld, fake_grouper):
    from apps.cases.columns import EXPORT_COLUMNS

    rw = gworld["A"]
    with scopes_disabled():
        job = case_import_start(actor=rw.users[Role.BUREAU_STAFF], region=rw.region,
                                data=upload(rows_for(rw.hospital.code), columns=EXPORT_COLUMNS), filename="c.csv")
    assert job.created == 5
    assert _cases(rw.region)["S00001"].birth_weight_g is None


def test_post_import_grouping_fills_undeclared_codes_and_flags_disagreements(gworld, fake_grouper):
    rw = gworld["A"]
    job = _import(gworld)
    assert job.created == 5, job.preview
    cases = _cases(rw.region)
    s1, s2, s3, s4, s5 = (cases[f"S0000{i}"] for i in range(1, 6))
    # undeclared + ok → drg_code filled from the grouper
    assert (s1.grouping_status, s1.grouper_drg_code, s1.drg_code, s1.declared_drg_code) == ("ok", "ES33", "ES33", "")
    assert not s1.grouping_mismatch and s1.grouper_version == fake_grouper.version and s1.grouped_at
    assert s1.grouping_trace["trace"][0]["message"].startswith("主诊断 J18.900")
    assert s1.grouping_trace["cc"] == ["I10.x00"]
    # declared ES31, the grouper finds ES33: the declared code stays, the case is flagged
    assert (s2.drg_code, s2.grouper_drg_code, s2.grouping_mismatch) == ("ES31", "ES33", True)
    assert (s3.drg_code, s3.grouping_mismatch) == ("ES31", False)
    # ungroupable: nothing filled
    assert (s4.grouping_status, s4.grouper_drg_code, s4.drg_code) == ("ungroupable", "0000", "")
    assert (s5.drg_code, s5.grouper_adrg, s5.grouper_mdc) == ("HC15", "HC1", "MDCH")
    with scopes_disabled():
        run = GroupingJob.objects.get(region=rw.region, import_job=job)
    assert run.status == "ready" and run.progress == 100
    assert (run.total, run.done, run.n_ok, run.n_ungroupable, run.n_mismatch, run.n_filled) == (5, 5, 4, 1, 1, 2)


def test_reimport_of_a_changed_row_is_grouped_again_and_identical_rows_stay(gworld, fake_grouper):
    rw = gworld["A"]
    _import(gworld)
    rows = rows_for(rw.hospital.code)
    rows[0]["secondary_dx"] = "I50.000"  # S1 now has an MCC
    job = _import(gworld, rows=rows)
    assert (job.created, job.updated, job.unchanged) == (0, 1, 4)
    cases = _cases(rw.region)
    assert (cases["S00001"].grouper_drg_code, cases["S00001"].drg_code) == ("ES31", "ES31")
    with scopes_disabled():
        assert GroupingJob.objects.get(import_job=job).total == 1


def test_grouping_keeps_a_code_changed_by_a_dispute_and_respects_cleared_years(gworld, fake_grouper, monkeypatch):
    rw = gworld["A"]
    _import(gworld)
    with scopes_disabled():
        Case.objects.filter(region=rw.region, settlement_id="S00001").update(drg_code="ES35")  # a dispute regroup
        job = grouping_job_start(actor=None, region=rw.region, scope="all", sync=True)
    assert job.n_ok == 4
    cases = _cases(rw.region)
    assert cases["S00001"].drg_code == "ES35"  # not the grouper's any more: kept
    assert cases["S00005"].drg_code == "HC15"
    # a cleared year is frozen: the grouper does not clear or fill drg_code there
    monkeypatch.setattr("apps.cases.selectors.cleared_years", lambda region: {2025})
    with scopes_disabled():
        Case.objects.filter(region=rw.region, settlement_id="S00005").update(drg_code="")
        grouping_job_start(actor=None, region=rw.region, scope="all", sync=True)
    assert _cases(rw.region)["S00005"].drg_code == ""


def test_only_catalogue_codes_are_filled(gworld, fake_grouper, monkeypatch):
    rw = gworld["A"]
    monkeypatch.setattr("apps.cases.selectors.catalogue_group_codes", lambda region, year: ["ES31"])
    _import(gworld, rows=rows_for(rw.hospital.code)[:1] + rows_for(rw.hospital.code)[4:])
    cases = _cases(rw.region)
    assert (cases["S00001"].grouper_drg_code, cases["S00001"].drg_code) == ("ES33", "")


def test_group_cases_command_prints_counts_per_status(gworld, fake_grouper):
    rw = gworld["A"]
    _import(gworld)
    _import(gworld, key="B", rows=rows_for(gworld["B"].hospital.code))
    out = io.StringIO()
    call_command("group_cases", "--region", rw.region.code, "--all", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["region"] == rw.region.code and summary["version"] == fake_grouper.version
    assert {k: summary[k] for k in ("cases", "ok", "ambiguous", "ungroupable", "invalid", "differ_from_declared")} == {
        "cases": 5, "ok": 4, "ambiguous": 0, "ungroupable": 1, "invalid": 0, "differ_from_declared": 1}
    # default: only cases not grouped yet → none left
    out = io.StringIO()
    call_command("group_cases", "--region", rw.region.code, stdout=out)
    assert json.loads(out.getvalue())["cases"] == 0
    out = io.StringIO()
    call_command("group_cases", "--region", rw.region.code, "--all", "--period", "2024", stdout=out)
    assert json.loads(out.getvalue())["cases"] == 0
    out = io.StringIO()
    call_command("group_cases", "--region", rw.region.code, "--all", "--period", "2025-03",
                 "--version", fake_grouper.version, stdout=out)
    assert json.loads(out.getvalue())["cases"] == 5


def test_group_cases_command_errors(gworld, fake_grouper):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown region"):
        call_command("group_cases", "--region", "999999", stdout=io.StringIO())
    with pytest.raises(CommandError, match="not loaded"):
        call_command("group_cases", "--region", gworld["A"].region.code, "--version", "nope", stdout=io.StringIO())
    with pytest.raises(CommandError, match="period"):
        call_command("group_cases", "--region", gworld["A"].region.code, "--period", "2025-13", stdout=io.StringIO())


def test_chunks_are_id_ranges_and_each_chunk_is_one_read_and_one_update(gworld, fake_grouper, django_assert_max_num_queries):
    rw = gworld["A"]
    _import(gworld)
    with scopes_disabled():
        Case.objects.filter(region=rw.region).update(grouping_status="")
    total, chunks = grouping.plan_chunks(rw.region.pk, "pending", None, None, chunk=2)
    assert total == 5 and len(chunks) == 3
    assert chunks[0][0] < chunks[0][1] < chunks[1][0]
    with scopes_disabled(), django_assert_max_num_queries(14):
        counts = grouping.group_chunk(region=rw.region, version=fake_grouper.version, lo=chunks[0][0],
                                      hi=chunks[-1][1], scope="pending")
    assert counts["cases"] == 5


def test_grouping_run_roles(gworld, fake_grouper):
    a = gworld["A"]
    with scopes_disabled():
        with pytest.raises(Forbidden):
            grouping_job_start(actor=a.users[Role.HOSPITAL_STAFF], region=a.region)
        with pytest.raises(ValidationFailed):
            grouping_job_start(actor=a.users[Role.BUREAU_ADMIN], region=a.region, period="20x5")
        job = grouping_job_start(actor=a.users[Role.BUREAU_ADMIN], region=a.region)
    assert job.status == "ready" and job.total == 0


def test_no_rule_set_loaded_skips_post_import_grouping(gworld, monkeypatch):
    from types import SimpleNamespace

    monkeypatch.setattr(grouping, "_loader", lambda: SimpleNamespace(available_versions=lambda: []))
    job = _import(gworld)
    assert job.created == 5
    cases = _cases(gworld["A"].region)
    assert cases["S00001"].grouping_status == "" and cases["S00002"].declared_drg_code == "ES31"


def test_an_unreachable_queue_never_fails_the_import(gworld, fake_grouper, monkeypatch, settings,
                                                     django_capture_on_commit_callbacks):
    from apps.cases import tasks

    def broken(**kwargs):
        raise FileNotFoundError("queue folder")

    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(tasks.grouping_chunk_task, "delay", broken)
    rw = gworld["A"]
    with scopes_disabled():
        from apps.cases.services import case_import_run

        job = case_import_start(actor=None, region=rw.region, data=upload(rows_for(rw.hospital.code)),
                                filename="c.csv", enqueue=False)
        with django_capture_on_commit_callbacks(execute=True):
            job = case_import_run(job)
        run = GroupingJob.objects.get(import_job=job)
    assert job.status == "ready" and job.created == 5
    assert run.status == "failed" and "queue" in run.error_message
    assert _cases(rw.region)["S00001"].grouping_status == ""  # left for group_cases


def test_group_cases_queue_runs_the_chunks_as_celery_tasks(gworld, fake_grouper, monkeypatch):
    from apps.cases import tasks

    rw = gworld["A"]
    _import(gworld)
    seen = []
    original = tasks.grouping_chunk_task.delay
    monkeypatch.setattr(grouping, "CHUNK", 2)
    monkeypatch.setattr(tasks.grouping_chunk_task, "delay", lambda **kw: seen.append(kw) or original(**kw))
    out = io.StringIO()
    call_command("group_cases", "--region", rw.region.code, "--all", "--queue", stdout=out, stderr=io.StringIO())
    summary = json.loads(out.getvalue())
    assert summary["status"] == "ready" and summary["cases"] == 5 and summary["ok"] == 4
    assert len(seen) == 3 and all(kw["region_id"] == rw.region.pk for kw in seen)
