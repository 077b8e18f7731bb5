"""The grouper API and screens per role and scope: pre-grouping, case detail, disagreement report."""
from __future__ import annotations

import csv
import io

import pytest
from django_scopes import scopes_disabled

from apps.cases.models import Case
from apps.cases.services import case_import_start
from apps.tenants.enums import Role

from .helpers import rows_for, upload

pytestmark = pytest.mark.django_db

BODY = {"principal_dx": "J18.900", "secondary_dx": ["I10.x00"], "procedures": [], "gender": 1, "age": 70,
        "los_days": 7, "discharge_method": "1"}


def _url(version):
    return f"/api/v1/grouper/{version}/group/"


def test_versions_and_group_for_any_authenticated_user(gworld, fake_grouper, api):
    user = gworld["A"].users[Role.HOSPITAL_STAFF]
    assert api(user).get("/api/v1/grouper/versions/").json()[0]["version"] == fake_grouper.version
    answer = api(user).post(_url(fake_grouper.version), BODY, format="json")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert {k: body[k] for k in ("status", "mdc", "adrg", "drg_code", "mcc", "cc")} == {
        "status": "ok", "mdc": "MDCE", "adrg": "ES3", "drg_code": "ES33", "mcc": [], "cc": ["I10.X00"]}
    assert body["trace"][0] == {"step": "mdc", "message": "主诊断 J18.900 属于 MDCE 的主诊断表", "codes": ["J18.900"]}
    # the caller's only region → its local rules apply
    assert fake_grouper.calls[-1] == (fake_grouper.version, gworld["A"].region.pk)
    assert api(None).post(_url(fake_grouper.version), BODY, format="json").status_code in (401, 403)


