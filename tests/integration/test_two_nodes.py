"""Two Celery worker nodes on RabbitMQ share a 200k-case import and its regrouping; one node is killed mid-job.

Each node is a separate `celery worker` process group with its own name (as on two machines); the test kills
the whole group with SIGKILL, as a machine that loses power. RabbitMQ re-queues the unacknowledged task
(`acks_late`) and the surviving node finishes it: the import starts again from the stored file (its single
transaction died with the node), and a grouping chunk that had already committed is applied once
(`GroupingChunk`, written in the chunk's own transaction).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django_scopes import scopes_disabled

from apps.core.lifecycle import Lifecycle
from config.celery import app as celery_app

from .helpers import broker_answers, database_url

AMQP_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
ROOT = Path(__file__).resolve().parents[2]
CASES = 200_000
VERSION = "chs-drg-1.1"
YEAR = 2025




class Node:
    """One worker node: a `celery worker` process group named `name@<host>`, consuming `queue`."""

    def __init__(self, name: str, queue: str, env: dict, log: Path):
        self.hostname = f"{name}@{os.uname().nodename}"
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-n", self.hostname, "-Q", queue,
             "--pool=prefork", "--concurrency=1", "--loglevel=INFO", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def wait_for(what: str, predicate, nodes: list[Node], timeout: float = 300, every: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    logs = "\n".join(f"--- {n.hostname}\n{n.log.read_text()[-3000:]}" for n in nodes)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def busy_node(nodes: list[Node], task_name: str) -> Node | None:
    """The live node whose worker is running a task of `task_name` right now (Celery's remote control)."""
    live = [n for n in nodes if n.process.poll() is None]
    active = celery_app.control.inspect(destination=[n.hostname for n in live], timeout=1.0).active() or {}
    for node in live:
        if any(t.get("name", "").endswith(task_name) for t in active.get(node.hostname, [])):
            return node
    return None


def use_broker(**conf) -> None:
    """Point this process's Celery app at another broker. The connection pool and the producer pool are
    cached on the app (an earlier test of the same process may have used another broker): both go, or the
    control messages and tasks would still be published to the old one."""
    celery_app.conf.update(conf)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def make_region():
    from apps.groups.grouper_demo import ensure_loaded, version_catalogue
    from apps.groups.services import catalogue_activate, catalogue_load_shipped
    from apps.hospitals.services import hospital_create
    from apps.tenants.services import policy_get_or_create, policy_set, region_create

    region = region_create(actor=None, code="990200", name="双节点市", province_code="990000",
                           province_name="基准省", payment_method="DRG")
    for i in range(1, 13):
        level = 3 if i <= 2 else 2 if i <= 6 else 1
        hospital_create(actor=None, region=region, code=f"H990200{i:05d}", name=f"双节点医院{i:02d}", level=level,
                        grade="甲" if level > 1 else "未定级", type="general")
    catalogue_load_shipped(actor=None, region=region)
    ensure_loaded(VERSION, region)
    catalogue = version_catalogue(region, VERSION)
    if not catalogue.is_active:
        catalogue_activate(actor=None, catalogue=catalogue)
    policy_get_or_create(region=region, year=YEAR)
    policy_set(actor=None, region=region, year=YEAR, reason="two nodes",
               values={"catalogue": catalogue.version, "grouper_version": VERSION})
    return region


@pytest.mark.integration
@pytest.mark.timeout(900)
@pytest.mark.django_db(transaction=True)
def test_two_nodes_share_import_and_regrouping_and_survive_a_killed_node(tmp_path, settings):
    if not broker_answers(AMQP_URL):
        pytest.skip(f"RabbitMQ does not answer at {AMQP_URL}")
    from apps.cases.demo import write_synthetic_csv
    from apps.cases.models import Case, GroupingChunk, GroupingJob, ImportJob
    from apps.cases.services import case_import_start

    with scopes_disabled():
        region = make_region()
        path = tmp_path / "cases.csv"
        write_synthetic_csv(path, region, [YEAR], CASES, seed=7, version=VERSION)

    queue = f"nodes-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DATABASE_URL": database_url(),
           "CELERY_BROKER_URL": AMQP_URL, "CELERY_TASK_ALWAYS_EAGER": "false", "CELERY_TASK_DEFAULT_QUEUE": queue,
           "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT), "DEBUG": "false"}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    saved = {k: celery_app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue")}
    use_broker(broker_url=AMQP_URL, task_always_eager=False, task_default_queue=queue)
    nodes = [Node("node1", queue, env, tmp_path / "node1.log"), Node("node2", queue, env, tmp_path / "node2.log")]
    try:
        wait_for("both nodes to answer", lambda: len(celery_app.control.ping(
            destination=[n.hostname for n in nodes], timeout=1.0)) == 2, nodes, timeout=120, every=1)

        # 1. The import: one task; the node running it dies mid-import; the other starts it again and finishes.
        with scopes_disabled(), path.open("rb") as fh:
            job = case_import_start(actor=None, region=region, file=fh, filename="cases.csv")
        victim = wait_for("a node to run the import", lambda: busy_node(nodes, "case_import_task"), nodes)
        time.sleep(1.0)  # well into the import (the file is being checked in its transaction)
        with scopes_disabled():
            assert ImportJob.objects.get(pk=job.pk).status == Lifecycle.RUNNING
        victim.kill()
        survivor = next(n for n in nodes if n is not victim)
        # The killed machine comes back as a new node (node3) while the survivor finishes the import.
        third = Node("node3", queue, env, tmp_path / "node3.log")
        nodes.append(third)
        with scopes_disabled():
            wait_for("the import to finish on the surviving node",
                     lambda: ImportJob.objects.filter(pk=job.pk, status=Lifecycle.READY).exists(), nodes)
            job.refresh_from_db()
            # Every row is accounted for once (the generator declares a few rows wrongly on purpose: rejected).
            assert job.total == CASES and job.created + job.rejected == CASES and job.rejected < CASES // 1000
            assert Case.objects.filter(region=region).count() == job.created  # nothing lost, nothing doubled
            imported = job.created

            # 2. The import's grouping run: ten chunks that both live nodes take; one node dies mid-run.
            run = wait_for("the import's grouping run", lambda: GroupingJob.objects.filter(
                region=region, import_job=job).first(), nodes)
            assert run.chunks == 10  # 20,000 cases a chunk
            # Both nodes have applied a chunk before one of them dies (the run is shared, not one node's).
            wait_for("both nodes to apply a chunk", lambda: GroupingChunk.objects.filter(job=run).values(
                "worker").distinct().count() == 2, nodes)
        victim = wait_for("a node grouping a chunk", lambda: busy_node([survivor, third], "grouping_chunk_task"),
                          nodes)
        victim.kill()
        with scopes_disabled():
            wait_for("the grouping run to finish", lambda: GroupingJob.objects.filter(
                pk=run.pk, status=Lifecycle.READY).exists(), nodes)
            run.refresh_from_db()
            applied = GroupingChunk.objects.filter(job=run)
            assert run.chunks_done == run.chunks == applied.count() == 10
            assert run.done == run.total == imported == sum(applied.values_list("cases", flat=True))
            assert run.n_ok + run.n_ambiguous + run.n_ungroupable + run.n_invalid == imported
            workers = set(applied.values_list("worker", flat=True))
            assert workers == {survivor.hostname, third.hostname}, workers
            assert Case.objects.filter(region=region, grouper_version=VERSION).count() == imported
    finally:
        for node in nodes:
            node.stop()
        use_broker(**saved)
