"""The Celery app; tasks are discovered in each app's tasks.py."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("drg_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic jobs (run `celery -A config beat` beside the workers in production).
app.conf.beat_schedule = {
    "sweep-overdue-reviews": {"task": "applications.sweep_overdue_reviews", "schedule": 3600.0},
}
