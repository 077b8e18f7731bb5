"""Queue a Celery task by its registered name: the one way a service starts background work.

Services sit below tasks (tasks call services, never the reverse: docs/architecture.md, the import
contract in `.importlinter`), so a service never imports its app's `tasks` module; it names the task.
"""
from __future__ import annotations

from typing import Any

from celery import Task, current_app


def task(name: str) -> Task:
    """The task registered as `name` (`groups.compute_group_stats`, `apps.cases.tasks.case_import_task`).

    A web process has not imported the apps' `tasks` modules (a worker has): import them on first use.
    """
    app = current_app._get_current_object()
    if name not in app.tasks:
        app.loader.import_default_modules()  # runs the autodiscovery of config/celery.py
    return app.tasks[name]


def enqueue(name: str, /, *args: Any, options: dict[str, Any] | None = None, **kwargs: Any):
    """Send the task `name` with `args`/`kwargs` (eager under `CELERY_TASK_ALWAYS_EAGER`); `options` are
    `apply_async`'s (queue, countdown, …). Callers wanting it after the commit wrap it in `transaction.on_commit`."""
    found = task(name)
    if options:
        return found.apply_async(args, kwargs, **options)
    return found.delay(*args, **kwargs)
