"""What every screen does with a domain error: one rule, used by every app's views."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404

from .errors import DomainError, Forbidden, NotFound


def show_error(request, err: DomainError) -> None:
    """Out of scope is 404 and a refused role 403 (never a message that confirms the item exists); anything
    else is a message on the page the user comes back to."""
    if isinstance(err, NotFound):
        raise Http404
    if isinstance(err, Forbidden):
        raise PermissionDenied(err.message)
    messages.error(request, err.message)
