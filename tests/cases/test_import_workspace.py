"""The import's workspace (decision 0045): unlogged staging tables in a per-session schema, and a large file
typed in parts over block ranges of the staged rows; the outcome is the same as in one pass."""
from django.db import connection
from django.test import override_settings
from django_scopes import scopes_disabled

from apps.cases.importer import WORKSPACE_PREFIX
from apps.cases.models import Case, ImportJob
from apps.cases.services import case_import_start, private_path
from apps.tenants.enums import Role

from .helpers import csv_bytes, read_errors, row

BAD = {7: {"gender": "0"}, 60: {"principal_dx": "NOPE"}, 133: {"los_days": "3"}, 199: {"total_cost": "12,5"}}


def _rows() -> list[dict]:
    rows = [row(i) for i in range(1, 201)]
    for n, overrides in BAD.items():
        rows[n - 1].update(overrides)
    rows.append(row(3))  # an identical duplicate: counts once
    return rows


def _import(world_region, content: bytes) -> ImportJob:
    with scopes_disabled():
        return case_import_start(actor=world_region.users[Role.BUREAU_ADMIN], region=world_region.region,
                                 data=content, filename="cases.csv")


def _outcome(job: ImportJob) -> tuple:
    errors = read_errors(private_path(job.error_file).read_text(encoding="utf-8")) if job.error_file else []
    with scopes_disabled():
        cases = sorted(Case.objects.filter(region=job.region).values_list("settlement_id", "content_hash"))
    return ((job.total, job.created, job.updated, job.unchanged, job.rejected),
            [(e["row"], e["settlement_id"], e["field"], e["code"]) for e in errors], cases)


def _workspaces() -> list[str]:
    with connection.cursor() as cur:
        cur.execute("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)", [WORKSPACE_PREFIX])
        return [name for (name,) in cur.fetchall()]


def test_typing_in_parts_gives_the_same_rows_errors_and_hashes_as_one_pass(cworld):
    a, b = cworld["A"], cworld["B"]
    content = csv_bytes(_rows())
    with override_settings(CASE_IMPORT_SESSIONS=1):
        whole = _import(a, content)
    # region B's hospitals have other codes: give its file A's rows with B's first hospital
    b_content = csv_bytes([{**r, "hospital_code": b.hospitals[0].code} if r["hospital_code"] == a.hospitals[0].code
                           else r for r in _rows()])
    with override_settings(CASE_IMPORT_SESSIONS=3, CASE_IMPORT_PARALLEL_MIN_ROWS=1):
        parts = _import(b, b_content)
    counts, errors, cases = _outcome(whole)
    assert counts == (201, 196, 0, 1, 4)
    assert errors == [("8", "S00007", "gender", "invalid_choice"), ("61", "S00060", "principal_dx", "unknown_diagnosis"),
                      ("134", "S00133", "los_days", "los_mismatch"), ("200", "S00199", "total_cost", "invalid_format")]
    assert len(cases) == 196
    p_counts, p_errors, p_cases = _outcome(parts)
    assert (p_counts, p_errors) == (counts, errors)
    # every row typed once (no row lost or doubled between the block ranges), with the same values
    assert [sid for sid, _h in p_cases] == [sid for sid, _h in cases]


def test_workspace_is_dropped_and_search_path_restored(cworld):
    a = cworld["A"]
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('search_path')")
        before = cur.fetchone()[0]
        # a crashed import's leftover: a workspace whose session no longer exists
        cur.execute("SELECT max(pid) + 1000 FROM pg_stat_activity")
        dead = f"{WORKSPACE_PREFIX}{cur.fetchone()[0]}"
        cur.execute(f"CREATE SCHEMA {dead}")
        cur.execute(f"CREATE UNLOGGED TABLE {dead}.cs_stage (rownum bigint)")
    job = _import(a, csv_bytes([row(1), row(2)]))
    assert (job.total, job.created) == (2, 2)
    assert _workspaces() == []
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('search_path')")
        assert cur.fetchone()[0] == before
