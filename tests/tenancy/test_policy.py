"""The access policy is written once: screens, API actions, exports and widgets ask it, never decide themselves.

1. Every module that serves a URL (walked from the URLconf, API included) or renders a dashboard widget is a
   "view-layer" module. In it, a role check written by hand fails this test: `has_role(...)`,
   `has_any_role(...)` or `regions_with(...)` naming anything but a role group of apps/tenants/roles.py
   (`Role.X`, an ad-hoc tuple, a services module's `*_ROLES`). Decisions
   belong in the app's `rules.py` (`can_<action>`) or are named predicates of `apps.tenants.access.Access`
   (`is_bureau`, `reads_region`, `own_hospitals`, `bureau_region_ids`, …). A new view in a new module is found
   through the URLconf, so it cannot slip by.
2. Role groups are defined once: no module outside apps/tenants/roles.py assigns a tuple/set/list of two or
   more `Role.X` members.
3. The duplicated helpers stay gone: `is_bureau`, `is_bureau_admin`, `own_hospitals`, `is_hospital_of` live in
   apps/tenants/access.py only, `scoped` in apps/core/scoping.py only.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[2]
APPS = ROOT / "apps"
POLICY_CALLS = {"has_role", "has_any_role", "regions_with"}
GROUP_NAMES = set(importlib.import_module("apps.tenants.roles").__all__) - {"Role"}


def _callback_modules() -> set[str]:
    """Modules of every view the URLconf serves (portal and API), unwrapping decorators and DRF wrappers."""
    found: set[str] = set()

    def add(callback) -> None:
        for attr in ("cls", "view_class"):
            if getattr(callback, attr, None) is not None:
                found.add(getattr(callback, attr).__module__)
                return
        inner = inspect.unwrap(callback)
        found.add(getattr(inner, "__module__", "") or "")

    def walk(patterns) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns)
            elif isinstance(p, URLPattern):
                add(p.callback)

    walk(get_resolver().url_patterns)
    return {m for m in found if m.startswith("apps.")}


def view_layer_files() -> list[Path]:
    """Modules serving URLs, plus every views*/api*/exports*/widgets/dashboard/templatetags module of apps/."""
    files = {ROOT / (m.replace(".", "/") + ".py") for m in _callback_modules()}
    for pattern in ("*/views*.py", "*/api*.py", "*/exports*.py", "*/widgets.py", "*/dashboard.py",
                    "*/templatetags/*.py"):
        files.update(APPS.glob(pattern))
    return sorted(f for f in files if f.exists())


def _named_group(arg: ast.expr) -> bool:
    return isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name) and arg.value.id in GROUP_NAMES


def hand_written_checks(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        if node.func.attr in POLICY_CALLS:
            roles = node.args[1:] if node.func.attr == "has_role" else node.args
            if not roles or not all(_named_group(a) for a in roles):
                found.append(f"{where} calls {node.func.attr}() without a role group of apps/tenants/roles.py")
    return found


def test_view_layer_modules_are_found_through_the_urlconf():
    modules = _callback_modules()
    assert "apps.settlement.views" in modules and "apps.settlement.api" in modules
    assert len(view_layer_files()) >= 30


def test_views_api_exports_and_widgets_ask_the_policy():
    offenders = [line for f in view_layer_files() for line in hand_written_checks(f)]
    assert not offenders, ("access decided outside the policy (use the app's rules.py / Access predicates):\n  "
                           + "\n  ".join(offenders))


def test_the_guard_catches_a_hand_written_check(tmp_path):
    bad = tmp_path / "views_new.py"
    bad.write_text("from apps.tenants.enums import Role\n\n"
                   "def screen(request):\n    return request.access.has_role(1, Role.BUREAU_ADMIN, Role.AUDITOR)\n"
                   "def other(request):\n    return request.access.regions_with(*services.COMPUTE_ROLES)\n")
    rel = ROOT / "apps" / "_probe_views.py"
    try:
        rel.write_text(bad.read_text())
        assert len(hand_written_checks(rel)) == 2
    finally:
        rel.unlink()


ROLE_SET = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?::[^=]+)?\s*=\s*[\(\{]?\s*(?:frozenset\(\{)?Role\.\w+\s*,\s*Role\.")


def test_role_groups_are_defined_once():
    """A module-level tuple or set of roles outside apps/tenants/roles.py is a second copy of a group (lists are
    display orders, e.g. the demo's login page)."""
    offenders = []
    for path in APPS.rglob("*.py"):
        if "migrations" in path.parts or path.name == "roles.py" and path.parent.name == "tenants":
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if ROLE_SET.match(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "define role groups in apps/tenants/roles.py:\n  " + "\n  ".join(offenders)


def _definitions(name: str) -> list[str]:
    pattern = re.compile(rf"^\s*def {name}\(|^{name}\s*=")
    return [f"{p.relative_to(ROOT)}:{n}" for p in APPS.rglob("*.py") if "migrations" not in p.parts
            for n, line in enumerate(p.read_text().splitlines(), 1) if pattern.match(line)]


def test_shared_helpers_are_defined_once():
    copies = [p for p in APPS.rglob("*.py") if "def _scoped(" in p.read_text()]
    assert not copies, f"use apps.core.scoping.scoped: {copies}"
    assert [d.split(":")[0] for d in _definitions("scoped")] == ["apps/core/scoping.py"]
    for name in ("is_bureau", "is_bureau_admin", "own_hospitals", "is_hospital_of"):
        assert {d.split(":")[0] for d in _definitions(name)} == {"apps/tenants/access.py"}, name
