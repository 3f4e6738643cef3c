"""Kizuna settings: every knob is an environment variable with a safe default (docs/api.md §19)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KIZUNA_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


DEBUG = env_bool("KIZUNA_DEBUG", False)
# The published fallback: with KIZUNA_DEBUG off, a system check refuses to start with it (kizuna.E001).
INSECURE_SECRET_KEY = "kizuna-insecure-development-key-change-me"
SECRET_KEY = os.environ.get("KIZUNA_SECRET_KEY") or INSECURE_SECRET_KEY
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("KIZUNA_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",") if h.strip()]

INSTALLED_APPS = [
    "kizuna.admin_site.KizunaAdminConfig",  # django.contrib.admin, entered through kizuna.policy
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "kizuna.api",
    "kizuna.accounts",
    "kizuna.events",
    "kizuna.web",
    "repos",
    "issues",
    "pulls",
    "agents",
    "pipelines",
]

# Every entry is async-capable and runs on the event loop under ASGI unless a phase may block
# (kizuna/api/on_loop.py): Django's and django-csp's classes are named through their subclasses there.
MIDDLEWARE = [
    "kizuna.api.middleware.RequestIdMiddleware",
    "kizuna.api.middleware.ApiErrorMiddleware",
    "kizuna.api.on_loop.SecurityMiddleware",
    # Serves Swagger UI / Redoc assets (drf-spectacular-sidecar) and the web pages' CSS from this
    # server, in every deployment mode; finders make `collectstatic` optional for `make run`.
    "kizuna.web.middleware.StaticFilesMiddleware",
    # git's smart HTTP (`/<org>/<repo>.git/…`) answered here: a git client needs nothing below.
    "repos.smart_http.middleware.GitHttpMiddleware",
    "kizuna.api.on_loop.SessionMiddleware",
    "kizuna.api.on_loop.CommonMiddleware",
    "kizuna.api.on_loop.CsrfViewMiddleware",
    "kizuna.api.on_loop.AuthenticationMiddleware",
    "kizuna.api.middleware.RateLimitMiddleware",
    "kizuna.api.middleware.VersionMiddleware",
    "kizuna.api.on_loop.ConditionalGetMiddleware",
    "kizuna.web.middleware.MessageMiddleware",  # Django's, skipped under /api/
    "kizuna.api.on_loop.XFrameOptionsMiddleware",
    "kizuna.web.csp.CSPMiddleware",  # django-csp's, with the settings' policy built once
    # Sign-in throttling (django-axes): refuses a locked-out sign-in before the password is checked.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: counts failures, refuses locked-out attempts
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "kizuna.urls"
WSGI_APPLICATION = "kizuna.wsgi.application"
ASGI_APPLICATION = "kizuna.asgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kizuna" / "templates"],
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

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("KIZUNA_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'kizuna.sqlite3'}",
        conn_max_age=env_int("KIZUNA_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Server-side prepared statements (psycopg 3): a statement run KIZUNA_DB_PREPARE_THRESHOLD times on
    # a connection is prepared and then only executed, its parse and plan saved. Needs server-side
    # parameter binding (the values sent apart from the SQL, so a statement's text repeats) and a
    # persistent connection (KIZUNA_DB_CONN_MAX_AGE); not behind a transaction-pooling PgBouncer < 1.21.
    _prepare_threshold = os.environ.get("KIZUNA_DB_PREPARE_THRESHOLD", "").strip()
    if _prepare_threshold:
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": int(_prepare_threshold)})
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/
    # WAL lets readers run beside the one writer; the timeout rides out short write locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = os.environ.get("KIZUNA_REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "kizuna"},
        "ratelimit": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "kizuna-rl"},
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kizuna-default"},
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kizuna-ratelimit"},
    }

TASKS = {
    "default": {
        "BACKEND": os.environ.get("KIZUNA_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
# `collectstatic` target for production (docs/deploy.md); unset, WhiteNoise serves from the apps.
STATIC_ROOT = os.environ.get("KIZUNA_STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "/login"

# Password guessing (django-axes): /login and /admin/login/ lock out an account and, separately, a
# client address after KIZUNA_LOGIN_FAILURE_LIMIT failures within KIZUNA_LOGIN_COOLOFF_SECONDS; a
# locked-out sign-in answers 429 with Retry-After (kizuna.web.views.sign_in_locked_out), even with the
# right password. Attempts are rows in the database, so every server process sees the same count.
KIZUNA_LOGIN_FAILURE_LIMIT = env_int("KIZUNA_LOGIN_FAILURE_LIMIT", 5)
KIZUNA_LOGIN_COOLOFF_SECONDS = env_int("KIZUNA_LOGIN_COOLOFF_SECONDS", 900)
AXES_FAILURE_LIMIT = KIZUNA_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(seconds=KIZUNA_LOGIN_COOLOFF_SECONDS)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own: per account and per address
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failure, for operators (admin → Axes → access failures)
AXES_CLIENT_IP_CALLABLE = "kizuna.api.client_address.client_ip"  # THE client address
AXES_LOCKOUT_CALLABLE = "kizuna.web.views.sign_in_locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no start-up banner on every process (a quiet console)

# Content-Security-Policy (django-csp) on every response: scripts only from this server (no inline
# script: the web pages' JS is a file, Swagger UI's initialiser is served by its split view, Redoc
# starts from its <redoc> element). Styles allow inline ones, which Swagger UI and Redoc inject at run
# time; Redoc's search runs in a worker made from a blob: URL.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("KIZUNA_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Kizuna ---------------------------------------------------------------------------------
KIZUNA_GIT_ROOT = Path(os.environ.get("KIZUNA_GIT_ROOT", VAR_DIR / "git"))
KIZUNA_RATE_LIMIT_DEFAULT = env_int("KIZUNA_RATE_LIMIT_DEFAULT", 1000)
KIZUNA_RATE_LIMIT_AUTHENTICATED = env_int("KIZUNA_RATE_LIMIT_AUTHENTICATED", 5000)
KIZUNA_RATE_LIMIT_INTERNAL = env_int("KIZUNA_RATE_LIMIT_INTERNAL", 10000)
# Reverse proxies whose X-Forwarded-For is believed for the per-IP tier (comma-separated addresses).
KIZUNA_TRUSTED_PROXIES = tuple(p.strip() for p in os.environ.get("KIZUNA_TRUSTED_PROXIES", "").split(",") if p.strip())
# Prefix of the counters' keys (tests give each test its own, so runs sharing a Redis never collide).
KIZUNA_RATE_LIMIT_NAMESPACE = os.environ.get("KIZUNA_RATE_LIMIT_NAMESPACE", "rl")
KIZUNA_WEBHOOK_ALLOW_PRIVATE = env_bool("KIZUNA_WEBHOOK_ALLOW_PRIVATE", False)
# One delivery attempt's deadline, connecting and reading the whole response (docs/api.md §12: 10 s).
KIZUNA_WEBHOOK_TIMEOUT = env_float("KIZUNA_WEBHOOK_TIMEOUT", 10)
# Attempts before a delivery is given up (with exponential backoff, 15 attempts span about a day).
KIZUNA_WEBHOOK_MAX_ATTEMPTS = env_int("KIZUNA_WEBHOOK_MAX_ATTEMPTS", 15)
KIZUNA_JOB_LEASE_SECONDS = env_int("KIZUNA_JOB_LEASE_SECONDS", 60)
KIZUNA_MAX_BODY_BYTES = env_int("KIZUNA_MAX_BODY_BYTES", 1024 * 1024)
KIZUNA_GIT_COMMITTER_NAME = os.environ.get("KIZUNA_GIT_COMMITTER_NAME", "Kizuna")
KIZUNA_GIT_COMMITTER_EMAIL = os.environ.get("KIZUNA_GIT_COMMITTER_EMAIL", "kizuna@localhost")
# Above this many matching rows a list omits `last` and X-Total-Count rather than count them all.
KIZUNA_PAGINATION_COUNT_LIMIT = env_int("KIZUNA_PAGINATION_COUNT_LIMIT", 10000)
# The hottest reads (the issue list, the repository lookup) run SQL compiled once per shape (kizuna.statements);
# false runs them as plain querysets (e.g. on a Django version kizuna.statements was not verified on).
KIZUNA_COMPILED_STATEMENTS = env_bool("KIZUNA_COMPILED_STATEMENTS", True)
# Check every reuse of a compiled statement against a fresh compilation (kizuna.statements; on in tests).
KIZUNA_VERIFY_STATEMENTS = env_bool("KIZUNA_VERIFY_STATEMENTS", False)
# Public root URL used in `url`/`clone_url` fields when requests come through a proxy; empty: from the request.
KIZUNA_PUBLIC_URL = os.environ.get("KIZUNA_PUBLIC_URL", "").rstrip("/")

# Pipeline job logs: the most a job may write (413 above it).
KIZUNA_JOB_LOG_MAX_BYTES = env_int("KIZUNA_JOB_LOG_MAX_BYTES", 64 * 1024 * 1024)
# `GET …/contents/:path`: files above this size are listed without their content.
KIZUNA_CONTENTS_MAX_BYTES = env_int("KIZUNA_CONTENTS_MAX_BYTES", 1024 * 1024)
# Server-Sent Events (docs/api.md "Event streams"; kizuna/events/streams/).
KIZUNA_SSE_POLL_SECONDS = env_float("KIZUNA_SSE_POLL_SECONDS", 1.0)  # without Redis: how often hubs read new events
KIZUNA_SSE_REDIS_POLL_SECONDS = env_float("KIZUNA_SSE_REDIS_POLL_SECONDS", 5.0)  # with Redis: a safety-net poll
KIZUNA_SSE_GAP_SECONDS = env_float("KIZUNA_SSE_GAP_SECONDS", 10.0)  # how long a gap in event ids is waited for
KIZUNA_SSE_HUB_IDLE_SECONDS = env_float("KIZUNA_SSE_HUB_IDLE_SECONDS", 60.0)  # a hub with no stream stops after
KIZUNA_SSE_BUFFER = env_int("KIZUNA_SSE_BUFFER", 10000)  # events a process keeps for resuming streams
KIZUNA_SSE_MAX_STREAMS_PER_CALLER = env_int("KIZUNA_SSE_MAX_STREAMS_PER_CALLER", 20)  # per process; 0: no cap
KIZUNA_SSE_KEEPALIVE_SECONDS = env_float("KIZUNA_SSE_KEEPALIVE_SECONDS", 15.0)
KIZUNA_SSE_ACCESS_RECHECK_SECONDS = env_float("KIZUNA_SSE_ACCESS_RECHECK_SECONDS", 30.0)  # backstop (token expiry)
KIZUNA_SSE_MAX_SECONDS = env_float("KIZUNA_SSE_MAX_SECONDS", 0)  # 0: a stream lives until the client leaves

DATA_UPLOAD_MAX_MEMORY_SIZE = KIZUNA_MAX_BODY_BYTES

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kizuna.api.authentication.PersonalTokenAuthentication",
        "kizuna.api.authentication.AgentTokenAuthentication",
        "kizuna.api.authentication.DeployTokenAuthentication",
        "kizuna.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["kizuna.policy.drf.TokenScopePermission"],
    "DEFAULT_PARSER_CLASSES": ["kizuna.api.parsers.StrictJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["kizuna.api.renderers.KizunaJSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "kizuna.api.pagination.LinkHeaderPagination",
    # Rate limiting is kizuna.api.middleware.RateLimitMiddleware: it must count unknown paths too.
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "kizuna.api.schema.KizunaAutoSchema",
    # OPTIONS is not part of the API (not in the schema): 405 in the envelope, never DRF's metadata.
    "DEFAULT_METADATA_CLASS": None,
    "EXCEPTION_HANDLER": "kizuna.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
    "PAGE_SIZE": 30,
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "kizuna.api.renderers.LenientContentNegotiation",
    "UNICODE_JSON": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Kizuna REST API",
    "DESCRIPTION": "A code forge whose REST API treats AI agents as first-class participants.",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SCHEMA_PATH_PREFIX_TRIM": True,
    "SERVERS": [{"url": "/api/v1"}],
    "ENUM_NAME_OVERRIDES": {
        "TokenScopeEnum": ["read", "write", "admin"],
        "DeployTokenScopeEnum": ["read", "write"],
        "AgentStatusEnum": "agents.models.Agent.Status",
        "PipelineStatusEnum": "pipelines.models.Status",
        "OpenClosedStateEnum": "issues.models.Issue.State",  # issues and milestones share it
        "DeliveryStateEnum": "kizuna.events.models.WebhookDelivery.State",
        "WebhookEventEnum": "kizuna.events.serializers.WEBHOOK_EVENT_CHOICES",
    },
    "CONTACT": {"name": "The operators of this Kizuna server"},
    # versions_hook marks deprecations; postprocess then shares headers and lists the tags in use.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "kizuna.api.schema.versions_hook",
                             "kizuna.api.schema.postprocess"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KIZUNA_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
