"""Settings shared by every environment. Only this module reads the environment.

Secrets and hosts have no default: production fails fast when they are missing. The dev and
test modules only `os.environ.setdefault(...)` safe values and then import this module.
Every variable is documented in `.env.example`.
"""

from datetime import timedelta
from pathlib import Path

import environ
import structlog
from csp.constants import NONCE

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_htmx",
    "wijkaanpak.core",
    "partners",
    "projects",
    "datasharing",
    "datasharing.matching",
    "controls",
    "reports",
    "transparency",
    "privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "wijkaanpak.core.middleware.TraceMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "wijkaanpak.core.middleware.SessionLifetimeMiddleware",
    "wijkaanpak.core.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wijkaanpak.core.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wijkaanpak.urls"
WSGI_APPLICATION = "wijkaanpak.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wijkaanpak.core.context_processors.site",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
# A persistent connection that a restarted PostgreSQL closed is noticed and replaced before the
# request uses it (issue 16.2); with CONN_MAX_AGE 0 every request connects afresh anyway.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "partners.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "projects:start"
LOGOUT_REDIRECT_URL = "login"
# Security R10: at least 12 characters, common passwords refused, no composition rules.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "wijkaanpak.core.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# Sessions (security R11): idle timeout 30 minutes, absolute lifetime 12 hours (one shift).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_LIFETIME = int(timedelta(hours=12).total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True

# Second factor (security R8). OTP_REQUIRED may only be switched off for the local demo.
OTP_REQUIRED = env.bool("WIJKAANPAK_OTP_REQUIRED", default=True)
OTP_TOTP_ISSUER = "Wijkaanpak"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands")]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date format throughout (issue 9 item 8): wijkaanpak/formats/nl/formats.py. Templates write
# `{{ day|date }}` and `{{ moment|date:"DATETIME_FORMAT" }}`, never a format string of their own
# (tests/core/test_site_pages.py checks every template).
FORMAT_MODULE_PATH = ["wijkaanpak.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploads are personal data: kept outside any public root, served only through
    # authorising views (security R14). There is deliberately no MEDIA_URL route.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.path("WIJKAANPAK_PRIVATE_MEDIA", default=BASE_DIR / "var" / "private")
        },
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 5
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# Pseudonymisation key material (security R18): a 256-bit master key that wraps each
# project's own key. From the environment (base64) or a key file; never in the database.
WIJKAANPAK_MASTER_KEY = env("WIJKAANPAK_MASTER_KEY", default="")
WIJKAANPAK_MASTER_KEY_FILE = env("WIJKAANPAK_MASTER_KEY_FILE", default="")
# The processing log's key for the data subject's id (LDV, R21): base64, 64 bytes (AES-SIV).
# Empty: derived from the master key (wijkaanpak.core.processing_log).
WIJKAANPAK_LOG_SUBJECT_KEY = env("WIJKAANPAK_LOG_SUBJECT_KEY", default="")

