"""The same paths over the real CHS-DRG 1.1 engine (apps.groups.grouper): import → grouping, API, page, demo."""
from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from apps.cases.models import Case
from apps.cases.services import case_import_start
from apps.tenants.enums import Role

from .helpers import upload

pytestmark = pytest.mark.django_db


def test_import_is_grouped_by_the_real_engine(gworld, real_grouper):
    from tests.cases.helpers import row

    rw = gworld["A"]
    h = {"hospital_code": rw.hospital.code}
    rows = [row(1, drg_code="", secondary_dx="I50.000", **h),            # → ES31, filled (in the 2.0 catalogue)
            row(2, drg_code="ES31", secondary_dx="", **h),               # → ES35: declared more severe (高套)
            row(3, drg_code="", principal_dx="K35.800", principal_proc="47.0100", **h)]  # → 0000: no principal dx of 1.1
    with scopes_disabled():
        job = case_import_start(actor=rw.users[Role.BUREAU_STAFF], region=rw.region, data=upload(rows),
                                filename="c.csv")
        assert job.created == 3, job.preview
        cases = {c.settlement_id: c for c in Case.objects.filter(region=rw.region)}
    s1, s2, s3 = cases["S00001"], cases["S00002"], cases["S00003"]
    assert (s1.grouping_status, s1.grouper_drg_code, s1.drg_code, s1.grouping_trace["mcc"]) == (
        "ok", "ES31", "ES31", ["I50.000"])
    assert (s2.grouper_drg_code, s2.drg_code, s2.grouping_mismatch) == ("ES35", "ES31", True)
    assert (s3.grouping_status, s3.grouper_drg_code, s3.drg_code) == ("ungroupable", "0000", "")
    assert any(step["step"] == "result" and "0000" in step["message"] for step in s3.grouping_trace["trace"])
    assert s1.grouper_version == "chs-drg-1.1"
    # A clean, agreeing case keeps codes only; its trace is rebuilt on demand (the same as the engine's).
    from apps.cases.grouping import stored_answer

    assert s1.grouping_trace["trace_deferred"] is True and s1.grouping_trace["trace"] == []
    rebuilt = stored_answer(s1)
    assert rebuilt["drg_code"] == "ES31" and rebuilt["trace_rebuilt"] is True
    assert any(step["step"] == "severity" or "I50.000" in step["codes"] for step in rebuilt["trace"])
    assert "trace_deferred" not in s2.grouping_trace and s2.grouping_trace["trace"]  # disagreement: kept


def test_api_with_the_real_engine(gworld, real_grouper, api):
    answer = api(gworld["A"].users[Role.HOSPITAL_STAFF]).post(
        "/api/v1/grouper/chs-drg-1.1/group/",
        {"principal_dx": "K80.101", "procedures": ["51.2200"], "gender": 2, "age": 50, "los_days": 5},
        format="json")
    body = answer.json()
    assert answer.status_code == 200 and (body["status"], body["mdc"], body["adrg"], body["drg_code"]) == (
        "ok", "MDCH", "HC2", "HC29")
    assert body["drg_name"] and any("51.2200" in step["codes"] for step in body["trace"])


def test_page_with_the_real_engine(gworld, real_grouper, client):
    client.force_login(gworld["A"].users[Role.HOSPITAL_STAFF])
    text = client.post("/groups/grouper/", {"version": "chs-drg-1.1", "principal_dx": "J18.900",
                                            "secondary_dx": "I50.000", "gender": "1", "age": "70"},
                       HTTP_HX_REQUEST="true").content.decode()
    assert 'id="grouper-drg">ES31<' in text and "MDCE" in text and "I50.000" in text
