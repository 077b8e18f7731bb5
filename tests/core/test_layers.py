"""Dependencies point one way (docs/architecture.md "Which app may import which", decision 0042).

The contracts live in `.importlinter` at the repository root: apps import only lower layers (inside function
bodies too — grimp sees every import), and a `services` module never imports its app's `tasks`; services
queue work by task name through `apps.core.jobs.enqueue`.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from apps.core import jobs

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache", "--config", str(ROOT / ".importlinter")], cwd=ROOT,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


def _enqueued_names() -> set[str]:
    """Task names written in `jobs.enqueue("…")` calls, and the names handed to a `_dispatch(obj, "…", …)`."""
    names = set()
    for path in (ROOT / "apps").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            args = node.args[:1] if called == "enqueue" else node.args[1:2] if called == "_dispatch" else []
            names |= {a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return names


def test_every_enqueued_name_is_a_registered_task():
    names = _enqueued_names()
    assert "groups.compute_group_stats" in names and "apps.cases.tasks.case_import_task" in names
    for name in sorted(names):
        assert jobs.task(name).name == name


def test_an_unknown_task_name_fails_loudly():
    from celery.exceptions import NotRegistered

    with pytest.raises(NotRegistered):
        jobs.enqueue("nowhere.no_such_task", region_id=1)
