"""Settings for the Workbench, read from the environment through small typed helpers.

With no environment at all the embedded default runs: SQLite under var/, kombu's filesystem
broker under var/, a secret key generated once into var/. Production sets DATABASE_URL,
CELERY_BROKER_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=0.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    """Return the variable, or the default when it is unset."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Return a boolean variable; anything but a clear yes/no is a configuration error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no)")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """Return an integer variable at least `minimum`."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated list variable, blanks dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


VAR_DIR = Path(env_str("WORKBENCH_VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY, or for the embedded default (DEBUG, or no DATABASE_URL) one kept in var/."""
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not DEBUG and env_str("DATABASE_URL"):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        # Written once so sessions survive restarts of the embedded runtime.
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "simple_history",
    "axes",
    "csp",
    "annotations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the web process itself (gunicorn serves no files): compressed, cached.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL in a query parameter is a 400 for every route, before sessions or views touch it.
    "workbench.middleware.RejectNulQueryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Roles are checked by the view and again by each selector it calls: read once a request.
    "workbench.middleware.RolesMemoMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # 403 and 404 as the app's pages with the view's reason, with DEBUG on too.
    "annotations.ui.views.errors.ErrorPagesMiddleware",
    # A job start that finds the broker down: the failed job's page and a message, not a 500.
    "annotations.ui.middleware.JobQueueUnavailableMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "workbench.urls"
WSGI_APPLICATION = "workbench.wsgi.application"
ASGI_APPLICATION = "workbench.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _databases() -> dict[str, dj_database_url.DBConfig]:
    """DATABASE_URL, or a SQLite file under var/ set up so web and worker can share it."""
    url = env_str("DATABASE_URL")
    if url:
        try:
            # Health checks: a connection kept across requests that died (PostgreSQL restarted)
            # is replaced before use instead of failing one request per thread with a 500.
            config = dj_database_url.parse(
                url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
            )
        except ValueError as exc:
            raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
        if config["ENGINE"] == "django.db.backends.sqlite3":
            config.setdefault("OPTIONS", {}).update(_SQLITE_OPTIONS)
        return {"default": config}
    return {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "workbench.sqlite3"),
            "OPTIONS": dict(_SQLITE_OPTIONS),
            # Each web thread keeps its connection (and its page cache) instead of opening the
            # file and running the PRAGMAs below on every request.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            # A file, not memory, so a worker process started by a test can open it too;
            # one per test process, so concurrent test runs never share it.
            "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }


# WAL lets the web process read while the worker writes; IMMEDIATE transactions take the write
# lock up front so two writers queue on the busy timeout instead of failing on lock upgrade.
_SQLITE_OPTIONS = {
    "timeout": 30,
    "transaction_mode": "IMMEDIATE",
    # synchronous=NORMAL: in WAL mode a commit is durable against a crash of the process, and
    # skips an fsync per commit; 32 MB of page cache per connection for the readers.
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA cache_size=-32000; PRAGMA temp_store=MEMORY;"
    ),
}

DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date form and one date-and-time form per language, used by every page (workbench/formats/).
FORMAT_MODULE_PATH = ["workbench.formats"]

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")) or VAR_DIR / "static")
# WhiteNoise serves collected files from STATIC_ROOT and, for the embedded runtime started
# without `collectstatic`, the apps' own static folders (found once, at start-up).
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing one
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")) or VAR_DIR / "media")
# The claim graph's vector indexes, one folder per project (annotations/services/graph_jobs.py).
# Workers write them and web processes read them: on several machines, a shared volume.
GRAPH_INDEX_DIR = Path(env_str("GRAPH_INDEX_DIR", str(VAR_DIR / "graph")) or VAR_DIR / "graph")
# Also index passages with the second embedder (multilingual-e5-small) for the pair feature
# csls2: better related claims, at ~10-20 passages a second per worker core when indexing.
GRAPH_SECOND_EMBEDDER = env_bool("GRAPH_SECOND_EMBEDDER", True)
# Uploads larger than this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# ... and no more of it than IMPORT_MAX_UPLOAD_BYTES is kept there (the rest is refused).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "annotations.uploads.CappedTemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# What an import may hold; anything past these is refused, naming file, line and field, before
# a row is written. ARTICLE_BODY_MAX_CHARS also caps an article's text in the API and the admin.
ARTICLE_BODY_MAX_CHARS = env_int("ARTICLE_BODY_MAX_CHARS", 5_000_000, minimum=1)
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 500 * 1024 * 1024, minimum=1)
IMPORT_MAX_UNZIPPED_BYTES = env_int("IMPORT_MAX_UNZIPPED_BYTES", 1024 * 1024 * 1024, minimum=1)
IMPORT_MAX_ZIP_RATIO = env_int("IMPORT_MAX_ZIP_RATIO", 100, minimum=1)
IMPORT_MAX_METADATA_CHARS = env_int("IMPORT_MAX_METADATA_CHARS", 1_000_000, minimum=2)
IMPORT_MAX_JSON_DEPTH = env_int("IMPORT_MAX_JSON_DEPTH", 32, minimum=1)
if IMPORT_MAX_JSON_DEPTH > 500:
    # Python's own JSON parser stops near 1,000 levels; past that the limit would not be the one
    # that decides.
    raise ImproperlyConfigured(f"IMPORT_MAX_JSON_DEPTH={IMPORT_MAX_JSON_DEPTH} must be at most 500")

