"""One lifecycle for everything computed in the background (decision 0041): group statistics, coefficient
versions, settlement runs, indicator periods, rankings, what-if scenarios, case imports and grouping runs.

Why: "queued → running → ready → published → superseded" was written five times with five vocabularies
(computing/done/draft…), five progress writers and one stale-worker check (settlement's, lazy). Here it is
once: one status vocabulary (`Lifecycle`), one table of allowed moves (`MOVES`) that every function checks,
and the functions the apps' services call:

- `claim`     queued → running, atomically (`UPDATE … WHERE status='queued' RETURNING`), records worker/when;
- `progress`  a percentage and a heartbeat, visible to pollers while the compute transaction still runs;
- `finish`    running → ready;  `fail` queued/running → failed with the message;
- `requeue`   ready/failed → queued (recomputing in place: indicator periods, scenarios, a failed version);
- `publish`   ready → published under a row lock, superseding the earlier published row of the same key,
              with the audit events;
- `reap_stale` queued/running rows without a sign of life for too long → failed "stale: worker stopped",
              audited; the beat task `core.reap_stale` runs it for every model, services run it lazily.

A model takes part by declaring `lifecycle = LifecycleSpec(...)` (its column names and audit actions) and the
columns of `apps.core.workflow_models.Computed` (worker, heartbeat).
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import InvalidTransition


class Lifecycle(models.TextChoices):
    """The one status vocabulary of computed, versioned things; jobs that publish nothing end at `ready`."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


ACTIVE = (Lifecycle.QUEUED, Lifecycle.RUNNING)
IMMUTABLE = (Lifecycle.PUBLISHED, Lifecycle.SUPERSEDED)
DONE = (Lifecycle.READY, Lifecycle.FAILED, Lifecycle.PUBLISHED, Lifecycle.SUPERSEDED)

# The allowed moves: action → (states it may start from, state it leads to). Every function below checks it.
MOVES: dict[str, tuple[frozenset[str], str]] = {
    "claim": (frozenset({Lifecycle.QUEUED}), Lifecycle.RUNNING),
    "progress": (frozenset({Lifecycle.RUNNING}), Lifecycle.RUNNING),
    "finish": (frozenset({Lifecycle.RUNNING}), Lifecycle.READY),
    "fail": (frozenset({Lifecycle.QUEUED, Lifecycle.RUNNING}), Lifecycle.FAILED),
    "requeue": (frozenset({Lifecycle.READY, Lifecycle.FAILED}), Lifecycle.QUEUED),
    "publish": (frozenset({Lifecycle.READY}), Lifecycle.PUBLISHED),
    "supersede": (frozenset({Lifecycle.PUBLISHED}), Lifecycle.SUPERSEDED),
}

STALE_MESSAGE = "stale: the worker stopped (no sign of life since %s)"


@dataclass(frozen=True)
class LifecycleSpec:
    """How one model spells the lifecycle columns, and what it says in the audit trail."""

    name: str                                  # audit prefix: "<name>.publish", "<name>.supersede"
    error: str = "error"                       # the failure message column
    progress: str | None = "progress"          # None: progress is derived (grouping runs count chunks)
    started: str | None = None                 # set by claim
    finished: str | None = None                # set by finish and fail
    created: str = "created_at"
    key: tuple[str, ...] = ("region_id",)      # rows sharing these values have one published row
    number: str = "number"                     # the version number shown in audit reasons
    stale_after: dt.timedelta = dt.timedelta(minutes=30)
    publish_action: str = ""                   # audit action names, default "<name>.publish" / "<name>.supersede"
    supersede_action: str = ""
    alive: Callable[[int], bool] | None = field(default=None, compare=False)  # a live worker proves itself

    @property
    def publish_event(self) -> str:
        return self.publish_action or f"{self.name}.publish"

    @property
    def supersede_event(self) -> str:
        return self.supersede_action or f"{self.name}.supersede"


def label(status: str) -> str:
    try:
        return str(Lifecycle(status).label)
    except ValueError:
        return str(status)