def test_group_accepts_pipe_separated_lists_and_rejects_bad_input(gworld, fake_grouper, api):
    client = api(gworld["A"].users[Role.BUREAU_STAFF])
    answer = client.post(_url(fake_grouper.version), {**BODY, "secondary_dx": "I50.000|I10.x00"}, format="json")
    assert answer.json()["drg_code"] == "ES31" and answer.json()["mcc"] == ["I50.000"]
    answer = client.post(_url(fake_grouper.version), {**BODY, "procedures": "51.2200"}, format="json")
    assert answer.json()["status"] == "ambiguous"
    bad = client.post(_url(fake_grouper.version), {"secondary_dx": [], "gender": 3, "age": -1}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "validation_error"
    assert set(bad.json()["errors"]) >= {"principal_dx", "gender", "age"}
    assert client.post(_url("no-such-version"), BODY, format="json").status_code == 404


def test_region_of_the_local_rules_is_checked_against_the_scope(gworld, fake_grouper, api):
    supervisor = api(gworld["supervisor"])  # regions A and B
    assert supervisor.post(_url(fake_grouper.version), BODY, format="json").status_code == 200
    assert fake_grouper.calls[-1][1] is None  # several regions: national rules
    answer = supervisor.post(_url(fake_grouper.version) + f"?region={gworld['B'].region.code}", BODY, format="json")
    assert answer.status_code == 200 and fake_grouper.calls[-1][1] == gworld["B"].region.pk
    for code in (gworld["C"].region.code, "000000"):
        assert supervisor.post(_url(fake_grouper.version), {**BODY, "region": code}, format="json").status_code == 404


def test_schema_is_valid_with_the_grouper_endpoints(gworld, api):
    answer = api(gworld["platform_admin"]).get("/api/v1/schema/?format=json")
    assert answer.status_code == 200
    paths = answer.json()["paths"]
    assert "/api/v1/grouper/{version}/group/" in paths and "/api/v1/grouper/versions/" in paths


# ---------------------------------------------------------------- the pre-grouping page

def test_grouping_page_groups_a_case_with_htmx(gworld, fake_grouper, client):
    client.force_login(gworld["A"].users[Role.HOSPITAL_STAFF])
    page = client.get("/groups/grouper/")
    assert page.status_code == 200 and 'id="grouper-form"' in page.content.decode()
    answer = client.post("/groups/grouper/", {"version": fake_grouper.version, "principal_dx": "J18.900",
                                              "secondary_dx": "I50.000, I10.x00", "gender": "1", "age": "70"},
                         HTTP_HX_REQUEST="true")
    text = answer.content.decode()
    assert answer.status_code == 200 and "<html" not in text
    assert 'id="grouper-drg">ES31<' in text and "主诊断 J18.900 属于 MDCE 的主诊断表" in text and "I50.000" in text
    # without htmx the whole page comes back with the result
    full = client.post("/groups/grouper/", {"version": fake_grouper.version, "principal_dx": "J18.900"})
    assert "<html" in full.content.decode() and "ES35" in full.content.decode()


def test_grouping_page_reads_a_pasted_row(gworld, fake_grouper, client):
    from apps.cases.columns import EXPORT_COLUMNS
    from tests.cases.helpers import row

    client.force_login(gworld["A"].users[Role.HOSPITAL_STAFF])
    record = row(1, principal_dx="K80.101", secondary_dx="", principal_proc="51.2200", drg_code="HC11")
    with_header = ",".join(EXPORT_COLUMNS) + "\n" + ",".join(record[c] for c in EXPORT_COLUMNS)
    text = client.post("/groups/grouper/", {"row": with_header}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="grouper-drg">HC15<' in text and "HC11" in text  # the declared code is shown as differing
    tabbed = "\t".join(record[c] for c in EXPORT_COLUMNS)  # copied from a spreadsheet, no header
    assert 'id="grouper-drg">HC15<' in client.post("/groups/grouper/", {"row": tabbed}, HTTP_HX_REQUEST="true").content.decode()
    broken = client.post("/groups/grouper/", {"row": "a,b"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="grouper-error"' in broken


def test_grouping_page_validates_and_checks_the_region(gworld, fake_grouper, client):
    client.force_login(gworld["supervisor"])
    text = client.post("/groups/grouper/", {"version": fake_grouper.version, "principal_dx": "", "age": "-3"},
                       HTTP_HX_REQUEST="true").content.decode()
    assert 'id="grouper-error"' in text
    answer = client.post("/groups/grouper/", {"version": fake_grouper.version, "principal_dx": "J18.900",
                                              "region": gworld["C"].region.code}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and 'id="grouper-error"' in answer.content.decode()  # not a choice


# ---------------------------------------------------------------- case detail and report

def _imported(gworld):
    for key in ("A", "B"):
        rw = gworld[key]
        rows = rows_for(rw.hospital.code)
        other = rows_for(rw.hospitals[1].code)
        for i, r in enumerate(other):  # the second hospital: declares ES31 on S2 and S3 too, agrees on both
            r["settlement_id"] = f"T{i:05d}"
            if r["drg_code"] == "ES31":
                r["secondary_dx"] = "I50.000"
        with scopes_disabled():
            job = case_import_start(actor=rw.users[Role.BUREAU_STAFF], region=rw.region, data=upload(rows + other),
                                    filename="c.csv")
        assert job.created == 10, job.preview


def test_case_detail_shows_both_results_and_the_trace(gworld, fake_grouper, client):
    _imported(gworld)
    with scopes_disabled():
        case = Case.objects.get(region=gworld["A"].region, settlement_id="S00002")
    client.force_login(gworld["A"].users[Role.HOSPITAL_STAFF])
    text = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="grouping-compare"' in text and "ES31" in text and "ES33" in text and 'id="grouping-trace"' in text
    assert "主诊断在 ES3 的诊断表中" in text and "badge-bad" in text


def test_report_rates_per_hospital_and_adrg(gworld, fake_grouper, client):
    _imported(gworld)
    a = gworld["A"]
    client.force_login(a.users[Role.BUREAU_STAFF])
    page = client.get(f"/groups/grouper/report/?region={a.region.code}&period=2025")
    report = page.context["report"]
    assert report["totals"]["cases"] == 10 and report["totals"]["compared"] == 4
    assert report["totals"]["mismatch"] == 1 and str(report["totals"]["rate"]) == "25.00"
    assert report["totals"]["upcoded"] == 1  # declared ES31, grouper ES33: same ADRG, more severe declared
    first, second = report["by_hospital"]
    assert (first["hospital__code"], first["compared"], first["mismatch"], str(first["rate"])) == (
        a.hospital.code, 2, 1, "50.00")
    assert (second["compared"], second["mismatch"], str(second["rate"])) == (2, 0, "0.00")
    es3 = next(r for r in report["by_adrg"] if r["grouper_adrg"] == "ES3")
    assert (es3["cases"], es3["compared"], es3["mismatch"]) == (6, 4, 1)
    export = client.get(f"/groups/grouper/report/?region={a.region.code}&period=2025&export=hospital")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows[0]["hospital_code"] == a.hospital.code and rows[0]["rate"] == "50.00" and rows[0]["mismatch"] == "1"
    adrg = client.get(f"/groups/grouper/report/?region={a.region.code}&export=adrg").content.decode("utf-8-sig")
    assert adrg.startswith("adrg,cases,") and "\nES3,6," in adrg.replace("\r", "")
    assert client.get(f"/groups/grouper/report/?region={a.region.code}&period=2024").context["report"]["totals"]["cases"] == 0


def test_report_scope_hospital_users_see_their_own_and_other_regions_are_404(gworld, fake_grouper, client):
    _imported(gworld)
    a = gworld["A"]
    client.force_login(a.users[Role.HOSPITAL_STAFF])
    report = client.get(f"/groups/grouper/report/?region={a.region.code}").context["report"]
    assert [r["hospital__code"] for r in report["by_hospital"]] == [a.hospital.code]
    assert report["totals"]["cases"] == 5
    assert client.get(f"/groups/grouper/report/?region={gworld['B'].region.code}").status_code == 404
    client.force_login(a.users[Role.EXPERT])
    assert client.get("/groups/grouper/report/").status_code == 403


def test_bureau_starts_a_grouping_run_from_the_report(gworld, fake_grouper, client):
    _imported(gworld)
    a = gworld["A"]
    client.force_login(a.users[Role.HOSPITAL_STAFF])
    assert client.post("/groups/grouper/run/", {"region": a.region.code}).status_code == 403
    client.force_login(a.users[Role.BUREAU_ADMIN])
    assert client.post("/groups/grouper/run/", {"region": gworld["C"].region.code}).status_code == 404
    answer = client.post("/groups/grouper/run/", {"region": a.region.code, "all": "1"})
    assert answer.status_code == 302
    page = client.get(answer["Location"])
    assert page.context["jobs"][0].done == 10 and page.context["jobs"][0].status == "ready"
    assert not page.context["running"] and 'id="grouping-jobs"' in page.content.decode()
    fragment = client.get(f"/groups/grouper/runs/?region={a.region.code}")
    assert fragment.status_code == 200 and "10/10" in fragment.content.decode()
    client.force_login(a.users[Role.HOSPITAL_STAFF])
    assert client.get(f"/groups/grouper/runs/?region={a.region.code}").status_code == 403


def test_case_api_and_list_filter_by_disagreement(gworld, fake_grouper, api, client):
    _imported(gworld)
    a = gworld["A"]
    answer = api(a.users[Role.BUREAU_STAFF]).get(f"/api/v1/cases/?region={a.region.code}&grouping_mismatch=1")
    results = answer.json()["results"]
    assert [c["settlement_id"] for c in results] == ["S00002"]
    assert (results[0]["declared_drg_code"], results[0]["grouper_drg_code"], results[0]["grouping_status"]) == (
        "ES31", "ES33", "ok")
    pending = api(a.users[Role.BUREAU_STAFF]).get("/api/v1/cases/?grouping_status=ungroupable").json()["results"]
    assert {c["settlement_id"] for c in pending} == {"S00004", "T00003"}
    client.force_login(a.users[Role.HOSPITAL_STAFF])
    text = client.get("/cases/?grouping_mismatch=1").content.decode()
    assert "S00002" in text and "≠ ES33" in text and "S00001" not in text
