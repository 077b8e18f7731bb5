"""Reads of a user's inbox. A user reads only their own notifications, in the regions they belong to."""
from __future__ import annotations

from django.db.models import QuerySet

from apps.tenants.access import get_access

from .models import Notification


def inbox(user) -> QuerySet[Notification]:
    access = get_access(user)
    return Notification.objects.with_scope(region=access.region_ids).filter(user=user)


def unread_count(user) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return inbox(user).filter(read_at__isnull=True).count()