# Celery (security R27): late acks, no prefetch, time limits below the visibility timeout.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 55 * 60
# With the broker down, queuing a job gives up within seconds (issue 8 item 5, security R30): a
# short connection timeout and a bounded publish retry for the broker, and for the result
# backend (which `delay()` contacts too, to subscribe to the result) a bounded retry policy in
# place of Celery's 20 one-second retries. The upload then answers at once and marks its
# delivery failed (datasharing.services.deliveries). Workers reconnect as before
# (broker_connection_retry, broker_connection_max_retries: Celery's defaults).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
BROKER_CONNECT_TIMEOUT = {"socket_connect_timeout": 2}
# The visibility timeout is the longest hard time limit of any task plus a margin, so that a task
# that is still running is never delivered a second time (tests/matching/test_watchdog.py checks
# every registered task). It is only the last resort after a worker died: matching chunks hold
# a lease with a heartbeat, and the watchdog below sends a chunk whose worker is gone again
# within MATCHING_CHUNK_STALE_SECONDS + MATCHING_WATCHDOG_SECONDS (issue 16.1).
VISIBILITY_TIMEOUT_SECONDS = CELERY_TASK_TIME_LIMIT + 5 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
    **BROKER_CONNECT_TIMEOUT,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
    "retry_policy": {
        "max_retries": 3,
        "interval_start": 0,
        "interval_step": 0.5,
        "interval_max": 1,
    },
}
# Matching chunk leases (datasharing.matching.services.watchdog): a heartbeat every 10 s; a chunk
# silent for a minute has lost its worker and is sent again (at most 3 attempts); chunks nobody
# started while the run showed no sign of life for 10 minutes are sent again too.
MATCHING_CHUNK_HEARTBEAT_SECONDS = env.float("MATCHING_CHUNK_HEARTBEAT_SECONDS", default=10)
MATCHING_CHUNK_STALE_SECONDS = env.float("MATCHING_CHUNK_STALE_SECONDS", default=60)
MATCHING_RUN_IDLE_SECONDS = env.float("MATCHING_RUN_IDLE_SECONDS", default=600)
MATCHING_CHUNK_MAX_ATTEMPTS = env.int("MATCHING_CHUNK_MAX_ATTEMPTS", default=3)
MATCHING_WATCHDOG_SECONDS = env.float("MATCHING_WATCHDOG_SECONDS", default=30)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_BEAT_SCHEDULE = {
    "retention-enforce": {
        "task": "datasharing.tasks.retention_enforce_task",
        "schedule": timedelta(hours=1),
    },
    # controls.tasks: open referrals past their term are marked overdue (issue 12.2).
    "referrals-mark-overdue": {
        "task": "referrals_mark_overdue",
        "schedule": timedelta(hours=1),
    },
    # A matching chunk whose worker is gone is sent again (issue 16.1, services.watchdog).
    "matching-watchdog": {
        "task": "datasharing.matching.tasks.matching_watchdog_task",
        "schedule": timedelta(seconds=MATCHING_WATCHDOG_SECONDS),
        "options": {"expires": MATCHING_WATCHDOG_SECONDS},
    },
    # A delivery is never stuck `ontvangen` (issue 8 item 5): its job queued again, or failed.
    "deliveries-stuck-requeue": {
        "task": "datasharing.tasks.deliveries_stuck_requeue_task",
        "schedule": timedelta(minutes=10),
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Every operation documents its JSON error answers (code + Dutch message).
    "DEFAULT_SCHEMA_CLASS": "wijkaanpak.core.api.ApiAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "wijkaanpak.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Wijkaanpak API",
    "DESCRIPTION": (
        "REST API v1 voor de systemen van partners en de regio: projecten, voortgang, "
        "bezoeken, bevindingen, doorverwijzingen en exports, met dezelfde toegangsregels als "
        "de pagina's. Een API-client stuurt zijn token mee als `Authorization: Bearer <token>`. "
        "Niet gevonden en niet toegestaan zijn allebei 404. Lijsten komen in pagina's met een "
        "cursor (`next`); `updated_since` met de `sync_until` van de vorige ophaalronde haalt "
        "alleen wat sindsdien veranderde. Fouten zijn JSON met een vaste `code` en een "
        "Nederlandse `detail`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The documentation page is served from drf-spectacular-sidecar: no internet needed.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ReferralKindEnum": "controls.constants.ReferralKind",
        "OutcomeKindEnum": "controls.constants.OutcomeKind",
        "ReferralStatusEnum": "controls.constants.ReferralStatus",
    },
}
# Calls per REST client (DRF throttling on the cache below), e.g. "600/min".
WIJKAANPAK_API_THROTTLE_RATE = env("WIJKAANPAK_API_THROTTLE_RATE", default="600/min")
# The cache holds the throttle counters: shared between processes in production (Redis,
# e.g. rediscache://127.0.0.1:6379/2), in-process otherwise.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# Content security policy (security R16): no inline scripts or styles, except the tablet's own
# built stylesheet and script under a per-response nonce (never 'unsafe-inline').
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # The nonces are for the tablet's inline stylesheet and bundled script only
        # (wijkaanpak.core.offline); a page that does not ask for one gets none in its header.
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every line carries the request's trace id: the generic 500 page shows only that id (R23).
    "filters": {
        "trace_id": {"()": "wijkaanpak.core.views.TraceIdLogFilter"},
        # No enrolment-link token in any line (R22), whichever logger wrote the request path.
        "no_enrolment_token": {"()": "wijkaanpak.core.views.EnrolmentTokenRedactFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s trace_id=%(trace_id)s %(message)s"},
        # Django's own format for the development server's request lines.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["no_enrolment_token", "trace_id"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["no_enrolment_token"],
            "level": "INFO",
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Never log request bodies or SQL parameters: they may carry personal data.
        "django.db.backends": {"level": "WARNING"},
        # Django's default for runserver's request lines, with the token filter added.
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

# Application code logs through structlog (style.md: event keys and ids only, never personal
# data); its lines are rendered as logfmt and handed to the standard logging above, so the
# level, the trace id and the handlers apply to every line alike.
structlog.configure(
    processors=[
        structlog.stdlib.filter_by_level,
        structlog.processors.format_exc_info,
        structlog.processors.LogfmtRenderer(key_order=["event"], drop_missing=True),
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)

WIJKAANPAK_VERSION = "0.1.0"
# Who runs this installation, shown in the header and on the privacy, accessibility and contact
# pages (issue 9 item 8). Required: every public page names its organisation and where to turn.
WIJKAANPAK_ORGANISATION_NAME = env("WIJKAANPAK_ORGANISATION_NAME")
WIJKAANPAK_CONTACT_EMAIL = env("WIJKAANPAK_CONTACT_EMAIL")
WIJKAANPAK_PRIVACY_EMAIL = env("WIJKAANPAK_PRIVACY_EMAIL")
WIJKAANPAK_PROCESSING_REGISTER_URI = env(
    "WIJKAANPAK_PROCESSING_REGISTER_URI", default="https://verwerkingsregister.example/wijkaanpak"
)
