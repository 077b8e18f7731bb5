"""The one computed-version lifecycle (apps.core.lifecycle, decision 0041): the move table, the claim race,
the reaping of stale workers on every model, and publish → supersede on every publishable model."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from apps.cases.models import GroupingJob, ImportJob
from apps.core import lifecycle
from apps.core.errors import InvalidTransition
from apps.core.lifecycle import MOVES, Lifecycle
from apps.core.models import AuditEvent
from apps.groups.models import Catalogue, StatsVersion
from apps.monitoring.models import IndicatorPeriod, Ranking
from apps.scenarios.models import Scenario
from apps.settlement.models import CoefficientVersion, SettlementRun
from tests.concurrency import race

YEAR = 2025
_n = itertools.count(1)


def _catalogue(region) -> Catalogue:
    catalogue = Catalogue._base_manager.filter(region=region).first()
    return catalogue or Catalogue._base_manager.create(region=region, version=f"LC{next(_n)}", name="lifecycle test")


def make(kind: str, region, status: str = Lifecycle.QUEUED, **extra):
    """A row of each lifecycle model in any state (no computation behind it)."""
    n = next(_n)
    with scopes_disabled():
        if kind == "stats":
            return StatsVersion.objects.create(region=region, year=YEAR, catalogue=_catalogue(region), number=n,
                                               base_start=2022, base_end=2024, min_cases=5, cv_max="1.0",
                                               lln_cases=100, status=status, **extra)
        if kind == "coefficients":
            stats = make("stats", region, Lifecycle.READY)
            return CoefficientVersion.objects.create(region=region, year=YEAR, number=n, stats_version=stats,
                                                     w_level="0.5", w_cost="0.5", new_hospital_factor="1.0",
                                                     status=status, **extra)
        if kind == "run":
            return SettlementRun.objects.create(region=region, kind="monthly", period=f"{YEAR}-03", year=YEAR, month=3,
                                                version=n, status=status, **extra)
        if kind == "indicators":
            return IndicatorPeriod.objects.create(region=region, period=f"P{n}", kind="month", year=YEAR, month=3,
                                                  start=dt.date(YEAR, 3, 1), end=dt.date(YEAR, 4, 1), status=status,
                                                  **extra)
        if kind == "ranking":
            period = make("indicators", region, Lifecycle.READY)
            return Ranking.objects.create(region=region, quarter=f"Q{n}", period=period, status=status, **extra)
        if kind == "scenario":
            return Scenario.objects.create(region=region, year=YEAR, name=f"s{n}", period=str(YEAR), status=status,
                                           **extra)
        if kind == "import":
            return ImportJob.objects.create(region=region, original_name="x.csv", stored_file=f"x{n}", status=status,
                                            **extra)
        if kind == "grouping":
            return GroupingJob.objects.create(region=region, version="v1", status=status, **extra)
    raise ValueError(kind)


def audited(obj, action: str) -> bool:
    with scopes_disabled():
        return AuditEvent.objects.filter(object_id=str(obj.pk), action=action).exists()


def status_of(obj) -> str:
    return type(obj)._base_manager.filter(pk=obj.pk).values_list("status", flat=True).get()


# --- the move table ----------------------------------------------------------------------------------------------

FUNCTIONS = {
    "claim": lambda obj: lifecycle.claim_or_refuse(obj),
    "finish": lambda obj: lifecycle.finish(obj),
    "fail": lambda obj: lifecycle.fail(obj, error="boom"),
    "requeue": lambda obj: lifecycle.requeue(obj),
}


@pytest.mark.django_db
@pytest.mark.parametrize("status", Lifecycle.values)
@pytest.mark.parametrize("action", sorted(MOVES))
def test_check_allows_exactly_the_table(action, status):
    sources, target = MOVES[action]
    if status in sources:
        assert lifecycle.check(action, status) == target
    else:
        with pytest.raises(InvalidTransition):
            lifecycle.check(action, status)


@pytest.mark.django_db
@pytest.mark.parametrize("status", Lifecycle.values)
@pytest.mark.parametrize("action", sorted(FUNCTIONS))
def test_every_function_moves_only_as_the_table_says(world, action, status):
    job = make("import", world["A"].region, status)
    sources, target = MOVES[action]
    if status in sources:
        FUNCTIONS[action](job)
        assert status_of(job) == target
    else:
        with pytest.raises(InvalidTransition):
            FUNCTIONS[action](job)
        assert status_of(job) == status  # nothing changed


@pytest.mark.django_db
@pytest.mark.parametrize("status", Lifecycle.values)
def test_publish_only_from_ready_with_the_same_refusal_everywhere(world, status):
    region = world["A"].region
    messages = set()
    for kind in ("stats", "coefficients", "run"):
        item = make(kind, region, status)
        if status == Lifecycle.READY:
            published, _previous = lifecycle.publish(item, actor=None)
            assert status_of(item) == Lifecycle.PUBLISHED and published.published_at
            continue
        with pytest.raises(InvalidTransition) as refused:
            lifecycle.publish(item, actor=None)
        messages.add(str(refused.value))
        assert status_of(item) == status
    if status != Lifecycle.READY:
        assert len(messages) == 1, messages  # one wording for every model
    if status == Lifecycle.PUBLISHED:
        assert "twice" in messages.pop()
    if status == Lifecycle.SUPERSEDED:
        assert "superseded" in messages.pop()


@pytest.mark.django_db
def test_fail_quiet_leaves_a_finished_row_alone(world):
    job = make("import", world["A"].region, Lifecycle.READY)
    assert lifecycle.fail(job, error="late", quiet=True) is False
    assert status_of(job) == Lifecycle.READY


@pytest.mark.django_db
def test_claim_records_worker_and_heartbeat_and_finish_sets_100(world):
    run = make("run", world["A"].region)
    assert lifecycle.claim(run, worker="node-1:42") is True
    assert lifecycle.claim(run, worker="node-2:7") is False  # a second delivery does not take it
    run.refresh_from_db()
    assert (run.status, run.worker) == (Lifecycle.RUNNING, "node-1:42") and run.heartbeat_at and run.started_at
    lifecycle.finish(run)
    run.refresh_from_db()
    assert (run.status, run.progress) == (Lifecycle.READY, 100) and run.finished_at


@pytest.mark.django_db
def test_progress_outside_a_transaction_writes_percent_and_heartbeat(world):
    run = make("run", world["A"].region)
    lifecycle.claim(run)
    SettlementRun._base_manager.filter(pk=run.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    assert lifecycle.progress(SettlementRun, run.pk, done=3, total=4) == 75
    run.refresh_from_db()
    # inside the test's transaction the side connection cannot see the row: the value is checked where it can be
    assert run.progress in (1, 75)


# --- claim under a race ------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_claim_one_row_and_exactly_one_wins(world):
    region = world["A"].region
    for _ in range(3):
        run = make("run", region)
        results = race([lambda w=w, pk=run.pk: lifecycle.claim(SettlementRun, pk, worker=w) for w in ("one", "two")])
        assert sorted(results) == [False, True], results
        run.refresh_from_db()
        assert run.status == Lifecycle.RUNNING and run.worker == ("one" if results[0] else "two")


@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_to_another_session_while_the_compute_transaction_runs(world):
    from django.db import transaction

    run = make("run", world["A"].region)
    lifecycle.claim(run)
    lifecycle._last_write.clear()
    seen = []
    with transaction.atomic():  # the computation's transaction: nothing of it is committed yet
        lifecycle.progress(SettlementRun, run.pk, done=50)
        seen = race([lambda: SettlementRun._base_manager.filter(pk=run.pk).values_list("progress", flat=True).get()])
    assert seen == [50]


# --- stale workers -----------------------------------------------------------------------------------------------

REAPABLE = {"stats": StatsVersion, "coefficients": CoefficientVersion, "run": SettlementRun,
            "indicators": IndicatorPeriod, "scenario": Scenario, "import": ImportJob, "grouping": GroupingJob}


def test_every_background_model_is_reaped_by_the_beat_task():
    assert set(lifecycle.lifecycle_models()) == set(REAPABLE.values())
    from config.celery import app

    assert any(entry["task"] == "core.reap_stale" for entry in app.conf.beat_schedule.values())


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(REAPABLE))
def test_reap_stale_fails_a_silent_worker_and_keeps_a_live_one(world, kind):
    region = world["A"].region
    old = timezone.now() - dt.timedelta(hours=2)
    dead = make(kind, region, Lifecycle.RUNNING, heartbeat_at=old)
    alive = make(kind, region, Lifecycle.RUNNING, heartbeat_at=timezone.now())
    forgotten = make(kind, region, Lifecycle.QUEUED)  # queued, never picked up: its creation is the last sign
    type(forgotten)._base_manager.filter(pk=forgotten.pk).update(created_at=old)
    done = make(kind, region, Lifecycle.READY, heartbeat_at=old)

    model = REAPABLE[kind]
    assert lifecycle.reap_all([model]) == {model._meta.label: 2}
    error = model.lifecycle.error
    for item in (dead, forgotten):
        item.refresh_from_db()
        assert item.status == Lifecycle.FAILED and "stale: the worker stopped" in getattr(item, error)
        assert audited(item, f"{model.lifecycle.name}.reaped")
    assert status_of(alive) == Lifecycle.RUNNING
    assert status_of(done) == Lifecycle.READY


@pytest.mark.django_db
def test_an_import_whose_worker_holds_the_lock_is_not_reaped(world):
    from apps.cases.services import IMPORT_LOCK

    job = make("import", world["A"].region, Lifecycle.RUNNING, heartbeat_at=timezone.now() - dt.timedelta(hours=2))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [IMPORT_LOCK, job.pk])
    try:
        assert lifecycle.reap_stale(ImportJob) == 0
        assert status_of(job) == Lifecycle.RUNNING
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [IMPORT_LOCK, job.pk])
    assert lifecycle.reap_stale(ImportJob) == 1


@pytest.mark.django_db
def test_the_lazy_check_reaps_then_refuses_while_fresh(world):
    region = world["A"].region
    with scopes_disabled():
        fresh = make("run", region, Lifecycle.RUNNING, heartbeat_at=timezone.now())
        runs = SettlementRun.objects.filter(region=region, period=f"{YEAR}-03")
        with pytest.raises(InvalidTransition, match="already running"):
            lifecycle.refuse_if_active(runs, "period")
        SettlementRun._base_manager.filter(pk=fresh.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
        lifecycle.refuse_if_active(runs, "period")
    assert status_of(fresh) == Lifecycle.FAILED


# --- publish supersedes ------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["stats", "coefficients", "run"])
def test_publish_supersedes_the_earlier_published_version(world, kind):
    region = world["A"].region
    first = make(kind, region, Lifecycle.READY)
    lifecycle.publish(first, actor=None)
    second = make(kind, region, Lifecycle.READY)
    if kind == "coefficients":  # the key is (region, year): same year as the first
        assert second.year == first.year
    published, previous = lifecycle.publish(second, actor=None)
    assert previous.pk == first.pk
    assert (status_of(first), status_of(second)) == (Lifecycle.SUPERSEDED, Lifecycle.PUBLISHED)
    spec = type(first).lifecycle
    assert audited(first, spec.supersede_event)
    assert audited(second, spec.publish_event)
    with pytest.raises(InvalidTransition, match="superseded"):
        lifecycle.publish(first, actor=None)
    with pytest.raises(InvalidTransition, match="twice"):
        lifecycle.publish(second, actor=None)


@pytest.mark.django_db
def test_publish_leaves_other_keys_alone(world):
    region = world["A"].region
    march = make("run", region, Lifecycle.READY)
    lifecycle.publish(march, actor=None)
    with scopes_disabled():
        april = SettlementRun.objects.create(region=region, kind="monthly", period=f"{YEAR}-04", year=YEAR, month=4,
                                             version=1, status=Lifecycle.READY)
    _published, previous = lifecycle.publish(april, actor=None)
    assert previous is None and status_of(march) == Lifecycle.PUBLISHED


@pytest.mark.django_db
def test_a_ranking_is_published_once(world):
    ranking = make("ranking", world["A"].region, Lifecycle.READY)
    lifecycle.publish(ranking, actor=None, extra={"notice_id": 7})
    ranking.refresh_from_db()
    assert (ranking.status, ranking.notice_id) == (Lifecycle.PUBLISHED, 7)
    assert audited(ranking, "monitoring.ranking_publish")
    with pytest.raises(InvalidTransition, match="twice"):
        lifecycle.publish(ranking, actor=None)
