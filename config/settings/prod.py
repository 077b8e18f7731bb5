"""Production: everything secret or host-specific comes from the environment (docs/operations.md).

Required: SECRET_KEY (≥ 50 random characters), DATABASE_URL, ALLOWED_HOSTS, PATIENT_ID_SALT.
Optional: CSRF_TRUSTED_ORIGINS (comma-separated https://host), CELERY_BROKER_URL (redis://…), EMAIL_*,
SECURE_SSL_REDIRECT (default on; nginx terminates TLS and sets X-Forwarded-Proto), LOG_LEVEL.
`DJANGO_SETTINGS_MODULE=config.settings.prod manage.py check --deploy` passes with no warnings.
"""
import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import env_bool


def required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"{name} is required in production (see docs/operations.md)")
    return value


DEBUG = False
SECRET_KEY = required("SECRET_KEY")
PATIENT_ID_SALT = required("PATIENT_ID_SALT")
ALLOWED_HOSTS = [h.strip() for h in required("ALLOWED_HOSTS").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

# TLS ends at nginx, which forwards X-Forwarded-Proto; only trust it because gunicorn listens on loopback/socket.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^core/healthz/$"]  # the load balancer probes over plain http
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Secure cookies only make sense over https; the CSP upgrades any stray http sub-resource.
CONTENT_SECURITY_POLICY["DIRECTIVES"]["upgrade-insecure-requests"] = True  # noqa: F405

# Keep database connections for a minute and check them before use (a restarted PostgreSQL is not an error).
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", 60))  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

LOGGING["root"]["level"] = os.environ.get("LOG_LEVEL", "INFO")  # noqa: F405
LOGGING["formatters"] = {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"}}  # noqa: F405
LOGGING["handlers"]["console"]["formatter"] = "plain"  # noqa: F405
LOGGING["loggers"]["django.security"] = {"level": "WARNING", "handlers": ["console"], "propagate": False}  # noqa: F405
