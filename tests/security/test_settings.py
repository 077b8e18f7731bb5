"""Production settings pass `check --deploy`; every response carries the security headers; password rules."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from apps.core.demo_data import DEMO_PASSWORD
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
DUMMY_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.prod",
    "SECRET_KEY": "k3y-" + "x7Qp" * 15,  # ≥ 50 characters, ≥ 5 distinct: the shape check --deploy wants
    "PATIENT_ID_SALT": "salt-for-tests",
    "ALLOWED_HOSTS": "portal.example.cn",
    "CSRF_TRUSTED_ORIGINS": "https://portal.example.cn",
}


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the Playwright tests of the same worker, never in deployment.
    dropped = {"SECRET_KEY", "ALLOWED_HOSTS", "PATIENT_ID_SALT", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    base.setdefault("DATABASE_URL", settings.DATABASES["default"].get("URL", "")
                    or "postgresql://postgres@127.0.0.1:5432/postgres")
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=240)


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", env=DUMMY_ENV)
    out = result.stdout + result.stderr
    # Every message is listed as "?: (id) text"; none may appear (the API schema's included).
    ids = re.findall(r"\(([\w.]+\.[WEC]\d+)\)", out)
    assert ids == [], out
    assert result.returncode == 0, out


def test_check_deploy_security_tag_has_no_warning_at_all():
    result = _manage("check", "--deploy", "--tag", "security", "--fail-level", "WARNING", env=DUMMY_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_secrets():
    env = {k: v for k, v in DUMMY_ENV.items() if k != "SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY is required in production" in result.stderr


def test_production_settings_values():
    result = _manage("shell", "--no-imports", "-c", (
        "from django.conf import settings as s; print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER[0], s.X_FRAME_OPTIONS, "
        "s.SESSION_COOKIE_AGE, s.SESSION_SAVE_EVERY_REQUEST, s.SESSION_EXPIRE_AT_BROWSER_CLOSE)"), env=DUMMY_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-10:] == ["False", "True", "True", "True", "31536000", "HTTP_X_FORWARDED_PROTO", "DENY",
                                     "1800", "True", "True"]


@pytest.mark.django_db
def test_security_headers_on_pages_and_api(client):
    response = client.get("/login/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src")).split()
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    api = client.get("/api/v1/regions/")
    assert api.status_code in (401, 403) and api["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_inline_script_nonce_matches_the_header(rf):
    from csp.middleware import CSPMiddleware
    from django.template import Context, Template

    request = rf.get("/")
    middleware = CSPMiddleware(lambda req: __import__("django.http", fromlist=["HttpResponse"]).HttpResponse(
        Template('<script nonce="{{ request.csp_nonce }}">1</script>').render(Context({"request": req}))))
    response = middleware(request)
    nonce = response.content.decode().split('nonce="')[1].split('"')[0]
    assert len(nonce) >= 16 and f"'nonce-{nonce}'" in response["Content-Security-Policy"]


def test_session_expires_when_idle_and_at_browser_close():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_HTTPONLY


@pytest.mark.django_db
def test_password_rules_accept_the_demo_and_test_passwords_and_refuse_weak_ones(world):
    from apps.tenants.enums import Role

    user = world["A"].users[Role.HOSPITAL_STAFF]
    validate_password(DEMO_PASSWORD, user)
    validate_password(PASSWORD, user)
    for weak in ("short-1", "password123", "1234567890123", user.username):
        with pytest.raises(ValidationError):
            validate_password(weak, user)


@pytest.mark.django_db
def test_an_idle_session_ends_and_activity_renews_it(world, client):
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from apps.tenants.enums import Role

    client.force_login(world["A"].users[Role.BUREAU_STAFF])
    assert client.get("/").status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    renewed = session.expire_date
    assert dt.timedelta(minutes=29) < renewed - timezone.now() <= dt.timedelta(minutes=30)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - dt.timedelta(seconds=1))  # 30 idle minutes
    response = client.get("/")
    assert response.status_code == 302 and "/login/" in response["Location"]
