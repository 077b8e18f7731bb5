"""The Celery app; tasks are discovered in each app's tasks.py."""
import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("drg_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic jobs (run `celery -A config beat` beside the workers in production).
app.conf.beat_schedule = {
    "sweep-overdue-reviews": {"task": "applications.sweep_overdue_reviews", "schedule": 3600.0},
    "dispute-daily-digest": {"task": "disputes.daily_digest", "schedule": crontab(hour=7, minute=30)},
    "notices-finalize": {"task": "notices.finalize_expired", "schedule": 3600.0},
    "settlement-flag-overdue-uploads": {"task": "settlement.flag_overdue_uploads", "schedule": crontab(hour=0, minute=30)},
    # uploads and error reports older than IMPORT_FILE_RETENTION_DAYS (docs/operations.md §6)
    "purge-import-files": {"task": "cases.purge_import_files", "schedule": crontab(hour=3, minute=15)},
    # queued/running computations and jobs whose worker died → failed "stale" (apps.core.lifecycle, decision 0041)
    "reap-stale-computations": {"task": "core.reap_stale", "schedule": 300.0},
}
