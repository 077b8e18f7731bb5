"""`{% load notifications_tags %}{% unread_count %}`: the signed-in user's unread notifications."""
from __future__ import annotations

from django import template

from ..selectors import unread_count as _unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_count(context) -> int:
    request = context.get("request")
    return _unread_count(getattr(request, "user", None))