# Lists of URLs are fetched by the worker (annotations/importers/fetch.py): a timeout and a size
# limit on every response, a pause between two requests to one host, and no private or local
# address unless allowed (an intranet's pages, or tests against a local server).
IMPORT_FETCH_TIMEOUT = env_int("IMPORT_FETCH_TIMEOUT", 10, minimum=1)
IMPORT_FETCH_MAX_BYTES = env_int("IMPORT_FETCH_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
IMPORT_FETCH_HOST_DELAY_MS = env_int("IMPORT_FETCH_HOST_DELAY_MS", 1000, minimum=0)
IMPORT_FETCH_ALLOW_PRIVATE = env_bool("IMPORT_FETCH_ALLOW_PRIVATE", False)

# History is an audit trail: it is read in the admin, never reverted from there.
SIMPLE_HISTORY_REVERT_DISABLED = True

# E-mail is optional: with EMAIL_HOST set, notifications, invitations and password resets go out
# by mail; without it nothing is sent and the pages that would need it say so.
EMAIL_HOST = env_str("EMAIL_HOST", "") or ""
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "workbench@localhost") or "workbench@localhost"
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.dummy.EmailBackend",
)
EMAIL_ENABLED = bool(EMAIL_HOST) or env_bool("EMAIL_ENABLED", False)
NOTIFY_BY_EMAIL = env_bool("NOTIFY_BY_EMAIL", EMAIL_ENABLED)
# The address people reach the Workbench at, for links in e-mails.
WORKBENCH_URL = env_str("WORKBENCH_URL", "http://localhost:8000") or "http://localhost:8000"

LOGIN_URL = "ui:login"
LOGIN_REDIRECT_URL = "ui:home"
LOGOUT_REDIRECT_URL = "ui:login"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out (account, address) is refused before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]


def client_address_rule(proxies: int) -> tuple[tuple[str, ...], int | None]:
    """django-ipware's headers and proxy count when `proxies` trusted proxies stand in front.

    No proxy: REMOTE_ADDR only, whatever X-Forwarded-For says. N: each proxy appends the address it
    was reached from, so the client is the N-th address from the right of X-Forwarded-For (what a
    client writes there itself stays on its left); django-ipware counts only the proxies listed
    after the client, hence N - 1.
    """
    if proxies == 0:
        return ("REMOTE_ADDR",), None
    return ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"), proxies - 1


# The client address, for the login lockout and the API throttles alike (annotations/api/
# throttling.py asks django-axes for it).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_IPWARE_META_PRECEDENCE_ORDER, AXES_IPWARE_PROXY_COUNT = client_address_rule(TRUSTED_PROXY_COUNT)
AXES_IPWARE_PROXY_ORDER = "left-most"
# Addresses a client prepends to X-Forwarded-For must not void the chain: count from the right.
IPWARE_STRICT = False

# Password guessing (django-axes): one count for the web login, the admin login and the API token
# endpoint. LOGIN_FAILURE_LIMIT failures of one account from one address lock that pair out until
# LOGIN_COOLOFF_MINUTES pass without another attempt; the right password does not get through
# meanwhile. Kept in the database, so every web process and machine shares it.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "annotations.lockout.lockout_response"

