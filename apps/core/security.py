"""Security plumbing: the django-axes lockout backend and responses, and the database-outage page.

- `LockoutBackend` is the first authentication backend. It refuses a locked-out username before any password
  check, for the web login and the API token endpoint alike (both go through `django.contrib.auth.authenticate`),
  and the failure counts live in axes' database tables, so every web process shares them.
- `lockout_response` turns axes' lockout into a JSON 429 `{"detail", "code": "locked_out"}` under /api/ and the
  login page with a message elsewhere.
- `DatabaseUnavailableMiddleware` answers 503 (a bilingual page, or JSON under /api/) when a request failed because
  the database connection was lost, instead of the generic 500 page.
"""
from __future__ import annotations

import logging

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

log = logging.getLogger("apps.core.security")


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The username axes counts failures for: trimmed and case-folded, so `Alice` and `alice ` share one counter."""
    value = None
    if credentials:
        value = credentials.get("username")
    if value is None and request is not None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        value = data.get("username") if hasattr(data, "get") else None
    return str(value or "").strip().lower()


class LockoutBackend(AxesStandaloneBackend):
    """axes' standalone backend, tolerant of authenticate() without a request (shell, Client.login in tests):
    such calls are not throttled because there is no caller to throttle."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def lockout_response(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if is_api_request(request):
        return JsonResponse({"detail": _("Too many failed attempts; try again in %(minutes)d minutes or ask your "
                                         "administrator to unlock the account.") % {"minutes": minutes},
                             "code": "locked_out"}, status=429)
    from django.contrib.auth.forms import AuthenticationForm
    from django.shortcuts import render

    message = _("Too many failed attempts: this account is locked for %(minutes)d minutes. Ask your bureau "
                "administrator to unlock it.") % {"minutes": minutes}
    form = AuthenticationForm(request, initial={"username": axes_username(request, credentials)})
    return render(request, "registration/login.html", {"form": form, "lockout_message": message}, status=429)


# -- database connection loss ---------------------------------------------------------------------------------------

DB_LOST = (OperationalError, InterfaceError)


@receiver(got_request_exception, dispatch_uid="core.security.db_lost")
def _flag_database_loss(sender, request=None, **kwargs):
    """Django converts an exception into a 500 response deep in the stack and announces it with this signal:
    remember on the request that the cause was the database, for the middleware below."""
    import sys

    exc = sys.exc_info()[1]
    if request is not None and isinstance(exc, DB_LOST):
        request._database_unavailable = True


class DatabaseUnavailableMiddleware:
    """Outside the session and auth middleware (which need the database themselves): a request that failed
    because the database was unreachable gets 503 with a retry hint, never a stack trace or the 500 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except DB_LOST:  # only when DEBUG_PROPAGATE_EXCEPTIONS lets it through
            request._database_unavailable = True
            response = None
        if response is None or getattr(request, "_database_unavailable", False):
            log.error("database unavailable while serving %s %s", request.method, request.path)
            self._discard_broken_connections()
            return database_unavailable_response(request)
        return response

    @staticmethod
    def _discard_broken_connections() -> None:
        from django.db import connections

        for conn in connections.all(initialized_only=True):
            try:
                conn.close_if_unusable_or_obsolete()
            except Exception:  # noqa: BLE001 - the connection is already gone
                pass


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        response = JsonResponse({"detail": "数据库暂时不可用，请稍后重试。The database is temporarily unavailable; "
                                           "please retry shortly.", "code": "service_unavailable"}, status=503)
    else:
        # No RequestContext: the context processors would query the database that just failed.
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    """`GET /core/healthz/` for the load balancer and monitoring: 200 when the database answers, else 503."""
    from django.db import connection

    with connection.cursor() as cursor:  # a failure here is turned into 503 by the middleware above
        cursor.execute("SELECT 1")
    response = JsonResponse({"status": "ok"})
    response["Cache-Control"] = "no-store"
    return response
