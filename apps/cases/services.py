"""State changes for cases: starting, confirming and running settlement-list imports."""
from __future__ import annotations

import hashlib
import logging
import uuid
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.core import jobs, lifecycle
from apps.core.audit import record_event
from apps.core.errors import Forbidden, NotFound, ValidationFailed
from apps.core.lifecycle import Lifecycle
from apps.tenants.access import get_access
from apps.tenants.enums import BUREAU_ROLES, Role
from apps.tenants.models import Region, User

from . import hooks, rules
from .importer import FileError, run_import
from .models import GroupingChunk, GroupingJob, ImportJob

logger = logging.getLogger(__name__)

UPLOAD_DIR = "case_imports"
ALLOWED_EXTENSIONS = (".csv", ".txt", ".xlsx")
MAX_UPLOAD_BYTES = getattr(settings, "CASE_IMPORT_MAX_BYTES", 512 * 1024 * 1024)
UPLOAD_ROLES = rules.UPLOAD_ROLES


def patient_hash(patient_id: str) -> str:
    """The salted SHA-256 stored instead of 人员编号 (the SQL import computes the same value)."""
    return hashlib.sha256((settings.PATIENT_ID_SALT + patient_id.strip()).encode()).hexdigest()


def private_path(relative: str) -> Path:
    """Absolute path of a stored file; refuses anything that would leave PRIVATE_MEDIA_ROOT."""
    root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise NotFound()
    return path


def hospital_restriction(actor: User | None, region: Region) -> set[int] | None:
    """None = any hospital of the region (bureau, platform, system); else the actor's own hospitals."""
    if actor is None:
        return None
    access = get_access(actor)
    if access.has_role(region.pk, *BUREAU_ROLES, Role.PLATFORM_ADMIN):
        return None
    return access.hospital_ids(region.pk)


def _check_can_upload(actor: User | None, region: Region) -> None:
    if actor is not None and not get_access(actor).has_role(region.pk, *UPLOAD_ROLES):
        raise Forbidden("Only bureau or hospital users of this region can upload settlement lists.")