def check(action: str, status: str) -> str:
    """The target of `action` from `status`, or InvalidTransition with the same words everywhere."""
    sources, target = MOVES[action]
    if status not in sources:
        if action == "publish" and status == Lifecycle.PUBLISHED:
            raise InvalidTransition("This version is published already: it cannot be published twice.")
        if action == "publish" and status == Lifecycle.SUPERSEDED:
            raise InvalidTransition("A superseded version cannot be published again: compute a new one.")
        if action == "claim" and status == Lifecycle.RUNNING:
            raise InvalidTransition("This computation is already running.")
        allowed = ", ".join(label(s) for s in sorted(sources))
        raise InvalidTransition(f"Cannot {action}: the status is {label(status)} (only from {allowed}).")
    return target


def spec_of(model) -> LifecycleSpec:
    model = model if isinstance(model, type) else type(model)
    spec = getattr(model, "lifecycle", None)
    if not isinstance(spec, LifecycleSpec):
        raise TypeError(f"{model.__name__} declares no `lifecycle = LifecycleSpec(...)`")
    return spec


def _target(obj_or_model, pk: int | None) -> tuple[type[models.Model], int]:
    if isinstance(obj_or_model, models.Model):
        return type(obj_or_model), obj_or_model.pk
    if pk is None:
        raise TypeError("pass an instance, or a model and a pk")
    return obj_or_model, pk


def _column(model, name: str) -> str:
    return model._meta.get_field(name).column


def _status_now(model, pk: int) -> str:
    status = model._base_manager.filter(pk=pk).values_list("status", flat=True).first()
    if status is None:
        raise model.DoesNotExist(f"{model.__name__} {pk} does not exist")
    return status


def _move(model, pk: int, action: str, values: dict) -> int:
    """One guarded UPDATE: the row moves only from an allowed state; 0 rows → the refusal of the table."""
    sources, target = MOVES[action]
    done = model._base_manager.filter(pk=pk, status__in=sources).update(status=target, **values)
    if not done:
        check(action, _status_now(model, pk))
        # a concurrent move between the UPDATE and the read: report it as such
        raise InvalidTransition(f"Cannot {action}: the status changed meanwhile.")
    return done


# --- the functions ---------------------------------------------------------------------------------------------


def claim(obj_or_model, pk: int | None = None, *, worker: str = "") -> bool:
    """queued → running in one statement; False when another worker (or a re-delivery) got there first.

    `UPDATE … WHERE status = 'queued' RETURNING id`: of two workers racing for one row, exactly one gets it."""
    model, pk = _target(obj_or_model, pk)
    spec = spec_of(model)
    table = model._meta.db_table
    sets = ["status = %s", "worker = %s", "heartbeat_at = now()", f"{_column(model, spec.error)} = ''"]
    params: list = [Lifecycle.RUNNING, (worker or _worker_name())[:200]]
    if spec.progress:
        sets.append(f"{_column(model, spec.progress)} = 1")
    if spec.started:
        sets.append(f"{_column(model, spec.started)} = now()")
    if spec.finished:
        sets.append(f"{_column(model, spec.finished)} = NULL")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {', '.join(sets)} WHERE id = %s AND status = %s RETURNING id",
                       [*params, pk, Lifecycle.QUEUED])
        return cursor.fetchone() is not None


def claim_or_refuse(obj_or_model, pk: int | None = None, *, worker: str = "") -> None:
    """`claim`, raising the table's refusal when the row is not queued (task bodies that must not run twice)."""
    model, pk = _target(obj_or_model, pk)
    if not claim(model, pk, worker=worker):
        check("claim", _status_now(model, pk))
        raise InvalidTransition("Cannot claim: the status changed meanwhile.")


_last_write: dict[tuple[str, int], float] = {}
PROGRESS_EVERY = 1.0  # seconds between two progress writes of one row (the last one always goes)


