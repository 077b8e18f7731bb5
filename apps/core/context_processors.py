"""Template context every page needs: the user's access and the role-aware navigation."""
from __future__ import annotations

from .navigation import navigation_for


def portal(request) -> dict:
    access = getattr(request, "access", None)
    if access is None or not request.user.is_authenticated:
        return {"nav_items": [], "portal_access": access}
    return {"nav_items": navigation_for(request), "portal_access": access}
