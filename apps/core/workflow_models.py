"""Abstract models the workflows share: stored files and expert assignments (no tables of their own).

Why: applications, disputes, screening and training each declared the same file columns, and applications
and disputes the same assignment columns; a column added once now reaches every workflow. Each concrete
model keeps its own table, its foreign key to its item, its Meta (names, constraints) and any field that
differs (applications' `stored_name` help text, training's longer content type).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .scoping import RegionScopedModel


class StoredFile(RegionScopedModel):
    """A file under PRIVATE_MEDIA_ROOT/<folder> with a random name (apps.core.uploads.store_upload's fields)."""

    stored_name = models.CharField(max_length=100)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    DECLINED = "declined", _("Declined (conflict)")
    REPLACED = "replaced", _("Replaced")
    DONE = "done", _("Opinion given")


class ExpertAssignment(RegionScopedModel):
    """An expert of the region's pool asked to review an item (apps.core.reviews.assign_from_pool)."""

    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("expert"))
    status = models.CharField(_("status"), max_length=10, choices=AssignmentStatus.choices,
                              default=AssignmentStatus.ASSIGNED)
    due = models.DateField(_("due"), null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    decline_reason = models.TextField(_("conflict declared"), blank=True)

    class Meta:
        abstract = True
        ordering = ["assigned_at", "id"]


class Computed(models.Model):
    """The worker columns of everything computed in the background (apps.core.lifecycle, decision 0041).

    Why: a worker that dies leaves its row `running`; `heartbeat_at` (set by claim and every progress write)
    lets `lifecycle.reap_stale` tell a dead worker from a slow one, `worker` says which node had it."""

    worker = models.CharField(_("worker"), max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    class Meta:
        abstract = True


class PublishedGuard(models.Model):
    """A published (or superseded) row never changes; the only write allowed is published → superseded.

    Why here: group statistics and settlement each had a copy; every publishable lifecycle model uses this one
    (`apps.core.lifecycle.publish` is the only code that moves a row to published or superseded)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        from .errors import InvalidTransition
        from .lifecycle import IMMUTABLE, Lifecycle

        if self.pk:
            stored = type(self)._base_manager.filter(pk=self.pk).values().first()
            if stored and stored["status"] in IMMUTABLE:
                changed = {k for k, v in stored.items() if getattr(self, k, v) != v}
                allowed = (stored["status"] == Lifecycle.PUBLISHED and self.status == Lifecycle.SUPERSEDED
                           and changed <= {"status"})
                if changed and not allowed:
                    raise InvalidTransition(f"A published {self._meta.verbose_name} cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        from .errors import InvalidTransition
        from .lifecycle import IMMUTABLE

        if self.pk and type(self)._base_manager.filter(pk=self.pk, status__in=IMMUTABLE).exists():
            raise InvalidTransition(f"A published {self._meta.verbose_name} cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_immutable(self) -> bool:
        from .lifecycle import IMMUTABLE

        return self.status in IMMUTABLE