# The REST API: tokens first, so an anonymous client is told 401 with `WWW-Authenticate: Token`;
# the browser's session also works (with its CSRF check). Tokens are stored hashed and die with a
# change of password (annotations/api/authentication.py). Rates are per client, kept in the
# cache (per process unless a shared cache is configured); API_THROTTLE_ANON covers the token
# endpoint, on top of the login lockout above.
REST_FRAMEWORK = {
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "annotations.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON in and out; the import endpoint alone takes multipart uploads. Swagger UI at /api/docs/
    # is the browsable documentation.
    "DEFAULT_PARSER_CLASSES": ["annotations.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": [
        "annotations.api.throttling.AnonRateThrottle",
        "annotations.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "30/minute"),
        # Above what a busy annotator or a researcher's sequential script sends (1,200/minute
        # answered 429 to such a script); it stops a runaway loop, not a user.
        "user": env_str("API_THROTTLE_USER", "20000/minute"),
    },
    "DEFAULT_FILTER_BACKENDS": [
        "annotations.api.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "annotations.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "annotations.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# The OpenAPI schema (/api/schema/) and Swagger UI (/api/docs/), served from local static files.
SPECTACULAR_SETTINGS = {
    "TITLE": "Workbench API",
    "DESCRIPTION": (
        "Projects, articles, claims, annotations, evidence, adjudications, jobs and dataset "
        "releases of the fact-checking Workbench. Authenticate with `Authorization: Token <key>` "
        "(POST /api/v1/auth/token/) or the browser session. Lists are cursor-paginated; updates "
        "of claims, annotations and adjudications carry `version` (or `If-Match`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": True},
    "ENUM_NAME_OVERRIDES": {
        "ClaimStatusEnum": "annotations.models.ClaimStatus",
        "JobStatusEnum": "annotations.models.JobStatus",
        "RoleEnum": "annotations.models.Role",
        "ClaimKindEnum": "annotations.models.ClaimKind",
        "RelationKindEnum": "annotations.models.RelationKind",
        "JobKindEnum": "annotations.models.JobKind",
        "AdjudicationMethodEnum": "annotations.models.AdjudicationMethod",
        "ReviewerMethodEnum": ["adjudicated", "majority"],
        "CandidateStatusEnum": "annotations.models.CandidateStatus",
        "CandidateOriginEnum": "annotations.models.CandidateOrigin",
        "ClaimOriginEnum": "annotations.models.ClaimOrigin",
        "DecisionEnum": ["accepted", "rejected"],
        "AnswerEnum": "annotations.models.Answer",
    },
}

# Celery: the embedded default is kombu's filesystem transport under var/, so `make run`
# needs no broker server; production points CELERY_BROKER_URL at Redis or RabbitMQ.
BROKER_DIR = Path(env_str("BROKER_DIR", str(VAR_DIR / "broker")) or VAR_DIR / "broker")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or "filesystem://"
# Redis hands an unacknowledged task to another worker after this many seconds. It is only a
# backstop: the job reconciler (below) takes back a killed worker's job within a minute or two,
# and a redelivery of a job whose run is still alive is recognised by its lease and dropped.
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Exchange bindings; kombu would otherwise write them to ./control in the working dir.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # kombu looks for new messages every second by default: a job waited up to 1 s to start.
        # Listing a folder of a few files ten times a second costs next to nothing.
        "polling_interval": 0.1,
    }
# Jobs record their own outcome on the Job row; a result backend would only duplicate it.
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only once it has finished, so a worker killed mid-job hands it to
# another worker; tasks are written to be safe to run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "workbench") or "workbench"
# Publishing to a broker that is down fails fast, so starting a job answers 503 at once.
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 3, minimum=1)

# Jobs (annotations/services/jobs.py). A running job renews its lease every
# JOB_HEARTBEAT_SECONDS; one silent for JOB_STALE_SECONDS lost its worker, and the reconciler
# every worker runs every JOB_RECONCILE_SECONDS (0: off) queues it again, or fails it after
# JOB_MAX_ATTEMPTS runs. A queued job nobody took for JOB_RESEND_QUEUED_SECONDS (a broker
# restarted without persistence forgets its messages) is sent again. Recovery after a killed
# worker thus takes at most JOB_STALE_SECONDS + JOB_RECONCILE_SECONDS (90 s by default).
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 10, minimum=1)
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 60, minimum=1)
JOB_RECONCILE_SECONDS = env_int("JOB_RECONCILE_SECONDS", 30, minimum=0)
JOB_RESEND_QUEUED_SECONDS = env_int("JOB_RESEND_QUEUED_SECONDS", 300, minimum=1)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 5, minimum=1)
if JOB_STALE_SECONDS < 3 * JOB_HEARTBEAT_SECONDS:
    # Two missed beats (a busy SQLite writer can hold one up) must not look like a dead worker.
    raise ImproperlyConfigured("JOB_STALE_SECONDS must be at least 3 × JOB_HEARTBEAT_SECONDS")

# Production hardening: on unless DEBUG, each switchable for a deployment behind a proxy.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("SECURE_PROXY_SSL", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Content-Security-Policy (django-csp) for every response: scripts, styles, images and fonts
# from our own origin only (htmx, Swagger UI and the admin's are local static files), no inline
# script or <style>, no eval, no framing, no plugins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Verdict colours and bar widths are set in style attributes; an attribute can neither
        # run script nor load anything (img-src still holds url()), unlike a <style> element.
        "style-src-attr": [UNSAFE_INLINE],
        # Swagger UI's icons are data: SVGs.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