def progress(obj_or_model, pk: int | None = None, done: int = 0, total: int = 100) -> int:
    """Write `done/total` (as 1–99 %) and the heartbeat of a running row; returns the percentage.

    Inside a transaction the write goes through a second, autocommit connection so that a poller sees it
    while the computation's own transaction is still open; `SKIP LOCKED` leaves the row alone if that
    transaction has locked it (never wait on ourselves). Writes of one row are throttled to one a second."""
    model, pk = _target(obj_or_model, pk)
    spec = spec_of(model)
    percent = max(1, min(99, int(done * 100 // total))) if total else 1
    key = (model._meta.label, pk)
    now = time.monotonic()
    if done < total and now - _last_write.get(key, 0.0) < PROGRESS_EVERY:
        return percent
    _last_write[key] = now
    table = model._meta.db_table
    sets = "heartbeat_at = now()" + (f", {_column(model, spec.progress)} = %s" if spec.progress else "")
    params = [percent] if spec.progress else []
    sql = (f"UPDATE {table} SET {sets} WHERE id = (SELECT id FROM {table} WHERE id = %s AND status = %s "
           f"FOR UPDATE SKIP LOCKED)")
    if connection.in_atomic_block:
        # a second, autocommit connection, opened and closed per write (at most one a second): no idle session
        # is left behind a worker
        side = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with side.cursor() as cursor:
                cursor.execute(sql, [*params, pk, Lifecycle.RUNNING])
        except Exception:  # progress is best effort: never fail a computation because of it
            pass
        finally:
            side.close()
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, pk, Lifecycle.RUNNING])
    return percent


def heartbeat(obj_or_model, pk: int | None = None) -> None:
    """A sign of life without a percentage (the grouping run's chunks)."""
    model, pk = _target(obj_or_model, pk)
    model._base_manager.filter(pk=pk, status=Lifecycle.RUNNING).update(heartbeat_at=timezone.now())


def finish(obj_or_model, pk: int | None = None, *, when: models.Q | None = None, **fields) -> bool:
    """running → ready (progress 100, finish time); `fields` are written in the same statement.

    `when`: finish only if the row also matches it (the last chunk of a grouping run), else False."""
    model, pk = _target(obj_or_model, pk)
    spec = spec_of(model)
    values = {spec.error: "", "heartbeat_at": timezone.now(), **fields}
    if spec.progress:
        values[spec.progress] = 100
    if spec.finished:
        values.setdefault(spec.finished, timezone.now())
    _last_write.pop((model._meta.label, pk), None)
    if when is not None:
        return bool(model._base_manager.filter(when, pk=pk, status__in=MOVES["finish"][0])
                    .update(status=Lifecycle.READY, **values))
    _move(model, pk, "finish", values)
    return True


def fail(obj_or_model, pk: int | None = None, error: str = "", *, quiet: bool = False, **fields) -> bool:
    """queued/running → failed with the message. `quiet`: an exception handler's call — a row that is no
    longer queued or running (finished meanwhile, reaped) is left as it is and False comes back."""
    model, pk = _target(obj_or_model, pk)
    spec = spec_of(model)
    values = {spec.error: str(error)[:2000], **fields}
    if spec.progress:
        values[spec.progress] = 100
    if spec.finished:
        values.setdefault(spec.finished, timezone.now())
    _last_write.pop((model._meta.label, pk), None)
    if quiet:
        return bool(model._base_manager.filter(pk=pk, status__in=MOVES["fail"][0])
                    .update(status=Lifecycle.FAILED, **values))
    _move(model, pk, "fail", values)
    return True


def requeue(obj_or_model, pk: int | None = None, **fields) -> None:
    """ready/failed → queued: compute the same row again (its rows are replaced by the next run)."""
    model, pk = _target(obj_or_model, pk)
    spec = spec_of(model)
    values = {spec.error: "", "heartbeat_at": timezone.now(), "worker": "", **fields}
    if spec.progress:
        values[spec.progress] = 0
    _move(model, pk, "requeue", values)


def _scoped_manager(model, region_id):
    from .scoping import scoped

    return scoped(model, region_id) if region_id is not None else model._base_manager.all()


@transaction.atomic
def publish(obj, *, actor, details: Callable | dict | None = None, check_locked: Callable | None = None,
            extra: dict | None = None):
    """ready → published under a row lock; the earlier published row of the same key is superseded.

    `check_locked(locked)` runs under the lock before anything changes (domain guards: a cleared year…) and
    may return extra fields to set; `details(locked, previous)` adds to the publish audit event. Returns
    `(locked, previous)` (previous None when nothing was superseded)."""
    model = type(obj)
    spec = spec_of(model)
    region_id = getattr(obj, "region_id", None)
    rows = _scoped_manager(model, region_id)
    if hasattr(model, "scenario_objects"):  # what-if rows are never published: they stay out of the key lookup
        rows = rows.filter(scenario__isnull=True)
    locked = _scoped_manager(model, region_id).select_for_update().get(pk=obj.pk)
    check("publish", locked.status)
    fields = dict(extra or {})
    if check_locked is not None:
        fields.update(check_locked(locked) or {})
    key = {name: getattr(locked, name) for name in spec.key}
    previous = rows.select_for_update().filter(status=Lifecycle.PUBLISHED, **key).exclude(pk=locked.pk).first()
    from .audit import record_event

    number = getattr(locked, spec.number, locked.pk)
    if previous is not None:
        check("supersede", previous.status)
        previous.status = Lifecycle.SUPERSEDED
        previous.save(update_fields=["status"])
        record_event(actor=actor, action=spec.supersede_event, obj=previous,
                     old={"status": Lifecycle.PUBLISHED}, new={"status": Lifecycle.SUPERSEDED},
                     reason=f"superseded by version {number}")
    locked.status = Lifecycle.PUBLISHED
    locked.published_by = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    locked.published_at = timezone.now()
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=["status", "published_by", "published_at", *fields])
    more = details(locked, previous) if callable(details) else (details or {})
    record_event(actor=actor, action=spec.publish_event, obj=locked, old={"status": Lifecycle.READY},
                 new={"status": Lifecycle.PUBLISHED, **more})
    return locked, previous


