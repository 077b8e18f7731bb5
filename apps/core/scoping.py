"""Tenant scoping on top of django-scopes.

Every tenant-owned model inherits `RegionScopedModel`: a non-null `region` and a manager that
raises `ScopeError` unless a region scope is active (fails closed). The scope value is always a
list of region ids; an empty list means "nothing".
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import models
from django_scopes import ScopedManager, get_scope, scope, scopes_disabled
from django_scopes.state import state

__all__ = [
    "RegionScopedModel",
    "ScopedManager",
    "region_scope",
    "scopes_disabled",
    "current_region_ids",
    "replace_region_scope",
    "scoped",
]


def RegionManager(manager_class: type[models.Manager] = models.Manager) -> models.Manager:  # noqa: N802
    """The scoped manager for a model with a `region` foreign key."""
    return ScopedManager(_manager_class=manager_class, region="region")


class RegionScopedModel(models.Model):
    region = models.ForeignKey("tenants.Region", on_delete=models.PROTECT, related_name="+")

    objects = RegionManager()

    class Meta:
        abstract = True


def scoped(model: type[models.Model], region_id: int) -> models.QuerySet:
    """All rows of a region-scoped model in one region, whatever scope is active (the caller checked access).

    The one copy of the helper every app used to define as `_scoped`.
    """
    return model.objects.with_scope(region=[region_id])


@contextmanager
def region_scope(region_ids: Iterable[int] | int) -> Iterator[None]:
    """Open a scope on the given region id(s); never pass None (that would mean 'all')."""
    ids = [region_ids] if isinstance(region_ids, int) else list(region_ids)
    with scope(region=ids):
        yield


def current_region_ids() -> list[int] | None:
    """The region ids of the active scope, or None when scopes are disabled."""
    current = get_scope()
    if not current.get("_enabled", True):
        return None
    value = current.get("region")
    return list(value) if value is not None else []


def replace_region_scope(region_ids: Iterable[int]) -> None:
    """Swap the region scope inside an already open scope (used after API token authentication).

    The enclosing `scope()` of the middleware restores the previous state on exit.
    """
    new_state = dict(get_scope())
    new_state["_enabled"] = True
    new_state["region"] = list(region_ids)
    state.set(new_state)
