"""A real Celery worker on Redis runs a region-scoped task against the test database."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django_scopes import scopes_disabled
from kombu import Connection

from apps.core.models import AuditEvent
from apps.core.tasks import worker_ping
from config.celery import app as celery_app

from .helpers import broker_answers, database_url

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[2]


def redis_answers() -> bool:
    return broker_answers(REDIS_URL, timeout=1)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_real_worker_on_redis_runs_region_scoped_task(world):
    if not redis_answers():
        pytest.skip(f"Redis does not answer at {REDIS_URL} (CI starts it; locally run redis-server)")
    region_a = world["A"].region
    queue = f"it-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DATABASE_URL": database_url(),
           "CELERY_BROKER_URL": REDIS_URL, "CELERY_TASK_ALWAYS_EAGER": "false"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue, "--loglevel=WARNING",
         "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with Connection(REDIS_URL) as conn:
            worker_ping.apply_async(kwargs={"region_id": region_a.pk}, queue=queue, connection=conn)
        deadline = time.monotonic() + 60
        event = None
        while time.monotonic() < deadline and event is None:
            with scopes_disabled():
                event = AuditEvent.objects.filter(action="worker.ping").first()
            if event is None:
                assert worker.poll() is None, worker.stdout.read()
                time.sleep(0.5)
        assert event is not None, "the worker did not run the task within 60 s"
        # The task saw only region A's three hospitals although B and C have hospitals too.
        assert event.region_id == region_a.pk
        assert event.new["hospitals"] == 3
    finally:
        celery_app.conf.task_always_eager = eager
        worker.terminate()
        worker.wait(timeout=20)
