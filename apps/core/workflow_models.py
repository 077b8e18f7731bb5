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