def _store_upload(region: Region, data: bytes | None, file: BinaryIO | None, filename: str) -> str:
    """Save the upload under a random name (the client's name is never used as a path) after a content check."""
    ext = Path(filename or "").suffix.lower()
    if ext not in ALLOWED_EXTENSIONS:
        raise ValidationFailed("Upload a .csv (UTF-8) or .xlsx file.")
    relative = f"{UPLOAD_DIR}/{region.code}/{uuid.uuid4().hex}{'.xlsx' if ext == '.xlsx' else '.csv'}"
    target = private_path(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with target.open("wb") as out:
        chunks = [data] if data is not None else iter(lambda: file.read(1 << 20), b"")
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                out.close()
                target.unlink(missing_ok=True)
                raise ValidationFailed(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
            out.write(chunk)
    with target.open("rb") as fh:
        head = fh.read(64 * 1024)
    problem = None
    if not head:
        problem = "The file is empty."
    elif ext == ".xlsx":
        if not head.startswith(b"PK\x03\x04"):
            problem = "The file is not an XLSX workbook."
    elif b"\x00" in head:
        problem = "The file is not a text (CSV) file."
    else:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as err:
            if err.start < len(head) - 4:  # a multi-byte character cut at the end of the sample is fine
                problem = "The file is not UTF-8 encoded (save it as CSV UTF-8 or XLSX)."
    if problem:
        target.unlink(missing_ok=True)
        raise ValidationFailed(problem)
    from .importer import protect_upload

    try:  # the file on disk never holds a clear 人员编号 (docs/operations.md); XLSX is read safely here
        stored = protect_upload(target)
    except FileError as err:
        raise ValidationFailed(str(err)) from err
    return f"{Path(relative).parent}/{stored.name}"


def case_import_start(
    *,
    actor: User | None,
    region: Region,
    data: bytes | None = None,
    file: BinaryIO | None = None,
    filename: str,
    dry_run: bool = False,
    enqueue: bool = True,
) -> ImportJob:
    """Store the file, create the job and queue the import (a dry run checks and previews only).

    `enqueue=False` leaves the job queued for a synchronous `case_import_run` (command, bench).
    """
    _check_can_upload(actor, region)
    if (data is None) == (file is None):
        raise ValidationFailed("Give either data or file.")
    relative = _store_upload(region, data, file, filename)
    own = hospital_restriction(actor, region)
    job = ImportJob.objects.create(
        region=region,
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
        hospital_id=min(own) if own else None,
        original_name=Path(filename).name[:255],
        stored_file=relative,
        dry_run=dry_run,
        language=translation.get_language() or settings.LANGUAGE_CODE,
    )
    record_event(actor=actor, action="case_import.start", obj=job, new={"file": job.original_name, "dry_run": dry_run})
    if enqueue:
        _enqueue(job)
    return job


def case_import_confirm(*, actor: User | None, job: ImportJob) -> ImportJob:
    """Turn a checked dry run into the real import of the same stored file."""
    _check_can_upload(actor, job.region)
    if not job.dry_run or job.status != Lifecycle.READY:
        raise ValidationFailed("Only a finished preview can be confirmed.")
    if actor is not None and job.uploaded_by_id not in (None, actor.pk) and hospital_restriction(actor, job.region) is not None:
        raise Forbidden("Only the uploader or the bureau can confirm this import.")
    real = ImportJob.objects.create(
        region=job.region,
        uploaded_by=actor if actor is not None and actor.is_authenticated else job.uploaded_by,
        hospital=job.hospital,
        original_name=job.original_name,
        stored_file=job.stored_file,
        language=translation.get_language() or job.language,
    )
    record_event(actor=actor, action="case_import.confirm", obj=real, new={"file": real.original_name, "preview": job.pk})
    _enqueue(real)
    return real


def _enqueue(job: ImportJob) -> None:
    def send() -> None:
        jobs.enqueue("apps.cases.tasks.case_import_task", job_id=job.pk, region_id=job.region_id)

    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        send()
        job.refresh_from_db()
    else:
        transaction.on_commit(send)


def _set_progress(job_id: int, value: int) -> None:
    """The importer's percentage, through the one progress writer (seen by pollers while the import runs)."""
    lifecycle.progress(ImportJob, job_id, done=value)


def case_import_run(job: ImportJob, *, group_sync: bool = False) -> ImportJob:
    """Run one import synchronously (the Celery task, the command and the bench call this).

    Afterwards the new and changed cases are grouped when a grouper rule set is loaded: in Celery chunks,
    or here when `group_sync` (the command and the demo)."""
    if not _hold_import_lock(job.pk):  # running right now on another worker (a second delivery)
        job.refresh_from_db()
        return job
    try:
        return _run_claimed_import(job, group_sync=group_sync)
    finally:
        _release_import_lock(job.pk)


# Advisory-lock namespace of import jobs: the worker running a job holds (IMPORT_LOCK, job id) on its database
# session. A node that dies loses its session and with it the lock, so a second delivery of the job's task (the
# broker re-queues an unacknowledged task when its node goes) can tell a dead runner from a live one.
IMPORT_LOCK = 7301


def _hold_import_lock(job_id: int) -> bool:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [IMPORT_LOCK, job_id])
        return bool(cur.fetchone()[0])


def _release_import_lock(job_id: int) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_unlock(%s, %s)", [IMPORT_LOCK, job_id])


def _run_claimed_import(job: ImportJob, *, group_sync: bool) -> ImportJob:
    # Queued → running; or running with nobody holding the lock: its node died mid-import, and the import's
    # single transaction died with it, so it starts again from the stored file.
    job.refresh_from_db()
    if job.status == Lifecycle.RUNNING:  # we hold the lock, so its runner is gone: take it over
        lifecycle.fail(job, error="stale: the worker stopped; taken over by another worker", quiet=True)
        lifecycle.requeue(job)
    claimed = lifecycle.claim(job)
    job.refresh_from_db()
    if not claimed:  # finished elsewhere (task re-delivery)
        return job
    _set_progress(job.pk, 5)
    error_relative = f"{UPLOAD_DIR}/{job.region.code}/{uuid.uuid4().hex}-errors.csv"
    restriction = hospital_restriction(job.uploaded_by, job.region) if job.uploaded_by_id else None
    if job.uploaded_by_id and restriction is not None and job.hospital_id:
        restriction = restriction | {job.hospital_id}
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            result = run_import(
                path=private_path(job.stored_file),
                region=job.region,
                job_id=None if job.dry_run else job.pk,
                hospital_ids=restriction,
                dry_run=job.dry_run,
                error_path=private_path(error_relative),
                progress=lambda p: _set_progress(job.pk, p),
            )
    except FileError as err:
        _finish_failed(job, str(err))
        if not ImportJob.objects.filter(stored_file=job.stored_file).exclude(pk=job.pk).exists():
            private_path(job.stored_file).unlink(missing_ok=True)  # an unreadable file is not kept
        return job
    except Exception:
        logger.exception("case import %s failed", job.pk)
        # the technical error goes to the log only; a database message never reaches the uploader
        _finish_failed(job, _("The import stopped because of an internal error (import #%(id)s); nothing was "
                              "written. The administrator can find the cause in the log.") % {"id": job.pk})
        raise
    lifecycle.finish(job, **{name: getattr(result, name) for name in ("total", "created", "updated", "unchanged",
                                                                      "rejected")},
                     error_count=result.errors, error_file=error_relative if result.errors else "",
                     preview={"errors": result.first_errors, "rows": result.first_rows, "timings": result.timings})
    job.refresh_from_db()
    counts = {k: getattr(result, k) for k in ("total", "created", "updated", "unchanged", "rejected")}
    record_event(actor=job.uploaded_by, action="case_import.done", obj=job, new={**counts, "dry_run": job.dry_run})
    _group_imported_cases(job, sync=group_sync)
    _screen_imported_cases(job)
    return job


def _screen_imported_cases(job: ImportJob) -> None:
    """Screening (domain §11) after every upload; apps.screening (in `hooks.AFTER_IMPORT`) decides when and
    never fails the import."""
    for hook in hooks.AFTER_IMPORT:
        hook(job)


def _finish_failed(job: ImportJob, message: str) -> None:
    lifecycle.fail(job, error=message, quiet=True)
    job.refresh_from_db()
    record_event(actor=job.uploaded_by, action="case_import.failed", obj=job, new={"error": message})


# ---------------------------------------------------------------- grouping runs (the portal grouper over stored cases)

GROUPING_ROLES = rules.GROUPING_ROLES


def grouping_job_start(
    *,
    actor: User | None,
    region: Region,
    version: str | None = None,
    scope: str = "pending",
    period: str | None = None,
    import_job: ImportJob | None = None,
    sync: bool = False,
    workers: int | None = None,
) -> GroupingJob:
    """Plan a grouping run (id-range chunks in SQL) and run its chunks: in parallel Celery tasks, or here (`sync`).

    `scope`: `pending` = cases without a portal grouping, `all`, `import` = the cases of `import_job`.
    """
    from . import grouping
    from .enums import GroupingScope

    if actor is not None and not get_access(actor).has_role(region.pk, *GROUPING_ROLES):
        raise Forbidden("Only the bureau can run the grouper over a region's cases.")
    if scope not in GroupingScope.values:
        raise ValidationFailed(f"scope: one of {', '.join(GroupingScope.values)}")
    if scope == GroupingScope.IMPORT and import_job is None:
        raise ValidationFailed("import_job: required for scope 'import'")
    try:
        grouping.period_range(period)
    except ValueError as err:
        raise ValidationFailed("period: YYYY or YYYY-MM") from err
    names = grouping.version_names()
    version = version or grouping.default_version(region)
    if not version or version not in names:
        raise ValidationFailed(f"version: the grouper rule set {version!r} is not loaded (load_grouper --version …)"
                               if version else "version: no grouper rule set is loaded (load_grouper --version …)")
    with transaction.atomic():
        job = GroupingJob.objects.create(
            region=region, created_by=actor if actor is not None and actor.is_authenticated else None,
            version=version, scope=scope, period=period or "", import_job=import_job,
        )
        total, chunks = grouping.plan_chunks(region.pk, scope, period or None, import_job.pk if import_job else None)
        job.total, job.chunks = total, len(chunks)
        job.save(update_fields=["total", "chunks"])
        lifecycle.claim(job)  # the run is the chunks' job: running until its last chunk lands
        if not chunks:
            lifecycle.finish(job)
        job.refresh_from_db()
        record_event(actor=actor, action="grouping.start", obj=job,
                     new={"version": version, "scope": scope, "period": period or "", "cases": total, "chunks": len(chunks)})
    if sync:  # here, on every core (`workers` processes over disjoint id ranges; one inside a transaction)
        grouping.run_chunks(job.pk, chunks, workers=workers, version=version, region_id=region.pk)
        job.refresh_from_db()
        return job
    def send() -> None:
        try:
            for lo, hi in chunks:
                jobs.enqueue("apps.cases.tasks.grouping_chunk_task", region_id=region.pk, job_id=job.pk, lo=lo, hi=hi)
        except Exception as err:
            lifecycle.fail(job, error=f"queueing failed: {type(err).__name__}: {err}"[:1000], quiet=True)
            raise

    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        send()
    else:
        transaction.on_commit(send, robust=True)  # a queue problem is logged and marks the run failed
    job.refresh_from_db()
    return job


def _claim_chunk(job_id: int, lo: int, hi: int, worker: str) -> bool:
    """Mark the chunk applied (inside the caller's transaction); False when it already was. A second delivery
    running at the same time waits on the unique index until the first commits, then finds the marker."""
    with connection.cursor() as cur:
        cur.execute("INSERT INTO cases_groupingchunk (job_id, lo, hi, cases, worker, applied_at) "
                    "VALUES (%s, %s, %s, 0, %s, now()) ON CONFLICT (job_id, lo) DO NOTHING RETURNING id",
                    [job_id, lo, hi, worker[:200]])
        return cur.fetchone() is not None


def grouping_chunk_run(*, job_id: int, lo: int, hi: int, worker: str = "") -> dict:
    """One chunk of a run; the chunk that completes the run marks it done (counters move by one UPDATE each)."""
    from django.db.models import F, Q

    from . import grouping

    job = GroupingJob.objects.select_related("region").get(pk=job_id)
    if job.status != Lifecycle.RUNNING:
        return {}
    try:
        # The chunk's case rows, its marker and the run's counters commit together: a chunk delivered twice
        # (its worker node killed after the commit, before the acknowledgement) is applied once.
        with transaction.atomic():
            if not _claim_chunk(job_id, lo, hi, worker):
                return {}
            counts = grouping.group_chunk(region=job.region, version=job.version, lo=lo, hi=hi, scope=job.scope,
                                          period=job.period or None, import_job_id=job.import_job_id)
            GroupingChunk.objects.filter(job_id=job_id, lo=lo).update(cases=counts["cases"])
            GroupingJob.objects.filter(pk=job_id).update(
                done=F("done") + counts["cases"], chunks_done=F("chunks_done") + 1,
                n_ok=F("n_ok") + counts["ok"], n_ambiguous=F("n_ambiguous") + counts["ambiguous"],
                n_ungroupable=F("n_ungroupable") + counts["ungroupable"], n_invalid=F("n_invalid") + counts["invalid"],
                n_mismatch=F("n_mismatch") + counts["mismatch"], n_filled=F("n_filled") + counts["filled"],
                heartbeat_at=timezone.now(),  # each applied chunk is the run's sign of life (lifecycle.reap_stale)
            )
    except Exception as err:
        logger.exception("grouping run %s chunk %s-%s failed", job_id, lo, hi)
        lifecycle.fail(GroupingJob, job_id, f"{type(err).__name__}: {err}"[:1000], quiet=True)
        raise
    finished = lifecycle.finish(GroupingJob, job_id, when=Q(chunks_done__gte=F("chunks")))
    if finished:
        job.refresh_from_db()
        record_event(actor=job.created_by, action="grouping.done", obj=job, new=job.summary())
        for hook in hooks.AFTER_GROUPING:  # screening (domain §11) once the grouper's answer is in place
            hook(job)
    return counts


def _group_imported_cases(job: ImportJob, *, sync: bool = False) -> None:
    """After an import: group its new and changed cases (skipped while no grouper rule set is loaded).

    Never fails the import: a problem leaves the cases `not grouped yet`, which `group_cases` picks up."""
    from . import grouping

    try:
        if job.dry_run or not (job.created or job.updated) or not grouping.version_names():
            return
        grouping_job_start(actor=None, region=job.region, scope="import", import_job=job, sync=sync)
    except ValidationFailed as err:
        logger.warning("import %s: cases not grouped: %s", job.pk, err.message)
    except Exception:  # noqa: BLE001 - e.g. the queue is unreachable; the import itself is done
        logger.exception("import %s: grouping the imported cases failed", job.pk)


# ---------------------------------------------------------------- retention (docs/operations.md §6)

def purge_import_files(*, days: int | None = None, now=None) -> dict:
    """Delete stored uploads and error reports of imports finished more than `days` ago (default 90), and any
    stray file under case_imports/ older than that (a refused upload, a crashed run).

    Why here: the stored file is the only copy of the hospital's upload; the jobs' counts, preview and audit
    events stay, so the history remains readable. Set-based: one query picks the jobs, one UPDATE clears them.
    """
    from datetime import timedelta

    from django_scopes import scopes_disabled

    days = int(getattr(settings, "IMPORT_FILE_RETENTION_DAYS", 90) if days is None else days)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    removed = 0
    with scopes_disabled():
        old = ImportJob.objects.filter(finished_at__lt=cutoff).exclude(stored_file="", error_file="")
        rows = list(old.values_list("pk", "stored_file", "error_file"))
        in_use = set(ImportJob.objects.filter(finished_at__isnull=True).values_list("stored_file", flat=True))
        in_use |= set(ImportJob.objects.filter(finished_at__gte=cutoff).values_list("stored_file", flat=True))
        for _pk, stored, errors in rows:
            for relative in (stored, errors):
                if relative and relative not in in_use:
                    path = private_path(relative)
                    if path.exists():
                        path.unlink()
                        removed += 1
        ImportJob.objects.filter(pk__in=[r[0] for r in rows]).update(stored_file="", error_file="")
    limit = cutoff.timestamp()
    # stray case files (refused uploads, crashed runs) and abandoned hospital-import previews ("imports/")
    for folder in (UPLOAD_DIR, "imports"):
        root = private_path(folder)
        if not root.exists():
            continue
        for path in root.rglob("*"):
            if path.is_file() and path.stat().st_mtime < limit and str(path.relative_to(root.parent)) not in in_use:
                path.unlink()
                removed += 1
    record_event(actor=None, action="case_import.purge", obj=None,
                 new={"days": days, "jobs": len(rows), "files": removed})
    return {"jobs": len(rows), "files": removed}