# --- stale workers ---------------------------------------------------------------------------------------------


def stale_q(model, older_than: dt.timedelta | None = None, now: dt.datetime | None = None) -> models.Q:
    """Queued/running rows whose last sign of life (heartbeat, else creation) is older than `older_than`."""
    spec = spec_of(model)
    cutoff = (now or timezone.now()) - (older_than or spec.stale_after)
    return models.Q(status__in=ACTIVE) & (
        models.Q(heartbeat_at__lt=cutoff) | models.Q(heartbeat_at__isnull=True, **{f"{spec.created}__lt": cutoff}))


def reap_stale(model, older_than: dt.timedelta | None = None, *, queryset=None, now: dt.datetime | None = None) -> int:
    """Mark queued/running rows without a sign of life for `older_than` failed ("stale: the worker stopped"),
    one audit event each; rows locked by a live transaction are skipped. Returns how many were reaped."""
    spec = spec_of(model)
    from .audit import record_event

    qs = queryset if queryset is not None else model._base_manager.all()
    reaped = 0
    with transaction.atomic():
        for item in qs.select_for_update(skip_locked=True).filter(stale_q(model, older_than, now)):
            if spec.alive is not None and spec.alive(item.pk):
                continue
            since = item.heartbeat_at or getattr(item, spec.created)
            message = STALE_MESSAGE % timezone.localtime(since).strftime("%Y-%m-%d %H:%M")
            fail(model, item.pk, message, quiet=True)
            record_event(actor=None, action=f"{spec.name}.reaped", obj=item, old={"status": item.status},
                         new={"status": Lifecycle.FAILED}, reason=message)
            reaped += 1
    return reaped


def lifecycle_models() -> list[type[models.Model]]:
    """Every installed model that declares a lifecycle and has a worker (the ones `reap_all` visits)."""
    from django.apps import apps

    return [m for m in apps.get_models() if isinstance(getattr(m, "lifecycle", None), LifecycleSpec)
            and any(f.name == "heartbeat_at" for f in m._meta.get_fields())]


def reap_all(models_: Iterable | None = None) -> dict[str, int]:
    """`reap_stale` over every lifecycle model (the beat task); {model label: rows reaped}."""
    return {m._meta.label: reap_stale(m) for m in (models_ or lifecycle_models())}


def refuse_if_active(queryset, what: str) -> None:
    """The lazy check before starting a computation: reap stale rows, then refuse while a fresh one runs."""
    model = queryset.model
    reap_stale(model, queryset=queryset)
    active = queryset.filter(status__in=ACTIVE).values_list("pk", flat=True).first()
    if active is not None:
        raise InvalidTransition(f"A computation of this {what} is already running (version {active}).")


def _worker_name() -> str:
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
