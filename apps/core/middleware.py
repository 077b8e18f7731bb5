"""Request middleware: the portal language and the region scope."""
from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django_scopes import scope

from apps.tenants.access import get_access


class PortalLocaleMiddleware:
    """Chinese first: the language is the user's explicit choice (cookie), else zh-hans.

    Unlike Django's LocaleMiddleware the browser's Accept-Language is ignored, so a bureau clerk
    on an English-configured browser still gets the Chinese portal unless they switch.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or request.GET.get("lang")
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every authenticated answer and every download.

    Why: pages and exports carry region data; a shared browser, proxy or the back button must not keep
    them. Token-authenticated API calls count too (DRF sets request.user on the Django request).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        try:
            user = getattr(request, "user", None)
            authenticated = bool(user is not None and user.is_authenticated)
        except Exception:  # noqa: BLE001 - the session store is down: treat as private
            authenticated = True
        download = "attachment" in response.get("Content-Disposition", "")
        if authenticated or download or "HTTP_AUTHORIZATION" in request.META:
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


class RegionScopeMiddleware:
    """Open the django-scopes region scope from the user's memberships (empty for anonymous users)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in value or len(value) > MAX_QUERY_VALUE for _key, values in request.GET.lists()
               for value in values):
            return bad_query_response(request)
        access = get_access(request.user)
        request.access = access
        with scope(region=access.region_ids):
            return self.get_response(request)


MAX_QUERY_VALUE = 1000  # no filter or search of the portal needs more; Python refuses int() of > 4300 digits


def bad_query_response(request):
    """Refused before any view runs: PostgreSQL text cannot hold NUL and views parse numbers with int(), so a filter
    value with a NUL byte or thousands of digits would fail deep in a view (500) instead of answering 400."""
    from django.http import HttpResponseBadRequest, JsonResponse

    message = "Query parameters must not contain NUL characters or exceed 1000 characters."
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "validation_error"}, status=400)
    return HttpResponseBadRequest(message)
